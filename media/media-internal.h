/* media-internal.h: what the rest of media/ needs of the engine (private to media/).
 *
 * The transport (peers, SDP) and the GStreamer consumers (recorder, compositor) work on a room's
 * worker, on its SfuRoom: they reach it with media_room_invoke(), which queues a function behind
 * every change already posted for the room. The function runs on the worker thread with the
 * worker's context as thread-default, so a MediaPeer made there (peer_new() with
 * media_room_get_context()) lives on the right context, and its callbacks can call
 * sfu_room_on_rtp() and sfu_room_on_rtcp() directly.
 *
 * A MediaPeer plugs into the room as an SfuTransport whose functions call peer_send_rtp() and
 * peer_send_rtcp(); the glue calls sfu_participant_set_transport() with the peer and the header
 * extension ids from the negotiated SDP, and sfu_room_set_peer_connected() when the peer's state
 * becomes CONNECTED or DEAD (the engine turns that into peer_state events).
 *
 * Thread: media_room_invoke() and the getters are called on the main thread.
 */
#pragma once

#include "media.h"
#include "router/sfu-room.h"
#include "sdp/sdp.h"
#include "router/sfu-worker.h"
#include "transport/dtls.h"

G_BEGIN_DECLS

/* Runs on the room's worker with the room's SfuRoom (transfer none, valid for the call). */
typedef void (*MediaRoomFunc)(SfuRoom *room, gpointer data);

/* Queues @func(@room's SfuRoom, @data) on the room's worker, after everything posted for the
 * room before it. Ownership of @data is taken even if the call fails: @destroy (may be NULL)
 * runs after @func, on the worker, or at once when refused. Returns FALSE with
 * MEDIA_ERROR_BUSY when the worker's queue is full. */
gboolean media_room_invoke(MediaRoom *room, MediaRoomFunc func, gpointer data,
                           GDestroyNotify destroy, GError **error);

/* The room's worker and its context (transfer none, live as long as the engine). */
SfuWorker *media_room_get_worker(MediaRoom *room);
GMainContext *media_room_get_context(MediaRoom *room);

/* The ICE settings the engine was made with (transfer none, may be NULL: defaults) and the
 * process's DTLS certificate (transfer none; take a reference to keep it). */
MediaIceConfig *media_engine_get_ice_config(MediaEngine *engine);
DtlsIdentity *media_engine_get_dtls_identity(MediaEngine *engine);
/* The engine the room belongs to (transfer none). */
MediaEngine *media_room_get_engine(MediaRoom *room);

/* @func(@data) runs on the main thread when @room goes away (media_room_destroy(), or the engine
 * freed), before its destruction is posted to the worker: the last moment media_room_invoke()
 * reaches it. For the GStreamer consumers that hold a room. Returns an id (never 0) for
 * media_room_remove_watch(), which must not be called once the watch has run. */
guint media_room_add_watch(MediaRoom *room, GDestroyNotify func, gpointer data);
void media_room_remove_watch(MediaRoom *room, guint watch_id);

/* On the room's worker: @participant publishes without a connection of its own (a hall camera,
 * media-camera.c), its tracks in the room already (sfu_room_publish()) and described by @tracks
 * as the accepted sections of an offer would be (transfer full; NULL: none). Subscribers are
 * offered them like a browser's tracks. */
void media_session_set_fed_publisher(SfuRoom *room, SfuParticipant *participant,
                                     SdpDescription *tracks);

G_END_DECLS
