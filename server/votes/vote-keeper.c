/* vote-keeper.c: closing polls when their time runs out.
 *
 * Design. A poll opened with a duration stores its deadline (polls.closes_at); that stored time
 * is the rule: from then on a batch of ballots refuses every new ballot ("its time ran out")
 * whether or not the poll has been closed yet. Closing it (counting and announcing the result)
 * is this keeper's job: one timer per poll with a deadline, on the main context, that runs
 * poll_close() with no actor (the journal says the system closed it) when it fires. An extension
 * moves the timer; an extension made on another node is noticed when the timer fires early
 * (poll_close() answers "not due" and the keeper waits for the new deadline).
 *
 * After a restart (a crash included) the keeper rebuilds its timers from the database the first
 * time anything vote-related happens (vote_keeper_touch(): every vote route and message calls
 * it; tablets reload the meeting's polls when they reconnect), and closes at once the polls whose
 * deadline passed while the server was down, with every ballot that was committed before.
 * A failed close (the database away) is tried again every second.
 */
#include "votes-private.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-votes"

#define KEEPER_RETRY_MS 1000
#define KEEPER_MAX_MS   (6 * 3600 * 1000) /* wake at least this often on long polls */

typedef struct {
    gint64 poll_id;
    GSource *source;
} Timer;

static GHashTable *timers; /* poll id -> Timer* (main thread) */
static PhApp *keeper_app;
static gboolean scanned;
static gboolean scanning;

static void timer_free(gpointer p)
{
    Timer *t = p;
    if (t->source) {
        g_source_destroy(t->source);
        g_source_unref(t->source);
    }
    g_free(t);
}

typedef struct {
    gint64 poll_id;
    gboolean not_due;
    gint64 closes_at_us;
    GError *refusal; /* POLL_ERROR: nothing to do */
} CloseJob;

static void close_job_free(gpointer p)
{
    CloseJob *j = p;
    g_clear_error(&j->refusal);
    g_free(j);
}

static gboolean close_job(DbConn *conn, gpointer data, GError **error)
{
    CloseJob *j = data;
    GError *local = NULL;
    if (!poll_close(conn, 0, j->poll_id, 0, &j->not_due, &local)) {
        if (local->domain != POLL_ERROR) {
            g_propagate_error(error, local);
            return FALSE;
        }
        j->refusal = local; /* already closed or cancelled (another node, or the chair) */
        return TRUE;
    }
    if (j->not_due) {
        g_autoptr(Poll) poll = poll_load(conn, 0, j->poll_id, FALSE, error);
        if (!poll)
            return FALSE;
        j->closes_at_us = poll->closes_at_us;
    }
    return TRUE;
}

static void schedule_in(gint64 poll_id, gint64 delay_ms);

static void close_done(gpointer data, const GError *error, gpointer user_data)
{
    CloseJob *j = data;
    if (error) {
        g_message("poll %" G_GINT64_FORMAT ": cannot close it now (%s): trying again", j->poll_id,
                  error->message);
        schedule_in(j->poll_id, KEEPER_RETRY_MS);
        return;
    }
    if (j->not_due) {
        vote_keeper_schedule(keeper_app, j->poll_id, j->closes_at_us);
        return;
    }
    if (!j->refusal)
        g_message("poll %" G_GINT64_FORMAT ": closed, its time ran out", j->poll_id);
    if (timers)
        g_hash_table_remove(timers, &j->poll_id);
}

static gboolean on_timer(gpointer data)
{
    Timer *t = data;
    g_clear_pointer(&t->source, g_source_unref);
    CloseJob *j = g_new0(CloseJob, 1);
    j->poll_id = t->poll_id;
    db_pool_run(keeper_app->db, close_job, j, close_job_free, close_done, NULL);
    return G_SOURCE_REMOVE;
}

static void schedule_in(gint64 poll_id, gint64 delay_ms)
{
    if (!timers)
        timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, timer_free);
    Timer *t = g_new0(Timer, 1);
    t->poll_id = poll_id;
    t->source = g_timeout_source_new((guint)CLAMP(delay_ms, 0, KEEPER_MAX_MS));
    g_source_set_callback(t->source, on_timer, t, NULL);
    g_source_set_static_name(t->source, "phonghop poll deadline");
    g_source_attach(t->source, keeper_app->context);
    g_hash_table_replace(timers, &t->poll_id, t);
}

void vote_keeper_schedule(PhApp *app, gint64 poll_id, gint64 closes_at_us)
{
    keeper_app = app;
    if (timers)
        g_hash_table_remove(timers, &poll_id);
    if (closes_at_us <= 0)
        return;
    /* A few milliseconds late rather than early: the close must find the deadline passed. */
    gint64 delay_ms = (closes_at_us - g_get_real_time()) / 1000 + 5;
    schedule_in(poll_id, MAX(delay_ms, 0));
}

typedef struct {
    GArray *ids;      /* gint64 */
    GArray *deadline; /* gint64 us */
} Scan;

static void scan_free(gpointer p)
{
    Scan *s = p;
    g_array_unref(s->ids);
    g_array_unref(s->deadline);
    g_free(s);
}

static gboolean scan_job(DbConn *conn, gpointer data, GError **error)
{
    Scan *s = data;
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "SELECT id, (extract(epoch FROM closes_at) * 1000000)::bigint FROM polls "
                     "WHERE state = 'open' AND closes_at IS NOT NULL ORDER BY closes_at",
                     0, NULL, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        gint64 id = db_rows_get_int64(r, i, 0), at = db_rows_get_int64(r, i, 1);
        g_array_append_val(s->ids, id);
        g_array_append_val(s->deadline, at);
    }
    return TRUE;
}

static void scan_done(gpointer data, const GError *error, gpointer user_data)
{
    Scan *s = data;
    scanning = FALSE;
    if (error) {
        g_debug("cannot read the polls' deadlines yet: %s", error->message);
        return; /* the next touch tries again */
    }
    scanned = TRUE;
    for (guint i = 0; i < s->ids->len; i++) {
        gint64 id = g_array_index(s->ids, gint64, i);
        if (timers && g_hash_table_contains(timers, &id))
            continue; /* scheduled meanwhile by an open or extend of this process */
        vote_keeper_schedule(keeper_app, id, g_array_index(s->deadline, gint64, i));
    }
    if (s->ids->len > 0)
        g_message("%u open polls with a deadline: timers set", s->ids->len);
}

void vote_keeper_touch(PhApp *app)
{
    keeper_app = app;
    if (scanned || scanning)
        return;
    scanning = TRUE;
    Scan *s = g_new0(Scan, 1);
    s->ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    s->deadline = g_array_new(FALSE, FALSE, sizeof(gint64));
    db_pool_run(app->db, scan_job, s, scan_free, scan_done, NULL);
}
