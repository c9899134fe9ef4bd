/* live.c: the live WebSocket's connections and messages.
 *
 * Each connection carries a LiveClient (its ws data). Opening starts one database job that
 * resolves the session cookie to a user; messages that arrive before it answers wait in a queue
 * of at most LIVE_MAX_PENDING (a client that floods before it is known is disconnected). Every
 * reply is a JSON object with a "type"; errors are {"type":"error","code","message","ref"}, where
 * ref echoes the id of the message that caused it. Nothing here waits on the database: a ping is
 * answered from the main loop even while every database worker is busy.
 */
#include "live-media.h"
#include "live-private.h"

#include "auth/auth.h"
#include "votes/votes.h"

#include <json-glib/json-glib.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-live"

#define LIVE_MAX_PENDING 32
#define LIVE_MAX_DEPTH   16
/* How often the sessions of signed-in connections are checked again in the database. */
#define LIVE_SESSION_CHECK_S 10
/* The close code of a connection whose session ended (4000-4999: the application's own). */
#define LIVE_CLOSE_SESSION_ENDED 4401

typedef struct {
    WsConn *conn; /* a reference */
    char *token;
    char *token_hash;
    gint64 expires_us;
    gint64 user_id;
    gboolean system_admin;
    char *username;
    char *full_name;
} SessionLookup;

/* Clients bound to a hall screen (LiveClient*), for revocation. Main thread. */
static GHashTable *screen_clients;

static void screen_unbind(LiveClient *c)
{
    if (screen_clients)
        g_hash_table_remove(screen_clients, c);
    if (c->screen_timer) {
        g_source_destroy(c->screen_timer);
        g_clear_pointer(&c->screen_timer, g_source_unref);
    }
    c->conn = NULL;
}

static void client_free(gpointer p)
{
    LiveClient *c = p;
    screen_unbind(c);
    g_free(c->username);
    g_free(c->full_name);
    g_free(c->token_hash);
    g_queue_clear_full(&c->pending, g_free);
    live_feed_client_gone(c);
    g_free(c);
}

static void lookup_free(gpointer p)
{
    SessionLookup *l = p;
    ws_conn_unref(l->conn);
    g_free(l->token);
    g_free(l->token_hash);
    g_free(l->username);
    g_free(l->full_name);
    g_free(l);
}

void live_send_error_v(WsConn *conn, const char *code, JsonNode *ref, gint64 meeting_id,
                       const char *format, va_list ap)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "error");
    http_json_add_error(b, code, format, ap);
    if (ref) {
        json_builder_set_member_name(b, "ref");
        json_builder_add_value(b, json_node_copy(ref));
    }
    if (meeting_id > 0) {
        json_builder_set_member_name(b, "meeting_id");
        json_builder_add_int_value(b, meeting_id);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(conn, node);
}

void live_send_error(WsConn *conn, const char *code, JsonNode *ref, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    live_send_error_v(conn, code, ref, 0, format, ap);
    va_end(ap);
}

static void send_welcome(WsConn *conn, LiveClient *c)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "welcome");
    json_builder_set_member_name(b, "protocol");
    json_builder_add_int_value(b, 1);
    json_builder_set_member_name(b, "connection_id");
    json_builder_add_int_value(b, (gint64)ws_conn_get_id(conn));
    json_builder_set_member_name(b, "user");
    if (c->user_id) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_int_value(b, c->user_id);
        json_builder_set_member_name(b, "username");
        json_builder_add_string_value(b, c->username);
        json_builder_set_member_name(b, "full_name");
        json_builder_add_string_value(b, c->full_name);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(conn, node);
}

/* ---- sessions that end while their connection is open ---- */

/* Signed-in connections (WsConn*, a reference each -> its LiveClient), and the timer that checks
 * their sessions again; both exist only while a signed-in connection does. */
static GHashTable *signed_in;
static guint session_timer;
static gboolean check_running, check_again;
static PhApp *check_app;

typedef struct {
    GPtrArray *hashes; /* the session hashes checked (hex) */
    GHashTable *valid; /* of them, those still valid: hash -> expires (gint64*) */
} SessionCheck;

static void session_end(LiveClient *c, WsConn *conn, const char *why)
{
    if (c->ended)
        return;
    c->ended = TRUE;
    g_info("ws %" G_GUINT64_FORMAT ": user '%s': session %s, closing the connection",
           ws_conn_get_id(conn), c->username, why);
    live_send_error(conn, "session_ended", NULL,
                    "your session has ended (%s): sign in again to continue", why);
    ws_conn_close(conn, LIVE_CLOSE_SESSION_ENDED, "session ended");
}

static void session_check_free(gpointer p)
{
    SessionCheck *k = p;
    g_ptr_array_unref(k->hashes);
    g_hash_table_unref(k->valid);
    g_free(k);
}

static gboolean session_check_job(DbConn *db, gpointer data, GError **error)
{
    SessionCheck *k = data;
    GString *list = g_string_new("{");
    for (guint i = 0; i < k->hashes->len; i++)
        g_string_append_printf(list, "%s%s", i ? "," : "", (char *)k->hashes->pdata[i]);
    g_string_append_c(list, '}');
    g_autofree char *text = g_string_free(list, FALSE);
    const char *p[] = {text};
    g_autoptr(DbRows) rows = db_conn_exec(
        db,
        "SELECT encode(s.token_hash, 'hex'), (extract(epoch FROM s.expires_at) * 1000000)::bigint "
        "FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h) "
        "  AND s.expires_at > now() AND NOT u.disabled",
        1, p, error);
    if (!rows)
        return FALSE;
    for (guint i = 0; i < db_rows_count(rows); i++) {
        gint64 *until = g_new(gint64, 1);
        *until = db_rows_get_int64(rows, i, 1);
        g_hash_table_insert(k->valid, g_strdup(db_rows_get(rows, i, 0)), until);
    }
    return TRUE;
}

static void session_check_start(void);

static void session_check_done(gpointer data, const GError *error, gpointer user_data)
{
    SessionCheck *k = data;
    check_running = FALSE;
    if (error) {
        /* The database is away: the next check decides. */
        g_debug("checking the sessions of live connections: %s", error->message);
    } else if (signed_in) {
        g_autoptr(GHashTable) checked = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < k->hashes->len; i++)
            g_hash_table_add(checked, k->hashes->pdata[i]);
        GHashTableIter it;
        gpointer key, value;
        g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func((GDestroyNotify)ws_conn_unref);
        g_hash_table_iter_init(&it, signed_in);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            LiveClient *c = value;
            /* A connection signed in after the check started was not part of it. */
            if (!g_hash_table_contains(checked, c->token_hash))
                continue;
            gint64 *until = g_hash_table_lookup(k->valid, c->token_hash);
            if (until)
                c->expires_us = *until;
            else
                g_ptr_array_add(ended, ws_conn_ref(key));
        }
        for (guint i = 0; i < ended->len; i++) {
            WsConn *conn = ended->pdata[i];
            LiveClient *c = ws_conn_get_data(conn);
            if (c && ws_conn_is_open(conn))
                session_end(c, conn, "signed out, expired or revoked");
        }
    }
    if (check_again) {
        check_again = FALSE;
        session_check_start();
    }
}

static void session_check_start(void)
{
    if (!signed_in || g_hash_table_size(signed_in) == 0 || !check_app)
        return;
    if (check_running) {
        check_again = TRUE;
        return;
    }
    SessionCheck *k = g_new0(SessionCheck, 1);
    k->hashes = g_ptr_array_new_with_free_func(g_free);
    k->valid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, signed_in);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        LiveClient *c = value;
        if (c->ended || !g_hash_table_add(seen, c->token_hash))
            continue;
        g_ptr_array_add(k->hashes, g_strdup(c->token_hash));
    }
    if (k->hashes->len == 0) {
        session_check_free(k);
        return;
    }
    check_running = TRUE;
    db_pool_run(check_app->db, session_check_job, k, session_check_free, session_check_done, NULL);
}

static gboolean session_tick(gpointer data)
{
    (void)data;
    session_check_start();
    return G_SOURCE_CONTINUE;
}

static void signed_in_add(PhApp *app, WsConn *conn, LiveClient *c)
{
    if (!signed_in)
        signed_in = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                          (GDestroyNotify)ws_conn_unref, NULL);
    check_app = app;
    g_hash_table_insert(signed_in, ws_conn_ref(conn), c);
    if (!session_timer) {
        GSource *s = g_timeout_source_new_seconds(LIVE_SESSION_CHECK_S);
        g_source_set_callback(s, session_tick, NULL, NULL);
        session_timer = g_source_attach(s, app->context);
        g_source_unref(s);
    }
}

static void signed_in_remove(WsConn *conn)
{
    if (!signed_in || !g_hash_table_remove(signed_in, conn))
        return;
    if (g_hash_table_size(signed_in) == 0) {
        g_clear_pointer(&signed_in, g_hash_table_unref);
        if (session_timer) {
            /* attached to the app's context, not the global default g_source_remove() uses */
            GSource *s = g_main_context_find_source_by_id(check_app->context, session_timer);

            if (s)
                g_source_destroy(s);
            session_timer = 0;
        }
    }
}

void live_sessions_recheck(PhApp *app)
{
    (void)app;
    session_check_start();
}

gboolean live_screen_lookup(DbConn *conn, const char *token, ScreenBinding *out, GError **error)
{
    memset(out, 0, sizeof(*out));
    if (!token || !*token || strlen(token) > 128)
        return TRUE;
    g_autofree char *hash = auth_token_hash_hex(token);
    const char *p[] = {hash};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "UPDATE site_screens x SET last_used_at = now() FROM sites t, meetings m "
        "WHERE x.token_hash = $1::bytea AND x.revoked_at IS NULL AND x.expires_at > now() "
        "  AND t.id = x.site_id AND m.id = x.meeting_id "
        "RETURNING x.id, x.meeting_id, x.site_id, t.name, "
        "  (extract(epoch FROM x.expires_at) * 1000000)::bigint, phonghop_ts(x.expires_at), "
        "  m.body_id",
        1, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) != 1)
        return TRUE;
    out->screen_id = db_rows_get_int64(r, 0, 0);
    out->meeting_id = db_rows_get_int64(r, 0, 1);
    out->site_id = db_rows_get_int64(r, 0, 2);
    g_strlcpy(out->site_name, db_rows_get(r, 0, 3), sizeof(out->site_name));
    out->expires_us = db_rows_get_int64(r, 0, 4);
    g_strlcpy(out->expires_at, db_rows_get(r, 0, 5), sizeof(out->expires_at));
    out->body_id = db_rows_get_int64(r, 0, 6);
    return TRUE;
}

const ScreenBinding *live_client_screen_for(const LiveClient *c, gint64 meeting_id)
{
    if (!c || !c->screen.screen_id || c->screen.meeting_id != meeting_id ||
        c->screen.expires_us <= g_get_real_time())
        return NULL;
    return &c->screen;
}

void live_screen_revoked(gint64 screen_id)
{
    if (!screen_clients)
        return;
    GHashTableIter it;
    gpointer key;
    g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func((GDestroyNotify)ws_conn_unref);
    g_hash_table_iter_init(&it, screen_clients);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        LiveClient *c = key;
        if (c->screen.screen_id == screen_id && c->conn)
            g_ptr_array_add(conns, ws_conn_ref(c->conn));
    }
    for (guint i = 0; i < conns->len; i++) {
        g_info("hall screen %" G_GINT64_FORMAT ": revoked, closing ws %" G_GUINT64_FORMAT,
               screen_id, ws_conn_get_id(conns->pdata[i]));
        ws_conn_close(conns->pdata[i], 4001, "screen revoked");
    }
}

typedef struct {
    WsConn *conn; /* a reference */
    JsonNode *ref;
    char *token;
    ScreenBinding screen;
} ScreenAuth;

static void screen_auth_free(gpointer p)
{
    ScreenAuth *a = p;
    ws_conn_unref(a->conn);
    if (a->ref)
        json_node_unref(a->ref);
    g_free(a->token);
    g_free(a);
}

static gboolean screen_auth_job(DbConn *db, gpointer data, GError **error)
{
    ScreenAuth *a = data;
    return live_screen_lookup(db, a->token, &a->screen, error);
}

static gboolean screen_expired(gpointer data)
{
    LiveClient *c = data;
    WsConn *conn = c->conn;
    g_clear_pointer(&c->screen_timer, g_source_unref);
    if (conn) {
        g_info("hall screen %" G_GINT64_FORMAT ": its token expired, closing ws %" G_GUINT64_FORMAT,
               c->screen.screen_id, ws_conn_get_id(conn));
        ws_conn_close(conn, 4001, "screen token expired");
    }
    return G_SOURCE_REMOVE;
}

static void screen_auth_done(gpointer data, const GError *error, gpointer user_data)
{
    ScreenAuth *a = data;
    LiveClient *c = ws_conn_get_data(a->conn);
    if (!ws_conn_is_open(a->conn) || !c)
        return;
    if (error) {
        live_send_error(a->conn, "database_unavailable", a->ref,
                        "cannot check this screen's token right now: try again in a few seconds");
        return;
    }
    if (!a->screen.screen_id) {
        live_send_error(a->conn, "screen_token", a->ref,
                        "this screen's token is unknown, revoked or expired: ask the secretariat "
                        "for a new one");
        return;
    }
    screen_unbind(c);
    c->screen = a->screen;
    c->conn = a->conn;
    if (!screen_clients)
        screen_clients = g_hash_table_new(NULL, NULL);
    g_hash_table_add(screen_clients, c);
    gint64 left_ms = MAX(0, (c->screen.expires_us - g_get_real_time()) / 1000);
    c->screen_timer = g_timeout_source_new((guint)MIN(left_ms + 1, (gint64)G_MAXUINT32 / 2));
    g_source_set_callback(c->screen_timer, screen_expired, c, NULL);
    g_source_attach(c->screen_timer, c->app->context);

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "screen.bound");
    if (a->ref) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(a->ref));
    }
    json_builder_set_member_name(b, "screen_id");
    json_builder_add_int_value(b, c->screen.screen_id);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, c->screen.meeting_id);
    json_builder_set_member_name(b, "site_id");
    json_builder_add_int_value(b, c->screen.site_id);
    json_builder_set_member_name(b, "site_name");
    json_builder_add_string_value(b, c->screen.site_name);
    json_builder_set_member_name(b, "expires_at");
    json_builder_add_string_value(b, c->screen.expires_at);
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(a->conn, node);
    g_info("hall screen %" G_GINT64_FORMAT " (meeting %" G_GINT64_FORMAT ", site %" G_GINT64_FORMAT
           "): bound to ws %" G_GUINT64_FORMAT,
           c->screen.screen_id, c->screen.meeting_id, c->screen.site_id, ws_conn_get_id(a->conn));
}

static void handle_screen_auth(LiveClient *c, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    JsonNode *t = json_object_get_member(msg, "token");
    if (!t || !JSON_NODE_HOLDS_VALUE(t) || json_node_get_value_type(t) != G_TYPE_STRING ||
        !*json_node_get_string(t) || strlen(json_node_get_string(t)) > 128) {
        live_send_error(conn, "malformed", id,
                        "screen.auth needs 'token': the screen's token, 1 to 128 characters");
        return;
    }
    ScreenAuth *a = g_new0(ScreenAuth, 1);
    a->conn = ws_conn_ref(conn);
    a->ref = id ? json_node_copy(id) : NULL;
    a->token = g_strdup(json_node_get_string(t));
    db_pool_run(c->app->db, screen_auth_job, a, screen_auth_free, screen_auth_done, NULL);
}

static void handle_message(LiveClient *c, WsConn *conn, const char *text, gsize len)
{
    if (c->ended)
        return;
    if (c->user_id && c->expires_us && g_get_real_time() >= c->expires_us) {
        session_end(c, conn, "expired");
        return;
    }
    if (http_json_depth(text, len) > LIVE_MAX_DEPTH) {
        live_send_error(conn, "malformed", NULL, "message nested too deeply (at most %d levels)",
                        LIVE_MAX_DEPTH);
        return;
    }
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) error = NULL;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &error)) {
        live_send_error(conn, "malformed", NULL, "malformed JSON: %s", error->message);
        return;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        live_send_error(conn, "malformed", NULL, "expected a JSON object");
        return;
    }
    JsonObject *msg = json_node_get_object(root);
    JsonNode *id = json_object_get_member(msg, "id");
    JsonNode *type_node = json_object_get_member(msg, "type");
    if (!type_node || json_node_get_value_type(type_node) != G_TYPE_STRING) {
        live_send_error(conn, "malformed", id, "missing string field 'type'");
        return;
    }
    const char *type = json_node_get_string(type_node);
    if (g_str_equal(type, "ping")) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "type");
        json_builder_add_string_value(b, "pong");
        if (id) {
            json_builder_set_member_name(b, "id");
            json_builder_add_value(b, json_node_copy(id));
        }
        json_builder_set_member_name(b, "server_time_ms");
        json_builder_add_int_value(b, g_get_real_time() / 1000);
        json_builder_end_object(b);
        g_autoptr(JsonNode) node = json_builder_get_root(b);
        ws_conn_send_json(conn, node);
        return;
    }
    if (g_str_equal(type, "subscribe")) {
        live_feed_subscribe(c->app, conn, c, msg, id);
        return;
    }
    if (g_str_equal(type, "unsubscribe")) {
        live_feed_unsubscribe(c->app, conn, c, msg, id);
        return;
    }
    if (g_str_equal(type, "screen.auth")) {
        handle_screen_auth(c, conn, msg, id);
        return;
    }
    if (g_str_has_prefix(type, "media.")) {
        live_media_message(c->app, conn, c->user_id, c->username,
                           c->screen.screen_id ? &c->screen : NULL, type, msg, id);
        return;
    }
    if (g_str_has_prefix(type, "vote.")) {
        vote_live_message(c->app, conn, c->user_id, type, msg, id);
        return;
    }
    g_autofree char *shown = g_utf8_substring(type, 0, MIN(g_utf8_strlen(type, -1), 64));
    live_send_error(conn, "unknown_type", id, "unknown message type '%s'", shown);
}

static gboolean lookup_job(DbConn *db, gpointer data, GError **error)
{
    SessionLookup *l = data;
    g_autofree char *hash = auth_token_hash_hex(l->token);
    const char *p[] = {hash};
    g_autoptr(DbRows) rows =
        db_conn_exec(db,
                     "SELECT u.id, u.username, u.full_name, u.is_system_admin, "
                     "  (extract(epoch FROM s.expires_at) * 1000000)::bigint FROM sessions s "
                     "JOIN users u ON u.id = s.user_id "
                     "WHERE s.token_hash = $1::bytea AND s.expires_at > now() AND NOT u.disabled",
                     1, p, error);
    if (!rows)
        return FALSE;
    if (db_rows_count(rows) == 1) {
        l->user_id = db_rows_get_int64(rows, 0, 0);
        l->username = g_strdup(db_rows_get(rows, 0, 1));
        l->full_name = g_strdup(db_rows_get(rows, 0, 2));
        l->system_admin = db_rows_get_bool(rows, 0, 3);
        l->expires_us = db_rows_get_int64(rows, 0, 4);
        l->token_hash = g_strdup(hash + 2); /* without bytea's "\\x" */
    }
    return TRUE;
}

static void become_ready(LiveClient *c, WsConn *conn)
{
    c->ready = TRUE;
    send_welcome(conn, c);
    char *text;
    while ((text = g_queue_pop_head(&c->pending))) {
        if (ws_conn_is_open(conn))
            handle_message(c, conn, text, strlen(text));
        g_free(text);
    }
}

static void lookup_done(gpointer data, const GError *error, gpointer user_data)
{
    SessionLookup *l = data;
    LiveClient *c = ws_conn_get_data(l->conn);
    if (!ws_conn_is_open(l->conn) || !c)
        return;
    if (error) {
        live_send_error(l->conn, "database_unavailable", NULL,
                        "cannot check your session right now: reconnect in a few seconds (%s)",
                        error->message);
        ws_conn_close(l->conn, 1011, "database unavailable");
        return;
    }
    c->user_id = l->user_id;
    c->system_admin = l->system_admin;
    c->username = g_steal_pointer(&l->username);
    c->full_name = g_steal_pointer(&l->full_name);
    if (c->user_id) {
        c->token_hash = g_steal_pointer(&l->token_hash);
        c->expires_us = l->expires_us;
        signed_in_add(c->app, l->conn, c);
    }
    become_ready(c, l->conn);
}

void live_ws_open(PhApp *app, WsConn *conn)
{
    LiveClient *c = g_new0(LiveClient, 1);
    c->app = app;
    g_queue_init(&c->pending);
    ws_conn_set_data(conn, c, client_free);
    const char *token = ws_conn_get_cookie(conn, AUTH_COOKIE_NAME);
    if (!token || !*token || strlen(token) > 128) {
        become_ready(c, conn);
        return;
    }
    SessionLookup *l = g_new0(SessionLookup, 1);
    l->conn = ws_conn_ref(conn);
    l->token = g_strdup(token);
    db_pool_run(app->db, lookup_job, l, lookup_free, lookup_done, NULL);
}

void live_ws_message(PhApp *app, WsConn *conn, const char *text, gsize len)
{
    LiveClient *c = ws_conn_get_data(conn);
    if (!c)
        return;
    if (!c->ready) {
        if (g_queue_get_length(&c->pending) >= LIVE_MAX_PENDING) {
            ws_conn_close(conn, 1008, "too many messages before the session was checked");
            return;
        }
        g_queue_push_tail(&c->pending, g_strndup(text, len));
        return;
    }
    handle_message(c, conn, text, len);
}

void live_ws_close(PhApp *app, WsConn *conn)
{
    LiveClient *c = ws_conn_get_data(conn);
    if (c)
        live_feed_client_gone(c);
    signed_in_remove(conn);
    live_media_connection_gone(app, conn);
    if (c && c->user_id)
        g_debug("ws %" G_GUINT64_FORMAT ": user '%s' disconnected", ws_conn_get_id(conn),
                c->username);
}
