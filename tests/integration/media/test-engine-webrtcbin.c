/* test-engine-webrtcbin.c: the SFU end to end through media.h alone, as the server uses it.
 *
 * Two independent WebRTC peers (GStreamer webrtcbin) and a MediaEngine with one worker, all on
 * 127.0.0.1. Participant 1 (the chair, so its microphone is open) publishes Opus and VP8: its
 * offer goes through media_room_publish() and its candidates through media_room_add_candidate().
 * Participant 2 then receives participant 1 (media_room_subscribe()): it answers our offer
 * (media_room_answer()) and its webrtcbin must produce the forwarded audio and video, under the
 * SSRCs and msid our offer gave them, and the video must decode. Last, participant 2 stops
 * receiving (an offer with inactive sections) and a refused offer reports its error to the caller.
 * Built with -DGST_USE_UNSTABLE_API (gst/webrtc). */
#include <string.h>

#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/gstsdpmessage.h>
#include <gst/webrtc/webrtc.h>

#include "media.h"
#include "webrtcbin-client.h"

#define MEETING   42
#define PUBLISHER 1
#define RECEIVER  2

typedef struct Test Test;

typedef struct {
    WebrtcClient w;
    Test *t;
    gint rx_audio, rx_video; /* RTP out of its receiving pads (atomics) */
    guint32 rx_ssrc_audio, rx_ssrc_video;
    gint bad_ssrc;
    gint decoded_video; /* VP8 frames decoded from what it received */
} Client;

struct Test {
    GMainContext *ctx;
    MediaEngine *engine;
    MediaRoom *room;
    Client pub, sub;
    char *sub_offer; /* our last offer to the receiver */
    guint32 offered_audio_ssrc, offered_video_ssrc;
    gboolean answered; /* the receiver's answer applied */
    gint peers_up;
    char *failure;
    GError *last_error;
    gboolean have_result;
};

/* ---- the clients' webrtcbin: what it receives ---- */

static GstPadProbeReturn count_rtp(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    Client *c = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    guint8 h[12];

    if (buf != NULL && gst_buffer_extract(buf, 0, h, sizeof(h)) == sizeof(h)) {
        guint32 ssrc =
            ((guint32)h[8] << 24) | ((guint32)h[9] << 16) | ((guint32)h[10] << 8) | h[11];
        guint pt = h[1] & 0x7f;

        if (pt == 111) {
            g_atomic_int_inc(&c->rx_audio);
            if (ssrc != c->rx_ssrc_audio)
                g_atomic_int_inc(&c->bad_ssrc);
        } else if (pt == 96) {
            g_atomic_int_inc(&c->rx_video);
            if (ssrc != c->rx_ssrc_video)
                g_atomic_int_inc(&c->bad_ssrc);
        }
    }
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn count_decoded(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    g_atomic_int_inc(&((Client *)user_data)->decoded_video);
    return GST_PAD_PROBE_OK;
}

/* A receiving pad: RTP counted there; VP8 also decoded, to prove the forwarded stream (one
 * SSRC, rewritten sequence numbers, timestamps and picture ids) is a valid one. */
static void on_pad_added(GstElement *webrtc, GstPad *pad, Client *c)
{
    g_autoptr(GstCaps) current = gst_pad_get_current_caps(pad);
    g_autoptr(GstCaps) caps =
        current != NULL ? gst_caps_ref(current) : gst_pad_query_caps(pad, NULL);
    const GstStructure *st = gst_caps_get_size(caps) > 0 ? gst_caps_get_structure(caps, 0) : NULL;
    GstElement *sink;
    GstPad *sinkpad;

    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    if (st != NULL && g_strcmp0(gst_structure_get_string(st, "encoding-name"), "VP8") == 0) {
        g_autoptr(GError) error = NULL;
        GstElement *dec;
        GstPad *src;

        sink = gst_parse_bin_from_description(
            "rtpvp8depay ! vp8dec name=dec ! fakesink sync=false async=false", TRUE, &error);
        g_assert_no_error(error);
        dec = gst_bin_get_by_name(GST_BIN(sink), "dec");
        src = gst_element_get_static_pad(dec, "src");
        gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, count_decoded, c, NULL);
        gst_object_unref(src);
        gst_object_unref(dec);
    } else {
        sink = gst_element_factory_make("fakesink", NULL);
        g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    }
    gst_bin_add(GST_BIN(c->w.pipeline), sink);
    gst_element_sync_state_with_parent(sink);
    sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_rtp, c, NULL);
    g_assert_cmpint(gst_pad_link(pad, sinkpad), ==, GST_PAD_LINK_OK);
    gst_object_unref(sinkpad);
}

static void client_init(Test *t, Client *c, guint64 id, const char *launch)
{
    c->t = t;
    webrtc_client_init(&c->w, t->ctx, t->room, &t->failure, id, id == RECEIVER, launch);
    c->w.user_data = c;
    g_signal_connect(c->w.webrtc, "pad-added", G_CALLBACK(on_pad_added), c);
}

/* ---- the receiver: media_room_subscribe() offers, webrtcbin answers ---- */

static void on_answer_applied(gpointer user_data, const char *sdp, const GError *error)
{
    Client *c = user_data;

    g_assert_null(sdp);
    if (error != NULL)
        webrtc_client_fail(&c->w, "media_room_answer", error);
    else
        c->t->answered = TRUE;
}

static gboolean answer_to_engine(gpointer data)
{
    WebrtcPost *p = data;
    g_autoptr(GError) error = NULL;

    if (!media_room_answer(p->c->room, p->c->id, p->text, on_answer_applied, p->c->user_data,
                           &error))
        webrtc_client_fail(p->c, "media_room_answer", error);
    return G_SOURCE_REMOVE;
}

static void on_answer_created(GstPromise *promise, gpointer user_data)
{
    Client *c = user_data;
    GstWebRTCSessionDescription *answer = NULL;

    gst_structure_get(gst_promise_get_reply(promise), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                      &answer, NULL);
    gst_promise_unref(promise);
    g_signal_emit_by_name(c->w.webrtc, "set-local-description", answer, NULL);
    webrtc_client_post(&c->w, answer_to_engine, gst_sdp_message_as_text(answer->sdp), 0);
    gst_webrtc_session_description_free(answer);
}

/* The a=ssrc of the section of @kind in our offer (the first). */
static guint32 offered_ssrc(const char *offer, const char *kind)
{
    g_autofree char *m_line = g_strdup_printf("m=%s ", kind);
    const char *m = strstr(offer, m_line);
    const char *ssrc = m != NULL ? strstr(m, "a=ssrc:") : NULL;

    g_assert_nonnull(ssrc);
    return (guint32)g_ascii_strtoull(ssrc + 7, NULL, 10);
}

static void on_subscribe_offer(gpointer user_data, const char *sdp, const GError *error)
{
    Client *c = user_data;
    Test *t = c->t;

    t->have_result = TRUE;
    g_clear_error(&t->last_error);
    if (error != NULL)
        t->last_error = g_error_copy(error);
    g_free(t->sub_offer);
    t->sub_offer = g_strdup(sdp);
    if (sdp == NULL)
        return;
    g_test_message("our offer to the receiver:\n%s", sdp);
    if (strstr(sdp, "a=sendonly") != NULL) {
        c->rx_ssrc_audio = offered_ssrc(sdp, "audio");
        c->rx_ssrc_video = offered_ssrc(sdp, "video");
    }
    t->answered = FALSE;
    webrtc_client_set_description(&c->w, GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    g_signal_emit_by_name(c->w.webrtc, "create-answer", NULL,
                          gst_promise_new_with_change_func(on_answer_created, c, NULL));
}

/* ---- the engine's events ---- */

static void on_peer_state(gpointer user_data, gint64 meeting_id, guint64 participant_id,
                          gboolean up)
{
    Test *t = user_data;

    g_assert_cmpint(meeting_id, ==, MEETING);
    t->peers_up += up ? 1 : -1;
}

typedef gboolean (*Condition)(Test *t);

static gboolean run_until(Test *t, Condition cond, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (g_get_monotonic_time() < end && t->failure == NULL && !cond(t)) {
        if (!g_main_context_iteration(t->ctx, FALSE))
            g_usleep(2000);
    }
    return t->failure == NULL && cond(t);
}

static gboolean is_published(Test *t)
{
    return t->pub.w.published;
}

static gboolean is_answered(Test *t)
{
    return t->answered;
}

static gboolean have_result(Test *t)
{
    return t->have_result;
}

static gboolean forwarded(Test *t)
{
    return g_atomic_int_get(&t->sub.rx_audio) >= 20 && g_atomic_int_get(&t->sub.rx_video) >= 10 &&
           g_atomic_int_get(&t->sub.decoded_video) >= 5;
}

static gboolean have_elements(void)
{
    static const char *const names[] = {"webrtcbin", "nicesrc",   "dtlssrtpenc", "opusenc",
                                        "vp8enc",    "rtpvp8pay", "rtpopuspay",  NULL};
    guint i;

    for (i = 0; names[i] != NULL; i++) {
        GstElementFactory *f = gst_element_factory_find(names[i]);

        if (f == NULL) {
            g_test_skip_printf("GStreamer element %s is not installed", names[i]);
            return FALSE;
        }
        gst_object_unref(f);
    }
    return TRUE;
}

static void test_publish_and_receive(void)
{
    static const MediaEngineListener listener = {.version = MEDIA_ENGINE_LISTENER_VERSION,
                                                 .peer_state = on_peer_state};
    g_autoptr(GError) error = NULL;
    g_autoptr(MediaIceConfig) ice = NULL;
    MediaEngineConfig config = {0};
    const guint64 publishers[] = {PUBLISHER};
    Test t = {0};
    gint before_audio, before_video;

    if (!have_elements())
        return;
    t.ctx = g_main_context_new();
    g_main_context_push_thread_default(t.ctx);
    ice = media_ice_config_new();
    g_assert_true(media_ice_config_add_address(ice, "127.0.0.1", &error));
    g_assert_true(media_ice_config_set_timeouts(ice, 10000, 5000, &error));
    config.n_workers = 1;
    config.ice = ice;
    t.engine = media_engine_new(t.ctx, &config, &error);
    g_assert_no_error(error);
    media_engine_add_listener(t.engine, &listener, &t, NULL);
    t.room = media_engine_ensure_room(t.engine, MEETING, &error);
    g_assert_no_error(error);
    g_assert_true(
        media_room_add_participant(t.room, PUBLISHER, "chủ tọa", MEDIA_ROLE_CHAIR, &error));
    g_assert_true(
        media_room_add_participant(t.room, RECEIVER, "đại biểu", MEDIA_ROLE_MEMBER, &error));

    /* Participant 1 publishes. */
    client_init(&t, &t.pub, PUBLISHER,
                "webrtcbin name=w bundle-policy=max-bundle "
                "audiotestsrc is-live=true ! audioconvert ! audioresample ! "
                "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
                "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w. "
                "videotestsrc is-live=true pattern=ball ! "
                "video/x-raw,width=320,height=240,framerate=15/1 ! "
                "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 ! "
                "rtpvp8pay pt=96 picture-id-mode=15-bit ! "
                "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w.");
    webrtc_client_publish(&t.pub.w);
    gst_element_set_state(t.pub.w.pipeline, GST_STATE_PLAYING);
    if (!run_until(&t, is_published, 10000))
        g_error("publishing: %s", t.failure != NULL ? t.failure : "timed out");

    /* Participant 2 receives participant 1. */
    client_init(&t, &t.sub, RECEIVER, NULL);
    gst_element_set_state(t.sub.w.pipeline, GST_STATE_PLAYING);
    g_assert_true(
        media_room_subscribe(t.room, RECEIVER, publishers, 1, on_subscribe_offer, &t.sub, &error));
    g_assert_no_error(error);
    if (!run_until(&t, is_answered, 10000))
        g_error("receiving: %s", t.failure != NULL ? t.failure : "timed out");
    g_assert_nonnull(strstr(t.sub_offer, "a=msid:p1 1-"));
    if (!run_until(&t, forwarded, 20000))
        g_error("forwarding: %s; the receiver got audio %d, video %d, decoded %d frames",
                t.failure != NULL ? t.failure : "timed out", g_atomic_int_get(&t.sub.rx_audio),
                g_atomic_int_get(&t.sub.rx_video), g_atomic_int_get(&t.sub.decoded_video));
    g_test_message("forwarded to participant 2: audio %d, video %d; VP8 frames decoded %d",
                   g_atomic_int_get(&t.sub.rx_audio), g_atomic_int_get(&t.sub.rx_video),
                   g_atomic_int_get(&t.sub.decoded_video));
    g_assert_cmpint(g_atomic_int_get(&t.sub.bad_ssrc), ==, 0);
    g_assert_cmpint(t.peers_up, ==, 2);

    /* The same subscription again: nothing to negotiate. */
    t.have_result = FALSE;
    g_assert_true(
        media_room_subscribe(t.room, RECEIVER, publishers, 1, on_subscribe_offer, &t.sub, &error));
    g_assert_true(run_until(&t, have_result, 5000));
    g_assert_null(t.sub_offer);
    g_assert_null(t.last_error);

    /* Nobody any more: the sections become inactive and nothing more is forwarded. */
    t.have_result = FALSE;
    g_assert_true(
        media_room_subscribe(t.room, RECEIVER, NULL, 0, on_subscribe_offer, &t.sub, &error));
    g_assert_true(run_until(&t, have_result, 5000));
    g_assert_nonnull(t.sub_offer);
    g_assert_null(strstr(t.sub_offer, "a=sendonly"));
    g_assert_nonnull(strstr(t.sub_offer, "a=inactive"));
    g_assert_true(run_until(&t, is_answered, 5000));
    g_usleep(700000); /* what was in flight, and in its jitter buffer (200 ms), comes out */
    while (g_main_context_iteration(t.ctx, FALSE))
        ;
    before_audio = g_atomic_int_get(&t.sub.rx_audio);
    before_video = g_atomic_int_get(&t.sub.rx_video);
    g_usleep(500000);
    g_assert_cmpint(g_atomic_int_get(&t.sub.rx_audio), ==, before_audio);
    g_assert_cmpint(g_atomic_int_get(&t.sub.rx_video), ==, before_video);

    /* A refused offer: the caller gets the message for the client. */
    t.have_result = FALSE;
    t.pub.w.published = FALSE;
    g_assert_true(media_room_publish(t.room, RECEIVER, "v=0\r\nm=video 9 RTP/AVP 31\r\n",
                                     (MediaSdpFunc)on_subscribe_offer, &t.sub, &error));
    g_assert_true(run_until(&t, have_result, 5000));
    g_assert_error(t.last_error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_UNSUPPORTED);
    /* And an unknown participant. */
    t.have_result = FALSE;
    g_assert_true(
        media_room_subscribe(t.room, 99, publishers, 1, on_subscribe_offer, &t.sub, &error));
    g_assert_true(run_until(&t, have_result, 5000));
    g_assert_error(t.last_error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND);

    webrtc_client_clear(&t.sub.w);
    webrtc_client_clear(&t.pub.w);
    media_room_destroy(t.room);
    media_engine_free(t.engine);
    while (g_main_context_iteration(t.ctx, FALSE))
        ;
    g_free(t.sub_offer);
    g_free(t.failure);
    g_clear_error(&t.last_error);
    g_main_context_pop_thread_default(t.ctx);
    g_main_context_unref(t.ctx);
}

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/engine/webrtcbin/publish-and-receive", test_publish_and_receive);
    return g_test_run();
}
