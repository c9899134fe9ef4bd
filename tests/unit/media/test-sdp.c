/* test-sdp.c: reading browser offers and writing our answers and offers (media/sdp/sdp.c).
 *
 * The fixtures in sdp/ are offers as Chromium writes them (CRLF line ends, every codec it has,
 * a=rid/a=simulcast, ssrc groups, gathered candidates). Answers are read back with GStreamer's
 * own SDP parser and checked field by field. */
#include <string.h>

#include <glib.h>
#include <gst/sdp/gstsdpmessage.h>

#include "media.h"
#include "sdp/sdp.h"

#define FP_A                                                                                     \
    "A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:71:17:44:94:D6:49:3C:" \
    "9D:5C"
#define OUR_FP                                                                                   \
    "11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:" \
    "FF:00"

static char *load(const char *name)
{
    g_autofree char *path = g_build_filename(SDP_FIXTURE_DIR, name, NULL);
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, &error));
    g_assert_no_error(error);
    return text;
}

/* @text with every occurrence of @from replaced by @to. */
static char *replace(const char *text, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(text, from, -1);

    g_assert_cmpuint(g_strv_length(parts), >=, 2); /* the fixture must contain it */
    return g_strjoinv(to, parts);
}

/* @text without the lines that start with @prefix. */
static char *drop_lines(const char *text, const char *prefix)
{
    g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
    GString *out = g_string_new(NULL);
    guint i, dropped = 0;

    for (i = 0; lines[i] != NULL; i++) {
        if (g_str_has_prefix(lines[i], prefix)) {
            dropped++;
            continue;
        }
        if (lines[i][0] != '\0')
            g_string_append_printf(out, "%s\r\n", lines[i]);
    }
    g_assert_cmpuint(dropped, >, 0);
    return g_string_free(out, FALSE);
}

static SdpDescription *parse_ok(const char *text, const SdpPrefs *prefs)
{
    g_autoptr(GError) error = NULL;
    SdpDescription *desc = sdp_parse_offer(text, strlen(text), prefs, &error);

    g_assert_no_error(error);
    g_assert_nonnull(desc);
    return desc;
}

/* @len (gsize)-1: strlen(@text). */
static void parse_fails(const char *text, gsize len, MediaSdpError code, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) desc =
        sdp_parse_offer(text, len == (gsize)-1 ? strlen(text) : len, NULL, &error);

    g_assert_null(desc);
    g_assert_error(error, MEDIA_SDP_ERROR, (gint)code);
    if (strstr(error->message, message) == NULL)
        g_error("expected \"%s\" in \"%s\"", message, error->message);
}

static const char *const our_candidates[] = {
    "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host",
    "candidate:2 1 udp 2130706175 192.0.2.1 40002 typ host",
    NULL,
};

static void our_transport(SdpTransport *t)
{
    t->ice_ufrag = "abcd";
    t->ice_pwd = "0123456789abcdefghijkl";
    t->fingerprint = OUR_FP;
    t->candidates = our_candidates;
    t->end_of_candidates = TRUE;
}

static GstSDPMessage *parse_with_gst(const char *text)
{
    GstSDPMessage *msg = NULL;
    gsize len = strlen(text);

    g_assert_true(g_str_has_suffix(text, "\r\n"));
    g_assert_null(strstr(text, "\n\n"));
    gst_sdp_message_new(&msg);
    g_assert_cmpint(gst_sdp_message_parse_buffer((const guint8 *)text, (guint)len, msg), ==,
                    GST_SDP_OK);
    return msg;
}

/* Every value of attribute @key in @m, joined by "|" ("" for none). */
static char *attrs(const GstSDPMedia *m, const char *key)
{
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);

        if (g_strcmp0(a->key, key) == 0)
            g_string_append_printf(out, "%s%s", out->len > 0 ? "|" : "",
                                   a->value != NULL ? a->value : "");
    }
    return g_string_free(out, FALSE);
}

static gboolean has_attr(const GstSDPMedia *m, const char *key)
{
    return gst_sdp_media_get_attribute_val(m, key) != NULL;
}

static char *formats(const GstSDPMedia *m)
{
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < gst_sdp_media_formats_len(m); i++)
        g_string_append_printf(out, "%s%s", i > 0 ? " " : "", gst_sdp_media_get_format(m, i));
    return g_string_free(out, FALSE);
}

#define assert_attrs(m, key, expected)       \
    do {                                     \
        g_autofree char *v_ = attrs(m, key); \
        g_assert_cmpstr(v_, ==, expected);   \
    } while (0)

/* The transport attributes every accepted section of our descriptions carries. */
static void check_our_transport(const GstSDPMedia *m, const char *setup, gboolean tagged)
{
    const GstSDPConnection *c = gst_sdp_media_get_connection(m, 0);

    g_assert_cmpuint(gst_sdp_media_get_port(m), ==, 40000);
    g_assert_cmpstr(gst_sdp_media_get_proto(m), ==, "UDP/TLS/RTP/SAVPF");
    g_assert_cmpstr(c->nettype, ==, "IN");
    g_assert_cmpstr(c->addrtype, ==, "IP4");
    g_assert_cmpstr(c->address, ==, "127.0.0.1");
    assert_attrs(m, "ice-ufrag", "abcd");
    assert_attrs(m, "ice-pwd", "0123456789abcdefghijkl");
    assert_attrs(m, "ice-options", "trickle");
    assert_attrs(m, "fingerprint", "sha-256 " OUR_FP);
    assert_attrs(m, "setup", setup);
    assert_attrs(m, "rtcp-mux", "");
    if (tagged) {
        assert_attrs(m, "candidate",
                     "1 1 udp 2130706431 127.0.0.1 40000 typ host|"
                     "2 1 udp 2130706175 192.0.2.1 40002 typ host");
        g_assert_true(has_attr(m, "end-of-candidates"));
    } else {
        g_assert_false(has_attr(m, "candidate"));
        g_assert_false(has_attr(m, "end-of-candidates"));
    }
}

static void check_only_direction(const GstSDPMedia *m, const char *direction)
{
    static const char *const all[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    guint i;

    for (i = 0; i < G_N_ELEMENTS(all); i++)
        g_assert_cmpint(has_attr(m, all[i]), ==, g_str_equal(all[i], direction));
}

/* ---- offers ---- */

static void test_publish_simulcast(void)
{
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autoptr(SdpDescription) d = parse_ok(text, NULL);
    const SdpMedia *a = &d->media[0], *v = &d->media[1];

    g_assert_true(d->is_offer);
    g_assert_cmpstr(d->ice_ufrag, ==, "Wc8L");
    g_assert_cmpstr(d->ice_pwd, ==, "fR6tQp0m3vN8kYb2XzL9aS1d");
    g_assert_cmpstr(d->fingerprint_hash, ==, "sha-256");
    g_assert_cmpstr(d->fingerprint, ==, FP_A);
    g_assert_cmpint(d->setup, ==, SDP_SETUP_ACTPASS);
    g_assert_cmpint(sdp_local_setup(d), ==, SDP_SETUP_PASSIVE);
    g_assert_false(d->ice_lite);
    g_assert_cmpint(d->bundle_tag, ==, 0);
    g_assert_cmpuint(d->n_media, ==, 2);
    g_assert_cmpuint(d->candidates->len, ==, 0);
    g_assert_false(d->end_of_candidates);

    g_assert_cmpint(a->kind, ==, SDP_MEDIA_AUDIO);
    g_assert_cmpstr(a->mid, ==, "0");
    g_assert_cmpint(a->direction, ==, SDP_DIRECTION_SENDONLY);
    g_assert_true(a->accepted);
    g_assert_cmpint(a->codec, ==, SDP_CODEC_OPUS);
    g_assert_cmpuint(a->payload_type, ==, 111);
    g_assert_cmpuint(a->clock_rate, ==, 48000);
    g_assert_cmpuint(a->channels, ==, 2);
    g_assert_cmpuint(a->feedback, ==, 0); /* transport-cc only, not taken by default */
    g_assert_true(a->rtcp_rsize);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_AUDIO_LEVEL], ==, 1);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_ABS_SEND_TIME], ==, 2);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_TRANSPORT_CC], ==, 0);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_MID], ==, 4);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_RID], ==, 0);
    g_assert_cmpuint(a->n_rids, ==, 0);
    g_assert_cmpuint(a->n_ssrcs, ==, 1);
    g_assert_cmpuint(a->ssrcs[0], ==, 2412658912u);
    g_assert_cmpuint(a->rtx_ssrcs[0], ==, 0);
    g_assert_cmpstr(a->cname, ==, "qK2pZ8m4Tb1Fh0Wx");
    g_assert_cmpstr(a->msid_stream, ==, "1c7c7e4e-8d3b-4c5e-9a77-0f3c8f0b2d1a");
    g_assert_cmpstr(a->msid_track, ==, "5b4f3b7c-2e0a-4c7e-8f6b-2a1d9e0c7b31");

    g_assert_cmpint(v->kind, ==, SDP_MEDIA_VIDEO);
    g_assert_cmpstr(v->mid, ==, "1");
    g_assert_cmpint(v->direction, ==, SDP_DIRECTION_SENDONLY);
    g_assert_true(v->accepted);
    g_assert_cmpint(v->codec, ==, SDP_CODEC_VP8);
    g_assert_cmpuint(v->payload_type, ==, 96);
    g_assert_cmpuint(v->clock_rate, ==, 90000);
    g_assert_cmpint(v->rtx_payload_type, ==, -1);
    g_assert_cmpuint(v->feedback, ==,
                     SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_MID], ==, 4);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_RID], ==, 10);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_REPAIRED_RID], ==, 11);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_ABS_SEND_TIME], ==, 2);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_VIDEO_ORIENTATION], ==, 13);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_AUDIO_LEVEL], ==, 0);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_TRANSPORT_CC], ==, 0);
    g_assert_cmpuint(v->n_rids, ==, 3);
    g_assert_cmpstr(v->rids[0].id, ==, "q");
    g_assert_cmpstr(v->rids[1].id, ==, "h");
    g_assert_cmpstr(v->rids[2].id, ==, "f");
    g_assert_false(v->rids[0].paused || v->rids[1].paused || v->rids[2].paused);
    g_assert_cmpuint(v->n_ssrcs, ==, 0); /* simulcast by rid: SSRCs come with the packets */
}

/* Captured from Chromium 156 (headless, fake devices): getUserMedia audio and video,
 * addTransceiver sendonly with rids q, h, f (scaleResolutionDownBy 4, 2, 1). The same offer
 * connected to a MediaPeer, which then received its Opus and VP8 simulcast over AES-GCM. */
static void test_chromium_156(void)
{
    g_autofree char *text = load("chromium-156-publish-simulcast.sdp");
    g_autoptr(SdpDescription) d = parse_ok(text, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autofree char *answer = NULL;
    const SdpMedia *a = &d->media[0], *v = &d->media[1];
    SdpTransport tr;

    g_assert_cmpuint(d->n_media, ==, 2);
    g_assert_cmpint(d->setup, ==, SDP_SETUP_ACTPASS);
    g_assert_cmpint(a->codec, ==, SDP_CODEC_OPUS);
    g_assert_cmpuint(a->payload_type, ==, 111);
    g_assert_cmpint(a->direction, ==, SDP_DIRECTION_SENDONLY);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_MID], ==, 4);
    g_assert_cmpuint(a->ext_ids[SDP_EXT_AUDIO_LEVEL], ==, 1);
    g_assert_cmpint(v->codec, ==, SDP_CODEC_VP8);
    g_assert_cmpuint(v->payload_type, ==, 96);
    g_assert_cmpuint(v->n_rids, ==, 3);
    g_assert_cmpstr(v->rids[0].id, ==, "q");
    g_assert_cmpstr(v->rids[2].id, ==, "f");
    g_assert_cmpuint(v->ext_ids[SDP_EXT_RID], ==, 10);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_REPAIRED_RID], ==, 11);
    g_assert_cmpuint(v->ext_ids[SDP_EXT_VIDEO_ORIENTATION], ==, 13);
    g_assert_cmpuint(v->feedback, ==,
                     SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB);
    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 5, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);
    assert_attrs(gst_sdp_message_get_media(msg, 1), "simulcast", "recv q;h;f");
}

static void test_publish_answer(void)
{
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autoptr(SdpDescription) d = parse_ok(text, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autofree char *answer = NULL;
    const GstSDPOrigin *o;
    const GstSDPMedia *a, *v;
    SdpTransport tr;

    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 0x8000000000000042ull, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);

    /* JSEP §5.3.1: session level. */
    g_assert_true(g_str_has_prefix(answer, "v=0\r\n"));
    o = gst_sdp_message_get_origin(msg);
    g_assert_cmpstr(o->username, ==, "-");
    g_assert_cmpstr(o->sess_id, ==, "66"); /* the top bit cleared: a positive 63-bit number */
    g_assert_cmpstr(o->sess_version, ==, "1");
    g_assert_cmpstr(o->nettype, ==, "IN");
    g_assert_cmpstr(o->addrtype, ==, "IP4");
    g_assert_cmpstr(o->addr, ==, "127.0.0.1");
    g_assert_cmpstr(gst_sdp_message_get_session_name(msg), ==, "-");
    /* GstSDPMessage reads "t=0 0" as no time at all, so look at the text. */
    g_assert_nonnull(strstr(answer, "\r\ns=-\r\nt=0 0\r\n"));
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1");
    g_assert_null(gst_sdp_message_get_attribute_val(msg, "ice-lite")); /* full ICE */
    g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);

    /* Audio: the tagged section, Opus only, recvonly. */
    a = gst_sdp_message_get_media(msg, 0);
    g_assert_cmpstr(gst_sdp_media_get_media(a), ==, "audio");
    check_our_transport(a, "passive", TRUE);
    {
        g_autofree char *f = formats(a);

        g_assert_cmpstr(f, ==, "111");
    }
    assert_attrs(a, "mid", "0");
    check_only_direction(a, "recvonly");
    assert_attrs(a, "rtcp-rsize", "");
    assert_attrs(a, "rtpmap", "111 opus/48000/2");
    assert_attrs(a, "fmtp", "111 minptime=10;useinbandfec=1");
    assert_attrs(a, "rtcp-fb", "");
    assert_attrs(a, "extmap",
                 "4 urn:ietf:params:rtp-hdrext:sdes:mid|"
                 "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level|"
                 "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
    assert_attrs(a, "msid", "");
    assert_attrs(a, "ssrc", "");
    assert_attrs(a, "rid", "");

    /* Video: VP8 with its feedback, three simulcast layers received. */
    v = gst_sdp_message_get_media(msg, 1);
    g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
    check_our_transport(v, "passive", FALSE);
    {
        g_autofree char *f = formats(v);

        g_assert_cmpstr(f, ==, "96");
    }
    assert_attrs(v, "mid", "1");
    check_only_direction(v, "recvonly");
    assert_attrs(v, "rtpmap", "96 VP8/90000");
    assert_attrs(v, "fmtp", "");
    assert_attrs(v, "rtcp-fb", "96 goog-remb|96 ccm fir|96 nack|96 nack pli");
    assert_attrs(v, "extmap",
                 "4 urn:ietf:params:rtp-hdrext:sdes:mid|"
                 "10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id|"
                 "11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id|"
                 "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time|"
                 "13 urn:3gpp:video-orientation");
    assert_attrs(v, "rid", "q recv|h recv|f recv");
    assert_attrs(v, "simulcast", "recv q;h;f");
}

static void test_publish_answer_transport_cc(void)
{
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autoptr(GError) error = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(SdpDescription) d = NULL;
    g_autofree char *answer = NULL;
    SdpTransport tr;
    SdpPrefs prefs;

    sdp_prefs_init(&prefs);
    prefs.feedback |= SDP_FB_TRANSPORT_CC;
    d = parse_ok(text, &prefs);
    g_assert_cmpuint(d->media[0].feedback, ==, SDP_FB_TRANSPORT_CC);
    g_assert_cmpuint(d->media[0].ext_ids[SDP_EXT_TRANSPORT_CC], ==, 3);
    g_assert_cmpuint(d->media[1].ext_ids[SDP_EXT_TRANSPORT_CC], ==, 3);
    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 1, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);
    assert_attrs(gst_sdp_message_get_media(msg, 0), "rtcp-fb", "111 transport-cc");
    assert_attrs(gst_sdp_message_get_media(msg, 1), "rtcp-fb",
                 "96 goog-remb|96 transport-cc|96 ccm fir|96 nack|96 nack pli");
    g_assert_nonnull(strstr(answer, "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-"
                                    "transport-wide-cc-extensions-01\r\n"));
}

static void test_h264_only(void)
{
    g_autofree char *text = load("chrome-h264-only.sdp");
    g_autoptr(SdpDescription) d = parse_ok(text, NULL);
    const SdpMedia *v = &d->media[0];
    g_autoptr(GError) error = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autofree char *answer = NULL;
    SdpTransport tr;

    g_assert_cmpuint(d->n_media, ==, 1);
    /* Constrained baseline in mode 1 (42e01f) beats baseline listed first (42001f), and mode 0
     * formats are never taken. */
    g_assert_cmpint(v->codec, ==, SDP_CODEC_H264);
    g_assert_cmpuint(v->payload_type, ==, 106);
    g_assert_cmphex(v->h264_profile_level, ==, 0x42e01f);
    g_assert_cmpint(v->rtx_payload_type, ==, -1);
    g_assert_cmpuint(v->n_rids, ==, 0);
    /* a=ssrc-group:FID comes before the a=ssrc lines it names. */
    g_assert_cmpuint(v->n_ssrcs, ==, 1);
    g_assert_cmpuint(v->ssrcs[0], ==, 3735928559u);
    g_assert_cmpuint(v->rtx_ssrcs[0], ==, 1234567890u);

    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 7, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0");
    assert_attrs(gst_sdp_message_get_media(msg, 0), "rtpmap", "106 H264/90000");
    assert_attrs(gst_sdp_message_get_media(msg, 0), "fmtp",
                 "106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
    check_our_transport(gst_sdp_message_get_media(msg, 0), "passive", TRUE);
}

static void test_h264_with_rtx(void)
{
    g_autofree char *text = load("chrome-h264-only.sdp");
    g_autoptr(GError) error = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(SdpDescription) d = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *f = NULL;
    SdpTransport tr;
    SdpPrefs prefs;

    sdp_prefs_init(&prefs);
    prefs.rtx = TRUE;
    d = parse_ok(text, &prefs);
    g_assert_cmpint(d->media[0].rtx_payload_type, ==, 107);
    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 7, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);
    f = formats(gst_sdp_message_get_media(msg, 0));
    g_assert_cmpstr(f, ==, "106 107");
    assert_attrs(gst_sdp_message_get_media(msg, 0), "rtpmap", "106 H264/90000|107 rtx/90000");
    assert_attrs(gst_sdp_message_get_media(msg, 0), "fmtp",
                 "106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f|"
                 "107 apt=106");
}

static void test_video_preference(void)
{
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autoptr(SdpDescription) d = NULL;
    SdpPrefs prefs;

    sdp_prefs_init(&prefs);
    prefs.video_codecs[0] = SDP_CODEC_H264;
    prefs.video_codecs[1] = SDP_CODEC_VP8;
    d = parse_ok(text, &prefs);
    g_assert_cmpint(d->media[1].codec, ==, SDP_CODEC_H264);
    g_assert_cmpuint(d->media[1].payload_type, ==, 106);
}

static void test_audio_only(void)
{
    g_autofree char *text = load("chrome-audio-only.sdp");
    g_autoptr(SdpDescription) d = parse_ok(text, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *answer_send = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(GstSDPMessage) msg2 = NULL;
    const SdpSendTrack send[1] = {
        {.ssrc = 1111, .cname = "phonghop", .stream_id = "s1", .track_id = "t1"}};
    SdpTransport tr;
    guint i;

    g_assert_cmpuint(d->n_media, ==, 1);
    g_assert_cmpint(d->media[0].direction, ==, SDP_DIRECTION_SENDRECV);
    g_assert_cmpuint(d->media[0].ssrcs[0], ==, 1829355127u);
    /* Every candidate as written; the ICE layer decides which it can use. */
    g_assert_cmpuint(d->candidates->len, ==, 4);
    for (i = 0; i < d->candidates->len; i++)
        g_assert_true(g_str_has_prefix(g_ptr_array_index(d->candidates, i), "candidate:"));
    g_assert_nonnull(strstr(g_ptr_array_index(d->candidates, 1), ".local 50313 typ host"));
    g_assert_true(d->end_of_candidates);

    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 9, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);
    check_only_direction(gst_sdp_message_get_media(msg, 0), "recvonly");

    /* When we send on it (one peer connection both ways): sendrecv, our SSRC and msid. */
    answer_send = sdp_write_answer(d, &tr, send, 9, &error);
    g_assert_no_error(error);
    msg2 = parse_with_gst(answer_send);
    check_only_direction(gst_sdp_message_get_media(msg2, 0), "sendrecv");
    assert_attrs(gst_sdp_message_get_media(msg2, 0), "msid", "s1 t1");
    assert_attrs(gst_sdp_message_get_media(msg2, 0), "ssrc", "1111 cname:phonghop|1111 msid:s1 t1");
}

static void test_no_candidates_yet(void)
{
    g_autofree char *text = load("chrome-audio-only.sdp");
    g_autoptr(SdpDescription) d = parse_ok(text, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *answer = NULL;
    const char *const none[] = {NULL};
    SdpTransport tr;

    our_transport(&tr);
    tr.candidates = none;
    tr.end_of_candidates = FALSE;
    answer = sdp_write_answer(d, &tr, NULL, 9, &error);
    g_assert_no_error(error);
    /* RFC 8839 §4.2.1.2 with no default candidate: port 9 and 0.0.0.0 (JSEP §5.3.1). */
    g_assert_nonnull(strstr(answer, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"));
    g_assert_null(strstr(answer, "a=candidate"));
    g_assert_null(strstr(answer, "a=end-of-candidates"));
}

static void test_unsupported_codec(void)
{
    g_autofree char *text = load("unsupported-codec.sdp");
    g_autofree char *audio = load("chrome-audio-only.sdp");
    g_autofree char *pcm = replace(audio, "SAVPF 111 63 9 0 8 13 110 126", "SAVPF 0 8 13");
    g_autofree char *pcm_msg = NULL;

    parse_fails(text, strlen(text), MEDIA_SDP_ERROR_NO_CODEC,
                "no codec in common for video: offered VP9, AV1, H265, supported VP8, "
                "H264 (packetization-mode=1)");
    parse_fails(pcm, strlen(pcm), MEDIA_SDP_ERROR_NO_CODEC,
                "no codec in common for audio: offered PCMU, PCMA, supported opus/48000/2");
}

static void test_h264_mode0_only(void)
{
    g_autofree char *text = load("chrome-h264-only.sdp");
    g_autofree char *mode0 = replace(text, "packetization-mode=1", "packetization-mode=0");

    parse_fails(mode0, strlen(mode0), MEDIA_SDP_ERROR_NO_CODEC,
                "no codec in common for video: offered H264, supported VP8, H264 "
                "(packetization-mode=1)");
}

typedef struct {
    const char *what;
    const char *from; /* replaced by to; NULL: drop the lines starting with to */
    const char *to;
    MediaSdpError code;
    const char *message;
} Mutation;

static void test_refused(void)
{
    static const Mutation cases[] = {
        {"no fingerprint", NULL, "a=fingerprint", MEDIA_SDP_ERROR_MISSING,
         "the offer has no fingerprint"},
        {"no ICE credentials", NULL, "a=ice-ufrag", MEDIA_SDP_ERROR_MISSING,
         "the offer has no ICE credentials"},
        {"no rtcp-mux", NULL, "a=rtcp-mux", MEDIA_SDP_ERROR_UNSUPPORTED,
         "audio section 0 (mid 0): no a=rtcp-mux"},
        {"no BUNDLE", NULL, "a=group:BUNDLE", MEDIA_SDP_ERROR_UNSUPPORTED,
         "the offer does not bundle its media sections"},
        {"four layers", "a=rid:f send\r\na=simulcast:send q;h;f",
         "a=rid:f send\r\na=rid:x send\r\na=simulcast:send q;h;f;x", MEDIA_SDP_ERROR_UNSUPPORTED,
         "video section 1 (mid 1): 4 simulcast layers offered, phonghop takes at most 3"},
        {"many layers", "a=simulcast:send q;h;f", "a=simulcast:send q;h;f;a;b;c;d",
         MEDIA_SDP_ERROR_UNSUPPORTED, "more than 4 simulcast layers offered"},
        {"simulcast without rid extension", NULL, "a=extmap:10 ", MEDIA_SDP_ERROR_UNSUPPORTED,
         "simulcast needs the rtp-stream-id header extension"},
        {"simulcast rid without a=rid", "a=simulcast:send q;h;f", "a=simulcast:send q;h;z",
         MEDIA_SDP_ERROR_SYNTAX, "simulcast layer z has no \"a=rid:z send\" line"},
        {"simulcast we would send", "a=simulcast:send q;h;f", "a=simulcast:recv q;h;f",
         MEDIA_SDP_ERROR_UNSUPPORTED, "phonghop receives simulcast video only"},
        {"two mids alike", "a=mid:1", "a=mid:0", MEDIA_SDP_ERROR_SYNTAX,
         "two media sections have mid 0"},
        {"long mid", "a=mid:1", "a=mid:12345678901234567", MEDIA_SDP_ERROR_SYNTAX,
         "a=mid:12345678901234567 is not a token of at most 16 bytes"},
        {"RTP/AVP", "m=video 9 UDP/TLS/RTP/SAVPF", "m=video 9 RTP/AVP", MEDIA_SDP_ERROR_UNSUPPORTED,
         "video section 1 (mid 1): transport RTP/AVP, phonghop needs UDP/TLS/RTP/SAVPF"},
        {"holdconn", "a=setup:actpass", "a=setup:holdconn", MEDIA_SDP_ERROR_UNSUPPORTED,
         "the offer's a=setup:holdconn is not one of actpass, active, passive"},
        {"bad fingerprint", "a=fingerprint:sha-256 A5:4D", "a=fingerprint:sha-256 ZZ:4D",
         MEDIA_SDP_ERROR_SYNTAX, "the offer's a=fingerprint is not"},
        {"unknown hash", "a=fingerprint:sha-256", "a=fingerprint:md5", MEDIA_SDP_ERROR_SYNTAX,
         "the offer's a=fingerprint is not"},
        {"short ice-pwd", "a=ice-pwd:fR6tQp0m3vN8kYb2XzL9aS1d", "a=ice-pwd:short",
         MEDIA_SDP_ERROR_SYNTAX, "a=ice-pwd is not 22-256"},
        {"ice-ufrag chars", "a=ice-ufrag:Wc8L", "a=ice-ufrag:W;c8L", MEDIA_SDP_ERROR_SYNTAX,
         "a=ice-ufrag is not 4-256"},
        {"extmap id twice", "a=extmap:13 urn:3gpp", "a=extmap:10 urn:3gpp", MEDIA_SDP_ERROR_SYNTAX,
         "extmap id 10 is used twice"},
        {"BUNDLE names nothing", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 7",
         MEDIA_SDP_ERROR_SYNTAX, "a=group:BUNDLE names mid 7, which no media section has"},
        {"payload type twice", "SAVPF 111 63", "SAVPF 111 111", MEDIA_SDP_ERROR_SYNTAX,
         "payload type 111 listed twice"},
        {"payload type not a number", "SAVPF 111 63", "SAVPF 111 x63", MEDIA_SDP_ERROR_SYNTAX,
         "\"x63\" is not an RTP payload type"},
        {"bad rtpmap", "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8", MEDIA_SDP_ERROR_SYNTAX,
         "a=rtpmap:96 VP8 is not"},
        {"bad rid", "a=rid:q send", "a=rid:q sideways", MEDIA_SDP_ERROR_SYNTAX,
         "a=rid:q sideways is not"},
        {"bad ssrc", "a=ssrc:2412658912 cname", "a=ssrc:99999999999 cname", MEDIA_SDP_ERROR_SYNTAX,
         "a=ssrc:99999999999 cname"},
        {"two directions", "a=sendonly\r\na=msid:1c7c7e4e-8d3b-4c5e-9a77-0f3c8f0b2d1a 5b4f",
         "a=sendonly\r\na=inactive\r\na=msid:1c7c7e4e-8d3b-4c5e-9a77-0f3c8f0b2d1a 5b4f",
         MEDIA_SDP_ERROR_SYNTAX, "more than one direction attribute"},
        {"no mid", NULL, "a=mid:", MEDIA_SDP_ERROR_SYNTAX, "names mid 0, which no media"},
    };
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        const Mutation *c = &cases[i];
        g_autofree char *bad =
            c->from != NULL ? replace(text, c->from, c->to) : drop_lines(text, c->to);

        g_test_message("%s", c->what);
        parse_fails(bad, strlen(bad), c->code, c->message);
    }
}

/* Sessions made of @n audio sections, all bundled, padded with a=x-pad lines to @pad bytes. */
static char *many_sections(guint n, gsize pad)
{
    g_autofree char *audio = load("chrome-audio-only.sdp");
    const char *m = strstr(audio, "m=audio");
    const char *cand = strstr(audio, "a=candidate");
    g_autofree char *section = g_strndup(m, (gsize)(cand - m));
    GString *out = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
    GString *bundle = g_string_new("a=group:BUNDLE");
    guint i;

    for (i = 0; i < n; i++)
        g_string_append_printf(bundle, " %u", i);
    g_string_append_printf(out, "%s\r\n", bundle->str);
    g_string_free(bundle, TRUE);
    for (i = 0; i < n; i++) {
        g_autofree char *mid = g_strdup_printf("a=mid:%u\r\n", i);
        g_autofree char *s = replace(section, "a=mid:0\r\n", mid);

        g_string_append(out, s);
    }
    while (out->len + 8 < pad) {
        gsize n_pad = MIN(pad - out->len - 8, (gsize)3000);

        g_string_append(out, "a=x-pad:");
        for (i = 0; i < n_pad; i++)
            g_string_append_c(out, 'x');
        g_string_append(out, "\r\n");
    }
    return g_string_free(out, FALSE);
}

static void test_limits(void)
{
    g_autofree char *sixty_four = many_sections(64, 0);
    g_autofree char *sixty_five = many_sections(65, 0);
    g_autofree char *big = many_sections(1, 256 * 1024 + 100);
    g_autofree char *at_limit = NULL;
    g_autofree char *text = load("chrome-audio-only.sdp");
    g_autoptr(SdpDescription) d = NULL;
    GString *s;

    /* A receiving connection of 32 publishers: 64 sections. */
    d = parse_ok(sixty_four, NULL);
    g_assert_cmpuint(d->n_media, ==, 64);
    g_assert_cmpstr(d->media[63].mid, ==, "63");
    g_clear_pointer(&d, sdp_description_free);
    parse_fails(sixty_five, strlen(sixty_five), MEDIA_SDP_ERROR_TOO_LARGE,
                "too many media sections: more than 64");
    g_assert_cmpuint(strlen(big), >, 256 * 1024);
    parse_fails(big, strlen(big), MEDIA_SDP_ERROR_TOO_LARGE, "SDP too large: ");
    parse_fails(big, strlen(big), MEDIA_SDP_ERROR_TOO_LARGE, "bytes, limit 262144");

    /* Exactly 256 KB is still read. */
    s = g_string_new(text);
    while (s->len + 200 < 256 * 1024)
        g_string_append(s, "a=x-pad:0123456789012345678901234567890123456789\r\n");
    g_string_append(s, "a=x-pad:");
    while (s->len < 256 * 1024 - 2)
        g_string_append_c(s, 'y');
    g_string_append(s, "\r\n");
    g_assert_cmpuint(s->len, ==, 256 * 1024);
    at_limit = g_string_free(s, FALSE);
    d = parse_ok(at_limit, NULL);
    g_clear_pointer(&d, sdp_description_free);

    /* Lines: 4096 bytes are fine, 4097 are not. */
    {
        g_autofree char *pad_ok = g_strnfill(4096 - strlen("a=x-pad:"), 'z');
        g_autofree char *pad_bad = g_strnfill(4097 - strlen("a=x-pad:"), 'z');
        g_autofree char *line_ok = g_strdup_printf("%sa=x-pad:%s\r\n", text, pad_ok);
        g_autofree char *line_bad = g_strdup_printf("%sa=x-pad:%s\r\n", text, pad_bad);

        d = parse_ok(line_ok, NULL);
        g_clear_pointer(&d, sdp_description_free);
        parse_fails(line_bad, strlen(line_bad), MEDIA_SDP_ERROR_TOO_LARGE,
                    "too long: 4097 bytes, limit 4096");
    }
}

static void test_garbage(void)
{
    static const guint8 binary[] = {0x16, 0xfe, 0xfd, 0x00, 0x00, 0xff, 0x80, 0x41};
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autofree char *with_nul = g_strdup(text);
    g_autofree char *lf_only = replace(text, "\r\n", "\n");
    g_autoptr(SdpDescription) d = NULL;

    parse_fails("", 0, MEDIA_SDP_ERROR_SYNTAX, "it is empty");
    parse_fails("hello world", -1, MEDIA_SDP_ERROR_SYNTAX, "not of the form x=value");
    parse_fails((const char *)binary, sizeof(binary), MEDIA_SDP_ERROR_SYNTAX, "not UTF-8");
    parse_fails("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", -1, MEDIA_SDP_ERROR_SYNTAX,
                "it must start with v=0");
    parse_fails("v=0\r\ns=-\r\n", -1, MEDIA_SDP_ERROR_SYNTAX, "no media section");
    parse_fails("v=0\r\nm=audio\r\n", -1, MEDIA_SDP_ERROR_SYNTAX, "media section 0");
    parse_fails("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtcp-mux\r\n", -1,
                MEDIA_SDP_ERROR_NO_CODEC, "no codec in common for audio: offered nothing");
    parse_fails("{\"type\":\"offer\"}", -1, MEDIA_SDP_ERROR_SYNTAX, "not of the form");
    with_nul[100] = '\0';
    parse_fails(with_nul, strlen(text), MEDIA_SDP_ERROR_SYNTAX, "not UTF-8 text");
    parse_fails("v=0\r\nX=1\r\n", -1, MEDIA_SDP_ERROR_SYNTAX, "line 2 is not of the form");
    parse_fails("v=0\rm=audio\r\n", -1, MEDIA_SDP_ERROR_SYNTAX, "line 1");
    /* Bare LF line ends are read too. */
    d = parse_ok(lf_only, NULL);
    g_assert_cmpuint(d->n_media, ==, 2);
}

static void test_data_channel_rejected(void)
{
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autofree char *with_dc = NULL;
    g_autofree char *bundled = NULL;
    g_autoptr(SdpDescription) d = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autofree char *answer = NULL;
    const GstSDPMedia *dc;
    SdpTransport tr;

    bundled = replace(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
    with_dc = g_strconcat(bundled,
                          "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                          "c=IN IP4 0.0.0.0\r\na=ice-ufrag:Wc8L\r\n"
                          "a=ice-pwd:fR6tQp0m3vN8kYb2XzL9aS1d\r\na=mid:2\r\n"
                          "a=sctp-port:5000\r\na=max-message-size:262144\r\n",
                          NULL);
    d = parse_ok(with_dc, NULL);
    g_assert_cmpuint(d->n_media, ==, 3);
    g_assert_cmpint(d->media[2].kind, ==, SDP_MEDIA_OTHER);
    g_assert_false(d->media[2].accepted);
    g_assert_true(d->media[0].accepted && d->media[1].accepted);
    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 3, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(answer);
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1");
    g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
    dc = gst_sdp_message_get_media(msg, 2);
    g_assert_cmpstr(gst_sdp_media_get_media(dc), ==, "application");
    g_assert_cmpuint(gst_sdp_media_get_port(dc), ==, 0);
    g_assert_cmpstr(gst_sdp_media_get_proto(dc), ==, "UDP/DTLS/SCTP");
    g_assert_cmpstr(gst_sdp_media_get_format(dc, 0), ==, "webrtc-datachannel");
    assert_attrs(dc, "mid", "2");
    g_assert_false(has_attr(dc, "ice-ufrag"));
}

static void test_disabled_and_bundle_only(void)
{
    g_autofree char *text = load("chrome-publish-simulcast.sdp");
    g_autofree char *disabled = replace(text, "m=video 9 ", "m=video 0 ");
    g_autofree char *bundle_only = replace(disabled, "a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
    g_autoptr(SdpDescription) d = parse_ok(disabled, NULL);
    g_autoptr(SdpDescription) b = parse_ok(bundle_only, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *answer = NULL;
    SdpTransport tr;

    /* RFC 3264 §8.2: port 0 disables it; RFC 8843 §6: with bundle-only it is in the bundle. */
    g_assert_false(d->media[1].accepted);
    g_assert_true(b->media[1].accepted);
    our_transport(&tr);
    answer = sdp_write_answer(d, &tr, NULL, 3, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(answer, "a=group:BUNDLE 0\r\n"));
    g_assert_nonnull(strstr(answer, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"));
}

static void test_offer_setup_roles(void)
{
    g_autofree char *text = load("chrome-audio-only.sdp");
    g_autofree char *active = replace(text, "a=setup:actpass", "a=setup:active");
    g_autofree char *passive = replace(text, "a=setup:actpass", "a=setup:passive");
    g_autoptr(SdpDescription) a = parse_ok(active, NULL);
    g_autoptr(SdpDescription) p = parse_ok(passive, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *answer = NULL;
    SdpTransport tr;

    g_assert_cmpint(sdp_local_setup(a), ==, SDP_SETUP_PASSIVE);
    g_assert_cmpint(sdp_local_setup(p), ==, SDP_SETUP_ACTIVE);
    our_transport(&tr);
    answer = sdp_write_answer(p, &tr, NULL, 3, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(answer, "a=setup:active\r\n"));
}

/* ---- offers to subscribers, and their answers ---- */

static void subscriber_media(SdpOfferMedia media[2])
{
    memset(media, 0, 2 * sizeof(*media));
    media[0].kind = SDP_MEDIA_AUDIO;
    media[0].mid = "a7";
    media[0].direction = SDP_DIRECTION_SENDONLY;
    media[0].codec = SDP_CODEC_OPUS;
    media[0].payload_type = 111;
    media[0].ext_ids[SDP_EXT_MID] = 1;
    media[0].ext_ids[SDP_EXT_AUDIO_LEVEL] = 2;
    media[0].ext_ids[SDP_EXT_ABS_SEND_TIME] = 3;
    media[0].send = (SdpSendTrack){
        .ssrc = 1001, .cname = "phonghop-7", .stream_id = "p7", .track_id = "p7-audio"};
    media[1].kind = SDP_MEDIA_VIDEO;
    media[1].mid = "v7";
    media[1].direction = SDP_DIRECTION_SENDONLY;
    media[1].codec = SDP_CODEC_VP8;
    media[1].payload_type = 96;
    media[1].feedback = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB;
    media[1].ext_ids[SDP_EXT_MID] = 1;
    media[1].ext_ids[SDP_EXT_ABS_SEND_TIME] = 3;
    media[1].ext_ids[SDP_EXT_VIDEO_ORIENTATION] = 4;
    media[1].ext_ids[SDP_EXT_RID] = 5; /* never offered: we do not send simulcast */
    media[1].send = (SdpSendTrack){
        .ssrc = 2002, .cname = "phonghop-7", .stream_id = "p7", .track_id = "p7-video"};
}

static void test_subscriber_offer(void)
{
    SdpOfferMedia media[2];
    SdpTransport tr;
    g_autoptr(GError) error = NULL;
    g_autofree char *offer = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    const GstSDPMedia *a, *v;

    subscriber_media(media);
    our_transport(&tr);
    offer = sdp_write_offer(media, 2, &tr, 77, 3, &error);
    g_assert_no_error(error);
    msg = parse_with_gst(offer);
    g_assert_cmpstr(gst_sdp_message_get_origin(msg)->sess_id, ==, "77");
    g_assert_cmpstr(gst_sdp_message_get_origin(msg)->sess_version, ==, "3");
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE a7 v7");
    g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);

    a = gst_sdp_message_get_media(msg, 0);
    g_assert_cmpstr(gst_sdp_media_get_media(a), ==, "audio");
    check_our_transport(a, "actpass", TRUE);
    assert_attrs(a, "mid", "a7");
    check_only_direction(a, "sendonly");
    assert_attrs(a, "msid", "p7 p7-audio");
    assert_attrs(a, "ssrc", "1001 cname:phonghop-7|1001 msid:p7 p7-audio");
    assert_attrs(a, "rtpmap", "111 opus/48000/2");
    assert_attrs(a, "rtcp-rsize", "");
    assert_attrs(a, "extmap",
                 "1 urn:ietf:params:rtp-hdrext:sdes:mid|"
                 "2 urn:ietf:params:rtp-hdrext:ssrc-audio-level|"
                 "3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");

    v = gst_sdp_message_get_media(msg, 1);
    g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
    check_our_transport(v, "actpass", FALSE);
    assert_attrs(v, "mid", "v7");
    check_only_direction(v, "sendonly");
    assert_attrs(v, "msid", "p7 p7-video");
    assert_attrs(v, "ssrc", "2002 cname:phonghop-7|2002 msid:p7 p7-video");
    assert_attrs(v, "rtpmap", "96 VP8/90000");
    assert_attrs(v, "rtcp-fb", "96 goog-remb|96 ccm fir|96 nack|96 nack pli");
    assert_attrs(v, "extmap",
                 "1 urn:ietf:params:rtp-hdrext:sdes:mid|"
                 "3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time|"
                 "4 urn:3gpp:video-orientation");
}

/* What Chromium answers to the offer above (recvonly, setup:active). */
static char *subscriber_answer(void)
{
    return g_strdup(
        "v=0\r\no=- 3050927391232113548 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "a=group:BUNDLE a7 v7\r\na=msid-semantic: WMS\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:Hx7q\r\na=ice-pwd:Zb0kLr1M8vPq3Nw5Ty6Ud2Xc\r\na=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 " FP_A "\r\na=setup:active\r\na=mid:a7\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
        "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:111 opus/48000/2\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:Hx7q\r\na=ice-pwd:Zb0kLr1M8vPq3Nw5Ty6Ud2Xc\r\na=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 " FP_A "\r\na=setup:active\r\na=mid:v7\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
        "a=extmap:4 urn:3gpp:video-orientation\r\n"
        "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\n"
        "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\n"
        "a=rtcp-fb:96 nack pli\r\n");
}

static void answer_fails(const char *text, MediaSdpError code, const char *message)
{
    SdpOfferMedia media[2];
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) d = NULL;

    subscriber_media(media);
    d = sdp_parse_answer(text, strlen(text), media, 2, &error);
    g_assert_null(d);
    g_assert_error(error, MEDIA_SDP_ERROR, (gint)code);
    if (strstr(error->message, message) == NULL)
        g_error("expected \"%s\" in \"%s\"", message, error->message);
}

static void test_subscriber_answer(void)
{
    SdpOfferMedia media[2];
    g_autofree char *text = subscriber_answer();
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) d = NULL;

    subscriber_media(media);
    d = sdp_parse_answer(text, strlen(text), media, 2, &error);
    g_assert_no_error(error);
    g_assert_false(d->is_offer);
    g_assert_cmpstr(d->ice_ufrag, ==, "Hx7q");
    g_assert_cmpint(d->setup, ==, SDP_SETUP_ACTIVE);
    g_assert_cmpint(sdp_local_setup(d), ==, SDP_SETUP_PASSIVE); /* we are the DTLS server */
    g_assert_cmpint(d->bundle_tag, ==, 0);
    g_assert_true(d->media[0].accepted && d->media[1].accepted);
    g_assert_cmpint(d->media[0].direction, ==, SDP_DIRECTION_RECVONLY);
    g_assert_cmpuint(d->media[1].payload_type, ==, 96);
    g_assert_cmpint(d->media[1].codec, ==, SDP_CODEC_VP8);
    g_assert_cmpuint(d->media[1].feedback, ==,
                     SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB);
    g_assert_cmpuint(d->media[1].ext_ids[SDP_EXT_VIDEO_ORIENTATION], ==, 4);
}

static void test_subscriber_answer_refused(void)
{
    g_autofree char *text = subscriber_answer();
    g_autofree char *pt = replace(text, "SAVPF 96\r\n", "SAVPF 100\r\n");
    g_autofree char *sendonly = replace(text, "a=recvonly", "a=sendonly");
    g_autofree char *actpass = replace(text, "a=setup:active", "a=setup:actpass");
    g_autofree char *swapped = replace(text, "a=mid:a7", "a=mid:x7");
    g_autofree char *moved = replace(text, "a=extmap:4 urn:3gpp", "a=extmap:6 urn:3gpp");
    g_autofree char *no_fp = drop_lines(text, "a=fingerprint");
    g_autofree char *audio_bundle = replace(text, "BUNDLE a7 v7", "BUNDLE a7");
    g_autofree char *one =
        g_strndup(audio_bundle, (gsize)(strstr(audio_bundle, "m=video") - audio_bundle));

    answer_fails(pt, MEDIA_SDP_ERROR_MISMATCH,
                 "video section 1 (mid v7): the answer does not accept payload type 96 (VP8)");
    answer_fails(sendonly, MEDIA_SDP_ERROR_MISMATCH, "answered sendonly to an offer of sendonly");
    answer_fails(actpass, MEDIA_SDP_ERROR_UNSUPPORTED,
                 "the answer's a=setup:actpass is not one of active, passive");
    answer_fails(swapped, MEDIA_SDP_ERROR_SYNTAX, "a=group:BUNDLE names mid a7");
    answer_fails(moved, MEDIA_SDP_ERROR_MISMATCH,
                 "moves extension urn:3gpp:video-orientation from id 4 to 6");
    answer_fails(no_fp, MEDIA_SDP_ERROR_MISSING, "the answer has no fingerprint");
    answer_fails(one, MEDIA_SDP_ERROR_MISMATCH, "the answer has 1 media sections, the offer had 2");
}

static void test_subscriber_answer_rejects_video(void)
{
    SdpOfferMedia media[2];
    g_autofree char *text = subscriber_answer();
    g_autofree char *rejected = replace(text, "m=video 9 ", "m=video 0 ");
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) d = NULL;

    subscriber_media(media);
    d = sdp_parse_answer(rejected, strlen(rejected), media, 2, &error);
    g_assert_no_error(error);
    g_assert_true(d->media[0].accepted);
    g_assert_false(d->media[1].accepted);
}

static void test_offer_refused(void)
{
    SdpOfferMedia media[2];
    SdpTransport tr;
    g_autoptr(GError) error = NULL;
    g_autofree char *offer = NULL;

    subscriber_media(media);
    our_transport(&tr);
    media[1].payload_type = 72; /* RFC 5761 §4: RTCP's range with rtcp-mux */
    offer = sdp_write_offer(media, 2, &tr, 1, 1, &error);
    g_assert_null(offer);
    g_assert_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED);
    g_clear_error(&error);
    subscriber_media(media);
    media[1].mid = "a7";
    offer = sdp_write_offer(media, 2, &tr, 1, 1, &error);
    g_assert_null(offer);
    g_assert_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX);
    g_clear_error(&error);
    subscriber_media(media);
    media[0].send.cname = "has space";
    offer = sdp_write_offer(media, 2, &tr, 1, 1, &error);
    g_assert_null(offer);
    g_assert_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sdp/offer/publish-simulcast", test_publish_simulcast);
    g_test_add_func("/sdp/offer/publish-answer", test_publish_answer);
    g_test_add_func("/sdp/offer/chromium-156", test_chromium_156);
    g_test_add_func("/sdp/offer/publish-answer-transport-cc", test_publish_answer_transport_cc);
    g_test_add_func("/sdp/offer/h264-only", test_h264_only);
    g_test_add_func("/sdp/offer/h264-with-rtx", test_h264_with_rtx);
    g_test_add_func("/sdp/offer/h264-mode0-only", test_h264_mode0_only);
    g_test_add_func("/sdp/offer/video-preference", test_video_preference);
    g_test_add_func("/sdp/offer/audio-only", test_audio_only);
    g_test_add_func("/sdp/offer/no-candidates-yet", test_no_candidates_yet);
    g_test_add_func("/sdp/offer/unsupported-codec", test_unsupported_codec);
    g_test_add_func("/sdp/offer/refused", test_refused);
    g_test_add_func("/sdp/offer/limits", test_limits);
    g_test_add_func("/sdp/offer/garbage", test_garbage);
    g_test_add_func("/sdp/offer/data-channel-rejected", test_data_channel_rejected);
    g_test_add_func("/sdp/offer/disabled-and-bundle-only", test_disabled_and_bundle_only);
    g_test_add_func("/sdp/offer/setup-roles", test_offer_setup_roles);
    g_test_add_func("/sdp/subscriber/offer", test_subscriber_offer);
    g_test_add_func("/sdp/subscriber/answer", test_subscriber_answer);
    g_test_add_func("/sdp/subscriber/answer-refused", test_subscriber_answer_refused);
    g_test_add_func("/sdp/subscriber/answer-rejects-video", test_subscriber_answer_rejects_video);
    g_test_add_func("/sdp/subscriber/offer-refused", test_offer_refused);
    return g_test_run();
}
