/* api-consultations.c: written consultations (lấy ý kiến) of the members on a document.
 *
 * The secretariat puts a question on a released document with a deadline; every member of the
 * body who may open the document answers once (agree, disagree or other, with a comment), before
 * the deadline. An answer is final: the table is append-only and a trigger refuses one given
 * after the deadline, so the rule holds even against a bug here; this file refuses first, with a
 * message (409). The secretariat and the chairs read the results: counts, each member's answer
 * (a written consultation is named, not secret) and who has not answered.
 */
#include "api-documents.h"

#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define ALL         AUTH_ROLES_ALL
#define MANAGERS    (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT)
#define READERS     (MANAGERS | AUTH_ROLE_CHAIR)
#define MAX_COMMENT 10000

#define TIME_SQL(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define CONSULTATION_SELECT                                                                       \
    "SELECT c.id, c.document_id, c.question, " TIME_SQL("c.deadline") ", " TIME_SQL(              \
        "c.created_at") ", now() <= c.deadline, "                                                 \
                        "(SELECT count(*) FROM consultation_answers x WHERE x.consultation_id = " \
                        "c.id), "                                                                 \
                        "a.choice, a.comment, " TIME_SQL(                                         \
                            "a.answered_at") " "                                                  \
                                             "FROM consultations c LEFT JOIN "                    \
                                             "consultation_answers a "                            \
                                             "ON a.consultation_id = c.id AND a.user_id = $2 "

static void add_string(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

/* One consultation row of CONSULTATION_SELECT as an object, with the caller's own answer. */
static void add_consultation(JsonBuilder *b, DbRows *r, guint i)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, db_rows_get_int64(r, i, 0));
    json_builder_set_member_name(b, "document_id");
    json_builder_add_int_value(b, db_rows_get_int64(r, i, 1));
    add_string(b, "question", db_rows_get(r, i, 2));
    add_string(b, "deadline", db_rows_get(r, i, 3));
    add_string(b, "created_at", db_rows_get(r, i, 4));
    json_builder_set_member_name(b, "open");
    json_builder_add_boolean_value(b, db_rows_get_bool(r, i, 5));
    json_builder_set_member_name(b, "answers");
    json_builder_add_int_value(b, db_rows_get_int64(r, i, 6));
    json_builder_set_member_name(b, "my_answer");
    if (db_rows_is_null(r, i, 7)) {
        json_builder_add_null_value(b);
    } else {
        json_builder_begin_object(b);
        add_string(b, "choice", db_rows_get(r, i, 7));
        add_string(b, "comment", db_rows_get(r, i, 8));
        add_string(b, "answered_at", db_rows_get(r, i, 9));
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
}

static gboolean reply_consultation(DbConn *conn, ApiCall *call, gint64 id, guint status,
                                   GError **error)
{
    char cid[24], uid[24];
    const char *p[] = {api_i64(cid, id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(conn, CONSULTATION_SELECT "WHERE c.id = $1", 2, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "consultation");
    add_consultation(b, r, 0);
    json_builder_end_object(b);
    api_call_reply(call, status, json_builder_get_root(b));
    return TRUE;
}

/* The document a consultation is about, which the caller must be able to open. FALSE with an
 * answer set (403) or an error. */
static gboolean load_consultation_document(DbConn *conn, ApiCall *call, DocRow *row, GError **error)
{
    char cid[24];
    const char *p[] = {api_i64(cid, call->ids[0])};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT document_id FROM consultations WHERE id = $1", 1, p, error);
    if (!r)
        return FALSE;
    return doc_row_load_openable(conn, call, db_rows_get_int64(r, 0, 0), row, error);
}

static gboolean consultation_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, call->ids[0], &row, error))
        return FALSE;
    g_autofree char *question = api_body_string(call, "question", 5000, TRUE);
    if (!question)
        return TRUE;
    g_autofree char *deadline = api_body_string(call, "deadline", 64, TRUE);
    if (!deadline)
        return TRUE;
    g_autoptr(GDateTime) when = g_date_time_new_from_iso8601(deadline, NULL);
    if (!when) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'deadline' must be a date and time with its zone, as "
                      "2026-12-01T17:00:00+07:00");
        return TRUE;
    }
    if (g_date_time_to_unix(when) <= g_get_real_time() / G_USEC_PER_SEC) {
        api_call_fail(call, 400, "invalid_field", "field 'deadline' is in the past");
        return TRUE;
    }
    if (row.released_version == 0) {
        api_call_fail(call, 409, "not_released",
                      "document %" G_GINT64_FORMAT
                      " is not released: members must be able to read what they are asked about",
                      row.id);
        return TRUE;
    }
    if (doc_meeting_is_closed(&row)) {
        api_call_fail(call, 409, "meeting_closed",
                      "meeting %" G_GINT64_FORMAT " is %s: its documents can no longer change",
                      row.meeting_id, row.meeting_status);
        return TRUE;
    }
    g_autofree char *iso = g_date_time_format_iso8601(when);
    char did[24], uid[24];
    const char *p[] = {api_i64(did, row.id), question, iso, api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "INSERT INTO consultations (document_id, question, deadline, created_by) "
                     "VALUES ($1, $2, $3::timestamptz, $4) RETURNING id, " TIME_SQL("deadline"),
                     4, p, error);
    if (!r)
        return FALSE;
    gint64 id = db_rows_get_int64(r, 0, 0);
    g_autoptr(GArray) audience = doc_audience(conn, &row, error);
    if (!audience)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "consultation_id");
    json_builder_add_int_value(b, id);
    json_builder_set_member_name(b, "document_id");
    json_builder_add_int_value(b, row.id);
    add_string(b, "question", question);
    add_string(b, "deadline", db_rows_get(r, 0, 1));
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    RecordVisibility vis = {FALSE, (const gint64 *)(gpointer)audience->data, audience->len};
    if (!record_event(conn, row.meeting_id, "consultation.opened", payload, &vis, NULL, error))
        return FALSE;
    /* In each reader's notifications, with the deadline in Vietnam's time. */
    g_autoptr(GTimeZone) vn = g_time_zone_new_identifier("+07:00");
    g_autoptr(GDateTime) local = vn ? g_date_time_to_timezone(when, vn) : NULL;
    g_autofree char *due = local ? g_date_time_format(local, "%Hh%M ngày %d/%m/%Y") : NULL;
    g_autofree char *prefix = g_strdup_printf("Xin ý kiến bằng văn bản, hạn %s: ", due ? due : iso);
    g_autoptr(JsonObject) extra = json_object_new();
    json_object_set_int_member(extra, "consultation_id", id);
    if (!doc_notify(conn, &row, audience, call->session.user_id, "consultation.opened", prefix,
                    extra, error))
        return FALSE;
    return reply_consultation(conn, call, id, 201, error);
}

static gboolean consultations_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load_openable(conn, call, call->ids[0], &row, error))
        return *error == NULL;
    char did[24], uid[24];
    const char *p[] = {api_i64(did, row.id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, CONSULTATION_SELECT "WHERE c.document_id = $1 ORDER BY c.id", 2, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "consultations");
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(r); i++)
        add_consultation(b, r, i);
    json_builder_end_array(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

static gboolean consultation_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!load_consultation_document(conn, call, &row, error))
        return *error == NULL;
    return reply_consultation(conn, call, call->ids[0], 200, error);
}

static gboolean answer_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!load_consultation_document(conn, call, &row, error))
        return *error == NULL;
    g_autofree char *choice = api_body_string(call, "choice", 20, TRUE);
    if (!choice)
        return TRUE;
    if (!g_str_equal(choice, "agree") && !g_str_equal(choice, "disagree") &&
        !g_str_equal(choice, "other")) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'choice' must be agree, disagree or other, got '%s'", choice);
        return TRUE;
    }
    g_autofree char *comment = api_body_string(call, "comment", MAX_COMMENT, FALSE);
    if (!comment && call->error_code)
        return TRUE;
    char cid[24], uid[24];
    const char *p[] = {api_i64(cid, call->ids[0]), api_i64(uid, call->session.user_id), choice,
                       comment ? comment : ""};
    /* The consultation's row lock orders answers against each other. */
    g_autoptr(DbRows) c = db_conn_exec(
        conn,
        "SELECT now() <= deadline, " TIME_SQL(
            "deadline") ", "
                        "       (SELECT " TIME_SQL(
                            "answered_at") " FROM consultation_answers "
                                           "        WHERE consultation_id = $1 AND user_id = $2) "
                                           "FROM consultations WHERE id = $1 FOR UPDATE",
        2, p, error);
    if (!c)
        return FALSE;
    if (!db_rows_is_null(c, 0, 2)) {
        api_call_fail(call, 409, "already_answered",
                      "you answered consultation %" G_GINT64_FORMAT
                      " at %s: an answer cannot be changed",
                      call->ids[0], db_rows_get(c, 0, 2));
        return TRUE;
    }
    if (!db_rows_get_bool(c, 0, 0)) {
        api_call_fail(call, 409, "closed",
                      "consultation %" G_GINT64_FORMAT " closed at its deadline, %s", call->ids[0],
                      db_rows_get(c, 0, 1));
        return TRUE;
    }
    g_autoptr(DbRows) n = db_conn_exec(
        conn,
        "INSERT INTO consultation_answers (consultation_id, user_id, choice, comment) "
        "VALUES ($1, $2, $3, $4) "
        "RETURNING (SELECT count(*) + 1 FROM consultation_answers WHERE consultation_id = $1)",
        4, p, error);
    if (!n)
        return FALSE;
    g_autoptr(GArray) readers = doc_managers(conn, row.body_id, TRUE, error);
    if (!readers)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "consultation_id");
    json_builder_add_int_value(b, call->ids[0]);
    json_builder_set_member_name(b, "answers");
    json_builder_add_int_value(b, db_rows_get_int64(n, 0, 0));
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    RecordVisibility vis = {FALSE, (const gint64 *)(gpointer)readers->data, readers->len};
    if (!record_event(conn, row.meeting_id, "consultation.answered", payload, &vis, NULL, error))
        return FALSE;
    return reply_consultation(conn, call, call->ids[0], 201, error);
}

static gboolean results_run(DbConn *conn, ApiCall *call, GError **error)
{
    char cid[24], uid[24];
    const char *p[] = {api_i64(cid, call->ids[0]), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) c = db_conn_exec(conn, CONSULTATION_SELECT "WHERE c.id = $1", 2, p, error);
    if (!c)
        return FALSE;
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, db_rows_get_int64(c, 0, 1), &row, error))
        return FALSE;
    g_autoptr(GArray) audience = doc_audience(conn, &row, error);
    if (!audience)
        return FALSE;
    char bid[24];
    const char *q[] = {cid, api_i64(bid, row.body_id)};
    /* Every member of the body and what they answered (NULL: not yet). */
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT u.id, u.full_name, a.choice, a.comment, " TIME_SQL(
            "a.answered_at") " "
                             "FROM users u JOIN memberships ms ON ms.user_id = u.id AND ms.body_id "
                             "= $2 "
                             "  AND ms.role = 'member' "
                             "LEFT JOIN consultation_answers a ON a.consultation_id = $1 AND "
                             "a.user_id = u.id "
                             "ORDER BY a.answered_at NULLS LAST, u.full_name COLLATE \"C\", u.id",
        2, q, error);
    if (!r)
        return FALSE;
    guint agree = 0, disagree = 0, other = 0, waiting = 0;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "consultation");
    add_consultation(b, c, 0);
    json_builder_set_member_name(b, "answers");
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(r); i++) {
        const char *choice = db_rows_get(r, i, 2);
        gint64 member = db_rows_get_int64(r, i, 0);
        gboolean may = FALSE;
        for (guint k = 0; k < audience->len && !may; k++)
            may = g_array_index(audience, gint64, k) == member;
        if (!choice && !may)
            continue; /* not asked: may not open the document */
        if (!choice)
            waiting++;
        else if (g_str_equal(choice, "agree"))
            agree++;
        else if (g_str_equal(choice, "disagree"))
            disagree++;
        else
            other++;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "user_id");
        json_builder_add_int_value(b, member);
        add_string(b, "full_name", db_rows_get(r, i, 1));
        add_string(b, "choice", choice);
        add_string(b, "comment", db_rows_get(r, i, 3));
        add_string(b, "answered_at", db_rows_get(r, i, 4));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "counts");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "agree");
    json_builder_add_int_value(b, agree);
    json_builder_set_member_name(b, "disagree");
    json_builder_add_int_value(b, disagree);
    json_builder_set_member_name(b, "other");
    json_builder_add_int_value(b, other);
    json_builder_set_member_name(b, "not_answered");
    json_builder_add_int_value(b, waiting);
    json_builder_end_object(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

const ApiRoute api_consultation_routes[] = {
    {HTTP_METHOD_POST, "/api/v1/documents/{id}/consultations", API_SCOPE_DOCUMENT, MANAGERS,
     consultation_create_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}/consultations", API_SCOPE_DOCUMENT, ALL,
     consultations_list_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/consultations/{id}", API_SCOPE_CONSULTATION, ALL,
     consultation_get_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/consultations/{id}/answer", API_SCOPE_CONSULTATION,
     AUTH_ROLE_MEMBER, answer_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/consultations/{id}/results", API_SCOPE_CONSULTATION, READERS,
     results_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
