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

typedef struct {
    WsConn *conn; /* a reference */
    char *token;
    gint64 user_id;
    gboolean system_admin;
    char *username;
    char *full_name;
} SessionLookup;

static void client_free(gpointer p)
{
    LiveClient *c = p;
    g_free(c->username);
    g_free(c->full_name);
    g_queue_clear_full(&c->pending, g_free);
    live_feed_client_gone(c);
    g_free(c);
}

static void lookup_free(gpointer p)
{
    SessionLookup *l = p;
    ws_conn_unref(l->conn);
    g_free(l->token);
    g_free(l->username);
    g_free(l->full_name);
    g_free(l);
}

void live_send_error(WsConn *conn, const char *code, JsonNode *ref, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "error");
    json_builder_set_member_name(b, "code");
    json_builder_add_string_value(b, code);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    if (ref) {
        json_builder_set_member_name(b, "ref");
        json_builder_add_value(b, json_node_copy(ref));
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(conn, node);
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

static void handle_message(LiveClient *c, WsConn *conn, const char *text, gsize len)
{
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
    if (g_str_has_prefix(type, "media.")) {
        live_media_message(c->app, conn, c->user_id, c->username, type, msg, id);
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
                     "SELECT u.id, u.username, u.full_name, u.is_system_admin FROM sessions s "
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
    live_media_connection_gone(app, conn);
    if (c && c->user_id)
        g_debug("ws %" G_GUINT64_FORMAT ": user '%s' disconnected", ws_conn_get_id(conn),
                c->username);
}
