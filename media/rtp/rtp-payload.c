/* rtp-payload.c: VP8 payload descriptor and H.264 key frame detection.
 *
 * Design: VP8 (RFC 7741 §4.2): the first octet has X (extension octet follows), N, S and the
 * 3-bit partition index; the extension octet flags which of picture id (I, 7 or 15 bits by the M
 * bit), TL0PICIDX (L) and TID/Y/KEYIDX (T, K) follow, in that order. A frame starts in the packet
 * with S = 1 and PID = 0, whose payload begins with the VP8 frame header: its lowest bit is the
 * inverse key frame flag P (RFC 7741 §4.3, RFC 6386 §9.1), and a key frame's header goes on with
 * the start code 9d 01 2a and the 14-bit width and height. The offsets of picture id and
 * TL0PICIDX are kept so the router can rewrite them in place without parsing twice.
 *
 * H.264 (RFC 6184 §5.2-§5.8): the low five bits of the first octet are the NAL unit type. Types
 * 1-23 are one NAL unit; STAP-A (24) aggregates NAL units each behind a 16-bit size; FU-A (28)
 * fragments one NAL unit and its FU header carries the start bit and the real type. A packet can
 * start a key frame when it carries an SPS (browsers send SPS and PPS just before each IDR) or
 * begins an IDR slice. The interleaved-mode types (STAP-B, MTAP16/24, FU-B) are refused: we
 * never negotiate packetization-mode=2.
 */
#include "rtp/rtp-payload.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp-bytes.h"

int rtp_vp8_parse(const guint8 *payload, gsize len, RtpVp8Descriptor *desc)
{
    gsize pos = 1;
    guint8 b;

    g_return_val_if_fail(desc != NULL, -EINVAL);
    g_return_val_if_fail(payload != NULL || len == 0, -EINVAL);
    memset(desc, 0, sizeof(*desc));
    if (len < 1)
        return -EBADMSG;

    b = payload[0];
    desc->non_reference = (b & 0x20) != 0;
    desc->start_of_partition = (b & 0x10) != 0;
    desc->partition_index = b & 0x07;

    if (b & 0x80) {
        guint8 x;

        if (len - pos < 1)
            return -EBADMSG;
        x = payload[pos++];
        if (x & 0x80) { /* I: picture id */
            if (len - pos < 1)
                return -EBADMSG;
            desc->has_picture_id = TRUE;
            desc->picture_id_offset = pos;
            if (payload[pos] & 0x80) { /* M: 15-bit id */
                if (len - pos < 2)
                    return -EBADMSG;
                desc->picture_id_bits = 15;
                desc->picture_id = rtp_read_u16(payload + pos) & 0x7fff;
                pos += 2;
            } else {
                desc->picture_id_bits = 7;
                desc->picture_id = payload[pos] & 0x7f;
                pos += 1;
            }
        }
        if (x & 0x40) { /* L: TL0PICIDX */
            if (len - pos < 1)
                return -EBADMSG;
            desc->has_tl0picidx = TRUE;
            desc->tl0picidx_offset = pos;
            desc->tl0picidx = payload[pos++];
        }
        if (x & 0x30) { /* T or K: one octet TID|Y|KEYIDX */
            guint8 t;

            if (len - pos < 1)
                return -EBADMSG;
            t = payload[pos++];
            if (x & 0x20) {
                desc->has_tid = TRUE;
                desc->tid = t >> 6;
                desc->layer_sync = (t & 0x20) != 0;
            }
            if (x & 0x10) {
                desc->has_keyidx = TRUE;
                desc->keyidx = t & 0x1f;
            }
        }
    }
    /* A descriptor with nothing behind it carries no VP8 data at all. */
    if (pos >= len)
        return -EBADMSG;
    desc->descriptor_len = pos;

    desc->frame_start = desc->start_of_partition && desc->partition_index == 0;
    if (desc->frame_start) {
        const guint8 *f = payload + pos;
        gsize flen = len - pos;

        /* RFC 6386 §9.1: frame tag bit 0 is the inverse key frame flag. */
        desc->keyframe = (f[0] & 0x01) == 0;
        if (desc->keyframe && flen >= 10 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a) {
            /* 14-bit sizes, little endian, under a 2-bit scale. */
            desc->width = (guint16)((f[6] | f[7] << 8) & 0x3fff);
            desc->height = (guint16)((f[8] | f[9] << 8) & 0x3fff);
        }
    }
    return 0;
}

int rtp_vp8_set_picture_id(guint8 *payload, const RtpVp8Descriptor *desc, guint16 picture_id)
{
    g_return_val_if_fail(payload != NULL && desc != NULL, -EINVAL);
    if (!desc->has_picture_id)
        return -ENOENT;
    if (desc->picture_id_bits == 15)
        rtp_write_u16(payload + desc->picture_id_offset, (guint16)(0x8000 | (picture_id & 0x7fff)));
    else
        payload[desc->picture_id_offset] = picture_id & 0x7f;
    return 0;
}

int rtp_vp8_set_tl0picidx(guint8 *payload, const RtpVp8Descriptor *desc, guint8 tl0picidx)
{
    g_return_val_if_fail(payload != NULL && desc != NULL, -EINVAL);
    if (!desc->has_tl0picidx)
        return -ENOENT;
    payload[desc->tl0picidx_offset] = tl0picidx;
    return 0;
}

enum {
    H264_NAL_IDR = 5,
    H264_NAL_SPS = 7,
    H264_NAL_PPS = 8,
    H264_STAP_A = 24,
    H264_STAP_B = 25,
    H264_MTAP16 = 26,
    H264_MTAP24 = 27,
    H264_FU_A = 28,
    H264_FU_B = 29,
};

static void h264_note_nal(RtpH264Info *info, guint8 type)
{
    if (type == H264_NAL_SPS)
        info->has_sps = TRUE;
    else if (type == H264_NAL_PPS)
        info->has_pps = TRUE;
    else if (type == H264_NAL_IDR)
        info->has_idr = TRUE;
}

int rtp_h264_parse(const guint8 *payload, gsize len, RtpH264Info *info)
{
    gsize pos;

    g_return_val_if_fail(info != NULL, -EINVAL);
    g_return_val_if_fail(payload != NULL || len == 0, -EINVAL);
    memset(info, 0, sizeof(*info));
    if (len < 1)
        return -EBADMSG;
    info->nal_type = payload[0] & 0x1f;

    switch (info->nal_type) {
    case H264_STAP_A:
        /* §5.7.1: after the STAP-A octet, NAL units each preceded by a 16-bit size. */
        pos = 1;
        while (pos < len) {
            gsize size;

            if (len - pos < 2)
                return -EBADMSG;
            size = rtp_read_u16(payload + pos);
            pos += 2;
            if (size == 0 || size > len - pos)
                return -EBADMSG;
            h264_note_nal(info, payload[pos] & 0x1f);
            pos += size;
        }
        if (pos == 1)
            return -EBADMSG; /* no NAL unit at all */
        break;
    case H264_FU_A:
        /* §5.8: FU indicator, FU header (S E R type), then the fragment. */
        if (len < 2)
            return -EBADMSG;
        if (payload[1] & 0x80)
            h264_note_nal(info, payload[1] & 0x1f);
        break;
    case H264_STAP_B:
    case H264_MTAP16:
    case H264_MTAP24:
    case H264_FU_B:
        return -EPROTONOSUPPORT;
    default:
        /* 1-23: a single NAL unit (§5.6); 0, 30 and 31 are unspecified and carry nothing we
         * look at. */
        h264_note_nal(info, info->nal_type);
        break;
    }
    info->keyframe = info->has_sps || info->has_idr;
    return 0;
}
