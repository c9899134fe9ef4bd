/* srtp.h: SRTP and SRTCP protection through libsrtp2 (private to media/).
 *
 * One SrtpSession per direction of one peer: the inbound session unprotects everything the peer
 * sends (any SSRC), the outbound session protects everything we send to it (outbound RTP with
 * AEAD_AES_128_GCM through OpenSSL, the same bytes libsrtp would write: srtp.c). Keys come from the
 * DTLS-SRTP handshake (dtls.h). Protection works in place in the caller's buffer, which must have
 * room for the authentication tag (srtp_session_get_overhead()) and be 4-byte aligned (libsrtp
 * reads the header as 32-bit words).
 *
 * Errors: creation is control plane (GError, SRTP_ERROR domain). Per packet: 0 or a negative
 * errno: -EACCES authentication failed (tampered, or the wrong key), -EALREADY a replay (or older
 * than the replay window), -ENOSPC no room for the tag, -EBADMSG not a packet libsrtp accepts,
 * -EIO anything else from libsrtp.
 *
 * Ownership: one owner calls srtp_session_free(). Thread: a session is used by one thread at a
 * time (its media worker); different sessions may be used on different threads at once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* DTLS-SRTP protection profiles, by their IANA values (RFC 5764 §4.1.2, RFC 7714 §14.2). */
typedef enum {
    SRTP_PROFILE_AES128_CM_SHA1_80 = 0x0001,
    SRTP_PROFILE_AEAD_AES_128_GCM = 0x0007,
} SrtpProfile;

typedef enum {
    SRTP_DIRECTION_INBOUND,  /* unprotect what the peer sends */
    SRTP_DIRECTION_OUTBOUND, /* protect what we send */
} SrtpDirection;

#define SRTP_PROFILE_MAX_KEY_LEN  16
#define SRTP_PROFILE_MAX_SALT_LEN 14
#define SRTP_SESSION_MAX_OVERHEAD 20 /* the most any profile adds to a packet (GCM SRTCP) */

#define SRTP_ERROR (srtp_error_quark())
GQuark srtp_error_quark(void);

typedef enum {
    SRTP_ERROR_LIBRARY, /* libsrtp could not be initialised or refused the session */
    SRTP_ERROR_KEY,     /* a key or salt of the wrong length for the profile */
} SrtpError;

/* Master key and salt lengths of a profile; 0 for an unknown value. */
gsize srtp_profile_get_key_len(SrtpProfile profile);
gsize srtp_profile_get_salt_len(SrtpProfile profile);
/* The profile's name as RFC 5764 / RFC 7714 spell it ("SRTP_AES128_CM_HMAC_SHA1_80"), or NULL
 * (transfer none, static). */
const char *srtp_profile_to_string(SrtpProfile profile);

typedef struct _SrtpSession SrtpSession;

/* Creates a session; initialises libsrtp on first use (thread-safe). The key material is copied
 * and wiped from the session's own memory when it is freed. Transfer full. */
SrtpSession *srtp_session_new(SrtpProfile profile, SrtpDirection direction, const guint8 *key,
                              gsize key_len, const guint8 *salt, gsize salt_len, GError **error);
void srtp_session_free(SrtpSession *session);

/* Protects everything through libsrtp, as before OpenSSL's AES-GCM took outbound GCM RTP (see
 * srtp.c): for tests that compare the two, and for diagnosis. Before the first packet only. */
void srtp_session_use_libsrtp_only(SrtpSession *session);

SrtpProfile srtp_session_get_profile(const SrtpSession *session);
/* Bytes protection adds to an RTP or an RTCP packet. */
gsize srtp_session_get_overhead(const SrtpSession *session, gboolean rtcp);

/* Outbound sessions: @buf holds a @len-byte packet inside @cap bytes; on success *@out_len is the
 * protected length (<= cap). On failure the packet is not sent. Retransmitting an identical
 * packet (same sequence number, same bytes) is allowed (RFC 4585 NACK without RTX). */
int srtp_session_protect_rtp(SrtpSession *session, guint8 *buf, gsize len, gsize cap,
                             gsize *out_len);
int srtp_session_protect_rtcp(SrtpSession *session, guint8 *buf, gsize len, gsize cap,
                              gsize *out_len);

/* Inbound sessions: decrypts and authenticates in place; *@out_len is the plain length. */
int srtp_session_unprotect_rtp(SrtpSession *session, guint8 *buf, gsize len, gsize *out_len);
int srtp_session_unprotect_rtcp(SrtpSession *session, guint8 *buf, gsize len, gsize *out_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SrtpSession, srtp_session_free)

G_END_DECLS
