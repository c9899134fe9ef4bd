/* live-private.h: what live.c (connections, messages) and live-feed.c (subscriptions, replay,
 * fan-out) share. Main thread only. */
#pragma once

#include "live.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
    PhApp *app;
    gboolean ready; /* the session lookup answered */
    gint64 user_id; /* 0: not signed in */
    gboolean system_admin;
    char *username;
    char *full_name;
    char *token_hash;  /* the session's (hex), when signed in */
    gint64 expires_us; /* the session's end (real time, µs), when signed in */
    gboolean ended;    /* the session ended: the connection is closing, nothing more is read */
    GQueue pending;    /* char* messages received before ready */
    GHashTable *subs;  /* meeting id (gint64*) -> LiveSub*, owned by live-feed.c */
    /* A hall screen (screen.auth): screen.screen_id 0 when the connection is not one. */
    ScreenBinding screen;
    WsConn *conn;          /* borrowed, set while bound: the client lives as long as it */
    GSource *screen_timer; /* closes the connection when the token expires */
} LiveClient;

/* The connection's screen binding when it is a screen of meeting_id and has not expired, else
 * NULL. */
const ScreenBinding *live_client_screen_for(const LiveClient *c, gint64 meeting_id);

/* Sends {"type":"error","code","message","ref"}. */
void live_send_error(WsConn *conn, const char *code, JsonNode *ref, const char *format, ...)
    G_GNUC_PRINTF(4, 5);
/* The same with "meeting_id" too when @meeting_id > 0. */
void live_send_error_v(WsConn *conn, const char *code, JsonNode *ref, gint64 meeting_id,
                       const char *format, va_list ap) G_GNUC_PRINTF(5, 0);

/* {"type":"subscribe","meeting_id":N,"after_seq":K,"id":..} */
void live_feed_subscribe(PhApp *app, WsConn *conn, LiveClient *client, JsonObject *msg,
                         JsonNode *id);
/* {"type":"unsubscribe","meeting_id":N} */
void live_feed_unsubscribe(PhApp *app, WsConn *conn, LiveClient *client, JsonObject *msg,
                           JsonNode *id);
/* The connection closed: drop its subscriptions. */
void live_feed_client_gone(LiveClient *client);

G_END_DECLS
