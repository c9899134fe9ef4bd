/* store-test-cluster.c: see store-test-cluster.h. */
#include "store-test-cluster.h"

#include "db-private.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define PG_ROOT "/usr/lib/postgresql"

static const char *store_test_run_as(void)
{
    if (geteuid() != 0)
        return NULL;
    if (getpwnam("phonghop") != NULL)
        return "phonghop";
    if (getpwnam("postgres") != NULL)
        return "postgres";
    return NULL;
}

gboolean store_test_have_postgresql(void)
{
    g_autoptr(GDir) dir = g_dir_open(PG_ROOT, 0, NULL);

    if (dir == NULL || g_dir_read_name(dir) == NULL)
        return FALSE;
    return geteuid() != 0 || store_test_run_as() != NULL;
}

/* pg_ctl's path, behind runuser when the cluster runs as another account. (transfer full) */
static GPtrArray *store_test_pg_ctl_argv(StoreTestCluster *tc)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *bindir = db_cluster_find_bindir(PG_ROOT, &error);

    g_assert_no_error(error);
    if (tc->run_as != NULL) {
        g_ptr_array_add(argv, g_strdup("runuser"));
        g_ptr_array_add(argv, g_strdup("-u"));
        g_ptr_array_add(argv, g_strdup(tc->run_as));
        g_ptr_array_add(argv, g_strdup("--"));
    }
    g_ptr_array_add(argv, g_build_filename(bindir, "pg_ctl", NULL));
    return g_steal_pointer(&argv);
}

/* A test that fails aborts, and a test that hangs is killed by meson: a watchdog process kills
 * the cluster and deletes its directory once this process is gone, however it went. */
static void store_test_start_watchdog(StoreTestCluster *tc)
{
    static const char script[] = "while kill -0 \"$1\" 2>/dev/null; do sleep 0.5; done\n"
                                 "data=\"$2\"; shift 2\n"
                                 "if [ -f \"$data/pgdata/postmaster.pid\" ]; then\n"
                                 "  \"$@\" stop -D \"$data/pgdata\" -m immediate\n"
                                 "fi\n"
                                 "rm -rf \"$data\"\n";
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) pg_ctl = store_test_pg_ctl_argv(tc);
    g_autoptr(GError) error = NULL;

    g_ptr_array_add(argv, g_strdup("/bin/sh"));
    g_ptr_array_add(argv, g_strdup("-c"));
    g_ptr_array_add(argv, g_strdup(script));
    g_ptr_array_add(argv, g_strdup("store-test-watchdog"));
    g_ptr_array_add(argv, g_strdup_printf("%d", (int)getpid()));
    g_ptr_array_add(argv, g_strdup(tc->state_dir));
    for (guint i = 0; i < pg_ctl->len; i++)
        g_ptr_array_add(argv, g_strdup(g_ptr_array_index(pg_ctl, i)));
    g_ptr_array_add(argv, NULL);
    g_spawn_async("/", (char **)argv->pdata, NULL,
                  G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL |
                      G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, &error);
    g_assert_no_error(error);
}

StoreTestCluster *store_test_cluster_new(void)
{
    g_autoptr(GError) error = NULL;
    StoreTestCluster *tc = g_new0(StoreTestCluster, 1);

    /* short: the socket path must stay under 108 bytes */
    tc->state_dir = g_dir_make_tmp("phst-XXXXXX", &error);
    g_assert_no_error(error);
    tc->run_as = g_strdup(store_test_run_as());
    tc->options.state_dir = tc->state_dir;
    tc->options.run_as = tc->run_as;
    store_test_start_watchdog(tc);

    gint64 start = g_get_monotonic_time();
    tc->cluster = db_cluster_start(&tc->options, &error);
    g_assert_no_error(error);
    g_assert_nonnull(tc->cluster);
    g_test_message("cluster started in %s in %.2f s", tc->state_dir,
                   (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
    return tc;
}

void store_test_cluster_restart(StoreTestCluster *tc)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(tc->cluster);
    tc->cluster = db_cluster_start(&tc->options, &error);
    g_assert_no_error(error);
    g_assert_nonnull(tc->cluster);
}

void store_test_cluster_crash(StoreTestCluster *tc)
{
    g_autoptr(GPtrArray) argv = store_test_pg_ctl_argv(tc);
    g_autoptr(GError) error = NULL;
    g_autofree char *err = NULL;
    int status = 0;

    g_ptr_array_add(argv, g_strdup("stop"));
    g_ptr_array_add(argv, g_strdup("-D"));
    g_ptr_array_add(argv, g_build_filename(tc->state_dir, "pgdata", NULL));
    g_ptr_array_add(argv, g_strdup("-m"));
    g_ptr_array_add(argv, g_strdup("immediate"));
    g_ptr_array_add(argv, g_strdup("-w"));
    g_ptr_array_add(argv, NULL);

    g_spawn_sync("/", (char **)argv->pdata, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL,
                 NULL, NULL, NULL, &err, &status, &error);
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, &error))
        g_error("pg_ctl stop -m immediate: %s: %s", error->message, err);
    g_clear_pointer(&tc->cluster, db_cluster_free);
}

char *store_test_cluster_new_database(StoreTestCluster *tc, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DbConn) conn = db_conn_open(db_cluster_get_conninfo(tc->cluster), &error);
    g_assert_no_error(error);
    g_autofree char *sql = g_strdup_printf("CREATE DATABASE %s", name);
    db_conn_run_script(conn, sql, &error);
    g_assert_no_error(error);
    return g_strdup_printf("%s dbname=%s", db_cluster_get_conninfo(tc->cluster), name);
}

void store_test_remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name = NULL;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            store_test_remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

void store_test_cluster_free(StoreTestCluster *tc)
{
    if (tc == NULL)
        return;
    g_clear_pointer(&tc->cluster, db_cluster_stop);
    store_test_remove_tree(tc->state_dir);
    g_free(tc->state_dir);
    g_free(tc->run_as);
    g_free(tc);
}

static gboolean store_test_wake(gpointer data)
{
    return G_SOURCE_REMOVE;
}

gboolean store_test_iterate_until(GMainContext *ctx, const gboolean *flag, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (!*flag && g_get_monotonic_time() < deadline) {
        GSource *wake = g_timeout_source_new(50);
        g_source_set_callback(wake, store_test_wake, NULL, NULL);
        g_source_attach(wake, ctx);
        g_main_context_iteration(ctx, TRUE);
        g_source_destroy(wake);
        g_source_unref(wake);
    }
    return *flag;
}
