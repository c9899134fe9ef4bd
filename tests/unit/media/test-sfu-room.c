/* test-sfu-room.c: the router's room (media/router/sfu-room.c, sfu-forward.c, sfu-rtcp.c) with
 * fake in-memory peers: forwarding, the floor gate, layer choice, NACK, PLI, reports, the active
 * speaker and taps. Time is given explicitly, so every test is deterministic. */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-nack-gen.h"
#include "router/sfu-room.h"
#include "router/sfu-uplink.h"
#include "rtp/rtcp.h"
#include "rtp/rtp-bytes.h"
#include "rtp/rtp-payload.h"
#include "rtp/rtp.h"
#include "sfu-fake.h"

#define AUDIO_PT 111
#define VIDEO_PT 96
#define MS       1000

/* Extension ids as the publishers negotiated them. */
#define EXT_MID   1
#define EXT_RID   2
#define EXT_LEVEL 4

#define MAX_PEERS 16

typedef struct {
    SfuRoom *room;
    FakePeer *peers[MAX_PEERS]; /* by participant id */
    GArray *speakers;           /* guint64, each active speaker event */
    GArray *speaker_times;      /* gint64 */
    guint floor_events;
    guint64 last_floor;
    gboolean last_open;
    guint stats_events;
    guint last_stats_n;
    gint64 now;
} Fixture;

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

static void fixture_init(Fixture *fx)
{
    SfuRoomConfig config = {.meeting_id = 42};

    memset(fx, 0, sizeof(*fx));
    fx->room = sfu_room_new(&config, &fixture_events, fx);
    fx->speakers = g_array_new(FALSE, FALSE, sizeof(guint64));
    fx->speaker_times = g_array_new(FALSE, FALSE, sizeof(gint64));
    fx->now = 10 * G_USEC_PER_SEC;
}

static void fixture_clear(Fixture *fx)
{
    guint i;

    sfu_room_free(fx->room);
    for (i = 0; i < MAX_PEERS; i++)
        fake_peer_free(fx->peers[i]);
    g_array_unref(fx->speakers);
    g_array_unref(fx->speaker_times);
}

/* A participant with one fake peer for both directions. @sub_ext: extension ids it negotiated
 * for what it receives (NULL: none). */
static SfuParticipant *add_participant(Fixture *fx, guint64 id, SfuRole role,
                                       const SfuExtIds *sub_ext)
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

static void publish_audio(Fixture *fx, guint64 id, guint32 ssrc)
{
    SfuTrackConfig cfg = {.mid = "a",
                          .kind = SFU_MEDIA_AUDIO,
                          .codec = SFU_CODEC_OPUS,
                          .payload_type = AUDIO_PT,
                          .clock_rate = 48000,
                          .n_layers = 1,
                          .layers = {{.ssrc = ssrc}}};
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_publish(fx->room, id, &cfg, &error));
    g_assert_no_error(error);
}

static void publish_video(Fixture *fx, guint64 id, guint32 ssrc)
{
    SfuTrackConfig cfg = {.mid = "v",
                          .kind = SFU_MEDIA_VIDEO,
                          .codec = SFU_CODEC_VP8,
                          .payload_type = VIDEO_PT,
                          .clock_rate = 90000,
                          .n_layers = 1,
                          .layers = {{.ssrc = ssrc}}};
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_publish(fx->room, id, &cfg, &error));
    g_assert_no_error(error);
}

/* Three VP8 layers announced by rid only (q, h, f), as browsers do. */
static void publish_simulcast(Fixture *fx, guint64 id)
{
    SfuTrackConfig cfg = {.mid = "v",
                          .kind = SFU_MEDIA_VIDEO,
                          .codec = SFU_CODEC_VP8,
                          .payload_type = VIDEO_PT,
                          .clock_rate = 90000,
                          .n_layers = 3,
                          .layers = {{.rid = "q"}, {.rid = "h"}, {.rid = "f"}}};
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_publish(fx->room, id, &cfg, &error));
    g_assert_no_error(error);
}

static void subscribe(Fixture *fx, guint64 sub, guint64 pub, const char *mid, guint32 ssrc, gint pt)
{
    SfuSubscribeConfig cfg = {.ssrc = ssrc, .payload_type = pt, .mid = "s0"};
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_subscribe(fx->room, sub, pub, mid, &cfg, fx->now, &error));
    g_assert_no_error(error);
}

/* Sources sample the fixture's clock: 48 kHz audio. */
static guint32 audio_ts(const Fixture *fx)
{
    return (guint32)(fx->now / MS * 48);
}

static int send_audio(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, guint8 level)
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

static int send_video(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, gboolean key, guint8 fill)
{
    guint8 buf[1500], payload[400];
    gsize len;

    fake_vp8_payload(payload, sizeof(payload), key, (guint16)(seq & 0x7fff), 640, 360, fill);
    len = fake_rtp(buf, ssrc, seq, (guint32)(fx->now / MS * 90), VIDEO_PT, TRUE, NULL, 0, payload,
                   sizeof(payload));
    return sfu_room_on_rtp(fx->room, sfu_room_get_participant(fx->room, id), buf, len, fx->now);
}

static GBytes *last_rtp(Fixture *fx, guint64 id)
{
    GPtrArray *rtp = fx->peers[id]->rtp;

    g_assert_cmpuint(rtp->len, >, 0);
    return g_ptr_array_index(rtp, rtp->len - 1);
}

/* Every packet the peer got for @ssrc, in order. */
static GPtrArray *rtp_for(Fixture *fx, guint64 id, guint32 ssrc)
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

static void assert_continuous(GPtrArray *pkts, guint32 ts_step)
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

/* ---- the floor ---- */

static void test_floor_gate(void)
{
    Fixture fx;
    guint16 seq = 1000;
    guint n, last_seq;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 3, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 9, SFU_ROLE_SITE, NULL); /* listens */
    publish_audio(&fx, 1, 0xc1);
    publish_audio(&fx, 2, 0xc2);
    publish_audio(&fx, 3, 0xc3);
    subscribe(&fx, 9, 1, "a", 0x91, -1);
    subscribe(&fx, 9, 2, "a", 0x92, -1);
    subscribe(&fx, 9, 3, "a", 0x93, -1);
    subscribe(&fx, 2, 1, "a", 0x21, -1);

#define RECEIVED(ssrc) (rtp_for_n(&fx, 9, ssrc))
    /* A member's audio is held back; the chair's always passes. */
    for (n = 0; n < 10; n++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 1, 0xc1, seq, 50);
        send_audio(&fx, 2, 0xc2, seq, 50);
        send_audio(&fx, 3, 0xc3, seq, 50);
    }
    {
        g_autoptr(GPtrArray) c = rtp_for(&fx, 9, 0x91);
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);

        g_assert_cmpuint(c->len, ==, 10);
        g_assert_cmpuint(m->len, ==, 0);
    }
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->dropped_floor, ==, 20);

    /* Granting the floor to 2 opens its audio from the very next packet, only its audio. */
    sfu_room_set_floor(fx.room, 2);
    g_assert_cmpuint(fx.floor_events, ==, 1);
    g_assert_cmpuint(fx.last_floor, ==, 2);
    g_assert_true(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 2)));
    for (n = 0; n < 10; n++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 2, 0xc2, seq, 50);
        send_audio(&fx, 3, 0xc3, seq, 50);
        if (n == 0) {
            g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);

            g_assert_cmpuint(m->len, ==, 1); /* the first packet after the grant */
        }
    }
    {
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);
        g_autoptr(GPtrArray) o = rtp_for(&fx, 9, 0x93);

        g_assert_cmpuint(m->len, ==, 10);
        g_assert_cmpuint(o->len, ==, 0);
        assert_continuous(m, 960); /* 20 ms */
        last_seq = fake_rtp_seq(g_ptr_array_index(m, 9));
    }

    /* Revoked: closed from the next packet. */
    sfu_room_set_floor(fx.room, 0);
    for (n = 0; n < 50; n++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 2, 0xc2, seq, 50);
    }
    {
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);

        g_assert_cmpuint(m->len, ==, 10);
    }

    /* Granted again: the listener sees its sequence run on with no gap (no NACK storm) and the
     * timestamp advanced by the second the floor was closed. */
    sfu_room_set_floor(fx.room, 2);
    fx.now += 20 * MS;
    send_audio(&fx, 2, 0xc2, seq++, 50);
    {
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);
        GBytes *a = g_ptr_array_index(m, 9), *b = g_ptr_array_index(m, 10);
        guint32 dts = fake_rtp_ts(b) - fake_rtp_ts(a);

        g_assert_cmpuint(m->len, ==, 11);
        g_assert_cmpuint(fake_rtp_seq(b), ==, (guint16)(last_seq + 1));
        g_assert_cmpuint(dts, >=, 48000);
        g_assert_cmpuint(dts, <=, 48000 + 2000);
    }

    /* All microphones open: everyone passes. */
    sfu_room_set_floor(fx.room, 0);
    sfu_room_set_open_microphones(fx.room, TRUE);
    g_assert_true(fx.last_open);
    fx.now += 20 * MS;
    send_audio(&fx, 2, 0xc2, seq, 50);
    send_audio(&fx, 3, 0xc3, seq++, 50);
    {
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);
        g_autoptr(GPtrArray) o = rtp_for(&fx, 9, 0x93);

        g_assert_cmpuint(m->len, ==, 12);
        g_assert_cmpuint(o->len, ==, 1);
    }

    /* The chair's mute wins over open microphones, over the floor and over being the chair. */
    g_assert_true(sfu_room_mute(fx.room, 3, SFU_MEDIA_AUDIO, TRUE, fx.now, NULL));
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_AUDIO, TRUE, fx.now, NULL));
    sfu_room_set_floor(fx.room, 3);
    fx.now += 20 * MS;
    send_audio(&fx, 1, 0xc1, seq, 50);
    send_audio(&fx, 3, 0xc3, seq++, 50);
    {
        g_autoptr(GPtrArray) c = rtp_for(&fx, 9, 0x91);
        g_autoptr(GPtrArray) o = rtp_for(&fx, 9, 0x93);

        g_assert_cmpuint(c->len, ==, 10);
        g_assert_cmpuint(o->len, ==, 1);
    }
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->dropped_muted, ==, 2);
    /* Unmuted: the chair is heard again without the floor. */
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_AUDIO, FALSE, fx.now, NULL));
    sfu_room_set_open_microphones(fx.room, FALSE);
    fx.now += 20 * MS;
    send_audio(&fx, 1, 0xc1, seq++, 50);
    {
        g_autoptr(GPtrArray) c = rtp_for(&fx, 9, 0x91);

        g_assert_cmpuint(c->len, ==, 11);
    }
    g_assert_false(sfu_room_mute(fx.room, 77, SFU_MEDIA_AUDIO, TRUE, fx.now, NULL));
    fixture_clear(&fx);
#undef RECEIVED
}

/* Halls (DOMAIN.md "điểm cầu"): a site's room microphones are gated like a member's: heard
 * while the floor is the site's (a member speaking from it), while the microphones are open, or
 * while the chair presides from it (the server gives it the chair's role then). */
static void test_site_gate(void)
{
    Fixture fx;
    g_autoptr(GError) error = NULL;
    guint16 seq = 1;
    SfuParticipant *hall;
    guint i;

#define HALL_SENDS(n)                      \
    for (i = 0; i < (n); i++, seq++) {     \
        fx.now += 20 * MS;                 \
        send_audio(&fx, 5, 0xa5, seq, 50); \
    }
#define HEARD() (fx.peers[9]->rtp->len)
    fixture_init(&fx);
    hall = add_participant(&fx, 5, SFU_ROLE_SITE, NULL);
    add_participant(&fx, 9, SFU_ROLE_SITE, NULL); /* another hall, listening */
    publish_audio(&fx, 5, 0xa5);
    subscribe(&fx, 9, 5, "a", 0x95, -1);
    HALL_SENDS(5);
    g_assert_false(sfu_participant_is_audio_open(hall));
    g_assert_cmpuint(HEARD(), ==, 0);
    /* A member speaking from the hall: the floor is the hall's. */
    sfu_room_set_floor(fx.room, 5);
    HALL_SENDS(5);
    g_assert_cmpuint(HEARD(), ==, 5);
    sfu_room_set_floor(fx.room, 0);
    HALL_SENDS(5);
    g_assert_cmpuint(HEARD(), ==, 5);
    /* The chair opens every microphone: the halls' too. */
    sfu_room_set_open_microphones(fx.room, TRUE);
    HALL_SENDS(5);
    g_assert_cmpuint(HEARD(), ==, 10);
    sfu_room_set_open_microphones(fx.room, FALSE);
    /* The chair presides from the hall: heard without the floor, until the chair leaves it. */
    g_assert_true(sfu_room_set_role(fx.room, 5, SFU_ROLE_CHAIR, &error));
    g_assert_no_error(error);
    g_assert_true(sfu_participant_is_audio_open(hall));
    HALL_SENDS(5);
    g_assert_cmpuint(HEARD(), ==, 15);
    g_assert_true(sfu_room_set_role(fx.room, 5, SFU_ROLE_SITE, &error));
    HALL_SENDS(5);
    g_assert_cmpuint(HEARD(), ==, 15);
    /* The chair's mute holds a hall back too. */
    sfu_room_set_floor(fx.room, 5);
    g_assert_true(sfu_room_mute(fx.room, 5, SFU_MEDIA_AUDIO, TRUE, fx.now, &error));
    HALL_SENDS(5);
    g_assert_cmpuint(HEARD(), ==, 15);
#undef HALL_SENDS
#undef HEARD
    fixture_clear(&fx);
}

/* A member who joins while holding the floor is heard; the floor follows the id. */
static void test_floor_before_join(void)
{
    Fixture fx;

    fixture_init(&fx);
    sfu_room_set_floor(fx.room, 5);
    add_participant(&fx, 5, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 6, SFU_ROLE_GUEST, NULL);
    g_assert_true(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 5)));
    g_assert_false(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 6)));
    /* A guest made chair (the vice-chair takes over) is heard. */
    g_assert_true(sfu_room_set_role(fx.room, 6, SFU_ROLE_CHAIR, NULL));
    g_assert_true(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 6)));
    fixture_clear(&fx);
}

static void test_video_mute(void)
{
    Fixture fx;
    guint16 seq;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_video(&fx, 1, 0xb1);
    subscribe(&fx, 2, 1, "v", 0x62, -1);
    for (seq = 0; seq < 5; seq++) {
        fx.now += 33 * MS;
        send_video(&fx, 1, 0xb1, seq, seq == 0, 1);
    }
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_VIDEO, TRUE, fx.now, NULL));
    for (; seq < 10; seq++) {
        fx.now += 33 * MS;
        send_video(&fx, 1, 0xb1, seq, FALSE, 1);
    }
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 5);
    fake_peer_clear(fx.peers[1]);
    fx.now += G_USEC_PER_SEC;
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_VIDEO, FALSE, fx.now, NULL));
    /* Unmuted: a key frame is asked for and nothing goes out before it. */
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 1);
    fx.now += 33 * MS;
    send_video(&fx, 1, 0xb1, seq++, FALSE, 1);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 5);
    fx.now += 33 * MS;
    send_video(&fx, 1, 0xb1, seq++, TRUE, 1);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 6);
    {
        g_autoptr(GPtrArray) v = rtp_for(&fx, 2, 0x62);

        assert_continuous(v, 0);
    }
    fixture_clear(&fx);
}

/* ---- simulcast layers ---- */

typedef struct {
    guint32 ssrc;
    const char *rid;
    guint16 seq;
    guint32 ts;
    gsize size; /* bytes per packet, one packet per 10 ms */
    guint16 width, height;
    gboolean key_next;
    guint plis_seen;
} SimLayer;

static void sim_step(Fixture *fx, guint64 id, SimLayer *layers, guint n)
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

/* Runs the publisher for @ms milliseconds, ticking the room every 100 ms. */
static void sim_run(Fixture *fx, guint64 id, SimLayer *layers, guint n, guint ms)
{
    guint t;

    for (t = 0; t < ms; t += 10) {
        fx->now += 10 * MS;
        sim_step(fx, id, layers, n);
        if ((fx->now / MS) % 100 == 0)
            sfu_room_tick(fx->room, fx->now);
    }
}

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

static void publish_video_fb(Fixture *fx, guint64 id, guint32 ssrc, guint feedback)
{
    SfuTrackConfig cfg = {.mid = "v",
                          .kind = SFU_MEDIA_VIDEO,
                          .codec = SFU_CODEC_VP8,
                          .payload_type = VIDEO_PT,
                          .clock_rate = 90000,
                          .n_layers = 1,
                          .layers = {{.ssrc = ssrc}},
                          .feedback = feedback};
    g_autoptr(GError) error = NULL;

    g_assert_true(sfu_room_publish(fx->room, id, &cfg, &error));
    g_assert_no_error(error);
}

/* Every sequence number the peer was NACKed for @media_ssrc, in order. */
static GArray *nacked(FakePeer *peer, guint32 media_ssrc)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint16));
    guint i;

    for (i = 0; i < peer->rtcp->len; i++) {
        gsize len;
        const guint8 *data = g_bytes_get_data(g_ptr_array_index(peer->rtcp, i), &len);
        RtcpIter iter;
        RtcpPacket pkt;
        RtcpFeedback fb;
        guint16 seqs[64];

        g_assert_cmpint(rtcp_compound_validate(data, len), >, 0);
        rtcp_iter_init(&iter, data, len);
        while (rtcp_iter_next(&iter, &pkt) > 0) {
            if (rtcp_nack_parse(&pkt, &fb) == 0 && fb.media_ssrc == media_ssrc)
                g_array_append_vals(out, seqs, rtcp_nack_expand(&fb, seqs, G_N_ELEMENTS(seqs)));
        }
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
    guint i, n = 0;

    for (i = 0; i < peer->rtcp->len; i++) {
        gsize len;
        const guint8 *data = g_bytes_get_data(g_ptr_array_index(peer->rtcp, i), &len);
        RtcpIter iter;
        RtcpPacket pkt;
        RtcpFeedback fb;

        rtcp_iter_init(&iter, data, len);
        while (rtcp_iter_next(&iter, &pkt) > 0) {
            guint32 ssrc;

            if (rtcp_fir_parse(&pkt, &fb) != 0 || rtcp_fir_get_n_items(&fb) != 1)
                continue;
            rtcp_fir_get_item(&fb, 0, &ssrc, last_seq);
            n += ssrc == media_ssrc;
        }
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
    guint64 bitrate = 0;
    guint i, k;

    *count = 0;
    for (i = 0; i < peer->rtcp->len; i++) {
        gsize len;
        const guint8 *data = g_bytes_get_data(g_ptr_array_index(peer->rtcp, i), &len);
        RtcpIter iter;
        RtcpPacket pkt;
        RtcpRemb remb;

        rtcp_iter_init(&iter, data, len);
        while (rtcp_iter_next(&iter, &pkt) > 0) {
            if (pkt.type != RTCP_TYPE_PSFB || rtcp_remb_parse(&pkt, &remb) != 0)
                continue;
            for (k = 0; k < remb.n_ssrcs; k++) {
                if (rtcp_remb_get_ssrc(&remb, k) == ssrc) {
                    bitrate = remb.bitrate;
                    (*count)++;
                }
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

/* ---- taps ---- */

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

static void test_tap_selected_tracks(void)
{
    static const SfuTapFuncs funcs = {tap_rtp, tap_rtcp, tap_track_added, tap_track_removed};
    Fixture fx;
    TapLog log = {0};
    SfuTap *tap;
    guint16 seq;
    guint8 buf[128];
    RtcpWriter w;
    RtcpSenderInfo si = {.ntp_timestamp = 1ull << 40, .rtp_timestamp = 1};
    int len;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    tap = sfu_room_add_tap(fx.room, &funcs, &log, tap_destroyed);
    /* Selected before the tracks exist: attached when they are published. */
    sfu_tap_select(tap, 1, SFU_MEDIA_AUDIO, -1, fx.now);
    publish_audio(&fx, 1, 0xa1);
    publish_video(&fx, 1, 0xb1);
    publish_audio(&fx, 2, 0xa2);
    publish_video(&fx, 2, 0xb2);
    g_assert_cmpuint(log.added, ==, 1);
    sfu_tap_select(tap, 2, SFU_MEDIA_VIDEO, -1, fx.now);
    g_assert_cmpuint(log.added, ==, 2);
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
    g_assert_cmpuint(log.removed, ==, 1);
    sfu_room_set_floor(fx.room, 0);
    sfu_tap_select(tap, 2, SFU_MEDIA_AUDIO, -1, fx.now);
    send_video(&fx, 1, 0xb2, seq, FALSE, 0);
    send_audio(&fx, 2, 0xa2, seq, 50);
    g_assert_cmpuint(log.video[2], ==, 30);
    g_assert_cmpuint(log.audio[2], ==, 0);
    g_assert_cmpuint(log.added, ==, 3);
    sfu_room_remove_tap(fx.room, tap);
    g_assert_true(log.destroyed);
    g_assert_cmpuint(log.removed, ==, 3);
    fixture_clear(&fx);
}

/* Participant 0 selects everyone, now and later; an unpublished track and a participant who
 * leaves are reported gone. */
static void test_tap_everyone(void)
{
    static const SfuTapFuncs funcs = {tap_rtp, NULL, tap_track_added, tap_track_removed};
    Fixture fx;
    TapLog log = {0};
    SfuTap *tap;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    publish_audio(&fx, 1, 0xa1);
    tap = sfu_room_add_tap(fx.room, &funcs, &log, NULL);
    sfu_tap_select(tap, 0, SFU_MEDIA_AUDIO, -1, fx.now);
    sfu_tap_select(tap, 0, SFU_MEDIA_VIDEO, -1, fx.now);
    g_assert_cmpuint(log.added, ==, 1);
    publish_video(&fx, 1, 0xb1);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_audio(&fx, 2, 0xa2);
    publish_video(&fx, 2, 0xb2);
    g_assert_cmpuint(log.added, ==, 4);
    fx.now += 20 * MS;
    send_audio(&fx, 1, 0xa1, 1, 50);
    g_assert_cmpuint(log.audio[1], ==, 1);
    g_assert_true(sfu_room_unpublish(fx.room, 1, "v", NULL));
    g_assert_cmpuint(log.removed, ==, 1);
    g_assert_cmpstr(log.last_removed, ==, "v");
    g_assert_true(sfu_room_remove_participant(fx.room, 2, NULL));
    g_assert_cmpuint(log.removed, ==, 3);
    sfu_tap_unselect(tap, 0, SFU_MEDIA_AUDIO);
    g_assert_cmpuint(log.removed, ==, 4);
    sfu_room_remove_tap(fx.room, tap);
    g_assert_cmpuint(log.removed, ==, 4);
    fixture_clear(&fx);
}

/* A simulcast publisher whose top layer does not flow (a browser with a low estimate sends only
 * q and h): a tap on its video records h, and moves up to f once f flows. */
static void test_tap_follows_flowing_layer(void)
{
    static const SfuTapFuncs funcs = {tap_rtp, NULL, tap_track_added, tap_track_removed};
    Fixture fx;
    TapLog log = {0};
    SfuTap *tap;
    guint before;
    SimLayer layers[3] = {
        {0x100, "q", 100, 0, 125, 320, 180, TRUE, 0},
        {0x200, "h", 200, 0, 375, 640, 360, TRUE, 0},
        {0x300, "f", 300, 0, 1125, 1280, 720, TRUE, 0},
    };

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    tap = sfu_room_add_tap(fx.room, &funcs, &log, NULL);
    sfu_tap_select(tap, 0, SFU_MEDIA_VIDEO, -1, fx.now);
    publish_simulcast(&fx, 1);
    g_assert_cmpuint(log.added, ==, 1);
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
    sfu_room_remove_tap(fx.room, tap);
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
    g_test_add_func("/media/sfu-room/floor-gate", test_floor_gate);
    g_test_add_func("/media/sfu-room/floor-before-join", test_floor_before_join);
    g_test_add_func("/media/sfu-room/site-gate", test_site_gate);
    g_test_add_func("/media/sfu-room/video-mute", test_video_mute);
    g_test_add_func("/media/sfu-room/layer-choice-from-remb", test_layer_choice_from_remb);
    g_test_add_func("/media/sfu-room/nack-answered-from-cache", test_nack_answered_from_cache);
    g_test_add_func("/media/sfu-room/pli-rate-limited", test_pli_rate_limited);
    g_test_add_func("/media/sfu-room/nacks-to-publisher", test_nacks_to_publisher);
    g_test_add_func("/media/sfu-room/fir-where-no-pli", test_fir_where_no_pli);
    g_test_add_func("/media/sfu-room/remb-to-publisher", test_remb_to_publisher);
    g_test_add_func("/media/sfu-room/reports", test_reports);
    g_test_add_func("/media/sfu-room/active-speaker", test_active_speaker);
    g_test_add_func("/media/sfu-room/tap-selected-tracks", test_tap_selected_tracks);
    g_test_add_func("/media/sfu-room/tap-everyone", test_tap_everyone);
    g_test_add_func("/media/sfu-room/tap-follows-flowing-layer", test_tap_follows_flowing_layer);
    g_test_add_func("/media/sfu-room/bad-input-counted", test_bad_input_counted);
    g_test_add_func("/media/sfu-room/control-errors-and-removal", test_control_errors_and_removal);
    return g_test_run();
}
