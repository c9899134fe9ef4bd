/* test-composite.c: the composite program (media/gst/composite.c) as a viewer sees it.
 *
 * Four sites send a solid colour each (VP8 over RTP, the speaker also a tone). The program
 * runs, the floor moves from the red site to the green one, then the sitting is closed. The HLS
 * segments written meanwhile are decoded and checked: the large tile shows the speaker's colour,
 * the title bar carries text, the large tile switches within a second of the floor switch, the
 * slate appears within two seconds of the closure and the sound stops with it. The archive file
 * is complete and plays.
 *
 * Stream time to program time: the first decoded frame is the first encoded frame, whose
 * running time the program reports; later frames are placed by their distance from it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/video/video.h>

#include "gst-test-util.h"
#include "gst/comp-image.h"
#include "gst/comp-layout.h"
#include "gst/composite.h"

#define W   640
#define H   360
#define FPS 15

typedef struct {
    gboolean stopped;
    guint errors;
    guint segments;
    guint opened;
    char *opened_path;
    gboolean segment_complete;
    char *segment_path;
    gint keyframes;
} State;

static void on_segment(gpointer user_data, const MgstSegment *seg)
{
    State *st = user_data;

    st->segments++;
    st->segment_complete = seg->complete;
    g_free(st->segment_path);
    st->segment_path = g_strdup(seg->path);
    g_assert_cmpstr(seg->track, ==, "program");
    g_assert_nonnull(seg->sha256);
}

/* the archive's file is announced before anything is written to it (so a crash leaves a trace) */
static void on_segment_opened(gpointer user_data, const MgstSegment *seg)
{
    State *st = user_data;

    st->opened++;
    g_free(st->opened_path);
    st->opened_path = g_strdup(seg->path);
    g_assert_cmpstr(seg->track, ==, "program");
    g_assert_null(seg->sha256);
}

static void on_error(gpointer user_data, const GError *error, gboolean fatal)
{
    g_test_message("program error (fatal %d): %s", fatal, error->message);
    ((State *)user_data)->errors++;
}

static void on_stopped(gpointer user_data)
{
    ((State *)user_data)->stopped = TRUE;
}

static void on_keyframe(gpointer user_data, guint64 input_id)
{
    g_atomic_int_inc(&((State *)user_data)->keyframes);
}

static gboolean is_stopped(gpointer data)
{
    return ((State *)data)->stopped;
}

/* ---- frames ---- */

typedef struct {
    double t; /* program running time, s */
    guint8 *rgb;
} Frame;

typedef struct {
    GArray *frames; /* Frame */
    double first_pts;
    gboolean have_first;
} Frames;

static void frame_func(GstBuffer *buf, GstCaps *caps, gpointer data)
{
    Frames *fr = data;
    GstVideoInfo vi;
    GstMapInfo map;
    Frame f;
    double pts = (double)GST_BUFFER_PTS(buf) / GST_SECOND;
    gint y;

    if (!gst_video_info_from_caps(&vi, caps) || !gst_buffer_map(buf, &map, GST_MAP_READ))
        return;
    if (!fr->have_first) {
        fr->first_pts = pts;
        fr->have_first = TRUE;
    }
    f.t = pts - fr->first_pts;
    f.rgb = g_malloc((gsize)W * H * 3);
    for (y = 0; y < H; y++)
        memcpy(f.rgb + (gsize)y * W * 3, map.data + (gsize)y * vi.stride[0], (gsize)W * 3);
    gst_buffer_unmap(buf, &map);
    g_array_append_val(fr->frames, f);
}

/* Mean colour of a box of 1/5 of @r around its centre. */
static void box_color(const Frame *f, CompRect r, double rgb[3])
{
    gint x0 = r.x + r.w * 2 / 5, x1 = r.x + r.w * 3 / 5;
    gint y0 = r.y + r.h * 2 / 5, y1 = r.y + r.h * 3 / 5;
    gint x, y, c;
    double n = 0;

    rgb[0] = rgb[1] = rgb[2] = 0;
    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            for (c = 0; c < 3; c++)
                rgb[c] += f->rgb[((gsize)y * W + x) * 3 + c];
            n++;
        }
    }
    for (c = 0; c < 3; c++)
        rgb[c] /= n;
}

static gboolean near(const double rgb[3], guint32 want)
{
    double w[3] = {(want >> 16) & 0xff, (want >> 8) & 0xff, want & 0xff};
    gint c;

    for (c = 0; c < 3; c++) {
        if (fabs(rgb[c] - w[c]) > 40)
            return FALSE;
    }
    return TRUE;
}

/* Standard deviation of luma in @r: text on a plain bar is far from uniform. */
static double luma_spread(const Frame *f, CompRect r)
{
    double sum = 0, sq = 0, n = 0;
    gint x, y;

    for (y = r.y; y < r.y + r.h; y++) {
        for (x = r.x; x < r.x + r.w; x++) {
            const guint8 *p = f->rgb + ((gsize)y * W + x) * 3;
            double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];

            sum += l;
            sq += l * l;
            n++;
        }
    }
    return sqrt(MAX(sq / n - (sum / n) * (sum / n), 0));
}

static char *concat_segments(const char *hls_dir, const char *out_dir)
{
    g_auto(GStrv) files = test_list_files(hls_dir, "seg-*.ts");
    char *out = g_build_filename(out_dir, "all.ts", NULL);
    GString *all = g_string_new(NULL);
    guint i;

    for (i = 0; files[i] != NULL; i++) {
        g_autofree char *data = NULL;
        gsize len = 0;

        g_assert_true(g_file_get_contents(files[i], &data, &len, NULL));
        g_string_append_len(all, data, (gssize)len);
    }
    g_test_message("%u HLS segments, %zu bytes", i, all->len);
    g_assert_cmpuint(i, >=, 4);
    g_assert_true(g_file_set_contents(out, all->str, (gssize)all->len, NULL));
    g_string_free(all, TRUE);
    return out;
}

typedef struct {
    double first_pts;
    gboolean have_first;
    double sq[64]; /* RMS per second of stream */
    double n[64];
} Audio;

static void audio_func(GstBuffer *buf, GstCaps *caps, gpointer data)
{
    Audio *a = data;
    GstMapInfo map;
    double pts = (double)GST_BUFFER_PTS(buf) / GST_SECOND;
    gsize i, n;

    if (!gst_buffer_map(buf, &map, GST_MAP_READ))
        return;
    if (!a->have_first) {
        a->first_pts = pts;
        a->have_first = TRUE;
    }
    n = map.size / sizeof(float);
    for (i = 0; i < n; i++) {
        double t = pts - a->first_pts + (double)i / 48000.0;
        gint s = (gint)t;
        float v = ((const float *)map.data)[i];

        if (s >= 0 && s < 64) {
            a->sq[s] += (double)v * v;
            a->n[s]++;
        }
    }
    gst_buffer_unmap(buf, &map);
}

static double rms_between(const Audio *a, double from, double to)
{
    double sq = 0, n = 0;
    gint s;

    for (s = (gint)ceil(from); s < (gint)floor(to) && s < 64; s++) {
        sq += a->sq[s];
        n += a->n[s];
    }
    return n > 0 ? sqrt(sq / n) : -1;
}

static void test_program(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autofree char *dir = g_dir_make_tmp("phonghop-comp-XXXXXX", NULL);
    g_autofree char *hls = g_build_filename(dir, "live", NULL);
    g_autofree char *archive = g_build_filename(dir, "archive", NULL);
    g_autofree char *playlist_path = g_build_filename(hls, "index.m3u8", NULL);
    g_autofree char *playlist = NULL;
    g_autofree char *all = NULL;
    g_autoptr(GError) error = NULL;
    CompConfig config = {.width = W,
                         .height = H,
                         .fps = FPS,
                         .hls_dir = hls,
                         .archive_dir = archive,
                         .meeting_id = 42};
    static const CompEvents events = {on_segment, on_error, on_stopped, on_keyframe,
                                      on_segment_opened};
    static const guint32 colors[4] = {0xffd01010, 0xff10c010, 0xff1010d0, 0xffe0e010};
    Synth *synths[4];
    State st = {0};
    CompProgram *comp;
    CompStats stats;
    CompLayout layout;
    Frames fr = {g_array_new(FALSE, FALSE, sizeof(Frame)), 0, FALSE};
    Audio au = {0};
    GstClockTime t0, t_switch, t_close;
    double switch_at, close_at;
    double seen_switch = -100, seen_slate = -100;
    guint i;

    g_main_context_push_thread_default(ctx);
    comp = comp_program_new(&config, &events, &st, ctx, &error);
    g_assert_no_error(error);
    comp_program_set_title(comp, "HĐND tỉnh Hà Tĩnh", "Kỳ họp thứ 12",
                           "Mục 3: Thảo luận dự thảo nghị quyết về dự toán ngân sách năm 2026");
    comp_program_set_floor(comp, "Nguyễn Văn Ánh", g_get_real_time() + 150 * G_USEC_PER_SEC);
    for (i = 0; i < 4; i++) {
        g_autofree char *label = g_strdup_printf("Điểm cầu %u", i + 1);
        g_autofree char *cname = g_strdup_printf("site%u@phonghop", i + 1);
        /* the third site sends H.264 (a Safari, a hall camera), the others VP8 */
        SynthConfig sc = {.width = 320,
                          .height = 180,
                          .fps = FPS,
                          .color = colors[i],
                          .no_audio = i != 0,
                          .cname = cname,
                          .keyframe_interval = 30,
                          .h264 = i == 2};
        MgstRtpInput *v, *a = NULL;

        v = comp_program_add_track(comp, i + 1, label, i == 2 ? MGST_CODEC_H264 : MGST_CODEC_VP8,
                                   96, 0, &error);
        g_assert_no_error(error);
        if (i == 0) {
            a = comp_program_add_track(comp, i + 1, label, MGST_CODEC_OPUS, 111, 0, &error);
            g_assert_no_error(error);
        }
        synths[i] = synth_new(&sc, v, a);
    }
    comp_program_set_speaker(comp, 1);
    comp_program_set_audio_open(comp, 1, TRUE);

    test_run_for(ctx, 6000);
    t0 = comp_program_get_first_frame_time(comp);
    g_assert_true(GST_CLOCK_TIME_IS_VALID(t0));
    t_switch = comp_program_get_running_time(comp);
    comp_program_set_speaker(comp, 2);
    comp_program_set_floor(comp, "Trần Thị Bích", g_get_real_time() + 90 * G_USEC_PER_SEC);
    test_run_for(ctx, 4000);
    t_close = comp_program_get_running_time(comp);
    comp_program_set_closed(comp, TRUE);
    test_run_for(ctx, 4000);
    comp_program_get_stats(comp, &stats);
    g_test_message("%" G_GUINT64_FORMAT " frames encoded, %" G_GUINT64_FORMAT
                   " packets, %" G_GUINT64_FORMAT " dropped, %u inputs, %d key frame requests",
                   stats.frames, stats.packets, stats.dropped, stats.inputs,
                   g_atomic_int_get(&st.keyframes));
    g_assert_cmpuint(stats.inputs, ==, 4);

    /* a site leaves: the program goes on */
    comp_program_remove_input(comp, 4);
    synth_set_inputs(synths[3], NULL, NULL);
    test_run_for(ctx, 1000);
    comp_program_get_stats(comp, &stats);
    g_assert_cmpuint(stats.inputs, ==, 3);

    comp_program_stop(comp);
    g_assert_true(test_wait(ctx, is_stopped, &st, 15000));
    comp_program_free(comp);
    for (i = 0; i < 4; i++)
        synth_free(synths[i]);
    g_assert_cmpuint(st.errors, ==, 0);

    /* the playlist: HLS v3 with 2 s targets, ended */
    g_assert_true(g_file_get_contents(playlist_path, &playlist, NULL, NULL));
    g_assert_nonnull(strstr(playlist, "#EXT-X-TARGETDURATION:2"));
    g_assert_nonnull(strstr(playlist, "#EXT-X-ENDLIST"));
    g_assert_nonnull(strstr(playlist, "seg-"));
    g_assert_null(strstr(playlist, dir)); /* relative names, served under /live/MEETING/ */

    /* the archive: one complete file that discoverer knows */
    g_assert_cmpuint(st.segments, ==, 1);
    g_assert_cmpuint(st.opened, ==, 1);
    g_assert_cmpstr(st.opened_path, ==, st.segment_path);
    g_assert_true(st.segment_complete);
    {
        g_autofree char *caps = NULL;
        double duration = 0;

        g_assert_true(test_discover(st.segment_path, &caps, &duration, &error));
        g_assert_no_error(error);
        g_test_message("archive %s: %s, %.2f s", st.segment_path, caps, duration);
        g_assert_cmpstr(caps, ==, "video/x-h264");
        g_assert_cmpfloat(duration, >, 12.0);
    }

    /* decode the public stream */
    all = concat_segments(hls, dir);
    test_decode(all, "videoconvert ! video/x-raw,format=RGB", frame_func, &fr);
    test_decode(all, "audioconvert ! audio/x-raw,format=F32LE,channels=1,rate=48000", audio_func,
                &au);
    g_test_message("%u frames decoded from HLS", fr.frames->len);
    g_assert_cmpuint(fr.frames->len, >, 10 * FPS);

    switch_at = (double)(t_switch - t0) / GST_SECOND;
    close_at = (double)(t_close - t0) / GST_SECOND;
    comp_layout_compute(W, H, TRUE, 3, &layout);
    for (i = 0; i < fr.frames->len; i++) {
        Frame *f = &g_array_index(fr.frames, Frame, i);
        double speaker[3], tile[3], slate[3];
        CompRect top = {0, H / 10, W, H / 5};

        box_color(f, layout.speaker, speaker);
        box_color(f, top, slate);
        if (g_getenv("PHONGHOP_TEST_DUMP") != NULL && fabs(f->t - 3.0) < 0.05) {
            FILE *out = fopen(g_getenv("PHONGHOP_TEST_DUMP"), "wb");

            fprintf(out, "P6\n%d %d\n255\n", W, H);
            fwrite(f->rgb, 1, (size_t)W * H * 3, out);
            fclose(out);
        }
        if (f->t > 2.0 && f->t < switch_at - 0.5) {
            /* the red site speaks; the grid shows the others, first green */
            if (!near(speaker, 0xd01010))
                g_test_message("t=%.3f speaker %.0f,%.0f,%.0f", f->t, speaker[0], speaker[1],
                               speaker[2]);
            g_assert_true(near(speaker, 0xd01010));
            box_color(f, layout.tiles[0], tile);
            g_assert_true(near(tile, 0x10c010));
            box_color(f, layout.tiles[1], tile); /* the H.264 site */
            g_assert_true(near(tile, 0x1010d0));
            g_assert_cmpfloat(luma_spread(f, (CompRect){8, 4, W / 2, layout.bar.h - 8}), >, 20.0);
        }
        if (seen_switch < -10 && near(speaker, 0x10c010))
            seen_switch = f->t - switch_at;
        if (seen_slate < -10 && near(slate, COMP_COLOR_SLATE))
            seen_slate = f->t - close_at;
        if (f->t > close_at + 2.0) {
            g_assert_true(near(slate, COMP_COLOR_SLATE));
            g_assert_false(near(speaker, 0x10c010));
        }
    }
    g_test_message("floor switch seen in the stream after %.3f s, slate after %.3f s", seen_switch,
                   seen_slate);
    /* A frame's timestamp is when its pictures were taken: the mixers compose a moment
     * (jitter buffer + decoding, 0.4 s) after it, so a change made at time T shows in frames
     * stamped from T - 0.4 s on. What matters to a viewer: no later than 1 s (2 s) after. */
    g_assert_cmpfloat(seen_switch, >, -0.5);
    g_assert_cmpfloat(seen_switch, <, 1.0);
    g_assert_cmpfloat(seen_slate, >, -0.5);
    g_assert_cmpfloat(seen_slate, <, 2.0);

    /* sound: the open speaker's tone before the closure, silence after */
    {
        double before = rms_between(&au, 2.0, close_at - 0.5);
        double after = rms_between(&au, close_at + 2.0, close_at + 4.0);

        g_test_message("audio RMS %.4f while open, %.4f while closed", before, after);
        g_assert_cmpfloat(before, >, 0.05);
        g_assert_cmpfloat(after, >=, 0);
        g_assert_cmpfloat(after, <, 0.001);
    }

    for (i = 0; i < fr.frames->len; i++)
        g_free(g_array_index(fr.frames, Frame, i).rgb);
    g_array_unref(fr.frames);
    g_free(st.segment_path);
    g_free(st.opened_path);
    g_main_context_pop_thread_default(ctx);
    {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

        g_assert_cmpint(system(cmd), ==, 0);
    }
}

static void test_layout(void)
{
    CompLayout l;
    guint i, j, n;

    /* 720p, speaker and eight sites: the speaker has two thirds, the grid two columns */
    comp_layout_compute(1280, 720, TRUE, 8, &l);
    g_assert_cmpint(l.bar.h, ==, 72);
    g_assert_cmpint(l.speaker.w, >, 800);
    g_assert_cmpint(l.speaker.w * 9, ==, l.speaker.h * 16 + (l.speaker.w * 9 - l.speaker.h * 16));
    g_assert_cmpuint(l.n_tiles, ==, 8);
    g_assert_cmpint(l.tiles[0].x, >, l.speaker.x + l.speaker.w);
    for (n = 0; n <= 12; n++) {
        for (i = 0; i < 2; i++) {
            comp_layout_compute(1920, 1080, i == 1, n, &l);
            g_assert_cmpuint(l.n_tiles, ==, i == 1 && n == 0 ? 0 : n);
            for (j = 0; j < l.n_tiles; j++) {
                CompRect *a = &l.tiles[j];
                guint k;

                /* inside the stage, even, not overlapping each other or the speaker */
                g_assert_cmpint(a->x, >=, l.content.x);
                g_assert_cmpint(a->y, >=, l.content.y);
                g_assert_cmpint(a->x + a->w, <=, l.content.x + l.content.w);
                g_assert_cmpint(a->y + a->h, <=, l.content.y + l.content.h);
                g_assert_cmpint(a->w % 2, ==, 0);
                g_assert_cmpint(a->x % 2, ==, 0);
                g_assert_cmpint(a->w, >, 0);
                for (k = j + 1; k < l.n_tiles; k++) {
                    CompRect *b = &l.tiles[k];

                    g_assert_true(a->x + a->w <= b->x || b->x + b->w <= a->x ||
                                  a->y + a->h <= b->y || b->y + b->h <= a->y);
                }
                if (l.speaker.w > 0)
                    g_assert_cmpint(a->x, >=, l.speaker.x + l.speaker.w);
            }
        }
    }
}

static void test_images(void)
{
    CompLayout l;
    g_autoptr(GstBuffer) bg = NULL;
    g_autoptr(GstBuffer) slate = NULL;
    GstMapInfo map;
    const guint8 *p;

    comp_layout_compute(640, 360, FALSE, 0, &l);
    bg = comp_image_render_background(640, 360, &l);
    slate = comp_image_render_slate(640, 360, "DejaVu Sans", "Phiên họp kín", "thử");
    gst_buffer_map(bg, &map, GST_MAP_READ);
    p = map.data + (10 * 640 + 10) * 4; /* BGRA, inside the bar */
    g_assert_cmpuint(p[2], ==, (COMP_COLOR_BAR >> 16) & 0xff);
    g_assert_cmpuint(p[1], ==, (COMP_COLOR_BAR >> 8) & 0xff);
    g_assert_cmpuint(p[0], ==, COMP_COLOR_BAR & 0xff);
    gst_buffer_unmap(bg, &map);
    gst_buffer_map(slate, &map, GST_MAP_READ);
    {
        /* the title's row has white glyph pixels: Pango rendered the Vietnamese text */
        guint x, y, white = 0;

        for (y = 144; y < 180; y++) {
            for (x = 0; x < 640; x++) {
                const guint8 *q = map.data + (y * 640 + x) * 4;

                white += q[0] > 200 && q[1] > 200 && q[2] > 200;
            }
        }
        g_assert_cmpuint(white, >, 500);
    }
    gst_buffer_unmap(slate, &map);
    if (g_getenv("PHONGHOP_TEST_DUMP_SLATE") != NULL)
        g_assert_true(
            comp_image_write_png(slate, 640, 360, g_getenv("PHONGHOP_TEST_DUMP_SLATE"), NULL));
}

int main(int argc, char **argv)
{
    gst_init(NULL, NULL);
    g_test_init(&argc, &argv, NULL);
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    g_test_add_func("/media-gst/composite/layout", test_layout);
    g_test_add_func("/media-gst/composite/images", test_images);
    g_test_add_func("/media-gst/composite/program", test_program);
    return g_test_run();
}
