/* test-db-cluster-config.c: the embedded cluster's checks and helpers that need no server:
 * conninfo quoting, the socket path limit, finding PostgreSQL's programs, and refusing bad
 * options before touching the disk. */
#include "db-private.h"

#include <glib/gstdio.h>
#include <string.h>

static void test_conninfo_quote(void)
{
    const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"/var/lib/phonghop/pgsocket", "/var/lib/phonghop/pgsocket"},
        {"", "''"},
        {"/with space", "'/with space'"},
        {"/it's", "'/it\\'s'"},
        {"/back\\slash", "'/back\\\\slash'"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = db_conninfo_quote(cases[i].in);
        g_assert_cmpstr(out, ==, cases[i].out);
    }
}

static void test_socket_dir_limit(void)
{
    g_autoptr(GError) error = NULL;
    /* "/.s.PGSQL.5432" is 14 bytes: 93 + 14 = 107 fits, 94 + 14 does not */
    g_autofree char *fits = g_strnfill(93, 'a');
    fits[0] = '/';
    g_autofree char *too_long = g_strnfill(94, 'a');
    too_long[0] = '/';

    g_assert_true(db_cluster_check_socket_dir(fits, &error));
    g_assert_no_error(error);
    g_assert_false(db_cluster_check_socket_dir(too_long, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_CLUSTER);
    g_assert_nonnull(strstr(error->message, "108 bytes long"));
    g_assert_nonnull(strstr(error->message, "107"));
    g_assert_nonnull(strstr(error->message, "shorter state directory"));
}

static void make_fake_initdb(const char *root, const char *version)
{
    g_autofree char *bin = g_build_filename(root, version, "bin", NULL);
    g_autofree char *initdb = g_build_filename(bin, "initdb", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(g_mkdir_with_parents(bin, 0755), ==, 0);
    g_file_set_contents_full(initdb, "#!/bin/sh\n", -1, G_FILE_SET_CONTENTS_NONE, 0755, &error);
    g_assert_no_error(error);
}

static void remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name = NULL;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

static void test_find_bindir(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *root = g_dir_make_tmp("phonghop-bindir-XXXXXX", &error);
    g_assert_no_error(error);

    g_autofree char *none = db_cluster_find_bindir(root, &error);
    g_assert_null(none);
    g_assert_error(error, DB_ERROR, DB_ERROR_CLUSTER);
    g_assert_nonnull(strstr(error->message, root));
    g_clear_error(&error);

    make_fake_initdb(root, "9.6");
    make_fake_initdb(root, "13");
    make_fake_initdb(root, "15");
    /* not a version, or no initdb: ignored */
    make_fake_initdb(root, "16beta");
    g_autofree char *empty = g_build_filename(root, "17", "bin", NULL);
    g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);

    g_autofree char *found = db_cluster_find_bindir(root, &error);
    g_assert_no_error(error);
    g_autofree char *expected = g_build_filename(root, "15", "bin", NULL);
    g_assert_cmpstr(found, ==, expected);
    remove_tree(root);
}

static void test_start_refuses_long_state_dir(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *base = g_dir_make_tmp("phonghop-long-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *name = g_strnfill(100, 'x');
    g_autofree char *state_dir = g_build_filename(base, name, NULL);
    DbClusterOptions options = {.state_dir = state_dir};

    DbCluster *cluster = db_cluster_start(&options, &error);
    g_assert_null(cluster);
    g_assert_error(error, DB_ERROR, DB_ERROR_CLUSTER);
    g_assert_nonnull(strstr(error->message, "shorter state directory"));
    /* refused before anything was created */
    g_assert_false(g_file_test(state_dir, G_FILE_TEST_EXISTS));
    remove_tree(base);
}

static void test_start_refuses_bad_bindir(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *base = g_dir_make_tmp("phonghop-bin-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *state_dir = g_build_filename(base, "state", NULL);
    DbClusterOptions options = {.state_dir = state_dir, .bindir = "/nonexistent/pg/bin"};

    DbCluster *cluster = db_cluster_start(&options, &error);
    g_assert_null(cluster);
    g_assert_error(error, DB_ERROR, DB_ERROR_CLUSTER);
    g_assert_nonnull(strstr(error->message, "/nonexistent/pg/bin"));
    g_assert_false(g_file_test(state_dir, G_FILE_TEST_EXISTS));
    remove_tree(base);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/store/cluster/conninfo-quote", test_conninfo_quote);
    g_test_add_func("/store/cluster/socket-dir-limit", test_socket_dir_limit);
    g_test_add_func("/store/cluster/find-bindir", test_find_bindir);
    g_test_add_func("/store/cluster/refuses-long-state-dir", test_start_refuses_long_state_dir);
    g_test_add_func("/store/cluster/refuses-bad-bindir", test_start_refuses_bad_bindir);
    return g_test_run();
}
