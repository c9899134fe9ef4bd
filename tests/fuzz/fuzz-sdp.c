/* fuzz-sdp.c: libFuzzer target for the SDP reader and writers (media/sdp/).
 *
 * Each input is read as a publisher's offer (twice: default preferences, and H.264 first with
 * RTX) and as a subscriber's answer to a fixed offer of ours. Whatever is accepted must hold
 * the invariants the router relies on, and the answer we write to an accepted offer must be
 * read back by our own answer reader as a consistent answer to that offer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "media.h"
#include "sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

static const char *const candidates[] = {
    "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host",
    NULL,
};

static const SdpTransport transport = {
    .ice_ufrag = "abcd",
    .ice_pwd = "0123456789abcdefghijkl",
    .fingerprint = "11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
                   "99:AA:BB:CC:DD:EE:FF:00",
    .candidates = candidates,
    .end_of_candidates = TRUE,
};

static gboolean terminated(const char *s, gsize size)
{
    return memchr(s, '\0', size) != NULL;
}

static void check_description(const SdpDescription *d)
{
    guint i, e, accepted = 0;

    CHECK(d->n_media >= 1 && d->n_media <= SDP_MAX_MEDIA);
    CHECK(terminated(d->ice_ufrag, sizeof(d->ice_ufrag)));
    CHECK(terminated(d->ice_pwd, sizeof(d->ice_pwd)));
    CHECK(terminated(d->fingerprint, sizeof(d->fingerprint)));
    CHECK(d->candidates != NULL && d->candidates->len <= SDP_MAX_CANDIDATES);
    for (i = 0; i < d->candidates->len; i++)
        CHECK(g_str_has_prefix(g_ptr_array_index(d->candidates, i), "candidate:"));
    for (i = 0; i < d->n_media; i++) {
        const SdpMedia *m = &d->media[i];

        CHECK(m->index == i);
        CHECK(terminated(m->mid, sizeof(m->mid)));
        CHECK(terminated(m->cname, sizeof(m->cname)));
        CHECK(terminated(m->msid_stream, sizeof(m->msid_stream)));
        CHECK(terminated(m->msid_track, sizeof(m->msid_track)));
        CHECK(m->n_ssrcs <= SDP_MAX_SSRCS);
        CHECK(m->n_rids <= SDP_MAX_LAYERS);
        if (!m->accepted)
            continue;
        accepted++;
        CHECK(m->kind == SDP_MEDIA_AUDIO || m->kind == SDP_MEDIA_VIDEO);
        CHECK(m->mid[0] != '\0');
        CHECK(m->payload_type <= 127 && (m->payload_type < 64 || m->payload_type > 95));
        CHECK(m->kind == SDP_MEDIA_AUDIO ? m->codec == SDP_CODEC_OPUS
                                         : m->codec == SDP_CODEC_VP8 || m->codec == SDP_CODEC_H264);
        CHECK(m->rtx_payload_type < 128);
        for (e = 0; e < SDP_N_EXTS; e++)
            CHECK(m->ext_ids[e] <= 14);
        if (m->n_rids > 0)
            CHECK(m->kind == SDP_MEDIA_VIDEO && m->ext_ids[SDP_EXT_RID] != 0);
    }
    CHECK(accepted == 0 || (d->bundle_tag >= 0 && (guint)d->bundle_tag < d->n_media &&
                            d->media[d->bundle_tag].accepted));
}

/* Our answer, read back as an answer to the offer it answers. */
static void check_answer_round_trip(const SdpDescription *offer)
{
    SdpOfferMedia offered[SDP_MAX_MEDIA];
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) back = NULL;
    g_autofree char *answer = sdp_write_answer(offer, &transport, NULL, 1, &error);
    guint i;

    CHECK(answer != NULL && error == NULL);
    CHECK(strlen(answer) <= SDP_MAX_TEXT_LEN);
    memset(offered, 0, sizeof(offered));
    for (i = 0; i < offer->n_media; i++) {
        const SdpMedia *m = &offer->media[i];

        offered[i].kind = m->kind;
        offered[i].mid = m->mid;
        offered[i].direction = m->direction;
        offered[i].codec = m->codec;
        offered[i].payload_type = m->payload_type;
        offered[i].feedback = m->feedback;
        memcpy(offered[i].ext_ids, m->ext_ids, sizeof(m->ext_ids));
    }
    back = sdp_parse_answer(answer, strlen(answer), offered, offer->n_media, &error);
    CHECK(back != NULL);
    check_description(back);
    for (i = 0; i < offer->n_media; i++) {
        CHECK(back->media[i].accepted == offer->media[i].accepted);
        if (offer->media[i].accepted) {
            CHECK(back->media[i].payload_type == offer->media[i].payload_type);
            CHECK(back->media[i].n_rids == 0); /* we receive simulcast; we never send it */
        }
    }
}

static void read_as_offer(const char *text, gsize len, const SdpPrefs *prefs)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) d = sdp_parse_offer(text, len, prefs, &error);

    if (d == NULL) {
        CHECK(error != NULL && error->domain == MEDIA_SDP_ERROR);
        CHECK(g_utf8_validate(error->message, -1, NULL));
        return;
    }
    CHECK(error == NULL && d->is_offer);
    check_description(d);
    check_answer_round_trip(d);
}

static void read_as_answer(const char *text, gsize len)
{
    static const SdpOfferMedia ours[2] = {
        {.kind = SDP_MEDIA_AUDIO,
         .mid = "a7",
         .direction = SDP_DIRECTION_SENDONLY,
         .codec = SDP_CODEC_OPUS,
         .payload_type = 111,
         .ext_ids = {[SDP_EXT_MID] = 1, [SDP_EXT_AUDIO_LEVEL] = 2},
         .send = {.ssrc = 1001, .cname = "c", .stream_id = "s", .track_id = "a"}},
        {.kind = SDP_MEDIA_VIDEO,
         .mid = "v7",
         .direction = SDP_DIRECTION_SENDONLY,
         .codec = SDP_CODEC_VP8,
         .payload_type = 96,
         .feedback = SDP_FB_NACK | SDP_FB_NACK_PLI,
         .ext_ids = {[SDP_EXT_MID] = 1, [SDP_EXT_ABS_SEND_TIME] = 3},
         .send = {.ssrc = 2002, .cname = "c", .stream_id = "s", .track_id = "v"}},
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) d = sdp_parse_answer(text, len, ours, 2, &error);

    if (d == NULL) {
        CHECK(error != NULL && error->domain == MEDIA_SDP_ERROR);
        return;
    }
    CHECK(!d->is_offer && d->n_media == 2);
    check_description(d);
    if (d->media[1].accepted)
        CHECK(d->media[1].payload_type == 96 && (d->media[1].feedback & ~ours[1].feedback) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The readers take a length and never read past it: give them exactly the input. */
    char *text = g_memdup2(data, size ? size : 1);
    SdpPrefs prefs;

    read_as_offer(text, size, NULL);
    sdp_prefs_init(&prefs);
    prefs.video_codecs[0] = SDP_CODEC_H264;
    prefs.video_codecs[1] = SDP_CODEC_VP8;
    prefs.rtx = TRUE;
    prefs.feedback |= SDP_FB_TRANSPORT_CC;
    read_as_offer(text, size, &prefs);
    read_as_answer(text, size);
    g_free(text);
    return 0;
}
