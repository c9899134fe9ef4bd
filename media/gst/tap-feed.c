/* tap-feed.c: a room's tap feeding GStreamer inputs (see tap-feed.h for the contract).
 *
 * Design: the feed has a main-thread half (the owner's callbacks, the table of tracks the owner
 * was told about, the room and its watch) and a worker half (the SfuTap and the packet
 * callbacks), in one reference-counted object whose fields are each used by one side only; the
 * counters are the only shared state, kept with relaxed atomic adds.
 *
 * A track is a FeedTrack shared by both sides: the worker makes it when the tap reports the
 * track, stores it as the SfuTapTrack's data (so a packet finds it without a lookup) and posts
 * it to the main context; the owner's answer, an MgstRtpInput, is published into it with an
 * atomic pointer store, which the worker reads for every packet. The input is only ever set
 * once and freed with the FeedTrack, after both sides dropped their references, so the worker
 * never pushes into a freed input. Until the answer arrives, packets are dropped and counted.
 *
 * Everything the worker tells the main thread travels by g_main_context_invoke_full() on the
 * engine's main context, in order; events that find the feed closed are dropped, which is how
 * "no callback after close" holds while events are still in flight.
 */
#include "gst/tap-feed.h"

#include <errno.h>
#include <string.h>

#include "media-internal.h"

#define count(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define load(field)     __atomic_load_n(&(field), __ATOMIC_RELAXED)

typedef struct {
    gatomicrefcount ref;
    guint64 id;
    guint64 participant_id;
    char mid[SFU_MID_MAX_LEN + 1];
    SfuMediaKind kind;
    SfuCodec codec;
    guint8 payload_type;
    guint32 clock_rate;
    MgstRtpInput *input; /* atomic: set once by the main thread, read by the worker */
} FeedTrack;

struct _MgstTapFeed {
    gatomicrefcount ref;
    gint64 meeting_id;
    SfuWorker *worker; /* immutable: lives as long as the engine */
    GMainContext *main_context;

    /* main thread */
    MediaRoom *room; /* NULL once closed or destroyed */
    guint watch_id;
    MgstTapFeedFuncs funcs;
    gpointer user_data;
    gboolean closed;
    GHashTable *tracks; /* guint64 id -> FeedTrack * (a reference): reported added */

    /* worker */
    SfuTap *tap; /* NULL before it is added and once removed */
    guint64 next_track_id;

    /* any thread, atomically */
    MgstTapFeedCounters counters;
};

/* ---- tracks ---- */

static FeedTrack *track_ref(FeedTrack *t)
{
    g_atomic_ref_count_inc(&t->ref);
    return t;
}

static void track_unref(gpointer data)
{
    FeedTrack *t = data;
    MgstRtpInput *input;

    if (!g_atomic_ref_count_dec(&t->ref))
        return;
    input = g_atomic_pointer_get(&t->input);
    if (input != NULL)
        mgst_rtp_input_unref(input);
    g_free(t);
}

/* The codec the pipelines know this track by. The SFU forwards any audio codec as "Opus"; the
 * static payload types tell G.711 apart (RFC 3551). */
static gboolean track_codec(const FeedTrack *t, MgstCodec *codec)
{
    switch (t->codec) {
    case SFU_CODEC_OPUS:
        if (t->payload_type == 0)
            *codec = MGST_CODEC_PCMU;
        else if (t->payload_type == 8)
            *codec = MGST_CODEC_PCMA;
        else if (t->clock_rate == 48000)
            *codec = MGST_CODEC_OPUS;
        else
            return FALSE;
        return TRUE;
    case SFU_CODEC_VP8:
        *codec = MGST_CODEC_VP8;
        return TRUE;
    case SFU_CODEC_H264:
        *codec = MGST_CODEC_H264;
        return TRUE;
    case SFU_CODEC_OTHER:
        break;
    }
    return FALSE;
}

static void track_describe(const FeedTrack *t, MgstTapTrack *out)
{
    memset(out, 0, sizeof *out);
    out->id = t->id;
    out->participant_id = t->participant_id;
    out->mid = t->mid;
    out->kind = t->kind == SFU_MEDIA_AUDIO ? MGST_KIND_AUDIO : MGST_KIND_VIDEO;
    out->known_codec = track_codec(t, &out->codec);
    out->payload_type = t->payload_type;
    out->clock_rate = t->clock_rate;
}

/* ---- events to the main thread ---- */

typedef struct {
    MgstTapFeed *feed;
    FeedTrack *track;
    gboolean added;
} TrackEvent;

static void track_event_free(gpointer data)
{
    TrackEvent *ev = data;

    track_unref(ev->track);
    mgst_tap_feed_unref(ev->feed);
    g_free(ev);
}

static gboolean track_event_dispatch(gpointer data)
{
    TrackEvent *ev = data;
    MgstTapFeed *feed = ev->feed;
    FeedTrack *t = ev->track;
    MgstTapTrack info;

    if (feed->closed)
        return G_SOURCE_REMOVE;
    track_describe(t, &info);
    if (ev->added) {
        MgstRtpInput *input = NULL;

        g_hash_table_insert(feed->tracks, &t->id, track_ref(t));
        if (feed->funcs.track_added != NULL)
            input = feed->funcs.track_added(feed->user_data, &info);
        if (input != NULL && !g_atomic_pointer_compare_and_exchange(&t->input, NULL, input))
            mgst_rtp_input_unref(input); /* never: the owner answers once */
    } else if (g_hash_table_remove(feed->tracks, &t->id)) {
        if (feed->funcs.track_removed != NULL)
            feed->funcs.track_removed(feed->user_data, &info);
    }
    return G_SOURCE_REMOVE;
}

/* Worker. */
static void post_track_event(MgstTapFeed *feed, FeedTrack *t, gboolean added)
{
    TrackEvent *ev = g_new0(TrackEvent, 1);

    ev->feed = mgst_tap_feed_ref(feed);
    ev->track = track_ref(t);
    ev->added = added;
    g_main_context_invoke_full(feed->main_context, G_PRIORITY_DEFAULT, track_event_dispatch, ev,
                               track_event_free);
}

/* ---- the tap, on the worker ---- */

static void tap_track_added(gpointer user_data, SfuTapTrack *track)
{
    MgstTapFeed *feed = user_data;
    FeedTrack *t = g_new0(FeedTrack, 1);

    g_atomic_ref_count_init(&t->ref);
    t->id = ++feed->next_track_id;
    t->participant_id = track->participant_id;
    memcpy(t->mid, track->mid, sizeof(t->mid));
    t->kind = track->kind;
    t->codec = track->codec;
    t->payload_type = track->payload_type;
    t->clock_rate = track->clock_rate;
    track->data = t; /* the worker's reference */
    post_track_event(feed, t, TRUE);
}

static void tap_track_removed(gpointer user_data, SfuTapTrack *track)
{
    MgstTapFeed *feed = user_data;
    FeedTrack *t = track->data;

    if (t == NULL)
        return;
    track->data = NULL;
    post_track_event(feed, t, FALSE);
    track_unref(t);
}

static void count_push(MgstTapFeed *feed, int r, gsize len, gboolean rtcp)
{
    switch (r) {
    case 0:
        if (rtcp) {
            count(feed->counters.rtcp_packets, 1);
        } else {
            count(feed->counters.rtp_packets, 1);
            count(feed->counters.rtp_bytes, len);
        }
        break;
    case -ENOBUFS:
        count(feed->counters.dropped_full, 1);
        break;
    default: /* -EAGAIN, -ESHUTDOWN; -EBADMSG and -EPROTOTYPE are counted by the input */
        count(feed->counters.dropped_idle, 1);
        break;
    }
}

static void tap_rtp(gpointer user_data, const SfuTapTrack *track, const guint8 *rtp, gsize len)
{
    MgstTapFeed *feed = user_data;
    FeedTrack *t = track->data;
    MgstRtpInput *input = t != NULL ? g_atomic_pointer_get(&t->input) : NULL;

    if (input == NULL) {
        count(feed->counters.not_ready, 1);
        return;
    }
    count_push(feed, mgst_rtp_input_push_rtp(input, rtp, len), len, FALSE);
}

static void tap_rtcp(gpointer user_data, const SfuTapTrack *track, const guint8 *rtcp, gsize len)
{
    MgstTapFeed *feed = user_data;
    FeedTrack *t = track->data;
    MgstRtpInput *input = t != NULL ? g_atomic_pointer_get(&t->input) : NULL;

    if (input != NULL)
        count_push(feed, mgst_rtp_input_push_rtcp(input, rtcp, len), len, TRUE);
}

static const SfuTapFuncs tap_funcs = {
    .rtp = tap_rtp,
    .rtcp = tap_rtcp,
    .track_added = tap_track_added,
    .track_removed = tap_track_removed,
};

/* The room removed the tap (mgst_tap_feed_close(), or the room is freed). Worker. */
static void tap_destroyed(gpointer user_data)
{
    MgstTapFeed *feed = user_data;

    feed->tap = NULL;
    mgst_tap_feed_unref(feed);
}

static void worker_attach(SfuRoom *room, gpointer data)
{
    MgstTapFeed *feed = data;

    /* the invocation's reference becomes the tap's, released by tap_destroyed() */
    feed->tap = sfu_room_add_tap(room, &tap_funcs, feed, tap_destroyed);
}

static void worker_remove(SfuRoom *room, gpointer data)
{
    MgstTapFeed *feed = data;

    if (feed->tap != NULL)
        sfu_room_remove_tap(room, feed->tap);
}

typedef struct {
    MgstTapFeed *feed;
    guint64 participant_id;
    SfuMediaKind kind;
    gint layer;
    gboolean select;
} Selection;

static void selection_free(gpointer data)
{
    Selection *sel = data;

    mgst_tap_feed_unref(sel->feed);
    g_free(sel);
}

static void worker_select(SfuRoom *room, gpointer data)
{
    Selection *sel = data;
    SfuTap *tap = sel->feed->tap;

    if (tap == NULL)
        return;
    if (sel->select)
        sfu_tap_select(tap, sel->participant_id, sel->kind, sel->layer, g_get_monotonic_time());
    else
        sfu_tap_unselect(tap, sel->participant_id, sel->kind);
}

static void worker_keyframe(gpointer data)
{
    Selection *sel = data;

    if (sel->feed->tap != NULL)
        sfu_tap_request_keyframe(sel->feed->tap, sel->participant_id, g_get_monotonic_time());
}

/* ---- main thread ---- */

static void feed_unref_cb(gpointer data)
{
    mgst_tap_feed_unref(data);
}

static void room_gone(gpointer data)
{
    MgstTapFeed *feed = data;

    /* The SfuRoom is freed after this, with the tap: its tracks come back as removed. */
    feed->room = NULL;
    feed->watch_id = 0;
}

MgstTapFeed *mgst_tap_feed_new(MediaRoom *room, const MgstTapFeedFuncs *funcs, gpointer user_data,
                               GError **error)
{
    MgstTapFeed *feed;

    g_return_val_if_fail(room != NULL && funcs != NULL, NULL);

    feed = g_new0(MgstTapFeed, 1);
    g_atomic_ref_count_init(&feed->ref);
    feed->meeting_id = media_room_get_meeting_id(room);
    feed->worker = media_room_get_worker(room);
    feed->main_context = g_main_context_ref_thread_default();
    feed->room = room;
    feed->funcs = *funcs;
    feed->user_data = user_data;
    feed->tracks = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, track_unref);
    if (!media_room_invoke(room, worker_attach, mgst_tap_feed_ref(feed), NULL, error)) {
        mgst_tap_feed_unref(feed); /* the invocation's reference: refused, no destroy given */
        feed->room = NULL;
        feed->closed = TRUE;
        mgst_tap_feed_unref(feed);
        return NULL;
    }
    feed->watch_id = media_room_add_watch(room, room_gone, feed);
    return feed;
}

MgstTapFeed *mgst_tap_feed_ref(MgstTapFeed *feed)
{
    g_return_val_if_fail(feed != NULL, NULL);
    g_atomic_ref_count_inc(&feed->ref);
    return feed;
}

void mgst_tap_feed_unref(MgstTapFeed *feed)
{
    if (feed == NULL || !g_atomic_ref_count_dec(&feed->ref))
        return;
    g_clear_pointer(&feed->tracks, g_hash_table_unref);
    g_clear_pointer(&feed->main_context, g_main_context_unref);
    g_free(feed);
}

static gboolean post_selection(MgstTapFeed *feed, guint64 participant_id, MgstKind kind, gint layer,
                               gboolean select, GError **error)
{
    Selection *sel;

    if (feed->closed || feed->room == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": the media room is gone", feed->meeting_id);
        return FALSE;
    }
    sel = g_new0(Selection, 1);
    sel->feed = mgst_tap_feed_ref(feed);
    sel->participant_id = participant_id;
    sel->kind = kind == MGST_KIND_AUDIO ? SFU_MEDIA_AUDIO : SFU_MEDIA_VIDEO;
    sel->layer = layer;
    sel->select = select;
    return media_room_invoke(feed->room, worker_select, sel, selection_free, error);
}

gboolean mgst_tap_feed_select(MgstTapFeed *feed, guint64 participant_id, MgstKind kind, gint layer,
                              GError **error)
{
    g_return_val_if_fail(feed != NULL, FALSE);
    return post_selection(feed, participant_id, kind, layer, TRUE, error);
}

gboolean mgst_tap_feed_unselect(MgstTapFeed *feed, guint64 participant_id, MgstKind kind,
                                GError **error)
{
    g_return_val_if_fail(feed != NULL, FALSE);
    return post_selection(feed, participant_id, kind, -1, FALSE, error);
}

void mgst_tap_feed_request_keyframe(MgstTapFeed *feed, guint64 participant_id)
{
    Selection *sel;

    g_return_if_fail(feed != NULL);
    sel = g_new0(Selection, 1);
    sel->feed = mgst_tap_feed_ref(feed);
    sel->participant_id = participant_id;
    count(feed->counters.keyframe_requests, 1);
    /* the worker pointer outlives the room, and the tap pointer is read on the worker */
    sfu_worker_post(feed->worker, worker_keyframe, sel, selection_free);
}

void mgst_tap_feed_close(MgstTapFeed *feed)
{
    g_autoptr(GError) error = NULL;

    g_return_if_fail(feed != NULL);
    if (feed->closed)
        return;
    feed->closed = TRUE;
    g_hash_table_remove_all(feed->tracks);
    if (feed->room == NULL)
        return;
    media_room_remove_watch(feed->room, feed->watch_id);
    feed->watch_id = 0;
    if (!media_room_invoke(feed->room, worker_remove, mgst_tap_feed_ref(feed), feed_unref_cb,
                           &error))
        /* the tap then goes with the room; its inputs refuse what it still pushes */
        g_warning("meeting %" G_GINT64_FORMAT ": cannot remove the recording tap now: %s",
                  feed->meeting_id, error->message);
    feed->room = NULL;
}

gboolean mgst_tap_feed_is_open(const MgstTapFeed *feed)
{
    g_return_val_if_fail(feed != NULL, FALSE);
    return !feed->closed && feed->room != NULL;
}

gint64 mgst_tap_feed_get_meeting_id(const MgstTapFeed *feed)
{
    g_return_val_if_fail(feed != NULL, 0);
    return feed->meeting_id;
}

void mgst_tap_feed_get_counters(MgstTapFeed *feed, MgstTapFeedCounters *counters)
{
    g_return_if_fail(feed != NULL && counters != NULL);
    counters->rtp_packets = load(feed->counters.rtp_packets);
    counters->rtp_bytes = load(feed->counters.rtp_bytes);
    counters->rtcp_packets = load(feed->counters.rtcp_packets);
    counters->not_ready = load(feed->counters.not_ready);
    counters->dropped_full = load(feed->counters.dropped_full);
    counters->dropped_idle = load(feed->counters.dropped_idle);
    counters->keyframe_requests = load(feed->counters.keyframe_requests);
}
