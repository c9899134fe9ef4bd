/* gst-test-util.h: what the media/gst tests share.
 *
 * - A synthetic publisher: a live GStreamer pipeline that encodes a test pattern and a tone
 *   (VP8 and Opus, or a solid colour), packetises them into RTP and sends RTCP sender reports
 *   with one CNAME through rtpbin, the way a browser publishes. Its packets are handed, from a
 *   thread per track, to push functions (the recorder's or the composite's inputs), optionally
 *   delayed to simulate arrival skew. The video flashes white for one frame and the audio
 *   beeps for 100 ms at every multiple of SYNTH_PULSE_PERIOD of the sender's clock from the
 *   second one on (sync needs the first sender report, which a sender sends within the first
 *   second), so a recording can be checked for audio/video sync.
 * - Analysis of recorded files: GstDiscoverer (codecs, duration) and decoding (flash and beep
 *   times, frame counts).
 */
#pragma once

#include <gst/gst.h>

#include "gst/rtp-input.h"

G_BEGIN_DECLS

#define SYNTH_PULSE_PERIOD (2 * GST_SECOND)
#define SYNTH_BEEP_LENGTH  (100 * GST_MSECOND)

typedef struct _Synth Synth;

typedef struct {
    guint width, height, fps; /* default 320x240 at 30 */
    guint32 color;            /* 0: black with flashes; else a solid ARGB colour, no flashes */
    gboolean no_audio;
    gboolean no_video;
    GstClockTime video_delay; /* extra delay of the video packets before they are pushed */
    const char *cname;
    guint keyframe_interval; /* frames; 0: 60 */
    gboolean h264;           /* H.264 constrained baseline (x264) instead of VP8 */
} SynthConfig;

/* Starts generating. Packets go to @video and @audio (either may be NULL: not sent). */
Synth *synth_new(const SynthConfig *config, MgstRtpInput *video, MgstRtpInput *audio);
/* Stops generating and joins the feeder threads. */
void synth_free(Synth *synth);
/* Swaps where packets go (NULL: dropped). Any thread. */
void synth_set_inputs(Synth *synth, MgstRtpInput *video, MgstRtpInput *audio);
/* Asks the encoder for a key frame (what a PLI would do). Any thread. */
void synth_force_keyframe(Synth *synth);
/* The media time span that was pushed, in seconds (last minus first RTP timestamp). */
double synth_pushed_seconds(Synth *synth, MgstKind kind);
guint64 synth_pushed_packets(Synth *synth, MgstKind kind);

/* GstDiscoverer: the first stream's caps name ("video/x-vp8") and the duration (s). */
gboolean test_discover(const char *path, char **caps_name, double *duration, GError **error);

/* Decodes a recorded file and returns the times (s, file timeline) of the first frame of every
 * white flash (video) or the onset of every beep (audio). Also the number of frames/samples
 * decoded and the span of timestamps seen. */
GArray *test_flash_times(const char *path, guint *frames, double *first, double *last);
GArray *test_beep_times(const char *path, guint64 *samples, double *first, double *last);

/* Runs "filesrc ! decodebin ! @tail ! appsink" over @path and calls @func for every buffer
 * (with the sample's caps), until the end of the file or an error. */
void test_decode(const char *path, const char *tail,
                 void (*func)(GstBuffer *buf, GstCaps *caps, gpointer data), gpointer data);

/* Sorted file names in @dir matching the glob @pattern (transfer full, NULL-terminated). */
char **test_list_files(const char *dir, const char *pattern);

/* Iterates @context until @cond returns TRUE or @timeout_ms passes. Returns the last value. */
gboolean test_wait(GMainContext *context, gboolean (*cond)(gpointer), gpointer data,
                   guint timeout_ms);
/* Iterates @context for @ms. */
void test_run_for(GMainContext *context, guint ms);

G_END_DECLS
