/* main.c: the phonghop daemon's start-up, main loop and shutdown.
 *
 * Start-up is the one place that may block: read the configuration, start the embedded
 * PostgreSQL when no database URL is configured, apply migrations, then open the port. From then
 * on everything runs from the main GMainContext (pushed as this thread's default, never the
 * global one), and database work goes through the pool.
 *
 * Shutdown on SIGTERM or SIGINT: new requests get 503 and WebSockets are told the server is going
 * away, and recordings are stopped (their files closed and listed); the loop keeps running until
 * open connections are gone, recordings have stopped and database jobs in flight have finished
 * (at most SHUTDOWN_GRACE_MS), then the HTTP server, the pool and the embedded cluster
 * are stopped in that order.
 */
#include "api/api.h"
#include "app.h"
#include "auth/auth.h"
#include "config.h"
#include "db.h"
#include "floor/floor-service.h"
#include "broadcast/broadcast.h"
#include "recording/recording-service.h"
#include "live/live-media.h"
#include "live/live.h"
#include "votes/votes.h"
#include "phonghop-build.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop"

#define SHUTDOWN_GRACE_MS 5000
#define DB_CONNECT_WAIT_S 30

static GLogLevelFlags log_threshold = G_LOG_LEVEL_INFO;

static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                   gpointer user_data)
{
    /* Lower values are more severe; keep what is at or above the configured severity. */
    GLogLevelFlags l = level & G_LOG_LEVEL_MASK;
    if (l > log_threshold)
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, n_fields, user_data);
}

static void on_request(HttpRequest *req, gpointer user_data)
{
    api_handle_request(user_data, req);
}

static void on_request_begin(HttpRequest *req, gpointer user_data)
{
    api_begin_request(user_data, req);
}

static void on_ws_open(WsConn *conn, gpointer user_data)
{
    live_ws_open(user_data, conn);
}

static void on_ws_message(WsConn *conn, const char *text, gsize len, gpointer user_data)
{
    live_ws_message(user_data, conn, text, len);
}

static void on_ws_close(WsConn *conn, gpointer user_data)
{
    live_ws_close(user_data, conn);
}

typedef struct {
    PhApp *app;
    gint64 deadline_us;
} Shutdown;

static gboolean shutdown_tick(gpointer data)
{
    Shutdown *s = data;
    DbPoolStats st;
    db_pool_get_stats(s->app->db, &st);
    gboolean idle = http_server_n_connections(s->app->http) == 0 && st.in_flight == 0 &&
                    recording_service_n_running(s->app->recordings) == 0;
    if (idle || g_get_monotonic_time() > s->deadline_us) {
        if (!idle)
            g_message("shutdown: %u connections, %u database jobs and %u recordings still open "
                      "after %d ms",
                      http_server_n_connections(s->app->http), st.in_flight,
                      recording_service_n_running(s->app->recordings), SHUTDOWN_GRACE_MS);
        g_main_loop_quit(s->app->loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
    PhApp *app = data;
    if (app->shutting_down)
        return G_SOURCE_CONTINUE;
    g_message("shutting down: refusing new requests, closing connections");
#ifdef HAVE_LIBSYSTEMD
    sd_notify(0, "STOPPING=1");
#endif
    app->shutting_down = TRUE;
    http_server_shutdown(app->http);
    /* the recordings' files are closed and listed while the connections drain */
    if (app->recordings)
        recording_service_stop_all(app->recordings);
    Shutdown *s = g_new0(Shutdown, 1);
    s->app = app;
    s->deadline_us = g_get_monotonic_time() + SHUTDOWN_GRACE_MS * 1000;
    GSource *tick = g_timeout_source_new(50);
    g_source_set_callback(tick, shutdown_tick, s, g_free);
    g_source_attach(tick, app->context);
    g_source_unref(tick);
    return G_SOURCE_CONTINUE;
}

/* Connects once for migrations, waiting for a database that is still starting. */
static gboolean migrate(const char *conninfo, GError **error)
{
    g_autoptr(DbConn) conn = NULL;
    gint64 deadline = g_get_monotonic_time() + DB_CONNECT_WAIT_S * G_USEC_PER_SEC;
    for (guint attempt = 0;; attempt++) {
        g_autoptr(GError) local = NULL;
        conn = db_conn_open(conninfo, &local);
        if (conn)
            break;
        if (g_get_monotonic_time() > deadline) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        if (attempt == 0)
            g_message("waiting for the database: %s", local->message);
        g_usleep(500 * 1000);
    }
    guint applied = 0;
    if (!db_migrate(conn, &applied, error))
        return FALSE;
    if (applied)
        g_message("database schema: applied %u migrations, now at version %u", applied,
                  db_schema_version_known());
    return TRUE;
}

static int run(PhConfig *config)
{
    int status = 1;
    PhApp app = {0};
    app.config = config;
    app.started_monotonic_us = g_get_monotonic_time();
    app.web_root = ph_config_web_root(config);

    if (g_mkdir_with_parents(config->state_dir, 0750) != 0) {
        g_printerr("phonghop: cannot create the state directory %s: %s\n", config->state_dir,
                   g_strerror(errno));
        goto out;
    }

    g_autoptr(GError) error = NULL;
    const char *conninfo = config->database_url;
    if (!*conninfo) {
        DbClusterOptions opts = {
            .state_dir = config->state_dir,
            .bindir = *config->database_pg_bindir ? config->database_pg_bindir : NULL,
            .run_as = config->database_run_as,
        };
        app.cluster = db_cluster_start(&opts, &error);
        if (!app.cluster) {
            g_printerr("phonghop: embedded database: %s\n", error->message);
            goto out;
        }
        conninfo = db_cluster_get_conninfo(app.cluster);
    }
    if (!migrate(conninfo, &error)) {
        g_printerr("phonghop: database: %s\n", error->message);
        goto out;
    }

    app.context = g_main_context_new();
    g_main_context_push_thread_default(app.context);
    app.loop = g_main_loop_new(app.context, FALSE);
    app.conninfo = conninfo;
    app.db = db_pool_new(conninfo, (guint)config->database_connections,
                         (guint)config->database_max_queued, app.context);
    app.floor = floor_service_new(&app);
    floor_service_start(app.floor); /* re-arms the turns that were running */
    vote_keeper_touch(&app);        /* closes overdue polls, re-arms the others' deadlines */
    /* Its floor gate is registered before the loop runs, so the turns found above reach it. */
    app.media = live_media_new(&app, &error);
    if (!app.media) {
        g_printerr("phonghop: media: %s\n", error->message);
        goto out;
    }
    app.broadcast = broadcast_new(&app);
    app.recordings = recording_service_new(&app);
    recording_service_start(app.recordings); /* the crash scan, then the open meetings */
    app.docs = doc_store_new(config->state_dir, app.context, &error);
    if (!app.docs) {
        g_printerr("phonghop: documents: %s\n", error->message);
        goto out;
    }

    HttpServerOptions hopts = {
        .listen = config->listen,
        .port = config->port,
        .tls_certificate = config->tls_certificate,
        .tls_private_key = config->tls_private_key,
        .max_body = (gsize)config->max_json_bytes,
        .max_ws_message = (gsize)config->max_ws_message_bytes,
        .max_ws_queue = (gsize)config->max_ws_queue_bytes,
    };
    static const HttpHandlers handlers = {on_request, on_ws_open, on_ws_message, on_ws_close,
                                          on_request_begin};
    app.http = http_server_new(&hopts, app.loop, &handlers, &app, &error);
    if (!app.http) {
        g_printerr("phonghop: %s\n", error->message);
        goto out;
    }

    for (int sig = SIGINT; sig <= SIGTERM; sig += SIGTERM - SIGINT) {
        GSource *s = g_unix_signal_source_new(sig);
        g_source_set_callback(s, on_signal, &app, NULL);
        g_source_attach(s, app.context);
        g_source_unref(s);
    }

    g_message("phonghop %s listening on %s://%s:%d (database: %s, web client: %s)",
              PHONGHOP_VERSION, http_server_is_tls(app.http) ? "https" : "http", config->listen,
              http_server_get_port(app.http), app.cluster ? "embedded" : "external", app.web_root);
#ifdef HAVE_LIBSYSTEMD
    sd_notify(0, "READY=1");
#endif
    g_main_loop_run(app.loop);
    status = 0;

out:
    g_clear_pointer(&app.http, http_server_free);
    g_clear_pointer(&app.broadcast, broadcast_free); /* its programs are the media's */
    /* before the media: recordings hold rooms */
    g_clear_pointer(&app.recordings, recording_service_free);
    g_clear_pointer(&app.media, live_media_free); /* after the connections, before the pool */
    live_feed_shutdown();
    if (app.db) {
        db_pool_free(app.db, SHUTDOWN_GRACE_MS);
        app.db = NULL;
    }
    g_clear_pointer(&app.floor, floor_service_free); /* after the pool: its outcomes are applied */
    /* After the HTTP server and the pool (whose last completions may still hand work to the
     * document writers), before the loop's context goes. */
    g_clear_pointer(&app.docs, doc_store_free);
    if (app.cluster) {
        db_cluster_stop(app.cluster);
        app.cluster = NULL;
    }
    if (app.loop)
        g_main_loop_unref(app.loop);
    if (app.context) {
        g_main_context_pop_thread_default(app.context);
        g_main_context_unref(app.context);
    }
    g_free(app.web_root);
    if (status == 0)
        g_message("phonghop stopped");
    return status;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    signal(SIGPIPE, SIG_IGN);

    g_autofree char *config_path = NULL;
    gboolean version = FALSE, check = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
         "Configuration file (default: $PHONGHOP_CONFIG, else built-in defaults)", "PATH"},
        {"check-config", 0, 0, G_OPTION_ARG_NONE, &check, "Check the configuration and exit", NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) opts = g_option_context_new("- council and committee sessions");
    g_option_context_add_main_entries(opts, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(opts, &argc, &argv, &error)) {
        g_printerr("phonghop: %s (see --help)\n", error->message);
        return 2;
    }
    if (version) {
        printf("phonghop %s\n", PHONGHOP_VERSION);
        return 0;
    }
    if (!config_path && g_getenv("PHONGHOP_CONFIG"))
        config_path = g_strdup(g_getenv("PHONGHOP_CONFIG"));
    g_autoptr(PhConfig) config = ph_config_load(config_path, NULL, &error);
    if (!config) {
        g_printerr("phonghop: configuration: %s\n", error->message);
        return 2;
    }
    if (check && !live_media_check_config(config, &error)) {
        g_printerr("phonghop: configuration: %s\n", error->message);
        return 2;
    }
    if (check) {
        printf("%s: configuration is valid\n", config->source);
        return 0;
    }
    log_threshold = config->log_level;
    g_log_set_writer_func(log_writer, NULL, NULL);
    if (!auth_init()) {
        g_printerr("phonghop: cannot initialise libsodium\n");
        return 1;
    }
    return run(config);
}
