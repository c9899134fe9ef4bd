/* test-sfu-room-simulcast.c: the room's choice of simulcast layer per subscriber
 * (media/router/sfu-room.c, sfu-forward.c) with fake in-memory peers: from the subscriber's
 * estimate (REMB) and what it shows, with hysteresis, key frames and continuous sequences. Time
 * is given explicitly, so every test is deterministic. */
#include <glib.h>

#include "rtp/rtcp.h"
#include "sfu-room-fixture.h"

static void send_remb(Fixture *fx, guint64 id, guint64 bps, guint32 media_ssrc)
{
    guint8 buf[128];
    RtcpWriter w;
    int len;

    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_rr(&w, 0x5eb, NULL, 0);
    rtcp_writer_add_remb(&w, 0x5eb, bps, &media_ssrc, 1);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(len, >, 0);
    g_assert_cmpint(sfu_room_on_rtcp(fx->room, sfu_room_get_participant(fx->room, id), buf,
                                     (gsize)len, fx->now),
                    ==, 0);
}

/* Which layer the last packet the subscriber got came from (the payload's fill byte). */
static gint last_layer(Fixture *fx, guint64 id)
{
    gsize len;
    const guint8 *d = g_bytes_get_data(last_rtp(fx, id), &len);

    return d[len - 1] - 0xa0;
}

static void test_layer_choice_from_remb(void)
{
    Fixture fx;
    SimLayer layers[3] = {
        {0x100, "q", 100, 0, 125, 320, 180, TRUE, 0},   /* 100 kb/s */
        {0x200, "h", 200, 0, 375, 640, 360, TRUE, 0},   /* 300 kb/s */
        {0x300, "f", 300, 0, 1125, 1280, 720, TRUE, 0}, /* 900 kb/s */
    };
    g_autoptr(GPtrArray) got = NULL;
    GBytes *before;
    guint16 nack_seq;
    guint8 nack_buf[64];
    RtcpWriter w;
    int len;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_simulcast(&fx, 1);
    sim_run(&fx, 1, layers, 3, 1000);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->rx_unknown_ssrc, ==, 0);

    /* Subscribing: 1 Mb/s before any REMB fits h (300 kb/s with margin), not f (900). A PLI
     * for h goes to the publisher at once. */
    subscribe(&fx, 2, 1, "v", 0x62, -1);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x200), ==, 1);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x300), ==, 0);
    sim_run(&fx, 1, layers, 3, 500);
    g_assert_cmpint(last_layer(&fx, 2), ==, 1);

    /* A large estimate right after the switch: held back (no flapping). */
    send_remb(&fx, 2, 3000000, 0x62);
    sim_run(&fx, 1, layers, 3, 500);
    g_assert_cmpint(last_layer(&fx, 2), ==, 1);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x300), ==, 0);

    /* Two seconds after the switch the timer's next choice moves it up to f, with a PLI for f;
     * h flows until f's key frame. */
    sim_run(&fx, 1, layers, 3, 1200);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x300), ==, 1);
    g_assert_cmpint(last_layer(&fx, 2), ==, 2);
    got = rtp_for(&fx, 2, 0x62);
    assert_continuous(got, 0);
    g_clear_pointer(&got, g_ptr_array_unref);

    /* A NACK for the last packet sent from h before the switch is answered byte for byte. */
    before = NULL;
    for (guint i = 0; i < fx.peers[2]->rtp->len; i++) {
        gsize n;
        const guint8 *d = g_bytes_get_data(g_ptr_array_index(fx.peers[2]->rtp, i), &n);

        if (d[n - 1] == 0xa1)
            before = g_ptr_array_index(fx.peers[2]->rtp, i);
    }
    g_assert_nonnull(before);
    nack_seq = fake_rtp_seq(before);
    rtcp_writer_init(&w, nack_buf, sizeof(nack_buf));
    rtcp_writer_add_rr(&w, 0x5eb, NULL, 0);
    rtcp_writer_add_nack(&w, 0x5eb, 0x62, &nack_seq, 1);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 2), nack_buf,
                                     (gsize)len, fx.now),
                    ==, 0);
    g_assert_true(g_bytes_equal(last_rtp(&fx, 2), before));
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->retransmitted, ==, 1);

    /* Inside the hysteresis band (900 kb/s needed, 1 Mb/s offered): stays on f. */
    send_remb(&fx, 2, 1000000, 0x62);
    sim_run(&fx, 1, layers, 3, 300);
    g_assert_cmpint(last_layer(&fx, 2), ==, 2);

    /* Below f's bitrate: down to h at once, with a PLI for h. */
    send_remb(&fx, 2, 700000, 0x62);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x200), ==, 2);
    sim_run(&fx, 1, layers, 3, 300);
    g_assert_cmpint(last_layer(&fx, 2), ==, 1);

    /* Back above f's bitrate but not by the margin, long after: no step up. */
    sim_run(&fx, 1, layers, 3, 3000);
    send_remb(&fx, 2, 1050000, 0x62);
    sim_run(&fx, 1, layers, 3, 600);
    g_assert_cmpint(last_layer(&fx, 2), ==, 1);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x300), ==, 1);

    /* What the subscriber shows matters: a 320x180 tile gets q whatever the budget. */
    send_remb(&fx, 2, 5000000, 0x62);
    g_assert_true(sfu_room_set_view(fx.room, 2, 1, 320, 180, fx.now, NULL));
    sim_run(&fx, 1, layers, 3, 300);
    g_assert_cmpint(last_layer(&fx, 2), ==, 0);
    /* Hidden: nothing is sent. */
    g_assert_true(sfu_room_set_view(fx.room, 2, 1, 0, 0, fx.now, NULL));
    fake_peer_clear(fx.peers[2]);
    sim_run(&fx, 1, layers, 3, 300);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 0);
    /* Shown large again (after the hold time): f, continuing the same sequence. */
    sim_run(&fx, 1, layers, 3, 3000);
    g_assert_true(sfu_room_set_view(fx.room, 2, 1, 1280, 720, fx.now, NULL));
    sim_run(&fx, 1, layers, 3, 300);
    g_assert_cmpint(last_layer(&fx, 2), ==, 2);
    got = rtp_for(&fx, 2, 0x62);
    assert_continuous(got, 0);

    /* The stats say which layer it gets. */
    {
        g_autoptr(GArray) stats = sfu_room_collect_stats(fx.room, fx.now);
        const SfuPeerStats *s = &g_array_index(stats, SfuPeerStats, 1);

        g_assert_cmpuint(s->participant_id, ==, 2);
        g_assert_cmpint(s->layer, ==, 2);
        g_assert_cmpuint(s->estimate_bps, ==, 5000000);
        s = &g_array_index(stats, SfuPeerStats, 0);
        g_assert_cmpuint(s->rx_bitrate_bps, >, 1200000);
        g_assert_cmpuint(s->rx_bitrate_bps, <, 1400000);
    }
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-room/layer-choice-from-remb", test_layer_choice_from_remb);
    return g_test_run();
}
