/* loadgen.c: the SFU load generator: real WebRTC publishers and subscribers, CPU per packet.
 *
 * Design: one process, one GLib main context, many peer connections (LgPeer: ICE on libnice,
 * DTLS client, SRTP with the profile asked for). It connects to an SFU through that SFU's
 * signaling (Janus VideoRoom, or phonghop's), sets up one topology, replays a pre-encoded Opus
 * and VP8 stream from every publisher at real-time pace, and counts the RTP every subscriber
 * decrypts. It never encodes or decodes.
 *
 * Topologies: "1toN", one publisher received by N subscribers, each on a connection of its
 * own; "NxN", N sites that each publish and each receive the other N-1 on one receiving
 * connection (a multi-site session). Participant ids are 1..P for publishers and then the
 * subscribers; in NxN a site publishes and subscribes under the same id.
 *
 * The run: open the signaling, publish (our offer, the SFU's answer), start sending as each
 * publisher connects, then subscribe everyone (the SFU's offer, our answer), wait until every
 * subscriber has received media, warm up, then measure over a fixed window: the SFU's CPU time
 * (utime + stime of /proc/PID/stat, every thread, in clock ticks) at the start and the end of
 * the window, the RTP packets every publisher sent in it and every subscriber received (the
 * publishers stop at the end and the subscribers' counts are read after a short drain), and
 * the SFU's memory (/proc/PID/status and clear_refs: VmRSS before anything connected, when its
 * peak is reset to it; the peak of the set-up, then reset again; the peak from the warm-up to
 * the end, which gives the memory per subscriber; the set-up's peak is reported beside it, as it
 * holds transients such as the daemon's password hashing at sign-in).
 * Both edges of the window are quiet moments (see hold()), so every packet counted was sent in
 * the window and the SFU's CPU covers exactly their forwarding. The figure is CPU microseconds per
 * packet received by all subscribers; the delivery ratio is received over sent times the number of
 * subscribers of each sender. Publishers send RTCP sender reports and subscribers receiver reports
 * once a second, as browsers do (an SFU may take a silent peer for dead). One JSON line of results
 * goes to stdout; "--summarize FILE" reads such lines back and prints medians side by side.
 *
 * It is a benchmark: it exits 1 only when the set-up itself fails (nothing to measure), never
 * on a figure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loadgen.h"

#define LG_PT_OPUS      111
#define LG_PT_VP8       96
#define LG_EXT_MID      1
#define LG_EXT_LEVEL    2
#define LG_PACER_MS     2
#define LG_RTCP_MS      1000
#define LG_QUIET_MS     500
#define LG_MAX_RX_SSRCS 16
#define LG_BUF_WORDS    ((LG_MAX_PACKET + 64) / 4)
#define LG_MAX_FEEDS    16

typedef struct _Lg Lg;

typedef struct {
    guint32 ssrc;
    guint32 max_seq; /* extended */
    gboolean seen;
} RxSsrc;

typedef struct {
    Lg *lg;
    guint64 id;
    gboolean publisher; /* else a subscriber connection */
    LgPeer *peer;
    char *name;

    /* publisher */
    SdpOfferMedia offered[LG_N_KINDS];
    guint8 pt[LG_N_KINDS];
    guint8 mid_ext, level_ext; /* negotiated ids, 0: not sent */
    guint32 ssrc[LG_N_KINDS];
    guint16 seq[LG_N_KINDS];
    guint32 ts_base[LG_N_KINDS];
    guint16 pid_base;
    guint cursor[LG_N_KINDS];
    guint loop[LG_N_KINDS];
    gint64 start_us;
    guint32 octets[LG_N_KINDS];
    guint32 packets[LG_N_KINDS];
    guint n_subscribers; /* subscriber connections that receive this publisher */
    guint64 sent_t0;

    /* subscriber */
    guint64 feeds[LG_MAX_FEEDS];
    guint n_feeds;
    guint32 own_ssrc;
    RxSsrc rx[LG_MAX_RX_SSRCS];
    guint64 received_t0;
    gboolean answered;
} Client;

typedef enum {
    PHASE_SETUP,
    PHASE_WARMUP,
    PHASE_HOLD,
    PHASE_WINDOW,
    PHASE_DRAIN,
    PHASE_DONE,
} Phase;

struct _Lg {
    GMainContext *ctx;
    GMainLoop *loop;
    LgSignaling *sig;
    LgStream *stream;
    MediaIceConfig *ice;
    DtlsIdentity *identity;
    SrtpProfile profile;
    GPtrArray *clients; /* Client *, publishers first */
    guint n_publishers;
    guint n_subscribers;
    guint n_connected;
    guint n_to_join, n_joined; /* distinct participants, and those that joined */
    char *topology;
    char *sfu_name;
    gint sfu_pid;
    guint warmup_s, window_s, setup_timeout_s;

    Phase phase;
    gint64 t0_due_us, t1_due_us;
    gint64 hold_us;         /* the publishers stopped before the window */
    gint64 t0_us, t1_us;    /* the window's sending */
    gint64 t2_us;           /* the end of the quiet after it */
    guint64 cpu_t0, cpu_t1; /* clock ticks */
    guint64 rss_baseline_kb;
    guint64 hwm_setup_kb; /* the peak from the baseline to the end of the set-up */
    struct rusage self_t0, self_t1;
    guint64 late_ticks; /* pacer ticks that ran more than 20 ms late */
    gint64 max_gap_us;  /* the longest time between two pacer ticks: how stalled we were */
    guint n_failed;     /* connections that failed */
    char *first_failure;
    GSource *pacer, *rtcp_timer, *setup_timer, *phase_timer;
    char *failure;
    int exit_code;
};

/* ---- /proc ---- */

/* utime + stime of every thread of @pid, in clock ticks (proc(5), fields 14 and 15). */
static gboolean read_cpu_ticks(gint pid, guint64 *ticks)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *p;

    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    p = strrchr(text, ')'); /* the command name may hold spaces */
    if (p == NULL)
        return FALSE;
    fields = g_strsplit(p + 2, " ", 16);
    /* fields[0] is field 3 (state): utime is field 14, stime 15 */
    if (g_strv_length(fields) < 14)
        return FALSE;
    *ticks = g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10);
    return TRUE;
}

/* A "Name:   1234 kB" line of /proc/PID/status, in kB; 0 when it cannot be read. */
static guint64 read_status_kb(gint pid, const char *name)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *text = NULL;
    g_autofree char *key = g_strconcat("\n", name, ":", NULL);
    const char *p;

    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    p = strstr(text, key);
    if (p == NULL)
        return 0;
    return g_ascii_strtoull(p + strlen(key), NULL, 10);
}

/* Resets the peak RSS (VmHWM) of @pid to its current RSS (proc(5), clear_refs "5"), so that the
 * peak read at the end is the run's and not the start-up's. */
static void reset_peak_rss(gint pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/clear_refs", pid);
    FILE *f = pid > 0 ? fopen(path, "w") : NULL;
    gboolean ok = f != NULL && fputs("5", f) >= 0;

    if (f != NULL && fclose(f) != 0)
        ok = FALSE;
    if (pid > 0 && !ok)
        g_warning("cannot reset the peak memory of process %d: the start-up's peak counts", pid);
}

/* ---- ending ---- */

static void finish(Lg *lg, const char *failure)
{
    if (failure != NULL && lg->failure == NULL) {
        lg->failure = g_strdup(failure);
        lg->exit_code = 1;
    }
    lg->phase = PHASE_DONE;
    g_main_loop_quit(lg->loop);
}

static gboolean on_setup_timeout(gpointer user_data)
{
    Lg *lg = user_data;
    g_autofree char *what = NULL;

    g_clear_pointer(&lg->setup_timer, g_source_unref);
    what = g_strdup_printf("set-up not done in %u s: %u of %u connections up", lg->setup_timeout_s,
                           lg->n_connected, lg->clients->len);
    finish(lg, what);
    return G_SOURCE_REMOVE;
}

/* ---- RTP and RTCP out ---- */

static void put16(guint8 *p, guint v)
{
    p[0] = (guint8)(v >> 8);
    p[1] = (guint8)v;
}

static void put32(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 24);
    p[1] = (guint8)(v >> 16);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}

static guint32 get32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* One packet of @kind from publisher @c: our header (RFC 3550 §5.1) with the one-byte header
 * extensions negotiated (RFC 8285 §4.2: mid, and the audio level of RFC 6464 for audio),
 * then the recorded payload. */
static void send_packet(Client *c, LgKind kind, const LgPacket *pkt)
{
    const LgTrack *t = &c->lg->stream->tracks[kind];
    guint32 buf[LG_BUF_WORDS];
    guint8 *b = (guint8 *)buf;
    gsize n = 12;
    guint8 ext[8];
    gsize ext_len = 0;

    if (c->mid_ext != 0) {
        ext[ext_len++] = (guint8)(c->mid_ext << 4); /* one byte of value */
        ext[ext_len++] = kind == LG_KIND_AUDIO ? '0' : '1';
    }
    if (kind == LG_KIND_AUDIO && c->level_ext != 0) {
        ext[ext_len++] = (guint8)(c->level_ext << 4);
        ext[ext_len++] = 0x80 | 30; /* voice, -30 dBov */
    }
    b[0] = 0x80 | (ext_len > 0 ? 0x10 : 0);
    b[1] = (guint8)(c->pt[kind] | (pkt->marker ? 0x80 : 0));
    put16(b + 2, c->seq[kind]++);
    put32(b + 4, c->ts_base[kind] + c->loop[kind] * t->loop_ts + pkt->ts_delta);
    put32(b + 8, c->ssrc[kind]);
    if (ext_len > 0) {
        gsize words = (ext_len + 3) / 4;

        b[12] = 0xbe;
        b[13] = 0xde;
        put16(b + 14, (guint)words);
        memset(b + 16, 0, words * 4);
        memcpy(b + 16, ext, ext_len);
        n = 16 + words * 4;
    }
    memcpy(b + n, t->data->data + pkt->payload, pkt->payload_len);
    if (pkt->has_pid) {
        guint pid = (c->pid_base + c->loop[kind] * t->loop_pids + pkt->vp8_pid) & 0x7fff;

        b[n + 2] = (guint8)(0x80 | (pid >> 8));
        b[n + 3] = (guint8)pid;
    }
    n += pkt->payload_len;
    if (lg_peer_send(c->peer, b, n, sizeof(buf), FALSE) == 0) {
        c->packets[kind]++;
        c->octets[kind] += pkt->payload_len;
    }
}

/* Sends what is due from publisher @c by @now. */
static void pace(Client *c, gint64 now)
{
    guint k;

    for (k = 0; k < LG_N_KINDS; k++) {
        const LgTrack *t = &c->lg->stream->tracks[k];

        for (;;) {
            const LgPacket *pkt = &g_array_index(t->packets, LgPacket, c->cursor[k]);

            if (c->start_us + (gint64)c->loop[k] * t->loop_us + pkt->offset_us > now)
                break;
            send_packet(c, (LgKind)k, pkt);
            if (++c->cursor[k] == t->packets->len) {
                c->cursor[k] = 0;
                c->loop[k]++;
            }
        }
    }
}

/* The window's start, in two steps around a quiet moment, so that every packet counted was
 * sent inside the window whatever the SFU's delay: the publishers stop (their sent counts are
 * read), nothing is in flight LG_QUIET_MS later (the subscribers' counts and the SFU's CPU are
 * read), and the publishers go on from where they stopped, their schedules moved on by the
 * pause. The end mirrors it: the publishers stop, and LG_QUIET_MS later the CPU is read (the
 * subscribers' counts when the result is printed). */
static void hold(Lg *lg, gint64 now)
{
    guint i;

    for (i = 0; i < lg->n_publishers; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        c->sent_t0 = lg_peer_get_stats(c->peer)->tx_rtp;
    }
    lg->hold_us = now;
    lg->phase = PHASE_HOLD;
}

static void start_window(Lg *lg, gint64 now)
{
    guint i;

    lg->t0_us = now;
    if (!read_cpu_ticks(lg->sfu_pid, &lg->cpu_t0))
        lg->cpu_t0 = 0;
    getrusage(RUSAGE_SELF, &lg->self_t0);
    for (i = 0; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        if (c->publisher)
            c->start_us += now - lg->hold_us;
        else
            c->received_t0 = lg_peer_get_stats(c->peer)->rx_rtp;
    }
    lg->t1_due_us = now + (gint64)lg->window_s * G_USEC_PER_SEC;
    lg->phase = PHASE_WINDOW;
    g_message("window: %u s from now", lg->window_s);
}

static gboolean on_drained(gpointer user_data)
{
    Lg *lg = user_data;

    g_clear_pointer(&lg->phase_timer, g_source_unref);
    lg->t2_us = g_get_monotonic_time();
    if (!read_cpu_ticks(lg->sfu_pid, &lg->cpu_t1))
        lg->cpu_t1 = 0;
    getrusage(RUSAGE_SELF, &lg->self_t1);
    finish(lg, NULL);
    return G_SOURCE_REMOVE;
}

static gboolean on_pacer(gpointer user_data)
{
    Lg *lg = user_data;
    gint64 now = g_get_monotonic_time();
    static gint64 last;
    guint i;

    if (last != 0 && now - last > 20000)
        lg->late_ticks++;
    if (last != 0 && now - last > lg->max_gap_us)
        lg->max_gap_us = now - last;
    last = now;
    if (lg->phase == PHASE_WARMUP && now >= lg->t0_due_us) {
        hold(lg, now);
    } else if (lg->phase == PHASE_HOLD && now >= lg->hold_us + LG_QUIET_MS * 1000) {
        start_window(lg, now);
    } else if (lg->phase == PHASE_WINDOW && now >= lg->t1_due_us) {
        lg->t1_us = now;
        lg->phase = PHASE_DRAIN;
        lg->phase_timer = g_timeout_source_new(LG_QUIET_MS);
        g_source_set_callback(lg->phase_timer, on_drained, lg, NULL);
        g_source_attach(lg->phase_timer, lg->ctx);
    }
    if (lg->phase != PHASE_SETUP && lg->phase != PHASE_WARMUP && lg->phase != PHASE_WINDOW)
        return G_SOURCE_CONTINUE; /* the publishers are quiet */
    for (i = 0; i < lg->n_publishers; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        if (c->start_us != 0 && lg_peer_get_state(c->peer) == LG_PEER_CONNECTED)
            pace(c, now);
    }
    return G_SOURCE_CONTINUE;
}

static gsize write_sdes(guint8 *b, guint32 ssrc, const char *cname)
{
    gsize len = strlen(cname), n = 4 + 4 + 2 + len + 1, words;

    n = (n + 3) & ~(gsize)3; /* item list ends with a null octet, padded (RFC 3550 §6.5) */
    words = n / 4 - 1;
    memset(b, 0, n);
    b[0] = 0x81;
    b[1] = 202;
    put16(b + 2, (guint)words);
    put32(b + 4, ssrc);
    b[8] = 1; /* CNAME */
    b[9] = (guint8)len;
    memcpy(b + 10, cname, len);
    return n;
}

/* RFC 3550 §6.4.1: a sender report for each stream a publisher sends, with its CNAME. */
static void send_sender_reports(Client *c)
{
    gint64 real = g_get_real_time();
    guint64 ntp_s = (guint64)(real / G_USEC_PER_SEC) + 2208988800u;
    guint64 ntp_f = (guint64)(real % G_USEC_PER_SEC) * 4294967296u / G_USEC_PER_SEC;
    guint k;

    for (k = 0; k < LG_N_KINDS; k++) {
        const LgTrack *t = &c->lg->stream->tracks[k];
        guint32 buf[32];
        guint8 *b = (guint8 *)buf;
        gint64 elapsed = g_get_monotonic_time() - c->start_us;
        gsize n;

        b[0] = 0x80;
        b[1] = 200;
        put16(b + 2, 6);
        put32(b + 4, c->ssrc[k]);
        put32(b + 8, (guint32)ntp_s);
        put32(b + 12, (guint32)ntp_f);
        put32(b + 16, c->ts_base[k] + (guint32)(elapsed * t->clock_rate / G_USEC_PER_SEC));
        put32(b + 20, c->packets[k]);
        put32(b + 24, c->octets[k]);
        n = 28 + write_sdes(b + 28, c->ssrc[k], c->name);
        lg_peer_send(c->peer, b, n, sizeof(buf), TRUE);
    }
}

/* RFC 3550 §6.4.2: a receiver report with a block for every stream received (no loss or
 * jitter figures: the SFU only needs to hear from us), and our CNAME. */
static void send_receiver_report(Client *c)
{
    guint32 buf[8 + 6 * LG_MAX_RX_SSRCS + 16];
    guint8 *b = (guint8 *)buf;
    guint i, blocks = 0;
    gsize n = 8;

    for (i = 0; i < LG_MAX_RX_SSRCS; i++) {
        if (!c->rx[i].seen)
            continue;
        memset(b + n, 0, 24);
        put32(b + n, c->rx[i].ssrc);
        put32(b + n + 8, c->rx[i].max_seq);
        n += 24;
        blocks++;
    }
    b[0] = (guint8)(0x80 | blocks);
    b[1] = 201;
    put16(b + 2, (guint)(n / 4 - 1));
    put32(b + 4, c->own_ssrc);
    n += write_sdes(b + n, c->own_ssrc, c->name);
    lg_peer_send(c->peer, b, n, sizeof(buf), TRUE);
}

static gboolean on_rtcp_timer(gpointer user_data)
{
    Lg *lg = user_data;
    guint i;

    for (i = 0; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        if (lg_peer_get_state(c->peer) != LG_PEER_CONNECTED)
            continue;
        if (c->publisher)
            send_sender_reports(c);
        else
            send_receiver_report(c);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- RTP in ---- */

static void on_rtp(LgPeer *peer, const guint8 *data, gsize len, gpointer user_data)
{
    Client *c = user_data;
    guint32 ssrc;
    guint16 seq;
    guint i;

    if (len < 12)
        return;
    ssrc = get32(data + 8);
    seq = (guint16)(data[2] << 8 | data[3]);
    for (i = 0; i < LG_MAX_RX_SSRCS; i++) {
        RxSsrc *r = &c->rx[i];

        if (r->seen && r->ssrc != ssrc)
            continue;
        if (!r->seen) {
            r->seen = TRUE;
            r->ssrc = ssrc;
            r->max_seq = seq;
        } else if ((gint16)(seq - (guint16)r->max_seq) > 0) {
            /* RFC 3550 A.1: the cycle count follows a wrap of the 16-bit number */
            if (seq < (guint16)r->max_seq)
                r->max_seq += 0x10000;
            r->max_seq = (r->max_seq & 0xffff0000u) | seq;
        }
        break;
    }
}

/* ---- set-up ---- */

static void start_subscribers(Lg *lg);

static gboolean every_subscriber_receives(Lg *lg)
{
    guint i;

    for (i = lg->n_publishers; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        if (lg_peer_get_state(c->peer) != LG_PEER_CONNECTED ||
            lg_peer_get_stats(c->peer)->rx_rtp == 0)
            return FALSE;
    }
    return TRUE;
}

static gboolean on_ready_check(gpointer user_data)
{
    Lg *lg = user_data;
    gint64 now = g_get_monotonic_time();

    if (lg->phase != PHASE_SETUP)
        return G_SOURCE_REMOVE;
    if (!every_subscriber_receives(lg))
        return G_SOURCE_CONTINUE;
    if (lg->setup_timer != NULL) {
        g_source_destroy(lg->setup_timer);
        g_clear_pointer(&lg->setup_timer, g_source_unref);
    }
    /* The set-up's own peak (sign-in hashes, handshakes) is kept apart from the run's. */
    lg->hwm_setup_kb = read_status_kb(lg->sfu_pid, "VmHWM");
    reset_peak_rss(lg->sfu_pid);
    lg->phase = PHASE_WARMUP;
    lg->t0_due_us = now + (gint64)lg->warmup_s * G_USEC_PER_SEC;
    lg->t1_due_us = lg->t0_due_us + (gint64)lg->window_s * G_USEC_PER_SEC;
    g_message("all %u connections up and every subscriber receives; warming up %u s",
              lg->clients->len, lg->warmup_s);
    return G_SOURCE_REMOVE;
}

static void on_peer_state(LgPeer *peer, LgPeerState state, gpointer user_data)
{
    Client *c = user_data;
    Lg *lg = c->lg;

    if (state == LG_PEER_FAILED) {
        g_autofree char *what = g_strdup_printf(
            "%s: %s", c->name, lg_peer_get_failure(peer) ? lg_peer_get_failure(peer) : "failed");

        lg->n_failed++;
        if (lg->first_failure == NULL)
            lg->first_failure = g_strdup_printf(
                "%s at %.1f s of the window", what,
                lg->t0_us != 0 ? (double)(g_get_monotonic_time() - lg->t0_us) / 1e6 : 0.0);
        if (lg->phase == PHASE_SETUP)
            finish(lg, what);
        else
            g_warning("%s", what);
        return;
    }
    if (state != LG_PEER_CONNECTED)
        return;
    lg->n_connected++;
    g_debug("%s: connected with %s", c->name, srtp_profile_to_string(lg_peer_get_profile(peer)));
    if (c->publisher) {
        c->start_us = g_get_monotonic_time();
        if (lg->n_connected == lg->n_publishers)
            start_subscribers(lg);
    }
}

static void on_answered(const GError *error, gpointer user_data)
{
    Client *c = user_data;

    if (error != NULL) {
        g_autofree char *what = g_strdup_printf("%s: answer refused: %s", c->name, error->message);

        finish(c->lg, what);
        return;
    }
    c->answered = TRUE;
}

/* The SFU's offer to subscriber @c: apply it, answer as the DTLS client (a=setup:active). */
static void on_subscriber_offer(const char *sdp, const GError *error, gpointer user_data)
{
    Client *c = user_data;
    Lg *lg = c->lg;
    g_autoptr(GError) local = NULL;
    g_autoptr(SdpDescription) offer = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *what = NULL;
    SdpPrefs prefs;
    SdpTransport t;
    GString *text;

    if (error != NULL) {
        what = g_strdup_printf("%s: subscribe refused: %s", c->name, error->message);
        finish(lg, what);
        return;
    }
    sdp_prefs_init(&prefs);
    prefs.video_codecs[0] = SDP_CODEC_VP8;
    prefs.video_codecs[1] = SDP_CODEC_NONE;
    offer = sdp_parse_offer(sdp, strlen(sdp), &prefs, &local);
    if (offer == NULL || !lg_peer_set_remote_description(c->peer, offer, &local)) {
        what = g_strdup_printf("%s: the SFU's offer: %s", c->name, local->message);
        g_debug("%s", sdp);
        finish(lg, what);
        return;
    }
    lg_peer_get_local_transport(c->peer, &t);
    answer = sdp_write_answer(offer, &t, NULL, c->id, &local);
    if (answer == NULL) {
        what = g_strdup_printf("%s: our answer: %s", c->name, local->message);
        finish(lg, what);
        return;
    }
    text = g_string_new(answer);
    g_string_replace(text, "a=setup:passive", "a=setup:active", 0);
    lg->sig->klass->answer(lg->sig, c->id, text->str, on_answered, c);
    g_string_free(text, TRUE);
}

static void start_subscribers(Lg *lg)
{
    guint i;

    g_message("%u publishers up; subscribing %u connections", lg->n_publishers, lg->n_subscribers);
    for (i = lg->n_publishers; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        lg->sig->klass->subscribe(lg->sig, c->id, c->feeds, c->n_feeds, on_subscriber_offer, c);
    }
    if (lg->n_subscribers == 0)
        on_ready_check(lg);
}

/* The SFU's answer to publisher @c's offer: which ids it kept, then connect. */
static void on_publisher_answer(const char *sdp, const GError *error, gpointer user_data)
{
    Client *c = user_data;
    g_autoptr(GError) local = NULL;
    g_autoptr(SdpDescription) answer = NULL;
    g_autofree char *what = NULL;
    guint k;

    if (error != NULL) {
        what = g_strdup_printf("%s: publish refused: %s", c->name, error->message);
        finish(c->lg, what);
        return;
    }
    answer = sdp_parse_answer(sdp, strlen(sdp), c->offered, LG_N_KINDS, &local);
    if (answer == NULL) {
        what = g_strdup_printf("%s: the SFU's answer: %s", c->name, local->message);
        g_debug("%s", sdp);
        finish(c->lg, what);
        return;
    }
    c->mid_ext = c->level_ext = 0;
    for (k = 0; k < answer->n_media && k < LG_N_KINDS; k++) {
        const SdpMedia *m = &answer->media[k];

        if (!m->accepted) {
            what = g_strdup_printf("%s: the SFU refused our %s", c->name,
                                   k == LG_KIND_AUDIO ? "audio" : "video");
            finish(c->lg, what);
            return;
        }
        c->pt[k] = m->payload_type;
        c->mid_ext = m->ext_ids[SDP_EXT_MID];
        if (k == LG_KIND_AUDIO)
            c->level_ext = m->ext_ids[SDP_EXT_AUDIO_LEVEL];
    }
    if (!lg_peer_set_remote_description(c->peer, answer, &local)) {
        what = g_strdup_printf("%s: %s", c->name, local->message);
        finish(c->lg, what);
    }
}

static void publish(Client *c)
{
    Lg *lg = c->lg;
    g_autoptr(GError) error = NULL;
    g_autofree char *offer = NULL;
    SdpTransport t;
    guint k;

    for (k = 0; k < LG_N_KINDS; k++) {
        SdpOfferMedia *m = &c->offered[k];

        c->ssrc[k] = g_random_int() | 1;
        c->seq[k] = (guint16)g_random_int();
        c->ts_base[k] = g_random_int();
        m->kind = k == LG_KIND_AUDIO ? SDP_MEDIA_AUDIO : SDP_MEDIA_VIDEO;
        m->mid = k == LG_KIND_AUDIO ? "0" : "1";
        m->direction = SDP_DIRECTION_SENDONLY;
        m->codec = k == LG_KIND_AUDIO ? SDP_CODEC_OPUS : SDP_CODEC_VP8;
        m->payload_type = k == LG_KIND_AUDIO ? LG_PT_OPUS : LG_PT_VP8;
        m->feedback = k == LG_KIND_AUDIO ? 0 : SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR;
        m->ext_ids[SDP_EXT_MID] = LG_EXT_MID;
        if (k == LG_KIND_AUDIO)
            m->ext_ids[SDP_EXT_AUDIO_LEVEL] = LG_EXT_LEVEL;
        m->send.ssrc = c->ssrc[k];
        m->send.cname = c->name;
        m->send.stream_id = c->name;
        m->send.track_id = k == LG_KIND_AUDIO ? "audio" : "video";
        c->pt[k] = m->payload_type;
    }
    c->pid_base = (guint16)(g_random_int() & 0x7fff);
    lg_peer_get_local_transport(c->peer, &t);
    offer = sdp_write_offer(c->offered, LG_N_KINDS, &t, c->id, 1, &error);
    if (offer == NULL) {
        g_autofree char *what = g_strdup_printf("%s: our offer: %s", c->name, error->message);

        finish(lg, what);
        return;
    }
    lg->sig->klass->publish(lg->sig, c->id, offer, on_publisher_answer, c);
}

static void publish_all(Lg *lg)
{
    guint i;

    g_message("%u participants joined; publishing", lg->n_joined);
    for (i = 0; i < lg->n_publishers; i++)
        publish(g_ptr_array_index(lg->clients, i));
}

static void on_joined(const GError *error, gpointer user_data)
{
    Client *c = user_data;
    Lg *lg = c->lg;

    if (error != NULL) {
        g_autofree char *what = g_strdup_printf("%s: join refused: %s", c->name, error->message);

        finish(lg, what);
        return;
    }
    if (++lg->n_joined == lg->n_to_join)
        publish_all(lg);
}

/* Everyone joins first (signs in, as people do before a session starts), so that the media's
 * set-up is not stretched by the signaling's own work. */
static void on_signaling_open(const GError *error, gpointer user_data)
{
    Lg *lg = user_data;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    guint i;

    if (error != NULL) {
        g_autofree char *what = g_strdup_printf("signaling: %s", error->message);

        finish(lg, what);
        return;
    }
    if (lg->sig->klass->join == NULL) {
        publish_all(lg);
        return;
    }
    for (i = 0; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        if (g_hash_table_add(seen, &c->id))
            lg->n_to_join++;
    }
    g_hash_table_remove_all(seen);
    for (i = 0; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);

        if (g_hash_table_add(seen, &c->id))
            lg->sig->klass->join(lg->sig, c->id, on_joined, c);
    }
}

static Client *add_client(Lg *lg, guint64 id, gboolean publisher, GError **error)
{
    Client *c = g_new0(Client, 1);

    c->lg = lg;
    c->id = id;
    c->publisher = publisher;
    c->name = g_strdup_printf("%s%" G_GUINT64_FORMAT, publisher ? "pub" : "sub", id);
    c->own_ssrc = g_random_int() | 1;
    c->peer = lg_peer_new(lg->ctx, lg->ice, lg->identity, lg->profile, c->name, on_peer_state,
                          publisher ? NULL : on_rtp, c, error);
    g_ptr_array_add(lg->clients, c);
    return c->peer != NULL ? c : NULL;
}

static void client_free(gpointer data)
{
    Client *c = data;

    g_clear_pointer(&c->peer, lg_peer_free);
    g_free(c->name);
    g_free(c);
}

/* "1toN" or "NxN". */
static gboolean build_topology(Lg *lg, GError **error)
{
    guint64 a = 0, b = 0;
    char *end = NULL;
    guint i, j;

    a = g_ascii_strtoull(lg->topology, &end, 10);
    if (end != NULL && g_str_has_prefix(end, "to")) {
        b = g_ascii_strtoull(end + 2, &end, 10);
        if (a != 1 || b == 0 || b > 256 || *end != '\0')
            goto bad;
        lg->n_publishers = 1;
        lg->n_subscribers = (guint)b;
        if (add_client(lg, 1, TRUE, error) == NULL)
            return FALSE;
        for (i = 0; i < b; i++) {
            Client *c = add_client(lg, 2 + i, FALSE, error);

            if (c == NULL)
                return FALSE;
            c->feeds[0] = 1;
            c->n_feeds = 1;
        }
        ((Client *)g_ptr_array_index(lg->clients, 0))->n_subscribers = (guint)b;
        return TRUE;
    }
    if (end != NULL && *end == 'x') {
        b = g_ascii_strtoull(end + 1, &end, 10);
        if (a != b || a < 2 || a > LG_MAX_FEEDS || *end != '\0')
            goto bad;
        lg->n_publishers = lg->n_subscribers = (guint)a;
        for (i = 0; i < a; i++) {
            Client *c = add_client(lg, 1 + i, TRUE, error);

            if (c == NULL)
                return FALSE;
            c->n_subscribers = (guint)a - 1;
        }
        for (i = 0; i < a; i++) {
            Client *c = add_client(lg, 1 + i, FALSE, error);

            if (c == NULL)
                return FALSE;
            for (j = 0; j < a; j++) {
                if (j != i)
                    c->feeds[c->n_feeds++] = 1 + j;
            }
        }
        return TRUE;
    }
bad:
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "topology \"%s\": 1toN (one publisher, N subscribers) or NxN (N sites, each "
                "receiving the others), N up to %d for NxN",
                lg->topology, LG_MAX_FEEDS);
    return FALSE;
}

/* ---- the result ---- */

static double tv_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void print_result(Lg *lg)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;
    guint64 sent = 0, expected = 0, received = 0, rx_bad = 0, hwm_kb, rss_kb;
    double cpu_us = 0, self_cpu = 0, per_packet = 0, delivery = 0, kb_per_sub = 0;
    guint i;

    for (i = 0; i < lg->clients->len; i++) {
        Client *c = g_ptr_array_index(lg->clients, i);
        const LgPeerStats *s = lg_peer_get_stats(c->peer);

        if (c->publisher) {
            sent += s->tx_rtp - c->sent_t0;
            expected += (s->tx_rtp - c->sent_t0) * c->n_subscribers;
        } else {
            received += s->rx_rtp - c->received_t0;
            rx_bad += s->rx_bad;
        }
    }
    hwm_kb = read_status_kb(lg->sfu_pid, "VmHWM");
    rss_kb = read_status_kb(lg->sfu_pid, "VmRSS");
    if (lg->cpu_t1 > lg->cpu_t0)
        cpu_us = (double)(lg->cpu_t1 - lg->cpu_t0) * 1e6 / (double)sysconf(_SC_CLK_TCK);
    self_cpu = tv_s(&lg->self_t1.ru_utime) + tv_s(&lg->self_t1.ru_stime) -
               tv_s(&lg->self_t0.ru_utime) - tv_s(&lg->self_t0.ru_stime);
    if (received > 0)
        per_packet = cpu_us / (double)received;
    if (expected > 0)
        delivery = (double)received / (double)expected;
    if (lg->n_subscribers > 0 && hwm_kb > lg->rss_baseline_kb)
        kb_per_sub = (double)(hwm_kb - lg->rss_baseline_kb) / lg->n_subscribers;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "sfu");
    json_builder_add_string_value(b, lg->sfu_name);
    json_builder_set_member_name(b, "topology");
    json_builder_add_string_value(b, lg->topology);
    json_builder_set_member_name(b, "profile");
    json_builder_add_string_value(b, srtp_profile_to_string(lg->profile));
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, lg->failure == NULL);
    if (lg->failure != NULL) {
        json_builder_set_member_name(b, "failure");
        json_builder_add_string_value(b, lg->failure);
    }
    json_builder_set_member_name(b, "connections_failed");
    json_builder_add_int_value(b, lg->n_failed);
    if (lg->first_failure != NULL) {
        json_builder_set_member_name(b, "first_connection_failure");
        json_builder_add_string_value(b, lg->first_failure);
    }
    json_builder_set_member_name(b, "publishers");
    json_builder_add_int_value(b, lg->n_publishers);
    json_builder_set_member_name(b, "subscribers");
    json_builder_add_int_value(b, lg->n_subscribers);
    json_builder_set_member_name(b, "stream_pps");
    json_builder_add_double_value(b, lg_stream_get_packet_rate(lg->stream));
    json_builder_set_member_name(b, "window_s");
    json_builder_add_double_value(b, (double)(lg->t1_us - lg->t0_us) / 1e6);
    json_builder_set_member_name(b, "cpu_window_s");
    json_builder_add_double_value(b, (double)(lg->t2_us - lg->t0_us) / 1e6);
    json_builder_set_member_name(b, "sent");
    json_builder_add_int_value(b, (gint64)sent);
    json_builder_set_member_name(b, "expected");
    json_builder_add_int_value(b, (gint64)expected);
    json_builder_set_member_name(b, "received");
    json_builder_add_int_value(b, (gint64)received);
    json_builder_set_member_name(b, "rx_bad");
    json_builder_add_int_value(b, (gint64)rx_bad);
    json_builder_set_member_name(b, "delivery");
    json_builder_add_double_value(b, delivery);
    json_builder_set_member_name(b, "sfu_cpu_us");
    json_builder_add_double_value(b, cpu_us);
    json_builder_set_member_name(b, "cpu_us_per_packet");
    json_builder_add_double_value(b, per_packet);
    json_builder_set_member_name(b, "rss_baseline_kb");
    json_builder_add_int_value(b, (gint64)lg->rss_baseline_kb);
    json_builder_set_member_name(b, "rss_end_kb");
    json_builder_add_int_value(b, (gint64)rss_kb);
    json_builder_set_member_name(b, "hwm_setup_kb");
    json_builder_add_int_value(b, (gint64)lg->hwm_setup_kb);
    json_builder_set_member_name(b, "hwm_kb");
    json_builder_add_int_value(b, (gint64)hwm_kb);
    json_builder_set_member_name(b, "kb_per_subscriber");
    json_builder_add_double_value(b, kb_per_sub);
    json_builder_set_member_name(b, "kb_per_connection");
    json_builder_add_double_value(b, lg->clients->len > 0 && hwm_kb > lg->rss_baseline_kb
                                         ? (double)(hwm_kb - lg->rss_baseline_kb) / lg->clients->len
                                         : 0);
    json_builder_set_member_name(b, "loadgen_cpu_s");
    json_builder_add_double_value(b, self_cpu);
    json_builder_set_member_name(b, "late_ticks");
    json_builder_add_int_value(b, (gint64)lg->late_ticks);
    json_builder_set_member_name(b, "max_tick_gap_ms");
    json_builder_add_double_value(b, (double)lg->max_gap_us / 1000);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = json_to_string(root, FALSE);
    printf("%s\n", text);
    fflush(stdout);
}

/* ---- --summarize: medians side by side ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(GArray *v)
{
    if (v->len == 0)
        return 0;
    g_array_sort(v, cmp_double);
    if (v->len % 2 == 1)
        return g_array_index(v, double, v->len / 2);
    return (g_array_index(v, double, v->len / 2 - 1) + g_array_index(v, double, v->len / 2)) / 2;
}

typedef struct {
    GArray *per_packet, *delivery, *kb, *pps;
    guint failed;                /* set-up failed: nothing measured */
    guint broken;                /* connections lost in the window: delivery only */
    gint64 sfu_drops, gen_drops; /* datagrams dropped by full socket buffers, all runs */
} Series;

static void series_free(gpointer data)
{
    Series *s = data;

    g_array_unref(s->per_packet);
    g_array_unref(s->delivery);
    g_array_unref(s->kb);
    g_array_unref(s->pps);
    g_free(s);
}

static Series *series_get(GHashTable *all, const char *key)
{
    Series *s = g_hash_table_lookup(all, key);

    if (s == NULL) {
        s = g_new0(Series, 1);
        s->per_packet = g_array_new(FALSE, FALSE, sizeof(double));
        s->delivery = g_array_new(FALSE, FALSE, sizeof(double));
        s->kb = g_array_new(FALSE, FALSE, sizeof(double));
        s->pps = g_array_new(FALSE, FALSE, sizeof(double));
        g_hash_table_insert(all, g_strdup(key), s);
    }
    return s;
}

static double min_of(GArray *v)
{
    double m = v->len > 0 ? g_array_index(v, double, 0) : 0;
    guint i;

    for (i = 1; i < v->len; i++)
        m = MIN(m, g_array_index(v, double, i));
    return m;
}

static int summarize(const char *path)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GHashTable) all = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, series_free);
    g_autoptr(GPtrArray) topologies = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) sfus = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *profile = NULL;
    guint i, k;

    if (!g_file_get_contents(path, &text, NULL, &error)) {
        fprintf(stderr, "loadgen: %s\n", error->message);
        return 2;
    }
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i] != NULL; i++) {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autofree char *key = NULL;
        JsonObject *o;
        const char *topo, *sfu;
        Series *s;
        double v;

        if (lines[i][0] != '{' || !json_parser_load_from_data(parser, lines[i], -1, NULL))
            continue;
        o = json_node_get_object(json_parser_get_root(parser));
        topo = json_object_get_string_member_with_default(o, "topology", "?");
        sfu = json_object_get_string_member_with_default(o, "sfu", "?");
        if (profile == NULL && json_object_has_member(o, "profile"))
            profile = g_strdup(json_object_get_string_member(o, "profile"));
        key = g_strdup_printf("%s %s", sfu, topo);
        s = series_get(all, key);
        if (!g_ptr_array_find_with_equal_func(topologies, topo, g_str_equal, NULL))
            g_ptr_array_add(topologies, g_strdup(topo));
        if (!g_ptr_array_find_with_equal_func(sfus, sfu, g_str_equal, NULL))
            g_ptr_array_add(sfus, g_strdup(sfu));
        if (!json_object_get_boolean_member_with_default(o, "ok", FALSE)) {
            s->failed++;
            continue;
        }
        s->sfu_drops += json_object_get_int_member_with_default(o, "udp_rcvbuf_drops_sfu", 0);
        s->gen_drops += json_object_get_int_member_with_default(o, "udp_rcvbuf_drops_gen", 0);
        v = json_object_get_double_member_with_default(o, "delivery", 0);
        g_array_append_val(s->delivery, v);
        v = json_object_get_double_member_with_default(o, "received", 0) /
            MAX(json_object_get_double_member_with_default(o, "window_s", 1), 1e-3);
        g_array_append_val(s->pps, v);
        /* A connection lost during the window leaves the SFU idle: its delivery counts, its
         * CPU per packet and memory would say nothing. */
        if (json_object_get_int_member_with_default(o, "connections_failed", 0) > 0) {
            s->broken++;
            continue;
        }
        v = json_object_get_double_member_with_default(o, "cpu_us_per_packet", 0);
        g_array_append_val(s->per_packet, v);
        v = json_object_get_double_member_with_default(o, "kb_per_subscriber", 0);
        g_array_append_val(s->kb, v);
    }

    printf("SFU process CPU per packet received by all subscribers, %s: medians of the runs\n",
           profile != NULL ? profile : "?");
    printf("%-8s %-16s %10s %8s %10s %10s %8s %5s %7s %7s %10s\n", "topology", "sfu", "us/packet",
           "x janus", "delivery", "worst", "KB/sub", "runs", "broken", "failed", "drops s/g");
    for (i = 0; i < topologies->len; i++) {
        const char *topo = g_ptr_array_index(topologies, i);
        g_autofree char *kj = g_strdup_printf("janus %s", topo);
        Series *j = g_hash_table_lookup(all, kj);
        double mj = j != NULL ? median(j->per_packet) : 0;

        for (k = 0; k < sfus->len; k++) {
            const char *sfu = g_ptr_array_index(sfus, k);
            g_autofree char *key = g_strdup_printf("%s %s", sfu, topo);
            Series *s = g_hash_table_lookup(all, key);
            double m;
            char ratio[32] = "-", drops[48];

            if (s == NULL)
                continue;
            m = median(s->per_packet);
            if (m > 0 && mj > 0)
                g_snprintf(ratio, sizeof(ratio), "%.2f", m / mj);
            g_snprintf(drops, sizeof(drops), "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, s->sfu_drops,
                       s->gen_drops);
            printf("%-8s %-16s %10.2f %8s %9.3f%% %9.3f%% %8.0f %5u %7u %7u %10s\n", topo, sfu, m,
                   ratio, 100 * median(s->delivery), 100 * min_of(s->delivery), median(s->kb),
                   s->delivery->len, s->broken, s->failed, drops);
        }
    }
    printf(
        "x janus: CPU per packet as a fraction of Janus's in the same runs (target: at most "
        "0.25).\nKB/sub: the run's peak RSS over the idle RSS, per receiving connection "
        "(target: under 1024).\nbroken: runs that lost a connection in the window, left out of "
        "us/packet and KB/sub;\nfailed: runs whose set-up "
        "failed. delivery: median and worst of the runs that measured.\ndrops s/g: UDP datagrams "
        "dropped by full socket buffers in the SFU's / the load generator's namespace, all "
        "runs.\n");
    return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    g_autofree char *sfu = NULL, *url = NULL, *address = NULL, *profile = NULL;
    g_autofree char *audio = NULL, *video = NULL, *topology = NULL, *summary = NULL;
    g_autofree char *users = NULL, *password = NULL, *label = NULL;
    gint sfu_pid = 0, warmup = 3, window = 20, setup_timeout = 40;
    gint64 meeting = 0;
    GOptionEntry entries[] = {
        {"sfu", 0, 0, G_OPTION_ARG_STRING, &sfu, "janus or phonghop", "NAME"},
        {"url", 0, 0, G_OPTION_ARG_STRING, &url,
         "signaling: ws://... (Janus, loadgen-sfu), "
         "http://... (phonghop's daemon)",
         "URL"},
        {"address", 0, 0, G_OPTION_ARG_STRING, &address, "our media address", "IP"},
        {"topology", 0, 0, G_OPTION_ARG_STRING, &topology, "1toN or NxN (1to8)", "T"},
        {"profile", 0, 0, G_OPTION_ARG_STRING, &profile, "SRTP profile: gcm or cm (gcm)", "P"},
        {"audio", 0, 0, G_OPTION_ARG_FILENAME, &audio, "Opus RTP, rtpstreampay framing", "FILE"},
        {"video", 0, 0, G_OPTION_ARG_FILENAME, &video, "VP8 RTP, rtpstreampay framing", "FILE"},
        {"sfu-pid", 0, 0, G_OPTION_ARG_INT, &sfu_pid, "the SFU process to measure", "PID"},
        {"warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "seconds before the window (3)", "S"},
        {"window", 0, 0, G_OPTION_ARG_INT, &window, "seconds measured (20)", "S"},
        {"setup-timeout", 0, 0, G_OPTION_ARG_INT, &setup_timeout, "seconds (40)", "S"},
        {"meeting", 0, 0, G_OPTION_ARG_INT64, &meeting, "phonghop's daemon: the meeting", "ID"},
        {"users", 0, 0, G_OPTION_ARG_STRING, &users, "phonghop's daemon: sign-ins", "U1,U2,..."},
        {"password", 0, 0, G_OPTION_ARG_STRING, &password, "their password", "P"},
        {"label", 0, 0, G_OPTION_ARG_STRING, &label, "the name in the results (--sfu)", "NAME"},
        {"summarize", 0, 0, G_OPTION_ARG_FILENAME, &summary, "print medians of results", "FILE"},
        {NULL},
    };
    g_autoptr(GOptionContext) options = g_option_context_new("- SFU load generator");
    g_autoptr(GError) error = NULL;
    GSource *check;
    Lg lg = {0};

    g_option_context_add_main_entries(options, entries, NULL);
    if (!g_option_context_parse(options, &argc, &argv, &error)) {
        fprintf(stderr, "loadgen: %s\n", error->message);
        return 2;
    }
    if (summary != NULL)
        return summarize(summary);
    if (sfu == NULL || url == NULL || address == NULL || audio == NULL || video == NULL) {
        fprintf(stderr, "loadgen: --sfu, --url, --address, --audio and --video are needed\n");
        return 2;
    }
    if (g_str_equal(sfu, "janus")) {
        lg.sig = lg_janus_new(url);
    } else if (g_str_equal(sfu, "phonghop") && g_str_has_prefix(url, "http")) {
        g_auto(GStrv) names = g_strsplit(users != NULL ? users : "", ",", -1);

        if (meeting <= 0 || users == NULL) {
            fprintf(stderr, "loadgen: phonghop's daemon needs --meeting and --users\n");
            return 2;
        }
        lg.sig = lg_daemon_new(url, meeting, (const char *const *)names,
                               password != NULL ? password : "phonghop-demo");
    } else if (g_str_equal(sfu, "phonghop")) {
        lg.sig = lg_phonghop_new(url);
    } else {
        fprintf(stderr, "loadgen: --sfu is janus or phonghop\n");
        return 2;
    }
    lg.profile = profile == NULL || g_str_equal(profile, "gcm") ? SRTP_PROFILE_AEAD_AES_128_GCM
                 : g_str_equal(profile, "cm")                   ? SRTP_PROFILE_AES128_CM_SHA1_80
                                                                : 0;
    if (lg.profile == 0) {
        fprintf(stderr, "loadgen: --profile is gcm (AEAD_AES_128_GCM) or cm "
                        "(AES128_CM_HMAC_SHA1_80)\n");
        return 2;
    }
    lg.sfu_name = g_strdup(label != NULL ? label : sfu);
    lg.topology = g_strdup(topology != NULL ? topology : "1to8");
    lg.sfu_pid = sfu_pid;
    lg.warmup_s = (guint)CLAMP(warmup, 0, 600);
    lg.window_s = (guint)CLAMP(window, 1, 3600);
    lg.setup_timeout_s = (guint)CLAMP(setup_timeout, 1, 600);
    reset_peak_rss(sfu_pid);
    lg.rss_baseline_kb = read_status_kb(sfu_pid, "VmRSS");

    lg.ctx = g_main_context_new();
    g_main_context_push_thread_default(lg.ctx);
    lg.loop = g_main_loop_new(lg.ctx, FALSE);
    lg.clients = g_ptr_array_new_with_free_func(client_free);
    lg.stream = lg_stream_load(audio, video, &error);
    lg.ice = media_ice_config_new();
    if (lg.stream == NULL || !media_ice_config_add_address(lg.ice, address, &error) ||
        (lg.identity = dtls_identity_new(&error)) == NULL || !build_topology(&lg, &error)) {
        fprintf(stderr, "loadgen: %s\n", error->message);
        return 2;
    }

    lg.setup_timer = g_timeout_source_new_seconds(lg.setup_timeout_s);
    g_source_set_callback(lg.setup_timer, on_setup_timeout, &lg, NULL);
    g_source_attach(lg.setup_timer, lg.ctx);
    lg.pacer = g_timeout_source_new(LG_PACER_MS);
    g_source_set_priority(lg.pacer, G_PRIORITY_HIGH);
    g_source_set_callback(lg.pacer, on_pacer, &lg, NULL);
    g_source_attach(lg.pacer, lg.ctx);
    lg.rtcp_timer = g_timeout_source_new(LG_RTCP_MS);
    g_source_set_callback(lg.rtcp_timer, on_rtcp_timer, &lg, NULL);
    g_source_attach(lg.rtcp_timer, lg.ctx);
    check = g_timeout_source_new(50);
    g_source_set_callback(check, on_ready_check, &lg, NULL);
    g_source_attach(check, lg.ctx);
    g_source_unref(check);

    g_message("%s %s, %s, %.0f packets/s per publisher", lg.sfu_name, lg.topology,
              srtp_profile_to_string(lg.profile), lg_stream_get_packet_rate(lg.stream));
    lg.sig->klass->open(lg.sig, lg.n_publishers, on_signaling_open, &lg);
    g_main_loop_run(lg.loop);

    if (lg.failure != NULL)
        fprintf(stderr, "loadgen: %s\n", lg.failure);
    print_result(&lg);

    g_source_destroy(lg.pacer);
    g_source_unref(lg.pacer);
    g_source_destroy(lg.rtcp_timer);
    g_source_unref(lg.rtcp_timer);
    if (lg.setup_timer != NULL) {
        g_source_destroy(lg.setup_timer);
        g_source_unref(lg.setup_timer);
    }
    if (lg.phase_timer != NULL) {
        g_source_destroy(lg.phase_timer);
        g_source_unref(lg.phase_timer);
    }
    g_ptr_array_unref(lg.clients);
    lg_signaling_free(lg.sig);
    /* Let the close_notify and the signaling's last words go out. */
    while (g_main_context_iteration(lg.ctx, FALSE))
        ;
    lg_stream_free(lg.stream);
    media_ice_config_unref(lg.ice);
    dtls_identity_unref(lg.identity);
    g_main_loop_unref(lg.loop);
    g_main_context_pop_thread_default(lg.ctx);
    g_main_context_unref(lg.ctx);
    g_free(lg.failure);
    g_free(lg.first_failure);
    g_free(lg.sfu_name);
    g_free(lg.topology);
    return lg.exit_code;
}
