/* sfu-uplink.c: the bandwidth estimate sent to a publisher (sfu-uplink.h). */
#include "router/sfu-uplink.h"

#include <string.h>

void sfu_delay_trend_init(SfuDelayTrend *trend, guint32 clock_rate)
{
    memset(trend, 0, sizeof(*trend));
    trend->clock_rate = clock_rate != 0 ? clock_rate : 90000;
}

void sfu_delay_trend_add(SfuDelayTrend *trend, guint32 rtp_ts, gint64 arrival_us)
{
    guint64 us = (guint64)MAX(arrival_us, 0);
    /* The arrival time in timestamp units, modulo 2^32 like the timestamp (RFC 3550 A.8). */
    guint32 arrival = (guint32)((us / G_USEC_PER_SEC) * trend->clock_rate +
                                (us % G_USEC_PER_SEC) * trend->clock_rate / G_USEC_PER_SEC);
    guint32 transit = arrival - rtp_ts;
    gint32 rel;

    if (!trend->have_ref) {
        trend->have_ref = TRUE;
        trend->ref = transit;
    }
    rel = (gint32)(transit - trend->ref);
    if (!trend->have_min || rel < trend->interval_min) {
        trend->interval_min = rel;
        trend->have_min = TRUE;
    }
}

gint64 sfu_delay_trend_close(SfuDelayTrend *trend)
{
    gint32 base;
    guint i;

    if (!trend->have_min)
        return 0;
    trend->history[trend->next] = trend->interval_min;
    trend->next = (trend->next + 1) % SFU_UPLINK_HISTORY;
    if (trend->n_history < SFU_UPLINK_HISTORY)
        trend->n_history++;
    base = trend->interval_min;
    for (i = 0; i < trend->n_history; i++)
        base = MIN(base, trend->history[i]);
    trend->have_min = FALSE;
    return (gint64)(trend->interval_min - base) * 1000 / trend->clock_rate;
}

void sfu_uplink_init(SfuUplink *uplink, guint64 max_bps)
{
    uplink->max_bps = MAX(max_bps != 0 ? max_bps : SFU_UPLINK_DEFAULT_MAX, SFU_UPLINK_MIN_BPS);
    uplink->estimate_bps = uplink->max_bps;
}

guint64 sfu_uplink_update(SfuUplink *uplink, guint64 received_bps, gdouble loss, gint64 queuing_ms)
{
    guint64 est = uplink->estimate_bps;

    if (queuing_ms > SFU_UPLINK_OVERUSE_MS)
        est = MIN(est, (guint64)(received_bps * 0.85));
    else if (loss > 0.10)
        est = MIN(est, (guint64)(received_bps * (1.0 - loss / 2)));
    else if (loss < 0.02 && queuing_ms < SFU_UPLINK_CLEAR_MS)
        est = (guint64)(est * 1.08) + 10000;
    uplink->estimate_bps = CLAMP(est, SFU_UPLINK_MIN_BPS, uplink->max_bps);
    return uplink->estimate_bps;
}
