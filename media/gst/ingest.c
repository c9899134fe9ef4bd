/* ingest.c: RTSP hall cameras (see ingest.h for the contract).
 *
 * Design: one pipeline per connection attempt, built from rtspsrc and torn down whole when the
 * camera drops; nothing is reused across attempts, so a half-dead RTSP session can never leak
 * into the next one. rtspsrc announces each stream with its RTP caps; the decision to pass
 * through or transcode is taken there, from the SDP's profile-level-id (or, without one, from
 * the first SPS of sprop-parameter-sets): RFC 6184 §8.1 profile_idc 66 with constraint_set1
 * is Constrained Baseline, which every browser decodes; of audio only Opus passes (G.711 and
 * AAC are encoded to Opus, the room's one audio codec). A transcoding branch uses decodebin on
 * the RTP caps (it plugs the depayloader and decoder for whatever the camera sends) and links
 * the encoder when decodebin exposes its raw pad.
 *
 * Every branch ends in an appsink whose new-sample callback hands each packet to the owner on
 * that streaming thread, with no copy of ours. Liveness is watched from the owner's context by
 * a tick: the streaming threads only bump counters under a small mutex; the tick notices the
 * first packet (PLAYING) and a stall, and schedules reconnection with exponential backoff.
 */
#include "gst/ingest.h"

#include <stdio.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#define TICK_MS 250

typedef struct {
    IngestCamera *cam;
    IngestStream stream;
    char *source;
    gboolean ready;         /* protected by cam->lock: linked, stream filled in */
    gboolean announced;     /* protected by cam->lock */
    GstElement *encoder_in; /* transcoding: where decodebin's raw pad goes */
} Branch;

struct _IngestCamera {
    char *url;
    guint64 site_id;
    guint latency_ms, stall_ms, connect_ms, backoff_min_ms, backoff_max_ms;
    guint transcode_kbps, keyframe_interval;
    IngestEvents events;
    gpointer user_data;
    GMainContext *context;

    GstElement *pipeline;
    GSource *bus_source;
    GSource *tick_source;
    GSource *retry_source;
    GPtrArray *branches; /* Branch *, of the current pipeline; protected by lock */
    IngestState state;
    guint backoff_ms;
    gint64 connected_us; /* monotonic time of the current attempt */

    GMutex lock;
    gint64 last_packet_us; /* protected by lock; 0: none on this connection */
    IngestStats stats;     /* protected by lock (packets, bytes, transcoding, present) */
};

static void connect_camera(IngestCamera *cam);

const char *ingest_state_to_string(IngestState state)
{
    switch (state) {
    case INGEST_STATE_CONNECTING:
        return "connecting";
    case INGEST_STATE_PLAYING:
        return "playing";
    case INGEST_STATE_RECONNECTING:
        return "reconnecting";
    }
    return "?";
}

static void branch_free(gpointer data)
{
    Branch *b = data;

    g_clear_object(&b->encoder_in);
    g_free(b->source);
    g_free(b);
}

/* ---- the decision ---- */

/* RFC 6184 §8.1: profile_idc, then the constraint flags (set0 = 0x80, set1 = 0x40, ...). */
static gboolean is_constrained_baseline(guint8 profile_idc, guint8 constraints)
{
    return profile_idc == 66 && (constraints & 0x40) != 0;
}

/* From the caps of an H.264 RTP stream: TRUE and the two bytes when known. */
static gboolean h264_profile(const GstStructure *s, guint8 *profile_idc, guint8 *constraints)
{
    const char *plid = gst_structure_get_string(s, "profile-level-id");
    const char *sprop = gst_structure_get_string(s, "sprop-parameter-sets");

    if (plid != NULL && strlen(plid) == 6 && g_ascii_isxdigit(plid[0])) {
        guint v = (guint)strtoul(plid, NULL, 16);

        *profile_idc = (guint8)(v >> 16);
        *constraints = (guint8)(v >> 8);
        return TRUE;
    }
    if (sprop != NULL) {
        g_auto(GStrv) sets = g_strsplit(sprop, ",", 0);
        guint i;

        for (i = 0; sets[i] != NULL; i++) {
            gsize len = 0;
            g_autofree guchar *nal = g_base64_decode(sets[i], &len);

            if (len >= 4 && (nal[0] & 0x1f) == 7) { /* an SPS */
                *profile_idc = nal[1];
                *constraints = nal[2];
                return TRUE;
            }
        }
    }
    return FALSE;
}

/* ---- packets out ---- */

static GstFlowReturn on_sample(GstAppSink *sink, gpointer user_data)
{
    Branch *b = user_data;
    IngestCamera *cam = b->cam;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    GstBuffer *buffer;
    GstMapInfo map;

    if (sample == NULL)
        return GST_FLOW_EOS;
    buffer = gst_sample_get_buffer(sample);
    if (buffer != NULL && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        g_mutex_lock(&cam->lock);
        cam->last_packet_us = g_get_monotonic_time();
        cam->stats.packets[b->stream.kind]++;
        cam->stats.bytes[b->stream.kind] += map.size;
        g_mutex_unlock(&cam->lock);
        if (cam->events.rtp != NULL)
            cam->events.rtp(cam->user_data, &b->stream, map.data, map.size);
        gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static GstElement *make_appsink(Branch *b, GError **error)
{
    GstElement *sink = mgst_make("appsink", NULL, error);
    GstAppSinkCallbacks cb = {0};

    if (sink == NULL)
        return NULL;
    /* bounded: a slow consumer loses packets here, never stalls rtspsrc */
    g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", 500, "drop", TRUE, NULL);
    cb.new_sample = on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, b, NULL);
    return sink;
}

/* ---- branches ---- */

static gboolean add_chain(IngestCamera *cam, GstElement **chain, guint n, GError **error)
{
    guint i;

    for (i = 0; i < n; i++)
        gst_bin_add(GST_BIN(cam->pipeline), chain[i]);
    for (i = 0; i + 1 < n; i++) {
        if (!gst_element_link(chain[i], chain[i + 1])) {
            g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                        "site %" G_GUINT64_FORMAT " camera: cannot link %s to %s", cam->site_id,
                        GST_ELEMENT_NAME(chain[i]), GST_ELEMENT_NAME(chain[i + 1]));
            return FALSE;
        }
    }
    for (i = n; i > 0; i--)
        gst_element_sync_state_with_parent(chain[i - 1]);
    return TRUE;
}

static void drop_made(GstElement **chain, guint n)
{
    guint i;

    for (i = 0; i < n; i++) {
        if (chain[i] != NULL)
            gst_object_unref(gst_object_ref_sink(chain[i]));
    }
}

/* Makes the elements named in @names (NULL-terminated), in order. */
static gboolean make_all(const char *const *names, GstElement **chain, guint *n, GError **error)
{
    for (; *names != NULL; names++) {
        GstElement *e = mgst_make(*names, NULL, error);

        if (e == NULL)
            return FALSE;
        chain[(*n)++] = e;
    }
    return TRUE;
}

/* The encoding half of a transcoding branch, after decodebin's raw pad. */
static gboolean make_encoder(IngestCamera *cam, MgstKind kind, GstElement **chain, guint *n,
                             GError **error)
{
    static const char *const video[] = {"queue",     "videoconvert", "x264enc", "capsfilter",
                                        "h264parse", "rtph264pay",   NULL};
    static const char *const audio[] = {"queue",   "audioconvert", "audioresample",
                                        "opusenc", "rtpopuspay",   NULL};
    guint first = *n;

    if (!make_all(kind == MGST_KIND_VIDEO ? video : audio, chain, n, error))
        return FALSE;
    if (kind == MGST_KIND_VIDEO) {
        g_autoptr(GstCaps) caps = gst_caps_from_string("video/x-h264,profile=constrained-baseline");
        GstElement *enc = chain[first + 2];
        GstElement *pay = chain[first + 5];

        g_object_set(enc, "bitrate", cam->transcode_kbps, "key-int-max", cam->keyframe_interval,
                     NULL);
        gst_util_set_object_arg(G_OBJECT(enc), "speed-preset", "ultrafast");
        gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
        g_object_set(chain[first + 3], "caps", caps, NULL);
        g_object_set(chain[first + 4], "config-interval", -1, NULL);
        g_object_set(pay, "config-interval", -1, "mtu", INGEST_RTP_MTU, "pt", INGEST_PT_VIDEO,
                     NULL);
        gst_util_set_object_arg(G_OBJECT(pay), "aggregate-mode", "zero-latency");
    } else {
        g_object_set(chain[first + 4], "mtu", INGEST_RTP_MTU, "pt", INGEST_PT_OPUS, NULL);
    }
    return TRUE;
}

static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
    Branch *b = user_data;
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    g_autoptr(GstPad) sinkpad = NULL;
    const char *name;

    if (caps == NULL)
        caps = gst_pad_query_caps(pad, NULL);
    name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    if (!g_str_has_prefix(name, b->stream.kind == MGST_KIND_VIDEO ? "video/x-raw" : "audio/x-raw"))
        return;
    sinkpad = gst_element_get_static_pad(b->encoder_in, "sink");
    if (!gst_pad_is_linked(sinkpad))
        gst_pad_link(pad, sinkpad);
}

/* Builds the branch of one camera stream. Streaming thread (rtspsrc's pad-added). */
static gboolean link_stream(IngestCamera *cam, GstPad *pad, const GstStructure *s, GError **error)
{
    const char *media = gst_structure_get_string(s, "media");
    const char *enc = gst_structure_get_string(s, "encoding-name");
    GstElement *chain[16] = {NULL};
    guint n = 0;
    Branch *b;
    g_autoptr(GstPad) sinkpad = NULL;
    gboolean video = g_strcmp0(media, "video") == 0;

    if (!video && g_strcmp0(media, "audio") != 0)
        return TRUE; /* metadata, ONVIF events: not ours */
    if (enc == NULL)
        enc = "";

    b = g_new0(Branch, 1);
    b->cam = cam;
    b->stream.kind = video ? MGST_KIND_VIDEO : MGST_KIND_AUDIO;
    g_mutex_lock(&cam->lock);
    g_ptr_array_add(cam->branches, b); /* freed with the pipeline, whatever happens next */
    g_mutex_unlock(&cam->lock);

    if (video && g_ascii_strcasecmp(enc, "H264") == 0) {
        guint8 profile = 0, constraints = 0;
        gboolean known = h264_profile(s, &profile, &constraints);

        b->source = known
                        ? g_strdup_printf("H264 profile-level-id=%02x%02x..", profile, constraints)
                        : g_strdup("H264 (profile not announced)");
        b->stream.transcoded = !(known && is_constrained_baseline(profile, constraints));
    } else if (video && g_ascii_strcasecmp(enc, "VP8") == 0) {
        b->source = g_strdup("VP8");
        b->stream.transcoded = FALSE;
    } else if (!video && g_ascii_strcasecmp(enc, "OPUS") == 0) {
        b->source = g_strdup("OPUS");
        b->stream.transcoded = FALSE;
    } else if (!video &&
               (g_ascii_strcasecmp(enc, "PCMU") == 0 || g_ascii_strcasecmp(enc, "PCMA") == 0)) {
        /* G.711 (8 kHz): a room forwards Opus only, the one audio codec it negotiates with
         * browsers; decodebin plugs rtppcmudepay ! mulawdec (or the A-law pair) */
        b->source = g_ascii_strup(enc, -1);
        b->stream.transcoded = TRUE;
    } else {
        b->source = g_strdup(*enc != '\0' ? enc : "unknown");
        b->stream.transcoded = TRUE;
    }

    if (b->stream.transcoded) {
        GstElement *queue = mgst_make("queue", NULL, error);
        GstElement *decodebin = queue != NULL ? mgst_make("decodebin", NULL, error) : NULL;
        guint first;

        if (decodebin == NULL) {
            if (queue != NULL)
                gst_object_unref(gst_object_ref_sink(queue));
            return FALSE;
        }
        chain[n++] = queue;
        chain[n++] = decodebin;
        first = n;
        if (!make_encoder(cam, b->stream.kind, chain, &n, error)) {
            drop_made(chain, n);
            return FALSE;
        }
        chain[n] = make_appsink(b, error);
        if (chain[n] == NULL) {
            drop_made(chain, n);
            return FALSE;
        }
        n++;
        b->encoder_in = gst_object_ref(chain[first]);
        g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_decoded_pad), b);
        b->stream.codec = video ? MGST_CODEC_H264 : MGST_CODEC_OPUS;
        /* queue → decodebin (linked), encoder → appsink (linked); decodebin → encoder later */
        gst_bin_add(GST_BIN(cam->pipeline), chain[0]);
        gst_bin_add(GST_BIN(cam->pipeline), chain[1]);
        if (!gst_element_link(chain[0], chain[1]) ||
            !add_chain(cam, chain + first, n - first, error)) {
            if (error != NULL && *error == NULL)
                g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                            "site %" G_GUINT64_FORMAT " camera: cannot build a decoder",
                            cam->site_id);
            return FALSE;
        }
        gst_element_sync_state_with_parent(chain[1]);
        gst_element_sync_state_with_parent(chain[0]);
    } else {
        const char *names[4] = {NULL, NULL, NULL, NULL};
        GstElement *pay;

        if (video && g_ascii_strcasecmp(enc, "H264") == 0) {
            names[0] = "rtph264depay";
            names[1] = "h264parse";
            names[2] = "rtph264pay";
            b->stream.codec = MGST_CODEC_H264;
        } else if (video) {
            names[0] = "rtpvp8depay";
            names[1] = "rtpvp8pay";
            b->stream.codec = MGST_CODEC_VP8;
        } else {
            names[0] = "rtpopusdepay";
            names[1] = "rtpopuspay";
            b->stream.codec = MGST_CODEC_OPUS;
        }
        chain[n++] = mgst_make("queue", NULL, error);
        if (chain[0] == NULL || !make_all(names, chain, &n, error)) {
            drop_made(chain, n);
            return FALSE;
        }
        pay = chain[n - 1];
        chain[n] = make_appsink(b, error);
        if (chain[n] == NULL) {
            drop_made(chain, n);
            return FALSE;
        }
        n++;
        if (b->stream.codec == MGST_CODEC_H264) {
            /* SPS/PPS before every IDR, so a browser can start at any key frame */
            g_object_set(chain[2], "config-interval", -1, NULL);
            g_object_set(pay, "config-interval", -1, NULL);
            gst_util_set_object_arg(G_OBJECT(pay), "aggregate-mode", "zero-latency");
        }
        g_object_set(pay, "mtu", INGEST_RTP_MTU, "pt", video ? INGEST_PT_VIDEO : INGEST_PT_OPUS,
                     NULL);
        if (!add_chain(cam, chain, n, error))
            return FALSE;
    }
    b->stream.payload_type = video ? INGEST_PT_VIDEO : INGEST_PT_OPUS;
    b->stream.clock_rate = mgst_codec_clock_rate(b->stream.codec);
    b->stream.source = b->source;

    sinkpad = gst_element_get_static_pad(chain[0], "sink");
    if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                    "site %" G_GUINT64_FORMAT " camera: cannot link its %s stream", cam->site_id,
                    media);
        return FALSE;
    }
    g_mutex_lock(&cam->lock);
    b->ready = TRUE;
    cam->stats.present[b->stream.kind] = TRUE;
    cam->stats.transcoding[b->stream.kind] = b->stream.transcoded;
    g_mutex_unlock(&cam->lock);
    return TRUE;
}

static void on_pad_added(GstElement *src, GstPad *pad, gpointer user_data)
{
    IngestCamera *cam = user_data;
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    g_autoptr(GError) error = NULL;

    if (caps == NULL)
        caps = gst_pad_query_caps(pad, NULL);
    if (caps == NULL || gst_caps_is_empty(caps))
        return;
    if (!link_stream(cam, pad, gst_caps_get_structure(caps, 0), &error))
        gst_element_post_message(src, gst_message_new_error(GST_OBJECT(src), error, NULL));
}

/* ---- connections ---- */

static void teardown(IngestCamera *cam)
{
    if (cam->bus_source != NULL) {
        g_source_destroy(cam->bus_source);
        g_clear_pointer(&cam->bus_source, g_source_unref);
    }
    if (cam->pipeline != NULL) {
        gst_element_set_state(cam->pipeline, GST_STATE_NULL);
        g_clear_object(&cam->pipeline);
    }
    /* after NULL no streaming thread uses the branches */
    g_mutex_lock(&cam->lock);
    g_ptr_array_set_size(cam->branches, 0);
    g_mutex_unlock(&cam->lock);
}

static void set_state(IngestCamera *cam, IngestState state, const GError *error)
{
    if (cam->state == state && error == NULL)
        return;
    cam->state = state;
    g_mutex_lock(&cam->lock);
    cam->stats.state = state;
    g_mutex_unlock(&cam->lock);
    if (cam->events.state != NULL)
        cam->events.state(cam->user_data, state, error);
}

static gboolean retry_cb(gpointer user_data)
{
    IngestCamera *cam = user_data;

    g_clear_pointer(&cam->retry_source, g_source_unref);
    connect_camera(cam);
    return G_SOURCE_REMOVE;
}

/* The camera dropped: tear down, wait, try again. */
static void drop(IngestCamera *cam, GError *error)
{
    guint wait = cam->backoff_ms;

    teardown(cam);
    g_message("site %" G_GUINT64_FORMAT " camera: %s; reconnecting in %u ms", cam->site_id,
              error->message, wait);
    cam->backoff_ms = MIN(cam->backoff_ms * 2, cam->backoff_max_ms);
    g_mutex_lock(&cam->lock);
    cam->stats.reconnects++;
    g_mutex_unlock(&cam->lock);
    cam->retry_source = g_timeout_source_new(wait);
    g_source_set_callback(cam->retry_source, retry_cb, cam, NULL);
    g_source_attach(cam->retry_source, cam->context);
    set_state(cam, INGEST_STATE_RECONNECTING, error);
    g_error_free(error);
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer user_data)
{
    IngestCamera *cam = user_data;

    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
        g_autoptr(GError) gerr = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error(message, &gerr, &debug);
        g_debug("site %" G_GUINT64_FORMAT " camera: %s: %s (%s)", cam->site_id,
                GST_MESSAGE_SRC_NAME(message), gerr->message, debug != NULL ? debug : "");
        drop(cam, g_error_new(MGST_ERROR, MGST_ERROR_PIPELINE, "%s: %s",
                              GST_MESSAGE_SRC_NAME(message), gerr->message));
        return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
        drop(cam,
             g_error_new_literal(MGST_ERROR, MGST_ERROR_PIPELINE, "the camera ended the stream"));
        return G_SOURCE_REMOVE;
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

static void connect_camera(IngestCamera *cam)
{
    g_autoptr(GstBus) bus = NULL;
    g_autoptr(GError) error = NULL;
    GstElement *src;

    g_assert(cam->pipeline == NULL);
    cam->pipeline = gst_object_ref_sink(gst_pipeline_new("ingest"));
    src = mgst_make("rtspsrc", "rtspsrc", &error);
    if (src == NULL) {
        /* checked at creation; cannot happen unless the plugin vanished */
        drop(cam, g_steal_pointer(&error));
        return;
    }
    g_object_set(src, "location", cam->url, "latency", cam->latency_ms, NULL);
    gst_bin_add(GST_BIN(cam->pipeline), src);
    g_signal_connect(src, "pad-added", G_CALLBACK(on_pad_added), cam);

    g_mutex_lock(&cam->lock);
    cam->last_packet_us = 0;
    cam->stats.connects++;
    g_mutex_unlock(&cam->lock);
    cam->connected_us = g_get_monotonic_time();
    bus = gst_pipeline_get_bus(GST_PIPELINE(cam->pipeline));
    cam->bus_source = mgst_bus_watch(bus, cam->context, on_bus, cam);
    set_state(cam, INGEST_STATE_CONNECTING, NULL);
    if (gst_element_set_state(cam->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        drop(cam, g_error_new_literal(MGST_ERROR, MGST_ERROR_PIPELINE,
                                      "the RTSP connection cannot start"));
}

/* Logs and reports each stream once it is linked: passed through or transcoded. */
static void announce_streams(IngestCamera *cam)
{
    IngestStream streams[8];
    char *sources[8];
    guint n = 0, i;

    g_mutex_lock(&cam->lock);
    for (i = 0; i < cam->branches->len && n < G_N_ELEMENTS(streams); i++) {
        Branch *b = g_ptr_array_index(cam->branches, i);

        if (b->announced || !b->ready)
            continue;
        b->announced = TRUE;
        streams[n] = b->stream;
        sources[n] = g_strdup(b->source);
        streams[n].source = sources[n];
        n++;
    }
    g_mutex_unlock(&cam->lock);

    for (i = 0; i < n; i++) {
        const IngestStream *st = &streams[i];

        if (st->transcoded)
            g_message("site %" G_GUINT64_FORMAT " camera: transcoding %s %s to %s (%s)",
                      cam->site_id, st->source, mgst_kind_to_string(st->kind),
                      st->kind == MGST_KIND_VIDEO ? "H.264 constrained baseline" : "Opus",
                      st->kind == MGST_KIND_VIDEO ? "browsers cannot take it as is"
                                                  : "a room's audio is Opus");
        else
            g_message("site %" G_GUINT64_FORMAT " camera: %s %s passed through", cam->site_id,
                      mgst_kind_to_string(st->kind), st->source);
        if (cam->events.stream != NULL)
            cam->events.stream(cam->user_data, st);
    }
    for (i = 0; i < n; i++)
        g_free(sources[i]);
}

static gboolean tick_cb(gpointer user_data)
{
    IngestCamera *cam = user_data;
    gint64 now = g_get_monotonic_time();
    gint64 last;

    if (cam->pipeline == NULL)
        return G_SOURCE_CONTINUE;
    g_mutex_lock(&cam->lock);
    last = cam->last_packet_us;
    g_mutex_unlock(&cam->lock);

    if (cam->state == INGEST_STATE_CONNECTING) {
        if (last != 0) {
            cam->backoff_ms = cam->backoff_min_ms;
            set_state(cam, INGEST_STATE_PLAYING, NULL);
            announce_streams(cam);
        } else if (now - cam->connected_us > (gint64)cam->connect_ms * 1000) {
            drop(cam, g_error_new(MGST_ERROR, MGST_ERROR_PIPELINE,
                                  "nothing received %u ms after connecting", cam->connect_ms));
        }
    } else if (cam->state == INGEST_STATE_PLAYING && now - last > (gint64)cam->stall_ms * 1000) {
        drop(cam, g_error_new(MGST_ERROR, MGST_ERROR_PIPELINE, "nothing received for %u ms",
                              cam->stall_ms));
    } else if (cam->state == INGEST_STATE_PLAYING) {
        announce_streams(cam); /* a stream that rtspsrc set up after the first */
    }
    return G_SOURCE_CONTINUE;
}

/* ---- public ---- */

IngestCamera *ingest_camera_new(const IngestConfig *config, const IngestEvents *events,
                                gpointer user_data, GMainContext *context, GError **error)
{
    static const char *const needed[] = {"rtspsrc",   "rtph264depay", "h264parse", "rtph264pay",
                                         "decodebin", "x264enc",      "opusenc",   "appsink"};
    IngestCamera *cam;
    guint i;

    g_return_val_if_fail(config != NULL && config->url != NULL, NULL);

    if (!mgst_init(error))
        return NULL;
    if (!g_str_has_prefix(config->url, "rtsp://") && !g_str_has_prefix(config->url, "rtsps://") &&
        !g_str_has_prefix(config->url, "rtspt://")) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "site %" G_GUINT64_FORMAT ": a camera URL must start with rtsp://",
                    config->site_id);
        return NULL;
    }
    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        GstElementFactory *f = gst_element_factory_find(needed[i]);

        if (f == NULL) {
            GstElement *probe = mgst_make(needed[i], NULL, error);

            g_assert(probe == NULL);
            return NULL;
        }
        gst_object_unref(f);
    }

    cam = g_new0(IngestCamera, 1);
    cam->url = g_strdup(config->url);
    cam->site_id = config->site_id;
    cam->latency_ms = config->latency_ms != 0 ? config->latency_ms : INGEST_DEFAULT_LATENCY_MS;
    cam->stall_ms = config->stall_ms != 0 ? config->stall_ms : INGEST_DEFAULT_STALL_MS;
    cam->connect_ms = config->connect_ms != 0 ? config->connect_ms : INGEST_DEFAULT_CONNECT_MS;
    cam->backoff_min_ms =
        config->backoff_min_ms != 0 ? config->backoff_min_ms : INGEST_DEFAULT_BACKOFF_MIN;
    cam->backoff_max_ms =
        MAX(config->backoff_max_ms != 0 ? config->backoff_max_ms : INGEST_DEFAULT_BACKOFF_MAX,
            cam->backoff_min_ms);
    cam->transcode_kbps = config->transcode_kbps != 0 ? config->transcode_kbps : 1500;
    cam->keyframe_interval = config->keyframe_interval != 0 ? config->keyframe_interval : 50;
    if (events != NULL)
        cam->events = *events;
    cam->user_data = user_data;
    cam->context =
        context != NULL ? g_main_context_ref(context) : g_main_context_ref_thread_default();
    cam->branches = g_ptr_array_new_with_free_func(branch_free);
    cam->backoff_ms = cam->backoff_min_ms;
    g_mutex_init(&cam->lock);

    cam->tick_source = g_timeout_source_new(TICK_MS);
    g_source_set_callback(cam->tick_source, tick_cb, cam, NULL);
    g_source_attach(cam->tick_source, cam->context);
    connect_camera(cam);
    return cam;
}

void ingest_camera_free(IngestCamera *cam)
{
    if (cam == NULL)
        return;
    teardown(cam);
    if (cam->tick_source != NULL) {
        g_source_destroy(cam->tick_source);
        g_source_unref(cam->tick_source);
    }
    if (cam->retry_source != NULL) {
        g_source_destroy(cam->retry_source);
        g_source_unref(cam->retry_source);
    }
    g_ptr_array_unref(cam->branches);
    g_mutex_clear(&cam->lock);
    g_main_context_unref(cam->context);
    g_free(cam->url);
    g_free(cam);
}

void ingest_camera_request_keyframe(IngestCamera *cam)
{
    GstIterator *it;
    GValue v = G_VALUE_INIT;

    g_return_if_fail(cam != NULL);
    if (cam->pipeline == NULL)
        return;
    /* upstream from every appsink: x264enc honours it, rtspsrc passes it to the camera */
    it = gst_bin_iterate_sinks(GST_BIN(cam->pipeline));
    while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
        gst_element_send_event(g_value_get_object(&v), gst_video_event_new_upstream_force_key_unit(
                                                           GST_CLOCK_TIME_NONE, TRUE, 0));
        g_value_reset(&v);
    }
    g_value_unset(&v);
    gst_iterator_free(it);
}

gboolean ingest_camera_is_transcoding(IngestCamera *cam, MgstKind kind)
{
    gboolean t;

    g_return_val_if_fail(cam != NULL, FALSE);
    g_mutex_lock(&cam->lock);
    t = cam->stats.transcoding[kind];
    g_mutex_unlock(&cam->lock);
    return t;
}

void ingest_camera_get_stats(IngestCamera *cam, IngestStats *stats)
{
    g_return_if_fail(cam != NULL && stats != NULL);
    g_mutex_lock(&cam->lock);
    *stats = cam->stats;
    g_mutex_unlock(&cam->lock);
}
