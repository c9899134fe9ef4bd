/* db-pool.c: worker threads that run database jobs for a main loop.
 *
 * The pool owns n worker threads and one GAsyncQueue. db_pool_run() (on the thread of the pool's
 * GMainContext) counts the job against max_queued and pushes it; a worker pops it, runs it inside
 * BEGIN ... COMMIT (ROLLBACK when it fails) on the connection that worker alone owns, and posts
 * the completion back as an idle GSource attached to the pool's context. That context's thread
 * then calls done and free_job. Workers run no main loop of their own and touch no context but
 * the pool's, and only through g_source_attach, so nothing lands on the global default context
 * and done is never called from inside db_pool_run().
 *
 * Reachability is one small state machine shared by the workers (UNKNOWN, UP, DOWN). A worker
 * that fails to connect, or whose job loses its connection, marks the pool DOWN: that bumps an
 * epoch, so every connection opened before it is dropped and reopened before its next use
 * (after a server restart they are all dead), and schedules a reconnection attempt after a
 * backoff of 0.25 s that doubles up to 8 s. While DOWN, a job fails at once with
 * DB_ERROR_UNAVAILABLE ("database unavailable: ...; retrying in N s"), in db_pool_run() or on
 * the worker, unless an attempt is due: then exactly one worker claims it and tries to connect.
 * A health ping (SELECT 1) is queued every second from a timeout source on the context, so the
 * pool notices an outage and its end even when no job runs. A job whose connection is lost while
 * it runs fails with UNAVAILABLE; it is never retried, since it may have committed.
 * Before running a job a worker also checks, without blocking, that the server has not closed
 * its idle connection, so a restart costs no job that had not started yet.
 *
 * db_pool_free() stops the pings, iterates the context until every job's completion has run or
 * the timeout passes, then cancels what still runs, fails what is still queued, joins the
 * workers and dispatches the last completions, so every done and free_job has run when it
 * returns.
 */
#include "db-private.h"

#include <math.h>
#include <string.h>

const double db_pool_latency_bounds[12] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,   0.25,   0.5,   1.0,  2.5,   INFINITY};

typedef enum {
    DB_POOL_ITEM_JOB,
    DB_POOL_ITEM_PING,
    DB_POOL_ITEM_STOP,
} DbPoolItemKind;

typedef struct {
    DbPoolItemKind kind;
    DbPool *pool;
    DbJobFunc fn;
    gpointer job_data;
    GDestroyNotify free_job;
    DbDoneFunc done;
    gpointer user_data;
    gint64 queued_us;
    GError *error; /* set by the worker (or db_pool_run) before the completion is posted */
} DbPoolJob;

typedef enum {
    DB_POOL_UNKNOWN, /* no attempt yet */
    DB_POOL_UP,
    DB_POOL_DOWN,
} DbPoolState;

typedef struct {
    DbPool *pool;
    guint index;
    GThread *thread;
    PGcancel *cancel; /* protected by pool->lock; for the connection the worker holds */
} DbPoolWorker;

struct _DbPool {
    char *conninfo;
    GMainContext *ctx;
    guint n_workers;
    guint max_queued;
    DbPoolWorker *workers;
    GAsyncQueue *queue;
    GSource *ping_source; /* ctx thread only */
    gint ping_in_flight;  /* atomic */
    gint stopping;        /* atomic */

    /* lock protects everything below; the workers and the ctx thread take it */
    GMutex lock;
    DbPoolState state;
    guint epoch;            /* bumped when the pool goes DOWN: older connections are dropped */
    double backoff_s;       /* the delay before the attempt after the next one */
    gint64 next_attempt_us; /* while DOWN: when the next reconnection attempt may start */
    char *down_reason;      /* while DOWN: why, for the messages of the jobs failed meanwhile */
    guint queued;           /* jobs in the queue, not yet taken by a worker */
    DbPoolStats stats;      /* in_flight counts jobs until their completion has run */
};

/* ---- helpers (also reached by the unit tests) ---- */

void db_pool_stats_observe(DbPoolStats *stats, double latency_s)
{
    g_return_if_fail(stats != NULL);

    for (guint i = 0; i < G_N_ELEMENTS(db_pool_latency_bounds); i++) {
        if (latency_s <= db_pool_latency_bounds[i])
            stats->latency_buckets[i]++;
    }
    stats->latency_sum_s += latency_s;
    stats->latency_count++;
}

char *db_pool_unavailable_message(const char *reason, gint64 retry_in_us)
{
    /* rounded up to a hundredth of a second: "retrying in 0.25 s", "retrying in 8 s" */
    gint64 centis = MAX(retry_in_us, 0) / 10000 + (MAX(retry_in_us, 0) % 10000 != 0);
    return g_strdup_printf("database unavailable: %s; retrying in %g s",
                           reason != NULL ? reason : "unknown reason", (double)centis / 100.0);
}

double db_pool_next_backoff(double backoff_s)
{
    return MIN(MAX(backoff_s, DB_POOL_BACKOFF_MIN_S) * 2, DB_POOL_BACKOFF_MAX_S);
}

/* A DbConn error message as the reason the database is down: without its "database: " prefix
 * or a final full stop, since "; retrying in N s" follows. (transfer full) */
static char *db_pool_reason(const char *message)
{
    const char *start =
        g_str_has_prefix(message, "database: ") ? message + strlen("database: ") : message;
    gsize len = strlen(start);

    if (len > 0 && start[len - 1] == '.')
        len--;
    return g_strndup(start, len);
}

/* ---- completions (on the pool's context) ---- */

static gboolean db_pool_complete(gpointer data)
{
    DbPoolJob *job = data;
    DbPool *pool = job->pool;

    /* Last use of pool: done may free it (db_pool_free from inside a completion). */
    g_mutex_lock(&pool->lock);
    pool->stats.in_flight--;
    g_mutex_unlock(&pool->lock);

    if (job->done != NULL)
        job->done(job->job_data, job->error, job->user_data);
    if (job->free_job != NULL)
        job->free_job(job->job_data);
    g_clear_error(&job->error);
    g_free(job);
    return G_SOURCE_REMOVE;
}

/* Posts the job's completion to the pool's context. Any thread. */
static void db_pool_post(DbPool *pool, DbPoolJob *job)
{
    GSource *source = g_idle_source_new();

    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(source, db_pool_complete, job, NULL);
    g_source_set_static_name(source, "phonghop database completion");
    g_source_attach(source, pool->ctx);
    g_source_unref(source);
}

/* ---- reachability (any thread; takes the lock) ---- */

static void db_pool_mark_down(DbPool *pool, const char *message)
{
    g_mutex_lock(&pool->lock);
    g_free(pool->down_reason);
    pool->down_reason = db_pool_reason(message);
    if (pool->state != DB_POOL_DOWN) {
        pool->state = DB_POOL_DOWN;
        pool->epoch++;
        pool->next_attempt_us =
            g_get_monotonic_time() + (gint64)(DB_POOL_BACKOFF_MIN_S * G_USEC_PER_SEC);
        pool->backoff_s = db_pool_next_backoff(DB_POOL_BACKOFF_MIN_S);
        g_warning("database unavailable: %s; retrying in %g s", pool->down_reason,
                  DB_POOL_BACKOFF_MIN_S);
    } else {
        g_debug("database still unavailable: %s", pool->down_reason);
    }
    g_mutex_unlock(&pool->lock);
}

static void db_pool_mark_up(DbPool *pool)
{
    g_mutex_lock(&pool->lock);
    if (pool->state != DB_POOL_UP) {
        if (pool->state == DB_POOL_DOWN)
            g_message("database reachable again");
        pool->state = DB_POOL_UP;
        pool->backoff_s = DB_POOL_BACKOFF_MIN_S;
        g_clear_pointer(&pool->down_reason, g_free);
    }
    g_mutex_unlock(&pool->lock);
}

/* While DOWN and before the next attempt is due: the error for a job that must fail fast.
 * Call with the lock held. */
static GError *db_pool_fast_failure_locked(DbPool *pool, gint64 now)
{
    if (pool->state != DB_POOL_DOWN || now >= pool->next_attempt_us)
        return NULL;
    g_autofree char *msg =
        db_pool_unavailable_message(pool->down_reason, pool->next_attempt_us - now);
    return g_error_new_literal(DB_ERROR, DB_ERROR_UNAVAILABLE, msg);
}

/* ---- workers ---- */

static void db_pool_worker_drop(DbPoolWorker *worker, DbConn **conn)
{
    g_mutex_lock(&worker->pool->lock);
    g_clear_pointer(&worker->cancel, PQfreeCancel);
    g_mutex_unlock(&worker->pool->lock);
    g_clear_pointer(conn, db_conn_free);
}

/* Makes sure the worker holds a live connection, within the backoff rules. FALSE with
 * DB_ERROR_UNAVAILABLE when the database cannot be reached (now or recently). */
static gboolean db_pool_worker_connect(DbPoolWorker *worker, DbConn **conn, guint *conn_epoch,
                                       GError **error)
{
    DbPool *pool = worker->pool;
    g_autoptr(GError) local = NULL;
    gint64 now = g_get_monotonic_time();
    guint epoch = 0;

    g_mutex_lock(&pool->lock);
    *error = db_pool_fast_failure_locked(pool, now);
    if (*error == NULL && pool->state == DB_POOL_DOWN) {
        /* This worker makes the attempt; the others fail fast until the next one is due. */
        pool->next_attempt_us = now + (gint64)(pool->backoff_s * G_USEC_PER_SEC);
        pool->backoff_s = db_pool_next_backoff(pool->backoff_s);
    }
    epoch = pool->epoch;
    g_mutex_unlock(&pool->lock);
    if (*error != NULL)
        return FALSE;

    if (*conn != NULL && (*conn_epoch != epoch || !db_conn_check_alive(*conn)))
        db_pool_worker_drop(worker, conn);
    if (*conn == NULL) {
        *conn = db_conn_open(pool->conninfo, &local);
        if (*conn == NULL) {
            db_pool_mark_down(pool, local->message);
            g_mutex_lock(&pool->lock);
            g_autofree char *msg = db_pool_unavailable_message(
                pool->down_reason, pool->next_attempt_us - g_get_monotonic_time());
            g_mutex_unlock(&pool->lock);
            g_set_error_literal(error, DB_ERROR, DB_ERROR_UNAVAILABLE, msg);
            return FALSE;
        }
        *conn_epoch = epoch;
        g_mutex_lock(&pool->lock);
        worker->cancel = PQgetCancel(db_conn_get_pg(*conn));
        g_mutex_unlock(&pool->lock);
    }
    db_pool_mark_up(pool);
    return TRUE;
}

static void db_pool_worker_ping(DbPoolWorker *worker, DbConn **conn)
{
    DbPool *pool = worker->pool;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();

    if (db_conn_run(*conn, "SELECT 1", 0, NULL, &error)) {
        double latency = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
        g_mutex_lock(&pool->lock);
        pool->stats.last_latency_s = latency;
        g_mutex_unlock(&pool->lock);
        return;
    }
    if (error->code == DB_ERROR_UNAVAILABLE || !db_conn_is_ok(*conn)) {
        db_pool_mark_down(pool, error->message);
        db_pool_worker_drop(worker, conn);
    } else {
        g_warning("database health ping failed: %s", error->message);
    }
}

static void db_pool_worker_run(DbPoolWorker *worker, DbConn **conn, DbPoolJob *job)
{
    DbPool *pool = worker->pool;
    GError *error = NULL;
    gboolean ok = db_conn_begin(*conn, &error);

    if (ok) {
        ok = job->fn(*conn, job->job_data, &error);
        if (!ok && error == NULL) {
            g_critical("a database job returned FALSE without an error");
            g_set_error_literal(&error, DB_ERROR, DB_ERROR_QUERY,
                                "database: the job failed without saying why");
        } else if (ok && error != NULL) {
            g_critical("a database job returned TRUE with an error set: %s", error->message);
            g_clear_error(&error);
        }
    }
    if (ok)
        ok = db_conn_commit(*conn, &error);
    if (!ok)
        db_conn_rollback(*conn);
    double latency = (double)(g_get_monotonic_time() - job->queued_us) / G_USEC_PER_SEC;

    if (!ok && (error->code == DB_ERROR_UNAVAILABLE || !db_conn_is_ok(*conn))) {
        db_pool_mark_down(pool, error->message);
        db_pool_worker_drop(worker, conn);
    }

    g_mutex_lock(&pool->lock);
    if (ok)
        pool->stats.jobs_done++;
    else
        pool->stats.jobs_failed++;
    db_pool_stats_observe(&pool->stats, latency);
    g_mutex_unlock(&pool->lock);

    job->error = error;
    db_pool_post(pool, job);
}

/* Fails a job that did not run (database down, or the pool stopping). Takes error. */
static void db_pool_reject(DbPool *pool, DbPoolJob *job, GError *error)
{
    g_mutex_lock(&pool->lock);
    pool->stats.jobs_rejected++;
    g_mutex_unlock(&pool->lock);
    job->error = error;
    db_pool_post(pool, job);
}

static gpointer db_pool_worker_main(gpointer data)
{
    DbPoolWorker *worker = data;
    DbPool *pool = worker->pool;
    DbConn *conn = NULL;
    guint conn_epoch = 0;

    for (;;) {
        DbPoolJob *job = g_async_queue_pop(pool->queue);
        GError *error = NULL;

        if (job->kind == DB_POOL_ITEM_STOP) {
            g_free(job);
            break;
        }
        if (job->kind == DB_POOL_ITEM_JOB) {
            g_mutex_lock(&pool->lock);
            pool->queued--;
            g_mutex_unlock(&pool->lock);
            if (g_atomic_int_get(&pool->stopping)) {
                db_pool_reject(pool, job,
                               g_error_new_literal(DB_ERROR, DB_ERROR_UNAVAILABLE,
                                                   "database unavailable: the pool is stopping"));
                continue;
            }
        }

        gboolean connected = db_pool_worker_connect(worker, &conn, &conn_epoch, &error);
        if (job->kind == DB_POOL_ITEM_PING) {
            if (connected)
                db_pool_worker_ping(worker, &conn);
            g_clear_error(&error);
            g_free(job);
            g_atomic_int_set(&pool->ping_in_flight, 0);
        } else if (!connected) {
            db_pool_reject(pool, job, error);
        } else {
            db_pool_worker_run(worker, &conn, job);
        }
    }
    db_pool_worker_drop(worker, &conn);
    return NULL;
}

/* ---- the pool (on the ctx thread) ---- */

static void db_pool_queue_ping(DbPool *pool)
{
    if (!g_atomic_int_compare_and_exchange(&pool->ping_in_flight, 0, 1))
        return;
    DbPoolJob *ping = g_new0(DbPoolJob, 1);
    ping->kind = DB_POOL_ITEM_PING;
    ping->pool = pool;
    /* ahead of queued jobs: the ping measures the database, not the queue */
    g_async_queue_push_front(pool->queue, ping);
}

static gboolean db_pool_ping_tick(gpointer data)
{
    db_pool_queue_ping(data);
    return G_SOURCE_CONTINUE;
}

DbPool *db_pool_new(const char *conninfo, guint n_workers, guint max_queued, GMainContext *ctx)
{
    DbPool *pool = NULL;

    g_return_val_if_fail(conninfo != NULL, NULL);
    g_return_val_if_fail(n_workers > 0, NULL);
    g_return_val_if_fail(max_queued > 0, NULL);

    pool = g_new0(DbPool, 1);
    pool->conninfo = g_strdup(conninfo);
    pool->ctx = g_main_context_ref(ctx != NULL ? ctx : g_main_context_default());
    pool->n_workers = n_workers;
    pool->max_queued = max_queued;
    pool->queue = g_async_queue_new();
    g_mutex_init(&pool->lock);
    pool->state = DB_POOL_UNKNOWN;
    pool->backoff_s = DB_POOL_BACKOFF_MIN_S;

    pool->workers = g_new0(DbPoolWorker, n_workers);
    for (guint i = 0; i < n_workers; i++) {
        g_autofree char *name = g_strdup_printf("db-worker-%u", i);
        pool->workers[i].pool = pool;
        pool->workers[i].index = i;
        pool->workers[i].thread = g_thread_new(name, db_pool_worker_main, &pool->workers[i]);
    }

    pool->ping_source = g_timeout_source_new(1000);
    g_source_set_callback(pool->ping_source, db_pool_ping_tick, pool, NULL);
    g_source_set_static_name(pool->ping_source, "phonghop database ping");
    g_source_attach(pool->ping_source, pool->ctx);
    db_pool_queue_ping(pool); /* learn at once whether the database is there */
    return pool;
}

void db_pool_run(DbPool *pool, DbJobFunc fn, gpointer job_data, GDestroyNotify free_job,
                 DbDoneFunc done, gpointer user_data)
{
    DbPoolJob *job = NULL;
    GError *error = NULL;

    g_return_if_fail(pool != NULL);
    g_return_if_fail(fn != NULL);

    job = g_new0(DbPoolJob, 1);
    job->kind = DB_POOL_ITEM_JOB;
    job->pool = pool;
    job->fn = fn;
    job->job_data = job_data;
    job->free_job = free_job;
    job->done = done;
    job->user_data = user_data;
    job->queued_us = g_get_monotonic_time();

    g_mutex_lock(&pool->lock);
    pool->stats.in_flight++;
    if (pool->queued >= pool->max_queued) {
        error = g_error_new(DB_ERROR, DB_ERROR_BUSY,
                            "database busy: %u jobs are already waiting (limit %u)", pool->queued,
                            pool->max_queued);
    } else {
        error = db_pool_fast_failure_locked(pool, job->queued_us);
    }
    if (error != NULL)
        pool->stats.jobs_rejected++;
    else
        pool->queued++;
    g_mutex_unlock(&pool->lock);

    if (error != NULL) {
        job->error = error;
        db_pool_post(pool, job);
        return;
    }
    g_async_queue_push(pool->queue, job);
}

void db_pool_get_stats(DbPool *pool, DbPoolStats *stats)
{
    g_return_if_fail(pool != NULL);
    g_return_if_fail(stats != NULL);

    g_mutex_lock(&pool->lock);
    *stats = pool->stats;
    stats->up = pool->state == DB_POOL_UP;
    g_mutex_unlock(&pool->lock);
}

gboolean db_pool_is_up(DbPool *pool)
{
    gboolean up = FALSE;

    g_return_val_if_fail(pool != NULL, FALSE);

    g_mutex_lock(&pool->lock);
    up = pool->state == DB_POOL_UP;
    g_mutex_unlock(&pool->lock);
    return up;
}

static guint db_pool_in_flight(DbPool *pool)
{
    guint n = 0;

    g_mutex_lock(&pool->lock);
    n = pool->stats.in_flight;
    g_mutex_unlock(&pool->lock);
    return n;
}

static gboolean db_pool_wake(gpointer data)
{
    return G_SOURCE_REMOVE;
}

void db_pool_free(DbPool *pool, guint timeout_ms)
{
    gint64 deadline = 0;
    gpointer item = NULL;
    char reason[256];

    if (pool == NULL)
        return;

    g_source_destroy(pool->ping_source);
    g_clear_pointer(&pool->ping_source, g_source_unref);

    /* Let queued and running jobs finish, dispatching their completions. */
    deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (db_pool_in_flight(pool) > 0) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0)
            break;
        GSource *wake = g_timeout_source_new((guint)left_ms);
        g_source_set_callback(wake, db_pool_wake, NULL, NULL);
        g_source_attach(wake, pool->ctx);
        g_main_context_iteration(pool->ctx, TRUE);
        g_source_destroy(wake);
        g_source_unref(wake);
    }

    /* Out of time: what is queued fails, what runs is cancelled. */
    g_atomic_int_set(&pool->stopping, 1);
    if (db_pool_in_flight(pool) > 0) {
        g_mutex_lock(&pool->lock);
        for (guint i = 0; i < pool->n_workers; i++) {
            if (pool->workers[i].cancel != NULL)
                PQcancel(pool->workers[i].cancel, reason, sizeof reason);
        }
        g_mutex_unlock(&pool->lock);
    }
    for (guint i = 0; i < pool->n_workers; i++) {
        DbPoolJob *stop = g_new0(DbPoolJob, 1);
        stop->kind = DB_POOL_ITEM_STOP;
        g_async_queue_push(pool->queue, stop);
    }
    for (guint i = 0; i < pool->n_workers; i++)
        g_thread_join(pool->workers[i].thread);

    /* Every completion is posted by now: run them, so every done and free_job has run. */
    while (db_pool_in_flight(pool) > 0)
        g_main_context_iteration(pool->ctx, FALSE);

    while ((item = g_async_queue_try_pop(pool->queue)) != NULL)
        g_free(item); /* a ping queued after the last worker left */
    g_async_queue_unref(pool->queue);
    g_mutex_clear(&pool->lock);
    g_free(pool->down_reason);
    g_free(pool->workers);
    g_free(pool->conninfo);
    g_main_context_unref(pool->ctx);
    g_free(pool);
}
