/* floor-service.c: the media gate and the speaking-time timers of every meeting, on the main
 * thread.
 *
 * Design. The database holds the floor; this file holds only what must run between changes: a
 * timer per meeting with a running turn and the gate to the media server. A timer is a GSource
 * attached to app->context (never the global context), armed for the deadline the last committed
 * change reported. Firing does not decide anything by itself: it queues a database job that
 * restores the floor and catches it up with the clock (floor_tick), which writes floor.warning or
 * ends the turn as the system, or finds that the chair extended or revoked it meanwhile and does
 * nothing. The job's outcome re-arms the timer. So the timer can be early, late or duplicated
 * without any effect on the record beyond its timing, and a server that was down simply catches
 * up when it starts again.
 *
 * The per-meeting record (FloorTimer) is kept once made: it also remembers the newest event
 * number applied, which is how late outcomes are recognised and ignored. Meetings number in the
 * hundreds per node at most, so nothing is ever evicted.
 */
#include "floor-service.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-floor"

/* A timer never sleeps longer than this: the job re-arms it, so clock steps are caught up. */
#define FLOOR_MAX_SLEEP_MS (10 * 60 * 1000)
/* When a timer's job fails (database down), it is tried again after this long. */
#define FLOOR_RETRY_MS 1000

struct _FloorService {
    PhApp *app;
    const FloorGate *gate;
    gpointer gate_data;
    GHashTable *timers; /* gint64 meeting id -> FloorTimer */
    gboolean stopped;
};

typedef struct {
    FloorService *service;
    gint64 meeting_id;
    gint64 event_seq;  /* of the newest outcome applied */
    GSource *source;   /* the armed timer, or NULL */
    gboolean announce; /* the gate has not been told of this meeting since the start */
} FloorTimer;

typedef struct {
    FloorService *service;
    gint64 meeting_id;
    gboolean announce; /* after a start: tell the gate the current speaker and microphones */
    FloorOutcome outcome;
} TickJob;

typedef struct {
    FloorService *service;
    GArray *meeting_ids;
} StartJob;

static void timer_free(gpointer p)
{
    FloorTimer *t = p;
    if (t->source) {
        g_source_destroy(t->source);
        g_source_unref(t->source);
    }
    g_free(t);
}

static FloorTimer *timer_for(FloorService *s, gint64 meeting_id)
{
    FloorTimer *t = g_hash_table_lookup(s->timers, &meeting_id);
    if (!t) {
        t = g_new0(FloorTimer, 1);
        t->service = s;
        t->meeting_id = meeting_id;
        g_hash_table_insert(s->timers, g_memdup2(&meeting_id, sizeof(meeting_id)), t);
    }
    return t;
}

static void disarm(FloorTimer *t)
{
    if (t->source) {
        g_source_destroy(t->source);
        g_clear_pointer(&t->source, g_source_unref);
    }
}

static void run_tick(FloorService *s, gint64 meeting_id, gboolean announce);

static gboolean timer_fired(gpointer data)
{
    FloorTimer *t = data;
    g_clear_pointer(&t->source, g_source_unref);
    run_tick(t->service, t->meeting_id, t->announce);
    return G_SOURCE_REMOVE;
}

/* Arms the meeting's timer for deadline_us (real time), or disarms it for -1. */
static void arm_in(FloorTimer *t, gint64 delay_ms)
{
    disarm(t);
    if (t->service->stopped)
        return;
    t->source = g_timeout_source_new((guint)CLAMP(delay_ms, 0, FLOOR_MAX_SLEEP_MS));
    g_source_set_callback(t->source, timer_fired, t, NULL);
    g_source_set_static_name(t->source, "phonghop floor timer");
    g_source_attach(t->source, t->service->app->context);
}

static void arm(FloorTimer *t, gint64 deadline_us)
{
    if (deadline_us < 0) {
        disarm(t);
        return;
    }
    /* Rounded up and one more millisecond: firing before the deadline only costs a job. */
    gint64 delay_us = deadline_us - g_get_real_time();
    arm_in(t, delay_us <= 0 ? 0 : (delay_us + 999) / 1000 + 1);
    g_debug("meeting %" G_GINT64_FORMAT ": floor timer in %" G_GINT64_FORMAT " ms", t->meeting_id,
            MAX(0, delay_us) / 1000);
}

static void tick_job_free(gpointer p)
{
    g_free(p);
}

static gboolean tick_job(DbConn *conn, gpointer data, GError **error)
{
    TickJob *j = data;
    FloorCommand cmd = {.op = FLOOR_OP_TICK};
    return floor_store_run(conn, j->meeting_id, &cmd, &j->outcome, NULL, error);
}

static void tick_done(gpointer data, const GError *error, gpointer user_data)
{
    TickJob *j = data;
    FloorService *s = j->service;
    if (error) {
        g_warning("meeting %" G_GINT64_FORMAT ": floor timer: %s (trying again in %d ms)",
                  j->meeting_id, error->message, FLOOR_RETRY_MS);
        FloorTimer *t = timer_for(s, j->meeting_id);
        /* A job that failed leaves the floor as it was: try again, as the deadline still stands. */
        t->announce = t->announce || j->announce;
        arm_in(t, FLOOR_RETRY_MS);
        return;
    }
    FloorTimer *t = timer_for(s, j->meeting_id);
    if (j->announce && j->outcome.event_seq >= t->event_seq) {
        t->announce = FALSE;
        if (j->outcome.speaker_user)
            s->gate->grant(s->gate_data, j->meeting_id, j->outcome.speaker_user);
        if (j->outcome.microphones_open)
            s->gate->open_microphones(s->gate_data, j->meeting_id, TRUE);
    }
    floor_service_apply(s, &j->outcome);
}

static void run_tick(FloorService *s, gint64 meeting_id, gboolean announce)
{
    if (s->stopped)
        return;
    TickJob *j = g_new0(TickJob, 1);
    j->service = s;
    j->meeting_id = meeting_id;
    j->announce = announce;
    db_pool_run(s->app->db, tick_job, j, tick_job_free, tick_done, NULL);
}

void floor_service_apply(FloorService *s, const FloorOutcome *o)
{
    g_return_if_fail(s != NULL && o != NULL);
    FloorTimer *t = timer_for(s, o->meeting_id);
    if (o->event_seq < t->event_seq) {
        g_debug("meeting %" G_GINT64_FORMAT ": floor outcome of event %" G_GINT64_FORMAT
                " is older than %" G_GINT64_FORMAT ": ignored",
                o->meeting_id, o->event_seq, t->event_seq);
        return;
    }
    t->event_seq = o->event_seq;
    /* In the order things happened: the turn that ended, then the one that began. */
    if (o->ended)
        s->gate->revoke(s->gate_data, o->meeting_id);
    if (o->granted_user)
        s->gate->grant(s->gate_data, o->meeting_id, o->granted_user);
    if (o->microphones_changed)
        s->gate->open_microphones(s->gate_data, o->meeting_id, o->microphones_open);
    if (o->muted_user)
        s->gate->mute(s->gate_data, o->meeting_id, o->muted_user, o->mute_audio, o->mute_video);
    arm(t, o->deadline_us);
}

static void start_job_free(gpointer p)
{
    StartJob *j = p;
    g_array_unref(j->meeting_ids);
    g_free(j);
}

static gboolean start_job(DbConn *conn, gpointer data, GError **error)
{
    StartJob *j = data;
    return floor_store_list_active(conn, j->meeting_ids, error);
}

static gboolean start_retry(gpointer data)
{
    floor_service_start(data);
    return G_SOURCE_REMOVE;
}

static void start_done(gpointer data, const GError *error, gpointer user_data)
{
    StartJob *j = data;
    FloorService *s = j->service;
    if (s->stopped)
        return;
    if (error) {
        /* The database may still be starting: the turns must not be forgotten, so try again. */
        g_warning("floor: cannot find the running turns yet: %s (trying again in %d ms)",
                  error->message, FLOOR_RETRY_MS);
        GSource *retry = g_timeout_source_new(FLOOR_RETRY_MS);
        g_source_set_callback(retry, start_retry, s, NULL);
        g_source_attach(retry, s->app->context);
        g_source_unref(retry);
        return;
    }
    if (j->meeting_ids->len)
        g_message("floor: %u meetings have a running turn or open microphones: re-armed",
                  j->meeting_ids->len);
    for (guint i = 0; i < j->meeting_ids->len; i++)
        run_tick(s, g_array_index(j->meeting_ids, gint64, i), TRUE);
}

void floor_service_start(FloorService *s)
{
    g_return_if_fail(s != NULL);
    if (s->stopped)
        return;
    StartJob *j = g_new0(StartJob, 1);
    j->service = s;
    j->meeting_ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    db_pool_run(s->app->db, start_job, j, start_job_free, start_done, NULL);
}

FloorService *floor_service_new(PhApp *app)
{
    g_return_val_if_fail(app != NULL && app->db != NULL && app->context != NULL, NULL);
    FloorService *s = g_new0(FloorService, 1);
    s->app = app;
    s->gate = floor_gate_noop();
    s->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, timer_free);
    return s;
}

void floor_service_set_gate(FloorService *s, const FloorGate *gate, gpointer user_data)
{
    g_return_if_fail(s != NULL);
    s->gate = gate ? gate : floor_gate_noop();
    s->gate_data = gate ? user_data : NULL;
}

void floor_gate_register(PhApp *app, const FloorGate *gate, gpointer user_data)
{
    g_return_if_fail(app != NULL && app->floor != NULL);
    floor_service_set_gate(app->floor, gate, user_data);
}

void floor_service_free(FloorService *s)
{
    if (!s)
        return;
    s->stopped = TRUE;
    g_clear_pointer(&s->timers, g_hash_table_unref);
    g_free(s);
}
