/* http-request.c: a request, from its headers to its dispatch.
 *
 * lws reports a request's headers (LWS_CALLBACK_HTTP), then its body in pieces, then the body's
 * end. The headers are parsed into an HttpRequest and checked (request line, Content-Length, a
 * body method over HTTP/2 without a length); then, for a POST, PUT or PATCH, the application's
 * begin handler may take the body as a stream before any byte of it is read. Otherwise the body
 * is gathered in memory up to max_body and the request is dispatched when it is whole.
 *
 * Requests are reference counted because the application may hold them across database jobs:
 * when lws closes the connection the request is detached (wsi = NULL) and answering it later does
 * nothing.
 *
 * Streamed request bodies (see http-server.h) are counted against their sink's limit as they
 * arrive. Pausing one turns off reading on its socket (lws_rx_flow_control), and lws keeps what
 * it had already read for later. libwebsockets 4.1 ignores rx flow control on HTTP/2 (its own
 * code says so), so there a pause does nothing and a sink must bound its memory by itself.
 */
#include "http-server-private.h"

#include <string.h>
#include <unistd.h>

/* ---- requests ---- */

static HttpRequest *request_new(HttpServer *server, struct lws *wsi)
{
    HttpRequest *req = g_new0(HttpRequest, 1);
    req->ref = 1;
    req->server = server;
    req->wsi = wsi;
    req->query = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    req->headers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    req->content_length = -1;
    req->out_fd = -1;
    req->body = g_byte_array_new();
    req->out_headers = g_ptr_array_new_with_free_func(g_free);
    return req;
}

HttpRequest *http_request_ref(HttpRequest *req)
{
    g_return_val_if_fail(req, NULL);
    req->ref++;
    return req;
}

void http_request_unref(HttpRequest *req)
{
    if (!req || --req->ref > 0)
        return;
    g_free(req->method_name);
    g_free(req->path);
    g_hash_table_unref(req->query);
    g_hash_table_unref(req->headers);
    g_free(req->peer);
    g_byte_array_unref(req->body);
    g_free(req->content_type);
    g_ptr_array_unref(req->out_headers);
    g_clear_pointer(&req->out_body, g_bytes_unref);
    if (req->out_fd >= 0)
        close(req->out_fd);
    if (req->sink_destroy)
        req->sink_destroy(req->sink_data);
    g_free(req);
}

HttpMethod http_request_get_method(HttpRequest *req)
{
    return req->method;
}

const char *http_request_get_method_name(HttpRequest *req)
{
    return req->method_name;
}

const char *http_request_get_path(HttpRequest *req)
{
    return req->path;
}

const char *http_request_get_query(HttpRequest *req, const char *name)
{
    return g_hash_table_lookup(req->query, name);
}

const char *http_request_get_header(HttpRequest *req, const char *name)
{
    return g_hash_table_lookup(req->headers, name);
}

const char *http_request_get_cookie(HttpRequest *req, const char *name)
{
    /* Cached under "cookie:NAME" so the returned pointer lives as long as the request. */
    g_autofree char *key = g_strconcat("cookie:", name, NULL);
    const char *cached = g_hash_table_lookup(req->headers, key);
    if (cached)
        return cached;
    char *value = http_cookie_find(g_hash_table_lookup(req->headers, "cookie"), name);
    if (!value)
        return NULL;
    /* keys of this table are static strings; keep the generated one alive with the value */
    g_hash_table_insert(req->headers, (gpointer)g_intern_string(key), value);
    return value;
}

const char *http_request_get_peer(HttpRequest *req)
{
    return req->peer ? req->peer : "";
}

GBytes *http_request_get_body(HttpRequest *req)
{
    /* A view of the bytes received; the array lives as long as the request. */
    return g_bytes_new_static(req->body->data, req->body->len);
}

gboolean http_request_is_tls(HttpRequest *req)
{
    return req->tls;
}

gboolean http_request_is_pending(HttpRequest *req)
{
    return req->wsi != NULL && !req->responded;
}

gint64 http_request_get_content_length(HttpRequest *req)
{
    return req->content_length;
}

static void refuse_too_large(HttpServer *server, HttpRequest *req, guint64 claimed, guint64 limit);

gboolean http_request_stream_body(HttpRequest *req, const HttpBodySink *sink, guint64 limit,
                                  gpointer user_data, GDestroyNotify destroy)
{
    g_return_val_if_fail(req && sink && !req->streaming && !req->dispatched, FALSE);
    if (req->sink_destroy)
        req->sink_destroy(req->sink_data);
    req->sink_data = user_data;
    req->sink_destroy = destroy;
    if (req->content_length > 0 && (guint64)req->content_length > limit) {
        refuse_too_large(req->server, req, (guint64)req->content_length, limit);
        return FALSE;
    }
    req->streaming = TRUE;
    req->sink = *sink;
    req->body_limit = limit;
    return TRUE;
}

gboolean http_request_pause_body(HttpRequest *req)
{
    if (req->h2)
        return FALSE;
    if (!req->wsi || !req->streaming || req->body_ended || req->paused)
        return TRUE;
    req->paused = TRUE;
    lws_rx_flow_control(req->wsi, 0);
    /* A paused body may wait for a database answer or the disk: not for ever. */
    lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_TIMEOUT_S);
    http_server_touch_loop(req->server);
    return TRUE;
}

void http_request_resume_body(HttpRequest *req)
{
    if (!req->paused)
        return;
    req->paused = FALSE;
    if (req->wsi) {
        lws_rx_flow_control(req->wsi, 1);
        http_server_touch_loop(req->server);
    }
}

static void capture_header(HttpRequest *req, struct lws *wsi, const char *name,
                           enum lws_token_indexes token)
{
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0 || len > MAX_HEADER_TEXT)
        return;
    char *value = g_malloc((gsize)len + 1);
    if (lws_hdr_copy(wsi, value, len + 1, token) < 0) {
        g_free(value);
        return;
    }
    g_hash_table_replace(req->headers, (gpointer)name, value);
}

static HttpMethod method_from_name(const char *name)
{
    static const struct {
        const char *name;
        HttpMethod method;
    } methods[] = {
        {"GET", HTTP_METHOD_GET},         {"HEAD", HTTP_METHOD_HEAD},
        {"POST", HTTP_METHOD_POST},       {"PUT", HTTP_METHOD_PUT},
        {"PATCH", HTTP_METHOD_PATCH},     {"DELETE", HTTP_METHOD_DELETE},
        {"OPTIONS", HTTP_METHOD_OPTIONS},
    };
    for (guint i = 0; i < G_N_ELEMENTS(methods); i++)
        if (g_str_equal(name, methods[i].name))
            return methods[i].method;
    return HTTP_METHOD_OTHER;
}

/* Fills method, path, query, headers and peer from lws. FALSE when the request line is unusable. */
static gboolean request_parse(HttpRequest *req, struct lws *wsi, const char *uri, gsize uri_len)
{
    char *uri_ptr = NULL;
    int uri_ptr_len = 0;
    int m = lws_http_get_uri_and_method(wsi, &uri_ptr, &uri_ptr_len);
    static const char *const names[] = {"GET",   "POST",   "OPTIONS", "PUT",
                                        "PATCH", "DELETE", "CONNECT", "HEAD"};
    req->h2 = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COLON_PATH) > 0;
    if (m == LWSHUMETH_COLON_PATH) {
        char method[16] = "";
        if (lws_hdr_copy(wsi, method, sizeof(method), WSI_TOKEN_HTTP_COLON_METHOD) < 0)
            return FALSE;
        req->method_name = g_strdup(method);
    } else if (m >= 0 && m < (int)G_N_ELEMENTS(names)) {
        req->method_name = g_strdup(names[m]);
    } else {
        return FALSE;
    }
    req->method = method_from_name(req->method_name);

    g_autofree char *raw = g_strndup(uri, uri_len);
    char *q = strchr(raw, '?');
    if (q)
        *q = '\0';
    if (!g_utf8_validate(raw, -1, NULL) || raw[0] != '/')
        return FALSE;
    req->path = g_steal_pointer(&raw);

    for (int i = 0;; i++) {
        char frag[1024];
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            break;
        char *eq = strchr(frag, '=');
        if (eq) {
            *eq = '\0';
            g_hash_table_replace(req->query, g_strdup(frag), g_strdup(eq + 1));
        } else {
            g_hash_table_replace(req->query, g_strdup(frag), g_strdup(""));
        }
    }

    capture_header(req, wsi, "host", WSI_TOKEN_HOST);
    if (!g_hash_table_contains(req->headers, "host"))
        capture_header(req, wsi, "host", WSI_TOKEN_HTTP_COLON_AUTHORITY);
    capture_header(req, wsi, "origin", WSI_TOKEN_ORIGIN);
    capture_header(req, wsi, "cookie", WSI_TOKEN_HTTP_COOKIE);
    capture_header(req, wsi, "content-type", WSI_TOKEN_HTTP_CONTENT_TYPE);
    capture_header(req, wsi, "content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH);
    capture_header(req, wsi, "if-none-match", WSI_TOKEN_HTTP_IF_NONE_MATCH);
    capture_header(req, wsi, "range", WSI_TOKEN_HTTP_RANGE);
    capture_header(req, wsi, "if-range", WSI_TOKEN_HTTP_IF_RANGE);
    capture_header(req, wsi, "user-agent", WSI_TOKEN_HTTP_USER_AGENT);
    capture_header(req, wsi, "transfer-encoding", WSI_TOKEN_HTTP_TRANSFER_ENCODING);
    /* The session's anti-forgery token. lws 4.1 keeps no unknown headers under HTTP/2, so it
     * travels in a header lws knows in both versions. */
    capture_header(req, wsi, "x-auth-token", WSI_TOKEN_X_AUTH_TOKEN);
    /* "Bearer TOKEN": a hall screen's token (api-screens.c). */
    capture_header(req, wsi, "authorization", WSI_TOKEN_HTTP_AUTHORIZATION);

    char peer[128] = "";
    lws_get_peer_simple(wsi, peer, sizeof(peer));
    req->peer = g_strdup(peer);
    req->tls = req->server->tls;
    return TRUE;
}

static void dispatch(HttpServer *server, HttpRequest *req)
{
    req->dispatched = TRUE;
    server->stats.requests_total++;
    if (server->shutting_down) {
        req->close_after = TRUE;
        http_request_respond_error(req, 503, "shutting_down", "the server is shutting down");
        return;
    }
    /* The application may hold the request across a database job: give lws a generous timeout
     * for the answer instead of its short default for an idle transaction. */
    lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, 60);
    server->handlers.request(req, server->user_data);
}

static void refuse_too_large(HttpServer *server, HttpRequest *req, guint64 claimed, guint64 limit)
{
    req->close_after = TRUE;
    if (!req->dispatched)
        server->stats.requests_total++;
    req->dispatched = TRUE;
    if (claimed)
        http_request_respond_error(req, 413, "too_large",
                                   "request body too large: %" G_GUINT64_FORMAT
                                   " bytes, limit %" G_GUINT64_FORMAT " bytes",
                                   claimed, limit);
    else
        http_request_respond_error(
            req, 413, "too_large",
            "request body too large: over the limit of %" G_GUINT64_FORMAT " bytes", limit);
}

/* The begin handler saw the request. TRUE when it dealt with the request (answered it, or took
 * its body): the callback then does nothing more for it. */
static gboolean begin_request(HttpServer *server, HttpRequest *req, gboolean has_body)
{
    server->handlers.begin(req, server->user_data);
    if (req->responded) {
        if (!req->dispatched)
            server->stats.requests_total++;
        req->dispatched = TRUE;
        return TRUE;
    }
    if (!req->streaming)
        return FALSE;
    req->dispatched = TRUE;
    server->stats.requests_total++;
    server->stats.bodies_streamed++;
    lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_TIMEOUT_S);
    req->timeout_set_us = g_get_monotonic_time();
    if (!has_body) {
        req->body_ended = TRUE;
        req->sink.complete(req, req->sink_data);
    }
    return TRUE;
}

/* The next bytes of a streamed body. */
static void stream_chunk(HttpServer *server, HttpRequest *req, const guint8 *data, gsize len)
{
    if (req->body_ended)
        return; /* answered early: dropped */
    req->body_received += len;
    if (req->body_received > req->body_limit) {
        req->body_ended = TRUE;
        server->stats.bodies_aborted++;
        refuse_too_large(server, req, 0, req->body_limit);
        req->sink.abort(req, req->sink_data);
        return;
    }
    /* lws's timeout runs from the headers: keep it running from the last bytes received
     * instead, so a slow link may take its time as long as it keeps sending. */
    gint64 now = g_get_monotonic_time();
    if (now - req->timeout_set_us > G_USEC_PER_SEC) {
        lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_TIMEOUT_S);
        req->timeout_set_us = now;
    }
    req->sink.chunk(req, data, len, req->sink_data);
}

/* ---- the HTTP events of a connection ---- */

void http_conn_drop_request(Conn *conn)
{
    if (conn->req) {
        conn->req->wsi = NULL;
        g_hash_table_remove(conn->req->server->answering, conn->req);
        g_clear_pointer(&conn->req, http_request_unref);
    }
}

int http_conn_on_request(HttpServer *server, Conn *conn, struct lws *wsi, const char *uri,
                         gsize len)
{
    http_conn_drop_request(conn);
    conn->expect_body = FALSE;
    conn->lingering = FALSE;
    HttpRequest *req = request_new(server, wsi);
    conn->req = req;
    if (!request_parse(req, wsi, uri, len)) {
        req->close_after = TRUE;
        req->dispatched = TRUE;
        server->stats.requests_total++;
        http_request_respond_error(req, 400, "bad_request", "malformed request line");
        return 0;
    }
    const char *cl = http_request_get_header(req, "content-length");
    guint64 claimed = 0;
    if (cl && !g_ascii_string_to_unsigned(cl, 10, 0, G_MAXUINT64, &claimed, NULL)) {
        req->close_after = TRUE;
        req->dispatched = TRUE;
        server->stats.requests_total++;
        http_request_respond_error(req, 400, "bad_request", "malformed Content-Length");
        return 0;
    }
    if (cl)
        req->content_length = (gint64)MIN(claimed, (guint64)G_MAXINT64);
    /* lws does not report the end of an HTTP/2 stream that carried no body, so a body method
     * must announce its length (browsers and curl always do): 411 otherwise. */
    gboolean body_method = req->method == HTTP_METHOD_POST || req->method == HTTP_METHOD_PUT ||
                           req->method == HTTP_METHOD_PATCH;
    if (req->h2 && !cl && body_method) {
        req->dispatched = TRUE;
        server->stats.requests_total++;
        http_request_respond_error(req, 411, "length_required",
                                   "%s over HTTP/2 needs a Content-Length header",
                                   req->method_name);
        return 0;
    }
    gboolean has_body = claimed > 0 || http_request_get_header(req, "transfer-encoding");
    conn->expect_body = has_body;
    /* Before any byte of the body is read, the application may take it as a stream. */
    if (body_method && server->handlers.begin && !server->shutting_down &&
        begin_request(server, req, has_body))
        return 0;
    if (claimed > server->max_body) {
        refuse_too_large(server, req, claimed, server->max_body);
        return 0;
    }
    if (!has_body)
        dispatch(server, req);
    return 0;
}

int http_conn_on_body(HttpServer *server, Conn *conn, const guint8 *data, gsize len)
{
    if (conn->lingering) {
        conn->lingered += len;
        return conn->lingered > LINGER_MAX ? -1 : 0;
    }
    HttpRequest *req = conn->req;
    if (req && req->streaming) {
        stream_chunk(server, req, data, len);
        return 0;
    }
    if (!req || req->dispatched)
        return 0;
    if (req->body->len + len > server->max_body) {
        refuse_too_large(server, req, 0, server->max_body);
        return 0;
    }
    g_byte_array_append(req->body, data, (guint)len);
    return 0;
}

int http_conn_on_body_end(HttpServer *server, Conn *conn)
{
    conn->expect_body = FALSE;
    if (conn->lingering)
        return -1; /* the whole body is read: now the connection can close cleanly */
    HttpRequest *req = conn->req;
    if (req && req->streaming) {
        if (!req->body_ended) {
            req->body_ended = TRUE;
            req->sink.complete(req, req->sink_data);
        }
        return 0;
    }
    if (req && !req->dispatched)
        dispatch(server, req);
    return 0;
}

void http_conn_on_closed(HttpServer *server, Conn *conn)
{
    if (conn->req && conn->req->streaming && !conn->req->body_ended) {
        /* The client went away mid-body. */
        HttpRequest *req = http_request_ref(conn->req);
        http_conn_drop_request(conn);
        req->body_ended = TRUE;
        req->paused = FALSE;
        server->stats.bodies_aborted++;
        req->sink.abort(req, req->sink_data);
        http_request_unref(req);
        return;
    }
    http_conn_drop_request(conn);
}
