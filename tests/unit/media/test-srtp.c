/* test-srtp.c: the libsrtp2 wrapper (media/transport/srtp.c), both profiles. */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "transport/srtp.h"

#include <srtp2/srtp.h>

static const SrtpProfile profiles[] = {SRTP_PROFILE_AES128_CM_SHA1_80,
                                       SRTP_PROFILE_AEAD_AES_128_GCM};

typedef struct {
    SrtpSession *tx;
    SrtpSession *rx;
} Pair;

/* A sender and a receiver sharing one master key and salt. */
static Pair make_pair(SrtpProfile profile, guint8 seed)
{
    guint8 key[SRTP_PROFILE_MAX_KEY_LEN], salt[SRTP_PROFILE_MAX_SALT_LEN];
    gsize k = srtp_profile_get_key_len(profile), s = srtp_profile_get_salt_len(profile);
    g_autoptr(GError) error = NULL;
    Pair p;
    gsize i;

    for (i = 0; i < sizeof(key); i++)
        key[i] = (guint8)(seed + i);
    for (i = 0; i < sizeof(salt); i++)
        salt[i] = (guint8)(seed * 3 + i);
    p.tx = srtp_session_new(profile, SRTP_DIRECTION_OUTBOUND, key, k, salt, s, &error);
    g_assert_no_error(error);
    p.rx = srtp_session_new(profile, SRTP_DIRECTION_INBOUND, key, k, salt, s, &error);
    g_assert_no_error(error);
    return p;
}

static void free_pair(Pair *p)
{
    g_clear_pointer(&p->tx, srtp_session_free);
    g_clear_pointer(&p->rx, srtp_session_free);
}

/* An RTP packet of @payload_len bytes in a 4-byte aligned buffer. */
static gsize make_rtp(guint32 *words, guint32 ssrc, guint16 seq, gsize payload_len)
{
    guint8 *b = (guint8 *)words;
    gsize i;

    b[0] = 0x80;
    b[1] = 96;
    b[2] = (guint8)(seq >> 8);
    b[3] = (guint8)seq;
    b[4] = 0;
    b[5] = 0;
    b[6] = (guint8)(seq >> 8);
    b[7] = (guint8)seq;
    b[8] = (guint8)(ssrc >> 24);
    b[9] = (guint8)(ssrc >> 16);
    b[10] = (guint8)(ssrc >> 8);
    b[11] = (guint8)ssrc;
    for (i = 0; i < payload_len; i++)
        b[12 + i] = (guint8)(i * 7 + seq);
    return 12 + payload_len;
}

/* An RR with no blocks followed by a PLI. */
static gsize make_rtcp(guint32 *words, guint32 ssrc)
{
    const guint8 bytes[] = {0x80, 201,  0, 1, 0, 0, 0,    0,    0x81, 206,
                            0x00, 0x02, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
    guint8 *b = (guint8 *)words;

    memcpy(b, bytes, sizeof(bytes));
    b[4] = b[12] = (guint8)(ssrc >> 24);
    b[5] = b[13] = (guint8)(ssrc >> 16);
    b[6] = b[14] = (guint8)(ssrc >> 8);
    b[7] = b[15] = (guint8)ssrc;
    return sizeof(bytes);
}

/* Another library in the process initialised libsrtp first (GStreamer's srtp plugin does when
 * webrtcbin loads it): sessions must still be made. Runs first, before any session exists. */
static void test_initialised_by_another(void)
{
    static const guint8 key[16] = {1}, salt[14] = {2};
    g_autoptr(GError) error = NULL;
    g_autoptr(SrtpSession) session = NULL;

    g_assert_cmpint(srtp_init(), ==, srtp_err_status_ok);
    session = srtp_session_new(SRTP_PROFILE_AES128_CM_SHA1_80, SRTP_DIRECTION_OUTBOUND, key,
                               sizeof(key), salt, sizeof(salt), &error);
    g_assert_no_error(error);
    g_assert_nonnull(session);
}

static void test_profiles(void)
{
    g_assert_cmpuint(srtp_profile_get_key_len(SRTP_PROFILE_AES128_CM_SHA1_80), ==, 16);
    g_assert_cmpuint(srtp_profile_get_salt_len(SRTP_PROFILE_AES128_CM_SHA1_80), ==, 14);
    g_assert_cmpuint(srtp_profile_get_key_len(SRTP_PROFILE_AEAD_AES_128_GCM), ==, 16);
    g_assert_cmpuint(srtp_profile_get_salt_len(SRTP_PROFILE_AEAD_AES_128_GCM), ==, 12);
    g_assert_cmpuint(srtp_profile_get_key_len((SrtpProfile)2), ==, 0);
    g_assert_cmpstr(srtp_profile_to_string(SRTP_PROFILE_AEAD_AES_128_GCM), ==,
                    "SRTP_AEAD_AES_128_GCM");
}

static void test_round_trip(gconstpointer data)
{
    SrtpProfile profile = *(const SrtpProfile *)data;
    Pair p = make_pair(profile, 1);
    guint32 words[400], plain[400];
    guint16 seq;

    g_assert_cmpint(srtp_session_get_profile(p.tx), ==, profile);
    g_assert_cmpuint(srtp_session_get_overhead(p.tx, FALSE), ==,
                     profile == SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 10);
    g_assert_cmpuint(srtp_session_get_overhead(p.tx, TRUE), ==,
                     profile == SRTP_PROFILE_AEAD_AES_128_GCM ? 20 : 14);

    /* RTP from two SSRCs on one session, across the 16-bit wrap (the ROC must follow). */
    for (seq = 65530; seq != 10; seq++) {
        guint32 ssrc = seq % 2 ? 0x11111111 : 0x22222222;
        gsize len = make_rtp(words, ssrc, seq, 1200), out = 0, back = 0;

        memcpy(plain, words, len);
        g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, len, sizeof(words), &out),
                        ==, 0);
        g_assert_cmpuint(out, ==, len + srtp_session_get_overhead(p.tx, FALSE));
        /* The header stays readable; the payload does not. */
        g_assert_cmpmem(words, 12, plain, 12);
        g_assert_true(memcmp((guint8 *)words + 12, (guint8 *)plain + 12, len - 12) != 0);
        g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, out, &back), ==, 0);
        g_assert_cmpmem(words, back, plain, len);
    }

    /* RTCP (SRTCP encrypts all but the first 8 bytes and adds E + index + tag). */
    {
        gsize len = make_rtcp(words, 0xabcdef01), out = 0, back = 0;

        memcpy(plain, words, len);
        g_assert_cmpint(srtp_session_protect_rtcp(p.tx, (guint8 *)words, len, sizeof(words), &out),
                        ==, 0);
        g_assert_cmpuint(out, ==, len + srtp_session_get_overhead(p.tx, TRUE));
        g_assert_cmpint(srtp_session_unprotect_rtcp(p.rx, (guint8 *)words, out, &back), ==, 0);
        g_assert_cmpmem(words, back, plain, len);
    }
    free_pair(&p);
}

static void test_tamper(gconstpointer data)
{
    SrtpProfile profile = *(const SrtpProfile *)data;
    Pair p = make_pair(profile, 2);
    guint32 words[64];
    gsize len, out = 0, back = 0;

    /* One flipped payload bit fails authentication. */
    len = make_rtp(words, 0x33, 100, 100);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, len, sizeof(words), &out), ==,
                    0);
    ((guint8 *)words)[40] ^= 0x01;
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, out, &back), ==, -EACCES);

    /* So does a rewritten header (the header is authenticated too). */
    len = make_rtp(words, 0x33, 101, 100);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, len, sizeof(words), &out), ==,
                    0);
    ((guint8 *)words)[1] ^= 0x80;
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, out, &back), ==, -EACCES);

    /* And a flipped RTCP bit. */
    len = make_rtcp(words, 0x44);
    g_assert_cmpint(srtp_session_protect_rtcp(p.tx, (guint8 *)words, len, sizeof(words), &out), ==,
                    0);
    ((guint8 *)words)[10] ^= 0x10;
    g_assert_cmpint(srtp_session_unprotect_rtcp(p.rx, (guint8 *)words, out, &back), ==, -EACCES);
    free_pair(&p);
}

static void test_wrong_key(gconstpointer data)
{
    SrtpProfile profile = *(const SrtpProfile *)data;
    Pair a = make_pair(profile, 3), b = make_pair(profile, 4);
    guint32 words[64];
    gsize len, out = 0, back = 0;

    len = make_rtp(words, 0x55, 1, 50);
    g_assert_cmpint(srtp_session_protect_rtp(a.tx, (guint8 *)words, len, sizeof(words), &out), ==,
                    0);
    g_assert_cmpint(srtp_session_unprotect_rtp(b.rx, (guint8 *)words, out, &back), ==, -EACCES);
    free_pair(&a);
    free_pair(&b);
}

static void test_replay_and_retransmit(gconstpointer data)
{
    SrtpProfile profile = *(const SrtpProfile *)data;
    Pair p = make_pair(profile, 5);
    guint32 words[64], copy[64], again[64];
    gsize len, out = 0, out2 = 0, back = 0;

    len = make_rtp(words, 0x66, 500, 80);
    memcpy(again, words, len);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, len, sizeof(words), &out), ==,
                    0);
    memcpy(copy, words, out);
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, out, &back), ==, 0);
    /* The same protected packet again is a replay. */
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)copy, out, &back), ==, -EALREADY);

    /* The sender may protect the same packet twice (a NACK answered from the cache), and gets
     * the same bytes. */
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)again, len, sizeof(again), &out2), ==,
                    0);
    g_assert_cmpuint(out2, ==, out);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)again, len, sizeof(again), &out2), ==,
                    0);

    /* Inside the 1024-packet replay window a late packet is accepted; further back it is not.
     * (The sender's own window stops it protecting that far back, so protect in order.) */
    {
        guint32 old[64], late[64];
        gsize l, out_old = 0, out_late = 0;

        l = make_rtp(old, 0x77, 1500, 10);
        g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)old, l, sizeof(old), &out_old), ==,
                        0);
        l = make_rtp(words, 0x77, 3000, 10);
        g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, l, sizeof(words), &out), ==,
                        0);
        l = make_rtp(late, 0x77, 2100, 10);
        g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)late, l, sizeof(late), &out_late),
                        ==, 0);
        g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, out, &back), ==, 0);
        g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)late, out_late, &back), ==, 0);
        g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)old, out_old, &back), ==,
                        -EALREADY);
    }
    free_pair(&p);
}

static void test_buffer_checks(gconstpointer data)
{
    SrtpProfile profile = *(const SrtpProfile *)data;
    Pair p = make_pair(profile, 6);
    guint32 words[64], plain[64];
    gsize len, out = 12345, back = 0;

    /* No room for the tag: refused before libsrtp touches the buffer. */
    len = make_rtp(words, 0x88, 7, 40);
    memcpy(plain, words, len);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, len, len + 5, &out), ==,
                    -ENOSPC);
    g_assert_cmpmem(words, len, plain, len);
    g_assert_cmpuint(out, ==, 12345);
    len = make_rtcp(words, 0x88);
    g_assert_cmpint(srtp_session_protect_rtcp(p.tx, (guint8 *)words, len, len + 12, &out), ==,
                    -ENOSPC);

    /* Exactly enough room works. */
    len = make_rtp(words, 0x88, 8, 40);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, len,
                                             len + srtp_session_get_overhead(p.tx, FALSE), &out),
                    ==, 0);

    /* Not packets at all: refused, never read past. */
    memset(words, 0x80, sizeof(words));
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, 5, &back), <, 0);
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, 0, &back), <, 0);
    g_assert_cmpint(srtp_session_unprotect_rtcp(p.rx, (guint8 *)words, 9, &back), <, 0);
    g_assert_cmpint(srtp_session_protect_rtp(p.tx, (guint8 *)words, 4, sizeof(words), &out), <, 0);
    /* A packet shorter than its tag. */
    len = make_rtp(words, 0x99, 1, 0);
    g_assert_cmpint(srtp_session_unprotect_rtp(p.rx, (guint8 *)words, len + 2, &back), <, 0);
    free_pair(&p);
}

static void test_bad_keys(void)
{
    const guint8 key[32] = {0};
    g_autoptr(GError) error = NULL;
    SrtpSession *s;

    s = srtp_session_new(SRTP_PROFILE_AEAD_AES_128_GCM, SRTP_DIRECTION_INBOUND, key, 16, key, 14,
                         &error);
    g_assert_null(s);
    g_assert_error(error, SRTP_ERROR, SRTP_ERROR_KEY);
    g_test_message("%s", error->message);
    g_clear_error(&error);
    s = srtp_session_new((SrtpProfile)0x0005, SRTP_DIRECTION_INBOUND, key, 16, key, 14, &error);
    g_assert_null(s);
    g_assert_error(error, SRTP_ERROR, SRTP_ERROR_KEY);
}

/* Known answers: libsrtp's own reference packets (test/srtp_driver.c, srtp_validate and
 * srtp_validate_gcm), so the key and salt reach libsrtp in the right order and the profiles
 * map to the right transforms, not just to something that round-trips with itself. */
static void check_known_answer(SrtpProfile profile, const guint8 *key, const guint8 *salt,
                               const guint8 *srtp, gsize srtp_len, const guint8 *srtcp,
                               gsize srtcp_len)
{
    static const guint8 rtp_plain[28] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                         0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                         0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
    static const guint8 rtcp_plain[24] = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
                                          0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                          0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
    g_autoptr(GError) error = NULL;
    g_autoptr(SrtpSession) tx = NULL;
    g_autoptr(SrtpSession) rx = NULL;
    guint32 words[32];
    gsize out = 0, back = 0;

    tx = srtp_session_new(profile, SRTP_DIRECTION_OUTBOUND, key, srtp_profile_get_key_len(profile),
                          salt, srtp_profile_get_salt_len(profile), &error);
    g_assert_no_error(error);
    rx = srtp_session_new(profile, SRTP_DIRECTION_INBOUND, key, srtp_profile_get_key_len(profile),
                          salt, srtp_profile_get_salt_len(profile), &error);
    g_assert_no_error(error);

    memcpy(words, rtp_plain, sizeof(rtp_plain));
    g_assert_cmpint(
        srtp_session_protect_rtp(tx, (guint8 *)words, sizeof(rtp_plain), sizeof(words), &out), ==,
        0);
    g_assert_cmpmem(words, out, srtp, srtp_len);
    g_assert_cmpint(srtp_session_unprotect_rtp(rx, (guint8 *)words, out, &back), ==, 0);
    g_assert_cmpmem(words, back, rtp_plain, sizeof(rtp_plain));

    memcpy(words, rtcp_plain, sizeof(rtcp_plain));
    g_assert_cmpint(
        srtp_session_protect_rtcp(tx, (guint8 *)words, sizeof(rtcp_plain), sizeof(words), &out), ==,
        0);
    g_assert_cmpmem(words, out, srtcp, srtcp_len);
    g_assert_cmpint(srtp_session_unprotect_rtcp(rx, (guint8 *)words, out, &back), ==, 0);
    g_assert_cmpmem(words, back, rtcp_plain, sizeof(rtcp_plain));
}

static void test_known_answer_cm(void)
{
    static const guint8 key[16] = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
                                   0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39};
    static const guint8 salt[14] = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
                                    0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
    static const guint8 srtp[38] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                    0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8,
                                    0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d,
                                    0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
    static const guint8 srtcp[38] = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28,
                                     0x03, 0x5b, 0xe4, 0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41,
                                     0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00, 0x00, 0x01, 0x99, 0x3e,
                                     0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};

    check_known_answer(SRTP_PROFILE_AES128_CM_SHA1_80, key, salt, srtp, sizeof(srtp), srtcp,
                       sizeof(srtcp));
}

static void test_known_answer_gcm(void)
{
    static const guint8 key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    static const guint8 salt[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
    static const guint8 srtp[44] = {
        0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xc5, 0x00, 0x2e,
        0xde, 0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97,
        0x68, 0x26, 0xf7, 0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92};
    static const guint8 srtcp[44] = {
        0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a,
        0x55, 0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25, 0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3,
        0xb4, 0x46, 0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01};

    check_known_answer(SRTP_PROFILE_AEAD_AES_128_GCM, key, salt, srtp, sizeof(srtp), srtcp,
                       sizeof(srtcp));
}

/* Outbound GCM RTP goes through OpenSSL (srtp.c): every packet must be the very bytes libsrtp
 * writes, with CSRCs and header extensions, across the 16-bit wrap, for retransmissions of
 * packets sent before the wrap, with empty payloads, and for SSRCs past the table (which go
 * through libsrtp). */
static void test_gcm_matches_libsrtp(void)
{
    Pair fast = make_pair(SRTP_PROFILE_AEAD_AES_128_GCM, 9);
    Pair ref = make_pair(SRTP_PROFILE_AEAD_AES_128_GCM, 9);
    guint32 a[400], b[400];
    guint n = 0, k;

    srtp_session_use_libsrtp_only(ref.tx);
    for (guint32 i = 0; i < 3000; i++) {
        /* 150 SSRCs (more than the table holds), sequence numbers wrapping, and every 50th
         * packet a retransmission of one sent 200 packets earlier on its SSRC. */
        guint32 ssrc = 0x5000 + i % 150;
        guint16 seq = (guint16)(65000 + i / 150 * 40 + (i % 7));
        gsize len, out_a = 0, out_b = 0, back = 0;
        guint8 *p = (guint8 *)a;

        if (i % 50 == 49 && i >= 300)
            seq = (guint16)(65000 + (i - 300) / 150 * 40);
        len = make_rtp(a, ssrc, seq, (i % 13) * 97);
        if (i % 3 == 0) {
            /* two CSRCs and a one-byte extension block of two words */
            memmove(p + 12 + 8 + 12, p + 12, len - 12);
            p[0] = 0x92;
            memset(p + 12, 0x44, 8);
            p[20] = 0xbe, p[21] = 0xde, p[22] = 0, p[23] = 2;
            memset(p + 24, 0x21, 8);
            len += 8 + 12;
        }
        memcpy(b, a, len);
        g_assert_cmpint(srtp_session_protect_rtp(fast.tx, (guint8 *)a, len, sizeof(a), &out_a), ==,
                        0);
        g_assert_cmpint(srtp_session_protect_rtp(ref.tx, (guint8 *)b, len, sizeof(b), &out_b), ==,
                        0);
        g_assert_cmpuint(out_a, ==, out_b);
        g_assert_cmpmem(a, out_a, b, out_b);
        /* and a receiver takes it (first sight of each index only: the rest are replays) */
        if (srtp_session_unprotect_rtp(fast.rx, (guint8 *)a, out_a, &back) == 0)
            n++;
    }
    g_assert_cmpuint(n, >, 2000);
    /* A packet with no room for the tag, or not RTP, is refused, not written past. */
    k = (guint)make_rtp(a, 0x5000, 1, 100);
    {
        gsize out = 0;

        g_assert_cmpint(srtp_session_protect_rtp(fast.tx, (guint8 *)a, k, k + 8, &out), ==,
                        -ENOSPC);
        ((guint8 *)a)[0] = 0x40;
        g_assert_cmpint(srtp_session_protect_rtp(fast.tx, (guint8 *)a, k, sizeof(a), &out), <, 0);
    }
    free_pair(&fast);
    free_pair(&ref);
}

int main(int argc, char **argv)
{
    guint i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/srtp/initialised-by-another", test_initialised_by_another);
    g_test_add_func("/media/srtp/profiles", test_profiles);
    g_test_add_func("/media/srtp/bad-keys", test_bad_keys);
    g_test_add_func("/media/srtp/known-answer-cm", test_known_answer_cm);
    g_test_add_func("/media/srtp/known-answer-gcm", test_known_answer_gcm);
    g_test_add_func("/media/srtp/gcm-matches-libsrtp", test_gcm_matches_libsrtp);
    for (i = 0; i < G_N_ELEMENTS(profiles); i++) {
        const char *name = profiles[i] == SRTP_PROFILE_AEAD_AES_128_GCM ? "gcm" : "cm";
        g_autofree char *rt = g_strdup_printf("/media/srtp/%s/round-trip", name);
        g_autofree char *tamper = g_strdup_printf("/media/srtp/%s/tamper", name);
        g_autofree char *wrong = g_strdup_printf("/media/srtp/%s/wrong-key", name);
        g_autofree char *replay = g_strdup_printf("/media/srtp/%s/replay-and-retransmit", name);
        g_autofree char *buffers = g_strdup_printf("/media/srtp/%s/buffer-checks", name);

        g_test_add_data_func(rt, &profiles[i], test_round_trip);
        g_test_add_data_func(tamper, &profiles[i], test_tamper);
        g_test_add_data_func(wrong, &profiles[i], test_wrong_key);
        g_test_add_data_func(replay, &profiles[i], test_replay_and_retransmit);
        g_test_add_data_func(buffers, &profiles[i], test_buffer_checks);
    }
    return g_test_run();
}
