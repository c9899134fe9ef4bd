/* segmenter.c: splitmuxsink with crash-safe Matroska, and a SHA-256 per finished file.
 *
 * splitmuxsink cuts only at key frames and holds the current group of pictures in memory; it
 * posts "splitmuxsink-fragment-opened" and "-closed" element messages with the file name and the
 * running time. We give it our own muxer and a filesink in unbuffered mode (the only setting
 * that left a playable file after SIGKILL when it was measured on these machines: buffered, a
 * streamable MKV was 0 bytes; mp4mux was unplayable or out of sync). The filesink does not wait
 * for preroll (async=false) because branches are added to pipelines that are already playing.
 *
 * Hashing reads the whole file, which may be gigabytes, so it runs in a GTask thread and reports
 * on the owner's context. A GCancellable shared by all tasks is cancelled in free(): a task
 * finishing later sees it and does not touch the freed segmenter.
 */
#include "gst/segmenter.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include <gio/gio.h>

struct _MgstSegmenter {
    char *dir;
    char *prefix;
    char *extension;
    char *muxer;
    GstClockTime max_time;
    gboolean keyframe_requests;
    guint64 participant_id;
    char *track;
    MgstKind kind;
    char *codec;

    GMainContext *context;
    MgstSegmentFunc done;
    MgstSegmentFunc opened;
    gpointer user_data;
    GCancellable *cancellable;

    GstElement *sink; /* the splitmuxsink of the pipeline now built */
    gint64 wall_at_zero;
    guint next_index;

    gboolean open; /* a file is open */
    char *open_path;
    guint open_index;
    GstClockTime open_rt;
    guint hashing;
};

/* A segment and the strings it points to, owned, for the hashing task. */
typedef struct {
    MgstSegment seg;
    char *track;
    char *codec;
    char *path;
    char *sha256;
} OwnedSegment;

static void owned_segment_free(gpointer data)
{
    OwnedSegment *o = data;

    g_free(o->track);
    g_free(o->codec);
    g_free(o->path);
    g_free(o->sha256);
    g_free(o);
}

MgstSegmenter *mgst_segmenter_new(const MgstSegmenterConfig *config, GMainContext *context,
                                  MgstSegmentFunc done, gpointer user_data, GError **error)
{
    MgstSegmenter *s;

    g_return_val_if_fail(config != NULL && config->dir != NULL && config->prefix != NULL, NULL);
    g_return_val_if_fail(config->extension != NULL && config->muxer != NULL, NULL);
    g_return_val_if_fail(done != NULL, NULL);

    if (g_mkdir_with_parents(config->dir, 0750) != 0) {
        int e = errno;

        g_set_error(error, MGST_ERROR, e == ENOSPC ? MGST_ERROR_DISK_FULL : MGST_ERROR_IO,
                    "cannot create the recording directory %s: %s", config->dir, g_strerror(e));
        return NULL;
    }
    s = g_new0(MgstSegmenter, 1);
    s->dir = g_strdup(config->dir);
    s->prefix = g_strdup(config->prefix);
    s->extension = g_strdup(config->extension);
    s->muxer = g_strdup(config->muxer);
    s->max_time = config->max_time;
    s->keyframe_requests = config->keyframe_requests;
    s->participant_id = config->participant_id;
    s->track = g_strdup(config->track != NULL ? config->track : "");
    s->kind = config->kind;
    s->codec = g_strdup(config->codec != NULL ? config->codec : "");
    s->context = context != NULL ? g_main_context_ref(context) : NULL;
    s->done = done;
    s->user_data = user_data;
    s->cancellable = g_cancellable_new();
    s->wall_at_zero = g_get_real_time();
    return s;
}

void mgst_segmenter_free(MgstSegmenter *s)
{
    if (s == NULL)
        return;
    g_cancellable_cancel(s->cancellable);
    g_clear_object(&s->cancellable);
    g_clear_object(&s->sink);
    g_clear_pointer(&s->context, g_main_context_unref);
    g_free(s->open_path);
    g_free(s->dir);
    g_free(s->prefix);
    g_free(s->extension);
    g_free(s->muxer);
    g_free(s->track);
    g_free(s->codec);
    g_free(s);
}

/* A printf pattern must not take a '%' of the directory or prefix as a conversion. */
static char *escape_percent(const char *text)
{
    GString *out = g_string_new(NULL);

    for (; *text != '\0'; text++) {
        if (*text == '%')
            g_string_append_c(out, '%');
        g_string_append_c(out, *text);
    }
    return g_string_free(out, FALSE);
}

GstElement *mgst_segmenter_make_sink(MgstSegmenter *s, GError **error)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
    g_autofree char *name = NULL;
    g_autofree char *pattern = NULL;
    g_autofree char *escaped = NULL;
    GstElement *split = NULL;
    GstElement *mux = NULL;
    GstElement *file = NULL;

    g_return_val_if_fail(s != NULL, NULL);

    split = mgst_make("splitmuxsink", NULL, error);
    if (split == NULL)
        goto fail;
    mux = mgst_make(s->muxer, NULL, error);
    if (mux == NULL)
        goto fail;
    file = mgst_make("filesink", NULL, error);
    if (file == NULL)
        goto fail;
    /* 2 = unbuffered: every buffer reaches the kernel as it is muxed (crash safety) */
    gst_util_set_object_arg(G_OBJECT(file), "buffer-mode", "unbuffered");
    g_object_set(file, "async", FALSE, NULL);

    name = g_strdup_printf("%s-%s-", s->prefix, stamp);
    escaped = escape_percent(name);
    {
        g_autofree char *dir = escape_percent(s->dir);

        pattern = g_strdup_printf("%s/%s%%03d.%s", dir, escaped, s->extension);
    }
    g_object_set(split, "location", pattern, "muxer", mux, "sink", file, "max-size-time",
                 (guint64)s->max_time, "max-size-bytes", (guint64)0, "send-keyframe-requests",
                 s->keyframe_requests && s->max_time > 0, "start-index", s->next_index,
                 "async-handling", TRUE, NULL);
    g_set_object(&s->sink, split);
    return split;

fail:
    if (mux != NULL)
        gst_object_unref(gst_object_ref_sink(mux));
    if (split != NULL)
        gst_object_unref(gst_object_ref_sink(split));
    return NULL;
}

void mgst_segmenter_set_opened_func(MgstSegmenter *s, MgstSegmentFunc opened)
{
    g_return_if_fail(s != NULL);
    s->opened = opened;
}

void mgst_segmenter_set_time_base(MgstSegmenter *s, gint64 wall_us_at_zero)
{
    g_return_if_fail(s != NULL);
    s->wall_at_zero = wall_us_at_zero;
}

guint mgst_segmenter_get_pending(const MgstSegmenter *s)
{
    g_return_val_if_fail(s != NULL, 0);
    return s->hashing + (s->open ? 1 : 0);
}

static gint64 to_wall(const MgstSegmenter *s, GstClockTime rt)
{
    if (!GST_CLOCK_TIME_IS_VALID(rt))
        return g_get_real_time();
    return s->wall_at_zero + (gint64)(rt / GST_USECOND);
}

static void hash_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancel)
{
    OwnedSegment *o = task_data;
    GError *error = NULL;
    guint64 size = 0;

    o->sha256 = mgst_sha256_file(o->path, &size, &error);
    o->seg.sha256 = o->sha256;
    o->seg.size = size;
    if (error != NULL) {
        g_warning("recording %s: cannot hash the finished file: %s", o->path, error->message);
        g_clear_error(&error);
    }
    g_task_return_boolean(task, TRUE);
}

static void hashed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = G_TASK(result);
    MgstSegmenter *s = user_data;
    OwnedSegment *o;

    /* Cancelled means the segmenter is gone: do not touch it. */
    if (g_cancellable_is_cancelled(g_task_get_cancellable(task)))
        return;
    o = g_task_get_task_data(task);
    g_assert(s->hashing > 0);
    s->hashing--;
    s->done(s->user_data, &o->seg);
}

static void finish(MgstSegmenter *s, GstClockTime end_rt, gboolean complete)
{
    OwnedSegment *o = g_new0(OwnedSegment, 1);
    GTask *task;

    o->track = g_strdup(s->track);
    o->codec = g_strdup(s->codec);
    o->path = g_steal_pointer(&s->open_path);
    o->seg.participant_id = s->participant_id;
    o->seg.track = o->track;
    o->seg.kind = s->kind;
    o->seg.codec = o->codec;
    o->seg.path = o->path;
    o->seg.index = s->open_index;
    o->seg.start_rt = s->open_rt;
    o->seg.end_rt = end_rt;
    o->seg.start_us = to_wall(s, s->open_rt);
    o->seg.end_us = to_wall(s, end_rt);
    o->seg.complete = complete;
    s->open = FALSE;
    s->hashing++;

    /* The task reports on the thread-default context at creation: make it ours. */
    g_main_context_push_thread_default(s->context);
    task = g_task_new(NULL, s->cancellable, hashed, s);
    g_main_context_pop_thread_default(s->context);
    g_task_set_task_data(task, o, owned_segment_free);
    g_task_set_name(task, "phonghop-segment-hash");
    g_task_run_in_thread(task, hash_thread);
    g_object_unref(task);
}

gboolean mgst_segmenter_handle_message(MgstSegmenter *s, GstMessage *message)
{
    const GstStructure *st;
    const char *location;
    guint64 rt = GST_CLOCK_TIME_NONE;

    g_return_val_if_fail(s != NULL && message != NULL, FALSE);

    if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT || s->sink == NULL ||
        GST_MESSAGE_SRC(message) != GST_OBJECT(s->sink))
        return FALSE;
    st = gst_message_get_structure(message);
    location = gst_structure_get_string(st, "location");
    gst_structure_get_uint64(st, "running-time", &rt);
    if (gst_structure_has_name(st, "splitmuxsink-fragment-opened")) {
        if (s->open)
            finish(s, rt, FALSE); /* never seen; keep the books straight */
        s->open = TRUE;
        s->open_path = g_strdup(location);
        s->open_index = s->next_index++;
        s->open_rt = rt;
        g_debug("recording %s: segment %u opened at %" GST_TIME_FORMAT, location, s->open_index,
                GST_TIME_ARGS(rt));
        if (s->opened != NULL) {
            MgstSegment seg = {
                .participant_id = s->participant_id,
                .track = s->track,
                .kind = s->kind,
                .codec = s->codec,
                .path = s->open_path,
                .index = s->open_index,
                .start_rt = rt,
                .end_rt = GST_CLOCK_TIME_NONE,
                .start_us = to_wall(s, rt),
                .end_us = 0,
            };

            s->opened(s->user_data, &seg);
        }
        return TRUE;
    }
    if (gst_structure_has_name(st, "splitmuxsink-fragment-closed")) {
        if (s->open)
            finish(s, rt, TRUE);
        return TRUE;
    }
    return FALSE;
}

void mgst_segmenter_cut_short(MgstSegmenter *s, GstClockTime end_rt)
{
    g_return_if_fail(s != NULL);
    if (s->open)
        finish(s, end_rt, FALSE);
    g_clear_object(&s->sink);
}
