/* test-rtp-payload.c: VP8 descriptor and H.264 key frame detection (media/rtp/rtp-payload.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "rtp/rtp-payload.h"

/* A VP8 key frame start: descriptor S=1 PID=0 with no extension, then the frame tag (P=0,
 * show_frame=1), the start code and 640x360. */
static const guint8 vp8_key[] = {0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01};

static void test_vp8_keyframe(void)
{
    RtpVp8Descriptor d;

    g_assert_cmpint(rtp_vp8_parse(vp8_key, sizeof(vp8_key), &d), ==, 0);
    g_assert_true(d.start_of_partition);
    g_assert_cmpuint(d.partition_index, ==, 0);
    g_assert_true(d.frame_start);
    g_assert_true(d.keyframe);
    g_assert_cmpuint(d.width, ==, 640);
    g_assert_cmpuint(d.height, ==, 360);
    g_assert_false(d.has_picture_id);
    g_assert_cmpuint(d.descriptor_len, ==, 1);

    /* The key frame bit without the start code still marks a key frame; the size is unknown. */
    g_assert_cmpint(rtp_vp8_parse(vp8_key, 4, &d), ==, 0);
    g_assert_true(d.keyframe);
    g_assert_cmpuint(d.width, ==, 0);
}

static void test_vp8_full_descriptor(void)
{
    /* X; I L T K; M + 15-bit picture id 0x1234; TL0PICIDX 0x56; TID 2, Y, KEYIDX 5; an
     * interframe (P = 1). */
    const guint8 bytes[] = {0x90, 0xf0, 0x92, 0x34, 0x56, 0xa5, 0x01, 0x00, 0x00};
    RtpVp8Descriptor d;

    g_assert_cmpint(rtp_vp8_parse(bytes, sizeof(bytes), &d), ==, 0);
    g_assert_true(d.has_picture_id);
    g_assert_cmpuint(d.picture_id_bits, ==, 15);
    g_assert_cmphex(d.picture_id, ==, 0x1234);
    g_assert_true(d.has_tl0picidx);
    g_assert_cmphex(d.tl0picidx, ==, 0x56);
    g_assert_true(d.has_tid);
    g_assert_cmpuint(d.tid, ==, 2);
    g_assert_true(d.layer_sync);
    g_assert_true(d.has_keyidx);
    g_assert_cmpuint(d.keyidx, ==, 5);
    g_assert_cmpuint(d.descriptor_len, ==, 6);
    g_assert_true(d.frame_start);
    g_assert_false(d.keyframe);
}

static void test_vp8_not_frame_start(void)
{
    const guint8 continuation[] = {0x00, 0x10, 0x02, 0x00};  /* S = 0 */
    const guint8 second_part[] = {0x11, 0x10, 0x02, 0x00};   /* S = 1, PID = 1 */
    const guint8 non_ref[] = {0xa0, 0x80, 0x05, 0x00, 0x00}; /* N, 7-bit id 5, not S */
    RtpVp8Descriptor d;

    g_assert_cmpint(rtp_vp8_parse(continuation, sizeof(continuation), &d), ==, 0);
    g_assert_false(d.frame_start);
    g_assert_false(d.keyframe);
    g_assert_cmpint(rtp_vp8_parse(second_part, sizeof(second_part), &d), ==, 0);
    g_assert_false(d.frame_start);
    g_assert_false(d.keyframe);
    g_assert_cmpint(rtp_vp8_parse(non_ref, sizeof(non_ref), &d), ==, 0);
    g_assert_true(d.non_reference);
    g_assert_cmpuint(d.picture_id_bits, ==, 7);
    g_assert_cmpuint(d.picture_id, ==, 5);
}

static void test_vp8_truncated(void)
{
    const struct {
        const char *what;
        guint8 bytes[4];
        gsize len;
    } cases[] = {
        {"empty", {0}, 0},
        {"descriptor only", {0x10}, 1},
        {"extension octet missing", {0x80}, 1},
        {"picture id missing", {0x80, 0x80}, 2},
        {"15-bit picture id cut", {0x80, 0x80, 0x80}, 3},
        {"TL0PICIDX missing", {0x80, 0x40}, 2},
        {"TID octet missing", {0x80, 0x20}, 2},
        {"KEYIDX octet missing", {0x80, 0x10}, 2},
        {"no payload after a full descriptor", {0x80, 0x80, 0x05}, 3},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        RtpVp8Descriptor d;

        g_test_message("case: %s", cases[i].what);
        g_assert_cmpint(rtp_vp8_parse(cases[i].bytes, cases[i].len, &d), ==, -EBADMSG);
    }
}

static void test_vp8_rewrite(void)
{
    guint8 bytes[] = {0x90, 0xe0, 0x92, 0x34, 0x56, 0x40, 0x01, 0x00, 0x00};
    guint8 short_id[] = {0x90, 0x80, 0x05, 0x01};
    guint8 plain[sizeof(vp8_key)];
    RtpVp8Descriptor d, again;

    g_assert_cmpint(rtp_vp8_parse(bytes, sizeof(bytes), &d), ==, 0);
    g_assert_cmpint(rtp_vp8_set_picture_id(bytes, &d, 0x7ffe), ==, 0);
    g_assert_cmpint(rtp_vp8_set_tl0picidx(bytes, &d, 0xff), ==, 0);
    g_assert_cmpint(rtp_vp8_parse(bytes, sizeof(bytes), &again), ==, 0);
    g_assert_cmphex(again.picture_id, ==, 0x7ffe);
    g_assert_cmpuint(again.picture_id_bits, ==, 15);
    g_assert_cmphex(again.tl0picidx, ==, 0xff);
    g_assert_cmpuint(again.tid, ==, 1);

    /* A 7-bit id stays 7 bits wide: the value is masked. */
    g_assert_cmpint(rtp_vp8_parse(short_id, sizeof(short_id), &d), ==, 0);
    g_assert_cmpint(rtp_vp8_set_picture_id(short_id, &d, 0x1ff), ==, 0);
    g_assert_cmpint(rtp_vp8_parse(short_id, sizeof(short_id), &again), ==, 0);
    g_assert_cmpuint(again.picture_id_bits, ==, 7);
    g_assert_cmphex(again.picture_id, ==, 0x7f);
    g_assert_cmphex(short_id[3], ==, 0x01);

    memcpy(plain, vp8_key, sizeof(plain));
    g_assert_cmpint(rtp_vp8_parse(plain, sizeof(plain), &d), ==, 0);
    g_assert_cmpint(rtp_vp8_set_picture_id(plain, &d, 1), ==, -ENOENT);
    g_assert_cmpint(rtp_vp8_set_tl0picidx(plain, &d, 1), ==, -ENOENT);
    g_assert_cmpmem(plain, sizeof(plain), vp8_key, sizeof(vp8_key));
}

static void test_h264_single(void)
{
    const guint8 idr[] = {0x65, 0x88, 0x84};
    const guint8 slice[] = {0x41, 0x9a, 0x02};
    const guint8 sps[] = {0x67, 0x42, 0xc0, 0x1f};
    const guint8 sei[] = {0x06, 0x05};
    RtpH264Info info;

    g_assert_cmpint(rtp_h264_parse(idr, sizeof(idr), &info), ==, 0);
    g_assert_cmpuint(info.nal_type, ==, 5);
    g_assert_true(info.has_idr);
    g_assert_true(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(slice, sizeof(slice), &info), ==, 0);
    g_assert_false(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(sps, sizeof(sps), &info), ==, 0);
    g_assert_true(info.has_sps);
    g_assert_true(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(sei, sizeof(sei), &info), ==, 0);
    g_assert_false(info.keyframe);
}

static void test_h264_stap_a(void)
{
    const guint8 sps_pps[] = {0x78, 0x00, 0x03, 0x67, 0x42, 0xc0, 0x00, 0x02, 0x68, 0xce};
    const guint8 sei_slice[] = {0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x41, 0x9a};
    RtpH264Info info;

    g_assert_cmpint(rtp_h264_parse(sps_pps, sizeof(sps_pps), &info), ==, 0);
    g_assert_cmpuint(info.nal_type, ==, 24);
    g_assert_true(info.has_sps);
    g_assert_true(info.has_pps);
    g_assert_false(info.has_idr);
    g_assert_true(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(sei_slice, sizeof(sei_slice), &info), ==, 0);
    g_assert_false(info.keyframe);
}

static void test_h264_fu_a(void)
{
    const guint8 idr_start[] = {0x7c, 0x85, 0xb8};
    const guint8 idr_middle[] = {0x7c, 0x05, 0x11};
    const guint8 idr_end[] = {0x7c, 0x45, 0x11};
    const guint8 slice_start[] = {0x5c, 0x81, 0x9a};
    RtpH264Info info;

    g_assert_cmpint(rtp_h264_parse(idr_start, sizeof(idr_start), &info), ==, 0);
    g_assert_cmpuint(info.nal_type, ==, 28);
    g_assert_true(info.has_idr);
    g_assert_true(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(idr_middle, sizeof(idr_middle), &info), ==, 0);
    g_assert_false(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(idr_end, sizeof(idr_end), &info), ==, 0);
    g_assert_false(info.keyframe);
    g_assert_cmpint(rtp_h264_parse(slice_start, sizeof(slice_start), &info), ==, 0);
    g_assert_false(info.keyframe);
}

static void test_h264_malformed(void)
{
    const struct {
        const char *what;
        guint8 bytes[6];
        gsize len;
        int want;
    } cases[] = {
        {"empty", {0}, 0, -EBADMSG},
        {"STAP-A alone", {0x78}, 1, -EBADMSG},
        {"STAP-A size cut", {0x78, 0x00}, 2, -EBADMSG},
        {"STAP-A size past end", {0x78, 0x00, 0x05, 0x67, 0x42}, 5, -EBADMSG},
        {"STAP-A zero size", {0x78, 0x00, 0x00}, 3, -EBADMSG},
        {"STAP-A second size cut", {0x78, 0x00, 0x01, 0x67, 0x00}, 5, -EBADMSG},
        {"FU-A without header", {0x7c}, 1, -EBADMSG},
        {"STAP-B", {0x79, 0x00, 0x00}, 3, -EPROTONOSUPPORT},
        {"MTAP16", {0x7a, 0x00}, 2, -EPROTONOSUPPORT},
        {"MTAP24", {0x7b, 0x00}, 2, -EPROTONOSUPPORT},
        {"FU-B", {0x7d, 0x85}, 2, -EPROTONOSUPPORT},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        RtpH264Info info;

        g_test_message("case: %s", cases[i].what);
        g_assert_cmpint(rtp_h264_parse(cases[i].bytes, cases[i].len, &info), ==, cases[i].want);
        g_assert_false(info.keyframe);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/vp8/keyframe", test_vp8_keyframe);
    g_test_add_func("/media/vp8/full-descriptor", test_vp8_full_descriptor);
    g_test_add_func("/media/vp8/not-frame-start", test_vp8_not_frame_start);
    g_test_add_func("/media/vp8/truncated", test_vp8_truncated);
    g_test_add_func("/media/vp8/rewrite", test_vp8_rewrite);
    g_test_add_func("/media/h264/single", test_h264_single);
    g_test_add_func("/media/h264/stap-a", test_h264_stap_a);
    g_test_add_func("/media/h264/fu-a", test_h264_fu_a);
    g_test_add_func("/media/h264/malformed", test_h264_malformed);
    return g_test_run();
}
