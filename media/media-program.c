/* media-program.c: a room's composite program (media.h, MediaProgram), fed from the room's tap.
 *
 * Design: the CompProgram (composite.h) lives on the main context: it is made, told what to show
 * and freed there. An MgstTapFeed (gst/tap-feed.h) selects every participant's audio and one
 * simulcast layer of their video (the one nearest a grid tile) and, for each track that starts
 * reaching the tap, asks here, on the main context, for the input to push it into: a track of
 * the composite for that participant (VP8, H.264, Opus; G.711 is taken too). The feed
 * pushes the packets from the room's worker into the input's bounded queue (a full queue drops
 * and counts; the packet path never waits). When a participant's last track goes, its tile goes
 * and the grid closes up.
 *
 * The floor gate applies to the tap as to every subscriber, so the program hears exactly what
 * the session hears: every input's audio is open in the mixer. Who is shown large is the floor
 * holder as the room applied it (a member who speaks from a hall is that hall's site), which the
 * server passes on from the engine's floor_applied event (media_program_set_speaker()).
 *
 * Key frames: a decoder of the composite that needs one (start, loss) calls CompEvents.keyframe
 * on a streaming thread; the feed posts it to the worker, which sends the publisher a PLI
 * (rate-limited there).
 *
 * Teardown: the composite first (its streaming threads are joined, so no key frame request
 * follows), then the feed (no callback after its close).
 */
#include "media-internal.h"

#include "gst/composite.h"
#include "gst/tap-feed.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-media"

/* of up to three simulcast layers, lowest first: 640x360 from a browser, near a tile's size */
#define PROGRAM_LAYER 1

struct _MediaProgram {
    gint64 meeting_id;
    CompProgram *comp;
    MgstTapFeed *feed;
    GHashTable *tracks; /* participant id (guint64 *) -> tracks reaching the program (guint) */
    gboolean failed;
    gboolean stopping; /* media_program_stop() was called */
    MediaProgramErrorFunc error_func;
    MediaProgramSegmentFunc archive_opened, archive_closed;
    MediaProgramStoppedFunc stopped;
    gpointer user_data;
};

static MgstRtpInput *on_track_added(gpointer user_data, const MgstTapTrack *track)
{
    MediaProgram *program = user_data;
    g_autoptr(GError) error = NULL;

    if (program->comp == NULL || !track->known_codec)
        return NULL;
    MgstRtpInput *input =
        comp_program_add_track(program->comp, track->participant_id, NULL, track->codec,
                               track->payload_type, track->clock_rate, &error);
    if (input == NULL) {
        g_warning("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                  ": not in the program: %s",
                  program->meeting_id, track->participant_id, error->message);
        return NULL;
    }
    if (track->kind == MGST_KIND_AUDIO)
        comp_program_set_audio_open(program->comp, track->participant_id, TRUE);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(program->tracks, &track->participant_id));
    guint64 *key = g_new(guint64, 1);
    *key = track->participant_id;
    g_hash_table_replace(program->tracks, key, GUINT_TO_POINTER(n + 1));
    return mgst_rtp_input_ref(input);
}

static void on_track_removed(gpointer user_data, const MgstTapTrack *track)
{
    MediaProgram *program = user_data;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(program->tracks, &track->participant_id));

    if (n == 0)
        return; /* never in the program */
    if (n > 1) {
        guint64 *key = g_new(guint64, 1);
        *key = track->participant_id;
        g_hash_table_replace(program->tracks, key, GUINT_TO_POINTER(n - 1));
        return;
    }
    g_hash_table_remove(program->tracks, &track->participant_id);
    if (program->comp != NULL)
        comp_program_remove_input(program->comp, track->participant_id);
}

/* Streaming thread. */
static void on_keyframe(gpointer user_data, guint64 input_id)
{
    MediaProgram *program = user_data;
    mgst_tap_feed_request_keyframe(program->feed, input_id);
}

static void on_error(gpointer user_data, const GError *error, gboolean fatal)
{
    MediaProgram *program = user_data;
    g_warning("meeting %" G_GINT64_FORMAT ": the program %s: %s", program->meeting_id,
              fatal ? "stopped" : "is restarted", error->message);
    if (fatal)
        program->failed = TRUE;
    if (program->error_func != NULL)
        program->error_func(program->user_data, error->message, fatal);
}

static void on_stopped(gpointer user_data)
{
    MediaProgram *program = user_data;
    if (program->stopped != NULL)
        program->stopped(program->user_data);
}

static void archive_emit(MediaProgram *program, MediaProgramSegmentFunc func,
                         const MgstSegment *seg)
{
    MediaSegmentInfo info = {
        .meeting_id = program->meeting_id,
        .participant_id = seg->participant_id,
        .track = seg->track,
        .kind = MEDIA_KIND_VIDEO,
        .codec = seg->codec,
        .path = seg->path,
        .index = seg->index,
        .start_us = seg->start_us,
        .end_us = seg->end_us,
        .size = seg->size,
        .sha256 = seg->sha256,
        .complete = seg->complete,
    };

    if (func != NULL)
        func(program->user_data, &info);
}

static void on_archive_opened(gpointer user_data, const MgstSegment *seg)
{
    MediaProgram *program = user_data;
    archive_emit(program, program->archive_opened, seg);
}

static void on_archive_closed(gpointer user_data, const MgstSegment *seg)
{
    MediaProgram *program = user_data;
    archive_emit(program, program->archive_closed, seg);
}

MediaProgram *media_program_new(MediaRoom *room, const MediaProgramConfig *config, GError **error)
{
    g_return_val_if_fail(room != NULL && config != NULL, NULL);
    g_return_val_if_fail(config->hls_dir != NULL || config->archive_dir != NULL, NULL);

    guint height = config->height != 0 ? config->height : 720;
    CompConfig cc = {
        .width = (height * 16 / 9) & ~1u,
        .height = height & ~1u,
        .fps = config->fps,
        .hls_dir = config->hls_dir,
        .archive_dir = config->archive_dir,
        .archive_segment_time = (GstClockTime)config->archive_segment_seconds * GST_SECOND,
        .meeting_id = (guint64)media_room_get_meeting_id(room),
    };
    static const CompEvents events = {
        .segment = on_archive_closed,
        .error = on_error,
        .keyframe = on_keyframe,
        .segment_opened = on_archive_opened,
        .stopped = on_stopped,
    };
    static const MgstTapFeedFuncs funcs = {
        .track_added = on_track_added,
        .track_removed = on_track_removed,
    };
    g_autoptr(GError) local = NULL;
    MediaProgram *program = g_new0(MediaProgram, 1);

    program->meeting_id = media_room_get_meeting_id(room);
    program->error_func = config->error_func;
    program->archive_opened = config->archive_opened;
    program->archive_closed = config->archive_closed;
    program->stopped = config->stopped;
    program->user_data = config->user_data;
    program->tracks = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    /* the feed first (it selects nothing yet), so the composite's first key frame request
     * finds it */
    program->feed = mgst_tap_feed_new(room, &funcs, program, error);
    if (program->feed == NULL)
        goto fail;
    program->comp = comp_program_new(&cc, &events, program, NULL, &local);
    if (program->comp == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED, "the program cannot start: %s",
                    local->message);
        goto fail;
    }
    if (!mgst_tap_feed_select(program->feed, 0, MGST_KIND_AUDIO, -1, error) ||
        !mgst_tap_feed_select(program->feed, 0, MGST_KIND_VIDEO, PROGRAM_LAYER, error))
        goto fail;
    return program;

fail:
    media_program_free(program);
    return NULL;
}

void media_program_set_speaker(MediaProgram *program, guint64 participant_id)
{
    g_return_if_fail(program != NULL);
    if (program->comp != NULL)
        comp_program_set_speaker(program->comp, participant_id);
}

void media_program_set_title(MediaProgram *program, const char *body, const char *meeting,
                             const char *agenda_item)
{
    g_return_if_fail(program != NULL);
    comp_program_set_title(program->comp, body, meeting, agenda_item);
}

void media_program_set_floor(MediaProgram *program, const char *holder, gint64 deadline_us)
{
    g_return_if_fail(program != NULL);
    comp_program_set_floor(program->comp, holder, deadline_us);
}

void media_program_set_closed(MediaProgram *program, gboolean closed)
{
    g_return_if_fail(program != NULL);
    comp_program_set_closed(program->comp, closed);
}

void media_program_stop(MediaProgram *program)
{
    g_return_if_fail(program != NULL);
    if (program->stopping)
        return;
    program->stopping = TRUE;
    comp_program_stop(program->comp);
}

void media_program_get_stats(MediaProgram *program, MediaProgramStats *stats)
{
    CompStats cs;
    MgstTapFeedCounters fc;

    g_return_if_fail(program != NULL && stats != NULL);
    comp_program_get_stats(program->comp, &cs);
    mgst_tap_feed_get_counters(program->feed, &fc);
    *stats = (MediaProgramStats){
        .running = !program->failed && cs.state == COMP_STATE_RUNNING,
        .inputs = cs.inputs,
        .visible = cs.visible,
        .restarts = cs.restarts,
        .frames = cs.frames,
        .packets = fc.rtp_packets,
        .dropped = fc.not_ready + fc.dropped_full + fc.dropped_idle,
        .keyframe_requests = fc.keyframe_requests,
        .slate_shown_us = cs.slate_shown_us,
    };
}

void media_program_free(MediaProgram *program)
{
    if (program == NULL)
        return;
    g_clear_pointer(&program->comp, comp_program_free);
    if (program->feed != NULL) {
        mgst_tap_feed_close(program->feed);
        g_clear_pointer(&program->feed, mgst_tap_feed_unref);
    }
    g_clear_pointer(&program->tracks, g_hash_table_unref);
    g_free(program);
}
