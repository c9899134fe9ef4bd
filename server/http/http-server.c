/* http-server.c: the HTTP server: libwebsockets on libuv inside the GLib loop, and its callback.
 *
 * libwebsockets runs on a libuv loop of its own (LWS_SERVER_OPTION_LIBUV with the loop passed as
 * a foreign loop), and that loop runs inside our GMainContext as one GSource (UvSource below), so
 * every callback of the HTTP layer runs on the main thread and nothing in it takes a lock. libuv
 * waits with epoll: GLib polls a single descriptor (libuv's epoll descriptor) whatever the number
 * of connections, and a wake-up costs what the ready connections cost, not what all of them cost.
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
 * own lws connection) or at the WsConn. The callback here only routes each event: requests and
 * their bodies to http-request.c, answers to http-response.c, the WebSocket to http-ws.c.
 */
#include "http-server-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

G_DEFINE_QUARK(http_error, http_error)

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

void http_server_touch_loop(HttpServer *server)
{
    if (server->uv_source)
        server->uv_source->touched = TRUE;
}

void http_server_want_writable(HttpServer *server, struct lws *wsi)
{
    lws_callback_on_writable(wsi);
    http_server_touch_loop(server);
}

/* ---- the lws callback ---- */

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
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
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
        if (server)
            http_answers_forget_wsi(server, wsi);
        return 0;
    case LWS_CALLBACK_HTTP:
        return http_conn_on_request(server, conn, wsi, in, len);
    case LWS_CALLBACK_HTTP_BODY:
        return http_conn_on_body(server, conn, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return http_conn_on_body_end(server, conn);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_conn_on_writeable(server, conn);
    case LWS_CALLBACK_CLOSED_HTTP:
        http_conn_on_closed(server, conn);
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return http_ws_filter(server, wsi) ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED:
        http_ws_on_established(server, conn, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return conn->ws ? http_ws_on_receive(server, conn->ws, wsi, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return conn->ws ? http_ws_on_writeable(server, conn->ws) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* The answer to our close frame: drop the connection without echoing it. */
        return conn->ws && conn->ws->close_sent ? 1 : 0;
    case LWS_CALLBACK_CLOSED:
        http_ws_on_closed(server, conn);
        return 0;
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
    server->answering = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                              (GDestroyNotify)http_request_unref, NULL);
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
    http_write_watchdog_start(server, g_main_loop_get_context(loop));

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
    if (server->write_watchdog) {
        g_source_destroy(server->write_watchdog);
        g_clear_pointer(&server->write_watchdog, g_source_unref);
    }
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
    g_hash_table_unref(server->answering);
    g_hash_table_unref(server->sockets);
    g_main_loop_unref(server->loop);
    g_free(server->chunk);
    g_free(server);
}
