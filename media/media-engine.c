/* media-engine.c: the media engine and its rooms, as the main thread sees them (media.h).
 *
 * Design: each room has two halves. The MediaRoom lives on the main thread: it validates calls
 * against a mirror of the room's participants (so a duplicate or unknown id is an error at once,
 * not a log line on another thread), keeps the last statistics the worker reported, and posts
 * every change as a command to the room's worker (sfu-worker.h), in order. The RoomCore lives
 * on the worker: it owns the SfuRoom and its 100 ms timer, and is made, changed and freed only by
 * commands, so it needs no lock; commands for a room are FIFO, so its destruction always comes
 * after every change posted before it. Floor, mute and lifecycle commands use the queue's
 * reserved slots: a queue full of ordinary commands never loses a grant or a revocation.
 *
 * Events flow the other way: the SfuRoom's callbacks (on the worker) copy what they report into
 * an event and post it to the main context with g_main_context_invoke_full(). Events name their
 * room by meeting id and a serial number, never by pointer, so an event that arrives after its
 * room was destroyed (or destroyed and made again) is dropped, not misdelivered. They hold a
 * reference on a small link object rather than on the engine: the engine can be freed with
 * events still queued, which then find the link empty and do nothing. Statistics and speaker
 * events are dropped (and counted) when too many are pending, so a stalled main loop costs
 * bounded memory; floor, mute and peer events are never dropped.
 *
 * Listeners follow PipeWire's model: a versioned struct of callbacks copied at registration,
 * removal allowed from inside a callback (deferred until the dispatch ends).
 */
#include "media-internal.h"

#include "router/sfu-room.h"
#include "router/sfu-worker.h"
#include "transport/dtls.h"

G_DEFINE_QUARK(media - error - quark, media_error)

#define MAX_PENDING_EVENTS 4096

/* ---- the link between workers and the engine ---- */

typedef struct {
    gatomicrefcount ref;
    GMainContext *main_context;
    MediaEngine *engine; /* main thread only; NULL once the engine is freed */
    gint pending;        /* atomic: events posted and not yet dispatched */
    gint dropped;        /* atomic */
} EngineLink;

static EngineLink *link_ref(EngineLink *link)
{
    g_atomic_ref_count_inc(&link->ref);
    return link;
}

static void link_unref(EngineLink *link)
{
    if (g_atomic_ref_count_dec(&link->ref)) {
        g_main_context_unref(link->main_context);
        g_free(link);
    }
}

/* ---- types ---- */

typedef struct {
    EngineLink *link;
    gint64 meeting_id;
    guint64 serial;
    SfuRoom *room;
    GSource *timer;
} RoomCore;

struct _MediaRoom {
    MediaEngine *engine;
    gint64 meeting_id;
    guint64 serial;
    SfuWorker *worker;
    RoomCore *core;           /* used on the worker only, through commands */
    GHashTable *participants; /* guint64 * -> MediaRole + 1: the main thread's mirror */
    GArray *stats;            /* MediaPeerStats, the last report */
    MediaRoomCounters counters;
    GArray *watches; /* RoomWatch */
    guint next_watch_id;
};

typedef struct {
    guint id;
    GDestroyNotify func;
    gpointer data;
} RoomWatch;

typedef struct {
    guint id;
    MediaEngineListener funcs;
    gpointer user_data;
    GDestroyNotify destroy;
    gboolean removed;
} Listener;

struct _MediaEngine {
    GMainContext *main_context;
    SfuWorkerPool *pool;
    MediaIceConfig *ice;
    DtlsIdentity *identity;
    EngineLink *link;
    GHashTable *rooms; /* gint64 * -> MediaRoom *, owned */
    GPtrArray *listeners;
    guint next_listener_id;
    guint dispatching;
    gint64 stats_interval_us;
    guint64 next_serial;
    guint64 commands_refused;
};

/* ---- events (built on a worker, delivered on the main context) ---- */

typedef enum {
    EVENT_PEER,
    EVENT_SPEAKER,
    EVENT_FLOOR,
    EVENT_MUTE,
    EVENT_STATS,
} EventType;

typedef struct {
    EngineLink *link;
    EventType type;
    gint64 meeting_id;
    guint64 serial;
    guint64 id;
    gboolean flag;
    MediaKind kind;
    GArray *stats; /* MediaPeerStats */
    MediaRoomCounters counters;
} Event;

static void event_free(gpointer data)
{
    Event *ev = data;

    g_clear_pointer(&ev->stats, g_array_unref);
    link_unref(ev->link);
    g_free(ev);
}

static void purge_listeners(MediaEngine *engine)
{
    guint i;

    for (i = engine->listeners->len; i > 0; i--) {
        Listener *l = g_ptr_array_index(engine->listeners, i - 1);

        if (l->removed)
            g_ptr_array_remove_index(engine->listeners, i - 1);
    }
}

static void room_take_stats(MediaRoom *room, Event *ev)
{
    g_clear_pointer(&room->stats, g_array_unref);
    room->stats = g_steal_pointer(&ev->stats);
    room->counters = ev->counters;
}

static gboolean event_dispatch(gpointer data)
{
    Event *ev = data;
    MediaEngine *engine = ev->link->engine;
    MediaRoom *room;
    guint i;

    g_atomic_int_add(&ev->link->pending, -1);
    if (engine == NULL)
        return G_SOURCE_REMOVE;
    room = g_hash_table_lookup(engine->rooms, &ev->meeting_id);
    if (room == NULL || room->serial != ev->serial)
        return G_SOURCE_REMOVE; /* destroyed meanwhile */
    if (ev->type == EVENT_STATS)
        room_take_stats(room, ev);

    engine->dispatching++;
    for (i = 0; i < engine->listeners->len; i++) {
        Listener *l = g_ptr_array_index(engine->listeners, i);
        const MediaEngineListener *f = &l->funcs;

        if (l->removed)
            continue;
        switch (ev->type) {
        case EVENT_PEER:
            if (f->peer_state != NULL)
                f->peer_state(l->user_data, ev->meeting_id, ev->id, ev->flag);
            break;
        case EVENT_SPEAKER:
            if (f->active_speaker != NULL)
                f->active_speaker(l->user_data, ev->meeting_id, ev->id);
            break;
        case EVENT_FLOOR:
            if (f->floor_applied != NULL)
                f->floor_applied(l->user_data, ev->meeting_id, ev->id, ev->flag);
            break;
        case EVENT_MUTE:
            if (f->mute_applied != NULL)
                f->mute_applied(l->user_data, ev->meeting_id, ev->id, ev->kind, ev->flag);
            break;
        case EVENT_STATS:
            if (f->stats != NULL)
                f->stats(l->user_data, ev->meeting_id,
                         (const MediaPeerStats *)(gconstpointer)room->stats->data,
                         room->stats->len);
            break;
        }
    }
    if (--engine->dispatching == 0)
        purge_listeners(engine);
    return G_SOURCE_REMOVE;
}

static Event *event_new(RoomCore *core, EventType type)
{
    Event *ev = g_new0(Event, 1);

    ev->link = link_ref(core->link);
    ev->type = type;
    ev->meeting_id = core->meeting_id;
    ev->serial = core->serial;
    return ev;
}

/* On the worker. */
static void event_post(Event *ev, gboolean droppable)
{
    EngineLink *link = ev->link;

    if (droppable && g_atomic_int_get(&link->pending) >= MAX_PENDING_EVENTS) {
        g_atomic_int_inc(&link->dropped);
        event_free(ev);
        return;
    }
    g_atomic_int_inc(&link->pending);
    g_main_context_invoke_full(link->main_context, G_PRIORITY_DEFAULT, event_dispatch, ev,
                               event_free);
}

static void core_peer_state(gpointer data, guint64 participant_id, gboolean up)
{
    Event *ev = event_new(data, EVENT_PEER);

    ev->id = participant_id;
    ev->flag = up;
    event_post(ev, FALSE);
}

static void core_active_speaker(gpointer data, guint64 participant_id)
{
    Event *ev = event_new(data, EVENT_SPEAKER);

    ev->id = participant_id;
    event_post(ev, TRUE);
}

static void core_floor_applied(gpointer data, guint64 floor_holder, gboolean open_microphones)
{
    Event *ev = event_new(data, EVENT_FLOOR);

    ev->id = floor_holder;
    ev->flag = open_microphones;
    event_post(ev, FALSE);
}

static void core_mute_applied(gpointer data, guint64 participant_id, SfuMediaKind kind,
                              gboolean muted)
{
    Event *ev = event_new(data, EVENT_MUTE);

    ev->id = participant_id;
    ev->kind = kind == SFU_MEDIA_AUDIO ? MEDIA_KIND_AUDIO : MEDIA_KIND_VIDEO;
    ev->flag = muted;
    event_post(ev, FALSE);
}

static void core_stats(gpointer data, const SfuPeerStats *stats, guint n_stats)
{
    RoomCore *core = data;
    const SfuRoomCounters *c = sfu_room_get_counters(core->room);
    Event *ev = event_new(core, EVENT_STATS);
    guint i;

    ev->stats = g_array_sized_new(FALSE, TRUE, sizeof(MediaPeerStats), n_stats);
    for (i = 0; i < n_stats; i++) {
        const SfuPeerStats *s = &stats[i];
        MediaPeerStats m = {
            .participant_id = s->participant_id,
            .role = (MediaRole)s->role,
            .connected = s->connected,
            .audio_open = s->audio_open,
            .muted_audio = s->muted_audio,
            .muted_video = s->muted_video,
            .rx_bitrate_bps = s->rx_bitrate_bps,
            .tx_bitrate_bps = s->tx_bitrate_bps,
            .rx_packets = s->rx_packets,
            .rx_lost = s->rx_lost,
            .rx_loss = s->rx_loss,
            .tx_loss = s->tx_loss,
            .rtt_us = s->rtt_us,
            .estimate_bps = s->estimate_bps,
            .layer = s->layer,
        };

        g_array_append_val(ev->stats, m);
    }
    ev->counters = (MediaRoomCounters){
        .rx_packets = c->rx_packets,
        .rx_malformed = c->rx_malformed,
        .forwarded = c->forwarded,
        .dropped_floor = c->dropped_floor,
        .dropped_muted = c->dropped_muted,
        .retransmitted = c->retransmitted,
        .keyframe_requests = c->keyframe_requests,
        .nacks_sent = c->nacks_sent,
        .send_errors = c->send_errors,
    };
    event_post(ev, TRUE);
}

static const SfuRoomEvents core_events = {
    .peer_state = core_peer_state,
    .active_speaker = core_active_speaker,
    .floor_applied = core_floor_applied,
    .mute_applied = core_mute_applied,
    .stats = core_stats,
};

/* ---- the worker half of a room ---- */

static gboolean core_tick(gpointer data)
{
    RoomCore *core = data;

    sfu_room_tick(core->room, g_get_monotonic_time());
    return G_SOURCE_CONTINUE;
}

static void core_start(gpointer data)
{
    RoomCore *core = data;

    core->timer = g_timeout_source_new(SFU_ROOM_TICK_US / 1000);
    g_source_set_name(core->timer, "phonghop media room timer");
    g_source_set_callback(core->timer, core_tick, core, NULL);
    g_source_attach(core->timer, g_main_context_get_thread_default());
}

static void core_destroy(gpointer data)
{
    RoomCore *core = data;

    if (core->timer != NULL) {
        g_source_destroy(core->timer);
        g_clear_pointer(&core->timer, g_source_unref);
    }
    g_clear_pointer(&core->room, sfu_room_free);
    link_unref(core->link);
    g_free(core);
}

typedef enum {
    CMD_ADD,
    CMD_REMOVE,
    CMD_ROLE,
    CMD_FLOOR,
    CMD_OPEN_MICROPHONES,
    CMD_MUTE,
    CMD_VIEW,
} CommandOp;

typedef struct {
    RoomCore *core;
    CommandOp op;
    guint64 a;
    guint64 b;
    guint u;
    guint v;
    gboolean flag;
    char *name;
} Command;

static void command_free(gpointer data)
{
    Command *cmd = data;

    g_free(cmd->name);
    g_free(cmd);
}

static void command_run(gpointer data)
{
    Command *cmd = data;
    SfuRoom *room = cmd->core->room;
    g_autoptr(GError) error = NULL;
    gint64 now = g_get_monotonic_time();

    switch (cmd->op) {
    case CMD_ADD:
        sfu_room_add_participant(room, cmd->a, cmd->name, (SfuRole)cmd->u, &error);
        break;
    case CMD_REMOVE:
        sfu_room_remove_participant(room, cmd->a, &error);
        break;
    case CMD_ROLE:
        sfu_room_set_role(room, cmd->a, (SfuRole)cmd->u, &error);
        break;
    case CMD_FLOOR:
        sfu_room_set_floor(room, cmd->a);
        break;
    case CMD_OPEN_MICROPHONES:
        sfu_room_set_open_microphones(room, cmd->flag);
        break;
    case CMD_MUTE:
        sfu_room_mute(room, cmd->a, (SfuMediaKind)cmd->u, cmd->flag, now, &error);
        break;
    case CMD_VIEW:
        sfu_room_set_view(room, cmd->a, cmd->b, (guint16)cmd->u, (guint16)cmd->v, now, &error);
        break;
    }
    if (error != NULL)
        g_debug("meeting %" G_GINT64_FORMAT ": %s", cmd->core->meeting_id, error->message);
}

/* ---- the main thread's half ---- */

static gboolean room_post(MediaRoom *room, SfuWorkerFunc func, gpointer data,
                          GDestroyNotify destroy, gboolean reserved, GError **error)
{
    gboolean ok = reserved ? sfu_worker_post_reserved(room->worker, func, data, destroy)
                           : sfu_worker_post(room->worker, func, data, destroy);

    if (!ok) {
        room->engine->commands_refused++;
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_BUSY,
                    "meeting %" G_GINT64_FORMAT ": media worker %u is busy; try again",
                    room->meeting_id, sfu_worker_get_index(room->worker));
    }
    return ok;
}

static Command *command_new(MediaRoom *room, CommandOp op)
{
    Command *cmd = g_new0(Command, 1);

    cmd->core = room->core;
    cmd->op = op;
    return cmd;
}

static gboolean post_command(MediaRoom *room, Command *cmd, gboolean reserved, GError **error)
{
    return room_post(room, command_run, cmd, command_free, reserved, error);
}

static void room_free(gpointer data)
{
    MediaRoom *room = data;

    /* watches first: they may still post to the room (a tap's removal) */
    while (room->watches->len > 0) {
        RoomWatch w = g_array_index(room->watches, RoomWatch, room->watches->len - 1);

        g_array_set_size(room->watches, room->watches->len - 1);
        w.func(w.data);
    }
    g_clear_pointer(&room->watches, g_array_unref);

    if (!room_post(room, core_destroy, room->core, NULL, TRUE, NULL))
        g_critical("meeting %" G_GINT64_FORMAT ": media worker %u refused to free the room; "
                   "it is leaked",
                   room->meeting_id, sfu_worker_get_index(room->worker));
    g_clear_pointer(&room->participants, g_hash_table_unref);
    g_clear_pointer(&room->stats, g_array_unref);
    g_free(room);
}

MediaEngine *media_engine_new(GMainContext *main_context, const MediaEngineConfig *config,
                              GError **error)
{
    g_autoptr(MediaEngine) engine = NULL;
    GError *local = NULL;

    g_return_val_if_fail(config != NULL, NULL);

    engine = g_new0(MediaEngine, 1);
    engine->main_context = main_context != NULL ? g_main_context_ref(main_context)
                                                : g_main_context_ref_thread_default();
    engine->rooms = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, room_free);
    engine->listeners = g_ptr_array_new_with_free_func(g_free);
    engine->next_listener_id = 1;
    engine->next_serial = 1;
    engine->stats_interval_us =
        (gint64)(config->stats_interval_ms > 0 ? config->stats_interval_ms : 2000) * 1000;
    if (config->ice != NULL)
        engine->ice = media_ice_config_ref(config->ice);
    engine->link = g_new0(EngineLink, 1);
    g_atomic_ref_count_init(&engine->link->ref);
    engine->link->main_context = g_main_context_ref(engine->main_context);
    engine->link->engine = engine;

    engine->identity = dtls_identity_new(&local);
    if (engine->identity == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED, "cannot make the DTLS certificate: %s",
                    local->message);
        g_error_free(local);
        return NULL;
    }
    engine->pool = sfu_worker_pool_new(config->n_workers, config->queue_depth, &local);
    if (engine->pool == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED, "%s", local->message);
        g_error_free(local);
        return NULL;
    }
    g_debug("media engine: %u workers", sfu_worker_pool_get_n_workers(engine->pool));
    return g_steal_pointer(&engine);
}

void media_engine_free(MediaEngine *engine)
{
    guint i;

    if (engine == NULL)
        return;
    g_return_if_fail(engine->dispatching == 0);
    /* Rooms first: their destruction is queued on their workers, which run it while stopping. */
    g_hash_table_remove_all(engine->rooms);
    g_clear_pointer(&engine->pool, sfu_worker_pool_free);
    if (engine->link != NULL) {
        engine->link->engine = NULL;
        link_unref(engine->link);
    }
    for (i = 0; i < engine->listeners->len; i++) {
        Listener *l = g_ptr_array_index(engine->listeners, i);

        if (!l->removed && l->destroy != NULL)
            l->destroy(l->user_data);
    }
    g_clear_pointer(&engine->listeners, g_ptr_array_unref);
    g_clear_pointer(&engine->rooms, g_hash_table_unref);
    g_clear_pointer(&engine->identity, dtls_identity_unref);
    g_clear_pointer(&engine->ice, media_ice_config_unref);
    g_clear_pointer(&engine->main_context, g_main_context_unref);
    g_free(engine);
}

guint media_engine_get_n_workers(const MediaEngine *engine)
{
    g_return_val_if_fail(engine != NULL, 0);
    return sfu_worker_pool_get_n_workers(engine->pool);
}

MediaIceConfig *media_engine_get_ice_config(MediaEngine *engine)
{
    g_return_val_if_fail(engine != NULL, NULL);
    return engine->ice;
}

DtlsIdentity *media_engine_get_dtls_identity(MediaEngine *engine)
{
    g_return_val_if_fail(engine != NULL, NULL);
    return engine->identity;
}

MediaEngine *media_room_get_engine(MediaRoom *room)
{
    g_return_val_if_fail(room != NULL, NULL);
    return room->engine;
}

MediaRoom *media_engine_get_room(MediaEngine *engine, gint64 meeting_id)
{
    g_return_val_if_fail(engine != NULL, NULL);
    return g_hash_table_lookup(engine->rooms, &meeting_id);
}

MediaRoom *media_engine_ensure_room(MediaEngine *engine, gint64 meeting_id, GError **error)
{
    SfuRoomConfig config = {0};
    MediaRoom *room;
    RoomCore *core;

    g_return_val_if_fail(engine != NULL, NULL);
    room = g_hash_table_lookup(engine->rooms, &meeting_id);
    if (room != NULL)
        return room;

    core = g_new0(RoomCore, 1);
    core->link = link_ref(engine->link);
    core->meeting_id = meeting_id;
    core->serial = engine->next_serial++;
    config.meeting_id = meeting_id;
    config.stats_interval_us = engine->stats_interval_us;
    core->room = sfu_room_new(&config, &core_events, core);

    room = g_new0(MediaRoom, 1);
    room->engine = engine;
    room->meeting_id = meeting_id;
    room->serial = core->serial;
    room->core = core;
    room->worker = sfu_worker_pool_pick(engine->pool, meeting_id);
    room->participants = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    room->stats = g_array_new(FALSE, TRUE, sizeof(MediaPeerStats));
    room->watches = g_array_new(FALSE, FALSE, sizeof(RoomWatch));
    room->next_watch_id = 1;
    if (!room_post(room, core_start, core, NULL, TRUE, error)) {
        core_destroy(core); /* never reached the worker: nothing runs on it yet */
        g_hash_table_unref(room->participants);
        g_array_unref(room->stats);
        g_array_unref(room->watches);
        g_free(room);
        return NULL;
    }
    g_hash_table_insert(engine->rooms, &room->meeting_id, room);
    g_debug("meeting %" G_GINT64_FORMAT ": media room on worker %u", meeting_id,
            sfu_worker_get_index(room->worker));
    return room;
}

void media_engine_foreach_room(MediaEngine *engine, MediaRoomForeachFunc func, gpointer user_data)
{
    GHashTableIter iter;
    gpointer value;

    g_return_if_fail(engine != NULL && func != NULL);
    g_hash_table_iter_init(&iter, engine->rooms);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        func(value, user_data);
}

void media_room_destroy(MediaRoom *room)
{
    g_return_if_fail(room != NULL);
    g_hash_table_remove(room->engine->rooms, &room->meeting_id);
}

gint64 media_room_get_meeting_id(const MediaRoom *room)
{
    g_return_val_if_fail(room != NULL, 0);
    return room->meeting_id;
}

guint media_room_get_worker_index(const MediaRoom *room)
{
    g_return_val_if_fail(room != NULL, 0);
    return sfu_worker_get_index(room->worker);
}

guint media_room_add_watch(MediaRoom *room, GDestroyNotify func, gpointer data)
{
    RoomWatch w;

    g_return_val_if_fail(room != NULL && func != NULL, 0);
    w.id = room->next_watch_id++;
    w.func = func;
    w.data = data;
    g_array_append_val(room->watches, w);
    return w.id;
}

void media_room_remove_watch(MediaRoom *room, guint watch_id)
{
    guint i;

    g_return_if_fail(room != NULL);
    for (i = 0; i < room->watches->len; i++) {
        if (g_array_index(room->watches, RoomWatch, i).id == watch_id) {
            g_array_remove_index(room->watches, i);
            return;
        }
    }
}

SfuWorker *media_room_get_worker(MediaRoom *room)
{
    g_return_val_if_fail(room != NULL, NULL);
    return room->worker;
}

GMainContext *media_room_get_context(MediaRoom *room)
{
    g_return_val_if_fail(room != NULL, NULL);
    return sfu_worker_get_context(room->worker);
}

typedef struct {
    RoomCore *core;
    MediaRoomFunc func;
    gpointer data;
    GDestroyNotify destroy;
} Invocation;

static void invocation_run(gpointer data)
{
    Invocation *inv = data;

    inv->func(inv->core->room, inv->data);
}

static void invocation_free(gpointer data)
{
    Invocation *inv = data;

    if (inv->destroy != NULL)
        inv->destroy(inv->data);
    g_free(inv);
}

gboolean media_room_invoke(MediaRoom *room, MediaRoomFunc func, gpointer data,
                           GDestroyNotify destroy, GError **error)
{
    Invocation *inv;

    g_return_val_if_fail(room != NULL && func != NULL, FALSE);
    inv = g_new0(Invocation, 1);
    inv->core = room->core;
    inv->func = func;
    inv->data = data;
    inv->destroy = destroy;
    return room_post(room, invocation_run, inv, invocation_free, FALSE, error);
}

/* ---- participants and the floor ---- */

static gboolean check_participant(MediaRoom *room, guint64 participant_id, GError **error)
{
    if (!g_hash_table_contains(room->participants, &participant_id)) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": no participant %" G_GUINT64_FORMAT
                    " in the media room",
                    room->meeting_id, participant_id);
        return FALSE;
    }
    return TRUE;
}

static gboolean check_role(MediaRoom *room, MediaRole role, GError **error)
{
    if ((guint)role > MEDIA_ROLE_SITE) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT ": unknown role %d", room->meeting_id, (int)role);
        return FALSE;
    }
    return TRUE;
}

gboolean media_room_add_participant(MediaRoom *room, guint64 participant_id,
                                    const char *display_name, MediaRole role, GError **error)
{
    Command *cmd;
    guint64 *key;

    g_return_val_if_fail(room != NULL, FALSE);
    if (participant_id == 0) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT ": participant id 0 is not valid",
                    room->meeting_id);
        return FALSE;
    }
    if (!check_role(room, role, error))
        return FALSE;
    if (g_hash_table_contains(room->participants, &participant_id)) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_EXISTS,
                    "meeting %" G_GINT64_FORMAT ": participant %" G_GUINT64_FORMAT
                    " is already in the media room",
                    room->meeting_id, participant_id);
        return FALSE;
    }
    cmd = command_new(room, CMD_ADD);
    cmd->a = participant_id;
    cmd->u = (guint)role;
    cmd->name = g_strdup(display_name);
    if (!post_command(room, cmd, FALSE, error))
        return FALSE;
    key = g_new(guint64, 1);
    *key = participant_id;
    g_hash_table_insert(room->participants, key, GUINT_TO_POINTER((guint)role + 1));
    return TRUE;
}

gboolean media_room_remove_participant(MediaRoom *room, guint64 participant_id, GError **error)
{
    Command *cmd;

    g_return_val_if_fail(room != NULL, FALSE);
    if (!check_participant(room, participant_id, error))
        return FALSE;
    cmd = command_new(room, CMD_REMOVE);
    cmd->a = participant_id;
    if (!post_command(room, cmd, TRUE, error))
        return FALSE;
    g_hash_table_remove(room->participants, &participant_id);
    return TRUE;
}

gboolean media_room_set_role(MediaRoom *room, guint64 participant_id, MediaRole role,
                             GError **error)
{
    Command *cmd;

    g_return_val_if_fail(room != NULL, FALSE);
    if (!check_participant(room, participant_id, error) || !check_role(room, role, error))
        return FALSE;
    cmd = command_new(room, CMD_ROLE);
    cmd->a = participant_id;
    cmd->u = (guint)role;
    if (!post_command(room, cmd, TRUE, error))
        return FALSE;
    g_hash_table_insert(room->participants, g_memdup2(&participant_id, sizeof(participant_id)),
                        GUINT_TO_POINTER((guint)role + 1));
    return TRUE;
}

gboolean media_room_set_floor(MediaRoom *room, guint64 participant_id, GError **error)
{
    Command *cmd;

    g_return_val_if_fail(room != NULL, FALSE);
    cmd = command_new(room, CMD_FLOOR);
    cmd->a = participant_id;
    return post_command(room, cmd, TRUE, error);
}

gboolean media_room_set_open_microphones(MediaRoom *room, gboolean open, GError **error)
{
    Command *cmd;

    g_return_val_if_fail(room != NULL, FALSE);
    cmd = command_new(room, CMD_OPEN_MICROPHONES);
    cmd->flag = open != FALSE;
    return post_command(room, cmd, TRUE, error);
}

gboolean media_room_mute(MediaRoom *room, guint64 participant_id, MediaKind kind, gboolean muted,
                         GError **error)
{
    Command *cmd;

    g_return_val_if_fail(room != NULL, FALSE);
    if (!check_participant(room, participant_id, error))
        return FALSE;
    if (kind != MEDIA_KIND_AUDIO && kind != MEDIA_KIND_VIDEO) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT ": unknown media kind %d", room->meeting_id,
                    (int)kind);
        return FALSE;
    }
    cmd = command_new(room, CMD_MUTE);
    cmd->a = participant_id;
    cmd->u = kind == MEDIA_KIND_AUDIO ? SFU_MEDIA_AUDIO : SFU_MEDIA_VIDEO;
    cmd->flag = muted != FALSE;
    return post_command(room, cmd, TRUE, error);
}

gboolean media_room_set_view(MediaRoom *room, guint64 subscriber_id, guint64 publisher_id,
                             guint width, guint height, GError **error)
{
    Command *cmd;

    g_return_val_if_fail(room != NULL, FALSE);
    if (!check_participant(room, subscriber_id, error) ||
        !check_participant(room, publisher_id, error))
        return FALSE;
    cmd = command_new(room, CMD_VIEW);
    cmd->a = subscriber_id;
    cmd->b = publisher_id;
    cmd->u = MIN(width, (guint)SFU_DISPLAY_UNKNOWN - 1);
    cmd->v = MIN(height, (guint)SFU_DISPLAY_UNKNOWN - 1);
    return post_command(room, cmd, FALSE, error);
}

/* ---- statistics and listeners ---- */

GArray *media_room_dup_stats(MediaRoom *room)
{
    GArray *copy;

    g_return_val_if_fail(room != NULL, NULL);
    copy = g_array_sized_new(FALSE, TRUE, sizeof(MediaPeerStats), room->stats->len);
    g_array_append_vals(copy, room->stats->data, room->stats->len);
    return copy;
}

void media_room_get_counters(MediaRoom *room, MediaRoomCounters *counters)
{
    g_return_if_fail(room != NULL && counters != NULL);
    *counters = room->counters;
}

void media_engine_get_counters(MediaEngine *engine, MediaEngineCounters *counters)
{
    g_return_if_fail(engine != NULL && counters != NULL);
    counters->commands_refused = engine->commands_refused;
    counters->events_dropped = (guint64)g_atomic_int_get(&engine->link->dropped);
}

guint media_engine_add_listener(MediaEngine *engine, const MediaEngineListener *listener,
                                gpointer user_data, GDestroyNotify destroy)
{
    Listener *l;

    g_return_val_if_fail(engine != NULL && listener != NULL, 0);
    if (listener->version == 0 || listener->version > MEDIA_ENGINE_LISTENER_VERSION)
        return 0;
    l = g_new0(Listener, 1);
    l->id = engine->next_listener_id++;
    l->funcs = *listener;
    l->user_data = user_data;
    l->destroy = destroy;
    g_ptr_array_add(engine->listeners, l);
    return l->id;
}

void media_engine_remove_listener(MediaEngine *engine, guint listener_id)
{
    guint i;

    g_return_if_fail(engine != NULL);
    for (i = 0; i < engine->listeners->len; i++) {
        Listener *l = g_ptr_array_index(engine->listeners, i);

        if (l->id != listener_id || l->removed)
            continue;
        l->removed = TRUE;
        if (l->destroy != NULL)
            l->destroy(l->user_data);
        if (engine->dispatching == 0)
            purge_listeners(engine);
        return;
    }
}
