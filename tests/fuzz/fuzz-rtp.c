/* fuzz-rtp.c: libFuzzer target for the RTP reader and what the router does with a packet:
 * header extensions, audio level, in-place rewriting, VP8/H.264 payload parsing, the simulcast
 * rewriter and the NACK cache. Checks that a parsed packet's parts stay inside it and that
 * rewriting never changes its layout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-nack-cache.h"
#include "router/sfu-rewriter.h"
#include "rtp/rtp-payload.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

static void payloads(guint8 *payload, gsize len)
{
    RtpVp8Descriptor vp8;
    RtpH264Info h264;

    if (rtp_vp8_parse(payload, len, &vp8) == 0) {
        CHECK(vp8.descriptor_len < len);
        CHECK(!vp8.has_picture_id || vp8.picture_id_offset + vp8.picture_id_bits / 8 < len);
        CHECK(!vp8.has_tl0picidx || vp8.tl0picidx_offset < len);
        (void)rtp_vp8_set_picture_id(payload, &vp8, 0x7fff);
        (void)rtp_vp8_set_tl0picidx(payload, &vp8, 0xff);
        CHECK(rtp_vp8_parse(payload, len, &vp8) == 0);
    }
    (void)rtp_h264_parse(payload, len, &h264);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *buf = g_memdup2(data, size ? size : 1);
    guint8 map[256];
    RtpPacket pkt, again;
    RtpExtIter iter;
    RtpExtElement e;
    gboolean voice;
    guint8 level;
    gsize i;

    if (rtp_packet_parse(&pkt, buf, size) != 0)
        goto out;
    CHECK(pkt.payload_offset + pkt.payload_len + pkt.padding_len == size);
    CHECK(pkt.ext_offset + pkt.ext_len <= pkt.payload_offset);

    rtp_ext_iter_init(&iter, &pkt);
    while (rtp_ext_iter_next(&iter, &e)) {
        CHECK(e.offset >= pkt.ext_offset && e.offset + e.len <= pkt.ext_offset + pkt.ext_len);
        (void)rtp_packet_set_extension_value(&pkt, e.id, buf + e.offset, e.len);
    }
    for (i = 0; i < 16; i++)
        (void)rtp_packet_get_audio_level(&pkt, (guint8)i, &voice, &level);
    for (i = 0; i < G_N_ELEMENTS(map); i++)
        map[i] = (guint8)((i * 7) % 15);
    (void)rtp_packet_remap_extensions(&pkt, map);

    payloads(buf + pkt.payload_offset, pkt.payload_len);

    /* The router's rewriting keeps the layout. */
    {
        SfuRewriter rw;
        SfuRewriteIn in = {
            .ssrc = pkt.ssrc, .seq = pkt.seq, .timestamp = pkt.timestamp, .keyframe = TRUE};
        SfuRewriteOut out;
        SfuRewriterSegment seg;
        guint32 in_ssrc;
        guint16 in_seq;

        sfu_rewriter_init(&rw, 0x12345678, 90000, pkt.seq ^ 0x5555, pkt.timestamp ^ 0xaaaa);
        sfu_rewriter_set_target(&rw, pkt.ssrc);
        CHECK(sfu_rewriter_process(&rw, &in, 0, &out) == SFU_REWRITE_SWITCHED);
        CHECK(sfu_rewriter_lookup(&rw, out.seq, &in_ssrc, &in_seq, &seg) == 0);
        CHECK(in_ssrc == pkt.ssrc && in_seq == pkt.seq);
        rtp_packet_set_ssrc(&pkt, out.ssrc);
        rtp_packet_set_seq(&pkt, out.seq);
        rtp_packet_set_timestamp(&pkt, out.timestamp);
        rtp_packet_set_payload_type(&pkt, (guint8)(pkt.payload_type ^ 0x55) & 0x7f);
        rtp_packet_set_marker(&pkt, !pkt.marker);
    }
    CHECK(rtp_packet_parse(&again, buf, size) == 0);
    CHECK(again.payload_offset == pkt.payload_offset && again.payload_len == pkt.payload_len);
    CHECK(again.ssrc == 0x12345678);

    /* Stored and found again byte for byte. */
    {
        g_autoptr(SfuNackCache) cache = sfu_nack_cache_new(16, 1500, G_USEC_PER_SEC);
        const guint8 *stored;
        gsize stored_len;

        if (sfu_nack_cache_store(cache, again.seq, buf, size, 0) == 0) {
            CHECK(sfu_nack_cache_lookup(cache, again.seq, 0, &stored, &stored_len) == 0);
            CHECK(stored_len == size && memcmp(stored, buf, size) == 0);
        } else {
            CHECK(size > 1500);
        }
    }

out:
    g_free(buf);
    return 0;
}
