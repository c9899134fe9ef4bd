/* test-rtcp.c: the RTCP compound reader and writer (media/rtp/rtcp.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "rtp/rtcp.h"

/* Returns the @index-th packet of a compound, asserting it exists. */
static RtcpPacket nth_packet(const guint8 *data, gsize len, guint index)
{
    RtcpIter iter;
    RtcpPacket pkt = {0};
    guint i;

    rtcp_iter_init(&iter, data, len);
    for (i = 0; i <= index; i++)
        g_assert_cmpint(rtcp_iter_next(&iter, &pkt), ==, 1);
    return pkt;
}

static void test_report_round_trip(void)
{
    guint8 buf[512];
    RtcpWriter w;
    RtcpSenderInfo si = {
        .ntp_timestamp = G_GUINT64_CONSTANT(0xe8f0a1b2c3d4e5f6),
        .rtp_timestamp = 0x11223344,
        .packet_count = 1000,
        .octet_count = 1200000,
    };
    RtcpReportBlock blocks[2] = {
        {.ssrc = 0xa1,
         .fraction_lost = 25,
         .cumulative_lost = 1234,
         .highest_seq = 0x1fffe,
         .jitter = 77,
         .lsr = 0xabcdef01,
         .dlsr = 65536},
        {.ssrc = 0xa2, .fraction_lost = 0, .cumulative_lost = -3, .highest_seq = 9},
    };
    RtcpReportBlock big = {.ssrc = 0xa3, .cumulative_lost = 0x7fffffff};
    const guint32 bye_ssrcs[] = {0x1111, 0x2222};
    RtcpPacket pkt;
    RtcpReport rep;
    RtcpReportBlock b;
    RtcpSdesItem item;
    RtcpBye bye;
    int len;

    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_sr(&w, 0x5555, &si, blocks, 2), ==, 0);
    g_assert_cmpint(rtcp_writer_add_rr(&w, 0x6666, &big, 1), ==, 0);
    g_assert_cmpint(rtcp_writer_add_sdes_cname(&w, 0x5555, "phonghop-peer-7"), ==, 0);
    g_assert_cmpint(rtcp_writer_add_bye(&w, bye_ssrcs, 2, "meeting closed"), ==, 0);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(len, >, 0);
    g_assert_cmpint(len % 4, ==, 0);
    g_assert_cmpint(rtcp_compound_validate(buf, (gsize)len), ==, 4);

    pkt = nth_packet(buf, (gsize)len, 0);
    g_assert_cmpuint(pkt.type, ==, RTCP_TYPE_SR);
    g_assert_cmpint(rtcp_report_parse(&pkt, &rep), ==, 0);
    g_assert_cmphex(rep.ssrc, ==, 0x5555);
    g_assert_true(rep.has_sender_info);
    g_assert_cmpuint(rep.sender_info.ntp_timestamp, ==, si.ntp_timestamp);
    g_assert_cmpuint(rep.sender_info.rtp_timestamp, ==, si.rtp_timestamp);
    g_assert_cmpuint(rep.sender_info.packet_count, ==, 1000);
    g_assert_cmpuint(rep.sender_info.octet_count, ==, 1200000);
    g_assert_cmpuint(rep.n_blocks, ==, 2);
    rtcp_report_get_block(&rep, 0, &b);
    g_assert_cmphex(b.ssrc, ==, blocks[0].ssrc);
    g_assert_cmpuint(b.fraction_lost, ==, blocks[0].fraction_lost);
    g_assert_cmpint(b.cumulative_lost, ==, blocks[0].cumulative_lost);
    g_assert_cmpuint(b.highest_seq, ==, blocks[0].highest_seq);
    g_assert_cmpuint(b.jitter, ==, blocks[0].jitter);
    g_assert_cmphex(b.lsr, ==, blocks[0].lsr);
    g_assert_cmpuint(b.dlsr, ==, blocks[0].dlsr);
    rtcp_report_get_block(&rep, 1, &b);
    g_assert_cmpint(b.cumulative_lost, ==, -3);
    g_assert_cmpuint(b.highest_seq, ==, 9);

    pkt = nth_packet(buf, (gsize)len, 1);
    g_assert_cmpint(rtcp_report_parse(&pkt, &rep), ==, 0);
    g_assert_false(rep.has_sender_info);
    g_assert_cmphex(rep.ssrc, ==, 0x6666);
    rtcp_report_get_block(&rep, 0, &b);
    g_assert_cmpint(b.cumulative_lost, ==, 0x7fffff); /* clamped to 24 bits */

    pkt = nth_packet(buf, (gsize)len, 2);
    g_assert_cmpint(rtcp_sdes_find_cname(&pkt, &item), ==, 0);
    g_assert_cmphex(item.ssrc, ==, 0x5555);
    g_assert_cmpmem(item.value, item.len, "phonghop-peer-7", 15);
    g_assert_cmpint(rtcp_report_parse(&pkt, &rep), ==, -EPROTOTYPE);

    pkt = nth_packet(buf, (gsize)len, 3);
    g_assert_cmpint(rtcp_bye_parse(&pkt, &bye), ==, 0);
    g_assert_cmpuint(bye.n_ssrcs, ==, 2);
    g_assert_cmphex(rtcp_bye_get_ssrc(&bye, 1), ==, 0x2222);
    g_assert_cmpmem(bye.reason, bye.reason_len, "meeting closed", 14);
}

static void test_sdes_several_chunks(void)
{
    /* Two chunks: 0x01 with CNAME "ab" and NOTE "x"; 0x02 with CNAME "cdef". */
    const guint8 sdes[] = {
        0x82, 202, 0x00, 0x06,                                   /* SC=2, 7 words */
        0,    0,   0,    1,    1, 2, 'a', 'b', 7,   1,   'x', 0, /* chunk 1: 12 bytes */
        0,    0,   0,    2,    1, 4, 'c', 'd', 'e', 'f', 0,   0, /* chunk 2: 12 bytes */
    };
    RtcpPacket pkt = nth_packet(sdes, sizeof(sdes), 0);
    RtcpSdesIter iter;
    RtcpSdesItem item;

    rtcp_sdes_iter_init(&iter, &pkt);
    g_assert_cmpint(rtcp_sdes_iter_next(&iter, &item), ==, 1);
    g_assert_cmpuint(item.ssrc, ==, 1);
    g_assert_cmpuint(item.type, ==, RTCP_SDES_CNAME);
    g_assert_cmpint(rtcp_sdes_iter_next(&iter, &item), ==, 1);
    g_assert_cmpuint(item.type, ==, 7);
    g_assert_cmpint(rtcp_sdes_iter_next(&iter, &item), ==, 1);
    g_assert_cmpuint(item.ssrc, ==, 2);
    g_assert_cmpmem(item.value, item.len, "cdef", 4);
    g_assert_cmpint(rtcp_sdes_iter_next(&iter, &item), ==, 0);
}

static void test_nack_packing(void)
{
    const guint16 lost[] = {100, 101, 105, 116, 117, 200, 65535, 0, 15, 16};
    guint16 out[64];
    guint8 buf[128];
    RtcpWriter w;
    RtcpPacket pkt;
    RtcpFeedback fb;
    guint16 pid, blp;
    gsize n;
    int len;

    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_nack(&w, 0x10, 0x20, lost, G_N_ELEMENTS(lost)), ==, 0);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(len, >, 0);
    pkt = nth_packet(buf, (gsize)len, 0);
    g_assert_cmpint(rtcp_nack_parse(&pkt, &fb), ==, 0);
    g_assert_cmphex(fb.sender_ssrc, ==, 0x10);
    g_assert_cmphex(fb.media_ssrc, ==, 0x20);
    /* 100..116 fit one item (117 is 17 after 100), then 117, 200, 65535 (+0 +15), 16. */
    g_assert_cmpuint(rtcp_nack_get_n_items(&fb), ==, 5);
    rtcp_nack_get_item(&fb, 0, &pid, &blp);
    g_assert_cmpuint(pid, ==, 100);
    g_assert_cmphex(blp, ==, (1 << 0) | (1 << 4) | (1 << 15));
    rtcp_nack_get_item(&fb, 3, &pid, &blp);
    g_assert_cmpuint(pid, ==, 65535);
    g_assert_cmphex(blp, ==, (1 << 0) | (1 << 15));

    n = rtcp_nack_expand(&fb, out, G_N_ELEMENTS(out));
    g_assert_cmpuint(n, ==, G_N_ELEMENTS(lost));
    g_assert_cmpmem(out, n * sizeof(guint16), lost, sizeof(lost));
    /* A short output array is filled, never overrun. */
    g_assert_cmpuint(rtcp_nack_expand(&fb, out, 3), ==, 3);

    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_nack(&w, 1, 2, lost, 0), ==, -EINVAL);
}

static void test_pli_fir(void)
{
    guint8 buf[64];
    RtcpWriter w;
    RtcpPacket pkt;
    RtcpFeedback fb;
    guint32 ssrc;
    guint8 seq_nr;
    int len;

    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_pli(&w, 0x1, 0x2), ==, 0);
    g_assert_cmpint(rtcp_writer_add_fir(&w, 0x1, 0x3, 42), ==, 0);
    len = rtcp_writer_finish(&w);
    g_assert_cmpint(len, ==, 12 + 20);

    pkt = nth_packet(buf, (gsize)len, 0);
    g_assert_cmpint(rtcp_pli_parse(&pkt, &fb), ==, 0);
    g_assert_cmphex(fb.media_ssrc, ==, 0x2);
    g_assert_cmpint(rtcp_fir_parse(&pkt, &fb), ==, -EPROTOTYPE);
    g_assert_cmpint(rtcp_nack_parse(&pkt, &fb), ==, -EPROTOTYPE);

    pkt = nth_packet(buf, (gsize)len, 1);
    g_assert_cmpint(rtcp_fir_parse(&pkt, &fb), ==, 0);
    g_assert_cmphex(fb.media_ssrc, ==, 0); /* RFC 5104 §4.3.1.2 */
    g_assert_cmpuint(rtcp_fir_get_n_items(&fb), ==, 1);
    rtcp_fir_get_item(&fb, 0, &ssrc, &seq_nr);
    g_assert_cmphex(ssrc, ==, 0x3);
    g_assert_cmpuint(seq_nr, ==, 42);
    g_assert_cmpint(rtcp_pli_parse(&pkt, &fb), ==, -EPROTOTYPE);
}

static void test_remb(void)
{
    const guint64 rates[] = {
        0, 1000, 0x3ffff, 0x40000, 2500000, 1000000000, G_GUINT64_CONSTANT(1) << 50};
    const guint32 ssrcs[] = {0xaaaa, 0xbbbb};
    guint i;

    for (i = 0; i < G_N_ELEMENTS(rates); i++) {
        guint8 buf[64];
        RtcpWriter w;
        RtcpPacket pkt;
        RtcpRemb remb;
        int len;

        rtcp_writer_init(&w, buf, sizeof(buf));
        g_assert_cmpint(rtcp_writer_add_remb(&w, 0x77, rates[i], ssrcs, 2), ==, 0);
        len = rtcp_writer_finish(&w);
        pkt = nth_packet(buf, (gsize)len, 0);
        g_assert_cmpint(rtcp_remb_parse(&pkt, &remb), ==, 0);
        g_assert_cmphex(remb.sender_ssrc, ==, 0x77);
        g_assert_cmpuint(remb.n_ssrcs, ==, 2);
        g_assert_cmphex(rtcp_remb_get_ssrc(&remb, 1), ==, 0xbbbb);
        /* Rounded down by less than one part in 2^17. */
        g_assert_cmpuint(remb.bitrate, <=, rates[i]);
        g_assert_cmpuint(rates[i] - remb.bitrate, <=, rates[i] >> 17);
        if (rates[i] <= 0x3ffff)
            g_assert_cmpuint(remb.bitrate, ==, rates[i]);
    }
}

static void test_remb_saturates(void)
{
    /* Exponent 63 with a full mantissa does not fit in 64 bits. */
    const guint8 pkt_bytes[] = {0x8f, 206, 0,   4,   0,   0,   0, 1,    0,    0,
                                0,    0,   'R', 'E', 'M', 'B', 0, 0xff, 0xff, 0xff};
    const guint8 not_remb[] = {0x8f, 206, 0,   4,   0,   0,   0, 1, 0, 0,
                               0,    0,   'X', 'Y', 'Z', 'W', 0, 0, 0, 0};
    RtcpPacket pkt = nth_packet(pkt_bytes, sizeof(pkt_bytes), 0);
    RtcpRemb remb;

    g_assert_cmpint(rtcp_remb_parse(&pkt, &remb), ==, 0);
    g_assert_cmpuint(remb.bitrate, ==, G_MAXUINT64);
    pkt = nth_packet(not_remb, sizeof(not_remb), 0);
    g_assert_cmpint(rtcp_remb_parse(&pkt, &remb), ==, -EPROTOTYPE);
}

static void test_twcc_vector(void)
{
    /* base 100, 5 statuses, reference time -2, feedback count 3; one two-bit status vector
     * chunk: small, large, not received, small, small; deltas 4, -8, 1, 2. */
    const guint8 bytes[] = {
        0x8f, 205,  0x00, 0x06, 0,    0,    0,    0x01, 0, 0, 0, 0x02, /* header, sender, media */
        0x00, 0x64, 0x00, 0x05, 0xff, 0xff, 0xfe, 0x03, /* base, count, ref, fb count */
        0xd8, 0x50,                                     /* chunk */
        0x04, 0xff, 0xf8, 0x01, 0x02, 0x00,             /* deltas, padding */
    };
    const RtcpTwccStatus want_status[] = {RTCP_TWCC_SMALL_DELTA, RTCP_TWCC_LARGE_DELTA,
                                          RTCP_TWCC_NOT_RECEIVED, RTCP_TWCC_SMALL_DELTA,
                                          RTCP_TWCC_SMALL_DELTA};
    const gint32 want_delta[] = {4, -8, 0, 1, 2};
    RtcpPacket pkt = nth_packet(bytes, sizeof(bytes), 0);
    RtcpTwcc twcc;
    RtcpTwccIter iter;
    RtcpTwccStatus status;
    guint16 seq;
    gint32 delta;
    guint n = 0;

    g_assert_cmpint(rtcp_twcc_parse(&pkt, &twcc), ==, 0);
    g_assert_cmpuint(twcc.base_seq, ==, 100);
    g_assert_cmpuint(twcc.status_count, ==, 5);
    g_assert_cmpint(twcc.reference_time, ==, -2);
    g_assert_cmpuint(twcc.fb_pkt_count, ==, 3);
    g_assert_cmpuint(twcc.deltas_len, ==, 5);
    rtcp_twcc_iter_init(&iter, &twcc);
    while (rtcp_twcc_iter_next(&iter, &seq, &status, &delta)) {
        g_assert_cmpuint(seq, ==, 100 + n);
        g_assert_cmpint(status, ==, want_status[n]);
        g_assert_cmpint(delta, ==, want_delta[n]);
        n++;
    }
    g_assert_cmpuint(n, ==, 5);
}

static void test_twcc_run_length_wraps(void)
{
    /* base 65534, 20 packets received with small deltas (run-length chunk), one-bit vector
     * chunk for 3 more: received, lost, received. */
    guint8 bytes[12 + 8 + 4 + 22 + 2];
    RtcpPacket pkt;
    RtcpTwcc twcc;
    RtcpTwccIter iter;
    RtcpTwccStatus status;
    guint16 seq;
    gint32 delta;
    guint n = 0, i;

    memset(bytes, 0, sizeof(bytes));
    bytes[0] = 0x8f;
    bytes[1] = 205;
    bytes[3] = sizeof(bytes) / 4 - 1;
    bytes[12] = 0xff;
    bytes[13] = 0xfe; /* base 65534 */
    bytes[15] = 23;   /* count */
    bytes[20] = 0x20; /* run-length, symbol 1, run 20 */
    bytes[21] = 20;
    bytes[22] = 0xa8; /* one-bit vector: 1 0 1 */
    bytes[23] = 0x00;
    for (i = 0; i < 22; i++)
        bytes[24 + i] = (guint8)(i + 1);

    pkt = nth_packet(bytes, sizeof(bytes), 0);
    g_assert_cmpint(rtcp_twcc_parse(&pkt, &twcc), ==, 0);
    g_assert_cmpuint(twcc.deltas_len, ==, 22);
    rtcp_twcc_iter_init(&iter, &twcc);
    while (rtcp_twcc_iter_next(&iter, &seq, &status, &delta)) {
        g_assert_cmpuint(seq, ==, (guint16)(65534 + n));
        if (n == 21)
            g_assert_cmpint(status, ==, RTCP_TWCC_NOT_RECEIVED);
        else
            g_assert_cmpint(status, ==, RTCP_TWCC_SMALL_DELTA);
        n++;
    }
    g_assert_cmpuint(n, ==, 23);
}

static void test_twcc_malformed(void)
{
    /* Counts 5 statuses in a chunk that holds... enough, but the deltas are missing. */
    const guint8 no_deltas[] = {0x8f, 205, 0, 5, 0, 0, 0, 1, 0,    0,    0, 2,
                                0,    1,   0, 5, 0, 0, 0, 0, 0xd8, 0x50, 0, 0};
    /* 16 statuses need a second chunk that is not there. */
    const guint8 no_chunk[] = {0x8f, 205, 0, 5,  0, 0, 0, 1, 0,    0,    0, 2,
                               0,    1,   0, 16, 0, 0, 0, 0, 0x80, 0x00, 0, 0};
    /* The reserved symbol 3. */
    const guint8 reserved[] = {0x8f, 205, 0, 5, 0, 0, 0, 1, 0,    0,    0, 2,
                               0,    1,   0, 1, 0, 0, 0, 0, 0x60, 0x01, 0, 0};
    const guint8 short_fci[] = {0x8f, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 1};
    const guint8 *cases[] = {no_deltas, no_chunk, reserved, short_fci};
    const gsize lens[] = {sizeof(no_deltas), sizeof(no_chunk), sizeof(reserved), sizeof(short_fci)};
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        RtcpPacket pkt = nth_packet(cases[i], lens[i], 0);
        RtcpTwcc twcc;

        g_test_message("twcc case %u", i);
        g_assert_cmpint(rtcp_twcc_parse(&pkt, &twcc), ==, -EBADMSG);
    }
}

static void test_padding(void)
{
    /* RR with no blocks, padded by 4 bytes in the last packet: accepted. */
    const guint8 padded[] = {0xa0, 201, 0, 2, 0, 0, 0, 9, 0, 0, 0, 4};
    /* The same followed by another packet: padding not in the last packet. */
    const guint8 padded_first[] = {0xa0, 201, 0,    2,   0, 0, 0, 9, 0, 0,
                                   0,    4,   0x80, 201, 0, 1, 0, 0, 0, 8};
    RtcpPacket pkt = nth_packet(padded, sizeof(padded), 0);
    RtcpReport rep;

    g_assert_cmpuint(pkt.len, ==, 8);
    g_assert_cmpint(rtcp_report_parse(&pkt, &rep), ==, 0);
    g_assert_cmphex(rep.ssrc, ==, 9);
    g_assert_cmpint(rtcp_compound_validate(padded_first, sizeof(padded_first)), ==, -EBADMSG);
}

static void test_malformed(void)
{
    struct {
        const char *what;
        guint8 bytes[32];
        gsize len;
    } compound_cases[] = {
        {"empty", {0}, 0},
        {"short header", {0x80, 201, 0}, 3},
        {"version 1", {0x40, 201, 0, 1, 0, 0, 0, 1}, 8},
        {"length past end", {0x80, 201, 0, 2, 0, 0, 0, 1}, 8},
        {"padding count zero", {0xa0, 201, 0, 1, 0, 0, 0, 0}, 8},
        {"padding past packet", {0xa0, 201, 0, 1, 0, 0, 0, 9}, 8},
        {"trailing garbage", {0x80, 201, 0, 1, 0, 0, 0, 1, 0x80}, 9},
    };
    struct {
        const char *what;
        guint8 bytes[32];
        gsize len;
    } packet_cases[] = {
        {"SR too short", {0x80, 200, 0, 1, 0, 0, 0, 1}, 8},
        {"RR blocks missing", {0x81, 201, 0, 1, 0, 0, 0, 1}, 8},
        {"SDES no terminator", {0x81, 202, 0, 2, 0, 0, 0, 1, 2, 2, 'a', 'b'}, 12},
        {"SDES item past end", {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 'a', 'b'}, 12},
        {"SDES chunk missing", {0x82, 202, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0}, 12},
        {"BYE SSRCs missing", {0x82, 203, 0, 1, 0, 0, 0, 1}, 8},
        {"BYE reason past end", {0x81, 203, 0, 2, 0, 0, 0, 1, 9, 'a', 'b', 'c'}, 12},
        {"feedback too short", {0x81, 205, 0, 1, 0, 0, 0, 1}, 8},
        {"NACK without items", {0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2}, 12},
        {"FIR without items", {0x84, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0}, 12},
        {"FIR half item", {0x84, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}, 16},
        {"REMB SSRCs missing",
         {0x8f, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 2, 0, 0, 1},
         20},
        {"REMB no room", {0x8f, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B'}, 16},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(compound_cases); i++) {
        g_test_message("compound case: %s", compound_cases[i].what);
        g_assert_cmpint(rtcp_compound_validate(compound_cases[i].bytes, compound_cases[i].len), ==,
                        -EBADMSG);
    }
    for (i = 0; i < G_N_ELEMENTS(packet_cases); i++) {
        RtcpPacket pkt = nth_packet(packet_cases[i].bytes, packet_cases[i].len, 0);
        RtcpReport rep;
        RtcpSdesItem item;
        RtcpBye bye;
        RtcpFeedback fb;
        RtcpRemb remb;
        int r;

        g_test_message("packet case: %s", packet_cases[i].what);
        switch (pkt.type) {
        case RTCP_TYPE_SR:
        case RTCP_TYPE_RR:
            r = rtcp_report_parse(&pkt, &rep);
            break;
        case RTCP_TYPE_SDES:
            r = rtcp_sdes_find_cname(&pkt, &item);
            break;
        case RTCP_TYPE_BYE:
            r = rtcp_bye_parse(&pkt, &bye);
            break;
        case RTCP_TYPE_RTPFB:
            r = pkt.len < 12 ? rtcp_feedback_parse(&pkt, &fb) : rtcp_nack_parse(&pkt, &fb);
            break;
        default:
            r = pkt.count == RTCP_PSFB_FMT_FIR ? rtcp_fir_parse(&pkt, &fb)
                                               : rtcp_remb_parse(&pkt, &remb);
            break;
        }
        g_assert_cmpint(r, ==, -EBADMSG);
    }
}

/* Every prefix of a compound: the iterator and every typed parser stay inside the bytes. */
static void test_truncations(void)
{
    guint8 buf[512];
    RtcpWriter w;
    RtcpSenderInfo si = {0};
    RtcpReportBlock block = {.ssrc = 1};
    const guint16 lost[] = {1, 3, 40};
    const guint32 ssrcs[] = {5};
    gsize len, full;

    rtcp_writer_init(&w, buf, sizeof(buf));
    rtcp_writer_add_sr(&w, 1, &si, &block, 1);
    rtcp_writer_add_sdes_cname(&w, 1, "x");
    rtcp_writer_add_nack(&w, 1, 2, lost, 3);
    rtcp_writer_add_pli(&w, 1, 2);
    rtcp_writer_add_fir(&w, 1, 2, 3);
    rtcp_writer_add_remb(&w, 1, 300000, ssrcs, 1);
    rtcp_writer_add_bye(&w, ssrcs, 1, "bye");
    g_assert_cmpint(rtcp_writer_finish(&w), >, 0);
    full = (gsize)rtcp_writer_finish(&w);

    for (len = 0; len <= full; len++) {
        guint8 *copy = g_memdup2(buf, len ? len : 1);
        RtcpIter iter;
        RtcpPacket pkt;
        int r;

        rtcp_iter_init(&iter, copy, len);
        while ((r = rtcp_iter_next(&iter, &pkt)) > 0) {
            RtcpReport rep;
            RtcpSdesItem item;
            RtcpBye bye;
            RtcpFeedback fb;
            RtcpRemb remb;
            RtcpTwcc twcc;

            g_assert_cmpuint((gsize)(pkt.data - copy) + pkt.len, <=, len);
            (void)rtcp_report_parse(&pkt, &rep);
            (void)rtcp_sdes_find_cname(&pkt, &item);
            (void)rtcp_bye_parse(&pkt, &bye);
            (void)rtcp_nack_parse(&pkt, &fb);
            (void)rtcp_fir_parse(&pkt, &fb);
            (void)rtcp_remb_parse(&pkt, &remb);
            (void)rtcp_twcc_parse(&pkt, &twcc);
        }
        g_free(copy);
    }
}

static void test_writer_limits(void)
{
    guint8 buf[40];
    RtcpReportBlock blocks[32] = {{0}};
    RtcpSenderInfo si = {0};
    RtcpWriter w;
    char long_name[300];

    /* Does not fit: nothing written, and the writer stays failed. */
    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_pli(&w, 1, 2), ==, 0);
    g_assert_cmpint(rtcp_writer_add_sr(&w, 1, &si, blocks, 1), ==, -ENOSPC);
    g_assert_cmpuint(w.len, ==, 12);
    g_assert_cmpint(rtcp_writer_add_pli(&w, 1, 2), ==, -ENOSPC);
    g_assert_cmpint(rtcp_writer_finish(&w), ==, -ENOSPC);

    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_rr(&w, 1, blocks, 32), ==, -EINVAL);
    g_assert_cmpint(rtcp_writer_finish(&w), ==, -EINVAL);

    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    rtcp_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpint(rtcp_writer_add_sdes_cname(&w, 1, long_name), ==, -EINVAL);

    rtcp_writer_init(&w, NULL, 0);
    g_assert_cmpint(rtcp_writer_finish(&w), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/rtcp/report-round-trip", test_report_round_trip);
    g_test_add_func("/media/rtcp/sdes-several-chunks", test_sdes_several_chunks);
    g_test_add_func("/media/rtcp/nack-packing", test_nack_packing);
    g_test_add_func("/media/rtcp/pli-fir", test_pli_fir);
    g_test_add_func("/media/rtcp/remb", test_remb);
    g_test_add_func("/media/rtcp/remb-saturates", test_remb_saturates);
    g_test_add_func("/media/rtcp/twcc-vector", test_twcc_vector);
    g_test_add_func("/media/rtcp/twcc-run-length-wraps", test_twcc_run_length_wraps);
    g_test_add_func("/media/rtcp/twcc-malformed", test_twcc_malformed);
    g_test_add_func("/media/rtcp/padding", test_padding);
    g_test_add_func("/media/rtcp/malformed", test_malformed);
    g_test_add_func("/media/rtcp/truncations", test_truncations);
    g_test_add_func("/media/rtcp/writer-limits", test_writer_limits);
    return g_test_run();
}
