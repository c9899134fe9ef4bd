/* sfu-rx-stats.c: RFC 3550 receive statistics.
 *
 * Design: this is the reference algorithm of RFC 3550 Appendix A, kept close to its text so it
 * can be checked line by line. A.1: a new source is on probation until MIN_SEQUENTIAL packets
 * arrive in sequence; afterwards a forward step under MAX_DROPOUT advances the highest sequence
 * number (counting a cycle on wrap-around), a step back within MAX_MISORDER is a duplicate or
 * reordered packet, and anything else is a jump that is believed only when the next packet
 * follows it (then the source restarts its statistics). A.3: expected = extended highest - base
 * + 1, lost = expected - received, and the fraction lost over the interval between two reports
 * as an 8-bit fixed point number, clamped at zero when duplicates outnumber losses. A.8: the
 * transit time is arrival (in timestamp units) minus the RTP timestamp, and the jitter is a
 * running mean of its absolute change with gain 1/16, kept times 16 to stay in integers.
 * §6.4.1: LSR is the middle 32 bits of the last SR's NTP timestamp, DLSR the time since it
 * arrived in units of 1/65536 s.
 */
#include "router/sfu-rx-stats.h"

#include <errno.h>
#include <string.h>

#define RTP_SEQ_MOD    (1u << 16)
#define MAX_DROPOUT    3000
#define MAX_MISORDER   100
#define MIN_SEQUENTIAL 2

void sfu_rx_stats_init(SfuRxStats *stats, guint32 clock_rate)
{
    g_return_if_fail(stats != NULL && clock_rate > 0);
    memset(stats, 0, sizeof(*stats));
    stats->clock_rate = clock_rate;
}

static void init_seq(SfuRxStats *s, guint16 seq)
{
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
    s->cycles = 0;
    s->received = 0;
    s->received_prior = 0;
    s->expected_prior = 0;
}

/* RFC 3550 A.1 update_seq(): 1 when the packet is valid. */
static int update_seq(SfuRxStats *s, guint16 seq)
{
    guint16 udelta = (guint16)(seq - s->max_seq);

    if (s->probation) {
        if (seq == (guint16)(s->max_seq + 1)) {
            s->probation--;
            s->max_seq = seq;
            if (s->probation == 0) {
                init_seq(s, seq);
                s->received++;
                return 1;
            }
        } else {
            s->probation = MIN_SEQUENTIAL - 1;
            s->max_seq = seq;
        }
        return 0;
    } else if (udelta < MAX_DROPOUT) {
        if (seq < s->max_seq)
            s->cycles += RTP_SEQ_MOD; /* wrapped */
        s->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        /* A very large jump: believe it only if the next packet follows it. */
        if (seq == s->bad_seq) {
            init_seq(s, seq);
        } else {
            s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
            return -1;
        }
    } else {
        /* duplicate or reordered packet */
    }
    s->received++;
    return 1;
}

/* @us in timestamp units, mod 2^32 (only differences matter). */
static guint32 to_rtp_units(gint64 us, guint32 clock_rate)
{
    guint64 u = (guint64)us;

    return (guint32)((u / G_USEC_PER_SEC) * clock_rate +
                     (u % G_USEC_PER_SEC) * clock_rate / G_USEC_PER_SEC);
}

int sfu_rx_stats_update(SfuRxStats *stats, guint16 seq, guint32 rtp_ts, gint64 arrival_us)
{
    guint32 transit;
    int r;

    g_return_val_if_fail(stats != NULL, -EINVAL);
    if (!stats->started) {
        init_seq(stats, seq);
        stats->max_seq = (guint16)(seq - 1);
        stats->probation = MIN_SEQUENTIAL;
        stats->started = TRUE;
    }
    r = update_seq(stats, seq);
    if (r == 0)
        return -EAGAIN;
    if (r < 0)
        return -ERANGE;

    /* A.8 */
    transit = to_rtp_units(arrival_us, stats->clock_rate) - rtp_ts;
    if (stats->have_transit) {
        gint32 d = (gint32)(transit - stats->transit);
        guint32 ad = d < 0 ? (guint32) - (gint64)d : (guint32)d;

        stats->jitter_q4 =
            (guint32)((gint64)stats->jitter_q4 + ad - (((gint64)stats->jitter_q4 + 8) >> 4));
    }
    stats->transit = transit;
    stats->have_transit = TRUE;
    return 0;
}

void sfu_rx_stats_sender_report(SfuRxStats *stats, guint64 ntp_timestamp, gint64 arrival_us)
{
    g_return_if_fail(stats != NULL);
    stats->have_sr = TRUE;
    stats->lsr = (guint32)(ntp_timestamp >> 16);
    stats->sr_arrival_us = arrival_us;
}

static guint32 expected_packets(const SfuRxStats *s)
{
    guint32 extended_max = s->cycles + s->max_seq;

    return extended_max - s->base_seq + 1;
}

gint64 sfu_rx_stats_get_cumulative_lost(const SfuRxStats *stats)
{
    g_return_val_if_fail(stats != NULL, 0);
    if (!stats->started || stats->probation)
        return 0;
    return (gint64)expected_packets(stats) - stats->received;
}

guint32 sfu_rx_stats_get_jitter(const SfuRxStats *stats)
{
    g_return_val_if_fail(stats != NULL, 0);
    return stats->jitter_q4 >> 4;
}

gboolean sfu_rx_stats_take_report_block(SfuRxStats *stats, guint32 ssrc, gint64 now_us,
                                        RtcpReportBlock *block)
{
    guint32 expected, expected_interval, received_interval;
    gint64 lost, lost_interval;

    g_return_val_if_fail(stats != NULL && block != NULL, FALSE);
    memset(block, 0, sizeof(*block));
    if (!stats->started || stats->probation || stats->received == 0)
        return FALSE;

    /* A.3 */
    expected = expected_packets(stats);
    lost = (gint64)expected - stats->received;
    expected_interval = expected - stats->expected_prior;
    stats->expected_prior = expected;
    received_interval = stats->received - stats->received_prior;
    stats->received_prior = stats->received;
    lost_interval = (gint64)expected_interval - received_interval;

    block->ssrc = ssrc;
    if (expected_interval == 0 || lost_interval <= 0)
        block->fraction_lost = 0;
    else
        block->fraction_lost = (guint8)MIN((lost_interval << 8) / expected_interval, 255);
    block->cumulative_lost = (gint32)CLAMP(lost, -0x800000, 0x7fffff);
    block->highest_seq = stats->cycles + stats->max_seq;
    block->jitter = stats->jitter_q4 >> 4;
    if (stats->have_sr) {
        gint64 delay = MAX(now_us - stats->sr_arrival_us, 0);

        block->lsr = stats->lsr;
        block->dlsr = (guint32)MIN(delay * 65536 / G_USEC_PER_SEC, (gint64)G_MAXUINT32);
    }
    return TRUE;
}
