/* peer.c: a peer connection: ICE, DTLS-SRTP and SRTP on one worker context.
 *
 * Design: everything a peer does happens on its media worker's GMainContext, so the packet path
 * takes no lock: libnice reads the socket from a source on that context and calls us with each
 * datagram; timers (DTLS retransmission, connect and dead-peer timeouts) are sources attached
 * to the same context, never to the global one.
 *
 * One 5-tuple carries STUN, DTLS, SRTP and SRTCP (RFC 7983 §7; BUNDLE, RFC 8843; rtcp-mux,
 * RFC 5761): libnice keeps STUN for itself, and media_datagram_classify() sorts the rest by
 * first octet. DTLS goes to the endpoint; the handshake runs in the role the SDP chose
 * (RFC 5763 §5, RFC 8842 §5.3: we answer setup:passive, so we are usually the server; a client
 * starts once ICE has a working pair). When the endpoint is CONNECTED, the peer's certificate
 * having matched its SDP fingerprint, the keys of RFC 5764 §4.2 make the two SRTP sessions and
 * the exported key material is wiped. SRTP and SRTCP are copied from libnice's buffer into the
 * peer's 4-byte aligned receive buffer (libsrtp's need), unprotected in place and handed over;
 * outgoing packets are copied into the send buffer, protected and sent: decrypt once per
 * publisher packet, encrypt once per receiver, no allocation either way.
 *
 * Liveness: libnice runs consent freshness (RFC 7675): when the peer stops answering consent
 * checks for 30 s (§5.1) the component fails and the peer is dead (CONSENT_LOST). That is long
 * for a meeting, so the peer also times the traffic it authenticates: a connected peer from
 * which no SRTP, SRTCP or DTLS has come for the configured dead-peer time is dead (TIMEOUT).
 * Browsers send RTCP receiver reports at least every few seconds on every active transceiver
 * (RFC 3550 §6.2, RFC 4585 §3.4), so a timeout of 10 s or more never hits a live one. A peer
 * not connected within the connect time (from creation, then again from the remote
 * description) is dead too (CONNECT_TIMEOUT): a client that left during signaling, or a path
 * ICE cannot find (RFC 8445 §8.1 leaves the overall limit to the application).
 *
 * ICE restarts (RFC 8445 §9) renew only ICE: a remote description with new ice-ufrag/ice-pwd,
 * or peer_restart_ice() before an offer of ours, restarts the libnice stream with new local
 * credentials, and the peer's new credentials and candidates start the checks again. The DTLS
 * endpoint and the SRTP sessions are untouched (RFC 8842 §4: the association changes only with
 * the fingerprint), so SRTP packets go on decrypting with the same keys, over the old pair
 * until libnice selects the new one. Until then, and until the peer's first packet after it
 * (our side may be done before the peer has our answer), the dead-peer time does not apply (a
 * client that moved network may be silent); the connect time, counted from the restart, does.
 *
 * Destruction follows the owner's call stack: peer_free() from inside one of the peer's
 * callbacks only marks the peer and frees it from an idle source on its context, since libnice
 * or the DTLS endpoint is still below us on the stack.
 */
#include "transport/peer.h"

#include <errno.h>
#include <string.h>

#include "transport/ice.h"

#define PEER_TICK_MIN_MS 20
#define PEER_TICK_MAX_MS 1000

struct _MediaPeer {
    GMainContext *context;
    MediaIceConfig *config;
    DtlsIdentity *identity;
    char *name;
    PeerEvents events;
    gpointer user_data;

    IceTransport *ice;
    DtlsEndpoint *dtls; /* from the remote description on */
    SrtpSession *srtp_in;
    SrtpSession *srtp_out;
    SrtpProfile profile;

    PeerState state;
    PeerDeadReason dead_reason;
    gboolean remote_set;
    gboolean ice_connected;
    gboolean ice_restarting;    /* from the restart until its new pair is selected */
    gboolean restart_grace;     /* then until the peer's first packet over it */
    gboolean local_restart;     /* peer_restart_ice(): the peer's answer brings its credentials */
    gint64 restart_deadline_us; /* the restart's own connect time */
    char remote_ufrag[SDP_MAX_ICE_LEN + 1];
    char remote_pwd[SDP_MAX_ICE_LEN + 1];
    char remote_fingerprint[SDP_MAX_FINGERPRINT + 1];

    gint64 connect_deadline_us;
    gint64 last_rx_us;
    GSource *tick;       /* connect and dead-peer timeouts */
    GSource *dtls_timer; /* DTLS retransmission */
    GSource *free_idle;  /* deferred peer_free() */
    guint depth;         /* > 0 while the owner's callbacks run */
    gboolean free_requested;

    PeerStats stats;
    guint32 rx_buf[PEER_MAX_PACKET / 4];
    guint32 tx_buf[(PEER_MAX_PACKET + SRTP_SESSION_MAX_OVERHEAD) / 4];
};

const char *peer_state_to_string(PeerState state)
{
    switch (state) {
    case PEER_STATE_NEW:
        return "new";
    case PEER_STATE_CONNECTING:
        return "connecting";
    case PEER_STATE_CONNECTED:
        return "connected";
    case PEER_STATE_DEAD:
        return "dead";
    }
    return "?";
}

const char *peer_dead_reason_to_string(PeerDeadReason reason)
{
    switch (reason) {
    case PEER_DEAD_NONE:
        return "none";
    case PEER_DEAD_ICE_FAILED:
        return "ICE failed";
    case PEER_DEAD_CONSENT_LOST:
        return "consent lost";
    case PEER_DEAD_TIMEOUT:
        return "nothing received";
    case PEER_DEAD_CONNECT_TIMEOUT:
        return "not connected in time";
    case PEER_DEAD_DTLS_FAILED:
        return "DTLS failed";
    case PEER_DEAD_CLOSED:
        return "closed";
    }
    return "?";
}

/* ---- the owner's callbacks ---- */

static void emit_state(MediaPeer *peer)
{
    if (peer->free_requested || peer->events.state_changed == NULL)
        return;
    peer->depth++;
    peer->events.state_changed(peer, peer->state, peer->user_data);
    peer->depth--;
}

static void clear_source(GSource **source)
{
    if (*source != NULL) {
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
    }
}

static void set_state(MediaPeer *peer, PeerState state)
{
    if (peer->state == state || peer->state == PEER_STATE_DEAD)
        return;
    g_debug("%s: %s -> %s", peer->name, peer_state_to_string(peer->state),
            peer_state_to_string(state));
    peer->state = state;
    emit_state(peer);
}

static void die(MediaPeer *peer, PeerDeadReason reason, const char *detail)
{
    if (peer->state == PEER_STATE_DEAD)
        return;
    g_message("%s: dead: %s%s%s", peer->name, peer_dead_reason_to_string(reason),
              detail != NULL ? ": " : "", detail != NULL ? detail : "");
    clear_source(&peer->tick);
    clear_source(&peer->dtls_timer);
    peer->dead_reason = reason;
    set_state(peer, PEER_STATE_DEAD);
}

/* ---- DTLS ---- */

static void on_dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
    MediaPeer *peer = user_data;

    /* Lost flights are the retransmission timer's business (RFC 6347 §4.2.4). */
    if (ice_transport_send(peer->ice, data, len) < 0)
        peer->stats.tx_errors++;
}

static gboolean make_srtp(MediaPeer *peer, GError **error)
{
    DtlsSrtpKeys keys;
    const guint8 *key, *salt;
    gboolean ok = FALSE;

    if (!dtls_endpoint_get_srtp_keys(peer->dtls, &keys, error))
        return FALSE;
    dtls_srtp_keys_get_remote(&keys, &key, &salt);
    peer->srtp_in = srtp_session_new(keys.profile, SRTP_DIRECTION_INBOUND, key, keys.key_len, salt,
                                     keys.salt_len, error);
    if (peer->srtp_in == NULL)
        goto out;
    dtls_srtp_keys_get_local(&keys, &key, &salt);
    peer->srtp_out = srtp_session_new(keys.profile, SRTP_DIRECTION_OUTBOUND, key, keys.key_len,
                                      salt, keys.salt_len, error);
    if (peer->srtp_out == NULL)
        goto out;
    peer->profile = keys.profile;
    ok = TRUE;
out:
    dtls_srtp_keys_clear(&keys);
    return ok;
}

static void arm_dtls_timer(MediaPeer *peer);

/* After every call into the endpoint: keys when it connects, death when it fails or closes,
 * and the retransmission timer. */
static void after_dtls(MediaPeer *peer)
{
    g_autoptr(GError) error = NULL;

    switch (dtls_endpoint_get_state(peer->dtls)) {
    case DTLS_STATE_CONNECTED:
        if (peer->srtp_in == NULL) {
            if (!make_srtp(peer, &error)) {
                die(peer, PEER_DEAD_DTLS_FAILED, error->message);
                return;
            }
            g_debug("%s: DTLS connected, %s", peer->name, srtp_profile_to_string(peer->profile));
            peer->last_rx_us = g_get_monotonic_time();
            set_state(peer, PEER_STATE_CONNECTED);
        }
        break;
    case DTLS_STATE_FAILED:
        die(peer, PEER_DEAD_DTLS_FAILED, NULL);
        return;
    case DTLS_STATE_CLOSED:
        die(peer, PEER_DEAD_CLOSED, NULL);
        return;
    case DTLS_STATE_NEW:
    case DTLS_STATE_CONNECTING:
        break;
    }
    if (peer->state != PEER_STATE_DEAD)
        arm_dtls_timer(peer);
}

static gboolean on_dtls_timer(gpointer user_data)
{
    MediaPeer *peer = user_data;
    g_autoptr(GError) error = NULL;

    g_clear_pointer(&peer->dtls_timer, g_source_unref);
    if (!dtls_endpoint_handle_timeout(peer->dtls, &error)) {
        die(peer, PEER_DEAD_DTLS_FAILED, error != NULL ? error->message : "handshake gave up");
        return G_SOURCE_REMOVE;
    }
    after_dtls(peer);
    return G_SOURCE_REMOVE;
}

static void arm_dtls_timer(MediaPeer *peer)
{
    gint64 us = dtls_endpoint_get_timeout(peer->dtls);

    clear_source(&peer->dtls_timer);
    if (us < 0)
        return;
    peer->dtls_timer = g_timeout_source_new((guint)((us + 999) / 1000));
    g_source_set_callback(peer->dtls_timer, on_dtls_timer, peer, NULL);
    g_source_attach(peer->dtls_timer, peer->context);
}

static void start_dtls_client(MediaPeer *peer)
{
    g_autoptr(GError) error = NULL;

    if (peer->dtls == NULL || dtls_endpoint_get_role(peer->dtls) != DTLS_ROLE_CLIENT ||
        dtls_endpoint_get_state(peer->dtls) != DTLS_STATE_NEW)
        return;
    if (!dtls_endpoint_start(peer->dtls, &error)) {
        die(peer, PEER_DEAD_DTLS_FAILED, error->message);
        return;
    }
    after_dtls(peer);
}

/* ---- receiving ---- */

static void receive_dtls(MediaPeer *peer, const guint8 *data, gsize len)
{
    g_autoptr(GError) error = NULL;

    if (peer->dtls == NULL) {
        peer->stats.rx_dropped++; /* before the remote description */
        return;
    }
    peer->stats.rx_dtls++;
    if (!dtls_endpoint_receive(peer->dtls, data, len, &error)) {
        die(peer, PEER_DEAD_DTLS_FAILED, error != NULL ? error->message : NULL);
        return;
    }
    peer->last_rx_us = g_get_monotonic_time();
    if (!peer->ice_restarting)
        peer->restart_grace = FALSE;
    after_dtls(peer);
}

static void receive_srtp(MediaPeer *peer, const guint8 *data, gsize len, gboolean rtcp)
{
    guint8 *buf = (guint8 *)peer->rx_buf;
    gsize plain = 0;
    int r;

    if (peer->srtp_in == NULL || len > sizeof(peer->rx_buf)) {
        peer->stats.rx_dropped++;
        return;
    }
    memcpy(buf, data, len);
    r = rtcp ? srtp_session_unprotect_rtcp(peer->srtp_in, buf, len, &plain)
             : srtp_session_unprotect_rtp(peer->srtp_in, buf, len, &plain);
    if (r < 0) {
        if (r == -EALREADY)
            peer->stats.rx_replayed++;
        else
            peer->stats.rx_auth_failed++;
        return;
    }
    peer->last_rx_us = g_get_monotonic_time();
    if (!peer->ice_restarting)
        peer->restart_grace = FALSE;
    peer->depth++;
    if (rtcp) {
        peer->stats.rx_rtcp++;
        if (peer->events.rtcp != NULL)
            peer->events.rtcp(peer, buf, plain, peer->user_data);
    } else {
        peer->stats.rx_rtp++;
        if (peer->events.rtp != NULL)
            peer->events.rtp(peer, buf, plain, peer->user_data);
    }
    peer->depth--;
}

static void on_ice_recv(const guint8 *data, gsize len, gpointer user_data)
{
    MediaPeer *peer = user_data;

    if (peer->free_requested || peer->state == PEER_STATE_DEAD)
        return;
    peer->stats.rx_datagrams++;
    peer->stats.rx_bytes += len;
    switch (media_datagram_classify(data, len)) {
    case MEDIA_DATAGRAM_DTLS:
        receive_dtls(peer, data, len);
        break;
    case MEDIA_DATAGRAM_RTP:
        receive_srtp(peer, data, len, FALSE);
        break;
    case MEDIA_DATAGRAM_RTCP:
        receive_srtp(peer, data, len, TRUE);
        break;
    default:
        peer->stats.rx_dropped++;
        break;
    }
}

static void on_ice_state(IceState state, gpointer user_data)
{
    MediaPeer *peer = user_data;

    if (peer->free_requested || peer->state == PEER_STATE_DEAD)
        return;
    switch (state) {
    case ICE_STATE_CONNECTED:
        peer->ice_connected = TRUE;
        if (peer->ice_restarting && !ice_transport_is_restarting(peer->ice)) {
            /* The DTLS association and the SRTP keys are the same (RFC 8842 §4: only a new
             * fingerprint or setup role makes a new one); the clock of silence starts now. */
            peer->ice_restarting = FALSE;
            peer->restart_grace = TRUE;
            peer->stats.ice_restarts++;
            peer->last_rx_us = g_get_monotonic_time();
            g_message("%s: ICE restart done", peer->name);
        }
        start_dtls_client(peer);
        break;
    case ICE_STATE_FAILED:
        /* libnice says FAILED for lost consent and for checks that found no pair alike. */
        die(peer, peer->ice_connected ? PEER_DEAD_CONSENT_LOST : PEER_DEAD_ICE_FAILED,
            peer->ice_restarting ? "libnice failed the connection during an ICE restart" : NULL);
        break;
    case ICE_STATE_NEW:
    case ICE_STATE_CHECKING:
        break;
    }
}

/* ---- timeouts ---- */

static gboolean on_tick(gpointer user_data)
{
    MediaPeer *peer = user_data;
    gint64 now = g_get_monotonic_time();

    if (peer->state == PEER_STATE_CONNECTED && (peer->ice_restarting || peer->restart_grace)) {
        /* A client restarting ICE may send nothing until its new pair works (it is moving to
         * another network), and our side of the restart may be done before the peer has our
         * answer: the dead-peer time waits for its first packet after the restart, or for the
         * restart's own connect time. */
        if (now >= peer->restart_deadline_us &&
            now - peer->last_rx_us > (gint64)peer->config->dead_timeout_ms * 1000)
            die(peer, PEER_DEAD_CONNECT_TIMEOUT, "the ICE restart did not complete");
    } else if (peer->state == PEER_STATE_CONNECTED) {
        if (now - peer->last_rx_us > (gint64)peer->config->dead_timeout_ms * 1000)
            die(peer, PEER_DEAD_TIMEOUT, NULL);
    } else if (now >= peer->connect_deadline_us) {
        die(peer, PEER_DEAD_CONNECT_TIMEOUT, NULL);
    }
    return peer->state == PEER_STATE_DEAD ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void start_tick(MediaPeer *peer)
{
    guint ms = MIN(peer->config->connect_timeout_ms, peer->config->dead_timeout_ms) / 4;

    ms = CLAMP(ms, PEER_TICK_MIN_MS, PEER_TICK_MAX_MS);
    peer->tick = g_timeout_source_new(ms);
    g_source_set_callback(peer->tick, on_tick, peer, NULL);
    g_source_attach(peer->tick, peer->context);
}

/* ---- lifecycle ---- */

MediaPeer *peer_new(GMainContext *context, MediaIceConfig *config, DtlsIdentity *identity,
                    const char *name, const PeerEvents *events, gpointer user_data, GError **error)
{
    g_autoptr(MediaPeer) peer = NULL;

    g_return_val_if_fail(context != NULL && config != NULL && identity != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    peer = g_new0(MediaPeer, 1);
    peer->context = g_main_context_ref(context);
    peer->config = media_ice_config_ref(config);
    peer->identity = dtls_identity_ref(identity);
    peer->name = g_strdup(name != NULL ? name : "peer");
    if (events != NULL)
        peer->events = *events;
    peer->user_data = user_data;
    peer->state = PEER_STATE_NEW;
    /* Controlled until the remote description says otherwise. */
    peer->ice = ice_transport_new(context, config, FALSE, peer->name, on_ice_recv, on_ice_state,
                                  peer, error);
    if (peer->ice == NULL)
        return NULL;
    peer->connect_deadline_us = g_get_monotonic_time() + (gint64)config->connect_timeout_ms * 1000;
    start_tick(peer);
    return g_steal_pointer(&peer);
}

static void peer_destroy(MediaPeer *peer)
{
    clear_source(&peer->tick);
    clear_source(&peer->dtls_timer);
    clear_source(&peer->free_idle);
    /* Tell a live client at once rather than letting it time out. */
    if (peer->dtls != NULL && peer->state == PEER_STATE_CONNECTED)
        dtls_endpoint_close(peer->dtls);
    g_clear_pointer(&peer->ice, ice_transport_free);
    g_clear_pointer(&peer->dtls, dtls_endpoint_free);
    g_clear_pointer(&peer->srtp_in, srtp_session_free);
    g_clear_pointer(&peer->srtp_out, srtp_session_free);
    g_clear_pointer(&peer->identity, dtls_identity_unref);
    memset(peer->remote_pwd, 0, sizeof(peer->remote_pwd));
    g_clear_pointer(&peer->config, media_ice_config_unref);
    g_clear_pointer(&peer->context, g_main_context_unref);
    g_clear_pointer(&peer->name, g_free);
    g_free(peer);
}

static gboolean on_free_idle(gpointer user_data)
{
    MediaPeer *peer = user_data;

    g_clear_pointer(&peer->free_idle, g_source_unref);
    peer_destroy(peer);
    return G_SOURCE_REMOVE;
}

void peer_free(MediaPeer *peer)
{
    if (peer == NULL)
        return;
    if (peer->depth == 0) {
        peer_destroy(peer);
        return;
    }
    /* Called from one of our own callbacks: libnice or the endpoint is still below. */
    if (peer->free_requested)
        return;
    peer->free_requested = TRUE;
    clear_source(&peer->tick);
    clear_source(&peer->dtls_timer);
    peer->free_idle = g_idle_source_new();
    g_source_set_callback(peer->free_idle, on_free_idle, peer, NULL);
    g_source_attach(peer->free_idle, peer->context);
}

void peer_get_local_transport(MediaPeer *peer, SdpTransport *transport)
{
    g_return_if_fail(peer != NULL && transport != NULL);

    transport->ice_ufrag = ice_transport_get_local_ufrag(peer->ice);
    transport->ice_pwd = ice_transport_get_local_pwd(peer->ice);
    transport->fingerprint = dtls_identity_get_fingerprint(peer->identity);
    transport->candidates = ice_transport_get_local_candidates(peer->ice);
    transport->end_of_candidates = TRUE;
}

static void add_description_candidates(MediaPeer *peer, const SdpDescription *remote)
{
    guint i;

    for (i = 0; remote->candidates != NULL && i < remote->candidates->len; i++) {
        g_autoptr(GError) error = NULL;

        /* One candidate we cannot read does not spoil the others. */
        if (!peer_add_remote_candidate(peer, g_ptr_array_index(remote->candidates, i), &error))
            g_debug("%s: remote candidate skipped: %s", peer->name, error->message);
    }
    if (remote->end_of_candidates)
        peer_end_of_remote_candidates(peer);
}

static gboolean start_ice_restart(MediaPeer *peer, GError **error)
{
    if (!ice_transport_restart(peer->ice, error)) {
        die(peer, PEER_DEAD_ICE_FAILED, "ICE restart refused");
        return FALSE;
    }
    peer->ice_restarting = TRUE;
    peer->restart_grace = FALSE;
    peer->restart_deadline_us =
        g_get_monotonic_time() + (gint64)peer->config->connect_timeout_ms * 1000;
    return TRUE;
}

gboolean peer_restart_ice(MediaPeer *peer, GError **error)
{
    g_return_val_if_fail(peer != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!peer->remote_set || peer->state == PEER_STATE_DEAD || peer->free_requested) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE, "%s: no ICE to restart (%s)",
                    peer->name, peer_state_to_string(peer->state));
        return FALSE;
    }
    if (peer->local_restart)
        return TRUE; /* the offer with the new credentials is still unanswered */
    if (!start_ice_restart(peer, error))
        return FALSE;
    peer->local_restart = TRUE;
    g_debug("%s: ICE restart of ours: new local credentials", peer->name);
    return TRUE;
}

/* A later description: the same transport with maybe more candidates, or an ICE restart
 * (RFC 8839 §4.4.1.1.1: new ice-ufrag or ice-pwd). The DTLS association stays: a new
 * fingerprint would mean a new one (RFC 8842 §5.5), which a new connection does. */
static gboolean apply_again(MediaPeer *peer, const SdpDescription *remote, GError **error)
{
    gboolean restart;

    if (g_ascii_strcasecmp(peer->remote_fingerprint, remote->fingerprint) != 0) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                    "%s: the new description changes the DTLS fingerprint: a new DTLS "
                    "association needs a new connection",
                    peer->name);
        return FALSE;
    }
    restart = !g_str_equal(peer->remote_ufrag, remote->ice_ufrag) ||
              !g_str_equal(peer->remote_pwd, remote->ice_pwd);
    if (!restart) {
        if (peer->local_restart && !remote->is_offer) {
            g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                        "%s: the answer to our ICE restart keeps the old ICE credentials "
                        "(RFC 8839 §4.4.1.1.2 wants new ones)",
                        peer->name);
            return FALSE;
        }
        add_description_candidates(peer, remote);
        return TRUE;
    }
    /* The peer restarts (its offer), or answers our restart; both restarting at once (glare)
     * is settled by signaling, the later offer wins here. */
    if (!peer->local_restart || remote->is_offer) {
        if (!start_ice_restart(peer, error))
            return FALSE;
    }
    peer->local_restart = FALSE;
    /* RFC 8445 §6.1.1 again for the restarted session: the offerer controls. */
    ice_transport_set_controlling(peer->ice, !remote->is_offer || remote->ice_lite);
    if (!ice_transport_set_remote_credentials(peer->ice, remote->ice_ufrag, remote->ice_pwd, error))
        return FALSE;
    g_strlcpy(peer->remote_ufrag, remote->ice_ufrag, sizeof(peer->remote_ufrag));
    g_strlcpy(peer->remote_pwd, remote->ice_pwd, sizeof(peer->remote_pwd));
    if (peer->state != PEER_STATE_CONNECTED)
        peer->connect_deadline_us =
            g_get_monotonic_time() + (gint64)peer->config->connect_timeout_ms * 1000;
    g_message("%s: ICE restart: the peer's %s has new credentials; DTLS and SRTP kept", peer->name,
              remote->is_offer ? "offer" : "answer");
    add_description_candidates(peer, remote);
    return TRUE;
}

gboolean peer_set_remote_description(MediaPeer *peer, const SdpDescription *remote, GError **error)
{
    DtlsRole role;

    g_return_val_if_fail(peer != NULL && remote != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (peer->state == PEER_STATE_DEAD || peer->free_requested) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE, "%s is dead (%s)", peer->name,
                    peer_dead_reason_to_string(peer->dead_reason));
        return FALSE;
    }
    if (peer->remote_set)
        return apply_again(peer, remote, error);

    /* RFC 8445 §6.1.1: the offerer controls; a full agent facing an ICE-lite one controls. */
    ice_transport_set_controlling(peer->ice, !remote->is_offer || remote->ice_lite);
    role = sdp_local_setup(remote) == SDP_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
    peer->dtls = dtls_endpoint_new(peer->identity, role, on_dtls_send, peer, error);
    if (peer->dtls == NULL)
        return FALSE;
    if (!dtls_endpoint_set_remote_fingerprint(peer->dtls, remote->fingerprint_hash,
                                              remote->fingerprint, error) ||
        !ice_transport_set_remote_credentials(peer->ice, remote->ice_ufrag, remote->ice_pwd,
                                              error)) {
        g_clear_pointer(&peer->dtls, dtls_endpoint_free);
        return FALSE;
    }
    /* A server waits for the ClientHello from now on; a client starts once ICE works. */
    if (role == DTLS_ROLE_SERVER && !dtls_endpoint_start(peer->dtls, error)) {
        g_clear_pointer(&peer->dtls, dtls_endpoint_free);
        return FALSE;
    }
    g_strlcpy(peer->remote_ufrag, remote->ice_ufrag, sizeof(peer->remote_ufrag));
    g_strlcpy(peer->remote_pwd, remote->ice_pwd, sizeof(peer->remote_pwd));
    g_strlcpy(peer->remote_fingerprint, remote->fingerprint, sizeof(peer->remote_fingerprint));
    peer->remote_set = TRUE;
    peer->connect_deadline_us =
        g_get_monotonic_time() + (gint64)peer->config->connect_timeout_ms * 1000;
    g_debug("%s: remote %s applied: ICE %s, DTLS %s", peer->name,
            remote->is_offer ? "offer" : "answer",
            ice_transport_get_controlling(peer->ice) ? "controlling" : "controlled",
            role == DTLS_ROLE_CLIENT ? "client" : "server");
    set_state(peer, PEER_STATE_CONNECTING);
    if (peer->state != PEER_STATE_DEAD)
        add_description_candidates(peer, remote);
    if (peer->ice_connected)
        start_dtls_client(peer);
    return TRUE;
}

gboolean peer_add_remote_candidate(MediaPeer *peer, const char *candidate, GError **error)
{
    g_return_val_if_fail(peer != NULL && candidate != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!peer->remote_set || peer->state == PEER_STATE_DEAD) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE, "%s: a candidate %s", peer->name,
                    peer->remote_set ? "for a dead peer" : "before the remote description");
        return FALSE;
    }
    return ice_transport_add_remote_candidate(peer->ice, candidate, NULL, error);
}

void peer_end_of_remote_candidates(MediaPeer *peer)
{
    g_return_if_fail(peer != NULL);

    if (peer->remote_set && peer->state != PEER_STATE_DEAD)
        ice_transport_remote_candidates_done(peer->ice);
}

/* ---- sending ---- */

/* Protects @buf (@len bytes in @cap) in place and sends it. */
static int protect_and_send(MediaPeer *peer, guint8 *buf, gsize len, gsize cap, gboolean rtcp)
{
    gsize out = 0;
    int r;

    r = rtcp ? srtp_session_protect_rtcp(peer->srtp_out, buf, len, cap, &out)
             : srtp_session_protect_rtp(peer->srtp_out, buf, len, cap, &out);
    if (r == 0)
        r = ice_transport_send(peer->ice, buf, out);
    if (r < 0) {
        peer->stats.tx_errors++;
        return r;
    }
    if (rtcp)
        peer->stats.tx_rtcp++;
    else
        peer->stats.tx_rtp++;
    peer->stats.tx_bytes += out;
    return 0;
}

static int check_send(MediaPeer *peer, const guint8 *data, gsize len, gboolean rtcp)
{
    if (peer->state != PEER_STATE_CONNECTED || peer->free_requested)
        return -ENOTCONN;
    if (len > PEER_MAX_PACKET)
        return -EMSGSIZE;
    if (media_datagram_classify(data, len) != (rtcp ? MEDIA_DATAGRAM_RTCP : MEDIA_DATAGRAM_RTP))
        return -EINVAL;
    return 0;
}

static int send_copy(MediaPeer *peer, const guint8 *data, gsize len, gboolean rtcp)
{
    int r = check_send(peer, data, len, rtcp);

    if (r < 0)
        return r;
    memcpy(peer->tx_buf, data, len);
    return protect_and_send(peer, (guint8 *)peer->tx_buf, len, sizeof(peer->tx_buf), rtcp);
}

static int send_in_place(MediaPeer *peer, guint8 *buf, gsize len, gsize cap, gboolean rtcp)
{
    int r = check_send(peer, buf, len, rtcp);

    if (r < 0)
        return r;
    if (((guintptr)buf & 3) != 0 || cap < len)
        return -EINVAL;
    return protect_and_send(peer, buf, len, cap, rtcp);
}

int peer_send_rtp(MediaPeer *peer, const guint8 *data, gsize len)
{
    g_return_val_if_fail(peer != NULL && data != NULL, -EINVAL);
    return send_copy(peer, data, len, FALSE);
}

int peer_send_rtcp(MediaPeer *peer, const guint8 *data, gsize len)
{
    g_return_val_if_fail(peer != NULL && data != NULL, -EINVAL);
    return send_copy(peer, data, len, TRUE);
}

int peer_send_rtp_in_place(MediaPeer *peer, guint8 *buf, gsize len, gsize cap)
{
    g_return_val_if_fail(peer != NULL && buf != NULL, -EINVAL);
    return send_in_place(peer, buf, len, cap, FALSE);
}

int peer_send_rtcp_in_place(MediaPeer *peer, guint8 *buf, gsize len, gsize cap)
{
    g_return_val_if_fail(peer != NULL && buf != NULL, -EINVAL);
    return send_in_place(peer, buf, len, cap, TRUE);
}

void peer_close(MediaPeer *peer)
{
    g_return_if_fail(peer != NULL);

    if (peer->state == PEER_STATE_DEAD)
        return;
    if (peer->dtls != NULL && dtls_endpoint_get_state(peer->dtls) == DTLS_STATE_CONNECTED)
        dtls_endpoint_close(peer->dtls);
    die(peer, PEER_DEAD_CLOSED, "closed by us");
}

/* ---- accessors ---- */

PeerState peer_get_state(const MediaPeer *peer)
{
    g_return_val_if_fail(peer != NULL, PEER_STATE_DEAD);
    return peer->state;
}

PeerDeadReason peer_get_dead_reason(const MediaPeer *peer)
{
    g_return_val_if_fail(peer != NULL, PEER_DEAD_NONE);
    return peer->dead_reason;
}

SrtpProfile peer_get_srtp_profile(const MediaPeer *peer)
{
    g_return_val_if_fail(peer != NULL, 0);
    return peer->srtp_out != NULL ? peer->profile : 0;
}

void peer_get_stats(const MediaPeer *peer, PeerStats *stats)
{
    g_return_if_fail(peer != NULL && stats != NULL);
    *stats = peer->stats;
}

const char *peer_get_name(const MediaPeer *peer)
{
    g_return_val_if_fail(peer != NULL, NULL);
    return peer->name;
}
