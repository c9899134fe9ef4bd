/* sfu-room.h: one meeting's media on its worker: participants, tracks, subscriptions, the floor
 * gate, feedback and taps (private to media/).
 *
 * An SfuRoom forwards decrypted RTP. A participant publishes tracks (audio; video with up to
 * SFU_MAX_LAYERS simulcast layers, each its own SSRC, named by rid) and subscribes to other
 * participants' tracks. A packet handed to sfu_room_on_rtp() by the participant's transport goes
 * to every subscriber of its track, each through its own SfuRewriter (one SSRC, continuous
 * sequence numbers and timestamps across simulcast switches and pauses), built into that
 * subscriber's own preallocated buffer and given to the subscriber's transport, which protects
 * it (SRTP) and sends it. The room never decrypts or encrypts: the transport does both, once per
 * packet in and once per packet out.
 *
 * The floor gate. A participant's audio is forwarded only while
 *     (it holds the floor || the chair opened all microphones || its role is chair)
 *     && the chair has not muted it at the server;
 * video is forwarded unless the chair muted it. The gate is a flag per participant, recomputed
 * by the control calls below and read by every packet, so a change applies to the very next
 * packet: the worker runs control calls between packets. Taps see what subscribers see.
 *
 * Feedback: NACKs from a subscriber are answered from the publisher stream's SfuNackCache (the
 * subscriber's sequence number is mapped back through its rewriter); PLI and FIR from a
 * subscriber, a new subscription and every layer switch ask the publisher for a key frame
 * (at most one request per layer per keyframe interval), with PLI or, where the publisher
 * negotiated only ccm fir, FIR; REMB from a subscriber sets its bandwidth estimate, from which
 * each of its video subscriptions gets a layer (sfu-layer.h). Towards publishers: a gap in a
 * video stream's sequence numbers is NACKed at once and retried (sfu-nack-gen.h) when the track
 * negotiated nack, and a REMB computed from what arrives (sfu-uplink.h) is sent every report
 * interval when it negotiated goog-remb.
 * On its timer the room sends receiver reports to publishers and sender reports to subscribers,
 * picks the active speaker from audio levels (sfu-speaker.h) and reports per-peer statistics.
 *
 * The transport interface. The room does no I/O. A transport (the MediaPeer of
 * transport/peer.h in the server, an in-memory fake in tests) gives the room a SfuTransport and
 * its own pointer per participant and direction, and calls the entry points with decrypted
 * packets. A participant with one peer connection for both directions sets the same transport on
 * both sides.
 *
 * Errors: control calls return FALSE with a GError in the SFU_ROOM_ERROR domain; the packet entry
 * points return 0 or a negative errno and count what they drop.
 *
 * Allocation: the packet path (on_rtp, and NACK answers in on_rtcp) allocates nothing and takes
 * no lock; buffers, caches and arrays are allocated by the control calls.
 *
 * Ownership: one owner calls sfu_room_free(), which frees participants, tracks, subscriptions
 * and taps. Thread: everything here runs on the room's worker thread (sfu_room_new() may run
 * anywhere, before the room is handed to its worker). Callbacks (SfuRoomEvents, SfuTransport,
 * SfuTapFuncs) are called on that thread from inside the room's own calls and must not call
 * back into the room.
 */
#pragma once

#include <glib.h>

#include "router/sfu-layer.h"

G_BEGIN_DECLS

#define SFU_ROOM_ERROR (sfu_room_error_quark())
GQuark sfu_room_error_quark(void);

typedef enum {
    SFU_ROOM_ERROR_INVALID,   /* an argument the room cannot use */
    SFU_ROOM_ERROR_EXISTS,    /* the participant, track or subscription is already there */
    SFU_ROOM_ERROR_NOT_FOUND, /* no such participant, track or subscription */
    SFU_ROOM_ERROR_LIMIT,     /* too many tracks */
} SfuRoomError;

#define SFU_MAX_TRACKS      4      /* tracks one participant publishes */
#define SFU_MID_MAX_LEN     16     /* RFC 8843 mid, carried in a one-byte extension element */
#define SFU_RID_MAX_LEN     16     /* RFC 8851 rid */
#define SFU_MAX_PACKET_LEN  1500   /* the largest RTP packet accepted from a publisher */
#define SFU_SEND_BUFFER_LEN 1600   /* a packet, our extension block and the SRTP tag */
#define SFU_ROOM_TICK_US    100000 /* how often the owner calls sfu_room_tick() */

typedef enum {
    SFU_ROLE_MEMBER, /* đại biểu: speaks when given the floor */
    SFU_ROLE_CHAIR,  /* chủ tọa: always heard */
    SFU_ROLE_GUEST,  /* khách mời: speaks when given the floor */
    SFU_ROLE_SITE,   /* điểm cầu: a hall's camera and microphones; gated like a member */
} SfuRole;

typedef enum {
    SFU_MEDIA_AUDIO,
    SFU_MEDIA_VIDEO,
} SfuMediaKind;

typedef enum {
    SFU_CODEC_OPUS,  /* and any other audio codec: forwarded as is */
    SFU_CODEC_VP8,   /* key frames, picture ids: simulcast switching */
    SFU_CODEC_H264,  /* packetization mode 0 or 1; key frames: simulcast switching */
    SFU_CODEC_OTHER, /* video we cannot look into: one layer, every packet may start */
} SfuCodec;

typedef enum {
    SFU_SIDE_PUBLISH,   /* we receive RTP from the peer and send it RTCP feedback */
    SFU_SIDE_SUBSCRIBE, /* we send RTP and sender reports to the peer */
    SFU_N_SIDES,
} SfuSide;

/* RFC 8285 header extension ids negotiated with a peer (1..14), 0 when not negotiated:
 *  mid               urn:ietf:params:rtp-hdrext:sdes:mid
 *  rid               urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
 *  repaired_rid      urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
 *  audio_level       urn:ietf:params:rtp-hdrext:ssrc-audio-level
 *  abs_send_time     http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
 *  video_orientation urn:3gpp:video-orientation
 * Forwarded packets carry only what the subscriber negotiated: its mid for the track, the
 * publisher's audio level and video orientation, and a fresh abs-send-time (which a browser's
 * receive-side bandwidth estimator, and so its REMB, needs). Everything else is dropped. */
typedef struct {
    guint8 mid;
    guint8 rid;
    guint8 repaired_rid;
    guint8 audio_level;
    guint8 abs_send_time;
    guint8 video_orientation;
} SfuExtIds;

/* How the room reaches a peer. Both functions are called on the worker thread with a buffer the
 * room owns: @len bytes of plain RTP (RTCP) inside @cap bytes, 4-byte aligned, room for the SRTP
 * tag included. The transport may protect it in place; it must be done with the buffer when it
 * returns. Return 0 or a negative errno (counted as a send error). */
typedef struct {
    int (*send_rtp)(gpointer peer, guint8 *buf, gsize len, gsize cap);
    int (*send_rtcp)(gpointer peer, guint8 *buf, gsize len, gsize cap);
} SfuTransport;

typedef struct {
    guint64 participant_id;
    SfuRole role;
    gboolean connected;
    gboolean audio_open;  /* the floor gate */
    gboolean muted_audio; /* by the chair */
    gboolean muted_video;
    guint64 rx_bitrate_bps; /* what it publishes */
    guint64 tx_bitrate_bps; /* what it is sent */
    guint64 rx_packets;
    gint64 rx_lost;       /* cumulative, all its streams */
    gdouble rx_loss;      /* fraction lost over the last report interval, worst stream */
    gdouble tx_loss;      /* fraction lost it reported, worst stream */
    gint64 rtt_us;        /* from its receiver reports; -1 unknown */
    guint64 estimate_bps; /* its REMB; 0 unknown */
    gint layer;           /* simulcast layer of its largest video view; -1 none */
} SfuPeerStats;

/* Room-wide counters since creation. */
typedef struct {
    guint64 rx_packets;
    guint64 rx_malformed;
    guint64 rx_unknown_ssrc;  /* no track of the sender has this SSRC, mid or rid */
    guint64 rx_other_payload; /* a payload type the track does not forward (RTX, FEC) */
    guint64 forwarded;        /* packets sent to subscribers */
    guint64 dropped_floor;    /* audio held back by the floor gate */
    guint64 dropped_muted;    /* held back by a chair mute */
    guint64 dropped_too_big;
    guint64 send_errors;
    guint64 retransmitted;     /* NACKs answered from the cache */
    guint64 nack_misses;       /* NACKed packets no longer (or never) in the cache */
    guint64 keyframe_requests; /* PLIs and FIRs sent to publishers */
    guint64 nacks_sent;        /* sequence numbers NACKed to publishers, retries included */
    guint64 remb_sent;         /* REMBs sent to publishers */
    guint64 reports_sent;      /* RTCP compounds sent (RR to publishers, SR to subscribers) */
    guint64 tap_packets;
} SfuRoomCounters;

/* What the room tells its owner, on the worker thread. Each may be NULL. */
typedef struct {
    void (*peer_state)(gpointer user_data, guint64 participant_id, gboolean up);
    void (*active_speaker)(gpointer user_data, guint64 participant_id);
    /* The gate now follows this floor: called after every floor or open-microphone change. */
    void (*floor_applied)(gpointer user_data, guint64 floor_holder, gboolean open_microphones);
    void (*mute_applied)(gpointer user_data, guint64 participant_id, SfuMediaKind kind,
                         gboolean muted);
    /* Every stats interval; @stats (transfer none) has one entry per participant. */
    void (*stats)(gpointer user_data, const SfuPeerStats *stats, guint n_stats);
} SfuRoomEvents;

typedef struct {
    gint64 meeting_id;               /* for logs */
    guint nack_slots;                /* packets kept per video layer, a power of two; 0: 512 */
    gint64 nack_max_age_us;          /* 0: 1 s */
    gint64 report_interval_us;       /* RR and SR; 0: 1 s */
    gint64 stats_interval_us;        /* 0: 2 s */
    gint64 keyframe_min_interval_us; /* between two PLIs for one layer; 0: 300 ms */
    guint64 initial_estimate_bps;    /* a subscriber's budget before its first REMB; 0: 1 Mb/s */
    guint64 publisher_max_bps;       /* the most a publisher's REMB allows; 0: 4 Mb/s */
} SfuRoomConfig;

typedef struct _SfuRoom SfuRoom;
typedef struct _SfuParticipant SfuParticipant;
typedef struct _SfuTap SfuTap;

/* @config and @events are copied; @user_data is passed to the events. Transfer full. */
SfuRoom *sfu_room_new(const SfuRoomConfig *config, const SfuRoomEvents *events, gpointer user_data);
void sfu_room_free(SfuRoom *room);

gint64 sfu_room_get_meeting_id(const SfuRoom *room);

/* @func(@data) runs when the room is freed, before anything of it is (in the reverse order of
 * the calls): the owner of the peers that feed the room closes them there, so no transport
 * calls into a room that is going away. */
void sfu_room_add_cleanup(SfuRoom *room, GDestroyNotify func, gpointer data);
/* Transfer none. */
const SfuRoomCounters *sfu_room_get_counters(const SfuRoom *room);

/* ---- participants ---- */

/* @participant_id: non-zero, unique in the room; @display_name: for logs (copied). Returns the
 * participant (transfer none, valid until it is removed), or NULL with EXISTS or INVALID. */
SfuParticipant *sfu_room_add_participant(SfuRoom *room, guint64 participant_id,
                                         const char *display_name, SfuRole role, GError **error);
/* Removes the participant with its tracks (every subscription to them ends) and its own
 * subscriptions, after running its cleanups. Its transport must not call the entry points with
 * it again. */
gboolean sfu_room_remove_participant(SfuRoom *room, guint64 participant_id, GError **error);
/* Transfer none; NULL when absent. */
SfuParticipant *sfu_room_get_participant(SfuRoom *room, guint64 participant_id);
guint64 sfu_participant_get_id(const SfuParticipant *participant);
/* @func(@data) runs when the participant is removed (or the room freed), before anything of it
 * is freed, in the reverse order of the calls: the owner of its peers closes them there, so no
 * transport calls the entry points with a participant that is gone. */
void sfu_participant_add_cleanup(SfuParticipant *participant, GDestroyNotify func, gpointer data);
gboolean sfu_room_set_role(SfuRoom *room, guint64 participant_id, SfuRole role, GError **error);

/* Attaches (or, with @transport NULL, detaches) the peer that carries @side for @participant.
 * @transport and @peer are borrowed until detached or the participant is removed; @ext may be
 * NULL (no extensions). */
void sfu_participant_set_transport(SfuParticipant *participant, SfuSide side,
                                   const SfuTransport *transport, gpointer peer,
                                   const SfuExtIds *ext);
/* The transport's ICE and DTLS are up (or down again): reported as a peer_state event. */
void sfu_room_set_peer_connected(SfuRoom *room, SfuParticipant *participant, gboolean connected);

/* ---- tracks and subscriptions ---- */

typedef struct {
    const char *rid; /* RFC 8851 rid, or NULL without simulcast */
    guint32 ssrc;    /* from a=ssrc, or 0: learnt from the first packet with this rid (or mid) */
    guint16 width;   /* expected size, 0 unknown: learnt from VP8 key frames */
    guint16 height;
} SfuLayerConfig;

/* RTCP feedback a publisher's track negotiated (RFC 4585, RFC 5104, goog-remb). */
typedef enum {
    SFU_FB_NACK = 1 << 0, /* generic NACK: we NACK gaps in what it sends */
    SFU_FB_PLI = 1 << 1,  /* nack pli */
    SFU_FB_FIR = 1 << 2,  /* ccm fir: used for key frames where PLI was not negotiated */
    SFU_FB_REMB = 1 << 3, /* goog-remb: we send it our estimate of its uplink */
} SfuFeedback;

typedef struct {
    const char *mid; /* the publisher's m-line, names the track; 1..SFU_MID_MAX_LEN */
    SfuMediaKind kind;
    SfuCodec codec;
    guint8 payload_type;                   /* the only one forwarded */
    guint32 clock_rate;                    /* 48000 for Opus, 90000 for video */
    guint n_layers;                        /* 1..SFU_MAX_LAYERS; 1 for audio */
    SfuLayerConfig layers[SFU_MAX_LAYERS]; /* lowest quality first */
    guint feedback; /* SfuFeedback; 0 (nothing said): key frames asked for with PLI, no more */
} SfuTrackConfig;

gboolean sfu_room_publish(SfuRoom *room, guint64 participant_id, const SfuTrackConfig *config,
                          GError **error);
/* Ends every subscription to the track and forgets it. */
gboolean sfu_room_unpublish(SfuRoom *room, guint64 participant_id, const char *mid, GError **error);

typedef struct {
    guint32 ssrc;      /* the SSRC the subscriber was told (a=ssrc); non-zero */
    gint payload_type; /* what the subscriber negotiated for the codec; -1: the publisher's */
    const char *mid;   /* the subscriber's m-line, written in the mid extension; may be NULL */
} SfuSubscribeConfig;

/* @subscriber_id receives @publisher_id's track @mid. A video subscription starts at the layer its
 * budget allows and asks the publisher for a key frame. */
gboolean sfu_room_subscribe(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                            const char *mid, const SfuSubscribeConfig *config, gint64 now_us,
                            GError **error);
gboolean sfu_room_unsubscribe(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                              const char *mid, GError **error);
/* The size at which @subscriber_id shows @publisher_id's video (every video track of it), in
 * pixels; 0 x 0 hides it (nothing is sent). Until told, a view has no size limit. */
gboolean sfu_room_set_view(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                           guint16 width, guint16 height, gint64 now_us, GError **error);

/* ---- the floor ----
 * Control calls that may ask for a key frame take the time (monotonic, like the packet path's). */

/* 0: nobody holds the floor. The id need not be a participant yet (one who joins later is
 * gated by it). */
void sfu_room_set_floor(SfuRoom *room, guint64 participant_id);
void sfu_room_set_open_microphones(SfuRoom *room, gboolean open);
gboolean sfu_room_mute(SfuRoom *room, guint64 participant_id, SfuMediaKind kind, gboolean muted,
                       gint64 now_us, GError **error);
guint64 sfu_room_get_floor(const SfuRoom *room);
gboolean sfu_room_get_open_microphones(const SfuRoom *room);
/* Whether the gate passes the participant's audio now. */
gboolean sfu_participant_is_audio_open(const SfuParticipant *participant);

/* ---- the packet path ---- */

/* One decrypted RTP packet from @from (a publisher), received at @now_us (monotonic). @buf is
 * read, not changed, and not kept. Returns 0 (forwarded, or held back by the gate), -EBADMSG,
 * -EMSGSIZE, -ENOENT (unknown stream) or -EPROTONOSUPPORT (a payload type not forwarded). */
int sfu_room_on_rtp(SfuRoom *room, SfuParticipant *from, guint8 *buf, gsize len, gint64 now_us);
/* One decrypted RTCP compound from @from. Returns 0 or -EBADMSG (what came before the malformed
 * packet has been acted on). */
int sfu_room_on_rtcp(SfuRoom *room, SfuParticipant *from, const guint8 *buf, gsize len,
                     gint64 now_us);
/* The room's timer, every SFU_ROOM_TICK_US: keyframe retries, layer choice, the active speaker,
 * receiver and sender reports, statistics. */
void sfu_room_tick(SfuRoom *room, gint64 now_us);

/* Statistics as of @now_us (transfer full: a GArray of SfuPeerStats, one per participant). */
GArray *sfu_room_collect_stats(SfuRoom *room, gint64 now_us);

/* ---- taps ---- */

/* A tap is a subscriber without a transport, for the recorder and the compositor: it receives
 * the decrypted RTP of the tracks it selects, rewritten into one continuous stream per track
 * (own SSRC, continuous sequence numbers and timestamps, one fixed simulcast layer), and sender
 * reports with an SDES CNAME per publisher (so rtpbin can synchronise a participant's audio and
 * video), through these callbacks, on the worker thread, from inside the room's packet path.
 * A callback must be cheap and never block: a GStreamer consumer copies the packet into a
 * bounded queue (appsrc with max-bytes or max-time and leaky-type=downstream, or a ring it
 * drains on its own thread) and returns; a full queue drops, it does not wait. @rtp and @rtcp are
 * borrowed for the call.
 *
 * Each track that reaches the tap is an SfuTapTrack, valid from track_added to track_removed:
 * a track starts reaching the tap when it is selected (published and selected, in either order)
 * and stops when it is unpublished, its publisher leaves, it is unselected or the tap removed.
 * The consumer may keep its own pointer in @data (set it in track_added); the packet callbacks
 * get the same SfuTapTrack, so finding the consumer's queue for a packet costs nothing. */
typedef struct {
    guint64 participant_id;
    char mid[SFU_MID_MAX_LEN + 1]; /* the publisher's m-line */
    SfuMediaKind kind;
    SfuCodec codec;
    guint8 payload_type;
    guint32 clock_rate;
    guint32 ssrc;  /* of the rewritten stream the tap receives */
    gpointer data; /* the consumer's */
} SfuTapTrack;

typedef struct {
    void (*rtp)(gpointer user_data, const SfuTapTrack *track, const guint8 *rtp, gsize len);
    void (*rtcp)(gpointer user_data, const SfuTapTrack *track, const guint8 *rtcp,
                 gsize len);                                       /* may be NULL */
    void (*track_added)(gpointer user_data, SfuTapTrack *track);   /* may be NULL */
    void (*track_removed)(gpointer user_data, SfuTapTrack *track); /* may be NULL */
} SfuTapFuncs;

/* @funcs is copied; @destroy (may be NULL) is called with @user_data when the tap is removed.
 * Transfer none: the room owns the tap. */
SfuTap *sfu_room_add_tap(SfuRoom *room, const SfuTapFuncs *funcs, gpointer user_data,
                         GDestroyNotify destroy);
void sfu_room_remove_tap(SfuRoom *room, SfuTap *tap);
/* The tap receives every track of @kind that @participant_id publishes, now or later
 * (@participant_id 0: every participant, now or later). Video is taken from @layer (-1: the
 * highest layer that flows, followed as layers start and stop). Selecting twice changes the
 * layer. */
void sfu_tap_select(SfuTap *tap, guint64 participant_id, SfuMediaKind kind, gint layer,
                    gint64 now_us);
void sfu_tap_unselect(SfuTap *tap, guint64 participant_id, SfuMediaKind kind);
/* Asks for a key frame on the tap's video tracks of @participant_id (a GStreamer depayloader's
 * force-key-unit event becomes this). Rate-limited like every request. */
void sfu_tap_request_keyframe(SfuTap *tap, guint64 participant_id, gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfuRoom, sfu_room_free)

G_END_DECLS
