/* test-recorder.c: per-track recording of synthetic RTP (media/gst/recorder.c).
 *
 * What a user of the archive would notice: every track of a participant is in files that play,
 * with the right codecs and the right length; audio and video of one participant line up even
 * when the video packets arrive 300 ms late; a server killed with SIGKILL leaves files that
 * still play; a full disk stops the recording with a clear error and nothing crashes.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gst-test-util.h"
#include "gst/recorder.h"

static const char *self_path;

typedef struct {
    GPtrArray *segments; /* OwnedSeg * */
    GPtrArray *errors;   /* char * */
    gboolean fatal;
    gboolean disk_full;
    gboolean stopped;
    gint keyframes;
    Synth *synth;
} State;

typedef struct {
    char *track;
    char *path;
    char *sha256;
    guint index;
    gint64 start_us, end_us;
    GstClockTime start_rt, end_rt;
    gboolean complete;
    guint64 size;
} OwnedSeg;

static void owned_seg_free(gpointer data)
{
    OwnedSeg *s = data;

    g_free(s->track);
    g_free(s->path);
    g_free(s->sha256);
    g_free(s);
}

static void on_segment(gpointer user_data, const MgstSegment *seg)
{
    State *st = user_data;
    OwnedSeg *o = g_new0(OwnedSeg, 1);

    g_assert_cmpuint(seg->participant_id, ==, 7);
    o->track = g_strdup(seg->track);
    o->path = g_strdup(seg->path);
    o->sha256 = g_strdup(seg->sha256);
    o->index = seg->index;
    o->start_us = seg->start_us;
    o->end_us = seg->end_us;
    o->start_rt = seg->start_rt;
    o->end_rt = seg->end_rt;
    o->complete = seg->complete;
    o->size = seg->size;
    g_ptr_array_add(st->segments, o);
}

static void on_error(gpointer user_data, const GError *error, gboolean fatal)
{
    State *st = user_data;

    g_ptr_array_add(st->errors, g_strdup(error->message));
    st->fatal = st->fatal || fatal;
    st->disk_full = st->disk_full || g_error_matches(error, MGST_ERROR, MGST_ERROR_DISK_FULL);
}

static void on_stopped(gpointer user_data)
{
    ((State *)user_data)->stopped = TRUE;
}

/* Streaming thread: the PLI goes to the synthetic publisher's encoder. */
static void on_keyframe(gpointer user_data, const char *track)
{
    State *st = user_data;

    g_atomic_int_inc(&st->keyframes);
    if (st->synth != NULL)
        synth_force_keyframe(st->synth);
}

static const RecEvents events = {on_segment, on_error, on_stopped, on_keyframe, NULL};

static gboolean is_stopped(gpointer data)
{
    return ((State *)data)->stopped;
}

static void state_init(State *st)
{
    memset(st, 0, sizeof *st);
    st->segments = g_ptr_array_new_with_free_func(owned_seg_free);
    st->errors = g_ptr_array_new_with_free_func(g_free);
}

static void state_clear(State *st)
{
    g_ptr_array_unref(st->segments);
    g_ptr_array_unref(st->errors);
}

/* Records participant 7 on @ctx, made the thread's default: a video track of @codec (payload
 * type 96) and an Opus one, fed by a synthetic publisher (st->synth, from @sc). Returns the
 * recorder and, in @video when not NULL, its video input (borrowed). */
static RecRecorder *record_synth(GMainContext *ctx, const RecConfig *config, const RecEvents *ev,
                                 const SynthConfig *sc, MgstCodec codec, State *st,
                                 MgstRtpInput **video)
{
    g_autoptr(GError) error = NULL;
    MgstRtpInput *vin, *ain;
    RecRecorder *rec;

    state_init(st);
    g_main_context_push_thread_default(ctx);
    rec = rec_recorder_new(config, ev, st, ctx, &error);
    g_assert_no_error(error);
    vin = rec_recorder_add_track(rec, "video", codec, 96, 0, &error);
    g_assert_no_error(error);
    ain = rec_recorder_add_track(rec, "audio", MGST_CODEC_OPUS, 111, 0, &error);
    g_assert_no_error(error);
    st->synth = synth_new(sc, vin, ain);
    if (video != NULL)
        *video = vin;
    return rec;
}

static void remove_tree(const char *dir)
{
    g_auto(GStrv) files = test_list_files(dir, "*");
    guint i;

    for (i = 0; files[i] != NULL; i++)
        g_unlink(files[i]);
    g_rmdir(dir);
}

/* For each flash, the nearest beep; returns the offsets (beep minus flash, seconds). */
static GArray *pair_offsets(GArray *flashes, GArray *beeps)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(double));
    guint i, j;

    for (i = 0; i < flashes->len; i++) {
        double f = g_array_index(flashes, double, i);
        double best = 1e9;

        for (j = 0; j < beeps->len; j++) {
            double d = g_array_index(beeps, double, j) - f;

            if (fabs(d) < fabs(best))
                best = d;
        }
        if (fabs(best) < 1.0)
            g_array_append_val(out, best);
    }
    return out;
}

static double max_abs(GArray *a)
{
    double m = 0;
    guint i;

    for (i = 0; i < a->len; i++)
        m = MAX(m, fabs(g_array_index(a, double, i)));
    return m;
}

static GArray *concat_times(char **files, gboolean video, double *span)
{
    GArray *all = g_array_new(FALSE, FALSE, sizeof(double));
    guint i;

    *span = 0;
    for (i = 0; files[i] != NULL; i++) {
        double first = 0, last = 0;
        GArray *t;

        if (video) {
            guint frames = 0;

            t = test_flash_times(files[i], &frames, &first, &last);
            g_test_message("%s: %u frames, %.3f..%.3f s, %u flashes", files[i], frames, first, last,
                           t->len);
        } else {
            guint64 samples = 0;

            t = test_beep_times(files[i], &samples, &first, &last);
            g_test_message("%s: %" G_GUINT64_FORMAT " samples, %.3f..%.3f s, %u beeps", files[i],
                           samples, first, last, t->len);
        }
        *span += last - first;
        g_array_append_vals(all, t->data, t->len);
        g_array_unref(t);
    }
    return all;
}

/* 20 s of VP8 and Opus, segments of 8 s, video 300 ms late. */
static void test_record(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autofree char *dir = g_dir_make_tmp("phonghop-rec-XXXXXX", NULL);
    g_autoptr(GError) error = NULL;
    RecConfig config = {.participant_id = 7, .dir = dir, .segment_time = 8 * GST_SECOND};
    SynthConfig sc = {.video_delay = 300 * GST_MSECOND, .cname = "p7@phonghop"};
    RecRecorder *rec;
    MgstRtpInput *vin, *ain;
    RecStats stats;
    State st;
    double truth[2], total[2] = {0, 0};
    guint count[2] = {0, 0};
    g_auto(GStrv) vfiles = NULL;
    g_auto(GStrv) afiles = NULL;
    GArray *flashes, *beeps, *offsets;
    double vspan, aspan;
    guint i;

    state_init(&st);
    g_main_context_push_thread_default(ctx);
    rec = rec_recorder_new(&config, &events, &st, ctx, &error);
    g_assert_no_error(error);
    vin = rec_recorder_add_track(rec, "video", MGST_CODEC_VP8, 96, 0, &error);
    g_assert_no_error(error);
    ain = rec_recorder_add_track(rec, "audio", MGST_CODEC_OPUS, 111, 0, &error);
    g_assert_no_error(error);
    g_assert_null(rec_recorder_add_track(rec, "video", MGST_CODEC_VP8, 96, 0, &error));
    g_assert_error(error, MGST_ERROR, MGST_ERROR_INVALID);
    g_clear_error(&error);

    st.synth = synth_new(&sc, vin, ain);
    test_run_for(ctx, 20000);
    synth_set_inputs(st.synth, NULL, NULL);
    truth[MGST_KIND_VIDEO] = synth_pushed_seconds(st.synth, MGST_KIND_VIDEO);
    truth[MGST_KIND_AUDIO] = synth_pushed_seconds(st.synth, MGST_KIND_AUDIO);
    {
        Synth *s = st.synth;

        st.synth = NULL;
        synth_free(s);
    }
    rec_recorder_get_stats(rec, &stats);
    g_test_message("pushed %.2f s video, %.2f s audio; %" G_GUINT64_FORMAT
                   " packets, %" G_GUINT64_FORMAT " dropped, %d key frame requests",
                   truth[1], truth[0], stats.packets, stats.dropped,
                   g_atomic_int_get(&st.keyframes));
    g_assert_cmpuint(stats.packets, >, 1000);
    g_assert_cmpuint(stats.malformed, ==, 0);

    test_run_for(ctx, 1000); /* the jitter buffer's latency */
    rec_recorder_stop(rec);
    g_assert_true(test_wait(ctx, is_stopped, &st, 15000));
    rec_recorder_get_stats(rec, &stats);
    g_assert_cmpint(stats.state, ==, REC_STATE_STOPPED);
    rec_recorder_free(rec);
    g_assert_cmpuint(st.errors->len, ==, 0);

    /* every file: reported once, complete, its hash matches, discoverer knows it */
    for (i = 0; i < st.segments->len; i++) {
        OwnedSeg *s = g_ptr_array_index(st.segments, i);
        g_autofree char *caps = NULL;
        g_autofree char *hash = NULL;
        guint64 size = 0;
        double duration = 0;
        gboolean video = strcmp(s->track, "video") == 0;

        hash = mgst_sha256_file(s->path, &size, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(hash, ==, s->sha256);
        g_assert_cmpuint(size, ==, s->size);
        g_assert_true(s->complete);
        g_assert_cmpint(s->end_us, >, s->start_us);
        g_assert_true(test_discover(s->path, &caps, &duration, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(caps, ==, video ? "video/x-vp8" : "audio/x-opus");
        g_test_message("%s #%u: %.2f s (%.2f s by the segment times), %" G_GUINT64_FORMAT " bytes",
                       s->track, s->index, duration, (double)(s->end_us - s->start_us) / 1e6,
                       s->size);
        total[video ? MGST_KIND_VIDEO : MGST_KIND_AUDIO] += duration;
        count[video ? MGST_KIND_VIDEO : MGST_KIND_AUDIO]++;
    }
    /* 20 s in segments of 8 s: three files per track */
    g_assert_cmpuint(count[MGST_KIND_VIDEO], >=, 2);
    g_assert_cmpuint(count[MGST_KIND_AUDIO], >=, 2);
    g_test_message("durations: video %.2f s (truth %.2f), audio %.2f s (truth %.2f)", total[1],
                   truth[1], total[0], truth[0]);
    g_assert_cmpfloat(fabs(total[MGST_KIND_VIDEO] - truth[MGST_KIND_VIDEO]), <, 1.0);
    g_assert_cmpfloat(fabs(total[MGST_KIND_AUDIO] - truth[MGST_KIND_AUDIO]), <, 1.0);

    /* audio/video sync: flashes against beeps in the shared timeline of the files */
    vfiles = test_list_files(dir, "p7-video-*.webm");
    afiles = test_list_files(dir, "p7-audio-*.webm");
    flashes = concat_times(vfiles, TRUE, &vspan);
    beeps = concat_times(afiles, FALSE, &aspan);
    offsets = pair_offsets(flashes, beeps);
    for (i = 0; i < offsets->len; i++)
        g_test_message("pulse %u: audio - video = %+.1f ms", i,
                       g_array_index(offsets, double, i) * 1000);
    g_assert_cmpuint(offsets->len, >=, 8);
    g_assert_cmpfloat(max_abs(offsets), <, 0.100);

    g_array_unref(flashes);
    g_array_unref(beeps);
    g_array_unref(offsets);
    g_main_context_pop_thread_default(ctx);
    state_clear(&st);
    remove_tree(dir);
}

/* H.264 (what a Safari or a hall camera publishes): Matroska with avc3, in sync. */
static void test_record_h264(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autofree char *dir = g_dir_make_tmp("phonghop-rec-XXXXXX", NULL);
    g_autoptr(GError) error = NULL;
    RecConfig config = {.participant_id = 7, .dir = dir};
    SynthConfig sc = {.video_delay = 200 * GST_MSECOND, .cname = "p7@phonghop", .h264 = TRUE};
    g_auto(GStrv) vfiles = NULL;
    g_auto(GStrv) afiles = NULL;
    g_autofree char *caps = NULL;
    RecRecorder *rec;
    State st;
    double truth, duration = 0, vspan, aspan;
    GArray *flashes, *beeps, *offsets;

    rec = record_synth(ctx, &config, &events, &sc, MGST_CODEC_H264, &st, NULL);
    test_run_for(ctx, 9000);
    synth_set_inputs(st.synth, NULL, NULL);
    truth = synth_pushed_seconds(st.synth, MGST_KIND_VIDEO);
    synth_free(g_steal_pointer(&st.synth));
    test_run_for(ctx, 1000);
    rec_recorder_stop(rec);
    g_assert_true(test_wait(ctx, is_stopped, &st, 15000));
    rec_recorder_free(rec);
    g_assert_cmpuint(st.errors->len, ==, 0);

    vfiles = test_list_files(dir, "p7-video-*.mkv");
    afiles = test_list_files(dir, "p7-audio-*.webm");
    g_assert_cmpuint(g_strv_length(vfiles), ==, 1);
    g_assert_true(test_discover(vfiles[0], &caps, &duration, &error));
    g_assert_no_error(error);
    g_test_message("%s: %s, %.2f s (truth %.2f s)", vfiles[0], caps, duration, truth);
    g_assert_cmpstr(caps, ==, "video/x-h264");
    g_assert_cmpfloat(fabs(duration - truth), <, 1.0);
    flashes = concat_times(vfiles, TRUE, &vspan);
    beeps = concat_times(afiles, FALSE, &aspan);
    offsets = pair_offsets(flashes, beeps);
    g_assert_cmpuint(offsets->len, >=, 3);
    g_assert_cmpfloat(max_abs(offsets), <, 0.100);
    g_array_unref(flashes);
    g_array_unref(beeps);
    g_array_unref(offsets);
    g_main_context_pop_thread_default(ctx);
    state_clear(&st);
    remove_tree(dir);
}

/* A pipeline error (its directory deleted under it) is reported and the recording restarts by
 * itself; the files after the restart play. */
static char *restart_dir;

static void on_error_recreate(gpointer user_data, const GError *error, gboolean fatal)
{
    on_error(user_data, error, fatal);
    if (!fatal)
        g_mkdir_with_parents(restart_dir, 0750);
}

static gboolean has_error(gpointer data)
{
    return ((State *)data)->errors->len > 0;
}

static void test_restart(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autofree char *dir = g_dir_make_tmp("phonghop-restart-XXXXXX", NULL);
    g_autoptr(GError) error = NULL;
    RecConfig config = {.participant_id = 7, .dir = dir, .segment_time = 2 * GST_SECOND};
    SynthConfig sc = {.cname = "p7@phonghop", .keyframe_interval = 15};
    RecEvents ev = events;
    g_auto(GStrv) before = NULL;
    g_auto(GStrv) after = NULL;
    RecRecorder *rec;
    RecStats stats;
    State st;
    guint i, complete_after = 0;

    restart_dir = dir;
    ev.error = on_error_recreate;
    rec = record_synth(ctx, &config, &ev, &sc, MGST_CODEC_VP8, &st, NULL);
    test_run_for(ctx, 3000);
    before = test_list_files(dir, "p7-*");
    g_assert_cmpuint(g_strv_length(before), >=, 2);
    remove_tree(dir); /* the next segment cannot be opened */
    g_assert_true(test_wait(ctx, has_error, &st, 10000));
    g_test_message("error: %s", (char *)g_ptr_array_index(st.errors, 0));
    g_assert_false(st.fatal);
    test_run_for(ctx, 5000); /* the rebuilt pipeline records again */
    synth_set_inputs(st.synth, NULL, NULL);
    synth_free(g_steal_pointer(&st.synth));
    rec_recorder_stop(rec);
    g_assert_true(test_wait(ctx, is_stopped, &st, 15000));
    rec_recorder_get_stats(rec, &stats);
    rec_recorder_free(rec);
    g_assert_cmpuint(stats.restarts, ==, 1);
    g_assert_cmpuint(st.errors->len, ==, 1);
    g_assert_false(st.fatal);

    after = test_list_files(dir, "p7-*");
    for (i = 0; i < st.segments->len; i++) {
        OwnedSeg *o = g_ptr_array_index(st.segments, i);

        if (g_file_test(o->path, G_FILE_TEST_EXISTS) && o->complete) {
            g_autofree char *caps = NULL;
            double duration = 0;

            g_assert_true(test_discover(o->path, &caps, &duration, &error));
            g_assert_no_error(error);
            complete_after++;
        }
    }
    g_test_message("%u files reported, %u on disk after the restart, %u complete and playable",
                   st.segments->len, g_strv_length(after), complete_after);
    g_assert_cmpuint(complete_after, >=, 2);
    g_main_context_pop_thread_default(ctx);
    state_clear(&st);
    remove_tree(dir);
}

/* The owner frees the recorder from inside its own callback (the server does when a meeting
 * ends): nothing is used after, the other files in flight are dropped quietly. */
static RecRecorder *freed_rec;

static void on_segment_free(gpointer user_data, const MgstSegment *seg)
{
    on_segment(user_data, seg);
    g_clear_pointer(&freed_rec, rec_recorder_free);
}

static void test_free_in_callback(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autofree char *dir = g_dir_make_tmp("phonghop-free-XXXXXX", NULL);
    RecConfig config = {.participant_id = 7, .dir = dir, .segment_time = GST_SECOND};
    SynthConfig sc = {.cname = "p7@phonghop", .keyframe_interval = 10};
    RecEvents ev = events;
    State st;

    ev.segment = on_segment_free;
    /* the feeder keeps references: pushes after the free are refused, not a crash */
    freed_rec = record_synth(ctx, &config, &ev, &sc, MGST_CODEC_VP8, &st, NULL);
    test_run_for(ctx, 4000);
    g_assert_null(freed_rec);
    g_assert_cmpuint(st.segments->len, ==, 1);
    synth_free(g_steal_pointer(&st.synth));
    g_main_context_pop_thread_default(ctx);
    state_clear(&st);
    remove_tree(dir);
}

/* ---- SIGKILL: the child records until killed ---- */

static int child_record(const char *dir)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    RecConfig config = {.participant_id = 7, .dir = dir, .segment_time = 600 * GST_SECOND};
    SynthConfig sc = {.video_delay = 300 * GST_MSECOND, .cname = "p7@phonghop"};
    g_autofree char *ready = g_build_filename(dir, "ready", NULL);
    State st;

    record_synth(ctx, &config, &events, &sc, MGST_CODEC_VP8, &st, NULL);
    test_run_for(ctx, 8000);
    g_file_set_contents(ready, "1", 1, NULL);
    test_run_for(ctx, 60000); /* killed long before */
    return 1;
}

static gboolean file_exists(gpointer path)
{
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void test_sigkill(void)
{
    g_autofree char *dir = g_dir_make_tmp("phonghop-kill-XXXXXX", NULL);
    g_autofree char *ready = g_build_filename(dir, "ready", NULL);
    g_autoptr(GError) error = NULL;
    const char *argv[] = {self_path, "--child-record", dir, NULL};
    g_auto(GStrv) vfiles = NULL;
    g_auto(GStrv) afiles = NULL;
    GPid pid;
    int status = 0;
    GArray *flashes, *beeps, *offsets;
    double vspan, aspan;
    g_autofree char *caps = NULL;
    double duration = -1;
    guint i;

    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &pid, &error));
    g_assert_no_error(error);
    g_assert_true(test_wait(NULL, file_exists, ready, 30000));
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    g_spawn_close_pid(pid);

    vfiles = test_list_files(dir, "p7-video-*.webm");
    afiles = test_list_files(dir, "p7-audio-*.webm");
    /* one file per track, or two if the child's pipeline restarted (then reported) */
    g_assert_cmpuint(g_strv_length(vfiles), >=, 1);
    g_assert_cmpuint(g_strv_length(afiles), >=, 1);
    if (g_strv_length(vfiles) > 1)
        g_test_message("the child restarted its pipeline once; checking every file");

    /* the killed files (and any before them) are still recognised ... */
    for (i = 0; vfiles[i] != NULL; i++) {
        g_assert_true(test_discover(vfiles[i], &caps, &duration, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(caps, ==, "video/x-vp8");
        g_test_message("%s: discoverer duration %.2f s (the header of a killed file is not "
                       "finalised)",
                       vfiles[i], duration);
        g_clear_pointer(&caps, g_free);
    }
    for (i = 0; afiles[i] != NULL; i++) {
        g_assert_true(test_discover(afiles[i], &caps, &duration, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(caps, ==, "audio/x-opus");
        g_clear_pointer(&caps, g_free);
    }

    /* ... decode to the end, and stay in sync */
    flashes = concat_times(vfiles, TRUE, &vspan);
    beeps = concat_times(afiles, FALSE, &aspan);
    g_test_message("decoded %.2f s of video and %.2f s of audio after SIGKILL", vspan, aspan);
    g_assert_cmpfloat(vspan, >, 5.0);
    g_assert_cmpfloat(aspan, >, 5.0);
    offsets = pair_offsets(flashes, beeps);
    g_assert_cmpuint(offsets->len, >=, 2);
    g_assert_cmpfloat(max_abs(offsets), <, 0.100);
    g_array_unref(flashes);
    g_array_unref(beeps);
    g_array_unref(offsets);
    remove_tree(dir);
}

/* ---- disk full: a 32 KB tmpfs in a private mount namespace ---- */

static int child_diskfull(const char *dir)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    RecConfig config = {.participant_id = 7, .dir = dir, .segment_time = 600 * GST_SECOND};
    SynthConfig sc = {.cname = "p7@phonghop", .width = 640, .height = 480};
    RecRecorder *rec;
    MgstRtpInput *vin;
    State st;
    RecStats stats;
    int r;

    rec = record_synth(ctx, &config, &events, &sc, MGST_CODEC_VP8, &st, &vin);
    mgst_rtp_input_ref(vin);
    test_run_for(ctx, 15000);
    rec_recorder_get_stats(rec, &stats);
    /* the session goes on: packets are still pushed and refused without harm */
    {
        guint8 pkt[20] = {0x80, 96};

        r = mgst_rtp_input_push_rtp(vin, pkt, sizeof pkt);
    }
    synth_set_inputs(st.synth, NULL, NULL);
    synth_free(g_steal_pointer(&st.synth));
    printf("fatal=%d disk_full=%d errors=%u state=%s push=%d segments=%u\n", st.fatal, st.disk_full,
           st.errors->len, rec_state_to_string(stats.state), r, st.segments->len);
    if (st.errors->len > 0)
        printf("message=%s\n", (char *)g_ptr_array_index(st.errors, 0));
    rec_recorder_free(rec);
    mgst_rtp_input_unref(vin);
    state_clear(&st);
    return 0;
}

static void test_disk_full(void)
{
    g_autofree char *dir = g_dir_make_tmp("phonghop-full-XXXXXX", NULL);
    g_autofree char *script = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *unshare = g_find_program_in_path("unshare");
    int status = 0;

    if (geteuid() != 0 || unshare == NULL) {
        g_test_skip("needs root and unshare for a small private tmpfs");
        return;
    }
    script = g_strdup_printf("mount -t tmpfs -o size=32k tmpfs '%s' && exec '%s' "
                             "--child-diskfull '%s/rec'",
                             dir, self_path, dir);
    {
        const char *argv[] = {"unshare", "-m", "sh", "-c", script, NULL};

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                                   &err, &status, &error));
    }
    g_assert_no_error(error);
    g_test_message("child: %s", out);
    if (!g_spawn_check_wait_status(status, NULL) && strstr(err, "mount") != NULL) {
        g_test_skip("cannot mount a tmpfs here");
        return;
    }
    g_assert_true(g_spawn_check_wait_status(status, &error));
    g_assert_nonnull(strstr(out, "fatal=1 disk_full=1"));
    g_assert_nonnull(strstr(out, "state=failed push=-108")); /* -ESHUTDOWN: stop pushing */
    g_assert_nonnull(strstr(out, "message=disk full"));
    g_rmdir(dir);
}

/* ---- input bounds: garbage is refused and counted, never crashes ---- */

static void test_input_rejects(void)
{
    g_autoptr(MgstRtpInput) in = mgst_rtp_input_new(MGST_CODEC_VP8, 96, 0);
    guint8 rtp[32] = {0x80, 96, 0, 1};
    guint8 other[32] = {0x80, 97, 0, 1};
    guint8 rtcp[8] = {0x80, 201, 0, 1, 0, 0, 0, 1};
    MgstRtpInputCounters c;

    g_assert_cmpint(mgst_rtp_input_push_rtp(in, rtp, 5), ==, -EBADMSG);
    g_assert_cmpint(mgst_rtp_input_push_rtp(in, other, sizeof other), ==, -EPROTOTYPE);
    g_assert_cmpint(mgst_rtp_input_push_rtp(in, rtp, sizeof rtp), ==, -EAGAIN);
    g_assert_cmpint(mgst_rtp_input_push_rtcp(in, rtcp, 7), ==, -EBADMSG);
    g_assert_cmpint(mgst_rtp_input_push_rtcp(in, rtcp, sizeof rtcp), ==, -EAGAIN);
    g_assert_cmpint(mgst_rtp_input_reinject_sr(in), ==, -ENOENT);
    mgst_rtp_input_close(in);
    g_assert_cmpint(mgst_rtp_input_push_rtp(in, rtp, sizeof rtp), ==, -ESHUTDOWN);
    mgst_rtp_input_get_counters(in, &c);
    g_assert_cmpuint(c.malformed, ==, 3);
    g_assert_cmpuint(c.dropped_idle, ==, 1);
    g_assert_cmpuint(c.rtp_packets, ==, 0);
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    gst_init(NULL, NULL);
    if (argc == 3 && strcmp(argv[1], "--child-record") == 0)
        return child_record(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--child-diskfull") == 0)
        return child_diskfull(argv[2]);

    g_test_init(&argc, &argv, NULL);
    /* the library logs failures it reports as warnings; the tests check the reports */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    g_test_add_func("/media-gst/recorder/input-rejects", test_input_rejects);
    g_test_add_func("/media-gst/recorder/record-sync-segments", test_record);
    g_test_add_func("/media-gst/recorder/record-h264", test_record_h264);
    g_test_add_func("/media-gst/recorder/restart", test_restart);
    g_test_add_func("/media-gst/recorder/free-in-callback", test_free_in_callback);
    g_test_add_func("/media-gst/recorder/sigkill", test_sigkill);
    g_test_add_func("/media-gst/recorder/disk-full", test_disk_full);
    return g_test_run();
}
