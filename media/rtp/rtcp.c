/* rtcp.c: the RTCP compound reader and writer.
 *
 * Design: a compound packet (RFC 3550 §6.1) is a run of packets each with a 4-byte header whose
 * length field counts 32-bit words minus one. rtcp_iter_next() checks each header against the
 * bytes that remain and allows the P bit only on the last packet (the validity checks of RFC 3550
 * A.2), so every typed parser starts from a packet whose length is known to be inside the buffer
 * and then checks only its own fields against that length. The typed parsers return views
 * (pointer and count) over repeated items (report blocks, NACK items, FIR entries, REMB SSRCs,
 * transport-cc chunks) instead of copying them, so parsing costs no allocation.
 *
 * Feedback follows RFC 4585 §6.1 (common header: sender SSRC, media SSRC, FCI), generic NACK
 * §6.2.1 (PID + 16-bit bitmask of the following losses), PLI §6.3.1 (no FCI), FIR RFC 5104
 * §4.3.1.1 (SSRC + command sequence number per target), REMB draft-alvestrand-rmcat-remb-03 §2.2
 * ("REMB", SSRC count, 6-bit exponent, 18-bit mantissa, SSRCs) and transport-wide feedback
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 (base sequence number, status count,
 * 24-bit reference time, run-length and status-vector chunks, then the receive deltas).
 *
 * The writer appends to one caller buffer and fails as a whole: an add that does not fit leaves
 * the buffer as it was and makes every later add and rtcp_writer_finish() return the same error.
 */
#include "rtp/rtcp.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp-bytes.h"

void rtcp_iter_init(RtcpIter *iter, const guint8 *data, gsize len)
{
    g_return_if_fail(iter != NULL);
    g_return_if_fail(data != NULL || len == 0);
    iter->data = data;
    iter->len = len;
    iter->pos = 0;
}

int rtcp_iter_next(RtcpIter *iter, RtcpPacket *pkt)
{
    const guint8 *p;
    gsize left, size;

    g_return_val_if_fail(iter != NULL && pkt != NULL, -EINVAL);
    if (iter->pos >= iter->len)
        return 0;

    p = iter->data + iter->pos;
    left = iter->len - iter->pos;
    if (left < RTCP_HEADER_LEN || (p[0] >> 6) != 2)
        goto bad;
    size = ((gsize)rtp_read_u16(p + 2) + 1) * 4;
    if (size > left)
        goto bad;

    pkt->data = p;
    pkt->type = p[1];
    pkt->count = p[0] & 0x1f;
    pkt->len = size;
    if (p[0] & 0x20) {
        /* RFC 3550 §6.4.1: the last octet counts the padding; only the last packet of a
         * compound may be padded (A.2). */
        guint8 pad = p[size - 1];

        if (size != left || pad == 0 || pad > size - RTCP_HEADER_LEN)
            goto bad;
        pkt->len = size - pad;
    }
    iter->pos += size;
    return 1;

bad:
    iter->pos = iter->len;
    return -EBADMSG;
}

int rtcp_compound_validate(const guint8 *data, gsize len)
{
    RtcpIter iter;
    RtcpPacket pkt;
    int n = 0, r;

    g_return_val_if_fail(data != NULL || len == 0, -EINVAL);
    rtcp_iter_init(&iter, data, len);
    while ((r = rtcp_iter_next(&iter, &pkt)) > 0)
        n++;
    if (r < 0 || n == 0)
        return -EBADMSG;
    return n;
}

/* ---- SR and RR ---- */

int rtcp_report_parse(const RtcpPacket *pkt, RtcpReport *report)
{
    const guint8 *b;
    gsize need, blen;

    g_return_val_if_fail(pkt != NULL && report != NULL, -EINVAL);
    memset(report, 0, sizeof(*report));
    if (pkt->type != RTCP_TYPE_SR && pkt->type != RTCP_TYPE_RR)
        return -EPROTOTYPE;

    b = rtcp_packet_body(pkt);
    blen = rtcp_packet_body_len(pkt);
    need = 4 + (pkt->type == RTCP_TYPE_SR ? 20 : 0) + (gsize)pkt->count * RTCP_REPORT_BLOCK_LEN;
    /* More bytes than needed are a profile-specific extension (§6.4.1): ignored. */
    if (blen < need)
        return -EBADMSG;

    report->ssrc = rtp_read_u32(b);
    b += 4;
    if (pkt->type == RTCP_TYPE_SR) {
        report->has_sender_info = TRUE;
        report->sender_info.ntp_timestamp = rtp_read_u64(b);
        report->sender_info.rtp_timestamp = rtp_read_u32(b + 8);
        report->sender_info.packet_count = rtp_read_u32(b + 12);
        report->sender_info.octet_count = rtp_read_u32(b + 16);
        b += 20;
    }
    report->n_blocks = pkt->count;
    report->blocks = b;
    return 0;
}

void rtcp_report_get_block(const RtcpReport *report, guint index, RtcpReportBlock *block)
{
    const guint8 *b;
    guint32 lost;

    g_return_if_fail(report != NULL && block != NULL && index < report->n_blocks);
    b = report->blocks + (gsize)index * RTCP_REPORT_BLOCK_LEN;
    block->ssrc = rtp_read_u32(b);
    block->fraction_lost = b[4];
    lost = rtp_read_u24(b + 5);
    /* §6.4.1: cumulative number of packets lost is a signed 24-bit number. */
    block->cumulative_lost = (lost & 0x800000) ? (gint32)lost - 0x1000000 : (gint32)lost;
    block->highest_seq = rtp_read_u32(b + 8);
    block->jitter = rtp_read_u32(b + 12);
    block->lsr = rtp_read_u32(b + 16);
    block->dlsr = rtp_read_u32(b + 20);
}

/* ---- SDES ---- */

void rtcp_sdes_iter_init(RtcpSdesIter *iter, const RtcpPacket *pkt)
{
    g_return_if_fail(iter != NULL && pkt != NULL);
    memset(iter, 0, sizeof(*iter));
    iter->pkt = pkt;
    iter->pos = RTCP_HEADER_LEN;
    iter->chunks_left = pkt->count;
}

int rtcp_sdes_iter_next(RtcpSdesIter *iter, RtcpSdesItem *item)
{
    const RtcpPacket *pkt;

    g_return_val_if_fail(iter != NULL && item != NULL, -EINVAL);
    pkt = iter->pkt;
    if (pkt->type != RTCP_TYPE_SDES)
        return -EPROTOTYPE;

    for (;;) {
        guint8 type, len;

        if (!iter->in_chunk) {
            if (iter->chunks_left == 0)
                return 0;
            if (pkt->len - iter->pos < 4)
                goto bad;
            iter->ssrc = rtp_read_u32(pkt->data + iter->pos);
            iter->pos += 4;
            iter->in_chunk = TRUE;
        }
        /* §6.5: items run until a null octet, then null octets pad to a 32-bit boundary. */
        if (iter->pos >= pkt->len)
            goto bad;
        type = pkt->data[iter->pos];
        if (type == RTCP_SDES_END) {
            gsize next = (iter->pos + 4) & ~(gsize)3;

            iter->pos = MIN(next, pkt->len);
            iter->in_chunk = FALSE;
            iter->chunks_left--;
            continue;
        }
        if (pkt->len - iter->pos < 2)
            goto bad;
        len = pkt->data[iter->pos + 1];
        if (len > pkt->len - iter->pos - 2)
            goto bad;
        item->ssrc = iter->ssrc;
        item->type = type;
        item->len = len;
        item->value = pkt->data + iter->pos + 2;
        iter->pos += 2 + (gsize)len;
        return 1;
    }

bad:
    iter->chunks_left = 0;
    iter->in_chunk = FALSE;
    return -EBADMSG;
}

int rtcp_sdes_find_cname(const RtcpPacket *pkt, RtcpSdesItem *item)
{
    RtcpSdesIter iter;
    int r;

    g_return_val_if_fail(pkt != NULL && item != NULL, -EINVAL);
    rtcp_sdes_iter_init(&iter, pkt);
    while ((r = rtcp_sdes_iter_next(&iter, item)) > 0) {
        if (item->type == RTCP_SDES_CNAME)
            return 0;
    }
    return r < 0 ? r : -ENOENT;
}

/* ---- BYE ---- */

int rtcp_bye_parse(const RtcpPacket *pkt, RtcpBye *bye)
{
    const guint8 *b;
    gsize blen, ssrc_bytes;

    g_return_val_if_fail(pkt != NULL && bye != NULL, -EINVAL);
    memset(bye, 0, sizeof(*bye));
    if (pkt->type != RTCP_TYPE_BYE)
        return -EPROTOTYPE;
    b = rtcp_packet_body(pkt);
    blen = rtcp_packet_body_len(pkt);
    ssrc_bytes = (gsize)pkt->count * 4;
    if (blen < ssrc_bytes)
        return -EBADMSG;
    bye->n_ssrcs = pkt->count;
    bye->ssrcs = b;
    if (blen > ssrc_bytes) {
        guint8 rlen = b[ssrc_bytes];

        if (rlen > blen - ssrc_bytes - 1)
            return -EBADMSG;
        bye->reason = b + ssrc_bytes + 1;
        bye->reason_len = rlen;
    }
    return 0;
}

guint32 rtcp_bye_get_ssrc(const RtcpBye *bye, guint index)
{
    g_return_val_if_fail(bye != NULL && index < bye->n_ssrcs, 0);
    return rtp_read_u32(bye->ssrcs + 4 * (gsize)index);
}

/* ---- feedback ---- */

int rtcp_feedback_parse(const RtcpPacket *pkt, RtcpFeedback *fb)
{
    const guint8 *b;

    g_return_val_if_fail(pkt != NULL && fb != NULL, -EINVAL);
    memset(fb, 0, sizeof(*fb));
    if (pkt->type != RTCP_TYPE_RTPFB && pkt->type != RTCP_TYPE_PSFB)
        return -EPROTOTYPE;
    if (rtcp_packet_body_len(pkt) < 8)
        return -EBADMSG;
    b = rtcp_packet_body(pkt);
    fb->type = pkt->type;
    fb->fmt = pkt->count;
    fb->sender_ssrc = rtp_read_u32(b);
    fb->media_ssrc = rtp_read_u32(b + 4);
    fb->fci = b + 8;
    fb->fci_len = rtcp_packet_body_len(pkt) - 8;
    return 0;
}

static int feedback_parse_typed(const RtcpPacket *pkt, RtcpFeedback *fb, guint8 type, guint8 fmt)
{
    g_return_val_if_fail(pkt != NULL && fb != NULL, -EINVAL);
    if (pkt->type != type || pkt->count != fmt) {
        memset(fb, 0, sizeof(*fb));
        return -EPROTOTYPE;
    }
    return rtcp_feedback_parse(pkt, fb);
}

int rtcp_nack_parse(const RtcpPacket *pkt, RtcpFeedback *fb)
{
    int r = feedback_parse_typed(pkt, fb, RTCP_TYPE_RTPFB, RTCP_RTPFB_FMT_NACK);

    if (r < 0)
        return r;
    /* §6.2.1: one or more FCI entries of 4 bytes. */
    if (fb->fci_len == 0 || fb->fci_len % 4 != 0)
        return -EBADMSG;
    return 0;
}

void rtcp_nack_get_item(const RtcpFeedback *fb, guint index, guint16 *pid, guint16 *blp)
{
    g_return_if_fail(fb != NULL && index < rtcp_nack_get_n_items(fb));
    if (pid != NULL)
        *pid = rtp_read_u16(fb->fci + 4 * (gsize)index);
    if (blp != NULL)
        *blp = rtp_read_u16(fb->fci + 4 * (gsize)index + 2);
}

gsize rtcp_nack_expand(const RtcpFeedback *fb, guint16 *seqs, gsize max)
{
    guint n_items, i;
    gsize n = 0;

    g_return_val_if_fail(fb != NULL && (seqs != NULL || max == 0), 0);
    n_items = rtcp_nack_get_n_items(fb);
    for (i = 0; i < n_items && n < max; i++) {
        guint16 pid, blp;
        guint bit;

        rtcp_nack_get_item(fb, i, &pid, &blp);
        seqs[n++] = pid;
        /* Bit i of the BLP reports the loss of PID + i + 1. */
        for (bit = 0; bit < 16 && n < max; bit++) {
            if (blp & (1u << bit))
                seqs[n++] = (guint16)(pid + bit + 1);
        }
    }
    return n;
}

int rtcp_pli_parse(const RtcpPacket *pkt, RtcpFeedback *fb)
{
    return feedback_parse_typed(pkt, fb, RTCP_TYPE_PSFB, RTCP_PSFB_FMT_PLI);
}

int rtcp_fir_parse(const RtcpPacket *pkt, RtcpFeedback *fb)
{
    int r = feedback_parse_typed(pkt, fb, RTCP_TYPE_PSFB, RTCP_PSFB_FMT_FIR);

    if (r < 0)
        return r;
    if (fb->fci_len == 0 || fb->fci_len % 8 != 0)
        return -EBADMSG;
    return 0;
}

void rtcp_fir_get_item(const RtcpFeedback *fb, guint index, guint32 *ssrc, guint8 *seq_nr)
{
    g_return_if_fail(fb != NULL && index < rtcp_fir_get_n_items(fb));
    if (ssrc != NULL)
        *ssrc = rtp_read_u32(fb->fci + 8 * (gsize)index);
    if (seq_nr != NULL)
        *seq_nr = fb->fci[8 * (gsize)index + 4];
}

int rtcp_remb_parse(const RtcpPacket *pkt, RtcpRemb *remb)
{
    RtcpFeedback fb;
    guint exp;
    guint64 mantissa;
    guint n;
    int r;

    g_return_val_if_fail(remb != NULL, -EINVAL);
    memset(remb, 0, sizeof(*remb));
    r = feedback_parse_typed(pkt, &fb, RTCP_TYPE_PSFB, RTCP_PSFB_FMT_AFB);
    if (r < 0)
        return r;
    if (fb.fci_len < 4 || memcmp(fb.fci, "REMB", 4) != 0)
        return -EPROTOTYPE;
    if (fb.fci_len < 8)
        return -EBADMSG;
    n = fb.fci[4];
    if (fb.fci_len - 8 < (gsize)n * 4)
        return -EBADMSG;
    exp = fb.fci[5] >> 2;
    mantissa = rtp_read_u24(fb.fci + 5) & 0x3ffff;
    remb->sender_ssrc = fb.sender_ssrc;
    /* An 18-bit mantissa shifted by up to 63 can overflow 64 bits: saturate. */
    if (mantissa != 0 && exp > 0 && (mantissa >> (64 - exp)) != 0)
        remb->bitrate = G_MAXUINT64;
    else
        remb->bitrate = mantissa << exp;
    remb->n_ssrcs = n;
    remb->ssrcs = fb.fci + 8;
    return 0;
}

guint32 rtcp_remb_get_ssrc(const RtcpRemb *remb, guint index)
{
    g_return_val_if_fail(remb != NULL && index < remb->n_ssrcs, 0);
    return rtp_read_u32(remb->ssrcs + 4 * (gsize)index);
}

/* ---- transport-wide cc ---- */

/* How many statuses a packet status chunk describes: a run-length chunk (T = 0) its 13-bit run,
 * a status vector chunk (T = 1) 14 one-bit or 7 two-bit symbols (S = 0 or 1). */
static guint twcc_chunk_n_symbols(guint16 chunk)
{
    if (!(chunk & 0x8000))
        return chunk & 0x1fff;
    return (chunk & 0x4000) ? 7 : 14;
}

static guint twcc_chunk_symbol(guint16 chunk, guint index)
{
    if (!(chunk & 0x8000))
        return (chunk >> 13) & 3;
    if (chunk & 0x4000)
        return (chunk >> (12 - 2 * index)) & 3;
    return (chunk >> (13 - index)) & 1;
}

int rtcp_twcc_parse(const RtcpPacket *pkt, RtcpTwcc *twcc)
{
    RtcpFeedback fb;
    gsize pos, delta_bytes = 0;
    guint remaining;
    guint32 ref;
    int r;

    g_return_val_if_fail(twcc != NULL, -EINVAL);
    memset(twcc, 0, sizeof(*twcc));
    r = feedback_parse_typed(pkt, &fb, RTCP_TYPE_RTPFB, RTCP_RTPFB_FMT_TWCC);
    if (r < 0)
        return r;
    if (fb.fci_len < 8)
        return -EBADMSG;

    twcc->sender_ssrc = fb.sender_ssrc;
    twcc->media_ssrc = fb.media_ssrc;
    twcc->base_seq = rtp_read_u16(fb.fci);
    twcc->status_count = rtp_read_u16(fb.fci + 2);
    ref = rtp_read_u24(fb.fci + 4);
    twcc->reference_time = (ref & 0x800000) ? (gint32)ref - 0x1000000 : (gint32)ref;
    twcc->fb_pkt_count = fb.fci[7];

    pos = 8;
    remaining = twcc->status_count;
    while (remaining > 0) {
        guint16 chunk;
        guint take, i;

        if (fb.fci_len - pos < 2)
            return -EBADMSG;
        chunk = rtp_read_u16(fb.fci + pos);
        pos += 2;
        take = MIN(twcc_chunk_n_symbols(chunk), remaining);
        if (!(chunk & 0x8000)) {
            guint sym = twcc_chunk_symbol(chunk, 0);

            if (sym == 3 && take > 0)
                return -EBADMSG; /* reserved symbol */
            delta_bytes += (gsize)sym * take;
        } else {
            for (i = 0; i < take; i++) {
                guint sym = twcc_chunk_symbol(chunk, i);

                if (sym == 3)
                    return -EBADMSG;
                delta_bytes += sym;
            }
        }
        remaining -= take;
    }
    if (delta_bytes > fb.fci_len - pos)
        return -EBADMSG;

    twcc->chunks = fb.fci + 8;
    twcc->chunks_len = pos - 8;
    twcc->deltas = fb.fci + pos;
    twcc->deltas_len = delta_bytes;
    return 0;
}

void rtcp_twcc_iter_init(RtcpTwccIter *iter, const RtcpTwcc *twcc)
{
    g_return_if_fail(iter != NULL && twcc != NULL);
    memset(iter, 0, sizeof(*iter));
    iter->twcc = twcc;
}

gboolean rtcp_twcc_iter_next(RtcpTwccIter *iter, guint16 *seq, RtcpTwccStatus *status,
                             gint32 *delta)
{
    const RtcpTwcc *twcc;
    guint16 chunk;
    guint sym;
    gint32 d = 0;

    g_return_val_if_fail(iter != NULL, FALSE);
    twcc = iter->twcc;
    if (iter->done >= twcc->status_count)
        return FALSE;

    for (;;) {
        if (twcc->chunks_len - iter->chunk_pos < 2)
            return FALSE;
        chunk = rtp_read_u16(twcc->chunks + iter->chunk_pos);
        if (iter->in_chunk < twcc_chunk_n_symbols(chunk))
            break;
        iter->chunk_pos += 2;
        iter->in_chunk = 0;
    }
    sym = twcc_chunk_symbol(chunk, iter->in_chunk);
    iter->in_chunk++;

    if (sym == RTCP_TWCC_SMALL_DELTA) {
        if (twcc->deltas_len - iter->delta_pos < 1)
            return FALSE;
        d = twcc->deltas[iter->delta_pos];
        iter->delta_pos += 1;
    } else if (sym == RTCP_TWCC_LARGE_DELTA) {
        if (twcc->deltas_len - iter->delta_pos < 2)
            return FALSE;
        d = (gint16)rtp_read_u16(twcc->deltas + iter->delta_pos);
        iter->delta_pos += 2;
    }
    if (seq != NULL)
        *seq = (guint16)(twcc->base_seq + iter->done);
    if (status != NULL)
        *status = (RtcpTwccStatus)sym;
    if (delta != NULL)
        *delta = d;
    iter->done++;
    return TRUE;
}

/* ---- writing ---- */

void rtcp_writer_init(RtcpWriter *writer, guint8 *buf, gsize cap)
{
    g_return_if_fail(writer != NULL && (buf != NULL || cap == 0));
    writer->buf = buf;
    writer->cap = cap;
    writer->len = 0;
    writer->error = 0;
}

int rtcp_writer_finish(const RtcpWriter *writer)
{
    g_return_val_if_fail(writer != NULL, -EINVAL);
    if (writer->error != 0)
        return writer->error;
    if (writer->len > G_MAXINT)
        return -EOVERFLOW;
    return (int)writer->len;
}

/* Reserves @size bytes (a multiple of 4) and writes the common header. Returns the start of the
 * packet, or NULL after recording the error. */
static guint8 *writer_begin(RtcpWriter *writer, gsize size, guint8 count, guint8 type)
{
    guint8 *p;

    if (writer->error != 0)
        return NULL;
    if (size > writer->cap - writer->len || size / 4 - 1 > G_MAXUINT16) {
        writer->error = -ENOSPC;
        return NULL;
    }
    p = writer->buf + writer->len;
    memset(p, 0, size);
    p[0] = (guint8)(0x80 | (count & 0x1f));
    p[1] = type;
    rtp_write_u16(p + 2, (guint16)(size / 4 - 1));
    return p;
}

static int writer_fail(RtcpWriter *writer, int error)
{
    if (writer->error == 0)
        writer->error = error;
    return writer->error;
}

static void write_report_block(guint8 *b, const RtcpReportBlock *block)
{
    gint32 lost = CLAMP(block->cumulative_lost, -0x800000, 0x7fffff);

    rtp_write_u32(b, block->ssrc);
    b[4] = block->fraction_lost;
    rtp_write_u24(b + 5, (guint32)lost & 0xffffff);
    rtp_write_u32(b + 8, block->highest_seq);
    rtp_write_u32(b + 12, block->jitter);
    rtp_write_u32(b + 16, block->lsr);
    rtp_write_u32(b + 20, block->dlsr);
}

int rtcp_writer_add_sr(RtcpWriter *writer, guint32 ssrc, const RtcpSenderInfo *info,
                       const RtcpReportBlock *blocks, guint n_blocks)
{
    guint8 *p;
    guint i;

    g_return_val_if_fail(writer != NULL && info != NULL, -EINVAL);
    g_return_val_if_fail(blocks != NULL || n_blocks == 0, -EINVAL);
    if (n_blocks > RTCP_MAX_COUNT)
        return writer_fail(writer, -EINVAL);
    p = writer_begin(writer, 28 + (gsize)n_blocks * RTCP_REPORT_BLOCK_LEN, (guint8)n_blocks,
                     RTCP_TYPE_SR);
    if (p == NULL)
        return writer->error;
    rtp_write_u32(p + 4, ssrc);
    rtp_write_u64(p + 8, info->ntp_timestamp);
    rtp_write_u32(p + 16, info->rtp_timestamp);
    rtp_write_u32(p + 20, info->packet_count);
    rtp_write_u32(p + 24, info->octet_count);
    for (i = 0; i < n_blocks; i++)
        write_report_block(p + 28 + (gsize)i * RTCP_REPORT_BLOCK_LEN, &blocks[i]);
    writer->len += 28 + (gsize)n_blocks * RTCP_REPORT_BLOCK_LEN;
    return 0;
}

int rtcp_writer_add_rr(RtcpWriter *writer, guint32 ssrc, const RtcpReportBlock *blocks,
                       guint n_blocks)
{
    guint8 *p;
    guint i;

    g_return_val_if_fail(writer != NULL, -EINVAL);
    g_return_val_if_fail(blocks != NULL || n_blocks == 0, -EINVAL);
    if (n_blocks > RTCP_MAX_COUNT)
        return writer_fail(writer, -EINVAL);
    p = writer_begin(writer, 8 + (gsize)n_blocks * RTCP_REPORT_BLOCK_LEN, (guint8)n_blocks,
                     RTCP_TYPE_RR);
    if (p == NULL)
        return writer->error;
    rtp_write_u32(p + 4, ssrc);
    for (i = 0; i < n_blocks; i++)
        write_report_block(p + 8 + (gsize)i * RTCP_REPORT_BLOCK_LEN, &blocks[i]);
    writer->len += 8 + (gsize)n_blocks * RTCP_REPORT_BLOCK_LEN;
    return 0;
}

int rtcp_writer_add_sdes_cname(RtcpWriter *writer, guint32 ssrc, const char *cname)
{
    gsize clen, size;
    guint8 *p;

    g_return_val_if_fail(writer != NULL && cname != NULL, -EINVAL);
    clen = strlen(cname);
    if (clen > 255)
        return writer_fail(writer, -EINVAL);
    /* One chunk: SSRC, the CNAME item, then at least one null octet up to a 32-bit boundary. */
    size = RTCP_HEADER_LEN + ((4 + 2 + clen + 1 + 3) & ~(gsize)3);
    p = writer_begin(writer, size, 1, RTCP_TYPE_SDES);
    if (p == NULL)
        return writer->error;
    rtp_write_u32(p + 4, ssrc);
    p[8] = RTCP_SDES_CNAME;
    p[9] = (guint8)clen;
    memcpy(p + 10, cname, clen);
    writer->len += size;
    return 0;
}

int rtcp_writer_add_bye(RtcpWriter *writer, const guint32 *ssrcs, guint n_ssrcs, const char *reason)
{
    gsize rlen = 0, size;
    guint8 *p;
    guint i;

    g_return_val_if_fail(writer != NULL, -EINVAL);
    g_return_val_if_fail(ssrcs != NULL || n_ssrcs == 0, -EINVAL);
    if (reason != NULL)
        rlen = strlen(reason);
    if (n_ssrcs > RTCP_MAX_COUNT || rlen > 255)
        return writer_fail(writer, -EINVAL);
    size = RTCP_HEADER_LEN + 4 * (gsize)n_ssrcs;
    if (reason != NULL)
        size += (1 + rlen + 3) & ~(gsize)3;
    p = writer_begin(writer, size, (guint8)n_ssrcs, RTCP_TYPE_BYE);
    if (p == NULL)
        return writer->error;
    for (i = 0; i < n_ssrcs; i++)
        rtp_write_u32(p + 4 + 4 * (gsize)i, ssrcs[i]);
    if (reason != NULL) {
        p[4 + 4 * (gsize)n_ssrcs] = (guint8)rlen;
        memcpy(p + 5 + 4 * (gsize)n_ssrcs, reason, rlen);
    }
    writer->len += size;
    return 0;
}

static guint8 *writer_begin_feedback(RtcpWriter *writer, gsize fci_len, guint8 fmt, guint8 type,
                                     guint32 sender_ssrc, guint32 media_ssrc)
{
    guint8 *p = writer_begin(writer, 12 + fci_len, fmt, type);

    if (p != NULL) {
        rtp_write_u32(p + 4, sender_ssrc);
        rtp_write_u32(p + 8, media_ssrc);
    }
    return p;
}

int rtcp_writer_add_nack(RtcpWriter *writer, guint32 sender_ssrc, guint32 media_ssrc,
                         const guint16 *seqs, gsize n_seqs)
{
    gsize n_items = 0, i, size;
    guint16 pid = 0;
    guint8 *p, *item;

    g_return_val_if_fail(writer != NULL && (seqs != NULL || n_seqs == 0), -EINVAL);
    if (n_seqs == 0)
        return writer_fail(writer, -EINVAL);

    /* First count the items, so the header can be written with the right length. */
    for (i = 0; i < n_seqs; i++) {
        guint16 d = (guint16)(seqs[i] - pid);

        if (n_items > 0 && d >= 1 && d <= 16)
            continue;
        if (n_items > 0 && d == 0)
            continue;
        pid = seqs[i];
        n_items++;
    }
    size = 12 + 4 * n_items;
    p = writer_begin_feedback(writer, 4 * n_items, RTCP_RTPFB_FMT_NACK, RTCP_TYPE_RTPFB,
                              sender_ssrc, media_ssrc);
    if (p == NULL)
        return writer->error;

    item = NULL;
    n_items = 0;
    for (i = 0; i < n_seqs; i++) {
        guint16 d = (guint16)(seqs[i] - pid);

        if (item != NULL && d >= 1 && d <= 16) {
            rtp_write_u16(item + 2, (guint16)(rtp_read_u16(item + 2) | (1u << (d - 1))));
            continue;
        }
        if (item != NULL && d == 0)
            continue;
        pid = seqs[i];
        item = p + 12 + 4 * n_items++;
        rtp_write_u16(item, pid);
        rtp_write_u16(item + 2, 0);
    }
    writer->len += size;
    return 0;
}

int rtcp_writer_add_pli(RtcpWriter *writer, guint32 sender_ssrc, guint32 media_ssrc)
{
    g_return_val_if_fail(writer != NULL, -EINVAL);
    if (writer_begin_feedback(writer, 0, RTCP_PSFB_FMT_PLI, RTCP_TYPE_PSFB, sender_ssrc,
                              media_ssrc) == NULL)
        return writer->error;
    writer->len += 12;
    return 0;
}

int rtcp_writer_add_fir(RtcpWriter *writer, guint32 sender_ssrc, guint32 media_ssrc, guint8 seq_nr)
{
    guint8 *p;

    g_return_val_if_fail(writer != NULL, -EINVAL);
    p = writer_begin_feedback(writer, 8, RTCP_PSFB_FMT_FIR, RTCP_TYPE_PSFB, sender_ssrc, 0);
    if (p == NULL)
        return writer->error;
    rtp_write_u32(p + 12, media_ssrc);
    p[16] = seq_nr;
    writer->len += 20;
    return 0;
}

int rtcp_writer_add_remb(RtcpWriter *writer, guint32 sender_ssrc, guint64 bitrate,
                         const guint32 *ssrcs, guint n_ssrcs)
{
    guint exp = 0;
    gsize fci_len;
    guint8 *p;
    guint i;

    g_return_val_if_fail(writer != NULL && (ssrcs != NULL || n_ssrcs == 0), -EINVAL);
    if (n_ssrcs > 255)
        return writer_fail(writer, -EINVAL);
    /* The largest exponent that keeps the mantissa in 18 bits; rounding down is what the
     * sender of a bandwidth limit wants. */
    while ((bitrate >> exp) > 0x3ffff)
        exp++;
    fci_len = 8 + 4 * (gsize)n_ssrcs;
    p = writer_begin_feedback(writer, fci_len, RTCP_PSFB_FMT_AFB, RTCP_TYPE_PSFB, sender_ssrc, 0);
    if (p == NULL)
        return writer->error;
    memcpy(p + 12, "REMB", 4);
    p[16] = (guint8)n_ssrcs;
    rtp_write_u24(p + 17, (guint32)(exp << 18) | (guint32)(bitrate >> exp));
    for (i = 0; i < n_ssrcs; i++)
        rtp_write_u32(p + 20 + 4 * (gsize)i, ssrcs[i]);
    writer->len += 12 + fci_len;
    return 0;
}
