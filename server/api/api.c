/* api.c: the request router and the core of every /api/v1 call.
 *
 * See api-internal.h for the shape of a call. This file matches routes, enforces the limits on
 * request bodies (size is enforced by the HTTP layer; here: content type, nesting depth, JSON
 * syntax, an object at the top), and runs the per-call database job that loads the session,
 * checks CSRF, resolves the scope and the caller's roles, and runs the route.
 *
 * CSRF: the session cookie is SameSite=Strict, so browsers do not send it on cross-site requests;
 * in addition every state-changing call of a signed-in user must carry the X-CSRF-Token header
 * (sent as X-Auth-Token, a header libwebsockets reads under HTTP/2 as well)
 * with the token issued at sign-in, and any request whose Origin header names another site is
 * refused.
 */
#include "api-internal.h"

#include "ops.h"
#include "static-files.h"
#include "broadcast/broadcast.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define API_MAX_JSON_DEPTH 32

static const ApiRoute *const route_tables[] = {
    api_auth_routes,       api_body_routes,     api_meeting_routes,      api_agenda_routes,
    api_attendance_routes, api_document_routes, api_consultation_routes, api_floor_routes,
    api_journal_routes,    api_minutes_routes,  api_vote_routes,         api_recording_routes,
    api_public_routes,     api_screen_routes};
/* Routes whose request body is streamed (uploads); each also appears in route_tables. */
static const ApiStreamRoute *const stream_tables[] = {api_document_stream_routes};

const char *api_i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

void api_call_fail(ApiCall *call, guint status, const char *code, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_free(call->error_message);
    call->error_message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_free(call->error_code);
    call->error_code = g_strdup(code);
    call->status = status;
    g_clear_pointer(&call->response, json_node_unref);
}

void api_call_reply(ApiCall *call, guint status, JsonNode *node)
{
    g_clear_pointer(&call->response, json_node_unref);
    g_clear_pointer(&call->error_code, g_free);
    g_clear_pointer(&call->error_message, g_free);
    call->status = status;
    call->response = node;
}

void api_call_add_header(ApiCall *call, const char *name, const char *value)
{
    g_ptr_array_add(call->headers, g_strdup(name));
    g_ptr_array_add(call->headers, g_strdup(value));
}

/* A file answered by a route's after (api_call_defer_file). */
typedef struct {
    char *path;
    char *media_type;
    char *etag;
    char *sha256;
    char *disposition;
    char *cache_control;
} ApiFile;

static void api_file_free(gpointer p)
{
    ApiFile *f = p;
    g_free(f->path);
    g_free(f->media_type);
    g_free(f->etag);
    g_free(f->sha256);
    g_free(f->disposition);
    g_free(f->cache_control);
    g_free(f);
}

void api_call_defer_file(ApiCall *call, const char *path, const char *media_type,
                         const char *sha256, const char *disposition, const char *cache_control)
{
    g_return_if_fail(!call->route_data);
    ApiFile *f = g_new0(ApiFile, 1);
    f->path = g_strdup(path);
    f->media_type = g_strdup(media_type);
    f->etag = g_strdup_printf("\"%s\"", sha256);
    f->sha256 = g_strdup(sha256);
    f->disposition = g_strdup(disposition);
    f->cache_control = g_strdup(cache_control);
    call->route_data = f;
    call->route_data_free = api_file_free;
    call->deferred = TRUE;
}

void api_call_send_file(ApiCall *call, guint fail_status, const char *fail_code,
                        const char *fail_message)
{
    ApiFile *f = call->route_data;
    HttpRequest *req = call->req;
    if (!f || !http_request_is_pending(req))
        return;
    http_request_add_header(req, "content-disposition", f->disposition);
    http_request_add_header(req, "x-content-sha256", f->sha256);
    g_autoptr(GError) error = NULL;
    if (!http_request_respond_file(req, f->path, f->media_type, f->cache_control, f->etag,
                                   &error)) {
        g_warning("%s: %s", http_request_get_path(req), error->message);
        http_request_respond_error(req, fail_status, fail_code, "%s", fail_message);
    }
}

char *api_body_string(ApiCall *call, const char *name, guint max_chars, gboolean required)
{
    JsonNode *node = call->body ? json_object_get_member(call->body, name) : NULL;
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        if (required)
            api_call_fail(call, 400, "missing_field", "missing field '%s'", name);
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
        api_call_fail(call, 400, "invalid_field", "field '%s' must be a string", name);
        return NULL;
    }
    const char *s = json_node_get_string(node);
    if (!g_utf8_validate(s, -1, NULL)) {
        api_call_fail(call, 400, "invalid_field", "field '%s' is not valid UTF-8", name);
        return NULL;
    }
    g_autofree char *trimmed = g_strstrip(g_strdup(s));
    glong n = g_utf8_strlen(trimmed, -1);
    if ((guint)n > max_chars) {
        api_call_fail(call, 400, "invalid_field", "field '%s' too long: %ld characters, at most %u",
                      name, n, max_chars);
        return NULL;
    }
    if (required && n == 0) {
        api_call_fail(call, 400, "missing_field", "field '%s' must not be empty", name);
        return NULL;
    }
    return g_steal_pointer(&trimmed);
}

gboolean api_body_int(ApiCall *call, const char *name, gint64 min, gint64 max, gboolean required,
                      gint64 *out)
{
    JsonNode *node = call->body ? json_object_get_member(call->body, name) : NULL;
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        if (required) {
            api_call_fail(call, 400, "missing_field", "missing field '%s'", name);
            return FALSE;
        }
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
        api_call_fail(call, 400, "invalid_field", "field '%s' must be an integer", name);
        return FALSE;
    }
    gint64 v = json_node_get_int(node);
    if (v < min || v > max) {
        api_call_fail(call, 400, "invalid_field",
                      "field '%s' must be from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, name,
                      min, max);
        return FALSE;
    }
    *out = v;
    return TRUE;
}

gboolean api_query_int(ApiCall *call, const char *name, gint64 min, gint64 max, gint64 *out)
{
    const char *text = http_request_get_query(call->req, name);
    gint64 v = 0;
    if (!text)
        return TRUE;
    if (!g_ascii_string_to_signed(text, 10, min, max, &v, NULL)) {
        api_call_fail(call, 400, "invalid_query",
                      "query argument '%s' must be an integer from %" G_GINT64_FORMAT
                      " to %" G_GINT64_FORMAT,
                      name, min, max);
        return FALSE;
    }
    *out = v;
    return TRUE;
}

void api_add_rows(JsonBuilder *b, DbRows *rows, const char *const *cols, const char *kinds)
{
    json_builder_begin_array(b);
    for (guint r = 0; r < db_rows_count(rows); r++) {
        json_builder_begin_object(b);
        for (guint c = 0; cols[c]; c++) {
            int col = db_rows_column(rows, cols[c]);
            json_builder_set_member_name(b, cols[c]);
            if (col < 0 || db_rows_is_null(rows, r, (guint)col)) {
                json_builder_add_null_value(b);
                continue;
            }
            switch (kinds[c]) {
            case 'i':
                json_builder_add_int_value(b, db_rows_get_int64(rows, r, (guint)col));
                break;
            case 'b':
                json_builder_add_boolean_value(b, db_rows_get_bool(rows, r, (guint)col));
                break;
            default:
                json_builder_add_string_value(b, db_rows_get(rows, r, (guint)col));
                break;
            }
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void api_call_free(gpointer p)
{
    ApiCall *call = p;
    http_request_unref(call->req);
    g_clear_pointer(&call->body, json_object_unref);
    g_free(call->token);
    g_free(call->csrf_header);
    g_free(call->peer);
    g_free(call->session.username);
    g_free(call->session.full_name);
    g_free(call->session.title);
    g_free(call->session.csrf_token);
    g_clear_pointer(&call->response, json_node_unref);
    g_free(call->error_code);
    g_free(call->error_message);
    g_ptr_array_unref(call->headers);
    if (call->route_data_free)
        call->route_data_free(call->route_data);
    if (call->starter_free)
        call->starter_free(call->starter);
    g_free(call);
}

/* Matches path against pattern; {id} segments must be positive integers. */
static gboolean match_pattern(const char *pattern, const char *path, gint64 *ids, guint *n_ids)
{
    g_auto(GStrv) ps = g_strsplit(pattern, "/", -1);
    g_auto(GStrv) xs = g_strsplit(path, "/", -1);
    if (g_strv_length(ps) != g_strv_length(xs))
        return FALSE;
    guint n = 0;
    for (guint i = 0; ps[i]; i++) {
        if (g_str_equal(ps[i], "{id}")) {
            guint64 v = 0;
            if (n >= 4 || !g_ascii_string_to_unsigned(xs[i], 10, 1, G_MAXINT64, &v, NULL))
                return FALSE;
            ids[n++] = (gint64)v;
        } else if (!g_str_equal(ps[i], xs[i])) {
            return FALSE;
        }
    }
    *n_ids = n;
    return TRUE;
}

/* Loads the session named by the cookie. */
static gboolean load_session(DbConn *conn, ApiCall *call, GError **error)
{
    g_autofree char *hash = auth_token_hash_hex(call->token);
    char idle[24];
    api_i64(idle, call->app->config->session_idle_minutes);
    const char *params[] = {hash, idle};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        "SELECT s.user_id, s.csrf_token, u.username, u.full_name, u.title, u.is_system_admin, "
        "       s.last_seen < now() - interval '1 minute' AS stale "
        "FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = $1::bytea AND s.expires_at > now() "
        "  AND s.last_seen > now() - make_interval(mins => $2::int) AND NOT u.disabled",
        2, params, error);
    if (!rows)
        return FALSE;
    if (db_rows_count(rows) == 0)
        return TRUE;
    call->signed_in = TRUE;
    call->session.user_id = db_rows_get_int64(rows, 0, 0);
    call->session.csrf_token = g_strdup(db_rows_get(rows, 0, 1));
    call->session.username = g_strdup(db_rows_get(rows, 0, 2));
    call->session.full_name = g_strdup(db_rows_get(rows, 0, 3));
    call->session.title = g_strdup(db_rows_get(rows, 0, 4));
    call->session.is_system_admin = db_rows_get_bool(rows, 0, 5);
    if (db_rows_get_bool(rows, 0, 6) &&
        !db_conn_run(conn, "UPDATE sessions SET last_seen = now() WHERE token_hash = $1::bytea", 1,
                     params, error))
        return FALSE;
    return TRUE;
}

/* Resolves the route's scope to a body and the caller's roles there. FALSE with an answer set
 * (404) when the object does not exist. */
static gboolean resolve_scope(DbConn *conn, ApiCall *call, GError **error, gboolean *ok)
{
    char id[24];
    *ok = TRUE;
    const ApiRoute *route = call->route;
    if (route->scope == API_SCOPE_BODY) {
        const char *p[] = {api_i64(id, call->ids[0])};
        g_autoptr(DbRows) r =
            db_conn_exec(conn, "SELECT id FROM bodies WHERE id = $1", 1, p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 404, "not_found", "no body %" G_GINT64_FORMAT, call->ids[0]);
            *ok = FALSE;
            return TRUE;
        }
        call->body_id = call->ids[0];
    } else if (route->scope == API_SCOPE_MEETING) {
        const char *p[] = {api_i64(id, call->ids[0])};
        g_autoptr(DbRows) r =
            db_conn_exec(conn, "SELECT body_id FROM meetings WHERE id = $1", 1, p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 404, "not_found", "no meeting %" G_GINT64_FORMAT, call->ids[0]);
            *ok = FALSE;
            return TRUE;
        }
        call->body_id = db_rows_get_int64(r, 0, 0);
    } else if (route->scope == API_SCOPE_DOCUMENT || route->scope == API_SCOPE_CONSULTATION) {
        gboolean doc = route->scope == API_SCOPE_DOCUMENT;
        const char *p[] = {api_i64(id, call->ids[0])};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            doc ? "SELECT m.body_id FROM documents d JOIN meetings m ON m.id = d.meeting_id "
                  "WHERE d.id = $1"
                : "SELECT m.body_id FROM consultations c JOIN documents d ON d.id = c.document_id "
                  "JOIN meetings m ON m.id = d.meeting_id WHERE c.id = $1",
            1, p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 404, "not_found", "no %s %" G_GINT64_FORMAT,
                          doc ? "document" : "consultation", call->ids[0]);
            *ok = FALSE;
            return TRUE;
        }
        call->body_id = db_rows_get_int64(r, 0, 0);
    } else {
        return TRUE;
    }
    char uid[24], bid[24];
    const char *p[] = {api_i64(bid, call->body_id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT role FROM memberships WHERE body_id = $1 AND user_id = $2", 2, p, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++)
        call->roles |= auth_role_from_name(db_rows_get(r, i, 0));
    /* The system administrator administers every body. */
    if (call->session.is_system_admin)
        call->roles |= AUTH_ROLE_ADMIN;
    return TRUE;
}

static gboolean call_job(DbConn *conn, gpointer data, GError **error)
{
    ApiCall *call = data;
    const ApiRoute *route = call->route;
    call->status = 200;

    if (call->token && !load_session(conn, call, error))
        return FALSE;
    if (route->scope != API_SCOPE_PUBLIC && !call->signed_in) {
        api_call_fail(call, 401, "unauthenticated", "sign in first");
        return TRUE;
    }
    if (call->signed_in && call->state_changing && route->scope != API_SCOPE_PUBLIC &&
        !auth_equal(call->csrf_header, call->session.csrf_token)) {
        api_call_fail(call, 403, "csrf",
                      "missing or wrong X-Auth-Token header: the anti-forgery token returned at "
                      "sign-in and by "
                      "GET /api/v1/session");
        return TRUE;
    }
    if (route->scope == API_SCOPE_SYSTEM_ADMIN && !call->session.is_system_admin) {
        api_call_fail(call, 403, "forbidden", "this needs the system administrator");
        return TRUE;
    }
    gboolean ok = TRUE;
    if (!resolve_scope(conn, call, error, &ok))
        return FALSE;
    if (!ok)
        return TRUE;
    /* Every scope that resolved to a body checks the route's roles in it. */
    if (call->body_id && !(call->roles & route->roles)) {
        g_autofree char *need = auth_roles_describe(route->roles);
        api_call_fail(call, 403, "forbidden", "this needs the role %s in body %" G_GINT64_FORMAT,
                      need, call->body_id);
        return TRUE;
    }
    return (call->run ? call->run : route->run)(conn, call, error);
}

static void call_done(gpointer data, const GError *error, gpointer user_data)
{
    ApiCall *call = data;
    if (call->done)
        call->done(call, error, call->done_data);
    else
        api_call_answer(call, error);
}

void api_call_answer(ApiCall *call, const GError *error)
{
    HttpRequest *req = call->req;
    if (!http_request_is_pending(req))
        return;
    if (error) {
        if (g_error_matches(error, DB_ERROR, DB_ERROR_UNAVAILABLE) ||
            g_error_matches(error, DB_ERROR, DB_ERROR_BUSY)) {
            http_request_add_header(req, "retry-after", "2");
            http_request_respond_error(req, 503, "database_unavailable",
                                       "the database is not available right now: try again in a "
                                       "few seconds (%s)",
                                       error->message);
        } else if (g_error_matches(error, DB_ERROR, DB_ERROR_CONFLICT)) {
            http_request_respond_error(req, 409, "conflict",
                                       "the change conflicts with another one: reload and try "
                                       "again");
        } else {
            g_warning("%s %s: %s", http_request_get_method_name(req), http_request_get_path(req),
                      error->message);
            http_request_respond_error(req, 500, "internal", "internal error");
        }
        return;
    }
    if (call->deferred && !call->error_code && call->route->after) {
        call->route->after(call);
        return;
    }
    for (guint i = 0; i + 1 < call->headers->len; i += 2)
        http_request_add_header(req, call->headers->pdata[i], call->headers->pdata[i + 1]);
    if (call->error_code) {
        http_request_respond_error(req, call->status, call->error_code, "%s", call->error_message);
    } else if (call->response) {
        http_request_respond_json(req, call->status, g_steal_pointer(&call->response));
    } else {
        http_request_respond(req, call->status == 200 ? 204 : call->status, NULL, NULL);
    }
    if (call->route->after && call->status < 300)
        call->route->after(call);
}

/* A request whose Origin names another site is refused outright. */
static gboolean origin_ok(HttpRequest *req)
{
    const char *origin = http_request_get_header(req, "origin");
    const char *host = http_request_get_header(req, "host");
    if (!origin)
        return TRUE;
    const char *o = strstr(origin, "://");
    return o && host && g_str_equal(o + 3, host);
}

static gboolean parse_body(ApiCall *call, HttpRequest *req)
{
    g_autoptr(GBytes) bytes = http_request_get_body(req);
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    if (len == 0)
        return TRUE;
    const char *ct = http_request_get_header(req, "content-type");
    if (!ct || !g_str_has_prefix(ct, "application/json")) {
        http_request_respond_error(req, 415, "unsupported_media_type",
                                   "expected Content-Type: application/json, got '%s'",
                                   ct ? ct : "(none)");
        return FALSE;
    }
    if (!g_utf8_validate(data, (gssize)len, NULL)) {
        http_request_respond_error(req, 400, "malformed_json", "malformed JSON: not UTF-8");
        return FALSE;
    }
    guint depth = http_json_depth(data, len);
    if (depth > API_MAX_JSON_DEPTH) {
        http_request_respond_error(req, 400, "malformed_json",
                                   "JSON nested too deeply: %u levels, at most %d", depth,
                                   API_MAX_JSON_DEPTH);
        return FALSE;
    }
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) error = NULL;
    if (!json_parser_load_from_data(parser, data, (gssize)len, &error)) {
        http_request_respond_error(req, 400, "malformed_json", "malformed JSON: %s",
                                   error->message);
        return FALSE;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        http_request_respond_error(req, 400, "malformed_json", "expected a JSON object");
        return FALSE;
    }
    call->body = json_object_ref(json_node_get_object(root));
    return TRUE;
}

/* The route of the tables for method and path, with its {id}s; *path_matched (may be NULL) tells
 * whether any route has the path. */
static const ApiRoute *find_route(HttpMethod method, const char *path, gint64 *ids, guint *n_ids,
                                  gboolean *path_matched)
{
    for (guint t = 0; t < G_N_ELEMENTS(route_tables); t++) {
        for (const ApiRoute *r = route_tables[t]; r->pattern; r++) {
            if (!match_pattern(r->pattern, path, ids, n_ids))
                continue;
            if (path_matched)
                *path_matched = TRUE;
            if (r->method == method)
                return r;
        }
    }
    return NULL;
}

static ApiCall *call_new(PhApp *app, HttpRequest *req, const ApiRoute *route, const gint64 *ids,
                         guint n_ids)
{
    HttpMethod method = http_request_get_method(req);
    ApiCall *call = g_new0(ApiCall, 1);
    call->app = app;
    call->req = http_request_ref(req);
    call->route = route;
    memcpy(call->ids, ids, MIN(n_ids, G_N_ELEMENTS(call->ids)) * sizeof(gint64));
    call->n_ids = n_ids;
    call->state_changing = method != HTTP_METHOD_GET && method != HTTP_METHOD_HEAD;
    call->headers = g_ptr_array_new_with_free_func(g_free);
    call->token = g_strdup(http_request_get_cookie(req, AUTH_COOKIE_NAME));
    call->csrf_header = g_strdup(http_request_get_header(req, "x-auth-token"));
    call->peer = g_strdup(http_request_get_peer(req));
    call->tls = http_request_is_tls(req);
    if (call->token && (strlen(call->token) > 128 || !*call->token))
        g_clear_pointer(&call->token, g_free);
    return call;
}

void api_call_start(PhApp *app, HttpRequest *req, const ApiRoute *route, const gint64 *ids,
                    guint n_ids, ApiRunFunc run, gpointer starter, GDestroyNotify starter_free,
                    ApiDoneFunc done, gpointer done_data)
{
    ApiCall *call = call_new(app, req, route, ids, n_ids);
    call->run = run;
    call->starter = starter;
    call->starter_free = starter_free;
    call->done = done;
    call->done_data = done_data;
    db_pool_run(app->db, call_job, call, api_call_free, call_done, app);
}

void api_begin_request(PhApp *app, HttpRequest *req)
{
    const char *path = http_request_get_path(req);
    HttpMethod method = http_request_get_method(req);
    if (!g_str_has_prefix(path, "/api/v1/"))
        return;
    for (guint t = 0; t < G_N_ELEMENTS(stream_tables); t++) {
        for (const ApiStreamRoute *s = stream_tables[t]; s->pattern; s++) {
            gint64 ids[4] = {0};
            guint n_ids = 0;
            if (s->method != method || !match_pattern(s->pattern, path, ids, &n_ids))
                continue;
            const ApiRoute *route = find_route(method, path, ids, &n_ids, NULL);
            if (!route)
                return;
            if (!origin_ok(req)) {
                http_request_respond_error(req, 403, "cross_site",
                                           "cross-site request refused (Origin %s)",
                                           http_request_get_header(req, "origin"));
                return;
            }
            s->begin(app, req, route, ids, n_ids);
            return;
        }
    }
}

static void handle_api(PhApp *app, HttpRequest *req)
{
    const char *path = http_request_get_path(req);
    HttpMethod method = http_request_get_method(req);
    gboolean path_matched = FALSE;
    gint64 ids[4] = {0};
    guint n_ids = 0;
    const ApiRoute *found = find_route(method, path, ids, &n_ids, &path_matched);
    if (!found) {
        if (path_matched)
            http_request_respond_error(req, 405, "method_not_allowed", "%s is not allowed on %s",
                                       http_request_get_method_name(req), path);
        else
            http_request_respond_error(req, 404, "not_found", "no API route %s", path);
        return;
    }
    gboolean state_changing = method != HTTP_METHOD_GET && method != HTTP_METHOD_HEAD;
    if (state_changing && !origin_ok(req)) {
        http_request_respond_error(req, 403, "cross_site", "cross-site request refused (Origin %s)",
                                   http_request_get_header(req, "origin"));
        return;
    }
    ApiCall *call = call_new(app, req, found, ids, n_ids);
    if (!parse_body(call, req)) {
        api_call_free(call);
        return;
    }
    db_pool_run(app->db, call_job, call, api_call_free, call_done, app);
}

void api_handle_request(PhApp *app, HttpRequest *req)
{
    const char *path = http_request_get_path(req);
    if (g_str_has_prefix(path, "/api/")) {
        if (!g_str_has_prefix(path, "/api/v1/")) {
            http_request_respond_error(req, 404, "not_found",
                                       "no API route %s (this server speaks /api/v1/)", path);
            return;
        }
        handle_api(app, req);
    } else if (g_str_equal(path, "/healthz")) {
        ops_healthz(app, req);
    } else if (g_str_equal(path, "/metrics")) {
        ops_metrics(app, req);
    } else if (g_str_has_prefix(path, "/live/")) {
        broadcast_serve(app, req);
    } else if (g_str_equal(path, "/ws")) {
        http_request_respond_error(req, 400, "websocket_expected",
                                   "/ws is the live WebSocket: connect with a WebSocket client");
    } else {
        static_files_serve(app, req);
    }
}
