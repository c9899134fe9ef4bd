/* sdp-write.c: writing our answers (to publishers' offers) and our offers (to subscribers).
 *
 * Design: descriptions are built as GstSDPMessage and printed by GStreamer, so the syntax is its
 * (CRLF lines, RFC 8866 §5). What goes in follows JSEP (RFC 8829 §5.2.1 for offers, §5.3.1 for
 * answers): "o=- <id> <version> IN IP4 127.0.0.1", "s=-", "t=0 0"; one a=group:BUNDLE of every
 * accepted section (RFC 8843 §7), with the candidates and end-of-candidates in the tagged (first)
 * section only, and ICE credentials, fingerprint (RFC 8122, sha-256) and setup in every accepted
 * one, as browsers write them. The m= line and c= carry the default candidate (RFC 8839
 * §4.2.1.2), or port 9 and 0.0.0.0 while there is none. An answer (RFC 3264 §6) keeps every m=
 * line in order: rejected ones with port 0 and one format; accepted ones with the one codec
 * chosen (and its rtx when negotiated), the feedback and extensions offered and kept, the
 * direction reversed (recvonly for what a publisher sends; sendrecv or sendonly where we send),
 * a=setup:passive unless the offer was passive (RFC 8842 §5.3), and the simulcast layers
 * received (RFC 8853 §5.3: "a=rid:<id> recv", "a=simulcast:recv" in the offer's order). Our
 * offers are setup:actpass, sendonly with a=msid (RFC 8830) and a=ssrc cname/msid lines (RFC
 * 5576) for each track, rtcp-mux and rtcp-rsize (RFC 5506), and never the rid extensions, since
 * we do not send simulcast.
 */
#include "sdp/sdp.h"

#include <string.h>

#include <gst/sdp/gstsdpmessage.h>

#include "sdp/sdp-private.h"

#define DEFAULT_H264_PLID 0x42e01fu

/* ---- writing ---- */

static gboolean check_transport(const SdpTransport *t, GError **error)
{
    if (t == NULL || t->ice_ufrag == NULL || t->ice_pwd == NULL || t->fingerprint == NULL) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISSING,
                    "our transport has no ICE credentials or fingerprint yet");
        return FALSE;
    }
    return TRUE;
}

/* The default candidate (RFC 8839 §4.2.1.2): the first one's address and port for c= and m=. */
static void default_candidate(const SdpTransport *t, char *addr, gsize addr_size, guint *port)
{
    g_strlcpy(addr, "0.0.0.0", addr_size);
    *port = 9;
    if (t->candidates != NULL && t->candidates[0] != NULL) {
        g_auto(GStrv) f = g_strsplit(t->candidates[0], " ", 7);
        guint64 p;

        if (g_strv_length(f) >= 6 && sdp_parse_uint(f[5], 65535, &p) && strlen(f[4]) < addr_size) {
            g_strlcpy(addr, f[4], addr_size);
            *port = (guint)p;
        }
    }
}

static void add_transport(GstSDPMedia *gm, const SdpTransport *t, const char *setup,
                          gboolean with_candidates)
{
    g_autofree char *fp = g_strconcat("sha-256 ", t->fingerprint, NULL);
    guint i;

    gst_sdp_media_add_attribute(gm, "ice-ufrag", t->ice_ufrag);
    gst_sdp_media_add_attribute(gm, "ice-pwd", t->ice_pwd);
    gst_sdp_media_add_attribute(gm, "ice-options", "trickle");
    gst_sdp_media_add_attribute(gm, "fingerprint", fp);
    gst_sdp_media_add_attribute(gm, "setup", setup);
    if (!with_candidates)
        return;
    for (i = 0; t->candidates != NULL && t->candidates[i] != NULL; i++) {
        const char *c = t->candidates[i];

        if (g_str_has_prefix(c, "candidate:"))
            gst_sdp_media_add_attribute(gm, "candidate", c + strlen("candidate:"));
    }
    if (t->end_of_candidates)
        gst_sdp_media_add_attribute(gm, "end-of-candidates", NULL);
}

static void add_media_line(GstSDPMedia *gm, SdpMediaKind kind, guint port, const char *addr)
{
    gst_sdp_media_set_media(gm, kind == SDP_MEDIA_AUDIO ? "audio" : "video");
    gst_sdp_media_set_port_info(gm, port, 1);
    gst_sdp_media_set_proto(gm, SDP_PROTO);
    gst_sdp_media_add_connection(gm, "IN", strchr(addr, ':') != NULL ? "IP6" : "IP4", addr, 0, 0);
}

static void add_extmaps(GstSDPMedia *gm, const guint8 ext_ids[SDP_N_EXTS])
{
    guint e;

    for (e = 0; e < SDP_N_EXTS; e++) {
        if (ext_ids[e] != 0) {
            g_autofree char *v = g_strdup_printf("%u %s", ext_ids[e], sdp_ext_uris[e]);

            gst_sdp_media_add_attribute(gm, "extmap", v);
        }
    }
}

/* a=rtpmap, a=rtcp-fb and a=fmtp of one codec, then its rtx when there is one. */
static void add_codec(GstSDPMedia *gm, SdpCodec codec, guint pt, guint feedback, guint32 h264_plid,
                      gint rtx_pt)
{
    static const struct {
        guint bit;
        const char *text;
    } fbs[] = {{SDP_FB_GOOG_REMB, "goog-remb"},
               {SDP_FB_TRANSPORT_CC, "transport-cc"},
               {SDP_FB_CCM_FIR, "ccm fir"},
               {SDP_FB_NACK, "nack"},
               {SDP_FB_NACK_PLI, "nack pli"}};
    g_autofree char *fmt = g_strdup_printf("%u", pt);
    g_autofree char *rtpmap = NULL;
    g_autofree char *fmtp = NULL;
    guint i;

    gst_sdp_media_add_format(gm, fmt);
    switch (codec) {
    case SDP_CODEC_OPUS:
        rtpmap = g_strdup_printf("%u opus/48000/2", pt);
        fmtp = g_strdup_printf("%u minptime=10;useinbandfec=1", pt);
        break;
    case SDP_CODEC_VP8:
        rtpmap = g_strdup_printf("%u VP8/90000", pt);
        break;
    case SDP_CODEC_H264:
        rtpmap = g_strdup_printf("%u H264/90000", pt);
        fmtp = g_strdup_printf("%u level-asymmetry-allowed=1;packetization-mode=1;"
                               "profile-level-id=%06x",
                               pt, h264_plid != 0 ? h264_plid : DEFAULT_H264_PLID);
        break;
    case SDP_CODEC_NONE:
        break;
    }
    gst_sdp_media_add_attribute(gm, "rtpmap", rtpmap);
    for (i = 0; i < G_N_ELEMENTS(fbs); i++) {
        if (feedback & fbs[i].bit) {
            g_autofree char *v = g_strdup_printf("%u %s", pt, fbs[i].text);

            gst_sdp_media_add_attribute(gm, "rtcp-fb", v);
        }
    }
    if (fmtp != NULL)
        gst_sdp_media_add_attribute(gm, "fmtp", fmtp);
    if (rtx_pt >= 0) {
        g_autofree char *rfmt = g_strdup_printf("%d", rtx_pt);
        g_autofree char *rmap = g_strdup_printf("%d rtx/90000", rtx_pt);
        g_autofree char *rfmtp = g_strdup_printf("%d apt=%u", rtx_pt, pt);

        gst_sdp_media_add_format(gm, rfmt);
        gst_sdp_media_add_attribute(gm, "rtpmap", rmap);
        gst_sdp_media_add_attribute(gm, "fmtp", rfmtp);
    }
}

static gboolean check_send_track(const SdpSendTrack *s, const char *mid, GError **error)
{
    const char *cname = s->cname != NULL ? s->cname : "";
    const char *stream = s->stream_id != NULL ? s->stream_id : "-";
    const char *track = s->track_id != NULL ? s->track_id : "";

    if (s->ssrc == 0)
        return TRUE;
    if (!sdp_is_token(cname, strlen(cname), SDP_MAX_CNAME) ||
        !sdp_is_token(stream, strlen(stream), SDP_MAX_MSID) ||
        !sdp_is_token(track, strlen(track), SDP_MAX_MSID)) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "track of mid %s: cname, stream and track ids must be tokens of at most %d "
                    "bytes",
                    mid, SDP_MAX_MSID);
        return FALSE;
    }
    return TRUE;
}

/* a=msid (RFC 8830 §2) and a=ssrc with cname and msid (RFC 5576 §4.1). */
static void add_send_track(GstSDPMedia *gm, const SdpSendTrack *s)
{
    const char *stream = s->stream_id != NULL ? s->stream_id : "-";
    g_autofree char *msid = g_strdup_printf("%s %s", stream, s->track_id);
    g_autofree char *cname = g_strdup_printf("%u cname:%s", s->ssrc, s->cname);
    g_autofree char *ssrc_msid = g_strdup_printf("%u msid:%s", s->ssrc, msid);

    gst_sdp_media_add_attribute(gm, "msid", msid);
    gst_sdp_media_add_attribute(gm, "ssrc", cname);
    gst_sdp_media_add_attribute(gm, "ssrc", ssrc_msid);
}

static void start_message(GstSDPMessage *msg, guint64 session_id, guint version)
{
    g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, session_id & G_MAXINT64);
    g_autofree char *ver = g_strdup_printf("%u", version);

    /* JSEP §5.2.1: "o=- <id> <version> IN IP4 127.0.0.1", s=-, t=0 0. */
    gst_sdp_message_set_version(msg, "0");
    gst_sdp_message_set_origin(msg, "-", id, ver, "IN", "IP4", "127.0.0.1");
    gst_sdp_message_set_session_name(msg, "-");
    gst_sdp_message_add_time(msg, "0", "0", NULL);
}

static SdpDirection answer_direction(SdpDirection offered, gboolean we_send)
{
    switch (offered) {
    case SDP_DIRECTION_SENDRECV:
        return we_send ? SDP_DIRECTION_SENDRECV : SDP_DIRECTION_RECVONLY;
    case SDP_DIRECTION_SENDONLY:
        return SDP_DIRECTION_RECVONLY;
    case SDP_DIRECTION_RECVONLY:
        return we_send ? SDP_DIRECTION_SENDONLY : SDP_DIRECTION_INACTIVE;
    case SDP_DIRECTION_INACTIVE:
        break;
    }
    return SDP_DIRECTION_INACTIVE;
}

char *sdp_write_answer(const SdpDescription *offer, const SdpTransport *transport,
                       const SdpSendTrack *send, guint64 session_id, GError **error)
{
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(GString) bundle = g_string_new("BUNDLE");
    const char *setup = sdp_setup_to_string(sdp_local_setup(offer));
    char addr[64];
    guint i, port;

    g_return_val_if_fail(offer != NULL && offer->is_offer, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!check_transport(transport, error))
        return NULL;
    for (i = 0; send != NULL && i < offer->n_media; i++) {
        if (!check_send_track(&send[i], offer->media[i].mid, error))
            return NULL;
    }
    default_candidate(transport, addr, sizeof(addr), &port);
    gst_sdp_message_new(&msg);
    start_message(msg, session_id, 1);
    for (i = 0; i < offer->n_media; i++) {
        if (offer->media[i].accepted)
            g_string_append_printf(bundle, " %s", offer->media[i].mid);
    }
    gst_sdp_message_add_attribute(msg, "group", bundle->str);
    gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS *");

    for (i = 0; i < offer->n_media; i++) {
        const SdpMedia *m = &offer->media[i];
        const SdpSendTrack *s = send != NULL && send[i].ssrc != 0 ? &send[i] : NULL;
        SdpDirection dir;
        GstSDPMedia gm;
        guint k;

        memset(&gm, 0, sizeof(gm)); /* gst_sdp_media_init() frees what it finds */
        gst_sdp_media_init(&gm);
        if (!m->accepted) {
            /* RFC 3264 §6: the same media and protocol, port 0, one format; and the mid. */
            gst_sdp_media_set_media(&gm, m->media_name);
            gst_sdp_media_set_port_info(&gm, 0, 1);
            gst_sdp_media_set_proto(&gm, m->proto);
            gst_sdp_media_add_format(&gm, m->first_format[0] ? m->first_format : "0");
            gst_sdp_media_add_connection(&gm, "IN", "IP4", "0.0.0.0", 0, 0);
            if (m->mid[0] != '\0')
                gst_sdp_media_add_attribute(&gm, "mid", m->mid);
            gst_sdp_message_add_media(msg, &gm);
            continue;
        }
        dir = answer_direction(m->direction, s != NULL);
        if (dir != SDP_DIRECTION_SENDRECV && dir != SDP_DIRECTION_SENDONLY)
            s = NULL;
        add_media_line(&gm, m->kind, port, addr);
        add_transport(&gm, transport, setup, (gint)i == offer->bundle_tag);
        gst_sdp_media_add_attribute(&gm, "mid", m->mid);
        add_extmaps(&gm, m->ext_ids);
        gst_sdp_media_add_attribute(&gm, sdp_direction_to_string(dir), NULL);
        if (s != NULL)
            add_send_track(&gm, s);
        gst_sdp_media_add_attribute(&gm, "rtcp-mux", NULL);
        if (m->rtcp_rsize)
            gst_sdp_media_add_attribute(&gm, "rtcp-rsize", NULL);
        add_codec(&gm, m->codec, m->payload_type, m->feedback, m->h264_profile_level,
                  m->rtx_payload_type);
        if (m->n_rids > 0) {
            g_autoptr(GString) sim = g_string_new("recv ");

            /* RFC 8853 §5.3: the answer reverses the direction, same rids and order. */
            for (k = 0; k < m->n_rids; k++) {
                g_autofree char *rid = g_strdup_printf("%s recv", m->rids[k].id);

                gst_sdp_media_add_attribute(&gm, "rid", rid);
                g_string_append_printf(sim, "%s%s%s", k > 0 ? ";" : "",
                                       m->rids[k].paused ? "~" : "", m->rids[k].id);
            }
            gst_sdp_media_add_attribute(&gm, "simulcast", sim->str);
        }
        gst_sdp_message_add_media(msg, &gm);
    }
    return gst_sdp_message_as_text(msg);
}

static gboolean check_offer_media(const SdpOfferMedia *media, guint n, GError **error)
{
    guint i, j;

    if (n == 0 || n > SDP_MAX_MEDIA) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                    "an offer has 1 to %d media sections, not %u", SDP_MAX_MEDIA, n);
        return FALSE;
    }
    for (i = 0; i < n; i++) {
        const SdpOfferMedia *o = &media[i];
        gboolean codec_ok = (o->kind == SDP_MEDIA_AUDIO && o->codec == SDP_CODEC_OPUS) ||
                            (o->kind == SDP_MEDIA_VIDEO &&
                             (o->codec == SDP_CODEC_VP8 || o->codec == SDP_CODEC_H264));

        if (o->mid == NULL || !sdp_is_token(o->mid, strlen(o->mid), SDP_MAX_ID_LEN) || !codec_ok ||
            o->payload_type > 127 || !sdp_usable_pt(o->payload_type) ||
            !check_send_track(&o->send, o->mid, error)) {
            if (error != NULL && *error != NULL)
                return FALSE;
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                        "offer section %u: needs a mid of at most %d token bytes, opus for "
                        "audio or VP8/H264 for video, and a payload type outside 64-95",
                        i, SDP_MAX_ID_LEN);
            return FALSE;
        }
        for (j = 0; j < i; j++) {
            if (g_str_equal(media[j].mid, o->mid)) {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            "two offer sections have mid %s", o->mid);
                return FALSE;
            }
        }
    }
    return TRUE;
}

char *sdp_write_offer(const SdpOfferMedia *media, guint n_media, const SdpTransport *transport,
                      guint64 session_id, guint version, GError **error)
{
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(GString) bundle = g_string_new("BUNDLE");
    char addr[64];
    guint i, port;

    g_return_val_if_fail(media != NULL || n_media == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!check_transport(transport, error) || !check_offer_media(media, n_media, error))
        return NULL;
    default_candidate(transport, addr, sizeof(addr), &port);
    gst_sdp_message_new(&msg);
    start_message(msg, session_id, version);
    for (i = 0; i < n_media; i++)
        g_string_append_printf(bundle, " %s", media[i].mid);
    gst_sdp_message_add_attribute(msg, "group", bundle->str);
    gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS *");

    for (i = 0; i < n_media; i++) {
        const SdpOfferMedia *o = &media[i];
        GstSDPMedia gm;
        guint8 ext_ids[SDP_N_EXTS];
        guint e;

        for (e = 0; e < SDP_N_EXTS; e++)
            ext_ids[e] = sdp_ext_applies(e, o->kind) && o->ext_ids[e] <= 14 ? o->ext_ids[e] : 0;
        /* JSEP §5.2.1: the rid extensions only with simulcast, which we never send. */
        ext_ids[SDP_EXT_RID] = ext_ids[SDP_EXT_REPAIRED_RID] = 0;
        memset(&gm, 0, sizeof(gm)); /* gst_sdp_media_init() frees what it finds */
        gst_sdp_media_init(&gm);
        add_media_line(&gm, o->kind, port, addr);
        add_transport(&gm, transport, "actpass", i == 0);
        gst_sdp_media_add_attribute(&gm, "mid", o->mid);
        add_extmaps(&gm, ext_ids);
        gst_sdp_media_add_attribute(&gm, sdp_direction_to_string(o->direction), NULL);
        if (o->send.ssrc != 0 &&
            (o->direction == SDP_DIRECTION_SENDONLY || o->direction == SDP_DIRECTION_SENDRECV))
            add_send_track(&gm, &o->send);
        gst_sdp_media_add_attribute(&gm, "rtcp-mux", NULL);
        gst_sdp_media_add_attribute(&gm, "rtcp-rsize", NULL);
        add_codec(&gm, o->codec, o->payload_type, o->feedback, o->h264_profile_level, -1);
        gst_sdp_message_add_media(msg, &gm);
    }
    return gst_sdp_message_as_text(msg);
}
