/* test-webrtcbin.c: an independent WebRTC peer, GStreamer's webrtcbin, publishes Opus and VP8
 * (or H.264) to a MediaPeer over 127.0.0.1 and receives it back.
 *
 * The MediaPeer runs as it does in the server: on a worker thread with its own GMainContext.
 * webrtcbin runs in its pipeline's threads; signaling is a few posts between the test's main
 * context and the worker's: webrtcbin's offer text goes to the worker, which reads it
 * (sdp_parse_offer), applies it and writes the answer (sdp_write_answer, sending back on each
 * section with its own SSRC); webrtcbin's trickled candidates follow. The worker counts the
 * decrypted RTP it gets per payload type and checks the SSRCs against the offer's a=ssrc lines,
 * then rewrites each packet's SSRC to the one its answer announced and sends it back (protect
 * and send); webrtcbin's receiving side must then produce RTP of both kinds. Finally webrtcbin
 * stops, and the MediaPeer must be reported dead within its configured time.
 *
 * Only 127.0.0.1 is used: it is added to both ICE agents (webrtcbin's through its "ice-agent"
 * and that object's "agent"), since libnice skips loopback when it gathers on its own.
 * Built with -DGST_USE_UNSTABLE_API (gst/webrtc). */
#include <string.h>

#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/gstsdpmessage.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "media.h"
#include "rtp/rtp.h"
#include "sdp/sdp.h"
#include "transport/dtls.h"
#include "transport/peer.h"

#define DEAD_TIMEOUT_MS 1500
#define ECHO_SSRC_AUDIO 0x11110001u
#define ECHO_SSRC_VIDEO 0x22220002u

typedef struct {
    const char *video_caps; /* what webrtcbin sends */
    const char *video_chain;
    guint8 video_pt;
    SdpCodec video_codec;
} Variant;

static const Variant vp8 = {
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000",
    "vp8enc deadline=1 cpu-used=8 ! rtpvp8pay pt=96 picture-id-mode=15-bit",
    96,
    SDP_CODEC_VP8,
};

static const Variant h264 = {
    "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
    "packetization-mode=(string)1",
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
    "video/x-h264,profile=constrained-baseline ! rtph264pay pt=102 config-interval=-1 "
    "aggregate-mode=zero-latency",
    102,
    SDP_CODEC_H264,
};

typedef struct {
    const Variant *variant;
    GMainContext *main_ctx;

    /* the worker: a thread with its own context, as a media worker */
    GMainContext *worker_ctx;
    GMainLoop *worker_loop;
    GThread *worker;
    MediaIceConfig *config;
    DtlsIdentity *identity;
    MediaPeer *peer;             /* worker only */
    SdpDescription *offer;       /* worker only */
    GPtrArray *early_candidates; /* worker only: before the offer */
    gboolean early_end;          /* worker only */

    /* what the worker saw (atomics: read on the main thread) */
    gint rx_audio, rx_video, rx_other, rx_rtcp, bad_ssrc, echo_errors;
    gint connected;
    gint dead;
    gint64 dead_at;        /* written before dead is set */
    PeerDeadReason reason; /* written before dead is set */
    gint profile;

    /* webrtcbin */
    GstElement *pipeline;
    GstElement *webrtc;
    gint echo_audio, echo_video; /* RTP out of webrtcbin's receiving pads */
    char *failure;               /* main only */
} Test;

/* ---- the worker ---- */

static gpointer worker_main(gpointer data)
{
    Test *t = data;

    g_main_context_push_thread_default(t->worker_ctx);
    g_main_loop_run(t->worker_loop);
    g_main_context_pop_thread_default(t->worker_ctx);
    return NULL;
}

typedef struct {
    GSourceFunc func;
    gpointer data;
    GMutex lock;
    GCond cond;
    gboolean done;
} Call;

static gboolean call_on_worker(gpointer data)
{
    Call *c = data;

    c->func(c->data);
    g_mutex_lock(&c->lock);
    c->done = TRUE;
    g_cond_signal(&c->cond);
    g_mutex_unlock(&c->lock);
    return G_SOURCE_REMOVE;
}

/* Runs @func on the worker and waits for it. */
static void run_on_worker(Test *t, GSourceFunc func, gpointer data)
{
    Call c = {.func = func, .data = data};

    g_mutex_init(&c.lock);
    g_cond_init(&c.cond);
    g_main_context_invoke(t->worker_ctx, call_on_worker, &c);
    g_mutex_lock(&c.lock);
    while (!c.done)
        g_cond_wait(&c.cond, &c.lock);
    g_mutex_unlock(&c.lock);
    g_mutex_clear(&c.lock);
    g_cond_clear(&c.cond);
}

typedef struct {
    Test *t;
    char *text;
} Post;

static void post_free(gpointer data)
{
    Post *p = data;

    g_free(p->text);
    g_free(p);
}

static void post(GMainContext *ctx, GSourceFunc func, Test *t, char *text)
{
    Post *p = g_new0(Post, 1);

    p->t = t;
    p->text = text;
    g_main_context_invoke_full(ctx, G_PRIORITY_DEFAULT, func, p, post_free);
}

static void on_rtp(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data)
{
    Test *t = user_data;
    const SdpMedia *m = NULL;
    RtpPacket pkt;
    guint i;

    if (rtp_packet_parse(&pkt, data, len) != 0) {
        g_atomic_int_inc(&t->rx_other);
        return;
    }
    for (i = 0; i < t->offer->n_media; i++) {
        if (t->offer->media[i].accepted && t->offer->media[i].payload_type == pkt.payload_type)
            m = &t->offer->media[i];
    }
    if (m == NULL) {
        g_atomic_int_inc(&t->rx_other);
        return;
    }
    /* webrtcbin announces its SSRCs (a=ssrc): what arrives must be one of them. */
    if (m->n_ssrcs > 0 && pkt.ssrc != m->ssrcs[0])
        g_atomic_int_inc(&t->bad_ssrc);
    g_atomic_int_inc(m->kind == SDP_MEDIA_AUDIO ? &t->rx_audio : &t->rx_video);
    /* Echo it under the SSRC our answer announced for this section. */
    rtp_packet_set_ssrc(&pkt, m->kind == SDP_MEDIA_AUDIO ? ECHO_SSRC_AUDIO : ECHO_SSRC_VIDEO);
    if (peer_send_rtp(peer, data, len) != 0)
        g_atomic_int_inc(&t->echo_errors);
}

static void on_rtcp(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data)
{
    Test *t = user_data;

    g_atomic_int_inc(&t->rx_rtcp);
}

static void on_state(MediaPeer *peer, PeerState state, gpointer user_data)
{
    Test *t = user_data;

    if (state == PEER_STATE_CONNECTED) {
        g_atomic_int_set(&t->profile, (gint)peer_get_srtp_profile(peer));
        g_atomic_int_set(&t->connected, 1);
    } else if (state == PEER_STATE_DEAD) {
        t->dead_at = g_get_monotonic_time();
        t->reason = peer_get_dead_reason(peer);
        g_atomic_int_set(&t->dead, 1);
    }
}

static gboolean make_peer(gpointer data)
{
    static const PeerEvents events = {.rtp = on_rtp, .rtcp = on_rtcp, .state_changed = on_state};
    Test *t = data;
    g_autoptr(GError) error = NULL;

    t->peer = peer_new(t->worker_ctx, t->config, t->identity, "webrtcbin peer", &events, t, &error);
    g_assert_no_error(error);
    return G_SOURCE_REMOVE;
}

static gboolean free_peer(gpointer data)
{
    Test *t = data;

    g_clear_pointer(&t->peer, peer_free);
    g_clear_pointer(&t->offer, sdp_description_free);
    return G_SOURCE_REMOVE;
}

static gboolean apply_answer_on_main(gpointer data);
static gboolean fail_on_main(gpointer data);

/* Worker: the offer from webrtcbin; the answer goes back to the main context. */
static gboolean handle_offer(gpointer data)
{
    Post *p = data;
    Test *t = p->t;
    g_autoptr(GError) error = NULL;
    SdpSendTrack send[SDP_MAX_MEDIA] = {{0}};
    SdpTransport transport;
    char *answer;
    guint i;

    t->offer = sdp_parse_offer(p->text, strlen(p->text), NULL, &error);
    if (t->offer == NULL) {
        post(t->main_ctx, fail_on_main, t, g_strdup_printf("offer refused: %s", error->message));
        return G_SOURCE_REMOVE;
    }
    if (!peer_set_remote_description(t->peer, t->offer, &error)) {
        post(t->main_ctx, fail_on_main, t, g_strdup(error->message));
        return G_SOURCE_REMOVE;
    }
    for (i = 0; i < t->early_candidates->len; i++)
        peer_add_remote_candidate(t->peer, g_ptr_array_index(t->early_candidates, i), NULL);
    if (t->early_end)
        peer_end_of_remote_candidates(t->peer);
    for (i = 0; i < t->offer->n_media; i++) {
        gboolean audio = t->offer->media[i].kind == SDP_MEDIA_AUDIO;

        send[i] = (SdpSendTrack){.ssrc = audio ? ECHO_SSRC_AUDIO : ECHO_SSRC_VIDEO,
                                 .cname = "phonghop",
                                 .stream_id = "sfu",
                                 .track_id = audio ? "sfu-audio" : "sfu-video"};
    }
    peer_get_local_transport(t->peer, &transport);
    answer = sdp_write_answer(t->offer, &transport, send, 42, &error);
    g_assert_no_error(error);
    post(t->main_ctx, apply_answer_on_main, t, answer);
    return G_SOURCE_REMOVE;
}

static gboolean handle_candidate(gpointer data)
{
    Post *p = data;
    Test *t = p->t;

    if (p->text == NULL) {
        if (t->offer == NULL)
            t->early_end = TRUE;
        else
            peer_end_of_remote_candidates(t->peer);
    } else if (t->offer == NULL) {
        g_ptr_array_add(t->early_candidates, g_strdup(p->text));
    } else {
        g_autoptr(GError) error = NULL;

        if (!peer_add_remote_candidate(t->peer, p->text, &error))
            g_test_message("candidate %s: %s", p->text, error->message);
    }
    return G_SOURCE_REMOVE;
}

/* ---- webrtcbin ---- */

static gboolean fail_on_main(gpointer data)
{
    Post *p = data;

    if (p->t->failure == NULL)
        p->t->failure = g_strdup(p->text);
    return G_SOURCE_REMOVE;
}

static gboolean apply_answer_on_main(gpointer data)
{
    Post *p = data;
    Test *t = p->t;
    GstSDPMessage *sdp = NULL;
    GstWebRTCSessionDescription *desc;
    GstPromise *promise;
    g_auto(GStrv) lines = NULL;
    guint i;

    g_test_message("answer:\n%s", p->text);
    g_assert_cmpint(gst_sdp_message_new_from_text(p->text, &sdp), ==, GST_SDP_OK);
    desc = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    promise = gst_promise_new();
    g_signal_emit_by_name(t->webrtc, "set-remote-description", desc, promise);
    gst_promise_wait(promise);
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(desc);
    /* Our candidates are in the answer; hand them over as trickled ones too, in case this
     * webrtcbin only reads candidates given separately. */
    lines = g_strsplit(p->text, "\r\n", -1);
    for (i = 0; lines[i] != NULL; i++) {
        if (g_str_has_prefix(lines[i], "a=candidate:"))
            g_signal_emit_by_name(t->webrtc, "add-ice-candidate", 0, lines[i] + 2);
    }
    return G_SOURCE_REMOVE;
}

static void on_offer_created(GstPromise *promise, gpointer user_data)
{
    Test *t = user_data;
    const GstStructure *reply = gst_promise_get_reply(promise);
    GstWebRTCSessionDescription *offer = NULL;
    char *text;

    gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
    gst_promise_unref(promise);
    g_assert_nonnull(offer);
    g_signal_emit_by_name(t->webrtc, "set-local-description", offer, NULL);
    text = gst_sdp_message_as_text(offer->sdp);
    g_test_message("webrtcbin offer:\n%s", text);
    post(t->worker_ctx, handle_offer, t, text);
    gst_webrtc_session_description_free(offer);
}

static void on_negotiation_needed(GstElement *webrtc, gpointer user_data)
{
    Test *t = user_data;
    GstPromise *promise = gst_promise_new_with_change_func(on_offer_created, t, NULL);

    g_signal_emit_by_name(webrtc, "create-offer", NULL, promise);
}

static void on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate,
                             gpointer user_data)
{
    post(((Test *)user_data)->worker_ctx, handle_candidate, user_data, g_strdup(candidate));
}

static void on_gathering_state(GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
    GstWebRTCICEGatheringState state;

    g_object_get(webrtc, "ice-gathering-state", &state, NULL);
    if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
        post(((Test *)user_data)->worker_ctx, handle_candidate, user_data, NULL);
}

static GstPadProbeReturn count_echo(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    Test *t = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    guint8 head[12];

    if (buf != NULL && gst_buffer_extract(buf, 0, head, sizeof(head)) == sizeof(head)) {
        guint32 ssrc = ((guint32)head[8] << 24) | ((guint32)head[9] << 16) |
                       ((guint32)head[10] << 8) | head[11];

        if (ssrc == ECHO_SSRC_AUDIO)
            g_atomic_int_inc(&t->echo_audio);
        else if (ssrc == ECHO_SSRC_VIDEO)
            g_atomic_int_inc(&t->echo_video);
    }
    return GST_PAD_PROBE_OK;
}

/* A receiving pad: count what comes out, into a fakesink. */
static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer user_data)
{
    Test *t = user_data;
    GstElement *sink;
    GstPad *sinkpad;

    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    sink = gst_element_factory_make("fakesink", NULL);
    g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add(GST_BIN(t->pipeline), sink);
    gst_element_sync_state_with_parent(sink);
    sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_echo, t, NULL);
    g_assert_cmpint(gst_pad_link(pad, sinkpad), ==, GST_PAD_LINK_OK);
    gst_object_unref(sinkpad);
}

static gboolean have_elements(const char *const *names)
{
    for (; *names != NULL; names++) {
        GstElementFactory *f = gst_element_factory_find(*names);

        if (f == NULL) {
            g_test_skip_printf("GStreamer element %s is not installed", *names);
            return FALSE;
        }
        gst_object_unref(f);
    }
    return TRUE;
}

static void make_pipeline(Test *t)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *desc = g_strdup_printf(
        "webrtcbin name=w bundle-policy=max-bundle "
        "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! "
        "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w. "
        "videotestsrc is-live=true pattern=ball ! "
        "video/x-raw,width=320,height=240,framerate=15/1 ! %s ! %s ! w.",
        t->variant->video_chain, t->variant->video_caps);
    GObject *ice = NULL;
    NiceAgent *agent = NULL;
    NiceAddress loopback;

    t->pipeline = gst_parse_launch(desc, &error);
    g_assert_no_error(error);
    t->webrtc = gst_bin_get_by_name(GST_BIN(t->pipeline), "w");
    /* Loopback only: libnice would skip it when gathering on its own. */
    g_object_get(t->webrtc, "ice-agent", &ice, NULL);
    g_object_get(ice, "agent", &agent, NULL);
    nice_address_init(&loopback);
    g_assert_true(nice_address_set_from_string(&loopback, "127.0.0.1"));
    g_assert_true(nice_agent_add_local_address(agent, &loopback));
    g_object_set(agent, "upnp", FALSE, NULL);
    g_object_unref(agent);
    g_object_unref(ice);
    g_signal_connect(t->webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), t);
    g_signal_connect(t->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), t);
    g_signal_connect(t->webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state), t);
    g_signal_connect(t->webrtc, "pad-added", G_CALLBACK(on_pad_added), t);
}

typedef gboolean (*Condition)(Test *t);

/* Runs the main context until @cond, a pipeline error or @timeout_ms. */
static gboolean run_until(Test *t, Condition cond, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    GstBus *bus = gst_element_get_bus(t->pipeline);
    gboolean ok = FALSE;

    while (g_get_monotonic_time() < end) {
        GstMessage *msg;

        while (g_main_context_iteration(t->main_ctx, FALSE))
            ;
        if (t->failure != NULL)
            break;
        if (cond(t)) {
            ok = TRUE;
            break;
        }
        msg = gst_bus_timed_pop_filtered(bus, 10 * GST_MSECOND, GST_MESSAGE_ERROR);
        if (msg != NULL) {
            g_autoptr(GError) error = NULL;
            g_autofree char *debug = NULL;

            gst_message_parse_error(msg, &error, &debug);
            t->failure = g_strdup_printf("pipeline error: %s (%s)", error->message, debug);
            gst_message_unref(msg);
            break;
        }
    }
    gst_object_unref(bus);
    return ok;
}

static gboolean media_both_ways(Test *t)
{
    return g_atomic_int_get(&t->rx_audio) >= 25 && g_atomic_int_get(&t->rx_video) >= 25 &&
           g_atomic_int_get(&t->echo_audio) >= 10 && g_atomic_int_get(&t->echo_video) >= 10 &&
           g_atomic_int_get(&t->rx_rtcp) > 0; /* its first report comes after about a second */
}

static gboolean peer_dead(Test *t)
{
    return g_atomic_int_get(&t->dead) != 0;
}

static void run_variant(const Variant *variant)
{
    static const char *const needed[] = {"webrtcbin",  "nicesrc",      "dtlssrtpenc",  "opusenc",
                                         "rtpopuspay", "vp8enc",       "rtpvp8pay",    "x264enc",
                                         "rtph264pay", "audiotestsrc", "videotestsrc", NULL};
    g_autoptr(GError) error = NULL;
    gint64 stopped_at;
    Test t = {0};

    if (!have_elements(needed))
        return;
    t.variant = variant;
    t.main_ctx = g_main_context_new();
    g_main_context_push_thread_default(t.main_ctx);
    t.worker_ctx = g_main_context_new();
    t.worker_loop = g_main_loop_new(t.worker_ctx, FALSE);
    t.early_candidates = g_ptr_array_new_with_free_func(g_free);
    t.config = media_ice_config_new();
    g_assert_true(media_ice_config_add_address(t.config, "127.0.0.1", &error));
    g_assert_true(media_ice_config_set_timeouts(t.config, 10000, DEAD_TIMEOUT_MS, &error));
    t.identity = dtls_identity_new(&error);
    g_assert_no_error(error);
    t.worker = g_thread_new("media-worker", worker_main, &t);
    run_on_worker(&t, make_peer, &t);

    make_pipeline(&t);
    g_assert_cmpint(gst_element_set_state(t.pipeline, GST_STATE_PLAYING), !=,
                    GST_STATE_CHANGE_FAILURE);
    if (!run_until(&t, media_both_ways, 30000))
        g_error("%s: from webrtcbin audio %d video %d other %d rtcp %d, back to it audio %d "
                "video %d, connected %d, dead %d",
                t.failure != NULL ? t.failure : "timed out", g_atomic_int_get(&t.rx_audio),
                g_atomic_int_get(&t.rx_video), g_atomic_int_get(&t.rx_other),
                g_atomic_int_get(&t.rx_rtcp), g_atomic_int_get(&t.echo_audio),
                g_atomic_int_get(&t.echo_video), g_atomic_int_get(&t.connected),
                g_atomic_int_get(&t.dead));
    g_test_message("SRTP profile %s; from webrtcbin: audio %d, video %d, RTCP %d; back: audio "
                   "%d, video %d",
                   srtp_profile_to_string((SrtpProfile)g_atomic_int_get(&t.profile)),
                   g_atomic_int_get(&t.rx_audio), g_atomic_int_get(&t.rx_video),
                   g_atomic_int_get(&t.rx_rtcp), g_atomic_int_get(&t.echo_audio),
                   g_atomic_int_get(&t.echo_video));
    g_assert_cmpint(g_atomic_int_get(&t.connected), ==, 1);
    g_assert_cmpint(g_atomic_int_get(&t.bad_ssrc), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&t.rx_other), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&t.echo_errors), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&t.rx_rtcp), >, 0);

    /* webrtcbin goes away without a word (its sockets close): dead within the time. */
    gst_element_set_state(t.pipeline, GST_STATE_NULL);
    stopped_at = g_get_monotonic_time();
    g_assert_true(run_until(&t, peer_dead, DEAD_TIMEOUT_MS + 3000));
    g_test_message("dead after %" G_GINT64_FORMAT " ms: %s", (t.dead_at - stopped_at) / 1000,
                   peer_dead_reason_to_string(t.reason));
    g_assert_true(t.reason == PEER_DEAD_TIMEOUT || t.reason == PEER_DEAD_CLOSED);
    g_assert_cmpint(t.dead_at - stopped_at, <=,
                    (DEAD_TIMEOUT_MS + DEAD_TIMEOUT_MS / 4 + 200) * 1000);

    run_on_worker(&t, free_peer, &t);
    g_main_loop_quit(t.worker_loop);
    g_thread_join(t.worker);
    gst_object_unref(t.webrtc);
    gst_object_unref(t.pipeline);
    g_main_loop_unref(t.worker_loop);
    g_main_context_unref(t.worker_ctx);
    g_ptr_array_unref(t.early_candidates);
    media_ice_config_unref(t.config);
    dtls_identity_unref(t.identity);
    g_free(t.failure);
    while (g_main_context_iteration(t.main_ctx, FALSE))
        ;
    g_main_context_pop_thread_default(t.main_ctx);
    g_main_context_unref(t.main_ctx);
}

static void test_opus_vp8(void)
{
    run_variant(&vp8);
}

static void test_opus_h264(void)
{
    run_variant(&h264);
}

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/webrtcbin/opus-vp8", test_opus_vp8);
    g_test_add_func("/webrtcbin/opus-h264", test_opus_h264);
    return g_test_run();
}
