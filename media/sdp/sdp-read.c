/* sdp-read.c: reading offers and answers from clients, and negotiating them.
 *
 * Design: the text is checked before anything parses it (length, line count and length, UTF-8,
 * the shape of each line), so GstSDPMessage only ever sees bounded input; GstSDPMessage then
 * does the lexical work and this file the meaning. Reading happens in two steps: every media
 * section is read into a table of what it lists (payload types with their rtpmap, fmtp and
 * rtcp-fb; extmaps; rids; ssrcs), then negotiated: for an offer, against our preferences, for an
 * answer, against the offer we made. Refusals are errors with messages written for whoever
 * debugs the client, quoting what was offered (sanitised) and what we support.
 *
 * The rules followed: offer/answer (RFC 3264 §5, §6, §8.2: a port of 0 disables a section);
 * JSEP (RFC 8829 §5.7 for parsing); BUNDLE (RFC 8843 §7: one group, the first mid is the tag, the
 * tagged section's transport attributes apply to all; bundle-only sections, §6); ICE (RFC 8839
 * §5: ice-ufrag 4-256 and ice-pwd 22-256 ice-chars, candidates; RFC 8840 end-of-candidates);
 * DTLS (RFC 8842 §5: an offer says actpass, active or passive, an answer active or passive; RFC
 * 8122 §5 fingerprints); rtcp-mux required (RFC 8858); simulcast by RID (RFC 8851 a=rid, RFC 8853
 * a=simulcast: the send list, the first rid of each alternative, "~" for a paused one; at most
 * SDP_MAX_LAYERS); RFC 8285 a=extmap (ids 1-14 only, the one-byte form the router rewrites; an id
 * used twice is refused); msid (RFC 8830) and a=ssrc, a=ssrc-group:FID (RFC 5576, RFC 4588).
 * Codecs: Opus (RFC 7587), VP8 (RFC 7741), H.264 in packetization mode 1 (RFC 6184 §8.1;
 * constrained baseline preferred, then baseline, main, high; profile-level-id kept as offered,
 * §8.2.2), chosen in our preference order rather than the offer's, so a room's publishers agree.
 * RTX (RFC 4588) is read, and answered only when asked for: the router retransmits from its NACK
 * cache on the original stream.
 */
#include "sdp/sdp.h"

#include <string.h>

#include <gst/sdp/gstsdpmessage.h>

#include "sdp/sdp-private.h"

#define MAX_RID_LINES       8
#define MAX_OFFERED_NAMES   8
#define FORMAT_NAME_LEN     32
#define SUPPORTED_AUDIO     "opus/48000/2"
#define H264_SUPPORTED_TEXT "H264 (packetization-mode=1)"

/* ---- limits on the raw text ---- */

static gboolean check_text(const char *text, gsize len, GError **error)
{
    gsize pos = 0, line_no = 0, n_media = 0;
    gboolean first = TRUE;

    if (len > SDP_MAX_TEXT_LEN) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                    "SDP too large: %" G_GSIZE_FORMAT " bytes, limit %d", len, SDP_MAX_TEXT_LEN);
        return FALSE;
    }
    if (len == 0 || memchr(text, '\0', len) != NULL || !g_utf8_validate_len(text, len, NULL)) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX, "not an SDP description: %s",
                    len == 0 ? "it is empty" : "it is not UTF-8 text");
        return FALSE;
    }
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        gsize n = nl != NULL ? (gsize)(nl - line) : len - pos;

        pos += n + (nl != NULL ? 1 : 0);
        line_no++;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n > SDP_MAX_LINE_LEN) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                        "SDP line %" G_GSIZE_FORMAT " too long: %" G_GSIZE_FORMAT
                        " bytes, limit %d",
                        line_no, n, SDP_MAX_LINE_LEN);
            return FALSE;
        }
        if (n == 0)
            continue; /* blank lines (a trailing CRLF) are tolerated */
        /* RFC 8866 §5: <type>=<value>, type one lower-case letter. */
        if (n < 2 || !g_ascii_islower(line[0]) || line[1] != '=' || memchr(line, '\r', n) != NULL) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                        "not an SDP description: line %" G_GSIZE_FORMAT
                        " is not of the form x=value",
                        line_no);
            return FALSE;
        }
        if (first && !(n == 3 && memcmp(line, "v=0", 3) == 0)) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                        "not an SDP description: it must start with v=0");
            return FALSE;
        }
        first = FALSE;
        if (line[0] == 'm' && ++n_media > SDP_MAX_MEDIA) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                        "too many media sections: more than %d", SDP_MAX_MEDIA);
            return FALSE;
        }
    }
    if (n_media == 0) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "the description has no media section (m= line)");
        return FALSE;
    }
    return TRUE;
}

/* ---- what one media section lists ---- */

typedef struct {
    gboolean listed; /* on the m= line */
    gboolean rtpmap; /* has an a=rtpmap */
    char name[FORMAT_NAME_LEN];
    guint clock_rate;
    guint channels;
    const char *fmtp; /* borrowed from the GstSDPMessage, or NULL */
    guint feedback;
    gint apt; /* rtx: associated payload type, or -1 */
} Format;

typedef struct {
    Format formats[128];
    guint8 order[128]; /* payload types in m= line order */
    guint n_order;
    guint port;
    gboolean bundle_only;
    gboolean rtcp_mux;
    gboolean in_bundle;
    guint8 ext_ids[SDP_N_EXTS];
    /* a=simulcast (RFC 8853 §5.1) */
    gboolean has_simulcast;
    gboolean simulcast_send;
    gboolean simulcast_recv;
    guint n_sim;
    SdpRid sim[SDP_MAX_LAYERS + 1]; /* one more, to report too many layers */
    gboolean sim_too_many;
    /* a=rid (RFC 8851 §10) */
    guint n_rid_lines;
    char rid_lines[MAX_RID_LINES][SDP_MAX_ID_LEN + 1];
    gboolean rid_send[MAX_RID_LINES];
    /* a=ssrc-group:FID pairs */
    guint n_fid;
    guint32 fid[SDP_MAX_SSRCS][2];
    /* transport attributes at media level (borrowed) */
    const char *ice_ufrag;
    const char *ice_pwd;
    const char *fingerprint;
    const char *setup;
} RawMedia;

typedef struct {
    const GstSDPMessage *msg;
    SdpDescription *desc;
    RawMedia *raw;    /* desc->n_media entries */
    const char *what; /* "offer" or "answer", for messages */
} Reader;

#define SECTION_FMT "%s section %u (mid %s)"
#define SECTION_ARGS(m_) \
    sdp_kind_to_string((m_)->kind), (m_)->index, (m_)->mid[0] ? (m_)->mid : "none"

static gboolean read_rtpmap(Reader *r, SdpMedia *m, RawMedia *raw, const char *v, GError **error)
{
    const char *p = v, *slash;
    guint64 pt, clock, channels = 0;
    gsize n;
    Format *f;

    if (!sdp_read_uint(&p, 127, &pt) || *p != ' ')
        goto bad;
    p = sdp_skip_spaces(p);
    slash = strchr(p, '/');
    if (slash == NULL || slash == p || (gsize)(slash - p) >= FORMAT_NAME_LEN)
        goto bad;
    n = (gsize)(slash - p);
    f = &raw->formats[pt];
    memcpy(f->name, p, n);
    f->name[n] = '\0';
    p = slash + 1;
    if (!sdp_read_uint(&p, 1000000, &clock) || clock == 0)
        goto bad;
    if (*p == '/') {
        p++;
        if (!sdp_read_uint(&p, 255, &channels) || channels == 0)
            goto bad;
    }
    if (*sdp_skip_spaces(p) != '\0')
        goto bad;
    f->rtpmap = TRUE;
    f->clock_rate = (guint)clock;
    f->channels = channels != 0 ? (guint)channels : 1;
    return TRUE;
bad : {
    char q[48];

    g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                SECTION_FMT ": a=rtpmap:%s is not \"<pt> <name>/<rate>[/<channels>]\"",
                SECTION_ARGS(m), sdp_sanitise(q, sizeof(q), v));
    return FALSE;
}
}

static void read_fmtp(RawMedia *raw, const char *v)
{
    const char *p = v;
    guint64 pt;

    if (!sdp_read_uint(&p, 127, &pt) || (*p != ' ' && *p != '\t'))
        return;
    raw->formats[pt].fmtp = sdp_skip_spaces(p);
}

static guint feedback_from_text(const char *p)
{
    gsize n = sdp_word_len(p);
    const char *sub = sdp_skip_spaces(p + n);
    gsize sn = sdp_word_len(sub);

    if (n == 4 && memcmp(p, "nack", 4) == 0) {
        if (sn == 0)
            return SDP_FB_NACK;
        if (sn == 3 && memcmp(sub, "pli", 3) == 0)
            return SDP_FB_NACK_PLI;
        return 0;
    }
    if (n == 3 && memcmp(p, "ccm", 3) == 0 && sn == 3 && memcmp(sub, "fir", 3) == 0)
        return SDP_FB_CCM_FIR;
    if (n == 9 && memcmp(p, "goog-remb", 9) == 0)
        return SDP_FB_GOOG_REMB;
    if (n == 12 && memcmp(p, "transport-cc", 12) == 0)
        return SDP_FB_TRANSPORT_CC;
    return 0;
}

static void read_rtcp_fb(RawMedia *raw, const char *v)
{
    const char *p = v;
    guint64 pt;
    guint fb, i;

    if (*p == '*') {
        fb = feedback_from_text(sdp_skip_spaces(p + 1));
        for (i = 0; i < 128; i++)
            raw->formats[i].feedback |= fb;
        return;
    }
    if (!sdp_read_uint(&p, 127, &pt) || (*p != ' ' && *p != '\t'))
        return;
    raw->formats[pt].feedback |= feedback_from_text(sdp_skip_spaces(p));
}

static gboolean read_extmap(SdpMedia *m, RawMedia *raw, const char *v, GError **error)
{
    const char *p = v, *uri;
    guint64 id;
    gsize n;
    guint e;
    char q[64];

    if (!sdp_read_uint(&p, 255, &id) || id == 0 || (*p != ' ' && *p != '/')) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    SECTION_FMT ": a=extmap:%s is not \"<id> <uri>\" (RFC 8285 §7)",
                    SECTION_ARGS(m), sdp_sanitise(q, sizeof(q), v));
        return FALSE;
    }
    if (*p == '/')
        p += sdp_word_len(p);
    uri = sdp_skip_spaces(p);
    n = sdp_word_len(uri);
    for (e = 0; e < SDP_N_EXTS; e++) {
        if (strlen(sdp_ext_uris[e]) == n && memcmp(uri, sdp_ext_uris[e], n) == 0)
            break;
    }
    for (guint o = 0; o < SDP_N_EXTS; o++) {
        if (o != e && raw->ext_ids[o] == id) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                        SECTION_FMT ": extmap id %u is used twice", SECTION_ARGS(m), (guint)id);
            return FALSE;
        }
    }
    /* Ours only, in the one-byte range the router rewrites (RFC 8285 §4.2). */
    if (e < SDP_N_EXTS && id <= 14 && sdp_ext_applies(e, m->kind))
        raw->ext_ids[e] = (guint8)id;
    return TRUE;
}

static gboolean read_rid(SdpMedia *m, RawMedia *raw, const char *v, GError **error)
{
    gsize n = sdp_word_len(v);
    const char *dir = sdp_skip_spaces(v + n);
    gsize dn = sdp_word_len(dir);
    char q[48];

    if (!sdp_is_rid_id(v, n) ||
        !((dn == 4 && memcmp(dir, "send", 4) == 0) || (dn == 4 && memcmp(dir, "recv", 4) == 0))) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    SECTION_FMT ": a=rid:%s is not \"<id> send|recv\" with an id of at most %d "
                                "letters, digits, - and _ (RFC 8851 §10)",
                    SECTION_ARGS(m), sdp_sanitise(q, sizeof(q), v), SDP_MAX_ID_LEN);
        return FALSE;
    }
    if (raw->n_rid_lines >= MAX_RID_LINES) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                    SECTION_FMT ": more than %d a=rid lines", SECTION_ARGS(m), MAX_RID_LINES);
        return FALSE;
    }
    memcpy(raw->rid_lines[raw->n_rid_lines], v, n);
    raw->rid_lines[raw->n_rid_lines][n] = '\0';
    raw->rid_send[raw->n_rid_lines] = dir[0] == 's';
    raw->n_rid_lines++;
    return TRUE;
}

/* "send <alt-list> [recv <alt-list>]" or the reverse; an alt-list is ";"-separated
 * alternatives, each ","-separated rids, each maybe "~"-prefixed (RFC 8853 §5.1). We keep the
 * first rid of each alternative of the send list. */
static gboolean read_simulcast(SdpMedia *m, RawMedia *raw, const char *v, GError **error)
{
    const char *p = sdp_skip_spaces(v);
    char q[64];

    raw->has_simulcast = TRUE;
    while (*p != '\0') {
        gsize n = sdp_word_len(p);
        gboolean send;
        const char *list, *end;

        if (n == 4 && memcmp(p, "send", 4) == 0)
            send = TRUE;
        else if (n == 4 && memcmp(p, "recv", 4) == 0)
            send = FALSE;
        else
            goto bad;
        list = sdp_skip_spaces(p + n);
        n = sdp_word_len(list);
        if (n == 0)
            goto bad;
        end = list + n;
        if (send)
            raw->simulcast_send = TRUE;
        else
            raw->simulcast_recv = TRUE;
        while (list < end) {
            const char *alt_end = memchr(list, ';', (gsize)(end - list));
            const char *first_end;
            gboolean paused = FALSE;

            if (alt_end == NULL)
                alt_end = end;
            first_end = memchr(list, ',', (gsize)(alt_end - list));
            if (first_end == NULL)
                first_end = alt_end;
            if (*list == '~') {
                paused = TRUE;
                list++;
            }
            if (!sdp_is_rid_id(list, (gsize)(first_end - list)))
                goto bad;
            if (send) {
                if (raw->n_sim > SDP_MAX_LAYERS) {
                    raw->sim_too_many = TRUE;
                } else {
                    SdpRid *rid = &raw->sim[raw->n_sim++];

                    memcpy(rid->id, list, (gsize)(first_end - list));
                    rid->id[first_end - list] = '\0';
                    rid->paused = paused;
                }
            }
            list = alt_end < end ? alt_end + 1 : end;
        }
        p = sdp_skip_spaces(end);
    }
    return TRUE;
bad:
    g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                SECTION_FMT ": a=simulcast:%s is not \"send <rid>;<rid>...\" (RFC 8853 §5.1)",
                SECTION_ARGS(m), sdp_sanitise(q, sizeof(q), v));
    return FALSE;
}

static gint find_ssrc(const SdpMedia *m, guint32 ssrc)
{
    guint i;

    for (i = 0; i < m->n_ssrcs; i++) {
        if (m->ssrcs[i] == ssrc)
            return (gint)i;
    }
    return -1;
}

static gboolean copy_word(char *dst, gsize size, const char *src, gsize n)
{
    if (n == 0 || n >= size || !sdp_is_token(src, n, size - 1))
        return FALSE;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return TRUE;
}

/* An m= line's protocol: tokens joined by "/" (RFC 8866 §5.14). */
static gboolean copy_proto(char *dst, gsize size, const char *src)
{
    gsize n = strlen(src), i;

    if (n == 0 || n >= size)
        return FALSE;
    for (i = 0; i < n; i++) {
        if (!sdp_is_token_char(src[i]) && src[i] != '/')
            return FALSE;
    }
    memcpy(dst, src, n + 1);
    return TRUE;
}

/* "a=msid:<stream> [<track>]" (RFC 8830 §2), also the value of "a=ssrc:<id> msid:...". */
static gboolean read_msid(SdpMedia *m, const char *v)
{
    gsize n = sdp_word_len(v);
    const char *track = sdp_skip_spaces(v + n);

    if (!copy_word(m->msid_stream, sizeof(m->msid_stream), v, n))
        return FALSE;
    if (*track != '\0' &&
        !copy_word(m->msid_track, sizeof(m->msid_track), track, sdp_word_len(track)))
        return FALSE;
    return TRUE;
}

static gboolean read_ssrc(SdpMedia *m, const char *v, GError **error)
{
    const char *p = v;
    guint64 ssrc;
    char q[48];

    if (!sdp_read_uint(&p, G_MAXUINT32, &ssrc) || (*p != ' ' && *p != '\0')) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    SECTION_FMT ": a=ssrc:%s is not \"<ssrc> <attribute>\" (RFC 5576 §4.1)",
                    SECTION_ARGS(m), sdp_sanitise(q, sizeof(q), v));
        return FALSE;
    }
    if (find_ssrc(m, (guint32)ssrc) < 0) {
        if (m->n_ssrcs >= SDP_MAX_SSRCS) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                        SECTION_FMT ": more than %d SSRCs", SECTION_ARGS(m), SDP_MAX_SSRCS);
            return FALSE;
        }
        m->ssrcs[m->n_ssrcs++] = (guint32)ssrc;
    }
    p = sdp_skip_spaces(p);
    if (g_str_has_prefix(p, "cname:") && m->cname[0] == '\0') {
        p += 6;
        copy_word(m->cname, sizeof(m->cname), p, sdp_word_len(p));
    } else if (g_str_has_prefix(p, "msid:") && m->msid_stream[0] == '\0') {
        read_msid(m, p + 5);
    }
    return TRUE;
}

/* "a=ssrc-group:FID <media> <rtx>" (RFC 5576 §4.2, RFC 4588 §8.1), remembered until every
 * a=ssrc line is read (Chrome writes the group first); other semantics are read for nothing
 * (SIM is the old, pre-RID simulcast). */
static void read_ssrc_group(RawMedia *raw, const char *v)
{
    const char *p = v;
    guint64 a, b;

    if (!g_str_has_prefix(p, "FID ") || raw->n_fid >= SDP_MAX_SSRCS)
        return;
    p = sdp_skip_spaces(p + 4);
    if (!sdp_read_uint(&p, G_MAXUINT32, &a))
        return;
    p = sdp_skip_spaces(p);
    if (!sdp_read_uint(&p, G_MAXUINT32, &b) || a == b)
        return;
    raw->fid[raw->n_fid][0] = (guint32)a;
    raw->fid[raw->n_fid][1] = (guint32)b;
    raw->n_fid++;
}

/* Pairs each media SSRC with its RTX SSRC and takes the RTX ones out of the list. */
static void apply_fid(SdpMedia *m, const RawMedia *raw)
{
    gboolean is_rtx[SDP_MAX_SSRCS] = {FALSE};
    guint f, i, kept = 0;

    for (f = 0; f < raw->n_fid; f++) {
        gint media = find_ssrc(m, raw->fid[f][0]);

        if (media >= 0 && find_ssrc(m, raw->fid[f][1]) >= 0)
            m->rtx_ssrcs[media] = raw->fid[f][1];
    }
    for (f = 0; f < raw->n_fid; f++) {
        gint media = find_ssrc(m, raw->fid[f][0]);

        if (media >= 0 && m->rtx_ssrcs[media] == raw->fid[f][1])
            is_rtx[find_ssrc(m, raw->fid[f][1])] = TRUE;
    }
    for (i = 0; i < m->n_ssrcs; i++) {
        if (!is_rtx[i]) {
            m->ssrcs[kept] = m->ssrcs[i];
            m->rtx_ssrcs[kept] = m->rtx_ssrcs[i];
            kept++;
        }
    }
    for (i = kept; i < m->n_ssrcs; i++)
        m->ssrcs[i] = m->rtx_ssrcs[i] = 0;
    m->n_ssrcs = kept;
}

static gboolean add_candidate(Reader *r, const char *v, GError **error)
{
    g_autofree char *line = NULL;
    guint i;

    if (v == NULL || strlen(v) > 1024) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "an a=candidate line is empty or longer than 1024 bytes");
        return FALSE;
    }
    line = g_strconcat("candidate:", v, NULL);
    for (i = 0; i < r->desc->candidates->len; i++) {
        if (g_str_equal(g_ptr_array_index(r->desc->candidates, i), line))
            return TRUE; /* the same candidate repeated in each bundled section */
    }
    if (r->desc->candidates->len >= SDP_MAX_CANDIDATES) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                    "too many ICE candidates: more than %d", SDP_MAX_CANDIDATES);
        return FALSE;
    }
    g_ptr_array_add(r->desc->candidates, g_steal_pointer(&line));
    return TRUE;
}

static gboolean read_formats(SdpMedia *m, RawMedia *raw, const GstSDPMedia *gm, GError **error)
{
    guint i, n = gst_sdp_media_formats_len(gm);

    for (i = 0; i < n; i++) {
        const char *fmt = gst_sdp_media_get_format(gm, i);
        guint64 pt;
        char q[16];

        if (!sdp_parse_uint(fmt, 127, &pt)) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                        SECTION_FMT ": \"%s\" is not an RTP payload type (0-127)", SECTION_ARGS(m),
                        sdp_sanitise(q, sizeof(q), fmt));
            return FALSE;
        }
        if (raw->formats[pt].listed) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                        SECTION_FMT ": payload type %u listed twice", SECTION_ARGS(m), (guint)pt);
            return FALSE;
        }
        raw->formats[pt].listed = TRUE;
        raw->order[raw->n_order++] = (guint8)pt;
    }
    return TRUE;
}

/* Reads the attributes of one media section into @m and @raw. */
static gboolean read_media(Reader *r, guint index, GError **error)
{
    const GstSDPMedia *gm = gst_sdp_message_get_media(r->msg, index);
    SdpMedia *m = &r->desc->media[index];
    RawMedia *raw = &r->raw[index];
    const char *name = gst_sdp_media_get_media(gm);
    const char *proto = gst_sdp_media_get_proto(gm);
    const char *first = gst_sdp_media_formats_len(gm) > 0 ? gst_sdp_media_get_format(gm, 0) : "";
    gboolean have_direction = FALSE;
    guint i, n_attrs;

    m->index = index;
    m->rtx_payload_type = -1;
    m->direction = SDP_DIRECTION_SENDRECV; /* RFC 3264 §5.1: the default */
    for (i = 0; i < 128; i++)
        raw->formats[i].apt = -1;
    if (name == NULL || proto == NULL ||
        !copy_word(m->media_name, sizeof(m->media_name), name, strlen(name)) ||
        !copy_proto(m->proto, sizeof(m->proto), proto) ||
        !copy_word(m->first_format, sizeof(m->first_format), first, strlen(first))) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "media section %u: the m= line is not \"m=<media> <port> <proto> <fmt>...\"",
                    index);
        return FALSE;
    }
    if (g_str_equal(name, "audio"))
        m->kind = SDP_MEDIA_AUDIO;
    else if (g_str_equal(name, "video"))
        m->kind = SDP_MEDIA_VIDEO;
    else
        m->kind = SDP_MEDIA_OTHER;
    raw->port = gst_sdp_media_get_port(gm);

    n_attrs = gst_sdp_media_attributes_len(gm);
    /* The mid first: every later message names the section by it. */
    for (i = 0; i < n_attrs; i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, i);

        if (g_strcmp0(a->key, "mid") == 0) {
            const char *v = a->value != NULL ? a->value : "";
            char q[48];

            if (!copy_word(m->mid, sizeof(m->mid), v, strlen(v)) || m->mid[0] == '\0') {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            "media section %u: a=mid:%s is not a token of at most %d bytes", index,
                            sdp_sanitise(q, sizeof(q), v), SDP_MAX_ID_LEN);
                return FALSE;
            }
            break;
        }
    }
    if (m->kind == SDP_MEDIA_OTHER)
        return TRUE; /* rejected whatever it says */

    if (!read_formats(m, raw, gm, error))
        return FALSE;
    for (i = 0; i < n_attrs; i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, i);
        const char *k = a->key != NULL ? a->key : "";
        const char *v = a->value != NULL ? a->value : "";

        if (g_str_equal(k, "rtpmap")) {
            if (!read_rtpmap(r, m, raw, v, error))
                return FALSE;
        } else if (g_str_equal(k, "fmtp")) {
            read_fmtp(raw, v);
        } else if (g_str_equal(k, "rtcp-fb")) {
            read_rtcp_fb(raw, v);
        } else if (g_str_equal(k, "extmap")) {
            if (!read_extmap(m, raw, v, error))
                return FALSE;
        } else if (g_str_equal(k, "sendrecv") || g_str_equal(k, "sendonly") ||
                   g_str_equal(k, "recvonly") || g_str_equal(k, "inactive")) {
            if (have_direction) {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            SECTION_FMT ": more than one direction attribute", SECTION_ARGS(m));
                return FALSE;
            }
            have_direction = TRUE;
            m->direction = k[0] == 'i'   ? SDP_DIRECTION_INACTIVE
                           : k[4] == 'r' ? SDP_DIRECTION_SENDRECV
                           : k[0] == 's' ? SDP_DIRECTION_SENDONLY
                                         : SDP_DIRECTION_RECVONLY;
        } else if (g_str_equal(k, "rtcp-mux")) {
            raw->rtcp_mux = TRUE;
        } else if (g_str_equal(k, "rtcp-rsize")) {
            m->rtcp_rsize = TRUE;
        } else if (g_str_equal(k, "bundle-only")) {
            raw->bundle_only = TRUE;
        } else if (g_str_equal(k, "rid")) {
            if (!read_rid(m, raw, v, error))
                return FALSE;
        } else if (g_str_equal(k, "simulcast")) {
            if (!read_simulcast(m, raw, v, error))
                return FALSE;
        } else if (g_str_equal(k, "ssrc")) {
            if (!read_ssrc(m, v, error))
                return FALSE;
        } else if (g_str_equal(k, "ssrc-group")) {
            read_ssrc_group(raw, v);
        } else if (g_str_equal(k, "msid")) {
            if (!read_msid(m, v)) {
                char q[48];

                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            SECTION_FMT ": a=msid:%s is not \"<stream> <track>\" (RFC 8830)",
                            SECTION_ARGS(m), sdp_sanitise(q, sizeof(q), v));
                return FALSE;
            }
        } else if (g_str_equal(k, "ice-ufrag")) {
            raw->ice_ufrag = v;
        } else if (g_str_equal(k, "ice-pwd")) {
            raw->ice_pwd = v;
        } else if (g_str_equal(k, "fingerprint")) {
            raw->fingerprint = v;
        } else if (g_str_equal(k, "setup")) {
            raw->setup = v;
        }
    }
    apply_fid(m, raw);
    /* rtx: "a=fmtp:<pt> apt=<pt>" on a format named rtx (RFC 4588 §8.6). */
    for (i = 0; i < raw->n_order; i++) {
        Format *f = &raw->formats[raw->order[i]];
        const char *apt;
        guint64 v;

        if (g_ascii_strcasecmp(f->name, "rtx") == 0 && f->fmtp != NULL &&
            (apt = strstr(f->fmtp, "apt=")) != NULL) {
            apt += 4;
            if (sdp_read_uint(&apt, 127, &v))
                f->apt = (gint)v;
        }
    }
    return TRUE;
}

/* ---- session level: BUNDLE, and transport attributes ---- */

static const char *session_attribute(const GstSDPMessage *msg, const char *key)
{
    guint i, n = gst_sdp_message_attributes_len(msg);

    for (i = 0; i < n; i++) {
        const GstSDPAttribute *a = gst_sdp_message_get_attribute(msg, i);

        if (g_strcmp0(a->key, key) == 0)
            return a->value != NULL ? a->value : "";
    }
    return NULL;
}

static gint find_mid(const SdpDescription *desc, const char *mid, gsize n)
{
    guint i;

    for (i = 0; i < desc->n_media; i++) {
        if (strlen(desc->media[i].mid) == n && memcmp(desc->media[i].mid, mid, n) == 0)
            return (gint)i;
    }
    return -1;
}

/* The first a=group:BUNDLE (RFC 8843 §7): marks its members, sets the tag. */
static gboolean read_bundle(Reader *r, GError **error)
{
    guint i, n = gst_sdp_message_attributes_len(r->msg);

    r->desc->bundle_tag = -1;
    for (i = 0; i < n; i++) {
        const GstSDPAttribute *a = gst_sdp_message_get_attribute(r->msg, i);
        const char *p;

        if (g_strcmp0(a->key, "group") != 0 || a->value == NULL ||
            !g_str_has_prefix(a->value, "BUNDLE"))
            continue;
        p = sdp_skip_spaces(a->value + 6);
        while (*p != '\0') {
            gsize len = sdp_word_len(p);
            gint idx = find_mid(r->desc, p, len);

            if (idx < 0) {
                char q[SDP_MAX_ID_LEN + 2];

                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            "a=group:BUNDLE names mid %s, which no media section has",
                            sdp_sanitise(q, MIN(sizeof(q), len + 1), p));
                return FALSE;
            }
            r->raw[idx].in_bundle = TRUE;
            if (r->desc->bundle_tag < 0)
                r->desc->bundle_tag = idx;
            p = sdp_skip_spaces(p + len);
        }
        return TRUE; /* only the first group: one transport */
    }
    return TRUE;
}

static gboolean check_mids(Reader *r, GError **error)
{
    guint i, j;

    for (i = 0; i < r->desc->n_media; i++) {
        const SdpMedia *m = &r->desc->media[i];

        if (m->mid[0] == '\0')
            continue;
        for (j = i + 1; j < r->desc->n_media; j++) {
            if (g_str_equal(m->mid, r->desc->media[j].mid)) {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            "two media sections have mid %s", m->mid);
                return FALSE;
            }
        }
    }
    return TRUE;
}

/* "sha-256 AB:CD:..." (RFC 8122 §5), with as many pairs as the hash has bytes. */
static gboolean read_fingerprint(SdpDescription *desc, const char *v)
{
    static const struct {
        const char *name;
        guint bytes;
    } hashes[] = {{"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64}, {"sha-1", 20}};
    gsize n = sdp_word_len(v), i, len;
    const char *fp = sdp_skip_spaces(v + n);
    guint h;

    for (h = 0; h < G_N_ELEMENTS(hashes); h++) {
        if (strlen(hashes[h].name) == n && g_ascii_strncasecmp(v, hashes[h].name, n) == 0)
            break;
    }
    if (h == G_N_ELEMENTS(hashes))
        return FALSE;
    len = sdp_word_len(fp);
    if (len != hashes[h].bytes * 3 - 1 || fp[len] != '\0' || len > SDP_MAX_FINGERPRINT)
        return FALSE;
    for (i = 0; i < len; i++) {
        if (i % 3 == 2 ? fp[i] != ':' : !g_ascii_isxdigit(fp[i]))
            return FALSE;
    }
    g_strlcpy(desc->fingerprint_hash, hashes[h].name, sizeof(desc->fingerprint_hash));
    memcpy(desc->fingerprint, fp, len);
    desc->fingerprint[len] = '\0';
    return TRUE;
}

/* ICE credentials, fingerprint and setup: from the tagged section, else the session level
 * (RFC 8843 §7.1.3: the tagged section's transport attributes apply to the whole bundle). */
static gboolean read_transport(Reader *r, GError **error)
{
    SdpDescription *desc = r->desc;
    const RawMedia *tag = desc->bundle_tag >= 0 ? &r->raw[desc->bundle_tag] : NULL;
    const char *ufrag =
        tag != NULL && tag->ice_ufrag ? tag->ice_ufrag : session_attribute(r->msg, "ice-ufrag");
    const char *pwd =
        tag != NULL && tag->ice_pwd ? tag->ice_pwd : session_attribute(r->msg, "ice-pwd");
    const char *fp = tag != NULL && tag->fingerprint ? tag->fingerprint
                                                     : session_attribute(r->msg, "fingerprint");
    const char *setup = tag != NULL && tag->setup ? tag->setup : session_attribute(r->msg, "setup");
    gsize i;

    desc->ice_lite = session_attribute(r->msg, "ice-lite") != NULL;
    if (ufrag == NULL || pwd == NULL) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISSING,
                    "the %s has no ICE credentials (a=ice-ufrag and a=ice-pwd)", r->what);
        return FALSE;
    }
    /* RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/". */
    for (i = 0; ufrag[i] != '\0'; i++) {
        if (!g_ascii_isalnum(ufrag[i]) && ufrag[i] != '+' && ufrag[i] != '/')
            break;
    }
    if (ufrag[i] != '\0' || i < 4 || i > SDP_MAX_ICE_LEN) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "the %s's a=ice-ufrag is not 4-256 letters, digits, + or / (RFC 8839 §5.4)",
                    r->what);
        return FALSE;
    }
    memcpy(desc->ice_ufrag, ufrag, i + 1);
    for (i = 0; pwd[i] != '\0'; i++) {
        if (!g_ascii_isalnum(pwd[i]) && pwd[i] != '+' && pwd[i] != '/')
            break;
    }
    if (pwd[i] != '\0' || i < 22 || i > SDP_MAX_ICE_LEN) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "the %s's a=ice-pwd is not 22-256 letters, digits, + or / (RFC 8839 §5.4)",
                    r->what);
        return FALSE;
    }
    memcpy(desc->ice_pwd, pwd, i + 1);
    if (fp == NULL) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISSING, "the %s has no fingerprint",
                    r->what);
        return FALSE;
    }
    if (!read_fingerprint(desc, fp)) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "the %s's a=fingerprint is not \"sha-256 <32 hex pairs>\" (RFC 8122 §5; "
                    "sha-1, sha-384 and sha-512 also read)",
                    r->what);
        return FALSE;
    }
    if (setup == NULL)
        desc->setup = desc->is_offer ? SDP_SETUP_ACTPASS : SDP_SETUP_ACTIVE; /* RFC 4145 §4 */
    else if (g_str_equal(setup, "actpass") && desc->is_offer)
        desc->setup = SDP_SETUP_ACTPASS;
    else if (g_str_equal(setup, "active"))
        desc->setup = SDP_SETUP_ACTIVE;
    else if (g_str_equal(setup, "passive"))
        desc->setup = SDP_SETUP_PASSIVE;
    else {
        char q[24];

        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    "the %s's a=setup:%s is not one of %s (RFC 8842 §5)", r->what,
                    sdp_sanitise(q, sizeof(q), setup),
                    desc->is_offer ? "actpass, active, passive" : "active, passive");
        return FALSE;
    }
    return TRUE;
}

/* Candidates of the bundle (or only section), and end-of-candidates (RFC 8840 §4.1). */
static gboolean read_candidates(Reader *r, GError **error)
{
    guint i, j;

    for (i = 0; i < r->desc->n_media; i++) {
        const GstSDPMedia *gm;

        if (!r->desc->media[i].accepted)
            continue;
        gm = gst_sdp_message_get_media(r->msg, i);
        for (j = 0; j < gst_sdp_media_attributes_len(gm); j++) {
            const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, j);

            if (g_strcmp0(a->key, "candidate") == 0) {
                if (!add_candidate(r, a->value, error))
                    return FALSE;
            } else if (g_strcmp0(a->key, "end-of-candidates") == 0) {
                r->desc->end_of_candidates = TRUE;
            }
        }
    }
    if (session_attribute(r->msg, "end-of-candidates") != NULL)
        r->desc->end_of_candidates = TRUE;
    return TRUE;
}

/* ---- codecs ---- */

typedef struct {
    guint32 plid;
    gboolean mode1;
} H264Params;

static H264Params h264_params(const char *fmtp)
{
    H264Params p = {.plid = 0x420010, .mode1 = FALSE}; /* RFC 6184 §8.1 defaults */
    g_auto(GStrv) params = NULL;
    guint i;

    if (fmtp == NULL)
        return p;
    params = g_strsplit(fmtp, ";", 16);
    for (i = 0; params[i] != NULL; i++) {
        const char *kv = sdp_skip_spaces(params[i]);
        guint64 v;

        if (g_str_has_prefix(kv, "packetization-mode=")) {
            p.mode1 = sdp_parse_uint(kv + 19, 2, &v) && v == 1;
        } else if (g_str_has_prefix(kv, "profile-level-id=") && strlen(kv + 17) == 6) {
            char *end = NULL;
            guint64 plid = g_ascii_strtoull(kv + 17, &end, 16);

            if (end != NULL && *end == '\0')
                p.plid = (guint32)plid;
        }
    }
    return p;
}

/* Lower is better; -1: not a profile we forward. Constrained baseline (profile_idc 0x42 with
 * constraint_set1, RFC 6184 §8.1) is what every browser decodes. */
static gint h264_rank(guint32 plid)
{
    guint8 idc = (guint8)(plid >> 16), iop = (guint8)(plid >> 8);

    if (idc == 0x42)
        return (iop & 0x40) ? 0 : 1;
    if (idc == 0x4d)
        return (iop & 0x80) ? 0 : 2; /* main with constraint_set0: also constrained baseline */
    if (idc == 0x64)
        return 3;
    return -1;
}

static gboolean is_codec_name(const Format *f)
{
    static const char *const not_codecs[] = {"rtx",        "red", "ulpfec",
                                             "flexfec-03", "CN",  "telephone-event"};
    guint i;

    for (i = 0; i < G_N_ELEMENTS(not_codecs); i++) {
        if (g_ascii_strcasecmp(f->name, not_codecs[i]) == 0)
            return FALSE;
    }
    return f->name[0] != '\0';
}

/* "H265, AV1" from the formats listed, for a refusal. */
static char *offered_names(const RawMedia *raw)
{
    GString *out = g_string_new(NULL);
    char names[MAX_OFFERED_NAMES][FORMAT_NAME_LEN];
    guint n = 0, i, j;

    for (i = 0; i < raw->n_order; i++) {
        const Format *f = &raw->formats[raw->order[i]];
        char q[FORMAT_NAME_LEN];
        gboolean seen = FALSE;

        if (!f->rtpmap || !is_codec_name(f))
            continue;
        sdp_sanitise(q, sizeof(q), f->name);
        for (j = 0; j < n; j++)
            seen = seen || g_ascii_strcasecmp(names[j], q) == 0;
        if (seen)
            continue;
        if (n == MAX_OFFERED_NAMES) {
            g_string_append(out, ", ...");
            break;
        }
        g_strlcpy(names[n++], q, FORMAT_NAME_LEN);
        g_string_append_printf(out, "%s%s", out->len > 0 ? ", " : "", q);
    }
    if (out->len == 0)
        g_string_append(out, "nothing");
    return g_string_free(out, FALSE);
}

static char *supported_video(const SdpPrefs *prefs)
{
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < G_N_ELEMENTS(prefs->video_codecs); i++) {
        if (prefs->video_codecs[i] == SDP_CODEC_VP8)
            g_string_append_printf(out, "%sVP8", out->len > 0 ? ", " : "");
        else if (prefs->video_codecs[i] == SDP_CODEC_H264)
            g_string_append_printf(out, "%s" H264_SUPPORTED_TEXT, out->len > 0 ? ", " : "");
    }
    return g_string_free(out, FALSE);
}

/* The payload type of the best format of @codec, or -1. */
static gint pick_format(const RawMedia *raw, SdpCodec codec)
{
    gint best = -1, best_rank = G_MAXINT;
    guint i;

    for (i = 0; i < raw->n_order; i++) {
        guint pt = raw->order[i];
        const Format *f = &raw->formats[pt];

        if (!f->rtpmap || !sdp_usable_pt(pt))
            continue;
        switch (codec) {
        case SDP_CODEC_OPUS:
            if (g_ascii_strcasecmp(f->name, "opus") == 0 && f->clock_rate == 48000 &&
                f->channels == 2)
                return (gint)pt;
            break;
        case SDP_CODEC_VP8:
            if (g_ascii_strcasecmp(f->name, "VP8") == 0 && f->clock_rate == 90000)
                return (gint)pt;
            break;
        case SDP_CODEC_H264:
            if (g_ascii_strcasecmp(f->name, "H264") == 0 && f->clock_rate == 90000) {
                H264Params h = h264_params(f->fmtp);
                gint rank = h264_rank(h.plid);

                if (h.mode1 && rank >= 0 && rank < best_rank) {
                    best = (gint)pt;
                    best_rank = rank;
                }
            }
            break;
        case SDP_CODEC_NONE:
            break;
        }
    }
    return best;
}

static void set_codec(SdpMedia *m, const RawMedia *raw, SdpCodec codec, guint pt, guint feedback)
{
    const Format *f = &raw->formats[pt];
    guint i;

    m->codec = codec;
    m->payload_type = (guint8)pt;
    m->clock_rate = f->clock_rate;
    m->channels = codec == SDP_CODEC_OPUS ? 2 : 0;
    m->h264_profile_level = codec == SDP_CODEC_H264 ? h264_params(f->fmtp).plid : 0;
    m->feedback = f->feedback & feedback;
    m->rtx_payload_type = -1;
    for (i = 0; i < raw->n_order; i++) {
        const Format *x = &raw->formats[raw->order[i]];

        if (x->apt == (gint)pt && g_ascii_strcasecmp(x->name, "rtx") == 0 &&
            sdp_usable_pt(raw->order[i])) {
            m->rtx_payload_type = raw->order[i];
            break;
        }
    }
}

/* ---- reading ---- */

static gboolean read_common(Reader *r, GError **error)
{
    guint i, n;

    n = gst_sdp_message_medias_len(r->msg);
    if (n == 0 || n > SDP_MAX_MEDIA) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "the %s has no readable media section", r->what);
        return FALSE;
    }
    r->desc->n_media = n;
    r->desc->candidates = g_ptr_array_new_with_free_func(g_free);
    r->raw = g_new0(RawMedia, n);
    for (i = 0; i < n; i++) {
        if (!read_media(r, i, error))
            return FALSE;
    }
    return check_mids(r, error) && read_bundle(r, error);
}

/* Only after check_text(): GstSDPMessage sees bounded, line-shaped UTF-8 text. */
static gboolean parse_message(GstSDPMessage **msg, const char *text, gsize len, GError **error)
{
    gst_sdp_message_new(msg);
    if (gst_sdp_message_parse_buffer((const guint8 *)text, (guint)len, *msg) != GST_SDP_OK) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                    "not an SDP description GStreamer can read");
        return FALSE;
    }
    return TRUE;
}

/* Publisher offers: negotiate one section against our preferences. */
static gboolean negotiate_offered(Reader *r, SdpMedia *m, RawMedia *raw, const SdpPrefs *prefs,
                                  gboolean single, GError **error)
{
    gint pt = -1;
    SdpCodec codec = SDP_CODEC_NONE;
    guint i, e;

    if (m->kind == SDP_MEDIA_OTHER)
        return TRUE; /* data channels and others: rejected */
    if (raw->port == 0 && !raw->bundle_only)
        return TRUE; /* the offerer disabled it (RFC 3264 §8.2) */
    if (!raw->in_bundle && !single)
        return TRUE; /* outside our one transport: rejected (RFC 8843 §7.3.3) */
    if (g_strcmp0(m->proto, SDP_PROTO) != 0) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    SECTION_FMT ": transport %s, phonghop needs " SDP_PROTO " (DTLS-SRTP)",
                    SECTION_ARGS(m), m->proto);
        return FALSE;
    }
    if (m->mid[0] == '\0') {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISSING,
                    "%s section %u has no a=mid (RFC 8843 §7.2)", sdp_kind_to_string(m->kind),
                    m->index);
        return FALSE;
    }
    if (!raw->rtcp_mux) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    SECTION_FMT ": no a=rtcp-mux; phonghop multiplexes RTCP with RTP (RFC 8858)",
                    SECTION_ARGS(m));
        return FALSE;
    }
    if (m->kind == SDP_MEDIA_AUDIO) {
        codec = SDP_CODEC_OPUS;
        pt = pick_format(raw, codec);
        if (pt < 0) {
            g_autofree char *offered = offered_names(raw);

            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_NO_CODEC,
                        "no codec in common for audio: offered %s, supported " SUPPORTED_AUDIO,
                        offered);
            return FALSE;
        }
    } else {
        for (i = 0; i < G_N_ELEMENTS(prefs->video_codecs) && pt < 0; i++) {
            codec = prefs->video_codecs[i];
            if (codec != SDP_CODEC_NONE)
                pt = pick_format(raw, codec);
        }
        if (pt < 0) {
            g_autofree char *offered = offered_names(raw);
            g_autofree char *supported = supported_video(prefs);

            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_NO_CODEC,
                        "no codec in common for video: offered %s, supported %s", offered,
                        supported);
            return FALSE;
        }
    }
    set_codec(m, raw, codec, (guint)pt, prefs->feedback);
    if (!prefs->rtx)
        m->rtx_payload_type = -1;
    for (e = 0; e < SDP_N_EXTS; e++)
        m->ext_ids[e] = raw->ext_ids[e];
    if (!(prefs->feedback & SDP_FB_TRANSPORT_CC))
        m->ext_ids[SDP_EXT_TRANSPORT_CC] = 0;

    /* Simulcast we receive (RFC 8853 §5.3): the offerer's send list. */
    if (raw->has_simulcast) {
        if (m->kind != SDP_MEDIA_VIDEO || !raw->simulcast_send || raw->simulcast_recv) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                        SECTION_FMT ": phonghop receives simulcast video only (a=simulcast:send)",
                        SECTION_ARGS(m));
            return FALSE;
        }
        if (m->direction != SDP_DIRECTION_SENDONLY && m->direction != SDP_DIRECTION_SENDRECV) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                        SECTION_FMT ": simulcast to send on a %s section", SECTION_ARGS(m),
                        sdp_direction_to_string(m->direction));
            return FALSE;
        }
        if (raw->sim_too_many || raw->n_sim > prefs->max_layers) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                        SECTION_FMT ": %s%u simulcast layers offered, phonghop takes at most %u",
                        SECTION_ARGS(m), raw->sim_too_many ? "more than " : "", raw->n_sim,
                        prefs->max_layers);
            return FALSE;
        }
        if (m->ext_ids[SDP_EXT_RID] == 0) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                        SECTION_FMT ": simulcast needs the rtp-stream-id header extension "
                                    "(RFC 8852) with an id of 1-14",
                        SECTION_ARGS(m));
            return FALSE;
        }
        for (i = 0; i < raw->n_sim; i++) {
            guint j;
            gboolean found = FALSE;

            for (j = 0; j < raw->n_rid_lines && !found; j++)
                found = raw->rid_send[j] && g_str_equal(raw->rid_lines[j], raw->sim[i].id);
            if (!found) {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_SYNTAX,
                            SECTION_FMT ": simulcast layer %s has no \"a=rid:%s send\" line",
                            SECTION_ARGS(m), raw->sim[i].id, raw->sim[i].id);
                return FALSE;
            }
            m->rids[i] = raw->sim[i];
        }
        m->n_rids = raw->n_sim;
    }
    m->accepted = TRUE;
    return TRUE;
}

SdpDescription *sdp_parse_offer(const char *text, gsize len, const SdpPrefs *prefs, GError **error)
{
    g_autoptr(SdpDescription) desc = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autofree RawMedia *raw = NULL;
    Reader r = {0};
    SdpPrefs defaults;
    gboolean ok;
    guint i, usable = 0, accepted = 0;

    g_return_val_if_fail(text != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (prefs == NULL) {
        sdp_prefs_init(&defaults);
        prefs = &defaults;
    }
    desc = g_new0(SdpDescription, 1);
    desc->is_offer = TRUE;
    r.desc = desc;
    r.what = "offer";
    if (!check_text(text, len, error) || !parse_message(&msg, text, len, error))
        return NULL;
    r.msg = msg;
    ok = read_common(&r, error);
    raw = r.raw; /* owned here, whether or not reading went well */
    if (!ok)
        return NULL;
    for (i = 0; i < desc->n_media; i++) {
        if (desc->media[i].kind != SDP_MEDIA_OTHER && (raw[i].port != 0 || raw[i].bundle_only))
            usable++;
    }
    if (desc->bundle_tag < 0 && usable > 1) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    "the offer does not bundle its media sections (a=group:BUNDLE); phonghop "
                    "carries them all on one transport (RFC 8843)");
        return NULL;
    }
    for (i = 0; i < desc->n_media; i++) {
        if (!negotiate_offered(&r, &desc->media[i], &raw[i], prefs, usable == 1, error))
            return NULL;
        if (desc->media[i].accepted) {
            accepted++;
            if (desc->bundle_tag < 0)
                desc->bundle_tag = (gint)i;
        }
    }
    if (accepted == 0) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    "the offer has no audio or video section phonghop can take");
        return NULL;
    }
    if (!desc->media[desc->bundle_tag].accepted) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    "the offer's BUNDLE tag (mid %s) is a section phonghop rejects; put audio "
                    "or video first",
                    desc->media[desc->bundle_tag].mid);
        return NULL;
    }
    if (!read_transport(&r, error) || !read_candidates(&r, error))
        return NULL;
    return g_steal_pointer(&desc);
}

/* Subscriber answers: check one section against what we offered in it. */
static gboolean negotiate_answered(SdpMedia *m, RawMedia *raw, const SdpOfferMedia *o,
                                   GError **error)
{
    guint e;
    gboolean direction_ok;

    if (m->kind != o->kind || g_strcmp0(m->mid, o->mid) != 0) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                    "answer section %u is %s mid %s, the offer had %s mid %s there", m->index,
                    sdp_kind_to_string(m->kind), m->mid[0] ? m->mid : "none",
                    sdp_kind_to_string(o->kind), o->mid);
        return FALSE;
    }
    if (raw->port == 0)
        return TRUE; /* rejected by the answerer */
    if (!raw->rtcp_mux) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                    SECTION_FMT ": the answer drops a=rtcp-mux (RFC 8858)", SECTION_ARGS(m));
        return FALSE;
    }
    if (!raw->formats[o->payload_type].listed || !raw->formats[o->payload_type].rtpmap ||
        g_ascii_strcasecmp(raw->formats[o->payload_type].name, sdp_codec_to_string(o->codec)) !=
            0) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                    SECTION_FMT ": the answer does not accept payload type %u (%s)",
                    SECTION_ARGS(m), o->payload_type, sdp_codec_to_string(o->codec));
        return FALSE;
    }
    switch (o->direction) {
    case SDP_DIRECTION_SENDONLY:
        direction_ok =
            m->direction == SDP_DIRECTION_RECVONLY || m->direction == SDP_DIRECTION_INACTIVE;
        break;
    case SDP_DIRECTION_RECVONLY:
        direction_ok =
            m->direction == SDP_DIRECTION_SENDONLY || m->direction == SDP_DIRECTION_INACTIVE;
        break;
    case SDP_DIRECTION_INACTIVE:
        direction_ok = m->direction == SDP_DIRECTION_INACTIVE;
        break;
    default:
        direction_ok = TRUE;
        break;
    }
    if (!direction_ok) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                    SECTION_FMT ": answered %s to an offer of %s (RFC 3264 §6.1)", SECTION_ARGS(m),
                    sdp_direction_to_string(m->direction), sdp_direction_to_string(o->direction));
        return FALSE;
    }
    set_codec(m, raw, o->codec, o->payload_type, o->feedback);
    m->h264_profile_level = o->codec == SDP_CODEC_H264 ? o->h264_profile_level : 0;
    m->rtx_payload_type = -1;
    for (e = 0; e < SDP_N_EXTS; e++) {
        if (raw->ext_ids[e] == 0 || o->ext_ids[e] == 0)
            continue;
        if (raw->ext_ids[e] != o->ext_ids[e]) {
            g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                        SECTION_FMT ": the answer moves extension %s from id %u to %u "
                                    "(RFC 8285 §6)",
                        SECTION_ARGS(m), sdp_ext_uris[e], o->ext_ids[e], raw->ext_ids[e]);
            return FALSE;
        }
        m->ext_ids[e] = raw->ext_ids[e];
    }
    m->accepted = TRUE;
    return TRUE;
}

SdpDescription *sdp_parse_answer(const char *text, gsize len, const SdpOfferMedia *offered,
                                 guint n_offered, GError **error)
{
    g_autoptr(SdpDescription) desc = NULL;
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autofree RawMedia *raw = NULL;
    Reader r = {0};
    gboolean ok;
    guint i, accepted = 0;

    g_return_val_if_fail(text != NULL && offered != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    desc = g_new0(SdpDescription, 1);
    r.desc = desc;
    r.what = "answer";
    if (!check_text(text, len, error) || !parse_message(&msg, text, len, error))
        return NULL;
    r.msg = msg;
    ok = read_common(&r, error);
    raw = r.raw; /* owned here, whether or not reading went well */
    if (!ok)
        return NULL;
    if (desc->n_media != n_offered) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                    "the answer has %u media sections, the offer had %u (RFC 3264 §6)",
                    desc->n_media, n_offered);
        return NULL;
    }
    for (i = 0; i < desc->n_media; i++) {
        if (!negotiate_answered(&desc->media[i], &raw[i], &offered[i], error))
            return NULL;
        if (desc->media[i].accepted) {
            if (accepted > 0 && !raw[i].in_bundle) {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED,
                            "the answer does not bundle mid %s with the others (RFC 8843)",
                            desc->media[i].mid);
                return NULL;
            }
            if (accepted == 0 && desc->bundle_tag < 0)
                desc->bundle_tag = (gint)i;
            accepted++;
        }
    }
    if (accepted == 0)
        return g_steal_pointer(&desc); /* everything rejected: nothing to connect */
    if (!desc->media[desc->bundle_tag].accepted) {
        g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                    "the answer's BUNDLE tag (mid %s) is a section it rejects",
                    desc->media[desc->bundle_tag].mid);
        return NULL;
    }
    if (!read_transport(&r, error) || !read_candidates(&r, error))
        return NULL;
    return g_steal_pointer(&desc);
}
