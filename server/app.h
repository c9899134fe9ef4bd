/* app.h: the running daemon's pieces, owned by main.c and used (borrowed) by the HTTP API and the
 * live WebSocket. Everything here lives on the main thread. */
#pragma once

#include "config.h"
#include "db.h"
#include "documents/documents.h"
#include "http/http-server.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    PhConfig *config;
    GMainContext *context;
    GMainLoop *loop;
    DbCluster *cluster; /* NULL when an external database is configured */
    DbPool *db;
    /* the floor's media gate and speaking-time timers (floor/floor-service.h) */
    struct _FloorService *floor;
    /* meetings' media: the engine, its signaling and floor gate (live/live-media.h) */
    struct _LiveMedia *media;
    /* the public live stream of open public meetings, /live/ (broadcast/broadcast.h) */
    struct _Broadcast *broadcast;
    /* meetings recorded, their files and marks listed (recording/recording-service.h) */
    struct _RecordingService *recordings;
    const char *conninfo; /* the database's, for connections of their own (LISTEN) */
    HttpServer *http;
    DocStore *docs; /* documents on disk (STATE_DIR/documents) */
    char *web_root;
    gint64 started_monotonic_us;
    gboolean shutting_down;
} PhApp;

G_END_DECLS
