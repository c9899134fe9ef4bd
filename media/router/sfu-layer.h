/* sfu-layer.h: measured bitrates and the simulcast layer a subscriber gets (private to media/).
 *
 * An SfuRateMeter measures the bitrate of one stream over the last second in ten buckets of
 * 100 ms; adding a packet is a few integer operations and never allocates.
 *
 * sfu_layer_choose() is the policy, a pure function so it can be tested on its own: given the
 * publisher's layers (lowest quality first: is each one arriving, at what measured bitrate and
 * size), the bandwidth the subscriber can take for this track and the size of the view it shows
 * the track in, it returns the layer to forward:
 *  - nothing (-1) when the view is hidden (0 x 0) or no layer arrives;
 *  - never a layer larger than needed: the cap is the smallest layer that covers the view (a
 *    160 x 90 tile does not get 720p); sizes come from the key frames, and a layer whose size is
 *    not known yet is estimated from a known one by the usual factor of 2 per layer;
 *  - the highest layer under the cap whose bitrate fits the budget; hysteresis keeps it from
 *    flapping: a higher layer than the current one must fit with SFU_LAYER_UP_MARGIN_PCT to
 *    spare and only when @may_upgrade (the caller refuses upgrades for SFU_LAYER_UP_HOLD_US
 *    after a switch), while the current layer and lower ones need only fit, so an estimate that
 *    wobbles inside the margin changes nothing;
 *  - the lowest arriving layer when nothing fits: a subscriber on a poor link still sees people.
 *
 * Thread: no global state; each struct belongs to the worker that owns its stream.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_MAX_LAYERS          3
#define SFU_RATE_BUCKETS        10
#define SFU_RATE_BUCKET_US      100000
#define SFU_LAYER_UP_MARGIN_PCT 20
#define SFU_LAYER_UP_HOLD_US    (2 * G_USEC_PER_SEC)
#define SFU_LAYER_INACTIVE_US   (1 * G_USEC_PER_SEC) /* a layer silent this long is off */
#define SFU_DISPLAY_UNKNOWN     G_MAXUINT16          /* the client has not said: no cap */

typedef struct {
    guint64 bytes[SFU_RATE_BUCKETS];
    gint64 bucket; /* number of the newest bucket: time / SFU_RATE_BUCKET_US */
    gint64 first_us;
    gboolean started;
} SfuRateMeter;

void sfu_rate_meter_init(SfuRateMeter *meter);
void sfu_rate_meter_add(SfuRateMeter *meter, gsize bytes, gint64 now_us);
/* Bits per second over the last second (over the time since the first packet when that is
 * shorter, but at least one bucket). 0 before the first packet. */
guint64 sfu_rate_meter_get_bps(SfuRateMeter *meter, gint64 now_us);

typedef struct {
    gboolean active;     /* packets arrived within SFU_LAYER_INACTIVE_US */
    guint64 bitrate_bps; /* measured */
    guint16 width;       /* from the last key frame; 0 when not known */
    guint16 height;
} SfuLayerInfo;

/* @layers: @n_layers (1..SFU_MAX_LAYERS), lowest quality first; @current: the layer forwarded
 * or targeted now, -1 for none; @budget_bps: what the subscriber can take for this track;
 * @display_width x @display_height: the view (0 x 0 hidden, SFU_DISPLAY_UNKNOWN: no cap).
 * Returns the layer index, or -1 for no video. */
gint sfu_layer_choose(const SfuLayerInfo *layers, guint n_layers, gint current, guint64 budget_bps,
                      guint16 display_width, guint16 display_height, gboolean may_upgrade);

G_END_DECLS
