/* recording.c: a meeting's room recorded, track by track (the MediaRecording of media.h).
 *
 * Design: the glue between the room's tap and the per-participant recorders. An MgstTapFeed
 * selects the tracks (everyone's, or the chosen participants', of the chosen kinds); for each
 * track that reaches it the feed asks us, on the main thread, for an input, and we answer with
 * the input of a new track of that participant's RecRecorder (made on its first track). From
 * then on the worker pushes the track's packets straight into that input's bounded appsrc:
 * this file is not on the packet path at all. A track that leaves ends its file; one that comes
 * back gets a new name, so a file is never reopened.
 *
 * Key frames: a recorder asks for one on a GStreamer streaming thread (a new video branch, a
 * segment due, a loss the depayloader cannot repair); the participant's record holds a reference
 * on the feed, which posts the request to the worker as a PLI. The participant's record lives
 * as long as its recorder, and rec_recorder_free() stops the streaming threads before it
 * returns, so the callback never sees a freed record.
 *
 * Stopping: the tap is removed first (no more packets), then every recorder is stopped; each
 * finalises its files and reports them, and the listener hears "stopped" once all have. The
 * listener may free the recording from inside any callback: callbacks run inside a busy bracket
 * and the memory is released when the outermost one closes, like the recorder itself.
 */
#include "media.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gst/recorder.h"
#include "gst/tap-feed.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-media"

typedef struct {
    MediaRecording *mr;
    guint64 participant_id;
    RecRecorder *rec;
    MgstTapFeed *feed; /* a reference, for key frame requests from streaming threads */
    GHashTable *names; /* track names used, char * (owned) */
    gboolean stopped;
    gboolean failed;
} PartRec;

typedef struct {
    PartRec *part; /* borrowed */
    char *name;
} TrackRef;

struct _MediaRecording {
    gint64 meeting_id;
    char *dir;
    GstClockTime segment_time;
    guint64 min_free_bytes;
    GArray *participant_ids; /* guint64; empty: everyone */
    gboolean skip_audio;
    gboolean skip_video;
    MediaRecordingListener listener;
    gpointer user_data;
    GMainContext *context;

    MgstTapFeed *feed;
    GHashTable *parts;      /* guint64 * participant -> PartRec *, owned */
    GHashTable *tracks;     /* guint64 * feed track id -> TrackRef *, owned */
    GHashTable *open_files; /* char * path -> NULL: opened, not yet closed */
    guint segments;
    guint64 bytes_closed;

    gboolean stopping;
    gboolean stop_pending; /* inside stop(): "stopped" waits for the idle check */
    gboolean stop_emitted;
    GSource *stop_source;
    guint busy;
    gboolean freed;
};

static void finalize(MediaRecording *mr);

/* ---- callbacks to the owner, which may free us ---- */

static void emit_begin(MediaRecording *mr)
{
    mr->busy++;
}

/* FALSE when the recording was freed inside the callback (it is gone now). */
static gboolean emit_end(MediaRecording *mr)
{
    mr->busy--;
    if (mr->freed) {
        if (mr->busy == 0)
            finalize(mr);
        return FALSE;
    }
    return TRUE;
}

static void segment_info(MediaRecording *mr, const MgstSegment *seg, MediaSegmentInfo *out)
{
    memset(out, 0, sizeof *out);
    out->meeting_id = mr->meeting_id;
    out->participant_id = seg->participant_id;
    out->track = seg->track;
    out->kind = seg->kind == MGST_KIND_AUDIO ? MEDIA_KIND_AUDIO : MEDIA_KIND_VIDEO;
    out->codec = seg->codec;
    out->path = seg->path;
    out->index = seg->index;
    out->start_us = seg->start_us;
    out->end_us = seg->end_us;
    out->size = seg->size;
    out->sha256 = seg->sha256;
    out->complete = seg->complete;
}

static gboolean all_stopped(MediaRecording *mr)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, mr->parts);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        if (!((PartRec *)value)->stopped)
            return FALSE;
    }
    return TRUE;
}

/* Calls the listener's stopped once every recorder has finished. */
static void maybe_stopped(MediaRecording *mr)
{
    if (!mr->stopping || mr->stop_pending || mr->stop_emitted || !all_stopped(mr))
        return;
    mr->stop_emitted = TRUE;
    g_message("meeting %" G_GINT64_FORMAT ": recording stopped, %u files", mr->meeting_id,
              mr->segments);
    if (mr->listener.stopped != NULL) {
        emit_begin(mr);
        mr->listener.stopped(mr->user_data, mr);
        emit_end(mr);
    }
}

/* ---- a participant's recorder ---- */

static void part_segment_opened(gpointer user_data, const MgstSegment *seg)
{
    PartRec *part = user_data;
    MediaRecording *mr = part->mr;
    MediaSegmentInfo info;

    g_hash_table_add(mr->open_files, g_strdup(seg->path));
    if (mr->listener.segment_opened == NULL)
        return;
    segment_info(mr, seg, &info);
    emit_begin(mr);
    mr->listener.segment_opened(mr->user_data, mr, &info);
    emit_end(mr);
}

static void part_segment(gpointer user_data, const MgstSegment *seg)
{
    PartRec *part = user_data;
    MediaRecording *mr = part->mr;
    MediaSegmentInfo info;

    g_hash_table_remove(mr->open_files, seg->path);
    mr->segments++;
    mr->bytes_closed += seg->size;
    if (mr->listener.segment_closed == NULL)
        return;
    segment_info(mr, seg, &info);
    emit_begin(mr);
    mr->listener.segment_closed(mr->user_data, mr, &info);
    emit_end(mr);
}

static void part_error(gpointer user_data, const GError *error, gboolean fatal)
{
    PartRec *part = user_data;
    MediaRecording *mr = part->mr;

    if (fatal)
        part->failed = TRUE;
    if (mr->listener.error == NULL)
        return;
    emit_begin(mr);
    mr->listener.error(mr->user_data, mr, part->participant_id, error, fatal);
    emit_end(mr);
}

static void part_stopped(gpointer user_data)
{
    PartRec *part = user_data;

    part->stopped = TRUE;
    maybe_stopped(part->mr);
}

/* A GStreamer streaming thread: post a PLI request to the worker, never block. */
static void part_keyframe(gpointer user_data, const char *track)
{
    PartRec *part = user_data;

    mgst_tap_feed_request_keyframe(part->feed, part->participant_id);
}

static const RecEvents part_events = {
    .segment = part_segment,
    .error = part_error,
    .stopped = part_stopped,
    .keyframe = part_keyframe,
    .segment_opened = part_segment_opened,
};

static void part_free(gpointer data)
{
    PartRec *part = data;

    g_clear_pointer(&part->rec, rec_recorder_free);
    g_clear_pointer(&part->feed, mgst_tap_feed_unref);
    g_clear_pointer(&part->names, g_hash_table_unref);
    g_free(part);
}

static PartRec *part_ensure(MediaRecording *mr, guint64 participant_id, GError **error)
{
    PartRec *part = g_hash_table_lookup(mr->parts, &participant_id);
    RecConfig config = {0};

    if (part != NULL)
        return part;
    part = g_new0(PartRec, 1);
    part->mr = mr;
    part->participant_id = participant_id;
    part->feed = mgst_tap_feed_ref(mr->feed);
    part->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    config.participant_id = participant_id;
    config.dir = mr->dir;
    config.segment_time = mr->segment_time;
    config.min_free_bytes = mr->min_free_bytes;
    part->rec = rec_recorder_new(&config, &part_events, part, mr->context, error);
    if (part->rec == NULL) {
        part_free(part);
        return NULL;
    }
    g_hash_table_insert(mr->parts, g_memdup2(&participant_id, sizeof participant_id), part);
    return part;
}

/* "audio-<mid>" with what a file name may hold, made unique in the participant's recorder. */
static char *track_name(PartRec *part, MgstKind kind, const char *mid)
{
    GString *base = g_string_new(kind == MGST_KIND_AUDIO ? "audio-" : "video-");
    char *name;
    guint n;

    for (; mid != NULL && *mid != '\0'; mid++)
        g_string_append_c(base, g_ascii_isalnum(*mid) || *mid == '_' ? *mid : '_');
    name = g_strdup(base->str);
    for (n = 2; g_hash_table_contains(part->names, name); n++) {
        g_free(name);
        name = g_strdup_printf("%s-%u", base->str, n);
    }
    g_string_free(base, TRUE);
    g_hash_table_add(part->names, g_strdup(name));
    return name;
}

/* ---- the tap feed ---- */

static MgstRtpInput *feed_track_added(gpointer user_data, const MgstTapTrack *track)
{
    MediaRecording *mr = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *name = NULL;
    MgstRtpInput *input;
    PartRec *part;
    TrackRef *ref;

    if (mr->stopping)
        return NULL;
    if (!track->known_codec || track->codec == MGST_CODEC_PCMU || track->codec == MGST_CODEC_PCMA) {
        g_message("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                  ": track %s (payload type %u) is not recorded: its codec is not one phonghop "
                  "records (Opus, VP8, H.264)",
                  mr->meeting_id, track->participant_id, track->mid, track->payload_type);
        return NULL;
    }
    part = part_ensure(mr, track->participant_id, &error);
    if (part == NULL)
        goto fail;
    name = track_name(part, track->kind, track->mid);
    input = rec_recorder_add_track(part->rec, name, track->codec, track->payload_type,
                                   track->clock_rate, &error);
    if (input == NULL)
        goto fail;
    ref = g_new0(TrackRef, 1);
    ref->part = part;
    ref->name = g_steal_pointer(&name);
    g_hash_table_insert(mr->tracks, g_memdup2(&track->id, sizeof track->id), ref);
    g_message("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": recording %s (%s)",
              mr->meeting_id, track->participant_id, ref->name, mgst_codec_to_string(track->codec));
    if (track->kind == MGST_KIND_VIDEO)
        mgst_tap_feed_request_keyframe(mr->feed, track->participant_id);
    return mgst_rtp_input_ref(input);

fail:
    g_warning("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
              ": track %s is not recorded: %s",
              mr->meeting_id, track->participant_id, track->mid, error->message);
    if (mr->listener.error != NULL) {
        emit_begin(mr);
        mr->listener.error(mr->user_data, mr, track->participant_id, error, FALSE);
        emit_end(mr); /* freed or not, the feed ignores the answer of a closed owner */
    }
    return NULL;
}

static void feed_track_removed(gpointer user_data, const MgstTapTrack *track)
{
    MediaRecording *mr = user_data;
    TrackRef *ref = g_hash_table_lookup(mr->tracks, &track->id);

    if (ref == NULL)
        return;
    g_debug("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": %s ends",
            mr->meeting_id, track->participant_id, ref->name);
    if (!ref->part->stopped && !ref->part->failed && !mr->stopping)
        rec_recorder_end_track(ref->part->rec, ref->name);
    g_hash_table_remove(mr->tracks, &track->id);
}

static const MgstTapFeedFuncs feed_funcs = {
    .track_added = feed_track_added,
    .track_removed = feed_track_removed,
};

static void track_ref_free(gpointer data)
{
    TrackRef *ref = data;

    g_free(ref->name);
    g_free(ref);
}

/* ---- public ---- */

static gboolean select_kinds(MediaRecording *mr, guint64 participant_id, GError **error)
{
    if (!mr->skip_audio &&
        !mgst_tap_feed_select(mr->feed, participant_id, MGST_KIND_AUDIO, -1, error))
        return FALSE;
    /* the highest simulcast layer: the record keeps the best picture there is */
    if (!mr->skip_video &&
        !mgst_tap_feed_select(mr->feed, participant_id, MGST_KIND_VIDEO, -1, error))
        return FALSE;
    return TRUE;
}

MediaRecording *media_recording_new(MediaRoom *room, const MediaRecordingConfig *config,
                                    const MediaRecordingListener *listener, gpointer user_data,
                                    GError **error)
{
    MediaRecording *mr;
    guint i;

    g_return_val_if_fail(room != NULL && config != NULL && listener != NULL, NULL);

    if (config->dir == NULL || !g_path_is_absolute(config->dir)) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT ": the recording directory must be an absolute "
                    "path",
                    media_room_get_meeting_id(room));
        return NULL;
    }
    if (listener->version == 0 || listener->version > MEDIA_RECORDING_LISTENER_VERSION) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "recording listener version %u is not known (this library has %u)",
                    listener->version, MEDIA_RECORDING_LISTENER_VERSION);
        return NULL;
    }
    if (config->skip_audio && config->skip_video) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT ": a recording without audio and without video "
                    "records nothing",
                    media_room_get_meeting_id(room));
        return NULL;
    }
    if (!mgst_init(error))
        return NULL;
    if (g_mkdir_with_parents(config->dir, 0750) != 0) {
        int e = errno;

        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED,
                    "cannot create the recording directory %s: %s", config->dir, g_strerror(e));
        return NULL;
    }

    mr = g_new0(MediaRecording, 1);
    mr->meeting_id = media_room_get_meeting_id(room);
    mr->dir = g_strdup(config->dir);
    mr->segment_time =
        (GstClockTime)(config->segment_seconds > 0 ? config->segment_seconds
                                                   : MEDIA_RECORDING_DEFAULT_SEGMENT_S) *
        GST_SECOND;
    mr->min_free_bytes = config->min_free_bytes;
    mr->participant_ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (config->participant_ids != NULL)
        g_array_append_vals(mr->participant_ids, config->participant_ids, config->n_participants);
    mr->skip_audio = config->skip_audio;
    mr->skip_video = config->skip_video;
    mr->listener = *listener;
    mr->user_data = user_data;
    mr->context = g_main_context_ref_thread_default();
    mr->parts = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, part_free);
    mr->tracks = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, track_ref_free);
    mr->open_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    mr->feed = mgst_tap_feed_new(room, &feed_funcs, mr, error);
    if (mr->feed == NULL)
        goto fail;
    if (mr->participant_ids->len == 0) {
        if (!select_kinds(mr, 0, error))
            goto fail;
    } else {
        for (i = 0; i < mr->participant_ids->len; i++) {
            if (!select_kinds(mr, g_array_index(mr->participant_ids, guint64, i), error))
                goto fail;
        }
    }
    g_message("meeting %" G_GINT64_FORMAT ": recording into %s (%s)", mr->meeting_id, mr->dir,
              mr->participant_ids->len == 0 ? "every participant" : "chosen participants");
    return mr;

fail:
    finalize(mr);
    return NULL;
}

static void finalize(MediaRecording *mr)
{
    if (mr->feed != NULL)
        mgst_tap_feed_close(mr->feed);
    if (mr->stop_source != NULL) {
        g_source_destroy(mr->stop_source);
        g_clear_pointer(&mr->stop_source, g_source_unref);
    }
    g_clear_pointer(&mr->tracks, g_hash_table_unref);
    g_clear_pointer(&mr->parts,
                    g_hash_table_unref); /* the recorders go first: they hold the feed */
    g_clear_pointer(&mr->feed, mgst_tap_feed_unref);
    g_clear_pointer(&mr->open_files, g_hash_table_unref);
    g_clear_pointer(&mr->participant_ids, g_array_unref);
    g_clear_pointer(&mr->context, g_main_context_unref);
    g_free(mr->dir);
    g_free(mr);
}

void media_recording_free(MediaRecording *mr)
{
    if (mr == NULL || mr->freed)
        return;
    mr->freed = TRUE;
    /* no callback after this: the tap goes, the recorders stop at once */
    mgst_tap_feed_close(mr->feed);
    if (mr->stop_source != NULL) {
        g_source_destroy(mr->stop_source);
        g_clear_pointer(&mr->stop_source, g_source_unref);
    }
    if (mr->busy == 0)
        finalize(mr);
    else
        g_hash_table_remove_all(mr->parts); /* frees the recorders now; rec_recorder_free() may
                                               run inside their own callbacks */
}

static gboolean stop_check_cb(gpointer user_data)
{
    MediaRecording *mr = user_data;

    g_clear_pointer(&mr->stop_source, g_source_unref);
    mr->stop_pending = FALSE;
    maybe_stopped(mr);
    return G_SOURCE_REMOVE;
}

void media_recording_stop(MediaRecording *mr)
{
    GHashTableIter iter;
    gpointer value;

    g_return_if_fail(mr != NULL && !mr->freed);
    if (mr->stopping)
        return;
    mr->stopping = TRUE;
    mr->stop_pending = TRUE;
    mgst_tap_feed_close(mr->feed);
    g_hash_table_remove_all(mr->tracks);
    emit_begin(mr);
    g_hash_table_iter_init(&iter, mr->parts);
    while (!mr->freed && g_hash_table_iter_next(&iter, NULL, &value)) {
        PartRec *part = value;

        if (!part->stopped)
            rec_recorder_stop(part->rec);
    }
    if (!emit_end(mr))
        return;
    /* "stopped" from the loop, never from inside this call */
    mr->stop_source = g_idle_source_new();
    g_source_set_callback(mr->stop_source, stop_check_cb, mr, NULL);
    g_source_attach(mr->stop_source, mr->context);
    g_message("meeting %" G_GINT64_FORMAT ": recording stops", mr->meeting_id);
}

gint64 media_recording_get_meeting_id(const MediaRecording *mr)
{
    g_return_val_if_fail(mr != NULL, 0);
    return mr->meeting_id;
}

void media_recording_request_keyframe(MediaRecording *mr, guint64 participant_id)
{
    GHashTableIter iter;
    gpointer key;

    g_return_if_fail(mr != NULL);
    if (participant_id != 0) {
        mgst_tap_feed_request_keyframe(mr->feed, participant_id);
        return;
    }
    g_hash_table_iter_init(&iter, mr->parts);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        mgst_tap_feed_request_keyframe(mr->feed, *(guint64 *)key);
}

void media_recording_get_stats(MediaRecording *mr, MediaRecordingStats *stats)
{
    MgstTapFeedCounters c;
    GHashTableIter iter;
    gpointer key, value;

    g_return_if_fail(mr != NULL && stats != NULL);
    memset(stats, 0, sizeof *stats);
    stats->running = !mr->stopping;
    stats->segments = mr->segments;
    stats->bytes_written = mr->bytes_closed;
    stats->tracks = g_hash_table_size(mr->tracks);
    g_hash_table_iter_init(&iter, mr->parts);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        PartRec *part = value;
        RecStats rs;

        stats->participants++;
        if (part->failed)
            stats->failed++;
        rec_recorder_get_stats(part->rec, &rs);
        stats->restarts += rs.restarts;
    }
    /* the files being written, as they are now (a stat each: this is for /metrics) */
    g_hash_table_iter_init(&iter, mr->open_files);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        GStatBuf st;

        if (g_stat(key, &st) == 0)
            stats->bytes_written += (guint64)st.st_size;
    }
    mgst_tap_feed_get_counters(mr->feed, &c);
    stats->packets = c.rtp_packets;
    stats->dropped = c.not_ready + c.dropped_full + c.dropped_idle;
    stats->keyframe_requests = c.keyframe_requests;
}

/* ---- probing a file left by a crash ---- */

/* matroskademux's one pad (a recording's file has one track) to the sink. */
static void link_demux_pad(GstElement *sink, GstPad *pad)
{
    g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");

    if (!gst_pad_is_linked(sinkpad))
        gst_pad_link(pad, sinkpad);
}

typedef struct {
    GstClockTime first;
    GstClockTime last;
    guint64 frames;
} ProbeSpan;

static GstPadProbeReturn probe_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    ProbeSpan *span = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    GstClockTime t = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);

    span->frames++;
    if (!GST_CLOCK_TIME_IS_VALID(t))
        return GST_PAD_PROBE_OK;
    if (GST_BUFFER_DURATION_IS_VALID(buf))
        t += GST_BUFFER_DURATION(buf);
    if (!GST_CLOCK_TIME_IS_VALID(span->first) || t < span->first)
        span->first = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : t;
    if (!GST_CLOCK_TIME_IS_VALID(span->last) || t > span->last)
        span->last = t;
    return GST_PAD_PROBE_OK;
}

gboolean media_segment_probe(const char *path, MediaSegmentProbe *probe, GError **error)
{
    g_autoptr(GstElement) pipeline = NULL;
    g_autoptr(GstBus) bus = NULL;
    g_autoptr(GstMessage) msg = NULL;
    GstElement *src, *demux, *sink;
    ProbeSpan span = {GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, 0};
    GStatBuf st;
    gboolean ok = FALSE;

    g_return_val_if_fail(path != NULL && probe != NULL, FALSE);
    memset(probe, 0, sizeof *probe);
    if (g_stat(path, &st) != 0) {
        int e = errno;

        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND, "%s: %s", path, g_strerror(e));
        return FALSE;
    }
    probe->size = (guint64)st.st_size;
    if (st.st_size == 0) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID, "%s: the file is empty", path);
        return FALSE;
    }
    if (!mgst_init(error))
        return FALSE;
    pipeline = gst_pipeline_new("probe");
    gst_object_ref_sink(pipeline);
    src = mgst_make("filesrc", NULL, error);
    demux = src != NULL ? mgst_make("matroskademux", NULL, error) : NULL;
    sink = demux != NULL ? mgst_make("fakesink", NULL, error) : NULL;
    if (sink == NULL) {
        if (src != NULL)
            gst_object_unref(gst_object_ref_sink(src));
        if (demux != NULL)
            gst_object_unref(gst_object_ref_sink(demux));
        return FALSE;
    }
    g_object_set(src, "location", path, NULL);
    g_object_set(sink, "sync", FALSE, NULL);
    gst_bin_add_many(GST_BIN(pipeline), src, demux, sink, NULL);
    gst_element_link(src, demux);
    /* one track per file: its pad, when it comes, links to the sink */
    {
        g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");

        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, probe_buffer, &span, NULL);
    }
    g_signal_connect_swapped(demux, "pad-added", G_CALLBACK(link_demux_pad), sink);
    bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (msg == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID, "%s: not read to its end in 120 s",
                    path);
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        g_autoptr(GError) gerr = NULL;

        gst_message_parse_error(msg, &gerr, NULL);
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID, "%s does not play: %s", path,
                    gerr->message);
    } else if (span.frames == 0 || !GST_CLOCK_TIME_IS_VALID(span.first)) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID, "%s holds no frame", path);
    } else {
        probe->frames = span.frames;
        probe->duration_us = (gint64)((span.last - span.first) / GST_USECOND);
        ok = TRUE;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    return ok;
}
