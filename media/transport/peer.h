/* peer.h: one WebRTC peer connection of the SFU: ICE, DTLS-SRTP and SRTP (private to media/).
 *
 * A MediaPeer is the transport of one browser (or other WebRTC client): one libnice agent in
 * full ICE mode with one bundled, rtcp-muxed component (transport/ice.h), the DTLS endpoint
 * that agrees on the SRTP keys over it (transport/dtls.h), and two SRTP sessions, inbound and
 * outbound (transport/srtp.h). Received datagrams are told apart (media_datagram_classify):
 * DTLS feeds the endpoint, SRTP and SRTCP are authenticated and decrypted in place in the peer's
 * own receive buffer and handed to the owner's callbacks. The owner (the router) sends plain RTP
 * and RTCP; the peer copies each packet into its send buffer, protects it and sends it. Nothing
 * on that path allocates.
 *
 * Lifecycle: peer_new() gathers host candidates; the owner writes its SDP with
 * peer_get_local_transport() (sdp/sdp.h), applies the client's description with
 * peer_set_remote_description() and trickled candidates with peer_add_remote_candidate(). The
 * state goes NEW -> CONNECTING -> CONNECTED, and to DEAD from any state, once, with a reason:
 * ICE failed, consent lost (RFC 7675), nothing received for the configured dead-peer time,
 * not connected within the connect time (counted from creation, and again from the remote
 * description), DTLS failed, or the peer closed DTLS. A DEAD peer does nothing more; the owner
 * frees it.
 *
 * Errors: control plane GError (MEDIA_ICE_ERROR, DTLS_ERROR); data plane 0 or -errno.
 * Ownership: one owner, peer_free(). peer_free() may be called from inside the peer's own
 * callbacks: the peer is then freed later, from an idle source on its context, and emits
 * nothing more.
 * Thread: a peer lives on the GMainContext it was made with (its media worker's); every function
 * is called on that context's thread and every callback runs there.
 */
#pragma once

#include <glib.h>

#include "media.h"
#include "sdp/sdp.h"
#include "transport/dtls.h"
#include "transport/srtp.h"

G_BEGIN_DECLS

/* The largest datagram received or RTP/RTCP packet sent (before the SRTP tag); larger ones are
 * dropped (and counted) or refused with -EMSGSIZE. */
#define PEER_MAX_PACKET 1500

typedef struct _MediaPeer MediaPeer;

typedef enum {
    PEER_STATE_NEW,        /* candidates gathered, no remote description yet */
    PEER_STATE_CONNECTING, /* ICE checks, then the DTLS handshake */
    PEER_STATE_CONNECTED,  /* SRTP keys in place: media flows both ways */
    PEER_STATE_DEAD,       /* see peer_get_dead_reason(); free it */
} PeerState;

typedef enum {
    PEER_DEAD_NONE,
    PEER_DEAD_ICE_FAILED,      /* no candidate pair worked (RFC 8445 §8.1) */
    PEER_DEAD_CONSENT_LOST,    /* consent checks unanswered for 30 s (RFC 7675 §5.1) */
    PEER_DEAD_TIMEOUT,         /* connected, then nothing received for the dead-peer time */
    PEER_DEAD_CONNECT_TIMEOUT, /* not connected within the connect time */
    PEER_DEAD_DTLS_FAILED,     /* handshake failed, or not the certificate of its SDP */
    PEER_DEAD_CLOSED,          /* the peer sent DTLS close_notify */
} PeerDeadReason;

/* The owner's callbacks; any may be NULL. They run on the peer's context. */
typedef struct {
    /* Decrypted RTP (rtp) or RTCP compound (rtcp) from the peer, in the peer's receive buffer:
     * 4-byte aligned, writable (the router may rewrite headers in place) and valid until the
     * callback returns (transfer none). */
    void (*rtp)(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data);
    void (*rtcp)(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data);
    /* The state changed; for DEAD, peer_get_dead_reason() says why. */
    void (*state_changed)(MediaPeer *peer, PeerState state, gpointer user_data);
} PeerEvents;

typedef struct {
    guint64 rx_datagrams; /* every non-STUN datagram */
    guint64 rx_bytes;
    guint64 rx_rtp; /* authenticated and handed over */
    guint64 rx_rtcp;
    guint64 rx_dtls;
    guint64 rx_dropped;     /* unknown kind, too large, or before the keys */
    guint64 rx_auth_failed; /* SRTP/SRTCP authentication failed */
    guint64 rx_replayed;    /* SRTP/SRTCP replays */
    guint64 tx_rtp;
    guint64 tx_rtcp;
    guint64 tx_bytes;     /* protected bytes sent */
    guint64 tx_errors;    /* protect or send failed */
    guint64 ice_restarts; /* completed (new pair selected), ours and the peer's */
} PeerStats;

/* Makes the ICE agent on @context and gathers host candidates now. @name prefixes log lines
 * ("meeting 42 peer 7"). Takes references on @config and @identity; @events is copied.
 * Transfer full. */
MediaPeer *peer_new(GMainContext *context, MediaIceConfig *config, DtlsIdentity *identity,
                    const char *name, const PeerEvents *events, gpointer user_data, GError **error);
void peer_free(MediaPeer *peer);

/* Our ICE credentials, candidates (all of them: host gathering is immediate, so
 * end_of_candidates is set) and fingerprint, for sdp_write_answer() or sdp_write_offer().
 * The strings are borrowed from the peer and live until it is freed or ICE restarts. */
void peer_get_local_transport(MediaPeer *peer, SdpTransport *transport);

/* Applies the client's offer or answer: ICE role (controlled when the client offered, RFC 8445
 * §6.1.1), credentials and candidates; DTLS role from a=setup (RFC 8842 §5.3) and the
 * fingerprint to expect. A later description must keep the fingerprint (a new one means a new
 * DTLS association: make a new peer); its new candidates are added. When it carries new ICE
 * credentials it restarts ICE (RFC 8445 §9, RFC 8839 §4.4.1.1.1): an offer restarts our agent
 * with new local credentials, so peer_get_local_transport() after this call gives what the
 * answer must carry; an answer to our own peer_restart_ice() completes that restart. The DTLS
 * association and SRTP keys are kept, media goes on over the old pair until the new one is
 * selected, and until the peer's first packet after the restart the dead-peer time waits
 * for the connect time. */
gboolean peer_set_remote_description(MediaPeer *peer, const SdpDescription *remote, GError **error);

/* Restarts ICE from our side, for an offer of ours (RFC 8839 §4.4.1.1.1): new local credentials
 * now (peer_get_local_transport()), the peer's answer must bring new ones of its own. Only after
 * a remote description; calling it again before the answer keeps the same credentials. */
gboolean peer_restart_ice(MediaPeer *peer, GError **error);

/* One trickled candidate ("candidate:..." with or without "a="; RFC 8838), after the remote
 * description. Candidates that cannot be used (mDNS names, TCP) are ignored, not errors. */
gboolean peer_add_remote_candidate(MediaPeer *peer, const char *candidate, GError **error);
/* The client sent end-of-candidates (RFC 8838 §13). */
void peer_end_of_remote_candidates(MediaPeer *peer);

/* Protects and sends one plain RTP packet or RTCP compound packet; @data is not modified.
 * Returns 0, -ENOTCONN before CONNECTED (and when DEAD), -EMSGSIZE past PEER_MAX_PACKET,
 * -EINVAL when it is not RTP (or RTCP), or the error of srtp.h / ice_transport_send(). */
int peer_send_rtp(MediaPeer *peer, const guint8 *data, gsize len);
int peer_send_rtcp(MediaPeer *peer, const guint8 *data, gsize len);

/* The same for a packet in a buffer of the caller's that may be protected in place (the
 * router's per-subscriber buffer, as its SfuTransport hands it over): @buf 4-byte aligned, @len
 * bytes of plain RTP (RTCP) inside @cap bytes with room for the SRTP tag. No copy is made; on
 * return the buffer holds the protected packet (or is unchanged on -ENOTCONN, -EMSGSIZE,
 * -EINVAL). */
int peer_send_rtp_in_place(MediaPeer *peer, guint8 *buf, gsize len, gsize cap);
int peer_send_rtcp_in_place(MediaPeer *peer, guint8 *buf, gsize len, gsize cap);

/* Sends DTLS close_notify, so the client sees the end at once, and becomes DEAD (CLOSED). */
void peer_close(MediaPeer *peer);

PeerState peer_get_state(const MediaPeer *peer);
PeerDeadReason peer_get_dead_reason(const MediaPeer *peer);
/* The negotiated SRTP profile (CONNECTED only; 0 before). */
SrtpProfile peer_get_srtp_profile(const MediaPeer *peer);
void peer_get_stats(const MediaPeer *peer, PeerStats *stats);
const char *peer_get_name(const MediaPeer *peer);

const char *peer_state_to_string(PeerState state);
const char *peer_dead_reason_to_string(PeerDeadReason reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaPeer, peer_free)

G_END_DECLS
