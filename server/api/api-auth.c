/* api-auth.c: sign-in, sign-out, the current session and password changes.
 *
 * Throttling: failed sign-ins are counted per account and per client address in login_throttle
 * (in the database, so every node of a deployment sees the same counts). Failures older than the
 * 15-minute window start a new count. At the configured number of failures the key is locked for
 * lockout_seconds, doubling with every further failure up to an hour; a locked key is refused
 * with 429, a Retry-After header and "try again in N s", before the password is even checked.
 * A wrong username costs the same Argon2id verification as a wrong password, so timing does not
 * tell which usernames exist.
 */
#include "api-internal.h"

#include "live/live.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define THROTTLE_WINDOW  "15 minutes"
#define MAX_LOCK_SECONDS 3600

static const char *dummy_hash(void)
{
    static gsize once = 0;
    static char *hash;
    if (g_once_init_enter(&once)) {
        hash = auth_password_hash("not-a-password-of-anyone", NULL);
        g_once_init_leave(&once, 1);
    }
    return hash;
}

/* Adds "user" and "memberships" of user_id to the object being built. */
static gboolean add_session_members(DbConn *conn, JsonBuilder *b, gint64 user_id, GError **error)
{
    char uid[24];
    const char *p[] = {api_i64(uid, user_id)};
    g_autoptr(DbRows) u = db_conn_exec(
        conn, "SELECT id, username, full_name, title, is_system_admin FROM users WHERE id = $1", 1,
        p, error);
    if (!u)
        return FALSE;
    g_autoptr(DbRows) m = db_conn_exec(
        conn,
        "SELECT b.id AS body_id, b.name AS body_name, b.kind AS body_kind, "
        "       b.level AS body_level, string_agg(m.role, ',' ORDER BY m.role) AS roles "
        "FROM memberships m JOIN bodies b ON b.id = m.body_id WHERE m.user_id = $1 "
        "GROUP BY b.id ORDER BY b.level DESC, b.name",
        1, p, error);
    if (!m)
        return FALSE;
    if (db_rows_count(u) != 1) {
        g_set_error(error, DB_ERROR, DB_ERROR_QUERY, "user %s vanished during the call", uid);
        return FALSE;
    }
    json_builder_set_member_name(b, "user");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, db_rows_get_int64(u, 0, 0));
    json_builder_set_member_name(b, "username");
    json_builder_add_string_value(b, db_rows_get(u, 0, 1));
    json_builder_set_member_name(b, "full_name");
    json_builder_add_string_value(b, db_rows_get(u, 0, 2));
    json_builder_set_member_name(b, "title");
    json_builder_add_string_value(b, db_rows_get(u, 0, 3));
    json_builder_set_member_name(b, "is_system_admin");
    json_builder_add_boolean_value(b, db_rows_get_bool(u, 0, 4));
    json_builder_end_object(b);
    json_builder_set_member_name(b, "memberships");
    json_builder_begin_array(b);
    for (guint r = 0; r < db_rows_count(m); r++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "body_id");
        json_builder_add_int_value(b, db_rows_get_int64(m, r, 0));
        json_builder_set_member_name(b, "body_name");
        json_builder_add_string_value(b, db_rows_get(m, r, 1));
        json_builder_set_member_name(b, "body_kind");
        json_builder_add_string_value(b, db_rows_get(m, r, 2));
        json_builder_set_member_name(b, "body_level");
        json_builder_add_string_value(b, db_rows_get(m, r, 3));
        json_builder_set_member_name(b, "roles");
        json_builder_begin_array(b);
        g_auto(GStrv) roles = g_strsplit(db_rows_get(m, r, 4), ",", -1);
        for (guint i = 0; roles[i]; i++)
            json_builder_add_string_value(b, roles[i]);
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return TRUE;
}

/* The session document: {user, csrf_token, memberships}. */
static JsonNode *session_document(DbConn *conn, gint64 user_id, const char *csrf, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    if (!add_session_members(conn, b, user_id, error))
        return NULL;
    json_builder_set_member_name(b, "csrf_token");
    json_builder_add_string_value(b, csrf);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* Refuses with 429 when key is locked; *locked tells whether it did. */
static gboolean check_locks(DbConn *conn, ApiCall *call, const char *user_key, const char *addr_key,
                            gboolean *locked, GError **error)
{
    const char *p[] = {user_key, addr_key};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT key, ceil(extract(epoch FROM locked_until - now()))::bigint FROM login_throttle "
        "WHERE key IN ($1, $2) AND locked_until > now() ORDER BY 2 DESC",
        2, p, error);
    if (!r)
        return FALSE;
    *locked = db_rows_count(r) > 0;
    if (!*locked)
        return TRUE;
    gint64 wait = MAX(1, db_rows_get_int64(r, 0, 1));
    gboolean per_account = g_str_equal(db_rows_get(r, 0, 0), user_key);
    char ra[24];
    api_call_add_header(call, "retry-after", api_i64(ra, wait));
    api_call_fail(call, 429, "throttled",
                  "too many failed sign-ins %s: try again in %" G_GINT64_FORMAT " s",
                  per_account ? "for this account" : "from this address", wait);
    return TRUE;
}

/* Counts a failure for key and locks it when over max. Returns the lock's length (0: none). */
static gboolean count_failure(DbConn *conn, const char *key, int max, int lockout, gint64 *lock_s,
                              GError **error)
{
    const char *p[] = {key};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "INSERT INTO login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now()) "
        "ON CONFLICT (key) DO UPDATE SET "
        "  failures = CASE WHEN t.window_start < now() - interval '" THROTTLE_WINDOW "' "
        "             AND (t.locked_until IS NULL OR t.locked_until < now()) "
        "             THEN 1 ELSE t.failures + 1 END, "
        "  window_start = CASE WHEN t.window_start < now() - interval '" THROTTLE_WINDOW "' "
        "             AND (t.locked_until IS NULL OR t.locked_until < now()) "
        "             THEN now() ELSE t.window_start END "
        "RETURNING failures",
        1, p, error);
    if (!r)
        return FALSE;
    gint64 failures = db_rows_get_int64(r, 0, 0);
    *lock_s = 0;
    if (failures < max)
        return TRUE;
    gint64 extra = MIN(failures - max, 20);
    gint64 secs = MIN((gint64)lockout << extra, (gint64)MAX_LOCK_SECONDS);
    char s[24];
    const char *q[] = {key, api_i64(s, secs)};
    if (!db_conn_run(conn,
                     "UPDATE login_throttle SET locked_until = now() + make_interval(secs => $2) "
                     "WHERE key = $1",
                     2, q, error))
        return FALSE;
    *lock_s = secs;
    return TRUE;
}

static void set_cookie(ApiCall *call, const char *token, int max_age)
{
    g_autofree char *cookie =
        g_strdup_printf(AUTH_COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                        token, max_age, call->tls ? "; Secure" : "");
    api_call_add_header(call, "set-cookie", cookie);
}

static gboolean login_run(DbConn *conn, ApiCall *call, GError **error)
{
    const PhConfig *cfg = call->app->config;
    g_autofree char *username = api_body_string(call, "username", 64, TRUE);
    if (!username)
        return TRUE;
    JsonNode *pw_node = json_object_get_member(call->body, "password");
    if (!pw_node || !JSON_NODE_HOLDS_VALUE(pw_node) ||
        json_node_get_value_type(pw_node) != G_TYPE_STRING) {
        api_call_fail(call, 400, "missing_field", "missing field 'password'");
        return TRUE;
    }
    const char *password = json_node_get_string(pw_node);
    if (strlen(password) > AUTH_MAX_PASSWORD) {
        api_call_fail(call, 400, "invalid_field", "field 'password' too long: at most %d bytes",
                      AUTH_MAX_PASSWORD);
        return TRUE;
    }
    g_autofree char *lower = g_utf8_strdown(username, -1);
    g_autofree char *user_key = g_strconcat("user:", lower, NULL);
    g_autofree char *addr_key = g_strconcat("addr:", call->peer, NULL);

    gboolean locked = FALSE;
    if (!check_locks(conn, call, user_key, addr_key, &locked, error))
        return FALSE;
    if (locked)
        return TRUE;

    const char *p[] = {lower};
    g_autoptr(DbRows) u = db_conn_exec(
        conn, "SELECT id, password_hash, disabled FROM users WHERE username = $1", 1, p, error);
    if (!u)
        return FALSE;
    gboolean found = db_rows_count(u) == 1;
    const char *hash = found ? db_rows_get(u, 0, 1) : dummy_hash();
    gboolean good = auth_password_verify(hash, password) && found && !db_rows_get_bool(u, 0, 2);

    if (!good) {
        gint64 lock_user = 0, lock_addr = 0;
        if (!count_failure(conn, user_key, cfg->max_failures_per_account, cfg->lockout_seconds,
                           &lock_user, error) ||
            !count_failure(conn, addr_key, cfg->max_failures_per_address, cfg->lockout_seconds,
                           &lock_addr, error))
            return FALSE;
        g_info("sign-in refused for '%s' from %s", lower, call->peer);
        if (lock_user || lock_addr) {
            gint64 wait = MAX(lock_user, lock_addr);
            char ra[24];
            api_call_add_header(call, "retry-after", api_i64(ra, wait));
            api_call_fail(call, 429, "throttled",
                          "too many failed sign-ins %s: try again in %" G_GINT64_FORMAT " s",
                          lock_user ? "for this account" : "from this address", wait);
        } else {
            api_call_fail(call, 401, "invalid_credentials", "wrong username or password");
        }
        return TRUE;
    }

    gint64 user_id = db_rows_get_int64(u, 0, 0);
    if (!db_conn_run(conn, "DELETE FROM login_throttle WHERE key = $1", 1,
                     (const char *const[]){user_key}, error))
        return FALSE;
    g_autofree char *token = auth_token_new();
    g_autofree char *token_hash = auth_token_hash_hex(token);
    g_autofree char *csrf = auth_token_new();
    char uid[24], hours[24];
    const char *s[] = {token_hash, api_i64(uid, user_id), csrf, call->peer,
                       api_i64(hours, cfg->session_max_hours)};
    if (!db_conn_run(conn,
                     "INSERT INTO sessions (token_hash, user_id, csrf_token, client_address, "
                     "expires_at) VALUES ($1::bytea, $2, $3, $4, now() + make_interval(hours => "
                     "$5::int))",
                     5, s, error))
        return FALSE;
    /* Sessions past their end are removed now and then, at sign-in. */
    if (!db_conn_run(conn, "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'", 0,
                     NULL, error))
        return FALSE;
    JsonNode *doc = session_document(conn, user_id, csrf, error);
    if (!doc)
        return FALSE;
    set_cookie(call, token, cfg->session_max_hours * 3600);
    g_info("user '%s' signed in from %s", lower, call->peer);
    api_call_reply(call, 200, doc);
    return TRUE;
}

static gboolean logout_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_autofree char *hash = auth_token_hash_hex(call->token);
    if (!db_conn_run(conn, "DELETE FROM sessions WHERE token_hash = $1::bytea", 1,
                     (const char *const[]){hash}, error))
        return FALSE;
    set_cookie(call, "", 0);
    call->status = 204;
    return TRUE;
}

static gboolean session_run(DbConn *conn, ApiCall *call, GError **error)
{
    JsonNode *doc = session_document(conn, call->session.user_id, call->session.csrf_token, error);
    if (!doc)
        return FALSE;
    api_call_reply(call, 200, doc);
    return TRUE;
}

static gboolean password_run(DbConn *conn, ApiCall *call, GError **error)
{
    JsonNode *cur = json_object_get_member(call->body ? call->body : NULL, "current_password");
    JsonNode *next = call->body ? json_object_get_member(call->body, "new_password") : NULL;
    if (!cur || !next || json_node_get_value_type(cur) != G_TYPE_STRING ||
        json_node_get_value_type(next) != G_TYPE_STRING) {
        api_call_fail(call, 400, "missing_field",
                      "fields 'current_password' and 'new_password' are required strings");
        return TRUE;
    }
    char uid[24];
    const char *p[] = {api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) u =
        db_conn_exec(conn, "SELECT password_hash FROM users WHERE id = $1", 1, p, error);
    if (!u)
        return FALSE;
    if (!auth_password_verify(db_rows_get(u, 0, 0), json_node_get_string(cur))) {
        api_call_fail(call, 403, "invalid_credentials", "the current password is wrong");
        return TRUE;
    }
    g_autoptr(GError) weak = NULL;
    g_autofree char *hash = auth_password_hash(json_node_get_string(next), &weak);
    if (!hash) {
        api_call_fail(call, 400, "weak_password", "%s", weak->message);
        return TRUE;
    }
    g_autofree char *token_hash = auth_token_hash_hex(call->token);
    const char *q[] = {hash, uid};
    const char *d[] = {uid, token_hash};
    if (!db_conn_run(conn, "UPDATE users SET password_hash = $1 WHERE id = $2", 2, q, error) ||
        !db_conn_run(conn, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2::bytea", 2,
                     d, error))
        return FALSE;
    call->status = 204;
    return TRUE;
}

/* A session ended (signed out) or others were revoked (password changed): the live connections
 * of sessions that ended are closed now, not at the next periodic check. */
static void sessions_changed_after(ApiCall *call)
{
    live_sessions_recheck(call->app);
}

const ApiRoute api_auth_routes[] = {
    {HTTP_METHOD_POST, "/api/v1/auth/login", API_SCOPE_PUBLIC, 0, login_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/auth/logout", API_SCOPE_SIGNED_IN, 0, logout_run,
     sessions_changed_after},
    {HTTP_METHOD_GET, "/api/v1/session", API_SCOPE_SIGNED_IN, 0, session_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/session/password", API_SCOPE_SIGNED_IN, 0, password_run,
     sessions_changed_after},
    {0, NULL, 0, 0, NULL, NULL},
};
