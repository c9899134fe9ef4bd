/* rtp-input.h: one track's decrypted RTP (and its sender's RTCP) into a pipeline (private to
 * media/).
 *
 * An MgstRtpInput is what a media worker pushes packets into: the SFU's tap calls
 * mgst_rtp_input_push_rtp() for every packet of the track and mgst_rtp_input_push_rtcp() for
 * the sender reports with the publisher's CNAME. Each push copies the bytes into a GstBuffer,
 * stamps it with the pipeline's running time (the arrival time the jitter buffer needs) and
 * hands it to an appsrc whose queue is bounded in time and bytes: past the bound the packet is
 * dropped and counted, never waited for. The appsrcs feed one rtpbin session, so the jitter
 * buffer, packet-loss events and the lip-sync of one participant's audio and video from the
 * RTCP sender-report clock are rtpbin's.
 *
 * A sender report that arrives before rtpbin has created the stream it describes is dropped by
 * rtpbin; mgst_rtp_input_reinject_sr() sends the last one again, extrapolated to now (NTP and
 * RTP timestamps advanced by the time since it arrived), which gives sync from the first second.
 *
 * The input outlives restarts of its pipeline: the owner detaches it from a failed pipeline and
 * attaches it to the rebuilt one; pushes in between are refused (-EAGAIN) and counted.
 *
 * Ownership: reference-counted (atomically); the owner of the pipeline holds one reference, the
 * worker that pushes holds another, so neither frees it under the other.
 * Thread: push_* and the getters from any thread (typically a media worker), never blocking;
 * attach, start, detach, close and end from the owner's thread; the key frame function is called
 * from a GStreamer streaming thread.
 */
#pragma once

#include "gst/gst-common.h"

G_BEGIN_DECLS

typedef struct _MgstRtpInput MgstRtpInput;

/* The pipeline wants a key frame (a depayloader saw loss, a segment is due, a decoder starts):
 * the owner turns this into a PLI towards the publisher. Called on a streaming thread; must not
 * block. */
typedef void (*MgstKeyframeFunc)(gpointer user_data);

typedef struct {
    guint64 rtp_packets;  /* accepted into the pipeline */
    guint64 rtp_bytes;    /* their bytes */
    guint64 rtcp_packets; /* RTCP compounds accepted */
    guint64 dropped_full; /* refused: the bounded queue was full */
    guint64 dropped_idle; /* refused: no pipeline playing (starting, restarting, stopped) */
    guint64 malformed;    /* refused: not RTP/RTCP, or another payload type */
    guint64 keyframe_requests;
    gint64 last_rtp_us; /* g_get_monotonic_time() of the last accepted packet; 0: none */
} MgstRtpInputCounters;

#define MGST_RTP_INPUT_MAX_TIME  (500 * GST_MSECOND) /* queued in front of rtpbin, at most */
#define MGST_RTP_INPUT_MAX_BYTES (2 * 1024 * 1024)

/* @payload_type is the only one accepted; @clock_rate 0 takes the codec's usual rate.
 * Transfer full. */
MgstRtpInput *mgst_rtp_input_new(MgstCodec codec, guint8 payload_type, guint clock_rate);
MgstRtpInput *mgst_rtp_input_ref(MgstRtpInput *input);
void mgst_rtp_input_unref(MgstRtpInput *input);

MgstCodec mgst_rtp_input_get_codec(const MgstRtpInput *input);
guint mgst_rtp_input_get_clock_rate(const MgstRtpInput *input);

/* @func (may be NULL) until the input is closed; @user_data must outlive that. */
void mgst_rtp_input_set_keyframe_func(MgstRtpInput *input, MgstKeyframeFunc func,
                                      gpointer user_data);

/* Adds two appsrcs to @bin and links them to @rtpbin's recv_rtp_sink_@session and
 * recv_rtcp_sink_@session; when @bin is already playing they are brought to its state. */
gboolean mgst_rtp_input_attach(MgstRtpInput *input, GstBin *bin, GstElement *rtpbin, guint session,
                               GError **error);
/* The pipeline plays: accept pushes, stamping them with @clock's time minus @base_time. */
void mgst_rtp_input_start(MgstRtpInput *input, GstClock *clock, GstClockTime base_time);
/* The pipeline goes away: refuse pushes and drop the elements (the bin still owns them). */
void mgst_rtp_input_detach(MgstRtpInput *input);
/* Takes the appsrcs out of the playing pipeline and releases rtpbin's pads (the session goes
 * away with them); pushes are refused until the input is attached again. */
void mgst_rtp_input_remove(MgstRtpInput *input);
/* End of stream on both appsrcs (the track ends; files are finalised); pushes refused after. */
void mgst_rtp_input_end(MgstRtpInput *input);
/* For good: detach, forget the key frame function; every later push returns -ESHUTDOWN. */
void mgst_rtp_input_close(MgstRtpInput *input);

/* One RTP packet, borrowed for the call. Returns 0, -EBADMSG (not RTP), -EPROTOTYPE (another
 * payload type), -ENOBUFS (queue full: dropped), -EAGAIN (no pipeline playing: dropped) or
 * -ESHUTDOWN (closed). */
int mgst_rtp_input_push_rtp(MgstRtpInput *input, const guint8 *data, gsize len);
/* One RTCP compound from the publisher's side (SR, SDES CNAME), borrowed. The last sender report
 * and CNAME are kept for mgst_rtp_input_reinject_sr(). Same returns as push_rtp. */
int mgst_rtp_input_push_rtcp(MgstRtpInput *input, const guint8 *data, gsize len);
/* Pushes the last sender report (with its CNAME) again, extrapolated to now. Returns 0,
 * -ENOENT when none has arrived yet, or a push error. Any thread. */
int mgst_rtp_input_reinject_sr(MgstRtpInput *input);

void mgst_rtp_input_get_counters(MgstRtpInput *input, MgstRtpInputCounters *counters);

/* Called by the owner when its pipeline asks for a key frame (e.g. a force-key-unit event that
 * reached a point other than the appsrc). Counts it and calls the key frame function. */
void mgst_rtp_input_request_keyframe(MgstRtpInput *input);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MgstRtpInput, mgst_rtp_input_unref)

G_END_DECLS
