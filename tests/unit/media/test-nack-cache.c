/* test-nack-cache.c: the per-stream retransmission cache (media/router/sfu-nack-cache.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-nack-cache.h"

/* A packet whose bytes say which sequence number it is. */
static gsize fill(guint8 *buf, guint16 seq, gsize len)
{
    gsize i;

    for (i = 0; i < len; i++)
        buf[i] = (guint8)(seq + i);
    return len;
}

static void assert_holds(SfuNackCache *cache, guint16 seq, gsize len, gint64 now)
{
    guint8 want[1500];
    const guint8 *got = NULL;
    gsize got_len = 0;

    fill(want, seq, len);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, seq, now, &got, &got_len), ==, 0);
    g_assert_cmpmem(got, got_len, want, len);
}

static void test_store_and_lookup(void)
{
    g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(64, 1500, G_USEC_PER_SEC);
    guint8 buf[1500];
    guint16 seq;

    g_assert_cmpint(sfu_nack_cache_lookup(cache, 0, 0, NULL, NULL), ==, -ENOENT);
    for (seq = 1000; seq < 1100; seq++)
        g_assert_cmpint(sfu_nack_cache_store(cache, seq, buf, fill(buf, seq, 100 + seq % 7), 0), ==,
                        0);
    /* The last 64 are there, byte for byte; older ones were overwritten. */
    for (seq = 1036; seq < 1100; seq++)
        assert_holds(cache, seq, 100 + seq % 7, 1000);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 1035, 1000, NULL, NULL), ==, -ENOENT);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 1000, 1000, NULL, NULL), ==, -ENOENT);
    /* Not received yet. */
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 1100, 1000, NULL, NULL), ==, -ENOENT);
    /* Too big for a slot. */
    g_assert_cmpint(sfu_nack_cache_store(cache, 1100, buf, 1501, 0), ==, -EMSGSIZE);
}

static void test_wrap(void)
{
    g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(128, 200, G_USEC_PER_SEC);
    guint8 buf[200];
    guint i;

    for (i = 0; i < 100; i++) {
        guint16 seq = (guint16)(65500 + i);

        g_assert_cmpint(sfu_nack_cache_store(cache, seq, buf, fill(buf, seq, 50), 0), ==, 0);
    }
    /* 65500..65535 and 0..63 are all there across the wrap. */
    for (i = 0; i < 100; i++)
        assert_holds(cache, (guint16)(65500 + i), 50, 0);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 64, 0, NULL, NULL), ==, -ENOENT);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 65499, 0, NULL, NULL), ==, -ENOENT);
}

/* A slot's old occupant from an earlier cycle of the 16-bit space is never returned for the
 * same 16-bit number. */
static void test_same_number_next_cycle(void)
{
    g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(4, 16, G_MAXINT64);
    guint8 buf[16];
    guint32 n;

    g_assert_cmpint(sfu_nack_cache_store(cache, 5, buf, fill(buf, 5, 8), 0), ==, 0);
    /* Walk the whole sequence space but skip every number that maps to 5's slot. */
    for (n = 6; n < 65536 + 9; n++) {
        if ((n & 3) == (5 & 3))
            continue;
        g_assert_cmpint(sfu_nack_cache_store(cache, (guint16)n, buf, fill(buf, (guint16)n, 8), 0),
                        ==, 0);
    }
    /* The slot of 5 still holds the old 5, but a NACK for 5 now means the one 65536 later,
     * which never arrived. */
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 5, 0, NULL, NULL), ==, -ENOENT);
    assert_holds(cache, 7, 8, 0);
    assert_holds(cache, 8, 8, 0);
}

static void test_late_and_stale(void)
{
    g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(32, 100, 500000);
    guint8 buf[100];

    g_assert_cmpint(sfu_nack_cache_store(cache, 10, buf, fill(buf, 10, 10), 0), ==, 0);
    g_assert_cmpint(sfu_nack_cache_store(cache, 12, buf, fill(buf, 12, 10), 0), ==, 0);
    /* 11 arrives late but inside the window: stored. */
    g_assert_cmpint(sfu_nack_cache_store(cache, 11, buf, fill(buf, 11, 10), 100), ==, 0);
    assert_holds(cache, 11, 10, 200);
    /* Far too late: refused. */
    g_assert_cmpint(sfu_nack_cache_store(cache, 60000, buf, fill(buf, 60000, 10), 0), ==, -ESTALE);
    assert_holds(cache, 12, 10, 200);

    /* Older than the maximum age: there, but not worth resending. */
    assert_holds(cache, 10, 10, 500000);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 10, 500001, NULL, NULL), ==, -ETIME);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 11, 500001, NULL, NULL), ==, 0);
}

/* A publisher that restarts its numbering far away: two consecutive packets move the cache. */
static void test_restart(void)
{
    g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(16, 100, G_USEC_PER_SEC);
    guint8 buf[100];

    g_assert_cmpint(sfu_nack_cache_store(cache, 40000, buf, fill(buf, 40000, 5), 0), ==, 0);
    /* 20000 is 20000 behind: refused; 20001 right after it confirms the restart. */
    g_assert_cmpint(sfu_nack_cache_store(cache, 20000, buf, fill(buf, 20000, 5), 0), ==, -ESTALE);
    g_assert_cmpint(sfu_nack_cache_store(cache, 20001, buf, fill(buf, 20001, 5), 0), ==, 0);
    g_assert_cmpint(sfu_nack_cache_store(cache, 20002, buf, fill(buf, 20002, 5), 0), ==, 0);
    assert_holds(cache, 20001, 5, 0);
    assert_holds(cache, 20002, 5, 0);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 40000, 0, NULL, NULL), ==, -ENOENT);

    sfu_nack_cache_clear(cache);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 20002, 0, NULL, NULL), ==, -ENOENT);
    g_assert_cmpint(sfu_nack_cache_store(cache, 30000, buf, fill(buf, 30000, 5), 0), ==, 0);
    assert_holds(cache, 30000, 5, 0);
}

static void test_empty_packet(void)
{
    g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(1, 10, G_USEC_PER_SEC);
    const guint8 *p;
    gsize len = 99;

    g_assert_cmpint(sfu_nack_cache_store(cache, 7, NULL, 0, 0), ==, 0);
    g_assert_cmpint(sfu_nack_cache_lookup(cache, 7, 0, &p, &len), ==, 0);
    g_assert_cmpuint(len, ==, 0);
}

/* The ring keeps about max_age of the stream: a fast stream makes it grow (its packets kept, byte
 * for byte, across each doubling), a slow one leaves it at its first size, and it never grows past
 * n_slots. */
static void test_window_follows_rate(void)
{
    g_autoptr(SfuNackCache) fast = sfu_nack_cache_new(1024, 1500, G_USEC_PER_SEC);
    g_autoptr(SfuNackCache) slow = sfu_nack_cache_new(1024, 1500, G_USEC_PER_SEC);
    guint8 buf[1500];
    guint i;

    g_assert_cmpuint(sfu_nack_cache_get_window(fast), ==, 128);
    /* 150 packets a second (1.2 Mb/s of video) for 3 s, numbers wrapping on the way. */
    for (i = 0; i < 450; i++) {
        guint16 seq = (guint16)(65400 + i);
        gint64 now = (gint64)i * G_USEC_PER_SEC / 150;

        g_assert_cmpint(sfu_nack_cache_store(fast, seq, buf, fill(buf, seq, 900 + i % 300), now),
                        ==, 0);
        /* Every packet of the last second is there, across each growth. */
        if (i % 37 == 0)
            for (guint back = 0; back < MIN(i + 1, 150u); back++)
                assert_holds(fast, (guint16)(seq - back), 900 + (i - back) % 300, now);
    }
    g_assert_cmpuint(sfu_nack_cache_get_window(fast), ==, 256);
    /* (Looked up at the time the oldest of them came, so none is too old to return.) */
    for (i = 450 - 256; i < 450; i++)
        assert_holds(fast, (guint16)(65400 + i), 900 + i % 300,
                     (gint64)(450 - 256) * G_USEC_PER_SEC / 150);
    g_assert_cmpint(sfu_nack_cache_lookup(fast, (guint16)(65400 + 450 - 257), 0, NULL, NULL), ==,
                    -ENOENT);

    /* 50 packets a second: 128 slots already hold 2.5 s. */
    for (i = 0; i < 500; i++)
        g_assert_cmpint(sfu_nack_cache_store(slow, (guint16)i, buf, fill(buf, (guint16)i, 100),
                                             (gint64)i * G_USEC_PER_SEC / 50),
                        ==, 0);
    g_assert_cmpuint(sfu_nack_cache_get_window(slow), ==, 128);
    assert_holds(slow, 499 - 127, 100, 0);
    g_assert_cmpint(sfu_nack_cache_lookup(slow, 499 - 128, 0, NULL, NULL), ==, -ENOENT);
    /* A late packet behind the window in use is refused, as behind a full ring. */
    g_assert_cmpint(sfu_nack_cache_store(slow, 499 - 200, buf, fill(buf, 299, 100), 0), ==,
                    -ESTALE);

    /* A burst far faster than the maximum age: growth stops at n_slots. */
    g_autoptr(SfuNackCache) burst = sfu_nack_cache_new(512, 100, G_USEC_PER_SEC);
    for (i = 0; i < 5000; i++)
        g_assert_cmpint(sfu_nack_cache_store(burst, (guint16)i, buf, fill(buf, (guint16)i, 60), 0),
                        ==, 0);
    g_assert_cmpuint(sfu_nack_cache_get_window(burst), ==, 512);
    for (i = 5000 - 512; i < 5000; i++)
        assert_holds(burst, (guint16)i, 60, 0);
    g_assert_cmpint(sfu_nack_cache_lookup(burst, 5000 - 513, 0, NULL, NULL), ==, -ENOENT);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/nack-cache/store-and-lookup", test_store_and_lookup);
    g_test_add_func("/media/nack-cache/wrap", test_wrap);
    g_test_add_func("/media/nack-cache/same-number-next-cycle", test_same_number_next_cycle);
    g_test_add_func("/media/nack-cache/late-and-stale", test_late_and_stale);
    g_test_add_func("/media/nack-cache/restart", test_restart);
    g_test_add_func("/media/nack-cache/empty-packet", test_empty_packet);
    g_test_add_func("/media/nack-cache/window-follows-rate", test_window_follows_rate);
    return g_test_run();
}
