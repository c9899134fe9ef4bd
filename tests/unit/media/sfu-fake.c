/* sfu-fake.c: in-memory peers and packet builders for the router's tests and benchmark. */
#include "sfu-fake.h"

#include <string.h>

#include "rtp/rtcp.h"
#include "rtp/rtp-bytes.h"

static int fake_send(FakePeer *peer, GPtrArray *into, const guint8 *buf, gsize len)
{
    if (peer->fail_with != 0)
        return peer->fail_with;
    peer->bytes += len;
    if (!peer->count_only)
        g_ptr_array_add(into, g_bytes_new(buf, len));
    return 0;
}

static int fake_send_rtp(gpointer data, guint8 *buf, gsize len, gsize cap)
{
    FakePeer *peer = data;

    g_assert_cmpuint(len, <=, cap);
    g_assert_cmpuint((guintptr)buf % 4, ==, 0);
    peer->n_rtp++;
    return fake_send(peer, peer->rtp, buf, len);
}

static int fake_send_rtcp(gpointer data, guint8 *buf, gsize len, gsize cap)
{
    FakePeer *peer = data;

    g_assert_cmpuint(len, <=, cap);
    g_assert_cmpint(rtcp_compound_validate(buf, len), >, 0);
    peer->n_rtcp++;
    return fake_send(peer, peer->rtcp, buf, len);
}

const SfuTransport fake_transport = {
    .send_rtp = fake_send_rtp,
    .send_rtcp = fake_send_rtcp,
};

FakePeer *fake_peer_new(gboolean count_only)
{
    FakePeer *peer = g_new0(FakePeer, 1);

    peer->rtp = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    peer->rtcp = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    peer->count_only = count_only;
    return peer;
}

void fake_peer_clear(FakePeer *peer)
{
    g_ptr_array_set_size(peer->rtp, 0);
    g_ptr_array_set_size(peer->rtcp, 0);
    peer->n_rtp = peer->n_rtcp = peer->bytes = 0;
}

void fake_peer_free(FakePeer *peer)
{
    if (peer == NULL)
        return;
    g_ptr_array_unref(peer->rtp);
    g_ptr_array_unref(peer->rtcp);
    g_free(peer);
}

gsize fake_rtp(guint8 *buf, guint32 ssrc, guint16 seq, guint32 ts, guint8 pt, gboolean marker,
               const FakeExt *exts, guint n_exts, const guint8 *payload, gsize payload_len)
{
    gsize off = 12;
    guint i;

    buf[0] = 0x80;
    buf[1] = (guint8)((marker ? 0x80 : 0) | pt);
    rtp_write_u16(buf + 2, seq);
    rtp_write_u32(buf + 4, ts);
    rtp_write_u32(buf + 8, ssrc);
    if (n_exts > 0) {
        gsize start = off;

        off += 4;
        for (i = 0; i < n_exts; i++) {
            buf[off++] = (guint8)(exts[i].id << 4 | (exts[i].len - 1));
            memcpy(buf + off, exts[i].value, exts[i].len);
            off += exts[i].len;
        }
        while ((off - start) % 4 != 0)
            buf[off++] = 0;
        rtp_write_u16(buf + start, 0xBEDE);
        rtp_write_u16(buf + start + 2, (guint16)((off - start - 4) / 4));
        buf[0] |= 0x10;
    }
    memcpy(buf + off, payload, payload_len);
    return off + payload_len;
}

gsize fake_vp8_payload(guint8 *buf, gsize len, gboolean keyframe, guint16 picture_id, guint16 width,
                       guint16 height, guint8 fill)
{
    g_assert_cmpuint(len, >=, 14);
    memset(buf, fill, len);
    buf[0] = 0x90; /* X, S, PID 0 */
    buf[1] = 0x80; /* I */
    buf[2] = (guint8)(0x80 | ((picture_id >> 8) & 0x7f));
    buf[3] = (guint8)picture_id;
    /* RFC 6386 §9.1 frame tag: bit 0 is "not a key frame". */
    buf[4] = keyframe ? 0x10 : 0x11;
    buf[5] = 0;
    buf[6] = 0;
    if (keyframe) {
        buf[7] = 0x9d;
        buf[8] = 0x01;
        buf[9] = 0x2a;
        buf[10] = (guint8)width;
        buf[11] = (guint8)(width >> 8);
        buf[12] = (guint8)height;
        buf[13] = (guint8)(height >> 8);
    }
    return len;
}

static const guint8 *bytes_of(GBytes *pkt, gsize min)
{
    gsize len;
    const guint8 *p = g_bytes_get_data(pkt, &len);

    g_assert_cmpuint(len, >=, min);
    return p;
}

guint16 fake_rtp_seq(GBytes *pkt)
{
    return rtp_read_u16(bytes_of(pkt, 12) + 2);
}

guint32 fake_rtp_ts(GBytes *pkt)
{
    return rtp_read_u32(bytes_of(pkt, 12) + 4);
}

guint32 fake_rtp_ssrc(GBytes *pkt)
{
    return rtp_read_u32(bytes_of(pkt, 12) + 8);
}

guint8 fake_rtp_pt(GBytes *pkt)
{
    return bytes_of(pkt, 12)[1] & 0x7f;
}

GArray *fake_rtcp_packets(FakePeer *peer)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(RtcpPacket));
    guint i;

    for (i = 0; i < peer->rtcp->len; i++) {
        gsize len;
        const guint8 *data = g_bytes_get_data(g_ptr_array_index(peer->rtcp, i), &len);
        RtcpIter iter;
        RtcpPacket pkt;

        rtcp_iter_init(&iter, data, len);
        while (rtcp_iter_next(&iter, &pkt) > 0)
            g_array_append_val(out, pkt);
    }
    return out;
}

guint fake_count_pli(FakePeer *peer, guint32 media_ssrc)
{
    g_autoptr(GArray) pkts = fake_rtcp_packets(peer);
    guint i, n = 0;

    for (i = 0; i < pkts->len; i++) {
        RtcpFeedback fb;

        if (rtcp_pli_parse(&g_array_index(pkts, RtcpPacket, i), &fb) == 0 &&
            fb.media_ssrc == media_ssrc)
            n++;
    }
    return n;
}
