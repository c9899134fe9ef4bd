/* tap-feed.h: a room's tap feeding GStreamer inputs, for the recorder and the composite (private
 * to media/).
 *
 * An MgstTapFeed puts a tap (router/sfu-room.h) on a meeting's room and feeds the decrypted RTP
 * and sender reports of the tracks it selects into MgstRtpInputs. The owner lives on the main
 * thread (where MediaRoom is used) and builds its pipelines there; the packets arrive on the
 * room's worker, inside its packet path. So:
 *
 *  - when a selected track starts reaching the tap (published, or selected after it was), the
 *    worker tells the owner, on the main context, with MgstTapFeedFuncs.track_added; the owner
 *    answers with the input to push that track into (typically from rec_recorder_add_track()),
 *    or NULL to leave it out. Packets that arrive before the answer are dropped and counted
 *    (not_ready): a video track starts at a key frame anyway, which the owner asks for;
 *  - each packet is pushed from the worker into the input's bounded appsrc queue: a full queue
 *    drops and counts, the packet path never waits;
 *  - when the track stops reaching the tap (unpublished, its publisher left, unselected, the
 *    feed closed, the room destroyed), track_removed tells the owner, once, on the main context;
 *  - mgst_tap_feed_request_keyframe() (any thread, a GStreamer streaming thread included) posts
 *    a key frame request to the worker, which sends the publisher a PLI (rate-limited there).
 *
 * Ownership: reference-counted (atomically), so a streaming thread may hold the feed to ask for
 * key frames while the owner closes it. The owner calls mgst_tap_feed_close() (main thread) once:
 * the tap is removed on the worker and no callback runs after close returns. The room must be
 * alive at mgst_tap_feed_new(); if it is destroyed first, the feed notices (every track is
 * reported removed) and stays closed.
 * Thread: new, select, unselect, close and the callbacks on the main thread (the thread of the
 * engine's main context); request_keyframe, the getters, ref and unref on any thread.
 */
#pragma once

#include "gst/gst-common.h"
#include "gst/rtp-input.h"
#include "media.h"

G_BEGIN_DECLS

typedef struct _MgstTapFeed MgstTapFeed;

/* A track as the feed reports it (borrowed for the call). */
typedef struct {
    guint64 id;             /* unique in the feed: the same in track_added and track_removed */
    guint64 participant_id; /* its publisher */
    const char *mid;        /* the publisher's m-line */
    MgstKind kind;
    gboolean known_codec; /* FALSE: a codec phonghop does not record or mix (codec unset) */
    MgstCodec codec;
    guint8 payload_type;
    guint clock_rate;
} MgstTapTrack;

typedef struct {
    /* Returns the input for the track's packets (transfer full), or NULL to leave it out. */
    MgstRtpInput *(*track_added)(gpointer user_data, const MgstTapTrack *track);
    /* The track no longer reaches the tap; its input gets nothing more (it may be ended). */
    void (*track_removed)(gpointer user_data, const MgstTapTrack *track);
} MgstTapFeedFuncs;

typedef struct {
    guint64 rtp_packets; /* pushed into an input */
    guint64 rtp_bytes;
    guint64 rtcp_packets;
    guint64 not_ready;    /* dropped: the track's input was not there yet, or it has none */
    guint64 dropped_full; /* dropped: the input's queue was full */
    guint64 dropped_idle; /* dropped: the input's pipeline was not playing, or closed */
    guint64 keyframe_requests;
} MgstTapFeedCounters;

/* Adds a tap to @room (it selects nothing yet). @funcs is copied; @user_data is given to them.
 * Transfer full; NULL with MEDIA_ERROR_BUSY when the worker's queue is full. */
MgstTapFeed *mgst_tap_feed_new(MediaRoom *room, const MgstTapFeedFuncs *funcs, gpointer user_data,
                               GError **error);
MgstTapFeed *mgst_tap_feed_ref(MgstTapFeed *feed);
void mgst_tap_feed_unref(MgstTapFeed *feed);

/* Every track of @kind that @participant_id (0: every participant) publishes, now or later,
 * video from simulcast @layer (-1: the highest). FALSE with MEDIA_ERROR_BUSY. */
gboolean mgst_tap_feed_select(MgstTapFeed *feed, guint64 participant_id, MgstKind kind, gint layer,
                              GError **error);
gboolean mgst_tap_feed_unselect(MgstTapFeed *feed, guint64 participant_id, MgstKind kind,
                                GError **error);

/* Asks @participant_id for a key frame on its selected video tracks (a PLI). Any thread. */
void mgst_tap_feed_request_keyframe(MgstTapFeed *feed, guint64 participant_id);

/* Removes the tap; no callback runs after this returns. Main thread. Safe to call twice. */
void mgst_tap_feed_close(MgstTapFeed *feed);

/* FALSE once closed, or once the room went away. Main thread. */
gboolean mgst_tap_feed_is_open(const MgstTapFeed *feed);
gint64 mgst_tap_feed_get_meeting_id(const MgstTapFeed *feed);
void mgst_tap_feed_get_counters(MgstTapFeed *feed, MgstTapFeedCounters *counters);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MgstTapFeed, mgst_tap_feed_unref)

G_END_DECLS
