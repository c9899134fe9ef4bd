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
#include "live.h"
#include "media.h"

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
 * client) with @username (for TURN credentials; NULL for a public client). @screen (transfer
 * none, NULL when not one): the connection is a hall screen; its media.join for its own meeting
 * joins as its site, gated as a site. @id: the message's
 * "id" (transfer none, may be NULL), echoed in the answer. Without app->media (never started)
 * the client is told media is unavailable. */
void live_media_message(PhApp *app, WsConn *conn, gint64 user_id, const char *username,
                        const ScreenBinding *screen, const char *type, JsonObject *msg,
                        JsonNode *id);

/* Someone checked in or out of @meeting_id (an attendance.changed event): where the chairs and
 * the floor holder are may have changed, and with it which hall is heard. Does nothing when the
 * media is not running or the meeting has no media state. */
void live_media_attendance_changed(gint64 meeting_id);

/* @conn closed: it leaves the media it joined. NULL-safe on app->media. */
void live_media_connection_gone(PhApp *app, WsConn *conn);

/* ---- the meeting's program: the public live stream and the composite archive ----
 *
 * The composite of the meeting's media room (media.h, MediaProgram): the floor holder large, the
 * other participants and sites in a grid, the sound the session hears, encoded once and written
 * as HLS into a directory (the public live stream, broadcast/broadcast.h) and into the
 * recording's directory (the composite kept with the recording, recording/). One program serves
 * both; it follows what is wanted about a second later (live-program.c), so the two wants of a
 * meeting that opens make one program. The room is kept while it runs, even with nobody in it.
 * The slate of a closed item is shown only while the program is streamed to the public. */

typedef struct {
    const char *body, *meeting, *item; /* the title bar; any may be NULL */
    const char *holder;                /* the floor holder's name, NULL: nobody */
    gint64 deadline_us;                /* the end of their turn (g_get_real_time()), 0: none */
    gboolean closed;                   /* a closed item (họp kín): the slate, no sound */
} LiveProgramState;

/* The program of @meeting_id is streamed as HLS into @hls_dir (the room is made when needed).
 * FALSE with an error when there is no media engine; a program that cannot be built is logged
 * and the chairs are told (media.program, state "stopped"). */
gboolean live_media_program_start(PhApp *app, gint64 meeting_id, const char *hls_dir,
                                  GError **error);
/* What the program of the open meeting shows (copied), kept for a program made later. */
void live_media_program_set(PhApp *app, gint64 meeting_id, const LiveProgramState *state);
/* The meeting is no longer open: what it showed is dropped. */
void live_media_program_forget(PhApp *app, gint64 meeting_id);
/* Ends the stream: the playlist is finished; the room goes when nobody is left in it. */
void live_media_program_stop(PhApp *app, gint64 meeting_id);

/* The composite kept with a recording: files "program-mMEETING-*.mkv" (H.264 + AAC in
 * Matroska) in @dir, each reported when opened and when closed and hashed (participant 0,
 * track "program"), on the main context. @done(user_data) is called once, when the last file is
 * closed and reported after live_media_program_archive_stop() (or at once if the media stops). */
typedef struct {
    const char *dir;
    guint segment_seconds; /* 0: 30 minutes */
    MediaProgramSegmentFunc opened, closed;
    gpointer user_data;
    GDestroyNotify done;
} LiveProgramArchive;

/* Starts the archive of @meeting_id's program (replacing one wanted before). FALSE with an error
 * (and @archive->done not called) when there is no media engine. */
gboolean live_media_program_archive_start(PhApp *app, gint64 meeting_id,
                                          const LiveProgramArchive *archive, GError **error);
void live_media_program_archive_stop(PhApp *app, gint64 meeting_id);
/* ---- hall cameras (RTSP) ----
 *
 * A site of the meeting's body configured with a camera URL (sites.rtsp_url) and invited to an
 * open meeting joins its media as that site (participant LIVE_MEDIA_SITE_BASE + site id): the
 * media library pulls the camera and publishes it (media.h, MediaCamera); browsers receive it
 * like any site, the floor follows a member to it, and media.peers tells the chair its state
 * ("camera": connecting, playing, reconnecting). A browser joining for the same site replaces
 * the camera until it leaves. */
typedef struct {
    gint64 site_id;
    const char *name;
    const char *url;
} LiveCameraSite;

/* The cameras @meeting_id should have now (@n 0: none, the meeting is not open): those missing
 * are started, those gone or whose URL changed are stopped (and started again). */
void live_media_cameras_set(PhApp *app, gint64 meeting_id, const LiveCameraSite *sites, guint n);

/* Its figures; FALSE when it does not run. */
gboolean live_media_program_get_stats(PhApp *app, gint64 meeting_id, MediaProgramStats *stats);
/* The meeting's media room for a consumer that needs it while nobody may have joined (the
 * recording, the composite): made now if needed, with the floor applied, and kept (even empty)
 * until every hold is released. Transfer none: valid until the matching
 * live_media_release_room(). NULL with MEDIA_ERROR_BUSY. */
MediaRoom *live_media_hold_room(LiveMedia *media, gint64 meeting_id, GError **error);
void live_media_release_room(LiveMedia *media, gint64 meeting_id);

/* Sends @node (transfer none) to the chairs and staff joined to the meeting's media. */
void live_media_send_to_chairs(LiveMedia *media, gint64 meeting_id, JsonNode *node);

G_END_DECLS
