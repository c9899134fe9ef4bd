/* loadgen-peer.c: one client peer connection of the load generator.
 *
 * Design: the media library's MediaPeer (media/transport/peer.c) is the SFU's side of a
 * connection: it takes the DTLS role its SDP answer implies and offers both SRTP profiles in the
 * order phonghop prefers. A load generator that compares SFUs must instead choose the profile
 * itself, whatever each server would prefer, and take the roles a browser takes. So this file
 * puts the same primitives together in the client's way: an IceTransport (libnice, one bundled
 * and rtcp-muxed component; controlling when we offered, controlled when we answered, RFC 8445
 * §6.1.1), a DtlsEndpoint in the role the SDP leaves us (RFC 5763 §5: our offers say actpass, so
 * the SFU's answer chooses, phonghop passive and Janus active; our answers say active, as
 * browsers do) that knows exactly one SRTP profile (RFC 5764 §4.1.1): as the client it offers
 * only that one, as the server it accepts only that one, so the SFU can take no other, and the
 * two SrtpSessions made from the exported keys. A client starts the handshake once ICE has a
 * pair; the retransmission timer runs on the main context. It counts what it authenticates. No
 * timeouts of its own: the load generator bounds the whole set-up.
 */
#include <errno.h>
#include <string.h>

#include "loadgen.h"
#include "transport/ice.h"

struct _LgPeer {
    GMainContext *context;
    DtlsIdentity *identity;
    SrtpProfile profile;
    char *name;
    LgPeerStateFunc state_changed;
    LgPeerRtpFunc rtp;
    gpointer user_data;

    IceTransport *ice;
    DtlsEndpoint *dtls;
    SrtpSession *srtp_in;
    SrtpSession *srtp_out;
    GSource *dtls_timer;
    gboolean ice_connected;
    LgPeerState state;
    char *failure;
    LgPeerStats stats;
    guint32 rx_buf[LG_MAX_PACKET / 4];
};

static void set_state(LgPeer *peer, LgPeerState state)
{
    if (peer->state == state || peer->state == LG_PEER_FAILED)
        return;
    peer->state = state;
    if (peer->state_changed != NULL)
        peer->state_changed(peer, state, peer->user_data);
}

static void clear_timer(LgPeer *peer)
{
    if (peer->dtls_timer != NULL) {
        g_source_destroy(peer->dtls_timer);
        g_clear_pointer(&peer->dtls_timer, g_source_unref);
    }
}

static void fail(LgPeer *peer, const char *what, const GError *error)
{
    if (peer->state == LG_PEER_FAILED)
        return;
    g_free(peer->failure);
    peer->failure =
        g_strdup_printf("%s%s%s", what, error != NULL ? ": " : "", error ? error->message : "");
    g_message("%s: failed: %s", peer->name, peer->failure);
    clear_timer(peer);
    set_state(peer, LG_PEER_FAILED);
}

static void on_dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
    LgPeer *peer = user_data;

    if (ice_transport_send(peer->ice, data, len) < 0)
        peer->stats.tx_errors++;
}

static gboolean make_srtp(LgPeer *peer, GError **error)
{
    DtlsSrtpKeys keys;
    const guint8 *key, *salt;
    gboolean ok = FALSE;

    if (!dtls_endpoint_get_srtp_keys(peer->dtls, &keys, error))
        return FALSE;
    if (keys.profile != peer->profile) {
        g_set_error(error, DTLS_ERROR, DTLS_ERROR_NO_SRTP, "the server chose %s, we asked for %s",
                    srtp_profile_to_string(keys.profile), srtp_profile_to_string(peer->profile));
        goto out;
    }
    dtls_srtp_keys_get_remote(&keys, &key, &salt);
    peer->srtp_in = srtp_session_new(keys.profile, SRTP_DIRECTION_INBOUND, key, keys.key_len, salt,
                                     keys.salt_len, error);
    if (peer->srtp_in == NULL)
        goto out;
    dtls_srtp_keys_get_local(&keys, &key, &salt);
    peer->srtp_out = srtp_session_new(keys.profile, SRTP_DIRECTION_OUTBOUND, key, keys.key_len,
                                      salt, keys.salt_len, error);
    ok = peer->srtp_out != NULL;
out:
    dtls_srtp_keys_clear(&keys);
    return ok;
}

static gboolean on_dtls_timer(gpointer user_data);

/* After every call into the endpoint: keys once connected, and the retransmission timer. */
static void after_dtls(LgPeer *peer)
{
    g_autoptr(GError) error = NULL;
    gint64 us;

    switch (dtls_endpoint_get_state(peer->dtls)) {
    case DTLS_STATE_CONNECTED:
        if (peer->srtp_in == NULL) {
            if (!make_srtp(peer, &error)) {
                fail(peer, "no SRTP", error);
                return;
            }
            set_state(peer, LG_PEER_CONNECTED);
        }
        break;
    case DTLS_STATE_FAILED:
        fail(peer, "DTLS failed", NULL);
        return;
    case DTLS_STATE_CLOSED:
        fail(peer, "the server closed DTLS", NULL);
        return;
    case DTLS_STATE_NEW:
    case DTLS_STATE_CONNECTING:
        break;
    }
    clear_timer(peer);
    us = dtls_endpoint_get_timeout(peer->dtls);
    if (us < 0)
        return;
    peer->dtls_timer = g_timeout_source_new((guint)((us + 999) / 1000));
    g_source_set_callback(peer->dtls_timer, on_dtls_timer, peer, NULL);
    g_source_attach(peer->dtls_timer, peer->context);
}

static gboolean on_dtls_timer(gpointer user_data)
{
    LgPeer *peer = user_data;
    g_autoptr(GError) error = NULL;

    g_clear_pointer(&peer->dtls_timer, g_source_unref);
    if (!dtls_endpoint_handle_timeout(peer->dtls, &error)) {
        fail(peer, "DTLS handshake gave up", error);
        return G_SOURCE_REMOVE;
    }
    after_dtls(peer);
    return G_SOURCE_REMOVE;
}

static void start_dtls(LgPeer *peer)
{
    g_autoptr(GError) error = NULL;

    if (peer->dtls == NULL || !peer->ice_connected ||
        dtls_endpoint_get_role(peer->dtls) != DTLS_ROLE_CLIENT ||
        dtls_endpoint_get_state(peer->dtls) != DTLS_STATE_NEW)
        return;
    if (!dtls_endpoint_start(peer->dtls, &error)) {
        fail(peer, "DTLS did not start", error);
        return;
    }
    after_dtls(peer);
}

static void receive_srtp(LgPeer *peer, const guint8 *data, gsize len, gboolean rtcp)
{
    guint8 *buf = (guint8 *)peer->rx_buf;
    gsize plain = 0;
    int r;

    if (peer->srtp_in == NULL || len > sizeof(peer->rx_buf)) {
        peer->stats.rx_bad++;
        return;
    }
    memcpy(buf, data, len);
    r = rtcp ? srtp_session_unprotect_rtcp(peer->srtp_in, buf, len, &plain)
             : srtp_session_unprotect_rtp(peer->srtp_in, buf, len, &plain);
    if (r < 0) {
        peer->stats.rx_bad++;
        return;
    }
    peer->stats.rx_bytes += len;
    if (rtcp) {
        peer->stats.rx_rtcp++;
    } else {
        peer->stats.rx_rtp++;
        if (peer->rtp != NULL)
            peer->rtp(peer, buf, plain, peer->user_data);
    }
}

static void on_ice_recv(const guint8 *data, gsize len, gpointer user_data)
{
    LgPeer *peer = user_data;
    g_autoptr(GError) error = NULL;

    if (peer->state == LG_PEER_FAILED)
        return;
    switch (media_datagram_classify(data, len)) {
    case MEDIA_DATAGRAM_DTLS:
        /* Before our client has started, nothing from the server is expected: drop it. */
        if (peer->dtls == NULL || (dtls_endpoint_get_role(peer->dtls) == DTLS_ROLE_CLIENT &&
                                   dtls_endpoint_get_state(peer->dtls) == DTLS_STATE_NEW))
            break;
        if (!dtls_endpoint_receive(peer->dtls, data, len, &error)) {
            fail(peer, "DTLS", error);
            return;
        }
        after_dtls(peer);
        break;
    case MEDIA_DATAGRAM_RTP:
        receive_srtp(peer, data, len, FALSE);
        break;
    case MEDIA_DATAGRAM_RTCP:
        receive_srtp(peer, data, len, TRUE);
        break;
    default:
        peer->stats.rx_bad++;
        break;
    }
}

static void on_ice_state(IceState state, gpointer user_data)
{
    LgPeer *peer = user_data;

    switch (state) {
    case ICE_STATE_CONNECTED:
        peer->ice_connected = TRUE;
        start_dtls(peer);
        break;
    case ICE_STATE_FAILED:
        fail(peer, peer->ice_connected ? "ICE consent lost" : "ICE failed", NULL);
        break;
    case ICE_STATE_NEW:
    case ICE_STATE_CHECKING:
        break;
    }
}

LgPeer *lg_peer_new(GMainContext *context, MediaIceConfig *config, DtlsIdentity *identity,
                    SrtpProfile profile, const char *name, LgPeerStateFunc state_changed,
                    LgPeerRtpFunc rtp, gpointer user_data, GError **error)
{
    g_autoptr(LgPeer) peer = NULL;

    g_return_val_if_fail(context != NULL && config != NULL && identity != NULL, NULL);

    peer = g_new0(LgPeer, 1);
    peer->context = g_main_context_ref(context);
    peer->identity = dtls_identity_ref(identity);
    peer->profile = profile;
    peer->name = g_strdup(name);
    peer->state_changed = state_changed;
    peer->rtp = rtp;
    peer->user_data = user_data;
    peer->state = LG_PEER_NEW;
    peer->ice = ice_transport_new(context, config, TRUE, peer->name, on_ice_recv, on_ice_state,
                                  peer, error);
    if (peer->ice == NULL)
        return NULL;
    return g_steal_pointer(&peer);
}

void lg_peer_free(LgPeer *peer)
{
    if (peer == NULL)
        return;
    clear_timer(peer);
    if (peer->dtls != NULL && dtls_endpoint_get_state(peer->dtls) == DTLS_STATE_CONNECTED)
        dtls_endpoint_close(peer->dtls);
    g_clear_pointer(&peer->ice, ice_transport_free);
    g_clear_pointer(&peer->dtls, dtls_endpoint_free);
    g_clear_pointer(&peer->srtp_in, srtp_session_free);
    g_clear_pointer(&peer->srtp_out, srtp_session_free);
    g_clear_pointer(&peer->identity, dtls_identity_unref);
    g_clear_pointer(&peer->context, g_main_context_unref);
    g_clear_pointer(&peer->failure, g_free);
    g_clear_pointer(&peer->name, g_free);
    g_free(peer);
}

void lg_peer_get_local_transport(LgPeer *peer, SdpTransport *transport)
{
    transport->ice_ufrag = ice_transport_get_local_ufrag(peer->ice);
    transport->ice_pwd = ice_transport_get_local_pwd(peer->ice);
    transport->fingerprint = dtls_identity_get_fingerprint(peer->identity);
    transport->candidates = ice_transport_get_local_candidates(peer->ice);
    transport->end_of_candidates = TRUE;
}

gboolean lg_peer_set_remote_description(LgPeer *peer, const SdpDescription *remote, GError **error)
{
    DtlsRole role;
    guint i;

    if (peer->dtls != NULL) {
        g_set_error_literal(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                            "the load generator negotiates each connection once");
        return FALSE;
    }
    /* The server may take the client's part (Janus answers setup:active). */
    role = remote->setup == SDP_SETUP_ACTIVE ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT;
    ice_transport_set_controlling(peer->ice, !remote->is_offer || remote->ice_lite);
    peer->dtls = dtls_endpoint_new(peer->identity, role, on_dtls_send, peer, error);
    if (peer->dtls == NULL)
        return FALSE;
    if (!dtls_endpoint_set_srtp_profiles(peer->dtls, &peer->profile, 1, error) ||
        !dtls_endpoint_set_remote_fingerprint(peer->dtls, remote->fingerprint_hash,
                                              remote->fingerprint, error) ||
        !ice_transport_set_remote_credentials(peer->ice, remote->ice_ufrag, remote->ice_pwd, error))
        return FALSE;
    if (role == DTLS_ROLE_SERVER) {
        if (!dtls_endpoint_start(peer->dtls, error))
            return FALSE;
        after_dtls(peer);
    }
    for (i = 0; remote->candidates != NULL && i < remote->candidates->len; i++) {
        g_autoptr(GError) local = NULL;

        if (!ice_transport_add_remote_candidate(peer->ice, g_ptr_array_index(remote->candidates, i),
                                                NULL, &local))
            g_debug("%s: candidate skipped: %s", peer->name, local->message);
    }
    /* Every SFU here puts all its candidates in its description (no trickle from it). */
    ice_transport_remote_candidates_done(peer->ice);
    set_state(peer, LG_PEER_CONNECTING);
    start_dtls(peer);
    return TRUE;
}

int lg_peer_send(LgPeer *peer, guint8 *buf, gsize len, gsize cap, gboolean rtcp)
{
    gsize out = 0;
    int r;

    if (peer->state != LG_PEER_CONNECTED)
        return -ENOTCONN;
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
    return 0;
}

LgPeerState lg_peer_get_state(const LgPeer *peer)
{
    return peer->state;
}

SrtpProfile lg_peer_get_profile(const LgPeer *peer)
{
    return peer->srtp_out != NULL ? peer->profile : 0;
}

const LgPeerStats *lg_peer_get_stats(const LgPeer *peer)
{
    return &peer->stats;
}

const char *lg_peer_get_name(const LgPeer *peer)
{
    return peer->name;
}

const char *lg_peer_get_failure(const LgPeer *peer)
{
    return peer->failure;
}
