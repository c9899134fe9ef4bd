/* sdp.c: what the SDP reader (sdp-read.c) and writers (sdp-write.c) share: names, the table of
 * header extensions, preferences, and small text helpers.
 *
 * Design: phonghop's SDP is WebRTC's (JSEP, RFC 8829) on GStreamer's GstSDPMessage, split by
 * concern: sdp-read.c checks and negotiates offers and answers from clients, sdp-write.c writes
 * ours. Everything a client sends is text from outside: the helpers here read numbers and tokens
 * with explicit bounds (RFC 8866 §9 token-char, RFC 8851 §10 rid-id) and quote client text in
 * errors only after sanitising it to printable ASCII. The header extensions we negotiate are those
 * the router reads or rewrites (RFC 8285; mid RFC 8843 §15.2, rid RFC 8852, audio level RFC 6464,
 * abs-send-time, video orientation), and transport-cc only on request. The payload types 64-95 are
 * never used, since with rtcp-mux they read as RTCP (RFC 5761 §4).
 */
#include "sdp/sdp.h"

#include <string.h>

#include "sdp/sdp-private.h"

G_DEFINE_QUARK(phonghop - media - sdp - error - quark, media_sdp_error)

/* ---- small helpers ---- */

const char *const sdp_ext_uris[SDP_N_EXTS] = {
    [SDP_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
    [SDP_EXT_RID] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    [SDP_EXT_REPAIRED_RID] = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    [SDP_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    [SDP_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    [SDP_EXT_TRANSPORT_CC] =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    [SDP_EXT_VIDEO_ORIENTATION] = "urn:3gpp:video-orientation",
};

const char *sdp_ext_uri(SdpExt ext)
{
    g_return_val_if_fail(ext < SDP_N_EXTS, NULL);
    return sdp_ext_uris[ext];
}

gboolean sdp_ext_applies(SdpExt ext, SdpMediaKind kind)
{
    switch (ext) {
    case SDP_EXT_MID:
    case SDP_EXT_ABS_SEND_TIME:
    case SDP_EXT_TRANSPORT_CC:
        return kind == SDP_MEDIA_AUDIO || kind == SDP_MEDIA_VIDEO;
    case SDP_EXT_RID:
    case SDP_EXT_REPAIRED_RID:
    case SDP_EXT_VIDEO_ORIENTATION:
        return kind == SDP_MEDIA_VIDEO;
    case SDP_EXT_AUDIO_LEVEL:
        return kind == SDP_MEDIA_AUDIO;
    case SDP_N_EXTS:
        break;
    }
    return FALSE;
}

const char *sdp_codec_to_string(SdpCodec codec)
{
    switch (codec) {
    case SDP_CODEC_NONE:
        return "none";
    case SDP_CODEC_OPUS:
        return "opus";
    case SDP_CODEC_VP8:
        return "VP8";
    case SDP_CODEC_H264:
        return "H264";
    }
    return "?";
}

const char *sdp_direction_to_string(SdpDirection direction)
{
    switch (direction) {
    case SDP_DIRECTION_INACTIVE:
        return "inactive";
    case SDP_DIRECTION_SENDONLY:
        return "sendonly";
    case SDP_DIRECTION_RECVONLY:
        return "recvonly";
    case SDP_DIRECTION_SENDRECV:
        return "sendrecv";
    }
    return "?";
}

const char *sdp_kind_to_string(SdpMediaKind kind)
{
    switch (kind) {
    case SDP_MEDIA_AUDIO:
        return "audio";
    case SDP_MEDIA_VIDEO:
        return "video";
    case SDP_MEDIA_OTHER:
        return "other";
    }
    return "?";
}

const char *sdp_setup_to_string(SdpSetup setup)
{
    switch (setup) {
    case SDP_SETUP_ACTPASS:
        return "actpass";
    case SDP_SETUP_ACTIVE:
        return "active";
    case SDP_SETUP_PASSIVE:
        return "passive";
    case SDP_SETUP_NONE:
        break;
    }
    return NULL;
}

void sdp_prefs_init(SdpPrefs *prefs)
{
    g_return_if_fail(prefs != NULL);
    memset(prefs, 0, sizeof(*prefs));
    prefs->video_codecs[0] = SDP_CODEC_VP8;
    prefs->video_codecs[1] = SDP_CODEC_H264;
    prefs->feedback = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB;
    prefs->max_layers = SDP_MAX_LAYERS;
}

void sdp_description_free(SdpDescription *desc)
{
    if (desc == NULL)
        return;
    g_clear_pointer(&desc->candidates, g_ptr_array_unref);
    memset(desc->ice_pwd, 0, sizeof(desc->ice_pwd));
    g_free(desc);
}

SdpSetup sdp_local_setup(const SdpDescription *remote)
{
    g_return_val_if_fail(remote != NULL, SDP_SETUP_PASSIVE);
    return remote->setup == SDP_SETUP_PASSIVE ? SDP_SETUP_ACTIVE : SDP_SETUP_PASSIVE;
}

const char *sdp_sanitise(char *dst, gsize size, const char *src)
{
    gsize i;

    for (i = 0; src != NULL && src[i] != '\0' && i + 1 < size; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = '\0';
    return dst;
}

/* RFC 8866 §9 token-char. */
gboolean sdp_is_token_char(char c)
{
    guchar u = (guchar)c;

    return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d ||
           u == 0x2e || (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) ||
           (u >= 0x5e && u <= 0x7e);
}

gboolean sdp_is_token(const char *s, gsize n, gsize max)
{
    gsize i;

    if (n == 0 || n > max)
        return FALSE;
    for (i = 0; i < n; i++) {
        if (!sdp_is_token_char(s[i]))
            return FALSE;
    }
    return TRUE;
}

/* RFC 8851 §10 rid-id: alpha-numeric, "-" and "_". */
gboolean sdp_is_rid_id(const char *s, gsize n)
{
    gsize i;

    if (n == 0 || n > SDP_MAX_ID_LEN)
        return FALSE;
    for (i = 0; i < n; i++) {
        if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
            return FALSE;
    }
    return TRUE;
}

gboolean sdp_read_uint(const char **p, guint64 max, guint64 *out)
{
    const char *s = *p;
    guint64 v = 0;

    if (!g_ascii_isdigit(*s))
        return FALSE;
    while (g_ascii_isdigit(*s)) {
        v = v * 10 + (guint64)(*s - '0');
        if (v > max)
            return FALSE;
        s++;
    }
    *p = s;
    *out = v;
    return TRUE;
}

gboolean sdp_parse_uint(const char *s, guint64 max, guint64 *out)
{
    return s != NULL && sdp_read_uint(&s, max, out) && *s == '\0';
}

const char *sdp_skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

gsize sdp_word_len(const char *s)
{
    gsize n = 0;

    while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t')
        n++;
    return n;
}

gboolean sdp_usable_pt(guint pt)
{
    return pt < 64 || pt > 95; /* RFC 5761 §4 */
}
