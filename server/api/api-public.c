/* api-public.c: the public read of a public meeting, without signing in
 * (GET /api/v1/public/meetings/{id}), and the same view for a hall's screen bound to a site
 * (GET /api/v1/screen, api-screens.c).
 *
 * Design. One call answers everything a public page needs to draw a sitting: the meeting (title,
 * body, time, place, status), its sittings, the programme (agenda), the current item, who has the
 * floor, the released public documents, the votes with their results in the law's words, and the
 * number of the meeting's last event, so the page follows /ws from there without a gap. It is
 * read in one transaction, so the snapshot and last_seq agree.
 *
 * What the public sees follows DOMAIN.md ("public by default; an item or a whole sitting may be
 * closed (họp kín): then no public stream, no public recording, restricted documents") and the
 * live events' rules (docs/live-protocol.md):
 *  - a meeting that is not public, or still a draft, does not exist for the public: the answer is
 *    the same 404 as for a meeting that does not exist, so not even its existence leaks;
 *  - the programme is published whole (titles of closed items included, as agenda.changed does),
 *    each item marked is_public; a closed item shows nothing else: no documents, no speaker, no
 *    votes (phonghop_item_public in the schema: the item and its sitting are both public);
 *  - documents: released, unclassified, marked public, without an access list, on a public item;
 *  - votes: opened, closed or cancelled (never a draft); counts and results only once closed, as
 *    poll_to_json shows them to a member; a named vote's per-member choices once it is closed
 *    (DOMAIN.md: "electronic named vote (everyone's choice is recorded and published)").
 *
 * Caching: the page is watched by many at once. The answer carries a strong ETag (SHA-256 of the
 * body) and "Cache-Control: public, max-age=5", so browsers and a reverse proxy serve repeats
 * without a database round trip, and a conditional request that matches is answered 304 with no
 * body. Live changes reach the page over /ws; the snapshot is read once, and again only after a
 * reconnect that could not be replayed.
 */
#include "api-public.h"

#include "api-documents.h"
#include "api-meetings.h"
#include "floor/floor-store.h"
#include "votes/votes.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define PUBLIC_MAX_AGE "5"

static JsonNode *rows_array(DbRows *rows, const char *const *cols, const char *kinds)
{
    g_autoptr(JsonNode) wrapped = mtg_wrap_rows("x", rows, cols, kinds);
    return json_node_copy(json_object_get_member(json_node_get_object(wrapped), "x"));
}

/* A member's choice in the law's words. */
static const char *choice_vi(const char *choice)
{
    if (!choice)
        return "không tham gia biểu quyết";
    if (g_str_equal(choice, "for"))
        return "tán thành";
    if (g_str_equal(choice, "against"))
        return "không tán thành";
    return "không biểu quyết";
}

/* [{user_id, full_name, choice (null: did not vote), choice_vi}] of a closed named vote, in the
 * order of the named record (vote_named_csv). */
static JsonNode *named_choices(DbConn *conn, gint64 poll_id, GError **error)
{
    char pid[24];
    const char *p[] = {api_i64(pid, poll_id)};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        "SELECT u.id, u.full_name, b.choice "
        "FROM poll_roster r JOIN users u ON u.id = r.user_id "
        "LEFT JOIN LATERAL (SELECT * FROM poll_ballots x WHERE x.poll_id = r.poll_id AND "
        "                   x.user_id = r.user_id ORDER BY x.revision DESC LIMIT 1) b ON true "
        "WHERE r.poll_id = $1 ORDER BY u.full_name COLLATE \"C\", u.id",
        1, p, error);
    if (!rows)
        return NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(rows); i++) {
        const char *choice = db_rows_is_null(rows, i, 2) ? NULL : db_rows_get(rows, i, 2);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "user_id");
        json_builder_add_int_value(b, db_rows_get_int64(rows, i, 0));
        json_builder_set_member_name(b, "full_name");
        json_builder_add_string_value(b, db_rows_get(rows, i, 1));
        json_builder_set_member_name(b, "choice");
        if (choice)
            json_builder_add_string_value(b, choice);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "choice_vi");
        json_builder_add_string_value(b, choice_vi(choice));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}

static JsonNode *polls_array(DbConn *conn, gint64 meeting_id, gboolean all_items, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, meeting_id), all_items ? "t" : "f"};
    g_autoptr(DbRows) ids = db_conn_exec(
        conn,
        "SELECT id FROM polls WHERE meeting_id = $1 AND state IN ('open', 'closed', 'cancelled') "
        "  AND ($2::boolean OR phonghop_item_public(agenda_item_id)) ORDER BY id",
        2, p, error);
    if (!ids)
        return NULL;
    JsonArray *a = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, a);
    for (guint i = 0; i < db_rows_count(ids); i++) {
        g_autoptr(Poll) poll =
            poll_load(conn, meeting_id, db_rows_get_int64(ids, i, 0), FALSE, error);
        if (!poll) {
            json_node_unref(node);
            return NULL;
        }
        JsonNode *pj = poll_to_json(poll, FALSE);
        if (poll->state == POLL_STATE_CLOSED && poll->rules.form == VOTE_FORM_NAMED) {
            JsonNode *named = named_choices(conn, poll->id, error);
            if (!named) {
                json_node_unref(pj);
                json_node_unref(node);
                return NULL;
            }
            json_object_set_member(json_node_get_object(pj), "named", named);
        }
        json_array_add_element(a, pj);
    }
    return node;
}

JsonNode *public_meeting_view(DbConn *conn, gint64 meeting_id, gboolean all_items, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, meeting_id), all_items ? "t" : "f"};
    g_autoptr(DbRows) m = db_conn_exec(
        conn,
        "SELECT m.id, m.title, m.kind, m.status, phonghop_ts(m.starts_at) AS starts_at, "
        "  m.location, phonghop_ts(m.opened_at) AS opened_at, "
        "  phonghop_ts(m.closed_at) AS closed_at, m.current_item_id, "
        "  ($2::boolean OR phonghop_item_public(m.current_item_id)) AS current_public, "
        "  b.id AS body_id, b.name AS body_name, b.kind AS body_kind, b.level AS body_level, "
        "  m.is_public, "
        "  m.event_seq "
        "FROM meetings m JOIN bodies b ON b.id = m.body_id WHERE m.id = $1",
        2, p, error);
    if (!m)
        return NULL;
    if (db_rows_count(m) == 0) {
        g_set_error(error, DB_ERROR, DB_ERROR_QUERY, "meeting %s vanished during the call", mid);
        return NULL;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting");
    static const char *const cols[] = {"id",        "title",           "kind",      "status",
                                       "starts_at", "location",        "opened_at", "closed_at",
                                       "is_public", "current_item_id", NULL};
    JsonNode *row = mtg_row_object(m, 0, cols, "isssssssbi");
    JsonObject *ro = json_node_get_object(row);
    JsonObject *body = json_object_new();
    json_object_set_int_member(body, "id", db_rows_get_int64(m, 0, 10));
    json_object_set_string_member(body, "name", db_rows_get(m, 0, 11));
    json_object_set_string_member(body, "kind", db_rows_get(m, 0, 12));
    json_object_set_string_member(body, "level", db_rows_get(m, 0, 13));
    json_object_set_object_member(ro, "body", body);
    gboolean current_public = db_rows_get_bool(m, 0, 9);
    json_builder_add_value(b, row);

    g_autoptr(DbRows) sittings =
        db_conn_exec(conn,
                     "SELECT id, number, title, phonghop_ts(starts_at) AS starts_at, is_public "
                     "FROM sittings WHERE meeting_id = $1 ORDER BY number",
                     1, p, error);
    if (!sittings)
        return NULL;
    static const char *const sitting_cols[] = {"id",        "number",    "title",
                                               "starts_at", "is_public", NULL};
    json_builder_set_member_name(b, "sittings");
    json_builder_add_value(b, rows_array(sittings, sitting_cols, "iissb"));

    JsonNode *agenda = agenda_items_array(conn, meeting_id, error);
    if (!agenda)
        return NULL;
    json_builder_set_member_name(b, "agenda");
    json_builder_add_value(b, agenda);

    g_autoptr(DbRows) docs = db_conn_exec(
        conn,
        "SELECT d.id, d.agenda_item_id, d.title, d.kind, d.released_version AS version, "
        "  encode(v.sha256, 'hex') AS sha256, v.size, v.media_type, v.file_name "
        "FROM documents d JOIN document_versions v "
        "  ON v.document_id = d.id AND v.version = d.released_version "
        "WHERE d.meeting_id = $1 AND d.released_version > 0 AND d.is_public "
        "  AND d.classification = 'none' AND NOT " DOC_RESTRICTED_SQL " "
        "  AND ($2::boolean OR phonghop_item_public(d.agenda_item_id)) ORDER BY d.id",
        2, p, error);
    if (!docs)
        return NULL;
    static const char *const doc_cols[] = {
        "id",     "agenda_item_id", "title",      "kind",      "version",
        "sha256", "size",           "media_type", "file_name", NULL};
    json_builder_set_member_name(b, "documents");
    json_builder_add_value(b, rows_array(docs, doc_cols, "iissisiss"));

    /* The floor: who speaks now, while the item under discussion is public. */
    json_builder_set_member_name(b, "speaker");
    JsonNode *floor = NULL;
    if (current_public && !floor_store_get(conn, meeting_id, &floor, NULL, error))
        return NULL;
    JsonNode *speaker =
        floor ? json_object_get_member(json_node_get_object(floor), "speaker") : NULL;
    if (speaker && JSON_NODE_HOLDS_OBJECT(speaker)) {
        JsonObject *s = json_node_get_object(speaker);
        /* The queue's bookkeeping stays with the members. */
        json_object_remove_member(s, "request_id");
        json_builder_add_value(b, json_node_copy(speaker));
    } else {
        json_builder_add_null_value(b);
    }
    g_clear_pointer(&floor, json_node_unref);

    JsonNode *polls = polls_array(conn, meeting_id, all_items, error);
    if (!polls)
        return NULL;
    json_builder_set_member_name(b, "polls");
    json_builder_add_value(b, polls);

    json_builder_set_member_name(b, "last_seq");
    json_builder_add_int_value(b, db_rows_get_int64(m, 0, 15));
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

void public_reply_cached(ApiCall *call, JsonNode *node, const char *cache_control)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    gsize len = 0;
    g_autofree char *text = json_generator_to_data(gen, &len);
    g_autofree char *sum =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
    g_autofree char *etag = g_strdup_printf("\"%.32s\"", sum);
    api_call_add_header(call, "etag", etag);
    api_call_add_header(call, "cache-control", cache_control);
    const char *inm = http_request_get_header(call->req, "if-none-match");
    if (inm && strstr(inm, etag)) {
        json_node_unref(node);
        api_call_reply(call, 304, NULL);
        return;
    }
    api_call_reply(call, 200, node);
}

static gboolean public_meeting_run(DbConn *conn, ApiCall *call, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, call->ids[0])};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT is_public AND status <> 'draft' FROM meetings WHERE id = $1", 1, p, error);
    if (!r)
        return FALSE;
    /* Not public, a draft, or no such meeting: one answer for all three. */
    if (db_rows_count(r) == 0 || !db_rows_get_bool(r, 0, 0)) {
        api_call_fail(call, 404, "not_found", "no public meeting %" G_GINT64_FORMAT, call->ids[0]);
        return TRUE;
    }
    JsonNode *view = public_meeting_view(conn, call->ids[0], FALSE, error);
    if (!view)
        return FALSE;
    public_reply_cached(call, view, "public, max-age=" PUBLIC_MAX_AGE);
    return TRUE;
}

const ApiRoute api_public_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/public/meetings/{id}", API_SCOPE_PUBLIC, 0, public_meeting_run,
     NULL},
    {0},
};
