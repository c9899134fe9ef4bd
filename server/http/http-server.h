/* http-server.h: one port for HTTP and the live WebSocket, on libwebsockets and the GLib loop.
 *
 * The server owns the libwebsockets context, which runs on the GMainContext of the loop it is
 * given (lws's glib event library), so every callback below runs on that thread, the main thread.
 * It reads a request whole (headers and a body of at most max_body bytes), then hands it to the
 * application's request handler. The handler answers at once or later (after a database job); a
 * request whose client went away in between is still safe to answer: the answer is dropped.
 *
 * Streamed bodies (uploads): when the headers have arrived, before any byte of the body is read,
 * the optional begin handler sees the request. It may answer at once (a refusal: the body is then
 * not kept, and the connection closes after the answer), or take the body as a stream with
 * http_request_stream_body(): its bytes then go to a sink (chunk, complete, abort) as they arrive,
 * never gathered in memory, under the sink's own size limit (a Content-Length above it is
 * answered 413 before any byte is read; a body that grows past it is answered 413 and aborted).
 * The sink holds the client back with http_request_pause_body() while it cannot take more (its
 * disk writes are behind): reading stops (lws_rx_flow_control), so memory stays bounded however
 * fast the client sends. libwebsockets 4.1 cannot pause an HTTP/2 stream: there the sink must
 * bound what it holds by itself (refuse an upload that gets too far ahead of its disk).
 *
 * Files are answered from a file descriptor: over plain HTTP/1.1 with sendfile(2) straight from
 * the page cache to the socket (no copy through the process, no mapping, so serving a large file
 * to many clients does not grow the process's memory); under TLS or HTTP/2 read in chunks into
 * one buffer and written through lws.
 *
 * WebSocket connections are accepted at /ws only, and only from the same origin when the browser
 * sends an Origin header. Text messages are reassembled up to max_ws_message; each connection has
 * a send queue bounded by max_ws_queue bytes: a client that cannot keep up is disconnected rather
 * than allowed to grow the server's memory.
 *
 * Plain HTTP/1.1 without TLS (meant for loopback or behind a proxy); HTTP/2 and HTTP/1.1 with TLS
 * when a certificate is configured.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HTTP_ERROR (http_error_quark())
GQuark http_error_quark(void);
typedef enum { HTTP_ERROR_LISTEN, HTTP_ERROR_TLS, HTTP_ERROR_FILE } HttpError;

typedef enum {
    HTTP_METHOD_GET,
    HTTP_METHOD_HEAD,
    HTTP_METHOD_POST,
    HTTP_METHOD_PUT,
    HTTP_METHOD_PATCH,
    HTTP_METHOD_DELETE,
    HTTP_METHOD_OPTIONS,
    HTTP_METHOD_OTHER,
} HttpMethod;

typedef struct _HttpServer HttpServer;
typedef struct _HttpRequest HttpRequest;
typedef struct _WsConn WsConn;

typedef struct {
    /* A request arrived whole. The handler must eventually call one of http_request_respond*()
     * (at once or later, holding a reference meanwhile). */
    void (*request)(HttpRequest *req, gpointer user_data);
    /* A WebSocket was opened at /ws. */
    void (*ws_open)(WsConn *conn, gpointer user_data);
    /* A complete text message (valid UTF-8, NUL-terminated). */
    void (*ws_message)(WsConn *conn, const char *text, gsize len, gpointer user_data);
    /* The WebSocket closed; conn stays valid until its last reference is dropped. */
    void (*ws_close)(WsConn *conn, gpointer user_data);
    /* Optional. The headers of a POST, PUT or PATCH arrived; its body is not read yet. The handler
     * may answer at once, take the body with http_request_stream_body(), or do neither: then the
     * body is read whole (at most max_body bytes) and request() is called as usual. */
    void (*begin)(HttpRequest *req, gpointer user_data);
} HttpHandlers;

/* Where a streamed body goes. Every callback runs on the main thread; none is called once the
 * request has been answered (a sink that answers early cleans up by itself). */
typedef struct {
    /* The next bytes of the body, in order. data: transfer none (copy what must be kept). */
    void (*chunk)(HttpRequest *req, const guint8 *data, gsize len, gpointer user_data);
    /* The whole body arrived (for a body of 0 bytes, at once). The sink then answers, at once or
     * later. */
    void (*complete)(HttpRequest *req, gpointer user_data);
    /* The body will not complete: the client went away mid-body, or the body went past the limit
     * (the request has been answered 413). Nothing follows. */
    void (*abort)(HttpRequest *req, gpointer user_data);
} HttpBodySink;

typedef struct {
    const char *listen; /* address */
    int port;           /* 0: any free port (see http_server_get_port) */
    const char *tls_certificate;
    const char *tls_private_key;
    gsize max_body;
    gsize max_ws_message;
    gsize max_ws_queue;
} HttpServerOptions;

typedef struct {
    guint http_connections;
    guint ws_connections;
    guint64 requests_total;
    /* responses by status: index is status - 100 (100..599) */
    guint64 responses_by_status[500];
    guint64 ws_messages_in;
    guint64 ws_messages_out;
    guint64 ws_dropped_slow;
    guint64 ws_write_stalls;   /* connections whose writing stopped with the socket writable */
    guint64 http_write_stalls; /* answers whose writing stopped with the socket writable */
    guint64 bodies_streamed;   /* request bodies handed to a sink */
    guint64 bodies_aborted;    /* streamed bodies that did not complete */
    guint64 file_bytes_sent;   /* bytes of files sent */
} HttpStats;

/* Starts listening. Call on the thread that runs loop. (transfer full) or NULL with HTTP_ERROR
 * ("cannot listen on 127.0.0.1:8080: Address already in use"). */
HttpServer *http_server_new(const HttpServerOptions *options, GMainLoop *loop,
                            const HttpHandlers *handlers, gpointer user_data, GError **error);
int http_server_get_port(HttpServer *server);
gboolean http_server_is_tls(HttpServer *server);
const HttpStats *http_server_get_stats(HttpServer *server);

/* Shutdown, step 1: new requests get 503 and new WebSockets are refused; every open WebSocket is
 * sent a close (1001, going away). */
void http_server_shutdown(HttpServer *server);
/* Number of open connections (HTTP and WebSocket). */
guint http_server_n_connections(HttpServer *server);
/* Closes everything and frees. */
void http_server_free(HttpServer *server);

/* ---- requests (main thread only) ---- */
HttpRequest *http_request_ref(HttpRequest *req);
void http_request_unref(HttpRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HttpRequest, http_request_unref)

HttpMethod http_request_get_method(HttpRequest *req);
const char *http_request_get_method_name(HttpRequest *req);
/* The path, percent-decoded, without the query. (transfer none) */
const char *http_request_get_path(HttpRequest *req);
/* A query argument, decoded, or NULL. (transfer none) */
const char *http_request_get_query(HttpRequest *req, const char *name);
/* A request header by lower-case name, or NULL. Only headers the server captures are available:
 * host, origin, cookie, content-type, content-length, x-auth-token, if-none-match, range,
 * if-range, user-agent. (transfer none) */
const char *http_request_get_header(HttpRequest *req, const char *name);
/* A cookie's value, or NULL. (transfer none) */
const char *http_request_get_cookie(HttpRequest *req, const char *name);
/* The client's address as text. (transfer none) */
const char *http_request_get_peer(HttpRequest *req);
/* The body (possibly empty). (transfer none) */
GBytes *http_request_get_body(HttpRequest *req);
gboolean http_request_is_tls(HttpRequest *req);
/* FALSE once the client went away or the request was answered. */
gboolean http_request_is_pending(HttpRequest *req);

/* Adds a response header (before responding). */
void http_request_add_header(HttpRequest *req, const char *name, const char *value);
/* Answers with body (ownership taken; NULL for none). */
void http_request_respond(HttpRequest *req, guint status, const char *content_type, GBytes *body);
/* Answers with node serialised (ownership of node taken). */
void http_request_respond_json(HttpRequest *req, guint status, JsonNode *node);
/* Adds "code" and "message" (@format's text) to the object @b is building: the members of every
 * error phonghop gives, in an HTTP answer ({"error":{...}}) as over /ws ({"type":"error",...}). */
void http_json_add_error(JsonBuilder *b, const char *code, const char *format, va_list ap)
    G_GNUC_PRINTF(3, 0);
/* Answers {"error":{"code":code,"message":message}}. */
void http_request_respond_error(HttpRequest *req, guint status, const char *code,
                                const char *format, ...) G_GNUC_PRINTF(4, 5);
/* Answers with a file: ETag (etag, or one from size and mtime when NULL), If-None-Match (304),
 * a single Range (206/416), sent from an open descriptor (sendfile over plain HTTP/1.1). Returns
 * FALSE with HTTP_ERROR_FILE when the file cannot be opened or is not a regular file (nothing is
 * sent: the caller answers). Opening the file is the one disk access made on the main thread: the
 * callers serve files that are on local disk and usually in the page cache. */
gboolean http_request_respond_file(HttpRequest *req, const char *path, const char *content_type,
                                   const char *cache_control, const char *etag, GError **error);

/* The length the client announced (Content-Length), or -1 when it announced none. */
gint64 http_request_get_content_length(HttpRequest *req);

/* From the begin handler only: the body goes to sink as it arrives instead of into memory, at
 * most limit bytes. Ownership of user_data is taken, even if the call fails: destroy (may be
 * NULL) is called when the request is freed. FALSE when the announced length is over the limit:
 * the request has then been answered 413 and the sink is never called. */
gboolean http_request_stream_body(HttpRequest *req, const HttpBodySink *sink, guint64 limit,
                                  gpointer user_data, GDestroyNotify destroy);
/* Flow control of a streamed body: stop reading it from the client, and read again. Pausing is
 * what bounds the memory of an upload whose sink is behind. No effect once the body ended. FALSE
 * when the request cannot be paused (HTTP/2 under libwebsockets 4.1). */
gboolean http_request_pause_body(HttpRequest *req);
void http_request_resume_body(HttpRequest *req);

/* ---- WebSocket connections (main thread only) ---- */
WsConn *ws_conn_ref(WsConn *conn);
void ws_conn_unref(WsConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WsConn, ws_conn_unref)
/* Queues a text message. FALSE when the connection is closed or its queue is over the limit (then
 * it is being closed). */
gboolean ws_conn_send(WsConn *conn, const char *text, gsize len);
gboolean ws_conn_send_json(WsConn *conn, JsonNode *node); /* node: transfer none */
void ws_conn_close(WsConn *conn, guint16 code, const char *reason);
gboolean ws_conn_is_open(WsConn *conn);
guint64 ws_conn_get_id(WsConn *conn);
const char *ws_conn_get_cookie(WsConn *conn, const char *name);
const char *ws_conn_get_peer(WsConn *conn);
void ws_conn_set_data(WsConn *conn, gpointer data, GDestroyNotify destroy);
gpointer ws_conn_get_data(WsConn *conn);

/* Helpers shared with tests. */
/* Parses "a=b; c=d" and returns the value of name (transfer full) or NULL. */
char *http_cookie_find(const char *cookie_header, const char *name);
/* Parses a single "bytes=" range against size; FALSE when unsatisfiable or not a single range. */
gboolean http_parse_range(const char *range, guint64 size, guint64 *first, guint64 *last);
/* Nesting depth of JSON text (brackets outside strings), to refuse pathological input before a
 * recursive parser sees it. */
guint http_json_depth(const char *text, gsize len);
const char *http_status_reason(guint status);

G_END_DECLS
