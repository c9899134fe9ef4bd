/* http-server.c: libwebsockets glue for HTTP requests and the /ws WebSocket.
 *
 * libwebsockets runs on a libuv loop of its own (LWS_SERVER_OPTION_LIBUV with the loop passed as
 * a foreign loop), and that loop runs inside our GMainContext as one GSource (UvSource below), so
 * every callback here runs on the main thread and nothing in this file takes a lock. libuv waits
 * with epoll: GLib polls a single descriptor (libuv's epoll descriptor) whatever the number of
 * connections, and a wake-up costs what the ready connections cost, not what all of them cost.
 * (With lws's glib event library every connection was a GSource of its own, and every wake-up of
 * the main loop prepared, polled and checked every connection's descriptor.)
 *
 * libuv hands a watcher's change (a connection now wanting to write) to epoll only when it next
 * runs, so whatever calls into lws from outside lws's callbacks (an answer ready after a database
 * job, a WebSocket message to send) marks the loop as touched, and the source then runs libuv once
 * without waiting.
 *
 * One protocol handles both HTTP and the WebSocket. Its per-connection data (Conn) points at the
 * current HttpRequest (one transaction at a time on HTTP/1.1 keep-alive; each HTTP/2 stream is its
 * own lws connection) or at the WsConn. Requests and WebSocket connections are reference counted
 * because the application may hold them across database jobs: when lws closes the connection the
 * object is detached (wsi = NULL) and answering it later does nothing.
 *
 * Writing follows lws's rule of one lws_write() per writeable callback: headers in one callback,
 * then the body in chunks, each from its own callback, the last flagged LWS_WRITE_HTTP_FINAL.
 * Bodies are copied into a buffer with LWS_PRE bytes of headroom, which lws needs in front of
 * what it writes (HTTP/2 frame headers, WebSocket framing); WebSocket messages are queued already
 * in that form so sending copies nothing more.
 *
 * Files are the exception on plain HTTP/1.1: there lws adds nothing around the body bytes, so once
 * lws has flushed the headers (it calls a writeable callback only when nothing of its own is
 * pending) the body goes out with sendfile(2) on the connection's socket, up to FILE_BUDGET bytes
 * per callback so that two hundred tablets fetching one agenda packet share the loop fairly. Under
 * TLS or HTTP/2 a file is read with pread() into the chunk buffer and written through lws.
 *
 * Streamed request bodies (see http-server.h) are counted against their sink's limit as they
 * arrive. Pausing one turns off reading on its socket (lws_rx_flow_control), and lws keeps what
 * it had already read for later. libwebsockets 4.1 ignores rx flow control on HTTP/2 (its own
 * code says so), so there a pause does nothing and a sink must bound its memory by itself.
 */
#include "http-server.h"

#include <libwebsockets.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define G_LOG_DOMAIN_HTTP "phonghop-http"
#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN G_LOG_DOMAIN_HTTP

G_DEFINE_QUARK(http_error, http_error)

#define CONN_MAGIC      0x70686f6eu
#define CHUNK_H1        (64 * 1024)
#define CHUNK_H2        (16 * 1024 - 64)
#define MAX_HEADER_TEXT 8192
#define LINGER_SECONDS  5
#define LINGER_MAX      (32 * 1024 * 1024)
/* Most file bytes sent with sendfile() in one writeable callback of one connection. */
#define FILE_BUDGET (1024 * 1024)
/* How long a request may wait for its body's next bytes, or for its answer. */
#define BODY_TIMEOUT_S 60
/* lws's own write protocol for a WebSocket close frame (private in lws 4.1, where
 * enum lws_write_protocol leaves 4 to it). */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

/* libuv's loop as one GSource of the GMainContext: ready when libuv's epoll descriptor is, when
 * one of its timers is due or an idle handle is active (uv_backend_timeout), or when code outside
 * libuv's callbacks changed what lws waits for (touched). */
typedef struct {
    GSource source;
    uv_loop_t *loop;
    gpointer tag;
    gboolean touched;
} UvSource;

struct _HttpServer {
    struct lws_context *context;
    uv_loop_t *uv;
    UvSource *uv_source;
    struct lws_vhost *vhost;
    GMainLoop *loop;
    HttpHandlers handlers;
    gpointer user_data;
    gsize max_body;
    gsize max_ws_message;
    gsize max_ws_queue;
    int port;
    gboolean tls;
    gboolean shutting_down;
    HttpStats stats;
    GHashTable *ws_conns; /* WsConn* (a reference each) while open */
    GHashTable *sockets;  /* struct lws* of every accepted connection still open */
    guint64 next_ws_id;
    guint8 *chunk; /* LWS_PRE + CHUNK_H1 bytes: the body chunk being written */
};

struct _HttpRequest {
    gint ref;
    HttpServer *server;
    struct lws *wsi; /* NULL once the client went away or the answer was written */
    HttpMethod method;
    char *method_name;
    char *path;
    GHashTable *query;   /* name -> value */
    GHashTable *headers; /* lower-case name -> value */
    char *peer;
    GByteArray *body;
    gint64 content_length; /* announced, or -1 */
    gboolean h2;
    gboolean tls;
    gboolean dispatched;

    /* a body taken by a sink (http_request_stream_body) */
    gboolean streaming;
    HttpBodySink sink;
    gpointer sink_data;
    GDestroyNotify sink_destroy;
    guint64 body_limit;
    guint64 body_received;
    gboolean body_ended; /* complete or abort was called, or the request was answered first: what
                          * still arrives of the body is dropped */
    gboolean paused;
    gint64 timeout_set_us;

    /* the answer */
    gboolean responded;
    gboolean headers_sent;
    gboolean close_after;
    guint status;
    char *content_type;
    GPtrArray *out_headers; /* name, value, name, value ... */
    GBytes *out_body;
    int out_fd;             /* a file being sent, or -1 */
    guint64 out_file_first; /* its first byte to send */
    const guint8 *out_data;
    guint64 out_offset;
    guint64 out_length;
};

typedef struct {
    guint8 *buf; /* LWS_PRE headroom, then the text */
    gsize len;
} WsMessage;

struct _WsConn {
    gint ref;
    HttpServer *server;
    struct lws *wsi;
    guint64 id;
    char *cookie;
    GHashTable *cookies; /* name -> value, parsed on demand */
    char *peer;
    GQueue out; /* WsMessage* */
    gsize out_bytes;
    GByteArray *in;
    gboolean closing;
    guint16 close_code;
    char *close_reason;
    gpointer data;
    GDestroyNotify data_destroy;
};

typedef struct {
    guint32 magic;
    HttpRequest *req;
    WsConn *ws;
    gboolean expect_body; /* the current request has a body not yet read to its end */
    gboolean lingering;   /* answered early: reading and dropping the rest of the body */
    guint64 lingered;     /* bytes dropped so far */
} Conn;

/* ---- the libuv loop inside the GLib loop ---- */

static gboolean uv_source_prepare(GSource *source, gint *timeout)
{
    UvSource *us = (UvSource *)source;
    if (us->touched) {
        *timeout = 0;
        return TRUE;
    }
    /* libuv's clock advances only when it runs: a timer due in 1 s was due sooner if other
     * sources ran in between. */
    uv_update_time(us->loop);
    *timeout = uv_backend_timeout(us->loop);
    return *timeout == 0;
}

static gboolean uv_source_check(GSource *source)
{
    UvSource *us = (UvSource *)source;
    return us->touched || (g_source_query_unix_fd(source, us->tag) & G_IO_IN) ||
           uv_backend_timeout(us->loop) == 0;
}

static gboolean uv_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    (void)callback;
    (void)user_data;
    UvSource *us = (UvSource *)source;
    us->touched = FALSE;
    uv_run(us->loop, UV_RUN_NOWAIT);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs uv_source_funcs = {
    .prepare = uv_source_prepare,
    .check = uv_source_check,
    .dispatch = uv_source_dispatch,
};

static UvSource *uv_source_new(uv_loop_t *loop, GMainContext *context)
{
    UvSource *us = (UvSource *)g_source_new(&uv_source_funcs, sizeof(UvSource));
    us->loop = loop;
    us->tag = g_source_add_unix_fd(&us->source, uv_backend_fd(loop), G_IO_IN);
    g_source_set_name(&us->source, "libwebsockets (libuv)");
    g_source_attach(&us->source, context);
    return us;
}

/* Something outside lws's callbacks changed what lws waits for: let libuv apply it. */
static void loop_touched(HttpServer *server)
{
    if (server->uv_source)
        server->uv_source->touched = TRUE;
}

static void want_writable(HttpServer *server, struct lws *wsi)
{
    lws_callback_on_writable(wsi);
    loop_touched(server);
}

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
    loop_touched(req->server);
    return TRUE;
}

void http_request_resume_body(HttpRequest *req)
{
    if (!req->paused)
        return;
    req->paused = FALSE;
    if (req->wsi) {
        lws_rx_flow_control(req->wsi, 1);
        loop_touched(req->server);
    }
}

void http_request_add_header(HttpRequest *req, const char *name, const char *value)
{
    g_return_if_fail(!req->responded);
    g_ptr_array_add(req->out_headers, g_ascii_strdown(name, -1));
    g_ptr_array_add(req->out_headers, g_strdup(value));
}

static void count_status(HttpServer *server, guint status)
{
    if (status >= 100 && status < 600)
        server->stats.responses_by_status[status - 100]++;
}

static void request_start_answer(HttpRequest *req, guint status, const char *content_type)
{
    /* Answered before its body was read (a refusal): drop the rest of the body and close the
     * connection after the answer, since what the client still sends is not a next request. */
    if ((req->streaming && !req->body_ended) || !req->dispatched) {
        req->body_ended = TRUE;
        req->close_after = !req->h2;
        http_request_resume_body(req);
    }
    req->responded = TRUE;
    req->status = status;
    req->content_type = g_strdup(content_type);
    count_status(req->server, status);
    if (req->wsi)
        want_writable(req->server, req->wsi);
}

void http_request_respond(HttpRequest *req, guint status, const char *content_type, GBytes *body)
{
    g_return_if_fail(req);
    if (req->responded) {
        g_clear_pointer(&body, g_bytes_unref);
        g_return_if_reached();
    }
    req->out_body = body;
    if (body) {
        gsize len = 0;
        req->out_data = g_bytes_get_data(body, &len);
        req->out_length = len;
    }
    request_start_answer(req, status, content_type);
}

void http_request_respond_json(HttpRequest *req, guint status, JsonNode *node)
{
    gsize len = 0;
    char *text = json_to_string(node, FALSE);
    len = strlen(text);
    json_node_unref(node);
    http_request_respond(req, status, "application/json; charset=utf-8",
                         g_bytes_new_take(text, len));
}

void http_request_respond_error(HttpRequest *req, guint status, const char *code,
                                const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "code");
    json_builder_add_string_value(b, code);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_end_object(b);
    json_builder_end_object(b);
    http_request_respond_json(req, status, json_builder_get_root(b));
}

gboolean http_request_respond_file(HttpRequest *req, const char *path, const char *content_type,
                                   const char *cache_control, const char *etag, GError **error)
{
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int err = fd < 0 ? errno : EISDIR;
        if (fd >= 0)
            close(fd);
        g_set_error(error, HTTP_ERROR, HTTP_ERROR_FILE, "cannot open %s: %s", path,
                    g_strerror(err));
        return FALSE;
    }
    guint64 size = (guint64)st.st_size;
    g_autofree char *own_etag = NULL;
    if (!etag) {
        own_etag = g_strdup_printf("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x\"",
                                   (gint64)st.st_size, (gint64)st.st_mtime);
        etag = own_etag;
    }
    if (cache_control)
        http_request_add_header(req, "cache-control", cache_control);
    if (etag)
        http_request_add_header(req, "etag", etag);
    http_request_add_header(req, "accept-ranges", "bytes");

    const char *inm = http_request_get_header(req, "if-none-match");
    if (etag && inm && (g_str_equal(inm, etag) || g_str_equal(inm, "*"))) {
        close(fd);
        http_request_respond(req, 304, NULL, NULL);
        return TRUE;
    }
    guint status = 200;
    guint64 first = 0, last = size ? size - 1 : 0;
    const char *range = http_request_get_header(req, "range");
    const char *if_range = http_request_get_header(req, "if-range");
    if (range && (!if_range || (etag && g_str_equal(if_range, etag)))) {
        if (!http_parse_range(range, size, &first, &last)) {
            g_autofree char *cr = g_strdup_printf("bytes */%" G_GUINT64_FORMAT, size);
            http_request_add_header(req, "content-range", cr);
            close(fd);
            http_request_respond_error(
                req, 416, "range_not_satisfiable",
                "range '%s' is not satisfiable for %" G_GUINT64_FORMAT " bytes", range, size);
            return TRUE;
        }
        status = 206;
        g_autofree char *cr =
            g_strdup_printf("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                            first, last, size);
        http_request_add_header(req, "content-range", cr);
    }
    req->out_fd = fd;
    req->out_file_first = first;
    req->out_length = size ? last - first + 1 : 0;
    request_start_answer(req, status, content_type);
    return TRUE;
}

/* Writes the response headers. Returns -1 when the connection must close. */
static int write_headers(HttpRequest *req)
{
    struct lws *wsi = req->wsi;
    guint8 buf[LWS_PRE + MAX_HEADER_TEXT];
    guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
    gboolean no_body = req->status == 204 || req->status == 304;
    lws_filepos_t len = no_body ? LWS_ILLEGAL_HTTP_CONTENT_LEN : req->out_length;

    if (lws_add_http_common_headers(wsi, req->status, req->content_type, len, &p, end))
        return -1;
    static const char *const security[] = {
        "x-content-type-options:", "nosniff", "referrer-policy:", "same-origin",
        "x-frame-options:",        "DENY",
    };
    for (guint i = 0; i < G_N_ELEMENTS(security); i += 2)
        if (lws_add_http_header_by_name(wsi, (const guint8 *)security[i],
                                        (const guint8 *)security[i + 1],
                                        (int)strlen(security[i + 1]), &p, end))
            return -1;
    if (req->tls && lws_add_http_header_by_name(wsi, (const guint8 *)"strict-transport-security:",
                                                (const guint8 *)"max-age=31536000", 16, &p, end))
        return -1;
    if (req->close_after && lws_add_http_header_by_name(wsi, (const guint8 *)"connection:",
                                                        (const guint8 *)"close", 5, &p, end))
        return -1;
    for (guint i = 0; i + 1 < req->out_headers->len; i += 2) {
        g_autofree char *name = g_strconcat(req->out_headers->pdata[i], ":", NULL);
        const char *value = req->out_headers->pdata[i + 1];
        if (lws_add_http_header_by_name(wsi, (const guint8 *)name, (const guint8 *)value,
                                        (int)strlen(value), &p, end))
            return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    req->headers_sent = TRUE;
    if (req->method == HTTP_METHOD_HEAD || no_body)
        req->out_length = 0;
    return 0;
}

/* Ends the transaction on this connection; returns what the lws callback must return. */
static int finish_transaction(Conn *conn, HttpRequest *req)
{
    struct lws *wsi = req->wsi;
    gboolean close_after = req->close_after;
    http_request_resume_body(req);
    req->wsi = NULL;
    conn->req = NULL;
    http_request_unref(req);
    if (close_after && conn->expect_body) {
        /* The answer went out before the body was read (413, 401 ...). Closing now would reset
         * the connection under a client still sending, which then never sees the answer: read
         * and drop the rest first, for a bounded time and amount, as nginx's lingering close. */
        conn->lingering = TRUE;
        conn->lingered = 0;
        lws_rx_flow_control(wsi, 1);
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, LINGER_SECONDS);
        return 0;
    }
    if (close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Sends the next part of a file. Plain HTTP/1.1: sendfile() to the socket until FILE_BUDGET bytes
 * went out or the socket is full; otherwise one chunk read into the chunk buffer, through lws. */
static int write_file_part(HttpServer *server, Conn *conn, HttpRequest *req)
{
    guint64 remaining = req->out_length - req->out_offset;
    if (!req->h2 && !req->tls) {
        int sock = lws_get_socket_fd(req->wsi);
        guint64 budget = FILE_BUDGET;
        while (remaining > 0 && budget > 0) {
            off_t pos = (off_t)(req->out_file_first + req->out_offset);
            ssize_t n = sendfile(sock, req->out_fd, &pos, (size_t)MIN(remaining, budget));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (n <= 0) {
                /* The client went away, or the file shrank under us: the answer cannot be
                 * completed, so the connection ends. */
                g_debug("%s %s: sending the file stopped: %s", req->method_name, req->path,
                        n < 0 ? g_strerror(errno) : "the file is shorter than announced");
                return -1;
            }
            req->out_offset += (guint64)n;
            remaining -= (guint64)n;
            budget -= (guint64)n;
            server->stats.file_bytes_sent += (guint64)n;
        }
        if (remaining > 0) {
            lws_callback_on_writable(req->wsi);
            return 0;
        }
        return finish_transaction(conn, req);
    }
    gsize chunk = req->h2 ? CHUNK_H2 : CHUNK_H1;
    gsize n = (gsize)MIN((guint64)chunk, remaining);
    gsize got = 0;
    while (got < n) {
        ssize_t r = pread(req->out_fd, server->chunk + LWS_PRE + got, n - got,
                          (off_t)(req->out_file_first + req->out_offset + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            g_debug("%s %s: reading the file stopped: %s", req->method_name, req->path,
                    r < 0 ? g_strerror(errno) : "the file is shorter than announced");
            return -1;
        }
        got += (gsize)r;
    }
    gboolean final = n == remaining;
    if (lws_write(req->wsi, server->chunk + LWS_PRE, n,
                  final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    req->out_offset += n;
    server->stats.file_bytes_sent += n;
    if (!final) {
        lws_callback_on_writable(req->wsi);
        return 0;
    }
    return finish_transaction(conn, req);
}

static int on_http_writeable(HttpServer *server, Conn *conn)
{
    HttpRequest *req = conn->req;
    if (!req || !req->responded)
        return 0;
    if (!req->headers_sent) {
        if (write_headers(req) < 0)
            return -1;
        if (req->out_length > 0 || req->h2) {
            lws_callback_on_writable(req->wsi);
            return 0;
        }
        return finish_transaction(conn, req);
    }
    /* lws's timeout was set when the request was dispatched: a large answer to a slow client
     * takes longer than that, so from here it runs from the last progress instead. */
    gint64 now = g_get_monotonic_time();
    if (now - req->timeout_set_us > G_USEC_PER_SEC) {
        lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_TIMEOUT_S);
        req->timeout_set_us = now;
    }
    if (req->out_fd >= 0)
        return write_file_part(server, conn, req);
    gsize chunk = req->h2 ? CHUNK_H2 : CHUNK_H1;
    gsize n = (gsize)MIN((guint64)chunk, req->out_length - req->out_offset);
    gboolean final = req->out_offset + n >= req->out_length;
    if (n)
        memcpy(server->chunk + LWS_PRE, req->out_data + req->out_offset, n);
    if (lws_write(req->wsi, server->chunk + LWS_PRE, n,
                  final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    req->out_offset += n;
    if (!final) {
        lws_callback_on_writable(req->wsi);
        return 0;
    }
    return finish_transaction(conn, req);
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
    conn->close_code = code;
    conn->close_reason = g_strdup(reason ? reason : "");
    want_writable(conn->server, conn->wsi);
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
    WsMessage *m = g_new(WsMessage, 1);
    m->buf = g_malloc(LWS_PRE + len);
    memcpy(m->buf + LWS_PRE, text, len);
    m->len = len;
    g_queue_push_tail(&conn->out, m);
    conn->out_bytes += len;
    want_writable(conn->server, conn->wsi);
    return TRUE;
}

gboolean ws_conn_send_json(WsConn *conn, JsonNode *node)
{
    g_autofree char *text = json_to_string(node, FALSE);
    return ws_conn_send(conn, text, strlen(text));
}

static int on_ws_writeable(HttpServer *server, WsConn *conn)
{
    /* What was queued before the close goes first (an error that says why, say). */
    if (conn->closing && g_queue_is_empty(&conn->out)) {
        /* The close frame is written here, then the connection is dropped. (lws_close_reason()
         * and returning -1 would leave the frame to a later writeable event, but on the libuv
         * event library lws 4.1 closes the connection a second time within the same service
         * call, before that event, and the peer saw no close frame.) */
        gsize rlen = MIN(strlen(conn->close_reason), (gsize)123);
        guint8 frame[LWS_PRE + 125];
        frame[LWS_PRE] = (guint8)(conn->close_code >> 8);
        frame[LWS_PRE + 1] = (guint8)(conn->close_code & 0xff);
        memcpy(frame + LWS_PRE + 2, conn->close_reason, rlen);
        lws_write(conn->wsi, frame + LWS_PRE, rlen + 2, WS_WRITE_CLOSE);
        return -1;
    }
    WsMessage *m = g_queue_pop_head(&conn->out);
    if (!m)
        return 0;
    int n = lws_write(conn->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
    conn->out_bytes -= m->len;
    ws_message_free(m);
    if (n < 0)
        return -1;
    server->stats.ws_messages_out++;
    if (!g_queue_is_empty(&conn->out) || conn->closing)
        lws_callback_on_writable(conn->wsi);
    return 0;
}

static int on_ws_receive(HttpServer *server, WsConn *conn, struct lws *wsi, const void *in,
                         gsize len)
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
static gboolean ws_filter(HttpServer *server, struct lws *wsi)
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

/* ---- the lws callback ---- */

static void conn_drop_request(Conn *conn)
{
    if (conn->req) {
        conn->req->wsi = NULL;
        g_clear_pointer(&conn->req, http_request_unref);
    }
}

static Conn fallback_conn = {CONN_MAGIC, NULL, NULL, FALSE, FALSE, 0};

/* The per-connection data of a connection callback, initialised on first use; for any other
 * callback a blank stand-in that is never written. */
static Conn *conn_of(enum lws_callback_reasons reason, void *user)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
        if (user) {
            Conn *conn = user;
            if (conn->magic != CONN_MAGIC) {
                memset(conn, 0, sizeof(*conn));
                conn->magic = CONN_MAGIC;
            }
            return conn;
        }
        break;
    default:
        break;
    }
    fallback_conn.req = NULL;
    fallback_conn.ws = NULL;
    return &fallback_conn;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_vhost *vh = lws_get_vhost(wsi);
    HttpServer *server = vh ? lws_get_vhost_user(vh) : NULL;
    /* user is our per-connection data only for connection callbacks (for the OpenSSL ones lws
     * passes its SSL_CTX there): it is initialised there and only there. */
    Conn *conn = conn_of(reason, user);

    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        /* Connections are counted by socket: lws may drop per-connection data between the
         * transactions of one keep-alive connection. */
        g_hash_table_add(server->sockets, wsi);
        server->stats.http_connections =
            g_hash_table_size(server->sockets) - server->stats.ws_connections;
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (server && g_hash_table_remove(server->sockets, wsi))
            server->stats.http_connections =
                g_hash_table_size(server->sockets) - server->stats.ws_connections;
        return 0;
    case LWS_CALLBACK_HTTP: {
        conn_drop_request(conn);
        conn->expect_body = FALSE;
        conn->lingering = FALSE;
        HttpRequest *req = request_new(server, wsi);
        conn->req = req;
        if (!request_parse(req, wsi, in, len)) {
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
        /* lws does not report the end of an HTTP/2 stream that carried no body, so a body
         * method must announce its length (browsers and curl always do): 411 otherwise. */
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
    case LWS_CALLBACK_HTTP_BODY: {
        if (conn->lingering) {
            conn->lingered += len;
            return conn->lingered > LINGER_MAX ? -1 : 0;
        }
        HttpRequest *req = conn ? conn->req : NULL;
        if (req && req->streaming) {
            stream_chunk(server, req, in, len);
            return 0;
        }
        if (!req || req->dispatched)
            return 0;
        if (req->body->len + len > server->max_body) {
            refuse_too_large(server, req, 0, server->max_body);
            return 0;
        }
        g_byte_array_append(req->body, in, (guint)len);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
        conn->expect_body = FALSE;
        if (conn->lingering)
            return -1; /* the whole body is read: now the connection can close cleanly */
        HttpRequest *req = conn ? conn->req : NULL;
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
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return conn ? on_http_writeable(server, conn) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (conn && conn->req && conn->req->streaming && !conn->req->body_ended) {
            /* The client went away mid-body. */
            HttpRequest *req = http_request_ref(conn->req);
            conn_drop_request(conn);
            req->body_ended = TRUE;
            req->paused = FALSE;
            server->stats.bodies_aborted++;
            req->sink.abort(req, req->sink_data);
            http_request_unref(req);
            return 0;
        }
        if (conn)
            conn_drop_request(conn);
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return ws_filter(server, wsi) ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED: {
        conn_drop_request(conn);
        conn->ws = ws_conn_new(server, wsi);
        g_hash_table_add(server->ws_conns, ws_conn_ref(conn->ws));
        server->stats.ws_connections++;
        server->stats.http_connections--;
        server->handlers.ws_open(conn->ws, server->user_data);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        return conn->ws ? on_ws_receive(server, conn->ws, wsi, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return conn->ws ? on_ws_writeable(server, conn->ws) : 0;
    case LWS_CALLBACK_CLOSED: {
        WsConn *ws = g_steal_pointer(&conn->ws);
        if (!ws)
            return 0;
        ws->wsi = NULL;
        server->stats.ws_connections--;
        server->stats.http_connections++; /* until WSI_DESTROY removes the socket */
        server->handlers.ws_close(ws, server->user_data);
        if (g_hash_table_remove(server->ws_conns, ws))
            ws_conn_unref(ws); /* the table's reference */
        ws_conn_unref(ws);     /* the connection data's */
        return 0;
    }
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"phonghop", callback, sizeof(Conn), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_to_glib(int level, const char *line)
{
    g_autofree char *text = g_strchomp(g_strdup(line));
    if (level & LLL_ERR)
        g_warning("libwebsockets: %s", text);
    else
        g_debug("libwebsockets: %s", text);
}

/* libwebsockets only says that it could not listen; find out why for the operator. */
static gboolean check_can_listen(const char *address, int port, GError **error)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t sl;
    int family;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
        family = sin->sin_family = AF_INET;
        sin->sin_port = htons((guint16)port);
        sl = sizeof(*sin);
    } else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
        family = sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((guint16)port);
        sl = sizeof(*sin6);
    } else {
        g_set_error(error, HTTP_ERROR, HTTP_ERROR_LISTEN,
                    "cannot listen on '%s': not an IPv4 or IPv6 address", address);
        return FALSE;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return TRUE; /* let lws report it */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    int rc = bind(fd, (struct sockaddr *)&ss, sl);
    int err = errno;
    close(fd);
    if (rc < 0) {
        g_set_error(error, HTTP_ERROR, HTTP_ERROR_LISTEN, "cannot listen on %s port %d: %s",
                    address, port, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

HttpServer *http_server_new(const HttpServerOptions *options, GMainLoop *loop,
                            const HttpHandlers *handlers, gpointer user_data, GError **error)
{
    g_return_val_if_fail(options && loop && handlers, NULL);
    gboolean tls = options->tls_certificate && *options->tls_certificate;
    if (options->port > 0 && !check_can_listen(options->listen, options->port, error))
        return NULL;
    if (tls && (!g_file_test(options->tls_certificate, G_FILE_TEST_IS_REGULAR) ||
                !g_file_test(options->tls_private_key, G_FILE_TEST_IS_REGULAR))) {
        g_set_error(error, HTTP_ERROR, HTTP_ERROR_TLS,
                    "TLS certificate '%s' or private key '%s' is not a readable file",
                    options->tls_certificate, options->tls_private_key);
        return NULL;
    }

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_glib);

    HttpServer *server = g_new0(HttpServer, 1);
    server->loop = g_main_loop_ref(loop);
    server->handlers = *handlers;
    server->user_data = user_data;
    server->max_body = options->max_body;
    server->max_ws_message = options->max_ws_message;
    server->max_ws_queue = options->max_ws_queue;
    server->tls = tls;
    server->ws_conns = g_hash_table_new(g_direct_hash, g_direct_equal);
    server->sockets = g_hash_table_new(g_direct_hash, g_direct_equal);
    server->chunk = g_malloc(LWS_PRE + CHUNK_H1);

    server->uv = g_new0(uv_loop_t, 1);
    int uerr = uv_loop_init(server->uv);
    if (uerr) {
        g_set_error(error, HTTP_ERROR, HTTP_ERROR_LISTEN, "cannot start the event loop: %s",
                    uv_strerror(uerr));
        g_clear_pointer(&server->uv, g_free);
        http_server_free(server);
        return NULL;
    }
    server->uv_source = uv_source_new(server->uv, g_main_loop_get_context(loop));

    void *foreign_loops[] = {server->uv};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    /* GLib handles the process's signals (main.c): lws must not take SIGINT or SIGTERM. */
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
                   LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
    if (tls)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = foreign_loops;
    info.pcontext = &server->context;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    server->context = lws_create_context(&info);
    if (!server->context) {
        g_set_error(error, HTTP_ERROR, HTTP_ERROR_LISTEN,
                    "cannot start libwebsockets on its libuv loop (is libwebsockets-evlib-uv "
                    "installed?)");
        http_server_free(server);
        return NULL;
    }

    memset(&info, 0, sizeof(info));
    info.port = options->port;
    info.iface = options->listen;
    info.protocols = protocols;
    info.vhost_name = "phonghop";
    info.user = server;
    info.keepalive_timeout = 60;
    info.timeout_secs = 60;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (tls) {
        info.ssl_cert_filepath = options->tls_certificate;
        info.ssl_private_key_filepath = options->tls_private_key;
        info.alpn = "h2,http/1.1";
        /* lws turns TLS on for a vhost only when its own options ask for it too. */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    }
    server->vhost = lws_create_vhost(server->context, &info);
    if (!server->vhost) {
        g_set_error(error, HTTP_ERROR, tls ? HTTP_ERROR_TLS : HTTP_ERROR_LISTEN,
                    "cannot listen on %s port %d%s", options->listen, options->port,
                    tls ? " with the configured TLS certificate and key" : "");
        http_server_free(server);
        return NULL;
    }
    server->port = lws_get_vhost_listen_port(server->vhost);
    return server;
}

int http_server_get_port(HttpServer *server)
{
    return server->port;
}

gboolean http_server_is_tls(HttpServer *server)
{
    return server->tls;
}

const HttpStats *http_server_get_stats(HttpServer *server)
{
    return &server->stats;
}

void http_server_shutdown(HttpServer *server)
{
    server->shutting_down = TRUE;
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, server->ws_conns);
    while (g_hash_table_iter_next(&it, &key, NULL))
        ws_conn_close(key, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

guint http_server_n_connections(HttpServer *server)
{
    return server->stats.http_connections + server->stats.ws_connections;
}

void http_server_free(HttpServer *server)
{
    if (!server)
        return;
    server->shutting_down = TRUE;
    if (server->context) {
        /* On a foreign libuv loop lws closes its handles through the loop: run it until they
         * are closed and the context is gone (lws clears server->context through pcontext). */
        lws_context_destroy(server->context);
        for (int i = 0; i < 1000 && uv_run(server->uv, UV_RUN_NOWAIT); i++)
            ;
        if (server->context) {
            lws_context_destroy(server->context);
            for (int i = 0; i < 1000 && uv_run(server->uv, UV_RUN_NOWAIT); i++)
                ;
        }
    }
    if (server->uv_source) {
        g_source_destroy(&server->uv_source->source);
        g_source_unref(&server->uv_source->source);
        server->uv_source = NULL;
    }
    if (server->uv) {
        if (uv_loop_close(server->uv) != 0)
            g_warning("the HTTP server's event loop still had open handles at exit");
        g_free(server->uv);
    }
    /* A WebSocket lws destroyed without a CLOSED callback still holds the reference its
     * connection data had: tell the application it closed and drop both references. */
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, server->ws_conns);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        WsConn *ws = key;
        gboolean held_by_lws = ws->wsi != NULL;
        ws->wsi = NULL;
        if (held_by_lws) {
            server->handlers.ws_close(ws, server->user_data);
            ws_conn_unref(ws);
        }
        ws_conn_unref(ws);
    }
    g_hash_table_unref(server->ws_conns);
    g_hash_table_unref(server->sockets);
    g_main_loop_unref(server->loop);
    g_free(server->chunk);
    g_free(server);
}
