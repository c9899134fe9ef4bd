/* test-sfu-feedback.c: what the router tells publishers about their uplink: the missing-packet
 * tracker behind its NACKs (media/router/sfu-nack-gen.c) and the estimate behind its REMB
 * (media/router/sfu-uplink.c). */
#include <glib.h>

#include "router/sfu-nack-gen.h"
#include "router/sfu-uplink.h"

#define MS 1000

static void test_nack_gen_gaps(void)
{
    SfuNackGen g;
    guint16 seqs[SFU_NACK_GEN_MAX];
    gint64 now = 5 * G_USEC_PER_SEC;
    gsize n;

    sfu_nack_gen_init(&g);
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 100, now), ==, 0);
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 101, now), ==, 0);
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 101, now), ==, 0); /* duplicate */
    /* 102 and 103 go missing. */
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 104, now), ==, 2);
    g_assert_cmpuint(sfu_nack_gen_pending(&g), ==, 2);
    n = sfu_nack_gen_collect(&g, now, 50 * MS, seqs, G_N_ELEMENTS(seqs));
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpuint(seqs[0], ==, 102);
    g_assert_cmpuint(seqs[1], ==, 103);
    /* Not again before the retry interval. */
    g_assert_cmpuint(sfu_nack_gen_collect(&g, now + 10 * MS, 50 * MS, seqs, 8), ==, 0);
    /* 103 arrives (retransmitted on the same SSRC): only 102 is asked for again. */
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 103, now + 20 * MS), ==, 0);
    g_assert_cmpuint(g.recovered, ==, 1);
    n = sfu_nack_gen_collect(&g, now + 60 * MS, 50 * MS, seqs, 8);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(seqs[0], ==, 102);
    /* The third and last try, then it is given up. */
    g_assert_cmpuint(sfu_nack_gen_collect(&g, now + 120 * MS, 50 * MS, seqs, 8), ==, 1);
    g_assert_cmpuint(sfu_nack_gen_collect(&g, now + 180 * MS, 50 * MS, seqs, 8), ==, 0);
    g_assert_cmpuint(sfu_nack_gen_pending(&g), ==, 0);
    g_assert_cmpuint(g.given_up, ==, 1);
}

static void test_nack_gen_wrap_age_and_bursts(void)
{
    SfuNackGen g;
    guint16 seqs[SFU_NACK_GEN_MAX];
    gint64 now = G_USEC_PER_SEC;

    sfu_nack_gen_init(&g);
    /* Across the 16-bit wrap: 65535 and 0 are missing. */
    sfu_nack_gen_on_packet(&g, 65533, now);
    sfu_nack_gen_on_packet(&g, 65534, now);
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 1, now), ==, 2);
    g_assert_cmpuint(sfu_nack_gen_collect(&g, now, 50 * MS, seqs, 8), ==, 2);
    g_assert_cmpuint(seqs[0], ==, 65535);
    g_assert_cmpuint(seqs[1], ==, 0);
    /* Too old to be of use: dropped without another NACK. */
    g_assert_cmpuint(sfu_nack_gen_collect(&g, now + SFU_NACK_GEN_MAX_AGE_US + 1, 50 * MS, seqs, 8),
                     ==, 0);
    g_assert_cmpuint(sfu_nack_gen_pending(&g), ==, 0);

    /* A burst longer than the table is not repaired packet by packet: -1 (a key frame). */
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, (guint16)(1 + SFU_NACK_GEN_MAX + 2), now), ==, -1);
    g_assert_cmpuint(sfu_nack_gen_pending(&g), ==, 0);
    /* A sender that restarts its numbering far away starts afresh, no NACK, no key frame. */
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 40000, now), ==, 0);
    g_assert_cmpint(sfu_nack_gen_on_packet(&g, 40001, now), ==, 0);
    g_assert_cmpuint(sfu_nack_gen_pending(&g), ==, 0);
    /* The table keeps the newest gaps when they pile up. */
    for (guint i = 0; i < 3; i++) {
        guint16 base = (guint16)(40001 + i * 100);

        g_assert_cmpint(sfu_nack_gen_on_packet(&g, (guint16)(base + 100), now), ==, 99);
    }
    g_assert_cmpuint(sfu_nack_gen_pending(&g), ==, SFU_NACK_GEN_MAX);
    g_assert_cmpuint(sfu_nack_gen_collect(&g, now, 50 * MS, seqs, G_N_ELEMENTS(seqs)), ==,
                     SFU_NACK_GEN_MAX);
    g_assert_cmpuint(seqs[SFU_NACK_GEN_MAX - 1], ==, (guint16)(40001 + 300 - 1));
}

/* A 90 kHz stream, a packet every 10 ms, arriving @extra_ms later than it was sent. */
static void feed(SfuDelayTrend *t, gint64 *now, guint32 *ts, guint n, gint64 extra_ms)
{
    for (guint i = 0; i < n; i++) {
        *now += 10 * MS;
        *ts += 900;
        sfu_delay_trend_add(t, *ts, *now + extra_ms * MS);
    }
}

static void test_delay_trend(void)
{
    SfuDelayTrend t;
    gint64 now = 3 * G_USEC_PER_SEC;
    guint32 ts = 0xfffff000; /* wraps during the test */

    sfu_delay_trend_init(&t, 90000);
    g_assert_cmpint(sfu_delay_trend_close(&t), ==, 0); /* nothing yet */
    feed(&t, &now, &ts, 100, 0);
    g_assert_cmpint(sfu_delay_trend_close(&t), ==, 0);
    /* One late packet (a paced key frame) is not a queue: the interval's minimum stays. */
    feed(&t, &now, &ts, 50, 0);
    feed(&t, &now, &ts, 1, 120);
    feed(&t, &now, &ts, 49, 0);
    g_assert_cmpint(sfu_delay_trend_close(&t), ==, 0);
    /* A queue standing for the whole interval is. */
    feed(&t, &now, &ts, 100, 60);
    g_assert_cmpint(sfu_delay_trend_close(&t), ==, 60);
    feed(&t, &now, &ts, 100, 5);
    g_assert_cmpint(sfu_delay_trend_close(&t), ==, 5);
}

static void test_uplink_estimate(void)
{
    SfuUplink u;
    guint64 est;

    sfu_uplink_init(&u, 0);
    g_assert_cmpuint(u.estimate_bps, ==, SFU_UPLINK_DEFAULT_MAX);
    /* A clean link stays at the maximum. */
    g_assert_cmpuint(sfu_uplink_update(&u, 1500000, 0.0, 0), ==, SFU_UPLINK_DEFAULT_MAX);
    /* A standing queue: 85% of what arrived, without waiting for loss. */
    g_assert_cmpuint(sfu_uplink_update(&u, 2000000, 0.0, 80), ==, 1700000);
    /* Heavy loss: what arrived less half the loss. */
    g_assert_cmpuint(sfu_uplink_update(&u, 1600000, 0.20, 0), ==, 1440000);
    /* Moderate loss or some queuing: hold. */
    g_assert_cmpuint(sfu_uplink_update(&u, 1400000, 0.05, 0), ==, 1440000);
    g_assert_cmpuint(sfu_uplink_update(&u, 1400000, 0.0, 20), ==, 1440000);
    /* Clear again: 8% per interval, back up to the maximum and no further. */
    est = sfu_uplink_update(&u, 1400000, 0.0, 0);
    g_assert_cmpuint(est, ==, (guint64)(1440000 * 1.08) + 10000);
    for (guint i = 0; i < 40; i++)
        est = sfu_uplink_update(&u, 1400000, 0.0, 0);
    g_assert_cmpuint(est, ==, SFU_UPLINK_DEFAULT_MAX);
    /* Never below the floor. */
    g_assert_cmpuint(sfu_uplink_update(&u, 0, 0.5, 0), ==, SFU_UPLINK_MIN_BPS);
    sfu_uplink_init(&u, 1500000);
    g_assert_cmpuint(sfu_uplink_update(&u, 1000000, 0.0, 0), ==, 1500000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-feedback/nack-gen-gaps", test_nack_gen_gaps);
    g_test_add_func("/media/sfu-feedback/nack-gen-wrap-age-and-bursts",
                    test_nack_gen_wrap_age_and_bursts);
    g_test_add_func("/media/sfu-feedback/delay-trend", test_delay_trend);
    g_test_add_func("/media/sfu-feedback/uplink-estimate", test_uplink_estimate);
    return g_test_run();
}
