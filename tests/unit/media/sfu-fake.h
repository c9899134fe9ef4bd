/* sfu-fake.h: in-memory peers and packet builders for the router's tests and benchmark.
 *
 * A FakePeer stands in for a MediaPeer: the room's SfuTransport calls land in it, and it keeps a
 * copy of every RTP and RTCP packet "sent" (or, with count_only, only counts them, so a test or a
 * benchmark can run the packet path without allocating). The builders write RTP packets with
 * one-byte header extensions and VP8 payloads into caller buffers.
 */
#pragma once

#include <glib.h>

#include "router/sfu-room.h"

G_BEGIN_DECLS

typedef struct {
    GPtrArray *rtp;  /* GBytes *, every RTP packet sent, in order */
    GPtrArray *rtcp; /* GBytes *, every RTCP compound sent */
    gboolean count_only;
    guint64 n_rtp;
    guint64 n_rtcp;
    guint64 bytes;
    int fail_with; /* when non-zero, sends return it */
} FakePeer;

extern const SfuTransport fake_transport;

FakePeer *fake_peer_new(gboolean count_only);
void fake_peer_free(FakePeer *peer);
void fake_peer_clear(FakePeer *peer);

typedef struct {
    guint8 id;
    const guint8 *value;
    guint8 len;
} FakeExt;

/* An RTP packet with the given one-byte extension elements and payload. Returns its length. */
gsize fake_rtp(guint8 *buf, guint32 ssrc, guint16 seq, guint32 ts, guint8 pt, gboolean marker,
               const FakeExt *exts, guint n_exts, const guint8 *payload, gsize payload_len);

/* A VP8 payload (RFC 7741) of @len bytes: descriptor with a 15-bit picture id, then the start of
 * a frame; a key frame carries @width x @height. The rest is filled with @fill. */
gsize fake_vp8_payload(guint8 *buf, gsize len, gboolean keyframe, guint16 picture_id, guint16 width,
                       guint16 height, guint8 fill);

/* Reads back what a subscriber got. */
guint16 fake_rtp_seq(GBytes *pkt);
guint32 fake_rtp_ts(GBytes *pkt);
guint32 fake_rtp_ssrc(GBytes *pkt);
guint8 fake_rtp_pt(GBytes *pkt);

/* Every RTCP packet of the compounds @peer was sent, in order (an RtcpPacket each, pointing into
 * peer->rtcp: valid until the peer is cleared). */
GArray *fake_rtcp_packets(FakePeer *peer);

/* Finds PLIs in the RTCP a publisher was sent: how many asked for @media_ssrc. */
guint fake_count_pli(FakePeer *peer, guint32 media_ssrc);

G_END_DECLS
