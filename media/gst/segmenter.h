/* segmenter.h: one track's files, cut into segments at key frames (private to media/).
 *
 * An MgstSegmenter makes the splitmuxsink that writes a track (or the composite's program) as
 * a series of Matroska/WebM files, each written through `filesink buffer-mode=unbuffered`: a
 * process killed with SIGKILL leaves every frame written so far playable (the duration in the
 * header is then missing; a remux fixes it). It follows the sink's fragment messages, hashes
 * every closed file with SHA-256 on a worker thread and hands back one MgstSegment per file.
 *
 * File names: DIR/PREFIX-YYYYmmddTHHMMSSZ-NNN.EXT, the stamp being the (re)start of the
 * pipeline in UTC and NNN the segment's index, which keeps counting across restarts so a
 * restart never overwrites a file.
 *
 * Ownership: the owner of the pipeline owns the segmenter (mgst_segmenter_free()). Thread: the
 * owner's thread, the one that iterates @context; @done is called there, never after
 * mgst_segmenter_free().
 */
#pragma once

#include "gst/gst-common.h"

G_BEGIN_DECLS

typedef struct _MgstSegmenter MgstSegmenter;

/* @segment and everything it points to are borrowed for the call. */
typedef void (*MgstSegmentFunc)(gpointer user_data, const MgstSegment *segment);

typedef struct {
    const char *dir;            /* created when missing */
    const char *prefix;         /* file name prefix, e.g. "p7-video" */
    const char *extension;      /* "webm", "mkv" */
    const char *muxer;          /* "webmmux", "matroskamux" */
    GstClockTime max_time;      /* length of a segment; 0: one file */
    gboolean keyframe_requests; /* video: ask upstream for a key frame when a cut is due */
    guint64 participant_id;
    const char *track;
    MgstKind kind;
    const char *codec;
} MgstSegmenterConfig;

/* Everything in @config is copied. Fails when the directory cannot be created. */
MgstSegmenter *mgst_segmenter_new(const MgstSegmenterConfig *config, GMainContext *context,
                                  MgstSegmentFunc done, gpointer user_data, GError **error);
/* Cancels the hashes in flight (their segments are not reported). */
void mgst_segmenter_free(MgstSegmenter *segmenter);

/* @opened (may be NULL) is called with the @user_data of new() when a file is opened, before
 * anything is written to it: path, index, start; no end, size or hash (sha256 NULL). Owner's
 * thread. For an owner that lists files as they begin, so a crash leaves a trace of them. */
void mgst_segmenter_set_opened_func(MgstSegmenter *segmenter, MgstSegmentFunc opened);

/* A new splitmuxsink for a (re)built pipeline (transfer floating: add it to the pipeline). The
 * segmenter keeps a reference to recognise its messages. */
GstElement *mgst_segmenter_make_sink(MgstSegmenter *segmenter, GError **error);

/* The wall clock (g_get_real_time()) at running time 0 of the pipeline now playing. */
void mgst_segmenter_set_time_base(MgstSegmenter *segmenter, gint64 wall_us_at_zero);

/* Takes the sink's fragment messages; returns FALSE for any other message. */
gboolean mgst_segmenter_handle_message(MgstSegmenter *segmenter, GstMessage *message);

/* After the pipeline was stopped without EOS (an error, a full disk): the file that was open is
 * reported as cut short at @end_rt (GST_CLOCK_TIME_NONE: unknown). */
void mgst_segmenter_cut_short(MgstSegmenter *segmenter, GstClockTime end_rt);

/* Files opened and not yet reported (open, or being hashed). */
guint mgst_segmenter_get_pending(const MgstSegmenter *segmenter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MgstSegmenter, mgst_segmenter_free)

G_END_DECLS
