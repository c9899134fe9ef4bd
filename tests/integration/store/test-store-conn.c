/* test-store-conn.c: DbConn and db_migrate() against a real PostgreSQL (a temporary embedded
 * cluster): parameters and NULLs, types, errors with their SQLSTATE and the conflict mapping,
 * transactions, a lost connection, and migrations (applied once, refused when the database is
 * newer, atomic per file, safe when two nodes migrate at once). */
#include "db-private.h"
#include "store-test-cluster.h"

#include <string.h>

/* from broken-migration.gresource.xml, registered only by the test that needs it */
void store_test_broken_register_resource(void);
void store_test_broken_unregister_resource(void);

static StoreTestCluster *cluster;
static GPtrArray *logged; /* every message the store logged */

static GLogWriterOutput capture_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                    gpointer user_data)
{
    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
            g_ptr_array_add(logged, g_strdup(fields[i].value));
    }
    return g_log_writer_default(level, fields, n_fields, user_data);
}

static DbConn *open_conn(const char *conninfo)
{
    g_autoptr(GError) error = NULL;
    DbConn *conn = db_conn_open(
        conninfo != NULL ? conninfo : db_cluster_get_conninfo(cluster->cluster), &error);
    g_assert_no_error(error);
    g_assert_nonnull(conn);
    return conn;
}

static void test_params_and_nulls(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(GError) error = NULL;
    const char *params[] = {"40", "2", NULL, "it's \"quoted\"; DROP TABLE x; --"};

    g_autoptr(DbRows) rows =
        db_conn_exec(conn, "SELECT $1::int + $2::int AS sum, $3::text AS nothing, $4::text AS text",
                     4, params, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(db_rows_count(rows), ==, 1);
    g_assert_cmpuint(db_rows_n_columns(rows), ==, 3);
    g_assert_cmpint(db_rows_column(rows, "sum"), ==, 0);
    g_assert_cmpint(db_rows_column(rows, "nothing"), ==, 1);
    g_assert_cmpint(db_rows_column(rows, "missing"), ==, -1);
    g_assert_cmpint(db_rows_get_int64(rows, 0, 0), ==, 42);
    g_assert_cmpstr(db_rows_get(rows, 0, 0), ==, "42");
    g_assert_true(db_rows_is_null(rows, 0, 1));
    g_assert_null(db_rows_get(rows, 0, 1));
    g_assert_cmpint(db_rows_get_int64(rows, 0, 1), ==, 0);
    g_assert_false(db_rows_get_bool(rows, 0, 1));
    g_assert_false(db_rows_is_null(rows, 0, 2));
    /* a parameter is a value, never SQL */
    g_assert_cmpstr(db_rows_get(rows, 0, 2), ==, params[3]);

    g_autoptr(DbRows) none = db_conn_exec(conn, "SELECT 1 WHERE false", 0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(db_rows_count(none), ==, 0);
    g_assert_cmpuint(db_rows_n_columns(none), ==, 1);
}

static void test_types_and_text(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(GError) error = NULL;
    const char *vietnamese = "Kỳ họp thứ nhất Hội đồng nhân dân tỉnh khóa XVII";
    const char *params[] = {vietnamese, "9007199254740993"};

    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT true, false, $1::text, length($1::text), $2::bigint, -5::bigint, "
                     "'2026-11-21 10:00+07'::timestamptz = '2026-11-21 03:00Z'",
                     2, params, &error);
    g_assert_no_error(error);
    g_assert_true(db_rows_get_bool(rows, 0, 0));
    g_assert_false(db_rows_get_bool(rows, 0, 1));
    g_assert_cmpstr(db_rows_get(rows, 0, 2), ==, vietnamese);
    g_assert_cmpint(db_rows_get_int64(rows, 0, 3), ==, g_utf8_strlen(vietnamese, -1));
    g_assert_cmpint(db_rows_get_int64(rows, 0, 4), ==, G_GINT64_CONSTANT(9007199254740993));
    g_assert_cmpint(db_rows_get_int64(rows, 0, 5), ==, -5);
    g_assert_true(db_rows_get_bool(rows, 0, 6));
}

static void test_affected_rows(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(
        db_conn_run(conn, "CREATE TEMP TABLE t (id int PRIMARY KEY, v text)", 0, NULL, &error));
    g_autoptr(DbRows) inserted = db_conn_exec(
        conn, "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 5) g", 0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(db_rows_affected(inserted), ==, 5);
    g_autoptr(DbRows) updated =
        db_conn_exec(conn, "UPDATE t SET v = 'y' WHERE id > 2", 0, NULL, &error);
    g_assert_cmpuint(db_rows_affected(updated), ==, 3);
    g_autoptr(DbRows) deleted = db_conn_exec(conn, "DELETE FROM t WHERE id = 42", 0, NULL, &error);
    g_assert_cmpuint(db_rows_affected(deleted), ==, 0);
    g_autoptr(DbRows) created =
        db_conn_exec(conn, "CREATE TEMP TABLE t2 (id int)", 0, NULL, &error);
    g_assert_cmpuint(db_rows_affected(created), ==, 0);
    g_assert_no_error(error);
}

static void test_query_errors(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(GError) error = NULL;

    g_assert_null(db_conn_exec(conn, "SELEC 1", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_cmpstr(error->message, ==,
                    "database: syntax error at or near \"SELEC\" (SQLSTATE 42601)");
    g_assert_true(db_error_matches_sqlstate(error, "42601"));
    g_clear_error(&error);

    g_assert_false(db_conn_run(conn, "SELECT 1 / 0", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_cmpstr(error->message, ==, "database: division by zero (SQLSTATE 22012)");
    g_clear_error(&error);

    g_assert_false(db_conn_run(conn, "SELECT * FROM no_such_table", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_cmpstr(error->message, ==,
                    "database: relation \"no_such_table\" does not exist (SQLSTATE 42P01)");
    g_clear_error(&error);

    /* a script's error says which line */
    g_assert_false(db_conn_run_script(conn,
                                      "CREATE TEMP TABLE s1 (id int);\n"
                                      "-- a comment\n"
                                      "INSERT INTO s1 VALUES ('one');\n",
                                      &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_cmpstr(error->message, ==,
                    "database: invalid input syntax for type integer: \"one\" at line 3 "
                    "(SQLSTATE 22P02)");
    g_clear_error(&error);

    /* a data exception quotes the value: when it came as a parameter, it stays out */
    const char *token[] = {"session-token-5f2b9c"};
    g_assert_false(db_conn_run(conn, "SELECT $1::int", 1, token, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_cmpstr(error->message, ==,
                    "database: invalid input syntax for type integer: (value withheld) "
                    "(SQLSTATE 22P02)");
    g_clear_error(&error);

    /* the connection is still usable */
    g_assert_true(db_conn_is_ok(conn));
    g_assert_true(db_conn_run(conn, "SELECT 1", 0, NULL, &error));
    g_assert_no_error(error);
}

static void test_conflicts(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(GError) error = NULL;
    const char *secret = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$aGFzaA";
    const char *params[] = {"alice", secret};

    g_ptr_array_set_size(logged, 0);
    g_assert_true(db_conn_run(conn,
                              "CREATE TEMP TABLE accounts (name text PRIMARY KEY, "
                              "hash text NOT NULL UNIQUE)",
                              0, NULL, &error));
    g_assert_true(db_conn_run(conn, "INSERT INTO accounts VALUES ($1, $2)", 2, params, &error));
    params[0] = "bob";
    g_assert_false(db_conn_run(conn, "INSERT INTO accounts VALUES ($1, $2)", 2, params, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_CONFLICT);
    g_assert_cmpstr(error->message, ==,
                    "database: duplicate key value violates unique constraint "
                    "\"accounts_hash_key\" (SQLSTATE 23505)");
    g_assert_true(db_error_matches_sqlstate(error, "23505"));
    /* PostgreSQL's DETAIL ("Key (hash)=(...) already exists") would carry the hash: left out */
    g_assert_null(strstr(error->message, secret));
    for (guint i = 0; i < logged->len; i++)
        g_assert_null(strstr(g_ptr_array_index(logged, i), secret));
    g_clear_error(&error);

    /* serialization failure and deadlock are conflicts too: the caller may retry */
    g_assert_false(db_conn_run(conn,
                               "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' "
                               "USING ERRCODE = '40001'; END $$",
                               0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_CONFLICT);
    g_assert_cmpstr(error->message, ==, "database: could not serialize (SQLSTATE 40001)");
    g_clear_error(&error);
    g_assert_false(db_conn_run(conn,
                               "DO $$ BEGIN RAISE EXCEPTION 'deadlock' "
                               "USING ERRCODE = '40P01'; END $$",
                               0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_CONFLICT);
    g_assert_true(db_error_matches_sqlstate(error, "40P01"));
    g_clear_error(&error);

    /* other constraints are the caller's to check */
    g_assert_false(db_conn_run(conn, "INSERT INTO accounts VALUES (NULL, 'x')", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_true(db_error_matches_sqlstate(error, "23502"));
}

static void test_transactions(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(db_conn_run(conn, "CREATE TEMP TABLE tx (id int)", 0, NULL, &error));

    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_run(conn, "INSERT INTO tx VALUES (1)", 0, NULL, &error));
    db_conn_rollback(conn);
    g_assert_no_error(error);

    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_run(conn, "INSERT INTO tx VALUES (2)", 0, NULL, &error));
    g_assert_true(db_conn_commit(conn, &error));
    g_assert_no_error(error);

    /* a statement failed inside: COMMIT does not commit, and says so */
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_run(conn, "INSERT INTO tx VALUES (3)", 0, NULL, &error));
    g_assert_false(db_conn_run(conn, "SELECT 1 / 0", 0, NULL, &error));
    g_clear_error(&error);
    g_assert_false(db_conn_commit(conn, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_nonnull(strstr(error->message, "rolled back"));
    g_clear_error(&error);
    db_conn_rollback(conn); /* harmless when nothing is open */

    g_autoptr(DbRows) rows = db_conn_exec(conn, "SELECT id FROM tx ORDER BY id", 0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(db_rows_count(rows), ==, 1);
    g_assert_cmpint(db_rows_get_int64(rows, 0, 0), ==, 2);
}

/* BEGIN goes with the transaction's first statement: that statement, prepared or not, new on the
 * connection or not, failing or not, is inside the transaction, and the connection stays usable. */
static void test_begin_with_first_statement(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(DbConn) other = open_conn(NULL);
    g_autoptr(GError) error = NULL;
    const char *one[] = {"1"};

    g_assert_true(db_conn_run(conn, "CREATE TABLE txb (id int PRIMARY KEY)", 0, NULL, &error));

    /* a first statement that is prepared here for the first time, then rolled back */
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_run_prepared(conn, "INSERT INTO txb VALUES ($1)", 1, one, &error));
    g_autoptr(DbRows) status = db_conn_exec(conn, "SELECT count(*) FROM txb", 0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(db_rows_get_int64(status, 0, 0), ==, 1);
    g_autoptr(DbRows) outside = db_conn_exec(other, "SELECT count(*) FROM txb", 0, NULL, &error);
    g_assert_cmpint(db_rows_get_int64(outside, 0, 0), ==, 0); /* not committed yet */
    db_conn_rollback(conn);

    /* the same statement, already prepared, first in a transaction that commits */
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_run_prepared(conn, "INSERT INTO txb VALUES ($1)", 1, one, &error));
    g_assert_true(db_conn_commit(conn, &error));

    /* a first statement that fails: its own error, then COMMIT says it rolled back */
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_false(db_conn_run_prepared(conn, "INSERT INTO txb VALUES ($1)", 1, one, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_CONFLICT);
    g_assert_nonnull(strstr(error->message, "23505"));
    g_clear_error(&error);
    g_assert_false(db_conn_commit(conn, &error));
    g_assert_nonnull(strstr(error->message, "rolled back"));
    g_clear_error(&error);

    /* a first statement that cannot be prepared: named, and nothing is remembered of it */
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_false(db_conn_run_prepared(conn, "SELECT nonsense FROM nowhere", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_nonnull(strstr(error->message, "nowhere"));
    g_clear_error(&error);
    db_conn_rollback(conn);

    /* a transaction that ran nothing commits without a round trip; the connection is usable */
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_commit(conn, &error));
    g_assert_true(db_conn_is_ok(conn));
    g_autoptr(DbRows) rows = db_conn_exec(conn, "SELECT count(*) FROM txb", 0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(db_rows_get_int64(rows, 0, 0), ==, 1);
    g_assert_true(db_conn_run(conn, "DROP TABLE txb", 0, NULL, &error));
}

/* Several statements in one round trip: their rows in order; the first failure stops them and
 * is the error; a pending BEGIN goes first; a text new on the connection is prepared once. */
static void test_pipelined_statements(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(DbConn) other = open_conn(NULL);
    g_autoptr(GError) error = NULL;
    const char *one[] = {"1"}, *two[] = {"2"}, *three[] = {"3"};
    DbRows *rows[3] = {NULL, NULL, NULL};

    g_assert_true(db_conn_run(conn, "CREATE TABLE txp (id int PRIMARY KEY)", 0, NULL, &error));

    /* in a transaction: two inserts (the same text, prepared once) and a read that sees them */
    DbStatement st[] = {{"INSERT INTO txp VALUES ($1) RETURNING id", 1, one},
                        {"INSERT INTO txp VALUES ($1) RETURNING id", 1, two},
                        {"SELECT count(*) FROM txp WHERE id <= $1", 1, three}};
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_true(db_conn_exec_prepared_all(conn, 3, st, rows, &error));
    g_assert_no_error(error);
    g_assert_cmpint(db_rows_get_int64(rows[0], 0, 0), ==, 1);
    g_assert_cmpint(db_rows_get_int64(rows[1], 0, 0), ==, 2);
    g_assert_cmpint(db_rows_get_int64(rows[2], 0, 0), ==, 2);
    for (guint i = 0; i < 3; i++)
        g_clear_pointer(&rows[i], db_rows_free);
    g_autoptr(DbRows) outside = db_conn_exec(other, "SELECT count(*) FROM txp", 0, NULL, &error);
    g_assert_cmpint(db_rows_get_int64(outside, 0, 0), ==, 0); /* still in the transaction */
    g_assert_true(db_conn_commit(conn, &error));
    g_autoptr(DbRows) prepared = db_conn_exec(
        conn, "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO txp%'",
        0, NULL, &error);
    g_assert_cmpint(db_rows_get_int64(prepared, 0, 0), ==, 1);

    /* the second fails (a duplicate): its error, no rows at all, the third not run, and the
     * transaction rolls back at COMMIT */
    st[0].params = three;
    st[1].params = one;
    g_assert_true(db_conn_begin(conn, &error));
    g_assert_false(db_conn_exec_prepared_all(conn, 3, st, rows, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_CONFLICT);
    g_assert_null(rows[0]);
    g_assert_null(rows[1]);
    g_assert_null(rows[2]);
    g_clear_error(&error);
    g_assert_false(db_conn_commit(conn, &error));
    g_clear_error(&error);

    /* outside a transaction they are one: a failure keeps the first insert out too */
    DbStatement bad[] = {{"INSERT INTO txp VALUES ($1) RETURNING id", 1, three},
                         {"SELECT nonsense FROM nowhere", 0, NULL}};
    g_assert_false(db_conn_exec_prepared_all(conn, 2, bad, rows, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_assert_nonnull(strstr(error->message, "nowhere"));
    g_clear_error(&error);
    g_assert_true(db_conn_is_ok(conn));
    g_autoptr(DbRows) count = db_conn_exec(conn, "SELECT count(*) FROM txp", 0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(db_rows_get_int64(count, 0, 0), ==, 2);

    /* the text that failed to prepare is not remembered: fixed, it runs */
    g_assert_true(db_conn_run(conn, "CREATE TABLE nowhere (nonsense int)", 0, NULL, &error));
    g_assert_true(db_conn_exec_prepared_all(conn, 2, bad, rows, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(db_rows_count(rows[1]), ==, 0);
    for (guint i = 0; i < 2; i++)
        g_clear_pointer(&rows[i], db_rows_free);
    g_assert_true(db_conn_run(conn, "DROP TABLE txp, nowhere", 0, NULL, &error));
}

static void test_connection_lost(void)
{
    g_autoptr(DbConn) victim = open_conn(NULL);
    g_autoptr(DbConn) admin = open_conn(NULL);
    g_autoptr(GError) error = NULL;

    g_autoptr(DbRows) pid = db_conn_exec(victim, "SELECT pg_backend_pid()", 0, NULL, &error);
    g_assert_no_error(error);
    const char *params[] = {db_rows_get(pid, 0, 0)};
    g_assert_true(db_conn_check_alive(victim));
    g_assert_true(
        db_conn_run(admin, "SELECT pg_terminate_backend($1::int, 5000)", 1, params, &error));
    g_assert_no_error(error);

    /* the server closed the idle connection: seen without sending anything */
    g_assert_false(db_conn_check_alive(victim));

    g_assert_false(db_conn_run(victim, "SELECT 1", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_UNAVAILABLE);
    g_assert_true(g_str_has_prefix(error->message, "database: connection lost: "));
    g_assert_false(db_conn_is_ok(victim));
    g_clear_error(&error);

    g_assert_true(db_conn_reset(victim, &error));
    g_assert_no_error(error);
    g_assert_true(db_conn_is_ok(victim));
    g_assert_true(db_conn_run(victim, "SELECT 1", 0, NULL, &error));
    g_assert_no_error(error);
}

static void test_prepared(void)
{
    g_autoptr(DbConn) conn = open_conn(NULL);
    g_autoptr(DbConn) admin = open_conn(NULL);
    g_autoptr(GError) error = NULL;
    const char *sql = "SELECT $1::int + 1, count(*) FROM pg_prepared_statements";

    /* prepared once, then executed with other values */
    for (int i = 0; i < 3; i++) {
        g_autofree char *v = g_strdup_printf("%d", i * 10);
        const char *p[] = {v};
        g_autoptr(DbRows) r = db_conn_exec_prepared(conn, sql, 1, p, &error);
        g_assert_no_error(error);
        g_assert_cmpint(db_rows_get_int64(r, 0, 0), ==, i * 10 + 1);
        g_assert_cmpint(db_rows_get_int64(r, 0, 1), ==, 1);
    }
    /* a failing statement is an error, and the connection stays usable */
    const char *bad[] = {"x"};
    g_assert_null(
        db_conn_exec_prepared(conn, "SELECT no_such_column FROM pg_class", 0, NULL, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_clear_error(&error);
    g_assert_null(db_conn_exec_prepared(conn, sql, 1, bad, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_QUERY);
    g_clear_error(&error);
    /* a prepared statement outlives a transaction that rolls back */
    g_assert_true(db_conn_begin(conn, &error));
    const char *one[] = {"1"};
    g_assert_true(db_conn_run_prepared(conn, "SELECT $1::int * 2", 1, one, &error));
    db_conn_rollback(conn);
    g_autoptr(DbRows) after = db_conn_exec_prepared(conn, "SELECT $1::int * 2", 1, one, &error);
    g_assert_no_error(error);
    g_assert_cmpint(db_rows_get_int64(after, 0, 0), ==, 2);

    /* after the connection was lost and reset, the statements are prepared again */
    g_autoptr(DbRows) pid = db_conn_exec(conn, "SELECT pg_backend_pid()", 0, NULL, &error);
    const char *params[] = {db_rows_get(pid, 0, 0)};
    g_assert_true(
        db_conn_run(admin, "SELECT pg_terminate_backend($1::int, 5000)", 1, params, &error));
    g_assert_no_error(error);
    g_assert_false(db_conn_check_alive(conn));
    g_assert_true(db_conn_reset(conn, &error));
    g_assert_no_error(error);
    const char *two[] = {"41"};
    g_autoptr(DbRows) again = db_conn_exec_prepared(conn, sql, 1, two, &error);
    g_assert_no_error(error);
    g_assert_cmpint(db_rows_get_int64(again, 0, 0), ==, 42);
    g_assert_cmpint(db_rows_get_int64(again, 0, 1), ==, 1);
}

/* ---- migrations ---- */

static void test_migrate_applies_once(void)
{
    g_autofree char *conninfo = store_test_cluster_new_database(cluster, "migrate_once");
    g_autoptr(DbConn) conn = open_conn(conninfo);
    g_autoptr(GError) error = NULL;
    guint applied = 99;
    guint known = db_schema_version_known();

    g_assert_cmpuint(known, >=, 2);
    g_assert_true(db_migrate(conn, &applied, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(applied, ==, known);

    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT version, name, applied_at <= now() FROM schema_migrations "
                     "ORDER BY version",
                     0, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(db_rows_count(rows), ==, known);
    g_assert_cmpint(db_rows_get_int64(rows, 0, 0), ==, 1);
    g_assert_cmpstr(db_rows_get(rows, 0, 1), ==, "0001-people-and-access");
    g_assert_true(db_rows_get_bool(rows, 0, 2));
    g_assert_cmpint(db_rows_get_int64(rows, known - 1, 0), ==, known);

    /* the tables are there */
    g_assert_true(db_conn_run(conn, "SELECT count(*) FROM users", 0, NULL, &error));
    g_assert_true(db_conn_run(conn, "SELECT count(*) FROM agenda_items", 0, NULL, &error));
    g_assert_no_error(error);

    /* idempotent */
    g_assert_true(db_migrate(conn, &applied, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(applied, ==, 0);
    g_assert_true(db_migrate(conn, NULL, &error));
    g_assert_no_error(error);

    /* and the lock was released: another session can take it at once */
    g_autoptr(DbConn) other = open_conn(conninfo);
    g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT, DB_MIGRATE_LOCK_KEY);
    const char *params[] = {key};
    g_autoptr(DbRows) got =
        db_conn_exec(other, "SELECT pg_try_advisory_lock($1::bigint)", 1, params, &error);
    g_assert_no_error(error);
    g_assert_true(db_rows_get_bool(got, 0, 0));
}

static void test_migrate_refuses_newer_database(void)
{
    g_autofree char *conninfo = store_test_cluster_new_database(cluster, "migrate_newer");
    g_autoptr(DbConn) conn = open_conn(conninfo);
    g_autoptr(GError) error = NULL;
    guint applied = 99;

    g_assert_true(db_migrate(conn, NULL, &error));
    g_assert_true(db_conn_run(conn,
                              "INSERT INTO schema_migrations (version, name) "
                              "VALUES (7001, '7001-from-the-future')",
                              0, NULL, &error));
    g_assert_no_error(error);

    g_assert_false(db_migrate(conn, &applied, &error));
    g_assert_error(error, DB_ERROR, DB_ERROR_SCHEMA);
    g_assert_cmpuint(applied, ==, 0);
    g_autofree char *expected = g_strdup_printf(
        "the database schema is at version 7001 (7001-from-the-future) but this phonghop knows "
        "up to %u (%04u-",
        db_schema_version_known(), db_schema_version_known());
    g_assert_true(g_str_has_prefix(error->message, expected));
    g_assert_true(g_str_has_suffix(error->message, "): upgrade phonghop"));

    g_clear_error(&error);

    /* the lock is not left behind by a refusal */
    g_assert_true(db_conn_is_ok(conn));
    g_autoptr(DbRows) locks = db_conn_exec(
        conn,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()", 0,
        NULL, &error);
    g_assert_cmpint(db_rows_get_int64(locks, 0, 0), ==, 0);
}

static void test_migrate_failure_is_atomic(void)
{
    g_autofree char *conninfo = store_test_cluster_new_database(cluster, "migrate_broken");
    g_autoptr(DbConn) conn = open_conn(conninfo);
    g_autoptr(GError) error = NULL;
    guint known = db_schema_version_known();
    guint applied = 99;

    store_test_broken_register_resource();
    g_assert_cmpuint(db_schema_version_known(), ==, 9999);
    gboolean ok = db_migrate(conn, &applied, &error);
    store_test_broken_unregister_resource();

    g_assert_false(ok);
    g_assert_error(error, DB_ERROR, DB_ERROR_SCHEMA);
    g_assert_cmpuint(applied, ==, known); /* the real ones went in before it */
    g_assert_cmpstr(error->message, ==,
                    "migration 9999-broken-for-tests.sql failed: database: invalid input syntax "
                    "for type integer: \"not a number\" at line 6 (SQLSTATE 22P02)");
    g_clear_error(&error);

    /* nothing of it stayed: not its first table, not its row */
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        "SELECT to_regclass('broken_half') IS NULL, (SELECT max(version) FROM schema_migrations)",
        0, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(db_rows_get_bool(rows, 0, 0));
    g_assert_cmpint(db_rows_get_int64(rows, 0, 1), ==, known);
    g_assert_cmpuint(db_schema_version_known(), ==, known);
}

typedef struct {
    const char *conninfo;
    guint applied;
    GError *error;
} MigrateRun;

static gpointer migrate_thread(gpointer data)
{
    MigrateRun *run = data;
    g_autoptr(DbConn) conn = db_conn_open(run->conninfo, &run->error);
    if (conn != NULL)
        db_migrate(conn, &run->applied, &run->error);
    return NULL;
}

static void test_migrate_concurrently(void)
{
    g_autofree char *conninfo = store_test_cluster_new_database(cluster, "migrate_race");
    MigrateRun runs[3] = {{.conninfo = conninfo}, {.conninfo = conninfo}, {.conninfo = conninfo}};
    GThread *threads[3];
    guint total = 0;

    for (guint i = 0; i < 3; i++)
        threads[i] = g_thread_new("migrate", migrate_thread, &runs[i]);
    for (guint i = 0; i < 3; i++) {
        g_thread_join(threads[i]);
        g_assert_no_error(runs[i].error);
        total += runs[i].applied;
    }
    /* one node applied them all; the others waited for the lock and found nothing to do */
    g_assert_cmpuint(total, ==, db_schema_version_known());
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!store_test_have_postgresql()) {
        g_print("1..0 # SKIP no PostgreSQL server installed\n");
        return 0;
    }
    logged = g_ptr_array_new_with_free_func(g_free);
    g_log_set_writer_func(capture_log, NULL, NULL);

    g_test_add_func("/store/conn/params-and-nulls", test_params_and_nulls);
    g_test_add_func("/store/conn/types-and-text", test_types_and_text);
    g_test_add_func("/store/conn/affected-rows", test_affected_rows);
    g_test_add_func("/store/conn/query-errors", test_query_errors);
    g_test_add_func("/store/conn/conflicts", test_conflicts);
    g_test_add_func("/store/conn/transactions", test_transactions);
    g_test_add_func("/store/conn/begin-with-first-statement", test_begin_with_first_statement);
    g_test_add_func("/store/conn/pipelined-statements", test_pipelined_statements);
    g_test_add_func("/store/conn/connection-lost", test_connection_lost);
    g_test_add_func("/store/conn/prepared", test_prepared);
    g_test_add_func("/store/migrate/applies-once", test_migrate_applies_once);
    g_test_add_func("/store/migrate/refuses-newer-database", test_migrate_refuses_newer_database);
    g_test_add_func("/store/migrate/failure-is-atomic", test_migrate_failure_is_atomic);
    g_test_add_func("/store/migrate/concurrently", test_migrate_concurrently);

    cluster = store_test_cluster_new();
    int rc = g_test_run();
    store_test_cluster_free(cluster);
    g_ptr_array_unref(logged);
    return rc;
}
