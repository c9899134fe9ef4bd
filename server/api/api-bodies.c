/* api-bodies.c: bodies (councils and committees), their members, sites and meetings.
 *
 * Reading a body needs a role in it; the roster (full names, titles) is not shown to guests. The
 * system administrator creates bodies and sees them all.
 */
#include "api-internal.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define ALL       AUTH_ROLES_ALL
#define NOT_GUEST (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER)

static const char *const body_cols[] = {"id", "name", "kind", "level", "parent_id", NULL};
#define BODY_KINDS "isssi"

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
                                          "RETURNING id, name, kind, level, parent_id",
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
    g_autoptr(DbRows) rows = db_conn_exec(
        conn, "SELECT id, name, kind, level, parent_id FROM bodies WHERE id = $1", 1, p, error);
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
    g_autoptr(DbRows) rows = db_conn_exec(
        conn, "SELECT id, name, kind FROM sites WHERE body_id = $1 ORDER BY kind, name", 1, p,
        error);
    if (!rows)
        return FALSE;
    static const char *const cols[] = {"id", "name", "kind", NULL};
    api_call_reply(call, 200, wrap("sites", rows, cols, "iss"));
    return TRUE;
}

static const char *const meeting_cols[] = {"id",        "body_id",  "title",     "kind", "status",
                                           "starts_at", "location", "is_public", NULL};
#define MEETING_KINDS "iisssssb"
#define MEETING_SELECT                                                                   \
    "SELECT id, body_id, title, kind, status, "                                          \
    "       to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS " \
    "starts_at, "                                                                        \
    "       location, is_public FROM meetings "

static gboolean meetings_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->body_id)};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn, MEETING_SELECT "WHERE body_id = $1 ORDER BY starts_at NULLS LAST, id", 1, p, error);
    if (!rows)
        return FALSE;
    api_call_reply(call, 200, wrap("meetings", rows, meeting_cols, MEETING_KINDS));
    return TRUE;
}

static gboolean meeting_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    char id[24];
    const char *p[] = {api_i64(id, call->ids[0])};
    g_autoptr(DbRows) m = db_conn_exec(conn, MEETING_SELECT "WHERE id = $1", 1, p, error);
    if (!m)
        return FALSE;
    g_autoptr(DbRows) items =
        db_conn_exec(conn,
                     "SELECT id, parent_id, position, title, presenter, planned_minutes, is_public "
                     "FROM agenda_items WHERE meeting_id = $1 ORDER BY position, id",
                     1, p, error);
    if (!items)
        return FALSE;
    JsonNode *node = wrap_one("meeting", m, meeting_cols, MEETING_KINDS);
    g_autoptr(JsonBuilder) b = json_builder_new();
    static const char *const cols[] = {"id",        "parent_id",       "position",  "title",
                                       "presenter", "planned_minutes", "is_public", NULL};
    api_add_rows(b, items, cols, "iiissib");
    json_object_set_member(json_node_get_object(node), "agenda", json_builder_get_root(b));
    api_call_reply(call, 200, node);
    return TRUE;
}

const ApiRoute api_body_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/bodies", API_SCOPE_SIGNED_IN, 0, bodies_list_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/bodies", API_SCOPE_SYSTEM_ADMIN, 0, body_create_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}", API_SCOPE_BODY, ALL, body_get_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/members", API_SCOPE_BODY, NOT_GUEST, members_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/sites", API_SCOPE_BODY, ALL, sites_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/meetings", API_SCOPE_BODY, ALL, meetings_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}", API_SCOPE_MEETING, ALL, meeting_get_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
