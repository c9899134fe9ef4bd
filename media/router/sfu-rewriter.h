/* sfu-rewriter.h: one subscriber's outgoing video stream across simulcast layer switches
 * (private to media/).
 *
 * A publisher sends each simulcast layer as its own RTP stream (own SSRC, sequence numbers,
 * timestamps and, for VP8, picture ids). A subscriber receives one stream under one SSRC; the
 * rewriter turns whichever layer is being forwarded into that stream:
 *  - a switch to the target layer happens only on the first packet of one of its key frames;
 *  - the outgoing sequence numbers run on without a gap at a switch, so a gap the subscriber sees
 *    is a packet really lost (and worth a NACK);
 *  - the outgoing timestamps move forward across a switch by the wall-clock time since the last
 *    frame sent, so the receiver's jitter buffer and A/V sync see one continuous clock;
 *  - VP8 picture ids and TL0PICIDX continue from the last ones sent (receivers drop frames whose
 *    picture id jumps backwards); ids are kept as 15-bit numbers, as browsers send them, and a
 *    layer with 7-bit ids is still continuous modulo 128 once rtp_vp8_set_picture_id() masks it;
 *  - 16-bit sequence, 15-bit picture id and 32-bit timestamp wrap-around are handled.
 * It remembers the last few switch points, so a NACK for an outgoing sequence number can be
 * traced back to the layer and input sequence number that produced it (the NACK cache is keyed
 * by input sequence number per publisher stream).
 *
 * An SfuRewriter is a plain struct embedded in its owner (the subscriber); it allocates nothing.
 * Thread: the media worker that owns the subscriber.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_REWRITER_HISTORY 4 /* switch points remembered for NACK lookups */

typedef struct {
    guint32 ssrc; /* of the incoming layer */
    guint16 seq;
    guint32 timestamp;
    gboolean keyframe;       /* the first packet of a key frame (rtp_vp8_parse, rtp_h264_parse) */
    gboolean has_picture_id; /* VP8 only */
    guint16 picture_id;      /* 15 bits */
    gboolean has_tl0picidx;
    guint8 tl0picidx;
} SfuRewriteIn;

typedef struct {
    guint32 ssrc; /* the subscriber's SSRC */
    guint16 seq;
    guint32 timestamp;
    guint16 picture_id; /* when the input had one */
    guint8 tl0picidx;   /* when the input had one */
} SfuRewriteOut;

typedef enum {
    SFU_REWRITE_FORWARD,    /* send it with the values in the output */
    SFU_REWRITE_SWITCHED,   /* send it: this key frame started the target layer (or the stream) */
    SFU_REWRITE_DROP_LAYER, /* a layer this subscriber does not take now */
    SFU_REWRITE_DROP_KEYFRAME, /* of the target layer, which still waits for a key frame */
    SFU_REWRITE_DROP_OLD,      /* of the current layer but from before its switch point */
} SfuRewriteAction;

typedef struct {
    guint32 ssrc;        /* incoming layer */
    gint64 ext_in_base;  /* extended input sequence number of the switch packet */
    gint64 ext_out_base; /* extended output sequence number given to it */
    guint16 seq_delta;   /* out = in + delta, mod 2^16 */
    guint32 ts_delta;    /* out = in + delta, mod 2^32 */
    guint16 pid_delta;   /* out = in + delta, mod 2^15 */
    guint8 tl0_delta;    /* out = in + delta, mod 2^8 */
} SfuRewriterSegment;

typedef struct {
    guint32 out_ssrc;
    guint32 clock_rate;
    guint16 initial_seq;
    guint32 initial_ts;

    gboolean has_target;
    guint32 target_ssrc;

    gboolean started; /* a first key frame has been forwarded */
    gboolean resync;  /* the next key frame of the target starts a segment (sfu_rewriter_resync) */
    SfuRewriterSegment segments[SFU_REWRITER_HISTORY]; /* ring; [current] is in use */
    guint n_segments;
    guint current;

    gint64 ext_in_highest;  /* of the current layer */
    gint64 ext_out_highest; /* highest output sequence number sent */
    guint32 max_out_ts;     /* newest output timestamp sent */
    gint64 max_out_ts_time; /* when it was first sent, microseconds */
    gboolean has_picture_id;
    guint16 max_out_pid;
    gboolean has_tl0picidx;
    guint8 max_out_tl0;
} SfuRewriter;

/* @out_ssrc: the subscriber's SSRC; @clock_rate: of the payload (90000 for video);
 * @initial_seq, @initial_ts: where the outgoing stream starts (random per RFC 3550 §5.1). */
void sfu_rewriter_init(SfuRewriter *rw, guint32 out_ssrc, guint32 clock_rate, guint16 initial_seq,
                       guint32 initial_ts);

/* The layer the subscriber should get. The current one keeps flowing until the target's next
 * key frame; the caller asks the publisher for one (PLI/FIR) when it sets a new target. */
void sfu_rewriter_set_target(SfuRewriter *rw, guint32 ssrc);

/* The stream was paused upstream of the rewriter (the floor closed, the chair muted it, the
 * subscriber hid the view) and packets of the target were not given to sfu_rewriter_process().
 * The next key frame of the target starts a new segment even on the same layer, so the
 * subscriber sees the sequence numbers run on without a gap (no NACK storm, no loss counted) and
 * the timestamps advance by the wall-clock time of the pause. For audio every packet is a
 * "key frame" (SfuRewriteIn.keyframe = TRUE). */
void sfu_rewriter_resync(SfuRewriter *rw);

/* The layer being forwarded now. Returns FALSE before the first key frame. */
gboolean sfu_rewriter_get_current(const SfuRewriter *rw, guint32 *ssrc);

/* Decides the fate of one incoming packet and, for the two forwarding actions, fills @out.
 * @now_us is the monotonic time of arrival. No allocation, no failure. */
SfuRewriteAction sfu_rewriter_process(SfuRewriter *rw, const SfuRewriteIn *in, gint64 now_us,
                                      SfuRewriteOut *out);

/* Traces an outgoing sequence number (from a subscriber's NACK) back to its source. Returns 0
 * and the incoming layer and sequence number, with the mapping in @segment (so the stored packet
 * can be rewritten again for the retransmission); -ENOENT when it was never sent or is older
 * than the switch points remembered. */
int sfu_rewriter_lookup(const SfuRewriter *rw, guint16 out_seq, guint32 *in_ssrc, guint16 *in_seq,
                        SfuRewriterSegment *segment);

/* Rewrites @in with a segment returned by sfu_rewriter_lookup() (for retransmissions). */
void sfu_rewriter_apply(const SfuRewriter *rw, const SfuRewriterSegment *segment,
                        const SfuRewriteIn *in, SfuRewriteOut *out);

G_END_DECLS
