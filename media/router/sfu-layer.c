/* sfu-layer.c: bitrate measurement and the simulcast layer policy.
 *
 * Design: the rate meter is a ring of ten 100 ms byte counters indexed by the bucket number
 * (time / 100 ms); moving to a later bucket clears the ones skipped, so an idle stream decays to
 * zero within a second without a timer. The rate is the sum of the ring over the time it covers:
 * nine whole buckets plus the elapsed part of the newest one (or less, early in a stream).
 *
 * The policy is written as a scan from the cap downwards, which makes its two rules visible: a
 * layer is taken if it fits, and "fits" is stricter above the current layer (margin and hold
 * time) than at or below it. That asymmetry is the hysteresis: after a step up, the estimate
 * must fall below the layer's real bitrate before it steps down again, and after a step down it
 * must rise 20% above the next layer's bitrate, and stay a hold time, before it steps up. A
 * layer's size is taken from VP8 key frames when known; otherwise it is estimated from a known
 * layer, since browsers scale simulcast layers by 2 (scaleResolutionDownBy 4, 2, 1).
 */
#include "router/sfu-layer.h"

#include <string.h>

void sfu_rate_meter_init(SfuRateMeter *meter)
{
    g_return_if_fail(meter != NULL);
    memset(meter, 0, sizeof(*meter));
}

static void advance(SfuRateMeter *meter, gint64 bucket)
{
    gint64 b;

    if (bucket <= meter->bucket)
        return;
    if (bucket - meter->bucket >= SFU_RATE_BUCKETS) {
        memset(meter->bytes, 0, sizeof(meter->bytes));
    } else {
        for (b = meter->bucket + 1; b <= bucket; b++)
            meter->bytes[b % SFU_RATE_BUCKETS] = 0;
    }
    meter->bucket = bucket;
}

void sfu_rate_meter_add(SfuRateMeter *meter, gsize bytes, gint64 now_us)
{
    gint64 bucket = MAX(now_us, 0) / SFU_RATE_BUCKET_US;

    if (!meter->started) {
        memset(meter->bytes, 0, sizeof(meter->bytes));
        meter->bucket = bucket;
        meter->first_us = now_us;
        meter->started = TRUE;
    }
    advance(meter, bucket);
    meter->bytes[bucket % SFU_RATE_BUCKETS] += bytes;
}

guint64 sfu_rate_meter_get_bps(SfuRateMeter *meter, gint64 now_us)
{
    gint64 bucket = MAX(now_us, 0) / SFU_RATE_BUCKET_US;
    gint64 window_us;
    guint64 total = 0;
    guint i;

    g_return_val_if_fail(meter != NULL, 0);
    if (!meter->started)
        return 0;
    advance(meter, bucket);
    for (i = 0; i < SFU_RATE_BUCKETS; i++)
        total += meter->bytes[i];
    window_us =
        (SFU_RATE_BUCKETS - 1) * SFU_RATE_BUCKET_US + (now_us - bucket * SFU_RATE_BUCKET_US);
    window_us = MIN(window_us, now_us - meter->first_us);
    window_us = MAX(window_us, SFU_RATE_BUCKET_US);
    return total * 8 * G_USEC_PER_SEC / (guint64)window_us;
}

/* The height of layer @i: known, or estimated from the nearest known layer (factor 2 per
 * layer); 0 when no layer's size is known. */
static guint32 layer_dimension(const SfuLayerInfo *layers, guint n_layers, guint i, gboolean height)
{
    guint d;

    for (d = 0; d < n_layers; d++) {
        guint32 below = 0, above = 0;

        if (d <= i)
            below = height ? layers[i - d].height : layers[i - d].width;
        if (i + d < n_layers)
            above = height ? layers[i + d].height : layers[i + d].width;
        if (below != 0)
            return below << d;
        if (above != 0)
            return above >> d;
    }
    return 0;
}

/* The smallest layer that covers the view, or the top one. */
static guint display_cap(const SfuLayerInfo *layers, guint n_layers, guint16 display_width,
                         guint16 display_height)
{
    guint i;

    if (display_width == SFU_DISPLAY_UNKNOWN || display_height == SFU_DISPLAY_UNKNOWN)
        return n_layers - 1;
    for (i = 0; i < n_layers; i++) {
        guint32 w = layer_dimension(layers, n_layers, i, FALSE);
        guint32 h = layer_dimension(layers, n_layers, i, TRUE);

        if (w == 0 || h == 0)
            return n_layers - 1; /* nothing known: no cap */
        if (w >= display_width && h >= display_height)
            return i;
    }
    return n_layers - 1;
}

gint sfu_layer_choose(const SfuLayerInfo *layers, guint n_layers, gint current, guint64 budget_bps,
                      guint16 display_width, guint16 display_height, gboolean may_upgrade)
{
    gint lowest_active = -1;
    gint i, cap;

    g_return_val_if_fail(layers != NULL, -1);
    g_return_val_if_fail(n_layers >= 1 && n_layers <= SFU_MAX_LAYERS, -1);

    if (display_width == 0 || display_height == 0)
        return -1;
    for (i = 0; i < (gint)n_layers; i++) {
        if (layers[i].active) {
            lowest_active = i;
            break;
        }
    }
    if (lowest_active < 0)
        return -1;

    cap = (gint)display_cap(layers, n_layers, display_width, display_height);
    for (i = cap; i >= 0; i--) {
        guint64 need;

        if (!layers[i].active)
            continue;
        need = layers[i].bitrate_bps;
        if (i > current) {
            if (current >= 0 && !may_upgrade)
                continue;
            need = need * (100 + SFU_LAYER_UP_MARGIN_PCT) / 100;
        }
        if (need <= budget_bps)
            return i;
    }
    return lowest_active;
}
