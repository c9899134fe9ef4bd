/* db-migrate.c: applies the schema migrations compiled into the binary.
 *
 * The migrations are schema/NNNN-name.sql, compiled in as a GResource under /phonghop/schema/,
 * so a binary always knows the newest schema it understands and needs no files at run time.
 * db_migrate() takes a session-level advisory lock (one fixed key, so several nodes starting at
 * once migrate one after the other), makes sure schema_migrations exists, refuses a database
 * whose newest recorded version is beyond what the binary knows, and applies every known version
 * that is not recorded, in order, each in its own transaction together with its
 * schema_migrations row: a migration is applied entirely or not at all. Errors name the file.
 *
 * Threads: db_migrate() runs on the thread that owns the connection (start-up, or
 * phonghop-admin); the list functions only read registered resources and may run anywhere.
 */
#include "db-private.h"

#include <gio/gio.h>
#include <string.h>

void db_migration_free(DbMigration *migration)
{
    if (migration == NULL)
        return;
    g_free(migration->name);
    g_free(migration->path);
    g_free(migration);
}

gboolean db_migration_parse_name(const char *file_name, guint *version, GError **error)
{
    gsize len = file_name != NULL ? strlen(file_name) : 0;
    guint64 number = 0;

    g_return_val_if_fail(file_name != NULL, FALSE);

    /* "NNNN-" + at least one character + ".sql" */
    if (len < 10 || !g_str_has_suffix(file_name, ".sql") || file_name[4] != '-')
        goto bad;
    for (guint i = 0; i < 4; i++) {
        if (!g_ascii_isdigit(file_name[i]))
            goto bad;
    }
    for (gsize i = 5; i < len - 4; i++) {
        char c = file_name[i];
        if (!(g_ascii_islower(c) || g_ascii_isdigit(c) || c == '-' || c == '_'))
            goto bad;
    }
    number = g_ascii_strtoull(file_name, NULL, 10);
    if (number == 0)
        goto bad;
    if (version != NULL)
        *version = (guint)number;
    return TRUE;
bad:
    g_set_error(error, DB_ERROR, DB_ERROR_SCHEMA,
                "migration file name \"%s\" is not NNNN-name.sql (NNNN from 0001; name of a-z, "
                "0-9, '-' and '_')",
                file_name);
    return FALSE;
}

static int db_compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *db_migrations_list(GError **error)
{
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) names = NULL;
    g_autoptr(GPtrArray) list = NULL;
    GPtrArray *result = NULL;

    (void)phonghop_schema_get_resource();

    names = g_resources_enumerate_children(DB_SCHEMA_RESOURCE_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                           &local);
    if (names == NULL) {
        g_set_error(error, DB_ERROR, DB_ERROR_SCHEMA,
                    "no migrations are compiled into this phonghop (%s): %s",
                    DB_SCHEMA_RESOURCE_PATH, local->message);
        goto out;
    }
    qsort(names, g_strv_length(names), sizeof(char *), db_compare_strings);

    list = g_ptr_array_new_with_free_func((GDestroyNotify)db_migration_free);
    for (guint i = 0; names[i] != NULL; i++) {
        guint version = 0;

        if (g_str_has_suffix(names[i], "/"))
            continue; /* a folder: not ours */
        if (!db_migration_parse_name(names[i], &version, error))
            goto out;
        if (list->len > 0) {
            const DbMigration *prev = g_ptr_array_index(list, list->len - 1);
            if (prev->version == version) {
                g_set_error(error, DB_ERROR, DB_ERROR_SCHEMA,
                            "two migrations have version %04u: %s.sql and %s", version, prev->name,
                            names[i]);
                goto out;
            }
        }
        DbMigration *migration = g_new0(DbMigration, 1);
        migration->version = version;
        migration->name = g_strndup(names[i], strlen(names[i]) - strlen(".sql"));
        migration->path = g_strconcat(DB_SCHEMA_RESOURCE_PATH, names[i], NULL);
        g_ptr_array_add(list, migration);
    }
    if (list->len == 0) {
        g_set_error(error, DB_ERROR, DB_ERROR_SCHEMA,
                    "no migrations are compiled into this phonghop (%s is empty)",
                    DB_SCHEMA_RESOURCE_PATH);
        goto out;
    }
    result = g_steal_pointer(&list);
out:
    return result;
}

guint db_schema_version_known(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = db_migrations_list(&error);

    if (list == NULL) {
        g_critical("%s", error->message);
        return 0;
    }
    const DbMigration *last = g_ptr_array_index(list, list->len - 1);
    return last->version;
}

/* Applies one migration in its own transaction. */
static gboolean db_migrate_apply(DbConn *conn, const DbMigration *migration, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *script = NULL;
    g_autofree char *version = g_strdup_printf("%u", migration->version);
    const char *params[] = {version, migration->name};
    gboolean ok = FALSE;

    bytes = g_resources_lookup_data(migration->path, G_RESOURCE_LOOKUP_FLAGS_NONE, &local);
    if (bytes == NULL) {
        g_set_error(error, DB_ERROR, DB_ERROR_SCHEMA, "migration %s.sql: %s", migration->name,
                    local->message);
        goto out;
    }
    gsize size = 0;
    const char *data = g_bytes_get_data(bytes, &size);
    script = g_strndup(data, size);

    g_message("database: applying migration %s.sql", migration->name);
    if (!db_conn_begin(conn, &local) || !db_conn_run_script(conn, script, &local) ||
        !db_conn_run(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                     params, &local) ||
        !db_conn_commit(conn, &local)) {
        db_conn_rollback(conn);
        /* A lost connection stays UNAVAILABLE (try again later); anything else is the
         * migration's fault. */
        g_set_error(error, DB_ERROR,
                    local->code == DB_ERROR_UNAVAILABLE ? DB_ERROR_UNAVAILABLE : DB_ERROR_SCHEMA,
                    "migration %s.sql failed: %s", migration->name, local->message);
        goto out;
    }
    ok = TRUE;
out:
    return ok;
}

gboolean db_migrate(DbConn *conn, guint *applied, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GPtrArray) migrations = NULL;
    g_autoptr(DbRows) rows = NULL;
    g_autoptr(GHashTable) recorded = NULL;
    g_autofree char *lock_key = g_strdup_printf("%" G_GINT64_FORMAT, DB_MIGRATE_LOCK_KEY);
    const char *lock_params[] = {lock_key};
    gboolean locked = FALSE;
    gboolean ok = FALSE;
    guint n_applied = 0;

    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    g_return_val_if_fail(PQtransactionStatus(db_conn_get_pg(conn)) == PQTRANS_IDLE, FALSE);

    migrations = db_migrations_list(error);
    if (migrations == NULL)
        goto out;
    const DbMigration *newest = g_ptr_array_index(migrations, migrations->len - 1);

    if (!db_conn_run(conn, "SELECT pg_advisory_lock($1::bigint)", 1, lock_params, error))
        goto out;
    locked = TRUE;

    if (!db_conn_run(conn,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version integer PRIMARY KEY,"
                     " name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     0, NULL, error))
        goto out;
    rows = db_conn_exec(conn, "SELECT version, name FROM schema_migrations ORDER BY version", 0,
                        NULL, error);
    if (rows == NULL)
        goto out;

    recorded = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < db_rows_count(rows); i++)
        g_hash_table_add(recorded, GUINT_TO_POINTER((guint)db_rows_get_int64(rows, i, 0)));
    if (db_rows_count(rows) > 0) {
        guint last = db_rows_count(rows) - 1;
        gint64 db_version = db_rows_get_int64(rows, last, 0);
        if (db_version > (gint64)newest->version) {
            g_set_error(error, DB_ERROR, DB_ERROR_SCHEMA,
                        "the database schema is at version %" G_GINT64_FORMAT
                        " (%s) but this phonghop knows up to %u (%s): upgrade phonghop",
                        db_version, db_rows_get(rows, last, 1), newest->version, newest->name);
            goto out;
        }
    }

    for (guint i = 0; i < migrations->len; i++) {
        const DbMigration *migration = g_ptr_array_index(migrations, i);
        if (g_hash_table_contains(recorded, GUINT_TO_POINTER(migration->version)))
            continue;
        if (!db_migrate_apply(conn, migration, error))
            goto out;
        n_applied++;
    }
    ok = TRUE;
out:
    if (locked && db_conn_is_ok(conn) &&
        !db_conn_run(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, lock_params, &local)) {
        /* The lock goes with the session anyway; say so, but the migrations stand. */
        g_warning("database: could not release the migration lock: %s", local->message);
    }
    if (applied != NULL)
        *applied = n_applied;
    return ok;
}
