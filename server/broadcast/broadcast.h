/* broadcast.h: the public live stream of public sittings, served under /live/MEETING/.
 *
 * For every open, public meeting the server runs the meeting's program (the composite of
 * media/gst/: the floor holder large, the sites in a grid, a title bar with the body, the meeting
 * and the current agenda item, the floor-ruled audio) and serves its HLS output, the playlist
 * /live/MEETING/index.m3u8 and its MPEG-TS segments, to anyone. While the current agenda item,
 * its parent item or its sitting is closed (họp kín, DOMAIN.md) the program shows the slate and
 * carries no sound; a meeting that is not public has no stream at all.
 *
 * What the program shows follows the database: every committed event of a meeting (NOTIFY
 * "MEETING:SEQ", the same channel the live feed listens on, so every node sees it) makes one
 * query of the meeting's state (status, public, current item and whether it is closed, the floor
 * holder and the end of their turn), and the program is started, updated or stopped to match. At
 * start-up and whenever the listening connection comes back, every open public meeting is looked
 * up the same way, so nothing is lost to a restart or a lost notification.
 *
 * The same look-up lists the halls invited to an open meeting that have a camera URL (public
 * meeting or not): the media integration joins each as its site and leaves them when the meeting
 * closes or the site changes (live-media.h, live_media_cameras_set()). Look-ups are coalesced:
 * one in flight per meeting, notifications during it make one more.
 *
 * Serving: GET and HEAD only; the meeting id is a decimal number and the file name is exactly
 * "index.m3u8" or a segment name the program writes ("seg-<run>-NNNNN.ts"): anything else is 404
 * before the disk is touched, so no path can leave the stream's directory. The playlist changes
 * every segment and is sent "no-cache, no-store"; a segment's name is unique to its program run
 * and its bytes never change, so it is sent immutable for a day. A meeting whose program is not
 * running (not open, not public, [media] live_height = 0, or no playlist written yet) answers 404
 * "not_live".
 *
 * Ownership: PhApp owns the one Broadcast (app->broadcast), made by main.c after the media and
 * freed before it. Thread: main thread only.
 */
#pragma once

#include "app.h"

G_BEGIN_DECLS

typedef struct _Broadcast Broadcast;

/* Starts following the meetings (the listener and the first look-up). With
 * config->media_live_height 0 the module only answers 404 to /live/. Transfer full. */
Broadcast *broadcast_new(PhApp *app);
/* Stops every program (the playlists are finished) and the listener. */
void broadcast_free(Broadcast *broadcast);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Broadcast, broadcast_free)

/* Answers a request whose path starts with "/live/". */
void broadcast_serve(PhApp *app, HttpRequest *req);

/* What a path under /live/ names: TRUE with the meeting and the file ("index.m3u8" or a
 * segment, transfer none: a pointer into @path) when it is a name the stream may have. */
gboolean broadcast_parse_path(const char *path, gint64 *meeting_id, const char **file);

G_END_DECLS
