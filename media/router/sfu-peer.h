/* sfu-peer.h: a MediaPeer and its negotiated SDP as a room sees them (private to media/).
 *
 * The glue between the transport and the router: sfu_peer_transport makes a MediaPeer
 * (transport/peer.h) a room's SfuTransport, and the two readers turn a negotiated media section
 * (sdp/sdp.h) into what sfu_room_publish() and sfu_participant_set_transport() take. With them
 * a participant's peer is attached in a few lines, on the room's worker:
 *
 *     SfuExtIds ext = {0};
 *     SfuTrackConfig track;
 *
 *     for (i = 0; i < offer->n_media; i++)
 *         sfu_ext_ids_add_sdp(&ext, offer->media[i].ext_ids);
 *     sfu_participant_set_transport(p, SFU_SIDE_PUBLISH, &sfu_peer_transport, peer, &ext);
 *     for (i = 0; i < offer->n_media; i++)
 *         if (sfu_track_config_from_sdp(&offer->media[i], &track))
 *             sfu_room_publish(room, id, &track, &error);
 *
 * and the peer's rtp and rtcp callbacks call sfu_room_on_rtp() and sfu_room_on_rtcp(), its
 * state_changed callback sfu_room_set_peer_connected().
 *
 * Thread: the room's worker (the peer lives on its context).
 */
#pragma once

#include <glib.h>

#include "router/sfu-room.h"
#include "sdp/sdp.h"

G_BEGIN_DECLS

/* send_rtp and send_rtcp call peer_send_rtp_in_place() and peer_send_rtcp_in_place() on the
 * MediaPeer given as the transport's peer pointer: the room's buffer is protected where it is
 * (it holds the SRTP packet afterwards) and sent, with no copy. */
extern const SfuTransport sfu_peer_transport;

/* Adds the RFC 8285 ids of one negotiated section (SdpMedia.ext_ids or SdpOfferMedia.ext_ids)
 * to @ids, keeping those already set: a bundle maps each id to one URI across its sections
 * (RFC 8843 §9.2), but an audio section does not list the rid, so a peer's ids are the union of
 * its sections'. Start from a zeroed SfuExtIds. */
void sfu_ext_ids_add_sdp(SfuExtIds *ids, const guint8 ext_ids[SDP_N_EXTS]);

/* The track a publisher's media section describes: its mid, kind, codec and payload type, and
 * its layers: the rids of a=simulcast, in that order, which must go from the lowest quality to
 * the highest (the web client sends them as q;h;f); without simulcast, one layer with the
 * section's first a=ssrc (0 when it has none: learnt from the first packet). The strings are
 * borrowed from @media. Returns FALSE when the section is rejected, does not send, or has no
 * codec the router forwards. */
gboolean sfu_track_config_from_sdp(const SdpMedia *media, SfuTrackConfig *config);

G_END_DECLS
