/* test-sfu-room-feedback.c: the room's feedback (media/router/sfu-rtcp.c, sfu-room.c) with fake
 * in-memory peers: subscribers' NACKs answered from the cache, key frame requests rate-limited,
 * and the NACKs, FIRs and REMBs the room sends its publishers. Time is given explicitly, so
 * every test is deterministic. */
#include <glib.h>

#include "router/sfu-nack-gen.h"
#include "router/sfu-uplink.h"
#include "rtp/rtcp.h"
#include "sfu-room-fixture.h"

/* ---- NACK ---- */

static void test_nack_answered_from_cache(void)
{
    Fixture fx;
    guint16 seq, want[3];
    guint8 buf[128];
    RtcpWriter w;
    int len;
    GBytes *orig5, *orig7;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_video(&fx, 1, 0xb1);
    subscribe(&fx, 2, 1, "v", 0x62, -1);
    for (seq = 500; seq < 520; seq++) {
        fx.now += 10 * MS;
        send_video(&fx, 1, 0xb1, seq, seq == 500, (guint8)seq);
    }
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 20);
    orig5 = g_bytes_ref(g_ptr_array_index(fx.peers[2]->rtp, 5));
    orig7 = g_bytes_ref(g_ptr_array_index(fx.peers[2]->rtp, 7));

    /* The subscriber names its own sequence numbers; one of them was never sent. */
    want[0] = fake_rtp_seq(orig5);
    want[1] = fake_rtp_seq(orig7);
    want[2] = (guint16)(want[1] + 100);
    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_rr(&w, 0x5eb, NULL, 0);
    rtcp_writer_add_nack(&w, 0x5eb, 0x62, want, 3);
    len = rtcp_writer_finish(&w);
    fx.now += 30 * MS;
    g_assert_cmpint(
        sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 2), buf, (gsize)len, fx.now),
        ==, 0);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 22);
    g_assert_true(g_bytes_equal(g_ptr_array_index(fx.peers[2]->rtp, 20), orig5));
    g_assert_true(g_bytes_equal(g_ptr_array_index(fx.peers[2]->rtp, 21), orig7));
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->retransmitted, ==, 2);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->nack_misses, ==, 1);

    /* Too old for the cache's maximum age: not resent. */
    fx.now += 2 * G_USEC_PER_SEC;
    g_assert_cmpint(
        sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 2), buf, (gsize)len, fx.now),
        ==, 0);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 22);
    /* A NACK naming another subscriber's stream does nothing. */
    g_bytes_unref(orig5);
    g_bytes_unref(orig7);
    fixture_clear(&fx);
}

/* ---- key frame requests ---- */

static void test_pli_rate_limited(void)
{
    Fixture fx;
    guint8 buf[64];
    RtcpWriter w;
    int len;
    guint64 i;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    publish_video(&fx, 1, 0xb1);
    send_video(&fx, 1, 0xb1, 1, TRUE, 0);
    /* Three subscribers within 100 ms: one PLI now, one more once the interval has passed. */
    for (i = 2; i <= 4; i++) {
        add_participant(&fx, i, SFU_ROLE_MEMBER, NULL);
        fx.now += 30 * MS;
        subscribe(&fx, i, 1, "v", (guint32)(0x60 + i), -1);
    }
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 1);
    fx.now += 100 * MS;
    sfu_room_tick(fx.room, fx.now);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 1);
    fx.now += 200 * MS;
    sfu_room_tick(fx.room, fx.now);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 2);

    /* The key frame comes; a subscriber's own PLI and FIR are passed on, rate-limited. */
    send_video(&fx, 1, 0xb1, 2, TRUE, 0);
    fx.now += 400 * MS;
    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_rr(&w, 0x5eb, NULL, 0);
    rtcp_writer_add_pli(&w, 0x5eb, 0x62);
    rtcp_writer_add_fir(&w, 0x5eb, 0x62, 1);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(
        sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 2), buf, (gsize)len, fx.now),
        ==, 0);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 3);
    /* A subscriber still waiting a second later asks again. */
    fx.now += 1100 * MS;
    sfu_room_tick(fx.room, fx.now);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 4);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->keyframe_requests, ==, 4);
    fixture_clear(&fx);
}

/* ---- feedback to publishers ---- */

/* Every sequence number the peer was NACKed for @media_ssrc, in order. */
static GArray *nacked(FakePeer *peer, guint32 media_ssrc)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint16));
    g_autoptr(GArray) pkts = NULL;
    guint i;

    for (i = 0; i < peer->rtcp->len; i++) {
        gsize len;
        const guint8 *data = g_bytes_get_data(g_ptr_array_index(peer->rtcp, i), &len);

        g_assert_cmpint(rtcp_compound_validate(data, len), >, 0);
    }
    pkts = fake_rtcp_packets(peer);
    for (i = 0; i < pkts->len; i++) {
        RtcpFeedback fb;
        guint16 seqs[64];

        if (rtcp_nack_parse(&g_array_index(pkts, RtcpPacket, i), &fb) == 0 &&
            fb.media_ssrc == media_ssrc)
            g_array_append_vals(out, seqs, rtcp_nack_expand(&fb, seqs, G_N_ELEMENTS(seqs)));
    }
    return out;
}

static void test_nacks_to_publisher(void)
{
    Fixture fx;
    g_autoptr(GArray) first = NULL;
    g_autoptr(GArray) later = NULL;
    g_autoptr(GArray) last = NULL;
    guint16 seq;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_video_fb(&fx, 1, 0xb1, SFU_FB_NACK | SFU_FB_PLI);
    subscribe(&fx, 2, 1, "v", 0x62, -1);
    for (seq = 10; seq < 20; seq++) {
        fx.now += 10 * MS;
        send_video(&fx, 1, 0xb1, seq, seq == 10, 0);
    }
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 10);
    first = nacked(fx.peers[1], 0xb1);
    g_assert_cmpuint(first->len, ==, 0);

    /* 20 and 21 lost on the uplink: NACKed as soon as 22 shows the gap. */
    fx.now += 30 * MS;
    send_video(&fx, 1, 0xb1, 22, FALSE, 0);
    g_array_unref(g_steal_pointer(&first));
    first = nacked(fx.peers[1], 0xb1);
    g_assert_cmpuint(first->len, ==, 2);
    g_assert_cmpuint(g_array_index(first, guint16, 0), ==, 20);
    g_assert_cmpuint(g_array_index(first, guint16, 1), ==, 21);
    /* 21 comes back (retransmitted on its SSRC) and reaches the subscriber; the timer asks for
     * 20 again, and stops after the last try. */
    fx.now += 20 * MS;
    send_video(&fx, 1, 0xb1, 21, FALSE, 0);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 12);
    fx.now += 100 * MS;
    sfu_room_tick(fx.room, fx.now);
    later = nacked(fx.peers[1], 0xb1);
    g_assert_cmpuint(later->len, ==, 3);
    g_assert_cmpuint(g_array_index(later, guint16, 2), ==, 20);
    for (guint i = 0; i < 5; i++) {
        fx.now += 100 * MS;
        sfu_room_tick(fx.room, fx.now);
    }
    last = nacked(fx.peers[1], 0xb1);
    g_assert_cmpuint(last->len, ==, 2 + (SFU_NACK_GEN_TRIES - 1));
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->nacks_sent, ==, last->len);

    /* A burst too long to repair asks for a key frame instead. */
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 1); /* the subscription's */
    fx.now += 400 * MS;
    send_video(&fx, 1, 0xb1, (guint16)(22 + SFU_NACK_GEN_MAX + 10), FALSE, 0);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 2);
    fixture_clear(&fx);

    /* Nobody receives the stream: its losses are not worth repairing. */
    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    publish_video_fb(&fx, 1, 0xb1, SFU_FB_NACK | SFU_FB_PLI);
    send_video(&fx, 1, 0xb1, 1, TRUE, 0);
    send_video(&fx, 1, 0xb1, 5, FALSE, 0);
    fx.now += 200 * MS;
    sfu_room_tick(fx.room, fx.now);
    g_array_unref(g_steal_pointer(&first));
    first = nacked(fx.peers[1], 0xb1);
    g_assert_cmpuint(first->len, ==, 0);
    fixture_clear(&fx);

    /* Without nack negotiated, gaps are not NACKed. */
    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    publish_video(&fx, 1, 0xb1);
    send_video(&fx, 1, 0xb1, 1, TRUE, 0);
    send_video(&fx, 1, 0xb1, 5, FALSE, 0);
    g_array_unref(g_steal_pointer(&first));
    first = nacked(fx.peers[1], 0xb1);
    g_assert_cmpuint(first->len, ==, 0);
    fixture_clear(&fx);
}

static guint count_fir(FakePeer *peer, guint32 media_ssrc, guint8 *last_seq)
{
    g_autoptr(GArray) pkts = fake_rtcp_packets(peer);
    guint i, n = 0;

    for (i = 0; i < pkts->len; i++) {
        RtcpFeedback fb;
        guint32 ssrc;

        if (rtcp_fir_parse(&g_array_index(pkts, RtcpPacket, i), &fb) != 0 ||
            rtcp_fir_get_n_items(&fb) != 1)
            continue;
        rtcp_fir_get_item(&fb, 0, &ssrc, last_seq);
        n += ssrc == media_ssrc;
    }
    return n;
}

static void test_fir_where_no_pli(void)
{
    Fixture fx;
    guint8 buf[64], fir_seq = 0;
    RtcpWriter w;
    int len;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_video_fb(&fx, 1, 0xb1, SFU_FB_FIR);
    send_video(&fx, 1, 0xb1, 1, TRUE, 0);
    /* The subscription asks with FIR, not PLI: the publisher did not negotiate PLI. */
    subscribe(&fx, 2, 1, "v", 0x62, -1);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 0);
    g_assert_cmpuint(count_fir(fx.peers[1], 0xb1, &fir_seq), ==, 1);
    g_assert_cmpuint(fir_seq, ==, 1);
    /* A subscriber's FIR is a key frame request too; a new request has a new number. */
    send_video(&fx, 1, 0xb1, 2, TRUE, 0);
    fx.now += 400 * MS;
    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_rr(&w, 0x5eb, NULL, 0);
    rtcp_writer_add_fir(&w, 0x5eb, 0x62, 7);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(
        sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 2), buf, (gsize)len, fx.now),
        ==, 0);
    g_assert_cmpuint(count_fir(fx.peers[1], 0xb1, &fir_seq), ==, 2);
    g_assert_cmpuint(fir_seq, ==, 2);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->keyframe_requests, ==, 2);
    fixture_clear(&fx);
}

/* The publisher's last REMB: its bitrate, and whether it names @ssrc. */
static guint64 last_remb(FakePeer *peer, guint32 ssrc, guint *count)
{
    g_autoptr(GArray) pkts = fake_rtcp_packets(peer);
    guint64 bitrate = 0;
    guint i, k;

    *count = 0;
    for (i = 0; i < pkts->len; i++) {
        const RtcpPacket *pkt = &g_array_index(pkts, RtcpPacket, i);
        RtcpRemb remb;

        if (pkt->type != RTCP_TYPE_PSFB || rtcp_remb_parse(pkt, &remb) != 0)
            continue;
        for (k = 0; k < remb.n_ssrcs; k++) {
            if (rtcp_remb_get_ssrc(&remb, k) == ssrc) {
                bitrate = remb.bitrate;
                (*count)++;
            }
        }
    }
    return bitrate;
}

/* A video packet of @id sent @late_ms later than its timestamp says (a queue on the uplink). */
static void send_video_late(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, gint64 late_ms)
{
    guint8 buf[1500], payload[1000];
    gsize len;

    fake_vp8_payload(payload, sizeof(payload), seq % 100 == 0, (guint16)(seq & 0x7fff), 640, 360,
                     0);
    len = fake_rtp(buf, ssrc, seq, (guint32)((fx->now - late_ms * MS) / MS * 90), VIDEO_PT, TRUE,
                   NULL, 0, payload, sizeof(payload));
    g_assert_cmpint(
        sfu_room_on_rtp(fx->room, sfu_room_get_participant(fx->room, id), buf, len, fx->now), ==,
        0);
}

static void test_remb_to_publisher(void)
{
    Fixture fx;
    guint count;
    guint64 bps, before;
    guint16 seq = 0;
    guint s, i;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    publish_video_fb(&fx, 1, 0xb1, SFU_FB_PLI | SFU_FB_REMB);
    add_participant(&fx, 3, SFU_ROLE_MEMBER, NULL);
    publish_video(&fx, 3, 0xb3); /* no goog-remb: no REMB */
    /* Five seconds of a clean link, 100 packets of 1 kB a second (about 850 kb/s). */
    for (s = 0; s < 5; s++) {
        for (i = 0; i < 100; i++) {
            fx.now += 10 * MS;
            send_video_late(&fx, 1, 0xb1, seq, 0);
            send_video_late(&fx, 3, 0xb3, seq, 0);
            seq++;
            if (i % 10 == 0)
                sfu_room_tick(fx.room, fx.now);
        }
    }
    bps = last_remb(fx.peers[1], 0xb1, &count);
    g_assert_cmpuint(count, >=, 4);
    g_assert_cmpuint(bps, ==, SFU_UPLINK_DEFAULT_MAX);
    last_remb(fx.peers[3], 0xb3, &count);
    g_assert_cmpuint(count, ==, 0);

    /* A queue builds up on the uplink (80 ms standing), without any loss: the estimate drops
     * below what arrives, so the browser slows down before its queue overflows. */
    before = sfu_room_get_counters(fx.room)->remb_sent;
    for (s = 0; s < 2; s++) {
        for (i = 0; i < 100; i++) {
            fx.now += 10 * MS;
            send_video_late(&fx, 1, 0xb1, seq++, 80);
            if (i % 10 == 0)
                sfu_room_tick(fx.room, fx.now);
        }
    }
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->remb_sent, >, before);
    bps = last_remb(fx.peers[1], 0xb1, &count);
    g_assert_cmpuint(bps, <, 1000 * 1000);
    g_assert_cmpuint(bps, >, 500 * 1000);
    /* The queue drains: the estimate grows again. */
    for (s = 0; s < 3; s++) {
        for (i = 0; i < 100; i++) {
            fx.now += 10 * MS;
            send_video_late(&fx, 1, 0xb1, seq++, 0);
            if (i % 10 == 0)
                sfu_room_tick(fx.room, fx.now);
        }
    }
    g_assert_cmpuint(last_remb(fx.peers[1], 0xb1, &count), >, bps);
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-room/nack-answered-from-cache", test_nack_answered_from_cache);
    g_test_add_func("/media/sfu-room/pli-rate-limited", test_pli_rate_limited);
    g_test_add_func("/media/sfu-room/nacks-to-publisher", test_nacks_to_publisher);
    g_test_add_func("/media/sfu-room/fir-where-no-pli", test_fir_where_no_pli);
    g_test_add_func("/media/sfu-room/remb-to-publisher", test_remb_to_publisher);
    return g_test_run();
}
