/* rtp.c: the RTP packet reader and in-place header writer.
 *
 * Design: rtp_packet_parse() validates the layout of RFC 3550 §5.1 once (version, the CSRC list,
 * the header extension block of §5.3.1, the padding count of the P bit) and stores offsets, so
 * later code reads fields with no further length arithmetic and the router rewrites SSRC,
 * sequence number, timestamp and payload type by writing the same bytes back (§5.1 layout). The
 * extension block is interpreted as RFC 8285 elements: the one-byte form (profile 0xBEDE, §4.2)
 * and the two-byte form (profile 0x100X, §4.3). Padding bytes (value 0) between elements are
 * skipped; id 15 in the one-byte form ends the walk, and an element that would overrun the block
 * ends it too, so a bad element costs the packet its remaining extensions, never the packet
 * itself (as browsers do). Removing an element in place turns its bytes into padding, which keeps
 * the packet length and so never moves the payload.
 *
 * Nothing here allocates; every read is preceded by a length check; no buffer is ever cast to a
 * struct.
 */
#include "rtp/rtp.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp-bytes.h"

int rtp_packet_parse(RtpPacket *pkt, guint8 *data, gsize len)
{
    gsize off, end;

    g_return_val_if_fail(pkt != NULL, -EINVAL);
    g_return_val_if_fail(data != NULL || len == 0, -EINVAL);

    memset(pkt, 0, sizeof(*pkt));
    if (len < RTP_HEADER_LEN || (data[0] >> 6) != RTP_VERSION)
        return -EBADMSG;

    pkt->data = data;
    pkt->len = len;
    pkt->csrc_count = data[0] & 0x0f;
    pkt->marker = (data[1] & 0x80) != 0;
    pkt->payload_type = data[1] & 0x7f;
    pkt->seq = rtp_read_u16(data + 2);
    pkt->timestamp = rtp_read_u32(data + 4);
    pkt->ssrc = rtp_read_u32(data + 8);

    off = RTP_HEADER_LEN + 4 * (gsize)pkt->csrc_count;
    if (off > len)
        return -EBADMSG;

    if (data[0] & 0x10) {
        gsize words;

        /* §5.3.1: 16-bit profile, 16-bit length in 32-bit words, excluding this header. */
        if (len - off < 4)
            return -EBADMSG;
        pkt->ext_profile = rtp_read_u16(data + off);
        words = rtp_read_u16(data + off + 2);
        off += 4;
        if (words * 4 > len - off)
            return -EBADMSG;
        pkt->ext_offset = off;
        pkt->ext_len = words * 4;
        off += pkt->ext_len;
        if (pkt->ext_profile == RTP_EXT_PROFILE_ONE_BYTE)
            pkt->ext_form = RTP_EXT_FORM_ONE_BYTE;
        else if ((pkt->ext_profile & RTP_EXT_PROFILE_TWO_BYTE_MASK) == RTP_EXT_PROFILE_TWO_BYTE)
            pkt->ext_form = RTP_EXT_FORM_TWO_BYTE;
        else
            pkt->ext_form = RTP_EXT_FORM_OTHER;
    }

    end = len;
    if (data[0] & 0x20) {
        /* §5.1: the last octet counts the padding octets, itself included. */
        guint8 pad = data[len - 1];

        if (pad == 0 || pad > len - off)
            return -EBADMSG;
        pkt->padding_len = pad;
        end -= pad;
    }

    pkt->payload_offset = off;
    pkt->payload_len = end - off;
    return 0;
}

guint32 rtp_packet_get_csrc(const RtpPacket *pkt, guint index)
{
    g_return_val_if_fail(pkt != NULL && index < pkt->csrc_count, 0);
    return rtp_read_u32(pkt->data + RTP_HEADER_LEN + 4 * (gsize)index);
}

void rtp_packet_set_ssrc(RtpPacket *pkt, guint32 ssrc)
{
    g_return_if_fail(pkt != NULL && pkt->data != NULL);
    rtp_write_u32(pkt->data + 8, ssrc);
    pkt->ssrc = ssrc;
}

void rtp_packet_set_seq(RtpPacket *pkt, guint16 seq)
{
    g_return_if_fail(pkt != NULL && pkt->data != NULL);
    rtp_write_u16(pkt->data + 2, seq);
    pkt->seq = seq;
}

void rtp_packet_set_timestamp(RtpPacket *pkt, guint32 timestamp)
{
    g_return_if_fail(pkt != NULL && pkt->data != NULL);
    rtp_write_u32(pkt->data + 4, timestamp);
    pkt->timestamp = timestamp;
}

void rtp_packet_set_payload_type(RtpPacket *pkt, guint8 payload_type)
{
    g_return_if_fail(pkt != NULL && pkt->data != NULL);
    g_return_if_fail(payload_type < 128);
    pkt->data[1] = (guint8)((pkt->data[1] & 0x80) | payload_type);
    pkt->payload_type = payload_type;
}

void rtp_packet_set_marker(RtpPacket *pkt, gboolean marker)
{
    g_return_if_fail(pkt != NULL && pkt->data != NULL);
    pkt->data[1] = (guint8)((pkt->data[1] & 0x7f) | (marker ? 0x80 : 0));
    pkt->marker = marker != FALSE;
}

void rtp_ext_iter_init(RtpExtIter *iter, const RtpPacket *pkt)
{
    g_return_if_fail(iter != NULL && pkt != NULL);
    iter->pkt = pkt;
    iter->pos = pkt->ext_offset;
}

gboolean rtp_ext_iter_next(RtpExtIter *iter, RtpExtElement *element)
{
    const RtpPacket *pkt;
    gsize end;

    g_return_val_if_fail(iter != NULL && element != NULL, FALSE);
    pkt = iter->pkt;
    if (pkt->ext_form != RTP_EXT_FORM_ONE_BYTE && pkt->ext_form != RTP_EXT_FORM_TWO_BYTE)
        return FALSE;
    end = pkt->ext_offset + pkt->ext_len;

    while (iter->pos < end) {
        guint8 b = pkt->data[iter->pos];
        guint8 id;
        gsize hdr, len;

        if (b == 0) {
            iter->pos++; /* a padding byte, both forms */
            continue;
        }
        if (pkt->ext_form == RTP_EXT_FORM_ONE_BYTE) {
            id = b >> 4;
            len = (gsize)(b & 0x0f) + 1; /* §4.2: the 4-bit length is one less than the size */
            hdr = 1;
            /* id 15 is reserved: stop there. Id 0 with a length is malformed (0 is padding). */
            if (id == 15 || id == 0)
                break;
        } else {
            if (end - iter->pos < 2)
                break;
            id = b;
            len = pkt->data[iter->pos + 1];
            hdr = 2;
        }
        if (len > end - iter->pos - hdr)
            break;
        element->id = id;
        element->hdr_len = hdr;
        element->offset = iter->pos + hdr;
        element->len = len;
        iter->pos += hdr + len;
        return TRUE;
    }
    iter->pos = end;
    return FALSE;
}

int rtp_packet_find_extension(const RtpPacket *pkt, guint8 id, RtpExtElement *element)
{
    RtpExtIter iter;
    RtpExtElement e;

    g_return_val_if_fail(pkt != NULL && element != NULL, -EINVAL);
    if (id == 0)
        return -ENOENT;
    rtp_ext_iter_init(&iter, pkt);
    while (rtp_ext_iter_next(&iter, &e)) {
        if (e.id == id) {
            *element = e;
            return 0;
        }
    }
    return -ENOENT;
}

int rtp_packet_set_extension_value(RtpPacket *pkt, guint8 id, const guint8 *value, gsize len)
{
    RtpExtElement e;
    int r;

    g_return_val_if_fail(pkt != NULL && (value != NULL || len == 0), -EINVAL);
    r = rtp_packet_find_extension(pkt, id, &e);
    if (r < 0)
        return r;
    if (e.len != len)
        return -EMSGSIZE;
    if (len > 0)
        memcpy(pkt->data + e.offset, value, len);
    return 0;
}

int rtp_packet_remap_extensions(RtpPacket *pkt, const guint8 map[256])
{
    RtpExtIter iter;
    RtpExtElement e;
    int kept = 0;

    g_return_val_if_fail(pkt != NULL && map != NULL, -EINVAL);

    if (pkt->ext_form == RTP_EXT_FORM_ONE_BYTE) {
        /* Check first, so that a refused map leaves the packet untouched. */
        rtp_ext_iter_init(&iter, pkt);
        while (rtp_ext_iter_next(&iter, &e)) {
            if (map[e.id] > 14)
                return -EINVAL;
        }
    }

    rtp_ext_iter_init(&iter, pkt);
    while (rtp_ext_iter_next(&iter, &e)) {
        guint8 *hdr = pkt->data + e.offset - e.hdr_len;
        guint8 to = map[e.id];

        if (to == 0) {
            memset(hdr, 0, e.hdr_len + e.len);
            continue;
        }
        if (pkt->ext_form == RTP_EXT_FORM_ONE_BYTE)
            hdr[0] = (guint8)(to << 4 | (hdr[0] & 0x0f));
        else
            hdr[0] = to;
        kept++;
    }
    return kept;
}

int rtp_packet_get_audio_level(const RtpPacket *pkt, guint8 ext_id, gboolean *voice, guint8 *level)
{
    RtpExtElement e;
    guint8 b;
    int r;

    g_return_val_if_fail(pkt != NULL, -EINVAL);
    r = rtp_packet_find_extension(pkt, ext_id, &e);
    if (r < 0)
        return r;
    /* RFC 6464 §3: one byte, V in the top bit and the level below it. Some senders pad the
     * element to a longer length; the first byte is still the value. */
    if (e.len < 1)
        return -EBADMSG;
    b = pkt->data[e.offset];
    if (voice != NULL)
        *voice = (b & 0x80) != 0;
    if (level != NULL)
        *level = b & 0x7f;
    return 0;
}
