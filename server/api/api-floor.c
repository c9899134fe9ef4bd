/* api-floor.c: the floor of a meeting: requests to speak, the queue, grants, time limits.
 *
 * Who may do what is the table at the bottom, checked by the core before anything runs; what is
 * allowed depends further on the floor itself (server/floor/floor-store.h): members ask for the
 * floor and withdraw their own requests, and yield their own turn; the chair grants, gives the
 * floor to someone who did not ask (a guest, an official who must answer: DOMAIN.md "khách mời:
 * may speak when given the floor, never votes"), revokes, reorders, extends, opens every
 * microphone and mutes; the secretariat and administrators see the floor. A body's administrator
 * or chair sets its speaking-time limits. Every change answers with the floor as it now is; the
 * route's `after` hands the committed outcome to the floor service (media gate, timers).
 *
 * A refusal (the floor is busy, the request is not waiting, the meeting is not open...) answers
 * 4xx and writes nothing.
 */
#include "api-internal.h"

#include "floor/floor-service.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define ALL       AUTH_ROLES_ALL
#define NOT_GUEST (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER)
#define CHAIR     AUTH_ROLE_CHAIR
#define MEMBER    AUTH_ROLE_MEMBER
#define SPEAKERS  (AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER | AUTH_ROLE_GUEST)

/* The longest extension the chair gives in one step. */
#define FLOOR_MAX_EXTEND_SECONDS 3600

/* Answers a refusal of the floor or its store with its status; other errors go up (5xx). */
static gboolean refuse(ApiCall *call, GError **local, GError **error)
{
    GError *e = *local;
    if (e->domain == FLOOR_ERROR) {
        static const struct {
            guint status;
            const char *code;
        } map[] = {
            [FLOOR_ERROR_INVALID] = {400, "invalid"},
            [FLOOR_ERROR_NOT_FOUND] = {404, "not_waiting"},
            [FLOOR_ERROR_DUPLICATE] = {409, "already_waiting"},
            [FLOOR_ERROR_BUSY] = {409, "floor_busy"},
            [FLOOR_ERROR_IDLE] = {409, "floor_idle"},
        };
        guint i = (guint)e->code < G_N_ELEMENTS(map) ? (guint)e->code : 0;
        api_call_fail(call, map[i].status, map[i].code, "%s", e->message);
        return TRUE;
    }
    if (e->domain == FLOOR_STORE_ERROR) {
        static const struct {
            guint status;
            const char *code;
        } map[] = {
            [FLOOR_STORE_ERROR_NO_MEETING] = {404, "not_found"},
            [FLOOR_STORE_ERROR_STATE] = {409, "meeting_state"},
            [FLOOR_STORE_ERROR_NOT_PRESENT] = {409, "not_checked_in"},
            [FLOOR_STORE_ERROR_NOT_ALLOWED] = {403, "forbidden"},
        };
        guint i = (guint)e->code < G_N_ELEMENTS(map) ? (guint)e->code : 0;
        api_call_fail(call, map[i].status, map[i].code, "%s", e->message);
        return TRUE;
    }
    g_propagate_error(error, g_steal_pointer(local));
    return FALSE;
}

/* Readers of a meeting's floor: the rule of schema 0004 (a guest only once invited, members once
 * it is no longer a draft). */
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

static JsonNode *wrap_state(JsonNode *state, gint64 request_id)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    if (request_id) {
        json_builder_set_member_name(b, "request_id");
        json_builder_add_int_value(b, request_id);
    }
    json_builder_set_member_name(b, "floor");
    json_builder_add_value(b, state);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* Runs a command; on success the answer is the floor and the outcome goes to `after`. */
static gboolean run_command(DbConn *conn, ApiCall *call, const FloorCommand *cmd, guint status,
                            GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree FloorOutcome *out = g_new0(FloorOutcome, 1);
    JsonNode *state = NULL;
    if (!floor_store_run(conn, call->ids[0], cmd, out, &state, &local))
        return refuse(call, &local, error);
    api_call_reply(call, status, wrap_state(state, out->request_id));
    call->route_data = g_steal_pointer(&out);
    call->route_data_free = g_free;
    return TRUE;
}

static void floor_after(ApiCall *call)
{
    if (call->route_data && call->app->floor)
        floor_service_apply(call->app->floor, call->route_data);
}

static gboolean body_kind(ApiCall *call, FloorKind *kind)
{
    g_autofree char *text = api_body_string(call, "kind", 32, TRUE);
    g_autoptr(GError) error = NULL;
    if (!text)
        return FALSE;
    if (!floor_kind_parse(text, kind, &error)) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'kind' must be speech, question, answer or point_of_order, got '%s'",
                      text);
        return FALSE;
    }
    return TRUE;
}

/* Reads a boolean member; absent leaves *out as it is. */
static gboolean body_bool(ApiCall *call, const char *name, gboolean required, gboolean *out)
{
    JsonNode *node = call->body ? json_object_get_member(call->body, name) : NULL;
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        if (required)
            api_call_fail(call, 400, "missing_field", "missing field '%s'", name);
        return !required;
    }
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
        api_call_fail(call, 400, "invalid_field", "field '%s' must be true or false", name);
        return FALSE;
    }
    *out = json_node_get_boolean(node);
    return TRUE;
}

static FloorCommand command(ApiCall *call, FloorOp op)
{
    FloorCommand cmd = {0};
    cmd.op = op;
    cmd.actor_id = call->session.user_id;
    cmd.actor_chairs = (call->roles & AUTH_ROLE_CHAIR) != 0;
    return cmd;
}

/* ---- routes ---- */

static gboolean floor_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = FALSE;
    if (!may_read(conn, call, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    g_autoptr(GError) local = NULL;
    JsonNode *state = NULL;
    if (!floor_store_get(conn, call->ids[0], &state, NULL, &local))
        return refuse(call, &local, error);
    api_call_reply(call, 200, wrap_state(state, 0));
    return TRUE;
}

static gboolean request_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_REQUEST);
    if (!body_kind(call, &cmd.kind))
        return TRUE;
    cmd.person_id = call->session.user_id;
    return run_command(conn, call, &cmd, 201, error);
}

static gboolean withdraw_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_WITHDRAW);
    cmd.request_id = call->ids[1];
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean move_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_MOVE);
    gint64 position = -1;
    if (!api_body_int(call, "position", 0, 100000, TRUE, &position))
        return TRUE;
    cmd.request_id = call->ids[1];
    cmd.position = (guint)position;
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean grant_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_GRANT);
    if (!api_body_int(call, "request_id", 1, G_MAXINT64, FALSE, &cmd.request_id))
        return TRUE;
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean give_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_GIVE);
    if (!api_body_int(call, "user_id", 1, G_MAXINT64, TRUE, &cmd.person_id) ||
        !body_kind(call, &cmd.kind))
        return TRUE;
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean finish_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_FINISH);
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean revoke_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_REVOKE);
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean extend_run(DbConn *conn, ApiCall *call, GError **error)
{
    FloorCommand cmd = command(call, FLOOR_OP_EXTEND);
    gint64 seconds = 0;
    if (!api_body_int(call, "seconds", 1, FLOOR_MAX_EXTEND_SECONDS, TRUE, &seconds))
        return TRUE;
    cmd.extra_us = seconds * G_USEC_PER_SEC;
    return run_command(conn, call, &cmd, 200, error);
}

static gboolean microphones_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean open = FALSE;
    if (!body_bool(call, "open", TRUE, &open))
        return TRUE;
    g_autoptr(GError) local = NULL;
    g_autofree FloorOutcome *out = g_new0(FloorOutcome, 1);
    JsonNode *state = NULL;
    if (!floor_store_set_microphones(conn, call->ids[0], call->session.user_id, open, out, &state,
                                     &local))
        return refuse(call, &local, error);
    api_call_reply(call, 200, wrap_state(state, 0));
    call->route_data = g_steal_pointer(&out);
    call->route_data_free = g_free;
    return TRUE;
}

static gboolean mute_run(DbConn *conn, ApiCall *call, GError **error)
{
    gint64 user_id = 0;
    gboolean audio = TRUE, video = FALSE;
    if (!api_body_int(call, "user_id", 1, G_MAXINT64, TRUE, &user_id) ||
        !body_bool(call, "audio", FALSE, &audio) || !body_bool(call, "video", FALSE, &video))
        return TRUE;
    g_autoptr(GError) local = NULL;
    g_autofree FloorOutcome *out = g_new0(FloorOutcome, 1);
    if (!floor_store_mute(conn, call->ids[0], call->session.user_id, user_id, audio, video, out,
                          &local))
        return refuse(call, &local, error);
    call->status = 204;
    call->route_data = g_steal_pointer(&out);
    call->route_data_free = g_free;
    return TRUE;
}

static gboolean limits_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    JsonNode *limits = NULL;
    if (!floor_store_get_limits(conn, call->body_id, &limits, error))
        return FALSE;
    api_call_reply(call, 200, limits);
    return TRUE;
}

/* {"limits": [{"kind", "limit_seconds", "warning_seconds"}, ...]}: the kinds named are set, the
 * others keep theirs. Every item is checked before any is written: all or nothing. */
static gboolean limits_put_run(DbConn *conn, ApiCall *call, GError **error)
{
    JsonNode *node = call->body ? json_object_get_member(call->body, "limits") : NULL;
    if (!node || !JSON_NODE_HOLDS_ARRAY(node)) {
        api_call_fail(call, 400, "missing_field",
                      "field 'limits' must be an array of {kind, limit_seconds, "
                      "warning_seconds}");
        return TRUE;
    }
    JsonArray *items = json_node_get_array(node);
    guint n = json_array_get_length(items);
    if (n == 0 || n > FLOOR_N_KINDS) {
        api_call_fail(call, 400, "invalid_field", "field 'limits' must hold 1 to %d items",
                      FLOOR_N_KINDS);
        return TRUE;
    }
    FloorKind kinds[FLOOR_N_KINDS];
    gint64 limits[FLOOR_N_KINDS], warnings[FLOOR_N_KINDS];
    for (guint i = 0; i < n; i++) {
        JsonNode *item = json_array_get_element(items, i);
        if (!JSON_NODE_HOLDS_OBJECT(item)) {
            api_call_fail(call, 400, "invalid_field", "limits[%u] must be an object", i);
            return TRUE;
        }
        /* Read the item's fields with the usual readers, by making it the body for a moment. */
        JsonObject *saved = call->body;
        call->body = json_node_get_object(item);
        limits[i] = -1;
        warnings[i] = 0;
        gboolean ok = body_kind(call, &kinds[i]) &&
                      api_body_int(call, "limit_seconds", 0, 86400, TRUE, &limits[i]) &&
                      api_body_int(call, "warning_seconds", 0, 86400, FALSE, &warnings[i]);
        call->body = saved;
        if (!ok) {
            g_autofree char *why = g_strdup_printf("limits[%u]: %s", i, call->error_message);
            g_autofree char *code = g_strdup(call->error_code);
            api_call_fail(call, call->status, code, "%s", why);
            return TRUE;
        }
        /* The domain's rule (floor_rules_validate), said in the API's units. */
        if (warnings[i] > 0 && warnings[i] >= limits[i]) {
            api_call_fail(call, 400, "invalid_field",
                          "limits[%u]: warning_seconds (%" G_GINT64_FORMAT
                          ") must be less than limit_seconds (%" G_GINT64_FORMAT
                          "), or 0 for no warning",
                          i, warnings[i], limits[i]);
            return TRUE;
        }
    }
    for (guint i = 0; i < n; i++)
        if (!floor_store_set_limit(conn, call->body_id, call->session.user_id, kinds[i], limits[i],
                                   warnings[i], error))
            return FALSE;
    return limits_get_run(conn, call, error);
}

const ApiRoute api_floor_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/floor", API_SCOPE_MEETING, ALL, floor_get_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/requests", API_SCOPE_MEETING, MEMBER,
     request_run, floor_after},
    {HTTP_METHOD_DELETE, "/api/v1/meetings/{id}/floor/requests/{id}", API_SCOPE_MEETING,
     MEMBER | CHAIR, withdraw_run, floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/requests/{id}/move", API_SCOPE_MEETING, CHAIR,
     move_run, floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/grant", API_SCOPE_MEETING, CHAIR, grant_run,
     floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/give", API_SCOPE_MEETING, CHAIR, give_run,
     floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/finish", API_SCOPE_MEETING, SPEAKERS,
     finish_run, floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/revoke", API_SCOPE_MEETING, CHAIR, revoke_run,
     floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/extend", API_SCOPE_MEETING, CHAIR, extend_run,
     floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/microphones", API_SCOPE_MEETING, CHAIR,
     microphones_run, floor_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/floor/mute", API_SCOPE_MEETING, CHAIR, mute_run,
     floor_after},
    {HTTP_METHOD_GET, "/api/v1/bodies/{id}/floor-limits", API_SCOPE_BODY, NOT_GUEST, limits_get_run,
     NULL},
    {HTTP_METHOD_PUT, "/api/v1/bodies/{id}/floor-limits", API_SCOPE_BODY, AUTH_ROLE_ADMIN | CHAIR,
     limits_put_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
