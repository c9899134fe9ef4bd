/* ingest.h: a hall camera pulled over RTSP and handed on as RTP a browser accepts (private to
 * media/).
 *
 * An IngestCamera connects to a site's RTSP URL and turns each stream it offers into RTP
 * packets of a codec browsers decode, which the SFU publishes as that site's tracks:
 *
 *   video H.264 Constrained Baseline, VP8: depayloaded and payloaded again, no decoding
 *     (rtph264pay with SPS/PPS before every IDR, MTU 1200, packetization-mode 1);
 *   video H.264 of another profile (Main, High: B-frames), H.265, MJPEG: decoded and
 *     re-encoded to H.264 Constrained Baseline (x264 ultrafast, zerolatency) - transcoded;
 *   audio Opus: passed through; any other (G.711 PCMU or PCMA at 8 kHz, AAC): decoded and
 *     encoded to Opus (RTP clock 48 kHz, as browsers receive it) - transcoded.
 *
 * Whether a stream is transcoded is in its IngestStream (and the stats), for the logs and
 * /metrics; it is also logged once per connection ("transcoding PCMU audio to Opus").
 *
 * The camera dropping (an error, the end of the stream, or nothing received for stall_ms) tears
 * the connection down and reconnects after a backoff that doubles from backoff_min_ms to
 * backoff_max_ms and starts again once packets flow. It never gives up; it never aborts.
 *
 * Ownership: the caller owns the camera (ingest_camera_free(), which stops it at once).
 * Thread: create, call and free it on the thread that iterates @context; IngestEvents.state and
 * .stream are called there; IngestEvents.rtp is called on a GStreamer streaming thread for every
 * packet and must copy what it needs and return (post to the media worker through a bounded
 * queue); it is never called after ingest_camera_free() returns.
 */
#pragma once

#include "gst/gst-common.h"

G_BEGIN_DECLS

typedef struct _IngestCamera IngestCamera;

#define INGEST_DEFAULT_LATENCY_MS  200
#define INGEST_DEFAULT_STALL_MS    3000
#define INGEST_DEFAULT_CONNECT_MS  10000
#define INGEST_DEFAULT_BACKOFF_MIN 500
#define INGEST_DEFAULT_BACKOFF_MAX 30000
#define INGEST_PT_VIDEO            96
#define INGEST_PT_OPUS             111
#define INGEST_RTP_MTU             1200

typedef struct {
    const char *url;         /* rtsp://host[:port]/path (credentials may be in it: never logged) */
    guint64 site_id;         /* for logs */
    guint latency_ms;        /* rtspsrc jitter buffer; 0: INGEST_DEFAULT_LATENCY_MS */
    guint stall_ms;          /* nothing received this long while playing: reconnect */
    guint connect_ms;        /* not playing this long after connecting: reconnect */
    guint backoff_min_ms;    /* first wait before reconnecting */
    guint backoff_max_ms;    /* longest wait */
    guint transcode_kbps;    /* H.264 bit rate when transcoding; 0: 1500 */
    guint keyframe_interval; /* frames between key frames when transcoding; 0: 50 */
} IngestConfig;

typedef enum {
    INGEST_STATE_CONNECTING,   /* the RTSP session is being set up */
    INGEST_STATE_PLAYING,      /* packets flow */
    INGEST_STATE_RECONNECTING, /* the camera dropped; waiting before the next attempt */
} IngestState;

typedef struct {
    MgstKind kind;
    MgstCodec codec;     /* what comes out: H264 or VP8 (video), OPUS (audio) */
    guint8 payload_type; /* INGEST_PT_VIDEO or INGEST_PT_OPUS */
    guint clock_rate;
    gboolean transcoded; /* decoded and encoded again here */
    const char *source;  /* what the camera sends, e.g. "H264 profile-level-id=640028" */
} IngestStream;

typedef struct {
    /* One RTP packet of @stream, borrowed for the call. Streaming thread. */
    void (*rtp)(gpointer user_data, const IngestStream *stream, const guint8 *data, gsize len);
    /* The connection changed state; @error says why it dropped (RECONNECTING), else NULL. */
    void (*state)(gpointer user_data, IngestState state, const GError *error);
    /* A stream is set up on a new connection (passed through or transcoded). May be NULL. */
    void (*stream)(gpointer user_data, const IngestStream *stream);
} IngestEvents;

typedef struct {
    IngestState state;
    guint connects;          /* connections attempted */
    guint reconnects;        /* drops that led to a new attempt */
    gboolean present[2];     /* by MgstKind: the camera offers it */
    gboolean transcoding[2]; /* by MgstKind */
    guint64 packets[2];
    guint64 bytes[2];
} IngestStats;

/* Starts connecting. @config and @events are copied. Fails only for a URL that is not rtsp://,
 * rtsps:// or rtspt://, or missing GStreamer elements. Transfer full. */
IngestCamera *ingest_camera_new(const IngestConfig *config, const IngestEvents *events,
                                gpointer user_data, GMainContext *context, GError **error);
void ingest_camera_free(IngestCamera *camera);

/* Asks for a key frame (a PLI from the SFU): honoured when transcoding; passed on to the camera
 * otherwise (which may ignore it: ask the camera for a 1-2 s key frame interval). */
void ingest_camera_request_keyframe(IngestCamera *camera);

gboolean ingest_camera_is_transcoding(IngestCamera *camera, MgstKind kind);
void ingest_camera_get_stats(IngestCamera *camera, IngestStats *stats);
const char *ingest_state_to_string(IngestState state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IngestCamera, ingest_camera_free)

G_END_DECLS
