/* db-cluster.c: the embedded PostgreSQL that phonghop runs under its state directory.
 *
 * Layout: STATE_DIR/pgdata is the cluster (initdb on first start), STATE_DIR/pgsocket its only
 * way in (a Unix socket in a mode-0700 directory: no TCP, listen_addresses = ''), and
 * STATE_DIR/pgdata/log its logs (PostgreSQL's logging collector, one file per weekday, plus
 * startup.log for what the server says before the collector runs). The settings phonghop
 * depends on are written to pgdata/phonghop.conf at every start, so a moved state directory
 * still works; postgresql.conf includes that file.
 *
 * PostgreSQL refuses to run as root. When phonghop runs as root, every PostgreSQL program runs
 * through `runuser -u RUN_AS --`, pgdata and pgsocket belong to RUN_AS, and the state directory
 * is made traversable for it (0711); a parent directory it cannot enter is reported up front.
 * Otherwise the programs run as the current user.
 *
 * Programs run through g_spawn_sync with stdin from /dev/null, a working directory of "/" (the
 * caller's may be closed to RUN_AS) and the PG* environment variables removed, so a developer's
 * PGPORT or PGDATA cannot point the cluster elsewhere. A failure carries the program's stderr,
 * and for a server that would not start, the end of startup.log.
 *
 * Threads: everything here blocks; call it at start-up or shut-down, never from a main loop
 * callback. A DbCluster is owned by the caller of db_cluster_start().
 */
#include "db-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_CLUSTER_DEFAULT_ROOT   "/usr/lib/postgresql"
#define DB_CLUSTER_DEFAULT_RUN_AS "phonghop"
#define DB_CLUSTER_DB_NAME        "phonghop"
#define DB_CLUSTER_DB_USER        "phonghop"
#define DB_CLUSTER_WAIT_S         60
#define DB_CLUSTER_STDERR_MAX     1500

struct _DbCluster {
    char *state_dir;
    char *data_dir;
    char *socket_dir;
    char *log_dir;
    char *bindir;
    char *run_as; /* NULL: PostgreSQL runs as the current user */
    uid_t run_uid;
    gid_t run_gid;
    char *runuser; /* path of runuser, when run_as is set */
    char *conninfo;
};

/* ---- small helpers (also reached by the unit tests) ---- */

char *db_conninfo_quote(const char *value)
{
    GString *out = NULL;

    g_return_val_if_fail(value != NULL, NULL);

    if (*value != '\0' && strpbrk(value, " \t\n\r\\'") == NULL)
        return g_strdup(value);
    out = g_string_new("'");
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\'' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '\'');
    return g_string_free(out, FALSE);
}

gboolean db_cluster_check_socket_dir(const char *socket_dir, GError **error)
{
    g_return_val_if_fail(socket_dir != NULL, FALSE);

    g_autofree char *socket = g_strdup_printf("%s/.s.PGSQL.%d", socket_dir, DB_CLUSTER_PORT);
    if (strlen(socket) > DB_SOCKET_PATH_MAX) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "the database socket path %s is %zu bytes long, more than the %d a Unix "
                    "socket allows: choose a shorter state directory",
                    socket, strlen(socket), DB_SOCKET_PATH_MAX);
        return FALSE;
    }
    return TRUE;
}

char *db_cluster_find_bindir(const char *root, GError **error)
{
    g_autoptr(GDir) dir = NULL;
    g_autofree char *best = NULL;
    guint64 best_major = 0, best_minor = 0;
    const char *name = NULL;

    g_return_val_if_fail(root != NULL, NULL);

    dir = g_dir_open(root, 0, NULL);
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        char *end = NULL;
        guint64 major = g_ascii_strtoull(name, &end, 10);
        guint64 minor = 0;

        if (end == name)
            continue;
        if (*end == '.')
            minor = g_ascii_strtoull(end + 1, &end, 10);
        if (*end != '\0')
            continue;
        g_autofree char *bindir = g_build_filename(root, name, "bin", NULL);
        g_autofree char *initdb = g_build_filename(bindir, "initdb", NULL);
        if (!g_file_test(initdb, G_FILE_TEST_IS_EXECUTABLE))
            continue;
        if (best == NULL || major > best_major || (major == best_major && minor > best_minor)) {
            g_free(best);
            best = g_steal_pointer(&bindir);
            best_major = major;
            best_minor = minor;
        }
    }
    if (best == NULL) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "no PostgreSQL server found in %s (install the postgresql package, or "
                    "configure where its programs are)",
                    root);
    }
    return g_steal_pointer(&best);
}

/* The environment for PostgreSQL's programs: ours without PG* variables. (transfer full) */
static char **db_cluster_environ(void)
{
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

    for (guint i = 0; env[i] != NULL; i++) {
        if (!g_str_has_prefix(env[i], "PG"))
            g_strv_builder_add(builder, env[i]);
    }
    return g_strv_builder_end(builder);
}

/* The last lines of a program's output or a log, at most DB_CLUSTER_STDERR_MAX bytes, on one
 * line with "; " between lines. (transfer full) */
static char *db_cluster_tail(const char *text)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;
    gsize len = text != NULL ? strlen(text) : 0;
    const char *start = text;

    if (text == NULL)
        return g_strdup("");
    if (len > DB_CLUSTER_STDERR_MAX) {
        start = text + len - DB_CLUSTER_STDERR_MAX;
        const char *nl = strchr(start, '\n');
        if (nl != NULL)
            start = nl + 1;
    }
    lines = g_strsplit(start, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *line = g_strstrip(lines[i]);
        if (*line == '\0')
            continue;
        if (out->len > 0)
            g_string_append(out, "; ");
        g_string_append(out, line);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Runs one of PostgreSQL's programs (as run_as when set) and waits for it. FALSE with
 * DB_ERROR_CLUSTER only when it could not be run at all; *exit_code receives its exit status
 * (-1 when killed by a signal) and *stderr_text (may be NULL) what it wrote on stderr. */
static gboolean db_cluster_spawn(DbCluster *cluster, const char *program, const char *const *args,
                                 int *exit_code, char **stderr_text, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) envp = db_cluster_environ();
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) local = NULL;
    int wait_status = 0;

    if (cluster->run_as != NULL) {
        g_ptr_array_add(argv, g_strdup(cluster->runuser));
        g_ptr_array_add(argv, g_strdup("-u"));
        g_ptr_array_add(argv, g_strdup(cluster->run_as));
        g_ptr_array_add(argv, g_strdup("--"));
    }
    g_ptr_array_add(argv, g_build_filename(cluster->bindir, program, NULL));
    for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, NULL);

    if (!g_spawn_sync("/", (char **)argv->pdata, envp, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                      &out, &err, &wait_status, &local)) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "database cluster: cannot run %s: %s",
                    program, local->message);
        return FALSE;
    }
    if (WIFEXITED(wait_status))
        *exit_code = WEXITSTATUS(wait_status);
    else
        *exit_code = -1;
    if (stderr_text != NULL)
        *stderr_text = g_steal_pointer(&err);
    return TRUE;
}

/* Runs a program that must succeed; on failure the error names it and carries its stderr. */
static gboolean db_cluster_run(DbCluster *cluster, const char *what, const char *program,
                               const char *const *args, GError **error)
{
    g_autofree char *err = NULL;
    int code = 0;

    if (!db_cluster_spawn(cluster, program, args, &code, &err, error))
        return FALSE;
    if (code != 0) {
        g_autofree char *tail = db_cluster_tail(err);
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: %s failed (%s exit %d): %s", what, program, code,
                    *tail != '\0' ? tail : "no message");
        return FALSE;
    }
    return TRUE;
}

/* Whether run_as may enter a directory with this stat. */
static gboolean db_cluster_can_enter(const DbCluster *cluster, const struct stat *st)
{
    gid_t groups[256];
    int n_groups = G_N_ELEMENTS(groups);

    if (st->st_uid == cluster->run_uid)
        return (st->st_mode & S_IXUSR) != 0;
    if (getgrouplist(cluster->run_as, cluster->run_gid, groups, &n_groups) < 0) {
        groups[0] = cluster->run_gid;
        n_groups = 1;
    }
    for (int i = 0; i < n_groups; i++) {
        if (st->st_gid == groups[i])
            return (st->st_mode & S_IXGRP) != 0;
    }
    return (st->st_mode & S_IXOTH) != 0;
}

/* When running as root, before anything is created: every existing parent of the state
 * directory must let run_as through. */
static gboolean db_cluster_check_parents(DbCluster *cluster, GError **error)
{
    g_autofree char *dir = NULL;
    struct stat st;

    if (cluster->run_as == NULL)
        return TRUE;
    dir = g_path_get_dirname(cluster->state_dir);
    for (;;) {
        if (g_stat(dir, &st) == 0 && !db_cluster_can_enter(cluster, &st)) {
            g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                        "database cluster: PostgreSQL runs as %s, which cannot enter %s (mode "
                        "%04o): choose a state directory outside it",
                        cluster->run_as, dir, (unsigned)(st.st_mode & 07777));
            return FALSE;
        }
        if (strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0)
            break;
        char *parent = g_path_get_dirname(dir);
        g_free(dir);
        dir = parent;
    }
    return TRUE;
}

/* Creates the state directory (and its parents) if needed; when running as root, makes it
 * traversable for run_as (0711: it may enter, not list). */
static gboolean db_cluster_make_state_dir(DbCluster *cluster, GError **error)
{
    struct stat st;

    if (g_mkdir_with_parents(cluster->state_dir, cluster->run_as != NULL ? 0711 : 0700) != 0 ||
        g_stat(cluster->state_dir, &st) != 0) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "database cluster: cannot create %s: %s",
                    cluster->state_dir, g_strerror(errno));
        return FALSE;
    }
    if (cluster->run_as == NULL || db_cluster_can_enter(cluster, &st))
        return TRUE;
    mode_t mode = (st.st_mode & 07777) | S_IXGRP | S_IXOTH;
    if (g_chmod(cluster->state_dir, mode) != 0) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: cannot make %s traversable for %s: %s", cluster->state_dir,
                    cluster->run_as, g_strerror(errno));
        return FALSE;
    }
    g_message("database cluster: made %s traversable for %s (mode %04o)", cluster->state_dir,
              cluster->run_as, (unsigned)mode);
    return TRUE;
}

/* Creates a directory the cluster owns (mode 0700), or fixes the mode and owner of an existing
 * one when may_chown. */
static gboolean db_cluster_make_dir(DbCluster *cluster, const char *path, gboolean may_chown,
                                    GError **error)
{
    if (g_mkdir(path, 0700) != 0 && errno != EEXIST) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "database cluster: cannot create %s: %s",
                    path, g_strerror(errno));
        return FALSE;
    }
    if (!may_chown)
        return TRUE;
    if (g_chmod(path, 0700) != 0 ||
        (cluster->run_as != NULL && chown(path, cluster->run_uid, cluster->run_gid) != 0)) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "database cluster: cannot give %s to %s: %s",
                    path, cluster->run_as != NULL ? cluster->run_as : "phonghop",
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* Writes a file of the cluster (mode 0600, owned by run_as). */
static gboolean db_cluster_write_file(DbCluster *cluster, const char *path, const char *contents,
                                      GError **error)
{
    g_autoptr(GError) local = NULL;

    if (!g_file_set_contents_full(path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                  &local) ||
        (cluster->run_as != NULL && chown(path, cluster->run_uid, cluster->run_gid) != 0)) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "database cluster: cannot write %s: %s",
                    path, local != NULL ? local->message : g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* A value for postgresql.conf, single-quoted. (transfer full) */
static char *db_cluster_conf_quote(const char *value)
{
    g_auto(GStrv) parts = g_strsplit(value, "'", -1);
    g_autofree char *joined = g_strjoinv("''", parts);
    return g_strdup_printf("'%s'", joined);
}

/* Writes phonghop.conf and makes sure postgresql.conf includes it. */
static gboolean db_cluster_configure(DbCluster *cluster, GError **error)
{
    static const char include_line[] = "include_if_exists 'phonghop.conf'";
    g_autofree char *main_conf = g_build_filename(cluster->data_dir, "postgresql.conf", NULL);
    g_autofree char *our_conf = g_build_filename(cluster->data_dir, "phonghop.conf", NULL);
    g_autofree char *socket_dir = db_cluster_conf_quote(cluster->socket_dir);
    g_autofree char *contents = NULL;
    g_autofree char *settings = NULL;
    g_autoptr(GError) local = NULL;

    settings = g_strdup_printf(
        "# Written by phonghop at every start of its embedded cluster: edits here are lost.\n"
        "listen_addresses = ''\n"
        "port = %d\n"
        "unix_socket_directories = %s\n"
        "unix_socket_permissions = 0700\n"
        "logging_collector = on\n"
        "log_directory = 'log'\n"
        "log_filename = 'postgresql-%%a.log'\n"
        "log_truncate_on_rotation = on\n"
        "log_rotation_age = 1d\n"
        "log_rotation_size = 0\n"
        "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n",
        DB_CLUSTER_PORT, socket_dir);
    if (!db_cluster_write_file(cluster, our_conf, settings, error))
        return FALSE;

    if (!g_file_get_contents(main_conf, &contents, NULL, &local)) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "database cluster: %s", local->message);
        return FALSE;
    }
    if (strstr(contents, include_line) == NULL) {
        g_autofree char *updated = g_strdup_printf(
            "%s\n# phonghop: the settings of the embedded cluster\n%s\n", contents, include_line);
        if (!db_cluster_write_file(cluster, main_conf, updated, error))
            return FALSE;
    }
    return TRUE;
}

/* Whether the cluster is running: pg_ctl status exits 0 when it is, 3 when it is not. */
static gboolean db_cluster_is_running(DbCluster *cluster, gboolean *running, GError **error)
{
    const char *args[] = {"status", "-D", cluster->data_dir, NULL};
    g_autofree char *err = NULL;
    int code = 0;

    if (!db_cluster_spawn(cluster, "pg_ctl", args, &code, &err, error))
        return FALSE;
    if (code != 0 && code != 3) {
        g_autofree char *tail = db_cluster_tail(err);
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: pg_ctl status failed (exit %d): %s", code, tail);
        return FALSE;
    }
    *running = code == 0;
    return TRUE;
}

static gboolean db_cluster_launch(DbCluster *cluster, GError **error)
{
    g_autofree char *log_file = g_build_filename(cluster->log_dir, "startup.log", NULL);
    const char *args[] = {"start",
                          "-D",
                          cluster->data_dir,
                          "-l",
                          log_file,
                          "-w",
                          "-t",
                          G_STRINGIFY(DB_CLUSTER_WAIT_S),
                          "-s",
                          NULL};
    g_autofree char *err = NULL;
    g_autofree char *log = NULL;
    gsize log_len = 0;
    gsize log_before = 0;
    gboolean running = FALSE;
    struct stat st;
    int code = 0;

    /* startup.log grows at every start: only what this attempt adds explains a failure */
    if (g_stat(log_file, &st) == 0)
        log_before = (gsize)st.st_size;
    if (!db_cluster_spawn(cluster, "pg_ctl", args, &code, &err, error))
        return FALSE;
    if (code == 0)
        return TRUE;
    /* Another phonghop may have started it at the same moment: then it is ours to use too. */
    if (db_cluster_is_running(cluster, &running, NULL) && running)
        return TRUE;

    g_autofree char *err_tail = db_cluster_tail(err);
    g_autofree char *log_tail = NULL;
    if (g_file_get_contents(log_file, &log, &log_len, NULL) && log_len > log_before)
        log_tail = db_cluster_tail(log + log_before);
    if (log_tail != NULL && *log_tail != '\0') {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: PostgreSQL did not start (pg_ctl exit %d): %s (from %s)",
                    code, log_tail, log_file);
    } else {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: PostgreSQL did not start (pg_ctl exit %d): %s", code,
                    *err_tail != '\0' ? err_tail : "no message");
    }
    return FALSE;
}

/* Waits until the server accepts connections, then creates the database if it is missing. */
static gboolean db_cluster_create_database(DbCluster *cluster, GError **error)
{
    g_autofree char *host = db_conninfo_quote(cluster->socket_dir);
    g_autofree char *admin = g_strdup_printf("host=%s port=%d dbname=postgres user=%s", host,
                                             DB_CLUSTER_PORT, DB_CLUSTER_DB_USER);
    g_autoptr(DbConn) conn = NULL;
    g_autoptr(DbRows) rows = NULL;
    g_autoptr(GError) local = NULL;
    const char *params[] = {DB_CLUSTER_DB_NAME};
    gint64 deadline = g_get_monotonic_time() + DB_CLUSTER_WAIT_S * G_USEC_PER_SEC;

    while (PQping(admin) != PQPING_OK && g_get_monotonic_time() < deadline)
        g_usleep(50 * 1000);
    conn = db_conn_open(admin, &local);
    if (conn == NULL)
        goto failed;
    rows = db_conn_exec(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, params, &local);
    if (rows == NULL)
        goto failed;
    if (db_rows_count(rows) == 0) {
        g_message("database cluster: creating the database %s", DB_CLUSTER_DB_NAME);
        if (!db_conn_run_script(conn, "CREATE DATABASE " DB_CLUSTER_DB_NAME, &local) &&
            !db_error_matches_sqlstate(local, "42P04")) /* created meanwhile by another */
            goto failed;
    }
    return TRUE;
failed:
    g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                "database cluster: the server in %s does not accept connections: %s",
                cluster->data_dir, local->message);
    return FALSE;
}

void db_cluster_free(DbCluster *cluster)
{
    if (cluster == NULL)
        return;
    g_free(cluster->state_dir);
    g_free(cluster->data_dir);
    g_free(cluster->socket_dir);
    g_free(cluster->log_dir);
    g_free(cluster->bindir);
    g_free(cluster->run_as);
    g_free(cluster->runuser);
    g_free(cluster->conninfo);
    g_free(cluster);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DbCluster, db_cluster_free)

/* Fills in who runs PostgreSQL. */
static gboolean db_cluster_set_account(DbCluster *cluster, const DbClusterOptions *options,
                                       GError **error)
{
    struct passwd pw, *found = NULL;
    char buffer[4096];

    if (geteuid() != 0)
        return TRUE;

    const char *run_as = options->run_as != NULL ? options->run_as : DB_CLUSTER_DEFAULT_RUN_AS;
    int rc = getpwnam_r(run_as, &pw, buffer, sizeof buffer, &found);
    if (found == NULL) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: phonghop runs as root, PostgreSQL refuses root, and the "
                    "account %s that should run it %s (deploy/install-deps creates it)",
                    run_as, rc != 0 ? g_strerror(rc) : "does not exist");
        return FALSE;
    }
    if (pw.pw_uid == 0) {
        g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                    "database cluster: PostgreSQL refuses root: run it as another account than %s",
                    run_as);
        return FALSE;
    }
    cluster->runuser = g_find_program_in_path("runuser");
    if (cluster->runuser == NULL && g_file_test("/usr/sbin/runuser", G_FILE_TEST_IS_EXECUTABLE))
        cluster->runuser = g_strdup("/usr/sbin/runuser");
    if (cluster->runuser == NULL && g_file_test("/sbin/runuser", G_FILE_TEST_IS_EXECUTABLE))
        cluster->runuser = g_strdup("/sbin/runuser");
    if (cluster->runuser == NULL) {
        g_set_error_literal(error, DB_ERROR, DB_ERROR_CLUSTER,
                            "database cluster: runuser (util-linux) is needed to run PostgreSQL "
                            "as another account, and it is not installed");
        return FALSE;
    }
    cluster->run_as = g_strdup(run_as);
    cluster->run_uid = pw.pw_uid;
    cluster->run_gid = pw.pw_gid;
    return TRUE;
}

/* Creates the cluster when pgdata has none yet. */
static gboolean db_cluster_init(DbCluster *cluster, GError **error)
{
    g_autofree char *version_file = g_build_filename(cluster->data_dir, "PG_VERSION", NULL);
    const char *args[] = {"-D",   cluster->data_dir,  "-E",
                          "UTF8", "--locale=C.UTF-8", "--auth=trust",
                          "-U",   DB_CLUSTER_DB_USER, "--no-instructions",
                          NULL};
    struct stat st;

    if (g_file_test(version_file, G_FILE_TEST_EXISTS)) {
        if (cluster->run_as != NULL && g_stat(cluster->data_dir, &st) == 0 &&
            st.st_uid != cluster->run_uid) {
            g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                        "database cluster: %s belongs to uid %u but PostgreSQL runs as %s (uid "
                        "%u): chown -R %s %s",
                        cluster->data_dir, (unsigned)st.st_uid, cluster->run_as,
                        (unsigned)cluster->run_uid, cluster->run_as, cluster->data_dir);
            return FALSE;
        }
        return db_cluster_make_dir(cluster, cluster->log_dir, TRUE, error);
    }

    g_message("database cluster: creating a new PostgreSQL cluster in %s", cluster->data_dir);
    if (!db_cluster_make_dir(cluster, cluster->data_dir, TRUE, error) ||
        !db_cluster_run(cluster, "creating the cluster", "initdb", args, error))
        return FALSE;
    return db_cluster_make_dir(cluster, cluster->log_dir, TRUE, error);
}

DbCluster *db_cluster_start(const DbClusterOptions *options, GError **error)
{
    g_autoptr(DbCluster) cluster = NULL;
    gboolean running = FALSE;

    g_return_val_if_fail(options != NULL, NULL);
    g_return_val_if_fail(options->state_dir != NULL && *options->state_dir != '\0', NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    cluster = g_new0(DbCluster, 1);
    cluster->state_dir = g_canonicalize_filename(options->state_dir, NULL);
    cluster->data_dir = g_build_filename(cluster->state_dir, "pgdata", NULL);
    cluster->socket_dir = g_build_filename(cluster->state_dir, "pgsocket", NULL);
    cluster->log_dir = g_build_filename(cluster->data_dir, "log", NULL);
    if (!db_cluster_check_socket_dir(cluster->socket_dir, error))
        return NULL;

    if (options->bindir != NULL) {
        cluster->bindir = g_strdup(options->bindir);
        g_autofree char *initdb = g_build_filename(cluster->bindir, "initdb", NULL);
        if (!g_file_test(initdb, G_FILE_TEST_IS_EXECUTABLE)) {
            g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER,
                        "database cluster: %s has no PostgreSQL programs (no initdb)",
                        cluster->bindir);
            return NULL;
        }
    } else {
        cluster->bindir = db_cluster_find_bindir(DB_CLUSTER_DEFAULT_ROOT, error);
        if (cluster->bindir == NULL)
            return NULL;
    }
    if (!db_cluster_set_account(cluster, options, error))
        return NULL;

    if (!db_cluster_check_parents(cluster, error) || !db_cluster_make_state_dir(cluster, error) ||
        !db_cluster_make_dir(cluster, cluster->socket_dir, TRUE, error) ||
        !db_cluster_init(cluster, error) || !db_cluster_is_running(cluster, &running, error))
        return NULL;

    if (running) {
        g_message("database cluster: reusing the PostgreSQL already running in %s",
                  cluster->data_dir);
    } else {
        if (!db_cluster_configure(cluster, error) || !db_cluster_launch(cluster, error))
            return NULL;
    }

    g_autofree char *host = db_conninfo_quote(cluster->socket_dir);
    cluster->conninfo = g_strdup_printf("host=%s port=%d dbname=%s user=%s", host, DB_CLUSTER_PORT,
                                        DB_CLUSTER_DB_NAME, DB_CLUSTER_DB_USER);
    if (!db_cluster_create_database(cluster, error))
        return NULL;
    return g_steal_pointer(&cluster);
}

const char *db_cluster_get_conninfo(DbCluster *cluster)
{
    g_return_val_if_fail(cluster != NULL, NULL);
    return cluster->conninfo;
}

void db_cluster_stop(DbCluster *cluster)
{
    g_autoptr(GError) error = NULL;
    const char *args[] = {"stop",
                          "-D",
                          cluster != NULL ? cluster->data_dir : NULL,
                          "-m",
                          "fast",
                          "-w",
                          "-t",
                          G_STRINGIFY(DB_CLUSTER_WAIT_S),
                          "-s",
                          NULL};
    gboolean running = FALSE;

    if (cluster == NULL)
        return;
    if (!db_cluster_is_running(cluster, &running, &error)) {
        g_warning("%s", error->message);
    } else if (!running) {
        g_message("database cluster: PostgreSQL in %s was already stopped", cluster->data_dir);
    } else if (!db_cluster_run(cluster, "stopping PostgreSQL", "pg_ctl", args, &error)) {
        g_warning("%s", error->message);
    }
    db_cluster_free(cluster);
}
