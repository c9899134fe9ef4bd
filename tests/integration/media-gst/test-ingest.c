/* test-ingest.c: RTSP hall cameras (media/gst/ingest.c) against a real RTSP server.
 *
 * The server is tests' rtsp-test-server (gst-rtsp-server) on a free loopback port. What the SFU
 * would notice: the camera's H.264 comes out as RTP H.264 Constrained Baseline without being
 * re-encoded (its SPS says so); its G.711 audio (PCMA, PCMU, 8 kHz) comes out as Opus with a
 * 48 kHz RTP clock (flagged as transcoded, logged once per connection); a High-profile camera
 * with AAC is transcoded (flagged) to Constrained Baseline and Opus; a camera that is killed
 * and comes back is reconnected to by itself.
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <gio/gio.h>

#include "gst/ingest.h"
#include "rtp/rtp.h"

typedef struct {
    GMutex lock;
    guint64 packets[2];
    gboolean saw_sps;
    guint8 sps_profile, sps_constraints;
    IngestStream streams[2];
    gboolean have_stream[2];
    IngestState state;
    guint reconnecting;
    guint32 audio_ssrc, audio_ts; /* the last audio packet's */
    guint32 audio_ts_step;        /* between the last two audio packets of one SSRC */
    guint audio_clock_rate;
} State;

/* g_message()s of the ingest that say it transcodes: counted by what they say. */
static gint logged_pcma, logged_pcmu;

static GLogWriterOutput count_logs(GLogLevelFlags level, const GLogField *fields, gsize n,
                                   gpointer user_data)
{
    for (gsize i = 0; i < n; i++) {
        if (strcmp(fields[i].key, "MESSAGE") != 0 || fields[i].length != -1)
            continue;
        if (strstr(fields[i].value, "transcoding PCMA audio to Opus") != NULL)
            g_atomic_int_inc(&logged_pcma);
        if (strstr(fields[i].value, "transcoding PCMU audio to Opus") != NULL)
            g_atomic_int_inc(&logged_pcmu);
    }
    return g_log_writer_default(level, fields, n, user_data);
}

/* The camera's audio as the room receives it: Opus, encoded here, with a 48 kHz RTP clock
 * (20 ms frames: a step of 960; G.711 passed on at 8 kHz would step by 160). */
static void assert_opus_audio(State *st)
{
    g_mutex_lock(&st->lock);
    g_assert_true(st->have_stream[MGST_KIND_AUDIO]);
    g_assert_cmpint(st->streams[MGST_KIND_AUDIO].codec, ==, MGST_CODEC_OPUS);
    g_assert_cmpuint(st->streams[MGST_KIND_AUDIO].payload_type, ==, INGEST_PT_OPUS);
    g_assert_true(st->streams[MGST_KIND_AUDIO].transcoded);
    g_assert_cmpuint(st->audio_clock_rate, ==, 48000);
    g_test_message("audio RTP timestamp step %u", st->audio_ts_step);
    g_assert_cmpuint(st->audio_ts_step, >=, 950);
    g_assert_cmpuint(st->audio_ts_step, <=, 970);
    g_mutex_unlock(&st->lock);
}

static gboolean logged_twice_pcma(gpointer data)
{
    return g_atomic_int_get(&logged_pcma) >= 2;
}

static gboolean logged_once_pcma(gpointer data)
{
    return g_atomic_int_get(&logged_pcma) >= 1;
}

static gboolean logged_once_pcmu(gpointer data)
{
    return g_atomic_int_get(&logged_pcmu) >= 1;
}

static void on_rtp(gpointer user_data, const IngestStream *stream, const guint8 *data, gsize len)
{
    State *st = user_data;
    guint8 copy[1600];
    RtpPacket pkt;

    g_assert_cmpuint(len, <=, sizeof copy);
    memcpy(copy, data, len);
    g_assert_cmpint(rtp_packet_parse(&pkt, copy, len), ==, 0);
    g_assert_cmpuint(pkt.payload_type, ==, stream->payload_type);
    g_assert_cmpuint(len, <=, INGEST_RTP_MTU);
    g_mutex_lock(&st->lock);
    st->packets[stream->kind]++;
    st->streams[stream->kind] = *stream;
    st->streams[stream->kind].source = NULL;
    st->have_stream[stream->kind] = TRUE;
    if (stream->kind == MGST_KIND_AUDIO) {
        if (pkt.ssrc == st->audio_ssrc && pkt.timestamp != st->audio_ts)
            st->audio_ts_step = pkt.timestamp - st->audio_ts;
        st->audio_ssrc = pkt.ssrc;
        st->audio_ts = pkt.timestamp;
        st->audio_clock_rate = stream->clock_rate;
    }
    if (stream->codec == MGST_CODEC_H264 && pkt.payload_len >= 6) {
        const guint8 *p = rtp_packet_payload(&pkt);

        if ((p[0] & 0x1f) == 7) { /* a single SPS */
            st->saw_sps = TRUE;
            st->sps_profile = p[1];
            st->sps_constraints = p[2];
        } else if ((p[0] & 0x1f) == 24) { /* STAP-A (RFC 6184 §5.7.1): size, NAL, size, ... */
            gsize off = 1;

            while (off + 2 < pkt.payload_len) {
                gsize size = (gsize)p[off] << 8 | p[off + 1];

                if (size >= 3 && off + 2 + size <= pkt.payload_len && (p[off + 2] & 0x1f) == 7) {
                    st->saw_sps = TRUE;
                    st->sps_profile = p[off + 3];
                    st->sps_constraints = p[off + 4];
                }
                off += 2 + size;
            }
        }
    }
    g_mutex_unlock(&st->lock);
}

static void on_state(gpointer user_data, IngestState state, const GError *error)
{
    State *st = user_data;

    g_test_message("camera %s%s%s", ingest_state_to_string(state), error ? ": " : "",
                   error ? error->message : "");
    st->state = state;
    if (state == INGEST_STATE_RECONNECTING)
        st->reconnecting++;
}

static const IngestEvents events = {on_rtp, on_state, NULL};

static guint64 packets(State *st, MgstKind kind)
{
    guint64 n;

    g_mutex_lock(&st->lock);
    n = st->packets[kind];
    g_mutex_unlock(&st->lock);
    return n;
}

static guint16 free_port(void)
{
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_true(g_socket_bind(sock, any, TRUE, NULL));
    bound = g_socket_get_local_address(sock, NULL);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* A failed assertion must not leave a server behind. */
static void die_with_parent(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GPid start_server(guint16 port, const char *profile, const char *audio)
{
    const char *server = g_getenv("PHONGHOP_RTSP_TEST_SERVER");
    g_autofree char *port_s = g_strdup_printf("%u", port);
    const char *argv[] = {server, port_s, profile, audio, NULL};
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) error = NULL;
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    GPid pid;

    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL,
                                die_with_parent, NULL, &pid, &error));
    g_assert_no_error(error);
    for (;;) {
        g_autoptr(GSocketConnection) conn =
            g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, NULL);

        if (conn != NULL)
            break;
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(100000);
    }
    return pid;
}

static void kill_server(GPid pid)
{
    int status;

    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
}

typedef struct {
    State *st;
    guint64 video_over, audio_over;
    gboolean want_playing;
} Until;

static gboolean flowing(gpointer data)
{
    Until *u = data;

    return packets(u->st, MGST_KIND_VIDEO) > u->video_over &&
           packets(u->st, MGST_KIND_AUDIO) > u->audio_over &&
           (!u->want_playing || u->st->state == INGEST_STATE_PLAYING);
}

static gboolean is_reconnecting(gpointer data)
{
    return ((State *)data)->reconnecting > 0;
}

static gboolean wait_for(GMainContext *ctx, gboolean (*cond)(gpointer), gpointer data, guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    while (!cond(data) && g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(ctx, FALSE))
            g_usleep(10000);
    }
    return cond(data);
}

static void state_init(State *st)
{
    memset(st, 0, sizeof *st);
    g_mutex_init(&st->lock);
    st->state = INGEST_STATE_CONNECTING;
}

static void skip_without_server(void)
{
    if (g_getenv("PHONGHOP_RTSP_TEST_SERVER") == NULL)
        g_test_skip("PHONGHOP_RTSP_TEST_SERVER is not set (meson test sets it)");
}

/* A test server on a free port and a camera pulling it, on a main context of the test's own. */
typedef struct {
    GMainContext *ctx;
    State st;
    guint16 port;
    char *url;
    GPid server;
    IngestCamera *cam;
} Bench;

/* Starts a test server sending @profile video and @audio, then a camera with @config (its url
 * set here). FALSE, the test skipped, without a test server. */
static gboolean bench_start(Bench *b, IngestConfig *config, const char *profile, const char *audio)
{
    g_autoptr(GError) error = NULL;

    skip_without_server();
    if (g_test_failed() || g_getenv("PHONGHOP_RTSP_TEST_SERVER") == NULL)
        return FALSE;
    b->ctx = g_main_context_new();
    state_init(&b->st);
    b->port = free_port();
    b->url = g_strdup_printf("rtsp://127.0.0.1:%u/cam", b->port);
    b->server = start_server(b->port, profile, audio);

    config->url = b->url;
    g_main_context_push_thread_default(b->ctx);
    b->cam = ingest_camera_new(config, &events, &b->st, b->ctx, &error);
    g_assert_no_error(error);
    return TRUE;
}

static void bench_stop(Bench *b)
{
    ingest_camera_free(b->cam);
    kill_server(b->server);
    g_main_context_pop_thread_default(b->ctx);
    g_mutex_clear(&b->st.lock);
    g_main_context_unref(b->ctx);
    g_free(b->url);
}

/* Waits until more than @video_over video and @audio_over audio packets came, playing. */
static gboolean bench_flowing(Bench *b, guint64 video_over, guint64 audio_over)
{
    Until u = {&b->st, video_over, audio_over, TRUE};

    return wait_for(b->ctx, flowing, &u, 20000);
}

static void test_passthrough_and_reconnect(void)
{
    IngestConfig config = {0};
    IngestStats stats;
    Bench b;
    gint64 t_restart;

    config.site_id = 5;
    config.stall_ms = 2000;
    config.backoff_min_ms = 300;
    config.backoff_max_ms = 2000;
    if (!bench_start(&b, &config, "baseline", "pcma"))
        return;

    g_assert_true(bench_flowing(&b, 50, 10));
    g_assert_false(ingest_camera_is_transcoding(b.cam, MGST_KIND_VIDEO));
    /* the camera's PCMA becomes Opus, said once in the log */
    g_assert_true(ingest_camera_is_transcoding(b.cam, MGST_KIND_AUDIO));
    assert_opus_audio(&b.st);
    g_assert_true(wait_for(b.ctx, logged_once_pcma, NULL, 5000));
    g_mutex_lock(&b.st.lock);
    g_assert_cmpint(b.st.streams[MGST_KIND_VIDEO].codec, ==, MGST_CODEC_H264);
    g_assert_cmpuint(b.st.streams[MGST_KIND_VIDEO].payload_type, ==, INGEST_PT_VIDEO);
    g_assert_false(b.st.streams[MGST_KIND_VIDEO].transcoded);
    g_assert_true(b.st.saw_sps);
    g_test_message("SPS profile_idc %u constraints 0x%02x", b.st.sps_profile, b.st.sps_constraints);
    g_assert_cmpuint(b.st.sps_profile, ==, 66);
    g_assert_cmpuint(b.st.sps_constraints & 0x40, !=, 0); /* constrained baseline */
    g_mutex_unlock(&b.st.lock);

    /* the camera dies ... */
    kill_server(b.server);
    g_assert_true(wait_for(b.ctx, is_reconnecting, &b.st, 10000));
    /* ... and comes back: the stream resumes by itself */
    g_usleep(500000);
    b.server = start_server(b.port, "baseline", "pcma");
    t_restart = g_get_monotonic_time();
    g_assert_true(bench_flowing(&b, packets(&b.st, MGST_KIND_VIDEO) + 50,
                                packets(&b.st, MGST_KIND_AUDIO) + 10));
    ingest_camera_get_stats(b.cam, &stats);
    g_test_message("resumed %.1f s after the server restarted; %u connects, %u reconnects",
                   (double)(g_get_monotonic_time() - t_restart) / G_USEC_PER_SEC, stats.connects,
                   stats.reconnects);
    g_assert_cmpuint(stats.reconnects, >=, 1);
    g_assert_cmpint(stats.state, ==, INGEST_STATE_PLAYING);
    /* the new connection transcodes again, and says so once more: once per connection */
    g_assert_true(stats.transcoding[MGST_KIND_AUDIO]);
    g_assert_true(wait_for(b.ctx, logged_twice_pcma, NULL, 5000));
    assert_opus_audio(&b.st);
    g_assert_cmpint(g_atomic_int_get(&logged_pcma), ==, 2);

    bench_stop(&b);
}

static void test_transcode(void)
{
    IngestConfig config = {.site_id = 6};
    IngestStats stats;
    Bench b;

    if (!bench_start(&b, &config, "high", "aac"))
        return;
    g_assert_true(bench_flowing(&b, 50, 10));
    ingest_camera_request_keyframe(b.cam);
    ingest_camera_get_stats(b.cam, &stats);
    g_assert_true(stats.transcoding[MGST_KIND_VIDEO]);
    g_assert_true(stats.transcoding[MGST_KIND_AUDIO]);
    g_mutex_lock(&b.st.lock);
    g_assert_cmpint(b.st.streams[MGST_KIND_VIDEO].codec, ==, MGST_CODEC_H264);
    g_assert_true(b.st.streams[MGST_KIND_VIDEO].transcoded);
    g_assert_cmpint(b.st.streams[MGST_KIND_AUDIO].codec, ==, MGST_CODEC_OPUS);
    g_assert_true(b.st.streams[MGST_KIND_AUDIO].transcoded);
    g_assert_true(b.st.saw_sps);
    g_test_message("transcoded SPS profile_idc %u constraints 0x%02x", b.st.sps_profile,
                   b.st.sps_constraints);
    g_assert_cmpuint(b.st.sps_profile, ==, 66);
    g_assert_cmpuint(b.st.sps_constraints & 0x40, !=, 0);
    g_mutex_unlock(&b.st.lock);

    bench_stop(&b);
}

/* A camera sending G.711 mu-law: its H.264 passes, its audio is published as Opus. */
static void test_pcmu(void)
{
    IngestConfig config = {.site_id = 7};
    IngestStats stats;
    Bench b;

    if (!bench_start(&b, &config, "baseline", "pcmu"))
        return;
    g_assert_true(bench_flowing(&b, 20, 25));
    g_assert_true(wait_for(b.ctx, logged_once_pcmu, NULL, 5000));
    ingest_camera_get_stats(b.cam, &stats);
    g_assert_false(stats.transcoding[MGST_KIND_VIDEO]);
    g_assert_true(stats.transcoding[MGST_KIND_AUDIO]);
    g_assert_true(stats.present[MGST_KIND_AUDIO]);
    g_assert_cmpuint(stats.packets[MGST_KIND_AUDIO], >, 25);
    assert_opus_audio(&b.st);
    g_mutex_lock(&b.st.lock);
    g_assert_false(b.st.streams[MGST_KIND_VIDEO].transcoded);
    g_mutex_unlock(&b.st.lock);
    g_assert_cmpint(g_atomic_int_get(&logged_pcmu), ==, 1);

    bench_stop(&b);
}

static void test_bad_url(void)
{
    g_autoptr(GError) error = NULL;
    IngestConfig config = {.url = "http://camera/stream", .site_id = 1};

    g_assert_null(ingest_camera_new(&config, &events, NULL, NULL, &error));
    g_assert_error(error, MGST_ERROR, MGST_ERROR_INVALID);
}

int main(int argc, char **argv)
{
    gst_init(NULL, NULL);
    g_test_init(&argc, &argv, NULL);
    g_log_set_writer_func(count_logs, NULL, NULL);
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    g_test_add_func("/media-gst/ingest/bad-url", test_bad_url);
    g_test_add_func("/media-gst/ingest/passthrough-reconnect", test_passthrough_and_reconnect);
    g_test_add_func("/media-gst/ingest/g711-pcmu", test_pcmu);
    g_test_add_func("/media-gst/ingest/transcode", test_transcode);
    return g_test_run();
}
