/* composite.h: the program of a sitting, composed, encoded once, streamed and archived
 * (private to media/).
 *
 * A CompProgram decodes the video of every participant or site it is given (VP8 or H.264 RTP
 * from the SFU's tap), shows the speaker large and the other sites in a grid (comp-layout.h),
 * draws a title bar with the body, the meeting and the current agenda item on the left and the
 * floor holder with the remaining time on the right (Pango, DejaVu Sans: Vietnamese text), mixes
 * the audio of the inputs the caller opens (the floor rule: what the session hears), and encodes
 * the result once (x264 ultrafast/zerolatency, a key frame every two seconds; AAC):
 *
 *   inputs → rtpbin → depay → decoder ─┐
 *   background, slate (imagefreeze) ───┴→ compositor → title → floor → x264enc → tee
 *   inputs → rtpbin → depay → opusdec → audiomixer (muted unless open) → avenc_aac → tee
 *   tee → h264parse/aacparse → hlssink2 (HLS_DIR/index.m3u8, seg-RUN-NNNNN.ts where RUN is the
 *         wall clock in ms when the pipeline was built; 2 s, 6 in the playlist, 10 on disk)
 *   tee → h264parse/aacparse → splitmuxsink (Matroska, unbuffered: crash-safe archive)
 *
 * A closed sitting or item (họp kín): comp_program_set_closed() raises the slate over the whole
 * frame ("Phiên họp kín"), mutes every input and hides the floor; the next frame shows it, so
 * the public stream carries neither picture nor sound of the closed part. The archive is the
 * same program (the slate included): the closed part's picture and sound are in the per-track
 * recordings, which the server marks restricted for that interval.
 *
 * Failures: an error on the pipeline, or no frame encoded for 5 s (a stalled pipeline), is
 * reported through CompEvents.error and the pipeline is rebuilt once (fatal = FALSE); a second
 * failure within MGST_RESTART_WINDOW_S of that restart, or a full disk, stops the program
 * (fatal = TRUE). Never aborts the process.
 *
 * Ownership: the caller owns the program (comp_program_free()); it owns its pipeline, inputs and
 * files in progress. The MgstRtpInput returned for a track is borrowed (ref it to keep it).
 * Thread: everything on the thread that iterates @context (events come there), except
 * CompEvents.keyframe (a streaming thread) and pushing packets (any thread, rtp-input.h). The
 * program may be freed from inside its callbacks.
 */
#pragma once

#include "gst/gst-common.h"
#include "gst/rtp-input.h"

G_BEGIN_DECLS

typedef struct _CompProgram CompProgram;

#define COMP_DEFAULT_WIDTH        1280
#define COMP_DEFAULT_HEIGHT       720
#define COMP_DEFAULT_FPS          15
#define COMP_DEFAULT_LATENCY_MS   200
#define COMP_DEFAULT_ARCHIVE_TIME (30 * 60 * GST_SECOND)
#define COMP_HLS_TARGET_DURATION  2    /* seconds */
#define COMP_HLS_PLAYLIST_LENGTH  6    /* segments listed */
#define COMP_HLS_MAX_FILES        10   /* segments kept on disk (more than listed) */
#define COMP_STALE_MS             2000 /* an input without packets this long is hidden */

typedef struct {
    guint width, height, fps; /* 0: 1280x720 at 15 */
    guint video_kbps;         /* 0: about 2.5 Mbit/s at 720p, scaled by area */
    guint audio_kbps;         /* 0: 96 */
    const char *hls_dir;      /* created when missing; the server serves it; NULL: no HLS */
    const char *archive_dir;  /* NULL: no archive file (one of the two is required) */
    GstClockTime archive_segment_time; /* 0: COMP_DEFAULT_ARCHIVE_TIME */
    guint latency_ms;                  /* jitter buffers; 0: COMP_DEFAULT_LATENCY_MS */
    const char *font;                  /* Pango family; NULL: "DejaVu Sans" */
    guint64 meeting_id;                /* for logs and the archive's file names */
} CompConfig;

typedef struct {
    /* An archive file is finished and hashed (participant_id 0, track "program"). */
    void (*segment)(gpointer user_data, const MgstSegment *segment);
    /* @fatal FALSE: the pipeline is being rebuilt (once); TRUE: the program has stopped. */
    void (*error)(gpointer user_data, const GError *error, gboolean fatal);
    /* comp_program_stop() is complete: the playlist is final, the archive closed and reported. */
    void (*stopped)(gpointer user_data);
    /* The decoder of @input_id needs a key frame (PLI). Streaming thread; may be NULL. */
    void (*keyframe)(gpointer user_data, guint64 input_id);
    /* An archive file is opened, nothing written to it yet (no end, size or hash). May be NULL. */
    void (*segment_opened)(gpointer user_data, const MgstSegment *segment);
} CompEvents;

typedef enum {
    COMP_STATE_RUNNING,
    COMP_STATE_STOPPING,
    COMP_STATE_STOPPED,
    COMP_STATE_FAILED,
} CompState;

typedef struct {
    CompState state;
    guint inputs;
    guint visible; /* video tiles shown now */
    guint restarts;
    guint64 frames; /* encoded */
    guint64 packets;
    guint64 dropped;
    /* The wall clock (g_get_real_time()) when the first frame after the last closure
     * (comp_program_set_closed(TRUE)) reached the encoder: the slate is in it. 0: none yet. */
    gint64 slate_shown_us;
} CompStats;

/* Starts the program (background only until inputs come). Transfer full. */
CompProgram *comp_program_new(const CompConfig *config, const CompEvents *events,
                              gpointer user_data, GMainContext *context, GError **error);
/* Stops at once (the HLS playlist is not finalised, the archive file is left playable). */
void comp_program_free(CompProgram *comp);

/* Adds the video (VP8, H.264) or audio (Opus) track of the participant or site @input_id,
 * shown as @label (may be NULL). A new input's audio is not heard until
 * comp_program_set_audio_open(). Returns the input to push into (transfer none). */
MgstRtpInput *comp_program_add_track(CompProgram *comp, guint64 input_id, const char *label,
                                     MgstCodec codec, guint8 payload_type, guint clock_rate,
                                     GError **error);
/* The participant or site leaves the program: its tile goes, the layout closes up. */
void comp_program_remove_input(CompProgram *comp, guint64 input_id);

/* The floor: @input_id is shown large (0: nobody, the grid takes the whole stage). */
void comp_program_set_speaker(CompProgram *comp, guint64 input_id);
/* The floor rule: whether the session hears @input_id (its audio is mixed). */
void comp_program_set_audio_open(CompProgram *comp, guint64 input_id, gboolean open);
/* The title bar: the body ("HĐND tỉnh ..."), the meeting ("Kỳ họp thứ ...") and the agenda
 * item; any may be NULL (left out). Copied. */
void comp_program_set_title(CompProgram *comp, const char *body, const char *meeting,
                            const char *agenda_item);
/* The floor holder's name (NULL: nobody) and the end of the turn on the wall clock
 * (g_get_real_time(); 0: no limit). The remaining time is shown and updated every second. */
void comp_program_set_floor(CompProgram *comp, const char *holder, gint64 deadline_us);
/* A closed sitting or item: the slate, no sound, no floor. FALSE restores the program. */
void comp_program_set_closed(CompProgram *comp, gboolean closed);

/* Ends the program: EOS through the encoders, the playlist finalised (#EXT-X-ENDLIST), the
 * archive closed; then CompEvents.stopped. */
void comp_program_stop(CompProgram *comp);

void comp_program_get_stats(CompProgram *comp, CompStats *stats);
/* The running time of the first encoded frame (the stream's time zero), GST_CLOCK_TIME_NONE
 * before it, and the running time now. For tests and measurements of latency. */
GstClockTime comp_program_get_first_frame_time(CompProgram *comp);
GstClockTime comp_program_get_running_time(CompProgram *comp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CompProgram, comp_program_free)

G_END_DECLS
