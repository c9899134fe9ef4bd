/* comp-private.h: the structures behind composite.h, shared by its two files (private to
 * media/gst/).
 *
 *  - composite.c   the pipeline: build, teardown, bus, failures, the tick, start and stop
 *  - comp-input.c  inputs: their decoding branches, the layout and the text on screen, and the
 *                  calls that change them (floor, audio, title, closed sitting)
 *
 * Locking: comp->lock guards the inputs and what is on screen (see the fields); it is taken by
 * the owner's calls, by rtpbin's pad-added on a streaming thread and by the tick. It is never
 * held across a state change of the pipeline.
 */
#pragma once

#include "gst/comp-layout.h"
#include "gst/composite.h"
#include "gst/segmenter.h"

G_BEGIN_DECLS

#define ZORDER_BACKGROUND 0
#define ZORDER_TILE       10
#define ZORDER_SPEAKER    20
#define ZORDER_SLATE      100
#define DECODE_MARGIN_MS  200 /* decoding and conversion, on top of the jitter buffer */

typedef struct {
    CompProgram *comp;
    guint64 id;
    char *label;
    guint order;
    MgstRtpInput *tracks[2]; /* by MgstKind; NULL: none */
    guint sessions[2];
    /* protected by comp->lock */
    GstPad *mixer_pad[2]; /* compositor / audiomixer request pad in the current pipeline */
    GPtrArray *branch[2]; /* GstElement *: the decoding branch in the current pipeline */
    gboolean audio_open;  /* the floor rule lets the session hear it */
    gboolean stale;       /* video stopped arriving */
} CompInput;

struct _CompProgram {
    guint width, height, fps;
    guint video_kbps, audio_kbps;
    char *hls_dir;
    char *font;
    guint latency_ms;
    guint64 meeting_id;
    CompEvents events;
    gpointer user_data;
    GMainContext *context;
    CompLayout base_layout; /* the bar; tiles are computed per change */

    GMutex lock;
    GPtrArray *inputs;                    /* CompInput *, owned; protected by lock */
    gboolean tearing_down;                /* protected by lock */
    guint64 speaker;                      /* protected by lock */
    gboolean closed;                      /* protected by lock */
    char *body, *meeting, *item, *holder; /* protected by lock */
    gint64 deadline_us;                   /* protected by lock */
    guint next_session, next_order;

    GstElement *pipeline;
    GstElement *rtpbin;
    GstElement *compositor;
    GstElement *mixer;
    GstElement *title;      /* textoverlay */
    GstElement *floor_text; /* textoverlay */
    GstElement *venc;       /* x264enc */
    GstElement *aenc;       /* avenc_aac */
    GstPad *slate_pad;      /* compositor pad of the slate */
    GstBuffer *bg_frame;
    GstBuffer *slate_frame;
    MgstSegmenter *archive;

    GSource *bus_source;
    GSource *restart_source;
    GSource *stop_source;
    GSource *tick_source;
    CompState state;
    guint restarts;
    gint64 last_restart_us; /* monotonic; 0: never */
    gboolean stopped_emitted;
    gint busy;
    gboolean freed;
    GMutex frame_lock;
    gint64 first_frame_rt;  /* protected by frame_lock; -1: none yet */
    guint64 frames;         /* protected by frame_lock */
    gboolean slate_pending; /* protected by frame_lock: closed, no frame encoded since */
    gint64 slate_shown_us;  /* protected by frame_lock: wall clock of that first frame; 0: none */
    guint64 tick_frames;    /* the watchdog: frames at the last change */
    gint64 frames_seen_us;
};

/* comp-input.c */
void comp_input_free(gpointer data);
CompInput *comp_find_input_locked(CompProgram *comp, guint64 id);
/* Puts every tile where it belongs, every audio pad in its mute state, the slate up or down.
 * Any thread; comp->lock held. */
void comp_apply_layout_locked(CompProgram *comp);
/* The title bar's left and right texts from the current state. comp->lock held. */
void comp_apply_title_locked(CompProgram *comp);
void comp_apply_floor_locked(CompProgram *comp);
/* A queue in front of a mixer pad, deep enough for min-upstream-latency (transfer floating). */
GstElement *comp_make_latency_queue(GError **error);
/* rtpbin's pad-added: builds the decoding branch of the track and links it to a mixer. */
void comp_on_rtpbin_pad_added(GstElement *rtpbin, GstPad *pad, gpointer user_data);

G_END_DECLS
