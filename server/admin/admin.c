/* admin.c: phonghop-admin, the operator's command line.
 *
 *   phonghop-admin [--config PATH] COMMAND [OPTIONS]
 *
 * It reads the same configuration as the daemon, so it reaches the same database: the configured
 * URL, or the embedded cluster under the state directory (started for the command and stopped
 * again if the daemon is not running it). Every command runs in one transaction: it either does
 * all it says or nothing. Exit status: 0 done, 1 failed, 2 wrong usage.
 */
#include "admin.h"

#include "auth/auth.h"
#include "config.h"
#include "db.h"
#include "phonghop-build.h"
#include "roster-csv.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct Admin {
    PhConfig *config;
    DbCluster *cluster;
    gboolean cluster_was_running;
    DbConn *conn;
};

static const char usage[] =
    "Usage: phonghop-admin [--config PATH] COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  migrate                          apply database migrations\n"
    "  create-body --name N --kind council|committee --level province|district|commune\n"
    "              [--parent ID]        create a body; prints its id\n"
    "  create-user --username U --full-name NAME [--title T] [--email E]\n"
    "              [--password P] [--system-admin]\n"
    "                                   create a user (a password is generated and printed\n"
    "                                   when none is given)\n"
    "  grant --username U --body ID --role admin|secretariat|chair|member|guest\n"
    "                                   give a user a role in a body\n"
    "  reset-password --username U [--password P]\n"
    "                                   set a new password; signs the user out everywhere\n"
    "  import-roster --body ID FILE.csv import users and roles from CSV (UTF-8; columns\n"
    "                                   username, full_name, role and optionally title,\n"
    "                                   email, password); nothing is imported if a row is bad\n"
    "  load-demo [--password P]         load the demo data (fictional councils and people)\n"
    "  verify-journal MEETING           recompute the meeting's journal hash chain; exit 1 naming\n"
    "                                   the first entry that does not hold\n";

static int fail(const char *format, ...) G_GNUC_PRINTF(1, 2);
static int fail(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *m = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_printerr("phonghop-admin: %s\n", m);
    return 1;
}

static gboolean admin_connect(Admin *a, GError **error)
{
    const char *conninfo = a->config->database_url;
    if (!*conninfo) {
        g_autofree char *pid =
            g_build_filename(a->config->state_dir, "pgdata", "postmaster.pid", NULL);
        a->cluster_was_running = g_file_test(pid, G_FILE_TEST_EXISTS);
        if (g_mkdir_with_parents(a->config->state_dir, 0750) != 0) {
            g_set_error(error, DB_ERROR, DB_ERROR_CLUSTER, "cannot create %s: %s",
                        a->config->state_dir, g_strerror(errno));
            return FALSE;
        }
        DbClusterOptions opts = {
            .state_dir = a->config->state_dir,
            .bindir = *a->config->database_pg_bindir ? a->config->database_pg_bindir : NULL,
            .run_as = a->config->database_run_as,
        };
        a->cluster = db_cluster_start(&opts, error);
        if (!a->cluster)
            return FALSE;
        conninfo = db_cluster_get_conninfo(a->cluster);
    }
    a->conn = db_conn_open(conninfo, error);
    if (!a->conn)
        return FALSE;
    return db_migrate(a->conn, NULL, error);
}

static void admin_close(Admin *a)
{
    g_clear_pointer(&a->conn, db_conn_free);
    if (a->cluster) {
        if (a->cluster_was_running)
            db_cluster_free(a->cluster);
        else
            db_cluster_stop(a->cluster);
        a->cluster = NULL;
    }
}

static const char *i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

/* Generates a password that is easy to read aloud: four groups of four letters and digits. */
static char *generate_password(void)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            g_string_append_c(s, '-');
        g_string_append_c(s, alphabet[g_random_int_range(0, (gint32)sizeof(alphabet) - 1)]);
    }
    return g_string_free(s, FALSE);
}

/* Creates a user, or returns the existing one's id when create_only is FALSE. */
static gint64 upsert_user(DbConn *conn, const char *username, const char *full_name,
                          const char *title, const char *email, const char *hash,
                          gboolean system_admin, gboolean create_only, GError **error)
{
    const char *p[] = {username, full_name, title ? title : "",
                       email,    hash,      system_admin ? "t" : "f"};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "INSERT INTO users (username, full_name, title, email, password_hash, is_system_admin) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING id",
        6, p, error);
    if (!r)
        return 0;
    if (db_rows_count(r) == 1)
        return db_rows_get_int64(r, 0, 0);
    if (create_only) {
        g_set_error(error, DB_ERROR, DB_ERROR_CONFLICT, "a user named '%s' already exists",
                    username);
        return 0;
    }
    g_autoptr(DbRows) e =
        db_conn_exec(conn, "SELECT id FROM users WHERE username = $1", 1, p, error);
    return e && db_rows_count(e) == 1 ? db_rows_get_int64(e, 0, 0) : 0;
}

static gboolean grant_roles(DbConn *conn, gint64 body_id, gint64 user_id, guint roles,
                            GError **error)
{
    char b[24], u[24];
    for (guint bit = 1; bit <= AUTH_ROLE_GUEST; bit <<= 1) {
        if (!(roles & bit))
            continue;
        const char *p[] = {i64(b, body_id), i64(u, user_id), auth_role_name((AuthRole)bit)};
        if (!db_conn_run(conn,
                         "INSERT INTO memberships (body_id, user_id, role) VALUES ($1, $2, $3) "
                         "ON CONFLICT DO NOTHING",
                         3, p, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean body_exists(DbConn *conn, gint64 id, GError **error)
{
    char b[24];
    const char *p[] = {i64(b, id)};
    g_autoptr(DbRows) r = db_conn_exec(conn, "SELECT 1 FROM bodies WHERE id = $1", 1, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        g_set_error(error, DB_ERROR, DB_ERROR_QUERY, "no body %" G_GINT64_FORMAT, id);
        return FALSE;
    }
    return TRUE;
}

/* ---- commands ---- */

static int cmd_migrate(Admin *a, int argc, char **argv)
{
    /* admin_connect already migrated; say where the schema stands. */
    printf("database schema at version %u\n", db_schema_version_known());
    return 0;
}

static int cmd_create_body(Admin *a, int argc, char **argv)
{
    g_autofree char *name = NULL, *kind = NULL, *level = NULL;
    gint64 parent = 0;
    GOptionEntry e[] = {
        {"name", 0, 0, G_OPTION_ARG_STRING, &name, "Name", "N"},
        {"kind", 0, 0, G_OPTION_ARG_STRING, &kind, "council or committee", "K"},
        {"level", 0, 0, G_OPTION_ARG_STRING, &level, "province, district or commune", "L"},
        {"parent", 0, 0, G_OPTION_ARG_INT64, &parent, "Parent body id", "ID"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("");
    g_option_context_add_main_entries(oc, e, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error))
        return fail("create-body: %s", error->message), 2;
    if (!name || !kind || !level)
        return fail("create-body: --name, --kind and --level are required"), 2;
    if (!g_str_equal(kind, "council") && !g_str_equal(kind, "committee"))
        return fail("create-body: --kind must be council or committee, got '%s'", kind), 2;
    if (!g_str_equal(level, "province") && !g_str_equal(level, "district") &&
        !g_str_equal(level, "commune"))
        return fail("create-body: --level must be province, district or commune, got '%s'", level),
               2;
    char pid[24];
    const char *p[] = {name, kind, level, parent > 0 ? i64(pid, parent) : NULL};
    g_autoptr(DbRows) r = db_conn_exec(a->conn,
                                       "INSERT INTO bodies (name, kind, level, parent_id) "
                                       "VALUES ($1, $2, $3, $4) RETURNING id",
                                       4, p, &error);
    if (!r)
        return fail("create-body: %s", error->message);
    printf("%s\n", db_rows_get(r, 0, 0));
    return 0;
}

static int cmd_create_user(Admin *a, int argc, char **argv)
{
    g_autofree char *username = NULL, *full_name = NULL, *title = NULL, *email = NULL,
                    *password = NULL;
    gboolean sysadmin = FALSE;
    GOptionEntry e[] = {
        {"username", 0, 0, G_OPTION_ARG_STRING, &username, "User name", "U"},
        {"full-name", 0, 0, G_OPTION_ARG_STRING, &full_name, "Full name", "NAME"},
        {"title", 0, 0, G_OPTION_ARG_STRING, &title, "Title (chức vụ)", "T"},
        {"email", 0, 0, G_OPTION_ARG_STRING, &email, "E-mail", "E"},
        {"password", 0, 0, G_OPTION_ARG_STRING, &password, "Password", "P"},
        {"system-admin", 0, 0, G_OPTION_ARG_NONE, &sysadmin, "System administrator", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("");
    g_option_context_add_main_entries(oc, e, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error))
        return fail("create-user: %s", error->message), 2;
    if (!username || !full_name)
        return fail("create-user: --username and --full-name are required"), 2;
    g_autofree char *lower = g_ascii_strdown(username, -1);
    gboolean generated = !password;
    if (generated)
        password = generate_password();
    g_autofree char *hash = auth_password_hash(password, &error);
    if (!hash)
        return fail("create-user: %s", error->message);
    gint64 id = upsert_user(a->conn, lower, full_name, title, email, hash, sysadmin, TRUE, &error);
    if (!id)
        return fail("create-user: %s", error->message);
    printf("user %s created (id %" G_GINT64_FORMAT ")\n", lower, id);
    if (generated)
        printf("password: %s\n", password);
    return 0;
}

static int cmd_grant(Admin *a, int argc, char **argv)
{
    g_autofree char *username = NULL, *role = NULL;
    gint64 body = 0;
    GOptionEntry e[] = {
        {"username", 0, 0, G_OPTION_ARG_STRING, &username, "User name", "U"},
        {"body", 0, 0, G_OPTION_ARG_INT64, &body, "Body id", "ID"},
        {"role", 0, 0, G_OPTION_ARG_STRING, &role, "Role", "ROLE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("");
    g_option_context_add_main_entries(oc, e, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error))
        return fail("grant: %s", error->message), 2;
    if (!username || !role || body <= 0)
        return fail("grant: --username, --body and --role are required"), 2;
    AuthRole r = auth_role_from_name(role);
    if (!r)
        return fail("grant: --role must be admin, secretariat, chair, member or guest"), 2;
    if (!body_exists(a->conn, body, &error))
        return fail("grant: %s", error->message);
    const char *p[] = {username};
    g_autoptr(DbRows) u =
        db_conn_exec(a->conn, "SELECT id FROM users WHERE username = $1", 1, p, &error);
    if (!u)
        return fail("grant: %s", error->message);
    if (!db_rows_count(u))
        return fail("grant: no user '%s'", username);
    if (!grant_roles(a->conn, body, db_rows_get_int64(u, 0, 0), r, &error))
        return fail("grant: %s", error->message);
    printf("%s is now %s in body %" G_GINT64_FORMAT "\n", username, role, body);
    return 0;
}

static int cmd_reset_password(Admin *a, int argc, char **argv)
{
    g_autofree char *username = NULL, *password = NULL;
    GOptionEntry e[] = {
        {"username", 0, 0, G_OPTION_ARG_STRING, &username, "User name", "U"},
        {"password", 0, 0, G_OPTION_ARG_STRING, &password, "New password", "P"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("");
    g_option_context_add_main_entries(oc, e, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error))
        return fail("reset-password: %s", error->message), 2;
    if (!username)
        return fail("reset-password: --username is required"), 2;
    gboolean generated = !password;
    if (generated)
        password = generate_password();
    g_autofree char *hash = auth_password_hash(password, &error);
    if (!hash)
        return fail("reset-password: %s", error->message);
    g_autofree char *key = g_strconcat("user:", username, NULL);
    const char *p[] = {username, hash, key};
    g_autoptr(DbRows) r = db_conn_exec(
        a->conn, "UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING id", 2, p,
        &error);
    if (!r)
        return fail("reset-password: %s", error->message);
    if (!db_rows_count(r))
        return fail("reset-password: no user '%s'", username);
    const char *q[] = {db_rows_get(r, 0, 0), key};
    if (!db_conn_run(a->conn, "DELETE FROM sessions WHERE user_id = $1", 1, q, &error) ||
        !db_conn_run(a->conn, "DELETE FROM login_throttle WHERE key = $1", 1, &q[1], &error))
        return fail("reset-password: %s", error->message);
    printf("password of %s reset; existing sessions ended\n", username);
    if (generated)
        printf("password: %s\n", password);
    return 0;
}

static int cmd_import_roster(Admin *a, int argc, char **argv)
{
    gint64 body = 0;
    GOptionEntry e[] = {
        {"body", 0, 0, G_OPTION_ARG_INT64, &body, "Body id", "ID"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("FILE.csv");
    g_option_context_add_main_entries(oc, e, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error))
        return fail("import-roster: %s", error->message), 2;
    if (body <= 0 || argc != 2)
        return fail("import-roster: usage: import-roster --body ID FILE.csv"), 2;
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(argv[1], &text, &len, &error))
        return fail("import-roster: %s", error->message);
    g_autoptr(GPtrArray) entries = roster_parse(text, len, &error);
    if (!entries)
        return fail("import-roster: %s: %s; nothing was imported", argv[1], error->message);
    if (!body_exists(a->conn, body, &error))
        return fail("import-roster: %s; nothing was imported", error->message);
    g_autoptr(GString) generated = g_string_new(NULL);
    guint created = 0;
    for (guint i = 0; i < entries->len; i++) {
        RosterEntry *r = entries->pdata[i];
        g_autofree char *password = r->password ? g_strdup(r->password) : generate_password();
        g_autofree char *hash = auth_password_hash(password, &error);
        if (!hash)
            return fail("import-roster: line %u: %s; nothing was imported", r->line,
                        error->message);
        const char *p[] = {r->username};
        g_autoptr(DbRows) existing =
            db_conn_exec(a->conn, "SELECT id FROM users WHERE username = $1", 1, p, &error);
        if (!existing)
            return fail("import-roster: %s; nothing was imported", error->message);
        gboolean is_new = db_rows_count(existing) == 0;
        gint64 id = upsert_user(a->conn, r->username, r->full_name, r->title, r->email, hash, FALSE,
                                FALSE, &error);
        if (!id || !grant_roles(a->conn, body, id, r->roles, &error))
            return fail("import-roster: line %u: %s; nothing was imported", r->line,
                        error->message);
        if (is_new) {
            created++;
            if (!r->password)
                g_string_append_printf(generated, "%s,%s\n", r->username, password);
        }
    }
    printf("imported %u rows into body %" G_GINT64_FORMAT " (%u new users)\n", entries->len, body,
           created);
    if (generated->len)
        printf("generated passwords (username,password):\n%s", generated->str);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(Admin *a, int argc, char **argv);
} commands[] = {
    {"migrate", cmd_migrate},
    {"create-body", cmd_create_body},
    {"create-user", cmd_create_user},
    {"grant", cmd_grant},
    {"reset-password", cmd_reset_password},
    {"import-roster", cmd_import_roster},
    {"load-demo", admin_cmd_load_demo},
    {"verify-journal", admin_cmd_verify_journal},
};

/* Runs a command inside one transaction, committing only when it succeeded. */
static int run_command(Admin *a, int index, int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    if (!db_conn_begin(a->conn, &error))
        return fail("%s", error->message);
    int rc = commands[index].run(a, argc, argv);
    if (rc != 0) {
        db_conn_rollback(a->conn);
        return rc;
    }
    if (!db_conn_commit(a->conn, &error))
        return fail("%s", error->message);
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    const char *config_path = g_getenv("PHONGHOP_CONFIG");
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if ((g_str_equal(argv[i], "--config") || g_str_equal(argv[i], "-c")) && i + 1 < argc) {
            config_path = argv[i + 1];
            i += 2;
        } else if (g_str_equal(argv[i], "--version")) {
            printf("phonghop-admin %s\n", PHONGHOP_VERSION);
            return 0;
        } else if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        } else {
            g_printerr("phonghop-admin: unknown option %s\n\n%s", argv[i], usage);
            return 2;
        }
    }
    if (i >= argc) {
        g_printerr("%s", usage);
        return 2;
    }
    int index = -1;
    for (guint c = 0; c < G_N_ELEMENTS(commands); c++)
        if (g_str_equal(argv[i], commands[c].name))
            index = (int)c;
    if (index < 0) {
        g_printerr("phonghop-admin: unknown command '%s'\n\n%s", argv[i], usage);
        return 2;
    }
    if (!auth_init())
        return fail("cannot initialise libsodium");
    g_autoptr(GError) error = NULL;
    g_autoptr(PhConfig) config = ph_config_load(config_path, NULL, &error);
    if (!config)
        return fail("configuration: %s", error->message), 2;
    Admin a = {.config = config};
    if (!admin_connect(&a, &error)) {
        admin_close(&a);
        return fail("database: %s", error->message);
    }
    int rc = run_command(&a, index, argc - i, argv + i);
    admin_close(&a);
    return rc;
}

/* Shared with demo.c. */
gint64 admin_upsert_user(DbConn *conn, const char *username, const char *full_name,
                         const char *title, const char *hash, gboolean system_admin, GError **error)
{
    return upsert_user(conn, username, full_name, title, NULL, hash, system_admin, FALSE, error);
}

gboolean admin_grant_roles(DbConn *conn, gint64 body_id, gint64 user_id, guint roles,
                           GError **error)
{
    return grant_roles(conn, body_id, user_id, roles, error);
}

DbConn *admin_get_conn(Admin *a)
{
    return a->conn;
}
