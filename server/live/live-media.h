/* live-media.h: meetings' audio and video in the daemon: the media engine made from [media],
 * the WebRTC signaling over the live WebSocket (/ws, docs/media-signaling.md), the floor gate
 * that makes the media engine enforce the floor (floor/floor-gate.h), and the media figures on
 * /metrics and to the chair.
 *
 * Ownership: PhApp owns the one LiveMedia (app->media), made by main.c after the database pool
 * and freed before it. Thread: main thread only; the media engine's own workers never call in
 * here (its events arrive on app->context).
 */
#pragma once

#include "app.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _LiveMedia LiveMedia;

/* Checks [media] as the media library reads it (addresses, public address, TURN URLs), so that
 * --check-config finds what start-up would refuse. FALSE with an error naming the key. */
gboolean live_media_check_config(const PhConfig *config, GError **error);

/* Starts the media workers from app->config, registers the floor gate with the floor service
 * (app->floor must exist) and the /metrics lines. Transfer full, or NULL with an error naming
 * the [media] key that is wrong or what could not be started. */
LiveMedia *live_media_new(PhApp *app, GError **error);

/* Ends every meeting's media (its peers closed), restores the no-op floor gate, stops and joins
 * the workers. Call after the HTTP server is freed (no more messages), before the pool. */
void live_media_free(LiveMedia *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LiveMedia, live_media_free)

/* A message whose type starts with "media." from @conn, signed in as @user_id (0: public
 * client) with @username (for TURN credentials; NULL for a public client). @id: the message's
 * "id" (transfer none, may be NULL), echoed in the answer. Without app->media (never started)
 * the client is told media is unavailable. */
void live_media_message(PhApp *app, WsConn *conn, gint64 user_id, const char *username,
                        const char *type, JsonObject *msg, JsonNode *id);

/* @conn closed: it leaves the media it joined. NULL-safe on app->media. */
void live_media_connection_gone(PhApp *app, WsConn *conn);

G_END_DECLS
