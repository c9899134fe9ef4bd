/* db-conn.c: one synchronous libpq connection, its result rows, and the store's error mapping.
 *
 * A DbConn is a thin owner of one PGconn. Every statement goes through PQexecParams in text
 * format (or PQexec for parameterless scripts), so values travel as PostgreSQL's text and the
 * caller never formats SQL with values in it. A DbRows owns one PGresult and outlives the
 * connection it came from.
 *
 * Errors are mapped in one place, db_set_error_from_result(): a broken connection is
 * DB_ERROR_UNAVAILABLE whatever the SQLSTATE, otherwise db_error_code_for_sqlstate() decides.
 * Messages carry PostgreSQL's primary message and the SQLSTATE ("database: duplicate key value
 * violates unique constraint "users_username_key" (SQLSTATE 23505)"), never the DETAIL field or
 * the parameters, which may hold a password hash or a session token: a data exception (class 22)
 * quotes the offending value in its primary message, so for a statement with parameters that
 * value is withheld (db_withhold_value()). Notices go to the debug
 * log instead of libpq's default of stderr.
 *
 * Statements that run often with the same text (a vote batch's) can be prepared once per
 * connection (db_conn_exec_prepared): PostgreSQL then parses and plans them once, not at every
 * run. A prepared statement outlives a transaction that rolls back; a reset connection has none.
 *
 * Threads: a DbConn is used by one thread at a time (the pool gives each worker its own);
 * DbRows are plain data and may be read from any thread once handed over.
 */
#include "db-private.h"

#include <poll.h>
#include <string.h>

G_DEFINE_QUARK(phonghop - db - error - quark, db_error)

/* The most statements one connection keeps prepared (db_conn_exec_prepared); past it, a new
 * statement runs unprepared. */
#define DB_PREPARED_MAX 64

struct _DbConn {
    PGconn *pg;
    GHashTable *prepared; /* SQL text -> its statement name on this connection */
    guint next_prepared;
    gboolean begin_pending; /* BEGIN asked for, to go with the next statement */
    gboolean broken;        /* a pipeline went out of step: not to be used again */
};

struct _DbRows {
    PGresult *res;
};

/* ---- errors ---- */

DbError db_error_code_for_sqlstate(const char *sqlstate)
{
    if (sqlstate == NULL || strlen(sqlstate) != 5)
        return DB_ERROR_QUERY;
    if (strcmp(sqlstate, "23505") == 0 || strcmp(sqlstate, "40001") == 0 ||
        strcmp(sqlstate, "40P01") == 0)
        return DB_ERROR_CONFLICT;
    if (g_str_has_prefix(sqlstate, "08") || strcmp(sqlstate, "57P01") == 0 ||
        strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0 ||
        strcmp(sqlstate, "53300") == 0)
        return DB_ERROR_UNAVAILABLE;
    return DB_ERROR_QUERY;
}

gboolean db_error_matches_sqlstate(const GError *error, const char *sqlstate)
{
    g_return_val_if_fail(sqlstate != NULL, FALSE);

    if (error == NULL || error->domain != DB_ERROR || error->message == NULL)
        return FALSE;
    g_autofree char *tag = g_strdup_printf("(SQLSTATE %s)", sqlstate);
    return strstr(error->message, tag) != NULL;
}

char *db_tidy_message(const char *message)
{
    GString *out = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;

    if (message == NULL)
        return g_string_free(out, FALSE);
    lines = g_strsplit(message, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *line = g_strstrip(lines[i]);
        if (*line == '\0')
            continue;
        if (out->len > 0)
            g_string_append(out, g_ascii_isupper(line[0]) ? "; " : " ");
        g_string_append(out, line);
    }
    return g_string_free(out, FALSE);
}

guint db_script_line_of_position(const char *script, const char *position)
{
    guint line = 1;

    if (script == NULL || position == NULL || !g_utf8_validate(script, -1, NULL))
        return 0;
    gint64 pos = g_ascii_strtoll(position, NULL, 10);
    if (pos < 1 || pos > g_utf8_strlen(script, -1) + 1)
        return 0;
    const char *end = g_utf8_offset_to_pointer(script, (glong)(pos - 1));
    for (const char *p = script; p < end; p++) {
        if (*p == '\n')
            line++;
    }
    return line;
}

char *db_withhold_value(const char *message)
{
    const char *quote = strstr(message, ": \"");

    if (quote == NULL)
        return g_strdup(message);
    return g_strdup_printf("%.*s: (value withheld)", (int)(quote - message), message);
}

/* Sets error from a failed result (res may be NULL: libpq ran out of memory or lost the
 * connection before a result). sql is the statement or script, used only to turn PostgreSQL's
 * error position into a line number; it never goes into the message itself. */
static void db_set_error_from_result(GError **error, PGconn *pg, const PGresult *res,
                                     const char *sql, gboolean has_params)
{
    const char *sqlstate = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *position = res != NULL ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
    gboolean lost = pg == NULL || PQstatus(pg) != CONNECTION_OK;
    g_autofree char *text = NULL;
    g_autoptr(GString) msg = g_string_new("database: ");

    if (primary != NULL)
        text = db_tidy_message(primary);
    else if (res != NULL && *PQresultErrorMessage(res) != '\0')
        text = db_tidy_message(PQresultErrorMessage(res));
    else if (pg != NULL)
        text = db_tidy_message(PQerrorMessage(pg));
    if (text == NULL || *text == '\0') {
        g_free(text);
        text = g_strdup("unknown error (no message from libpq)");
    }
    if (has_params && sqlstate != NULL && g_str_has_prefix(sqlstate, "22")) {
        char *withheld = db_withhold_value(text);
        g_free(text);
        text = withheld;
    }

    if (lost)
        g_string_append(msg, "connection lost: ");
    g_string_append(msg, text);
    if (sql != NULL && strchr(sql, '\n') != NULL) {
        guint line = db_script_line_of_position(sql, position);
        if (line > 0)
            g_string_append_printf(msg, " at line %u", line);
    }
    if (sqlstate != NULL)
        g_string_append_printf(msg, " (SQLSTATE %s)", sqlstate);

    g_set_error_literal(error, DB_ERROR,
                        lost ? DB_ERROR_UNAVAILABLE : db_error_code_for_sqlstate(sqlstate),
                        msg->str);
}

/* ---- connections ---- */

static void db_notice_processor(void *arg, const char *message)
{
    g_autofree char *tidy = db_tidy_message(message);
    g_debug("database notice: %s", tidy);
}

DbConn *db_conn_open(const char *conninfo, GError **error)
{
    /* Defaults first: the caller's conninfo (expanded from "dbname") overrides them. */
    static const char *const keys[] = {"application_name", "client_encoding", "connect_timeout",
                                       "dbname", NULL};
    const char *const values[] = {"phonghop", "UTF8", "10", conninfo, NULL};
    DbConn *conn = NULL;
    PGconn *pg = NULL;

    g_return_val_if_fail(conninfo != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    pg = PQconnectdbParams(keys, values, 1);
    if (pg == NULL) {
        g_set_error_literal(error, DB_ERROR, DB_ERROR_UNAVAILABLE,
                            "database: cannot connect: out of memory");
        goto out;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        g_autofree char *msg = db_tidy_message(PQerrorMessage(pg));
        g_set_error(error, DB_ERROR, DB_ERROR_UNAVAILABLE, "database: cannot connect: %s", msg);
        g_clear_pointer(&pg, PQfinish);
        goto out;
    }
    PQsetNoticeProcessor(pg, db_notice_processor, NULL);
    conn = g_new0(DbConn, 1);
    conn->pg = g_steal_pointer(&pg);
    conn->prepared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
out:
    return conn;
}

void db_conn_free(DbConn *conn)
{
    if (conn == NULL)
        return;
    g_clear_pointer(&conn->pg, PQfinish);
    g_clear_pointer(&conn->prepared, g_hash_table_unref);
    g_free(conn);
}

PGconn *db_conn_get_pg(DbConn *conn)
{
    g_return_val_if_fail(conn != NULL, NULL);
    return conn->pg;
}

gboolean db_conn_is_ok(DbConn *conn)
{
    g_return_val_if_fail(conn != NULL, FALSE);
    return !conn->broken && PQstatus(conn->pg) == CONNECTION_OK;
}

gboolean db_conn_check_alive(DbConn *conn)
{
    PGnotify *notify = NULL;

    g_return_val_if_fail(conn != NULL, FALSE);

    if (conn->broken || PQstatus(conn->pg) != CONNECTION_OK || PQsocket(conn->pg) < 0)
        return FALSE;
    /* An idle connection has nothing to read unless the server sent a notification or is
     * closing it: then a FATAL message comes first (libpq takes it as a notice) and the end of
     * file after it, which a second read finds. A few rounds are enough for either. */
    for (guint round = 0; round < 4; round++) {
        struct pollfd pfd = {.fd = PQsocket(conn->pg), .events = POLLIN};
        if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(conn->pg))
            return FALSE;
        while ((notify = PQnotifies(conn->pg)) != NULL)
            PQfreemem(notify);
    }
    return PQstatus(conn->pg) == CONNECTION_OK;
}

gboolean db_conn_reset(DbConn *conn, GError **error)
{
    g_return_val_if_fail(conn != NULL, FALSE);

    PQreset(conn->pg);
    if (PQpipelineStatus(conn->pg) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(conn->pg);
    conn->broken = FALSE;
    conn->begin_pending = FALSE;
    g_hash_table_remove_all(conn->prepared); /* a new session has none */
    if (PQstatus(conn->pg) != CONNECTION_OK) {
        g_autofree char *msg = db_tidy_message(PQerrorMessage(conn->pg));
        g_set_error(error, DB_ERROR, DB_ERROR_UNAVAILABLE, "database: cannot reconnect: %s", msg);
        return FALSE;
    }
    return TRUE;
}

/* Leaves a connection that a statement put into COPY mode usable again. */
static void db_conn_abandon_copy(DbConn *conn, ExecStatusType status)
{
    PGresult *res = NULL;
    char *buffer = NULL;

    if (status == PGRES_COPY_IN || status == PGRES_COPY_BOTH)
        PQputCopyEnd(conn->pg, "COPY is not supported by phonghop's store");
    if (status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
        while (PQgetCopyData(conn->pg, &buffer, 0) > 0)
            PQfreemem(buffer);
    }
    while ((res = PQgetResult(conn->pg)) != NULL)
        PQclear(res);
}

/* Takes ownership of res: returns it as rows when the statement succeeded, otherwise frees it
 * and sets error. */
static DbRows *db_conn_take_result(DbConn *conn, PGresult *res, const char *sql,
                                   gboolean has_params, GError **error)
{
    DbRows *rows = NULL;
    ExecStatusType status = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    switch (status) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
        rows = g_new0(DbRows, 1);
        rows->res = g_steal_pointer(&res);
        break;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
        db_conn_abandon_copy(conn, status);
        g_set_error_literal(error, DB_ERROR, DB_ERROR_QUERY,
                            "database: COPY is not supported by phonghop's store");
        break;
    default:
        db_set_error_from_result(error, conn->pg, res, sql, has_params);
        break;
    }
    g_clear_pointer(&res, PQclear);
    return rows;
}

/* One statement of a pipeline: run by the name it is prepared under on this connection (name),
 * prepared first in the same pipeline under a new name (fresh, owned; remembered once
 * prepared), or run as it is (neither). */
typedef struct {
    const char *sql;
    char *fresh;
    const char *name;
    guint n_params;
    const char *const *params;
} DbPiped;

/* Sends the statements (after a pending BEGIN, and each new one's PREPARE before it) in one
 * round trip, in libpq's pipeline mode, with one sync at the end: in an explicit transaction that
 * leaves it open; outside one the statements are one implicit transaction. rows[i] gets statement
 * i's rows. On the first failure nothing after it ran, every rows[i] is NULL, and error is that
 * failure's; a pipeline whose answers come out of step marks the connection broken, and the pool
 * replaces it. */
static gboolean db_conn_pipeline(DbConn *conn, guint n, DbPiped *st, DbRows **rows, GError **error)
{
    PGconn *pg = conn->pg;
    gboolean begin = conn->begin_pending;
    guint n_results = begin ? 1 : 0;
    g_autoptr(GError) local = NULL;

    conn->begin_pending = FALSE;
    gboolean sent = PQenterPipelineMode(pg) &&
                    (!begin || PQsendQueryParams(pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0));
    for (guint i = 0; sent && i < n; i++) {
        DbPiped *p = &st[i];
        const char *name = p->fresh != NULL ? p->fresh : p->name;
        sent =
            (p->fresh == NULL || PQsendPrepare(pg, p->fresh, p->sql, (int)p->n_params, NULL)) &&
            (name != NULL
                 ? PQsendQueryPrepared(pg, name, (int)p->n_params, p->params, NULL, NULL, 0)
                 : PQsendQueryParams(pg, p->sql, (int)p->n_params, NULL, p->params, NULL, NULL, 0));
        n_results += p->fresh != NULL ? 2 : 1;
    }
    sent = sent && PQpipelineSync(pg);
    g_autofree PGresult **results = g_new0(PGresult *, n_results);
    gboolean synced = FALSE;
    if (sent) {
        for (guint i = 0; i < n_results; i++) {
            results[i] = PQgetResult(pg);
            for (PGresult *extra; (extra = PQgetResult(pg)) != NULL;)
                PQclear(extra);
        }
        PGresult *sync = PQgetResult(pg);
        synced =
            sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC && PQexitPipelineMode(pg);
        PQclear(sync);
    }
    gboolean ok = synced;
    if (!synced) {
        /* Sending failed or the answers came out of step: the connection cannot be trusted
         * with another statement. */
        g_autofree char *why = db_tidy_message(PQerrorMessage(pg));
        g_set_error(&local, DB_ERROR, DB_ERROR_UNAVAILABLE, "database: connection lost: %s",
                    why != NULL && *why != '\0' ? why : "a pipelined statement got no answer");
        conn->broken = TRUE;
    }
    /* The first failure is the one to report; what followed it was not run. */
    guint k = 0;
    if (ok && begin) {
        g_autoptr(DbRows) begun =
            db_conn_take_result(conn, g_steal_pointer(&results[k]), "BEGIN", FALSE, &local);
        ok = begun != NULL;
    }
    k += begin ? 1 : 0;
    for (guint i = 0; i < n; i++) {
        DbPiped *p = &st[i];
        rows[i] = NULL;
        if (p->fresh != NULL) {
            if (ok) {
                g_autoptr(DbRows) done =
                    db_conn_take_result(conn, g_steal_pointer(&results[k]), p->sql, FALSE, &local);
                ok = done != NULL;
                if (ok)
                    g_hash_table_insert(conn->prepared, g_strdup(p->sql),
                                        g_steal_pointer(&p->fresh));
            }
            k++;
        }
        if (ok) {
            rows[i] = db_conn_take_result(conn, g_steal_pointer(&results[k]), p->sql,
                                          p->n_params > 0, &local);
            ok = rows[i] != NULL;
        }
        k++;
    }
    for (guint i = 0; i < n_results; i++)
        g_clear_pointer(&results[i], PQclear);
    for (guint i = 0; i < n; i++)
        g_clear_pointer(&st[i].fresh, g_free);
    if (!ok) {
        for (guint i = 0; i < n; i++)
            g_clear_pointer(&rows[i], db_rows_free);
        g_propagate_error(error, g_steal_pointer(&local));
    }
    return ok;
}

/* How statement sql runs in a pipeline: by its prepared name, prepared there under a new name
 * (fresh), or, with the connection's prepared statements at their limit, as it is. An earlier
 * statement of the same pipeline that prepares the same text lends its name. */
static void db_conn_pipe_prepared(DbConn *conn, DbPiped *p, const DbPiped *earlier, guint n_earlier,
                                  guint *n_fresh)
{
    p->fresh = NULL;
    p->name = g_hash_table_lookup(conn->prepared, p->sql);
    for (guint i = 0; p->name == NULL && i < n_earlier; i++) {
        if (earlier[i].fresh != NULL && strcmp(earlier[i].sql, p->sql) == 0)
            p->name = earlier[i].fresh;
    }
    if (p->name == NULL && g_hash_table_size(conn->prepared) + *n_fresh < DB_PREPARED_MAX) {
        p->fresh = g_strdup_printf("phonghop_%u", ++conn->next_prepared);
        (*n_fresh)++;
    }
}

/* A pending BEGIN, run on its own (before a script, which goes as one simple query). */
static gboolean db_conn_flush_begin(DbConn *conn, GError **error)
{
    if (!conn->begin_pending)
        return TRUE;
    conn->begin_pending = FALSE;
    return db_conn_run(conn, "BEGIN", 0, NULL, error);
}

DbRows *db_conn_exec(DbConn *conn, const char *sql, guint n_params, const char *const *params,
                     GError **error)
{
    g_return_val_if_fail(conn != NULL, NULL);
    g_return_val_if_fail(sql != NULL, NULL);
    g_return_val_if_fail(n_params == 0 || params != NULL, NULL);
    g_return_val_if_fail(n_params <= G_MAXUINT16, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (conn->begin_pending) {
        DbPiped one = {.sql = sql, .n_params = n_params, .params = params};
        DbRows *rows = NULL;
        db_conn_pipeline(conn, 1, &one, &rows, error);
        return rows;
    }
    PGresult *res = PQexecParams(conn->pg, sql, (int)n_params, NULL, params, NULL, NULL, 0);
    return db_conn_take_result(conn, res, sql, n_params > 0, error);
}

DbRows *db_conn_exec_prepared(DbConn *conn, const char *sql, guint n_params,
                              const char *const *params, GError **error)
{
    g_return_val_if_fail(conn != NULL, NULL);
    g_return_val_if_fail(sql != NULL, NULL);
    g_return_val_if_fail(n_params == 0 || params != NULL, NULL);
    g_return_val_if_fail(n_params <= G_MAXUINT16, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    /* One path for every prepared statement: its PREPARE, when new, goes in the same round trip
     * (and a pending BEGIN before it). */
    DbStatement one = {sql, n_params, params};
    DbRows *rows = NULL;
    return db_conn_exec_prepared_all(conn, 1, &one, &rows, error) ? rows : NULL;
}

gboolean db_conn_exec_prepared_all(DbConn *conn, guint n, const DbStatement *statements,
                                   DbRows **rows, GError **error)
{
    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(n > 0 && n <= DB_PIPELINE_MAX && statements != NULL && rows != NULL,
                         FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    DbPiped st[DB_PIPELINE_MAX];
    guint n_fresh = 0;
    for (guint i = 0; i < n; i++) {
        g_return_val_if_fail(statements[i].sql != NULL, FALSE);
        g_return_val_if_fail(statements[i].n_params == 0 || statements[i].params != NULL, FALSE);
        g_return_val_if_fail(statements[i].n_params <= G_MAXUINT16, FALSE);
        st[i] = (DbPiped){.sql = statements[i].sql,
                          .n_params = statements[i].n_params,
                          .params = statements[i].params};
        db_conn_pipe_prepared(conn, &st[i], st, i, &n_fresh);
    }
    return db_conn_pipeline(conn, n, st, rows, error);
}

gboolean db_conn_run_prepared(DbConn *conn, const char *sql, guint n_params,
                              const char *const *params, GError **error)
{
    g_autoptr(DbRows) rows = db_conn_exec_prepared(conn, sql, n_params, params, error);
    return rows != NULL;
}

gboolean db_conn_run(DbConn *conn, const char *sql, guint n_params, const char *const *params,
                     GError **error)
{
    g_autoptr(DbRows) rows = db_conn_exec(conn, sql, n_params, params, error);
    return rows != NULL;
}

gboolean db_conn_run_script(DbConn *conn, const char *sql, GError **error)
{
    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(sql != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!db_conn_flush_begin(conn, error))
        return FALSE;
    /* PQexec sends the whole script as one simple query; PostgreSQL runs the statements in
     * order and stops at the first error, and PQexec returns that error (or the last result). */
    g_autoptr(DbRows) rows = db_conn_take_result(conn, PQexec(conn->pg, sql), sql, FALSE, error);
    return rows != NULL;
}

/* BEGIN costs no round trip of its own: it goes with the transaction's first statement. */
gboolean db_conn_begin(DbConn *conn, GError **error)
{
    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(!conn->begin_pending, FALSE);

    if (PQstatus(conn->pg) != CONNECTION_OK) {
        g_set_error_literal(error, DB_ERROR, DB_ERROR_UNAVAILABLE,
                            "database: the connection is closed");
        return FALSE;
    }
    conn->begin_pending = TRUE;
    return TRUE;
}

gboolean db_conn_commit(DbConn *conn, GError **error)
{
    if (conn->begin_pending) {
        conn->begin_pending = FALSE; /* nothing ran: nothing to commit */
        return TRUE;
    }
    g_autoptr(DbRows) rows = db_conn_exec(conn, "COMMIT", 0, NULL, error);

    if (rows == NULL)
        return FALSE;
    /* COMMIT of a transaction in which a statement failed succeeds with the tag "ROLLBACK". */
    if (strcmp(PQcmdStatus(rows->res), "ROLLBACK") == 0) {
        g_set_error_literal(error, DB_ERROR, DB_ERROR_QUERY,
                            "database: the transaction was rolled back because one of its "
                            "statements failed");
        return FALSE;
    }
    return TRUE;
}

void db_conn_rollback(DbConn *conn)
{
    g_return_if_fail(conn != NULL);

    conn->begin_pending = FALSE;
    if (PQstatus(conn->pg) != CONNECTION_OK)
        return; /* the server rolls back what a lost connection left open */
    if (PQtransactionStatus(conn->pg) == PQTRANS_IDLE)
        return;
    PQclear(PQexec(conn->pg, "ROLLBACK"));
}

/* ---- rows ---- */

guint db_rows_count(const DbRows *rows)
{
    g_return_val_if_fail(rows != NULL, 0);
    return (guint)PQntuples(rows->res);
}

guint db_rows_n_columns(const DbRows *rows)
{
    g_return_val_if_fail(rows != NULL, 0);
    return (guint)PQnfields(rows->res);
}

int db_rows_column(const DbRows *rows, const char *name)
{
    g_return_val_if_fail(rows != NULL, -1);
    g_return_val_if_fail(name != NULL, -1);
    return PQfnumber(rows->res, name);
}

const char *db_rows_get(const DbRows *rows, guint row, guint col)
{
    g_return_val_if_fail(rows != NULL, NULL);
    g_return_val_if_fail(row < db_rows_count(rows), NULL);
    g_return_val_if_fail(col < db_rows_n_columns(rows), NULL);

    if (PQgetisnull(rows->res, (int)row, (int)col))
        return NULL;
    return PQgetvalue(rows->res, (int)row, (int)col);
}

gboolean db_rows_is_null(const DbRows *rows, guint row, guint col)
{
    g_return_val_if_fail(rows != NULL, TRUE);
    g_return_val_if_fail(row < db_rows_count(rows), TRUE);
    g_return_val_if_fail(col < db_rows_n_columns(rows), TRUE);
    return PQgetisnull(rows->res, (int)row, (int)col) != 0;
}

gint64 db_rows_get_int64(const DbRows *rows, guint row, guint col)
{
    const char *value = db_rows_get(rows, row, col);
    return value != NULL ? g_ascii_strtoll(value, NULL, 10) : 0;
}

gboolean db_rows_get_bool(const DbRows *rows, guint row, guint col)
{
    const char *value = db_rows_get(rows, row, col);
    return value != NULL && value[0] == 't';
}

guint64 db_rows_affected(const DbRows *rows)
{
    g_return_val_if_fail(rows != NULL, 0);
    return g_ascii_strtoull(PQcmdTuples(rows->res), NULL, 10);
}

void db_rows_free(DbRows *rows)
{
    if (rows == NULL)
        return;
    g_clear_pointer(&rows->res, PQclear);
    g_free(rows);
}
