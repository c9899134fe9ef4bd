/* sfu-forward.c: the packet path: one decrypted RTP packet in, one rewritten copy per subscriber
 * out, and retransmissions from the NACK cache.
 *
 * Design: the work that does not depend on the subscriber is done once per packet: parse the
 * header (rtp_packet_parse), find the stream by SSRC in the publisher's small table (binding an
 * unknown SSRC to a layer by its mid and rid extensions, RFC 8843 §15 and RFC 8852 §3, the way
 * browsers announce simulcast), account it (receiver statistics for our reports, the layer's
 * bitrate for the layer choice, the NACK cache), apply the gate, and read the payload once (VP8
 * descriptor or H.264 NAL type: is it a key frame, which picture id). Then each sink of the track
 * runs its own rewriter and gets its own copy, built directly in the subscriber's preallocated
 * buffer: a new fixed header (its SSRC, sequence number, timestamp, payload type), the CSRCs, a
 * fresh one-byte extension block with only the elements the subscriber negotiated (its mid, the
 * publisher's audio level and video orientation, our abs-send-time), and the payload, whose VP8
 * picture id and TL0PICIDX are then rewritten in place. Building the header instead of patching
 * the publisher's keeps the publisher's extension ids, rid, and transport-wide sequence numbers
 * from leaking to a subscriber that never negotiated them, and costs the same copy that
 * per-subscriber encryption needs anyway. The copy drops RTP padding: a packet that is only
 * padding (the publisher probing its uplink) is counted and not forwarded.
 *
 * A NACK names the subscriber's sequence numbers; sfu_rewriter_lookup() gives the layer and the
 * publisher's sequence number, the layer's SfuNackCache gives the packet as received, and the
 * same builder rewrites it with the mapping of the segment it was first sent in, so the
 * retransmission is byte-for-byte the packet the subscriber missed (RFC 4585 §6.2.1, without
 * RTX). Nothing here allocates; nothing takes a lock.
 */
#include "router/sfu-room-private.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp-bytes.h"
#include "transport/srtp.h"

#define OUT_CAP (SFU_SEND_BUFFER_LEN - SRTP_SESSION_MAX_OVERHEAD)

SfuLayer *sfu_participant_find_stream(SfuParticipant *p, guint32 ssrc)
{
    guint i;

    for (i = 0; i < p->n_ssrcs; i++) {
        if (p->ssrcs[i].ssrc == ssrc)
            return p->ssrcs[i].layer;
    }
    return NULL;
}

SfuLayer *sfu_track_find_layer(SfuTrack *track, guint32 ssrc)
{
    guint i;

    for (i = 0; i < track->n_layers; i++) {
        if (track->layers[i].bound && track->layers[i].ssrc == ssrc)
            return &track->layers[i];
    }
    return NULL;
}

/* The value of extension @id as a string view; FALSE when absent or empty. */
static gboolean ext_string(const RtpPacket *pkt, guint8 id, const guint8 **value, gsize *len)
{
    RtpExtElement e;

    if (id == 0 || rtp_packet_find_extension(pkt, id, &e) < 0 || e.len == 0)
        return FALSE;
    *value = pkt->data + e.offset;
    *len = e.len;
    return TRUE;
}

static gboolean name_equals(const char *name, const guint8 *value, gsize len)
{
    return strlen(name) == len && memcmp(name, value, len) == 0;
}

/* An SSRC the publisher has not used before: which layer is it? RFC 8852 §3: the rid extension
 * names the simulcast layer, the mid extension (RFC 8843 §15) the m-line; a stream that repairs
 * another (RTX, repaired-rid) is not forwarded. Without either, a track with a single layer not
 * yet bound is matched by payload type when that is unambiguous. */
static SfuLayer *bind_stream(SfuParticipant *p, const RtpPacket *pkt)
{
    const SfuExtIds *ext = &p->links[SFU_SIDE_PUBLISH].ext;
    const guint8 *mid = NULL, *rid = NULL, *repaired;
    gsize mid_len = 0, rid_len = 0, repaired_len;
    SfuLayer *found = NULL;
    guint t, i;

    if (p->n_ssrcs >= SFU_MAX_STREAMS)
        return NULL;
    if (ext_string(pkt, ext->repaired_rid, &repaired, &repaired_len))
        return NULL;
    ext_string(pkt, ext->mid, &mid, &mid_len);
    ext_string(pkt, ext->rid, &rid, &rid_len);

    for (t = 0; t < p->n_tracks; t++) {
        SfuTrack *track = p->tracks[t];

        if (mid != NULL && !name_equals(track->mid, mid, mid_len))
            continue;
        if (mid == NULL && rid == NULL && track->payload_type != pkt->payload_type)
            continue;
        for (i = 0; i < track->n_layers; i++) {
            SfuLayer *l = &track->layers[i];

            if (l->bound)
                continue;
            if (rid != NULL ? name_equals(l->rid, rid, rid_len) : track->n_layers == 1) {
                if (found != NULL && mid == NULL)
                    return NULL; /* ambiguous */
                found = l;
            }
        }
    }
    if (found == NULL)
        return NULL;
    found->ssrc = pkt->ssrc;
    found->bound = TRUE;
    p->ssrcs[p->n_ssrcs].ssrc = pkt->ssrc;
    p->ssrcs[p->n_ssrcs].layer = found;
    p->n_ssrcs++;
    return found;
}

void sfu_track_read_packet(const SfuTrack *track, const RtpPacket *pkt, SfuRewriteIn *in,
                           RtpVp8Descriptor *vp8, gboolean *have_vp8)
{
    RtpH264Info h264;

    memset(in, 0, sizeof(*in));
    in->ssrc = pkt->ssrc;
    in->seq = pkt->seq;
    in->timestamp = pkt->timestamp;
    *have_vp8 = FALSE;
    if (track->kind == SFU_MEDIA_AUDIO) {
        in->keyframe = TRUE; /* every audio packet can start the stream */
        return;
    }
    switch (track->codec) {
    case SFU_CODEC_VP8:
        if (rtp_vp8_parse(rtp_packet_payload(pkt), pkt->payload_len, vp8) == 0) {
            *have_vp8 = TRUE;
            in->keyframe = vp8->keyframe;
            in->has_picture_id = vp8->has_picture_id;
            in->picture_id = vp8->picture_id;
            in->has_tl0picidx = vp8->has_tl0picidx;
            in->tl0picidx = vp8->tl0picidx;
        }
        break;
    case SFU_CODEC_H264:
        if (rtp_h264_parse(rtp_packet_payload(pkt), pkt->payload_len, &h264) == 0)
            in->keyframe = h264.keyframe;
        break;
    default:
        in->keyframe = TRUE;
        break;
    }
}

/* abs-send-time: 24-bit fixed point seconds with 18 fractional bits (6.18), of our clock. */
static guint32 abs_send_time(gint64 now_us)
{
    guint64 us = (guint64)MAX(now_us, 0);

    return (
        guint32)(((us / G_USEC_PER_SEC) << 18 | ((us % G_USEC_PER_SEC) << 18) / G_USEC_PER_SEC) &
                 0xffffff);
}

/* Copies a one-byte value of element @in_id of @pkt as element @out_id. */
static gsize put_copied_element(guint8 *buf, gsize pos, const RtpPacket *pkt, guint8 in_id,
                                guint8 out_id)
{
    RtpExtElement e;

    if (in_id == 0 || out_id == 0 || rtp_packet_find_extension(pkt, in_id, &e) < 0 || e.len == 0)
        return pos;
    buf[pos++] = (guint8)(out_id << 4);
    buf[pos++] = pkt->data[e.offset];
    return pos;
}

gsize sfu_sink_build_packet(SfuSink *sink, const RtpPacket *pkt, const SfuRewriteOut *out,
                            const RtpVp8Descriptor *vp8, guint8 *buf, gsize cap, gint64 now_us)
{
    const SfuExtIds *in_ext = &sink->track->publisher->links[SFU_SIDE_PUBLISH].ext;
    gsize off = RTP_HEADER_LEN + 4 * (gsize)pkt->csrc_count;
    gsize worst = off + 4 + (1 + SFU_MID_MAX_LEN) + 2 + 2 + 4 + 3;

    if (worst + pkt->payload_len > cap)
        return 0;
    buf[0] = (guint8)(RTP_VERSION << 6 | pkt->csrc_count);
    buf[1] = (guint8)((pkt->marker ? 0x80 : 0) | sink->payload_type);
    rtp_write_u16(buf + 2, out->seq);
    rtp_write_u32(buf + 4, out->timestamp);
    rtp_write_u32(buf + 8, out->ssrc);
    if (pkt->csrc_count > 0)
        memcpy(buf + RTP_HEADER_LEN, pkt->data + RTP_HEADER_LEN, 4 * (gsize)pkt->csrc_count);

    if (sink->subscriber != NULL) {
        const SfuExtIds *out_ext = &sink->subscriber->links[SFU_SIDE_SUBSCRIBE].ext;
        gsize pos = off + 4;

        /* RFC 8285 §4.2 one-byte elements: id in the high nibble, length - 1 in the low. */
        if (out_ext->mid != 0 && sink->mid_len > 0) {
            buf[pos++] = (guint8)(out_ext->mid << 4 | (sink->mid_len - 1));
            memcpy(buf + pos, sink->mid, sink->mid_len);
            pos += sink->mid_len;
        }
        pos = put_copied_element(buf, pos, pkt, in_ext->audio_level, out_ext->audio_level);
        pos = put_copied_element(buf, pos, pkt, in_ext->video_orientation,
                                 out_ext->video_orientation);
        if (out_ext->abs_send_time != 0) {
            buf[pos++] = (guint8)(out_ext->abs_send_time << 4 | 2);
            rtp_write_u24(buf + pos, abs_send_time(now_us));
            pos += 3;
        }
        if (pos > off + 4) {
            while ((pos - off) % 4 != 0)
                buf[pos++] = 0; /* padding between elements, §4.2 */
            rtp_write_u16(buf + off, RTP_EXT_PROFILE_ONE_BYTE);
            rtp_write_u16(buf + off + 2, (guint16)((pos - off - 4) / 4));
            buf[0] |= 0x10;
            off = pos;
        }
    }

    memcpy(buf + off, rtp_packet_payload(pkt), pkt->payload_len);
    if (vp8 != NULL) {
        if (vp8->has_picture_id)
            rtp_vp8_set_picture_id(buf + off, vp8, out->picture_id);
        if (vp8->has_tl0picidx)
            rtp_vp8_set_tl0picidx(buf + off, vp8, out->tl0picidx);
    }
    return off + pkt->payload_len;
}

void sfu_sink_deliver(SfuRoom *room, SfuSink *sink, guint8 *buf, gsize len, gint64 now_us)
{
    if (sink->tap != NULL) {
        sink->tap->funcs.rtp(sink->tap->user_data, &sink->tap_track, buf, len);
        room->counters.tap_packets++;
    } else {
        SfuLink *link = &sink->subscriber->links[SFU_SIDE_SUBSCRIBE];

        if (link->transport->send_rtp(link->peer, buf, len, SFU_SEND_BUFFER_LEN) < 0) {
            room->counters.send_errors++;
            return;
        }
        room->counters.forwarded++;
        sfu_rate_meter_add(&sink->subscriber->tx_rate, len, now_us);
    }
    sink->packets++;
    sink->octets += len;
    sfu_rate_meter_add(&sink->rate, len, now_us);
}

static guint8 *sink_buffer(SfuSink *sink)
{
    return sink->tap != NULL ? sink->tap->buf : sink->subscriber->send_buf;
}

static gboolean sink_ready(const SfuSink *sink)
{
    if (sink->layer < 0)
        return FALSE;
    return sink->tap != NULL || sink->subscriber->links[SFU_SIDE_SUBSCRIBE].transport != NULL;
}

static void forward(SfuRoom *room, SfuSink *sink, const RtpPacket *pkt, const SfuRewriteIn *in,
                    const RtpVp8Descriptor *vp8, gint64 now_us)
{
    SfuRewriteOut out;
    guint8 *buf;
    gsize len;

    if (!sink_ready(sink))
        return;
    switch (sfu_rewriter_process(&sink->rw, in, now_us, &out)) {
    case SFU_REWRITE_SWITCHED:
        sink->waiting = FALSE;
        break;
    case SFU_REWRITE_FORWARD:
        break;
    default:
        return;
    }
    buf = sink_buffer(sink);
    len = sfu_sink_build_packet(sink, pkt, &out, vp8, buf, OUT_CAP, now_us);
    if (len == 0) {
        room->counters.dropped_too_big++;
        return;
    }
    sfu_sink_deliver(room, sink, buf, len, now_us);
}

int sfu_room_on_rtp(SfuRoom *room, SfuParticipant *from, guint8 *buf, gsize len, gint64 now_us)
{
    RtpPacket pkt;
    SfuRewriteIn in;
    RtpVp8Descriptor vp8;
    gboolean have_vp8, first;
    SfuLayer *layer;
    SfuTrack *track;
    guint i;

    g_return_val_if_fail(room != NULL && from != NULL && buf != NULL, -EINVAL);
    room->counters.rx_packets++;
    if (now_us > room->now_us)
        room->now_us = now_us;
    if (len > SFU_MAX_PACKET_LEN) {
        room->counters.rx_malformed++;
        return -EMSGSIZE;
    }
    if (rtp_packet_parse(&pkt, buf, len) < 0) {
        room->counters.rx_malformed++;
        return -EBADMSG;
    }
    layer = sfu_participant_find_stream(from, pkt.ssrc);
    if (layer == NULL) {
        layer = bind_stream(from, &pkt);
        if (layer == NULL) {
            room->counters.rx_unknown_ssrc++;
            return -ENOENT;
        }
    }
    track = layer->track;
    if (pkt.payload_type != track->payload_type) {
        room->counters.rx_other_payload++;
        return -EPROTONOSUPPORT;
    }

    /* Accounting, whatever the gate says: our receiver reports describe the link. */
    first = !layer->seen;
    from->rx_packets++;
    sfu_rate_meter_add(&from->rx_rate, len, now_us);
    sfu_rate_meter_add(&layer->rate, len, now_us);
    sfu_rx_stats_update(&layer->rx, pkt.seq, pkt.timestamp, now_us);
    sfu_delay_trend_add(&layer->delay, pkt.timestamp, now_us);
    layer->seen = TRUE;
    layer->last_packet_us = now_us;
    if (layer->nack != NULL)
        sfu_nack_cache_store(layer->nack, pkt.seq, buf, len, now_us);
    if (first)
        sfu_room_layer_bound(room, layer, now_us); /* its sinks can start now */
    if ((track->feedback & SFU_FB_NACK) && track->kind == SFU_MEDIA_VIDEO) {
        /* A gap in the publisher's numbering: ask for it at once (sfu-nack-gen.h). */
        int missing = sfu_nack_gen_on_packet(&layer->missing, pkt.seq, now_us);

        if (missing > 0)
            sfu_layer_send_nacks(room, layer, now_us);
        else if (missing < 0)
            sfu_layer_request_keyframe(room, layer, now_us);
    }
    if (pkt.payload_len == 0)
        return 0; /* padding only: a bandwidth probe */

    if (track->kind == SFU_MEDIA_AUDIO) {
        gboolean voice;
        guint8 level;

        if (!from->audio_open) {
            room->counters.dropped_floor += !from->muted_audio;
            room->counters.dropped_muted += from->muted_audio;
            return 0;
        }
        if (rtp_packet_get_audio_level(&pkt, from->links[SFU_SIDE_PUBLISH].ext.audio_level, &voice,
                                       &level) == 0)
            sfu_audio_level_add(&track->level, level);
    } else if (from->muted_video) {
        room->counters.dropped_muted++;
        return 0;
    }

    sfu_track_read_packet(track, &pkt, &in, &vp8, &have_vp8);
    if (in.keyframe && track->kind == SFU_MEDIA_VIDEO) {
        layer->keyframe_wanted = FALSE;
        if (have_vp8 && vp8.width != 0 && vp8.height != 0) {
            layer->width = vp8.width;
            layer->height = vp8.height;
        }
    }
    for (i = 0; i < track->sinks->len; i++)
        forward(room, g_ptr_array_index(track->sinks, i), &pkt, &in, have_vp8 ? &vp8 : NULL,
                now_us);
    return 0;
}

void sfu_sink_answer_nack(SfuRoom *room, SfuSink *sink, const guint16 *seqs, gsize n_seqs,
                          gint64 now_us)
{
    gsize i;

    if (!sink_ready(sink))
        return;
    for (i = 0; i < n_seqs; i++) {
        SfuRewriterSegment segment;
        SfuRewriteIn in;
        SfuRewriteOut out;
        RtpVp8Descriptor vp8;
        gboolean have_vp8;
        RtpPacket pkt;
        const guint8 *cached;
        gsize cached_len, len;
        guint32 in_ssrc;
        guint16 in_seq;
        SfuLayer *layer;
        guint8 *buf;

        if (sfu_rewriter_lookup(&sink->rw, seqs[i], &in_ssrc, &in_seq, &segment) < 0 ||
            (layer = sfu_track_find_layer(sink->track, in_ssrc)) == NULL || layer->nack == NULL ||
            sfu_nack_cache_lookup(layer->nack, in_seq, now_us, &cached, &cached_len) < 0 ||
            cached_len > SFU_MAX_PACKET_LEN) {
            room->counters.nack_misses++;
            continue;
        }
        memcpy(room->scratch_buf, cached, cached_len);
        if (rtp_packet_parse(&pkt, room->scratch_buf, cached_len) < 0 || pkt.payload_len == 0) {
            room->counters.nack_misses++;
            continue;
        }
        sfu_track_read_packet(sink->track, &pkt, &in, &vp8, &have_vp8);
        sfu_rewriter_apply(&sink->rw, &segment, &in, &out);
        buf = sink_buffer(sink);
        len = sfu_sink_build_packet(sink, &pkt, &out, have_vp8 ? &vp8 : NULL, buf, OUT_CAP, now_us);
        if (len == 0) {
            room->counters.dropped_too_big++;
            continue;
        }
        room->counters.retransmitted++;
        sfu_sink_deliver(room, sink, buf, len, now_us);
    }
}
