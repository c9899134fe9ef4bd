/* test-engine.c: the public media API (media/media-engine.c) end to end with real worker
 * threads: rooms pinned by meeting id, participants, the floor applied within one packet and
 * well within 100 ms of the call, events on the main context, statistics.
 *
 * Fake peers stand in for the transport: they are attached and fed on the room's worker through
 * media_room_invoke(), as the transport's glue will do with MediaPeers. A "microphone" timer on
 * the worker sends one audio packet every 5 ms from a member. */
#include <string.h>

#include <glib.h>

#include "media-internal.h"
#include "media.h"
#include "router/sfu-room.h"
#include "sfu-fake.h"

#define AUDIO_PT 111

typedef struct {
    GMainContext *main_context;
    MediaEngine *engine;
    MediaRoom *room;
    /* events, main thread */
    guint peers_up;
    guint floor_events;
    guint64 floor_holder;
    guint stats_events;
    guint last_stats_n;
    guint listener_destroyed;
    /* written on the worker, read on the main thread after an invoke round trip */
    GMutex lock;
    GCond cond;
    gboolean held;
    guint64 mic_sent;              /* packets the microphone sent */
    guint64 forwarded;             /* packets the listener got */
    guint64 first_forwarded_index; /* the microphone's packet number of the first one */
    gint64 first_forwarded_us;
    guint64 sent_at_apply; /* the microphone's count right after the floor command ran */
    gboolean on_worker;
    /* worker-owned */
    FakePeer *peers[4];
    GSource *mic;
    guint16 mic_seq;
} Fixture;

static void on_peer_state(gpointer data, gint64 meeting_id, guint64 id, gboolean up)
{
    Fixture *fx = data;

    g_assert_cmpint(meeting_id, ==, 42);
    fx->peers_up += up ? 1 : 0;
}

static void on_floor_applied(gpointer data, gint64 meeting_id, guint64 holder, gboolean open)
{
    Fixture *fx = data;

    fx->floor_events++;
    fx->floor_holder = holder;
}

static void on_stats(gpointer data, gint64 meeting_id, const MediaPeerStats *stats, guint n)
{
    Fixture *fx = data;

    fx->stats_events++;
    fx->last_stats_n = n;
}

static void on_listener_destroyed(gpointer data)
{
    ((Fixture *)data)->listener_destroyed++;
}

static const MediaEngineListener listener = {
    .version = MEDIA_ENGINE_LISTENER_VERSION,
    .peer_state = on_peer_state,
    .floor_applied = on_floor_applied,
    .stats = on_stats,
};

/* Runs the main context until @cond holds or 5 s pass. */
#define ITERATE_UNTIL(fx, cond)                                     \
    G_STMT_START                                                    \
    {                                                               \
        gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC; \
        while (!(cond) && g_get_monotonic_time() < until)           \
            g_main_context_iteration((fx)->main_context, TRUE);     \
        g_assert_true(cond);                                        \
    }                                                               \
    G_STMT_END

/* Runs @func on the room's worker and waits for it. */
typedef struct {
    Fixture *fx;
    void (*func)(SfuRoom *room, Fixture *fx);
    gboolean done;
} Call;

static gboolean call_done(gpointer data)
{
    ((Call *)data)->done = TRUE;
    return G_SOURCE_REMOVE;
}

static void call_run(SfuRoom *room, gpointer data)
{
    Call *call = data;

    call->func(room, call->fx);
    g_main_context_invoke(call->fx->main_context, call_done, call);
}

static void on_worker(Fixture *fx, void (*func)(SfuRoom *room, Fixture *fx))
{
    Call call = {fx, func, FALSE};

    g_assert_true(media_room_invoke(fx->room, call_run, &call, NULL, NULL));
    ITERATE_UNTIL(fx, call.done);
}

/* ---- worker side ---- */

static int counting_send_rtp(gpointer data, guint8 *buf, gsize len, gsize cap)
{
    Fixture *fx = data;

    g_mutex_lock(&fx->lock);
    if (fx->forwarded++ == 0) {
        fx->first_forwarded_us = g_get_monotonic_time();
        fx->first_forwarded_index = fx->mic_sent;
    }
    g_mutex_unlock(&fx->lock);
    return 0;
}

static int counting_send_rtcp(gpointer data, guint8 *buf, gsize len, gsize cap)
{
    return 0;
}

static const SfuTransport counting_transport = {counting_send_rtp, counting_send_rtcp};

static void setup_peers(SfuRoom *room, Fixture *fx)
{
    static const SfuExtIds ext = {.audio_level = 1};
    SfuTrackConfig audio = {.mid = "a",
                            .kind = SFU_MEDIA_AUDIO,
                            .payload_type = AUDIO_PT,
                            .clock_rate = 48000,
                            .n_layers = 1,
                            .layers = {{.ssrc = 0xa2}}};
    SfuSubscribeConfig sub = {.ssrc = 0x3a2, .payload_type = -1};
    guint64 id;

    fx->on_worker = g_main_context_get_thread_default() == media_room_get_context(fx->room);
    for (id = 1; id <= 3; id++) {
        SfuParticipant *p = sfu_room_get_participant(room, id);

        g_assert_nonnull(p);
        fx->peers[id] = fake_peer_new(TRUE);
        if (id == 3)
            sfu_participant_set_transport(p, SFU_SIDE_SUBSCRIBE, &counting_transport, fx, &ext);
        else
            sfu_participant_set_transport(p, SFU_SIDE_PUBLISH, &fake_transport, fx->peers[id],
                                          &ext);
        sfu_room_set_peer_connected(room, p, TRUE);
    }
    g_assert_true(sfu_room_publish(room, 2, &audio, NULL));
    g_assert_true(sfu_room_subscribe(room, 3, 2, "a", &sub, g_get_monotonic_time(), NULL));
}

typedef struct {
    Fixture *fx;
    SfuRoom *room;
} Mic;

static gboolean mic_tick(gpointer data)
{
    Mic *mic = data;
    Fixture *fx = mic->fx;
    guint8 buf[128], payload[40];
    guint8 level = 40;
    FakeExt ext = {1, &level, 1};
    gsize len;

    memset(payload, 0x5a, sizeof(payload));
    len = fake_rtp(buf, 0xa2, fx->mic_seq, (guint32)fx->mic_seq * 240, AUDIO_PT, FALSE, &ext, 1,
                   payload, sizeof(payload));
    fx->mic_seq++;
    g_mutex_lock(&fx->lock);
    fx->mic_sent++;
    g_mutex_unlock(&fx->lock);
    sfu_room_on_rtp(mic->room, sfu_room_get_participant(mic->room, 2), buf, len,
                    g_get_monotonic_time());
    return G_SOURCE_CONTINUE;
}

static void stop_mic(gpointer data)
{
    Fixture *fx = data;

    if (fx->mic != NULL) {
        g_source_destroy(fx->mic);
        g_clear_pointer(&fx->mic, g_source_unref);
    }
}

static void start_mic(SfuRoom *room, Fixture *fx)
{
    Mic *mic = g_new0(Mic, 1);

    mic->fx = fx;
    mic->room = room;
    fx->mic = g_timeout_source_new(5);
    g_source_set_callback(fx->mic, mic_tick, mic, g_free);
    g_source_attach(fx->mic, g_main_context_get_thread_default());
    /* The room stops it before it goes, as the transport will close its peers. */
    sfu_room_add_cleanup(room, stop_mic, fx);
}

static void note_apply(SfuRoom *room, Fixture *fx)
{
    g_mutex_lock(&fx->lock);
    fx->sent_at_apply = fx->mic_sent;
    g_mutex_unlock(&fx->lock);
}

static void nothing(SfuRoom *room, Fixture *fx)
{
}

/* Holds the worker until released, so that commands posted meanwhile run back to back. */
static void hold(SfuRoom *room, gpointer data)
{
    Fixture *fx = data;

    g_mutex_lock(&fx->lock);
    fx->held = TRUE;
    g_cond_broadcast(&fx->cond);
    while (fx->held)
        g_cond_wait(&fx->cond, &fx->lock);
    g_mutex_unlock(&fx->lock);
}

static void hold_worker(Fixture *fx)
{
    g_assert_true(media_room_invoke(fx->room, hold, fx, NULL, NULL));
    g_mutex_lock(&fx->lock);
    while (!fx->held)
        g_cond_wait(&fx->cond, &fx->lock);
    g_mutex_unlock(&fx->lock);
}

static void release_worker(Fixture *fx)
{
    g_mutex_lock(&fx->lock);
    fx->held = FALSE;
    g_cond_broadcast(&fx->cond);
    g_mutex_unlock(&fx->lock);
}

static void note_apply_cb(SfuRoom *room, gpointer data)
{
    note_apply(room, data);
}

static void free_peers(SfuRoom *room, Fixture *fx)
{
    guint i;

    for (i = 0; i < G_N_ELEMENTS(fx->peers); i++) {
        if (fx->peers[i] != NULL) {
            sfu_participant_set_transport(sfu_room_get_participant(room, i), SFU_SIDE_PUBLISH, NULL,
                                          NULL, NULL);
            g_clear_pointer(&fx->peers[i], fake_peer_free);
        }
    }
}

static guint64 locked_get(Fixture *fx, guint64 *field)
{
    guint64 v;

    g_mutex_lock(&fx->lock);
    v = *field;
    g_mutex_unlock(&fx->lock);
    return v;
}

/* ---- tests ---- */

static void fixture_init(Fixture *fx, guint stats_ms)
{
    MediaEngineConfig config = {.n_workers = 2, .stats_interval_ms = stats_ms};
    g_autoptr(GError) error = NULL;

    memset(fx, 0, sizeof(*fx));
    g_mutex_init(&fx->lock);
    g_cond_init(&fx->cond);
    fx->main_context = g_main_context_new();
    g_main_context_push_thread_default(fx->main_context);
    fx->engine = media_engine_new(NULL, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(media_engine_get_n_workers(fx->engine), ==, 2);
    g_assert_cmpuint(media_engine_add_listener(fx->engine, &listener, fx, on_listener_destroyed),
                     !=, 0);
}

static void fixture_clear(Fixture *fx)
{
    g_clear_pointer(&fx->engine, media_engine_free);
    g_assert_cmpuint(fx->listener_destroyed, ==, 1);
    g_main_context_pop_thread_default(fx->main_context);
    g_main_context_unref(fx->main_context);
    g_mutex_clear(&fx->lock);
    g_cond_clear(&fx->cond);
}

static void test_rooms_pinned(void)
{
    Fixture fx;
    g_autoptr(GError) error = NULL;
    guint index[20];
    guint used[2] = {0, 0};
    gint64 id;
    MediaEngineListener future = {.version = MEDIA_ENGINE_LISTENER_VERSION + 1};

    fixture_init(&fx, 0);
    g_assert_cmpuint(media_engine_add_listener(fx.engine, &future, NULL, NULL), ==, 0);
    g_assert_null(media_engine_get_room(fx.engine, 1));
    for (id = 1; id <= 20; id++) {
        MediaRoom *room = media_engine_ensure_room(fx.engine, id, &error);

        g_assert_no_error(error);
        g_assert_true(media_engine_ensure_room(fx.engine, id, NULL) == room);
        g_assert_true(media_engine_get_room(fx.engine, id) == room);
        g_assert_cmpint(media_room_get_meeting_id(room), ==, id);
        index[id - 1] = media_room_get_worker_index(room);
        used[index[id - 1]]++;
    }
    g_assert_cmpuint(used[0], >, 0);
    g_assert_cmpuint(used[1], >, 0);
    /* A meeting's media goes back to the same worker when its room is made again. */
    for (id = 1; id <= 20; id++) {
        media_room_destroy(media_engine_get_room(fx.engine, id));
        g_assert_null(media_engine_get_room(fx.engine, id));
        g_assert_cmpuint(media_room_get_worker_index(media_engine_ensure_room(fx.engine, id, NULL)),
                         ==, index[id - 1]);
    }
    fixture_clear(&fx);
}

static void count_room(MediaRoom *room, gpointer data)
{
    (*(guint *)data)++;
}

static void test_participants(void)
{
    Fixture fx;
    g_autoptr(GError) error = NULL;
    guint n = 0;

    fixture_init(&fx, 0);
    fx.room = media_engine_ensure_room(fx.engine, 42, NULL);
    media_engine_foreach_room(fx.engine, count_room, &n);
    g_assert_cmpuint(n, ==, 1);
    g_assert_true(media_room_add_participant(fx.room, 1, "Chủ tọa", MEDIA_ROLE_CHAIR, NULL));
    g_assert_true(media_room_add_participant(fx.room, 2, "Đại biểu", MEDIA_ROLE_MEMBER, NULL));
    g_assert_false(media_room_add_participant(fx.room, 2, "again", MEDIA_ROLE_MEMBER, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(media_room_add_participant(fx.room, 0, "zero", MEDIA_ROLE_MEMBER, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(media_room_add_participant(fx.room, 3, "?", (MediaRole)9, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(media_room_mute(fx.room, 9, MEDIA_KIND_AUDIO, TRUE, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_assert_false(media_room_set_view(fx.room, 1, 9, 320, 180, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_assert_true(media_room_set_role(fx.room, 2, MEDIA_ROLE_GUEST, NULL));
    g_assert_true(media_room_remove_participant(fx.room, 2, NULL));
    g_assert_false(media_room_remove_participant(fx.room, 2, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND);
    g_clear_error(&error);
    /* The floor may name someone who has not joined yet. */
    g_assert_true(media_room_set_floor(fx.room, 5, NULL));
    ITERATE_UNTIL(&fx, fx.floor_events == 1);
    g_assert_cmpuint(fx.floor_holder, ==, 5);
    fixture_clear(&fx);
}

static void test_floor_end_to_end(void)
{
    Fixture fx;
    gint64 granted_us, applied_us;
    guint64 n;

    fixture_init(&fx, 100);
    fx.room = media_engine_ensure_room(fx.engine, 42, NULL);
    g_assert_true(media_room_add_participant(fx.room, 1, "chair", MEDIA_ROLE_CHAIR, NULL));
    g_assert_true(media_room_add_participant(fx.room, 2, "member", MEDIA_ROLE_MEMBER, NULL));
    g_assert_true(media_room_add_participant(fx.room, 3, "listener", MEDIA_ROLE_SITE, NULL));
    on_worker(&fx, setup_peers);
    g_assert_true(fx.on_worker);
    ITERATE_UNTIL(&fx, fx.peers_up == 3);
    on_worker(&fx, start_mic);

    /* The member speaks without the floor: nothing reaches the listener. */
    ITERATE_UNTIL(&fx, locked_get(&fx, &fx.mic_sent) >= 20);
    g_assert_cmpuint(locked_get(&fx, &fx.forwarded), ==, 0);

    /* The chair grants the floor: the next packet passes, well within 100 ms. (The worker is
     * held while the grant is posted so that the test can note, right after the grant ran,
     * how many packets the microphone had sent.) */
    hold_worker(&fx);
    granted_us = g_get_monotonic_time();
    g_assert_true(media_room_set_floor(fx.room, 2, NULL));
    g_assert_true(media_room_invoke(fx.room, note_apply_cb, &fx, NULL, NULL));
    release_worker(&fx);
    ITERATE_UNTIL(&fx, locked_get(&fx, &fx.forwarded) >= 1 && fx.floor_events >= 1);
    g_mutex_lock(&fx.lock);
    applied_us = fx.first_forwarded_us;
    g_assert_cmpuint(fx.first_forwarded_index, ==, fx.sent_at_apply + 1);
    g_mutex_unlock(&fx.lock);
    g_test_message("grant to first forwarded packet: %" G_GINT64_FORMAT " us",
                   applied_us - granted_us);
    g_assert_cmpint(applied_us - granted_us, <, 100 * 1000);
    g_assert_cmpuint(fx.floor_holder, ==, 2);

    /* Statistics arrive on the main context. The ones that count were taken after the grant:
     * the one in flight when it ran may predate it, so two more. */
    n = fx.stats_events;
    ITERATE_UNTIL(&fx, fx.stats_events >= n + 2);
    g_assert_cmpuint(fx.last_stats_n, ==, 3);
    {
        g_autoptr(GArray) stats = media_room_dup_stats(fx.room);
        MediaRoomCounters counters;
        guint i;
        gboolean seen = FALSE;

        g_assert_cmpuint(stats->len, ==, 3);
        for (i = 0; i < stats->len; i++) {
            const MediaPeerStats *s = &g_array_index(stats, MediaPeerStats, i);

            g_assert_true(s->connected);
            if (s->participant_id == 2) {
                g_assert_true(s->audio_open);
                g_assert_cmpuint(s->rx_packets, >, 20);
                seen = TRUE;
            }
        }
        g_assert_true(seen);
        media_room_get_counters(fx.room, &counters);
        g_assert_cmpuint(counters.dropped_floor, >=, 20);
        g_assert_cmpuint(counters.forwarded, >, 0);
    }

    /* Revoked: after the command has run, nothing more passes. */
    g_assert_true(media_room_set_floor(fx.room, 0, NULL));
    on_worker(&fx, nothing);
    n = locked_get(&fx, &fx.forwarded);
    g_usleep(50 * 1000);
    on_worker(&fx, nothing);
    g_assert_cmpuint(locked_get(&fx, &fx.forwarded), ==, n);

    /* The chair mutes at the server: even open microphones do not pass it. */
    g_assert_true(media_room_mute(fx.room, 2, MEDIA_KIND_AUDIO, TRUE, NULL));
    g_assert_true(media_room_set_open_microphones(fx.room, TRUE, NULL));
    on_worker(&fx, nothing);
    n = locked_get(&fx, &fx.forwarded);
    g_usleep(50 * 1000);
    on_worker(&fx, nothing);
    g_assert_cmpuint(locked_get(&fx, &fx.forwarded), ==, n);
    g_assert_true(media_room_mute(fx.room, 2, MEDIA_KIND_AUDIO, FALSE, NULL));
    on_worker(&fx, nothing);
    ITERATE_UNTIL(&fx, locked_get(&fx, &fx.forwarded) > n);

    on_worker(&fx, free_peers);
    media_room_destroy(fx.room); /* stops the microphone on the worker first */
    fixture_clear(&fx);
}

/* ---- a site that sees every other site ---- */

typedef struct {
    guint answers;
    guint failures;
    char *offer;
    GError *error;
    gboolean done;
} SdpResults;

static void on_publish_answer(gpointer data, const char *sdp, const GError *error)
{
    SdpResults *r = data;

    if (sdp != NULL)
        r->answers++;
    else
        r->failures++;
}

static void on_receive_offer(gpointer data, const char *sdp, const GError *error)
{
    SdpResults *r = data;

    g_clear_pointer(&r->offer, g_free);
    g_clear_error(&r->error);
    r->offer = g_strdup(sdp);
    r->error = error != NULL ? g_error_copy(error) : NULL;
    r->done = TRUE;
}

static guint count_lines(const char *text, const char *prefix)
{
    guint n = 0;
    const char *p = text;

    while ((p = strstr(p, prefix)) != NULL) {
        if (p == text || p[-1] == '\n')
            n++;
        p += strlen(prefix);
    }
    return n;
}

/* A province session: 33 halls publish audio and video; one receiving connection takes the 32
 * others (64 sections), and a 33rd publisher is refused with a message that says why. */
static void test_receive_many_publishers(void)
{
    g_autofree char *path = g_build_filename(SDP_FIXTURE_DIR, "chrome-publish-simulcast.sdp", NULL);
    g_autofree char *offer = NULL;
    g_autoptr(MediaIceConfig) ice = media_ice_config_new();
    MediaEngineConfig config = {.n_workers = 1};
    g_autoptr(GError) error = NULL;
    SdpResults pub = {0}, sub = {0};
    guint64 ids[33];
    Fixture fx;
    guint i;

    g_assert_true(g_file_get_contents(path, &offer, NULL, &error));
    g_assert_true(media_ice_config_add_address(ice, "127.0.0.1", &error));
    config.ice = ice;
    memset(&fx, 0, sizeof(fx));
    fx.main_context = g_main_context_new();
    g_main_context_push_thread_default(fx.main_context);
    fx.engine = media_engine_new(NULL, &config, &error);
    g_assert_no_error(error);
    fx.room = media_engine_ensure_room(fx.engine, 77, &error);
    g_assert_no_error(error);
    for (i = 0; i < G_N_ELEMENTS(ids); i++) {
        ids[i] = 1000 + i;
        g_assert_true(media_room_add_participant(fx.room, ids[i], "hall", MEDIA_ROLE_SITE, &error));
        g_assert_true(media_room_publish(fx.room, ids[i], offer, on_publish_answer, &pub, &error));
        g_assert_no_error(error);
    }
    g_assert_true(media_room_add_participant(fx.room, 1, "receiving hall", MEDIA_ROLE_SITE, NULL));
    ITERATE_UNTIL(&fx, pub.answers + pub.failures == G_N_ELEMENTS(ids));
    g_assert_cmpuint(pub.failures, ==, 0);

    /* 32 publishers: one offer of 64 sections, each track named by its publisher. */
    g_assert_true(media_room_subscribe(fx.room, 1, ids, 32, on_receive_offer, &sub, &error));
    ITERATE_UNTIL(&fx, sub.done);
    g_assert_no_error(sub.error);
    g_assert_nonnull(sub.offer);
    g_assert_cmpuint(count_lines(sub.offer, "m="), ==, 64);
    g_assert_cmpuint(count_lines(sub.offer, "a=msid:p1031 "), ==, 2);
    g_assert_cmpuint(strlen(sub.offer), <, 256 * 1024);

    /* One more publisher would take 66: refused, and the connection stays as it was. */
    sub.done = FALSE;
    g_assert_true(media_room_subscribe(fx.room, 1, ids, 33, on_receive_offer, &sub, &error));
    ITERATE_UNTIL(&fx, sub.done);
    g_assert_error(sub.error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE);
    g_assert_nonnull(strstr(sub.error->message, "more than 64 tracks to receive"));
    g_assert_nonnull(strstr(sub.error->message, "32 publishers"));
    g_assert_null(sub.offer);
    /* The 32 again: nothing to change. */
    sub.done = FALSE;
    g_assert_true(media_room_subscribe(fx.room, 1, ids, 32, on_receive_offer, &sub, &error));
    ITERATE_UNTIL(&fx, sub.done);
    g_assert_no_error(sub.error);
    g_assert_null(sub.offer);

    g_clear_error(&sub.error);
    g_clear_pointer(&fx.engine, media_engine_free);
    while (g_main_context_iteration(fx.main_context, FALSE))
        ;
    g_main_context_pop_thread_default(fx.main_context);
    g_main_context_unref(fx.main_context);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/engine/rooms-pinned", test_rooms_pinned);
    g_test_add_func("/media/engine/participants", test_participants);
    g_test_add_func("/media/engine/floor-end-to-end", test_floor_end_to_end);
    g_test_add_func("/media/engine/receive-many-publishers", test_receive_many_publishers);
    return g_test_run();
}
