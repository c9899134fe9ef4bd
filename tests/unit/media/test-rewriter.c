/* test-rewriter.c: simulcast sequence/timestamp/SSRC rewriting (media/router/sfu-rewriter.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-rewriter.h"

#define OUT_SSRC 0x5eb5c41bu
#define L0       0xa0a0a0a0u
#define L1       0xb1b1b1b1u
#define L2       0xc2c2c2c2u

static SfuRewriteIn pkt(guint32 ssrc, guint16 seq, guint32 ts, gboolean key)
{
    SfuRewriteIn in = {.ssrc = ssrc, .seq = seq, .timestamp = ts, .keyframe = key};
    return in;
}

static SfuRewriteAction run(SfuRewriter *rw, guint32 ssrc, guint16 seq, guint32 ts, gboolean key,
                            gint64 now, SfuRewriteOut *out)
{
    SfuRewriteIn in = pkt(ssrc, seq, ts, key);

    return sfu_rewriter_process(rw, &in, now, out);
}

static void test_start_on_keyframe(void)
{
    SfuRewriter rw;
    SfuRewriteOut out;
    guint32 cur;

    sfu_rewriter_init(&rw, 0x5eed, 90000, 1000, 50000);
    g_assert_false(sfu_rewriter_get_current(&rw, &cur));
    /* No target yet: nothing goes out. */
    g_assert_cmpint(run(&rw, L0, 10, 900, TRUE, 0, &out), ==, SFU_REWRITE_DROP_LAYER);

    sfu_rewriter_set_target(&rw, L0);
    g_assert_cmpint(run(&rw, L0, 11, 900, FALSE, 0, &out), ==, SFU_REWRITE_DROP_KEYFRAME);
    g_assert_cmpint(run(&rw, L1, 500, 900, TRUE, 0, &out), ==, SFU_REWRITE_DROP_LAYER);
    g_assert_cmpint(run(&rw, L0, 12, 3900, TRUE, 1000, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmphex(out.ssrc, ==, 0x5eed);
    g_assert_cmpuint(out.seq, ==, 1000);
    g_assert_cmpuint(out.timestamp, ==, 50000);
    g_assert_true(sfu_rewriter_get_current(&rw, &cur));
    g_assert_cmphex(cur, ==, L0);

    g_assert_cmpint(run(&rw, L0, 13, 3900, FALSE, 1000, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 1001);
    g_assert_cmpuint(out.timestamp, ==, 50000);
    g_assert_cmpint(run(&rw, L0, 14, 6900, FALSE, 34000, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 1002);
    g_assert_cmpuint(out.timestamp, ==, 53000);
    /* A packet of the layer from before the key frame would reuse output numbers. */
    g_assert_cmpint(run(&rw, L0, 11, 900, FALSE, 35000, &out), ==, SFU_REWRITE_DROP_OLD);
}

static void test_loss_and_reorder_pass_through(void)
{
    SfuRewriter rw;
    SfuRewriteOut out;

    sfu_rewriter_init(&rw, 1, 90000, 65534, 0);
    sfu_rewriter_set_target(&rw, L0);
    g_assert_cmpint(run(&rw, L0, 100, 0, TRUE, 0, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmpuint(out.seq, ==, 65534);
    /* 101 is lost, 103 comes before 102. */
    g_assert_cmpint(run(&rw, L0, 103, 0, FALSE, 0, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 1); /* wrapped */
    g_assert_cmpint(run(&rw, L0, 102, 0, FALSE, 0, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 0);
    g_assert_cmpint(run(&rw, L0, 104, 3000, FALSE, 0, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 2);
    /* A duplicate maps to the same number. */
    g_assert_cmpint(run(&rw, L0, 103, 0, FALSE, 0, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 1);
}

/* Switch from L0 (both counters about to wrap) to L1 and back to L0, checking that sequence
 * numbers continue without a gap and timestamps move on by the elapsed time. */
static void test_switch_across_wrap(void)
{
    SfuRewriter rw;
    SfuRewriteOut out;
    guint16 in0 = 65533, in1 = 40000;
    guint32 ts0 = 0xfffff000u, ts1 = 0x7ffff000u;
    guint16 last_seq;
    guint32 last_ts;
    gint64 now = 1000000;
    guint i;

    sfu_rewriter_init(&rw, OUT_SSRC, 90000, 65530, 0xffffe000u);
    sfu_rewriter_set_target(&rw, L0);
    g_assert_cmpint(run(&rw, L0, in0++, ts0, TRUE, now, &out), ==, SFU_REWRITE_SWITCHED);
    last_seq = out.seq;
    last_ts = out.timestamp;
    for (i = 0; i < 10; i++) {
        now += 33333;
        ts0 += 3000;
        g_assert_cmpint(run(&rw, L0, in0++, ts0, FALSE, now, &out), ==, SFU_REWRITE_FORWARD);
        g_assert_cmpuint(out.seq, ==, (guint16)(last_seq + 1));
        g_assert_cmpuint(out.timestamp - last_ts, ==, 3000);
        last_seq = out.seq;
        last_ts = out.timestamp;
    }

    /* Ask for L1; until its key frame, L0 keeps flowing and L1 is held back. */
    sfu_rewriter_set_target(&rw, L1);
    for (i = 0; i < 3; i++) {
        now += 33333;
        ts0 += 3000;
        ts1 += 3000;
        g_assert_cmpint(run(&rw, L1, in1++, ts1, FALSE, now, &out), ==, SFU_REWRITE_DROP_KEYFRAME);
        g_assert_cmpint(run(&rw, L0, in0++, ts0, FALSE, now, &out), ==, SFU_REWRITE_FORWARD);
        g_assert_cmpuint(out.seq, ==, (guint16)(last_seq + 1));
        last_seq = out.seq;
        last_ts = out.timestamp;
    }
    now += 33333;
    ts1 += 3000;
    g_assert_cmpint(run(&rw, L1, in1++, ts1, TRUE, now, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmphex(out.ssrc, ==, OUT_SSRC);
    g_assert_cmpuint(out.seq, ==, (guint16)(last_seq + 1));
    /* 33.333 ms at 90 kHz. */
    g_assert_cmpuint(out.timestamp - last_ts, ==, 2999);
    last_seq = out.seq;
    last_ts = out.timestamp;
    /* The old layer is now dropped. */
    g_assert_cmpint(run(&rw, L0, in0++, ts0 + 3000, FALSE, now, &out), ==, SFU_REWRITE_DROP_LAYER);
    /* A second packet of the same key frame keeps its timestamp. */
    g_assert_cmpint(run(&rw, L1, in1++, ts1, FALSE, now, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, (guint16)(last_seq + 1));
    g_assert_cmpuint(out.timestamp, ==, last_ts);
    last_seq = out.seq;

    /* Back down to L0 at once: the switch happens on L0's key frame, here with no time elapsed
     * since the last frame: the timestamp still moves on by one tick. */
    sfu_rewriter_set_target(&rw, L0);
    g_assert_cmpint(run(&rw, L0, in0++, ts0 + 6000, TRUE, now, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmpuint(out.seq, ==, (guint16)(last_seq + 1));
    g_assert_cmpuint(out.timestamp - last_ts, ==, 1);
}

static void test_lookup_for_nack(void)
{
    SfuRewriter rw;
    SfuRewriteOut out;
    SfuRewriterSegment seg;
    guint32 ssrc;
    guint16 seq;
    guint16 first_l1_out;
    guint i;

    sfu_rewriter_init(&rw, OUT_SSRC, 90000, 65520, 0);
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 65520, &ssrc, &seq, &seg), ==, -ENOENT);
    sfu_rewriter_set_target(&rw, L0);
    for (i = 0; i < 10; i++)
        run(&rw, L0, (guint16)(300 + i), i * 3000, i == 0, i * 33333, &out);
    /* out 65520..65529 are L0 300..309 */
    sfu_rewriter_set_target(&rw, L1);
    for (i = 0; i < 20; i++)
        run(&rw, L1, (guint16)(65530 + i), i * 3000, i == 0, 400000 + i * 33333, &out);
    /* out 65530..65535, 0..13 are L1 65530..65535, 0..13 */
    first_l1_out = 65530;

    g_assert_cmpint(sfu_rewriter_lookup(&rw, 65525, &ssrc, &seq, &seg), ==, 0);
    g_assert_cmphex(ssrc, ==, L0);
    g_assert_cmpuint(seq, ==, 305);
    g_assert_cmpint(sfu_rewriter_lookup(&rw, first_l1_out, &ssrc, &seq, &seg), ==, 0);
    g_assert_cmphex(ssrc, ==, L1);
    g_assert_cmpuint(seq, ==, 65530);
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 5, &ssrc, &seq, &seg), ==, 0);
    g_assert_cmphex(ssrc, ==, L1);
    g_assert_cmpuint(seq, ==, 5);
    /* The segment rewrites the stored packet exactly as it was first sent. */
    {
        SfuRewriteIn in = pkt(L1, 5, 5 * 3000, FALSE);
        SfuRewriteOut again;

        sfu_rewriter_apply(&rw, &seg, &in, &again);
        g_assert_cmpuint(again.seq, ==, 5);
        g_assert_cmphex(again.ssrc, ==, OUT_SSRC);
    }
    /* Not sent yet, or before the first packet ever sent. */
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 14, &ssrc, &seq, &seg), ==, -ENOENT);
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 65519, &ssrc, &seq, &seg), ==, -ENOENT);
}

static void test_lookup_history_limit(void)
{
    SfuRewriter rw;
    SfuRewriteOut out;
    const guint32 layers[] = {L0, L1, L2};
    guint32 ssrc;
    guint16 seq;
    guint s;

    sfu_rewriter_init(&rw, OUT_SSRC, 90000, 0, 0);
    /* SFU_REWRITER_HISTORY + 2 segments of 5 packets: output 0..4, 5..9, ... */
    for (s = 0; s < SFU_REWRITER_HISTORY + 2; s++) {
        guint32 layer = layers[s % 3];
        guint i;

        sfu_rewriter_set_target(&rw, layer);
        for (i = 0; i < 5; i++)
            g_assert_cmpint(run(&rw, layer, (guint16)(s * 1000 + i), 0, i == 0, s, &out), <=,
                            SFU_REWRITE_SWITCHED);
    }
    /* The oldest two segments are forgotten, the rest are found. */
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 3, &ssrc, &seq, NULL), ==, -ENOENT);
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 9, &ssrc, &seq, NULL), ==, -ENOENT);
    g_assert_cmpint(sfu_rewriter_lookup(&rw, 10, &ssrc, &seq, NULL), ==, 0);
    g_assert_cmphex(ssrc, ==, layers[2]);
    g_assert_cmpuint(seq, ==, 2000);
}

static void test_vp8_picture_id_continuity(void)
{
    SfuRewriter rw;
    SfuRewriteIn in;
    SfuRewriteOut out;
    guint16 last_pid;
    guint8 last_tl0;
    guint i;

    sfu_rewriter_init(&rw, OUT_SSRC, 90000, 0, 0);
    sfu_rewriter_set_target(&rw, L0);
    /* L0 pictures 0x7ffc.. wrap at 15 bits. */
    for (i = 0; i < 6; i++) {
        in = pkt(L0, (guint16)i, i * 3000, i == 0);
        in.has_picture_id = TRUE;
        in.picture_id = (guint16)((0x7ffc + i) & 0x7fff);
        in.has_tl0picidx = TRUE;
        in.tl0picidx = (guint8)(254 + i);
        g_assert_cmpint(sfu_rewriter_process(&rw, &in, i * 33333, &out), <=, SFU_REWRITE_SWITCHED);
        g_assert_cmphex(out.picture_id, ==, in.picture_id); /* first layer: unchanged */
        g_assert_cmpuint(out.tl0picidx, ==, in.tl0picidx);
    }
    last_pid = out.picture_id;
    last_tl0 = out.tl0picidx;
    g_assert_cmphex(last_pid, ==, 1);

    sfu_rewriter_set_target(&rw, L1);
    for (i = 0; i < 4; i++) {
        in = pkt(L1, (guint16)(7000 + i), 0x1000 + i * 3000, i == 0);
        in.has_picture_id = TRUE;
        in.picture_id = (guint16)(12345 + i);
        in.has_tl0picidx = TRUE;
        in.tl0picidx = (guint8)(17 + i);
        g_assert_cmpint(sfu_rewriter_process(&rw, &in, 300000 + i * 33333, &out), <=,
                        SFU_REWRITE_SWITCHED);
        g_assert_cmphex(out.picture_id, ==, (guint16)((last_pid + 1 + i) & 0x7fff));
        g_assert_cmpuint(out.tl0picidx, ==, (guint8)(last_tl0 + 1 + i));
    }
}

/* A three-layer publisher over many frames, with counters starting near their wrap points and
 * the target changing at random: whatever is forwarded must be one gap-free stream with a
 * monotonic clock, and every NACK-able number must trace back to the packet it came from. */
typedef struct {
    guint32 ssrc;
    guint16 seq;
    guint32 ts;
    guint packets_per_frame;
    gboolean key_requested;
} Layer;

static void test_random_switching(void)
{
    Layer layers[3] = {
        {L0, 65500, 0xffff0000u, 1, FALSE},
        {L1, 200, 0x12345678u, 2, FALSE},
        {L2, 65000, 0xfffffff0u, 4, FALSE},
    };
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    SfuRewriter rw;
    gboolean have_last = FALSE;
    guint16 last_seq = 0;
    guint32 last_ts = 0;
    guint32 cur_layer = 0;
    guint switches = 0, forwarded = 0;
    gint64 now = 5000000;
    guint frame;

    sfu_rewriter_init(&rw, OUT_SSRC, 90000, 65000, 0xfffff000u);
    sfu_rewriter_set_target(&rw, L0);

    for (frame = 0; frame < 3000; frame++) {
        guint l;

        if (g_rand_int_range(rand, 0, 40) == 0)
            sfu_rewriter_set_target(&rw, layers[g_rand_int_range(rand, 0, 3)].ssrc);
        now += 33333;
        for (l = 0; l < 3; l++) {
            Layer *layer = &layers[l];
            gboolean key = layer->key_requested || frame % 300 == l * 7;
            guint p;

            layer->key_requested = FALSE;
            layer->ts += 3000;
            for (p = 0; p < layer->packets_per_frame; p++) {
                SfuRewriteIn in = pkt(layer->ssrc, layer->seq++, layer->ts, key && p == 0);
                SfuRewriteOut out;
                SfuRewriteAction a = sfu_rewriter_process(&rw, &in, now, &out);
                guint32 back_ssrc;
                guint16 back_seq;

                if (a == SFU_REWRITE_DROP_KEYFRAME) {
                    layer->key_requested = TRUE; /* the router would send a PLI */
                    continue;
                }
                if (a != SFU_REWRITE_FORWARD && a != SFU_REWRITE_SWITCHED)
                    continue;
                g_assert_cmphex(out.ssrc, ==, OUT_SSRC);
                if (a == SFU_REWRITE_SWITCHED) {
                    g_assert_true(in.keyframe);
                    if (have_last) {
                        g_assert_cmpint((gint32)(out.timestamp - last_ts), >, 0);
                        switches++;
                    }
                    cur_layer = layer->ssrc;
                } else {
                    g_assert_cmphex(layer->ssrc, ==, cur_layer);
                    g_assert_cmpint((gint32)(out.timestamp - last_ts), >=, 0);
                }
                if (have_last)
                    g_assert_cmpuint(out.seq, ==, (guint16)(last_seq + 1));
                g_assert_cmpint(sfu_rewriter_lookup(&rw, out.seq, &back_ssrc, &back_seq, NULL), ==,
                                0);
                g_assert_cmphex(back_ssrc, ==, in.ssrc);
                g_assert_cmpuint(back_seq, ==, in.seq);
                last_seq = out.seq;
                last_ts = out.timestamp;
                have_last = TRUE;
                forwarded++;
            }
        }
    }
    g_test_message("%u packets forwarded, %u switches", forwarded, switches);
    g_assert_cmpuint(switches, >, 20);
    g_assert_cmpuint(forwarded, >, 3000);
}

/* A pause upstream (the floor closed) resumes on the same layer with no sequence gap and with
 * the timestamp advanced by the pause. */
static void test_resync_after_pause(void)
{
    SfuRewriter rw;
    SfuRewriteOut out;
    guint32 ts_before;

    sfu_rewriter_init(&rw, OUT_SSRC, 48000, 100, 1000);
    sfu_rewriter_resync(&rw); /* nothing sent yet: no effect */
    sfu_rewriter_set_target(&rw, L0);
    g_assert_cmpint(run(&rw, L0, 10, 960, TRUE, 0, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmpint(run(&rw, L0, 11, 1920, TRUE, 20000, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 101);
    ts_before = out.timestamp;

    /* Packets 12..61 were held back for one second; then the stream resumes. */
    sfu_rewriter_resync(&rw);
    g_assert_cmpint(run(&rw, L0, 62, 960 * 52, TRUE, 1020000, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmpuint(out.seq, ==, 102);
    g_assert_cmpuint(out.timestamp - ts_before, ==, 48000);
    g_assert_cmpint(run(&rw, L0, 63, 960 * 53, TRUE, 1040000, &out), ==, SFU_REWRITE_FORWARD);
    g_assert_cmpuint(out.seq, ==, 103);
    /* A held-back packet arriving late is older than the new segment. */
    g_assert_cmpint(run(&rw, L0, 40, 960 * 31, TRUE, 1041000, &out), ==, SFU_REWRITE_DROP_OLD);
    /* NACK lookups see both segments. */
    {
        guint32 ssrc;
        guint16 seq;

        g_assert_cmpint(sfu_rewriter_lookup(&rw, 101, &ssrc, &seq, NULL), ==, 0);
        g_assert_cmpuint(seq, ==, 11);
        g_assert_cmpint(sfu_rewriter_lookup(&rw, 103, &ssrc, &seq, NULL), ==, 0);
        g_assert_cmpuint(seq, ==, 63);
    }

    /* Video: after a resync the layer waits for its next key frame. */
    sfu_rewriter_init(&rw, OUT_SSRC, 90000, 0, 0);
    sfu_rewriter_set_target(&rw, L1);
    g_assert_cmpint(run(&rw, L1, 1, 0, TRUE, 0, &out), ==, SFU_REWRITE_SWITCHED);
    sfu_rewriter_resync(&rw);
    g_assert_cmpint(run(&rw, L1, 5, 9000, FALSE, 100000, &out), ==, SFU_REWRITE_DROP_KEYFRAME);
    g_assert_cmpint(run(&rw, L1, 6, 12000, TRUE, 133000, &out), ==, SFU_REWRITE_SWITCHED);
    g_assert_cmpuint(out.seq, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/rewriter/start-on-keyframe", test_start_on_keyframe);
    g_test_add_func("/media/rewriter/loss-and-reorder", test_loss_and_reorder_pass_through);
    g_test_add_func("/media/rewriter/switch-across-wrap", test_switch_across_wrap);
    g_test_add_func("/media/rewriter/lookup-for-nack", test_lookup_for_nack);
    g_test_add_func("/media/rewriter/lookup-history-limit", test_lookup_history_limit);
    g_test_add_func("/media/rewriter/vp8-picture-id", test_vp8_picture_id_continuity);
    g_test_add_func("/media/rewriter/random-switching", test_random_switching);
    g_test_add_func("/media/rewriter/resync-after-pause", test_resync_after_pause);
    return g_test_run();
}
