/* fuzz-rtcp.c: libFuzzer target for the RTCP compound reader: every typed parser on every
 * packet, every iterator to its end, and reports written back and read again unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "rtp/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

/* A parsed SR/RR written again must read back the same. */
static void report_round_trip(const RtcpReport *rep, guint8 type)
{
    RtcpReportBlock blocks[RTCP_MAX_COUNT];
    guint8 buf[1024];
    RtcpWriter w;
    RtcpIter iter;
    RtcpPacket pkt;
    RtcpReport back;
    guint i;
    int len;

    for (i = 0; i < rep->n_blocks; i++)
        rtcp_report_get_block(rep, i, &blocks[i]);
    rtcp_writer_init(&w, buf, sizeof(buf));
    if (type == RTCP_TYPE_SR)
        rtcp_writer_add_sr(&w, rep->ssrc, &rep->sender_info, blocks, rep->n_blocks);
    else
        rtcp_writer_add_rr(&w, rep->ssrc, blocks, rep->n_blocks);
    len = rtcp_writer_finish(&w);
    CHECK(len > 0);
    rtcp_iter_init(&iter, buf, (gsize)len);
    CHECK(rtcp_iter_next(&iter, &pkt) == 1);
    CHECK(rtcp_report_parse(&pkt, &back) == 0);
    CHECK(back.ssrc == rep->ssrc && back.n_blocks == rep->n_blocks);
    CHECK(back.has_sender_info == rep->has_sender_info);
    for (i = 0; i < back.n_blocks; i++) {
        RtcpReportBlock b;

        rtcp_report_get_block(&back, i, &b);
        CHECK(b.ssrc == blocks[i].ssrc && b.cumulative_lost == blocks[i].cumulative_lost &&
              b.highest_seq == blocks[i].highest_seq && b.lsr == blocks[i].lsr);
    }
}

static void one_packet(const RtcpPacket *pkt, const guint8 *start, gsize size)
{
    RtcpReport rep;
    RtcpSdesIter sdes;
    RtcpSdesItem item;
    RtcpBye bye;
    RtcpFeedback fb;
    RtcpRemb remb;
    RtcpTwcc twcc;
    guint16 seqs[16 * 17];
    guint i;

    CHECK(pkt->data >= start && pkt->data + pkt->len <= start + size);
    CHECK(pkt->len >= RTCP_HEADER_LEN);

    if (rtcp_report_parse(pkt, &rep) == 0) {
        CHECK(rep.blocks + (gsize)rep.n_blocks * RTCP_REPORT_BLOCK_LEN <= pkt->data + pkt->len);
        report_round_trip(&rep, pkt->type);
    }
    rtcp_sdes_iter_init(&sdes, pkt);
    while (rtcp_sdes_iter_next(&sdes, &item) > 0)
        CHECK(item.value + item.len <= pkt->data + pkt->len);
    (void)rtcp_sdes_find_cname(pkt, &item);
    if (rtcp_bye_parse(pkt, &bye) == 0) {
        for (i = 0; i < bye.n_ssrcs; i++)
            (void)rtcp_bye_get_ssrc(&bye, i);
        CHECK(bye.reason == NULL || bye.reason + bye.reason_len <= pkt->data + pkt->len);
    }
    if (rtcp_nack_parse(pkt, &fb) == 0) {
        gsize n = rtcp_nack_expand(&fb, seqs, G_N_ELEMENTS(seqs));

        CHECK(n >= MIN(rtcp_nack_get_n_items(&fb), G_N_ELEMENTS(seqs)));
        /* Written again, the same losses come back. */
        if (n > 0) {
            guint8 buf[2048];
            guint16 again[G_N_ELEMENTS(seqs)];
            RtcpWriter w;
            RtcpIter iter;
            RtcpPacket p2;
            RtcpFeedback fb2;
            int len;

            rtcp_writer_init(&w, buf, sizeof(buf));
            CHECK(rtcp_writer_add_nack(&w, fb.sender_ssrc, fb.media_ssrc, seqs, n) == 0);
            len = rtcp_writer_finish(&w);
            CHECK(len > 0);
            rtcp_iter_init(&iter, buf, (gsize)len);
            CHECK(rtcp_iter_next(&iter, &p2) == 1);
            CHECK(rtcp_nack_parse(&p2, &fb2) == 0);
            CHECK(rtcp_nack_expand(&fb2, again, G_N_ELEMENTS(again)) <= n);
        }
    }
    (void)rtcp_pli_parse(pkt, &fb);
    if (rtcp_fir_parse(pkt, &fb) == 0) {
        for (i = 0; i < rtcp_fir_get_n_items(&fb); i++)
            rtcp_fir_get_item(&fb, i, NULL, NULL);
    }
    if (rtcp_remb_parse(pkt, &remb) == 0) {
        for (i = 0; i < remb.n_ssrcs; i++)
            (void)rtcp_remb_get_ssrc(&remb, i);
    }
    if (rtcp_twcc_parse(pkt, &twcc) == 0) {
        RtcpTwccIter it;
        guint n = 0;

        rtcp_twcc_iter_init(&it, &twcc);
        while (rtcp_twcc_iter_next(&it, NULL, NULL, NULL))
            n++;
        CHECK(n == twcc.status_count);
        CHECK(it.delta_pos == twcc.deltas_len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *buf = g_memdup2(data, size ? size : 1);
    RtcpIter iter;
    RtcpPacket pkt;
    int r, n = 0;

    rtcp_iter_init(&iter, buf, size);
    while ((r = rtcp_iter_next(&iter, &pkt)) > 0) {
        one_packet(&pkt, buf, size);
        n++;
    }
    r = rtcp_compound_validate(buf, size);
    CHECK(r < 0 || r == n);
    g_free(buf);
    return 0;
}
