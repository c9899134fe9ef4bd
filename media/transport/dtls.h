/* dtls.h: DTLS-SRTP key agreement with OpenSSL (private to media/).
 *
 * A DtlsIdentity is the server's certificate: an ECDSA P-256 key, a self-signed certificate, its
 * SHA-256 fingerprint for SDP (RFC 8122 a=fingerprint), and the OpenSSL context configured with
 * them. One per process is enough; it is immutable once made and shared by reference between
 * media workers.
 *
 * A DtlsEndpoint is one DTLS 1.2 association with one peer (RFC 6347), in the role the SDP
 * a=setup attribute chose (RFC 5763 §5). It does no I/O of its own: datagrams from the peer go in
 * through dtls_endpoint_receive(), datagrams for the peer come out through the send callback,
 * and the owner runs the retransmission timer (dtls_endpoint_get_timeout(),
 * dtls_endpoint_handle_timeout()). When the handshake is done and the peer's certificate matches
 * the fingerprint from its SDP, the endpoint is CONNECTED and yields the SRTP keys
 * (RFC 5764 §4.2).
 *
 * Errors: GError in the DTLS_ERROR domain, with OpenSSL's reason where there is one.
 * Ownership: identity ref-counted (atomically); endpoint has one owner, dtls_endpoint_free().
 * Thread: an endpoint lives on its media worker's thread; an identity may be used from any.
 */
#pragma once

#include <glib.h>

#include "transport/srtp.h"

G_BEGIN_DECLS

#define DTLS_ERROR (dtls_error_quark())
GQuark dtls_error_quark(void);

typedef enum {
    DTLS_ERROR_CRYPTO,      /* OpenSSL could not make a key, certificate or context */
    DTLS_ERROR_HANDSHAKE,   /* the handshake failed or the peer sent an alert */
    DTLS_ERROR_FINGERPRINT, /* the peer's certificate does not match its SDP fingerprint */
    DTLS_ERROR_STATE,       /* not possible in the endpoint's current state */
    DTLS_ERROR_NO_SRTP,     /* the peer negotiated no SRTP profile we offer */
} DtlsError;

/* ---- identity ---- */

typedef struct _DtlsIdentity DtlsIdentity;

/* Generates a P-256 key and a self-signed certificate valid from a day ago for 30 days. Transfer
 * full. */
DtlsIdentity *dtls_identity_new(GError **error);
DtlsIdentity *dtls_identity_ref(DtlsIdentity *identity);
void dtls_identity_unref(DtlsIdentity *identity);

/* "sha-256" fingerprint as SDP writes it: upper-case hex pairs separated by colons (transfer
 * none, lives as long as the identity). The SDP line is "a=fingerprint:sha-256 " + this. */
const char *dtls_identity_get_fingerprint(const DtlsIdentity *identity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtlsIdentity, dtls_identity_unref)

/* ---- endpoint ---- */

typedef enum {
    DTLS_ROLE_CLIENT, /* a=setup:active: we send the ClientHello */
    DTLS_ROLE_SERVER, /* a=setup:passive: we wait for it */
} DtlsRole;

typedef enum {
    DTLS_STATE_NEW,        /* made, not started */
    DTLS_STATE_CONNECTING, /* handshaking, or done but waiting for the peer's fingerprint */
    DTLS_STATE_CONNECTED,  /* handshake done and the peer verified: keys available */
    DTLS_STATE_FAILED,     /* handshake failed or the peer is not who its SDP says */
    DTLS_STATE_CLOSED,     /* the peer sent close_notify, or we closed */
} DtlsState;

/* Called, on the endpoint's thread and from inside the endpoint's own calls, with one datagram
 * for the peer (transfer none: copy it or send it before returning). It must not free the
 * endpoint. */
typedef void (*DtlsSendFunc)(const guint8 *data, gsize len, gpointer user_data);

typedef struct _DtlsEndpoint DtlsEndpoint;

/* Transfer full; takes a reference on @identity. */
DtlsEndpoint *dtls_endpoint_new(DtlsIdentity *identity, DtlsRole role, DtlsSendFunc send,
                                gpointer user_data, GError **error);
void dtls_endpoint_free(DtlsEndpoint *endpoint);

DtlsRole dtls_endpoint_get_role(const DtlsEndpoint *endpoint);
DtlsState dtls_endpoint_get_state(const DtlsEndpoint *endpoint);

/* The SRTP profiles to offer (client) or accept (server), most preferred first. The default is
 * AEAD_AES_128_GCM then AES128_CM_HMAC_SHA1_80. Only before dtls_endpoint_start(). */
gboolean dtls_endpoint_set_srtp_profiles(DtlsEndpoint *endpoint, const SrtpProfile *profiles,
                                         guint n_profiles, GError **error);

/* The peer's a=fingerprint (RFC 8122 §5): @hash is "sha-256" (also "sha-1", "sha-384",
 * "sha-512"), @fingerprint the hex pairs, any case. May come before, during or after the
 * handshake; if the handshake is already done it is checked at once, and a mismatch fails the
 * endpoint (returns FALSE). */
gboolean dtls_endpoint_set_remote_fingerprint(DtlsEndpoint *endpoint, const char *hash,
                                              const char *fingerprint, GError **error);

/* Starts the handshake: a client sends its ClientHello now, a server waits for one. */
gboolean dtls_endpoint_start(DtlsEndpoint *endpoint, GError **error);

/* One datagram from the peer (RFC 7983 classified it as DTLS). Returns FALSE when it made the
 * endpoint fail; a datagram that is simply not understood is dropped, as RFC 6347 §4.1.2.7 asks.
 * Application data after the handshake (SCTP for data channels) is not used yet and dropped. */
gboolean dtls_endpoint_receive(DtlsEndpoint *endpoint, const guint8 *data, gsize len,
                               GError **error);

/* Microseconds until dtls_endpoint_handle_timeout() is due (0: now), or -1 when no timer runs.
 * The owner re-reads this after every call into the endpoint. */
gint64 dtls_endpoint_get_timeout(DtlsEndpoint *endpoint);
/* Retransmits the last flight if its timer expired (RFC 6347 §4.2.4). FALSE when the
 * handshake has given up. */
gboolean dtls_endpoint_handle_timeout(DtlsEndpoint *endpoint, GError **error);

/* Sends close_notify (once) and moves to CLOSED. */
void dtls_endpoint_close(DtlsEndpoint *endpoint);

/* The keys of RFC 5764 §4.2, exported with the label "EXTRACTOR-dtls_srtp". */
typedef struct {
    SrtpProfile profile;
    DtlsRole role; /* ours: which of client and server keys are local */
    gsize key_len;
    gsize salt_len;
    guint8 client_key[SRTP_PROFILE_MAX_KEY_LEN];
    guint8 server_key[SRTP_PROFILE_MAX_KEY_LEN];
    guint8 client_salt[SRTP_PROFILE_MAX_SALT_LEN];
    guint8 server_salt[SRTP_PROFILE_MAX_SALT_LEN];
} DtlsSrtpKeys;

/* Only when CONNECTED. Wipe the result with dtls_srtp_keys_clear() once the sessions exist. */
gboolean dtls_endpoint_get_srtp_keys(DtlsEndpoint *endpoint, DtlsSrtpKeys *keys, GError **error);

/* The key and salt we protect with (outbound session) and the peer protects with (inbound). */
void dtls_srtp_keys_get_local(const DtlsSrtpKeys *keys, const guint8 **key, const guint8 **salt);
void dtls_srtp_keys_get_remote(const DtlsSrtpKeys *keys, const guint8 **key, const guint8 **salt);
void dtls_srtp_keys_clear(DtlsSrtpKeys *keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtlsEndpoint, dtls_endpoint_free)

G_END_DECLS
