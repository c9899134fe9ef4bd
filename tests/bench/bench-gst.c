/* bench-gst.c: CPU cost of the composite program and of per-track recording (media/gst/).
 *
 * Usage: bench-gst [SECONDS [RUNS [composite|recorder|INDEX]]]
 *        (default 15 s measured after 5 s of warm-up, 3 runs, every scenario)
 *
 * Inputs are real encoded streams, as the SFU's tap delivers them: 10 s of 640x360 VP8 at
 * 30 fps (about 500 kbit/s, a key frame every 2 s, moving colour bars) and Opus, encoded once
 * before anything is measured and replayed in a loop by one feeder thread with continuous
 * sequence numbers and timestamps (GSTREAMER.md: test-pattern sources inside the pipeline
 * overstate the composite's cost about three times, so they are not used).
 *
 * Measured: CPU time of the whole process (getrusage) minus the feeder thread's own
 * (CLOCK_THREAD_CPUTIME_ID), per second of wall time: CPU-seconds per second of output. For the
 * composite that is decode + compose + title + encode (x264 ultrafast/zerolatency + AAC) + HLS
 * and archive muxing; for recording, per track (rtpbin, depayload, mux, write). The frames the
 * program actually encoded per second are printed too: below the target rate means the machine
 * could not keep up and the CPU figure is a floor. Each figure is the median of RUNS runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "gst/composite.h"
#include "gst/recorder.h"
#include "gst/rtp-input.h"

#define CLIP_SECONDS 10

typedef struct {
    GstClockTime offset; /* from the start of the clip */
    MgstKind kind;
    GBytes *bytes;
} Packet;

typedef struct {
    MgstRtpInput *input;
    MgstKind kind;
} Target;

static GPtrArray *clip; /* Packet *, in time order */
static guint n_video, n_audio;

/* ---- the clip ---- */

static void collect(GstElement *pipeline, const char *sink_name, MgstKind kind, GPtrArray *out)
{
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), sink_name);
    GstSample *sample;
    GstClockTime first = GST_CLOCK_TIME_NONE;

    while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) != NULL) {
        GstBuffer *buf = gst_sample_get_buffer(sample);
        GstMapInfo map;
        Packet *p = g_new0(Packet, 1);

        if (!GST_CLOCK_TIME_IS_VALID(first))
            first = GST_BUFFER_PTS(buf);
        p->offset = GST_BUFFER_PTS(buf) - first;
        p->kind = kind;
        gst_buffer_map(buf, &map, GST_MAP_READ);
        p->bytes = g_bytes_new(map.data, map.size);
        gst_buffer_unmap(buf, &map);
        g_ptr_array_add(out, p);
        gst_sample_unref(sample);
    }
    gst_object_unref(sink);
}

static gint by_offset(gconstpointer a, gconstpointer b)
{
    const Packet *pa = *(Packet *const *)a, *pb = *(Packet *const *)b;

    return pa->offset < pb->offset ? -1 : pa->offset > pb->offset;
}

static void make_clip(void)
{
    g_autofree char *desc = g_strdup_printf(
        "videotestsrc pattern=smpte horizontal-speed=3 num-buffers=%d ! "
        "video/x-raw,width=640,height=360,"
        "framerate=30/1 ! vp8enc deadline=1 target-bitrate=500000 keyframe-max-dist=60 ! "
        "rtpvp8pay pt=96 mtu=1200 picture-id-mode=15-bit ! appsink name=v sync=false "
        "audiotestsrc num-buffers=%d samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=1 "
        "! opusenc ! rtpopuspay pt=111 ! appsink name=a sync=false",
        30 * CLIP_SECONDS, 50 * CLIP_SECONDS);
    GError *error = NULL;
    GstElement *pipeline = gst_parse_launch(desc, &error);
    guint i;

    g_assert_no_error(error);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    clip = g_ptr_array_new();
    collect(pipeline, "v", MGST_KIND_VIDEO, clip);
    n_video = clip->len;
    collect(pipeline, "a", MGST_KIND_AUDIO, clip);
    n_audio = clip->len - n_video;
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_ptr_array_sort(clip, by_offset);
    {
        gsize bytes = 0;

        for (i = 0; i < clip->len; i++)
            bytes += g_bytes_get_size(((Packet *)g_ptr_array_index(clip, i))->bytes);
        printf("clip: %u VP8 and %u Opus packets, %.0f kbit/s, %d s\n", n_video, n_audio,
               bytes * 8.0 / CLIP_SECONDS / 1000, CLIP_SECONDS);
    }
}

/* ---- the feeder ---- */

typedef struct {
    GPtrArray *targets; /* Target * */
    gint stop;
    GMutex lock;
    gint64 cpu_ns;  /* protected by lock: the thread's own CPU time, updated as it goes */
    guint64 pushed; /* protected by lock */
} Feeder;

static gint64 thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gint64 process_cpu_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ((gint64)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((gint64)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static gpointer feeder_thread(gpointer data)
{
    Feeder *f = data;
    gint64 start = g_get_monotonic_time();
    guint8 buf[1500];
    guint64 pushed = 0;
    guint loop;

    for (loop = 0; !g_atomic_int_get(&f->stop); loop++) {
        guint i, t;

        for (i = 0; i < clip->len && !g_atomic_int_get(&f->stop); i++) {
            Packet *p = g_ptr_array_index(clip, i);
            gint64 due =
                start + (gint64)(((guint64)loop * CLIP_SECONDS * GST_SECOND + p->offset) / 1000);
            gint64 wait = due - g_get_monotonic_time();
            gsize len;
            const guint8 *src = g_bytes_get_data(p->bytes, &len);
            guint32 rate = p->kind == MGST_KIND_VIDEO ? 90000 : 48000;
            guint n = p->kind == MGST_KIND_VIDEO ? n_video : n_audio;
            guint16 seq;
            guint32 ts;

            if (wait > 0) {
                gint64 cpu = thread_cpu_ns();

                g_mutex_lock(&f->lock);
                f->cpu_ns = cpu;
                f->pushed += pushed;
                g_mutex_unlock(&f->lock);
                pushed = 0;
                g_usleep((gulong)wait);
            }
            memcpy(buf, src, MIN(len, sizeof buf));
            /* continuous across loops: sequence numbers and timestamps go on */
            seq = (guint16)(((guint)buf[2] << 8 | buf[3]) + loop * n);
            ts = ((guint32)buf[4] << 24 | (guint32)buf[5] << 16 | (guint32)buf[6] << 8 | buf[7]) +
                 loop * CLIP_SECONDS * rate;
            buf[2] = (guint8)(seq >> 8);
            buf[3] = (guint8)seq;
            buf[4] = (guint8)(ts >> 24);
            buf[5] = (guint8)(ts >> 16);
            buf[6] = (guint8)(ts >> 8);
            buf[7] = (guint8)ts;
            for (t = 0; t < f->targets->len; t++) {
                Target *tg = g_ptr_array_index(f->targets, t);

                if (tg->kind == p->kind) {
                    mgst_rtp_input_push_rtp(tg->input, buf, len);
                    pushed++;
                }
            }
        }
    }
    g_mutex_lock(&f->lock);
    f->cpu_ns = thread_cpu_ns();
    f->pushed += pushed;
    g_mutex_unlock(&f->lock);
    return NULL;
}

static void add_target(Feeder *f, MgstRtpInput *input, MgstKind kind)
{
    Target *t = g_new0(Target, 1);

    t->input = mgst_rtp_input_ref(input);
    t->kind = kind;
    g_ptr_array_add(f->targets, t);
}

static void target_free(gpointer data)
{
    Target *t = data;

    mgst_rtp_input_unref(t->input);
    g_free(t);
}

static void iterate_for(GMainContext *ctx, double seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

    while (g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(ctx, FALSE))
            g_usleep(5000);
    }
}

/* ---- one run ---- */

typedef struct {
    guint width, height, fps, sites; /* sites 0: no composite */
    guint recorded;                  /* participants recorded (video + audio each) */
} Scenario;

typedef struct {
    double cpu_per_s;
    double fps_out;
    double feeder_us_per_packet;
} Result;

static void on_error(gpointer user_data, const GError *error, gboolean fatal)
{
    fprintf(stderr, "error (fatal %d): %s\n", fatal, error->message);
}

static Result run(const Scenario *sc, double measure_s, const char *tmp)
{
    static const CompEvents cev = {NULL, on_error, NULL, NULL, NULL};
    static const RecEvents rev = {NULL, on_error, NULL, NULL, NULL};
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Feeder f = {.targets = g_ptr_array_new_with_free_func(target_free)};
    GPtrArray *recorders = g_ptr_array_new_with_free_func((GDestroyNotify)rec_recorder_free);
    CompProgram *comp = NULL;
    CompStats s0 = {0}, s1 = {0};
    Result r = {0};
    g_autofree char *hls = g_build_filename(tmp, "live", NULL);
    g_autofree char *archive = g_build_filename(tmp, "archive", NULL);
    g_autofree char *recdir = g_build_filename(tmp, "rec", NULL);
    GThread *thread;
    gint64 cpu0, cpu1, feed0, feed1, wall0, wall1;
    guint64 pushed0, pushed1;
    guint i;

    g_main_context_push_thread_default(ctx);
    if (sc->sites > 0) {
        CompConfig cc = {.width = sc->width,
                         .height = sc->height,
                         .fps = sc->fps,
                         .hls_dir = hls,
                         .archive_dir = archive,
                         .meeting_id = 1};

        comp = comp_program_new(&cc, &cev, NULL, ctx, NULL);
        g_assert_nonnull(comp);
        comp_program_set_title(comp, "HĐND tỉnh Hà Tĩnh", "Kỳ họp thứ 12",
                               "Mục 3: Thảo luận dự thảo nghị quyết về dự toán ngân sách");
        comp_program_set_floor(comp, "Nguyễn Văn Ánh", g_get_real_time() + 300 * G_USEC_PER_SEC);
        for (i = 0; i < sc->sites; i++) {
            add_target(&f, comp_program_add_track(comp, i + 1, NULL, MGST_CODEC_VP8, 96, 0, NULL),
                       MGST_KIND_VIDEO);
            add_target(&f, comp_program_add_track(comp, i + 1, NULL, MGST_CODEC_OPUS, 111, 0, NULL),
                       MGST_KIND_AUDIO);
        }
        comp_program_set_speaker(comp, 1);
        comp_program_set_audio_open(comp, 1, TRUE);
    }
    for (i = 0; i < sc->recorded; i++) {
        RecConfig rc = {.participant_id = i + 1, .dir = recdir};
        RecRecorder *rec = rec_recorder_new(&rc, &rev, NULL, ctx, NULL);

        g_assert_nonnull(rec);
        add_target(&f, rec_recorder_add_track(rec, "video", MGST_CODEC_VP8, 96, 0, NULL),
                   MGST_KIND_VIDEO);
        add_target(&f, rec_recorder_add_track(rec, "audio", MGST_CODEC_OPUS, 111, 0, NULL),
                   MGST_KIND_AUDIO);
        g_ptr_array_add(recorders, rec);
    }

    g_mutex_init(&f.lock);
    thread = g_thread_new("feeder", feeder_thread, &f);
    iterate_for(ctx, 5.0); /* warm-up: key frames, negotiation, latency */

    if (comp != NULL)
        comp_program_get_stats(comp, &s0);
    g_mutex_lock(&f.lock);
    feed0 = f.cpu_ns;
    pushed0 = f.pushed;
    g_mutex_unlock(&f.lock);
    cpu0 = process_cpu_ns();
    wall0 = g_get_monotonic_time();
    iterate_for(ctx, measure_s);
    cpu1 = process_cpu_ns();
    wall1 = g_get_monotonic_time();
    g_mutex_lock(&f.lock);
    feed1 = f.cpu_ns;
    pushed1 = f.pushed;
    g_mutex_unlock(&f.lock);
    if (comp != NULL)
        comp_program_get_stats(comp, &s1);

    r.cpu_per_s = (double)((cpu1 - cpu0) - (feed1 - feed0)) / 1e9 /
                  ((double)(wall1 - wall0) / G_USEC_PER_SEC);
    r.fps_out = (double)(s1.frames - s0.frames) / ((double)(wall1 - wall0) / G_USEC_PER_SEC);
    r.feeder_us_per_packet =
        pushed1 > pushed0 ? (double)(feed1 - feed0) / 1000.0 / (double)(pushed1 - pushed0) : 0;

    g_atomic_int_set(&f.stop, 1);
    g_thread_join(thread);
    g_ptr_array_unref(recorders);
    comp_program_free(comp);
    g_ptr_array_unref(f.targets);
    g_mutex_clear(&f.lock);
    g_main_context_pop_thread_default(ctx);
    return r;
}

static gint cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(const double *values, guint n)
{
    double v[16];

    memcpy(v, values, n * sizeof *v);
    qsort(v, n, sizeof *v, (int (*)(const void *, const void *))cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The library's informational messages (files finished, ...) would drown the figures. */
static GLogWriterOutput quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                                     gpointer user_data)
{
    if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, n, user_data);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 15;
    guint runs = argc > 2 ? (guint)atoi(argv[2]) : 3;
    const char *only = argc > 3 ? argv[3] : NULL;
    static const Scenario scenarios[] = {
        {1280, 720, 15, 4, 0},  {1280, 720, 15, 9, 0},  {1280, 720, 30, 9, 0},
        {1920, 1080, 15, 4, 0}, {1920, 1080, 15, 9, 0}, {1920, 1080, 30, 9, 0},
        {0, 0, 0, 0, 9},        {1280, 720, 15, 9, 9},
    };
    g_autofree char *tmp = g_dir_make_tmp("phonghop-bench-XXXXXX", NULL);
    guint s, i;

    gst_init(&argc, &argv);
    g_log_set_writer_func(quiet_writer, NULL, NULL);
    make_clip();
    printf("%u CPUs; %.0f s measured per run after 5 s of warm-up; median of %u runs\n",
           g_get_num_processors(), seconds, runs);
    for (s = 0; s < G_N_ELEMENTS(scenarios); s++) {
        const Scenario *sc = &scenarios[s];
        double cpu[16], fps[16], feed[16];
        g_autofree char *label = NULL;

        if (only != NULL && g_ascii_isdigit(*only) && (guint)atoi(only) != s)
            continue;
        if (only != NULL && strcmp(only, "composite") == 0 && sc->sites == 0)
            continue;
        if (only != NULL && strcmp(only, "recorder") == 0 && sc->recorded == 0)
            continue;
        runs = MIN(runs, G_N_ELEMENTS(cpu));
        for (i = 0; i < runs; i++) {
            Result r = run(sc, seconds, tmp);

            cpu[i] = r.cpu_per_s;
            fps[i] = r.fps_out;
            feed[i] = r.feeder_us_per_packet;
            g_autofree char *cmd = g_strdup_printf("rm -rf '%s'/*", tmp);
            if (system(cmd) != 0)
                fprintf(stderr, "cannot clean %s\n", tmp);
        }
        if (sc->sites > 0 && sc->recorded > 0)
            label = g_strdup_printf("composite %ux%u@%u, %u sites + recording %u tracks", sc->width,
                                    sc->height, sc->fps, sc->sites, sc->recorded * 2);
        else if (sc->sites > 0)
            label = g_strdup_printf("composite %ux%u@%u, %u sites", sc->width, sc->height, sc->fps,
                                    sc->sites);
        else
            label = g_strdup_printf("recording %u tracks (%u VP8 + %u Opus)", sc->recorded * 2,
                                    sc->recorded, sc->recorded);
        printf("%-52s cpu %.3f s/s", label, median(cpu, runs));
        if (sc->sites == 0)
            printf(" = %.4f s/s per track", median(cpu, runs) / (sc->recorded * 2));
        if (sc->sites > 0)
            printf(", %.1f fps out", median(fps, runs));
        printf("  [runs:");
        for (i = 0; i < runs; i++)
            printf(" %.3f", cpu[i]);
        if (sc->sites > 0) {
            printf("; fps:");
            for (i = 0; i < runs; i++)
                printf(" %.1f", fps[i]);
        }
        printf("]  feeder %.1f us/packet\n", median(feed, runs));
        fflush(stdout);
    }
    g_rmdir(tmp);
    return 0;
}
