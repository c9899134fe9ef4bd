/* comp-input.c: the composite program's inputs, layout and on-screen text.
 *
 * Design: each track of an input enters rtpbin through an MgstRtpInput (its own session; a
 * participant's audio and video share a CNAME, so rtpbin aligns them). When rtpbin creates the
 * track's output pad, the decoding branch (queue, depayloader, decoder, a queue deep enough for
 * the mixers' latency) is built on that streaming thread and linked to a new compositor or
 * audiomixer pad. Layout, visibility and mute state are properties of those pads, set under
 * comp->lock from whichever thread changes them, so a floor switch or the slate takes effect on
 * the next composed frame. The title and the floor are textoverlay properties (Pango markup,
 * escaped; long texts are cut by characters, not bytes: Vietnamese is multi-byte UTF-8).
 *
 * Removal of an input, in an order that never leaves a streaming thread blocked or an error on
 * the bus: its appsrcs leave and its rtpbin session is released (the jitter buffer goes with
 * it), its mixer pads are released (an aggregator pad being released wakes its upstream), and
 * then its branch is set to NULL and removed.
 */
#include <stdio.h>
#include <string.h>

#include "gst/comp-private.h"

static void on_keyframe(gpointer user_data)
{
    CompInput *in = user_data;
    CompProgram *comp = in->comp;

    if (comp->events.keyframe != NULL)
        comp->events.keyframe(comp->user_data, in->id);
}

/* ---- inputs and layout ---- */

void comp_input_free(gpointer data)
{
    CompInput *in = data;
    guint k;

    for (k = 0; k < 2; k++) {
        if (in->tracks[k] != NULL) {
            mgst_rtp_input_close(in->tracks[k]);
            mgst_rtp_input_unref(in->tracks[k]);
        }
        g_clear_object(&in->mixer_pad[k]);
        g_clear_pointer(&in->branch[k], g_ptr_array_unref);
    }
    g_free(in->label);
    g_free(in);
}

CompInput *comp_find_input_locked(CompProgram *comp, guint64 id)
{
    guint i;

    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        if (in->id == id)
            return in;
    }
    return NULL;
}

static CompInput *find_session_locked(CompProgram *comp, guint session, MgstKind *kind)
{
    guint i, k;

    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        for (k = 0; k < 2; k++) {
            if (in->tracks[k] != NULL && in->sessions[k] == session) {
                *kind = (MgstKind)k;
                return in;
            }
        }
    }
    return NULL;
}

static void set_tile(GstPad *pad, const CompRect *r, gint zorder, gboolean shown)
{
    if (r != NULL)
        g_object_set(pad, "xpos", r->x, "ypos", r->y, "width", r->w, "height", r->h, "zorder",
                     (guint)zorder, NULL);
    g_object_set(pad, "alpha", shown ? 1.0 : 0.0, NULL);
}

/* Puts every tile where it belongs and every pad in its state. Any thread; lock held. */
void comp_apply_layout_locked(CompProgram *comp)
{
    CompInput *speaker = NULL;
    CompInput *others[COMP_MAX_SITES];
    guint n_others = 0, i;
    CompLayout layout;

    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);

        if (in->mixer_pad[MGST_KIND_VIDEO] == NULL)
            continue;
        if (in->id == comp->speaker)
            speaker = in;
        else if (n_others < COMP_MAX_SITES)
            others[n_others++] = in;
    }
    comp_layout_compute(comp->width, comp->height, speaker != NULL, n_others, &layout);

    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *in = g_ptr_array_index(comp->inputs, i);
        GstPad *vpad = in->mixer_pad[MGST_KIND_VIDEO];
        GstPad *apad = in->mixer_pad[MGST_KIND_AUDIO];

        if (apad != NULL)
            g_object_set(apad, "mute", comp->closed || !in->audio_open, NULL);
        if (vpad == NULL)
            continue;
        if (in == speaker) {
            set_tile(vpad, &layout.speaker, ZORDER_SPEAKER, !in->stale && !comp->closed);
        } else {
            guint j;
            gboolean placed = FALSE;

            for (j = 0; j < n_others; j++) {
                if (others[j] == in) {
                    set_tile(vpad, &layout.tiles[j], ZORDER_TILE, !in->stale && !comp->closed);
                    placed = TRUE;
                    break;
                }
            }
            if (!placed)
                set_tile(vpad, NULL, 0, FALSE);
        }
    }
    if (comp->slate_pad != NULL)
        g_object_set(comp->slate_pad, "alpha", comp->closed ? 1.0 : 0.0, NULL);
}

/* Shortens text for the bar (characters, not bytes: Vietnamese is multi-byte UTF-8). */
static char *clip(const char *text, glong max)
{
    if (text == NULL)
        return NULL;
    if (g_utf8_strlen(text, -1) <= max)
        return g_strdup(text);
    {
        g_autofree char *head = g_utf8_substring(text, 0, max - 1);

        return g_strconcat(head, "…", NULL);
    }
}

static char *escape(const char *text)
{
    return g_markup_escape_text(text != NULL ? text : "", -1);
}

/* Lock held. */
void comp_apply_title_locked(CompProgram *comp)
{
    g_autofree char *body = NULL, *meeting = NULL, *item = NULL, *text = NULL;
    g_autofree char *c_item = NULL;

    if (comp->title == NULL)
        return;
    body = escape(comp->body);
    meeting = escape(comp->meeting);
    c_item = clip(comp->item, 70);
    item = escape(c_item);
    if (comp->closed || c_item == NULL)
        text = g_strdup_printf("<b>%s</b>%s%s", body, *meeting != '\0' ? "  ·  " : "", meeting);
    else
        text = g_strdup_printf("<b>%s</b>%s%s\n%s", body, *meeting != '\0' ? "  ·  " : "", meeting,
                               item);
    g_object_set(comp->title, "text", text, NULL);
}

/* Lock held. */
void comp_apply_floor_locked(CompProgram *comp)
{
    g_autofree char *text = NULL;
    g_autofree char *name = NULL;
    g_autofree char *c_name = NULL;

    if (comp->floor_text == NULL)
        return;
    if (comp->closed || comp->holder == NULL) {
        g_object_set(comp->floor_text, "text", "", "silent", TRUE, NULL);
        return;
    }
    c_name = clip(comp->holder, 40);
    name = escape(c_name);
    if (comp->deadline_us > 0) {
        gint64 left = (comp->deadline_us - g_get_real_time()) / G_USEC_PER_SEC;

        if (left >= 0)
            text = g_strdup_printf("<b>%s</b>\nCòn lại %02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT,
                                   name, left / 60, left % 60);
        else
            text = g_strdup_printf("<b>%s</b>\nHết giờ +%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT,
                                   name, -left / 60, -left % 60);
    } else {
        text = g_strdup_printf("<b>%s</b>\nĐang phát biểu", name);
    }
    g_object_set(comp->floor_text, "text", text, "silent", FALSE, NULL);
}

/* The mixers wait min-upstream-latency for late inputs; every pad's upstream must be able to
 * hold that much (a live source alone reports a maximum of a few frames), or the latency cannot
 * be configured: a queue in front of each mixer pad gives that room. */
GstElement *comp_make_latency_queue(GError **error)
{
    GstElement *queue = mgst_make("queue", NULL, error);

    if (queue != NULL)
        g_object_set(queue, "max-size-time", (guint64)2 * GST_SECOND, "max-size-bytes", 0,
                     "max-size-buffers", 0, NULL);
    return queue;
}

/* ---- the decoding branches ---- */

static GstElement *make_decoder_chain(MgstCodec codec, GPtrArray *chain, GError **error)
{
    const char *names[4] = {NULL, NULL, NULL, NULL};
    guint i;

    switch (codec) {
    case MGST_CODEC_VP8:
        names[0] = "rtpvp8depay";
        names[1] = "vp8dec";
        break;
    case MGST_CODEC_H264:
        names[0] = "rtph264depay";
        names[1] = "h264parse";
        names[2] = "avdec_h264";
        break;
    case MGST_CODEC_OPUS:
        names[0] = "rtpopusdepay";
        names[1] = "opusdec";
        names[2] = "audioconvert";
        names[3] = "audioresample";
        break;
    default:
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID, "codec %s cannot be composed",
                    mgst_codec_to_string(codec));
        return NULL;
    }
    for (i = 0; i < G_N_ELEMENTS(names) && names[i] != NULL; i++) {
        GstElement *e = mgst_make(names[i], NULL, error);

        if (e == NULL)
            return NULL;
        g_ptr_array_add(chain, gst_object_ref_sink(e));
        if (i == 0 && mgst_codec_kind(codec) == MGST_KIND_VIDEO)
            g_object_set(e, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
        if (g_str_equal(names[i], "opusdec"))
            g_object_set(e, "plc", TRUE, NULL);
    }
    return g_ptr_array_index(chain, chain->len - 1);
}

/* Builds the branch of @in's @kind track and links it between rtpbin's @pad and a new mixer
 * pad. Streaming thread, comp->lock held. */
static gboolean link_branch(CompProgram *comp, CompInput *in, MgstKind kind, GstPad *pad,
                            GError **error)
{
    g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(gst_object_unref);
    GstElement *queue, *last, *mixer = kind == MGST_KIND_VIDEO ? comp->compositor : comp->mixer;
    g_autoptr(GstPad) srcpad = NULL;
    g_autoptr(GstPad) sinkpad = NULL;
    GstPad *mixpad;
    guint i;

    queue = mgst_make("queue", NULL, error);
    if (queue == NULL)
        return FALSE;
    /* decoding runs on the queue's thread, not on the jitter buffer's */
    g_object_set(queue, "max-size-time", (guint64)GST_SECOND, "max-size-bytes", 0,
                 "max-size-buffers", 0, NULL);
    g_ptr_array_add(chain, gst_object_ref_sink(queue));
    last = make_decoder_chain(mgst_rtp_input_get_codec(in->tracks[kind]), chain, error);
    if (last == NULL)
        return FALSE;
    last = comp_make_latency_queue(error);
    if (last == NULL)
        return FALSE;
    g_ptr_array_add(chain, gst_object_ref_sink(last));

    for (i = 0; i < chain->len; i++)
        gst_bin_add(GST_BIN(comp->pipeline), g_ptr_array_index(chain, i));
    for (i = 0; i + 1 < chain->len; i++) {
        if (!gst_element_link(g_ptr_array_index(chain, i), g_ptr_array_index(chain, i + 1))) {
            g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                        "input %" G_GUINT64_FORMAT ": cannot build its %s decoder", in->id,
                        mgst_kind_to_string(kind));
            return FALSE;
        }
    }
    mixpad = gst_element_request_pad_simple(mixer, "sink_%u");
    if (kind == MGST_KIND_VIDEO) {
        /* hidden until placed; keep the picture's aspect ratio inside the tile */
        g_object_set(mixpad, "alpha", 0.0, NULL);
        gst_util_set_object_arg(G_OBJECT(mixpad), "sizing-policy", "keep-aspect-ratio");
    } else {
        g_object_set(mixpad, "mute", TRUE, NULL);
    }
    srcpad = gst_element_get_static_pad(last, "src");
    if (gst_pad_link(srcpad, mixpad) != GST_PAD_LINK_OK) {
        gst_element_release_request_pad(mixer, mixpad);
        gst_object_unref(mixpad);
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                    "input %" G_GUINT64_FORMAT ": cannot link its %s to the mixer", in->id,
                    mgst_kind_to_string(kind));
        return FALSE;
    }
    for (i = chain->len; i > 0; i--)
        gst_element_sync_state_with_parent(g_ptr_array_index(chain, i - 1));
    sinkpad = gst_element_get_static_pad(queue, "sink");
    if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE,
                    "input %" G_GUINT64_FORMAT ": cannot link rtpbin's %s", in->id,
                    GST_PAD_NAME(pad));
        gst_object_unref(mixpad);
        return FALSE;
    }
    in->mixer_pad[kind] = mixpad;
    g_clear_pointer(&in->branch[kind], g_ptr_array_unref);
    in->branch[kind] = g_steal_pointer(&chain);
    in->stale = FALSE;
    return TRUE;
}

void comp_on_rtpbin_pad_added(GstElement *rtpbin, GstPad *pad, gpointer user_data)
{
    CompProgram *comp = user_data;
    g_autoptr(GError) error = NULL;
    guint session, ssrc, pt;
    MgstKind kind = MGST_KIND_AUDIO;
    CompInput *in;
    MgstRtpInput *sync[2] = {NULL, NULL};
    MgstRtpInput *keyframe = NULL;
    gboolean linked = FALSE;
    guint k;

    if (sscanf(GST_PAD_NAME(pad), "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
        return;

    g_mutex_lock(&comp->lock);
    in = comp->tearing_down ? NULL : find_session_locked(comp, session, &kind);
    if (in != NULL && in->mixer_pad[kind] == NULL) {
        linked = link_branch(comp, in, kind, pad, &error);
        if (linked) {
            comp_apply_layout_locked(comp);
            for (k = 0; k < 2; k++) {
                if (in->tracks[k] != NULL)
                    sync[k] = mgst_rtp_input_ref(in->tracks[k]);
            }
            if (kind == MGST_KIND_VIDEO)
                keyframe = mgst_rtp_input_ref(in->tracks[kind]);
        }
    } else if (!comp->tearing_down) {
        GstElement *sink = gst_element_factory_make("fakesink", NULL);

        if (sink != NULL) {
            g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");

            g_object_set(sink, "async", FALSE, "sync", FALSE, NULL);
            gst_bin_add(GST_BIN(comp->pipeline), sink);
            gst_element_sync_state_with_parent(sink);
            gst_pad_link(pad, sinkpad);
        }
    }
    g_mutex_unlock(&comp->lock);

    if (error != NULL) {
        gst_element_post_message(rtpbin, gst_message_new_error(GST_OBJECT(rtpbin), error, NULL));
        return;
    }
    if (keyframe != NULL) {
        mgst_rtp_input_request_keyframe(keyframe);
        mgst_rtp_input_unref(keyframe);
    }
    for (k = 0; k < 2; k++) {
        if (sync[k] != NULL) {
            mgst_rtp_input_reinject_sr(sync[k]);
            mgst_rtp_input_unref(sync[k]);
        }
    }
}

MgstRtpInput *comp_program_add_track(CompProgram *comp, guint64 input_id, const char *label,
                                     MgstCodec codec, guint8 payload_type, guint clock_rate,
                                     GError **error)
{
    MgstKind kind = mgst_codec_kind(codec);
    MgstRtpInput *track;
    CompInput *in;
    guint n_video = 0, i;

    g_return_val_if_fail(comp != NULL && !comp->freed, NULL);

    if (input_id == 0 || payload_type > 127 ||
        (codec != MGST_CODEC_VP8 && codec != MGST_CODEC_H264 && codec != MGST_CODEC_OPUS)) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "input %" G_GUINT64_FORMAT ": %s with payload type %u cannot be composed",
                    input_id, mgst_codec_to_string(codec), payload_type);
        return NULL;
    }
    if (comp->state != COMP_STATE_RUNNING) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    "meeting %" G_GUINT64_FORMAT ": the composite program is not running",
                    comp->meeting_id);
        return NULL;
    }

    g_mutex_lock(&comp->lock);
    in = comp_find_input_locked(comp, input_id);
    for (i = 0; i < comp->inputs->len; i++) {
        CompInput *other = g_ptr_array_index(comp->inputs, i);

        n_video += other->tracks[MGST_KIND_VIDEO] != NULL;
    }
    if ((in != NULL && in->tracks[kind] != NULL) ||
        (kind == MGST_KIND_VIDEO && n_video >= COMP_MAX_SITES + 1)) {
        g_mutex_unlock(&comp->lock);
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID,
                    in != NULL && in->tracks[kind] != NULL
                        ? "input %" G_GUINT64_FORMAT " already has a %s track"
                        : "input %" G_GUINT64_FORMAT ": the program has no room for more %s",
                    input_id, mgst_kind_to_string(kind));
        return NULL;
    }
    if (in == NULL) {
        in = g_new0(CompInput, 1);
        in->comp = comp;
        in->id = input_id;
        in->label = g_strdup(label);
        in->order = comp->next_order++;
        g_ptr_array_add(comp->inputs, in);
    }
    track = mgst_rtp_input_new(codec, payload_type, clock_rate);
    in->tracks[kind] = track;
    in->sessions[kind] = comp->next_session++;
    if (kind == MGST_KIND_VIDEO)
        mgst_rtp_input_set_keyframe_func(track, on_keyframe, in);
    g_mutex_unlock(&comp->lock);

    if (comp->pipeline != NULL) {
        g_autoptr(GstClock) clock = gst_element_get_clock(comp->pipeline);

        if (!mgst_rtp_input_attach(track, GST_BIN(comp->pipeline), comp->rtpbin, in->sessions[kind],
                                   error))
            return NULL; /* the track stays, unattached; a rebuild attaches it */
        if (clock != NULL)
            mgst_rtp_input_start(track, clock, gst_element_get_base_time(comp->pipeline));
    }
    g_debug("meeting %" G_GUINT64_FORMAT ": input %" G_GUINT64_FORMAT " %s (%s) added",
            comp->meeting_id, input_id, mgst_kind_to_string(kind), mgst_codec_to_string(codec));
    return track;
}

void comp_program_remove_input(CompProgram *comp, guint64 input_id)
{
    GstPad *pads[2] = {NULL, NULL};
    GPtrArray *branches[2] = {NULL, NULL};
    GstElement *mixers[2] = {NULL, NULL};
    CompInput *in = NULL;
    guint i, k;

    g_return_if_fail(comp != NULL && !comp->freed);

    g_mutex_lock(&comp->lock);
    for (i = 0; i < comp->inputs->len; i++) {
        if (((CompInput *)g_ptr_array_index(comp->inputs, i))->id == input_id) {
            in = g_ptr_array_steal_index(comp->inputs, i);
            break;
        }
    }
    if (in == NULL) {
        g_mutex_unlock(&comp->lock);
        return;
    }
    for (k = 0; k < 2; k++) {
        GstElement *mixer = k == MGST_KIND_VIDEO ? comp->compositor : comp->mixer;

        pads[k] = g_steal_pointer(&in->mixer_pad[k]);
        branches[k] = g_steal_pointer(&in->branch[k]);
        if (mixer != NULL)
            mixers[k] = gst_object_ref(mixer);
    }
    comp_apply_layout_locked(comp); /* the others close up */
    g_mutex_unlock(&comp->lock);

    /* 1. no more packets: the appsrcs leave, rtpbin drops the sessions and jitter buffers */
    for (k = 0; k < 2; k++) {
        if (in->tracks[k] != NULL) {
            mgst_rtp_input_remove(in->tracks[k]);
            mgst_rtp_input_close(in->tracks[k]);
        }
    }
    /* 2. the mixer pads: releasing one wakes whatever was waiting to push into it */
    for (k = 0; k < 2; k++) {
        if (pads[k] != NULL && mixers[k] != NULL)
            gst_element_release_request_pad(mixers[k], pads[k]);
        g_clear_object(&pads[k]);
        g_clear_object(&mixers[k]);
    }
    /* 3. the branch; NULL joins its threads, so no callback can still be using @in after */
    for (k = 0; k < 2; k++) {
        if (branches[k] == NULL)
            continue;
        for (i = 0; i < branches[k]->len; i++) {
            GstElement *e = g_ptr_array_index(branches[k], i);
            GstObject *parent = gst_object_get_parent(GST_OBJECT(e));

            gst_element_set_state(e, GST_STATE_NULL);
            if (parent != NULL) {
                gst_bin_remove(GST_BIN(parent), e);
                gst_object_unref(parent);
            }
        }
        g_ptr_array_unref(branches[k]);
    }
    g_debug("meeting %" G_GUINT64_FORMAT ": input %" G_GUINT64_FORMAT " removed", comp->meeting_id,
            input_id);
    comp_input_free(in);
}

void comp_program_set_speaker(CompProgram *comp, guint64 input_id)
{
    g_return_if_fail(comp != NULL && !comp->freed);
    g_mutex_lock(&comp->lock);
    comp->speaker = input_id;
    comp_apply_layout_locked(comp);
    g_mutex_unlock(&comp->lock);
}

void comp_program_set_audio_open(CompProgram *comp, guint64 input_id, gboolean open)
{
    CompInput *in;

    g_return_if_fail(comp != NULL && !comp->freed);
    g_mutex_lock(&comp->lock);
    in = comp_find_input_locked(comp, input_id);
    if (in != NULL) {
        in->audio_open = open;
        comp_apply_layout_locked(comp);
    }
    g_mutex_unlock(&comp->lock);
}

void comp_program_set_title(CompProgram *comp, const char *body, const char *meeting,
                            const char *agenda_item)
{
    g_return_if_fail(comp != NULL && !comp->freed);
    g_mutex_lock(&comp->lock);
    g_free(comp->body);
    g_free(comp->meeting);
    g_free(comp->item);
    comp->body = g_strdup(body);
    comp->meeting = g_strdup(meeting);
    comp->item = g_strdup(agenda_item);
    comp_apply_title_locked(comp);
    g_mutex_unlock(&comp->lock);
}

void comp_program_set_floor(CompProgram *comp, const char *holder, gint64 deadline_us)
{
    g_return_if_fail(comp != NULL && !comp->freed);
    g_mutex_lock(&comp->lock);
    g_free(comp->holder);
    comp->holder = g_strdup(holder);
    comp->deadline_us = holder != NULL ? deadline_us : 0;
    comp_apply_floor_locked(comp);
    g_mutex_unlock(&comp->lock);
}

void comp_program_set_closed(CompProgram *comp, gboolean closed)
{
    g_return_if_fail(comp != NULL && !comp->freed);
    g_mutex_lock(&comp->lock);
    if (comp->closed != closed) {
        comp->closed = closed;
        comp_apply_layout_locked(comp);
        comp_apply_title_locked(comp);
        comp_apply_floor_locked(comp);
        g_mutex_lock(&comp->frame_lock);
        comp->slate_pending = closed;
        g_mutex_unlock(&comp->frame_lock);
        g_message("meeting %" G_GUINT64_FORMAT ": program %s", comp->meeting_id,
                  closed ? "closed: slate, no sound" : "open again");
    }
    g_mutex_unlock(&comp->lock);
}
