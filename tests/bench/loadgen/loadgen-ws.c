/* loadgen-ws.c: one JSON-over-WebSocket signaling connection, on libsoup 3.
 *
 * Design: both signalings the load generator speaks (Janus's WebSocket transport and
 * phonghop's) are JSON text messages on one WebSocket, so this file owns the connection and
 * the JSON and nothing else: it opens the socket with the subprotocol asked for (Janus insists
 * on "janus-protocol"), parses each text message into an object for the owner's callback, and
 * serialises what the owner sends. libsoup runs on the thread-default main context at the time
 * of the call, which is the load generator's only one. No proxy is ever used: everything is
 * inside the benchmark's network namespace.
 */
#include <libsoup/soup.h>

#include "loadgen.h"

struct _LgWs {
    char *url;
    char *protocol;
    LgWsMessageFunc func;
    gpointer user_data;
    SoupSession *session;
    SoupWebsocketConnection *conn;
    GCancellable *cancel;
    char *cookie; /* sent with the upgrade request, or NULL */
    LgWsOpenFunc open_func;
    gpointer open_data;
};

LgWs *lg_ws_new(const char *url, const char *protocol, LgWsMessageFunc func, gpointer user_data)
{
    LgWs *ws = g_new0(LgWs, 1);

    ws->url = g_strdup(url);
    ws->protocol = g_strdup(protocol);
    ws->func = func;
    ws->user_data = user_data;
    ws->session = soup_session_new_with_options("proxy-resolver", NULL, "timeout", 10, NULL);
    ws->cancel = g_cancellable_new();
    return ws;
}

static void on_message(SoupWebsocketConnection *conn, gint type, GBytes *message,
                       gpointer user_data)
{
    LgWs *ws = user_data;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    const char *text = g_bytes_get_data(message, &len);
    JsonNode *root;

    if (type != SOUP_WEBSOCKET_DATA_TEXT)
        return;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &error)) {
        g_warning("%s: a message that is not JSON: %s", ws->url, error->message);
        return;
    }
    root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_warning("%s: a message that is not a JSON object", ws->url);
        return;
    }
    ws->func(json_node_get_object(root), ws->user_data);
}

static void on_closed(SoupWebsocketConnection *conn, gpointer user_data)
{
    LgWs *ws = user_data;

    g_message("%s: the signaling connection closed (code %u)", ws->url,
              soup_websocket_connection_get_close_code(conn));
}

static void on_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    LgWs *ws = user_data;
    g_autoptr(GError) error = NULL;
    SoupWebsocketConnection *conn;

    conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
    if (conn == NULL) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        ws->open_func(ws, error, ws->open_data);
        return;
    }
    ws->conn = conn;
    /* SDP of many sections with candidates stays far below this. */
    soup_websocket_connection_set_max_incoming_payload_size(conn, 1024 * 1024);
    g_signal_connect(conn, "message", G_CALLBACK(on_message), ws);
    g_signal_connect(conn, "closed", G_CALLBACK(on_closed), ws);
    ws->open_func(ws, NULL, ws->open_data);
}

void lg_ws_open(LgWs *ws, LgWsOpenFunc func, gpointer user_data)
{
    g_autoptr(SoupMessage) msg = soup_message_new("GET", ws->url);
    const char *protocols[] = {ws->protocol, NULL};

    ws->open_func = func;
    ws->open_data = user_data;
    if (msg != NULL && ws->cookie != NULL)
        soup_message_headers_replace(soup_message_get_request_headers(msg), "Cookie", ws->cookie);
    if (msg == NULL) {
        g_autoptr(GError) error = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                              "\"%s\" is not a ws:// URL", ws->url);

        func(ws, error, user_data);
        return;
    }
    soup_session_websocket_connect_async(ws->session, msg, NULL,
                                         ws->protocol != NULL ? (char **)protocols : NULL,
                                         G_PRIORITY_DEFAULT, ws->cancel, on_connected, ws);
}

void lg_ws_set_cookie(LgWs *ws, const char *cookie)
{
    g_free(ws->cookie);
    ws->cookie = g_strdup(cookie);
}

gboolean lg_ws_send(LgWs *ws, JsonObject *message)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    g_autofree char *text = NULL;

    if (ws->conn == NULL ||
        soup_websocket_connection_get_state(ws->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        return FALSE;
    json_node_set_object(node, message);
    text = json_to_string(node, FALSE);
    soup_websocket_connection_send_text(ws->conn, text);
    return TRUE;
}

void lg_ws_free(LgWs *ws)
{
    if (ws == NULL)
        return;
    g_cancellable_cancel(ws->cancel);
    if (ws->conn != NULL) {
        g_signal_handlers_disconnect_by_data(ws->conn, ws);
        if (soup_websocket_connection_get_state(ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        g_clear_object(&ws->conn);
    }
    g_clear_object(&ws->cancel);
    g_clear_object(&ws->session);
    g_free(ws->cookie);
    g_free(ws->protocol);
    g_free(ws->url);
    g_free(ws);
}
