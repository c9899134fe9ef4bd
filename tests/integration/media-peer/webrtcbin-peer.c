/* webrtcbin-peer.c: an independent WebRTC client (GStreamer's webrtcbin) for the tests of
 * phonghop's media signaling, driven by the test over its standard input and output.
 *
 * Design: the test speaks /ws to the server and relays the SDP and candidates to this program,
 * one JSON object per line, so the server sees a client that is not a browser, with its own ICE
 * (libnice), DTLS and RTP stacks. Two webrtcbins, as a browser has two connections: one publishes
 * a test pattern (VP8) and a tone (Opus) and makes the offer; the other receives, answers the
 * server's offers and counts what arrives per publisher (by the SSRCs our offers announce with
 * msid "p<participant>"), decoding the VP8 (or a hall camera's H.264) to prove the forwarded
 * stream is valid. Both add 127.0.0.1 to their ICE agents (libnice skips loopback otherwise).
 *
 * In (stdin): {"type":"publish","pattern"?} (videotestsrc's pattern, "ball" by default),
 * {"type":"answer","sdp"} (to our offer),
 * {"type":"offer","offer_id","sdp"} (the server's), {"type":"stats"}, {"type":"quit"}.
 * Out (stdout): {"type":"offer","sdp"}, {"type":"answer","offer_id","sdp"},
 * {"type":"candidate","connection":"publish"|"subscribe","candidate"},
 * {"type":"stats","rx":{"<participant>":{"audio","video","decoded"}}}, {"type":"error","message"}.
 * Built with -DGST_USE_UNSTABLE_API (gst/webrtc).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/gstsdpmessage.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <nice/agent.h>

#define MAX_STREAMS 32

typedef struct {
    guint32 ssrc;
    guint64 participant;
} SsrcOwner;

typedef struct {
    guint64 participant; /* 0 until the first packet names it */
    gboolean video;
    gint packets; /* atomic */
    gint decoded; /* atomic */
} Stream;

typedef struct {
    GMainContext *ctx;
    GMainLoop *loop;
    GMutex lock; /* out, owners, streams */
    GstElement *pub_pipeline, *pub;
    GstElement *sub_pipeline, *sub;
    SsrcOwner owners[MAX_STREAMS];
    guint n_owners;
    Stream *streams[MAX_STREAMS];
    guint n_streams;
    GString *in;
} Peer;

static Peer peer;

/* ---- output ---- */

static void emit(JsonBuilder *b)
{
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    g_autofree char *text = json_to_string(node, FALSE);
    g_mutex_lock(&peer.lock);
    fprintf(stdout, "%s\n", text);
    fflush(stdout);
    g_mutex_unlock(&peer.lock);
}

static JsonBuilder *begin(const char *type)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, type);
    return b;
}

static void emit_error(const char *message)
{
    g_autoptr(JsonBuilder) b = begin("error");
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    emit(b);
}

static void emit_sdp(const char *type, gint64 offer_id, GstWebRTCSessionDescription *desc)
{
    g_autofree char *text = gst_sdp_message_as_text(desc->sdp);
    g_autoptr(JsonBuilder) b = begin(type);
    if (offer_id) {
        json_builder_set_member_name(b, "offer_id");
        json_builder_add_int_value(b, offer_id);
    }
    json_builder_set_member_name(b, "sdp");
    json_builder_add_string_value(b, text);
    emit(b);
}

/* ---- webrtcbin ---- */

static void on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate,
                             gpointer connection)
{
    g_autoptr(JsonBuilder) b = begin("candidate");
    json_builder_set_member_name(b, "connection");
    json_builder_add_string_value(b, connection);
    json_builder_set_member_name(b, "candidate");
    json_builder_add_string_value(b, candidate);
    emit(b);
}

static void add_loopback(GstElement *webrtc)
{
    GObject *ice = NULL;
    NiceAgent *agent = NULL;
    NiceAddress loopback;

    g_object_get(webrtc, "ice-agent", &ice, NULL);
    g_object_get(ice, "agent", &agent, NULL);
    nice_address_init(&loopback);
    nice_address_set_from_string(&loopback, "127.0.0.1");
    nice_agent_add_local_address(agent, &loopback);
    g_object_set(agent, "upnp", FALSE, NULL);
    g_object_unref(agent);
    g_object_unref(ice);
}

static gboolean set_remote(GstElement *webrtc, GstWebRTCSDPType type, const char *text)
{
    GstSDPMessage *sdp = NULL;
    GstWebRTCSessionDescription *desc;
    GstPromise *promise;

    if (gst_sdp_message_new_from_text(text, &sdp) != GST_SDP_OK) {
        emit_error("cannot read the SDP");
        return FALSE;
    }
    desc = gst_webrtc_session_description_new(type, sdp);
    promise = gst_promise_new();
    g_signal_emit_by_name(webrtc, "set-remote-description", desc, promise);
    gst_promise_wait(promise);
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(desc);
    return TRUE;
}

static void on_offer_created(GstPromise *promise, gpointer user_data)
{
    GstWebRTCSessionDescription *offer = NULL;

    gst_structure_get(gst_promise_get_reply(promise), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                      &offer, NULL);
    gst_promise_unref(promise);
    if (!offer) {
        emit_error("webrtcbin made no offer");
        return;
    }
    g_signal_emit_by_name(peer.pub, "set-local-description", offer, NULL);
    emit_sdp("offer", 0, offer);
    gst_webrtc_session_description_free(offer);
}

static void on_negotiation_needed(GstElement *webrtc, gpointer user_data)
{
    g_signal_emit_by_name(webrtc, "create-offer", NULL,
                          gst_promise_new_with_change_func(on_offer_created, NULL, NULL));
}

static void on_answer_created(GstPromise *promise, gpointer user_data)
{
    GstWebRTCSessionDescription *answer = NULL;
    gint64 offer_id = GPOINTER_TO_SIZE(user_data);

    gst_structure_get(gst_promise_get_reply(promise), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                      &answer, NULL);
    gst_promise_unref(promise);
    if (!answer) {
        emit_error("webrtcbin made no answer");
        return;
    }
    g_signal_emit_by_name(peer.sub, "set-local-description", answer, NULL);
    emit_sdp("answer", offer_id, answer);
    gst_webrtc_session_description_free(answer);
}

/* Learns "a=ssrc:N msid:pP ..." of an offer of the server's: SSRC N carries participant P. */
static void learn_owners(const char *sdp)
{
    const char *at = sdp;

    g_mutex_lock(&peer.lock);
    while ((at = strstr(at, "a=ssrc:")) != NULL) {
        char *end = NULL;
        guint64 ssrc = g_ascii_strtoull(at + 7, &end, 10);
        at += 7;
        if (!end || !g_str_has_prefix(end, " msid:p"))
            continue;
        guint64 participant = g_ascii_strtoull(end + 7, NULL, 10);
        gboolean known = FALSE;
        for (guint i = 0; i < peer.n_owners; i++)
            known |= peer.owners[i].ssrc == (guint32)ssrc;
        if (!known && peer.n_owners < MAX_STREAMS)
            peer.owners[peer.n_owners++] = (SsrcOwner){(guint32)ssrc, participant};
    }
    g_mutex_unlock(&peer.lock);
}

static GstPadProbeReturn count_rtp(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    Stream *s = user_data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    guint8 h[12];

    if (buf && gst_buffer_extract(buf, 0, h, sizeof(h)) == sizeof(h)) {
        guint32 ssrc =
            ((guint32)h[8] << 24) | ((guint32)h[9] << 16) | ((guint32)h[10] << 8) | h[11];
        g_mutex_lock(&peer.lock);
        for (guint i = 0; i < peer.n_owners; i++)
            if (peer.owners[i].ssrc == ssrc)
                s->participant = peer.owners[i].participant;
        g_mutex_unlock(&peer.lock);
        g_atomic_int_inc(&s->packets);
    }
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn count_decoded(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    g_atomic_int_inc(&((Stream *)user_data)->decoded);
    return GST_PAD_PROBE_OK;
}

static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer user_data)
{
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    const GstStructure *st =
        caps && gst_caps_get_size(caps) > 0 ? gst_caps_get_structure(caps, 0) : NULL;
    GstElement *sink;
    GstPad *sinkpad;
    Stream *s;

    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    s = g_new0(Stream, 1);
    const char *encoding = st ? gst_structure_get_string(st, "encoding-name") : NULL;
    gboolean h264 = g_strcmp0(encoding, "H264") == 0;
    s->video = h264 || g_strcmp0(encoding, "VP8") == 0;
    g_mutex_lock(&peer.lock);
    if (peer.n_streams < MAX_STREAMS)
        peer.streams[peer.n_streams++] = s;
    g_mutex_unlock(&peer.lock);
    if (s->video) {
        g_autoptr(GError) error = NULL;
        /* H.264: what a hall camera publishes */
        sink = gst_parse_bin_from_description(
            h264 ? "rtph264depay ! h264parse ! avdec_h264 name=dec ! fakesink sync=false "
                   "async=false"
                 : "rtpvp8depay ! vp8dec name=dec ! fakesink sync=false async=false",
            TRUE, &error);
        GstElement *dec = gst_bin_get_by_name(GST_BIN(sink), "dec");
        GstPad *src = gst_element_get_static_pad(dec, "src");
        gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, count_decoded, s, NULL);
        gst_object_unref(src);
        gst_object_unref(dec);
    } else {
        sink = gst_element_factory_make("fakesink", NULL);
        g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    }
    gst_bin_add(GST_BIN(peer.sub_pipeline), sink);
    gst_element_sync_state_with_parent(sink);
    sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_rtp, s, NULL);
    if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
        emit_error("cannot link a receiving pad");
    gst_object_unref(sinkpad);
}

/* @pattern: videotestsrc's (a name made of letters and '-' only), "ball" by default. */
static void start_publishing(const char *pattern)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *launch = NULL;

    if (peer.pub_pipeline)
        return;
    for (const char *c = pattern; c && *c; c++)
        if (!g_ascii_isalpha(*c) && *c != '-')
            pattern = NULL;
    launch = g_strdup_printf(
        "webrtcbin name=w bundle-policy=max-bundle "
        "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
        "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w. "
        "videotestsrc is-live=true pattern=%s ! video/x-raw,width=320,height=240,framerate=15/1 "
        "! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 ! rtpvp8pay pt=96 "
        "picture-id-mode=15-bit ! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w.",
        pattern && *pattern ? pattern : "ball");
    peer.pub_pipeline = gst_parse_launch(launch, &error);
    if (!peer.pub_pipeline) {
        emit_error(error->message);
        return;
    }
    peer.pub = gst_bin_get_by_name(GST_BIN(peer.pub_pipeline), "w");
    add_loopback(peer.pub);
    g_signal_connect(peer.pub, "on-ice-candidate", G_CALLBACK(on_ice_candidate), "publish");
    g_signal_connect(peer.pub, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), NULL);
    gst_element_set_state(peer.pub_pipeline, GST_STATE_PLAYING);
}

static void ensure_receiving(void)
{
    if (peer.sub_pipeline)
        return;
    peer.sub_pipeline = gst_pipeline_new(NULL);
    peer.sub = gst_element_factory_make("webrtcbin", "r");
    g_object_set(peer.sub, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
    gst_bin_add(GST_BIN(peer.sub_pipeline), gst_object_ref(peer.sub));
    add_loopback(peer.sub);
    g_signal_connect(peer.sub, "on-ice-candidate", G_CALLBACK(on_ice_candidate), "subscribe");
    g_signal_connect(peer.sub, "pad-added", G_CALLBACK(on_pad_added), NULL);
    gst_element_set_state(peer.sub_pipeline, GST_STATE_PLAYING);
}

static void emit_stats(void)
{
    g_autoptr(JsonBuilder) b = begin("stats");
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    json_builder_set_member_name(b, "rx");
    json_builder_begin_object(b);
    g_mutex_lock(&peer.lock);
    /* One member per participant, its audio and video summed over its streams. */
    for (guint i = 0; i < peer.n_streams; i++) {
        guint64 who = peer.streams[i]->participant;
        gint audio = 0, video = 0, decoded = 0;
        char key[24];
        if (!who)
            continue;
        g_snprintf(key, sizeof(key), "%" G_GUINT64_FORMAT, who);
        if (g_hash_table_contains(seen, key))
            continue;
        for (guint k = i; k < peer.n_streams; k++) {
            Stream *s = peer.streams[k];
            if (s->participant != who)
                continue;
            if (s->video) {
                video += g_atomic_int_get(&s->packets);
                decoded += g_atomic_int_get(&s->decoded);
            } else {
                audio += g_atomic_int_get(&s->packets);
            }
        }
        g_hash_table_add(seen, g_strdup(key));
        json_builder_set_member_name(b, key);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "audio");
        json_builder_add_int_value(b, audio);
        json_builder_set_member_name(b, "video");
        json_builder_add_int_value(b, video);
        json_builder_set_member_name(b, "decoded");
        json_builder_add_int_value(b, decoded);
        json_builder_end_object(b);
    }
    g_mutex_unlock(&peer.lock);
    json_builder_end_object(b);
    emit(b);
}

/* ---- input ---- */

static void handle_line(const char *line)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *msg;
    const char *type, *sdp;

    if (!json_parser_load_from_data(parser, line, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        emit_error("not a JSON object");
        return;
    }
    msg = json_node_get_object(json_parser_get_root(parser));
    type = json_object_get_string_member_with_default(msg, "type", "");
    sdp = json_object_get_string_member_with_default(msg, "sdp", NULL);
    if (g_str_equal(type, "publish")) {
        start_publishing(json_object_get_string_member_with_default(msg, "pattern", NULL));
    } else if (g_str_equal(type, "answer") && sdp && peer.pub) {
        set_remote(peer.pub, GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    } else if (g_str_equal(type, "offer") && sdp) {
        gint64 offer_id = json_object_get_int_member_with_default(msg, "offer_id", 0);
        ensure_receiving();
        learn_owners(sdp);
        if (set_remote(peer.sub, GST_WEBRTC_SDP_TYPE_OFFER, sdp))
            g_signal_emit_by_name(peer.sub, "create-answer", NULL,
                                  gst_promise_new_with_change_func(
                                      on_answer_created, GSIZE_TO_POINTER(offer_id), NULL));
    } else if (g_str_equal(type, "stats")) {
        emit_stats();
    } else if (g_str_equal(type, "quit")) {
        g_main_loop_quit(peer.loop);
    } else {
        emit_error("unknown message");
    }
}

static gboolean on_stdin(gint fd, GIOCondition condition, gpointer user_data)
{
    char buf[65536];
    gssize n = read(fd, buf, sizeof(buf));
    char *nl;

    if (n <= 0) {
        g_main_loop_quit(peer.loop);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(peer.in, buf, n);
    while ((nl = memchr(peer.in->str, '\n', peer.in->len)) != NULL) {
        g_autofree char *line = g_strndup(peer.in->str, (gsize)(nl - peer.in->str));
        g_string_erase(peer.in, 0, (gssize)(nl - peer.in->str) + 1);
        if (*line)
            handle_line(line);
    }
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    GSource *source;

    gst_init(&argc, &argv);
    g_mutex_init(&peer.lock);
    peer.ctx = g_main_context_new();
    g_main_context_push_thread_default(peer.ctx);
    peer.loop = g_main_loop_new(peer.ctx, FALSE);
    peer.in = g_string_new(NULL);
    source = g_unix_fd_source_new(0, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(source, (GSourceFunc)(void (*)(void))on_stdin, NULL, NULL);
    g_source_attach(source, peer.ctx);
    g_source_unref(source);
    g_main_loop_run(peer.loop);

    if (peer.pub_pipeline) {
        gst_element_set_state(peer.pub_pipeline, GST_STATE_NULL);
        gst_object_unref(peer.pub);
        gst_object_unref(peer.pub_pipeline);
    }
    if (peer.sub_pipeline) {
        gst_element_set_state(peer.sub_pipeline, GST_STATE_NULL);
        gst_object_unref(peer.sub);
        gst_object_unref(peer.sub_pipeline);
    }
    for (guint i = 0; i < peer.n_streams; i++)
        g_free(peer.streams[i]);
    g_string_free(peer.in, TRUE);
    g_main_loop_unref(peer.loop);
    g_main_context_pop_thread_default(peer.ctx);
    g_main_context_unref(peer.ctx);
    return 0;
}
