/* api-bodies.c: bodies (councils and committees), their people, sites, terms and the roster with
 * its dated changes.
 *
 * Reading a body needs a role in it; the roster (full names, titles) is not shown to guests. The
 * system administrator creates bodies and sees them all; a body's administrators set its name,
 * parent, sites and presence quorum; its secretariat and administrators keep its terms and its
 * roster. The roster is the body's members (memberships with role 'member'); every change of it is
 * a dated row of roster_changes (joined or left, with a reason), appended and never edited, so the
 * roster on any day can be told. The meetings of a body are in api-meetings.c.
 */
#include "api-meetings.h"

#include "domain/attend.h"
#include "media.h"
#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define ALL       AUTH_ROLES_ALL
#define NOT_GUEST (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER)
#define PREPARE   (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT)

static const char *const body_cols[] = {"id", "name", "kind", "level", "parent_id", "quorum", NULL};
#define BODY_KINDS "isssis"
#define BODY_COLUMNS \
    "id, name, kind, level, parent_id, quorum_numerator || '/' || quorum_denominator AS quorum"

static JsonNode *wrap(const char *name, DbRows *rows, const char *const *cols, const char *kinds)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, name);
    api_add_rows(b, rows, cols, kinds);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* The first element of an array member, as the object of a single-item answer. */
static JsonNode *wrap_one(const char *name, DbRows *rows, const char *const *cols,
                          const char *kinds)
{
    JsonNode *node = wrap(name, rows, cols, kinds);
    JsonObject *o = json_node_get_object(node);
    JsonArray *a = json_object_get_array_member(o, name);
    JsonNode *first = json_node_copy(json_array_get_element(a, 0));
    json_object_set_member(o, name, first);
    return node;
}

static gboolean bodies_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    char uid[24];
    const char *p[] = {api_i64(uid, call->session.user_id),
                       call->session.is_system_admin ? "t" : "f"};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT b.id, b.name, b.kind, b.level, b.parent_id, "
                     "       coalesce(string_agg(m.role, ',' ORDER BY m.role), '') AS roles "
                     "FROM bodies b LEFT JOIN memberships m ON m.body_id = b.id AND m.user_id = $1 "
                     "GROUP BY b.id HAVING $2::boolean OR count(m.role) > 0 "
                     "ORDER BY b.level DESC, b.name",
                     2, p, error);
    if (!rows)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "bodies");
    json_builder_begin_array(b);
    for (guint r = 0; r < db_rows_count(rows); r++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_int_value(b, db_rows_get_int64(rows, r, 0));
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, db_rows_get(rows, r, 1));
        json_builder_set_member_name(b, "kind");
        json_builder_add_string_value(b, db_rows_get(rows, r, 2));
        json_builder_set_member_name(b, "level");
        json_builder_add_string_value(b, db_rows_get(rows, r, 3));
        json_builder_set_member_name(b, "parent_id");
        if (db_rows_is_null(rows, r, 4))
            json_builder_add_null_value(b);
        else
            json_builder_add_int_value(b, db_rows_get_int64(rows, r, 4));
        json_builder_set_member_name(b, "roles");
        json_builder_begin_array(b);
        g_auto(GStrv) roles = g_strsplit(db_rows_get(rows, r, 5), ",", -1);
        for (guint i = 0; roles[i]; i++)
            if (*roles[i])
                json_builder_add_string_value(b, roles[i]);
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

static gboolean body_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_autofree char *name = api_body_string(call, "name", 300, TRUE);
    if (!name)
        return TRUE;
    g_autofree char *kind = api_body_string(call, "kind", 20, TRUE);
    if (!kind)
        return TRUE;
    g_autofree char *level = api_body_string(call, "level", 20, TRUE);
    if (!level)
        return TRUE;
    gint64 parent = 0;
    if (!api_body_int(call, "parent_id", 1, G_MAXINT64, FALSE, &parent))
        return TRUE;
    if (!g_str_equal(kind, "council") && !g_str_equal(kind, "committee")) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'kind' must be 'council' or 'committee', got '%s'", kind);
        return TRUE;
    }
    if (!g_str_equal(level, "province") && !g_str_equal(level, "district") &&
        !g_str_equal(level, "commune")) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'level' must be 'province', 'district' or 'commune', got '%s'", level);
        return TRUE;
    }
    const char *q[] = {name};
    g_autoptr(DbRows) dup = db_conn_exec(conn, "SELECT 1 FROM bodies WHERE name = $1", 1, q, error);
    if (!dup)
        return FALSE;
    if (db_rows_count(dup)) {
        api_call_fail(call, 409, "exists", "a body named '%s' already exists", name);
        return TRUE;
    }
    char pid[24];
    const char *p[] = {name, kind, level, parent ? api_i64(pid, parent) : NULL};
    if (parent) {
        g_autoptr(DbRows) pr =
            db_conn_exec(conn, "SELECT 1 FROM bodies WHERE id = $1", 1, &p[3], error);
        if (!pr)
            return FALSE;
        if (!db_rows_count(pr)) {
            api_call_fail(call, 400, "invalid_field", "field 'parent_id': no body %s", p[3]);
            return TRUE;
        }
    }
    g_autoptr(DbRows) rows = db_conn_exec(conn,
                                          "INSERT INTO bodies (name, kind, level, parent_id) "
                                          "VALUES ($1, $2, $3, $4) "
                                          "RETURNING " BODY_COLUMNS,
                                          4, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 201, wrap_one("body", rows, body_cols, BODY_KINDS));
    return TRUE;
}

static gboolean body_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn, "SELECT " BODY_COLUMNS " FROM bodies WHERE id = $1", 1, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 200, wrap_one("body", rows, body_cols, BODY_KINDS));
    return TRUE;
}

static gboolean members_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT u.id, u.username, u.full_name, u.title, "
                     "       string_agg(m.role, ',' ORDER BY m.role) AS roles "
                     "FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.body_id = $1 "
                     "GROUP BY u.id ORDER BY u.full_name COLLATE \"C\", u.id",
                     1, p, error);
    if (!rows)
        return FALSE;
    static const char *const cols[] = {"id", "username", "full_name", "title", "roles", NULL};
    api_call_reply(call, 200, wrap("members", rows, cols, "issss"));
    return TRUE;
}

static gboolean sites_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT id, name, kind, coalesce(rtsp_url, '') <> '' AS has_camera FROM sites "
                     "WHERE body_id = $1 "
                     "ORDER BY kind, name",
                     1, p, error);
    if (!rows)
        return FALSE;
    static const char *const cols[] = {"id", "name", "kind", "has_camera", NULL};
    api_call_reply(call, 200, wrap("sites", rows, cols, "issb"));
    return TRUE;
}

/* The camera URL of a request (field 'rtsp_url'): *url NULL when absent or null, "" to clear.
 * FALSE when the request has been answered 400. */
static gboolean site_camera_url(ApiCall *call, gboolean *present, char **url)
{
    *present = mtg_body_has(call, "rtsp_url");
    *url = NULL;
    if (!*present)
        return TRUE;
    JsonNode *node = json_object_get_member(call->body, "rtsp_url");
    if (JSON_NODE_HOLDS_NULL(node)) {
        *url = g_strdup("");
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'rtsp_url' must be a string (rtsp://host/path) or null");
        return FALSE;
    }
    const char *text = json_node_get_string(node);
    g_autoptr(GError) bad = NULL;
    if (*text && !media_camera_check_url(text, &bad)) {
        api_call_fail(call, 400, "invalid_field", "field 'rtsp_url': %s", bad->message);
        return FALSE;
    }
    *url = g_strdup(text);
    return TRUE;
}

/* {"site": {id, name, kind, has_camera, camera}}: camera is the URL without its credentials. */
static JsonNode *site_json(DbRows *rows)
{
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "id", db_rows_get_int64(rows, 0, 0));
    json_object_set_string_member(o, "name", db_rows_get(rows, 0, 1));
    json_object_set_string_member(o, "kind", db_rows_get(rows, 0, 2));
    const char *url = db_rows_is_null(rows, 0, 3) ? "" : db_rows_get(rows, 0, 3);
    json_object_set_boolean_member(o, "has_camera", *url != '\0');
    g_autofree char *shown = *url ? media_camera_dup_display_url(url) : NULL;
    if (shown)
        json_object_set_string_member(o, "camera", shown);
    else
        json_object_set_null_member(o, "camera");
    JsonObject *top = json_object_new();
    json_object_set_object_member(top, "site", o);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, top);
    return node;
}

static gboolean site_update_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"name", "kind", "rtsp_url", NULL};
    static const char *const kinds[] = {"main_hall", "remote_hall", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    if (!call->body || json_object_get_size(call->body) == 0) {
        api_call_fail(call, 400, "missing_field",
                      "nothing to change: send at least one of name, kind, rtsp_url");
        return TRUE;
    }
    g_autofree char *name = NULL, *kind = NULL, *url = NULL;
    gboolean has_url = FALSE;
    if (mtg_body_has(call, "name") && !(name = api_body_string(call, "name", 200, TRUE)))
        return TRUE;
    if (!mtg_body_choice(call, "kind", kinds, FALSE, &kind) ||
        !site_camera_url(call, &has_url, &url))
        return TRUE;
    char bid[24], sid[24];
    const char *p[] = {api_i64(bid, call->body_id),
                       api_i64(sid, call->ids[1]),
                       name,
                       kind,
                       has_url ? "t" : "f",
                       url};
    if (name) {
        g_autoptr(DbRows) dup = db_conn_exec(
            conn, "SELECT 1 FROM sites WHERE body_id = $1 AND id <> $2 AND name = $3", 3, p, error);
        if (!dup)
            return FALSE;
        if (db_rows_count(dup)) {
            api_call_fail(call, 409, "exists", "body %s already has a site named '%s'", bid, name);
            return TRUE;
        }
    }
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "UPDATE sites SET name = coalesce($3, name), kind = coalesce($4, kind), "
                     "  rtsp_url = CASE WHEN $5::boolean THEN nullif($6, '') ELSE rtsp_url END "
                     "WHERE body_id = $1 AND id = $2 RETURNING id, name, kind, rtsp_url",
                     6, p, error);
    if (!rows)
        return FALSE;
    if (db_rows_count(rows) == 0) {
        api_call_fail(call, 404, "not_found", "body %s has no site %s", bid, sid);
        return TRUE;
    }
    /* Open meetings the site is invited to follow the change (the camera starts, stops or
     * reconnects to the new address): their broadcast looks again on this notification. */
    g_autoptr(DbRows) notified = db_conn_exec(
        conn,
        "SELECT pg_notify('" RECORD_CHANNEL "', m.id || ':0') FROM meetings m "
        "JOIN invitations v ON v.meeting_id = m.id AND v.site_id = $1 WHERE m.status = 'open'",
        1, p + 1, error);
    if (!notified)
        return FALSE;
    api_call_reply(call, 200, site_json(rows));
    return TRUE;
}

static gboolean body_update_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"name", "parent_id", "quorum", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    if (!call->body || json_object_get_size(call->body) == 0) {
        api_call_fail(call, 400, "missing_field",
                      "nothing to change: send at least one of name, parent_id, quorum");
        return TRUE;
    }
    g_autofree char *name = NULL, *quorum = NULL;
    if (mtg_body_has(call, "name") && !(name = api_body_string(call, "name", 300, TRUE)))
        return TRUE;
    if (mtg_body_has(call, "quorum") && !(quorum = api_body_string(call, "quorum", 20, TRUE)))
        return TRUE;
    gboolean has_parent = FALSE;
    gint64 parent = 0;
    if (!mtg_body_ref(call, "parent_id", &has_parent, &parent))
        return TRUE;
    /* DOMAIN.md: the presence quorum is (configurable), "commonly 2/3 of members". */
    AttendQuorum q = {0, 0};
    g_autoptr(GError) bad = NULL;
    if (quorum && !attend_quorum_parse(quorum, &q, &bad)) {
        api_call_fail(call, 400, "invalid_field", "field 'quorum': %s", bad->message);
        return TRUE;
    }
    if (quorum && q.numerator == 0) {
        api_call_fail(call, 400, "invalid_field", "field 'quorum': a quorum of 0 is no quorum");
        return TRUE;
    }
    char id[24], pid[24], qn[24] = "", qd[24] = "";
    api_i64(id, call->body_id);
    if (quorum) {
        g_snprintf(qn, sizeof(qn), "%u", q.numerator);
        g_snprintf(qd, sizeof(qd), "%u", q.denominator);
    }
    if (parent) {
        /* The parent must exist and must not be this body or below it. */
        const char *p[] = {api_i64(pid, parent), id};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            "WITH RECURSIVE up (id, parent_id) AS ("
            "  SELECT id, parent_id FROM bodies WHERE id = $1 "
            "  UNION SELECT b.id, b.parent_id FROM bodies b JOIN up ON b.id = up.parent_id) "
            "SELECT (SELECT count(*) FROM bodies WHERE id = $1), "
            "       EXISTS (SELECT 1 FROM up WHERE id = $2)",
            2, p, error);
        if (!r)
            return FALSE;
        if (db_rows_get_int64(r, 0, 0) == 0) {
            api_call_fail(call, 400, "invalid_field", "field 'parent_id': no body %s", pid);
            return TRUE;
        }
        if (db_rows_get_bool(r, 0, 1)) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'parent_id': body %s is this body or one of its own", pid);
            return TRUE;
        }
    }
    if (name) {
        const char *p[] = {name, id};
        g_autoptr(DbRows) dup =
            db_conn_exec(conn, "SELECT 1 FROM bodies WHERE name = $1 AND id <> $2", 2, p, error);
        if (!dup)
            return FALSE;
        if (db_rows_count(dup)) {
            api_call_fail(call, 409, "exists", "a body named '%s' already exists", name);
            return TRUE;
        }
    }
    const char *p[] = {id,
                       name,
                       has_parent ? "t" : "f",
                       parent ? pid : NULL,
                       quorum ? qn : NULL,
                       quorum ? qd : NULL};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "UPDATE bodies SET name = coalesce($2, name), "
                     "  parent_id = CASE WHEN $3::boolean THEN $4::bigint ELSE parent_id END, "
                     "  quorum_numerator = coalesce($5::int, quorum_numerator), "
                     "  quorum_denominator = coalesce($6::int, quorum_denominator) "
                     "WHERE id = $1 RETURNING " BODY_COLUMNS,
                     6, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 200, wrap_one("body", rows, body_cols, BODY_KINDS));
    return TRUE;
}

static gboolean site_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"name", "kind", "rtsp_url", NULL};
    static const char *const kinds[] = {"main_hall", "remote_hall", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    g_autofree char *name = api_body_string(call, "name", 200, TRUE);
    if (!name)
        return TRUE;
    g_autofree char *kind = NULL;
    if (!mtg_body_choice(call, "kind", kinds, TRUE, &kind))
        return TRUE;
    g_autofree char *rtsp = NULL;
    gboolean has_url = FALSE;
    if (!site_camera_url(call, &has_url, &rtsp))
        return TRUE;
    char id[24];
    const char *p[] = {api_i64(id, call->body_id), name, kind, rtsp && *rtsp ? rtsp : NULL};
    g_autoptr(DbRows) dup =
        db_conn_exec(conn, "SELECT 1 FROM sites WHERE body_id = $1 AND name = $2", 2, p, error);
    if (!dup)
        return FALSE;
    if (db_rows_count(dup)) {
        api_call_fail(call, 409, "exists", "body %s already has a site named '%s'", id, name);
        return TRUE;
    }
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "INSERT INTO sites (body_id, name, kind, rtsp_url) "
                     "VALUES ($1, $2, $3, $4) RETURNING id, name, kind, rtsp_url",
                     4, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 201, site_json(rows));
    return TRUE;
}

static const char *const term_cols[] = {"id",      "body_id", "name", "starts_on",
                                        "ends_on", "seats",   NULL};
#define TERM_KINDS  "iisssi"
#define TERM_SELECT "SELECT id, body_id, name, starts_on::text, ends_on::text, seats FROM terms "

static gboolean terms_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn, TERM_SELECT "WHERE body_id = $1 ORDER BY starts_on DESC, id", 1, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 200, wrap("terms", rows, term_cols, TERM_KINDS));
    return TRUE;
}

static gboolean term_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"name", "starts_on", "ends_on", "seats", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    g_autofree char *name = api_body_string(call, "name", 200, TRUE);
    if (!name)
        return TRUE;
    g_autofree char *starts = NULL, *ends = NULL;
    gint64 seats = 0;
    if (!mtg_body_date(call, "starts_on", TRUE, &starts) ||
        !mtg_body_date(call, "ends_on", FALSE, &ends) ||
        !api_body_int(call, "seats", 1, 10000, FALSE, &seats))
        return TRUE;
    if (ends && strcmp(ends, starts) <= 0) {
        api_call_fail(call, 400, "invalid_field", "field 'ends_on' must be after 'starts_on'");
        return TRUE;
    }
    char id[24], st[24];
    const char *p[] = {api_i64(id, call->body_id), name, starts, ends,
                       seats ? api_i64(st, seats) : NULL};
    g_autoptr(DbRows) dup =
        db_conn_exec(conn, "SELECT 1 FROM terms WHERE body_id = $1 AND name = $2", 2, p, error);
    if (!dup)
        return FALSE;
    if (db_rows_count(dup)) {
        api_call_fail(call, 409, "exists", "body %s already has a term named '%s'", id, name);
        return TRUE;
    }
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "INSERT INTO terms (body_id, name, starts_on, ends_on, seats) "
                     "VALUES ($1, $2, $3, $4, $5) "
                     "RETURNING id, body_id, name, starts_on::text, ends_on::text, seats",
                     5, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 201, wrap_one("term", rows, term_cols, TERM_KINDS));
    return TRUE;
}

static gboolean roster_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        "SELECT u.id AS user_id, u.username, u.full_name, u.title, "
        "       (SELECT c.effective_on::text FROM roster_changes c WHERE c.body_id = m.body_id "
        "          AND c.user_id = m.user_id AND c.change = 'joined' ORDER BY c.id DESC LIMIT 1) "
        "       AS joined_on "
        "FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.body_id = $1 AND m.role = 'member' ORDER BY u.full_name COLLATE \"C\", u.id",
        1, p, error);
    if (!rows)
        return FALSE;
    g_autoptr(DbRows) b = db_conn_exec(
        conn, "SELECT quorum_numerator || '/' || quorum_denominator FROM bodies WHERE id = $1", 1,
        p, error);
    if (!b)
        return FALSE;
    static const char *const cols[] = {"user_id", "username",  "full_name",
                                       "title",   "joined_on", NULL};
    JsonNode *node = wrap("members", rows, cols, "issss");
    json_object_set_int_member(json_node_get_object(node), "total", db_rows_count(rows));
    json_object_set_string_member(json_node_get_object(node), "quorum", db_rows_get(b, 0, 0));
    api_call_reply(call, 200, node);
    return TRUE;
}

static const char *const change_cols[] = {"id",           "user_id", "full_name", "change",
                                          "effective_on", "reason",  "term_id",   "recorded_by",
                                          "recorded_at",  NULL};
#define CHANGE_KINDS "iissssiis"
#define CHANGE_SELECT                                                                       \
    "SELECT c.id, c.user_id, u.full_name, c.change, c.effective_on::text AS effective_on, " \
    "c.reason, c.term_id, c.recorded_by, phonghop_ts(c.recorded_at) AS recorded_at "        \
    "FROM roster_changes c JOIN users u ON u.id = c.user_id "

static gboolean roster_changes_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn, CHANGE_SELECT "WHERE c.body_id = $1 ORDER BY c.effective_on, c.id", 1, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 200, wrap("changes", rows, change_cols, CHANGE_KINDS));
    return TRUE;
}

/* A dated change of the roster (DOMAIN.md: "the roster changes inside a term (resignations,
 * dismissals, by-elections) and every change is dated"): recorded first, then applied to the
 * member role, so the history and the roster never disagree. */
static gboolean roster_change_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"user_id", "change",  "effective_on",
                                         "reason",  "term_id", NULL};
    static const char *const changes[] = {"joined", "left", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    gint64 user = 0, term = 0;
    gboolean has_term = FALSE;
    g_autofree char *change = NULL, *on = NULL;
    if (!api_body_int(call, "user_id", 1, G_MAXINT64, TRUE, &user) ||
        !mtg_body_choice(call, "change", changes, TRUE, &change) ||
        !mtg_body_date(call, "effective_on", TRUE, &on) ||
        !mtg_body_ref(call, "term_id", &has_term, &term))
        return TRUE;
    g_autofree char *reason = api_body_string(call, "reason", 500, TRUE);
    if (!reason)
        return TRUE;
    char bid[24], uid[24], tid[24], by[24];
    const char *p[] = {api_i64(bid, call->body_id), api_i64(uid, user), on};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "SELECT EXISTS (SELECT 1 FROM users WHERE id = $2), "
                     "       EXISTS (SELECT 1 FROM memberships WHERE body_id = $1 AND user_id = $2 "
                     "               AND role = 'member'), "
                     "       $3::date > current_date",
                     3, p, error);
    if (!r)
        return FALSE;
    if (!db_rows_get_bool(r, 0, 0)) {
        api_call_fail(call, 400, "invalid_field", "field 'user_id': no user %s", uid);
        return TRUE;
    }
    if (db_rows_get_bool(r, 0, 2)) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'effective_on': a change is recorded once it has happened, not "
                      "before (%s is in the future)",
                      on);
        return TRUE;
    }
    gboolean joined = g_str_equal(change, "joined");
    if (joined == db_rows_get_bool(r, 0, 1)) {
        api_call_fail(call, 409, "conflict",
                      joined ? "user %s is already on the roster of body %s"
                             : "user %s is not on the roster of body %s",
                      uid, bid);
        return TRUE;
    }
    if (term) {
        const char *q[] = {api_i64(tid, term), bid};
        g_autoptr(DbRows) t =
            db_conn_exec(conn, "SELECT 1 FROM terms WHERE id = $1 AND body_id = $2", 2, q, error);
        if (!t)
            return FALSE;
        if (db_rows_count(t) == 0) {
            api_call_fail(call, 400, "invalid_field", "field 'term_id': body %s has no term %s",
                          bid, tid);
            return TRUE;
        }
    }
    const char *q[] = {
        bid, uid, change, on, reason, term ? tid : NULL, api_i64(by, call->session.user_id)};
    g_autoptr(DbRows) row =
        db_conn_exec(conn,
                     "INSERT INTO roster_changes (body_id, user_id, change, effective_on, reason, "
                     "term_id, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                     7, q, error);
    if (!row)
        return FALSE;
    if (!db_conn_run(conn,
                     joined ? "INSERT INTO memberships (body_id, user_id, role) "
                              "VALUES ($1, $2, 'member')"
                            : "DELETE FROM memberships WHERE body_id = $1 AND user_id = $2 "
                              "AND role = 'member'",
                     2, p, error))
        return FALSE;
    const char *s[] = {db_rows_get(row, 0, 0)};
    g_autoptr(DbRows) rows = db_conn_exec(conn, CHANGE_SELECT "WHERE c.id = $1", 1, s, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 201, wrap_one("change", rows, change_cols, CHANGE_KINDS));
    return TRUE;
}

const ApiRoute api_body_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/bodies", API_SCOPE_SIGNED_IN, 0, bodies_list_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/bodies", API_SCOPE_SYSTEM_ADMIN, 0, body_create_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}", API_SCOPE_BODY, ALL, body_get_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/members", API_SCOPE_BODY, NOT_GUEST, members_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/sites", API_SCOPE_BODY, ALL, sites_run, NULL},
    {HTTP_METHOD_PATCH, "/api/v1/bodies/{id}", API_SCOPE_BODY, AUTH_ROLE_ADMIN, body_update_run,
     NULL},
    {HTTP_METHOD_POST, "/api/v1/bodies/{id}/sites", API_SCOPE_BODY, AUTH_ROLE_ADMIN,
     site_create_run, NULL},
    {HTTP_METHOD_PATCH, "/api/v1/bodies/{id}/sites/{id}", API_SCOPE_BODY, AUTH_ROLE_ADMIN,
     site_update_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/terms", API_SCOPE_BODY, ALL, terms_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/bodies/{id}/terms", API_SCOPE_BODY, PREPARE, term_create_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/roster", API_SCOPE_BODY, NOT_GUEST, roster_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/roster/changes", API_SCOPE_BODY, NOT_GUEST,
     roster_changes_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/bodies/{id}/roster/changes", API_SCOPE_BODY, PREPARE,
     roster_change_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
