/* recorder.h: one participant's published tracks recorded without re-encoding (private to
 * media/).
 *
 * A RecRecorder runs one pipeline for one participant: every track the participant publishes
 * (audio, camera, screen) enters through an MgstRtpInput into one rtpbin, so the sender reports
 * with the participant's CNAME keep audio and video in sync by the sender's clock rather than by
 * arrival times; each track then goes through its depayloader and parser into a muxer of its
 * own (a stopped camera does not stop the audio file) and is cut into segments at key frames:
 *
 *   appsrc → rtpbin (jitter buffer, lip-sync) → queue → depay → [h264parse avc3] →
 *   splitmuxsink (webmmux or matroskamux → filesink buffer-mode=unbuffered)
 *
 * Files: CONFIG.dir/p<participant>-<track>-<UTC start>-<NNN>.webm (VP8, Opus) or .mkv (H.264).
 * The timestamps inside are the pipeline's running time, shared by all tracks of the recorder,
 * so a participant's files line up with each other without any offset. A file survives SIGKILL
 * (Matroska written unbuffered): it plays, only its duration header is missing.
 *
 * Every closed file is hashed (SHA-256) off the owner's thread and reported through
 * RecEvents.segment with participant, track, path, start and end (running time and wall clock):
 * what the server lists in PostgreSQL. The recorder itself never touches the database.
 *
 * Failures: an error on the pipeline is reported (RecEvents.error, fatal = FALSE) and the
 * pipeline is rebuilt once; the file open at that moment is reported cut short and a new one
 * begins. A second error within MGST_RESTART_WINDOW_S of that restart, or a full disk (a write
 * failing with ENOSPC, or free space below RecConfig.min_free_bytes) stops the recording for
 * good (fatal = TRUE), with a message that says so; nothing here ever aborts the process.
 *
 * Ownership: the caller owns the recorder (rec_recorder_free()). The recorder owns its pipeline,
 * tracks and files in progress. Inputs returned by rec_recorder_add_track() are borrowed; take a
 * reference (mgst_rtp_input_ref()) to hand one to a media worker.
 * Thread: create, call and free the recorder on the thread that iterates @context (the owner's);
 * events are called there, except RecEvents.keyframe (a GStreamer streaming thread). Pushing
 * packets into an input: any thread (see rtp-input.h). The recorder may be freed from inside its
 * own callbacks.
 */
#pragma once

#include "gst/gst-common.h"
#include "gst/rtp-input.h"

G_BEGIN_DECLS

typedef struct _RecRecorder RecRecorder;

#define REC_DEFAULT_SEGMENT_TIME (10 * 60 * GST_SECOND)
#define REC_DEFAULT_LATENCY_MS   500
#define REC_STOP_TIMEOUT_MS      5000 /* stop() waits this long for the files to be finalised */
/* Every video track is asked for a key frame this often (the keyframe event): a file left by a
 * killed process keeps all but at most this much of its video (splitmuxsink holds the current
 * group of pictures in memory, and a browser sends key frames only when asked). */
#define REC_KEYFRAME_INTERVAL_S 5

typedef struct {
    guint64 participant_id;
    const char *dir;           /* the meeting's recording directory; created when missing */
    GstClockTime segment_time; /* length of a segment; 0: REC_DEFAULT_SEGMENT_TIME */
    guint latency_ms;          /* jitter buffer; 0: REC_DEFAULT_LATENCY_MS */
    guint64 min_free_bytes;    /* stop when the free space under dir falls below; 0: no check */
} RecConfig;

typedef struct {
    /* A file is finished and hashed. @segment is borrowed for the call. */
    void (*segment)(gpointer user_data, const MgstSegment *segment);

    /* The pipeline failed. @fatal FALSE: it is being restarted (once); TRUE: this recording has
     * stopped (MGST_ERROR_DISK_FULL for a full disk, MGST_ERROR_PIPELINE otherwise). */
    void (*error)(gpointer user_data, const GError *error, gboolean fatal);
    /* rec_recorder_stop() is complete: every file is closed and has been reported. */
    void (*stopped)(gpointer user_data);
    /* The pipeline wants a key frame of @track (ask the publisher with a PLI): a streaming
     * thread, or the owner's every REC_KEYFRAME_INTERVAL_S; must not block. May be NULL. */
    void (*keyframe)(gpointer user_data, const char *track);
    /* A file was opened (no end, size or hash yet), so the owner can list it before anything is
     * written: a crash then leaves a trace of it. Owner's thread. May be NULL. Borrowed. A file
     * opened and cut short at once (a teardown) may be reported only by segment. */
    void (*segment_opened)(gpointer user_data, const MgstSegment *segment);
} RecEvents;

typedef enum {
    REC_STATE_RUNNING,
    REC_STATE_STOPPING, /* stop() called, files being finalised */
    REC_STATE_STOPPED,
    REC_STATE_FAILED, /* a fatal error stopped it */
} RecState;

typedef struct {
    RecState state;
    guint tracks;
    guint restarts;
    guint segments; /* reported so far */
    guint64 packets;
    guint64 dropped; /* queue full or no pipeline playing */
    guint64 malformed;
} RecStats;

/* Starts the pipeline (no tracks yet). @events is copied. Transfer full. Fails when GStreamer or
 * one of its elements is missing, or the directory cannot be created. */
RecRecorder *rec_recorder_new(const RecConfig *config, const RecEvents *events, gpointer user_data,
                              GMainContext *context, GError **error);
/* Stops at once (no EOS: the open files are left playable but are not reported). */
void rec_recorder_free(RecRecorder *rec);

/* Adds a track named @track ("audio", "video", "screen": unique, [A-Za-z0-9_-]) of @codec
 * (Opus, VP8 or H.264) with @payload_type; @clock_rate 0 takes the codec's. Returns the input to
 * push its packets into (transfer none: valid until the recorder is freed; ref it to keep it). */
MgstRtpInput *rec_recorder_add_track(RecRecorder *rec, const char *track, MgstCodec codec,
                                     guint8 payload_type, guint clock_rate, GError **error);
/* The track ends (unpublished): its file is finalised and reported; its input refuses packets. */
void rec_recorder_end_track(RecRecorder *rec, const char *track);

/* Ends every track, waits (asynchronously, at most REC_STOP_TIMEOUT_MS) for the files to be
 * finalised and reported, then calls RecEvents.stopped. */
void rec_recorder_stop(RecRecorder *rec);

void rec_recorder_get_stats(RecRecorder *rec, RecStats *stats);
const char *rec_state_to_string(RecState state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RecRecorder, rec_recorder_free)

G_END_DECLS
