/* sfu-room-private.h: the structures behind sfu-room.h, shared by its three files (private to
 * media/router/).
 *
 *  - sfu-room.c     control: participants, tracks, subscriptions, the floor gate, taps
 *  - sfu-forward.c  the packet path: RTP in, rewrite, out; NACK answers
 *  - sfu-rtcp.c     RTCP in; key frame requests; the timer: layers, speaker, reports, stats
 *
 * Ownership inside a room: the room owns its participants and taps; a participant owns its tracks
 * (and their layers' NACK caches) and its subscriptions; a tap owns its sinks. A track's `sinks`
 * array borrows the sinks that receive it (subscriptions and tap sinks alike), which are removed
 * from it before they are freed.
 */
#pragma once

#include "router/sfu-nack-cache.h"
#include "router/sfu-nack-gen.h"
#include "router/sfu-rewriter.h"
#include "router/sfu-room.h"
#include "router/sfu-rx-stats.h"
#include "router/sfu-speaker.h"
#include "router/sfu-uplink.h"
#include "rtp/rtcp.h"
#include "rtp/rtp-payload.h"
#include "rtp/rtp.h"

G_BEGIN_DECLS

#define SFU_MAX_STREAMS         (SFU_MAX_TRACKS * SFU_MAX_LAYERS)
#define SFU_KEYFRAME_RETRY_US   (1 * G_USEC_PER_SEC) /* ask again if none came */
#define SFU_LAYER_EVAL_US       (500 * 1000)         /* re-choose layers this often */
#define SFU_NACK_MAX_PER_PACKET 64                   /* sequence numbers answered per NACK */
#define SFU_RTCP_BUFFER_LEN     1500
#define SFU_RTCP_MAX_COMPOUND   1200 /* split reports past this */
#define SFU_SR_HISTORY          4    /* sender reports remembered for RTT */

/* g_debug() formats its message before the writer decides to drop it (GLib 2.74), which
 * allocates: the router's debug lines are formatted only when debug output is on for its
 * domain, so a floor change or a layer switch stays free of allocation. */
#define sfu_debug(...)                                                         \
    G_STMT_START                                                               \
    {                                                                          \
        if (!g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)) \
            g_debug(__VA_ARGS__);                                              \
    }                                                                          \
    G_STMT_END

typedef struct _SfuTrack SfuTrack;
typedef struct _SfuSink SfuSink;

typedef struct {
    const SfuTransport *transport; /* NULL: not attached */
    gpointer peer;
    SfuExtIds ext;
} SfuLink;

/* One incoming RTP stream: a simulcast layer, or the only layer of a track. */
typedef struct {
    SfuTrack *track;
    guint index;
    char rid[SFU_RID_MAX_LEN + 1];
    gboolean bound; /* its SSRC is known */
    guint32 ssrc;
    SfuRxStats rx;
    SfuNackCache *nack; /* video only */
    SfuRateMeter rate;
    gboolean seen;
    gint64 last_packet_us;
    guint16 width; /* from the last key frame (VP8), or as configured */
    guint16 height;
    gint64 keyframe_requested_us; /* last PLI sent; 0 never */
    gboolean keyframe_wanted;     /* a request waits for the rate limit or for the SSRC */
    guint8 fir_seq;               /* RFC 5104 §4.3.1.1: one more per new FIR request */
    SfuNackGen missing;           /* video with nack: gaps to NACK to the publisher */
    SfuDelayTrend delay;          /* queuing on the publisher's uplink, for its REMB */
    guint8 last_fraction_lost;    /* in our last receiver report */
    /* the publisher's last sender report on this stream (RFC 3550 §6.4.1) */
    gboolean have_sr;
    guint64 sr_ntp;
    guint32 sr_rtp;
    gint64 sr_arrival_us;
} SfuLayer;

struct _SfuTrack {
    SfuParticipant *publisher;
    char mid[SFU_MID_MAX_LEN + 1];
    SfuMediaKind kind;
    SfuCodec codec;
    guint8 payload_type;
    guint32 clock_rate;
    guint feedback; /* SfuFeedback the publisher negotiated */
    guint n_layers;
    SfuLayer layers[SFU_MAX_LAYERS];
    GPtrArray *sinks; /* SfuSink *, borrowed */
    SfuAudioLevel level;
};

/* One track going to one subscriber or one tap. */
struct _SfuSink {
    SfuTrack *track;
    SfuParticipant *subscriber; /* NULL for a tap */
    SfuTap *tap;                /* NULL for a subscriber */
    guint32 ssrc;
    guint8 payload_type;
    guint8 mid_len;
    char mid[SFU_MID_MAX_LEN + 1];
    SfuRewriter rw;
    gint layer;            /* the layer targeted; -1 none (paused, or nothing arrives yet) */
    gint fixed_layer;      /* taps: the layer asked for (-1: the highest); subscribers: unused */
    SfuTapTrack tap_track; /* taps: what the tap's callbacks are given */
    guint16 view_width;    /* SFU_DISPLAY_UNKNOWN until the subscriber says */
    guint16 view_height;
    gint64 switched_us;   /* the last change of target */
    gboolean waiting;     /* for a key frame of the target layer */
    gint64 waiting_since; /* since then (the last request for it) */
    guint64 packets;
    guint64 octets;
    SfuRateMeter rate;
    /* from the subscriber's receiver reports */
    guint8 fraction_lost;
    guint32 jitter;
    /* our sender reports, for the round trip (RFC 3550 §6.4.1) */
    guint32 sr_lsr[SFU_SR_HISTORY];
    gint64 sr_sent_us[SFU_SR_HISTORY];
    guint sr_next;
};

typedef struct {
    guint32 ssrc;
    SfuLayer *layer;
} SfuSsrcEntry;

struct _SfuParticipant {
    SfuRoom *room;
    guint64 id;
    char *display_name;
    char cname[32]; /* SDES CNAME of its streams as we send them */
    SfuRole role;
    gboolean connected;
    gboolean muted_audio;
    gboolean muted_video;
    gboolean audio_open; /* the gate, see sfu_room_update_gates() */
    SfuLink links[SFU_N_SIDES];
    guint32 rtcp_ssrc; /* our sender SSRC in RTCP to it */

    SfuTrack *tracks[SFU_MAX_TRACKS];
    guint n_tracks;
    SfuSsrcEntry ssrcs[SFU_MAX_STREAMS]; /* bound layers of its tracks */
    guint n_ssrcs;

    /* as a subscriber: audio first, then video by view area, largest first */
    GPtrArray *subscriptions; /* SfuSink *, owned */
    gboolean has_estimate;
    guint64 estimate_bps;
    gint64 rtt_us; /* -1 unknown */

    guint8 *send_buf; /* SFU_SEND_BUFFER_LEN */
    GArray *cleanups; /* SfuCleanup, run first by participant_free() */
    guint64 rx_packets;
    SfuUplink uplink; /* the REMB we send it */
    SfuRateMeter rx_rate;
    SfuRateMeter tx_rate;
};

typedef struct {
    guint64 participant_id;
    SfuMediaKind kind;
    gint layer;
} SfuTapSelection;

typedef struct {
    GDestroyNotify func;
    gpointer data;
} SfuCleanup;

struct _SfuTap {
    SfuRoom *room;
    SfuTapFuncs funcs;
    gpointer user_data;
    GDestroyNotify destroy;
    GArray *selections; /* SfuTapSelection */
    GPtrArray *sinks;   /* SfuSink *, owned */
    guint8 *buf;        /* SFU_SEND_BUFFER_LEN */
};

struct _SfuRoom {
    SfuRoomConfig config;
    SfuRoomEvents events;
    gpointer user_data;
    GPtrArray *participants; /* SfuParticipant *, owned */
    GPtrArray *taps;         /* SfuTap *, owned */
    GArray *cleanups;        /* SfuCleanup, run first by sfu_room_free() */
    guint64 floor_holder;
    gboolean open_microphones;
    SfuSpeaker speaker;
    SfuRoomCounters counters;
    gint64 now_us; /* the latest time an entry point was given */
    gint64 last_report_us;
    gint64 last_stats_us;
    gint64 last_layer_eval_us;
    guint8 *rtcp_buf;    /* SFU_RTCP_BUFFER_LEN: RTCP we build */
    guint8 *scratch_buf; /* SFU_MAX_PACKET_LEN: a cached packet being retransmitted */
};

/* sfu-room.c */
SfuTrack *sfu_participant_find_track(SfuParticipant *p, const char *mid);
/* Recomputes every participant's gate; resyncs the streams that open. */
void sfu_room_update_gates(SfuRoom *room);
/* Points @sink at @layer (-1 pauses it) and asks for a key frame when it needs one. */
void sfu_sink_set_layer(SfuRoom *room, SfuSink *sink, gint layer, gint64 now_us);
/* A tap without a layer of its own follows the highest layer flowing (no packet for
 * SFU_TAP_LAYER_IDLE_US: not flowing); run with the layer choice of the room's tick. */
#define SFU_TAP_LAYER_IDLE_US (1500 * 1000)
void sfu_room_update_tap_layers(SfuRoom *room, gint64 now_us);

/* sfu-forward.c */
/* Builds the subscriber's packet for @pkt in @buf and returns its length, 0 when it does not fit.
 */
gsize sfu_sink_build_packet(SfuSink *sink, const RtpPacket *pkt, const SfuRewriteOut *out,
                            const RtpVp8Descriptor *vp8, guint8 *buf, gsize cap, gint64 now_us);
/* Reads what the rewriter needs from a packet of @track (parsing its payload once). */
void sfu_track_read_packet(const SfuTrack *track, const RtpPacket *pkt, SfuRewriteIn *in,
                           RtpVp8Descriptor *vp8, gboolean *have_vp8);
/* Sends a built packet to the sink's subscriber or tap. */
void sfu_sink_deliver(SfuRoom *room, SfuSink *sink, guint8 *buf, gsize len, gint64 now_us);
/* Answers a NACK from the sink's subscriber. */
void sfu_sink_answer_nack(SfuRoom *room, SfuSink *sink, const guint16 *seqs, gsize n_seqs,
                          gint64 now_us);
SfuLayer *sfu_track_find_layer(SfuTrack *track, guint32 ssrc);
SfuLayer *sfu_participant_find_stream(SfuParticipant *p, guint32 ssrc);

/* sfu-rtcp.c */
/* Asks the publisher of @layer for a key frame, now or when the rate limit allows. */
void sfu_layer_request_keyframe(SfuRoom *room, SfuLayer *layer, gint64 now_us);
/* NACKs to the publisher of @layer what is missing and due (sfu-nack-gen.h). */
void sfu_layer_send_nacks(SfuRoom *room, SfuLayer *layer, gint64 now_us);
/* Chooses a layer for each of @subscriber's video subscriptions from its budget and views. */
void sfu_participant_allocate_layers(SfuRoom *room, SfuParticipant *subscriber, gint64 now_us);
/* A layer's SSRC became known: point the sinks of its track at it. */
void sfu_room_layer_bound(SfuRoom *room, SfuLayer *layer, gint64 now_us);

G_END_DECLS
