/* bench-fetch: N clients fetch one URL at the same moment over plain HTTP/1.1; prints the
 * aggregate throughput and the distribution of the time each client took to receive the whole
 * answer. Used by documents-download.mjs against phonghop and nginx alike, so the client's own
 * cost is the same for both.
 *
 * One thread, epoll, non-blocking sockets: every connection is opened first, then every request
 * is sent at once, then the bodies are read (and dropped) into one 256 KiB buffer as they arrive.
 * A client's time runs from the moment the requests went out to its last byte. The body length
 * comes from Content-Length; an answer other than 200, or one cut short, counts as a failure.
 *
 *   bench-fetch HOST PORT PATH CLIENTS [COOKIE]
 */
#include <glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUFFER (256 * 1024)

typedef struct {
    int fd;
    GString *head; /* the answer's headers until the blank line */
    gboolean in_body;
    gint64 length; /* Content-Length */
    gint64 received;
    int status;
    gint64 done_us;
    gboolean failed;
} Client;

static int compare_i64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

static void parse_head(Client *c)
{
    c->status = 0;
    sscanf(c->head->str, "HTTP/1.%*d %d", &c->status);
    const char *cl = strcasestr(c->head->str, "\r\ncontent-length:");
    c->length = cl ? g_ascii_strtoll(cl + 17, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST PORT PATH CLIENTS [COOKIE]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1], *path = argv[3], *cookie = argc > 5 ? argv[5] : NULL;
    int port = atoi(argv[2]), n = atoi(argv[4]);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    g_autofree char *request = g_strdup_printf(
        "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%sConnection: close\r\n\r\n", path, host, port,
        cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");

    Client *clients = g_new0(Client, n);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < n; i++) {
        Client *c = &clients[i];
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            perror("connect");
            return 1;
        }
        c->head = g_string_new(NULL);
    }
    /* Everyone asks at once. */
    gint64 start = g_get_monotonic_time();
    for (int i = 0; i < n; i++) {
        Client *c = &clients[i];
        if (write(c->fd, request, strlen(request)) != (ssize_t)strlen(request)) {
            perror("write");
            return 1;
        }
        fcntl(c->fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    guint8 *buf = g_malloc(READ_BUFFER);
    int open = n;
    gint64 total = 0;
    while (open > 0) {
        struct epoll_event evs[64];
        int k = epoll_wait(ep, evs, 64, 60000);
        if (k <= 0) {
            fprintf(stderr, "timed out with %d clients still receiving\n", open);
            break;
        }
        for (int e = 0; e < k; e++) {
            Client *c = &clients[evs[e].data.u32];
            for (;;) {
                ssize_t r = read(c->fd, buf, READ_BUFFER);
                if (r < 0 && errno == EAGAIN)
                    break;
                if (r <= 0) {
                    c->failed = c->failed || !c->in_body || c->received != c->length;
                    c->done_us = g_get_monotonic_time();
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    open--;
                    break;
                }
                gsize off = 0;
                if (!c->in_body) {
                    g_string_append_len(c->head, (const char *)buf, r);
                    char *end = strstr(c->head->str, "\r\n\r\n");
                    if (!end)
                        continue;
                    c->in_body = TRUE;
                    gsize head_len = (gsize)(end - c->head->str) + 4;
                    off = (gsize)r - (c->head->len - head_len);
                    g_string_truncate(c->head, head_len);
                    parse_head(c);
                    if (c->status != 200)
                        c->failed = TRUE;
                }
                c->received += r - (ssize_t)off;
                total += r - (ssize_t)off;
            }
        }
    }
    gint64 end = g_get_monotonic_time();
    GArray *times = g_array_new(FALSE, FALSE, sizeof(gint64));
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (clients[i].failed || !clients[i].done_us) {
            failed++;
            continue;
        }
        gint64 t = clients[i].done_us - start;
        g_array_append_val(times, t);
    }
    g_array_sort(times, compare_i64);
    double seconds = (end - start) / 1e6;
    guint m = times->len;
#define PCT(p) (m ? g_array_index(times, gint64, MIN(m - 1, (guint)((p)*m))) / 1e3 : 0.0)
    /* One line of JSON for the driver. */
    printf("{\"clients\":%d,\"failed\":%d,\"bytes\":%" G_GINT64_FORMAT ",\"seconds\":%.3f,"
           "\"mib_per_s\":%.1f,\"p50_ms\":%.0f,\"p90_ms\":%.0f,\"p99_ms\":%.0f,\"max_ms\":%.0f}\n",
           n, failed, total, seconds, total / 1048576.0 / seconds, PCT(0.50), PCT(0.90), PCT(0.99),
           m ? g_array_index(times, gint64, m - 1) / 1e3 : 0.0);
    return failed ? 1 : 0;
}
