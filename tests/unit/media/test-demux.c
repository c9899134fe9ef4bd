/* test-demux.c: the RFC 7983 datagram classifier of media.h. */
#include <string.h>

#include <glib.h>

#include "media.h"

static void test_classify(void)
{
    /* STUN binding request: type 0x0001, length 0, magic cookie, transaction id. */
    const guint8 stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
    const guint8 stun_attr[24] = {0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42};
    const guint8 stun_no_cookie[20] = {0x00, 0x01, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78};
    const guint8 stun_bad_len[24] = {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42};
    const guint8 stun_odd_len[22] = {0x00, 0x01, 0x00, 0x02, 0x21, 0x12, 0xa4, 0x42};
    const guint8 dtls[13] = {22, 0xfe, 0xfd};
    const guint8 rtp[12] = {0x80, 96};
    const guint8 rtp_marker[12] = {0x80, 0x80 | 100};
    const guint8 rtcp_sr[8] = {0x80, 200};
    const guint8 rtcp_psfb[12] = {0x81, 206};
    const guint8 zrtp[12] = {0x10};
    const guint8 turn[8] = {0x40, 0x00, 0x00, 0x04};
    const guint8 junk[12] = {0xff};
    const guint8 middle[12] = {90};
    const struct {
        const char *what;
        const guint8 *data;
        gsize len;
        MediaDatagramKind want;
    } cases[] = {
        {"stun", stun, sizeof(stun), MEDIA_DATAGRAM_STUN},
        {"stun with attribute", stun_attr, sizeof(stun_attr), MEDIA_DATAGRAM_STUN},
        {"stun short", stun, 19, MEDIA_DATAGRAM_UNKNOWN},
        {"stun without cookie", stun_no_cookie, sizeof(stun_no_cookie), MEDIA_DATAGRAM_UNKNOWN},
        {"stun length mismatch", stun_bad_len, sizeof(stun_bad_len), MEDIA_DATAGRAM_UNKNOWN},
        {"stun length not /4", stun_odd_len, sizeof(stun_odd_len), MEDIA_DATAGRAM_UNKNOWN},
        {"dtls", dtls, sizeof(dtls), MEDIA_DATAGRAM_DTLS},
        {"dtls short", dtls, 12, MEDIA_DATAGRAM_UNKNOWN},
        {"rtp", rtp, sizeof(rtp), MEDIA_DATAGRAM_RTP},
        {"rtp with marker", rtp_marker, sizeof(rtp_marker), MEDIA_DATAGRAM_RTP},
        {"rtp short", rtp, 11, MEDIA_DATAGRAM_UNKNOWN},
        {"rtcp sr", rtcp_sr, sizeof(rtcp_sr), MEDIA_DATAGRAM_RTCP},
        {"rtcp psfb", rtcp_psfb, sizeof(rtcp_psfb), MEDIA_DATAGRAM_RTCP},
        {"rtcp short", rtcp_sr, 7, MEDIA_DATAGRAM_UNKNOWN},
        {"one byte of rtp range", rtp, 1, MEDIA_DATAGRAM_UNKNOWN},
        {"zrtp", zrtp, sizeof(zrtp), MEDIA_DATAGRAM_ZRTP},
        {"turn channel", turn, sizeof(turn), MEDIA_DATAGRAM_TURN_CHANNEL},
        {"turn channel short", turn, 3, MEDIA_DATAGRAM_UNKNOWN},
        {"0xff", junk, sizeof(junk), MEDIA_DATAGRAM_UNKNOWN},
        {"between turn and rtp", middle, sizeof(middle), MEDIA_DATAGRAM_UNKNOWN},
        {"empty", stun, 0, MEDIA_DATAGRAM_UNKNOWN},
        {"null", NULL, 0, MEDIA_DATAGRAM_UNKNOWN},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case: %s", cases[i].what);
        g_assert_cmpint(media_datagram_classify(cases[i].data, cases[i].len), ==, cases[i].want);
    }
}

/* RFC 7983 §7 boundaries, octet by octet. */
static void test_first_octet_ranges(void)
{
    guint b;

    for (b = 0; b < 256; b++) {
        guint8 buf[64] = {0};
        MediaDatagramKind k;

        buf[0] = (guint8)b;
        buf[1] = 96;
        k = media_datagram_classify(buf, sizeof(buf));
        if (b >= 20 && b <= 63)
            g_assert_cmpint(k, ==, MEDIA_DATAGRAM_DTLS);
        else if (b >= 16 && b <= 19)
            g_assert_cmpint(k, ==, MEDIA_DATAGRAM_ZRTP);
        else if (b >= 64 && b <= 79)
            g_assert_cmpint(k, ==, MEDIA_DATAGRAM_TURN_CHANNEL);
        else if (b >= 128 && b <= 191)
            g_assert_cmpint(k, ==, MEDIA_DATAGRAM_RTP);
        else
            g_assert_cmpint(k, ==, MEDIA_DATAGRAM_UNKNOWN); /* STUN fails its cookie here */
    }
    /* RFC 5761 §4: second octet 192..223 is RTCP. */
    for (b = 0; b < 256; b++) {
        guint8 buf[16] = {0x80};

        buf[1] = (guint8)b;
        g_assert_cmpint(media_datagram_classify(buf, sizeof(buf)), ==,
                        (b >= 192 && b <= 223) ? MEDIA_DATAGRAM_RTCP : MEDIA_DATAGRAM_RTP);
    }
}

static void test_names(void)
{
    g_assert_cmpstr(media_datagram_kind_to_string(MEDIA_DATAGRAM_RTP), ==, "rtp");
    g_assert_cmpstr(media_datagram_kind_to_string(MEDIA_DATAGRAM_STUN), ==, "stun");
    g_assert_cmpstr(media_datagram_kind_to_string((MediaDatagramKind)99), ==, "unknown");
    g_assert_nonnull(media_version());
    g_assert_cmpstr(media_version(), !=, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/demux/classify", test_classify);
    g_test_add_func("/media/demux/first-octet-ranges", test_first_octet_ranges);
    g_test_add_func("/media/demux/names", test_names);
    return g_test_run();
}
