/* api-journal.c: a meeting's journal, read and verified.
 *
 * DOMAIN.md: every named vote, entered count, floor grant and attendance change goes into "an
 * append-only, hash-chained journal of the meeting; a member can verify that their own recorded
 * vote is in it". So the body's members (and its staff) read the entries exactly as stored, the
 * canonical text and its hash, and can recompute the chain themselves (server/domain/journal.h
 * gives the byte format); the verify route recomputes it on the server and names the first entry
 * that does not hold, as `phonghop-admin verify-journal` does.
 */
#include "api-internal.h"

#include "record/record.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define NOT_GUEST (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER)

#define JOURNAL_PAGE_DEFAULT 100
#define JOURNAL_PAGE_MAX     1000

/* The rule of schema 0004 for reading a meeting (members once it is no longer a draft). */
static gboolean may_read(DbConn *conn, ApiCall *call, gboolean *ok, GError **error)
{
    char mid[24], uid[24];
    const char *p[] = {api_i64(mid, call->ids[0]), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT phonghop_may_read_meeting($1, $2)", 2, p, error);
    if (!r)
        return FALSE;
    *ok = db_rows_count(r) == 1 && db_rows_get_bool(r, 0, 0);
    if (!*ok)
        api_call_fail(call, 403, "forbidden",
                      "meeting %" G_GINT64_FORMAT " is not open to you (yet)", call->ids[0]);
    return TRUE;
}

/* ?after=SEQ (entries after it; default 0) &limit=N (default 100, at most 1000). */
static gboolean journal_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = FALSE;
    gint64 after = 0, limit = JOURNAL_PAGE_DEFAULT;
    if (!api_query_int(call, "after", 0, G_MAXINT64, &after) ||
        !api_query_int(call, "limit", 1, JOURNAL_PAGE_MAX, &limit))
        return TRUE;
    if (!may_read(conn, call, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24], af[24], li[24];
    /* One more than asked tells whether another page follows. */
    const char *p[] = {api_i64(mid, call->ids[0]), api_i64(af, after), api_i64(li, limit + 1)};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT seq, kind, "
                     "       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                     "       AS at, actor, entry, encode(hash, 'hex') AS hash "
                     "FROM meeting_journal WHERE meeting_id = $1 AND seq > $2 "
                     "ORDER BY seq LIMIT $3",
                     3, p, error);
    if (!rows)
        return FALSE;
    g_autoptr(DbRows) head = db_conn_exec(
        conn,
        "SELECT m.journal_seq, (SELECT encode(hash, 'hex') FROM meeting_journal j "
        "  WHERE j.meeting_id = m.id AND j.seq = m.journal_seq) FROM meetings m WHERE m.id = $1",
        1, p, error);
    if (!head)
        return FALSE;
    guint n = MIN(db_rows_count(rows), (guint)limit);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, call->ids[0]);
    json_builder_set_member_name(b, "entries");
    json_builder_begin_array(b);
    static const char *const cols[] = {"seq", "kind", "at", "actor", "entry", "hash"};
    for (guint r = 0; r < n; r++) {
        json_builder_begin_object(b);
        for (guint c = 0; c < G_N_ELEMENTS(cols); c++) {
            json_builder_set_member_name(b, cols[c]);
            if (c == 0)
                json_builder_add_int_value(b, db_rows_get_int64(rows, r, c));
            else if (db_rows_is_null(rows, r, c))
                json_builder_add_null_value(b);
            else
                json_builder_add_string_value(b, db_rows_get(rows, r, c));
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "next_after");
    if (db_rows_count(rows) > (guint)limit)
        json_builder_add_int_value(b, db_rows_get_int64(rows, n - 1, 0));
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "head_seq");
    json_builder_add_int_value(b, db_rows_count(head) ? db_rows_get_int64(head, 0, 0) : 0);
    json_builder_set_member_name(b, "head_hash");
    if (db_rows_count(head) && !db_rows_is_null(head, 0, 1))
        json_builder_add_string_value(b, db_rows_get(head, 0, 1));
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

static gboolean verify_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = FALSE;
    if (!may_read(conn, call, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    RecordVerification v;
    if (!record_verify_journal(conn, call->ids[0], &v, error))
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, call->ids[0]);
    json_builder_set_member_name(b, "valid");
    json_builder_add_boolean_value(b, v.first_bad_seq == 0);
    json_builder_set_member_name(b, "entries");
    json_builder_add_int_value(b, v.entries);
    json_builder_set_member_name(b, "first_bad_seq");
    if (v.first_bad_seq)
        json_builder_add_int_value(b, v.first_bad_seq);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "reason");
    if (v.reason)
        json_builder_add_string_value(b, v.reason);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "head_hash");
    if (v.first_bad_seq == 0 && v.head_hash_hex)
        json_builder_add_string_value(b, v.head_hash_hex);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    record_verification_clear(&v);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

const ApiRoute api_journal_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/journal", API_SCOPE_MEETING, NOT_GUEST, journal_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/journal/verify", API_SCOPE_MEETING, NOT_GUEST,
     verify_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
