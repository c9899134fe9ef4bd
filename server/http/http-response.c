/* http-response.c: answering a request: its headers, a body from memory, or a file.
 *
 * Writing follows lws's rule of one lws_write() per writeable callback: headers in one callback,
 * then the body in chunks, each from its own callback, the last flagged LWS_WRITE_HTTP_FINAL.
 * Bodies are copied into a buffer with LWS_PRE bytes of headroom, which lws needs in front of
 * what it writes (HTTP/2 frame headers).
 *
 * Files are the exception on plain HTTP/1.1: there lws adds nothing around the body bytes, so once
 * lws has flushed the headers (it calls a writeable callback only when nothing of its own is
 * pending) the body goes out with sendfile(2) on the connection's socket, up to FILE_BUDGET bytes
 * per callback so that two hundred tablets fetching one agenda packet share the loop fairly. Under
 * TLS or HTTP/2 a file is read with pread() into the chunk buffer and written through lws.
 *
 * An answer written to its end ends the transaction: the connection then waits for the next
 * request (HTTP/1.1 keep-alive), or closes when the answer came before the body was read.
 */
#include "http-server-private.h"

#include <poll.h>

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

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
    req->progress_us = g_get_monotonic_time();
    count_status(req->server, status);
    if (req->wsi) {
        g_hash_table_add(req->server->answering, http_request_ref(req));
        http_server_want_writable(req->server, req->wsi);
    }
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

void http_json_add_error(JsonBuilder *b, const char *code, const char *format, va_list ap)
{
    g_autofree char *message = g_strdup_vprintf(format, ap);

    json_builder_set_member_name(b, "code");
    json_builder_add_string_value(b, code);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
}

void http_request_respond_error(HttpRequest *req, guint status, const char *code,
                                const char *format, ...)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    va_list ap;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    va_start(ap, format);
    http_json_add_error(b, code, format, ap);
    va_end(ap);
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
    g_hash_table_remove(req->server->answering, req);
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

int http_conn_on_writeable(HttpServer *server, Conn *conn)
{
    HttpRequest *req = conn->req;
    if (!req || !req->responded)
        return 0;
    req->progress_us = g_get_monotonic_time();
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

/* ---- the write watchdog's part for answers (the tick is in http-ws.c) ---- */

gboolean http_socket_takes_more(struct lws *wsi)
{
    struct pollfd pfd = {.fd = lws_get_socket_fd(wsi), .events = POLLOUT};
    return pfd.fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT) &&
           !(pfd.revents & (POLLERR | POLLHUP));
}

/* Answers: one answered and still being written, with no part written for WRITE_STALL_S while the
 * socket takes more. Finished answers (wsi cleared) leave the table here. */
void http_answers_check(HttpServer *server, gint64 now)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, server->answering);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        HttpRequest *req = key;
        if (!req->wsi) {
            g_hash_table_iter_remove(&it);
            continue;
        }
        if (now - req->progress_us < WRITE_STALL_S * G_USEC_PER_SEC ||
            !http_socket_takes_more(lws_get_network_wsi(req->wsi)))
            continue;
        server->stats.http_write_stalls++;
        g_warning("%s %s (%s): answered %u, nothing of it written for %.1f s while the socket "
                  "takes more (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes sent%s): "
                  "asking again",
                  req->method_name, req->path, req->peer, req->status,
                  (double)(now - req->progress_us) / G_USEC_PER_SEC, req->out_offset,
                  req->out_length, req->headers_sent ? "" : ", not the headers");
        req->progress_us = now;
        http_server_want_writable(server, req->wsi);
    }
}

void http_answers_forget_wsi(HttpServer *server, struct lws *wsi)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, server->answering);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        HttpRequest *req = key;
        if (req->wsi == wsi) {
            req->wsi = NULL;
            g_hash_table_iter_remove(&it);
        }
    }
}
