/* test-sfu-room.c: the router's room (media/router/sfu-room.c, sfu-forward.c, sfu-rtcp.c) with
 * fake in-memory peers (sfu-room-fixture.h): forwarding, reports, the active speaker, bad input
 * and control errors. The floor, simulcast layers, feedback to publishers and taps have their own
 * test-sfu-room-*.c. Time is given explicitly, so every test is deterministic. */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "rtp/rtcp.h"
#include "rtp/rtp-payload.h"
#include "rtp/rtp.h"
#include "sfu-room-fixture.h"

/* ---- forwarding ---- */

static void test_forward_to_many(void)
{
    Fixture fx;
    guint16 seq;
    guint64 i;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    publish_audio(&fx, 1, 0xa1);
    publish_video(&fx, 1, 0xb1);
    for (i = 2; i <= 9; i++) {
        add_participant(&fx, i, SFU_ROLE_MEMBER, NULL);
        subscribe(&fx, i, 1, "a", (guint32)(0x5000 + i), 109);
        subscribe(&fx, i, 1, "v", (guint32)(0x6000 + i), -1);
    }

    for (seq = 65400; seq != 100; seq++) { /* across the 16-bit wrap */
        fx.now += 10 * MS;
        g_assert_cmpint(send_audio(&fx, 1, 0xa1, seq, 40), ==, 0);
        g_assert_cmpint(send_video(&fx, 1, 0xb1, seq, seq == 65400, 0x77), ==, 0);
    }

    for (i = 2; i <= 9; i++) {
        g_autoptr(GPtrArray) audio = rtp_for(&fx, i, (guint32)(0x5000 + i));
        g_autoptr(GPtrArray) video = rtp_for(&fx, i, (guint32)(0x6000 + i));
        GBytes *v;
        gsize len;
        const guint8 *d;
        RtpPacket pkt;
        RtpVp8Descriptor vp8;
        guint16 first_pid;

        g_assert_cmpuint(audio->len, ==, 236);
        g_assert_cmpuint(video->len, ==, 236);
        assert_continuous(audio, 480);
        assert_continuous(video, 900);
        g_assert_cmpuint(fake_rtp_pt(g_ptr_array_index(audio, 0)), ==, 109);
        g_assert_cmpuint(fake_rtp_pt(g_ptr_array_index(video, 0)), ==, VIDEO_PT);

        /* Payloads arrive intact and VP8 picture ids run on. */
        v = g_ptr_array_index(video, 0);
        d = g_bytes_get_data(v, &len);
        g_assert_cmpint(rtp_packet_parse(&pkt, (guint8 *)d, len), ==, 0);
        g_assert_cmpuint(pkt.payload_len, ==, 400);
        g_assert_cmpuint(pkt.ext_form, ==, RTP_EXT_FORM_NONE); /* it negotiated none */
        g_assert_cmpint(rtp_vp8_parse(rtp_packet_payload(&pkt), pkt.payload_len, &vp8), ==, 0);
        g_assert_true(vp8.keyframe);
        first_pid = vp8.picture_id;
        v = g_ptr_array_index(video, 100);
        d = g_bytes_get_data(v, &len);
        g_assert_cmpint(rtp_packet_parse(&pkt, (guint8 *)d, len), ==, 0);
        g_assert_cmpint(rtp_vp8_parse(rtp_packet_payload(&pkt), pkt.payload_len, &vp8), ==, 0);
        g_assert_cmpuint(vp8.picture_id, ==, (first_pid + 100) & 0x7fff);
        g_assert_cmpuint(rtp_packet_payload(&pkt)[399], ==, 0x77);
    }
    /* Each subscriber starts its own random sequence. */
    g_assert_cmpuint(fake_rtp_seq(last_rtp(&fx, 2)) != fake_rtp_seq(last_rtp(&fx, 3)) ||
                         fake_rtp_ts(last_rtp(&fx, 2)) != fake_rtp_ts(last_rtp(&fx, 3)),
                     ==, TRUE);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->forwarded, ==, 8 * 2 * 236);
    fixture_clear(&fx);
}

/* The subscriber's packets carry only what it negotiated, with its ids. */
static void test_extensions_rewritten(void)
{
    static const SfuExtIds sub_ext = {.mid = 3, .audio_level = 1, .abs_send_time = 5};
    Fixture fx;
    GBytes *b;
    RtpPacket pkt;
    RtpExtElement e;
    gboolean voice;
    guint8 level;
    gsize len;
    const guint8 *d;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, &sub_ext);
    publish_audio(&fx, 1, 0xa1);
    subscribe(&fx, 2, 1, "a", 0x5002, -1);
    g_assert_cmpint(send_audio(&fx, 1, 0xa1, 7, 33), ==, 0);

    b = last_rtp(&fx, 2);
    d = g_bytes_get_data(b, &len);
    g_assert_cmpint(rtp_packet_parse(&pkt, (guint8 *)d, len), ==, 0);
    g_assert_cmpuint(pkt.ext_form, ==, RTP_EXT_FORM_ONE_BYTE);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 3, &e), ==, 0);
    g_assert_cmpmem(pkt.data + e.offset, e.len, "s0", 2);
    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 1, &voice, &level), ==, 0);
    g_assert_cmpuint(level, ==, 33);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 5, &e), ==, 0);
    g_assert_cmpuint(e.len, ==, 3);
    /* The publisher's own ids are gone. */
    g_assert_cmpint(rtp_packet_find_extension(&pkt, EXT_LEVEL, &e), ==, -ENOENT);
    g_assert_cmpuint(pkt.payload_len, ==, 60);
    fixture_clear(&fx);
}

/* ---- reports ---- */

static void test_reports(void)
{
    Fixture fx;
    guint16 seq;
    guint8 buf[256];
    RtcpWriter w;
    RtcpSenderInfo si = {.ntp_timestamp = G_GUINT64_CONSTANT(0xe1a2b3c480000000),
                         .rtp_timestamp = 4000000};
    RtcpReportBlock block = {0};
    guint32 in_ts = 0, out_ts = 0;
    gboolean found_rr = FALSE, found_sr = FALSE;
    gint64 sr_sent_at;
    guint32 sr_lsr = 0;
    guint i;
    int len;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_audio(&fx, 1, 0xa1);
    subscribe(&fx, 2, 1, "a", 0x52, -1);
    for (seq = 0; seq < 100; seq++) {
        fx.now += 20 * MS;
        if (seq >= 10 && seq < 15)
            continue; /* lost on the way in */
        send_audio(&fx, 1, 0xa1, seq, 60);
        in_ts = audio_ts(&fx);
    }
    out_ts = fake_rtp_ts(last_rtp(&fx, 2));

    /* The publisher's sender report. */
    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_sr(&w, 0xa1, &si, NULL, 0);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(
        sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 1), buf, (gsize)len, fx.now),
        ==, 0);

    fx.now += 250 * MS;
    sr_sent_at = fx.now;
    sfu_room_tick(fx.room, fx.now);

    /* The publisher gets a receiver report on its stream. */
    for (i = 0; i < fx.peers[1]->rtcp->len; i++) {
        gsize n;
        const guint8 *d = g_bytes_get_data(g_ptr_array_index(fx.peers[1]->rtcp, i), &n);
        RtcpIter iter;
        RtcpPacket pkt;
        RtcpReport report;

        rtcp_iter_init(&iter, d, n);
        while (rtcp_iter_next(&iter, &pkt) > 0) {
            if (pkt.type == RTCP_TYPE_RR && rtcp_report_parse(&pkt, &report) == 0 &&
                report.n_blocks == 1) {
                rtcp_report_get_block(&report, 0, &block);
                found_rr = TRUE;
            }
        }
    }
    g_assert_true(found_rr);
    g_assert_cmphex(block.ssrc, ==, 0xa1);
    g_assert_cmpint(block.cumulative_lost, ==, 5);
    g_assert_cmpuint(block.highest_seq, ==, 99);
    g_assert_cmpuint(block.lsr, ==, (guint32)(si.ntp_timestamp >> 16));
    g_assert_cmpuint(block.dlsr, ==, 65536 / 4); /* 250 ms */

    /* The subscriber gets a sender report in its own timestamps, with the publisher's CNAME. */
    for (i = 0; i < fx.peers[2]->rtcp->len; i++) {
        gsize n;
        const guint8 *d = g_bytes_get_data(g_ptr_array_index(fx.peers[2]->rtcp, i), &n);
        RtcpIter iter;
        RtcpPacket pkt;
        RtcpReport report;
        RtcpSdesItem item;

        rtcp_iter_init(&iter, d, n);
        while (rtcp_iter_next(&iter, &pkt) > 0) {
            if (pkt.type == RTCP_TYPE_SR && rtcp_report_parse(&pkt, &report) == 0) {
                g_assert_cmphex(report.ssrc, ==, 0x52);
                /* 250 ms after the publisher's report: 12000 ticks at 48 kHz later. */
                g_assert_cmpuint(report.sender_info.rtp_timestamp, ==,
                                 si.rtp_timestamp + 12000 + (out_ts - in_ts));
                g_assert_cmpuint(report.sender_info.ntp_timestamp, ==,
                                 si.ntp_timestamp + G_GUINT64_CONSTANT(0x40000000));
                g_assert_cmpuint(report.sender_info.packet_count, ==, 95);
                sr_lsr = (guint32)(report.sender_info.ntp_timestamp >> 16);
                found_sr = TRUE;
            }
            if (pkt.type == RTCP_TYPE_SDES) {
                g_assert_cmpint(rtcp_sdes_find_cname(&pkt, &item), ==, 0);
                g_assert_cmpmem(item.value, item.len, "phonghop-1", 10);
            }
        }
    }
    g_assert_true(found_sr);

    /* Its receiver report answers our SR: 80 ms later, having held it 30 ms: RTT 50 ms. */
    {
        RtcpReportBlock rb = {
            .ssrc = 0x52, .fraction_lost = 64, .lsr = sr_lsr, .dlsr = 65536 * 30 / 1000};
        g_autoptr(GArray) stats = NULL;
        const SfuPeerStats *s;

        fx.now = sr_sent_at + 80 * MS;
        rtcp_writer_init(&w, buf, sizeof(buf));
        rtcp_writer_add_rr(&w, 0x5eb, &rb, 1);
        len = rtcp_writer_finish(&w);
        g_assert_cmpint(sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 2), buf,
                                         (gsize)len, fx.now),
                        ==, 0);
        stats = sfu_room_collect_stats(fx.room, fx.now);
        s = &g_array_index(stats, SfuPeerStats, 1);
        g_assert_cmpint(s->rtt_us, >=, 49000);
        g_assert_cmpint(s->rtt_us, <=, 51000);
        g_assert_cmpfloat(s->tx_loss, ==, 0.25);
        s = &g_array_index(stats, SfuPeerStats, 0);
        g_assert_cmpint(s->rx_lost, ==, 5);
        g_assert_cmpuint(s->rx_packets, ==, 95);
        g_assert_true(s->audio_open);
    }
    /* The stats event came at its interval. */
    g_assert_cmpuint(fx.stats_events, ==, 1);
    g_assert_cmpuint(fx.last_stats_n, ==, 2);
    fixture_clear(&fx);
}

/* ---- the active speaker ---- */

static void test_active_speaker(void)
{
    Fixture fx;
    guint16 seq = 0;
    guint step, i;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 3, SFU_ROLE_MEMBER, NULL);
    publish_audio(&fx, 1, 0xa1);
    publish_audio(&fx, 2, 0xa2);
    publish_audio(&fx, 3, 0xa3);
    sfu_room_set_floor(fx.room, 2);

    /* 2 s: the chair is quiet, 2 (with the floor) speaks, 3 (without) shouts: 2 is the speaker;
     * 3 is not heard, so it is not the speaker. */
    for (step = 0; step < 100; step++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 1, 0xa1, seq, 110);
        send_audio(&fx, 2, 0xa2, seq, 30);
        send_audio(&fx, 3, 0xa3, seq, 5);
        if (step % 5 == 4)
            sfu_room_tick(fx.room, fx.now);
    }
    g_assert_cmpuint(fx.speakers->len, ==, 1);
    g_assert_cmpuint(g_array_index(fx.speakers, guint64, 0), ==, 2);

    /* The chair interrupts loudly; 2 goes quiet: the chair. */
    for (step = 0; step < 50; step++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 1, 0xa1, seq, 20);
        send_audio(&fx, 2, 0xa2, seq, 120);
        if (step % 5 == 4)
            sfu_room_tick(fx.room, fx.now);
    }
    g_assert_cmpuint(fx.speakers->len, ==, 2);
    g_assert_cmpuint(g_array_index(fx.speakers, guint64, 1), ==, 1);

    /* Both talk at nearly the same level, alternating loudness every 100 ms: events are never
     * closer than 300 ms apart, and the margin keeps the view mostly still. */
    for (step = 0; step < 150; step++, seq++) {
        gboolean odd = (step / 5) % 2;

        fx.now += 20 * MS;
        send_audio(&fx, 1, 0xa1, seq, odd ? 25 : 35);
        send_audio(&fx, 2, 0xa2, seq, odd ? 35 : 25);
        if (step % 5 == 4)
            sfu_room_tick(fx.room, fx.now);
    }
    for (i = 1; i < fx.speaker_times->len; i++)
        g_assert_cmpint(g_array_index(fx.speaker_times, gint64, i) -
                            g_array_index(fx.speaker_times, gint64, i - 1),
                        >=, 300 * MS);
    g_assert_cmpuint(fx.speakers->len, <=, 4);
    fixture_clear(&fx);
}

/* ---- robustness ---- */

static void test_bad_input_counted(void)
{
    Fixture fx;
    SfuParticipant *p;
    guint8 buf[1600];
    guint i;

    fixture_init(&fx);
    p = add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_audio(&fx, 1, 0xa1);
    publish_simulcast(&fx, 1);
    subscribe(&fx, 2, 1, "a", 0x52, -1);
    subscribe(&fx, 2, 1, "v", 0x62, -1);

    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(sfu_room_on_rtp(fx.room, p, buf, 5, fx.now), ==, -EBADMSG);
    g_assert_cmpint(sfu_room_on_rtp(fx.room, p, buf, 1501, fx.now), ==, -EMSGSIZE);
    /* An SSRC with no mid or rid when the payload type is ambiguous: unknown. */
    fake_rtp(buf, 0xdead, 1, 1, VIDEO_PT, FALSE, NULL, 0, (const guint8 *)"xxxxxxxxxxxxxxxx", 16);
    g_assert_cmpint(sfu_room_on_rtp(fx.room, p, buf, 28, fx.now), ==, -ENOENT);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->rx_unknown_ssrc, ==, 1);
    /* Another payload type on a known stream (RED, FEC): not forwarded. */
    fake_rtp(buf, 0xa1, 1, 1, 63, FALSE, NULL, 0, (const guint8 *)"xxxxxxxxxxxxxxxx", 16);
    g_assert_cmpint(sfu_room_on_rtp(fx.room, p, buf, 28, fx.now), ==, -EPROTONOSUPPORT);

    /* Random bytes as RTP and RTCP from both sides never crash and never forward garbage. */
    for (i = 0; i < 20000; i++) {
        gsize len = g_random_int_range(0, 300);
        gsize k;

        for (k = 0; k < len; k++)
            buf[k] = (guint8)g_random_int();
        if (i % 2 == 0) {
            buf[0] = (buf[0] & 0x3f) | 0x80;
        }
        fx.now += MS;
        sfu_room_on_rtp(fx.room, sfu_room_get_participant(fx.room, 1 + i % 2), buf, len, fx.now);
        sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 1 + i % 2), buf, len, fx.now);
        if (i % 100 == 0)
            sfu_room_tick(fx.room, fx.now);
    }
    fixture_clear(&fx);
}

static void count_cleanup(gpointer data)
{
    (*(guint *)data)++;
}

static void test_control_errors_and_removal(void)
{
    Fixture fx;
    guint cleanups = 0;
    g_autoptr(GError) error = NULL;
    SfuSubscribeConfig sc = {.ssrc = 0x77, .payload_type = -1};
    SfuTrackConfig bad = {.mid = "toolongtoolongtoolong",
                          .kind = SFU_MEDIA_AUDIO,
                          .payload_type = 111,
                          .clock_rate = 48000,
                          .n_layers = 1};
    guint16 seq;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    g_assert_null(sfu_room_add_participant(fx.room, 1, "again", SFU_ROLE_MEMBER, &error));
    g_assert_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_null(sfu_room_add_participant(fx.room, 0, "zero", SFU_ROLE_MEMBER, &error));
    g_assert_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(sfu_room_publish(fx.room, 1, &bad, &error));
    g_assert_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID);
    g_clear_error(&error);
    publish_audio(&fx, 1, 0xa1);
    g_assert_false(sfu_room_subscribe(fx.room, 1, 1, "a", &sc, fx.now, &error));
    g_assert_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(sfu_room_subscribe(fx.room, 2, 1, "zz", &sc, fx.now, &error));
    g_assert_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND);
    g_clear_error(&error);
    subscribe(&fx, 2, 1, "a", 0x52, -1);
    g_assert_false(sfu_room_subscribe(fx.room, 2, 1, "a", &sc, fx.now, &error));
    g_assert_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS);
    g_clear_error(&error);

    for (seq = 0; seq < 5; seq++)
        send_audio(&fx, 1, 0xa1, seq, 50);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 5);
    g_assert_true(sfu_room_unsubscribe(fx.room, 2, 1, "a", NULL));
    send_audio(&fx, 1, 0xa1, seq++, 50);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 5);
    subscribe(&fx, 2, 1, "a", 0x52, -1);
    /* The publisher leaves: its peer's owner is told first, then its tracks and every
     * subscription to them go. */
    sfu_participant_add_cleanup(sfu_room_get_participant(fx.room, 1), count_cleanup, &cleanups);
    sfu_participant_add_cleanup(sfu_room_get_participant(fx.room, 2), count_cleanup, &cleanups);
    g_assert_true(sfu_room_remove_participant(fx.room, 1, NULL));
    g_assert_cmpuint(cleanups, ==, 1);
    g_assert_null(sfu_room_get_participant(fx.room, 1));
    g_assert_false(sfu_room_unsubscribe(fx.room, 2, 1, "a", NULL));
    g_assert_false(sfu_room_remove_participant(fx.room, 1, NULL));
    fx.now += 5 * G_USEC_PER_SEC;
    sfu_room_tick(fx.room, fx.now);
    fixture_clear(&fx);
    g_assert_cmpuint(cleanups, ==, 2); /* the room's end removes the rest */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-room/forward-to-many", test_forward_to_many);
    g_test_add_func("/media/sfu-room/extensions-rewritten", test_extensions_rewritten);
    g_test_add_func("/media/sfu-room/reports", test_reports);
    g_test_add_func("/media/sfu-room/active-speaker", test_active_speaker);
    g_test_add_func("/media/sfu-room/bad-input-counted", test_bad_input_counted);
    g_test_add_func("/media/sfu-room/control-errors-and-removal", test_control_errors_and_removal);
    return g_test_run();
}
