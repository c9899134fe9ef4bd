/* http-server-private.h: what the files of the HTTP layer share. Main thread only.
 *
 *   http-server.c    the server: libuv's loop inside the GLib loop, the lws context and its one
 *                    callback, which hands each event to the files below; start and shutdown
 *   http-request.c   a request: parsing and limits, its body read whole or streamed to a sink
 *   http-response.c  its answer: headers, bodies, files (ETag, Range, sendfile)
 *   http-ws.c        the /ws WebSocket: origin check, message reassembly, bounded send queue
 *   http-parse.c     pure parsers of small pieces of input (cookies, ranges, JSON nesting)
 */
#pragma once

#include "http-server.h"

#include <libwebsockets.h>

#include <uv.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-http"

G_BEGIN_DECLS

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
/* How long a WebSocket we closed waits for the peer's close frame before it is dropped. */
#define WS_CLOSE_ACK_WAIT_S 10
#define WRITE_STALL_S       2

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
    GSource *write_watchdog; /* every second: answers and WebSockets whose writing has stopped */
    GHashTable *answering;   /* HttpRequest* (a reference each) answered and still being written */
    guint8 *chunk;           /* LWS_PRE + CHUNK_H1 bytes: the body chunk being written */
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
    gint64 progress_us; /* answered, or the last part written */
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
    gint64 progress_us; /* the last message written, or the first queued after none was */
    GByteArray *in;
    gboolean closing;
    gboolean close_sent; /* our close frame is written: waiting for the peer's */
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

/* ---- http-server.c ---- */

/* Something outside lws's callbacks changed what lws waits for: let libuv apply it. */
void http_server_touch_loop(HttpServer *server);
/* Asks lws for a writeable callback on wsi, from anywhere. */
void http_server_want_writable(HttpServer *server, struct lws *wsi);

/* ---- http-request.c: the HTTP events of a connection ---- */

/* LWS_CALLBACK_HTTP: a request's headers arrived (uri: the path and query, len bytes). */
int http_conn_on_request(HttpServer *server, Conn *conn, struct lws *wsi, const char *uri,
                         gsize len);
/* LWS_CALLBACK_HTTP_BODY: the next bytes of its body. */
int http_conn_on_body(HttpServer *server, Conn *conn, const guint8 *data, gsize len);
/* LWS_CALLBACK_HTTP_BODY_COMPLETION: its body ended. */
int http_conn_on_body_end(HttpServer *server, Conn *conn);
/* LWS_CALLBACK_CLOSED_HTTP: the connection closed. */
void http_conn_on_closed(HttpServer *server, Conn *conn);
/* Detaches the connection's current request, if any: answering it later does nothing. */
void http_conn_drop_request(Conn *conn);

/* ---- http-response.c ---- */

/* LWS_CALLBACK_HTTP_WRITEABLE: writes the next part of the answer. */
int http_conn_on_writeable(HttpServer *server, Conn *conn);

/* ---- http-ws.c ---- */

/* LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: TRUE when the WebSocket may open. */
gboolean http_ws_filter(HttpServer *server, struct lws *wsi);
/* LWS_CALLBACK_ESTABLISHED */
void http_ws_on_established(HttpServer *server, Conn *conn, struct lws *wsi);
/* LWS_CALLBACK_RECEIVE */
int http_ws_on_receive(HttpServer *server, WsConn *conn, struct lws *wsi, const void *in,
                       gsize len);
/* LWS_CALLBACK_SERVER_WRITEABLE */
int http_ws_on_writeable(HttpServer *server, WsConn *conn);
/* LWS_CALLBACK_CLOSED */
void http_ws_on_closed(HttpServer *server, Conn *conn);
/* Whether the connection's socket would take more now (poll, no wait). */
gboolean http_socket_takes_more(struct lws *wsi);
/* The write watchdog's check of answers still being written (the tick is in http-ws.c). */
void http_answers_check(HttpServer *server, gint64 now);
/* An answer whose connection lws destroys is detached (wsi = NULL) and no longer watched, should
 * lws not have said CLOSED_HTTP first. */
void http_answers_forget_wsi(HttpServer *server, struct lws *wsi);
/* Starts the once-a-second check for answers and WebSockets whose writing has stopped
 * (server->write_watchdog). */
void http_write_watchdog_start(HttpServer *server, GMainContext *context);

G_END_DECLS
