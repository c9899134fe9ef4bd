/* http-ws.c: WebSocket connections at /ws.
 *
 * The upgrade is accepted at /ws only, and only from our own origin when the browser names one.
 * Text messages are reassembled from their fragments up to max_ws_message and handed over whole;
 * binary frames, invalid UTF-8 and oversized messages close the connection with the matching
 * close code. An outgoing message is written at once when nothing is queued before it and the
 * socket can take it (plain HTTP/1.1 only, see ws_write_now()); otherwise it is queued already
 * framed for lws (LWS_PRE bytes of headroom in front of the text), one lws_write() per writeable
 * callback. The queue is bounded by max_ws_queue bytes: a client that cannot keep up is
 * disconnected rather than allowed to grow the server's memory.
 *
 * A watchdog looks once a second for a connection that has had something to send for
 * WRITE_STALL_S seconds without a write while its socket would take more: a writeable callback that
 * never came. It logs a warning naming what was waiting, counts it (phonghop_websocket_write_stalls
 * on /metrics) and asks lws again, so a page is not left waiting for an update that the server
 * holds. HTTP answers still being written get the same check (phonghop_http_write_stalls). (A
 * client that does not read is another case: its socket is full, and the queue's bound deals with
 * it.)
 *
 * WsConn is reference counted because the application may hold it across database jobs: when lws
 * closes the connection it is detached (wsi = NULL), and sending to it then does nothing.
 */
#include "http-server-private.h"

#include <string.h>

/* Larger messages (an agenda, a catch-up) keep to the queue: lws would copy what the kernel did
 * not take. */
#define WS_DIRECT_MAX (64 * 1024)

/* ---- WebSocket connections ---- */

static void ws_message_free(gpointer p)
{
    WsMessage *m = p;
    g_free(m->buf);
    g_free(m);
}

WsConn *ws_conn_ref(WsConn *conn)
{
    g_return_val_if_fail(conn, NULL);
    conn->ref++;
    return conn;
}

void ws_conn_unref(WsConn *conn)
{
    if (!conn || --conn->ref > 0)
        return;
    if (conn->data_destroy)
        conn->data_destroy(conn->data);
    g_queue_clear_full(&conn->out, ws_message_free);
    g_byte_array_unref(conn->in);
    g_free(conn->cookie);
    g_hash_table_unref(conn->cookies);
    g_free(conn->peer);
    g_free(conn->close_reason);
    g_free(conn);
}

gboolean ws_conn_is_open(WsConn *conn)
{
    return conn->wsi != NULL && !conn->closing;
}

guint64 ws_conn_get_id(WsConn *conn)
{
    return conn->id;
}

const char *ws_conn_get_cookie(WsConn *conn, const char *name)
{
    const char *cached = g_hash_table_lookup(conn->cookies, name);
    if (cached)
        return cached;
    char *value = http_cookie_find(conn->cookie, name);
    if (value)
        g_hash_table_insert(conn->cookies, g_strdup(name), value);
    return value;
}

const char *ws_conn_get_peer(WsConn *conn)
{
    return conn->peer ? conn->peer : "";
}

void ws_conn_set_data(WsConn *conn, gpointer data, GDestroyNotify destroy)
{
    if (conn->data_destroy)
        conn->data_destroy(conn->data);
    conn->data = data;
    conn->data_destroy = destroy;
}

gpointer ws_conn_get_data(WsConn *conn)
{
    return conn->data;
}

void ws_conn_close(WsConn *conn, guint16 code, const char *reason)
{
    if (!conn->wsi || conn->closing)
        return;
    conn->closing = TRUE;
    conn->progress_us = g_get_monotonic_time();
    conn->close_code = code;
    conn->close_reason = g_strdup(reason ? reason : "");
    http_server_want_writable(conn->server, conn->wsi);
}

/* A message to a connection with nothing queued is written at once, when the connection is plain
 * HTTP/1.1 (not TLS, not a stream of HTTP/2) and its socket can take it: the way through the
 * writeable callback costs a turn of the loop and, with libuv's uv_poll_start(), four epoll_ctl
 * calls per message (docs/architecture.md), paid for every receipt of a burst of ballots and
 * every event of a fan-out. lws_send_pipe_choked() says whether the socket would take it and
 * whether lws still holds part of an earlier write, and is what makes an lws_write() outside the
 * writeable callback safe; should the kernel take only part, lws keeps the rest and sends it
 * before any writeable callback of ours (the watchdog counts it as held). Returns FALSE when the
 * message must be queued instead. */
static gboolean ws_write_now(WsConn *conn, const char *text, gsize len)
{
    if (lws_is_ssl(conn->wsi) || lws_get_network_wsi(conn->wsi) != conn->wsi ||
        len > WS_DIRECT_MAX || lws_send_pipe_choked(conn->wsi))
        return FALSE;
    guint8 stack[LWS_PRE + 2048];
    g_autofree guint8 *heap = len > sizeof(stack) - LWS_PRE ? g_malloc(LWS_PRE + len) : NULL;
    guint8 *buf = heap ? heap : stack;
    memcpy(buf + LWS_PRE, text, len);
    conn->progress_us = g_get_monotonic_time();
    if (lws_write(conn->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < 0) {
        ws_conn_close(conn, 1011, "write failed");
        return TRUE; /* nothing to queue: the connection is going */
    }
    conn->server->stats.ws_messages_out++;
    http_server_touch_loop(conn->server); /* lws may have asked for a writeable event */
    return TRUE;
}

gboolean ws_conn_send(WsConn *conn, const char *text, gsize len)
{
    if (!ws_conn_is_open(conn))
        return FALSE;
    if (conn->out_bytes + len > conn->server->max_ws_queue) {
        conn->server->stats.ws_dropped_slow++;
        g_info("ws %" G_GUINT64_FORMAT " (%s): send queue over %" G_GSIZE_FORMAT
               " bytes, disconnecting a client that cannot keep up",
               conn->id, conn->peer, conn->server->max_ws_queue);
        /* What it has not read yet is dropped: only the close frame goes. */
        g_queue_clear_full(&conn->out, ws_message_free);
        conn->out_bytes = 0;
        ws_conn_close(conn, 1008, "too slow");
        return FALSE;
    }
    if (g_queue_is_empty(&conn->out) && ws_write_now(conn, text, len))
        return ws_conn_is_open(conn);
    WsMessage *m = g_new(WsMessage, 1);
    m->buf = g_malloc(LWS_PRE + len);
    memcpy(m->buf + LWS_PRE, text, len);
    m->len = len;
    if (g_queue_is_empty(&conn->out))
        conn->progress_us = g_get_monotonic_time();
    g_queue_push_tail(&conn->out, m);
    conn->out_bytes += len;
    http_server_want_writable(conn->server, conn->wsi);
    return TRUE;
}

gboolean ws_conn_send_json(WsConn *conn, JsonNode *node)
{
    g_autofree char *text = json_to_string(node, FALSE);
    return ws_conn_send(conn, text, strlen(text));
}

/* ---- the watchdog ---- */

static gboolean write_watchdog_tick(gpointer data)
{
    HttpServer *server = data;
    gint64 now = g_get_monotonic_time();
    http_answers_check(server, now);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, server->ws_conns);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        WsConn *conn = key;
        if (!conn->wsi || conn->close_sent || lws_get_network_wsi(conn->wsi) != conn->wsi)
            continue;
        gboolean held = lws_partial_buffered(conn->wsi) != 0;
        if ((g_queue_is_empty(&conn->out) && !held && !conn->closing) ||
            now - conn->progress_us < WRITE_STALL_S * G_USEC_PER_SEC ||
            !http_socket_takes_more(conn->wsi))
            continue;
        server->stats.ws_write_stalls++;
        guint n = g_queue_get_length(&conn->out);
        g_warning("ws %" G_GUINT64_FORMAT " (%s): nothing written for %.1f s while the socket "
                  "takes more; queued: %u %s, %" G_GSIZE_FORMAT " bytes%s%s: asking again",
                  conn->id, conn->peer, (double)(now - conn->progress_us) / G_USEC_PER_SEC, n,
                  n == 1 ? "message" : "messages", conn->out_bytes,
                  held ? "; lws holds the rest of an earlier one" : "",
                  conn->closing ? "; a close to send" : "");
        conn->progress_us = now;
        http_server_want_writable(server, conn->wsi);
    }
    return G_SOURCE_CONTINUE;
}

void http_write_watchdog_start(HttpServer *server, GMainContext *context)
{
    server->write_watchdog = g_timeout_source_new_seconds(1);
    g_source_set_callback(server->write_watchdog, write_watchdog_tick, server, NULL);
    g_source_set_static_name(server->write_watchdog, "phonghop write watchdog");
    g_source_attach(server->write_watchdog, context);
}

int http_ws_on_writeable(HttpServer *server, WsConn *conn)
{
    if (conn->close_sent)
        return 0; /* nothing more goes out: waiting for the peer's close frame */
    /* What was queued before the close goes first (an error that says why, say). */
    if (conn->closing && g_queue_is_empty(&conn->out)) {
        /* The close frame is written here and the connection stays open until the peer
         * answers with its own (or WS_CLOSE_ACK_WAIT_S passes). Dropping it at once lost the
         * frame whenever the socket took only part of it (a client that stopped reading), and
         * closing with unread input makes the kernel send a reset, which throws away what the
         * peer had received but not yet read. (lws_close_reason() and returning -1 would leave
         * the frame to a later writeable event, but on the libuv event library lws 4.1 closes
         * the connection a second time within the same service call, before that event.) What
         * lws_write() cannot send now it keeps and sends first. */
        gsize rlen = MIN(strlen(conn->close_reason), (gsize)123);
        guint8 frame[LWS_PRE + 125];
        frame[LWS_PRE] = (guint8)(conn->close_code >> 8);
        frame[LWS_PRE + 1] = (guint8)(conn->close_code & 0xff);
        memcpy(frame + LWS_PRE + 2, conn->close_reason, rlen);
        if (lws_write(conn->wsi, frame + LWS_PRE, rlen + 2, WS_WRITE_CLOSE) < 0)
            return -1;
        conn->close_sent = TRUE;
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_CLOSE_ACK, WS_CLOSE_ACK_WAIT_S);
        return 0;
    }
    WsMessage *m = g_queue_pop_head(&conn->out);
    if (!m)
        return 0;
    int n = lws_write(conn->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
    conn->progress_us = g_get_monotonic_time();
    conn->out_bytes -= m->len;
    ws_message_free(m);
    if (n < 0)
        return -1;
    server->stats.ws_messages_out++;
    if (!g_queue_is_empty(&conn->out) || conn->closing)
        lws_callback_on_writable(conn->wsi);
    return 0;
}

int http_ws_on_receive(HttpServer *server, WsConn *conn, struct lws *wsi, const void *in, gsize len)
{
    if (lws_frame_is_binary(wsi)) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                         (unsigned char *)"text messages only", 18);
        return -1;
    }
    if (conn->in->len + len > server->max_ws_message) {
        g_autofree char *why = g_strdup_printf("message too big: limit %" G_GSIZE_FORMAT " bytes",
                                               server->max_ws_message);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
                         strlen(why));
        return -1;
    }
    g_byte_array_append(conn->in, in, (guint)len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    if (conn->closing) {
        /* Read to the peer's close frame, but no longer answered. */
        g_byte_array_set_size(conn->in, 0);
        return 0;
    }
    guint8 nul = 0;
    g_byte_array_append(conn->in, &nul, 1);
    gsize n = conn->in->len - 1;
    server->stats.ws_messages_in++;
    if (!g_utf8_validate((const char *)conn->in->data, (gssize)n, NULL)) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD, (unsigned char *)"invalid UTF-8",
                         13);
        return -1;
    }
    /* Hand over a copy: the handler may close the connection from inside the callback. */
    g_autofree char *text = g_strndup((const char *)conn->in->data, n);
    g_byte_array_set_size(conn->in, 0);
    ws_conn_ref(conn);
    server->handlers.ws_message(conn, text, n, server->user_data);
    ws_conn_unref(conn);
    return 0;
}

/* Accepts a WebSocket only at /ws, and only from our own origin when the browser names one
 * (cookies are sent with cross-site WebSocket handshakes, so this check is what stops another
 * site from opening a session in the member's name). */
gboolean http_ws_filter(HttpServer *server, struct lws *wsi)
{
    char uri[64] = "";
    if (server->shutting_down)
        return FALSE;
    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 || !g_str_equal(uri, "/ws"))
        return FALSE;
    int olen = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
    if (olen > 0) {
        char origin[512] = "", host[256] = "";
        if (olen >= (int)sizeof(origin) ||
            lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0 ||
            lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) < 0)
            return FALSE;
        const char *o = strstr(origin, "://");
        if (!o || !g_str_equal(o + 3, host)) {
            g_info("refusing a WebSocket from origin %s (host %s)", origin, host);
            return FALSE;
        }
    }
    return TRUE;
}

static WsConn *ws_conn_new(HttpServer *server, struct lws *wsi)
{
    WsConn *conn = g_new0(WsConn, 1);
    conn->ref = 1;
    conn->server = server;
    conn->wsi = wsi;
    conn->id = ++server->next_ws_id;
    conn->in = g_byte_array_new();
    conn->cookies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_queue_init(&conn->out);
    int clen = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE);
    if (clen > 0 && clen <= MAX_HEADER_TEXT) {
        conn->cookie = g_malloc((gsize)clen + 1);
        if (lws_hdr_copy(wsi, conn->cookie, clen + 1, WSI_TOKEN_HTTP_COOKIE) < 0)
            g_clear_pointer(&conn->cookie, g_free);
    }
    char peer[128] = "";
    lws_get_peer_simple(wsi, peer, sizeof(peer));
    conn->peer = g_strdup(peer);
    return conn;
}

void http_ws_on_established(HttpServer *server, Conn *conn, struct lws *wsi)
{
    http_conn_drop_request(conn);
    conn->ws = ws_conn_new(server, wsi);
    g_hash_table_add(server->ws_conns, ws_conn_ref(conn->ws));
    server->stats.ws_connections++;
    server->stats.http_connections--;
    server->handlers.ws_open(conn->ws, server->user_data);
}

void http_ws_on_closed(HttpServer *server, Conn *conn)
{
    WsConn *ws = g_steal_pointer(&conn->ws);
    if (!ws)
        return;
    ws->wsi = NULL;
    server->stats.ws_connections--;
    server->stats.http_connections++; /* until WSI_DESTROY removes the socket */
    server->handlers.ws_close(ws, server->user_data);
    if (g_hash_table_remove(server->ws_conns, ws))
        ws_conn_unref(ws); /* the table's reference */
    ws_conn_unref(ws);     /* the connection data's */
}
