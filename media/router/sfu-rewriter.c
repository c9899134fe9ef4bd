/* sfu-rewriter.c: sequence number, timestamp, SSRC and VP8 picture id rewriting for simulcast.
 *
 * Design: the outgoing stream is a chain of segments, one per layer switch. Within a segment
 * the mapping is a constant offset (mod 2^16 for sequence numbers, RFC 3550 §5.1; mod 2^32 for
 * timestamps; mod 2^15 for VP8 picture ids, RFC 7741 §4.2; mod 2^8 for TL0PICIDX), so reordering
 * and loss on the layer pass through unchanged: a gap downstream is a loss upstream, which is
 * what makes the subscriber's NACKs meaningful (RFC 4585 §6.2.1). A segment starts only at the
 * first packet of a key frame of the target layer: the new offsets put that packet's sequence
 * number right after the highest one sent, its timestamp after the newest one sent by the
 * wall-clock time elapsed since then (at least one tick, so timestamps never repeat or go back
 * across a switch; RFC 3550 §5.1 makes the timestamp a clock, and receivers derive jitter and
 * playout from it), and its picture id and TL0PICIDX one past the last ones sent. Packets of the
 * current layer from before the switch point would reuse output sequence numbers of the previous
 * segment and are dropped. A resync (the stream paused upstream: floor closed, chair mute) opens
 * a segment on the same layer at its next key frame, so a pause never shows as a sequence gap.
 *
 * Sequence numbers are extended to 64 bits relative to the highest seen (the nearest of the
 * 2^16-spaced candidates, as in RFC 3550 A.1), which turns every wrap into plain arithmetic. The
 * last SFU_REWRITER_HISTORY segments are kept in a ring so an outgoing sequence number named in
 * a NACK maps back to the layer and input sequence number it came from.
 */
#include "router/sfu-rewriter.h"

#include <errno.h>
#include <string.h>

#define SEQ_BASE G_GINT64_CONSTANT(0x10000) /* keeps extended numbers clear of zero */

static gint64 extend_seq(gint64 highest, guint16 seq)
{
    gint16 d = (gint16)(guint16)(seq - (guint16)(highest & 0xffff));

    return highest + d;
}

/* Clock ticks in @elapsed_us, at least 1 and below 2^31 so the result still compares as "later"
 * in 32-bit serial arithmetic. */
static guint32 elapsed_ticks(gint64 elapsed_us, guint32 clock_rate)
{
    guint64 ticks;

    if (elapsed_us <= 0)
        return 1;
    ticks = (guint64)(elapsed_us / G_USEC_PER_SEC) * clock_rate +
            (guint64)(elapsed_us % G_USEC_PER_SEC) * clock_rate / G_USEC_PER_SEC;
    return (guint32)CLAMP(ticks, 1, (guint64)G_MAXINT32);
}

void sfu_rewriter_init(SfuRewriter *rw, guint32 out_ssrc, guint32 clock_rate, guint16 initial_seq,
                       guint32 initial_ts)
{
    g_return_if_fail(rw != NULL);
    g_return_if_fail(clock_rate > 0);
    memset(rw, 0, sizeof(*rw));
    rw->out_ssrc = out_ssrc;
    rw->clock_rate = clock_rate;
    rw->initial_seq = initial_seq;
    rw->initial_ts = initial_ts;
}

void sfu_rewriter_set_target(SfuRewriter *rw, guint32 ssrc)
{
    g_return_if_fail(rw != NULL);
    rw->has_target = TRUE;
    rw->target_ssrc = ssrc;
}

void sfu_rewriter_resync(SfuRewriter *rw)
{
    g_return_if_fail(rw != NULL);
    if (rw->started)
        rw->resync = TRUE;
}

gboolean sfu_rewriter_get_current(const SfuRewriter *rw, guint32 *ssrc)
{
    g_return_val_if_fail(rw != NULL, FALSE);
    if (!rw->started)
        return FALSE;
    if (ssrc != NULL)
        *ssrc = rw->segments[rw->current].ssrc;
    return TRUE;
}

void sfu_rewriter_apply(const SfuRewriter *rw, const SfuRewriterSegment *segment,
                        const SfuRewriteIn *in, SfuRewriteOut *out)
{
    g_return_if_fail(rw != NULL && segment != NULL && in != NULL && out != NULL);
    out->ssrc = rw->out_ssrc;
    out->seq = (guint16)(in->seq + segment->seq_delta);
    out->timestamp = in->timestamp + segment->ts_delta;
    out->picture_id = (guint16)((in->picture_id + segment->pid_delta) & 0x7fff);
    out->tl0picidx = (guint8)(in->tl0picidx + segment->tl0_delta);
}

/* Records what was just sent, for the next switch. */
static void note_sent(SfuRewriter *rw, gint64 ext_out, const SfuRewriteIn *in,
                      const SfuRewriteOut *out, gint64 now_us)
{
    if (ext_out > rw->ext_out_highest)
        rw->ext_out_highest = ext_out;
    if ((gint32)(out->timestamp - rw->max_out_ts) > 0) {
        rw->max_out_ts = out->timestamp;
        rw->max_out_ts_time = now_us;
    }
    if (in->has_picture_id) {
        guint16 d = (guint16)((out->picture_id - rw->max_out_pid) & 0x7fff);

        if (!rw->has_picture_id || (d != 0 && d < 0x4000))
            rw->max_out_pid = out->picture_id;
        rw->has_picture_id = TRUE;
    }
    if (in->has_tl0picidx) {
        if (!rw->has_tl0picidx || (gint8)(guint8)(out->tl0picidx - rw->max_out_tl0) > 0)
            rw->max_out_tl0 = out->tl0picidx;
        rw->has_tl0picidx = TRUE;
    }
}

/* A key frame of the target layer: open a segment that continues the outgoing stream. */
static SfuRewriterSegment *start_segment(SfuRewriter *rw, const SfuRewriteIn *in, gint64 now_us)
{
    SfuRewriterSegment *seg;
    gint64 ext_out;
    guint32 out_ts;
    guint16 out_pid;
    guint8 out_tl0;

    if (rw->started) {
        ext_out = rw->ext_out_highest + 1;
        out_ts = rw->max_out_ts + elapsed_ticks(now_us - rw->max_out_ts_time, rw->clock_rate);
        out_pid = rw->has_picture_id ? (guint16)((rw->max_out_pid + 1) & 0x7fff) : in->picture_id;
        out_tl0 = rw->has_tl0picidx ? (guint8)(rw->max_out_tl0 + 1) : in->tl0picidx;
        rw->current = (rw->current + 1) % SFU_REWRITER_HISTORY;
        rw->n_segments = MIN(rw->n_segments + 1, SFU_REWRITER_HISTORY);
    } else {
        ext_out = SEQ_BASE + rw->initial_seq;
        out_ts = rw->initial_ts;
        out_pid = in->picture_id;
        out_tl0 = in->tl0picidx;
        rw->current = 0;
        rw->n_segments = 1;
        rw->started = TRUE;
        rw->ext_out_highest = ext_out - 1;
        rw->max_out_ts = out_ts;
        rw->max_out_ts_time = now_us;
    }

    rw->resync = FALSE;
    seg = &rw->segments[rw->current];
    seg->ssrc = in->ssrc;
    seg->ext_in_base = SEQ_BASE + in->seq;
    seg->ext_out_base = ext_out;
    seg->seq_delta = (guint16)((guint16)(ext_out & 0xffff) - in->seq);
    seg->ts_delta = out_ts - in->timestamp;
    seg->pid_delta = (guint16)((out_pid - in->picture_id) & 0x7fff);
    seg->tl0_delta = (guint8)(out_tl0 - in->tl0picidx);
    rw->ext_in_highest = seg->ext_in_base;
    return seg;
}

SfuRewriteAction sfu_rewriter_process(SfuRewriter *rw, const SfuRewriteIn *in, gint64 now_us,
                                      SfuRewriteOut *out)
{
    SfuRewriterSegment *seg;
    gint64 ext_in, ext_out;

    g_return_val_if_fail(rw != NULL && in != NULL && out != NULL, SFU_REWRITE_DROP_LAYER);

    seg = rw->started ? &rw->segments[rw->current] : NULL;

    if (rw->has_target && in->ssrc == rw->target_ssrc &&
        (seg == NULL || seg->ssrc != in->ssrc || rw->resync)) {
        if (!in->keyframe)
            return SFU_REWRITE_DROP_KEYFRAME;
        seg = start_segment(rw, in, now_us);
        sfu_rewriter_apply(rw, seg, in, out);
        note_sent(rw, seg->ext_out_base, in, out, now_us);
        return SFU_REWRITE_SWITCHED;
    }

    if (seg == NULL || in->ssrc != seg->ssrc)
        return SFU_REWRITE_DROP_LAYER;

    ext_in = extend_seq(rw->ext_in_highest, in->seq);
    if (ext_in < seg->ext_in_base)
        return SFU_REWRITE_DROP_OLD;
    if (ext_in > rw->ext_in_highest)
        rw->ext_in_highest = ext_in;
    ext_out = seg->ext_out_base + (ext_in - seg->ext_in_base);
    sfu_rewriter_apply(rw, seg, in, out);
    note_sent(rw, ext_out, in, out, now_us);
    return SFU_REWRITE_FORWARD;
}

int sfu_rewriter_lookup(const SfuRewriter *rw, guint16 out_seq, guint32 *in_ssrc, guint16 *in_seq,
                        SfuRewriterSegment *segment)
{
    gint64 ext;
    guint i;

    g_return_val_if_fail(rw != NULL, -EINVAL);
    if (!rw->started)
        return -ENOENT;
    ext = extend_seq(rw->ext_out_highest, out_seq);
    if (ext > rw->ext_out_highest)
        return -ENOENT;

    /* Newest first: the first segment that starts at or before @ext holds it. */
    for (i = 0; i < rw->n_segments; i++) {
        const SfuRewriterSegment *seg =
            &rw->segments[(rw->current + SFU_REWRITER_HISTORY - i) % SFU_REWRITER_HISTORY];

        if (ext >= seg->ext_out_base) {
            if (in_ssrc != NULL)
                *in_ssrc = seg->ssrc;
            if (in_seq != NULL)
                *in_seq = (guint16)(out_seq - seg->seq_delta);
            if (segment != NULL)
                *segment = *seg;
            return 0;
        }
    }
    return -ENOENT;
}
