/* test-rtp.c: the RTP reader and in-place writer (media/rtp/rtp.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "rtp/rtp.h"

/* A packet: V=2, M=1, PT=96, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304, two CSRCs, a one-byte
 * extension block with id 1 (audio level 0x85: voice, 5 dBov), a padding byte, id 3 (2 bytes),
 * then 4 bytes of payload and 3 bytes of padding. */
static const guint8 full_packet[] = {
    0xb2, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, /* header, P X CC=2 */
    0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb,                         /* CSRCs */
    0xbe, 0xde, 0x00, 0x02,                                                 /* one-byte, 2 words */
    0x10, 0x85, 0x00, 0x31, 0x07, 0x08, 0x00, 0x00, /* id1 L0, pad, id3 L1 */
    'p',  'a',  'y',  'l',                          /* payload */
    0x00, 0x00, 0x03,                               /* padding */
};

static void test_parse_full(void)
{
    guint8 buf[sizeof(full_packet)];
    RtpPacket pkt;
    RtpExtElement e;
    gboolean voice;
    guint8 level;

    memcpy(buf, full_packet, sizeof(buf));
    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_true(pkt.marker);
    g_assert_cmpuint(pkt.payload_type, ==, 96);
    g_assert_cmpuint(pkt.seq, ==, 0x1234);
    g_assert_cmpuint(pkt.timestamp, ==, 0xdeadbeef);
    g_assert_cmpuint(pkt.ssrc, ==, 0x01020304);
    g_assert_cmpuint(pkt.csrc_count, ==, 2);
    g_assert_cmphex(rtp_packet_get_csrc(&pkt, 0), ==, 0xaaaaaaaa);
    g_assert_cmphex(rtp_packet_get_csrc(&pkt, 1), ==, 0xbbbbbbbb);
    g_assert_cmpint(pkt.ext_form, ==, RTP_EXT_FORM_ONE_BYTE);
    g_assert_cmpuint(pkt.ext_len, ==, 8);
    g_assert_cmpuint(pkt.payload_len, ==, 4);
    g_assert_cmpuint(pkt.padding_len, ==, 3);
    g_assert_cmpmem(rtp_packet_payload(&pkt), 4, "payl", 4);

    g_assert_cmpint(rtp_packet_find_extension(&pkt, 3, &e), ==, 0);
    g_assert_cmpuint(e.len, ==, 2);
    g_assert_cmpuint(buf[e.offset], ==, 0x07);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 2, &e), ==, -ENOENT);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 0, &e), ==, -ENOENT);

    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 1, &voice, &level), ==, 0);
    g_assert_true(voice);
    g_assert_cmpuint(level, ==, 5);
    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 9, &voice, &level), ==, -ENOENT);
}

static void test_parse_minimal(void)
{
    guint8 buf[] = {0x80, 0x6f, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 2};
    RtpPacket pkt;
    RtpExtIter iter;
    RtpExtElement e;

    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_false(pkt.marker);
    g_assert_cmpuint(pkt.payload_type, ==, 111);
    g_assert_cmpuint(pkt.seq, ==, 65535);
    g_assert_cmpuint(pkt.payload_len, ==, 0);
    g_assert_cmpuint(pkt.payload_offset, ==, 12);
    g_assert_cmpint(pkt.ext_form, ==, RTP_EXT_FORM_NONE);
    rtp_ext_iter_init(&iter, &pkt);
    g_assert_false(rtp_ext_iter_next(&iter, &e));
}

static void test_two_byte_extensions(void)
{
    guint8 buf[] = {
        0x90, 0x60, 0,    1,    0,    0, 0, 2, 0, 0, 0, 3, /* X set */
        0x10, 0x07, 0x00, 0x03,       /* two-byte profile with appbits 7, 3 words */
        0x01, 0x00,                   /* id 1, empty */
        0x00,                         /* padding */
        0x20, 0x03, 0xa1, 0xa2, 0xa3, /* id 32, 3 bytes */
        0xff, 0x02, 0xb1, 0xb2,       /* id 255, 2 bytes */
        0x55,                         /* payload */
    };
    RtpPacket pkt;
    RtpExtIter iter;
    RtpExtElement e;
    const guint8 ids[] = {1, 32, 255};
    guint n = 0;

    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(pkt.ext_form, ==, RTP_EXT_FORM_TWO_BYTE);
    g_assert_cmphex(pkt.ext_profile, ==, 0x1007);
    g_assert_cmpuint(pkt.payload_len, ==, 1);
    rtp_ext_iter_init(&iter, &pkt);
    while (rtp_ext_iter_next(&iter, &e)) {
        g_assert_cmpuint(n, <, G_N_ELEMENTS(ids));
        g_assert_cmpuint(e.id, ==, ids[n]);
        n++;
    }
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 1, &e), ==, 0);
    g_assert_cmpuint(e.len, ==, 0);
    /* An empty element holds no audio level. */
    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 1, NULL, NULL), ==, -EBADMSG);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 255, &e), ==, 0);
    g_assert_cmpmem(buf + e.offset, e.len, "\xb1\xb2", 2);
}

static void test_other_extension_profile(void)
{
    guint8 buf[] = {0x90, 0x60, 0,    1,    0,    0,    0,    2,    0,    0,   0,
                    3,    0x12, 0x34, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x99};
    RtpPacket pkt;
    RtpExtElement e;

    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(pkt.ext_form, ==, RTP_EXT_FORM_OTHER);
    g_assert_cmpuint(pkt.payload_offset, ==, 20);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 1, &e), ==, -ENOENT);
}

/* RFC 8285 §4.2: id 15 ends the walk; an element overrunning the block ends it too. */
static void test_one_byte_walk_stops(void)
{
    guint8 stop15[] = {0x90, 0x60, 0,    1,    0,    0,    0,    2,    0,    0,    0,    3,
                       0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0xf0, 0x20, 0xbb, 0x00, 0x00, 0x00};
    guint8 overrun[] = {0x90, 0x60, 0,    1,    0,    0,    0,    2,    0,    0,    0,   3,
                        0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x23, 0xbb, 0xcc, 0xdd, 0xee};
    RtpPacket pkt;
    RtpExtElement e;

    g_assert_cmpint(rtp_packet_parse(&pkt, stop15, sizeof(stop15)), ==, 0);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 1, &e), ==, 0);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 2, &e), ==, -ENOENT);

    /* id 2 claims 4 bytes but only 2 are left in the 4-byte block: the packet still parses. */
    g_assert_cmpint(rtp_packet_parse(&pkt, overrun, sizeof(overrun)), ==, 0);
    g_assert_cmpuint(pkt.payload_len, ==, 3);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 1, &e), ==, 0);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 2, &e), ==, -ENOENT);
}

static void test_malformed(void)
{
    struct {
        const char *what;
        guint8 bytes[24];
        gsize len;
    } cases[] = {
        {"empty", {0}, 0},
        {"short header", {0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0}, 11},
        {"version 1", {0x40, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, 12},
        {"version 0", {0x00, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, 12},
        {"CSRC past end", {0x82, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4}, 16},
        {"extension header past end", {0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde}, 14},
        {"extension data past end",
         {0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 2, 0x10, 1, 0, 0},
         20},
        {"padding zero", {0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 0}, 14},
        {"padding past payload", {0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 3}, 14},
        {"padding with no room", {0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, 12},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        RtpPacket pkt;

        g_test_message("case: %s", cases[i].what);
        g_assert_cmpint(rtp_packet_parse(&pkt, cases[i].bytes, cases[i].len), ==, -EBADMSG);
    }
}

/* Every truncation of a valid packet is either rejected or parsed inside its bounds. */
static void test_truncations(void)
{
    gsize len;

    for (len = 0; len <= sizeof(full_packet); len++) {
        guint8 *buf = g_memdup2(full_packet, len ? len : 1);
        RtpPacket pkt;
        int r = rtp_packet_parse(&pkt, buf, len);

        if (r == 0) {
            RtpExtIter iter;
            RtpExtElement e;

            g_assert_cmpuint(pkt.payload_offset + pkt.payload_len + pkt.padding_len, ==, len);
            rtp_ext_iter_init(&iter, &pkt);
            while (rtp_ext_iter_next(&iter, &e))
                g_assert_cmpuint(e.offset + e.len, <=, pkt.ext_offset + pkt.ext_len);
        } else {
            g_assert_cmpint(r, ==, -EBADMSG);
        }
        g_free(buf);
    }
}

static void test_rewrite_header(void)
{
    guint8 buf[sizeof(full_packet)];
    RtpPacket pkt, again;

    memcpy(buf, full_packet, sizeof(buf));
    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    rtp_packet_set_ssrc(&pkt, 0xcafef00d);
    rtp_packet_set_seq(&pkt, 0xfffe);
    rtp_packet_set_timestamp(&pkt, 0x00000001);
    rtp_packet_set_payload_type(&pkt, 100);
    rtp_packet_set_marker(&pkt, FALSE);

    g_assert_cmpint(rtp_packet_parse(&again, buf, sizeof(buf)), ==, 0);
    g_assert_cmphex(again.ssrc, ==, 0xcafef00d);
    g_assert_cmpuint(again.seq, ==, 0xfffe);
    g_assert_cmpuint(again.timestamp, ==, 1);
    g_assert_cmpuint(again.payload_type, ==, 100);
    g_assert_false(again.marker);
    /* Everything after the fixed header is untouched; flags other than M too. */
    g_assert_cmpmem(buf + 12, sizeof(buf) - 12, full_packet + 12, sizeof(full_packet) - 12);
    g_assert_cmphex(buf[0], ==, full_packet[0]);

    rtp_packet_set_marker(&pkt, TRUE);
    g_assert_cmphex(buf[1], ==, 0x80 | 100);
}

static void test_set_extension_value(void)
{
    guint8 buf[sizeof(full_packet)];
    const guint8 v2[] = {0x11, 0x22};
    RtpPacket pkt;
    RtpExtElement e;

    memcpy(buf, full_packet, sizeof(buf));
    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(rtp_packet_set_extension_value(&pkt, 3, v2, 2), ==, 0);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 3, &e), ==, 0);
    g_assert_cmpmem(buf + e.offset, e.len, v2, 2);
    g_assert_cmpint(rtp_packet_set_extension_value(&pkt, 3, v2, 1), ==, -EMSGSIZE);
    g_assert_cmpint(rtp_packet_set_extension_value(&pkt, 4, v2, 2), ==, -ENOENT);
}

static void test_remap_extensions(void)
{
    guint8 buf[sizeof(full_packet)];
    guint8 map[256] = {0};
    RtpPacket pkt;
    RtpExtElement e;
    gboolean voice;
    guint8 level;

    memcpy(buf, full_packet, sizeof(buf));
    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);

    /* An id the one-byte form cannot carry is refused and nothing changes. */
    map[1] = 20;
    map[3] = 4;
    g_assert_cmpint(rtp_packet_remap_extensions(&pkt, map), ==, -EINVAL);
    g_assert_cmpmem(buf, sizeof(buf), full_packet, sizeof(full_packet));

    /* Audio level moves to id 5, id 3 is dropped (turned into padding). */
    memset(map, 0, sizeof(map));
    map[1] = 5;
    g_assert_cmpint(rtp_packet_remap_extensions(&pkt, map), ==, 1);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 1, &e), ==, -ENOENT);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 3, &e), ==, -ENOENT);
    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 5, &voice, &level), ==, 0);
    g_assert_true(voice);
    g_assert_cmpuint(level, ==, 5);
    /* Length and payload are where they were. */
    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_cmpmem(rtp_packet_payload(&pkt), pkt.payload_len, "payl", 4);
}

static void test_remap_two_byte(void)
{
    guint8 buf[] = {0x90, 0x60, 0,    1,    0,    0,    0,    2,    0,    0,    0,    3,
                    0x10, 0x00, 0x00, 0x02, 0x01, 0x01, 0x81, 0x40, 0x02, 0xaa, 0xbb, 0x00};
    guint8 map[256] = {0};
    RtpPacket pkt;
    RtpExtElement e;
    guint8 level;

    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    map[1] = 200;
    g_assert_cmpint(rtp_packet_remap_extensions(&pkt, map), ==, 1);
    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 200, NULL, &level), ==, 0);
    g_assert_cmpuint(level, ==, 1);
    g_assert_cmpint(rtp_packet_find_extension(&pkt, 0x40, &e), ==, -ENOENT);
}

static void test_audio_level_silence(void)
{
    guint8 buf[] = {0x90, 0x6f, 0,    1,    0,    0,    0,    2,    0,    0,
                    0,    3,    0xbe, 0xde, 0x00, 0x01, 0x10, 0x7f, 0x00, 0x00};
    RtpPacket pkt;
    gboolean voice = TRUE;
    guint8 level = 0;

    g_assert_cmpint(rtp_packet_parse(&pkt, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(rtp_packet_get_audio_level(&pkt, 1, &voice, &level), ==, 0);
    g_assert_false(voice);
    g_assert_cmpuint(level, ==, 127);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/rtp/parse-full", test_parse_full);
    g_test_add_func("/media/rtp/parse-minimal", test_parse_minimal);
    g_test_add_func("/media/rtp/two-byte-extensions", test_two_byte_extensions);
    g_test_add_func("/media/rtp/other-extension-profile", test_other_extension_profile);
    g_test_add_func("/media/rtp/one-byte-walk-stops", test_one_byte_walk_stops);
    g_test_add_func("/media/rtp/malformed", test_malformed);
    g_test_add_func("/media/rtp/truncations", test_truncations);
    g_test_add_func("/media/rtp/rewrite-header", test_rewrite_header);
    g_test_add_func("/media/rtp/set-extension-value", test_set_extension_value);
    g_test_add_func("/media/rtp/remap-extensions", test_remap_extensions);
    g_test_add_func("/media/rtp/remap-two-byte", test_remap_two_byte);
    g_test_add_func("/media/rtp/audio-level-silence", test_audio_level_silence);
    return g_test_run();
}
