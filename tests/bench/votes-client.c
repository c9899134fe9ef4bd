/* votes-client: the members of votes-bench.mjs, in C: N WebSocket connections to phonghop's /ws,
 * each signed in with a member's session and following the meeting, casting ballots when told.
 *
 * The benchmark compares ballots per second with pgbench, a C client; members played by Node.js
 * spent 30-100 us of CPU per ballot on the same two cores as the server and the database, which
 * took that much from what was measured. This client spends a few microseconds: one thread,
 * epoll, non-blocking sockets, frames written whole with one send() (queued only when the socket
 * is full), answers found by a string search for their id.
 *
 *   votes-client HOST PORT MEETING AFTER_SEQ < tokens (one session token a line, then "end")
 *
 * Then, on standard input, one command a line:
 *   cast POLL SPREAD_MS  every member casts on POLL ('for', or 'against' for every third), all at
 *                        once (0) or spread evenly over SPREAD_MS; prints
 *                        {"cast":POLL,"recorded":N,"failed":N,"wall_us":T,"latency_us":[...]}
 *                        when every ballot is answered (or after 60 s);
 *   closed POLL          prints {"closed":POLL,"at_ns":[...]}: the CLOCK_MONOTONIC times at
 *                        which each member received the poll's vote.closed event (waits up to
 *                        10 s for all), comparable with Node's process.hrtime.bigint(); sent
 *                        before the close itself, so that every arrival is read as it comes;
 *   quit
 * It prints "ready" once every member is connected and following. Exits 1 when it cannot
 * connect; never judges a figure.
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
#include <time.h>
#include <unistd.h>

#define MAX_MEMBERS 5000
#define MAX_FRAME   (1024 * 1024)

typedef struct {
    int fd;
    GByteArray *in;  /* bytes read, not yet parsed */
    GByteArray *out; /* bytes the socket did not take yet */
    gboolean upgraded;
    gboolean welcomed;
    gboolean following;
    gint64 sent_ns;   /* the current ballot's send time */
    gint64 answer_ns; /* and its answer's, 0 while waiting */
    gboolean failed;
    GHashTable *closed; /* poll id -> arrival (ns) */
} Member;

static Member *members;
static guint n_members;
static int ep;
static guint32 mask_seed = 0x9e3779b9;

static gint64 now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "votes-client: %s: %s\n", what, g_strerror(errno));
    exit(1);
}

static void want_out(Member *m, gboolean on)
{
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = m};
    epoll_ctl(ep, EPOLL_CTL_MOD, m->fd, &ev);
}

static void put(Member *m, const guint8 *data, gsize len)
{
    if (m->out->len == 0) {
        ssize_t n = send(m->fd, data, len, MSG_NOSIGNAL);
        if (n == (ssize_t)len)
            return;
        if (n < 0) {
            if (errno != EAGAIN)
                die("send");
            n = 0;
        }
        data += n;
        len -= (gsize)n;
        want_out(m, TRUE);
    }
    g_byte_array_append(m->out, data, (guint)len);
}

/* One masked text frame (client to server frames are masked, RFC 6455 §5.3). */
static void send_text(Member *m, const char *text)
{
    gsize len = strlen(text), h = 0;
    guint8 frame[16 + 1024];
    g_assert(len <= 1024);
    frame[h++] = 0x81;
    if (len < 126) {
        frame[h++] = 0x80 | (guint8)len;
    } else {
        frame[h++] = 0x80 | 126;
        frame[h++] = (guint8)(len >> 8);
        frame[h++] = (guint8)len;
    }
    mask_seed = mask_seed * 1664525 + 1013904223;
    guint8 key[4] = {(guint8)(mask_seed >> 24), (guint8)(mask_seed >> 16), (guint8)(mask_seed >> 8),
                     (guint8)mask_seed};
    memcpy(frame + h, key, 4);
    h += 4;
    for (gsize i = 0; i < len; i++)
        frame[h + i] = (guint8)text[i] ^ key[i & 3];
    put(m, frame, h + len);
}

static void send_pong(Member *m, const guint8 *payload, gsize len)
{
    guint8 frame[6 + 125] = {0x8a, (guint8)(0x80 | MIN(len, 125)), 0, 0, 0, 0};
    for (gsize i = 0; i < MIN(len, 125); i++)
        frame[6 + i] = payload[i]; /* a zero mask */
    put(m, frame, 6 + MIN(len, 125));
}

/* What a text message says, found by search: this client only needs its type and a number. */
static gint64 number_after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? g_ascii_strtoll(p + strlen(key), NULL, 10) : -1;
}

static void on_text(Member *m, char *text)
{
    if (!m->welcomed) {
        m->welcomed = strstr(text, "\"type\":\"welcome\"") != NULL;
        return;
    }
    if (!m->following) {
        m->following = strstr(text, "\"type\":\"subscribed\"") != NULL;
        return;
    }
    if (strstr(text, "\"type\":\"vote.recorded\"")) {
        m->answer_ns = now_ns();
        return;
    }
    if (strstr(text, "\"type\":\"error\"") && strstr(text, "\"ref\":\"b")) {
        m->answer_ns = now_ns();
        m->failed = TRUE;
        fprintf(stderr, "votes-client: %s\n", text);
        return;
    }
    const char *kind = strstr(text, "\"kind\":\"vote.closed\"");
    if (kind) {
        gint64 poll = number_after(kind, "\"poll_id\":");
        if (poll > 0)
            g_hash_table_insert(m->closed, GSIZE_TO_POINTER((gsize)poll),
                                GSIZE_TO_POINTER((gsize)now_ns()));
    }
}

/* Parses every whole frame in m->in. */
static void parse(Member *m)
{
    if (!m->upgraded) {
        guint8 *end = memmem(m->in->data, m->in->len, "\r\n\r\n", 4);
        if (!end)
            return;
        if (m->in->len < 12 || memcmp(m->in->data, "HTTP/1.1 101", 12) != 0) {
            fprintf(stderr, "votes-client: the WebSocket was refused: %.*s\n",
                    (int)MIN(m->in->len, 200), m->in->data);
            exit(1);
        }
        m->upgraded = TRUE;
        g_byte_array_remove_range(m->in, 0, (guint)(end + 4 - m->in->data));
    }
    gsize pos = 0;
    while (m->in->len - pos >= 2) {
        const guint8 *f = m->in->data + pos;
        gsize avail = m->in->len - pos, h = 2;
        guint64 len = f[1] & 0x7f;
        if (len == 126) {
            if (avail < 4)
                break;
            len = ((guint64)f[2] << 8) | f[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | f[2 + i];
            h = 10;
        }
        if (len > MAX_FRAME) {
            fprintf(stderr, "votes-client: a frame of %" G_GUINT64_FORMAT " bytes\n", len);
            exit(1);
        }
        if (avail < h + len)
            break;
        guint8 op = f[0] & 0x0f;
        if (op == 1) {
            g_autofree char *text = g_strndup((const char *)f + h, (gsize)len);
            on_text(m, text);
        } else if (op == 9) {
            send_pong(m, f + h, (gsize)len);
        } else if (op == 8) {
            fprintf(stderr, "votes-client: the server closed a member's connection\n");
            m->failed = TRUE;
        }
        pos += h + len;
    }
    if (pos > 0)
        g_byte_array_remove_range(m->in, 0, (guint)pos);
}

static void on_event(Member *m, guint32 events)
{
    if (events & EPOLLOUT) {
        ssize_t n = send(m->fd, m->out->data, m->out->len, MSG_NOSIGNAL);
        if (n > 0)
            g_byte_array_remove_range(m->out, 0, (guint)n);
        else if (n < 0 && errno != EAGAIN)
            die("send");
        if (m->out->len == 0)
            want_out(m, FALSE);
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        guint8 buf[65536];
        for (;;) {
            ssize_t n = recv(m->fd, buf, sizeof(buf), 0);
            if (n > 0) {
                g_byte_array_append(m->in, buf, (guint)n);
                continue;
            }
            if (n == 0) {
                fprintf(stderr, "votes-client: a member's connection was closed\n");
                exit(1);
            }
            if (errno == EAGAIN)
                break;
            die("recv");
        }
        parse(m);
    }
}

/* Runs the loop until @done says so or @timeout_ns passes. */
static void run_until(gboolean (*done)(gpointer), gpointer data, gint64 timeout_ns)
{
    gint64 end = now_ns() + timeout_ns;
    struct epoll_event evs[256];
    while (!done(data) && now_ns() < end) {
        int n = epoll_wait(ep, evs, 256, 10);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++)
            on_event(evs[i].data.ptr, evs[i].events);
    }
}

static gboolean all_following(gpointer data)
{
    for (guint i = 0; i < n_members; i++)
        if (!members[i].following)
            return FALSE;
    return TRUE;
}

static gboolean all_welcomed(gpointer data)
{
    for (guint i = 0; i < n_members; i++)
        if (!members[i].welcomed)
            return FALSE;
    return TRUE;
}

static gboolean all_answered(gpointer data)
{
    for (guint i = 0; i < n_members; i++)
        if (members[i].answer_ns == 0)
            return FALSE;
    return TRUE;
}

static gboolean all_closed(gpointer data)
{
    for (guint i = 0; i < n_members; i++)
        if (!g_hash_table_contains(members[i].closed, data))
            return FALSE;
    return TRUE;
}

static void cast(gint64 poll, gint64 spread_ms)
{
    gint64 start = now_ns();
    for (guint i = 0; i < n_members; i++) {
        members[i].answer_ns = 0;
        members[i].failed = FALSE;
    }
    for (guint i = 0; i < n_members; i++) {
        if (spread_ms > 0) {
            gint64 at = start + (gint64)i * spread_ms * 1000000 / n_members;
            while (now_ns() < at) {
                struct epoll_event evs[256];
                gint64 wait_ms = (at - now_ns()) / 1000000;
                int n = epoll_wait(ep, evs, 256, (int)MAX(wait_ms, 0));
                for (int k = 0; k < n; k++)
                    on_event(evs[k].data.ptr, evs[k].events);
            }
        }
        char msg[256];
        g_snprintf(msg, sizeof(msg),
                   "{\"type\":\"vote.cast\",\"id\":\"b%u\",\"poll_id\":%" G_GINT64_FORMAT
                   ",\"choice\":\"%s\",\"idempotency_key\":\"k-%d-%" G_GINT64_FORMAT "-%u\"}",
                   i, poll, i % 3 ? "for" : "against", (int)getpid(), poll, i);
        members[i].sent_ns = now_ns();
        send_text(&members[i], msg);
    }
    run_until(all_answered, NULL, 60 * G_GINT64_CONSTANT(1000000000));
    gint64 last = 0;
    guint recorded = 0, failed = 0;
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "{\"cast\":%" G_GINT64_FORMAT ",\"latency_us\":[", poll);
    for (guint i = 0; i < n_members; i++) {
        Member *m = &members[i];
        if (m->answer_ns == 0 || m->failed) {
            failed++;
            continue;
        }
        recorded++;
        last = MAX(last, m->answer_ns);
        g_string_append_printf(out, "%s%.1f", recorded > 1 ? "," : "",
                               (double)(m->answer_ns - m->sent_ns) / 1000.0);
    }
    g_string_append_printf(out, "],\"recorded\":%u,\"failed\":%u,\"wall_us\":%.1f}", recorded,
                           failed, last ? (double)(last - start) / 1000.0 : 0.0);
    puts(out->str);
    fflush(stdout);
    g_string_free(out, TRUE);
}

static void report_closed(gint64 poll)
{
    gpointer key = GSIZE_TO_POINTER((gsize)poll);
    run_until(all_closed, key, 10 * G_GINT64_CONSTANT(1000000000));
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "{\"closed\":%" G_GINT64_FORMAT ",\"at_ns\":[", poll);
    gboolean first = TRUE;
    for (guint i = 0; i < n_members; i++) {
        gpointer at = g_hash_table_lookup(members[i].closed, key);
        if (!at)
            continue;
        g_string_append_printf(out, "%s%" G_GSIZE_FORMAT, first ? "" : ",", GPOINTER_TO_SIZE(at));
        first = FALSE;
    }
    g_string_append(out, "]}");
    puts(out->str);
    fflush(stdout);
    g_string_free(out, TRUE);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: votes-client HOST PORT MEETING AFTER_SEQ < tokens\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    gint64 meeting = g_ascii_strtoll(argv[3], NULL, 10), after = g_ascii_strtoll(argv[4], NULL, 10);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((guint16)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || port <= 0 || meeting <= 0) {
        fprintf(stderr, "votes-client: bad arguments\n");
        return 2;
    }
    GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
    char line[512];
    while (fgets(line, sizeof(line), stdin)) {
        g_strstrip(line);
        if (g_str_equal(line, "end"))
            break;
        if (*line && tokens->len < MAX_MEMBERS)
            g_ptr_array_add(tokens, g_strdup(line));
    }
    n_members = tokens->len;
    members = g_new0(Member, n_members);
    ep = epoll_create1(0);
    if (ep < 0)
        die("epoll_create1");
    for (guint i = 0; i < n_members; i++) {
        Member *m = &members[i];
        m->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (m->fd < 0 || connect(m->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
            die("connect");
        int one = 1;
        setsockopt(m->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        m->in = g_byte_array_new();
        m->out = g_byte_array_new();
        m->closed = g_hash_table_new(NULL, NULL);
        g_autofree char *req = g_strdup_printf(
            "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Cookie: phonghop_session=%s\r\n\r\n",
            host, port, (char *)tokens->pdata[i]);
        if (send(m->fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
            die("send");
        if (fcntl(m->fd, F_SETFL, fcntl(m->fd, F_GETFL) | O_NONBLOCK) != 0)
            die("non-blocking");
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = m};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, m->fd, &ev) != 0)
            die("epoll_ctl");
    }
    run_until(all_welcomed, NULL, 60 * G_GINT64_CONSTANT(1000000000));
    if (!all_welcomed(NULL)) {
        fprintf(stderr, "votes-client: not every member was welcomed\n");
        return 1;
    }
    char sub[128];
    g_snprintf(sub, sizeof(sub),
               "{\"type\":\"subscribe\",\"meeting_id\":%" G_GINT64_FORMAT
               ",\"after_seq\":%" G_GINT64_FORMAT "}",
               meeting, after);
    for (guint i = 0; i < n_members; i++)
        send_text(&members[i], sub);
    run_until(all_following, NULL, 60 * G_GINT64_CONSTANT(1000000000));
    if (!all_following(NULL)) {
        fprintf(stderr, "votes-client: not every member follows the meeting\n");
        return 1;
    }
    puts("ready");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin)) {
        gint64 a = 0, b = 0;
        if (sscanf(line, "cast %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &a, &b) == 2)
            cast(a, b);
        else if (sscanf(line, "closed %" G_GINT64_FORMAT, &a) == 1)
            report_closed(a);
        else if (g_str_has_prefix(line, "quit"))
            break;
        else
            fprintf(stderr, "votes-client: unknown command %s", line);
    }
    return 0;
}
