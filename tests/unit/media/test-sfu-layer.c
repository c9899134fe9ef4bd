/* test-sfu-layer.c: the bitrate meter, the simulcast layer policy and the active speaker rule
 * (media/router/sfu-layer.c, sfu-speaker.c), as plain functions of numbers. */
#include <glib.h>

#include "router/sfu-layer.h"
#include "router/sfu-speaker.h"

#define MS 1000

static void test_rate_meter(void)
{
    SfuRateMeter m;
    gint64 t;
    guint64 bps;

    sfu_rate_meter_init(&m);
    g_assert_cmpuint(sfu_rate_meter_get_bps(&m, 0), ==, 0);
    /* 1250 bytes every 10 ms: 1 Mb/s. */
    for (t = 5 * G_USEC_PER_SEC; t < 7 * G_USEC_PER_SEC; t += 10 * MS) {
        sfu_rate_meter_add(&m, 1250, t);
        if (t == 5 * G_USEC_PER_SEC + 200 * MS) {
            /* Early in the stream the rate is already right. */
            bps = sfu_rate_meter_get_bps(&m, t);
            g_assert_cmpuint(bps, >=, 950000);
            g_assert_cmpuint(bps, <=, 1100000);
        }
    }
    bps = sfu_rate_meter_get_bps(&m, t);
    g_assert_cmpuint(bps, >=, 980000);
    g_assert_cmpuint(bps, <=, 1020000);
    /* Half a second of silence halves it; a second and more empties it. */
    bps = sfu_rate_meter_get_bps(&m, t + 500 * MS);
    g_assert_cmpuint(bps, >=, 400000);
    g_assert_cmpuint(bps, <=, 600000);
    g_assert_cmpuint(sfu_rate_meter_get_bps(&m, t + 1100 * MS), ==, 0);
    g_assert_cmpuint(sfu_rate_meter_get_bps(&m, t + 100 * G_USEC_PER_SEC), ==, 0);
}

/* Browsers' usual ladder: 320x180 at 150 kb/s, 640x360 at 500, 1280x720 at 1500. */
static void ladder(SfuLayerInfo *l, gboolean known_sizes)
{
    l[0] = (SfuLayerInfo){TRUE, 150000, 320, 180};
    l[1] = (SfuLayerInfo){TRUE, 500000, 640, 360};
    l[2] = (SfuLayerInfo){TRUE, 1500000, 1280, 720};
    if (!known_sizes) {
        l[0].width = l[0].height = 0;
        l[2].width = l[2].height = 0;
    }
}

#define ANY SFU_DISPLAY_UNKNOWN

static void test_choose_by_budget(void)
{
    SfuLayerInfo l[3];

    ladder(l, TRUE);
    /* From nothing: the highest that fits with the margin. */
    g_assert_cmpint(sfu_layer_choose(l, 3, -1, 5000000, ANY, ANY, TRUE), ==, 2);
    g_assert_cmpint(sfu_layer_choose(l, 3, -1, 1700000, ANY, ANY, TRUE), ==, 1);
    g_assert_cmpint(sfu_layer_choose(l, 3, -1, 1800000, ANY, ANY, TRUE), ==, 2);
    g_assert_cmpint(sfu_layer_choose(l, 3, -1, 100000, ANY, ANY, TRUE), ==, 0); /* lowest */
    /* Hysteresis: on f, 1.5-1.8 Mb/s keeps f; on h, the same keeps h. */
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 1600000, ANY, ANY, TRUE), ==, 2);
    g_assert_cmpint(sfu_layer_choose(l, 3, 1, 1600000, ANY, ANY, TRUE), ==, 1);
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 1400000, ANY, ANY, TRUE), ==, 1);
    /* Downgrades need no hold time; upgrades wait for it. */
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 400000, ANY, ANY, FALSE), ==, 0);
    g_assert_cmpint(sfu_layer_choose(l, 3, 0, 5000000, ANY, ANY, FALSE), ==, 0);
    g_assert_cmpint(sfu_layer_choose(l, 3, 0, 5000000, ANY, ANY, TRUE), ==, 2);
}

static void test_choose_by_view(void)
{
    SfuLayerInfo l[3];

    ladder(l, TRUE);
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 5000000, 0, 0, TRUE), ==, -1); /* hidden */
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 5000000, 160, 90, TRUE), ==, 0);
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 5000000, 320, 180, TRUE), ==, 0);
    g_assert_cmpint(sfu_layer_choose(l, 3, 0, 5000000, 400, 225, TRUE), ==, 1);
    g_assert_cmpint(sfu_layer_choose(l, 3, 0, 5000000, 1920, 1080, TRUE), ==, 2);
    /* Only h's size is known: the others are estimated by factors of 2. */
    ladder(l, FALSE);
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 5000000, 300, 170, TRUE), ==, 0);
    g_assert_cmpint(sfu_layer_choose(l, 3, 0, 5000000, 1280, 720, TRUE), ==, 2);
    /* Nothing known: no cap. */
    l[1].width = l[1].height = 0;
    g_assert_cmpint(sfu_layer_choose(l, 3, 0, 5000000, 160, 90, TRUE), ==, 2);
}

static void test_choose_inactive_layers(void)
{
    SfuLayerInfo l[3];

    ladder(l, TRUE);
    l[2].active = FALSE; /* the publisher's uplink dropped f */
    g_assert_cmpint(sfu_layer_choose(l, 3, 2, 5000000, ANY, ANY, FALSE), ==, 1);
    l[0].active = FALSE;
    g_assert_cmpint(sfu_layer_choose(l, 3, -1, 100000, ANY, ANY, TRUE), ==, 1);
    l[1].active = FALSE;
    g_assert_cmpint(sfu_layer_choose(l, 3, 1, 5000000, ANY, ANY, TRUE), ==, -1);
    /* One layer, no simulcast. */
    ladder(l, TRUE);
    g_assert_cmpint(sfu_layer_choose(l, 1, -1, 10000, ANY, ANY, TRUE), ==, 0);
}

static guint64 round_of(SfuSpeaker *s, gint64 now, guint32 a, guint32 b, guint32 c,
                        gboolean *changed)
{
    guint64 id = 0;

    sfu_speaker_begin(s);
    sfu_speaker_offer(s, 1, a);
    sfu_speaker_offer(s, 2, b);
    sfu_speaker_offer(s, 3, c);
    *changed = sfu_speaker_finish(s, now, &id);
    return id;
}

static void test_speaker_rule(void)
{
    SfuSpeaker s;
    SfuAudioLevel lv;
    gboolean changed;
    guint i;

    /* The level mean is smoothed: a single loud interval does not make a speaker. */
    sfu_audio_level_init(&lv);
    for (i = 0; i < 5; i++)
        sfu_audio_level_add(&lv, 20);
    g_assert_cmpuint(sfu_audio_level_close_interval(&lv), <, SFU_SPEAKER_THRESHOLD);
    for (i = 0; i < 5; i++)
        sfu_audio_level_add(&lv, 20);
    g_assert_cmpuint(sfu_audio_level_close_interval(&lv), <, SFU_SPEAKER_THRESHOLD);
    for (i = 0; i < 5; i++)
        sfu_audio_level_add(&lv, 20);
    sfu_audio_level_close_interval(&lv);
    for (i = 0; i < 5; i++)
        sfu_audio_level_add(&lv, 20);
    g_assert_cmpuint(sfu_audio_level_close_interval(&lv), >=, SFU_SPEAKER_THRESHOLD);
    /* Silence (no packets) decays it. */
    for (i = 0; i < 10; i++)
        sfu_audio_level_close_interval(&lv);
    g_assert_cmpuint(lv.score, <, SFU_SPEAKER_THRESHOLD);
    sfu_audio_level_add(&lv, 200); /* past 127 counts as silence */
    g_assert_cmpuint(lv.sum, ==, 0);

    sfu_speaker_init(&s);
    /* Room noise only: nobody. */
    round_of(&s, 0, 500, 600, 0, &changed);
    g_assert_false(changed);
    g_assert_cmpuint(round_of(&s, 100 * MS, 500, 1500, 0, &changed), ==, 2);
    g_assert_true(changed);
    /* Slightly louder is not enough; much louder is, but not within 300 ms. */
    round_of(&s, 200 * MS, 1600, 1500, 0, &changed);
    g_assert_false(changed);
    round_of(&s, 300 * MS, 1800, 1500, 0, &changed);
    g_assert_false(changed);
    g_assert_cmpuint(round_of(&s, 400 * MS, 1800, 1500, 0, &changed), ==, 1);
    g_assert_true(changed);
    /* The speaker goes quiet: anyone above the threshold takes over. */
    g_assert_cmpuint(round_of(&s, 800 * MS, 200, 1200, 0, &changed), ==, 2);
    g_assert_true(changed);
    /* It leaves: the next one speaks without waiting for a margin. */
    sfu_speaker_forget(&s, 2);
    g_assert_cmpuint(round_of(&s, 1200 * MS, 1200, 0, 1190, &changed), ==, 1);
    g_assert_true(changed);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-layer/rate-meter", test_rate_meter);
    g_test_add_func("/media/sfu-layer/choose-by-budget", test_choose_by_budget);
    g_test_add_func("/media/sfu-layer/choose-by-view", test_choose_by_view);
    g_test_add_func("/media/sfu-layer/choose-inactive-layers", test_choose_inactive_layers);
    g_test_add_func("/media/sfu-layer/speaker-rule", test_speaker_rule);
    return g_test_run();
}
