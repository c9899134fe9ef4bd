/* composite.c: the composite program's pipeline (see composite.h for the contract; the inputs
 * and what is on screen are in comp-input.c).
 *
 * Design: one live pipeline. Two imagefreeze sources (the background with the title bar, and
 * the slate) keep the compositor producing frames when no input has anything to show, and a
 * silent audiotestsrc does the same for the audiomixer, so the HLS stream never stalls. Inputs
 * come and go while it plays (comp-input.c builds their branches from rtpbin's pad-added).
 *
 * Both mixers are forced live and told to expect inputs with the jitter buffer's latency plus
 * decoding (min-upstream-latency, with a queue that deep in front of every pad) and to ignore
 * pads that have nothing yet, so a tile added later is neither late nor waited for. Forced live
 * matters: otherwise, until the latency is known, the aggregator waits for data on every pad
 * while an input's decoder waits for the aggregator to answer its allocation query, and the
 * first frame never comes. The title and the floor are two textoverlays after the compositor;
 * everything is encoded once and split by tees, with a parser per branch after the tee.
 *
 * Failure handling, deferred freeing and the bus drain are those of the recorder, plus a
 * watchdog in the tick: a live program that encodes no frame for COMP_STALL_MS (its first frame:
 * COMP_FIRST_FRAME_MS) has failed.
 */
#include "gst/composite.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gst/app/gstappsrc.h>

#include "gst/comp-image.h"
#include "gst/comp-private.h"

#define TICK_MS         500
#define STOP_TIMEOUT_MS 5000
#define COMP_STALL_MS   5000 /* no frame encoded this long: the pipeline has failed */
/* ...but the first frame after a start may take longer on a busy server (the encoder and the
 * fonts set up, every element prerolled): a start is given this long before it counts as failed,
 * since two failures within a minute stop the program for good. */
#define COMP_FIRST_FRAME_MS 20000

static gboolean build(CompProgram *comp, GError **error);
static void teardown(CompProgram *comp);
static void fail(CompProgram *comp, GError *error);
static void finalize(CompProgram *comp);

/* ---- callbacks to the owner, which may free us ---- */

static void emit_begin(CompProgram *comp)
{
    comp->busy++;
}

static gboolean emit_end(CompProgram *comp)
{
    comp->busy--;
    if (comp->freed) {
        if (comp->busy == 0)
            finalize(comp);
        return FALSE;
    }
    return TRUE;
}

static gboolean emit_error(CompProgram *comp, const GError *error, gboolean fatal)
{
    g_warning("meeting %" G_GUINT64_FORMAT ": composite program %s: %s", comp->meeting_id,
              fatal ? "stopped" : "restarts after", error->message);
    if (comp->events.error == NULL)
        return TRUE;
    emit_begin(comp);
    comp->events.error(comp->user_data, error, fatal);
    return emit_end(comp);
}

static gboolean maybe_stopped(CompProgram *comp)
{
    if (comp->state != COMP_STATE_STOPPED || comp->stopped_emitted ||
        (comp->archive != NULL && mgst_segmenter_get_pending(comp->archive) > 0))
        return TRUE;
    comp->stopped_emitted = TRUE;
    g_message("meeting %" G_GUINT64_FORMAT ": composite program stopped", comp->meeting_id);
    if (comp->events.stopped == NULL)
        return TRUE;
    emit_begin(comp);
    comp->events.stopped(comp->user_data);
    return emit_end(comp);
}

static void on_archive_opened(gpointer user_data, const MgstSegment *segment)
{
    CompProgram *comp = user_data;

    if (comp->events.segment_opened != NULL) {
        emit_begin(comp);
        comp->events.segment_opened(comp->user_data, segment);
        emit_end(comp);
    }
}

static void on_archive_segment(gpointer user_data, const MgstSegment *segment)
{
    CompProgram *comp = user_data;

    g_message("meeting %" G_GUINT64_FORMAT ": program archive %s (%" G_GUINT64_FORMAT " bytes%s)",
              comp->meeting_id, segment->path, segment->size,
              segment->complete ? "" : ", cut short");
    if (comp->events.segment != NULL) {
        emit_begin(comp);
        comp->events.segment(comp->user_data, segment);
        if (!emit_end(comp))
            return;
    }
    maybe_stopped(comp);
}

/* ---- the pipeline ---- */

/* The encoder's input: counts frames and remembers the running time of the first. */
static GstPadProbeReturn count_frame(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    CompProgram *comp = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);

    g_mutex_lock(&comp->frame_lock);
    if (comp->first_frame_rt < 0 && GST_BUFFER_PTS_IS_VALID(buf)) {
        g_autoptr(GstEvent) ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
        GstClockTime rt = GST_BUFFER_PTS(buf);

        if (ev != NULL) {
            const GstSegment *seg = NULL;

            gst_event_parse_segment(ev, &seg);
            rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
        }
        comp->first_frame_rt = (gint64)rt;
    }
    comp->frames++;
    if (comp->slate_pending) {
        comp->slate_pending = FALSE;
        comp->slate_shown_us = g_get_real_time();
    }
    g_mutex_unlock(&comp->frame_lock);
    return GST_PAD_PROBE_OK;
}

/* A still frame repeated by imagefreeze into a new compositor pad (transfer full). Its caps say
 * progressive: without the field, once the compositor has settled its output (progressive),
 * its new pad's accept-caps refused them as not a subset, and the still's source stopped with
 * not-negotiated (about one start in six under the sanitizer, which restarted the program). */
static GstPad *add_still(CompProgram *comp, GstBuffer *frame, gint zorder, gdouble alpha,
                         GError **error)
{
    g_autoptr(GstCaps) caps = gst_caps_new_simple(
        "video/x-raw", "format", G_TYPE_STRING, "BGRA", "width", G_TYPE_INT, (gint)comp->width,
        "height", G_TYPE_INT, (gint)comp->height, "interlace-mode", G_TYPE_STRING, "progressive",
        "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
    g_autoptr(GstCaps) rate =
        gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "framerate",
                            GST_TYPE_FRACTION, (gint)comp->fps, 1, NULL);
    GstElement *src, *convert, *freeze, *filter, *queue;
    g_autoptr(GstPad) srcpad = NULL;
    GstPad *pad;

    src = mgst_make("appsrc", NULL, error);
    convert = src != NULL ? mgst_make("videoconvert", NULL, error) : NULL;
    freeze = convert != NULL ? mgst_make("imagefreeze", NULL, error) : NULL;
    filter = freeze != NULL ? mgst_make("capsfilter", NULL, error) : NULL;
    queue = filter != NULL ? comp_make_latency_queue(error) : NULL;
    if (queue == NULL) {
        GstElement *made[] = {src, convert, freeze, filter};
        guint i;

        for (i = 0; i < G_N_ELEMENTS(made); i++) {
            if (made[i] != NULL)
                gst_object_unref(gst_object_ref_sink(made[i]));
        }
        return NULL;
    }
    g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
    g_object_set(freeze, "is-live", TRUE, NULL);
    g_object_set(filter, "caps", rate, NULL);
    gst_bin_add_many(GST_BIN(comp->pipeline), src, convert, freeze, filter, queue, NULL);
    if (!gst_element_link_many(src, convert, freeze, filter, queue, NULL)) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE, "cannot build a still image source");
        return NULL;
    }
    pad = gst_element_request_pad_simple(comp->compositor, "sink_%u");
    g_object_set(pad, "xpos", 0, "ypos", 0, "width", (gint)comp->width, "height",
                 (gint)comp->height, "zorder", (guint)zorder, "alpha", alpha, NULL);
    srcpad = gst_element_get_static_pad(queue, "src");
    gst_pad_link(srcpad, pad);
    /* one frame, then end of stream: imagefreeze keeps repeating it */
    gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(frame));
    gst_app_src_end_of_stream(GST_APP_SRC(src));
    return pad;
}

static GstElement *add(CompProgram *comp, const char *factory, const char *name, GError **error)
{
    GstElement *e = mgst_make(factory, name, error);

    if (e != NULL)
        gst_bin_add(GST_BIN(comp->pipeline), e);
    return e;
}

/* A mixer forced live. force-live can only be given at construction. */
static GstElement *add_mixer(CompProgram *comp, const char *factory, const char *name,
                             GError **error)
{
    GstElement *e = gst_element_factory_make_full(factory, "name", name, "force-live", TRUE, NULL);

    if (e == NULL)
        return add(comp, factory, name, error); /* says which package is missing */
    gst_bin_add(GST_BIN(comp->pipeline), e);
    return e;
}

static gboolean link_request(GstElement *from, GstElement *to, const char *template_name)
{
    g_autoptr(GstPad) srcpad = gst_element_get_static_pad(from, "src");
    g_autoptr(GstPad) sinkpad = gst_element_request_pad_simple(to, template_name);

    return sinkpad != NULL && gst_pad_link(srcpad, sinkpad) == GST_PAD_LINK_OK;
}

/* tee → queue → parser → @sink's pad @template_name */
static gboolean add_output(CompProgram *comp, GstElement *tee, const char *parser, GstElement *sink,
                           const char *template_name, GError **error)
{
    GstElement *queue = add(comp, "queue", NULL, error);
    GstElement *parse = queue != NULL ? add(comp, parser, NULL, error) : NULL;
    g_autoptr(GstPad) teepad = NULL;
    g_autoptr(GstPad) qpad = NULL;

    if (parse == NULL)
        return FALSE;
    teepad = gst_element_request_pad_simple(tee, "src_%u");
    qpad = gst_element_get_static_pad(queue, "sink");
    if (gst_pad_link(teepad, qpad) != GST_PAD_LINK_OK || !gst_element_link(queue, parse) ||
        !link_request(parse, sink, template_name)) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE, "cannot link %s to %s", parser,
                    GST_ELEMENT_NAME(sink));
        return FALSE;
    }
    return TRUE;
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer user_data);

static gboolean build(CompProgram *comp, GError **error)
{
    g_autofree char *name = g_strdup_printf("comp-m%" G_GUINT64_FORMAT, comp->meeting_id);
    g_autofree char *location = NULL;
    g_autofree char *playlist = NULL;
    g_autofree char *font = NULL;
    g_autoptr(GstClock) clock = NULL;
    g_autoptr(GstBus) bus = NULL;
    g_autoptr(GstCaps) vcaps = NULL;
    g_autoptr(GstCaps) acaps = NULL;
    GstElement *vfilter, *venc, *vtee, *silence, *squeue, *afilter, *aconv, *aenc, *atee;
    GstElement *hls = NULL;
    GstElement *split = NULL;
    guint64 min_latency = ((guint64)comp->latency_ms + DECODE_MARGIN_MS) * GST_MSECOND;
    gint bar_text_px = comp->base_layout.bar.h * 30 / 100;
    g_autoptr(GstPad) encpad = NULL;
    guint i, k;

    g_assert(comp->pipeline == NULL);
    comp->pipeline = gst_object_ref_sink(gst_pipeline_new(name));
    clock = gst_system_clock_obtain();
    gst_pipeline_use_clock(GST_PIPELINE(comp->pipeline), clock);
    g_mutex_lock(&comp->frame_lock);
    comp->frames = 0;
    comp->first_frame_rt = -1;
    g_mutex_unlock(&comp->frame_lock);
    /* the watchdog counts from now */
    comp->tick_frames = 0;
    comp->frames_seen_us = g_get_monotonic_time();

    comp->rtpbin = add(comp, "rtpbin", "rtpbin", error);
    if (comp->rtpbin == NULL)
        goto fail;
    g_object_set(comp->rtpbin, "latency", comp->latency_ms, "do-lost", TRUE, "autoremove", FALSE,
                 NULL);
    g_signal_connect(comp->rtpbin, "pad-added", G_CALLBACK(comp_on_rtpbin_pad_added), comp);

    /* video: compositor → caps → title → floor → x264 → tee */
    comp->compositor = add_mixer(comp, "compositor", "compositor", error);
    vfilter = comp->compositor != NULL ? add(comp, "capsfilter", NULL, error) : NULL;
    comp->title = vfilter != NULL ? add(comp, "textoverlay", "title", error) : NULL;
    comp->floor_text = comp->title != NULL ? add(comp, "textoverlay", "floor", error) : NULL;
    venc = comp->floor_text != NULL ? add(comp, "x264enc", "venc", error) : NULL;
    comp->venc = venc;
    vtee = venc != NULL ? add(comp, "tee", "vtee", error) : NULL;
    if (vtee == NULL)
        goto fail;
    /* force-live: the program is live even while no input is (the stills are not "live"
     * enough for the aggregator until the latency is known); without it the first frame could
     * wait for an input whose decoder waits for the compositor to answer its allocation query */
    g_object_set(comp->compositor, "min-upstream-latency", min_latency, "ignore-inactive-pads",
                 TRUE, NULL);
    gst_util_set_object_arg(G_OBJECT(comp->compositor), "background", "black");
    vcaps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                (gint)comp->width, "height", G_TYPE_INT, (gint)comp->height,
                                "framerate", GST_TYPE_FRACTION, (gint)comp->fps, 1,
                                "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
    g_object_set(vfilter, "caps", vcaps, NULL);
    font = g_strdup_printf("%s %dpx", comp->font, MAX(bar_text_px, 8));
    for (i = 0; i < 2; i++) {
        GstElement *t = i == 0 ? comp->title : comp->floor_text;

        g_object_set(t, "font-desc", font, "auto-resize", FALSE, "shaded-background", FALSE, "xpad",
                     comp->base_layout.margin * 3, "ypad",
                     MAX((comp->base_layout.bar.h - 2 * bar_text_px * 12 / 10) / 2, 0),
                     "draw-shadow", FALSE, "draw-outline", FALSE, "text", "", NULL);
        gst_util_set_object_arg(G_OBJECT(t), "valignment", "top");
        gst_util_set_object_arg(G_OBJECT(t), "halignment", i == 0 ? "left" : "right");
        gst_util_set_object_arg(G_OBJECT(t), "line-alignment", i == 0 ? "left" : "right");
        gst_util_set_object_arg(G_OBJECT(t), "wrap-mode", "none");
    }
    g_object_set(venc, "bitrate", comp->video_kbps, "key-int-max", comp->fps * 2, NULL);
    gst_util_set_object_arg(G_OBJECT(venc), "speed-preset", "ultrafast");
    gst_util_set_object_arg(G_OBJECT(venc), "tune", "zerolatency");
    if (!gst_element_link_many(comp->compositor, vfilter, comp->title, comp->floor_text, venc, vtee,
                               NULL)) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE, "cannot link the video encoder");
        goto fail;
    }
    encpad = gst_element_get_static_pad(venc, "sink");
    gst_pad_add_probe(encpad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, comp, NULL);

    /* the stills: background (always) and slate (alpha 0 until closed) */
    {
        GstPad *bg = add_still(comp, comp->bg_frame, ZORDER_BACKGROUND, 1.0, error);

        if (bg == NULL)
            goto fail;
        gst_object_unref(bg);
        comp->slate_pad = add_still(comp, comp->slate_frame, ZORDER_SLATE, 0.0, error);
        if (comp->slate_pad == NULL)
            goto fail;
    }

    /* audio: silence + inputs → audiomixer → 48 kHz stereo → AAC → tee */
    silence = add(comp, "audiotestsrc", NULL, error);
    squeue = silence != NULL ? comp_make_latency_queue(error) : NULL;
    if (squeue != NULL)
        gst_bin_add(GST_BIN(comp->pipeline), squeue);
    comp->mixer = squeue != NULL ? add_mixer(comp, "audiomixer", "mixer", error) : NULL;
    afilter = comp->mixer != NULL ? add(comp, "capsfilter", NULL, error) : NULL;
    aconv = afilter != NULL ? add(comp, "audioconvert", NULL, error) : NULL;
    aenc = aconv != NULL ? add(comp, "avenc_aac", "aenc", error) : NULL;
    comp->aenc = aenc;
    atee = aenc != NULL ? add(comp, "tee", "atee", error) : NULL;
    if (atee == NULL)
        goto fail;
    g_object_set(silence, "is-live", TRUE, "samplesperbuffer", 960, NULL);
    gst_util_set_object_arg(G_OBJECT(silence), "wave", "silence");
    g_object_set(comp->mixer, "min-upstream-latency", min_latency, "ignore-inactive-pads", TRUE,
                 NULL);
    acaps = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, 48000, "channels", G_TYPE_INT, 2,
                                NULL);
    g_object_set(afilter, "caps", acaps, NULL);
    g_object_set(aenc, "bitrate", comp->audio_kbps * 1000, NULL);
    if (!gst_element_link(silence, squeue) || !link_request(squeue, comp->mixer, "sink_%u") ||
        !gst_element_link_many(comp->mixer, afilter, aconv, aenc, atee, NULL)) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE, "cannot link the audio encoder");
        goto fail;
    }

    /* HLS (not for a program kept for the archive only) */
    if (comp->hls_dir != NULL) {
        hls = add(comp, "hlssink2", "hls", error);
        if (hls == NULL)
            goto fail;
        /* Segment names are unique to each build of the pipeline (the wall clock in
         * milliseconds): hlssink2 numbers from 0 again after a restart, and a segment is served
         * as immutable, so a name must never be given to other bytes. */
        g_autofree char *pattern =
            g_strdup_printf("seg-%" G_GINT64_FORMAT "-%%05d.ts", g_get_real_time() / 1000);
        location = g_build_filename(comp->hls_dir, pattern, NULL);
        playlist = g_build_filename(comp->hls_dir, "index.m3u8", NULL);
        g_object_set(hls, "location", location, "playlist-location", playlist, "target-duration",
                     COMP_HLS_TARGET_DURATION, "playlist-length", COMP_HLS_PLAYLIST_LENGTH,
                     "max-files", COMP_HLS_MAX_FILES, NULL);
        if (!add_output(comp, vtee, "h264parse", hls, "video", error) ||
            !add_output(comp, atee, "aacparse", hls, "audio", error))
            goto fail;
    }

    /* the archive */
    if (comp->archive != NULL) {
        split = mgst_segmenter_make_sink(comp->archive, error);
        if (split == NULL)
            goto fail;
        gst_bin_add(GST_BIN(comp->pipeline), split);
        if (!add_output(comp, vtee, "h264parse", split, "video", error) ||
            !add_output(comp, atee, "aacparse", split, "audio_%u", error))
            goto fail;
    }

    /* the inputs */
    g_mutex_lock(&comp->lock);
    comp->tearing_down = FALSE;
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        for (k = 0; k < 2; k++) {
            g_clear_object(&in->mixer_pad[k]);
            g_clear_pointer(&in->branch[k], g_ptr_array_unref);
            if (in->tracks[k] != NULL &&
                !mgst_rtp_input_attach(in->tracks[k], GST_BIN(comp->pipeline), comp->rtpbin,
                                       in->sessions[k], error)) {
                g_mutex_unlock(&comp->lock);
                goto fail;
            }
        }
    }
    comp_apply_title_locked(comp);
    comp_apply_floor_locked(comp);
    comp_apply_layout_locked(comp);
    g_mutex_unlock(&comp->lock);

    bus = gst_pipeline_get_bus(GST_PIPELINE(comp->pipeline));
    comp->bus_source = mgst_bus_watch(bus, comp->context, on_bus, comp);
    if (gst_element_set_state(comp->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                    "meeting %" G_GUINT64_FORMAT ": the composite program does not start",
                    comp->meeting_id);
        goto fail;
    }
    {
        GstClockTime base = gst_element_get_base_time(comp->pipeline);
        GstClockTime now = gst_clock_get_time(clock);

        if (comp->archive != NULL)
            mgst_segmenter_set_time_base(comp->archive,
                                         g_get_real_time() -
                                             (gint64)((now > base ? now - base : 0) / GST_USECOND));
        g_mutex_lock(&comp->lock);
        for (i = 0; i < comp->inputs->len; i++) {
            CompInput *in = g_ptr_array_index(comp->inputs, i);

            for (k = 0; k < 2; k++) {
                if (in->tracks[k] != NULL)
                    mgst_rtp_input_start(in->tracks[k], clock, base);
            }
        }
        g_mutex_unlock(&comp->lock);
    }
    return TRUE;

fail:
    teardown(comp);
    return FALSE;
}

static void drain_bus(CompProgram *comp)
{
    g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(comp->pipeline));
    GstMessage *msg;

    while ((msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) != NULL) {
        if (comp->archive != NULL)
            mgst_segmenter_handle_message(comp->archive, msg);
        gst_message_unref(msg);
    }
}

static void teardown(CompProgram *comp)
{
    GstClockTime now_rt;
    guint i, k;

    if (comp->bus_source != NULL) {
        g_source_destroy(comp->bus_source);
        g_clear_pointer(&comp->bus_source, g_source_unref);
    }
    if (comp->pipeline == NULL)
        return;
    now_rt = mgst_running_time(comp->pipeline);

    g_mutex_lock(&comp->lock);
    comp->tearing_down = TRUE;
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        for (k = 0; k < 2; k++) {
            if (in->tracks[k] != NULL)
                mgst_rtp_input_detach(in->tracks[k]);
        }
    }
    g_mutex_unlock(&comp->lock);

    drain_bus(comp);
    gst_element_set_state(comp->pipeline, GST_STATE_NULL);

    g_mutex_lock(&comp->lock);
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        for (k = 0; k < 2; k++) {
            g_clear_object(&in->mixer_pad[k]);
            g_clear_pointer(&in->branch[k], g_ptr_array_unref);
        }
    }
    g_clear_object(&comp->slate_pad);
    comp->title = NULL;
    comp->floor_text = NULL;
    comp->compositor = NULL;
    comp->mixer = NULL;
    comp->venc = NULL;
    comp->aenc = NULL;
    comp->rtpbin = NULL;
    g_mutex_unlock(&comp->lock);
    if (comp->archive != NULL)
        mgst_segmenter_cut_short(comp->archive, now_rt);
    g_clear_object(&comp->pipeline);
}

static GSource *attach_timeout(CompProgram *comp, guint ms, GSourceFunc func)
{
    GSource *source = ms == 0 ? g_idle_source_new() : g_timeout_source_new(ms);

    g_source_set_callback(source, func, comp, NULL);
    g_source_attach(source, comp->context);
    return source;
}

static void destroy_source(GSource **source)
{
    if (*source != NULL) {
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
    }
}

static gboolean restart_cb(gpointer user_data)
{
    CompProgram *comp = user_data;
    g_autoptr(GError) error = NULL;

    g_clear_pointer(&comp->restart_source, g_source_unref);
    if (comp->state != COMP_STATE_RUNNING)
        return G_SOURCE_REMOVE;
    /* the live stream's directory may be what went (removed under the server's feet) */
    if (comp->hls_dir != NULL && g_mkdir_with_parents(comp->hls_dir, 0755) != 0)
        g_set_error(&error, MGST_ERROR, errno == ENOSPC ? MGST_ERROR_DISK_FULL : MGST_ERROR_IO,
                    "cannot make the live stream directory %s again: %s", comp->hls_dir,
                    g_strerror(errno));
    if (error != NULL || !build(comp, &error)) {
        comp->state = COMP_STATE_FAILED;
        emit_error(comp, error, TRUE);
    }
    return G_SOURCE_REMOVE;
}

static void fail(CompProgram *comp, GError *error)
{
    gint64 now = g_get_monotonic_time();
    /* restart once (see recorder.c) */
    gboolean fatal = mgst_error_is_disk_full(error) || comp->state != COMP_STATE_RUNNING ||
                     (comp->last_restart_us != 0 &&
                      now - comp->last_restart_us < MGST_RESTART_WINDOW_S * G_USEC_PER_SEC);

    teardown(comp);
    if (fatal) {
        comp->state = COMP_STATE_FAILED;
    } else {
        comp->restarts++;
        comp->last_restart_us = now;
        comp->restart_source = attach_timeout(comp, 0, restart_cb);
    }
    if (!emit_error(comp, error, fatal)) {
        g_error_free(error);
        return;
    }
    g_error_free(error);
    maybe_stopped(comp);
}

static void finish_stop(CompProgram *comp)
{
    destroy_source(&comp->stop_source);
    teardown(comp);
    comp->state = COMP_STATE_STOPPED;
    maybe_stopped(comp);
}

static gboolean stop_timeout_cb(gpointer user_data)
{
    CompProgram *comp = user_data;

    g_clear_pointer(&comp->stop_source, g_source_unref);
    g_message("meeting %" G_GUINT64_FORMAT ": the program did not end in time, closing it",
              comp->meeting_id);
    finish_stop(comp);
    return G_SOURCE_REMOVE;
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer user_data)
{
    CompProgram *comp = user_data;

    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT:
        if (comp->archive != NULL)
            mgst_segmenter_handle_message(comp->archive, message);
        break;
    case GST_MESSAGE_ERROR: {
        GError *gerr = NULL;
        g_autofree char *debug = NULL;
        GError *error;

        gst_message_parse_error(message, &gerr, &debug);
        g_debug("meeting %" G_GUINT64_FORMAT ": %s: %s (%s)", comp->meeting_id,
                GST_MESSAGE_SRC_NAME(message), gerr->message, debug != NULL ? debug : "");
        if (mgst_error_is_disk_full(gerr))
            error = g_error_new(MGST_ERROR, MGST_ERROR_DISK_FULL,
                                "disk full: the composite program of meeting %" G_GUINT64_FORMAT
                                " stopped (%s)",
                                comp->meeting_id, gerr->message);
        else
            error = g_error_new(MGST_ERROR, MGST_ERROR_PIPELINE,
                                "meeting %" G_GUINT64_FORMAT " composite: %s: %s", comp->meeting_id,
                                GST_MESSAGE_SRC_NAME(message), gerr->message);
        g_error_free(gerr);
        if (comp->state == COMP_STATE_STOPPING) {
            g_message("%s", error->message);
            g_error_free(error);
            finish_stop(comp);
        } else {
            fail(comp, error);
        }
        return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
        if (comp->state == COMP_STATE_STOPPING) {
            finish_stop(comp);
            return G_SOURCE_REMOVE;
        }
        break;
    case GST_MESSAGE_WARNING: {
        g_autoptr(GError) gerr = NULL;

        gst_message_parse_warning(message, &gerr, NULL);
        g_message("meeting %" G_GUINT64_FORMAT " composite: %s: %s", comp->meeting_id,
                  GST_MESSAGE_SRC_NAME(message), gerr->message);
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

/* Every TICK_MS: the remaining time of the floor, and tiles of inputs that stopped sending. */
static gboolean tick_cb(gpointer user_data)
{
    CompProgram *comp = user_data;
    gint64 now = g_get_monotonic_time();
    gboolean changed = FALSE;
    guint64 frames;
    guint i;

    g_mutex_lock(&comp->lock);
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);
        MgstRtpInputCounters c;
        gboolean stale;

        if (in->tracks[MGST_KIND_VIDEO] == NULL || in->mixer_pad[MGST_KIND_VIDEO] == NULL)
            continue;
        mgst_rtp_input_get_counters(in->tracks[MGST_KIND_VIDEO], &c);
        stale = c.last_rtp_us == 0 || now - c.last_rtp_us > (gint64)COMP_STALE_MS * 1000;
        if (stale != in->stale) {
            in->stale = stale;
            changed = TRUE;
        }
    }
    if (changed)
        comp_apply_layout_locked(comp);
    if (comp->deadline_us > 0)
        comp_apply_floor_locked(comp);
    g_mutex_unlock(&comp->lock);

    /* the watchdog: a live program that stops producing frames is a failed pipeline */
    g_mutex_lock(&comp->frame_lock);
    frames = comp->frames;
    g_mutex_unlock(&comp->frame_lock);
    if (comp->state != COMP_STATE_RUNNING || comp->pipeline == NULL ||
        frames != comp->tick_frames) {
        comp->tick_frames = frames;
        comp->frames_seen_us = now;
    } else if (now - comp->frames_seen_us >
               (gint64)(frames == 0 ? COMP_FIRST_FRAME_MS : COMP_STALL_MS) * 1000) {
        comp->frames_seen_us = now;
        fail(comp,
             g_error_new(MGST_ERROR, MGST_ERROR_PIPELINE,
                         "meeting %" G_GUINT64_FORMAT ": the program produced no frame "
                         "for %u ms",
                         comp->meeting_id, frames == 0 ? COMP_FIRST_FRAME_MS : COMP_STALL_MS));
        /* @comp may be gone now (freed from the error callback): not touched again */
    }
    return G_SOURCE_CONTINUE;
}

/* ---- public ---- */

CompProgram *comp_program_new(const CompConfig *config, const CompEvents *events,
                              gpointer user_data, GMainContext *context, GError **error)
{
    CompProgram *comp;

    g_return_val_if_fail(config != NULL, NULL);
    g_return_val_if_fail(config->hls_dir != NULL || config->archive_dir != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!mgst_init(error))
        return NULL;
    if (config->hls_dir != NULL && g_mkdir_with_parents(config->hls_dir, 0755) != 0) {
        int e = errno;

        g_set_error(error, MGST_ERROR, e == ENOSPC ? MGST_ERROR_DISK_FULL : MGST_ERROR_IO,
                    "cannot create the live stream directory %s: %s", config->hls_dir,
                    g_strerror(e));
        return NULL;
    }
    comp = g_new0(CompProgram, 1);
    comp->width = config->width != 0 ? config->width & ~1u : COMP_DEFAULT_WIDTH;
    comp->height = config->height != 0 ? config->height & ~1u : COMP_DEFAULT_HEIGHT;
    comp->width = MAX(comp->width, 160);
    comp->height = MAX(comp->height, 90);
    comp->fps = config->fps != 0 ? config->fps : COMP_DEFAULT_FPS;
    comp->video_kbps =
        config->video_kbps != 0
            ? config->video_kbps
            : (guint)MAX(300, (guint64)2500 * comp->width * comp->height / (1280 * 720));
    comp->audio_kbps = config->audio_kbps != 0 ? config->audio_kbps : 96;
    comp->hls_dir = g_strdup(config->hls_dir);
    comp->font = g_strdup(config->font != NULL ? config->font : "DejaVu Sans");
    comp->latency_ms = config->latency_ms != 0 ? config->latency_ms : COMP_DEFAULT_LATENCY_MS;
    comp->meeting_id = config->meeting_id;
    if (events != NULL)
        comp->events = *events;
    comp->user_data = user_data;
    comp->context =
        context != NULL ? g_main_context_ref(context) : g_main_context_ref_thread_default();
    g_mutex_init(&comp->lock);
    g_mutex_init(&comp->frame_lock);
    comp->inputs = g_ptr_array_new_with_free_func(comp_input_free);
    comp->state = COMP_STATE_RUNNING;
    comp->first_frame_rt = -1;
    comp->next_session = 0;

    comp_layout_compute(comp->width, comp->height, FALSE, 0, &comp->base_layout);
    comp->bg_frame = comp_image_render_background(comp->width, comp->height, &comp->base_layout);
    comp->slate_frame =
        comp_image_render_slate(comp->width, comp->height, comp->font, "Phiên họp kín",
                                "Hình ảnh và âm thanh của phần này không được "
                                "phát công khai");

    if (config->archive_dir != NULL) {
        g_autofree char *prefix = g_strdup_printf("program-m%" G_GUINT64_FORMAT, comp->meeting_id);
        MgstSegmenterConfig sc = {
            .dir = config->archive_dir,
            .prefix = prefix,
            .extension = "mkv",
            .muxer = "matroskamux",
            .max_time = config->archive_segment_time != 0 ? config->archive_segment_time
                                                          : COMP_DEFAULT_ARCHIVE_TIME,
            .keyframe_requests = TRUE,
            .participant_id = 0,
            .track = "program",
            .kind = MGST_KIND_VIDEO,
            .codec = "h264+aac",
        };

        comp->archive = mgst_segmenter_new(&sc, comp->context, on_archive_segment, comp, error);
        if (comp->archive == NULL) {
            finalize(comp);
            return NULL;
        }
        mgst_segmenter_set_opened_func(comp->archive, on_archive_opened);
    }
    if (!build(comp, error)) {
        finalize(comp);
        return NULL;
    }
    comp->tick_source = attach_timeout(comp, TICK_MS, tick_cb);
    return comp;
}

static void finalize(CompProgram *comp)
{
    teardown(comp);
    destroy_source(&comp->restart_source);
    destroy_source(&comp->stop_source);
    destroy_source(&comp->tick_source);
    g_clear_pointer(&comp->archive, mgst_segmenter_free);
    g_clear_pointer(&comp->inputs, g_ptr_array_unref);
    g_clear_pointer(&comp->bg_frame, gst_buffer_unref);
    g_clear_pointer(&comp->slate_frame, gst_buffer_unref);
    g_mutex_clear(&comp->lock);
    g_mutex_clear(&comp->frame_lock);
    g_clear_pointer(&comp->context, g_main_context_unref);
    g_free(comp->hls_dir);
    g_free(comp->font);
    g_free(comp->body);
    g_free(comp->meeting);
    g_free(comp->item);
    g_free(comp->holder);
    g_free(comp);
}

void comp_program_free(CompProgram *comp)
{
    guint i, k;

    if (comp == NULL || comp->freed)
        return;
    comp->freed = TRUE;
    teardown(comp);
    destroy_source(&comp->restart_source);
    destroy_source(&comp->stop_source);
    destroy_source(&comp->tick_source);
    g_clear_pointer(&comp->archive, mgst_segmenter_free);
    g_mutex_lock(&comp->lock);
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        for (k = 0; k < 2; k++) {
            if (in->tracks[k] != NULL)
                mgst_rtp_input_close(in->tracks[k]);
        }
    }
    g_mutex_unlock(&comp->lock);
    if (comp->busy == 0)
        finalize(comp);
}

void comp_program_stop(CompProgram *comp)
{
    guint i, k;

    g_return_if_fail(comp != NULL && !comp->freed);

    if (comp->state != COMP_STATE_RUNNING) {
        if (comp->state == COMP_STATE_FAILED) {
            comp->state = COMP_STATE_STOPPED;
            maybe_stopped(comp);
        }
        return;
    }
    comp->state = COMP_STATE_STOPPING;
    destroy_source(&comp->restart_source);
    if (comp->pipeline == NULL) {
        comp->stop_source = attach_timeout(comp, 0, stop_timeout_cb);
        return;
    }
    g_mutex_lock(&comp->lock);
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        for (k = 0; k < 2; k++) {
            if (in->tracks[k] != NULL)
                mgst_rtp_input_end(in->tracks[k]);
        }
    }
    g_mutex_unlock(&comp->lock);
    /* The mixers are forced live and never end by themselves (nor do imagefreeze and the
     * silence): end the stream at the encoders; they drain, the playlist and the archive are
     * finalised, and the mixers stop when their next push meets the end of stream. */
    for (k = 0; k < 2; k++) {
        GstElement *enc = k == 0 ? comp->venc : comp->aenc;
        GstPad *pad = enc != NULL ? gst_element_get_static_pad(enc, "sink") : NULL;

        if (pad != NULL) {
            gst_pad_send_event(pad, gst_event_new_eos());
            gst_object_unref(pad);
        }
    }
    comp->stop_source = attach_timeout(comp, STOP_TIMEOUT_MS, stop_timeout_cb);
}

void comp_program_get_stats(CompProgram *comp, CompStats *stats)
{
    guint i, k;

    g_return_if_fail(comp != NULL && stats != NULL);

    memset(stats, 0, sizeof *stats);
    stats->state = comp->state;
    stats->restarts = comp->restarts;
    g_mutex_lock(&comp->frame_lock);
    stats->frames = comp->frames;
    stats->slate_shown_us = comp->slate_shown_us;
    g_mutex_unlock(&comp->frame_lock);
    g_mutex_lock(&comp->lock);
    stats->inputs = comp->inputs->len;
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        if (in->mixer_pad[MGST_KIND_VIDEO] != NULL && !in->stale && !comp->closed)
            stats->visible++;
        for (k = 0; k < 2; k++) {
            MgstRtpInputCounters c;

            if (in->tracks[k] == NULL)
                continue;
            mgst_rtp_input_get_counters(in->tracks[k], &c);
            stats->packets += c.rtp_packets;
            stats->dropped += c.dropped_full + c.dropped_idle;
        }
    }
    g_mutex_unlock(&comp->lock);
}

GstClockTime comp_program_get_first_frame_time(CompProgram *comp)
{
    GstClockTime t;

    g_return_val_if_fail(comp != NULL, GST_CLOCK_TIME_NONE);
    g_mutex_lock(&comp->frame_lock);
    t = comp->first_frame_rt >= 0 ? (GstClockTime)comp->first_frame_rt : GST_CLOCK_TIME_NONE;
    g_mutex_unlock(&comp->frame_lock);
    return t;
}

GstClockTime comp_program_get_running_time(CompProgram *comp)
{
    g_return_val_if_fail(comp != NULL, GST_CLOCK_TIME_NONE);
    return comp->pipeline != NULL ? mgst_running_time(comp->pipeline) : GST_CLOCK_TIME_NONE;
}
