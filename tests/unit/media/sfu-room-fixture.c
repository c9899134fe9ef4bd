/* sfu-room-fixture.c: the room fixture's helpers (sfu-room-fixture.h). The fixture records the
 * room's events (active speaker, floor applied, stats) so that tests can assert on them. */
#include "sfu-room-fixture.h"

#include <string.h>

static void on_active_speaker(gpointer data, guint64 id)
{
    Fixture *fx = data;

    g_array_append_val(fx->speakers, id);
    g_array_append_val(fx->speaker_times, fx->now);
}

static void on_floor_applied(gpointer data, guint64 holder, gboolean open)
{
    Fixture *fx = data;

    fx->floor_events++;
    fx->last_floor = holder;
    fx->last_open = open;
}

static void on_stats(gpointer data, const SfuPeerStats *stats, guint n)
{
    Fixture *fx = data;

    fx->stats_events++;
    fx->last_stats_n = n;
}

static const SfuRoomEvents fixture_events = {
    .active_speaker = on_active_speaker,
    .floor_applied = on_floor_applied,
    .stats = on_stats,
};

void fixture_init(Fixture *fx)
{
    SfuRoomConfig config = {.meeting_id = 42};

    memset(fx, 0, sizeof(*fx));
    fx->room = sfu_room_new(&config, &fixture_events, fx);
    fx->speakers = g_array_new(FALSE, FALSE, sizeof(guint64));
    fx->speaker_times = g_array_new(FALSE, FALSE, sizeof(gint64));
    fx->now = 10 * G_USEC_PER_SEC;
}

void fixture_clear(Fixture *fx)
{
    guint i;

    sfu_room_free(fx->room);
    for (i = 0; i < MAX_PEERS; i++)
        fake_peer_free(fx->peers[i]);
    g_array_unref(fx->speakers);
    g_array_unref(fx->speaker_times);
}

SfuParticipant *add_participant(Fixture *fx, guint64 id, SfuRole role, const SfuExtIds *sub_ext)
{
    static const SfuExtIds pub_ext = {.mid = EXT_MID, .rid = EXT_RID, .audio_level = EXT_LEVEL};
    g_autoptr(GError) error = NULL;
    SfuParticipant *p;

    g_assert_cmpuint(id, <, MAX_PEERS);
    p = sfu_room_add_participant(fx->room, id, "someone", role, &error);
    g_assert_no_error(error);
    fx->peers[id] = fake_peer_new(FALSE);
    sfu_participant_set_transport(p, SFU_SIDE_PUBLISH, &fake_transport, fx->peers[id], &pub_ext);
    sfu_participant_set_transport(p, SFU_SIDE_SUBSCRIBE, &fake_transport, fx->peers[id], sub_ext);
    sfu_room_set_peer_connected(fx->room, p, TRUE);
    return p;
}

void publish_track(Fixture *fx, guint64 id, const SfuTrackConfig *cfg)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_publish(fx->room, id, cfg, &error));
    g_assert_no_error(error);
}

void publish_audio(Fixture *fx, guint64 id, guint32 ssrc)
{
    SfuTrackConfig cfg = {.mid = "a",
                          .kind = SFU_MEDIA_AUDIO,
                          .codec = SFU_CODEC_OPUS,
                          .payload_type = AUDIO_PT,
                          .clock_rate = 48000,
                          .n_layers = 1,
                          .layers = {{.ssrc = ssrc}}};

    publish_track(fx, id, &cfg);
}

void publish_video_fb(Fixture *fx, guint64 id, guint32 ssrc, guint feedback)
{
    SfuTrackConfig cfg = {.mid = "v",
                          .kind = SFU_MEDIA_VIDEO,
                          .codec = SFU_CODEC_VP8,
                          .payload_type = VIDEO_PT,
                          .clock_rate = 90000,
                          .n_layers = 1,
                          .layers = {{.ssrc = ssrc}},
                          .feedback = feedback};

    publish_track(fx, id, &cfg);
}

void publish_video(Fixture *fx, guint64 id, guint32 ssrc)
{
    publish_video_fb(fx, id, ssrc, 0);
}

void publish_simulcast(Fixture *fx, guint64 id)
{
    SfuTrackConfig cfg = {.mid = "v",
                          .kind = SFU_MEDIA_VIDEO,
                          .codec = SFU_CODEC_VP8,
                          .payload_type = VIDEO_PT,
                          .clock_rate = 90000,
                          .n_layers = 3,
                          .layers = {{.rid = "q"}, {.rid = "h"}, {.rid = "f"}}};

    publish_track(fx, id, &cfg);
}

void subscribe(Fixture *fx, guint64 sub, guint64 pub, const char *mid, guint32 ssrc, gint pt)
{
    SfuSubscribeConfig cfg = {.ssrc = ssrc, .payload_type = pt, .mid = "s0"};
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_subscribe(fx->room, sub, pub, mid, &cfg, fx->now, &error));
    g_assert_no_error(error);
}

guint32 audio_ts(const Fixture *fx)
{
    return (guint32)(fx->now / MS * 48);
}

int send_audio(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, guint8 level)
{
    guint8 buf[256], payload[60];
    guint8 lv = level;
    FakeExt ext = {EXT_LEVEL, &lv, 1};
    gsize len;

    memset(payload, (int)(id & 0xff), sizeof(payload));
    len =
        fake_rtp(buf, ssrc, seq, audio_ts(fx), AUDIO_PT, FALSE, &ext, 1, payload, sizeof(payload));
    return sfu_room_on_rtp(fx->room, sfu_room_get_participant(fx->room, id), buf, len, fx->now);
}

void send_audio_run(Fixture *fx, guint64 id, guint32 ssrc, guint16 *seq, guint n)
{
    for (guint i = 0; i < n; i++) {
        fx->now += 20 * MS;
        send_audio(fx, id, ssrc, (*seq)++, 50);
    }
}

int send_video(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, gboolean key, guint8 fill)
{
    guint8 buf[1500], payload[400];
    gsize len;

    fake_vp8_payload(payload, sizeof(payload), key, (guint16)(seq & 0x7fff), 640, 360, fill);
    len = fake_rtp(buf, ssrc, seq, (guint32)(fx->now / MS * 90), VIDEO_PT, TRUE, NULL, 0, payload,
                   sizeof(payload));
    return sfu_room_on_rtp(fx->room, sfu_room_get_participant(fx->room, id), buf, len, fx->now);
}

GBytes *last_rtp(Fixture *fx, guint64 id)
{
    GPtrArray *rtp = fx->peers[id]->rtp;

    g_assert_cmpuint(rtp->len, >, 0);
    return g_ptr_array_index(rtp, rtp->len - 1);
}

GPtrArray *rtp_for(Fixture *fx, guint64 id, guint32 ssrc)
{
    GPtrArray *out = g_ptr_array_new();
    guint i;

    for (i = 0; i < fx->peers[id]->rtp->len; i++) {
        GBytes *b = g_ptr_array_index(fx->peers[id]->rtp, i);

        if (fake_rtp_ssrc(b) == ssrc)
            g_ptr_array_add(out, b);
    }
    return out;
}

guint rtp_count(Fixture *fx, guint64 id, guint32 ssrc)
{
    g_autoptr(GPtrArray) pkts = rtp_for(fx, id, ssrc);

    return pkts->len;
}

void assert_continuous(GPtrArray *pkts, guint32 ts_step)
{
    guint i;

    for (i = 1; i < pkts->len; i++) {
        GBytes *a = g_ptr_array_index(pkts, i - 1), *b = g_ptr_array_index(pkts, i);

        g_assert_cmpuint(fake_rtp_seq(b), ==, (guint16)(fake_rtp_seq(a) + 1));
        if (ts_step != 0)
            g_assert_cmpuint(fake_rtp_ts(b) - fake_rtp_ts(a), ==, ts_step);
        else
            g_assert_cmpint((gint32)(fake_rtp_ts(b) - fake_rtp_ts(a)), >, 0);
    }
}

void sim_step(Fixture *fx, guint64 id, SimLayer *layers, guint n)
{
    guint i;

    for (i = 0; i < n; i++) {
        SimLayer *l = &layers[i];
        guint plis = fake_count_pli(fx->peers[id], l->ssrc);
        guint8 buf[1500], payload[1400];
        FakeExt ext[2] = {{EXT_MID, (const guint8 *)"v", 1},
                          {EXT_RID, (const guint8 *)l->rid, (guint8)strlen(l->rid)}};
        gsize len;

        if (plis > l->plis_seen) {
            l->plis_seen = plis;
            l->key_next = TRUE; /* the publisher answers a PLI with a key frame */
        }
        fake_vp8_payload(payload, l->size - 20, l->key_next, (guint16)(l->seq & 0x7fff), l->width,
                         l->height, (guint8)(0xa0 + i));
        len = fake_rtp(buf, l->ssrc, l->seq, l->ts, VIDEO_PT, TRUE, ext, 2, payload, l->size - 20);
        g_assert_cmpuint(len, ==, l->size);
        g_assert_cmpint(
            sfu_room_on_rtp(fx->room, sfu_room_get_participant(fx->room, id), buf, len, fx->now),
            ==, 0);
        l->key_next = FALSE;
        l->seq++;
        l->ts += 900;
    }
}

void sim_run(Fixture *fx, guint64 id, SimLayer *layers, guint n, guint ms)
{
    guint t;

    for (t = 0; t < ms; t += 10) {
        fx->now += 10 * MS;
        sim_step(fx, id, layers, n);
        if ((fx->now / MS) % 100 == 0)
            sfu_room_tick(fx->room, fx->now);
    }
}
