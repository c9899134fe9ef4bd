/* test-store-pool.c: DbPool against a real PostgreSQL (a temporary embedded cluster): many jobs
 * at once, all completed on the pool's own context; a slow job that leaves the main loop free;
 * a full queue; jobs that fail and roll back; and db_pool_free() waiting for, or cancelling,
 * what still runs. Every pool here runs on a private GMainContext, so a completion that went to
 * the global default context would never arrive. */
#include "db-private.h"
#include "store-test-cluster.h"

#include <string.h>

static StoreTestCluster *cluster;
static char *conninfo; /* a database with a table "marks" */

typedef struct {
    GMainContext *ctx;
    guint done;
    guint ok;
    guint freed;
    guint errors[DB_ERROR_CLUSTER + 1];
    gboolean wrong_thread;
    GThread *owner;
    char *last_error;
} Tally;

typedef struct {
    Tally *tally;
    int n;           /* the value this job inserts */
    gint64 id;       /* out: the row's id */
    const char *sql; /* or: run this instead */
    gint *started;   /* set (atomically) when the job starts running */
    gboolean fail;   /* insert, then return FALSE */
} Job;

static gboolean job_func(DbConn *conn, gpointer data, GError **error)
{
    Job *job = data;

    if (job->started != NULL)
        g_atomic_int_set(job->started, 1);
    if (job->sql != NULL)
        return db_conn_run(conn, job->sql, 0, NULL, error);
    g_autofree char *n = g_strdup_printf("%d", job->n);
    const char *params[] = {n};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn, "INSERT INTO marks (n) VALUES ($1) RETURNING id", 1, params, error);
    if (rows == NULL)
        return FALSE;
    job->id = db_rows_get_int64(rows, 0, 0);
    if (job->fail) {
        g_set_error_literal(error, DB_ERROR, DB_ERROR_QUERY, "the job changed its mind");
        return FALSE;
    }
    return TRUE;
}

static void job_done(gpointer data, const GError *error, gpointer user_data)
{
    Job *job = data;
    Tally *tally = user_data;

    g_assert_true(job->tally == tally);
    if (g_thread_self() != tally->owner || !g_main_context_is_owner(tally->ctx))
        tally->wrong_thread = TRUE;
    tally->done++;
    if (error == NULL) {
        tally->ok++;
    } else {
        g_assert_true(error->domain == DB_ERROR);
        tally->errors[error->code]++;
        g_free(tally->last_error);
        tally->last_error = g_strdup(error->message);
    }
}

static void job_free(gpointer data)
{
    Job *job = data;
    job->tally->freed++;
    g_free(job);
}

static void submit(DbPool *pool, Tally *tally, Job *job)
{
    job->tally = tally;
    db_pool_run(pool, job_func, job, job_free, job_done, tally);
}

static Job *new_job(int n)
{
    Job *job = g_new0(Job, 1);
    job->n = n;
    return job;
}

static Job *new_sql_job(const char *sql, gint *started)
{
    Job *job = g_new0(Job, 1);
    job->sql = sql;
    job->started = started;
    return job;
}

static void tally_init(Tally *tally, GMainContext *ctx)
{
    memset(tally, 0, sizeof *tally);
    tally->ctx = ctx;
    tally->owner = g_thread_self();
}

static gint64 count_marks(const char *where)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DbConn) conn = db_conn_open(conninfo, &error);
    g_assert_no_error(error);
    g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM marks WHERE %s", where);
    g_autoptr(DbRows) rows = db_conn_exec(conn, sql, 0, NULL, &error);
    g_assert_no_error(error);
    return db_rows_get_int64(rows, 0, 0);
}

static void iterate_until_done(Tally *tally, guint n, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (tally->freed < n && g_get_monotonic_time() < deadline)
        g_main_context_iteration(tally->ctx, TRUE); /* the pool's ping wakes it every second */
    g_assert_cmpuint(tally->freed, ==, n);
}

static void test_many_jobs(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Tally tally;
    DbPoolStats stats;
    enum { N = 200 };

    g_main_context_push_thread_default(ctx);
    tally_init(&tally, ctx);
    DbPool *pool = db_pool_new(conninfo, 4, 256, ctx);
    gint64 start = g_get_monotonic_time();
    for (int i = 0; i < N; i++)
        submit(pool, &tally, new_job(1000 + i));
    db_pool_get_stats(pool, &stats);
    g_assert_cmpuint(stats.in_flight, >, 0);
    iterate_until_done(&tally, N, 30000);
    g_test_message("%d jobs in %.3f s", N, (double)(g_get_monotonic_time() - start) / 1e6);

    g_assert_cmpuint(tally.done, ==, N);
    g_assert_cmpuint(tally.ok, ==, N);
    g_assert_false(tally.wrong_thread);
    g_assert_cmpint(count_marks("n BETWEEN 1000 AND 1199"), ==, N);

    /* give the ping time to report */
    gboolean never = FALSE;
    while (stats.last_latency_s == 0 && !store_test_iterate_until(ctx, &never, 100))
        db_pool_get_stats(pool, &stats);
    db_pool_get_stats(pool, &stats);
    g_assert_true(stats.up);
    g_assert_true(db_pool_is_up(pool));
    g_assert_cmpuint(stats.jobs_done, ==, N);
    g_assert_cmpuint(stats.jobs_failed, ==, 0);
    g_assert_cmpuint(stats.jobs_rejected, ==, 0);
    g_assert_cmpuint(stats.in_flight, ==, 0);
    g_assert_cmpfloat(stats.last_latency_s, >, 0);
    g_assert_cmpfloat(stats.last_latency_s, <, 1);
    g_assert_cmpuint(stats.latency_count, ==, N);
    g_assert_cmpfloat(stats.latency_sum_s, >, 0);
    for (guint i = 1; i < 12; i++)
        g_assert_cmpuint(stats.latency_buckets[i - 1], <=, stats.latency_buckets[i]);
    g_assert_cmpuint(stats.latency_buckets[11], ==, N);

    db_pool_free(pool, 1000);
    g_assert_false(g_main_context_pending(g_main_context_default()));
    g_main_context_pop_thread_default(ctx);
    g_free(tally.last_error);
}

typedef struct {
    guint ticks;
    gint64 last_us;
    gint64 max_gap_us;
} Ticker;

static gboolean tick(gpointer data)
{
    Ticker *ticker = data;
    gint64 now = g_get_monotonic_time();

    if (ticker->last_us != 0)
        ticker->max_gap_us = MAX(ticker->max_gap_us, now - ticker->last_us);
    ticker->last_us = now;
    ticker->ticks++;
    return G_SOURCE_CONTINUE;
}

static void test_slow_job_leaves_loop_free(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Tally tally;
    Ticker ticker = {0};

    g_main_context_push_thread_default(ctx);
    tally_init(&tally, ctx);
    DbPool *pool = db_pool_new(conninfo, 2, 16, ctx);
    GSource *timer = g_timeout_source_new(10);
    g_source_set_callback(timer, tick, &ticker, NULL);
    g_source_attach(timer, ctx);

    gint64 start = g_get_monotonic_time();
    submit(pool, &tally, new_sql_job("SELECT pg_sleep(2)", NULL));
    iterate_until_done(&tally, 1, 10000);
    double took = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    g_source_destroy(timer);
    g_source_unref(timer);

    g_test_message("slow job took %.2f s; %u ticks of 10 ms, longest gap %.1f ms", took,
                   ticker.ticks, (double)ticker.max_gap_us / 1000);
    g_assert_cmpuint(tally.ok, ==, 1);
    g_assert_cmpfloat(took, >=, 1.9);
    /* 200 ticks if nothing waits; allow for a loaded machine, but not for a blocked loop */
    g_assert_cmpuint(ticker.ticks, >=, 100);
    g_assert_cmpint(ticker.max_gap_us, <, 500 * 1000);

    db_pool_free(pool, 1000);
    g_main_context_pop_thread_default(ctx);
    g_free(tally.last_error);
}

static void test_full_queue(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Tally tally;
    DbPoolStats stats;
    gint started = 0;

    g_main_context_push_thread_default(ctx);
    tally_init(&tally, ctx);
    DbPool *pool = db_pool_new(conninfo, 1, 2, ctx);

    /* the one worker is busy with this... */
    submit(pool, &tally, new_sql_job("SELECT pg_sleep(0.5)", &started));
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!g_atomic_int_get(&started) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(ctx, FALSE);
    g_assert_true(g_atomic_int_get(&started));
    /* ...two wait, the next ones are refused at once */
    submit(pool, &tally, new_job(2001));
    submit(pool, &tally, new_job(2002));
    submit(pool, &tally, new_job(2003));
    submit(pool, &tally, new_job(2004));
    g_assert_cmpuint(tally.done, ==, 0); /* never from inside db_pool_run */
    g_main_context_iteration(ctx, FALSE);
    g_assert_cmpuint(tally.errors[DB_ERROR_BUSY], ==, 2);
    g_assert_nonnull(
        strstr(tally.last_error, "database busy: 2 jobs are already waiting (limit 2)"));

    iterate_until_done(&tally, 5, 10000);
    g_assert_cmpuint(tally.ok, ==, 3);
    g_assert_cmpint(count_marks("n BETWEEN 2001 AND 2004"), ==, 2);
    db_pool_get_stats(pool, &stats);
    g_assert_cmpuint(stats.jobs_done, ==, 3);
    g_assert_cmpuint(stats.jobs_rejected, ==, 2);
    db_pool_free(pool, 1000);
    g_main_context_pop_thread_default(ctx);
    g_free(tally.last_error);
}

static void test_failed_jobs_roll_back(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Tally tally;
    DbPoolStats stats;

    g_main_context_push_thread_default(ctx);
    tally_init(&tally, ctx);
    DbPool *pool = db_pool_new(conninfo, 2, 16, ctx);

    Job *changes_its_mind = new_job(3001);
    changes_its_mind->fail = TRUE;
    submit(pool, &tally, changes_its_mind);
    iterate_until_done(&tally, 1, 10000);
    g_assert_cmpuint(tally.errors[DB_ERROR_QUERY], ==, 1);
    g_assert_cmpstr(tally.last_error, ==, "the job changed its mind");
    g_assert_cmpint(count_marks("n = 3001"), ==, 0);

    /* a unique violation reaches done as a conflict; the worker's connection stays usable */
    submit(pool, &tally, new_job(3002));
    iterate_until_done(&tally, 2, 10000);
    submit(
        pool, &tally,
        new_sql_job("INSERT INTO marks (id, n) SELECT id, 3003 FROM marks WHERE n = 3002", NULL));
    iterate_until_done(&tally, 3, 10000);
    g_assert_cmpuint(tally.errors[DB_ERROR_CONFLICT], ==, 1);
    g_assert_true(g_str_has_prefix(tally.last_error,
                                   "database: duplicate key value violates unique constraint"));
    g_assert_true(g_str_has_suffix(tally.last_error, "(SQLSTATE 23505)"));
    submit(pool, &tally, new_job(3004));
    submit(pool, &tally, new_job(3005));
    iterate_until_done(&tally, 5, 10000);
    g_assert_cmpuint(tally.ok, ==, 3);

    db_pool_get_stats(pool, &stats);
    g_assert_cmpuint(stats.jobs_done, ==, 3);
    g_assert_cmpuint(stats.jobs_failed, ==, 2);
    g_assert_true(stats.up);
    db_pool_free(pool, 1000);
    g_main_context_pop_thread_default(ctx);
    g_free(tally.last_error);
}

static void test_free_waits_then_cancels(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Tally tally;

    g_main_context_push_thread_default(ctx);
    tally_init(&tally, ctx);

    /* generous timeout: free waits for the jobs and runs their completions */
    DbPool *pool = db_pool_new(conninfo, 2, 16, ctx);
    for (guint i = 0; i < 4; i++)
        submit(pool, &tally, new_sql_job("SELECT pg_sleep(0.2)", NULL));
    db_pool_free(pool, 10000);
    g_assert_cmpuint(tally.freed, ==, 4);
    g_assert_cmpuint(tally.ok, ==, 4);

    /* short timeout: what runs is cancelled, what waits fails; all completions still run */
    tally_init(&tally, ctx);
    gint started = 0;
    pool = db_pool_new(conninfo, 1, 16, ctx);
    submit(pool, &tally, new_sql_job("SELECT pg_sleep(30)", &started));
    submit(pool, &tally, new_job(4001));
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!g_atomic_int_get(&started) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(ctx, FALSE);
    gint64 start = g_get_monotonic_time();
    db_pool_free(pool, 200);
    double took = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    g_test_message("free with a 30 s statement running took %.2f s", took);
    g_assert_cmpfloat(took, <, 5);
    g_assert_cmpuint(tally.freed, ==, 2);
    g_assert_cmpuint(tally.ok, ==, 0);
    g_assert_cmpuint(tally.errors[DB_ERROR_QUERY], ==, 1);       /* cancelled */
    g_assert_cmpuint(tally.errors[DB_ERROR_UNAVAILABLE], ==, 1); /* never ran */
    g_assert_cmpint(count_marks("n = 4001"), ==, 0);
    g_main_context_pop_thread_default(ctx);
    g_free(tally.last_error);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    if (!store_test_have_postgresql()) {
        g_print("1..0 # SKIP no PostgreSQL server installed\n");
        return 0;
    }
    g_test_add_func("/store/pool/many-jobs", test_many_jobs);
    g_test_add_func("/store/pool/slow-job-leaves-loop-free", test_slow_job_leaves_loop_free);
    g_test_add_func("/store/pool/full-queue", test_full_queue);
    g_test_add_func("/store/pool/failed-jobs-roll-back", test_failed_jobs_roll_back);
    g_test_add_func("/store/pool/free-waits-then-cancels", test_free_waits_then_cancels);

    cluster = store_test_cluster_new();
    conninfo = store_test_cluster_new_database(cluster, "pool");
    {
        g_autoptr(DbConn) conn = db_conn_open(conninfo, &error);
        g_assert_no_error(error);
        db_conn_run(conn, "CREATE TABLE marks (id bigserial PRIMARY KEY, n int NOT NULL)", 0, NULL,
                    &error);
        g_assert_no_error(error);
    }
    int rc = g_test_run();
    g_free(conninfo);
    store_test_cluster_free(cluster);
    return rc;
}
