/* api-meetings.c: meetings of a body, their lifecycle, sittings, invitations with RSVP,
 * notifications and corrections; and the helpers every meeting route shares (api-meetings.h).
 *
 * Design. Authorisation has two layers. The route table says which roles of the body may call
 * (secretariat and administrators prepare, the chair runs the sitting, members answer for
 * themselves), and the core checks it before anything runs. Reads add the finer rule of the
 * schema's phonghop_may_read_meeting(): a draft is seen only by those who prepare and chair it,
 * a guest sees only the meetings they are invited to. Every change first takes the meeting's row
 * lock (mtg_load with lock), so changes of one meeting are serialised with each other and with
 * the record's numbering, and each checks the lifecycle (server/domain/meeting.h) on the row as
 * the previous change committed it: a closed meeting refuses every edit with "meeting is closed:
 * add a correction instead", and corrections are appended instead.
 *
 * Every change is announced as an event of the meeting and, where the law keeps it (the
 * lifecycle, corrections), journaled in the meeting's hash chain, in the same transaction as the
 * change. Events follow the same read rule as the routes (mtg_audience): the public face of a
 * public meeting is public; anything else goes only to those who may read the meeting, so the
 * live feed shows a draft to no member and an invitation list to no uninvited guest.
 * Invitations become notifications (rows each user lists) when the meeting is scheduled, and at
 * once for an invitation added to a scheduled or open meeting.
 */
#include "api-meetings.h"

#include "recording/recording-service.h"

#include <stdlib.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

/* ---- shared helpers ---- */

gboolean mtg_load(DbConn *conn, ApiCall *call, gboolean lock, MtgRow *m, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->ids[0])};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       lock ? "SELECT id, body_id, status, is_public, "
                                              "agenda_version, current_item_id FROM meetings "
                                              "WHERE id = $1 FOR UPDATE"
                                            : "SELECT id, body_id, status, is_public, "
                                              "agenda_version, current_item_id FROM meetings "
                                              "WHERE id = $1",
                                       1, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) != 1) {
        g_set_error(error, DB_ERROR, DB_ERROR_QUERY, "meeting %s vanished during the call", id);
        return FALSE;
    }
    memset(m, 0, sizeof(*m));
    m->id = db_rows_get_int64(r, 0, 0);
    m->body_id = db_rows_get_int64(r, 0, 1);
    if (!mtg_status_parse(db_rows_get(r, 0, 2), &m->status, error))
        return FALSE;
    m->is_public = db_rows_get_bool(r, 0, 3);
    m->agenda_version = db_rows_get_int64(r, 0, 4);
    m->current_item_id = db_rows_get_int64(r, 0, 5);
    return TRUE;
}

gboolean mtg_check_read(DbConn *conn, ApiCall *call, const MtgRow *m, gboolean *ok, GError **error)
{
    *ok = TRUE;
    if (call->roles & MTG_STAFF)
        return TRUE;
    char mid[24], uid[24];
    const char *p[] = {api_i64(mid, m->id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT phonghop_may_read_meeting($1, $2)", 2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_get_bool(r, 0, 0))
        return TRUE;
    *ok = FALSE;
    if (m->status == MTG_STATUS_DRAFT)
        api_call_fail(call, 403, "forbidden",
                      "meeting %" G_GINT64_FORMAT
                      " is still in preparation: it is shown once it is scheduled",
                      m->id);
    else
        api_call_fail(call, 403, "forbidden",
                      "guests see only the meetings they are invited to, and meeting "
                      "%" G_GINT64_FORMAT " is not one of them",
                      m->id);
    return TRUE;
}

void mtg_fail(ApiCall *call, const GError *error, const char *field)
{
    if (error->domain == MTG_ERROR && error->code == MTG_ERROR_CLOSED)
        api_call_fail(call, 409, "meeting_closed", "%s", error->message);
    else if (error->domain == MTG_ERROR && error->code == MTG_ERROR_TRANSITION)
        api_call_fail(call, 409, "invalid_transition", "%s", error->message);
    else if (error->domain == MTG_ERROR && error->code == MTG_ERROR_STATE)
        api_call_fail(call, 409, "wrong_state", "%s", error->message);
    else if (error->domain == AGENDA_ERROR && error->code == AGENDA_ERROR_STALE)
        api_call_fail(call, 409, "conflict", "%s", error->message);
    else if (field)
        api_call_fail(call, 400, "invalid_field", "field '%s': %s", field, error->message);
    else
        api_call_fail(call, 400, "invalid_field", "%s", error->message);
}

char *mtg_actor(ApiCall *call)
{
    return g_strdup_printf("user:%" G_GINT64_FORMAT, call->session.user_id);
}

gboolean mtg_audience(DbConn *conn, const MtgRow *m, gboolean face, MtgAudience *out,
                      GError **error)
{
    memset(out, 0, sizeof(*out));
    if (face && m->is_public && m->status != MTG_STATUS_DRAFT) {
        out->visibility.is_public = TRUE;
        return TRUE;
    }
    char mid[24], bid[24];
    const char *p[] = {api_i64(mid, m->id), api_i64(bid, m->body_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT u.id FROM users u WHERE NOT u.disabled "
        "  AND (u.is_system_admin OR u.id IN (SELECT user_id FROM memberships WHERE body_id = $2)) "
        "  AND phonghop_may_read_meeting($1, u.id) ORDER BY u.id",
        2, p, error);
    if (!r)
        return FALSE;
    guint n = db_rows_count(r);
    /* Never NULL: an empty audience is nobody, not everyone. */
    out->audience = g_new0(gint64, n + 1);
    for (guint i = 0; i < n; i++)
        out->audience[i] = db_rows_get_int64(r, i, 0);
    out->visibility.audience = out->audience;
    out->visibility.n_audience = n;
    return TRUE;
}

void mtg_audience_clear(MtgAudience *a)
{
    g_clear_pointer(&a->audience, g_free);
}

static void add_value(JsonBuilder *b, DbRows *rows, guint r, int col, char kind)
{
    if (col < 0 || db_rows_is_null(rows, r, (guint)col)) {
        json_builder_add_null_value(b);
        return;
    }
    switch (kind) {
    case 'i':
        json_builder_add_int_value(b, db_rows_get_int64(rows, r, (guint)col));
        break;
    case 'b':
        json_builder_add_boolean_value(b, db_rows_get_bool(rows, r, (guint)col));
        break;
    case 'j': {
        JsonNode *n = json_from_string(db_rows_get(rows, r, (guint)col), NULL);
        if (n)
            json_builder_add_value(b, n);
        else
            json_builder_add_null_value(b);
        break;
    }
    default:
        json_builder_add_string_value(b, db_rows_get(rows, r, (guint)col));
        break;
    }
}

static void add_row(JsonBuilder *b, DbRows *rows, guint r, const char *const *cols,
                    const char *kinds)
{
    json_builder_begin_object(b);
    for (guint c = 0; cols[c]; c++) {
        json_builder_set_member_name(b, cols[c]);
        add_value(b, rows, r, db_rows_column(rows, cols[c]), kinds[c]);
    }
    json_builder_end_object(b);
}

JsonNode *mtg_row_object(DbRows *rows, guint row, const char *const *cols, const char *kinds)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    add_row(b, rows, row, cols, kinds);
    return json_builder_get_root(b);
}

JsonNode *mtg_wrap_rows(const char *name, DbRows *rows, const char *const *cols, const char *kinds)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (guint r = 0; r < db_rows_count(rows); r++)
        add_row(b, rows, r, cols, kinds);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *mtg_wrap_row(const char *name, DbRows *rows, const char *const *cols, const char *kinds)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, name);
    if (db_rows_count(rows) > 0)
        add_row(b, rows, 0, cols, kinds);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

gboolean mtg_body_known(ApiCall *call, const char *const *allowed)
{
    if (!call->body)
        return TRUE;
    g_autoptr(GList) names = json_object_get_members(call->body);
    for (GList *l = names; l; l = l->next) {
        if (!g_strv_contains((const char *const *)allowed, l->data)) {
            g_autofree char *list = g_strjoinv(", ", (char **)allowed);
            api_call_fail(call, 400, "invalid_field", "unknown field '%s': expected %s",
                          (const char *)l->data, list);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean mtg_body_has(ApiCall *call, const char *name)
{
    return call->body && json_object_has_member(call->body, name);
}

gboolean mtg_body_bool(ApiCall *call, const char *name, gboolean required, gboolean *out)
{
    JsonNode *node = call->body ? json_object_get_member(call->body, name) : NULL;
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        if (required) {
            api_call_fail(call, 400, "missing_field", "missing field '%s'", name);
            return FALSE;
        }
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
        api_call_fail(call, 400, "invalid_field", "field '%s' must be true or false", name);
        return FALSE;
    }
    *out = json_node_get_boolean(node);
    return TRUE;
}

gboolean mtg_body_time(ApiCall *call, const char *name, gboolean required, char **out)
{
    *out = NULL;
    if (!mtg_body_has(call, name) ||
        JSON_NODE_HOLDS_NULL(json_object_get_member(call->body, name))) {
        if (required) {
            api_call_fail(call, 400, "missing_field", "missing field '%s'", name);
            return FALSE;
        }
        return TRUE;
    }
    g_autofree char *s = api_body_string(call, name, 64, TRUE);
    if (!s)
        return FALSE;
    /* Parsed twice with different default zones: a text without an offset gives two times. */
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GTimeZone) plus1 = g_time_zone_new_offset(3600);
    g_autoptr(GDateTime) a = g_date_time_new_from_iso8601(s, utc);
    g_autoptr(GDateTime) b = g_date_time_new_from_iso8601(s, plus1);
    if (!a || !b || !g_date_time_equal(a, b) || g_date_time_get_year(a) < 2000 ||
        g_date_time_get_year(a) > 2200) {
        api_call_fail(call, 400, "invalid_field",
                      "field '%s' must be a date and time with its offset, like "
                      "2026-07-01T08:00:00+07:00",
                      name);
        return FALSE;
    }
    g_autoptr(GDateTime) u = g_date_time_to_utc(a);
    *out = g_date_time_format(u, "%Y-%m-%dT%H:%M:%SZ");
    return TRUE;
}

gboolean mtg_body_date(ApiCall *call, const char *name, gboolean required, char **out)
{
    *out = NULL;
    if (!mtg_body_has(call, name) ||
        JSON_NODE_HOLDS_NULL(json_object_get_member(call->body, name))) {
        if (required) {
            api_call_fail(call, 400, "missing_field", "missing field '%s'", name);
            return FALSE;
        }
        return TRUE;
    }
    g_autofree char *s = api_body_string(call, name, 10, TRUE);
    if (!s)
        return FALSE;
    gboolean shape = strlen(s) == 10 && s[4] == '-' && s[7] == '-';
    for (guint i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
            shape = FALSE;
    guint y = shape ? (guint)atoi(s) : 0, m = shape ? (guint)atoi(s + 5) : 0,
          d = shape ? (guint)atoi(s + 8) : 0;
    if (!shape || y < 1900 || y > 2200 ||
        !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y)) {
        api_call_fail(call, 400, "invalid_field", "field '%s' must be a date like 2026-07-01",
                      name);
        return FALSE;
    }
    *out = g_steal_pointer(&s);
    return TRUE;
}

gboolean mtg_body_choice(ApiCall *call, const char *name, const char *const *choices,
                         gboolean required, char **out)
{
    *out = NULL;
    g_autofree char *s = api_body_string(call, name, 64, required);
    if (!s)
        return !call->error_code;
    if (!g_strv_contains(choices, s)) {
        g_autofree char *list = g_strjoinv(", ", (char **)choices);
        api_call_fail(call, 400, "invalid_field", "field '%s' must be one of %s, got '%s'", name,
                      list, s);
        return FALSE;
    }
    *out = g_steal_pointer(&s);
    return TRUE;
}

gboolean mtg_body_ref(ApiCall *call, const char *name, gboolean *present, gint64 *out)
{
    *present = mtg_body_has(call, name);
    *out = 0;
    if (!*present || JSON_NODE_HOLDS_NULL(json_object_get_member(call->body, name)))
        return TRUE;
    return api_body_int(call, name, 1, G_MAXINT64, TRUE, out);
}

/* The notification's text, in Vietnamese first: "Giấy mời: TITLE, 08h00 ngày 01/07/2026, tại
 * PLACE". Times are shown in Vietnam's time. */
#define NOTIFY_WHEN_WHERE                                                                        \
    "coalesce(', ' || to_char(m.starts_at AT TIME ZONE 'Asia/Ho_Chi_Minh', "                     \
    "'HH24\"h\"MI \"ngày\" DD/MM/YYYY'), '') || CASE WHEN m.location <> '' THEN ', tại ' || " \
    "m.location ELSE '' END"

gboolean mtg_notify_invitees(DbConn *conn, gint64 meeting_id, const char *kind,
                             const gint64 *only_ids, guint n_ids, GError **error)
{
    char mid[24];
    g_autofree char *ids = NULL;
    if (only_ids) {
        GString *s = g_string_new("{");
        for (guint i = 0; i < n_ids; i++)
            g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? "," : "", only_ids[i]);
        g_string_append_c(s, '}');
        ids = g_string_free(s, FALSE);
    }
    const char *p[] = {api_i64(mid, meeting_id), kind, ids};
    if (!db_conn_run(conn,
                     "INSERT INTO notifications (user_id, kind, meeting_id, text, payload) "
                     "SELECT i.user_id, $2, m.id, "
                     "       CASE $2 WHEN 'invitation' THEN 'Giấy mời: ' "
                     "               WHEN 'meeting.changed' THEN 'Thay đổi lịch họp: ' "
                     "               ELSE 'Hoãn cuộc họp: ' END || m.title || " NOTIFY_WHEN_WHERE
                     ", "
                     "       jsonb_build_object('meeting_id', m.id, 'title', m.title, "
                     "                          'starts_at', m.starts_at, 'location', m.location, "
                     "                          'invitation_id', i.id) "
                     "FROM invitations i JOIN meetings m ON m.id = i.meeting_id "
                     "WHERE i.meeting_id = $1 AND i.user_id IS NOT NULL "
                     "  AND ($3::bigint[] IS NULL OR i.id = ANY ($3::bigint[])) "
                     "ORDER BY i.id",
                     3, p, error))
        return FALSE;
    const char *q[] = {mid, ids};
    return db_conn_run(conn,
                       "UPDATE invitations SET notified_at = now() WHERE meeting_id = $1 "
                       "  AND ($2::bigint[] IS NULL OR id = ANY ($2::bigint[]))",
                       2, q, error);
}

/* ---- meetings ---- */

#define MEETING_SELECT                                                                            \
    "SELECT id, body_id, term_id, title, kind, status, phonghop_ts(starts_at) AS starts_at, "     \
    "location, is_public, agenda_version, current_item_id, phonghop_ts(opened_at) AS opened_at, " \
    "phonghop_ts(closed_at) AS closed_at, phonghop_ts(archived_at) AS archived_at, "              \
    "phonghop_ts(updated_at) AS updated_at FROM meetings "

static const char *const meeting_cols[] = {
    "id",        "body_id",        "term_id",         "title",
    "kind",      "status",         "starts_at",       "location",
    "is_public", "agenda_version", "current_item_id", "opened_at",
    "closed_at", "archived_at",    "updated_at",      NULL};
#define MEETING_KINDS "iiisssssbiissss"

static const char *const meeting_fields[] = {"title",     "kind",    "starts_at", "location",
                                             "is_public", "term_id", NULL};

/* The meeting's row as JSON. (transfer full) or NULL with error. */
static JsonNode *meeting_object(DbConn *conn, gint64 id, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, id)};
    g_autoptr(DbRows) r = db_conn_exec(conn, MEETING_SELECT "WHERE id = $1", 1, p, error);
    if (!r)
        return NULL;
    return mtg_row_object(r, 0, meeting_cols, MEETING_KINDS);
}

static JsonNode *wrap_node(const char *name, JsonNode *node)
{
    JsonObject *o = json_object_new();
    json_object_set_member(o, name, node);
    JsonNode *root = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(root, o);
    return root;
}

/* Appends a fact (journal + event) whose payload is {"meeting": row} plus extras. */
static gboolean record_meeting(DbConn *conn, ApiCall *call, const MtgRow *m, const char *kind,
                               JsonObject *extra, GError **error)
{
    JsonNode *row = meeting_object(conn, m->id, error);
    if (!row)
        return FALSE;
    g_autoptr(JsonNode) payload = wrap_node("meeting", row);
    if (extra) {
        g_autoptr(GList) names = json_object_get_members(extra);
        for (GList *l = names; l; l = l->next)
            json_object_set_member(json_node_get_object(payload), l->data,
                                   json_node_copy(json_object_get_member(extra, l->data)));
    }
    g_autofree char *actor = mtg_actor(call);
    g_auto(MtgAudience) to = {0};
    return mtg_audience(conn, m, TRUE, &to, error) &&
           record_fact(conn, m->id, kind, actor, payload, &to.visibility, error);
}

/* Checks term_id belongs to the body; sets a 400 otherwise. */
static gboolean check_term(DbConn *conn, ApiCall *call, gint64 body_id, gint64 term_id,
                           gboolean *ok, GError **error)
{
    *ok = TRUE;
    if (!term_id)
        return TRUE;
    char t[24], b[24];
    const char *p[] = {api_i64(t, term_id), api_i64(b, body_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT 1 FROM terms WHERE id = $1 AND body_id = $2", 2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        *ok = FALSE;
        api_call_fail(call, 400, "invalid_field",
                      "field 'term_id': body %" G_GINT64_FORMAT " has no term %" G_GINT64_FORMAT,
                      body_id, term_id);
    }
    return TRUE;
}

static gboolean meetings_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    char bid[24], uid[24];
    const char *p[] = {api_i64(bid, call->body_id), api_i64(uid, call->session.user_id),
                       (call->roles & MTG_STAFF) ? "t" : "f"};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        MEETING_SELECT "WHERE body_id = $1 AND ($3::boolean OR phonghop_may_read_meeting(id, $2)) "
                       "ORDER BY meetings.starts_at NULLS LAST, id",
        3, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 200, mtg_wrap_rows("meetings", rows, meeting_cols, MEETING_KINDS));
    return TRUE;
}

static gboolean meeting_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    if (!mtg_body_known(call, meeting_fields))
        return TRUE;
    g_autofree char *title = api_body_string(call, "title", 500, TRUE);
    if (!title)
        return TRUE;
    static const char *const kinds[] = {"regular",  "extraordinary",  "first_of_term",
                                        "thematic", "interpellation", NULL};
    g_autofree char *kind = NULL, *starts = NULL;
    if (!mtg_body_choice(call, "kind", kinds, TRUE, &kind) ||
        !mtg_body_time(call, "starts_at", FALSE, &starts))
        return TRUE;
    g_autofree char *location = api_body_string(call, "location", 500, FALSE);
    if (call->error_code)
        return TRUE;
    gboolean is_public = TRUE, ok = TRUE, has_term = FALSE;
    gint64 term = 0;
    if (!mtg_body_bool(call, "is_public", FALSE, &is_public) ||
        !mtg_body_ref(call, "term_id", &has_term, &term))
        return TRUE;
    if (!check_term(conn, call, call->body_id, term, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char bid[24], tid[24];
    const char *p[] = {api_i64(bid, call->body_id),
                       title,
                       kind,
                       starts,
                       location ? location : "",
                       is_public ? "t" : "f",
                       term ? api_i64(tid, term) : NULL};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "INSERT INTO meetings (body_id, title, kind, starts_at, "
                                       "location, is_public, term_id) "
                                       "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                       7, p, error);
    if (!r)
        return FALSE;
    MtgRow m = {db_rows_get_int64(r, 0, 0), call->body_id, MTG_STATUS_DRAFT, is_public, 1, 0};
    if (!record_meeting(conn, call, &m, "meeting.created", NULL, error))
        return FALSE;
    JsonNode *row = meeting_object(conn, m.id, error);
    if (!row)
        return FALSE;
    api_call_reply(call, 201, wrap_node("meeting", row));
    return TRUE;
}

static gboolean meeting_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24], uid[24];
    const char *p[] = {api_i64(mid, m.id)};
    JsonNode *row = meeting_object(conn, m.id, error);
    if (!row)
        return FALSE;
    g_autoptr(JsonNode) node = wrap_node("meeting", row);
    JsonObject *o = json_node_get_object(node);

    JsonNode *agenda = agenda_items_array(conn, m.id, error);
    if (!agenda)
        return FALSE;
    json_object_set_member(o, "agenda", agenda);

    g_autoptr(DbRows) sittings =
        db_conn_exec(conn,
                     "SELECT id, number, title, phonghop_ts(starts_at) AS starts_at, is_public "
                     "FROM sittings WHERE meeting_id = $1 "
                     "ORDER BY number",
                     1, p, error);
    if (!sittings)
        return FALSE;
    static const char *const sitting_cols[] = {"id",        "number",    "title",
                                               "starts_at", "is_public", NULL};
    g_autoptr(JsonNode) sn = mtg_wrap_rows("sittings", sittings, sitting_cols, "iissb");
    json_object_set_member(
        o, "sittings",
        json_node_copy(json_object_get_member(json_node_get_object(sn), "sittings")));

    const char *q[] = {mid, api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) inv =
        db_conn_exec(conn,
                     "SELECT id, kind, rsvp, rsvp_note, phonghop_ts(notified_at) AS notified_at "
                     "FROM invitations WHERE meeting_id = $1 AND user_id = $2",
                     2, q, error);
    if (!inv)
        return FALSE;
    static const char *const inv_cols[] = {"id", "kind", "rsvp", "rsvp_note", "notified_at", NULL};
    g_autoptr(JsonNode) in = mtg_wrap_row("my_invitation", inv, inv_cols, "issss");
    json_object_set_member(
        o, "my_invitation",
        json_node_copy(json_object_get_member(json_node_get_object(in), "my_invitation")));
    api_call_reply(call, 200, g_steal_pointer(&node));
    return TRUE;
}

static gboolean meeting_update_run(DbConn *conn, ApiCall *call, GError **error)
{
    if (!mtg_body_known(call, meeting_fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (!mtg_check_editable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    if (!call->body || json_object_get_size(call->body) == 0) {
        api_call_fail(call, 400, "missing_field",
                      "nothing to change: send at least one of title, kind, starts_at, location, "
                      "is_public, term_id");
        return TRUE;
    }
    g_autofree char *title = NULL, *kind = NULL, *starts = NULL, *location = NULL;
    static const char *const kinds[] = {"regular",  "extraordinary",  "first_of_term",
                                        "thematic", "interpellation", NULL};
    if (mtg_body_has(call, "title") && !(title = api_body_string(call, "title", 500, TRUE)))
        return TRUE;
    if (!mtg_body_choice(call, "kind", kinds, FALSE, &kind) ||
        !mtg_body_time(call, "starts_at", FALSE, &starts))
        return TRUE;
    if (mtg_body_has(call, "location")) {
        location = api_body_string(call, "location", 500, FALSE);
        if (call->error_code)
            return TRUE;
    }
    gboolean is_public = m.is_public, has_term = FALSE, ok = TRUE;
    gint64 term = 0;
    if (!mtg_body_bool(call, "is_public", FALSE, &is_public) ||
        !mtg_body_ref(call, "term_id", &has_term, &term))
        return TRUE;
    if (!check_term(conn, call, m.body_id, term, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    gboolean has_starts = mtg_body_has(call, "starts_at");
    gboolean has_location = mtg_body_has(call, "location");
    if (has_starts && !starts && m.status != MTG_STATUS_DRAFT) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'starts_at': a scheduled meeting keeps a start time");
        return TRUE;
    }
    char mid[24], tid[24];
    const char *p[] = {api_i64(mid, m.id),
                       title,
                       kind,
                       has_starts ? "t" : "f",
                       starts,
                       has_location ? (location ? location : "") : NULL,
                       is_public ? "t" : "f",
                       has_term ? "t" : "f",
                       term ? api_i64(tid, term) : NULL};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "WITH old AS (SELECT starts_at, location FROM meetings WHERE id = $1) "
        "UPDATE meetings SET title = coalesce($2, title), kind = coalesce($3, kind), "
        "  starts_at = CASE WHEN $4::boolean THEN $5::timestamptz ELSE starts_at END, "
        "  location = coalesce($6, location), is_public = $7, "
        "  term_id = CASE WHEN $8::boolean THEN $9::bigint ELSE term_id END, updated_at = now() "
        "WHERE id = $1 "
        "RETURNING (SELECT starts_at FROM old) IS DISTINCT FROM starts_at "
        "       OR (SELECT location FROM old) IS DISTINCT FROM location",
        9, p, error);
    if (!r)
        return FALSE;
    gboolean moved = db_rows_get_bool(r, 0, 0);
    m.is_public = is_public;
    g_autoptr(JsonObject) extra = json_object_new();
    JsonArray *changed = json_array_new();
    g_autoptr(GList) names = json_object_get_members(call->body);
    for (GList *l = names; l; l = l->next)
        json_array_add_string_element(changed, l->data);
    json_object_set_array_member(extra, "changed", changed);
    if (!record_meeting(conn, call, &m, "meeting.updated", extra, error))
        return FALSE;
    /* Invitees of a meeting that is out are told when its time or place changes. */
    if (moved && (m.status == MTG_STATUS_SCHEDULED || m.status == MTG_STATUS_OPEN) &&
        !mtg_notify_invitees(conn, m.id, "meeting.changed", NULL, 0, error))
        return FALSE;
    JsonNode *row = meeting_object(conn, m.id, error);
    if (!row)
        return FALSE;
    api_call_reply(call, 200, wrap_node("meeting", row));
    return TRUE;
}

/* A lifecycle transition to `to`. */
static gboolean transition(DbConn *conn, ApiCall *call, MtgStatus to, GError **error)
{
    static const char *const none[] = {NULL};
    if (!mtg_body_known(call, none))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (!mtg_transition_check(m.status, to, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    char mid[24];
    const char *p[] = {api_i64(mid, m.id), mtg_status_to_string(to)};
    if (to == MTG_STATUS_SCHEDULED) {
        g_autoptr(DbRows) s =
            db_conn_exec(conn, "SELECT starts_at IS NULL FROM meetings WHERE id = $1", 1, p, error);
        if (!s)
            return FALSE;
        if (db_rows_get_bool(s, 0, 0)) {
            api_call_fail(call, 409, "wrong_state",
                          "meeting has no start time: set starts_at before scheduling it");
            return TRUE;
        }
    }
    if (!db_conn_run(conn,
                     "UPDATE meetings SET status = $2, updated_at = now(), "
                     "  opened_at = CASE WHEN $2 = 'open' THEN now() ELSE opened_at END, "
                     "  closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE closed_at END, "
                     "  archived_at = CASE WHEN $2 = 'archived' THEN now() ELSE archived_at END, "
                     "  current_item_id = CASE WHEN $2 = 'closed' THEN NULL "
                     "                         ELSE current_item_id END "
                     "WHERE id = $1",
                     2, p, error))
        return FALSE;
    MtgStatus from = m.status;
    m.status = to;
    g_autoptr(JsonObject) extra = json_object_new();
    json_object_set_string_member(extra, "from", mtg_status_to_string(from));
    json_object_set_string_member(extra, "to", mtg_status_to_string(to));
    if (!record_meeting(conn, call, &m, "meeting.status", extra, error))
        return FALSE;
    if (to == MTG_STATUS_SCHEDULED &&
        !mtg_notify_invitees(conn, m.id, "invitation", NULL, 0, error))
        return FALSE;
    if (to == MTG_STATUS_DRAFT &&
        !mtg_notify_invitees(conn, m.id, "meeting.postponed", NULL, 0, error))
        return FALSE;
    JsonNode *row = meeting_object(conn, m.id, error);
    if (!row)
        return FALSE;
    api_call_reply(call, 200, wrap_node("meeting", row));
    return TRUE;
}

static gboolean schedule_run(DbConn *conn, ApiCall *call, GError **error)
{
    return transition(conn, call, MTG_STATUS_SCHEDULED, error);
}

static gboolean unschedule_run(DbConn *conn, ApiCall *call, GError **error)
{
    return transition(conn, call, MTG_STATUS_DRAFT, error);
}

static gboolean open_run(DbConn *conn, ApiCall *call, GError **error)
{
    return transition(conn, call, MTG_STATUS_OPEN, error);
}

static gboolean close_run(DbConn *conn, ApiCall *call, GError **error)
{
    return transition(conn, call, MTG_STATUS_CLOSED, error);
}

/* After the commit: the recording follows the meeting (recording-service.h). */
static void open_after(ApiCall *call)
{
    if (call->status == 200 && call->app->recordings)
        recording_service_meeting_status(call->app->recordings, call->ids[0], "open");
}

static void close_after(ApiCall *call)
{
    if (call->status == 200 && call->app->recordings)
        recording_service_meeting_status(call->app->recordings, call->ids[0], "closed");
}

static gboolean archive_run(DbConn *conn, ApiCall *call, GError **error)
{
    return transition(conn, call, MTG_STATUS_ARCHIVED, error);
}

/* ---- sittings ---- */

#define SITTING_SELECT                                                                      \
    "SELECT id, meeting_id, number, title, phonghop_ts(starts_at) AS starts_at, is_public " \
    "FROM sittings "
static const char *const sitting_cols[] = {"id",        "meeting_id", "number", "title",
                                           "starts_at", "is_public",  NULL};
#define SITTING_KINDS "iiissb"

static gboolean sittings_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24];
    const char *p[] = {api_i64(mid, m.id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, SITTING_SELECT "WHERE meeting_id = $1 ORDER BY number", 1, p, error);
    if (!r)
        return FALSE;
    api_call_reply(call, 200, mtg_wrap_rows("sittings", r, sitting_cols, SITTING_KINDS));
    return TRUE;
}

static gboolean record_sitting(DbConn *conn, ApiCall *call, const MtgRow *m, gint64 sitting_id,
                               guint status, GError **error)
{
    char sid[24];
    const char *p[] = {api_i64(sid, sitting_id)};
    g_autoptr(DbRows) r = db_conn_exec(conn, SITTING_SELECT "WHERE id = $1", 1, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonNode) payload = mtg_wrap_row("sitting", r, sitting_cols, SITTING_KINDS);
    g_autofree char *actor = mtg_actor(call);
    g_auto(MtgAudience) to = {0};
    if (!mtg_audience(conn, m, TRUE, &to, error) ||
        !record_fact(conn, m->id, "sitting.changed", actor, payload, &to.visibility, error))
        return FALSE;
    api_call_reply(call, status, json_node_copy(payload));
    return TRUE;
}

static const char *const sitting_fields[] = {"title", "starts_at", "is_public", NULL};

static gboolean sitting_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    if (!mtg_body_known(call, sitting_fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (!mtg_check_editable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    g_autofree char *title = api_body_string(call, "title", 500, TRUE);
    if (!title)
        return TRUE;
    g_autofree char *starts = NULL;
    gboolean is_public = m.is_public;
    if (!mtg_body_time(call, "starts_at", FALSE, &starts) ||
        !mtg_body_bool(call, "is_public", FALSE, &is_public))
        return TRUE;
    char mid[24];
    const char *p[] = {api_i64(mid, m.id), title, starts, is_public ? "t" : "f"};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "INSERT INTO sittings (meeting_id, number, title, starts_at, is_public) "
        "SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4 FROM sittings WHERE meeting_id = $1 "
        "RETURNING id",
        4, p, error);
    if (!r)
        return FALSE;
    return record_sitting(conn, call, &m, db_rows_get_int64(r, 0, 0), 201, error);
}

static gboolean sitting_update_run(DbConn *conn, ApiCall *call, GError **error)
{
    if (!mtg_body_known(call, sitting_fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    char mid[24], sid[24];
    const char *q[] = {api_i64(mid, m.id), api_i64(sid, call->ids[1])};
    g_autoptr(DbRows) s =
        db_conn_exec(conn, "SELECT 1 FROM sittings WHERE meeting_id = $1 AND id = $2", 2, q, error);
    if (!s)
        return FALSE;
    if (db_rows_count(s) == 0) {
        api_call_fail(call, 404, "not_found",
                      "meeting %" G_GINT64_FORMAT " has no sitting %" G_GINT64_FORMAT, m.id,
                      call->ids[1]);
        return TRUE;
    }
    if (!mtg_check_editable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    if (!call->body || json_object_get_size(call->body) == 0) {
        api_call_fail(call, 400, "missing_field",
                      "nothing to change: send at least one of title, starts_at, is_public");
        return TRUE;
    }
    g_autofree char *title = NULL, *starts = NULL;
    if (mtg_body_has(call, "title") && !(title = api_body_string(call, "title", 500, TRUE)))
        return TRUE;
    gboolean is_public = FALSE, has_public = mtg_body_has(call, "is_public");
    if (!mtg_body_time(call, "starts_at", FALSE, &starts) ||
        !mtg_body_bool(call, "is_public", FALSE, &is_public))
        return TRUE;
    const char *p[] = {sid, title, mtg_body_has(call, "starts_at") ? "t" : "f", starts,
                       has_public ? (is_public ? "t" : "f") : NULL};
    if (!db_conn_run(conn,
                     "UPDATE sittings SET title = coalesce($2, title), "
                     "  starts_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE starts_at END, "
                     "  is_public = coalesce($5::boolean, is_public) WHERE id = $1",
                     5, p, error))
        return FALSE;
    return record_sitting(conn, call, &m, call->ids[1], 200, error);
}

/* ---- invitations ---- */

#define INVITATION_SELECT                                                           \
    "SELECT i.id, i.meeting_id, i.kind, i.user_id, u.full_name, i.site_id, "        \
    "s.name AS site_name, i.rsvp, i.rsvp_note, phonghop_ts(i.rsvp_at) AS rsvp_at, " \
    "phonghop_ts(i.notified_at) AS notified_at FROM invitations i "                 \
    "LEFT JOIN users u ON u.id = i.user_id LEFT JOIN sites s ON s.id = i.site_id "
static const char *const invitation_cols[] = {"id",        "meeting_id", "kind",        "user_id",
                                              "full_name", "site_id",    "site_name",   "rsvp",
                                              "rsvp_note", "rsvp_at",    "notified_at", NULL};
#define INVITATION_KINDS "iisisisssss"

static gboolean invitations_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24];
    const char *p[] = {api_i64(mid, m.id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     INVITATION_SELECT
                     "WHERE i.meeting_id = $1 "
                     "ORDER BY array_position(ARRAY['member','staff','guest','site'], i.kind), "
                     "         u.full_name COLLATE \"C\", s.name COLLATE \"C\", i.id",
                     1, p, error);
    if (!r)
        return FALSE;
    api_call_reply(call, 200, mtg_wrap_rows("invitations", r, invitation_cols, INVITATION_KINDS));
    return TRUE;
}

/* Answers with the invitations ids and announces them. */
static gboolean reply_invitations(DbConn *conn, ApiCall *call, const MtgRow *m, GArray *ids,
                                  GError **error)
{
    g_autoptr(GString) s = g_string_new("{");
    for (guint i = 0; i < ids->len; i++)
        g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? "," : "",
                               g_array_index(ids, gint64, i));
    g_string_append_c(s, '}');
    const char *p[] = {s->str};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, INVITATION_SELECT "WHERE i.id = ANY ($1::bigint[]) ORDER BY i.id", 1, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonNode) payload =
        mtg_wrap_rows("invitations", r, invitation_cols, INVITATION_KINDS);
    g_auto(MtgAudience) to = {0};
    if (ids->len > 0 &&
        (!mtg_audience(conn, m, FALSE, &to, error) ||
         !record_event(conn, m->id, "invitation.added", payload, &to.visibility, NULL, error)))
        return FALSE;
    api_call_reply(call, 201, json_node_copy(payload));
    return TRUE;
}

static gboolean invitation_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"user_id", "site_id", "all_members", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (!mtg_check_editable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    gint64 user = 0, site = 0;
    gboolean all = FALSE;
    if (!api_body_int(call, "user_id", 1, G_MAXINT64, FALSE, &user) ||
        !api_body_int(call, "site_id", 1, G_MAXINT64, FALSE, &site) ||
        !mtg_body_bool(call, "all_members", FALSE, &all))
        return TRUE;
    if ((user != 0) + (site != 0) + (all != FALSE) != 1) {
        api_call_fail(call, 400, "invalid_field",
                      "send exactly one of 'user_id', 'site_id' or 'all_members': true");
        return TRUE;
    }
    gboolean out = m.status == MTG_STATUS_SCHEDULED || m.status == MTG_STATUS_OPEN;
    char mid[24], bid[24], uid[24], xid[24];
    api_i64(mid, m.id);
    api_i64(bid, m.body_id);
    api_i64(uid, call->session.user_id);
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));

    if (all) {
        const char *p[] = {mid, bid, uid};
        g_autoptr(DbRows) r =
            db_conn_exec(conn,
                         "INSERT INTO invitations (meeting_id, kind, user_id, created_by) "
                         "SELECT $1, 'member', s.user_id, $3 FROM memberships s "
                         "WHERE s.body_id = $2 AND s.role = 'member' ORDER BY s.user_id "
                         "ON CONFLICT (meeting_id, user_id) DO NOTHING RETURNING id",
                         3, p, error);
        if (!r)
            return FALSE;
        for (guint i = 0; i < db_rows_count(r); i++) {
            gint64 id = db_rows_get_int64(r, i, 0);
            g_array_append_val(ids, id);
        }
    } else if (site) {
        const char *p[] = {api_i64(xid, site), bid};
        g_autoptr(DbRows) s =
            db_conn_exec(conn, "SELECT 1 FROM sites WHERE id = $1 AND body_id = $2", 2, p, error);
        if (!s)
            return FALSE;
        if (db_rows_count(s) == 0) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'site_id': body %" G_GINT64_FORMAT
                          " has no site %" G_GINT64_FORMAT,
                          m.body_id, site);
            return TRUE;
        }
        const char *q[] = {mid, xid, uid};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            "INSERT INTO invitations (meeting_id, kind, site_id, created_by) "
            "VALUES ($1, 'site', $2, $3) ON CONFLICT (meeting_id, site_id) DO NOTHING RETURNING id",
            3, q, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 409, "exists", "site %" G_GINT64_FORMAT " is already invited",
                          site);
            return TRUE;
        }
        gint64 id = db_rows_get_int64(r, 0, 0);
        g_array_append_val(ids, id);
    } else {
        const char *p[] = {api_i64(xid, user), bid};
        g_autoptr(DbRows) u = db_conn_exec(
            conn,
            "SELECT coalesce(bool_or(s.role = 'member'), false), "
            "       coalesce(bool_or(s.role IN ('admin', 'secretariat', 'chair')), false), "
            "       count(s.role) FROM users u "
            "LEFT JOIN memberships s ON s.user_id = u.id AND s.body_id = $2 "
            "WHERE u.id = $1 AND NOT u.disabled GROUP BY u.id",
            2, p, error);
        if (!u)
            return FALSE;
        if (db_rows_count(u) == 0) {
            api_call_fail(call, 400, "invalid_field", "field 'user_id': no user %" G_GINT64_FORMAT,
                          user);
            return TRUE;
        }
        const char *kind = db_rows_get_bool(u, 0, 0)   ? "member"
                           : db_rows_get_bool(u, 0, 1) ? "staff"
                                                       : "guest";
        /* Someone from outside the body is invited as its guest: the role lets them read what
         * they are invited to, and nothing else. */
        if (db_rows_get_int64(u, 0, 2) == 0 &&
            !db_conn_run(conn,
                         "INSERT INTO memberships (body_id, user_id, role) VALUES ($2, $1, "
                         "'guest') ON CONFLICT DO NOTHING",
                         2, p, error))
            return FALSE;
        const char *q[] = {mid, kind, xid, uid};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            "INSERT INTO invitations (meeting_id, kind, user_id, created_by) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (meeting_id, user_id) DO NOTHING RETURNING id",
            4, q, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 409, "exists", "user %" G_GINT64_FORMAT " is already invited",
                          user);
            return TRUE;
        }
        gint64 id = db_rows_get_int64(r, 0, 0);
        g_array_append_val(ids, id);
    }
    if (out && ids->len > 0 &&
        !mtg_notify_invitees(conn, m.id, "invitation", (const gint64 *)(void *)ids->data, ids->len,
                             error))
        return FALSE;
    return reply_invitations(conn, call, &m, ids, error);
}

/* Finds invitation ids[1] of the meeting; 404 answer when it is not one of its. */
static gboolean find_invitation(DbConn *conn, ApiCall *call, const MtgRow *m, gboolean *found,
                                GError **error)
{
    char mid[24], iid[24];
    const char *p[] = {api_i64(mid, m->id), api_i64(iid, call->ids[1])};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT 1 FROM invitations WHERE meeting_id = $1 AND id = $2", 2, p, error);
    if (!r)
        return FALSE;
    *found = db_rows_count(r) == 1;
    if (!*found)
        api_call_fail(call, 404, "not_found",
                      "meeting %" G_GINT64_FORMAT " has no invitation %" G_GINT64_FORMAT, m->id,
                      call->ids[1]);
    return TRUE;
}

/* Records an answer to invitation id and announces it. */
static gboolean answer(DbConn *conn, ApiCall *call, const MtgRow *m, gint64 id, GError **error)
{
    static const char *const responses[] = {"accepted", "declined", "pending", NULL};
    g_autofree char *rsvp = NULL;
    if (!mtg_body_choice(call, "rsvp", responses, TRUE, &rsvp))
        return TRUE;
    g_autofree char *note = api_body_string(call, "note", 500, FALSE);
    if (call->error_code)
        return TRUE;
    char iid[24], uid[24];
    const char *p[] = {api_i64(iid, id), rsvp, note ? note : "",
                       api_i64(uid, call->session.user_id)};
    if (!db_conn_run(conn,
                     "UPDATE invitations SET rsvp = $2, rsvp_note = $3, rsvp_at = now(), "
                     "  rsvp_by = $4 WHERE id = $1",
                     4, p, error))
        return FALSE;
    g_autoptr(DbRows) r = db_conn_exec(conn, INVITATION_SELECT "WHERE i.id = $1", 1, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonNode) inv = mtg_wrap_row("invitation", r, invitation_cols, INVITATION_KINDS);
    /* The event says who answered what; the note stays with the invitation. */
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "invitation_id");
    json_builder_add_int_value(b, id);
    json_builder_set_member_name(b, "user_id");
    add_value(b, r, 0, db_rows_column(r, "user_id"), 'i');
    json_builder_set_member_name(b, "site_id");
    add_value(b, r, 0, db_rows_column(r, "site_id"), 'i');
    json_builder_set_member_name(b, "rsvp");
    json_builder_add_string_value(b, rsvp);
    json_builder_set_member_name(b, "by_user_id");
    json_builder_add_int_value(b, call->session.user_id);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_auto(MtgAudience) to = {0};
    if (!mtg_audience(conn, m, FALSE, &to, error) ||
        !record_event(conn, m->id, "invitation.rsvp", payload, &to.visibility, NULL, error))
        return FALSE;
    api_call_reply(call, 200, g_steal_pointer(&inv));
    return TRUE;
}

static gboolean rsvp_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"rsvp", "note", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    char mid[24], uid[24];
    const char *p[] = {api_i64(mid, m.id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT id FROM invitations WHERE meeting_id = $1 AND user_id = $2", 2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        api_call_fail(call, 403, "not_invited", "you are not invited to meeting %" G_GINT64_FORMAT,
                      m.id);
        return TRUE;
    }
    if (!mtg_check_rsvp(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    return answer(conn, call, &m, db_rows_get_int64(r, 0, 0), error);
}

static gboolean invitation_update_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"rsvp", "note", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    gboolean found = FALSE;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error) || !find_invitation(conn, call, &m, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (!mtg_check_rsvp(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    return answer(conn, call, &m, call->ids[1], error);
}

static gboolean invitation_delete_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean found = FALSE;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error) || !find_invitation(conn, call, &m, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (!mtg_check_editable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    char iid[24];
    const char *p[] = {api_i64(iid, call->ids[1])};
    if (!db_conn_run(conn, "DELETE FROM invitations WHERE id = $1", 1, p, error))
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "invitation_id");
    json_builder_add_int_value(b, call->ids[1]);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_auto(MtgAudience) to = {0};
    if (!mtg_audience(conn, &m, FALSE, &to, error) ||
        !record_event(conn, m.id, "invitation.removed", payload, &to.visibility, NULL, error))
        return FALSE;
    call->status = 204;
    return TRUE;
}

/* ---- corrections ---- */

#define CORRECTION_SELECT                                                      \
    "SELECT c.id, c.meeting_id, c.agenda_item_id, c.text, c.created_by, "      \
    "u.full_name AS created_by_name, phonghop_ts(c.created_at) AS created_at " \
    "FROM meeting_corrections c JOIN users u ON u.id = c.created_by "
static const char *const correction_cols[] = {"id",         "meeting_id", "agenda_item_id",
                                              "text",       "created_by", "created_by_name",
                                              "created_at", NULL};
#define CORRECTION_KINDS "iiisiss"

static gboolean corrections_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24];
    const char *p[] = {api_i64(mid, m.id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, CORRECTION_SELECT "WHERE c.meeting_id = $1 ORDER BY c.id", 1, p, error);
    if (!r)
        return FALSE;
    api_call_reply(call, 200, mtg_wrap_rows("corrections", r, correction_cols, CORRECTION_KINDS));
    return TRUE;
}

static gboolean correction_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"text", "agenda_item_id", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (!mtg_check_correctable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    g_autofree char *text = api_body_string(call, "text", 5000, TRUE);
    if (!text)
        return TRUE;
    gint64 item = 0;
    if (!api_body_int(call, "agenda_item_id", 1, G_MAXINT64, FALSE, &item))
        return TRUE;
    char mid[24], iid[24], uid[24];
    const char *p[] = {api_i64(mid, m.id), item ? api_i64(iid, item) : NULL, text,
                       api_i64(uid, call->session.user_id)};
    if (item) {
        const char *q[] = {mid, iid};
        g_autoptr(DbRows) r = db_conn_exec(
            conn, "SELECT 1 FROM agenda_items WHERE meeting_id = $1 AND id = $2", 2, q, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'agenda_item_id': meeting %" G_GINT64_FORMAT
                          " has no agenda item %" G_GINT64_FORMAT,
                          m.id, item);
            return TRUE;
        }
    }
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "INSERT INTO meeting_corrections (meeting_id, "
                                       "agenda_item_id, text, created_by) "
                                       "VALUES ($1, $2, $3, $4) RETURNING id",
                                       4, p, error);
    if (!r)
        return FALSE;
    const char *q[] = {db_rows_get(r, 0, 0)};
    g_autoptr(DbRows) c = db_conn_exec(conn, CORRECTION_SELECT "WHERE c.id = $1", 1, q, error);
    if (!c)
        return FALSE;
    g_autoptr(JsonNode) payload = mtg_wrap_row("correction", c, correction_cols, CORRECTION_KINDS);
    g_autofree char *actor = mtg_actor(call);
    g_auto(MtgAudience) to = {0};
    if (!mtg_audience(conn, &m, FALSE, &to, error) ||
        !record_fact(conn, m.id, "correction.added", actor, payload, &to.visibility, error))
        return FALSE;
    api_call_reply(call, 201, json_node_copy(payload));
    return TRUE;
}

/* ---- notifications ---- */

static gboolean notifications_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    const char *unread = http_request_get_query(call->req, "unread");
    if (unread && !g_str_equal(unread, "true") && !g_str_equal(unread, "false")) {
        api_call_fail(call, 400, "invalid_field", "query 'unread' must be true or false");
        return TRUE;
    }
    char uid[24];
    const char *p[] = {api_i64(uid, call->session.user_id),
                       unread && g_str_equal(unread, "true") ? "t" : "f"};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT id, kind, meeting_id, text, payload, phonghop_ts(created_at) AS created_at, "
        "       phonghop_ts(read_at) AS read_at, read_at IS NOT NULL AS read "
        "FROM notifications WHERE user_id = $1 AND (NOT $2::boolean OR read_at IS NULL) "
        "ORDER BY id DESC LIMIT 200",
        2, p, error);
    if (!r)
        return FALSE;
    g_autoptr(DbRows) n = db_conn_exec(
        conn, "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", 1, p,
        error);
    if (!n)
        return FALSE;
    static const char *const cols[] = {"id",         "kind",    "meeting_id", "text", "payload",
                                       "created_at", "read_at", "read",       NULL};
    JsonNode *node = mtg_wrap_rows("notifications", r, cols, "isisjssb");
    json_object_set_int_member(json_node_get_object(node), "unread", db_rows_get_int64(n, 0, 0));
    api_call_reply(call, 200, node);
    return TRUE;
}

static gboolean notification_read_run(DbConn *conn, ApiCall *call, GError **error)
{
    char nid[24], uid[24];
    const char *p[] = {api_i64(nid, call->ids[0]), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "UPDATE notifications SET read_at = coalesce(read_at, "
                                       "now()) WHERE id = $1 AND user_id = $2 RETURNING id",
                                       2, p, error);
    if (!r)
        return FALSE;
    /* Someone else's notification does not exist, as far as the caller can tell. */
    if (db_rows_count(r) == 0)
        api_call_fail(call, 404, "not_found", "no notification %s", nid);
    else
        call->status = 204;
    return TRUE;
}

static gboolean notifications_read_all_run(DbConn *conn, ApiCall *call, GError **error)
{
    char uid[24];
    const char *p[] = {api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL", 1,
        p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "marked");
    json_builder_add_int_value(b, (gint64)db_rows_affected(r));
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

const ApiRoute api_meeting_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/meetings", API_SCOPE_BODY, MTG_ANYONE, meetings_list_run,
     NULL},
    {HTTP_METHOD_POST, "/api/v1/bodies/{id}/meetings", API_SCOPE_BODY, MTG_PREPARE,
     meeting_create_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}", API_SCOPE_MEETING, MTG_ANYONE, meeting_get_run,
     NULL},
    {HTTP_METHOD_PATCH, "/api/v1/meetings/{id}", API_SCOPE_MEETING, MTG_PREPARE, meeting_update_run,
     NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/schedule", API_SCOPE_MEETING, MTG_PREPARE,
     schedule_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/unschedule", API_SCOPE_MEETING, MTG_PREPARE,
     unschedule_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/open", API_SCOPE_MEETING, AUTH_ROLE_CHAIR, open_run,
     open_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/close", API_SCOPE_MEETING, AUTH_ROLE_CHAIR, close_run,
     close_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/archive", API_SCOPE_MEETING, MTG_PREPARE, archive_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/sittings", API_SCOPE_MEETING, MTG_ANYONE,
     sittings_list_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/sittings", API_SCOPE_MEETING, MTG_PREPARE,
     sitting_create_run, NULL},
    {HTTP_METHOD_PATCH, "/api/v1/meetings/{id}/sittings/{id}", API_SCOPE_MEETING, MTG_STAFF,
     sitting_update_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/invitations", API_SCOPE_MEETING,
     MTG_STAFF | AUTH_ROLE_MEMBER, invitations_list_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/invitations", API_SCOPE_MEETING, MTG_PREPARE,
     invitation_create_run, NULL},
    {HTTP_METHOD_PATCH, "/api/v1/meetings/{id}/invitations/{id}", API_SCOPE_MEETING, MTG_PREPARE,
     invitation_update_run, NULL},
    {HTTP_METHOD_DELETE, "/api/v1/meetings/{id}/invitations/{id}", API_SCOPE_MEETING, MTG_PREPARE,
     invitation_delete_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/rsvp", API_SCOPE_MEETING, MTG_ANYONE, rsvp_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/corrections", API_SCOPE_MEETING, MTG_ANYONE,
     corrections_list_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/corrections", API_SCOPE_MEETING, MTG_STAFF,
     correction_create_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/notifications", API_SCOPE_SIGNED_IN, 0, notifications_list_run,
     NULL},
    {HTTP_METHOD_POST, "/api/v1/notifications/read-all", API_SCOPE_SIGNED_IN, 0,
     notifications_read_all_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/notifications/{id}/read", API_SCOPE_SIGNED_IN, 0,
     notification_read_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
