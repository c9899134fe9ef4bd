/* sfu-uplink.h: the bandwidth estimate the router sends a publisher (REMB), from what arrives
 * (private to media/).
 *
 * A browser that negotiated goog-remb and not transport-cc bounds its sending rate by the REMB
 * its receiver sends (draft-alvestrand-rmcat-remb); without one its only signal is loss, which
 * it sees once the queue in front of the bottleneck has already overflowed. The router is that
 * receiver for every publisher, and sends each one an estimate computed once per report interval
 * from two signals:
 *  - queuing delay: for each incoming stream, the smallest one-way transit time of the interval
 *    (arrival time less the RTP timestamp, RFC 3550 A.8's "transit"), against the smallest of the
 *    last SFU_UPLINK_HISTORY intervals. The minimum is taken, not the mean, so the spread of a
 *    paced key frame is not mistaken for a queue: only a queue standing for the whole interval
 *    raises it. Clock drift between publisher and server is far below the threshold over that
 *    window.
 *  - loss: the fraction lost of the interval, from the receiver report statistics.
 * The rule (as in loss- and delay-based controllers, simplified to one step per interval): over
 * SFU_UPLINK_OVERUSE_MS of queuing, the estimate drops to 85% of what arrived; over 10% loss, to
 * what arrived less half the loss; with under 2% loss and under SFU_UPLINK_CLEAR_MS of queuing it
 * grows 8% per interval up to the room's maximum; otherwise it holds. It starts at the maximum,
 * so a publisher on a good link is bounded only by the room's configuration.
 *
 * Plain structs embedded in their owners; nothing allocates. Thread: the media worker.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_UPLINK_HISTORY     8  /* intervals the delay baseline covers */
#define SFU_UPLINK_OVERUSE_MS  40 /* standing queue that means congestion */
#define SFU_UPLINK_CLEAR_MS    10 /* below this the path is clear */
#define SFU_UPLINK_MIN_BPS     (100 * 1000)
#define SFU_UPLINK_DEFAULT_MAX (4 * 1000 * 1000)

/* The queuing delay of one incoming stream. */
typedef struct {
    guint32 clock_rate;
    gboolean have_ref;
    guint32 ref; /* the first transit seen: later ones are relative to it */
    gboolean have_min;
    gint32 interval_min; /* smallest relative transit of this interval, timestamp units */
    gint32 history[SFU_UPLINK_HISTORY];
    guint n_history;
    guint next;
} SfuDelayTrend;

void sfu_delay_trend_init(SfuDelayTrend *trend, guint32 clock_rate);
/* One packet: its RTP timestamp and arrival time (monotonic microseconds). */
void sfu_delay_trend_add(SfuDelayTrend *trend, guint32 rtp_ts, gint64 arrival_us);
/* Closes the interval: returns the queuing delay of its minimum over the baseline, in
 * milliseconds (0 without packets in the interval or before a baseline exists). */
gint64 sfu_delay_trend_close(SfuDelayTrend *trend);

typedef struct {
    guint64 max_bps;
    guint64 estimate_bps;
} SfuUplink;

void sfu_uplink_init(SfuUplink *uplink, guint64 max_bps);
/* One interval: what arrived (b/s), the worst fraction lost (0..1) and the worst queuing delay
 * (ms) of the publisher's streams. Returns the new estimate. */
guint64 sfu_uplink_update(SfuUplink *uplink, guint64 received_bps, gdouble loss, gint64 queuing_ms);

G_END_DECLS
