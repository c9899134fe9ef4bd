/* api-agenda.c: a meeting's agenda (chương trình): items and sub-items, their order, the current
 * item, and which items are closed (họp kín).
 *
 * Design. Concurrent edits are optimistic: the meeting row carries agenda_version, every change
 * of the agenda adds one to it, and every edit names the version it was made from
 * ("agenda_version" in the body; the "agenda_version" query parameter for DELETE). The edit takes
 * the meeting's row lock first and compares under it, so of two secretaries who reorder from the
 * same version, the second waits for the first to commit, then finds the version moved on and is
 * refused with 409 "the agenda was changed by someone else: reload"; its change is never merged
 * over the first. A reorder sends the whole agenda in its new order and is planned and checked by
 * server/domain/agenda.h before anything is written.
 *
 * Every change is journaled (what changed, compactly) and announced as "agenda.changed" with the
 * whole agenda, so a client replaces its copy instead of patching it. The current item is the
 * chair's and is no agenda edit: it needs no version, and moves only while the meeting is open.
 * Titles of closed items are part of the published programme; their documents and streams are
 * what a closed item withholds.
 */
#include "api-meetings.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define AGENDA_MAX_ITEMS 1000

#define ITEM_SELECT                                                              \
    "SELECT i.id, i.parent_id, i.position, "                                     \
    "       CASE WHEN p.id IS NULL THEN i.position::text "                       \
    "            ELSE p.position || '.' || i.position END AS number, "           \
    "       i.title, i.presenter, i.planned_minutes, i.is_public, i.sitting_id " \
    "FROM agenda_items i LEFT JOIN agenda_items p ON p.id = i.parent_id "
#define ITEM_ORDER                                                       \
    " ORDER BY coalesce(p.position, i.position), coalesce(p.id, i.id), " \
    "          i.parent_id IS NOT NULL, i.position, i.id"

static const char *const item_cols[] = {"id",         "parent_id", "position",        "number",
                                        "title",      "presenter", "planned_minutes", "is_public",
                                        "sitting_id", NULL};
#define ITEM_KINDS "iiisssibi"

JsonNode *agenda_items_array(DbConn *conn, gint64 meeting_id, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, meeting_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, ITEM_SELECT "WHERE i.meeting_id = $1" ITEM_ORDER, 1, p, error);
    if (!r)
        return NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    api_add_rows(b, r, item_cols, ITEM_KINDS);
    return json_builder_get_root(b);
}

/* {agenda_version, current_item_id, items} of the meeting, plus "item" when item_id is set.
 * (transfer full) */
static JsonNode *agenda_document(DbConn *conn, const MtgRow *m, gint64 item_id, GError **error)
{
    JsonNode *items = agenda_items_array(conn, m->id, error);
    if (!items)
        return NULL;
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "meeting_id", m->id);
    json_object_set_int_member(o, "agenda_version", m->agenda_version);
    if (m->current_item_id)
        json_object_set_int_member(o, "current_item_id", m->current_item_id);
    else
        json_object_set_null_member(o, "current_item_id");
    if (item_id) {
        JsonArray *a = json_node_get_array(items);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonObject *it = json_array_get_object_element(a, i);
            if (json_object_get_int_member(it, "id") == item_id)
                json_object_set_object_member(o, "item", json_object_ref(it));
        }
    }
    json_object_set_member(o, "items", items);
    JsonNode *root = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(root, o);
    return root;
}

static gboolean agenda_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    JsonNode *doc = agenda_document(conn, &m, 0, error);
    if (!doc)
        return FALSE;
    api_call_reply(call, 200, doc);
    return TRUE;
}

/* Locks the meeting, refuses a closed one, and checks the version the edit was made from (sent,
 * or read from the body when sent is NULL). *ok FALSE with the answer set when refused. */
static gboolean begin_edit(DbConn *conn, ApiCall *call, MtgRow *m, const char *sent, gboolean *ok,
                           GError **error)
{
    g_autoptr(GError) rule = NULL;
    *ok = FALSE;
    if (!mtg_load(conn, call, TRUE, m, error))
        return FALSE;
    if (!mtg_check_editable(m->status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    gint64 version = 0;
    if (sent) {
        guint64 v = 0;
        if (!g_ascii_string_to_unsigned(sent, 10, 1, G_MAXINT64, &v, NULL)) {
            api_call_fail(call, 400, "invalid_field",
                          "query 'agenda_version' must be the agenda version you edited");
            return TRUE;
        }
        version = (gint64)v;
    } else if (!api_body_int(call, "agenda_version", 1, G_MAXINT64, TRUE, &version)) {
        return TRUE;
    }
    if (!agenda_check_version(m->agenda_version, version, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    *ok = TRUE;
    return TRUE;
}

/* The agenda's items as places, for the domain's checks. (transfer full) */
static GArray *load_places(DbConn *conn, gint64 meeting_id, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, meeting_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT id, coalesce(parent_id, 0) FROM agenda_items WHERE meeting_id = $1", 1, p,
        error);
    if (!r)
        return NULL;
    GArray *a = g_array_sized_new(FALSE, FALSE, sizeof(AgendaPlace), db_rows_count(r));
    for (guint i = 0; i < db_rows_count(r); i++) {
        AgendaPlace place = {db_rows_get_int64(r, i, 0), db_rows_get_int64(r, i, 1)};
        g_array_append_val(a, place);
    }
    return a;
}

/* Numbers the siblings under parent_id (0: the top level) 1, 2, 3 ... keeping their order. */
static gboolean renumber(DbConn *conn, gint64 meeting_id, gint64 parent_id, GError **error)
{
    char mid[24], pid[24];
    const char *p[] = {api_i64(mid, meeting_id), parent_id ? api_i64(pid, parent_id) : NULL};
    return db_conn_run(conn,
                       "UPDATE agenda_items a SET position = r.n FROM ("
                       "  SELECT id, row_number() OVER (ORDER BY position, id) AS n "
                       "  FROM agenda_items WHERE meeting_id = $1 "
                       "    AND parent_id IS NOT DISTINCT FROM $2::bigint) r "
                       "WHERE a.id = r.id AND a.position <> r.n",
                       2, p, error);
}

/* Adds one to the version, journals the change (detail: an object, transfer none, may be NULL),
 * announces the whole agenda and answers with it. */
static gboolean commit_change(DbConn *conn, ApiCall *call, MtgRow *m, const char *change,
                              gint64 item_id, JsonObject *detail, guint status, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, m->id)};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "UPDATE meetings SET agenda_version = agenda_version + 1, "
                                       "updated_at = now() WHERE id = $1 RETURNING agenda_version",
                                       1, p, error);
    if (!r)
        return FALSE;
    m->agenda_version = db_rows_get_int64(r, 0, 0);

    JsonObject *j = json_object_new();
    json_object_set_string_member(j, "change", change);
    json_object_set_int_member(j, "agenda_version", m->agenda_version);
    if (item_id)
        json_object_set_int_member(j, "item_id", item_id);
    if (detail) {
        g_autoptr(GList) names = json_object_get_members(detail);
        for (GList *l = names; l; l = l->next)
            json_object_set_member(j, l->data,
                                   json_node_copy(json_object_get_member(detail, l->data)));
    }
    g_autoptr(JsonNode) entry = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(entry, j);
    g_autofree char *actor = mtg_actor(call);
    if (!record_journal(conn, m->id, "agenda.changed", actor, entry, NULL, NULL, error))
        return FALSE;

    g_autoptr(JsonNode) doc = agenda_document(conn, m, item_id, error);
    if (!doc)
        return FALSE;
    JsonObject *o = json_node_get_object(doc);
    json_object_set_string_member(o, "change", change);
    if (item_id)
        json_object_set_int_member(o, "item_id", item_id);
    g_auto(MtgAudience) to = {0};
    if (!mtg_audience(conn, m, TRUE, &to, error) ||
        !record_event(conn, m->id, "agenda.changed", doc, &to.visibility, NULL, error))
        return FALSE;
    api_call_reply(call, status, json_node_copy(doc));
    return TRUE;
}

/* Checks sitting_id is a sitting of the meeting; 400 otherwise. */
static gboolean check_sitting(DbConn *conn, ApiCall *call, gint64 meeting_id, gint64 sitting_id,
                              gboolean *ok, GError **error)
{
    *ok = TRUE;
    if (!sitting_id)
        return TRUE;
    char mid[24], sid[24];
    const char *p[] = {api_i64(mid, meeting_id), api_i64(sid, sitting_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT 1 FROM sittings WHERE meeting_id = $1 AND id = $2", 2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        *ok = FALSE;
        api_call_fail(call, 400, "invalid_field",
                      "field 'sitting_id': meeting %" G_GINT64_FORMAT
                      " has no sitting %" G_GINT64_FORMAT,
                      meeting_id, sitting_id);
    }
    return TRUE;
}

/* Checks that item may go under parent with the domain's rules; 400 naming parent_id. */
static gboolean check_parent(DbConn *conn, ApiCall *call, gint64 meeting_id, gint64 item,
                             gint64 parent, gboolean *ok, GError **error)
{
    *ok = TRUE;
    if (!parent)
        return TRUE;
    g_autoptr(GArray) places = load_places(conn, meeting_id, error);
    if (!places)
        return FALSE;
    g_autoptr(GError) rule = NULL;
    if (!agenda_check_parent((const AgendaPlace *)(void *)places->data, places->len, item, parent,
                             &rule)) {
        *ok = FALSE;
        mtg_fail(call, rule, "parent_id");
    }
    return TRUE;
}

static const char *const item_fields[] = {"agenda_version",  "title",     "parent_id",  "presenter",
                                          "planned_minutes", "is_public", "sitting_id", NULL};

static gboolean item_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    if (!mtg_body_known(call, item_fields))
        return TRUE;
    MtgRow m;
    gboolean ok = FALSE, has = FALSE;
    if (!begin_edit(conn, call, &m, NULL, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    g_autofree char *title = api_body_string(call, "title", 1000, TRUE);
    if (!title)
        return TRUE;
    g_autofree char *presenter = api_body_string(call, "presenter", 300, FALSE);
    if (call->error_code)
        return TRUE;
    gint64 parent = 0, sitting = 0, minutes = 0;
    gboolean is_public = TRUE;
    if (!mtg_body_ref(call, "parent_id", &has, &parent) ||
        !mtg_body_ref(call, "sitting_id", &has, &sitting) ||
        !api_body_int(call, "planned_minutes", 1, 1440, FALSE, &minutes) ||
        !mtg_body_bool(call, "is_public", FALSE, &is_public))
        return TRUE;
    if (!check_parent(conn, call, m.id, 0, parent, &ok, error) ||
        (ok && !check_sitting(conn, call, m.id, sitting, &ok, error)))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24], pid[24], sid[24], min[24];
    const char *p[] = {api_i64(mid, m.id),
                       parent ? api_i64(pid, parent) : NULL,
                       title,
                       presenter ? presenter : "",
                       minutes ? api_i64(min, minutes) : NULL,
                       is_public ? "t" : "f",
                       sitting ? api_i64(sid, sitting) : NULL};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "INSERT INTO agenda_items (meeting_id, parent_id, position, title, presenter, "
        "  planned_minutes, is_public, sitting_id) "
        "SELECT $1, $2::bigint, coalesce(max(position), 0) + 1, $3, $4, $5, $6, $7 "
        "FROM agenda_items WHERE meeting_id = $1 AND parent_id IS NOT DISTINCT FROM $2::bigint "
        "RETURNING id",
        7, p, error);
    if (!r)
        return FALSE;
    gint64 id = db_rows_get_int64(r, 0, 0);
    g_autoptr(JsonObject) detail = json_object_new();
    json_object_set_string_member(detail, "title", title);
    if (parent)
        json_object_set_int_member(detail, "parent_id", parent);
    return commit_change(conn, call, &m, "added", id, detail, 201, error);
}

/* Finds item ids[1] on the meeting's agenda: its parent (0 at the top) in *parent. 404 answer
 * when it is not on it. */
static gboolean find_item(DbConn *conn, ApiCall *call, gint64 meeting_id, gint64 *parent,
                          gboolean *found, GError **error)
{
    char mid[24], iid[24];
    const char *p[] = {api_i64(mid, meeting_id), api_i64(iid, call->ids[1])};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "SELECT coalesce(parent_id, 0) FROM agenda_items "
                                       "WHERE meeting_id = $1 AND id = $2",
                                       2, p, error);
    if (!r)
        return FALSE;
    *found = db_rows_count(r) == 1;
    if (*found)
        *parent = db_rows_get_int64(r, 0, 0);
    else
        api_call_fail(call, 404, "not_found",
                      "meeting %" G_GINT64_FORMAT " has no agenda item %" G_GINT64_FORMAT,
                      meeting_id, call->ids[1]);
    return TRUE;
}

static gboolean item_update_run(DbConn *conn, ApiCall *call, GError **error)
{
    if (!mtg_body_known(call, item_fields))
        return TRUE;
    MtgRow m;
    gboolean ok = FALSE, found = FALSE;
    gint64 old_parent = 0, id = call->ids[1];
    if (!begin_edit(conn, call, &m, NULL, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    if (!find_item(conn, call, m.id, &old_parent, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (!call->body || json_object_get_size(call->body) < 2) {
        api_call_fail(call, 400, "missing_field",
                      "nothing to change: send at least one of title, parent_id, presenter, "
                      "planned_minutes, is_public, sitting_id");
        return TRUE;
    }
    g_autofree char *title = NULL, *presenter = NULL;
    if (mtg_body_has(call, "title") && !(title = api_body_string(call, "title", 1000, TRUE)))
        return TRUE;
    if (mtg_body_has(call, "presenter")) {
        presenter = api_body_string(call, "presenter", 300, FALSE);
        if (call->error_code)
            return TRUE;
        if (!presenter)
            presenter = g_strdup("");
    }
    gint64 parent = 0, sitting = 0, minutes = 0;
    gboolean has_parent = FALSE, has_sitting = FALSE, is_public = FALSE;
    gboolean has_minutes = mtg_body_has(call, "planned_minutes");
    gboolean has_public = mtg_body_has(call, "is_public");
    if (!mtg_body_ref(call, "parent_id", &has_parent, &parent) ||
        !mtg_body_ref(call, "sitting_id", &has_sitting, &sitting) ||
        !api_body_int(call, "planned_minutes", 1, 1440, FALSE, &minutes) ||
        !mtg_body_bool(call, "is_public", FALSE, &is_public))
        return TRUE;
    if (has_public && JSON_NODE_HOLDS_NULL(json_object_get_member(call->body, "is_public"))) {
        api_call_fail(call, 400, "invalid_field", "field 'is_public' must be true or false");
        return TRUE;
    }
    gboolean moves = has_parent && parent != old_parent;
    if ((moves && !check_parent(conn, call, m.id, id, parent, &ok, error)) ||
        (ok && !check_sitting(conn, call, m.id, sitting, &ok, error)))
        return FALSE;
    if (!ok)
        return TRUE;
    char iid[24], pid[24], sid[24], min[24];
    const char *p[] = {api_i64(iid, id),
                       title,
                       presenter,
                       has_minutes ? "t" : "f",
                       minutes ? api_i64(min, minutes) : NULL,
                       has_public ? (is_public ? "t" : "f") : NULL,
                       has_sitting ? "t" : "f",
                       sitting ? api_i64(sid, sitting) : NULL,
                       moves ? "t" : "f",
                       parent ? api_i64(pid, parent) : NULL};
    if (!db_conn_run(
            conn,
            "UPDATE agenda_items SET title = coalesce($2, title), "
            "  presenter = coalesce($3, presenter), "
            "  planned_minutes = CASE WHEN $4::boolean THEN $5::int ELSE planned_minutes END, "
            "  is_public = coalesce($6::boolean, is_public), "
            "  sitting_id = CASE WHEN $7::boolean THEN $8::bigint ELSE sitting_id END, "
            "  parent_id = CASE WHEN $9::boolean THEN $10::bigint ELSE parent_id END, "
            "  position = CASE WHEN $9::boolean THEN (SELECT coalesce(max(position), 0) + 1 "
            "    FROM agenda_items s WHERE s.meeting_id = agenda_items.meeting_id "
            "      AND s.parent_id IS NOT DISTINCT FROM $10::bigint) ELSE position END "
            "WHERE id = $1",
            10, p, error))
        return FALSE;
    if (moves && !renumber(conn, m.id, old_parent, error))
        return FALSE;
    g_autoptr(JsonObject) detail = json_object_new();
    JsonArray *changed = json_array_new();
    g_autoptr(GList) names = json_object_get_members(call->body);
    names = g_list_sort(names, (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next)
        if (!g_str_equal(l->data, "agenda_version"))
            json_array_add_string_element(changed, l->data);
    json_object_set_array_member(detail, "fields", changed);
    return commit_change(conn, call, &m, "updated", id, detail, 200, error);
}

static gboolean item_delete_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = FALSE, found = FALSE;
    gint64 parent = 0, id = call->ids[1];
    const char *sent = http_request_get_query(call->req, "agenda_version");
    if (!sent) {
        api_call_fail(call, 400, "missing_field",
                      "missing query 'agenda_version': the agenda version you edited");
        return TRUE;
    }
    if (!begin_edit(conn, call, &m, sent, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    if (!find_item(conn, call, m.id, &parent, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (m.current_item_id == id) {
        api_call_fail(call, 409, "current_item",
                      "item %" G_GINT64_FORMAT " is the current item: the chair moves on first",
                      id);
        return TRUE;
    }
    char iid[24];
    const char *p[] = {api_i64(iid, id)};
    g_autoptr(DbRows) kids =
        db_conn_exec(conn, "SELECT count(*) FROM agenda_items WHERE parent_id = $1", 1, p, error);
    if (!kids)
        return FALSE;
    if (db_rows_get_int64(kids, 0, 0) > 0) {
        api_call_fail(call, 409, "not_empty",
                      "item %" G_GINT64_FORMAT " has sub-items: remove or move them first", id);
        return TRUE;
    }
    /* Documents, speakers, votes or corrections may point at the item: then it stays. */
    if (!db_conn_run(conn, "SAVEPOINT agenda_delete", 0, NULL, error))
        return FALSE;
    g_autoptr(GError) local = NULL;
    if (!db_conn_run(conn, "DELETE FROM agenda_items WHERE id = $1", 1, p, &local)) {
        if (!db_error_matches_sqlstate(local, "23503")) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        if (!db_conn_run(conn, "ROLLBACK TO SAVEPOINT agenda_delete", 0, NULL, error))
            return FALSE;
        api_call_fail(call, 409, "referenced",
                      "item %" G_GINT64_FORMAT
                      " is referenced elsewhere (documents, speakers, votes or corrections): it "
                      "cannot be removed, only renamed or moved",
                      id);
        return TRUE;
    }
    if (!db_conn_run(conn, "RELEASE SAVEPOINT agenda_delete", 0, NULL, error) ||
        !renumber(conn, m.id, parent, error))
        return FALSE;
    return commit_change(conn, call, &m, "removed", id, NULL, 200, error);
}

/* Reads the "order" member into places (parent AGENDA_KEEP_PARENT when not given). */
static gboolean read_order(ApiCall *call, GArray *order)
{
    JsonNode *node = call->body ? json_object_get_member(call->body, "order") : NULL;
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        api_call_fail(call, 400, "missing_field", "missing field 'order'");
        return FALSE;
    }
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'order' must be an array of item ids or {id, parent_id} objects");
        return FALSE;
    }
    JsonArray *a = json_node_get_array(node);
    guint n = json_array_get_length(a);
    if (n > AGENDA_MAX_ITEMS) {
        api_call_fail(call, 400, "invalid_field", "field 'order': %u items, at most %d", n,
                      AGENDA_MAX_ITEMS);
        return FALSE;
    }
    for (guint i = 0; i < n; i++) {
        JsonNode *e = json_array_get_element(a, i);
        AgendaPlace place = {0, AGENDA_KEEP_PARENT};
        JsonNode *id = e, *parent = NULL;
        if (JSON_NODE_HOLDS_OBJECT(e)) {
            JsonObject *o = json_node_get_object(e);
            id = json_object_get_member(o, "id");
            parent = json_object_get_member(o, "parent_id");
            if (json_object_get_size(o) != (guint)(id != NULL) + (guint)(parent != NULL)) {
                api_call_fail(call, 400, "invalid_field",
                              "field 'order': element %u may have only 'id' and 'parent_id'", i);
                return FALSE;
            }
        }
        if (!id || !JSON_NODE_HOLDS_VALUE(id) || json_node_get_value_type(id) != G_TYPE_INT64 ||
            json_node_get_int(id) < 1) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'order': element %u must be an item id or {id, parent_id}", i);
            return FALSE;
        }
        place.id = json_node_get_int(id);
        if (parent && JSON_NODE_HOLDS_NULL(parent)) {
            place.parent_id = 0;
        } else if (parent) {
            if (!JSON_NODE_HOLDS_VALUE(parent) ||
                json_node_get_value_type(parent) != G_TYPE_INT64 || json_node_get_int(parent) < 1) {
                api_call_fail(call, 400, "invalid_field",
                              "field 'order': element %u: 'parent_id' must be an item id or null",
                              i);
                return FALSE;
            }
            place.parent_id = json_node_get_int(parent);
        }
        g_array_append_val(order, place);
    }
    return TRUE;
}

static gboolean order_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"agenda_version", "order", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    gboolean ok = FALSE;
    if (!begin_edit(conn, call, &m, NULL, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    g_autoptr(GArray) order = g_array_new(FALSE, FALSE, sizeof(AgendaPlace));
    if (!read_order(call, order))
        return TRUE;
    g_autoptr(GArray) places = load_places(conn, m.id, error);
    if (!places)
        return FALSE;
    g_autoptr(GError) rule = NULL;
    g_autoptr(GArray) slots =
        agenda_plan_order((const AgendaPlace *)(void *)places->data, places->len,
                          (const AgendaPlace *)(void *)order->data, order->len, &rule);
    if (!slots) {
        mtg_fail(call, rule, "order");
        return TRUE;
    }
    g_autoptr(GString) ids = g_string_new("{"), parents = g_string_new("{"),
                       positions = g_string_new("{");
    JsonArray *journal = json_array_new();
    for (guint i = 0; i < slots->len; i++) {
        const AgendaSlot *s = &g_array_index(slots, AgendaSlot, i);
        const char *sep = i ? "," : "";
        g_string_append_printf(ids, "%s%" G_GINT64_FORMAT, sep, s->id);
        g_string_append_printf(parents, "%s%" G_GINT64_FORMAT, sep, s->parent_id);
        g_string_append_printf(positions, "%s%u", sep, s->position);
        JsonArray *e = json_array_new();
        json_array_add_int_element(e, s->id);
        json_array_add_int_element(e, s->parent_id);
        json_array_add_int_element(e, s->position);
        json_array_add_array_element(journal, e);
    }
    g_string_append_c(ids, '}');
    g_string_append_c(parents, '}');
    g_string_append_c(positions, '}');
    char mid[24];
    const char *p[] = {api_i64(mid, m.id), ids->str, parents->str, positions->str};
    if (!db_conn_run(conn,
                     "UPDATE agenda_items a SET parent_id = nullif(u.parent, 0), "
                     "  position = u.pos "
                     "FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS u(id, parent, pos) "
                     "WHERE a.id = u.id AND a.meeting_id = $1",
                     4, p, error)) {
        json_array_unref(journal);
        return FALSE;
    }
    /* The journal keeps the whole new order: [id, parent (0 at the top), position] each. */
    g_autoptr(JsonObject) detail = json_object_new();
    json_object_set_array_member(detail, "order", journal);
    return commit_change(conn, call, &m, "reordered", 0, detail, 200, error);
}

static gboolean visibility_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"is_public", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    gboolean found = FALSE, is_public = FALSE;
    gint64 parent = 0, id = call->ids[1];
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error) ||
        !find_item(conn, call, m.id, &parent, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (!mtg_check_editable(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    if (!mtg_body_bool(call, "is_public", TRUE, &is_public))
        return TRUE;
    char iid[24];
    const char *p[] = {api_i64(iid, id), is_public ? "t" : "f"};
    if (!db_conn_run(conn, "UPDATE agenda_items SET is_public = $2 WHERE id = $1", 2, p, error))
        return FALSE;
    /* The chair's decision needs no version: it is one value, set as decided. */
    g_autoptr(JsonObject) detail = json_object_new();
    json_object_set_boolean_member(detail, "is_public", is_public);
    return commit_change(conn, call, &m, "visibility", id, detail, 200, error);
}

static gboolean current_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"item_id", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (!mtg_check_running(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    gboolean has = FALSE;
    gint64 item = 0;
    if (!mtg_body_ref(call, "item_id", &has, &item))
        return TRUE;
    if (!has) {
        api_call_fail(call, 400, "missing_field",
                      "missing field 'item_id' (an item of the agenda, or null for none)");
        return TRUE;
    }
    char mid[24], iid[24];
    const char *p[] = {api_i64(mid, m.id), item ? api_i64(iid, item) : NULL};
    if (item) {
        g_autoptr(DbRows) r = db_conn_exec(
            conn, "SELECT 1 FROM agenda_items WHERE meeting_id = $1 AND id = $2", 2, p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'item_id': meeting %" G_GINT64_FORMAT
                          " has no agenda item %" G_GINT64_FORMAT,
                          m.id, item);
            return TRUE;
        }
    }
    gint64 previous = m.current_item_id;
    if (!db_conn_run(conn,
                     "UPDATE meetings SET current_item_id = $2, updated_at = now() WHERE id = $1",
                     2, p, error))
        return FALSE;
    m.current_item_id = item;
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "meeting_id", m.id);
    if (item)
        json_object_set_int_member(o, "item_id", item);
    else
        json_object_set_null_member(o, "item_id");
    if (previous)
        json_object_set_int_member(o, "previous_item_id", previous);
    else
        json_object_set_null_member(o, "previous_item_id");
    g_autoptr(JsonNode) payload = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(payload, o);
    g_autofree char *actor = mtg_actor(call);
    g_auto(MtgAudience) to = {0};
    if (!mtg_audience(conn, &m, TRUE, &to, error) ||
        !record_fact(conn, m.id, "agenda.current", actor, payload, &to.visibility, error))
        return FALSE;
    api_call_reply(call, 200, json_node_copy(payload));
    return TRUE;
}

const ApiRoute api_agenda_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/agenda", API_SCOPE_MEETING, MTG_ANYONE, agenda_get_run,
     NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/agenda", API_SCOPE_MEETING, MTG_PREPARE,
     item_create_run, NULL},
    {HTTP_METHOD_PUT, "/api/v1/meetings/{id}/agenda/order", API_SCOPE_MEETING, MTG_PREPARE,
     order_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/agenda/current", API_SCOPE_MEETING, AUTH_ROLE_CHAIR,
     current_run, NULL},
    {HTTP_METHOD_PATCH, "/api/v1/meetings/{id}/agenda/{id}", API_SCOPE_MEETING, MTG_PREPARE,
     item_update_run, NULL},
    {HTTP_METHOD_DELETE, "/api/v1/meetings/{id}/agenda/{id}", API_SCOPE_MEETING, MTG_PREPARE,
     item_delete_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/agenda/{id}/visibility", API_SCOPE_MEETING,
     AUTH_ROLE_CHAIR, visibility_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
