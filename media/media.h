/* media.h: the one public header of phonghop's media library (the SFU).
 *
 * The server links media_dep and includes only this file; RTP, RTCP, ICE, DTLS and SRTP stay
 * behind it. Today it offers the library version and the first-byte classifier every media
 * socket needs; rooms, peers and their events join as the router grows.
 *
 * Thread: every function here is pure and may be called from any thread.
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

G_END_DECLS
