/* media.h: the one public header of phonghop's media library (the SFU).
 *
 * The server links media_dep and includes only this file; RTP, RTCP, ICE, DTLS and SRTP stay
 * behind it. Today it offers the library version, the first-byte classifier every media
 * socket needs and the error domain of refused SDP; rooms, peers and their events join as the
 * router grows.
 *
 * Thread: unless a section says otherwise, every function here is pure and may be called from
 * any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The library's version, the project's version (transfer none, static). */
const char *media_version(void);

/* What arrived on a media socket, by RFC 7983 §7 (first octet) and RFC 5761 §4 (RTP and RTCP
 * told apart by the second octet), each with the minimum length of its header. */
typedef enum {
    MEDIA_DATAGRAM_UNKNOWN = 0,  /* none of the below, or too short for its header: drop it */
    MEDIA_DATAGRAM_STUN,         /* first octet 0-3, RFC 5389 header with the magic cookie */
    MEDIA_DATAGRAM_ZRTP,         /* 16-19 */
    MEDIA_DATAGRAM_DTLS,         /* 20-63 */
    MEDIA_DATAGRAM_TURN_CHANNEL, /* 64-79 */
    MEDIA_DATAGRAM_RTP,          /* 128-191, payload type octet outside 192-223 */
    MEDIA_DATAGRAM_RTCP,         /* 128-191, packet type 192-223 */
} MediaDatagramKind;

/* Classifies one UDP datagram. Never reads past @len; never fails. */
MediaDatagramKind media_datagram_classify(const guint8 *data, gsize len);

/* A short lower-case name for logs ("stun", "rtp", ...) (transfer none, static). */
const char *media_datagram_kind_to_string(MediaDatagramKind kind);

/* ---- SDP errors ----
 *
 * A description the media library refuses (an offer or answer from a client) fails with a
 * GError in this domain. Its message is written for the person debugging the client and may be
 * sent back to it as is ("no codec in common for video: offered H265, supported VP8, H264
 * (packetization-mode=1)", "the offer has no fingerprint"); it never contains secrets. */
#define MEDIA_SDP_ERROR (media_sdp_error_quark())
GQuark media_sdp_error_quark(void);

typedef enum {
    MEDIA_SDP_ERROR_TOO_LARGE,   /* past a limit: 64 KB of text, 16 media sections, 4 KB a line */
    MEDIA_SDP_ERROR_SYNTAX,      /* not SDP, or a line or attribute we cannot read */
    MEDIA_SDP_ERROR_MISSING,     /* a required part is absent (fingerprint, ICE credentials) */
    MEDIA_SDP_ERROR_UNSUPPORTED, /* valid SDP asking for what phonghop does not do */
    MEDIA_SDP_ERROR_NO_CODEC,    /* no codec in common for a media section */
    MEDIA_SDP_ERROR_MISMATCH,    /* an answer that does not answer the offer it was given */
} MediaSdpError;

G_END_DECLS
