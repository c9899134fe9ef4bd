/* api-screens.c: hall screens bound to a site of a meeting.
 *
 * A site's screen (the projector or TV of a hall: DOMAIN.md's điểm cầu, "its own camera and
 * microphones") must not run under a person's account: whoever signed in on it would appear in
 * the meeting's media as themselves, and their session would sit unattended in a hall for hours.
 * Instead the secretariat issues a token for one site of one meeting, limited in time (1 to 72
 * hours, 12 by default) and revocable:
 *   POST /api/v1/meetings/{id}/screens           {site_id, hours?, label?} -> the token, once
 *   GET  /api/v1/meetings/{id}/screens           the meeting's screens (never their tokens)
 *   POST /api/v1/meetings/{id}/screens/{id}/revoke
 * The screen then presents the token, and only the token:
 *   GET  /api/v1/screen   (Authorization: Bearer TOKEN)  the screen, its site and the meeting's
 * view /ws  {"type":"screen.auth","token":...}         the connection becomes the site's screen: it
 * follows its meeting's hall events and joins its media as the site (live.c). Only the token's
 * SHA-256 is stored (like sessions). Revoking closes the screen's live connections at once; an
 * expired token is refused like a revoked one. Issuing and revoking are journaled (screen.issued,
 * screen.revoked: who, which site, until when) and announced to the meeting's readers, so the desk
 * of every secretary shows the same list.
 */
#include "api-meetings.h"
#include "api-public.h"

#include "live/live.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define SCREEN_MAX_HOURS       72
#define SCREEN_DEFAULT_HOURS   12
#define SCREEN_MAX_PER_MEETING 200

#define SCREEN_SELECT                                                                      \
    "SELECT x.id, x.meeting_id, x.site_id, t.name AS site_name, t.kind AS site_kind, "     \
    "  x.label, x.created_by, phonghop_ts(x.created_at) AS created_at, "                   \
    "  phonghop_ts(x.expires_at) AS expires_at, phonghop_ts(x.revoked_at) AS revoked_at, " \
    "  phonghop_ts(x.last_used_at) AS last_used_at, "                                      \
    "  (x.revoked_at IS NULL AND x.expires_at > now()) AS active "                         \
    "FROM site_screens x JOIN sites t ON t.id = x.site_id "
static const char *const screen_cols[] = {
    "id",         "meeting_id", "site_id",    "site_name",    "site_kind", "label", "created_by",
    "created_at", "expires_at", "revoked_at", "last_used_at", "active",    NULL};
#define SCREEN_KINDS "iiisssissssb"

static gboolean record_screen(DbConn *conn, ApiCall *call, const MtgRow *m, const char *kind,
                              JsonNode *screen, GError **error)
{
    JsonObject *s = json_node_get_object(screen);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "screen_id");
    json_builder_add_int_value(b, json_object_get_int_member(s, "id"));
    json_builder_set_member_name(b, "site_id");
    json_builder_add_int_value(b, json_object_get_int_member(s, "site_id"));
    json_builder_set_member_name(b, "expires_at");
    json_builder_add_string_value(b, json_object_get_string_member(s, "expires_at"));
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_autofree char *actor = mtg_actor(call);
    g_auto(MtgAudience) to = {0};
    return mtg_audience(conn, m, FALSE, &to, error) &&
           record_fact(conn, m->id, kind, actor, payload, &to.visibility, error);
}

static gboolean screens_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, call->ids[0])};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, SCREEN_SELECT "WHERE x.meeting_id = $1 ORDER BY x.id", 1, p, error);
    if (!r)
        return FALSE;
    api_call_reply(call, 200, mtg_wrap_rows("screens", r, screen_cols, SCREEN_KINDS));
    return TRUE;
}

static gboolean screen_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    static const char *const fields[] = {"site_id", "hours", "label", NULL};
    if (!mtg_body_known(call, fields))
        return TRUE;
    gint64 site_id = 0, hours = SCREEN_DEFAULT_HOURS;
    if (!api_body_int(call, "site_id", 1, G_MAXINT64, TRUE, &site_id) ||
        !api_body_int(call, "hours", 1, SCREEN_MAX_HOURS, FALSE, &hours))
        return TRUE;
    g_autofree char *label = api_body_string(call, "label", 200, FALSE);
    if (call->error_code)
        return TRUE;
    MtgRow m;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    if (m.status == MTG_STATUS_CLOSED || m.status == MTG_STATUS_ARCHIVED) {
        api_call_fail(call, 409, "wrong_state",
                      "meeting %" G_GINT64_FORMAT " is %s: a hall screen is issued for a meeting "
                      "that has not closed",
                      m.id, mtg_status_to_string(m.status));
        return TRUE;
    }
    char mid[24], sid[24], bid[24];
    const char *q[] = {api_i64(sid, site_id), api_i64(bid, m.body_id), api_i64(mid, m.id)};
    g_autoptr(DbRows) site =
        db_conn_exec(conn,
                     "SELECT (SELECT count(*) FROM sites WHERE id = $1 AND body_id = $2), "
                     "       (SELECT count(*) FROM site_screens WHERE meeting_id = $3)",
                     3, q, error);
    if (!site)
        return FALSE;
    if (db_rows_get_int64(site, 0, 0) == 0) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'site_id': body %" G_GINT64_FORMAT " has no site %" G_GINT64_FORMAT,
                      m.body_id, site_id);
        return TRUE;
    }
    if (db_rows_get_int64(site, 0, 1) >= SCREEN_MAX_PER_MEETING) {
        api_call_fail(call, 409, "too_many_screens",
                      "meeting %" G_GINT64_FORMAT " has %d hall screens already, the most it "
                      "may have",
                      m.id, SCREEN_MAX_PER_MEETING);
        return TRUE;
    }
    g_autofree char *token = auth_token_new();
    g_autofree char *hash = auth_token_hash_hex(token);
    char uid[24], h[24];
    const char *p[] = {
        mid, sid, hash, label ? label : "", api_i64(uid, call->session.user_id), api_i64(h, hours)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "INSERT INTO site_screens (meeting_id, site_id, token_hash, label, created_by, "
        "  expires_at) VALUES ($1, $2, $3::bytea, $4, $5, now() + make_interval(hours => $6)) "
        "RETURNING id",
        6, p, error);
    if (!r)
        return FALSE;
    char xid[24];
    const char *x[] = {api_i64(xid, db_rows_get_int64(r, 0, 0))};
    g_autoptr(DbRows) row = db_conn_exec(conn, SCREEN_SELECT "WHERE x.id = $1", 1, x, error);
    if (!row)
        return FALSE;
    g_autoptr(JsonNode) screen = mtg_row_object(row, 0, screen_cols, SCREEN_KINDS);
    if (!record_screen(conn, call, &m, "screen.issued", screen, error))
        return FALSE;
    JsonObject *o = json_object_new();
    json_object_set_member(o, "screen", json_node_copy(screen));
    json_object_set_string_member(o, "token", token);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    api_call_add_header(call, "cache-control", "no-store");
    api_call_reply(call, 201, node);
    return TRUE;
}

static gboolean screen_revoke_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    char mid[24], xid[24], uid[24];
    const char *p[] = {api_i64(mid, m.id), api_i64(xid, call->ids[1]),
                       api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "UPDATE site_screens SET revoked_at = now(), revoked_by = $3 "
                     "WHERE meeting_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id",
                     3, p, error);
    if (!r)
        return FALSE;
    const char *x[] = {xid, mid};
    g_autoptr(DbRows) row =
        db_conn_exec(conn, SCREEN_SELECT "WHERE x.id = $1 AND x.meeting_id = $2", 2, x, error);
    if (!row)
        return FALSE;
    if (db_rows_count(row) == 0) {
        api_call_fail(call, 404, "not_found",
                      "meeting %" G_GINT64_FORMAT " has no hall screen %" G_GINT64_FORMAT, m.id,
                      call->ids[1]);
        return TRUE;
    }
    g_autoptr(JsonNode) screen = mtg_row_object(row, 0, screen_cols, SCREEN_KINDS);
    /* Revoking twice changes nothing and is not recorded twice. */
    if (db_rows_count(r) == 1 && !record_screen(conn, call, &m, "screen.revoked", screen, error))
        return FALSE;
    gint64 *id = g_new(gint64, 1);
    *id = call->ids[1];
    call->route_data = id;
    call->route_data_free = g_free;
    api_call_reply(call, 200, mtg_wrap_row("screen", row, screen_cols, SCREEN_KINDS));
    return TRUE;
}

static void screen_revoke_after(ApiCall *call)
{
    if (call->route_data)
        live_screen_revoked(*(gint64 *)call->route_data);
}

static gboolean screen_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    ScreenBinding s;
    const char *auth = http_request_get_header(call->req, "authorization");
    const char *token = auth && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
    if (!live_screen_lookup(conn, token, &s, error))
        return FALSE;
    if (!s.screen_id) {
        api_call_fail(call, 401, "screen_token",
                      "this screen's token is missing, unknown, revoked or expired: ask the "
                      "secretariat for a new one");
        return TRUE;
    }
    JsonNode *view = public_meeting_view(conn, s.meeting_id, TRUE, error);
    if (!view)
        return FALSE;
    JsonObject *screen = json_object_new();
    json_object_set_int_member(screen, "id", s.screen_id);
    json_object_set_int_member(screen, "meeting_id", s.meeting_id);
    json_object_set_int_member(screen, "site_id", s.site_id);
    json_object_set_string_member(screen, "site_name", s.site_name);
    json_object_set_string_member(screen, "expires_at", s.expires_at);
    json_object_set_object_member(json_node_get_object(view), "screen", screen);
    public_reply_cached(call, view, "private, no-cache");
    return TRUE;
}

const ApiRoute api_screen_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/screens", API_SCOPE_MEETING, MTG_PREPARE,
     screens_list_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/screens", API_SCOPE_MEETING, MTG_PREPARE,
     screen_create_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/screens/{id}/revoke", API_SCOPE_MEETING, MTG_PREPARE,
     screen_revoke_run, screen_revoke_after},
    {HTTP_METHOD_GET, "/api/v1/screen", API_SCOPE_PUBLIC, 0, screen_get_run, NULL},
    {0},
};
