/* recorder.c: per-participant recording pipeline (see recorder.h for the contract).
 *
 * Design: one pipeline per participant, one rtpbin in it, one rtpbin session per track. rtpbin
 * creates its output pad for a track when the first packet of the track's SSRC leaves the jitter
 * buffer; only then do we build that track's branch (queue, depayloader, parser, splitmuxsink),
 * so a track that never sends creates no file and never holds back the end of stream. Because
 * the branch is built on that streaming thread while the owner thread may add tracks, end them
 * or tear the pipeline down, the track list and each track's "linked" flag are guarded by one
 * mutex, and the segmenters (which the owner thread reads when their messages arrive) are only
 * touched under it.
 *
 * When a branch is linked, every track's last sender report is injected again, extrapolated to
 * now: rtpbin drops a report for a stream it has not created yet, and without a report for both
 * streams of a CNAME it cannot align them until the next report interval.
 *
 * Failure handling follows the project rule: report, restart once, never abort. A restart tears
 * the pipeline down to NULL (after draining the bus so the segment messages already posted are
 * not lost), reports the open files as cut short, and builds a fresh pipeline from an idle
 * source; the inputs stay the same objects, so the media worker keeps pushing into the same
 * handles. A full disk is not worth a restart: the recording stops with MGST_ERROR_DISK_FULL.
 *
 * The owner may free the recorder from inside any callback: callbacks run inside an emit
 * bracket (busy counter) and the memory is released when the outermost bracket closes.
 */
#include "gst/recorder.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "gst/segmenter.h"

#define SPACE_CHECK_INTERVAL_S 5

typedef struct {
    RecRecorder *rec;
    char *name;
    MgstCodec codec;
    guint session;
    MgstRtpInput *input;
    MgstSegmenter *segmenter;
    gboolean linked; /* protected by rec->lock: a branch exists in the current pipeline */
    gboolean ended;  /* owner thread */
} RecTrack;

struct _RecRecorder {
    guint64 participant_id;
    char *dir;
    GstClockTime segment_time;
    guint latency_ms;
    guint64 min_free_bytes;
    RecEvents events;
    gpointer user_data;
    GMainContext *context;

    GMutex lock;
    GPtrArray *tracks;     /* RecTrack *, owned; protected by lock */
    GPtrArray *opened;     /* OpenedSegment *: to report once the lock is released */
    gboolean tearing_down; /* protected by lock */
    guint next_session;

    GstElement *pipeline;
    GstElement *rtpbin;
    GSource *bus_source;
    GSource *restart_source;
    GSource *stop_source;
    GSource *space_source;
    GSource *keyframe_source;
    RecState state;
    guint restarts;
    gint64 last_restart_us; /* monotonic; 0: never */
    guint segments;
    gboolean stopped_emitted;
    gint busy;
    gboolean freed;
};

static gboolean build(RecRecorder *rec, GError **error);
static void teardown(RecRecorder *rec);
static void finalize(RecRecorder *rec);

const char *rec_state_to_string(RecState state)
{
    switch (state) {
    case REC_STATE_RUNNING:
        return "running";
    case REC_STATE_STOPPING:
        return "stopping";
    case REC_STATE_STOPPED:
        return "stopped";
    case REC_STATE_FAILED:
        return "failed";
    }
    return "?";
}

/* ---- callbacks to the owner, which may free us ---- */

static void emit_begin(RecRecorder *rec)
{
    rec->busy++;
}

/* Returns FALSE when the recorder was freed inside the callback (it is gone now). */
static gboolean emit_end(RecRecorder *rec)
{
    rec->busy--;
    if (rec->freed) {
        if (rec->busy == 0)
            finalize(rec);
        return FALSE;
    }
    return TRUE;
}

static gboolean emit_error(RecRecorder *rec, const GError *error, gboolean fatal)
{
    if (fatal)
        g_warning("participant %" G_GUINT64_FORMAT ": recording stopped: %s", rec->participant_id,
                  error->message);
    else
        g_warning("participant %" G_GUINT64_FORMAT ": recording restarts after: %s",
                  rec->participant_id, error->message);
    if (rec->events.error == NULL)
        return TRUE;
    emit_begin(rec);
    rec->events.error(rec->user_data, error, fatal);
    return emit_end(rec);
}

static guint pending_files(RecRecorder *rec)
{
    guint i, n = 0;

    g_mutex_lock(&rec->lock);
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        n += mgst_segmenter_get_pending(t->segmenter);
    }
    g_mutex_unlock(&rec->lock);
    return n;
}

/* Calls RecEvents.stopped once, when stop() has finished and every file has been reported. */
static gboolean maybe_stopped(RecRecorder *rec)
{
    if (rec->state != REC_STATE_STOPPED || rec->stopped_emitted || pending_files(rec) > 0)
        return TRUE;
    rec->stopped_emitted = TRUE;
    g_message("participant %" G_GUINT64_FORMAT ": recording stopped, %u files", rec->participant_id,
              rec->segments);
    if (rec->events.stopped == NULL)
        return TRUE;
    emit_begin(rec);
    rec->events.stopped(rec->user_data);
    return emit_end(rec);
}

static void on_segment(gpointer user_data, const MgstSegment *segment)
{
    RecTrack *track = user_data;
    RecRecorder *rec = track->rec;

    rec->segments++;
    g_message("participant %" G_GUINT64_FORMAT " %s: file %s (%" G_GUINT64_FORMAT
              " bytes, %.1f s%s)",
              rec->participant_id, track->name, segment->path, segment->size,
              GST_CLOCK_TIME_IS_VALID(segment->end_rt) && segment->end_rt >= segment->start_rt
                  ? (double)(segment->end_rt - segment->start_rt) / GST_SECOND
                  : 0.0,
              segment->complete ? "" : ", cut short");
    if (rec->events.segment != NULL) {
        emit_begin(rec);
        rec->events.segment(rec->user_data, segment);
        if (!emit_end(rec))
            return;
    }
    maybe_stopped(rec);
}

/* Called under rec->lock (from a segmenter's message handler): kept, and reported by on_bus()
 * once the lock is released, since the owner may call back into the recorder. */
typedef struct {
    MgstSegment seg;
    char *track;
    char *codec;
    char *path;
} OpenedSegment;

static void opened_segment_free(gpointer data)
{
    OpenedSegment *o = data;

    g_free(o->track);
    g_free(o->codec);
    g_free(o->path);
    g_free(o);
}

static void on_segment_opened(gpointer user_data, const MgstSegment *segment)
{
    RecTrack *track = user_data;
    OpenedSegment *o;

    if (track->rec->events.segment_opened == NULL)
        return;
    o = g_new0(OpenedSegment, 1);
    o->seg = *segment;
    o->track = g_strdup(segment->track);
    o->codec = g_strdup(segment->codec);
    o->path = g_strdup(segment->path);
    o->seg.track = o->track;
    o->seg.codec = o->codec;
    o->seg.path = o->path;
    g_ptr_array_add(track->rec->opened, o);
}

/* Returns FALSE when the recorder was freed inside a callback. */
static gboolean emit_opened(RecRecorder *rec)
{
    while (rec->opened->len > 0) {
        OpenedSegment *o = g_ptr_array_steal_index(rec->opened, 0);
        gboolean alive;

        emit_begin(rec);
        rec->events.segment_opened(rec->user_data, &o->seg);
        alive = emit_end(rec);
        opened_segment_free(o);
        if (!alive)
            return FALSE;
    }
    return TRUE;
}

static void on_keyframe(gpointer user_data)
{
    RecTrack *track = user_data;
    RecRecorder *rec = track->rec;

    if (rec->events.keyframe != NULL)
        rec->events.keyframe(rec->user_data, track->name);
}

/* ---- tracks ---- */

static void track_free(gpointer data)
{
    RecTrack *t = data;

    mgst_rtp_input_close(t->input);
    mgst_rtp_input_unref(t->input);
    mgst_segmenter_free(t->segmenter);
    g_free(t->name);
    g_free(t);
}

static RecTrack *find_track_locked(RecRecorder *rec, const char *name, gint session)
{
    guint i;

    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        if (name != NULL ? strcmp(t->name, name) == 0 : (gint)t->session == session)
            return t;
    }
    return NULL;
}

static gboolean valid_track_name(const char *name)
{
    const char *p;

    if (name == NULL || *name == '\0' || strlen(name) > 32)
        return FALSE;
    for (p = name; *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            return FALSE;
    }
    return TRUE;
}

static GstElement *make_depay(MgstCodec codec, GError **error)
{
    GstElement *depay = NULL;

    switch (codec) {
    case MGST_CODEC_VP8:
        depay = mgst_make("rtpvp8depay", NULL, error);
        break;
    case MGST_CODEC_H264:
        depay = mgst_make("rtph264depay", NULL, error);
        break;
    case MGST_CODEC_OPUS:
        depay = mgst_make("rtpopusdepay", NULL, error);
        break;
    default:
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID, "codec %s is not recorded",
                    mgst_codec_to_string(codec));
        return NULL;
    }
    if (depay != NULL && mgst_codec_kind(codec) == MGST_KIND_VIDEO)
        /* after a loss: drop until the next key frame and ask for one (a force-key-unit event
         * upstream, which the input turns into a PLI) */
        g_object_set(depay, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
    return depay;
}

/* rtpbin moves a stream's timestamps when a sender report changes its lip-sync offset, and the
 * move can be backwards (a few to a few hundred milliseconds); splitmuxsink then fails the
 * whole pipeline ("Timestamping error on input streams"). The gate in front of it keeps each
 * track's decoding timestamps increasing: a buffer stamped before the last one is moved to just
 * after it (its presentation time with it), which squeezes the step into a few frames instead
 * of losing the recording. Streaming thread; one gate per branch. */
typedef struct {
    GstClockTime last;
    guint64 adjusted;
} MonotonicGate;

static GstPadProbeReturn monotonic_gate(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    MonotonicGate *gate = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    GstClockTime t = GST_BUFFER_DTS_OR_PTS(buf);

    if (!GST_CLOCK_TIME_IS_VALID(t))
        return GST_PAD_PROBE_OK;
    if (GST_CLOCK_TIME_IS_VALID(gate->last) && gate->last != 0 && t <= gate->last) {
        GstClockTime shift = gate->last + GST_USECOND - t;

        buf = gst_buffer_make_writable(buf);
        GST_PAD_PROBE_INFO_DATA(info) = buf;
        if (GST_BUFFER_DTS_IS_VALID(buf))
            GST_BUFFER_DTS(buf) += shift;
        if (GST_BUFFER_PTS_IS_VALID(buf))
            GST_BUFFER_PTS(buf) += shift;
        t += shift;
        if (gate->adjusted++ == 0)
            GST_DEBUG_OBJECT(pad, "timestamps went back %" GST_TIME_FORMAT ", moved forward",
                             GST_TIME_ARGS(shift));
    }
    gate->last = t;
    return GST_PAD_PROBE_OK;
}

/* splitmuxsink's pads are "video" (the one that decides the cuts) and "audio_%u". */
static gboolean link_to_splitmux(GstElement *from, GstElement *split, MgstKind kind)
{
    g_autoptr(GstPad) sinkpad =
        gst_element_request_pad_simple(split, kind == MGST_KIND_VIDEO ? "video" : "audio_%u");
    g_autoptr(GstPad) srcpad = gst_element_get_static_pad(from, "src");

    return sinkpad != NULL && srcpad != NULL && gst_pad_link(srcpad, sinkpad) == GST_PAD_LINK_OK;
}

/* Builds and links a track's branch to rtpbin's @pad. Streaming thread, rec->lock held. */
static gboolean link_branch(RecRecorder *rec, RecTrack *track, GstPad *pad, GError **error)
{
    GstElement *chain[6];
    guint n = 0, i;
    GstElement *queue, *depay, *sink;
    g_autoptr(GstPad) sinkpad = NULL;

    queue = mgst_make("queue", NULL, error);
    if (queue == NULL)
        return FALSE;
    /* absorbs slow disk writes; the bound that protects the worker is the appsrc's */
    g_object_set(queue, "max-size-time", (guint64)5 * GST_SECOND, "max-size-bytes", 0,
                 "max-size-buffers", 0, NULL);
    chain[n++] = queue;
    depay = make_depay(track->codec, error);
    if (depay == NULL)
        goto fail;
    chain[n++] = depay;
    if (track->codec == MGST_CODEC_OPUS) {
        /* the depayloader's caps lack the rate WebM needs; opusparse adds it */
        GstElement *parse = mgst_make("opusparse", NULL, error);

        if (parse == NULL)
            goto fail;
        chain[n++] = parse;
    } else if (track->codec == MGST_CODEC_H264) {
        g_autoptr(GstCaps) caps = gst_caps_from_string("video/x-h264,stream-format=avc3,"
                                                       "alignment=au");
        GstElement *parse = mgst_make("h264parse", NULL, error);
        GstElement *filter;

        if (parse == NULL)
            goto fail;
        chain[n++] = parse;
        filter = mgst_make("capsfilter", NULL, error);
        if (filter == NULL)
            goto fail;
        /* avc3 keeps SPS/PPS in band: a mid-stream resolution change does not end the file */
        g_object_set(filter, "caps", caps, NULL);
        chain[n++] = filter;
    }
    sink = mgst_segmenter_make_sink(track->segmenter, error);
    if (sink == NULL)
        goto fail;
    chain[n++] = sink;

    for (i = 0; i < n; i++)
        gst_bin_add(GST_BIN(rec->pipeline), chain[i]);
    for (i = 0; i + 1 < n; i++) {
        gboolean ok;

        if (chain[i + 1] == sink)
            ok = link_to_splitmux(chain[i], sink, mgst_codec_kind(track->codec));
        else
            ok = gst_element_link(chain[i], chain[i + 1]);
        if (!ok) {
            g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                        "participant %" G_GUINT64_FORMAT " %s: cannot link %s to %s",
                        rec->participant_id, track->name, GST_ELEMENT_NAME(chain[i]),
                        GST_ELEMENT_NAME(chain[i + 1]));
            return FALSE; /* the elements belong to the pipeline now */
        }
    }
    {
        g_autoptr(GstPad) last = gst_element_get_static_pad(chain[n - 2], "src");

        gst_pad_add_probe(last, GST_PAD_PROBE_TYPE_BUFFER, monotonic_gate, g_new0(MonotonicGate, 1),
                          g_free);
    }
    for (i = n; i > 0; i--)
        gst_element_sync_state_with_parent(chain[i - 1]);
    sinkpad = gst_element_get_static_pad(queue, "sink");
    if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                    "participant %" G_GUINT64_FORMAT " %s: cannot link rtpbin's %s",
                    rec->participant_id, track->name, GST_PAD_NAME(pad));
        return FALSE;
    }
    return TRUE;

fail:
    for (i = 0; i < n; i++)
        gst_object_unref(gst_object_ref_sink(chain[i]));
    return FALSE;
}

/* A second SSRC in a session (not expected from the SFU's tap): consume it quietly. */
static void link_fakesink(RecRecorder *rec, GstPad *pad)
{
    GstElement *sink = gst_element_factory_make("fakesink", NULL);
    g_autoptr(GstPad) sinkpad = NULL;

    if (sink == NULL)
        return;
    g_object_set(sink, "async", FALSE, "sync", FALSE, NULL);
    gst_bin_add(GST_BIN(rec->pipeline), sink);
    gst_element_sync_state_with_parent(sink);
    sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
}

static void on_pad_added(GstElement *rtpbin, GstPad *pad, gpointer user_data)
{
    RecRecorder *rec = user_data;
    g_autoptr(GError) error = NULL;
    guint session, ssrc, pt;
    RecTrack *track;
    gboolean linked = FALSE, video = FALSE;
    MgstRtpInput *inputs[16];
    guint n_inputs = 0, i;

    if (sscanf(GST_PAD_NAME(pad), "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
        return;

    g_mutex_lock(&rec->lock);
    track = rec->tearing_down ? NULL : find_track_locked(rec, NULL, (gint)session);
    if (track != NULL && !track->linked) {
        linked = link_branch(rec, track, pad, &error);
        track->linked = linked;
        video = mgst_codec_kind(track->codec) == MGST_KIND_VIDEO;
        if (linked && video)
            inputs[n_inputs++] = mgst_rtp_input_ref(track->input);
    } else if (!rec->tearing_down) {
        link_fakesink(rec, pad);
    }
    if (linked) {
        for (i = 0; i < rec->tracks->len && n_inputs < G_N_ELEMENTS(inputs); i++) {
            RecTrack *t = g_ptr_array_index(rec->tracks, i);

            inputs[n_inputs++] = mgst_rtp_input_ref(t->input);
        }
    }
    g_mutex_unlock(&rec->lock);

    if (error != NULL) {
        GstMessage *msg = gst_message_new_error(GST_OBJECT(rtpbin), error, NULL);

        gst_element_post_message(rtpbin, msg);
        return;
    }
    /* The first entry is the new video track (when it is one): it needs a key frame to start. */
    for (i = 0; i < n_inputs; i++) {
        if (i == 0 && video)
            mgst_rtp_input_request_keyframe(inputs[i]);
        else
            mgst_rtp_input_reinject_sr(inputs[i]);
        mgst_rtp_input_unref(inputs[i]);
    }
}

/* ---- the pipeline ---- */

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer user_data);

static void start_inputs(RecRecorder *rec)
{
    g_autoptr(GstClock) clock = gst_element_get_clock(rec->pipeline);
    GstClockTime base = gst_element_get_base_time(rec->pipeline);
    GstClockTime now;
    gint64 wall_at_zero;
    guint i;

    if (clock == NULL)
        return;
    now = gst_clock_get_time(clock);
    wall_at_zero = g_get_real_time() - (gint64)((now > base ? now - base : 0) / GST_USECOND);
    g_mutex_lock(&rec->lock);
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        mgst_segmenter_set_time_base(t->segmenter, wall_at_zero);
        if (!t->ended)
            mgst_rtp_input_start(t->input, clock, base);
    }
    g_mutex_unlock(&rec->lock);
}

static gboolean build(RecRecorder *rec, GError **error)
{
    g_autofree char *name = g_strdup_printf("rec-p%" G_GUINT64_FORMAT, rec->participant_id);
    g_autoptr(GstClock) clock = NULL;
    g_autoptr(GstBus) bus = NULL;
    guint i;

    g_assert(rec->pipeline == NULL);

    rec->pipeline = gst_pipeline_new(name);
    gst_object_ref_sink(rec->pipeline);
    /* the monotonic system clock: arrival stamps of every recorder share one time base */
    clock = gst_system_clock_obtain();
    gst_pipeline_use_clock(GST_PIPELINE(rec->pipeline), clock);

    rec->rtpbin = mgst_make("rtpbin", "rtpbin", error);
    if (rec->rtpbin == NULL)
        goto fail;
    /* do-lost: the depayloaders learn about losses and ask for key frames; no ntp-sync for
     * browser streams (their NTP clocks are not ours) */
    g_object_set(rec->rtpbin, "latency", rec->latency_ms, "do-lost", TRUE, "autoremove", FALSE,
                 NULL);
    gst_bin_add(GST_BIN(rec->pipeline), rec->rtpbin);
    g_signal_connect(rec->rtpbin, "pad-added", G_CALLBACK(on_pad_added), rec);

    g_mutex_lock(&rec->lock);
    rec->tearing_down = FALSE;
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        t->linked = FALSE;
        if (t->ended)
            continue;
        if (!mgst_rtp_input_attach(t->input, GST_BIN(rec->pipeline), rec->rtpbin, t->session,
                                   error)) {
            g_mutex_unlock(&rec->lock);
            goto fail;
        }
    }
    g_mutex_unlock(&rec->lock);

    bus = gst_pipeline_get_bus(GST_PIPELINE(rec->pipeline));
    rec->bus_source = mgst_bus_watch(bus, rec->context, on_bus, rec);

    if (gst_element_set_state(rec->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                    "participant %" G_GUINT64_FORMAT ": the recording pipeline does not start",
                    rec->participant_id);
        goto fail;
    }
    /* A live pipeline: no waiting for ASYNC_DONE; the appsrcs are playing now. */
    start_inputs(rec);
    return TRUE;

fail:
    teardown(rec);
    return FALSE;
}

/* Segment messages already on the bus would be flushed by the state change to NULL. */
static void drain_bus(RecRecorder *rec)
{
    g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(rec->pipeline));
    GstMessage *msg;
    guint i;

    while ((msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) != NULL) {
        g_mutex_lock(&rec->lock);
        for (i = 0; i < rec->tracks->len; i++) {
            RecTrack *t = g_ptr_array_index(rec->tracks, i);

            if (mgst_segmenter_handle_message(t->segmenter, msg))
                break;
        }
        g_mutex_unlock(&rec->lock);
        gst_message_unref(msg);
    }
}

/* Down to NULL; files left open are reported cut short. Safe to call twice. */
static void teardown(RecRecorder *rec)
{
    GstClockTime now_rt;
    guint i;

    if (rec->bus_source != NULL) {
        g_source_destroy(rec->bus_source);
        g_clear_pointer(&rec->bus_source, g_source_unref);
    }
    if (rec->pipeline == NULL)
        return;
    now_rt = mgst_running_time(rec->pipeline);

    g_mutex_lock(&rec->lock);
    rec->tearing_down = TRUE;
    for (i = 0; i < rec->tracks->len; i++)
        mgst_rtp_input_detach(((RecTrack *)g_ptr_array_index(rec->tracks, i))->input);
    g_mutex_unlock(&rec->lock);

    drain_bus(rec);
    gst_element_set_state(rec->pipeline, GST_STATE_NULL);

    g_mutex_lock(&rec->lock);
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        t->linked = FALSE;
        mgst_segmenter_cut_short(t->segmenter, now_rt);
    }
    g_mutex_unlock(&rec->lock);
    rec->rtpbin = NULL;
    g_clear_object(&rec->pipeline);
}

static gboolean restart_cb(gpointer user_data)
{
    RecRecorder *rec = user_data;
    g_autoptr(GError) error = NULL;

    g_clear_pointer(&rec->restart_source, g_source_unref);
    if (rec->state != REC_STATE_RUNNING)
        return G_SOURCE_REMOVE;
    if (!build(rec, &error)) {
        rec->state = REC_STATE_FAILED;
        emit_error(rec, error, TRUE);
    }
    return G_SOURCE_REMOVE;
}

static GSource *attach_timeout(RecRecorder *rec, guint ms, GSourceFunc func)
{
    GSource *source = ms == 0 ? g_idle_source_new() : g_timeout_source_new(ms);

    g_source_set_callback(source, func, rec, NULL);
    g_source_attach(source, rec->context);
    return source;
}

/* An error from the pipeline or the disk check: restart once, or stop for good. */
static void fail(RecRecorder *rec, GError *error)
{
    gboolean disk_full = mgst_error_is_disk_full(error);
    gint64 now = g_get_monotonic_time();
    /* restart once: a second failure within MGST_RESTART_WINDOW_S of a restart is final; one
     * long after (a transient error hours into a sitting) gets its own restart */
    gboolean fatal = disk_full || rec->state != REC_STATE_RUNNING ||
                     (rec->last_restart_us != 0 &&
                      now - rec->last_restart_us < MGST_RESTART_WINDOW_S * G_USEC_PER_SEC);

    teardown(rec);
    if (disk_full && error->domain != MGST_ERROR) {
        GError *clear = g_error_new(MGST_ERROR, MGST_ERROR_DISK_FULL,
                                    "disk full: recording of participant %" G_GUINT64_FORMAT
                                    " in %s stopped (%s)",
                                    rec->participant_id, rec->dir, error->message);

        g_error_free(error);
        error = clear;
    }
    if (fatal) {
        guint i;

        /* for good: the media worker's pushes now say so (-ESHUTDOWN) */
        rec->state = REC_STATE_FAILED;
        g_mutex_lock(&rec->lock);
        for (i = 0; i < rec->tracks->len; i++)
            mgst_rtp_input_close(((RecTrack *)g_ptr_array_index(rec->tracks, i))->input);
        g_mutex_unlock(&rec->lock);
    } else {
        rec->restarts++;
        rec->last_restart_us = now;
        rec->restart_source = attach_timeout(rec, 0, restart_cb);
    }
    if (!emit_error(rec, error, fatal)) {
        g_error_free(error);
        return;
    }
    g_error_free(error);
    maybe_stopped(rec);
}

static void finish_stop(RecRecorder *rec)
{
    if (rec->stop_source != NULL) {
        g_source_destroy(rec->stop_source);
        g_clear_pointer(&rec->stop_source, g_source_unref);
    }
    teardown(rec);
    rec->state = REC_STATE_STOPPED;
    maybe_stopped(rec);
}

static gboolean stop_timeout_cb(gpointer user_data)
{
    RecRecorder *rec = user_data;

    g_clear_pointer(&rec->stop_source, g_source_unref);
    g_message("participant %" G_GUINT64_FORMAT ": files not finalised in time, closing them",
              rec->participant_id);
    finish_stop(rec);
    return G_SOURCE_REMOVE;
}

static gboolean stop_now_cb(gpointer user_data)
{
    RecRecorder *rec = user_data;

    g_clear_pointer(&rec->stop_source, g_source_unref);
    finish_stop(rec);
    return G_SOURCE_REMOVE;
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer user_data)
{
    RecRecorder *rec = user_data;

    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT: {
        guint i;

        g_mutex_lock(&rec->lock);
        for (i = 0; i < rec->tracks->len; i++) {
            RecTrack *t = g_ptr_array_index(rec->tracks, i);

            if (mgst_segmenter_handle_message(t->segmenter, message))
                break;
        }
        g_mutex_unlock(&rec->lock);
        if (!emit_opened(rec))
            return G_SOURCE_REMOVE; /* freed: its watch is gone */
        break;
    }
    case GST_MESSAGE_ERROR: {
        GError *gerr = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *path = gst_object_get_path_string(GST_MESSAGE_SRC(message));
        GError *error;

        gst_message_parse_error(message, &gerr, &debug);
        g_debug("participant %" G_GUINT64_FORMAT ": %s: %s (%s)", rec->participant_id, path,
                gerr->message, debug != NULL ? debug : "");
        if (mgst_error_is_disk_full(gerr))
            error = g_error_new(MGST_ERROR, MGST_ERROR_DISK_FULL,
                                "disk full: recording of participant %" G_GUINT64_FORMAT
                                " in %s stopped (%s)",
                                rec->participant_id, rec->dir, gerr->message);
        else
            error = g_error_new(MGST_ERROR, MGST_ERROR_PIPELINE,
                                "participant %" G_GUINT64_FORMAT " recording: %s: %s",
                                rec->participant_id, GST_MESSAGE_SRC_NAME(message), gerr->message);
        g_error_free(gerr);
        if (rec->state == REC_STATE_STOPPING) {
            g_message("%s", error->message);
            g_error_free(error);
            finish_stop(rec);
        } else {
            fail(rec, error);
        }
        return G_SOURCE_REMOVE; /* this pipeline's watch is gone either way */
    }
    case GST_MESSAGE_EOS:
        if (rec->state == REC_STATE_STOPPING) {
            finish_stop(rec);
            return G_SOURCE_REMOVE;
        }
        break;
    case GST_MESSAGE_WARNING: {
        g_autoptr(GError) gerr = NULL;

        gst_message_parse_warning(message, &gerr, NULL);
        g_message("participant %" G_GUINT64_FORMAT " recording: %s: %s", rec->participant_id,
                  GST_MESSAGE_SRC_NAME(message), gerr->message);
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean space_cb(gpointer user_data)
{
    RecRecorder *rec = user_data;
    struct statvfs st;
    guint64 avail;

    if (rec->state != REC_STATE_RUNNING || rec->pipeline == NULL)
        return G_SOURCE_CONTINUE;
    if (statvfs(rec->dir, &st) != 0)
        return G_SOURCE_CONTINUE;
    avail = (guint64)st.f_bavail * st.f_frsize;
    if (avail < rec->min_free_bytes)
        fail(rec, g_error_new(MGST_ERROR, MGST_ERROR_DISK_FULL,
                              "disk full: %" G_GUINT64_FORMAT
                              " MB free under %s, below the %" G_GUINT64_FORMAT
                              " MB limit; recording of participant %" G_GUINT64_FORMAT " stopped",
                              avail / (1024 * 1024), rec->dir, rec->min_free_bytes / (1024 * 1024),
                              rec->participant_id));
    return G_SOURCE_CONTINUE;
}

/* splitmuxsink holds the current group of pictures in memory until the next key frame, and a
 * browser sends one only when asked (Chromium's VP8: every few minutes otherwise): a key frame
 * asked of every video track at this interval bounds what a killed process loses. */
static gboolean keyframe_cb(gpointer user_data)
{
    RecRecorder *rec = user_data;
    MgstRtpInput *inputs[32];
    guint i, n = 0;

    if (rec->state != REC_STATE_RUNNING || rec->pipeline == NULL)
        return G_SOURCE_CONTINUE;
    g_mutex_lock(&rec->lock);
    for (i = 0; i < rec->tracks->len && n < G_N_ELEMENTS(inputs); i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        if (t->linked && !t->ended && mgst_codec_kind(t->codec) == MGST_KIND_VIDEO)
            inputs[n++] = mgst_rtp_input_ref(t->input);
    }
    g_mutex_unlock(&rec->lock);
    for (i = 0; i < n; i++) {
        mgst_rtp_input_request_keyframe(inputs[i]);
        mgst_rtp_input_unref(inputs[i]);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- public ---- */

RecRecorder *rec_recorder_new(const RecConfig *config, const RecEvents *events, gpointer user_data,
                              GMainContext *context, GError **error)
{
    RecRecorder *rec;

    g_return_val_if_fail(config != NULL && config->dir != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!mgst_init(error))
        return NULL;
    if (g_mkdir_with_parents(config->dir, 0750) != 0) {
        int e = errno;

        g_set_error(error, MGST_ERROR, e == ENOSPC ? MGST_ERROR_DISK_FULL : MGST_ERROR_IO,
                    "cannot create the recording directory %s: %s", config->dir, g_strerror(e));
        return NULL;
    }
    rec = g_new0(RecRecorder, 1);
    rec->participant_id = config->participant_id;
    rec->dir = g_strdup(config->dir);
    rec->segment_time = config->segment_time != 0 ? config->segment_time : REC_DEFAULT_SEGMENT_TIME;
    rec->latency_ms = config->latency_ms != 0 ? config->latency_ms : REC_DEFAULT_LATENCY_MS;
    rec->min_free_bytes = config->min_free_bytes;
    if (events != NULL)
        rec->events = *events;
    rec->user_data = user_data;
    rec->context =
        context != NULL ? g_main_context_ref(context) : g_main_context_ref_thread_default();
    g_mutex_init(&rec->lock);
    rec->tracks = g_ptr_array_new_with_free_func(track_free);
    rec->opened = g_ptr_array_new_with_free_func(opened_segment_free);
    rec->state = REC_STATE_RUNNING;

    if (!build(rec, error)) {
        rec->state = REC_STATE_FAILED;
        finalize(rec);
        return NULL;
    }
    if (rec->min_free_bytes > 0) {
        rec->space_source = g_timeout_source_new_seconds(SPACE_CHECK_INTERVAL_S);
        g_source_set_callback(rec->space_source, space_cb, rec, NULL);
        g_source_attach(rec->space_source, rec->context);
    }
    rec->keyframe_source = g_timeout_source_new_seconds(REC_KEYFRAME_INTERVAL_S);
    g_source_set_callback(rec->keyframe_source, keyframe_cb, rec, NULL);
    g_source_attach(rec->keyframe_source, rec->context);
    return rec;
}

static void destroy_source(GSource **source)
{
    if (*source != NULL) {
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
    }
}

static void finalize(RecRecorder *rec)
{
    teardown(rec);
    destroy_source(&rec->restart_source);
    destroy_source(&rec->stop_source);
    destroy_source(&rec->space_source);
    destroy_source(&rec->keyframe_source);
    g_clear_pointer(&rec->tracks, g_ptr_array_unref);
    g_clear_pointer(&rec->opened, g_ptr_array_unref);
    g_mutex_clear(&rec->lock);
    g_clear_pointer(&rec->context, g_main_context_unref);
    g_free(rec->dir);
    g_free(rec);
}

void rec_recorder_free(RecRecorder *rec)
{
    guint i;

    if (rec == NULL || rec->freed)
        return;
    rec->freed = TRUE;
    /* Stop now, whatever the caller is inside of: no callback runs after this. */
    teardown(rec);
    destroy_source(&rec->restart_source);
    destroy_source(&rec->stop_source);
    destroy_source(&rec->space_source);
    destroy_source(&rec->keyframe_source);
    g_mutex_lock(&rec->lock);
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        mgst_rtp_input_close(t->input);
        g_clear_pointer(&t->segmenter, mgst_segmenter_free);
    }
    g_mutex_unlock(&rec->lock);
    if (rec->busy == 0)
        finalize(rec);
}

MgstRtpInput *rec_recorder_add_track(RecRecorder *rec, const char *track, MgstCodec codec,
                                     guint8 payload_type, guint clock_rate, GError **error)
{
    g_autofree char *prefix = NULL;
    MgstSegmenterConfig sc = {0};
    RecTrack *t;
    gboolean ok = TRUE;

    g_return_val_if_fail(rec != NULL && !rec->freed, NULL);

    if (!valid_track_name(track) || payload_type > 127) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "participant %" G_GUINT64_FORMAT ": track name \"%s\" or payload type %u is "
                    "not valid",
                    rec->participant_id, track != NULL ? track : "", payload_type);
        return NULL;
    }
    if (codec != MGST_CODEC_VP8 && codec != MGST_CODEC_H264 && codec != MGST_CODEC_OPUS) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "participant %" G_GUINT64_FORMAT " %s: codec %s is not recorded",
                    rec->participant_id, track, mgst_codec_to_string(codec));
        return NULL;
    }
    if (rec->state != REC_STATE_RUNNING) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "participant %" G_GUINT64_FORMAT ": the recording is %s", rec->participant_id,
                    rec_state_to_string(rec->state));
        return NULL;
    }
    g_mutex_lock(&rec->lock);
    t = find_track_locked(rec, track, -1);
    g_mutex_unlock(&rec->lock);
    if (t != NULL) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "participant %" G_GUINT64_FORMAT ": track %s is already recorded",
                    rec->participant_id, track);
        return NULL;
    }

    prefix = g_strdup_printf("p%" G_GUINT64_FORMAT "-%s", rec->participant_id, track);
    sc.dir = rec->dir;
    sc.prefix = prefix;
    sc.extension = codec == MGST_CODEC_H264 ? "mkv" : "webm";
    sc.muxer = codec == MGST_CODEC_H264 ? "matroskamux" : "webmmux";
    sc.max_time = rec->segment_time;
    sc.keyframe_requests = mgst_codec_kind(codec) == MGST_KIND_VIDEO;
    sc.participant_id = rec->participant_id;
    sc.track = track;
    sc.kind = mgst_codec_kind(codec);
    sc.codec = mgst_codec_to_string(codec);

    t = g_new0(RecTrack, 1);
    t->rec = rec;
    t->name = g_strdup(track);
    t->codec = codec;
    t->session = rec->next_session++;
    t->input = mgst_rtp_input_new(codec, payload_type, clock_rate);
    t->segmenter = mgst_segmenter_new(&sc, rec->context, on_segment, t, error);
    if (t->segmenter == NULL) {
        mgst_rtp_input_unref(t->input);
        g_free(t->name);
        g_free(t);
        return NULL;
    }
    mgst_rtp_input_set_keyframe_func(t->input, on_keyframe, t);
    mgst_segmenter_set_opened_func(t->segmenter, on_segment_opened);

    g_mutex_lock(&rec->lock);
    g_ptr_array_add(rec->tracks, t);
    g_mutex_unlock(&rec->lock);
    if (rec->pipeline != NULL) {
        GstClock *clock = gst_element_get_clock(rec->pipeline);

        ok =
            mgst_rtp_input_attach(t->input, GST_BIN(rec->pipeline), rec->rtpbin, t->session, error);
        if (ok && clock != NULL) {
            mgst_segmenter_set_time_base(
                t->segmenter,
                g_get_real_time() - (gint64)(mgst_running_time(rec->pipeline) / GST_USECOND));
            mgst_rtp_input_start(t->input, clock, gst_element_get_base_time(rec->pipeline));
        }
        if (clock != NULL)
            gst_object_unref(clock);
    }
    if (!ok) {
        t->ended = TRUE;
        return NULL;
    }
    g_debug("participant %" G_GUINT64_FORMAT ": recording track %s (%s, payload type %u)",
            rec->participant_id, track, mgst_codec_to_string(codec), payload_type);
    return t->input;
}

void rec_recorder_end_track(RecRecorder *rec, const char *track)
{
    RecTrack *t;

    g_return_if_fail(rec != NULL && !rec->freed && track != NULL);

    g_mutex_lock(&rec->lock);
    t = find_track_locked(rec, track, -1);
    g_mutex_unlock(&rec->lock);
    if (t == NULL || t->ended)
        return;
    t->ended = TRUE;
    mgst_rtp_input_end(t->input);
}

void rec_recorder_stop(RecRecorder *rec)
{
    gboolean any_linked = FALSE;
    guint i;

    g_return_if_fail(rec != NULL && !rec->freed);

    if (rec->state != REC_STATE_RUNNING) {
        if (rec->state == REC_STATE_FAILED) {
            rec->state = REC_STATE_STOPPED;
            maybe_stopped(rec);
        }
        return;
    }
    rec->state = REC_STATE_STOPPING;
    destroy_source(&rec->restart_source);
    g_mutex_lock(&rec->lock);
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);

        any_linked = any_linked || t->linked;
        t->ended = TRUE;
        mgst_rtp_input_end(t->input);
    }
    g_mutex_unlock(&rec->lock);
    /* Without a branch there is no sink to post EOS: finish from the loop, not from here. */
    if (any_linked && rec->pipeline != NULL)
        rec->stop_source = attach_timeout(rec, REC_STOP_TIMEOUT_MS, stop_timeout_cb);
    else
        rec->stop_source = attach_timeout(rec, 0, stop_now_cb);
}

void rec_recorder_get_stats(RecRecorder *rec, RecStats *stats)
{
    guint i;

    g_return_if_fail(rec != NULL && stats != NULL);

    memset(stats, 0, sizeof *stats);
    stats->state = rec->state;
    stats->restarts = rec->restarts;
    stats->segments = rec->segments;
    g_mutex_lock(&rec->lock);
    stats->tracks = rec->tracks->len;
    for (i = 0; i < rec->tracks->len; i++) {
        RecTrack *t = g_ptr_array_index(rec->tracks, i);
        MgstRtpInputCounters c;

        mgst_rtp_input_get_counters(t->input, &c);
        stats->packets += c.rtp_packets;
        stats->dropped += c.dropped_full + c.dropped_idle;
        stats->malformed += c.malformed;
    }
    g_mutex_unlock(&rec->lock);
}
