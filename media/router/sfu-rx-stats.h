/* sfu-rx-stats.h: reception statistics of one incoming RTP stream, for receiver reports
 * (private to media/).
 *
 * Follows RFC 3550 Appendix A: sequence number validation and loss (A.1, A.3) and interarrival
 * jitter (A.8), plus the LSR/DLSR fields that let the sender measure the round trip (§6.4.1).
 * An SfuRxStats is a plain struct embedded in its owner; nothing allocates.
 * Thread: the media worker that owns the stream.
 */
#pragma once

#include <glib.h>

#include "rtp/rtcp.h"

G_BEGIN_DECLS

typedef struct {
    guint32 clock_rate;
    gboolean started;

    /* RFC 3550 A.1 */
    guint16 max_seq;
    guint32 cycles; /* shifted count of sequence number cycles */
    guint32 base_seq;
    guint32 bad_seq;
    guint32 probation;
    guint32 received;
    guint32 expected_prior;
    guint32 received_prior;

    /* RFC 3550 A.8 */
    gboolean have_transit;
    guint32 transit;
    guint32 jitter_q4; /* jitter in timestamp units, times 16 */

    /* the last sender report, §6.4.1 */
    gboolean have_sr;
    guint32 lsr;
    gint64 sr_arrival_us;
} SfuRxStats;

void sfu_rx_stats_init(SfuRxStats *stats, guint32 clock_rate);

/* One packet arrived at @arrival_us (monotonic microseconds). Returns 0 when it is counted;
 * -EAGAIN while the source is on probation (A.1: the first packets must be in sequence);
 * -ERANGE for a large jump in sequence numbers, held until the next packet confirms it. */
int sfu_rx_stats_update(SfuRxStats *stats, guint16 seq, guint32 rtp_ts, gint64 arrival_us);

/* A sender report for this stream arrived; @ntp_timestamp is its 64-bit NTP time. */
void sfu_rx_stats_sender_report(SfuRxStats *stats, guint64 ntp_timestamp, gint64 arrival_us);

/* Fills a report block for @ssrc as of @now_us and starts a new reporting interval (the fraction
 * lost covers the packets since the previous call). Returns FALSE when no packet has been counted
 * yet, in which case RFC 3550 §6.4 says not to report on this source. */
gboolean sfu_rx_stats_take_report_block(SfuRxStats *stats, guint32 ssrc, gint64 now_us,
                                        RtcpReportBlock *block);

/* Packets lost since the start (expected minus received; negative with duplicates). */
gint64 sfu_rx_stats_get_cumulative_lost(const SfuRxStats *stats);
/* Interarrival jitter in timestamp units. */
guint32 sfu_rx_stats_get_jitter(const SfuRxStats *stats);

G_END_DECLS
