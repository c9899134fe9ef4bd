/* test-recording-webrtcbin.c: a room recorded through media.h (MediaRecording), fed by the
 * SFU's tap from a real WebRTC publisher (GStreamer webrtcbin) over 127.0.0.1.
 *
 * The recording starts before anyone publishes, so the participant's tracks join it mid-way;
 * the publisher sends Opus and VP8 for a few seconds, cut into 3-second segments, then leaves
 * while the recording goes on (its files are closed then), and the recording is stopped. Every
 * file was reported opened and then closed with its size and SHA-256, plays (GstDiscoverer
 * reads it: the right codec, a duration within a second of the time it covers), and the video
 * starts at a key frame the recording asked for. Built with -DGST_USE_UNSTABLE_API. */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include "media.h"
#include "webrtcbin-client.h"

#define MEETING   43
#define PUBLISHER 7

typedef struct {
    char *path;
    char *track;
    char *codec;
    MediaKind kind;
    gint64 start_us, end_us;
    guint64 size;
    char *sha256;
    gboolean complete;
    gboolean closed;
} Seen;

typedef struct {
    GMainContext *ctx;
    MediaEngine *engine;
    MediaRoom *room;
    MediaRecording *rec;
    WebrtcClient pub;
    gboolean stopped;
    guint errors;
    GPtrArray *seen; /* Seen * */
    char *failure;
} Test;

static Seen *seen_find(Test *t, const char *path)
{
    guint i;

    for (i = 0; i < t->seen->len; i++) {
        Seen *s = g_ptr_array_index(t->seen, i);

        if (strcmp(s->path, path) == 0)
            return s;
    }
    return NULL;
}

static void seen_free(gpointer data)
{
    Seen *s = data;

    g_free(s->path);
    g_free(s->track);
    g_free(s->codec);
    g_free(s->sha256);
    g_free(s);
}

/* ---- the recording's events ---- */

static void on_opened(gpointer user_data, MediaRecording *rec, const MediaSegmentInfo *seg)
{
    Test *t = user_data;
    Seen *s;

    g_assert_cmpint(seg->meeting_id, ==, MEETING);
    g_assert_cmpuint(seg->participant_id, ==, PUBLISHER);
    g_assert_null(seen_find(t, seg->path));
    g_assert_null(seg->sha256);
    g_assert_cmpint(seg->end_us, ==, 0);
    s = g_new0(Seen, 1);
    s->path = g_strdup(seg->path);
    s->track = g_strdup(seg->track);
    s->codec = g_strdup(seg->codec);
    s->kind = seg->kind;
    s->start_us = seg->start_us;
    g_ptr_array_add(t->seen, s);
    g_test_message("opened %s (%s, %s)", seg->path, seg->track, seg->codec);
}

static void on_closed(gpointer user_data, MediaRecording *rec, const MediaSegmentInfo *seg)
{
    Test *t = user_data;
    Seen *s = seen_find(t, seg->path);

    if (s == NULL) /* every file is reported opened first */
        g_error("%s closed without being reported opened", seg->path);
    g_assert_false(s->closed);
    s->closed = TRUE;
    s->end_us = seg->end_us;
    s->size = seg->size;
    s->sha256 = g_strdup(seg->sha256);
    s->complete = seg->complete;
    g_test_message("closed %s: %" G_GUINT64_FORMAT " bytes, %.2f s, %s", seg->path, seg->size,
                   (seg->end_us - seg->start_us) / 1e6, seg->complete ? "complete" : "cut short");
}

static void on_error(gpointer user_data, MediaRecording *rec, guint64 participant_id,
                     const GError *error, gboolean fatal)
{
    Test *t = user_data;

    g_test_message("recording error (%s): %s", fatal ? "fatal" : "restarting", error->message);
    t->errors++;
}

static void on_stopped(gpointer user_data, MediaRecording *rec)
{
    ((Test *)user_data)->stopped = TRUE;
}

typedef gboolean (*Condition)(Test *t);

static gboolean run_until(Test *t, Condition cond, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (g_get_monotonic_time() < end && t->failure == NULL && !cond(t)) {
        if (!g_main_context_iteration(t->ctx, FALSE))
            g_usleep(2000);
    }
    return t->failure == NULL && cond(t);
}

static void run_for(Test *t, guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    while (g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(t->ctx, FALSE))
            g_usleep(2000);
    }
}

static gboolean is_published(Test *t)
{
    return t->pub.published;
}

static gboolean is_stopped(Test *t)
{
    return t->stopped;
}

static guint count_open(Test *t)
{
    guint i, n = 0;

    for (i = 0; i < t->seen->len; i++)
        n += ((Seen *)g_ptr_array_index(t->seen, i))->closed ? 0 : 1;
    return n;
}

static gboolean both_tracks_open(Test *t)
{
    gboolean audio = FALSE, video = FALSE;
    guint i;

    for (i = 0; i < t->seen->len; i++) {
        Seen *s = g_ptr_array_index(t->seen, i);

        audio = audio || s->kind == MEDIA_KIND_AUDIO;
        video = video || s->kind == MEDIA_KIND_VIDEO;
    }
    return audio && video;
}

static gboolean all_closed(Test *t)
{
    return t->seen->len > 0 && count_open(t) == 0;
}

static gboolean have_elements(void)
{
    static const char *const names[] = {"webrtcbin", "nicesrc",      "dtlssrtpenc", "opusenc",
                                        "vp8enc",    "rtpvp8pay",    "rtpopuspay",  "rtpbin",
                                        "webmmux",   "splitmuxsink", NULL};
    guint i;

    for (i = 0; names[i] != NULL; i++) {
        GstElementFactory *f = gst_element_factory_find(names[i]);

        if (f == NULL) {
            g_test_skip_printf("GStreamer element %s is not installed", names[i]);
            return FALSE;
        }
        gst_object_unref(f);
    }
    return TRUE;
}

/* The file's duration and whether its stream has @caps_name, as GstDiscoverer reads it. */
static GstClockTime discover(const char *path, const char *caps_name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GstDiscoverer) d = gst_discoverer_new(10 * GST_SECOND, &error);
    g_autofree char *uri = gst_filename_to_uri(path, NULL);
    g_autoptr(GstDiscovererInfo) info = NULL;
    GList *streams, *l;
    gboolean found = FALSE;
    GstClockTime duration;

    g_assert_no_error(error);
    info = gst_discoverer_discover_uri(d, uri, &error);
    g_assert_no_error(error);
    g_assert_cmpint(gst_discoverer_info_get_result(info), ==, GST_DISCOVERER_OK);
    streams = gst_discoverer_info_get_stream_list(info);
    for (l = streams; l != NULL; l = l->next) {
        g_autoptr(GstCaps) caps = gst_discoverer_stream_info_get_caps(l->data);

        if (caps != NULL && gst_structure_has_name(gst_caps_get_structure(caps, 0), caps_name))
            found = TRUE;
    }
    gst_discoverer_stream_info_list_free(streams);
    g_assert_true(found);
    duration = gst_discoverer_info_get_duration(info);
    g_test_message("%s: %s, %.2f s", path, caps_name, (double)duration / GST_SECOND);
    return duration;
}

static void test_record_room(void)
{
    static const MediaEngineListener engine_listener = {.version = MEDIA_ENGINE_LISTENER_VERSION};
    static const MediaRecordingListener listener = {
        .version = MEDIA_RECORDING_LISTENER_VERSION,
        .segment_opened = on_opened,
        .segment_closed = on_closed,
        .error = on_error,
        .stopped = on_stopped,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(MediaIceConfig) ice = NULL;
    g_autofree char *dir = NULL;
    MediaEngineConfig config = {0};
    MediaRecordingConfig rc = {0};
    MediaRecordingStats stats;
    Test t = {0};
    gint64 published_us, left_us, first_audio_us = G_MAXINT64;
    GstClockTime audio_total = 0, video_total = 0;
    guint i, n_video = 0, n_audio = 0;

    if (!have_elements())
        return;
    dir = g_dir_make_tmp("phonghop-recording-XXXXXX", &error);
    g_assert_no_error(error);
    t.seen = g_ptr_array_new_with_free_func(seen_free);
    t.ctx = g_main_context_new();
    g_main_context_push_thread_default(t.ctx);
    ice = media_ice_config_new();
    g_assert_true(media_ice_config_add_address(ice, "127.0.0.1", &error));
    config.n_workers = 1;
    config.ice = ice;
    t.engine = media_engine_new(t.ctx, &config, &error);
    g_assert_no_error(error);
    media_engine_add_listener(t.engine, &engine_listener, &t, NULL);
    t.room = media_engine_ensure_room(t.engine, MEETING, &error);
    g_assert_no_error(error);

    /* Bad configurations are refused with a reason. */
    rc.dir = "relative/dir";
    g_assert_null(media_recording_new(t.room, &rc, &listener, &t, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID);
    g_clear_error(&error);
    rc.dir = dir;
    rc.skip_audio = rc.skip_video = TRUE;
    g_assert_null(media_recording_new(t.room, &rc, &listener, &t, &error));
    g_assert_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID);
    g_clear_error(&error);
    rc.skip_audio = rc.skip_video = FALSE;

    /* Recording before anyone publishes: the tracks join it. */
    rc.segment_seconds = 3;
    t.rec = media_recording_new(t.room, &rc, &listener, &t, &error);
    g_assert_no_error(error);
    g_assert_true(
        media_room_add_participant(t.room, PUBLISHER, "chủ tọa", MEDIA_ROLE_CHAIR, &error));
    webrtc_client_init(&t.pub, t.ctx, t.room, &t.failure, PUBLISHER, FALSE,
                       "webrtcbin name=w bundle-policy=max-bundle "
                       "audiotestsrc is-live=true wave=ticks ! audioconvert ! audioresample ! "
                       "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
                       "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w. "
                       "videotestsrc is-live=true pattern=ball ! "
                       "video/x-raw,width=320,height=240,framerate=15/1 ! "
                       "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=300 ! "
                       "rtpvp8pay pt=96 picture-id-mode=15-bit ! "
                       "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w.");
    webrtc_client_publish(&t.pub);
    gst_element_set_state(t.pub.pipeline, GST_STATE_PLAYING);
    if (!run_until(&t, is_published, 10000))
        g_error("publishing: %s", t.failure != NULL ? t.failure : "timed out");
    published_us = g_get_real_time();
    if (!run_until(&t, both_tracks_open, 10000))
        g_error("the publisher's tracks were not recorded: %u files opened", t.seen->len);
    run_for(&t, 7000);
    media_recording_get_stats(t.rec, &stats);
    g_test_message("recording: %u participants, %u tracks, %" G_GUINT64_FORMAT
                   " packets, %" G_GUINT64_FORMAT " dropped, %" G_GUINT64_FORMAT
                   " bytes, %" G_GUINT64_FORMAT " key frame requests",
                   stats.participants, stats.tracks, stats.packets, stats.dropped,
                   stats.bytes_written, stats.keyframe_requests);
    g_assert_true(stats.running);
    g_assert_cmpuint(stats.participants, ==, 1);
    g_assert_cmpuint(stats.tracks, ==, 2);
    g_assert_cmpuint(stats.packets, >, 300);
    g_assert_cmpuint(stats.bytes_written, >, 10000);
    g_assert_cmpuint(stats.keyframe_requests, >=, 1);
    /* with a key frame only every 20 s of its own, the cuts came from our requests */
    g_assert_cmpuint(stats.segments, >=, 1);

    /* The publisher leaves: its files close while the recording goes on. */
    g_assert_true(media_room_remove_participant(t.room, PUBLISHER, &error));
    left_us = g_get_real_time();
    webrtc_client_clear(&t.pub);
    if (!run_until(&t, all_closed, 10000))
        g_error("%u files still open after the publisher left", count_open(&t));
    media_recording_get_stats(t.rec, &stats);
    g_assert_true(stats.running);
    g_assert_cmpuint(stats.tracks, ==, 0);

    media_recording_stop(t.rec);
    g_assert_false(t.stopped); /* never from inside the call */
    if (!run_until(&t, is_stopped, 10000))
        g_error("the recording did not stop");
    g_assert_cmpuint(t.errors, ==, 0);

    for (i = 0; i < t.seen->len; i++) {
        Seen *s = g_ptr_array_index(t.seen, i);
        g_autofree char *contents = NULL;
        gsize len;
        g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
        GstClockTime d;

        g_assert_true(s->closed);
        g_assert_true(s->complete);
        g_assert_true(g_file_get_contents(s->path, &contents, &len, &error));
        g_assert_cmpuint(len, ==, s->size);
        g_checksum_update(sum, (const guchar *)contents, (gssize)len);
        g_assert_cmpstr(g_checksum_get_string(sum), ==, s->sha256);
        g_assert_true(
            g_str_has_prefix(s->track, s->kind == MEDIA_KIND_AUDIO ? "audio-" : "video-"));
        d = discover(s->path, s->kind == MEDIA_KIND_AUDIO ? "audio/x-opus" : "video/x-vp8");
        /* each file as long as the time it covers, within a second */
        g_assert_cmpfloat(ABS((double)d / GST_SECOND - (s->end_us - s->start_us) / 1e6), <, 1.0);
        if (s->kind == MEDIA_KIND_AUDIO) {
            n_audio++;
            audio_total += d;
        } else {
            n_video++;
            video_total += d;
        }
    }
    /* the truth: from the first audio frame written (the connection may take a while to come up
     * after the answer, under a sanitizer) to the publisher's leaving */
    for (i = 0; i < t.seen->len; i++) {
        Seen *s = g_ptr_array_index(t.seen, i);

        if (s->kind == MEDIA_KIND_AUDIO)
            first_audio_us = MIN(first_audio_us, s->start_us);
    }
    g_test_message("audio: %u files, %.2f s; video: %u files, %.2f s; published for %.2f s",
                   n_audio, (double)audio_total / GST_SECOND, n_video,
                   (double)video_total / GST_SECOND, (left_us - published_us) / 1e6);
    /* 3-second segments over about 7 seconds: cut at the key frames the recording asked for */
    g_assert_cmpuint(n_video, >=, 3);
    g_assert_cmpfloat(ABS((double)audio_total / GST_SECOND - (left_us - first_audio_us) / 1e6), <,
                      1.0);
    g_assert_cmpfloat(ABS((double)video_total / GST_SECOND - (double)audio_total / GST_SECOND), <,
                      1.5);

    media_recording_free(t.rec);
    media_room_destroy(t.room);
    media_engine_free(t.engine);
    while (g_main_context_iteration(t.ctx, FALSE))
        ;
    for (i = 0; i < t.seen->len; i++)
        g_unlink(((Seen *)g_ptr_array_index(t.seen, i))->path);
    g_rmdir(dir);
    g_ptr_array_unref(t.seen);
    g_free(t.failure);
    g_main_context_pop_thread_default(t.ctx);
    g_main_context_unref(t.ctx);
}

/* The room goes away under a recording: its tracks end, stop still finishes. */
static void test_room_destroyed_first(void)
{
    static const MediaRecordingListener listener = {
        .version = MEDIA_RECORDING_LISTENER_VERSION,
        .stopped = on_stopped,
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    MediaEngineConfig config = {0};
    MediaRecordingConfig rc = {0};
    Test t = {0};

    if (!have_elements())
        return;
    dir = g_dir_make_tmp("phonghop-recording-XXXXXX", &error);
    t.seen = g_ptr_array_new_with_free_func(seen_free);
    t.ctx = g_main_context_new();
    g_main_context_push_thread_default(t.ctx);
    config.n_workers = 1;
    t.engine = media_engine_new(t.ctx, &config, &error);
    g_assert_no_error(error);
    t.room = media_engine_ensure_room(t.engine, MEETING, &error);
    rc.dir = dir;
    t.rec = media_recording_new(t.room, &rc, &listener, &t, &error);
    g_assert_no_error(error);
    run_for(&t, 100);
    media_room_destroy(t.room);
    run_for(&t, 100);
    media_recording_stop(t.rec);
    g_assert_true(run_until(&t, is_stopped, 5000));
    media_recording_free(t.rec);
    media_engine_free(t.engine);
    while (g_main_context_iteration(t.ctx, FALSE))
        ;
    g_rmdir(dir);
    g_ptr_array_unref(t.seen);
    g_main_context_pop_thread_default(t.ctx);
    g_main_context_unref(t.ctx);
}

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recording/webrtcbin/record-room", test_record_room);
    g_test_add_func("/recording/room-destroyed-first", test_room_destroyed_first);
    return g_test_run();
}
