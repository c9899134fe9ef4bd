/* media.h: the one public header of phonghop's media library (the SFU).
 *
 * The server links media_dep and includes only this file; RTP, RTCP, ICE, DTLS and SRTP stay
 * behind it. Today it offers the library version, the first-byte classifier every media
 * socket needs, the error domain of refused SDP and the network settings of the transport;
 * rooms, peers and their events join as the router grows.
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

/* ---- network settings of the media transport (ICE) ----
 *
 * What the server's configuration says about media networking, handed to the media library at
 * start-up: the addresses to gather host candidates on, a public IPv4 address for a 1:1 NAT, the
 * UDP port range, the connect and dead-peer timeouts, and the TURN servers the clients are told
 * about (the server itself never relays through TURN).
 *
 * Ownership: reference-counted (atomically). Thread: build it on one thread with the setters,
 * then share it; once a peer uses it, it is read-only and may be read from any thread.
 * Errors: MEDIA_ICE_ERROR. */
#define MEDIA_ICE_ERROR (media_ice_error_quark())
GQuark media_ice_error_quark(void);

typedef enum {
    MEDIA_ICE_ERROR_CONFIG,    /* a configuration value is not valid */
    MEDIA_ICE_ERROR_ADDRESS,   /* no usable local address, or no free port in the range */
    MEDIA_ICE_ERROR_CANDIDATE, /* a remote candidate line that cannot be read */
    MEDIA_ICE_ERROR_STATE,     /* not possible in the peer's current state */
} MediaIceError;

typedef struct _MediaIceConfig MediaIceConfig;

/* No addresses (libnice then gathers on every non-loopback interface), no public address, any
 * port, no TURN, a 10 s connect timeout and a 15 s dead-peer timeout. Transfer full. */
MediaIceConfig *media_ice_config_new(void);
MediaIceConfig *media_ice_config_ref(MediaIceConfig *config);
void media_ice_config_unref(MediaIceConfig *config);

/* Adds an address to gather host candidates on: an IPv4 or IPv6 literal ("192.0.2.10",
 * "127.0.0.1") or an interface name ("eth0", every address it has when a peer starts). Loopback
 * is used only when listed here, which is what a loopback-only test does. */
gboolean media_ice_config_add_address(MediaIceConfig *config, const char *address, GError **error);
/* The public IPv4 address of a 1:1 NAT in front of this host: each private IPv4 host candidate
 * is also announced with this address and the same port (as a server-reflexive candidate). */
gboolean media_ice_config_set_public_ipv4(MediaIceConfig *config, const char *address,
                                          GError **error);
/* Host candidates bind in [min, max] (both 1..65535, min <= max); 0, 0 means any port. */
gboolean media_ice_config_set_port_range(MediaIceConfig *config, guint min, guint max,
                                         GError **error);
/* ICE and DTLS must complete within @connect_ms of the remote description; a connected peer
 * from which nothing arrives for @dead_ms is reported dead. Both at least 100 ms. */
gboolean media_ice_config_set_timeouts(MediaIceConfig *config, guint connect_ms, guint dead_ms,
                                       GError **error);
/* A TURN server for clients: @url is "turn:host[:port][?transport=udp|tcp]" or "turns:...";
 * @username and @credential are static credentials, or NULL when a shared secret is set. */
gboolean media_ice_config_add_turn_server(MediaIceConfig *config, const char *url,
                                          const char *username, const char *credential,
                                          GError **error);
/* A secret shared with coturn (use-auth-secret): clients get time-limited credentials,
 * username "<expiry>:<user>" and credential base64(HMAC-SHA1(secret, username)), valid for
 * @ttl_seconds. */
gboolean media_ice_config_set_turn_secret(MediaIceConfig *config, const char *secret,
                                          guint ttl_seconds, GError **error);
/* The "iceServers" array for a client's RTCConfiguration, as JSON text (transfer full), with
 * credentials for @user at @now_unix (seconds) when a secret is set; "[]" without TURN. */
char *media_ice_config_dup_ice_servers_json(const MediaIceConfig *config, const char *user,
                                            gint64 now_unix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaIceConfig, media_ice_config_unref)

G_END_DECLS
