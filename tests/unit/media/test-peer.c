/* test-peer.c: two MediaPeers on loopback, each on its own GMainContext, negotiated through the
 * SDP module: full ICE (one controlling, one controlled), DTLS-SRTP (one client, one server),
 * SRTP both ways, the dead-peer and connect timeouts, close, and the ICE configuration
 * (media/transport/peer.c, ice.c, sdp/sdp.c). Only 127.0.0.1 is used. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <glib.h>

#include "media.h"
#include "sdp/sdp.h"
#include "transport/dtls.h"
#include "transport/ice.h"
#include "transport/peer.h"

static DtlsIdentity *id_server, *id_client, *id_other;

typedef struct {
    GMainContext *ctx;
    MediaPeer *peer;
    gboolean iterate; /* FALSE: the peer's context is no longer run (a frozen client) */
    guint n_rtp, n_rtcp;
    guint8 last[PEER_MAX_PACKET];
    gsize last_len;
    guint8 last_pt;
    PeerState state;
    gint64 dead_at;
    gboolean free_in_rtp; /* peer_free() from inside the rtp callback */
    guint events_after_free;
    gboolean freed;
} Side;

static void on_rtp(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data)
{
    Side *s = user_data;

    g_assert_true(peer == s->peer);
    g_assert_cmpuint((guintptr)data & 3, ==, 0); /* aligned, for libsrtp and the router */
    if (s->freed)
        s->events_after_free++;
    s->n_rtp++;
    memcpy(s->last, data, len);
    s->last_len = len;
    s->last_pt = data[1] & 0x7f;
    if (s->free_in_rtp && !s->freed) {
        peer_free(peer);
        s->freed = TRUE;
    }
}

static void on_rtcp(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data)
{
    Side *s = user_data;

    if (s->freed)
        s->events_after_free++;
    s->n_rtcp++;
    memcpy(s->last, data, len);
    s->last_len = len;
}

static void on_state(MediaPeer *peer, PeerState state, gpointer user_data)
{
    Side *s = user_data;

    if (s->freed)
        s->events_after_free++;
    s->state = state;
    if (state == PEER_STATE_DEAD)
        s->dead_at = g_get_monotonic_time();
}

static const PeerEvents events = {.rtp = on_rtp, .rtcp = on_rtcp, .state_changed = on_state};

static MediaIceConfig *loopback_config(guint connect_ms, guint dead_ms)
{
    g_autoptr(GError) error = NULL;
    MediaIceConfig *config = media_ice_config_new();

    g_assert_true(media_ice_config_add_address(config, "127.0.0.1", &error));
    g_assert_true(media_ice_config_set_timeouts(config, connect_ms, dead_ms, &error));
    g_assert_no_error(error);
    return config;
}

static void side_init(Side *s, MediaIceConfig *config, DtlsIdentity *id, const char *name)
{
    g_autoptr(GError) error = NULL;

    memset(s, 0, sizeof(*s));
    s->ctx = g_main_context_new();
    s->iterate = TRUE;
    s->peer = peer_new(s->ctx, config, id, name, &events, s, &error);
    g_assert_no_error(error);
    g_assert_nonnull(s->peer);
    g_assert_cmpint(peer_get_state(s->peer), ==, PEER_STATE_NEW);
}

static void side_clear(Side *s)
{
    if (!s->freed)
        g_clear_pointer(&s->peer, peer_free);
    /* Run what is left (a deferred free) before the context goes. */
    while (g_main_context_iteration(s->ctx, FALSE))
        ;
    g_main_context_unref(s->ctx);
}

typedef gboolean (*Condition)(Side *a, Side *b);

/* Runs both contexts (those still iterated) until @cond or @timeout_ms. */
static gboolean run_until(Side *a, Side *b, Condition cond, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (!cond(a, b)) {
        gboolean any = FALSE;

        if (g_get_monotonic_time() > end)
            return FALSE;
        if (a->iterate)
            any |= g_main_context_iteration(a->ctx, FALSE);
        if (b->iterate)
            any |= g_main_context_iteration(b->ctx, FALSE);
        if (!any)
            g_usleep(500);
    }
    return TRUE;
}

static gboolean both_connected(Side *a, Side *b)
{
    return a->state == PEER_STATE_CONNECTED && b->state == PEER_STATE_CONNECTED;
}

static gboolean a_dead(Side *a, Side *b)
{
    return a->state == PEER_STATE_DEAD;
}

static gboolean b_dead(Side *a, Side *b)
{
    return b->state == PEER_STATE_DEAD;
}

static const SdpOfferMedia offered[1] = {{
    .kind = SDP_MEDIA_AUDIO,
    .mid = "0",
    .direction = SDP_DIRECTION_SENDRECV,
    .codec = SDP_CODEC_OPUS,
    .payload_type = 111,
    .ext_ids = {[SDP_EXT_MID] = 1},
    .send = {.ssrc = 0x0b0b0b0b, .cname = "client", .stream_id = "s", .track_id = "t"},
}};

/* @b offers (as a browser would), @a answers, both apply what they got. @tamper may change the
 * offer before @a reads it. */
static void negotiate(Side *a, Side *b, const char *(*tamper)(const char *offer))
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) remote_offer = NULL;
    g_autoptr(SdpDescription) remote_answer = NULL;
    g_autofree char *offer = NULL;
    g_autofree char *answer = NULL;
    const char *text;
    SdpTransport t;

    peer_get_local_transport(b->peer, &t);
    offer = sdp_write_offer(offered, 1, &t, 1, 1, &error);
    g_assert_no_error(error);
    text = tamper != NULL ? tamper(offer) : offer;
    remote_offer = sdp_parse_offer(text, strlen(text), NULL, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(a->peer, remote_offer, &error));
    g_assert_no_error(error);
    g_assert_cmpint(peer_get_state(a->peer), ==, PEER_STATE_CONNECTING);

    peer_get_local_transport(a->peer, &t);
    answer = sdp_write_answer(remote_offer, &t, NULL, 2, &error);
    g_assert_no_error(error);
    remote_answer = sdp_parse_answer(answer, strlen(answer), offered, 1, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(b->peer, remote_answer, &error));
    g_assert_no_error(error);
}

static void connect_pair(Side *a, Side *b, MediaIceConfig *config)
{
    side_init(a, config, id_server, "server");
    side_init(b, config, id_client, "client");
    negotiate(a, b, NULL);
    g_assert_true(run_until(a, b, both_connected, 5000));
}

/* A plain RTP packet: version 2, @pt, @seq, a payload of @n bytes of @fill. */
static gsize make_rtp(guint8 *buf, guint8 pt, guint16 seq, guint32 ssrc, gsize n, guint8 fill)
{
    buf[0] = 0x80;
    buf[1] = pt;
    buf[2] = (guint8)(seq >> 8);
    buf[3] = (guint8)seq;
    memset(buf + 4, 0, 4);
    buf[8] = (guint8)(ssrc >> 24);
    buf[9] = (guint8)(ssrc >> 16);
    buf[10] = (guint8)(ssrc >> 8);
    buf[11] = (guint8)ssrc;
    memset(buf + 12, fill, n);
    return 12 + n;
}

static gboolean b_got_rtp(Side *a, Side *b)
{
    return b->n_rtp > 0;
}

static gboolean a_got_3_rtp(Side *a, Side *b)
{
    return a->n_rtp >= 3;
}

static gboolean a_got_rtcp(Side *a, Side *b)
{
    return a->n_rtcp > 0;
}

static void test_connect_and_exchange(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 5000);
    static const guint8 rr[8] = {0x80, 201, 0x00, 0x01, 0x0b, 0x0b, 0x0b, 0x0b};
    guint32 words[(PEER_MAX_PACKET + 64) / 4];
    guint8 *aligned = (guint8 *)words;
    guint8 pkt[PEER_MAX_PACKET + 8];
    PeerStats stats;
    Side a, b;
    gsize len;
    guint i;

    side_init(&a, config, id_server, "server");
    side_init(&b, config, id_client, "client");
    len = make_rtp(pkt, 111, 1, 0x0b0b0b0b, 100, 0xab);
    g_assert_cmpint(peer_send_rtp(b.peer, pkt, len), ==, -ENOTCONN);
    negotiate(&a, &b, NULL);
    g_assert_true(run_until(&a, &b, both_connected, 5000));
    /* Two phonghop peers agree on AES-GCM, the cheap profile (srtp.c). */
    g_assert_cmpint(peer_get_srtp_profile(a.peer), ==, SRTP_PROFILE_AEAD_AES_128_GCM);
    g_assert_cmpint(peer_get_srtp_profile(b.peer), ==, SRTP_PROFILE_AEAD_AES_128_GCM);

    /* Client to server: decrypted in place, byte for byte what was sent. */
    for (i = 0; i < 3; i++) {
        len = make_rtp(pkt, 111, (guint16)(1 + i), 0x0b0b0b0b, 100, (guint8)(0xa0 + i));
        g_assert_cmpint(peer_send_rtp(b.peer, pkt, len), ==, 0);
    }
    g_assert_true(run_until(&a, &b, a_got_3_rtp, 3000));
    g_assert_cmpuint(a.last_len, ==, len);
    g_assert_cmpmem(a.last, a.last_len, pkt, len);
    g_assert_cmpuint(a.last_pt, ==, 111);

    /* RTCP too. */
    g_assert_cmpint(peer_send_rtcp(b.peer, rr, sizeof(rr)), ==, 0);
    g_assert_true(run_until(&a, &b, a_got_rtcp, 3000));
    g_assert_cmpmem(a.last, a.last_len, rr, sizeof(rr));

    /* Server to client, from a buffer protected in place (the router's way). */
    len = make_rtp(aligned, 96, 7, 0x0a0a0a0a, 1000, 0x5a);
    memcpy(pkt, aligned, len);
    g_assert_cmpint(peer_send_rtp_in_place(a.peer, aligned, len, sizeof(words)), ==, 0);
    g_assert_true(run_until(&a, &b, b_got_rtp, 3000));
    g_assert_cmpmem(b.last, b.last_len, pkt, len);

    /* What the send functions refuse. */
    len = make_rtp(pkt, 111, 9, 0x0b0b0b0b, PEER_MAX_PACKET - 11, 0);
    g_assert_cmpint(peer_send_rtp(b.peer, pkt, len), ==, -EMSGSIZE);
    g_assert_cmpint(peer_send_rtp(b.peer, rr, sizeof(rr)), ==, -EINVAL);
    g_assert_cmpint(peer_send_rtcp(b.peer, pkt, 100), ==, -EINVAL);
    len = make_rtp(aligned, 96, 8, 0x0a0a0a0a, 100, 0);
    g_assert_cmpint(peer_send_rtp_in_place(a.peer, aligned, len, len), ==, -ENOSPC);
    g_assert_cmpint(peer_send_rtp_in_place(a.peer, aligned + 1, len, 200), ==, -EINVAL);

    peer_get_stats(a.peer, &stats);
    g_assert_cmpuint(stats.rx_rtp, ==, 3);
    g_assert_cmpuint(stats.rx_rtcp, >=, 1);
    g_assert_cmpuint(stats.rx_dtls, >, 0);
    g_assert_cmpuint(stats.rx_auth_failed, ==, 0);
    g_assert_cmpuint(stats.tx_rtp, ==, 1);
    g_assert_cmpuint(stats.tx_errors, ==, 1); /* the -ENOSPC one */
    side_clear(&a);
    side_clear(&b);
}

static gboolean a_dead_and_b_connected(Side *a, Side *b)
{
    return a->state == PEER_STATE_DEAD;
}

/* A client that stops answering (its context is no longer run: nothing is read, sent or
 * answered) is reported dead within the dead-peer time. */
static void test_dead_timeout(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 600);
    guint8 pkt[200];
    gint64 frozen_at;
    Side a, b;
    gsize len;

    connect_pair(&a, &b, config);
    len = make_rtp(pkt, 111, 1, 0x0b0b0b0b, 50, 1);
    g_assert_cmpint(peer_send_rtp(b.peer, pkt, len), ==, 0);
    g_assert_true(run_until(&a, &b, a_got_3_rtp, 300) || a.n_rtp > 0);
    b.iterate = FALSE;
    frozen_at = g_get_monotonic_time();
    g_assert_true(run_until(&a, &b, a_dead_and_b_connected, 3000));
    g_assert_cmpint(peer_get_dead_reason(a.peer), ==, PEER_DEAD_TIMEOUT);
    /* Within the time, plus one tick (a quarter of it). */
    g_assert_cmpint(a.dead_at - frozen_at, <=, (600 + 150 + 50) * 1000);
    g_assert_cmpint(a.dead_at - frozen_at, >=, 300 * 1000);
    g_assert_cmpint(peer_send_rtp(a.peer, pkt, len), ==, -ENOTCONN);
    side_clear(&a);
    side_clear(&b);
}

/* ICE never completes: the other side is never run. */
static void test_connect_timeout(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(700, 5000);
    gint64 start;
    Side a, b;

    side_init(&a, config, id_server, "server");
    side_init(&b, config, id_client, "client");
    negotiate(&a, &b, NULL);
    b.iterate = FALSE;
    start = g_get_monotonic_time();
    g_assert_true(run_until(&a, &b, a_dead, 3000));
    g_assert_cmpint(peer_get_dead_reason(a.peer), ==, PEER_DEAD_CONNECT_TIMEOUT);
    g_assert_cmpint(a.dead_at - start, <=, (700 + 175 + 100) * 1000);
    side_clear(&a);
    side_clear(&b);
}

/* A peer nobody gives a description to dies too (the client left during signaling). */
static void test_connect_timeout_without_description(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(300, 5000);
    Side a, b;

    side_init(&a, config, id_server, "server");
    side_init(&b, config, id_client, "client");
    g_assert_true(run_until(&a, &b, a_dead, 2000));
    g_assert_cmpint(peer_get_dead_reason(a.peer), ==, PEER_DEAD_CONNECT_TIMEOUT);
    side_clear(&a);
    side_clear(&b);
}

static void test_close(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 5000);
    Side a, b;

    connect_pair(&a, &b, config);
    peer_close(a.peer);
    g_assert_cmpint(a.state, ==, PEER_STATE_DEAD);
    g_assert_cmpint(peer_get_dead_reason(a.peer), ==, PEER_DEAD_CLOSED);
    /* close_notify reaches the client at once; it does not wait for a timeout. */
    g_assert_true(run_until(&a, &b, b_dead, 2000));
    g_assert_cmpint(peer_get_dead_reason(b.peer), ==, PEER_DEAD_CLOSED);
    side_clear(&a);
    side_clear(&b);
}

static gboolean a_freed_and_idle(Side *a, Side *b)
{
    return a->freed && !g_main_context_pending(a->ctx);
}

/* peer_free() from inside the rtp callback: deferred to an idle source, nothing after. */
static void test_free_inside_callback(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 5000);
    guint8 pkt[200];
    Side a, b;
    gsize len;
    guint i;

    connect_pair(&a, &b, config);
    a.free_in_rtp = TRUE;
    for (i = 0; i < 5; i++) {
        len = make_rtp(pkt, 111, (guint16)(10 + i), 0x0b0b0b0b, 50, 1);
        g_assert_cmpint(peer_send_rtp(b.peer, pkt, len), ==, 0);
    }
    g_assert_true(run_until(&a, &b, a_freed_and_idle, 3000));
    g_assert_cmpuint(a.n_rtp, ==, 1);
    g_assert_cmpuint(a.events_after_free, ==, 0);
    side_clear(&a);
    side_clear(&b);
}

static const char *other_fingerprint(const char *offer)
{
    static char *tampered;
    const char *fp = dtls_identity_get_fingerprint(id_client);
    const char *other = dtls_identity_get_fingerprint(id_other);
    g_auto(GStrv) parts = g_strsplit(offer, fp, -1);

    g_free(tampered);
    tampered = g_strjoinv(other, parts);
    return tampered;
}

/* The client's certificate is not the one its SDP names: DTLS fails, no keys (RFC 5763 §5). */
static void test_wrong_fingerprint(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 5000);
    guint8 pkt[200];
    Side a, b;

    side_init(&a, config, id_server, "server");
    side_init(&b, config, id_client, "client");
    negotiate(&a, &b, other_fingerprint);
    g_assert_true(run_until(&a, &b, a_dead, 5000));
    g_assert_cmpint(peer_get_dead_reason(a.peer), ==, PEER_DEAD_DTLS_FAILED);
    g_assert_cmpint(peer_get_srtp_profile(a.peer), ==, 0);
    g_assert_cmpint(peer_send_rtp(a.peer, pkt, make_rtp(pkt, 111, 1, 1, 10, 0)), ==, -ENOTCONN);
    side_clear(&a);
    side_clear(&b);
}

static void test_renegotiation_and_candidates(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 5000);
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) again = NULL;
    g_autofree char *offer = NULL;
    g_autofree char *restarted = NULL;
    SdpTransport t;
    Side a, b;

    side_init(&a, config, id_server, "server");
    side_init(&b, config, id_client, "client");
    g_assert_false(peer_add_remote_candidate(
        a.peer, "candidate:1 1 udp 2130706431 127.0.0.1 9999 typ host", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE);
    g_clear_error(&error);

    negotiate(&a, &b, NULL);
    /* Trickled candidates: garbage is an error; mDNS, TCP and RTCP ones are skipped. */
    g_assert_false(peer_add_remote_candidate(a.peer, "candidate:garbage", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CANDIDATE);
    g_clear_error(&error);
    g_assert_false(peer_add_remote_candidate(a.peer, "a=foo:1 1 udp 1 1.2.3.4 5 typ host", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CANDIDATE);
    g_clear_error(&error);
    g_assert_true(peer_add_remote_candidate(
        a.peer,
        "candidate:1 1 udp 2122262783 4d3c2b1a-0000-4000-8000-000000000001.local 5000 typ host",
        &error));
    g_assert_true(peer_add_remote_candidate(
        a.peer, "a=candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active", &error));
    g_assert_true(peer_add_remote_candidate(
        a.peer, "candidate:4 2 udp 2130706430 127.0.0.1 5001 typ host", &error));
    g_assert_no_error(error);

    /* The same description again (a renegotiation that keeps the transport) is fine... */
    peer_get_local_transport(b.peer, &t);
    offer = sdp_write_offer(offered, 1, &t, 1, 2, &error);
    again = sdp_parse_offer(offer, strlen(offer), NULL, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(a.peer, again, &error));
    g_assert_no_error(error);
    /* ...a new fingerprint (a new DTLS association) is not. */
    again->fingerprint[0] = again->fingerprint[0] == 'A' ? 'B' : 'A';
    g_assert_false(peer_set_remote_description(a.peer, again, &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE);
    g_assert_true(run_until(&a, &b, both_connected, 5000));
    side_clear(&a);
    side_clear(&b);
}

/* Runs both contexts for @ms, each side sending one RTP packet every 40 ms when @media (as a
 * live call does), and returns how many packets each side got meanwhile. */
static void run_for(Side *a, Side *b, guint ms, gboolean media)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
    gint64 next_send = 0;
    guint8 pkt[200];
    guint16 seq = 100;

    while (g_get_monotonic_time() < end) {
        gboolean any = FALSE;

        if (media && g_get_monotonic_time() >= next_send) {
            gsize len = make_rtp(pkt, 111, seq++, 0x0b0b0b0b, 100, 0x11);

            /* -ENOTCONN is no failure here: the state is asserted by the caller. */
            peer_send_rtp(b->peer, pkt, len);
            peer_send_rtp(a->peer, pkt, len);
            next_send = g_get_monotonic_time() + 40000;
        }
        any |= g_main_context_iteration(a->ctx, FALSE);
        any |= g_main_context_iteration(b->ctx, FALSE);
        if (!any)
            g_usleep(500);
    }
}

static gboolean both_restarted(Side *a, Side *b)
{
    PeerStats sa, sb;

    peer_get_stats(a->peer, &sa);
    peer_get_stats(b->peer, &sb);
    return sa.ice_restarts == 1 && sb.ice_restarts == 1;
}

/* RFC 8445 §9: the client restarts ICE (new credentials in a new offer); the server restarts
 * too and answers with new credentials and its candidates. A new pair is selected, media goes
 * on with the same DTLS association and SRTP keys (no new handshake), and the dead-peer time
 * does not kill either side while the restart is still waiting for its answer. */
static void test_ice_restart(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 600);
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) remote_offer = NULL;
    g_autoptr(SdpDescription) remote_answer = NULL;
    g_autofree char *offer = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *a_ufrag = NULL;
    g_autofree char *b_ufrag = NULL;
    g_autofree char *line = NULL;
    PeerStats a0, b0, a1, b1;
    SrtpProfile profile;
    SdpTransport t;
    Side a, b;
    guint a_rtp, b_rtp;

    connect_pair(&a, &b, config);
    profile = peer_get_srtp_profile(a.peer);
    run_for(&a, &b, 300, TRUE);
    g_assert_cmpint(a.state, ==, PEER_STATE_CONNECTED);
    g_assert_cmpint(b.state, ==, PEER_STATE_CONNECTED);
    g_assert_cmpuint(a.n_rtp, >, 0);
    g_assert_cmpuint(b.n_rtp, >, 0);
    peer_get_stats(a.peer, &a0);
    peer_get_stats(b.peer, &b0);
    g_assert_cmpuint(a0.ice_restarts, ==, 0);
    peer_get_local_transport(a.peer, &t);
    a_ufrag = g_strdup(t.ice_ufrag);
    peer_get_local_transport(b.peer, &t);
    b_ufrag = g_strdup(t.ice_ufrag);

    /* The client restarts: new credentials of its own, in a new offer. */
    g_assert_true(peer_restart_ice(b.peer, &error));
    g_assert_no_error(error);
    peer_get_local_transport(b.peer, &t);
    g_assert_cmpstr(t.ice_ufrag, !=, b_ufrag);
    offer = sdp_write_offer(offered, 1, &t, 1, 2, &error);
    g_assert_no_error(error);
    remote_offer = sdp_parse_offer(offer, strlen(offer), NULL, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(a.peer, remote_offer, &error));
    g_assert_no_error(error);

    /* The server's answer carries its new credentials and candidates. */
    peer_get_local_transport(a.peer, &t);
    g_assert_cmpstr(t.ice_ufrag, !=, a_ufrag);
    answer = sdp_write_answer(remote_offer, &t, NULL, 2, &error);
    g_assert_no_error(error);
    line = g_strdup_printf("a=ice-ufrag:%s\r\n", t.ice_ufrag);
    g_assert_nonnull(strstr(answer, line));
    g_assert_nonnull(strstr(answer, "a=candidate:"));
    g_assert_null(strstr(answer, a_ufrag));

    /* The answer is late and nothing is sent meanwhile, for longer than the dead-peer time:
     * neither side dies while its restart runs. */
    run_for(&a, &b, 1000, FALSE);
    g_assert_cmpint(a.state, ==, PEER_STATE_CONNECTED);
    g_assert_cmpint(b.state, ==, PEER_STATE_CONNECTED);

    remote_answer = sdp_parse_answer(answer, strlen(answer), offered, 1, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(b.peer, remote_answer, &error));
    g_assert_no_error(error);
    g_assert_true(run_until(&a, &b, both_restarted, 3000));

    /* Media flows both ways again, longer than the dead-peer time. */
    a_rtp = a.n_rtp;
    b_rtp = b.n_rtp;
    run_for(&a, &b, 1200, TRUE);
    g_assert_cmpint(a.state, ==, PEER_STATE_CONNECTED);
    g_assert_cmpint(b.state, ==, PEER_STATE_CONNECTED);
    g_assert_cmpuint(a.n_rtp, >, a_rtp + 10);
    g_assert_cmpuint(b.n_rtp, >, b_rtp + 10);

    /* Same DTLS association, same SRTP keys: no DTLS record since, nothing failed to decrypt. */
    peer_get_stats(a.peer, &a1);
    peer_get_stats(b.peer, &b1);
    g_assert_cmpuint(a1.rx_dtls, ==, a0.rx_dtls);
    g_assert_cmpuint(b1.rx_dtls, ==, b0.rx_dtls);
    g_assert_cmpuint(a1.rx_auth_failed, ==, 0);
    g_assert_cmpuint(b1.rx_auth_failed, ==, 0);
    g_assert_cmpuint(a1.ice_restarts, ==, 1);
    g_assert_cmpuint(b1.ice_restarts, ==, 1);
    g_assert_cmpint(peer_get_srtp_profile(a.peer), ==, profile);

    /* Without the restart's answer the dead-peer time applies again as usual: a silent peer
     * after a completed restart is still found dead. */
    run_for(&a, &b, 1500, FALSE);
    g_assert_cmpint(a.state, ==, PEER_STATE_DEAD);
    g_assert_cmpint(peer_get_dead_reason(a.peer), ==, PEER_DEAD_TIMEOUT);
    side_clear(&a);
    side_clear(&b);
}

/* An answer to our restart must bring new credentials (RFC 8839 §4.4.1.1.2); a restart before
 * any remote description has nothing to restart. */
static void test_ice_restart_refused(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 5000);
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) stale = NULL;
    g_autofree char *answer = NULL;
    SdpTransport t;
    Side a, b;

    side_init(&a, config, id_server, "server");
    side_init(&b, config, id_client, "client");
    g_assert_false(peer_restart_ice(a.peer, &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE);
    g_clear_error(&error);
    negotiate(&a, &b, NULL);
    g_assert_true(run_until(&a, &b, both_connected, 5000));

    /* b restarts, but the "answer" it gets still has a's old credentials. */
    peer_get_local_transport(a.peer, &t);
    {
        g_autoptr(SdpDescription) offer_again = NULL;
        g_autofree char *offer = NULL;
        SdpTransport bt;

        peer_get_local_transport(b.peer, &bt);
        offer = sdp_write_offer(offered, 1, &bt, 1, 1, &error);
        offer_again = sdp_parse_offer(offer, strlen(offer), NULL, &error);
        g_assert_no_error(error);
        answer = sdp_write_answer(offer_again, &t, NULL, 2, &error);
        g_assert_no_error(error);
    }
    g_assert_true(peer_restart_ice(b.peer, &error));
    stale = sdp_parse_answer(answer, strlen(answer), offered, 1, &error);
    g_assert_no_error(error);
    g_assert_false(peer_set_remote_description(b.peer, stale, &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE);
    side_clear(&a);
    side_clear(&b);
}

/* ---- ICE restart through the room (media-session.c) ---- */

#define RESTART_MEETING    7
#define RESTART_PUBLISHER  1
#define RESTART_SUBSCRIBER 2

typedef struct {
    char *answer;
    char *failure;
    guint downs; /* peer_state(up = FALSE) events */
    guint ups;
} Signaling;

static void on_publish_answer(gpointer user_data, const char *sdp, const GError *error)
{
    Signaling *sig = user_data;

    if (sdp == NULL)
        sig->failure = g_strdup(error != NULL ? error->message : "no answer");
    else
        sig->answer = g_strdup(sdp);
}

static void on_room_peer_state(gpointer user_data, gint64 meeting_id, guint64 id, gboolean up)
{
    Signaling *sig = user_data;

    if (up)
        sig->ups++;
    else
        sig->downs++;
}

/* Runs the client's and the engine's contexts until @done or @timeout_ms; with @media the
 * client sends one RTP packet every 20 ms. */
static gboolean run_client(Side *c, GMainContext *main_ctx, gboolean (*done)(gpointer),
                           gpointer data, gboolean media, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gint64 next_send = 0;
    static guint16 seq = 1000;
    guint8 pkt[200];

    while (done == NULL || !done(data)) {
        gboolean any = FALSE;

        if (g_get_monotonic_time() > end)
            return done == NULL;
        if (media && g_get_monotonic_time() >= next_send) {
            peer_send_rtp(c->peer, pkt, make_rtp(pkt, 111, seq++, 0x0b0b0b0b, 100, 0x22));
            next_send = g_get_monotonic_time() + 20000;
        }
        any |= g_main_context_iteration(c->ctx, FALSE);
        any |= g_main_context_iteration(main_ctx, FALSE);
        if (!any)
            g_usleep(500);
    }
    return TRUE;
}

static gboolean have_answer(gpointer data)
{
    Signaling *sig = data;

    return sig->answer != NULL || sig->failure != NULL;
}

static gboolean side_connected(gpointer data)
{
    return ((Side *)data)->state == PEER_STATE_CONNECTED;
}

static gboolean side_restarted(gpointer data)
{
    PeerStats stats;

    peer_get_stats(((Side *)data)->peer, &stats);
    return stats.ice_restarts == 1;
}

/* Publishes @c's offer (written from its current transport) and applies the answer. */
static char *publish(Side *c, GMainContext *main_ctx, MediaRoom *room, Signaling *sig,
                     guint version)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) answer = NULL;
    g_autofree char *offer = NULL;
    SdpTransport t;

    peer_get_local_transport(c->peer, &t);
    offer = sdp_write_offer(offered, 1, &t, 1, version, &error);
    g_assert_no_error(error);
    g_clear_pointer(&sig->answer, g_free);
    g_assert_true(
        media_room_publish(room, RESTART_PUBLISHER, offer, on_publish_answer, sig, &error));
    g_assert_no_error(error);
    g_assert_true(run_client(c, main_ctx, have_answer, sig, FALSE, 5000));
    g_assert_null(sig->failure);
    answer = sdp_parse_answer(sig->answer, strlen(sig->answer), offered, 1, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(c->peer, answer, &error));
    g_assert_no_error(error);
    return g_strdup(answer->ice_ufrag);
}

static guint64 room_rx_packets(Side *c, GMainContext *main_ctx, MediaRoom *room)
{
    MediaRoomCounters counters;

    /* The counters come with the room's statistics report (every 100 ms here). */
    run_client(c, main_ctx, NULL, NULL, FALSE, 300);
    media_room_get_counters(room, &counters);
    return counters.rx_packets;
}

/* A publishing client restarts ICE through media_room_publish(): its new offer has new ICE
 * credentials and the same fingerprint. The answer carries new credentials of the server's, the
 * connection is the same (no peer down, no new DTLS handshake) and the room goes on receiving
 * its media. */
static void test_ice_restart_through_room(void)
{
    static const MediaEngineListener listener = {.version = MEDIA_ENGINE_LISTENER_VERSION,
                                                 .peer_state = on_room_peer_state};
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 3000);
    g_autoptr(GError) error = NULL;
    g_autofree char *ufrag1 = NULL;
    g_autofree char *ufrag2 = NULL;
    GMainContext *main_ctx = g_main_context_new();
    MediaEngineConfig engine_config = {0};
    MediaEngine *engine;
    MediaRoom *room;
    Signaling sig = {0};
    PeerStats before, after;
    guint64 rx1, rx2, rx3;
    Side c;

    /* Replies come to the caller's thread-default context, events to the engine's. */
    g_main_context_push_thread_default(main_ctx);
    engine_config.n_workers = 1;
    engine_config.ice = config;
    engine_config.stats_interval_ms = 100;
    engine = media_engine_new(main_ctx, &engine_config, &error);
    g_assert_no_error(error);
    media_engine_add_listener(engine, &listener, &sig, NULL);
    room = media_engine_ensure_room(engine, RESTART_MEETING, &error);
    g_assert_no_error(error);
    g_assert_true(
        media_room_add_participant(room, RESTART_PUBLISHER, "chủ tọa", MEDIA_ROLE_CHAIR, &error));
    side_init(&c, config, id_client, "client");

    ufrag1 = publish(&c, main_ctx, room, &sig, 1);
    g_assert_true(run_client(&c, main_ctx, side_connected, &c, FALSE, 5000));
    run_client(&c, main_ctx, NULL, NULL, TRUE, 300);
    rx1 = room_rx_packets(&c, main_ctx, room);
    g_assert_cmpuint(rx1, >, 0);
    peer_get_stats(c.peer, &before);

    g_assert_true(peer_restart_ice(c.peer, &error));
    g_assert_no_error(error);
    ufrag2 = publish(&c, main_ctx, room, &sig, 2);
    g_assert_cmpstr(ufrag2, !=, ufrag1);
    g_assert_true(run_client(&c, main_ctx, side_restarted, &c, FALSE, 5000));

    rx2 = room_rx_packets(&c, main_ctx, room);
    run_client(&c, main_ctx, NULL, NULL, TRUE, 500);
    rx3 = room_rx_packets(&c, main_ctx, room);
    g_assert_cmpuint(rx3, >, rx2 + 10);
    g_assert_cmpint(c.state, ==, PEER_STATE_CONNECTED);
    peer_get_stats(c.peer, &after);
    g_assert_cmpuint(after.rx_dtls, ==, before.rx_dtls);
    g_assert_cmpuint(sig.downs, ==, 0);
    g_assert_cmpuint(sig.ups, ==, 1);

    side_clear(&c);
    media_room_destroy(room);
    media_engine_free(engine);
    while (g_main_context_iteration(main_ctx, FALSE))
        ;
    g_main_context_pop_thread_default(main_ctx);
    g_main_context_unref(main_ctx);
    g_free(sig.answer);
    g_free(sig.failure);
}

/* Both clients' contexts and the engine's, until @done or @timeout_ms; @pub sends one RTP
 * packet every 20 ms. */
static gboolean run_both(Side *pub, Side *sub, GMainContext *main_ctx, gboolean (*done)(gpointer),
                         gpointer data, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gint64 next_send = 0;
    static guint16 seq = 3000;
    guint8 pkt[200];

    while (done == NULL || !done(data)) {
        gboolean any = FALSE;

        if (g_get_monotonic_time() > end)
            return done == NULL;
        if (g_get_monotonic_time() >= next_send) {
            peer_send_rtp(pub->peer, pkt, make_rtp(pkt, 111, seq++, 0x0b0b0b0b, 100, 0x33));
            next_send = g_get_monotonic_time() + 20000;
        }
        any |= g_main_context_iteration(pub->ctx, FALSE);
        any |= g_main_context_iteration(sub->ctx, FALSE);
        any |= g_main_context_iteration(main_ctx, FALSE);
        if (!any)
            g_usleep(500);
    }
    return TRUE;
}

/* media_room_answer() replies with neither SDP nor error once the answer is applied. */
static void on_answer_applied(gpointer user_data, const char *sdp, const GError *error)
{
    Signaling *sig = user_data;

    if (error != NULL || sdp != NULL)
        sig->failure = g_strdup(error != NULL ? error->message : "an SDP reply to an answer");
}

/* The receiving client applies our offer and answers it through media_room_answer(). */
static void answer_offer(Side *pub, Side *sub, GMainContext *main_ctx, MediaRoom *room,
                         Signaling *sig)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) offer = NULL;
    g_autofree char *answer = NULL;
    SdpTransport t;

    g_assert_true(run_both(pub, sub, main_ctx, have_answer, sig, 5000));
    g_assert_cmpstr(sig->failure, ==, NULL);
    offer = sdp_parse_offer(sig->answer, strlen(sig->answer), NULL, &error);
    g_assert_no_error(error);
    g_assert_true(peer_set_remote_description(sub->peer, offer, &error));
    g_assert_no_error(error);
    peer_get_local_transport(sub->peer, &t);
    answer = sdp_write_answer(offer, &t, NULL, 9, &error);
    g_assert_no_error(error);
    g_clear_pointer(&sig->answer, g_free);
    g_assert_true(
        media_room_answer(room, RESTART_SUBSCRIBER, answer, on_answer_applied, sig, &error));
    g_assert_no_error(error);
}

static gboolean sub_got_rtp(gpointer data)
{
    return ((Side *)data)->n_rtp > 20;
}

/* The server restarts ICE on a receiving connection (media_room_restart_ice()): its new offer
 * has new credentials, the client answers with new ones of its own, and the forwarded media
 * goes on with the same DTLS association. */
static void test_ice_restart_receiving(void)
{
    g_autoptr(MediaIceConfig) config = loopback_config(5000, 3000);
    g_autoptr(GError) error = NULL;
    GMainContext *main_ctx = g_main_context_new();
    MediaEngineConfig engine_config = {0};
    const guint64 publishers[] = {RESTART_PUBLISHER};
    MediaEngine *engine;
    MediaRoom *room;
    Signaling sig = {0};
    PeerStats before, after;
    Side pub, sub;

    g_main_context_push_thread_default(main_ctx);
    engine_config.n_workers = 1;
    engine_config.ice = config;
    engine = media_engine_new(main_ctx, &engine_config, &error);
    g_assert_no_error(error);
    room = media_engine_ensure_room(engine, RESTART_MEETING, &error);
    g_assert_no_error(error);
    g_assert_true(
        media_room_add_participant(room, RESTART_PUBLISHER, "chủ tọa", MEDIA_ROLE_CHAIR, &error));
    g_assert_true(media_room_add_participant(room, RESTART_SUBSCRIBER, "đại biểu",
                                             MEDIA_ROLE_MEMBER, &error));
    side_init(&pub, config, id_client, "publisher");
    side_init(&sub, config, id_other, "receiver");

    /* Nothing to restart before it receives. */
    g_assert_true(
        media_room_restart_ice(room, RESTART_SUBSCRIBER, on_publish_answer, &sig, &error));
    g_assert_true(run_client(&pub, main_ctx, have_answer, &sig, FALSE, 5000));
    g_assert_nonnull(sig.failure);
    g_clear_pointer(&sig.failure, g_free);

    g_free(publish(&pub, main_ctx, room, &sig, 1));
    g_assert_true(run_client(&pub, main_ctx, side_connected, &pub, FALSE, 5000));
    run_client(&pub, main_ctx, NULL, NULL, TRUE, 300);
    g_clear_pointer(&sig.answer, g_free);
    g_assert_true(media_room_subscribe(room, RESTART_SUBSCRIBER, publishers, 1, on_publish_answer,
                                       &sig, &error));
    g_assert_no_error(error);
    answer_offer(&pub, &sub, main_ctx, room, &sig);
    g_assert_true(run_both(&pub, &sub, main_ctx, sub_got_rtp, &sub, 5000));
    peer_get_stats(sub.peer, &before);

    /* The restart: our new offer, the client's answer. */
    g_clear_pointer(&sig.answer, g_free);
    g_assert_true(
        media_room_restart_ice(room, RESTART_SUBSCRIBER, on_publish_answer, &sig, &error));
    g_assert_no_error(error);
    answer_offer(&pub, &sub, main_ctx, room, &sig);
    g_assert_true(run_both(&pub, &sub, main_ctx, side_restarted, &sub, 5000));
    sub.n_rtp = 0;
    g_assert_true(run_both(&pub, &sub, main_ctx, sub_got_rtp, &sub, 5000));
    peer_get_stats(sub.peer, &after);
    g_assert_cmpuint(after.ice_restarts, ==, 1);
    g_assert_cmpuint(after.rx_dtls, ==, before.rx_dtls);
    g_assert_cmpuint(after.rx_auth_failed, ==, 0);
    g_assert_cmpint(sub.state, ==, PEER_STATE_CONNECTED);

    side_clear(&pub);
    side_clear(&sub);
    media_room_destroy(room);
    media_engine_free(engine);
    while (g_main_context_iteration(main_ctx, FALSE))
        ;
    g_main_context_pop_thread_default(main_ctx);
    g_main_context_unref(main_ctx);
    g_free(sig.answer);
    g_free(sig.failure);
}

/* ---- configuration ---- */

static void test_config_validation(void)
{
    g_autoptr(MediaIceConfig) c = media_ice_config_new();
    GError *error = NULL;

    g_assert_true(media_ice_config_add_address(c, "192.0.2.10", &error));
    g_assert_true(media_ice_config_add_address(c, "2001:db8::1", &error));
    g_assert_true(media_ice_config_add_address(c, "eth0", &error));
    g_assert_no_error(error);
    g_assert_false(media_ice_config_add_address(c, "not an address!", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);

    g_assert_true(media_ice_config_set_public_ipv4(c, "198.51.100.7", &error));
    g_assert_false(media_ice_config_set_public_ipv4(c, "2001:db8::1", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);
    g_assert_false(media_ice_config_set_public_ipv4(c, "127.0.0.1", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);

    g_assert_true(media_ice_config_set_port_range(c, 40000, 40099, &error));
    g_assert_true(media_ice_config_set_port_range(c, 0, 0, &error));
    g_assert_false(media_ice_config_set_port_range(c, 50000, 40000, &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);
    g_assert_false(media_ice_config_set_port_range(c, 1, 70000, &error));
    g_clear_error(&error);

    g_assert_false(media_ice_config_set_timeouts(c, 50, 1000, &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);

    g_assert_true(media_ice_config_add_turn_server(c, "turn:turn.example.org:3478?transport=udp",
                                                   "u", "p", &error));
    g_assert_true(
        media_ice_config_add_turn_server(c, "turns:[2001:db8::5]:5349", NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(media_ice_config_add_turn_server(c, "stun:stun.example.org", "u", "p", &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);
    g_assert_false(media_ice_config_add_turn_server(c, "turn:x?transport=sctp", "u", "p", &error));
    g_clear_error(&error);
    g_assert_false(media_ice_config_add_turn_server(c, "turn:x", "u", NULL, &error));
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG);
    g_clear_error(&error);
}

static void test_ice_servers_json(void)
{
    g_autoptr(MediaIceConfig) c = media_ice_config_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *none = media_ice_config_dup_ice_servers_json(c, "7", 0);
    g_autofree char *json = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *credential = NULL;
    g_autoptr(GHmac) hmac = NULL;
    guint8 digest[20];
    gsize digest_len = sizeof(digest);

    g_assert_cmpstr(none, ==, "[]");
    g_assert_true(media_ice_config_add_turn_server(c, "turn:turn.example.org:3478", "st\"atic",
                                                   "pa\\ss", &error));
    g_assert_true(
        media_ice_config_add_turn_server(c, "turns:turn.example.org:5349", NULL, NULL, &error));
    g_assert_true(media_ice_config_set_turn_secret(c, "s3cret", 3600, &error));
    g_assert_no_error(error);
    json = media_ice_config_dup_ice_servers_json(c, "member-7", 1700000000);
    /* coturn use-auth-secret: username "<expiry>:<user>", base64(HMAC-SHA1(secret, username)). */
    hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)"s3cret", 6);
    g_hmac_update(hmac, (const guchar *)"1700003600:member-7", -1);
    g_hmac_get_digest(hmac, digest, &digest_len);
    credential = g_base64_encode(digest, digest_len);
    expected = g_strdup_printf("[{\"urls\":[\"turn:turn.example.org:3478\"],\"username\":"
                               "\"st\\\"atic\",\"credential\":\"pa\\\\ss\"},"
                               "{\"urls\":[\"turns:turn.example.org:5349\"],\"username\":"
                               "\"1700003600:member-7\",\"credential\":\"%s\"}]",
                               credential);
    g_assert_cmpstr(json, ==, expected);
}

static gboolean first_private_ipv4(char *out, gsize size)
{
    struct ifaddrs *ifs = NULL, *ifa;
    gboolean found = FALSE;

    if (getifaddrs(&ifs) != 0)
        return FALSE;
    for (ifa = ifs; ifa != NULL && !found; ifa = ifa->ifa_next) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ifa->ifa_addr;

        if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET ||
            (ntohl(sin->sin_addr.s_addr) >> 24) == 127)
            continue;
        found = inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)size) != NULL;
    }
    freeifaddrs(ifs);
    return found;
}

/* Loopback only when configured; the port range; the 1:1 NAT twin of a private host
 * candidate, with loopback never given one. */
static void test_local_candidates(void)
{
    g_autoptr(MediaIceConfig) c = media_ice_config_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(MediaPeer) peer = NULL;
    char addr[64];
    SdpTransport t;
    guint i, n_host = 0, n_nat = 0;

    g_assert_true(media_ice_config_add_address(c, "127.0.0.1", &error));
    g_assert_true(media_ice_config_set_port_range(c, 42100, 42109, &error));
    g_assert_true(media_ice_config_set_public_ipv4(c, "198.51.100.7", &error));
    if (first_private_ipv4(addr, sizeof(addr)))
        g_assert_true(media_ice_config_add_address(c, addr, &error));
    else
        addr[0] = '\0';
    peer = peer_new(ctx, c, id_server, "candidates", NULL, NULL, &error);
    g_assert_no_error(error);
    peer_get_local_transport(peer, &t);
    g_assert_true(ice_is_valid_ufrag(t.ice_ufrag));
    g_assert_true(ice_is_valid_pwd(t.ice_pwd));
    g_assert_cmpstr(t.fingerprint, ==, dtls_identity_get_fingerprint(id_server));
    g_assert_true(t.end_of_candidates);
    for (i = 0; t.candidates[i] != NULL; i++) {
        g_auto(GStrv) f = g_strsplit(t.candidates[i], " ", -1);
        guint64 port = g_ascii_strtoull(f[5], NULL, 10);

        g_test_message("%s", t.candidates[i]);
        g_assert_true(g_str_has_prefix(f[0], "candidate:"));
        g_assert_cmpstr(f[1], ==, "1");
        g_assert_cmpstr(f[2], ==, "udp");
        g_assert_cmpuint(port, >=, 42100);
        g_assert_cmpuint(port, <=, 42109);
        if (g_str_equal(f[7], "host")) {
            n_host++;
            g_assert_true(g_str_equal(f[4], "127.0.0.1") || g_str_equal(f[4], addr));
        } else {
            n_nat++;
            g_assert_cmpstr(f[7], ==, "srflx");
            g_assert_cmpstr(f[4], ==, "198.51.100.7");
            g_assert_cmpstr(f[9], ==, addr); /* raddr: the private address */
        }
    }
    g_assert_cmpuint(n_host, ==, addr[0] ? 2 : 1);
    g_assert_cmpuint(n_nat, ==, addr[0] ? 1 : 0);
}

static void test_no_address(void)
{
    g_autoptr(MediaIceConfig) c = media_ice_config_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(MediaPeer) peer = NULL;

    g_assert_true(media_ice_config_add_address(c, "nosuchif0", &error));
    peer = peer_new(ctx, c, id_server, "nowhere", NULL, NULL, &error);
    g_assert_null(peer);
    g_assert_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_ADDRESS);
}

static void test_interface_name(void)
{
    g_autoptr(MediaIceConfig) c = media_ice_config_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(MediaPeer) peer = NULL;
    SdpTransport t;
    gboolean loopback = FALSE;
    guint i;

    g_assert_true(media_ice_config_add_address(c, "lo", &error));
    peer = peer_new(ctx, c, id_server, "lo", NULL, NULL, &error);
    g_assert_no_error(error);
    peer_get_local_transport(peer, &t);
    for (i = 0; t.candidates[i] != NULL; i++)
        loopback = loopback || strstr(t.candidates[i], " 127.0.0.1 ") != NULL;
    g_assert_true(loopback);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    id_server = dtls_identity_new(&error);
    id_client = dtls_identity_new(&error);
    id_other = dtls_identity_new(&error);
    g_assert_no_error(error);

    g_test_add_func("/peer/connect-and-exchange", test_connect_and_exchange);
    g_test_add_func("/peer/dead-timeout", test_dead_timeout);
    g_test_add_func("/peer/connect-timeout", test_connect_timeout);
    g_test_add_func("/peer/connect-timeout-without-description",
                    test_connect_timeout_without_description);
    g_test_add_func("/peer/close", test_close);
    g_test_add_func("/peer/free-inside-callback", test_free_inside_callback);
    g_test_add_func("/peer/wrong-fingerprint", test_wrong_fingerprint);
    g_test_add_func("/peer/renegotiation-and-candidates", test_renegotiation_and_candidates);
    g_test_add_func("/peer/ice-restart", test_ice_restart);
    g_test_add_func("/peer/ice-restart-refused", test_ice_restart_refused);
    g_test_add_func("/peer/ice-restart-through-room", test_ice_restart_through_room);
    g_test_add_func("/peer/ice-restart-receiving", test_ice_restart_receiving);
    g_test_add_func("/ice/config-validation", test_config_validation);
    g_test_add_func("/ice/ice-servers-json", test_ice_servers_json);
    g_test_add_func("/ice/local-candidates", test_local_candidates);
    g_test_add_func("/ice/no-address", test_no_address);
    g_test_add_func("/ice/interface-name", test_interface_name);
    ret = g_test_run();
    dtls_identity_unref(id_server);
    dtls_identity_unref(id_client);
    dtls_identity_unref(id_other);
    return ret;
}
