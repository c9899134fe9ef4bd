/* store-test-cluster.h: a throw-away PostgreSQL cluster for the store's integration tests.
 *
 * store_test_cluster_new() makes a temporary state directory (g_dir_make_tmp) and starts the
 * embedded cluster in it with db_cluster_start(), running PostgreSQL as the `phonghop` account
 * (or `postgres`) when the tests run as root. store_test_cluster_free() stops it and deletes the
 * directory. When no PostgreSQL is installed the tests skip.
 */
#pragma once

#include "db.h"

G_BEGIN_DECLS

typedef struct {
    char *state_dir;
    DbClusterOptions options;
    char *run_as; /* NULL when not root */
    DbCluster *cluster;
} StoreTestCluster;

/* TRUE when a PostgreSQL server (and, as root, an account to run it) is available. */
gboolean store_test_have_postgresql(void);

/* Starts a fresh cluster; asserts it worked. (transfer full) */
StoreTestCluster *store_test_cluster_new(void);

/* Starts the cluster again in the same state directory (after it was stopped); asserts. */
void store_test_cluster_restart(StoreTestCluster *tc);

/* Kills the server the way a crash or an OOM kill would (pg_ctl stop -m immediate); the
 * DbCluster handle is freed without stopping. */
void store_test_cluster_crash(StoreTestCluster *tc);

/* Creates a new empty database; returns its conninfo. (transfer full) */
char *store_test_cluster_new_database(StoreTestCluster *tc, const char *name);

/* Stops the cluster (if running) and deletes its directory. */
void store_test_cluster_free(StoreTestCluster *tc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StoreTestCluster, store_test_cluster_free)

/* Deletes a directory tree (not following symbolic links). */
void store_test_remove_tree(const char *path);

/* Iterates ctx until *flag is TRUE or timeout_ms passed; returns *flag. */
gboolean store_test_iterate_until(GMainContext *ctx, const gboolean *flag, guint timeout_ms);

G_END_DECLS
