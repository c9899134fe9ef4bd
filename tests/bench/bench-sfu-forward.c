/* bench-sfu-forward.c: what the router costs per forwarded packet, without SRTP or sockets.
 *
 * One publisher sends VP8 video (1,200-byte packets, a key frame every 100) and Opus audio
 * (one packet for every four video packets, as a 30 fps camera at 1.5 Mb/s and 50 audio packets
 * a second roughly are) to a room with 8 and then 32 subscribers, whose transports only count
 * what they are given. The room runs its timer every 100 ms of simulated time. Reported: CPU
 * time per forwarded packet and per incoming packet, the median of several runs. The figures
 * are the router's own overhead; a real subscriber adds SRTP protection and sendmmsg (see
 * /work/shared/TESTING.md, "What one forwarded packet costs at the least").
 *
 * Usage: bench-sfu-forward [packets per run] [runs] [subscribers]
 *        (defaults: 200000, 5, and both 8 and 32)
 * For an exact, repeatable count of instructions per forwarded packet:
 *   valgrind --tool=callgrind --toggle-collect=sfu_room_on_rtp bench-sfu-forward 20000 1 8
 * Not a test: it prints figures and never fails on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "router/sfu-room.h"
#include "sfu-fake.h"

static gint64 cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

typedef struct {
    double ns_per_forwarded;
    double ns_per_incoming;
    guint64 forwarded;
} Result;

static Result run_once(guint n_subscribers, guint n_packets)
{
    static const SfuExtIds pub_ext = {.mid = 1, .audio_level = 3};
    static const SfuExtIds sub_ext = {.mid = 4, .audio_level = 5, .abs_send_time = 6};
    SfuRoomConfig config = {.meeting_id = 1};
    SfuTrackConfig video = {.mid = "v",
                            .kind = SFU_MEDIA_VIDEO,
                            .codec = SFU_CODEC_VP8,
                            .payload_type = 96,
                            .clock_rate = 90000,
                            .n_layers = 1,
                            .layers = {{.ssrc = 0xb1}}};
    SfuTrackConfig audio = {.mid = "a",
                            .kind = SFU_MEDIA_AUDIO,
                            .payload_type = 111,
                            .clock_rate = 48000,
                            .n_layers = 1,
                            .layers = {{.ssrc = 0xa1}}};
    SfuRoom *room = sfu_room_new(&config, NULL, NULL);
    FakePeer *pub_peer = fake_peer_new(TRUE);
    FakePeer **peers = g_new0(FakePeer *, n_subscribers);
    SfuParticipant *pub;
    guint8 vbuf[1500], abuf[200], payload[1200];
    guint8 level = 40;
    FakeExt aext = {3, &level, 1};
    gint64 now = G_USEC_PER_SEC, start;
    guint64 forwarded = 0;
    guint i, incoming = 0;
    gsize vlen, alen;
    Result r;

    pub = sfu_room_add_participant(room, 1, "publisher", SFU_ROLE_CHAIR, NULL);
    sfu_participant_set_transport(pub, SFU_SIDE_PUBLISH, &fake_transport, pub_peer, &pub_ext);
    sfu_room_publish(room, 1, &video, NULL);
    sfu_room_publish(room, 1, &audio, NULL);
    for (i = 0; i < n_subscribers; i++) {
        guint64 id = 100 + i;
        SfuParticipant *s = sfu_room_add_participant(room, id, "subscriber", SFU_ROLE_MEMBER, NULL);
        SfuSubscribeConfig vc = {.ssrc = 0x1000 + i, .payload_type = -1, .mid = "1"};
        SfuSubscribeConfig ac = {.ssrc = 0x2000 + i, .payload_type = -1, .mid = "0"};

        peers[i] = fake_peer_new(TRUE);
        sfu_participant_set_transport(s, SFU_SIDE_SUBSCRIBE, &fake_transport, peers[i], &sub_ext);
        sfu_room_subscribe(room, id, 1, "v", &vc, now, NULL);
        sfu_room_subscribe(room, id, 1, "a", &ac, now, NULL);
    }
    memset(abuf, 0, sizeof(abuf));
    memset(payload, 0x33, sizeof(payload));
    alen = fake_rtp(abuf, 0xa1, 0, 0, 111, FALSE, &aext, 1, payload, 80);

    start = cpu_ns();
    for (i = 0; i < n_packets; i++) {
        guint16 seq = (guint16)i;

        now += 700; /* ~1,400 video packets a second */
        fake_vp8_payload(payload, 1100, i % 100 == 0, (guint16)(i / 4) & 0x7fff, 640, 360, 0x33);
        vlen = fake_rtp(vbuf, 0xb1, seq, (i / 4) * 3000, 96, i % 4 == 3, NULL, 0, payload, 1100);
        sfu_room_on_rtp(room, pub, vbuf, vlen, now);
        incoming++;
        if (i % 4 == 0) {
            guint32 ats = (i / 4) * 960;

            abuf[2] = (guint8)(i / 4 >> 8);
            abuf[3] = (guint8)(i / 4);
            abuf[4] = (guint8)(ats >> 24);
            abuf[5] = (guint8)(ats >> 16);
            abuf[6] = (guint8)(ats >> 8);
            abuf[7] = (guint8)ats;
            sfu_room_on_rtp(room, pub, abuf, alen, now);
            incoming++;
        }
        if (i % 143 == 0) /* every 100 ms of simulated time */
            sfu_room_tick(room, now);
    }
    r.ns_per_incoming = (double)(cpu_ns() - start) / incoming;
    for (i = 0; i < n_subscribers; i++)
        forwarded += peers[i]->n_rtp;
    r.forwarded = forwarded;
    r.ns_per_forwarded = r.ns_per_incoming * incoming / (double)forwarded;

    sfu_room_free(room);
    for (i = 0; i < n_subscribers; i++)
        fake_peer_free(peers[i]);
    g_free(peers);
    fake_peer_free(pub_peer);
    return r;
}

int main(int argc, char **argv)
{
    guint n_packets = argc > 1 ? (guint)strtoul(argv[1], NULL, 10) : 200000;
    guint runs = argc > 2 ? (guint)strtoul(argv[2], NULL, 10) : 5;
    guint only = argc > 3 ? (guint)strtoul(argv[3], NULL, 10) : 0;
    guint subscribers[] = {8, 32};
    guint s, k;

    if (n_packets == 0 || runs == 0) {
        fprintf(stderr, "usage: %s [packets per run] [runs] [subscribers]\n", argv[0]);
        return 2;
    }
    if (only > 0)
        subscribers[0] = subscribers[1] = only;
    printf("bench-sfu-forward: %u video packets of 1,200 bytes (+1 audio per 4) per run, "
           "median of %u runs, CPU time, no SRTP\n",
           n_packets, runs);
    printf("%-12s %22s %21s %18s\n", "subscribers", "ns/forwarded packet", "ns/incoming packet",
           "forwarded/run");
    for (s = 0; s < (only > 0 ? 1 : G_N_ELEMENTS(subscribers)); s++) {
        double *fwd = g_new(double, runs), *in = g_new(double, runs);
        guint64 forwarded = 0;

        run_once(subscribers[s], n_packets / 10 + 1); /* warm caches and the allocator */
        for (k = 0; k < runs; k++) {
            Result r = run_once(subscribers[s], n_packets);

            fwd[k] = r.ns_per_forwarded;
            in[k] = r.ns_per_incoming;
            forwarded = r.forwarded;
        }
        qsort(fwd, runs, sizeof(double), cmp_double);
        qsort(in, runs, sizeof(double), cmp_double);
        printf("%-12u %22.1f %21.1f %18" G_GUINT64_FORMAT "\n", subscribers[s], fwd[runs / 2],
               in[runs / 2], forwarded);
        g_free(fwd);
        g_free(in);
    }
    return 0;
}
