/* rtp-payload.h: just enough of the VP8 and H.264 payload formats for a forwarding router
 * (private to media/).
 *
 * The router never decodes video. It needs to know where a key frame starts (to switch simulcast
 * layers and to answer PLI on time) and, for VP8, the picture id and TL0PICIDX so it can keep them
 * continuous for the receiver across a layer switch. Both readers work on the RTP payload
 * (rtp_packet_payload()), borrow it, allocate nothing and return 0 or a negative errno
 * (-EBADMSG: truncated or malformed; -EPROTONOSUPPORT: a packetization we do not forward).
 *
 * Thread: no global state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The VP8 payload descriptor (RFC 7741 §4.2) and, on the first packet of a frame, the frame
 * header of RFC 7741 §4.3 / RFC 6386 §9.1. */
typedef struct {
    gboolean non_reference;      /* N */
    gboolean start_of_partition; /* S */
    guint8 partition_index;      /* PID */

    gboolean has_picture_id;
    guint8 picture_id_bits; /* 7 or 15 */
    guint16 picture_id;
    gsize picture_id_offset; /* where the M bit and the id start, for in-place rewriting */

    gboolean has_tl0picidx;
    guint8 tl0picidx;
    gsize tl0picidx_offset;

    gboolean has_tid; /* the T bit: TID and Y are meaningful */
    guint8 tid;
    gboolean layer_sync; /* Y */
    gboolean has_keyidx;
    guint8 keyidx;

    gsize descriptor_len; /* the VP8 payload starts here */

    gboolean frame_start; /* S = 1 and PID = 0: the first packet of a frame */
    gboolean keyframe;    /* frame_start and the frame header's P bit is 0 */
    guint16 width;        /* key frames whose packet holds the size, else 0 */
    guint16 height;
} RtpVp8Descriptor;

/* Returns 0, or -EBADMSG when the descriptor is truncated or no payload follows it. */
int rtp_vp8_parse(const guint8 *payload, gsize len, RtpVp8Descriptor *desc);

/* Rewrite the picture id (kept at its 7- or 15-bit width: the value is masked to it) or the
 * TL0PICIDX in place. @desc must be the result of rtp_vp8_parse() on these bytes.
 * Return 0, or -ENOENT when the descriptor does not carry the field. */
int rtp_vp8_set_picture_id(guint8 *payload, const RtpVp8Descriptor *desc, guint16 picture_id);
int rtp_vp8_set_tl0picidx(guint8 *payload, const RtpVp8Descriptor *desc, guint8 tl0picidx);

/* H.264 in packetization mode 0 or 1 (RFC 6184 §5.6-§5.8: single NAL unit, STAP-A, FU-A). */
typedef struct {
    guint8 nal_type;   /* of the packet: 1..23 a single NAL unit, 24 STAP-A, 28 FU-A */
    gboolean has_sps;  /* a sequence parameter set (type 7) */
    gboolean has_pps;  /* a picture parameter set (type 8) */
    gboolean has_idr;  /* a whole IDR slice (type 5), or the first fragment of one */
    gboolean keyframe; /* the packet can start a key frame: has_sps or has_idr */
} RtpH264Info;

/* Returns 0; -EBADMSG for an empty payload, an FU-A without its header or a STAP-A whose sizes
 * run past the end; -EPROTONOSUPPORT for STAP-B, MTAP and FU-B (interleaved mode, not
 * negotiated by us). */
int rtp_h264_parse(const guint8 *payload, gsize len, RtpH264Info *info);

G_END_DECLS
