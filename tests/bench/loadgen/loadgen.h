/* loadgen.h: the pieces of the SFU load generator (tests/bench/loadgen/), private to it.
 *
 * The load generator is a set of real WebRTC endpoints in one GLib process: publishers that
 * replay a pre-encoded Opus and VP8 stream as SRTP at real-time pace, and subscribers that
 * decrypt and count what the SFU forwards to them. It is built from the media library's own
 * transport primitives (ICE on libnice, DTLS on OpenSSL, SRTP on libsrtp) in the client roles a
 * browser takes (LgPeer), and talks to an SFU through one of its signalings (LgSignaling):
 * Janus VideoRoom's WebSocket JSON API, or phonghop's.
 *
 * Thread: everything runs on the process's main context; nothing here is thread-safe.
 * Ownership: each _new() has its _free(); borrowed pointers are said so.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "media.h"
#include "sdp/sdp.h"
#include "transport/dtls.h"
#include "transport/srtp.h"

G_BEGIN_DECLS

#define LG_MAX_PACKET 1500 /* the largest RTP packet sent or received */

/* ---- the pre-encoded stream (loadgen-stream.c) ----
 *
 * Two files of RTP packets as GStreamer's rtpstreampay writes them (RFC 4571 framing: a 16-bit
 * length before each packet), one for Opus and one for VP8. Each is read once into memory and
 * replayed in a loop: a packet is due at its RTP timestamp's offset from the first, and each
 * loop shifts timestamps, sequence numbers and VP8 picture ids on so that the receiver sees one
 * continuous stream. */
typedef enum {
    LG_KIND_AUDIO,
    LG_KIND_VIDEO,
    LG_N_KINDS,
} LgKind;

typedef struct {
    gint64 offset_us; /* from the start of the loop */
    guint32 ts_delta; /* RTP timestamp minus the first one */
    guint16 vp8_pid;  /* picture id minus the first one (VP8 with a 15-bit id), else 0 */
    gboolean has_pid; /* a 15-bit VP8 picture id at payload offset 2 */
    gboolean marker;  /* the RTP marker bit */
    guint32 payload;  /* offset of the payload in the track's data */
    guint16 payload_len;
} LgPacket;

typedef struct {
    LgKind kind;
    guint clock_rate;
    GByteArray *data; /* payloads */
    GArray *packets;  /* LgPacket, by offset */
    gint64 loop_us;   /* one loop, in microseconds */
    guint32 loop_ts;  /* one loop, in RTP timestamp units */
    guint16 loop_pids;
} LgTrack;

typedef struct {
    LgTrack tracks[LG_N_KINDS];
} LgStream;

/* Reads the two files; an error names the file and what is wrong with it. Transfer full. */
LgStream *lg_stream_load(const char *audio_path, const char *video_path, GError **error);
void lg_stream_free(LgStream *stream);
/* Packets per second of the loop, both kinds together. */
double lg_stream_get_packet_rate(const LgStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(LgStream, lg_stream_free)

/* ---- one peer connection (loadgen-peer.c) ----
 *
 * What a browser's RTCPeerConnection is to the SFU, as far as the transport goes: a libnice
 * agent with one bundled, rtcp-muxed component, controlling when it offered (RFC 8445 §6.1.1)
 * and controlled when it answered; the DTLS client unless the SFU's answer takes that part (our
 * answers say active, as browsers do); knowing one SRTP profile only, so that the profile
 * measured is the one asked for whatever the server prefers. */
typedef struct _LgPeer LgPeer;

typedef enum {
    LG_PEER_NEW,
    LG_PEER_CONNECTING,
    LG_PEER_CONNECTED,
    LG_PEER_FAILED,
} LgPeerState;

typedef struct {
    guint64 rx_rtp; /* authenticated and decrypted */
    guint64 rx_rtcp;
    guint64 rx_bytes;
    guint64 rx_bad; /* failed authentication, replays, unknown datagrams */
    guint64 tx_rtp;
    guint64 tx_rtcp;
    guint64 tx_errors;
} LgPeerStats;

typedef void (*LgPeerStateFunc)(LgPeer *peer, LgPeerState state, gpointer user_data);
/* A decrypted RTP packet (transfer none, valid for the call). */
typedef void (*LgPeerRtpFunc)(LgPeer *peer, const guint8 *data, gsize len, gpointer user_data);

LgPeer *lg_peer_new(GMainContext *context, MediaIceConfig *config, DtlsIdentity *identity,
                    SrtpProfile profile, const char *name, LgPeerStateFunc state_changed,
                    LgPeerRtpFunc rtp, gpointer user_data, GError **error);
void lg_peer_free(LgPeer *peer);
/* Our credentials, candidates and fingerprint for sdp_write_offer() and sdp_write_answer()
 * (strings borrowed from the peer). */
void lg_peer_get_local_transport(LgPeer *peer, SdpTransport *transport);
/* The SFU's answer to our offer, or its offer to us; only once. */
gboolean lg_peer_set_remote_description(LgPeer *peer, const SdpDescription *remote, GError **error);
/* Protects @len bytes of plain RTP or RTCP in @buf (4-byte aligned, @cap bytes with room for
 * the tag) in place and sends them. 0 or -errno. */
int lg_peer_send(LgPeer *peer, guint8 *buf, gsize len, gsize cap, gboolean rtcp);
LgPeerState lg_peer_get_state(const LgPeer *peer);
SrtpProfile lg_peer_get_profile(const LgPeer *peer);
const LgPeerStats *lg_peer_get_stats(const LgPeer *peer);
const char *lg_peer_get_name(const LgPeer *peer);
/* Why it failed, for the report (transfer none), or NULL. */
const char *lg_peer_get_failure(const LgPeer *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(LgPeer, lg_peer_free)

/* ---- signaling (loadgen-janus.c, loadgen-phonghop.c) ----
 *
 * What the load generator asks of an SFU's signaling, each step answered once through its
 * callback on the main context: @sdp (transfer none) or @error (transfer none). Participant
 * ids are the load generator's (1, 2, ...); a publisher's feed is known by its participant id.
 */
typedef void (*LgSdpFunc)(const char *sdp, const GError *error, gpointer user_data);
typedef void (*LgDoneFunc)(const GError *error, gpointer user_data);

typedef struct _LgSignaling LgSignaling;

typedef struct {
    const char *name; /* "janus", "phonghop" */
    /* Connects and prepares a room for @n_publishers Opus and VP8 publishers. */
    void (*open)(LgSignaling *sig, guint n_publishers, LgDoneFunc func, gpointer user_data);
    /* @participant joins (signs in) before any negotiation; NULL when there is nothing to do. */
    void (*join)(LgSignaling *sig, guint64 participant, LgDoneFunc func, gpointer user_data);
    /* @participant publishes: @offer is ours, the answer comes back. */
    void (*publish)(LgSignaling *sig, guint64 participant, const char *offer, LgSdpFunc func,
                    gpointer user_data);
    /* @participant receives @feeds: the SFU's offer comes back. */
    void (*subscribe)(LgSignaling *sig, guint64 participant, const guint64 *feeds, guint n_feeds,
                      LgSdpFunc func, gpointer user_data);
    /* Our answer to that offer. */
    void (*answer)(LgSignaling *sig, guint64 participant, const char *answer, LgDoneFunc func,
                   gpointer user_data);
    void (*free)(LgSignaling *sig);
} LgSignalingClass;

struct _LgSignaling {
    const LgSignalingClass *klass;
};

/* Janus VideoRoom over its WebSocket transport, @url "ws://host:8188/". Transfer full. */
LgSignaling *lg_janus_new(const char *url);
/* phonghop: the benchmark host of its media engine (loadgen-sfu), @url "ws://host:port/".
 * Transfer full. */
LgSignaling *lg_phonghop_new(const char *url);
/* phonghop's daemon: @base "http://host:port"; participant i signs in as @users[i - 1] with
 * @password and joins @meeting_id's media on its own /ws (loadgen-daemon.c). Transfer full. */
LgSignaling *lg_daemon_new(const char *base, gint64 meeting_id, const char *const *users,
                           const char *password);

static inline void lg_signaling_free(LgSignaling *sig)
{
    if (sig != NULL)
        sig->klass->free(sig);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(LgSignaling, lg_signaling_free)

/* ---- a small JSON-over-WebSocket client (loadgen-ws.c) ----
 *
 * One WebSocket connection carrying JSON text messages, on libsoup 3. Every message received
 * goes to @func as a parsed object (transfer none); a message that is not a JSON object is
 * logged and dropped. */
typedef struct _LgWs LgWs;
typedef void (*LgWsMessageFunc)(JsonObject *message, gpointer user_data);
typedef void (*LgWsOpenFunc)(LgWs *ws, const GError *error, gpointer user_data);

LgWs *lg_ws_new(const char *url, const char *protocol, LgWsMessageFunc func, gpointer user_data);
/* A "Cookie" header for the upgrade request ("name=value"), before lg_ws_open(). */
void lg_ws_set_cookie(LgWs *ws, const char *cookie);
void lg_ws_open(LgWs *ws, LgWsOpenFunc func, gpointer user_data);
/* Sends @message (transfer none) as compact JSON text. FALSE while not open. */
gboolean lg_ws_send(LgWs *ws, JsonObject *message);
void lg_ws_free(LgWs *ws);

G_END_DECLS
