/* gst-test-util.c: the synthetic publisher and the analysis of recorded files.
 *
 * The publisher is an ordinary live GStreamer sender (test sources, vp8enc deadline=1, opusenc,
 * rtpbin with a CNAME and one-second RTCP interval) whose RTP and RTCP end in appsinks. Each
 * track has a feeder thread: packets are queued with the time they are due (arrival plus the
 * configured skew) and the thread pushes them into the input when due, like a media worker
 * that received them from the network.
 */
#include "gst-test-util.h"

#include <math.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

typedef struct {
    gint64 due_us;
    gboolean rtcp;
    gboolean stop;
    GBytes *bytes;
} Item;

typedef struct {
    Synth *synth;
    MgstKind kind;
    GAsyncQueue *queue;
    GThread *thread;
    gint64 delay_us;
    GMutex lock;
    MgstRtpInput *input; /* protected by lock */
    guint64 packets;     /* protected by lock */
    guint32 first_ts, last_ts;
    gboolean have_ts;
} Feeder;

struct _Synth {
    GstElement *pipeline;
    GstElement *venc;
    Feeder feeders[2]; /* by MgstKind */
    guint fps;
};

static void item_free(gpointer data)
{
    Item *item = data;

    if (item->bytes != NULL)
        g_bytes_unref(item->bytes);
    g_free(item);
}

static gpointer feeder_thread(gpointer data)
{
    Feeder *f = data;

    for (;;) {
        Item *item = g_async_queue_pop(f->queue);
        gint64 wait;
        gsize len;
        const guint8 *p;

        if (item->stop) {
            item_free(item);
            break;
        }
        wait = item->due_us - g_get_monotonic_time();
        if (wait > 0)
            g_usleep((gulong)wait);
        p = g_bytes_get_data(item->bytes, &len);
        g_mutex_lock(&f->lock);
        if (f->input != NULL) {
            if (item->rtcp) {
                mgst_rtp_input_push_rtcp(f->input, p, len);
            } else if (mgst_rtp_input_push_rtp(f->input, p, len) == 0) {
                guint32 ts = (guint32)p[4] << 24 | (guint32)p[5] << 16 | (guint32)p[6] << 8 | p[7];

                f->packets++;
                if (!f->have_ts)
                    f->first_ts = ts;
                f->have_ts = TRUE;
                if ((gint32)(ts - f->last_ts) > 0 || f->packets == 1)
                    f->last_ts = ts;
            }
        }
        g_mutex_unlock(&f->lock);
        item_free(item);
    }
    return NULL;
}

static GstFlowReturn on_sample(GstAppSink *sink, gpointer user_data, gboolean rtcp)
{
    Feeder *f = user_data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    GstBuffer *buffer;
    GstMapInfo map;
    Item *item;

    if (sample == NULL)
        return GST_FLOW_EOS;
    buffer = gst_sample_get_buffer(sample);
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        item = g_new0(Item, 1);
        item->rtcp = rtcp;
        item->due_us = g_get_monotonic_time() + f->delay_us;
        item->bytes = g_bytes_new(map.data, map.size);
        g_async_queue_push(f->queue, item);
        gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static GstFlowReturn on_rtp_sample(GstAppSink *sink, gpointer user_data)
{
    return on_sample(sink, user_data, FALSE);
}

static GstFlowReturn on_rtcp_sample(GstAppSink *sink, gpointer user_data)
{
    return on_sample(sink, user_data, TRUE);
}

/* One white frame at every pulse of the sender's clock. */
static GstPadProbeReturn flash_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    Synth *s = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    GstClockTime frame = GST_SECOND / s->fps;
    GstMapInfo map;

    if (!GST_BUFFER_PTS_IS_VALID(buf) || GST_BUFFER_PTS(buf) < SYNTH_PULSE_PERIOD ||
        GST_BUFFER_PTS(buf) % SYNTH_PULSE_PERIOD >= frame)
        return GST_PAD_PROBE_OK;
    buf = gst_buffer_make_writable(buf);
    GST_PAD_PROBE_INFO_DATA(info) = buf;
    if (gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
        memset(map.data, 235, map.size * 2 / 3); /* the Y plane of I420 */
        gst_buffer_unmap(buf, &map);
    }
    return GST_PAD_PROBE_OK;
}

/* The tone only during the first SYNTH_BEEP_LENGTH of every pulse. */
static GstPadProbeReturn beep_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    GstMapInfo map;
    gsize i, n;

    if (!GST_BUFFER_PTS_IS_VALID(buf))
        return GST_PAD_PROBE_OK;
    buf = gst_buffer_make_writable(buf);
    GST_PAD_PROBE_INFO_DATA(info) = buf;
    if (!gst_buffer_map(buf, &map, GST_MAP_READWRITE))
        return GST_PAD_PROBE_OK;
    n = map.size / 2;
    for (i = 0; i < n; i++) {
        GstClockTime t = GST_BUFFER_PTS(buf) + gst_util_uint64_scale(i, GST_SECOND, 48000);

        if (t < SYNTH_PULSE_PERIOD || t % SYNTH_PULSE_PERIOD >= SYNTH_BEEP_LENGTH)
            ((gint16 *)map.data)[i] = 0;
    }
    gst_buffer_unmap(buf, &map);
    return GST_PAD_PROBE_OK;
}

static void connect_sink(Synth *s, const char *name, MgstKind kind, gboolean rtcp)
{
    GstElement *sink = gst_bin_get_by_name(GST_BIN(s->pipeline), name);
    GstAppSinkCallbacks cb = {0};

    if (sink == NULL)
        return;
    cb.new_sample = rtcp ? on_rtcp_sample : on_rtp_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, &s->feeders[kind], NULL);
    gst_object_unref(sink);
}

Synth *synth_new(const SynthConfig *config, MgstRtpInput *video, MgstRtpInput *audio)
{
    Synth *s = g_new0(Synth, 1);
    g_autofree char *desc = NULL;
    g_autofree char *vsrc = NULL;
    GString *d = g_string_new(NULL);
    GError *error = NULL;
    guint w = config->width ? config->width : 320;
    guint h = config->height ? config->height : 240;
    guint kf = config->keyframe_interval ? config->keyframe_interval : 60;
    GstElement *rtpbin;
    guint i;

    s->fps = config->fps ? config->fps : 30;
    if (config->color != 0)
        vsrc = g_strdup_printf("videotestsrc is-live=true pattern=solid-color foreground-color=%u",
                               config->color);
    else
        vsrc = g_strdup("videotestsrc is-live=true pattern=black name=vsrc");
    g_string_append(d, "rtpbin name=rtpbin ");
    if (!config->no_video) {
        g_autofree char *enc = NULL;

        if (config->h264)
            enc = g_strdup_printf("x264enc name=venc tune=zerolatency speed-preset=ultrafast "
                                  "key-int-max=%u bitrate=400 ! "
                                  "video/x-h264,profile=constrained-baseline ! "
                                  "rtph264pay pt=96 mtu=1200 config-interval=-1",
                                  kf);
        else
            enc = g_strdup_printf("vp8enc name=venc deadline=1 keyframe-max-dist=%u "
                                  "target-bitrate=400000 ! rtpvp8pay pt=96 mtu=1200 "
                                  "picture-id-mode=15-bit",
                                  kf);
        g_string_append_printf(
            d,
            "%s ! video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1 ! "
            "identity name=vflash ! %s ! rtpbin.send_rtp_sink_0 "
            "rtpbin.send_rtp_src_0 ! appsink name=vrtp sync=false async=false "
            "rtpbin.send_rtcp_src_0 ! appsink name=vrtcp sync=false async=false ",
            vsrc, w, h, s->fps, enc);
    }
    if (!config->no_audio)
        g_string_append(
            d, "audiotestsrc is-live=true wave=sine freq=1000 volume=0.5 samplesperbuffer=480 ! "
               "audio/x-raw,format=S16LE,rate=48000,channels=1 ! identity name=abeep ! "
               "opusenc ! rtpopuspay pt=111 ! rtpbin.send_rtp_sink_1 "
               "rtpbin.send_rtp_src_1 ! appsink name=artp sync=false async=false "
               "rtpbin.send_rtcp_src_1 ! appsink name=artcp sync=false async=false ");
    desc = g_string_free(d, FALSE);
    s->pipeline = gst_parse_launch(desc, &error);
    g_assert_no_error(error);

    rtpbin = gst_bin_get_by_name(GST_BIN(s->pipeline), "rtpbin");
    {
        GstStructure *sdes =
            gst_structure_new("application/x-rtp-source-sdes", "cname", G_TYPE_STRING,
                              config->cname ? config->cname : "synth@phonghop", NULL);

        g_object_set(rtpbin, "sdes", sdes, NULL);
        gst_structure_free(sdes);
    }
    for (i = 0; i < 2; i++) {
        GObject *session = NULL;

        g_signal_emit_by_name(rtpbin, "get-internal-session", i, &session);
        if (session != NULL) {
            g_object_set(session, "rtcp-min-interval", (guint64)GST_SECOND, NULL);
            g_object_unref(session);
        }
    }
    gst_object_unref(rtpbin);

    for (i = 0; i < 2; i++) {
        Feeder *f = &s->feeders[i];

        f->synth = s;
        f->kind = (MgstKind)i;
        f->queue = g_async_queue_new_full(item_free);
        g_mutex_init(&f->lock);
        f->delay_us = i == MGST_KIND_VIDEO ? (gint64)(config->video_delay / GST_USECOND) : 0;
        f->thread =
            g_thread_new(i == MGST_KIND_VIDEO ? "feed-video" : "feed-audio", feeder_thread, f);
    }
    synth_set_inputs(s, video, audio);
    connect_sink(s, "vrtp", MGST_KIND_VIDEO, FALSE);
    connect_sink(s, "vrtcp", MGST_KIND_VIDEO, TRUE);
    connect_sink(s, "artp", MGST_KIND_AUDIO, FALSE);
    connect_sink(s, "artcp", MGST_KIND_AUDIO, TRUE);

    if (config->color == 0) {
        GstElement *e = gst_bin_get_by_name(GST_BIN(s->pipeline), "vflash");
        GstPad *pad;

        if (e != NULL) {
            pad = gst_element_get_static_pad(e, "src");
            gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, flash_probe, s, NULL);
            gst_object_unref(pad);
            gst_object_unref(e);
        }
        e = gst_bin_get_by_name(GST_BIN(s->pipeline), "abeep");
        if (e != NULL) {
            pad = gst_element_get_static_pad(e, "src");
            gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, beep_probe, s, NULL);
            gst_object_unref(pad);
            gst_object_unref(e);
        }
    }
    s->venc = gst_bin_get_by_name(GST_BIN(s->pipeline), "venc");
    g_assert_cmpint(gst_element_set_state(s->pipeline, GST_STATE_PLAYING), !=,
                    GST_STATE_CHANGE_FAILURE);
    return s;
}

void synth_set_inputs(Synth *s, MgstRtpInput *video, MgstRtpInput *audio)
{
    MgstRtpInput *inputs[2] = {audio, video};
    guint i;

    for (i = 0; i < 2; i++) {
        Feeder *f = &s->feeders[i];

        g_mutex_lock(&f->lock);
        g_clear_pointer(&f->input, mgst_rtp_input_unref);
        if (inputs[i] != NULL)
            f->input = mgst_rtp_input_ref(inputs[i]);
        g_mutex_unlock(&f->lock);
    }
}

void synth_force_keyframe(Synth *s)
{
    GstPad *pad;

    if (s->venc == NULL)
        return;
    pad = gst_element_get_static_pad(s->venc, "src");
    gst_pad_send_event(pad,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(pad);
}

double synth_pushed_seconds(Synth *s, MgstKind kind)
{
    Feeder *f = &s->feeders[kind];
    double secs;

    g_mutex_lock(&f->lock);
    secs = f->have_ts ? (double)(guint32)(f->last_ts - f->first_ts) /
                            (kind == MGST_KIND_VIDEO ? 90000.0 : 48000.0)
                      : 0.0;
    g_mutex_unlock(&f->lock);
    return secs;
}

guint64 synth_pushed_packets(Synth *s, MgstKind kind)
{
    Feeder *f = &s->feeders[kind];
    guint64 n;

    g_mutex_lock(&f->lock);
    n = f->packets;
    g_mutex_unlock(&f->lock);
    return n;
}

void synth_free(Synth *s)
{
    guint i;

    if (s == NULL)
        return;
    gst_element_set_state(s->pipeline, GST_STATE_NULL);
    for (i = 0; i < 2; i++) {
        Feeder *f = &s->feeders[i];
        Item *stop = g_new0(Item, 1);

        stop->stop = TRUE;
        g_async_queue_push(f->queue, stop);
        g_thread_join(f->thread);
        g_async_queue_unref(f->queue);
        g_clear_pointer(&f->input, mgst_rtp_input_unref);
        g_mutex_clear(&f->lock);
    }
    g_clear_object(&s->venc);
    gst_object_unref(s->pipeline);
    g_free(s);
}

/* ---- analysis ---- */

gboolean test_discover(const char *path, char **caps_name, double *duration, GError **error)
{
    g_autoptr(GstDiscoverer) disc = gst_discoverer_new(20 * GST_SECOND, error);
    g_autoptr(GstDiscovererInfo) info = NULL;
    g_autofree char *uri = NULL;
    GList *streams;

    if (disc == NULL)
        return FALSE;
    uri = gst_filename_to_uri(path, error);
    if (uri == NULL)
        return FALSE;
    info = gst_discoverer_discover_uri(disc, uri, error);
    if (info == NULL)
        return FALSE;
    if (gst_discoverer_info_get_result(info) != GST_DISCOVERER_OK) {
        g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "discoverer result %d for %s",
                    gst_discoverer_info_get_result(info), path);
        return FALSE;
    }
    streams = gst_discoverer_info_get_stream_list(info);
    if (caps_name != NULL) {
        *caps_name = NULL;
        for (GList *l = streams; l != NULL; l = l->next) {
            GstDiscovererStreamInfo *si = l->data;
            GstCaps *caps = gst_discoverer_stream_info_get_caps(si);

            if (caps != NULL && !GST_IS_DISCOVERER_CONTAINER_INFO(si)) {
                *caps_name = g_strdup(gst_structure_get_name(gst_caps_get_structure(caps, 0)));
                gst_caps_unref(caps);
                break;
            }
            if (caps != NULL)
                gst_caps_unref(caps);
        }
    }
    gst_discoverer_stream_info_list_free(streams);
    if (duration != NULL)
        *duration = (double)gst_discoverer_info_get_duration(info) / GST_SECOND;
    return TRUE;
}

/* Runs "filesrc ! decodebin ! @tail ! appsink" and calls @func for every buffer. */
void test_decode(const char *path, const char *tail,
                 void (*func)(GstBuffer *buf, GstCaps *caps, gpointer data), gpointer data)
{
    g_autofree char *desc = g_strdup_printf("filesrc name=src ! decodebin ! %s ! appsink "
                                            "name=sink sync=false",
                                            tail);
    GError *error = NULL;
    GstElement *pipeline = gst_parse_launch(desc, &error);
    GstElement *src, *sink;
    GstBus *bus;
    guint idle = 0;

    g_assert_no_error(error);
    src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    g_object_set(src, "location", path, NULL);
    gst_object_unref(src);
    sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    bus = gst_element_get_bus(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    for (;;) {
        GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), GST_SECOND);
        GstMessage *msg;

        if (sample != NULL) {
            idle = 0;
            func(gst_sample_get_buffer(sample), gst_sample_get_caps(sample), data);
            gst_sample_unref(sample);
            continue;
        }
        if (gst_app_sink_is_eos(GST_APP_SINK(sink)))
            break;
        msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
        if (msg != NULL) {
            GError *err = NULL;

            gst_message_parse_error(msg, &err, NULL);
            g_test_message("decoding %s: %s", path, err->message);
            g_error_free(err);
            gst_message_unref(msg);
            break;
        }
        if (++idle > 10)
            break;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

typedef struct {
    GArray *times;
    guint64 count;
    double first, last;
    gboolean in_pulse;
    double quiet_since;
} Scan;

static void scan_times(Scan *sc, double t)
{
    if (sc->count == 0 || t < sc->first)
        sc->first = t;
    if (t > sc->last)
        sc->last = t;
}

static void flash_func(GstBuffer *buf, GstCaps *caps, gpointer data)
{
    Scan *sc = data;
    GstVideoInfo vi;
    GstMapInfo map;
    guint64 sum = 0, n = 0;
    double t = (double)GST_BUFFER_PTS(buf) / GST_SECOND;
    guint x, y;
    gboolean white;

    if (!gst_video_info_from_caps(&vi, caps) || !gst_buffer_map(buf, &map, GST_MAP_READ))
        return;
    for (y = 0; y < (guint)vi.height; y += 4) {
        for (x = 0; x < (guint)vi.width; x += 4) {
            sum += map.data[y * vi.stride[0] + x];
            n++;
        }
    }
    gst_buffer_unmap(buf, &map);
    white = n > 0 && sum / n > 128;
    if (white && !sc->in_pulse)
        g_array_append_val(sc->times, t);
    sc->in_pulse = white;
    scan_times(sc, t);
    sc->count++;
}

GArray *test_flash_times(const char *path, guint *frames, double *first, double *last)
{
    Scan sc = {g_array_new(FALSE, FALSE, sizeof(double)), 0, 0, 0, FALSE, 0};

    test_decode(path, "videoconvert ! video/x-raw,format=GRAY8", flash_func, &sc);
    if (frames != NULL)
        *frames = (guint)sc.count;
    if (first != NULL)
        *first = sc.first;
    if (last != NULL)
        *last = sc.last;
    return sc.times;
}

static void beep_func(GstBuffer *buf, GstCaps *caps, gpointer data)
{
    Scan *sc = data;
    GstMapInfo map;
    double t0 = (double)GST_BUFFER_PTS(buf) / GST_SECOND;
    gsize i, n;

    if (!gst_buffer_map(buf, &map, GST_MAP_READ))
        return;
    n = map.size / sizeof(float);
    for (i = 0; i < n; i++) {
        double t = t0 + (double)i / 48000.0;
        float v = ((const float *)map.data)[i];

        if (fabsf(v) > 0.05f) {
            if (!sc->in_pulse && t - sc->quiet_since > 0.5)
                g_array_append_val(sc->times, t);
            sc->in_pulse = TRUE;
        } else if (sc->in_pulse) {
            sc->in_pulse = FALSE;
            sc->quiet_since = t;
        }
    }
    gst_buffer_unmap(buf, &map);
    if (n > 0) {
        scan_times(sc, t0);
        scan_times(sc, t0 + (double)(n - 1) / 48000.0);
    }
    sc->count += n;
}

GArray *test_beep_times(const char *path, guint64 *samples, double *first, double *last)
{
    Scan sc = {g_array_new(FALSE, FALSE, sizeof(double)), 0, 0, 0, FALSE, -10.0};

    test_decode(path,
                "audioconvert ! audioresample ! audio/x-raw,format=F32LE,channels=1,"
                "rate=48000",
                beep_func, &sc);
    if (samples != NULL)
        *samples = sc.count;
    if (first != NULL)
        *first = sc.first;
    if (last != NULL)
        *last = sc.last;
    return sc.times;
}

char **test_list_files(const char *dir, const char *pattern)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) out = g_ptr_array_new();
    g_autoptr(GPatternSpec) spec = g_pattern_spec_new(pattern);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        if (g_pattern_spec_match_string(spec, name))
            g_ptr_array_add(out, g_build_filename(dir, name, NULL));
    }
    {
        guint i, j;

        for (i = 1; i < out->len; i++) {
            for (j = i; j > 0 && g_strcmp0(out->pdata[j - 1], out->pdata[j]) > 0; j--) {
                gpointer tmp = out->pdata[j];

                out->pdata[j] = out->pdata[j - 1];
                out->pdata[j - 1] = tmp;
            }
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

gboolean test_wait(GMainContext *context, gboolean (*cond)(gpointer), gpointer data,
                   guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (!cond(data)) {
        if (g_get_monotonic_time() >= end)
            return cond(data);
        if (!g_main_context_iteration(context, FALSE))
            g_usleep(10000);
    }
    return TRUE;
}

void test_run_for(GMainContext *context, guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    while (g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(context, FALSE))
            g_usleep(10000);
    }
}
