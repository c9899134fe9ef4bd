/* ice.h: ICE with libnice for one peer connection (private to media/).
 *
 * An IceTransport is one libnice agent in full ICE mode (RFC 8445) with one stream of one
 * component: every media section of a peer is bundled onto it (RFC 8843) and RTCP shares it with
 * RTP (RFC 5761, RFC 8858), so there is exactly one 5-tuple per peer. It gathers host
 * candidates only, on the addresses of the MediaIceConfig (media.h), and describes them as SDP
 * candidate lines, adding the 1:1 NAT public address when one is configured. Remote candidates
 * arrive in the remote description or trickle in later (RFC 8838). Consent freshness
 * (RFC 7675) is libnice's: the selected pair fails when the peer stops answering.
 *
 * It does no demultiplexing of its own: every datagram that is not STUN goes to the receive
 * callback, with libnice's buffer (borrowed for the call).
 *
 * Errors: GError in MEDIA_ICE_ERROR (media.h); ice_transport_send() returns 0 or -errno.
 * Ownership: one owner calls ice_transport_free(), never from inside one of its callbacks.
 * Thread: everything runs on the GMainContext given to ice_transport_new() (a media worker's),
 * and every function must be called on that context's thread.
 */
#pragma once

#include <glib.h>

#include "media.h"

G_BEGIN_DECLS

#define ICE_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define ICE_DEFAULT_DEAD_TIMEOUT_MS    15000
#define ICE_MAX_ADDRESSES              16
#define ICE_MAX_TURN_SERVERS           8

typedef struct {
    char *url;
    char *username;   /* NULL with a shared secret */
    char *credential; /* NULL with a shared secret */
} IceTurnServer;

/* The configuration behind the public MediaIceConfig; read directly by transport code. */
struct _MediaIceConfig {
    gatomicrefcount ref;
    GPtrArray *addresses; /* char *: IP literals or interface names, in order */
    char *public_ipv4;    /* NULL: none */
    guint16 port_min, port_max;
    guint connect_timeout_ms;
    guint dead_timeout_ms;
    GArray *turn_servers; /* IceTurnServer */
    char *turn_secret;    /* NULL: static credentials */
    guint turn_ttl_s;
};

typedef enum {
    ICE_STATE_NEW,       /* candidates gathered, no checks yet */
    ICE_STATE_CHECKING,  /* connectivity checks running */
    ICE_STATE_CONNECTED, /* a pair works (libnice CONNECTED or READY) */
    ICE_STATE_FAILED,    /* every pair failed, or consent was lost (RFC 7675 §5.1) */
} IceState;

/* Called with a datagram that is not STUN, in libnice's buffer (transfer none, valid for the
 * call only; it may be unaligned). */
typedef void (*IceRecvFunc)(const guint8 *data, gsize len, gpointer user_data);
/* Called when the state changes, and with CONNECTED again when an ICE restart has selected its
 * new pair. The transport must not be freed from inside. */
typedef void (*IceStateFunc)(IceState state, gpointer user_data);

typedef struct _IceTransport IceTransport;

/* Makes the agent on @context (never NULL: a worker's context, not the global one) and gathers
 * host candidates on the configured addresses, at once. @controlling is the ICE role
 * (RFC 8445 §6.1.1: the offerer controls); it may change until checks start. @name prefixes
 * log lines. Takes a reference on @config. Transfer full. */
IceTransport *ice_transport_new(GMainContext *context, MediaIceConfig *config, gboolean controlling,
                                const char *name, IceRecvFunc recv, IceStateFunc state_changed,
                                gpointer user_data, GError **error);
void ice_transport_free(IceTransport *transport);

void ice_transport_set_controlling(IceTransport *transport, gboolean controlling);
gboolean ice_transport_get_controlling(IceTransport *transport);
IceState ice_transport_get_state(IceTransport *transport);

/* Our ICE username fragment and password (transfer none, valid until the transport is freed or
 * restarted). */
const char *ice_transport_get_local_ufrag(IceTransport *transport);
const char *ice_transport_get_local_pwd(IceTransport *transport);
/* Our candidates as SDP attribute values without "a=" ("candidate:1 1 udp 2130706431 ...")
 * (transfer none: a NULL-terminated array owned by the transport, valid until it is freed or
 * restarted). */
const char *const *ice_transport_get_local_candidates(IceTransport *transport);

/* The peer's ICE username fragment and password (RFC 8839 §5.4: 4-256 and 22-256 ice-chars).
 * Once set, connectivity checks start as soon as there are remote candidates or the peer's
 * own checks arrive (peer-reflexive candidates, RFC 8445 §7.3.1.3). */
gboolean ice_transport_set_remote_credentials(IceTransport *transport, const char *ufrag,
                                              const char *pwd, GError **error);
/* One remote candidate, as an SDP line with or without "a=" (RFC 8839 §5.1). Returns FALSE with
 * an error when it cannot be read; candidates it can read but not use (mDNS ".local" names,
 * TCP, component 2, another address family than ours) are skipped and *@used set to FALSE. */
gboolean ice_transport_add_remote_candidate(IceTransport *transport, const char *candidate,
                                            gboolean *used, GError **error);
/* The peer said end-of-candidates (RFC 8838 §13): checks may now fail for good. */
void ice_transport_remote_candidates_done(IceTransport *transport);

/* Restarts ICE (RFC 8445 §9, RFC 8839 §4.4.1.1.1): new local ufrag and pwd (read them again
 * with the getters above, as the candidate list), the remote credentials and candidates
 * forgotten: the peer's new ones are set with the calls above, and checks start again. The
 * host candidates keep their sockets on the configured addresses. The pair selected before
 * keeps carrying datagrams until the checks select a new one; state_changed() then says
 * CONNECTED again. Returns FALSE (and the transport is unusable) when libnice refuses. */
gboolean ice_transport_restart(IceTransport *transport, GError **error);
/* TRUE from ice_transport_restart() until the new pair is selected (or ICE fails). */
gboolean ice_transport_is_restarting(IceTransport *transport);

/* Sends one datagram on the selected pair. Returns 0, -ENOTCONN while libnice has no pair to
 * send on, -EIO when it could not send it. */
int ice_transport_send(IceTransport *transport, const guint8 *data, gsize len);

/* Validation helpers shared with the SDP module: RFC 8839 §5.4 ice-char strings. */
gboolean ice_is_valid_ufrag(const char *ufrag);
gboolean ice_is_valid_pwd(const char *pwd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IceTransport, ice_transport_free)

G_END_DECLS
