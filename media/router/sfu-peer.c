/* sfu-peer.c: a MediaPeer as a room's transport, and negotiated SDP as the room's configuration.
 *
 * Design: deliberately thin. The room knows nothing of ICE, DTLS or SDP, and the transport
 * nothing of rooms; this file is the only place that knows both vocabularies, and it only
 * renames: SDP's extension tables become SfuExtIds, a media section becomes an SfuTrackConfig,
 * and the two send functions forward to the peer. They protect the room's buffer in place
 * (peer_send_rtp_in_place()): the room builds each subscriber's packet in a buffer of its own,
 * 4-byte aligned with SFU_SEND_BUFFER_LEN (SFU_RTCP_BUFFER_LEN for RTCP) bytes, room for the
 * SRTP tag included, and is done with it once the send returns (SfuTransport in sfu-room.h),
 * which is what the in-place send asks for. That saves the peer's copy into its own send
 * buffer: one memcpy per forwarded packet and subscriber.
 */
#include "router/sfu-peer.h"

#include <string.h>

#include "transport/peer.h"

static int send_rtp(gpointer peer, guint8 *buf, gsize len, gsize cap)
{
    return peer_send_rtp_in_place(peer, buf, len, cap);
}

static int send_rtcp(gpointer peer, guint8 *buf, gsize len, gsize cap)
{
    return peer_send_rtcp_in_place(peer, buf, len, cap);
}

const SfuTransport sfu_peer_transport = {
    .send_rtp = send_rtp,
    .send_rtcp = send_rtcp,
};

static void add_id(guint8 *id, guint8 value)
{
    if (*id == 0)
        *id = value;
}

void sfu_ext_ids_add_sdp(SfuExtIds *ids, const guint8 ext_ids[SDP_N_EXTS])
{
    g_return_if_fail(ext_ids != NULL && ids != NULL);
    add_id(&ids->mid, ext_ids[SDP_EXT_MID]);
    add_id(&ids->rid, ext_ids[SDP_EXT_RID]);
    add_id(&ids->repaired_rid, ext_ids[SDP_EXT_REPAIRED_RID]);
    add_id(&ids->audio_level, ext_ids[SDP_EXT_AUDIO_LEVEL]);
    add_id(&ids->abs_send_time, ext_ids[SDP_EXT_ABS_SEND_TIME]);
    add_id(&ids->video_orientation, ext_ids[SDP_EXT_VIDEO_ORIENTATION]);
}

gboolean sfu_track_config_from_sdp(const SdpMedia *media, SfuTrackConfig *config)
{
    guint i;

    g_return_val_if_fail(media != NULL && config != NULL, FALSE);
    memset(config, 0, sizeof(*config));
    if (!media->accepted || media->mid[0] == '\0' ||
        (media->direction != SDP_DIRECTION_SENDONLY && media->direction != SDP_DIRECTION_SENDRECV))
        return FALSE;
    switch (media->codec) {
    case SDP_CODEC_OPUS:
        config->codec = SFU_CODEC_OPUS;
        break;
    case SDP_CODEC_VP8:
        config->codec = SFU_CODEC_VP8;
        break;
    case SDP_CODEC_H264:
        config->codec = SFU_CODEC_H264;
        break;
    default:
        return FALSE;
    }
    if (media->kind == SDP_MEDIA_AUDIO)
        config->kind = SFU_MEDIA_AUDIO;
    else if (media->kind == SDP_MEDIA_VIDEO)
        config->kind = SFU_MEDIA_VIDEO;
    else
        return FALSE;
    config->mid = media->mid;
    config->payload_type = media->payload_type;
    config->feedback = ((media->feedback & SDP_FB_NACK) ? SFU_FB_NACK : 0) |
                       ((media->feedback & SDP_FB_NACK_PLI) ? SFU_FB_PLI : 0) |
                       ((media->feedback & SDP_FB_CCM_FIR) ? SFU_FB_FIR : 0) |
                       ((media->feedback & SDP_FB_GOOG_REMB) ? SFU_FB_REMB : 0);
    config->clock_rate = media->clock_rate != 0 ? media->clock_rate
                                                : (config->kind == SFU_MEDIA_AUDIO ? 48000 : 90000);
    if (config->kind == SFU_MEDIA_VIDEO && media->n_rids > 1) {
        config->n_layers = MIN(media->n_rids, SFU_MAX_LAYERS);
        for (i = 0; i < config->n_layers; i++)
            config->layers[i].rid = media->rids[i].id;
    } else {
        config->n_layers = 1;
        if (media->n_rids == 1)
            config->layers[0].rid = media->rids[0].id;
        config->layers[0].ssrc = media->n_ssrcs > 0 ? media->ssrcs[0] : 0;
    }
    return TRUE;
}
