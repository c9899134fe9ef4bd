/* test-sfu-alloc.c: the forwarding path allocates nothing.
 *
 * This program defines malloc, calloc, realloc, free and the aligned allocators itself, which
 * the dynamic linker then uses for every library in the process (GLib included); they count
 * calls while counting is on and hand the work to glibc's own __libc_* functions. A room with a
 * simulcast publisher, an audio publisher, 32 subscribers and a tap is warmed up (streams bound,
 * layers chosen), then a few thousand packets are forwarded, NACKs answered and PLIs passed on
 * with counting on: the count must stay zero. Sanitizer builds replace the allocator themselves,
 * so there the test is skipped.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-room.h"
#include "rtp/rtcp.h"
#include "sfu-fake.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif

static volatile gboolean counting;
static volatile guint64 n_allocs;

#ifndef SANITIZED
#include <malloc.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t alignment, size_t size);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
int posix_memalign(void **out, size_t alignment, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
void *memalign(size_t alignment, size_t size);

void *malloc(size_t size)
{
    if (counting)
        n_allocs++;
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    if (counting)
        n_allocs++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    if (counting)
        n_allocs++;
    return __libc_realloc(p, size);
}

void free(void *p)
{
    __libc_free(p);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p;

    if (counting)
        n_allocs++;
    p = __libc_memalign(alignment, size);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    if (counting)
        n_allocs++;
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size)
{
    if (counting)
        n_allocs++;
    return __libc_memalign(alignment, size);
}
#endif

#define EXT_MID 1
#define EXT_RID 2
#define EXT_LVL 3
#define N_SUBS  32

typedef struct {
    guint32 ssrc;
    const char *rid;
    guint16 seq;
    guint32 ts;
    gsize size;
} Layer;

#ifndef SANITIZED
static guint64 tap_bytes;

static void tap_rtp(gpointer data, const SfuTapTrack *track, const guint8 *rtp, gsize len)
{
    tap_bytes += len; /* cheap, as a tap must be */
}

static void send_layer(SfuRoom *room, SfuParticipant *pub, Layer *l, guint8 fill, gboolean key,
                       gint64 now)
{
    guint8 buf[1500], payload[1400];
    FakeExt ext[2] = {{EXT_MID, (const guint8 *)"v", 1}, {EXT_RID, (const guint8 *)l->rid, 1}};
    gsize len;

    fake_vp8_payload(payload, l->size, key, (guint16)(l->seq & 0x7fff), 640, 360, fill);
    len = fake_rtp(buf, l->ssrc, l->seq++, l->ts, 96, TRUE, ext, 2, payload, l->size);
    l->ts += 3000;
    g_assert_cmpint(sfu_room_on_rtp(room, pub, buf, len, now), ==, 0);
}

static void send_audio(SfuRoom *room, SfuParticipant *pub, guint16 seq, gint64 now)
{
    guint8 buf[200], payload[80];
    guint8 level = 30;
    FakeExt ext = {EXT_LVL, &level, 1};
    gsize len;

    memset(payload, 0x11, sizeof(payload));
    len =
        fake_rtp(buf, 0xa1, seq, (guint32)seq * 960, 111, FALSE, &ext, 1, payload, sizeof(payload));
    g_assert_cmpint(sfu_room_on_rtp(room, pub, buf, len, now), ==, 0);
}
#endif

static void test_forwarding_does_not_allocate(void)
{
#ifdef SANITIZED
    g_test_skip("the sanitizer owns the allocator in this build");
#else
    static const SfuExtIds pub_ext = {.mid = EXT_MID, .rid = EXT_RID, .audio_level = EXT_LVL};
    static const SfuExtIds sub_ext = {.mid = 5, .audio_level = 6, .abs_send_time = 7};
    static const SfuTapFuncs tap_funcs = {tap_rtp, NULL, NULL, NULL};
    SfuRoomConfig config = {.meeting_id = 1};
    SfuTrackConfig video = {.mid = "v",
                            .kind = SFU_MEDIA_VIDEO,
                            .codec = SFU_CODEC_VP8,
                            .payload_type = 96,
                            .clock_rate = 90000,
                            .n_layers = 3,
                            .layers = {{.rid = "q"}, {.rid = "h"}, {.rid = "f"}},
                            .feedback = SFU_FB_NACK | SFU_FB_PLI | SFU_FB_REMB};
    SfuTrackConfig audio = {.mid = "a",
                            .kind = SFU_MEDIA_AUDIO,
                            .payload_type = 111,
                            .clock_rate = 48000,
                            .n_layers = 1,
                            .layers = {{.ssrc = 0xa1}}};
    Layer layers[3] = {{0x100, "q", 0, 0, 200}, {0x200, "h", 0, 0, 600}, {0x300, "f", 0, 0, 1100}};
    FakePeer *peers[N_SUBS + 2];
    SfuRoom *room = sfu_room_new(&config, NULL, NULL);
    SfuParticipant *pub, *chair;
    SfuTap *tap;
    gint64 now = G_USEC_PER_SEC;
    guint8 rtcp[256];
    RtcpWriter w;
    guint64 before;
    guint i, step;
    guint16 aseq = 0;
    int len;

    pub = sfu_room_add_participant(room, 1, "member", SFU_ROLE_MEMBER, NULL);
    chair = sfu_room_add_participant(room, 2, "chair", SFU_ROLE_CHAIR, NULL);
    peers[0] = fake_peer_new(TRUE);
    peers[1] = fake_peer_new(TRUE);
    sfu_participant_set_transport(pub, SFU_SIDE_PUBLISH, &fake_transport, peers[0], &pub_ext);
    sfu_participant_set_transport(chair, SFU_SIDE_PUBLISH, &fake_transport, peers[1], &pub_ext);
    g_assert_true(sfu_room_publish(room, 1, &video, NULL));
    g_assert_true(sfu_room_publish(room, 2, &audio, NULL));
    for (i = 0; i < N_SUBS; i++) {
        guint64 id = 10 + i;
        SfuParticipant *s = sfu_room_add_participant(room, id, "sub", SFU_ROLE_MEMBER, NULL);
        SfuSubscribeConfig vc = {.ssrc = 0x1000 + i, .payload_type = -1, .mid = "v1"};
        SfuSubscribeConfig ac = {.ssrc = 0x2000 + i, .payload_type = -1, .mid = "a1"};

        peers[2 + i] = fake_peer_new(TRUE);
        sfu_participant_set_transport(s, SFU_SIDE_SUBSCRIBE, &fake_transport, peers[2 + i],
                                      &sub_ext);
        g_assert_true(sfu_room_subscribe(room, id, 1, "v", &vc, now, NULL));
        g_assert_true(sfu_room_subscribe(room, id, 2, "a", &ac, now, NULL));
    }
    tap = sfu_room_add_tap(room, &tap_funcs, NULL, NULL);
    sfu_tap_select(tap, 1, SFU_MEDIA_VIDEO, -1, now);
    sfu_tap_select(tap, 2, SFU_MEDIA_AUDIO, -1, now);

    /* Warm up: bind the streams, choose layers, fill the caches. */
    for (step = 0; step < 300; step++) {
        now += 10 * 1000;
        for (i = 0; i < 3; i++)
            send_layer(room, pub, &layers[i], (guint8)i, step % 100 == 0, now);
        send_audio(room, chair, aseq++, now);
        if (step % 10 == 0)
            sfu_room_tick(room, now);
    }
    g_assert_cmpuint(peers[2]->n_rtp, >, 300);

    /* Counted: forwarding to 32 subscribers and a tap, NACK answers, PLIs, the floor, and
     * towards the publisher NACKs for packets lost on its uplink and the timer's REMB. */
    before = peers[2]->n_rtp;
    n_allocs = 0;
    counting = TRUE;
    for (step = 0; step < 1000; step++) {
        now += 10 * 1000;
        if (step % 100 == 50)
            layers[2].seq++; /* lost on the way from the publisher */
        for (i = 0; i < 3; i++)
            send_layer(room, pub, &layers[i], (guint8)i, step % 200 == 0, now);
        send_audio(room, chair, aseq++, now);
        if (step % 10 == 0)
            sfu_room_tick(room, now);
        if (step % 50 == 0) {
            guint16 seqs[3] = {1, 2, 3};

            rtcp_writer_init(&w, rtcp, sizeof(rtcp));
            rtcp_writer_add_rr(&w, 0x5eb, NULL, 0);
            rtcp_writer_add_nack(&w, 0x5eb, 0x1000, seqs, 3);
            rtcp_writer_add_pli(&w, 0x5eb, 0x1000);
            len = rtcp_writer_finish(&w);
            sfu_room_on_rtcp(room, sfu_room_get_participant(room, 10), rtcp, (gsize)len, now);
        }
        if (step == 500) {
            sfu_room_set_floor(room, 1);
            sfu_room_set_floor(room, 0);
        }
    }
    counting = FALSE;
    g_test_message("%" G_GUINT64_FORMAT " packets to one subscriber, %" G_GUINT64_FORMAT
                   " allocations",
                   peers[2]->n_rtp - before, n_allocs);
    g_assert_cmpuint(peers[2]->n_rtp - before, >=, 1900);
    g_assert_cmpuint(tap_bytes, >, 0);
    g_assert_cmpuint(n_allocs, ==, 0);
    g_assert_cmpuint(sfu_room_get_counters(room)->nacks_sent, >=, 10);
    g_assert_cmpuint(sfu_room_get_counters(room)->remb_sent, >=, 9);

    sfu_room_free(room);
    for (i = 0; i < N_SUBS + 2; i++)
        fake_peer_free(peers[i]);
#endif
}

/* The counter itself works (so a zero above means something). */
static void test_counter_counts(void)
{
#ifdef SANITIZED
    g_test_skip("the sanitizer owns the allocator in this build");
#else
    gpointer p;

    n_allocs = 0;
    counting = TRUE;
    p = g_malloc(100);
    counting = FALSE;
    g_free(p);
    g_assert_cmpuint(n_allocs, ==, 1);
#endif
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-alloc/counter-counts", test_counter_counts);
    g_test_add_func("/media/sfu-alloc/forwarding-does-not-allocate",
                    test_forwarding_does_not_allocate);
    return g_test_run();
}
