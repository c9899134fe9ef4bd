/* loadgen-stream.c: the pre-encoded stream the publishers replay.
 *
 * Design: encoding while measuring would put an encoder's CPU beside the SFU's on the same two
 * cores, and a different picture in each run; so the stream is encoded once, before any
 * measurement, by GStreamer (run.sh: videotestsrc ! vp8enc ! rtpvp8pay and audiotestsrc !
 * opusenc ! rtpopuspay, each into rtpstreampay ! filesink), and this file only reads it back.
 * rtpstreampay frames each RTP packet with a 16-bit big-endian length (RFC 4571 §2). Of each
 * packet we keep the marker bit, the payload and the timestamp relative to the first packet of
 * its file; the payload type, SSRC, sequence number and header extensions are the publisher's
 * own when it sends. A packet is due at its timestamp's offset from the start of the loop
 * (video packets of one frame leave together, as a camera's do, without a pacer). The loop
 * lasts the span of the timestamps plus one frame interval (the smallest step between two
 * timestamps), so loop k shifts timestamps by k times that and picture ids by k times the
 * number of pictures, and the receiver sees one unbroken stream.
 *
 * The VP8 payload descriptor (RFC 7741 §4.2) is read to find a 15-bit picture id (rtpvp8pay
 * picture-id-mode=15-bit writes X=1, I=1, M=1): byte 0 has X, byte 1 has I, bytes 2-3 are M and
 * the id. Other layouts are sent as they are.
 */
#include <string.h>

#include "loadgen.h"

#define LG_MAX_PACKETS (1u << 20)

static void track_clear(LgTrack *t)
{
    g_clear_pointer(&t->data, g_byte_array_unref);
    g_clear_pointer(&t->packets, g_array_unref);
}

void lg_stream_free(LgStream *stream)
{
    guint k;

    if (stream == NULL)
        return;
    for (k = 0; k < LG_N_KINDS; k++)
        track_clear(&stream->tracks[k]);
    g_free(stream);
}

static gboolean read_track(LgTrack *t, LgKind kind, const char *path, GError **error)
{
    g_autofree char *contents = NULL;
    const guint8 *p;
    gsize len = 0, pos = 0;
    guint32 first_ts = 0, min_step = G_MAXUINT32, last_delta = 0;
    guint16 first_pid = 0, last_pid = 0;
    gboolean have_first = FALSE, have_pid = FALSE;

    t->kind = kind;
    t->clock_rate = kind == LG_KIND_AUDIO ? 48000 : 90000;
    t->data = g_byte_array_new();
    t->packets = g_array_new(FALSE, TRUE, sizeof(LgPacket));
    if (!g_file_get_contents(path, &contents, &len, error))
        return FALSE;
    p = (const guint8 *)contents;
    while (pos < len) {
        LgPacket pkt = {0};
        gsize n, hdr;
        guint8 cc;
        guint32 ts;

        if (len - pos < 2)
            goto broken;
        n = (gsize)p[pos] << 8 | p[pos + 1];
        pos += 2;
        if (n < 12 || n > len - pos || n > LG_MAX_PACKET - 32 || (p[pos] >> 6) != 2)
            goto broken;
        cc = p[pos] & 0x0f;
        hdr = 12 + 4u * cc;
        if (p[pos] & 0x10) { /* an extension: skip it */
            if (n < hdr + 4)
                goto broken;
            hdr += 4 + 4u * ((gsize)p[pos + hdr + 2] << 8 | p[pos + hdr + 3]);
        }
        if (hdr >= n || (p[pos] & 0x20)) /* no payload, or padding we would have to strip */
            goto broken;
        ts = (guint32)p[pos + 4] << 24 | (guint32)p[pos + 5] << 16 | (guint32)p[pos + 6] << 8 |
             p[pos + 7];
        if (!have_first) {
            first_ts = ts;
            have_first = TRUE;
        }
        pkt.ts_delta = ts - first_ts;
        if (pkt.ts_delta > last_delta && pkt.ts_delta - last_delta < min_step)
            min_step = pkt.ts_delta - last_delta;
        if (pkt.ts_delta < last_delta)
            goto broken; /* timestamps go back: not one stream */
        last_delta = pkt.ts_delta;
        pkt.offset_us = (gint64)pkt.ts_delta * G_USEC_PER_SEC / t->clock_rate;
        pkt.marker = (p[pos + 1] & 0x80) != 0;
        pkt.payload = t->data->len;
        pkt.payload_len = (guint16)(n - hdr);
        if (kind == LG_KIND_VIDEO && n - hdr >= 4 && (p[pos + hdr] & 0x80) &&
            (p[pos + hdr + 1] & 0x80) && (p[pos + hdr + 2] & 0x80)) {
            guint16 pid = (guint16)((p[pos + hdr + 2] & 0x7f) << 8 | p[pos + hdr + 3]);

            if (!have_pid) {
                first_pid = pid;
                have_pid = TRUE;
            }
            pkt.has_pid = TRUE;
            pkt.vp8_pid = (guint16)((pid - first_pid) & 0x7fff);
            last_pid = pkt.vp8_pid;
        }
        g_byte_array_append(t->data, p + pos + hdr, (guint)(n - hdr));
        g_array_append_val(t->packets, pkt);
        if (t->packets->len > LG_MAX_PACKETS)
            goto broken;
        pos += n;
    }
    if (t->packets->len < 2 || min_step == G_MAXUINT32) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: fewer than two timestamps: not a stream to replay", path);
        return FALSE;
    }
    t->loop_ts = last_delta + min_step;
    t->loop_us = (gint64)t->loop_ts * G_USEC_PER_SEC / t->clock_rate;
    t->loop_pids = have_pid ? (guint16)(last_pid + 1) : 0;
    return TRUE;

broken:
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: not RTP framed as rtpstreampay writes it (bad packet at byte %zu)", path, pos);
    return FALSE;
}

LgStream *lg_stream_load(const char *audio_path, const char *video_path, GError **error)
{
    g_autoptr(LgStream) stream = g_new0(LgStream, 1);

    if (!read_track(&stream->tracks[LG_KIND_AUDIO], LG_KIND_AUDIO, audio_path, error) ||
        !read_track(&stream->tracks[LG_KIND_VIDEO], LG_KIND_VIDEO, video_path, error))
        return NULL;
    return g_steal_pointer(&stream);
}

double lg_stream_get_packet_rate(const LgStream *stream)
{
    double rate = 0;
    guint k;

    for (k = 0; k < LG_N_KINDS; k++) {
        const LgTrack *t = &stream->tracks[k];

        rate += (double)t->packets->len * G_USEC_PER_SEC / (double)t->loop_us;
    }
    return rate;
}
