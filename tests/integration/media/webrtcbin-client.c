/* webrtcbin-client.c: a webrtcbin client of a MediaRoom (webrtcbin-client.h): its setup on
 * 127.0.0.1, trickled candidates and the publishing offer, each posted to the test's context so
 * that the room is only touched there. */
#include "webrtcbin-client.h"

#include <gst/sdp/gstsdpmessage.h>
#include <nice/agent.h>

static void post_free(gpointer data)
{
    WebrtcPost *p = data;

    g_free(p->text);
    g_free(p);
}

void webrtc_client_post(WebrtcClient *c, GSourceFunc func, char *text, guint mline)
{
    WebrtcPost *p = g_new0(WebrtcPost, 1);

    p->c = c;
    p->text = text;
    p->mline = mline;
    g_main_context_invoke_full(c->ctx, G_PRIORITY_DEFAULT, func, p, post_free);
}

void webrtc_client_fail(WebrtcClient *c, const char *what, const GError *error)
{
    if (*c->failure == NULL)
        *c->failure = g_strdup_printf("%s: %s", what, error != NULL ? error->message : "?");
}

void webrtc_client_set_description(WebrtcClient *c, GstWebRTCSDPType type, const char *text)
{
    GstSDPMessage *sdp = NULL;
    GstWebRTCSessionDescription *desc;
    GstPromise *promise = gst_promise_new();

    g_assert_cmpint(gst_sdp_message_new_from_text(text, &sdp), ==, GST_SDP_OK);
    desc = gst_webrtc_session_description_new(type, sdp);
    g_signal_emit_by_name(c->webrtc, "set-remote-description", desc, promise);
    gst_promise_wait(promise);
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(desc);
}

static gboolean candidate_to_engine(gpointer data)
{
    WebrtcPost *p = data;
    g_autoptr(GError) error = NULL;

    if (!media_room_add_candidate(p->c->room, p->c->id, p->c->receiving, p->text, &error))
        webrtc_client_fail(p->c, "add candidate", error);
    return G_SOURCE_REMOVE;
}

static void on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate,
                             WebrtcClient *c)
{
    webrtc_client_post(c, candidate_to_engine, g_strdup(candidate), mline);
}

void webrtc_client_init(WebrtcClient *c, GMainContext *ctx, MediaRoom *room, char **failure,
                        guint64 id, gboolean receiving, const char *launch)
{
    g_autoptr(GError) error = NULL;
    GObject *ice = NULL;
    NiceAgent *agent = NULL;
    NiceAddress loopback;

    c->ctx = ctx;
    c->room = room;
    c->failure = failure;
    c->id = id;
    c->receiving = receiving;
    if (launch != NULL) {
        c->pipeline = gst_parse_launch(launch, &error);
        g_assert_no_error(error);
        c->webrtc = gst_bin_get_by_name(GST_BIN(c->pipeline), "w");
    } else {
        /* A lone webrtcbin (a bin itself, so gst_parse_launch() would return it bare). */
        c->pipeline = gst_pipeline_new(NULL);
        c->webrtc = gst_element_factory_make("webrtcbin", "w");
        g_object_set(c->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
        gst_bin_add(GST_BIN(c->pipeline), gst_object_ref(c->webrtc));
    }
    g_object_get(c->webrtc, "ice-agent", &ice, NULL);
    g_object_get(ice, "agent", &agent, NULL);
    nice_address_init(&loopback);
    g_assert_true(nice_address_set_from_string(&loopback, "127.0.0.1"));
    nice_agent_add_local_address(agent, &loopback);
    g_object_set(agent, "upnp", FALSE, NULL);
    g_object_unref(agent);
    g_object_unref(ice);
    g_signal_connect(c->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), c);
}

void webrtc_client_clear(WebrtcClient *c)
{
    if (c->pipeline == NULL)
        return;
    gst_element_set_state(c->pipeline, GST_STATE_NULL);
    gst_object_unref(c->webrtc);
    gst_object_unref(c->pipeline);
}

/* ---- publishing: webrtcbin offers, media_room_publish() answers ---- */

static void on_publish_answer(gpointer user_data, const char *sdp, const GError *error)
{
    WebrtcClient *c = user_data;

    if (sdp == NULL) {
        webrtc_client_fail(c, "publish", error);
        return;
    }
    webrtc_client_set_description(c, GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    c->published = TRUE;
}

static gboolean publish_offer(gpointer data)
{
    WebrtcPost *p = data;
    g_autoptr(GError) error = NULL;

    if (!media_room_publish(p->c->room, p->c->id, p->text, on_publish_answer, p->c, &error))
        webrtc_client_fail(p->c, "media_room_publish", error);
    return G_SOURCE_REMOVE;
}

static void on_offer_created(GstPromise *promise, gpointer user_data)
{
    WebrtcClient *c = user_data;
    GstWebRTCSessionDescription *offer = NULL;

    gst_structure_get(gst_promise_get_reply(promise), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                      &offer, NULL);
    gst_promise_unref(promise);
    g_signal_emit_by_name(c->webrtc, "set-local-description", offer, NULL);
    webrtc_client_post(c, publish_offer, gst_sdp_message_as_text(offer->sdp), 0);
    gst_webrtc_session_description_free(offer);
}

static void on_negotiation_needed(GstElement *webrtc, WebrtcClient *c)
{
    g_signal_emit_by_name(webrtc, "create-offer", NULL,
                          gst_promise_new_with_change_func(on_offer_created, c, NULL));
}

void webrtc_client_publish(WebrtcClient *c)
{
    g_signal_connect(c->webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), c);
}
