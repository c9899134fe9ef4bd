/* webrtcbin-client.h: a GStreamer webrtcbin as a participant's client of a MediaRoom, for the
 * tests that drive the SFU through media.h in process, over 127.0.0.1.
 *
 * webrtcbin calls back on its own threads; whatever reaches the room (candidates, offers,
 * answers) is posted to the test's context, which the test iterates. The first failure is kept
 * in the string the test gave (its own, freed by the test). Build with -DGST_USE_UNSTABLE_API. */
#pragma once

#include <glib.h>
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include "media.h"

G_BEGIN_DECLS

typedef struct {
    GMainContext *ctx; /* the test's, where the room is driven */
    MediaRoom *room;
    char **failure; /* the test's first failure */
    guint64 id;
    gboolean receiving; /* its candidates are for its receiving connection */
    GstElement *pipeline;
    GstElement *webrtc;
    gboolean published; /* its offer answered by media_room_publish() and the answer applied */
    gpointer user_data; /* the test's own */
} WebrtcClient;

/* A piece of text for the room, posted from a webrtcbin thread to the test's context. */
typedef struct {
    WebrtcClient *c;
    char *text;
    guint mline;
} WebrtcPost;

/* @launch: a gst-launch description whose webrtcbin is named "w"; NULL: a lone webrtcbin
 * (max-bundle). ICE gathers on 127.0.0.1; candidates go to the room. */
void webrtc_client_init(WebrtcClient *c, GMainContext *ctx, MediaRoom *room, char **failure,
                        guint64 id, gboolean receiving, const char *launch);
/* Stops and releases the pipeline; nothing if it was never made. */
void webrtc_client_clear(WebrtcClient *c);

/* Calls @func (transfer: @text, freed after it) with a WebrtcPost on the test's context. */
void webrtc_client_post(WebrtcClient *c, GSourceFunc func, char *text, guint mline);
/* Keeps the first failure: "@what: message". */
void webrtc_client_fail(WebrtcClient *c, const char *what, const GError *error);
/* Applies a remote description, waiting for webrtcbin to take it. */
void webrtc_client_set_description(WebrtcClient *c, GstWebRTCSDPType type, const char *text);

/* Publishes: when webrtcbin needs negotiating, its offer goes to media_room_publish() and the
 * answer is applied (then c->published). */
void webrtc_client_publish(WebrtcClient *c);

G_END_DECLS
