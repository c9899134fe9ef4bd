/* test-store-cluster.c: the embedded cluster's life, with a pool watching: the layout and
 * settings of a new cluster, reusing one that is already running, a database that dies under
 * running jobs (they fail fast with DB_ERROR_UNAVAILABLE, the pool reports down) and comes back
 * (the pool is up again by itself), and a clean stop and start that keeps the data. */
#include "db-private.h"
#include "store-test-cluster.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static StoreTestCluster *cluster;

static DbConn *open_conn(void)
{
    g_autoptr(GError) error = NULL;
    DbConn *conn = db_conn_open(db_cluster_get_conninfo(cluster->cluster), &error);
    g_assert_no_error(error);
    return conn;
}

static char *query_text(DbConn *conn, const char *sql)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DbRows) rows = db_conn_exec(conn, sql, 0, NULL, &error);
    g_assert_no_error(error);
    return g_strdup(db_rows_get(rows, 0, 0));
}

static void test_layout(void)
{
    g_autoptr(DbConn) conn = open_conn();
    g_autofree char *socket_dir = g_build_filename(cluster->state_dir, "pgsocket", NULL);
    g_autofree char *data_dir = g_build_filename(cluster->state_dir, "pgdata", NULL);
    g_autofree char *log_dir = g_build_filename(data_dir, "log", NULL);
    struct stat st;

    g_autofree char *expected =
        g_strdup_printf("host=%s port=5432 dbname=phonghop user=phonghop", socket_dir);
    g_assert_cmpstr(db_cluster_get_conninfo(cluster->cluster), ==, expected);

    /* reachable through the private socket only */
    g_autofree char *listen = query_text(conn, "SHOW listen_addresses");
    g_assert_cmpstr(listen, ==, "");
    g_autofree char *sockets = query_text(conn, "SHOW unix_socket_directories");
    g_assert_cmpstr(sockets, ==, socket_dir);
    g_assert_cmpint(g_stat(socket_dir, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);

    g_autofree char *user = query_text(conn, "SELECT current_user");
    g_assert_cmpstr(user, ==, "phonghop");
    g_autofree char *db = query_text(conn, "SELECT current_database()");
    g_assert_cmpstr(db, ==, "phonghop");
    g_autofree char *encoding = query_text(conn, "SHOW server_encoding");
    g_assert_cmpstr(encoding, ==, "UTF8");
    g_autofree char *collate = query_text(conn, "SHOW lc_collate");
    g_assert_cmpstr(collate, ==, "C.UTF-8");
    g_autofree char *collector = query_text(conn, "SHOW logging_collector");
    g_assert_cmpstr(collector, ==, "on");
    g_assert_true(g_file_test(log_dir, G_FILE_TEST_IS_DIR));

    if (cluster->run_as != NULL) {
        struct passwd *pw = getpwnam(cluster->run_as);
        g_assert_nonnull(pw);
        g_assert_cmpint(g_stat(data_dir, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, pw->pw_uid);
        g_assert_cmpint(g_stat(socket_dir, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, pw->pw_uid);
        /* the state directory stays root's, traversable but not readable by others */
        g_assert_cmpint(g_stat(cluster->state_dir, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, 0);
        g_assert_cmpint(st.st_mode & 0777, ==, 0711);
    }
}

static void test_reuse_running(void)
{
    g_autoptr(GError) error = NULL;

    gint64 start = g_get_monotonic_time();
    DbCluster *again = db_cluster_start(&cluster->options, &error);
    g_assert_no_error(error);
    g_test_message("reusing the running cluster took %.2f s",
                   (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
    g_assert_cmpstr(db_cluster_get_conninfo(again), ==, db_cluster_get_conninfo(cluster->cluster));
    g_autoptr(DbConn) conn = db_conn_open(db_cluster_get_conninfo(again), &error);
    g_assert_no_error(error);
    /* the same server: no restart happened */
    g_autoptr(DbConn) old = open_conn();
    g_autofree char *a = query_text(conn, "SELECT pg_postmaster_start_time()");
    g_autofree char *b = query_text(old, "SELECT pg_postmaster_start_time()");
    g_assert_cmpstr(a, ==, b);
    db_cluster_free(again); /* leaves it running */
    g_assert_true(db_conn_run(old, "SELECT 1", 0, NULL, &error));
    g_assert_no_error(error);
}

typedef struct {
    GMainContext *ctx;
    guint done;
    guint ok;
    guint unavailable;
    char *last_error;
    gint64 done_at;
    gint started;
} Outcome;

static gboolean run_sql(DbConn *conn, gpointer data, GError **error)
{
    Outcome *outcome = data;
    g_atomic_int_set(&outcome->started, 1);
    return db_conn_run(conn, "SELECT pg_sleep(0.01)", 0, NULL, error);
}

static gboolean run_long_sql(DbConn *conn, gpointer data, GError **error)
{
    Outcome *outcome = data;
    g_atomic_int_set(&outcome->started, 1);
    return db_conn_run(conn, "SELECT pg_sleep(60)", 0, NULL, error);
}

static void outcome_done(gpointer data, const GError *error, gpointer user_data)
{
    Outcome *outcome = user_data;

    g_assert_true(g_main_context_is_owner(outcome->ctx));
    outcome->done++;
    outcome->done_at = g_get_monotonic_time();
    if (error == NULL) {
        outcome->ok++;
        return;
    }
    if (g_error_matches(error, DB_ERROR, DB_ERROR_UNAVAILABLE))
        outcome->unavailable++;
    g_free(outcome->last_error);
    outcome->last_error = g_strdup(error->message);
}

static void wait_done(Outcome *outcome, guint n, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (outcome->done < n && g_get_monotonic_time() < deadline)
        g_main_context_iteration(outcome->ctx, TRUE);
    g_assert_cmpuint(outcome->done, ==, n);
}

static gboolean wait_up(DbPool *pool, GMainContext *ctx, gboolean up, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (db_pool_is_up(pool) != up && g_get_monotonic_time() < deadline)
        g_main_context_iteration(ctx, TRUE); /* the ping ticks every second */
    return db_pool_is_up(pool) == up;
}

static void test_outage_and_recovery(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Outcome warmup = {.ctx = ctx}, running = {.ctx = ctx}, during = {.ctx = ctx},
            after = {.ctx = ctx};
    DbPoolStats stats;

    g_main_context_push_thread_default(ctx);
    DbPool *pool = db_pool_new(db_cluster_get_conninfo(cluster->cluster), 3, 64, ctx);
    for (guint i = 0; i < 6; i++)
        db_pool_run(pool, run_sql, &warmup, NULL, outcome_done, &warmup);
    wait_done(&warmup, 6, 10000);
    g_assert_cmpuint(warmup.ok, ==, 6);
    g_assert_true(wait_up(pool, ctx, TRUE, 5000));

    /* a statement is running when the server dies */
    db_pool_run(pool, run_long_sql, &running, NULL, outcome_done, &running);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!g_atomic_int_get(&running.started) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(ctx, FALSE);
    g_usleep(100 * 1000); /* let it reach the server */

    gint64 crash = g_get_monotonic_time();
    store_test_cluster_crash(cluster);

    /* the running job fails with UNAVAILABLE, at once, and is not retried */
    wait_done(&running, 1, 5000);
    g_assert_cmpuint(running.unavailable, ==, 1);
    g_test_message("running job failed %.2f s after the crash: %s",
                   (double)(running.done_at - crash) / 1e6, running.last_error);
    g_assert_cmpint(running.done_at - crash, <, 2 * G_USEC_PER_SEC);
    g_assert_true(g_str_has_prefix(running.last_error, "database: connection lost: "));
    g_assert_false(db_pool_is_up(pool));

    /* new jobs fail fast, saying why and when the pool tries again */
    gint64 start = g_get_monotonic_time();
    for (guint i = 0; i < 20; i++)
        db_pool_run(pool, run_sql, &during, NULL, outcome_done, &during);
    wait_done(&during, 20, 5000);
    g_test_message("20 jobs failed in %.3f s: %s", (double)(g_get_monotonic_time() - start) / 1e6,
                   during.last_error);
    g_assert_cmpuint(during.unavailable, ==, 20);
    g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
    g_assert_true(g_str_has_prefix(during.last_error, "database unavailable: "));
    g_assert_nonnull(strstr(during.last_error, "; retrying in "));
    db_pool_get_stats(pool, &stats);
    g_assert_false(stats.up);
    g_assert_cmpuint(stats.jobs_failed, ==, 1);
    g_assert_cmpuint(stats.jobs_rejected, ==, 20);

    /* the pool stays down while the server is down (pings keep failing) */
    g_assert_false(wait_up(pool, ctx, TRUE, 1500));

    /* the server comes back: the pool notices by itself, with no job to push it */
    start = g_get_monotonic_time();
    store_test_cluster_restart(cluster);
    gint64 restarted = g_get_monotonic_time();
    g_assert_true(wait_up(pool, ctx, TRUE, 15000));
    g_test_message("server restarted in %.2f s; pool up %.2f s later (outage %.2f s)",
                   (double)(restarted - start) / 1e6,
                   (double)(g_get_monotonic_time() - restarted) / 1e6,
                   (double)(g_get_monotonic_time() - crash) / 1e6);

    /* and every worker works again: the connections from before the crash are not reused */
    for (guint i = 0; i < 12; i++)
        db_pool_run(pool, run_sql, &after, NULL, outcome_done, &after);
    wait_done(&after, 12, 10000);
    g_assert_cmpuint(after.ok, ==, 12);

    db_pool_free(pool, 2000);
    g_main_context_pop_thread_default(ctx);
    g_free(warmup.last_error);
    g_free(running.last_error);
    g_free(during.last_error);
    g_free(after.last_error);
}

static void test_stop_and_start_again(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *socket =
        g_build_filename(cluster->state_dir, "pgsocket", ".s.PGSQL.5432", NULL);

    {
        g_autoptr(DbConn) conn = open_conn();
        g_assert_true(db_conn_run(conn, "CREATE TABLE kept (v text)", 0, NULL, &error));
        g_assert_true(db_conn_run(conn, "INSERT INTO kept VALUES ('committed')", 0, NULL, &error));
        g_assert_no_error(error);
    }
    g_assert_true(g_file_test(socket, G_FILE_TEST_EXISTS));
    gint64 start = g_get_monotonic_time();
    g_clear_pointer(&cluster->cluster, db_cluster_stop);
    g_test_message("stop took %.2f s", (double)(g_get_monotonic_time() - start) / 1e6);
    g_assert_false(g_file_test(socket, G_FILE_TEST_EXISTS));

    start = g_get_monotonic_time();
    store_test_cluster_restart(cluster);
    g_test_message("start of an existing cluster took %.2f s",
                   (double)(g_get_monotonic_time() - start) / 1e6);
    g_autoptr(DbConn) conn = open_conn();
    g_autofree char *v = query_text(conn, "SELECT v FROM kept");
    g_assert_cmpstr(v, ==, "committed");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!store_test_have_postgresql()) {
        g_print("1..0 # SKIP no PostgreSQL server installed\n");
        return 0;
    }
    /* The pool warns when the database goes away, which these tests make happen on purpose. */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

    g_test_add_func("/store/cluster/layout", test_layout);
    g_test_add_func("/store/cluster/reuse-running", test_reuse_running);
    g_test_add_func("/store/cluster/outage-and-recovery", test_outage_and_recovery);
    g_test_add_func("/store/cluster/stop-and-start-again", test_stop_and_start_again);

    cluster = store_test_cluster_new();
    int rc = g_test_run();
    store_test_cluster_free(cluster);
    return rc;
}
