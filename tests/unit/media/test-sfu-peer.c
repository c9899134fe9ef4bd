/* test-sfu-peer.c: a Chromium offer, read by sdp/, becomes a room's tracks and extension ids
 * (media/router/sfu-peer.c), and packets shaped like Chromium's (mid and rid extensions at the
 * offer's ids) reach a subscriber. */
#include <string.h>

#include <glib.h>

#include "router/sfu-peer.h"
#include "router/sfu-room.h"
#include "sdp/sdp.h"
#include "sfu-fake.h"

static SdpDescription *load_offer(const char *name)
{
    g_autofree char *path = g_build_filename(SDP_FIXTURE_DIR, name, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    SdpPrefs prefs;
    SdpDescription *desc;

    g_assert_true(g_file_get_contents(path, &text, NULL, &error));
    sdp_prefs_init(&prefs);
    desc = sdp_parse_offer(text, strlen(text), &prefs, &error);
    g_assert_no_error(error);
    return desc;
}

static void test_simulcast_offer(void)
{
    g_autoptr(SdpDescription) offer = load_offer("chrome-publish-simulcast.sdp");
    SfuRoomConfig rc = {.meeting_id = 3};
    g_autoptr(SfuRoom) room = sfu_room_new(&rc, NULL, NULL);
    FakePeer *pub_peer = fake_peer_new(FALSE), *sub_peer = fake_peer_new(FALSE);
    SfuParticipant *pub, *sub;
    SfuExtIds ext = {0};
    SfuTrackConfig track;
    const SdpMedia *video = NULL;
    guint i, n_tracks = 0;
    guint8 buf[1500], payload[300];
    gsize len;

    pub = sfu_room_add_participant(room, 1, "chair", SFU_ROLE_CHAIR, NULL);
    sub = sfu_room_add_participant(room, 2, "site", SFU_ROLE_SITE, NULL);
    sfu_participant_set_transport(sub, SFU_SIDE_SUBSCRIBE, &fake_transport, sub_peer, NULL);
    for (i = 0; i < offer->n_media; i++)
        sfu_ext_ids_add_sdp(&ext, offer->media[i].ext_ids);
    sfu_participant_set_transport(pub, SFU_SIDE_PUBLISH, &fake_transport, pub_peer, &ext);
    for (i = 0; i < offer->n_media; i++) {
        if (!sfu_track_config_from_sdp(&offer->media[i], &track))
            continue;
        n_tracks++;
        g_assert_true(sfu_room_publish(room, 1, &track, NULL));
        if (track.kind == SFU_MEDIA_VIDEO) {
            video = &offer->media[i];
            g_assert_cmpuint(track.n_layers, ==, 3);
            g_assert_cmpstr(track.layers[0].rid, ==, "q");
            g_assert_cmpstr(track.layers[2].rid, ==, "f");
            g_assert_cmpuint(track.layers[0].ssrc, ==, 0);
            g_assert_cmpint(track.codec, ==, SFU_CODEC_VP8);
            /* what the offer lists for VP8: the router NACKs, asks with PLI, sends REMB */
            g_assert_cmpuint(track.feedback, ==,
                             SFU_FB_NACK | SFU_FB_PLI | SFU_FB_FIR | SFU_FB_REMB);
        } else {
            g_assert_cmpuint(track.n_layers, ==, 1);
            g_assert_cmpint(track.codec, ==, SFU_CODEC_OPUS);
            g_assert_cmpuint(track.clock_rate, ==, 48000);
        }
    }
    g_assert_cmpuint(n_tracks, ==, 2);
    g_assert_nonnull(video);
    /* Chromium's ids in this offer. */
    g_assert_cmpuint(ext.mid, ==, 4);
    g_assert_cmpuint(ext.rid, ==, 10);
    g_assert_cmpuint(ext.repaired_rid, ==, 11);
    g_assert_cmpuint(ext.audio_level, ==, 1);
    g_assert_cmpuint(ext.abs_send_time, ==, 2);

    /* A subscriber of the video; the first packet of "h", named only by its extensions, is
     * bound, chosen and forwarded. */
    {
        SfuSubscribeConfig sc = {.ssrc = 0x77, .payload_type = -1};
        FakeExt exts[2] = {{ext.mid, (const guint8 *)video->mid, (guint8)strlen(video->mid)},
                           {ext.rid, (const guint8 *)"h", 1}};

        g_assert_true(sfu_room_subscribe(room, 2, 1, video->mid, &sc, 1000, NULL));
        fake_vp8_payload(payload, sizeof(payload), TRUE, 1, 640, 360, 0);
        len = fake_rtp(buf, 0x12345678, 1, 1, video->payload_type, TRUE, exts, 2, payload,
                       sizeof(payload));
        g_assert_cmpint(sfu_room_on_rtp(room, pub, buf, len, 2000), ==, 0);
        g_assert_cmpuint(sub_peer->rtp->len, ==, 1);
        g_assert_cmphex(fake_rtp_ssrc(g_ptr_array_index(sub_peer->rtp, 0)), ==, 0x77);
        /* Its RTX stream (repaired-rid) is not taken for a layer. */
        exts[1].id = ext.repaired_rid;
        len = fake_rtp(buf, 0x9abc, 1, 1, video->payload_type, TRUE, exts, 2, payload,
                       sizeof(payload));
        g_assert_cmpint(sfu_room_on_rtp(room, pub, buf, len, 3000), <, 0);
    }
    fake_peer_free(pub_peer);
    fake_peer_free(sub_peer);
}

static void test_rejected_sections(void)
{
    g_autoptr(SdpDescription) offer = load_offer("chrome-audio-only.sdp");
    SdpMedia media = offer->media[0];
    SfuTrackConfig track;

    g_assert_true(sfu_track_config_from_sdp(&media, &track));
    media.direction = SDP_DIRECTION_RECVONLY; /* the browser only receives there */
    g_assert_false(sfu_track_config_from_sdp(&media, &track));
    media = offer->media[0];
    media.accepted = FALSE;
    g_assert_false(sfu_track_config_from_sdp(&media, &track));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-peer/simulcast-offer", test_simulcast_offer);
    g_test_add_func("/media/sfu-peer/rejected-sections", test_rejected_sections);
    return g_test_run();
}
