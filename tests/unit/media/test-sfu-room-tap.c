/* test-sfu-room-tap.c: the room's taps (media/router/sfu-room.c), what recording and the live
 * program read, with fake in-memory peers: selected tracks, everyone, the floor's gate, and
 * the simulcast layer that flows. Time is given explicitly, so every test is deterministic. */
#include <string.h>

#include <glib.h>

#include "rtp/rtcp.h"
#include "rtp/rtp-bytes.h"
#include "sfu-room-fixture.h"

typedef struct {
    guint audio[MAX_PEERS];
    guint video[MAX_PEERS];
    guint rtcp;
    gboolean cname_ok;
    guint16 last_seq;
    gboolean destroyed;
    guint added;
    guint removed;
    char last_removed[SFU_MID_MAX_LEN + 1];
} TapLog;

static void tap_track_added(gpointer data, SfuTapTrack *track)
{
    TapLog *log = data;

    g_assert_null(track->data);
    g_assert_cmpuint(track->ssrc, !=, 0);
    g_assert_cmpuint(track->payload_type, ==, track->kind == SFU_MEDIA_AUDIO ? AUDIO_PT : VIDEO_PT);
    track->data = log;
    log->added++;
}

static void tap_track_removed(gpointer data, SfuTapTrack *track)
{
    TapLog *log = data;

    g_assert(track->data == log);
    g_strlcpy(log->last_removed, track->mid, sizeof(log->last_removed));
    log->removed++;
}

static void tap_rtp(gpointer data, const SfuTapTrack *track, const guint8 *rtp, gsize len)
{
    TapLog *log = data;

    g_assert_cmpuint(len, >=, 12);
    g_assert_cmpuint(rtp_read_u32(rtp + 8), ==, track->ssrc);
    g_assert(track->data == log);
    if (track->kind == SFU_MEDIA_AUDIO)
        log->audio[track->participant_id]++;
    else
        log->video[track->participant_id]++;
    log->last_seq = rtp_read_u16(rtp + 2);
}

static void tap_rtcp(gpointer data, const SfuTapTrack *track, const guint8 *rtcp, gsize len)
{
    TapLog *log = data;
    RtcpIter iter;
    RtcpPacket pkt;
    RtcpSdesItem item;

    log->rtcp++;
    rtcp_iter_init(&iter, rtcp, len);
    while (rtcp_iter_next(&iter, &pkt) > 0) {
        if (pkt.type == RTCP_TYPE_SDES && rtcp_sdes_find_cname(&pkt, &item) == 0)
            log->cname_ok = item.len == 10 && memcmp(item.value, "phonghop-1", 10) == 0;
    }
}

static void tap_destroyed(gpointer data)
{
    ((TapLog *)data)->destroyed = TRUE;
}

/* The room with participant 1 in the chair, and a tap logging into @log. */
static SfuTap *tap_setup(Fixture *fx, TapLog *log, const SfuTapFuncs *funcs,
                         GDestroyNotify destroyed)
{
    memset(log, 0, sizeof(*log));
    fixture_init(fx);
    add_participant(fx, 1, SFU_ROLE_CHAIR, NULL);
    return sfu_room_add_tap(fx->room, funcs, log, destroyed);
}

/* Removes the tap, then the room; the log keeps what the tap was told. */
static void tap_teardown(Fixture *fx, SfuTap *tap)
{
    sfu_room_remove_tap(fx->room, tap);
    fixture_clear(fx);
}

/* The tracks the tap was told of so far: @added attached, @removed gone. */
static void assert_tap_tracks(const TapLog *log, guint added, guint removed)
{
    g_assert_cmpuint(log->added, ==, added);
    g_assert_cmpuint(log->removed, ==, removed);
}

static const SfuTapFuncs tap_rtp_only = {tap_rtp, NULL, tap_track_added, tap_track_removed};

static void test_tap_selected_tracks(void)
{
    static const SfuTapFuncs funcs = {tap_rtp, tap_rtcp, tap_track_added, tap_track_removed};
    Fixture fx;
    TapLog log;
    SfuTap *tap;
    guint16 seq;
    guint8 buf[128];
    RtcpWriter w;
    RtcpSenderInfo si = {.ntp_timestamp = 1ull << 40, .rtp_timestamp = 1};
    int len;

    tap = tap_setup(&fx, &log, &funcs, tap_destroyed);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    /* Selected before the tracks exist: attached when they are published. */
    sfu_tap_select(tap, 1, SFU_MEDIA_AUDIO, -1, fx.now);
    publish_audio(&fx, 1, 0xa1);
    publish_video(&fx, 1, 0xb1);
    publish_audio(&fx, 2, 0xa2);
    publish_video(&fx, 2, 0xb2);
    assert_tap_tracks(&log, 1, 0);
    sfu_tap_select(tap, 2, SFU_MEDIA_VIDEO, -1, fx.now);
    assert_tap_tracks(&log, 2, 0);
    sfu_room_set_floor(fx.room, 2);

    for (seq = 0; seq < 30; seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 1, 0xa1, seq, 50);
        send_audio(&fx, 2, 0xa2, seq, 50);
        send_video(&fx, 1, 0xb1, seq, seq == 0, 0);
        send_video(&fx, 2, 0xb2, seq, seq == 0, 0);
    }
    g_assert_cmpuint(log.audio[1], ==, 30);
    g_assert_cmpuint(log.video[1], ==, 0);
    g_assert_cmpuint(log.audio[2], ==, 0);
    g_assert_cmpuint(log.video[2], ==, 30);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->tap_packets, ==, 60);
    /* Asking for a key frame reaches the publisher of the selected video. */
    fx.now += G_USEC_PER_SEC;
    sfu_tap_request_keyframe(tap, 2, fx.now);
    g_assert_cmpuint(fake_count_pli(fx.peers[2], 0xb2), ==, 2); /* start, then this */

    /* Sender reports with the publisher's CNAME once the publisher has reported. */
    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_sr(&w, 0xa1, &si, NULL, 0);
    len = rtcp_writer_finish(&w);
    sfu_room_on_rtcp(fx.room, sfu_room_get_participant(fx.room, 1), buf, (gsize)len, fx.now);
    fx.now += 100 * MS;
    sfu_room_tick(fx.room, fx.now);
    g_assert_cmpuint(log.rtcp, ==, 1);
    g_assert_true(log.cname_ok);

    /* Unselected: nothing more. The floor gates taps as it gates subscribers. */
    sfu_tap_unselect(tap, 2, SFU_MEDIA_VIDEO);
    assert_tap_tracks(&log, 2, 1);
    sfu_room_set_floor(fx.room, 0);
    sfu_tap_select(tap, 2, SFU_MEDIA_AUDIO, -1, fx.now);
    send_video(&fx, 1, 0xb2, seq, FALSE, 0);
    send_audio(&fx, 2, 0xa2, seq, 50);
    g_assert_cmpuint(log.video[2], ==, 30);
    g_assert_cmpuint(log.audio[2], ==, 0);
    assert_tap_tracks(&log, 3, 1);
    tap_teardown(&fx, tap);
    g_assert_true(log.destroyed);
    assert_tap_tracks(&log, 3, 3);
}

/* Participant 0 selects everyone, now and later; an unpublished track and a participant who
 * leaves are reported gone. */
static void test_tap_everyone(void)
{
    Fixture fx;
    TapLog log;
    SfuTap *tap;

    tap = tap_setup(&fx, &log, &tap_rtp_only, NULL);
    publish_audio(&fx, 1, 0xa1);
    sfu_tap_select(tap, 0, SFU_MEDIA_AUDIO, -1, fx.now);
    sfu_tap_select(tap, 0, SFU_MEDIA_VIDEO, -1, fx.now);
    assert_tap_tracks(&log, 1, 0);
    publish_video(&fx, 1, 0xb1);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_audio(&fx, 2, 0xa2);
    publish_video(&fx, 2, 0xb2);
    assert_tap_tracks(&log, 4, 0);
    fx.now += 20 * MS;
    send_audio(&fx, 1, 0xa1, 1, 50);
    g_assert_cmpuint(log.audio[1], ==, 1);
    g_assert_true(sfu_room_unpublish(fx.room, 1, "v", NULL));
    assert_tap_tracks(&log, 4, 1);
    g_assert_cmpstr(log.last_removed, ==, "v");
    g_assert_true(sfu_room_remove_participant(fx.room, 2, NULL));
    assert_tap_tracks(&log, 4, 3);
    sfu_tap_unselect(tap, 0, SFU_MEDIA_AUDIO);
    assert_tap_tracks(&log, 4, 4);
    tap_teardown(&fx, tap);
    assert_tap_tracks(&log, 4, 4);
}

/* A simulcast publisher whose top layer does not flow (a browser with a low estimate sends only
 * q and h): a tap on its video records h, and moves up to f once f flows. */
static void test_tap_follows_flowing_layer(void)
{
    Fixture fx;
    TapLog log;
    SfuTap *tap;
    guint before;
    SimLayer layers[3] = {
        {0x100, "q", 100, 0, 125, 320, 180, TRUE, 0},
        {0x200, "h", 200, 0, 375, 640, 360, TRUE, 0},
        {0x300, "f", 300, 0, 1125, 1280, 720, TRUE, 0},
    };

    tap = tap_setup(&fx, &log, &tap_rtp_only, NULL);
    sfu_tap_select(tap, 0, SFU_MEDIA_VIDEO, -1, fx.now);
    publish_simulcast(&fx, 1);
    assert_tap_tracks(&log, 1, 0);
    sim_run(&fx, 1, layers, 2, 2000); /* q and h only */
    g_assert_cmpuint(log.video[1], >, 50);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x200), >=, 1);
    /* f starts: the tap moves up within a layer choice and a key frame. */
    before = log.video[1];
    sim_run(&fx, 1, layers, 3, 2000);
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0x300), >=, 1);
    g_assert_cmpuint(log.video[1] - before, >, 100);
    /* f stops again: back to h after the idle time, with no gap longer than that. */
    before = log.video[1];
    sim_run(&fx, 1, layers, 2, 4000);
    g_assert_cmpuint(log.video[1] - before, >, 200);
    tap_teardown(&fx, tap);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-room/tap-selected-tracks", test_tap_selected_tracks);
    g_test_add_func("/media/sfu-room/tap-everyone", test_tap_everyone);
    g_test_add_func("/media/sfu-room/tap-follows-flowing-layer", test_tap_follows_flowing_layer);
    return g_test_run();
}
