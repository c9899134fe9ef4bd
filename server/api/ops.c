/* ops.c: /healthz answers from a real round trip to the database (SELECT 1 through the pool,
 * bounded by a 2 s timer, whichever comes first); /metrics renders counters kept by the HTTP
 * server and the database pool, plus whatever other modules register. */
#include "ops.h"

#include "phonghop-build.h"

#include <json-glib/json-glib.h>

#define HEALTH_TIMEOUT_MS 2000

typedef struct {
    PhApp *app;
    HttpRequest *req;
    gint64 started_us;
    GSource *timer;
    gboolean answered;
    gint ref;
} Health;

typedef struct {
    OpsMetricsSource fn;
    gpointer user_data;
} Source;

static GArray *sources; /* Source; main thread only */

void ops_metrics_add_source(OpsMetricsSource source, gpointer user_data)
{
    if (!sources)
        sources = g_array_new(FALSE, FALSE, sizeof(Source));
    Source s = {source, user_data};
    g_array_append_val(sources, s);
}

static void health_unref(gpointer p)
{
    Health *h = p;
    if (--h->ref > 0)
        return;
    if (h->timer) {
        g_source_destroy(h->timer);
        g_source_unref(h->timer);
    }
    http_request_unref(h->req);
    g_free(h);
}

static void health_answer(Health *h, gboolean up, const char *detail)
{
    if (h->answered)
        return;
    h->answered = TRUE;
    if (!http_request_is_pending(h->req))
        return;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "status");
    json_builder_add_string_value(b, up ? "ok" : "unavailable");
    json_builder_set_member_name(b, "version");
    json_builder_add_string_value(b, PHONGHOP_VERSION);
    json_builder_set_member_name(b, "database");
    json_builder_add_string_value(b, up ? "up" : "down");
    if (up) {
        json_builder_set_member_name(b, "database_latency_ms");
        json_builder_add_double_value(b, (double)(g_get_monotonic_time() - h->started_us) / 1000.0);
    } else {
        json_builder_set_member_name(b, "detail");
        json_builder_add_string_value(b, detail);
    }
    json_builder_set_member_name(b, "uptime_s");
    json_builder_add_int_value(b, (g_get_monotonic_time() - h->app->started_monotonic_us) /
                                      G_USEC_PER_SEC);
    json_builder_end_object(b);
    http_request_add_header(h->req, "cache-control", "no-store");
    http_request_respond_json(h->req, up ? 200 : 503, json_builder_get_root(b));
}

static gboolean ping_job(DbConn *conn, gpointer data, GError **error)
{
    return db_conn_run(conn, "SELECT 1", 0, NULL, error);
}

static void ping_done(gpointer data, const GError *error, gpointer user_data)
{
    Health *h = data;
    if (error)
        health_answer(h, FALSE, error->message);
    else
        health_answer(h, TRUE, NULL);
}

static gboolean health_timeout(gpointer data)
{
    Health *h = data;
    health_answer(h, FALSE, "the database did not answer within 2 s");
    g_clear_pointer(&h->timer, g_source_unref);
    return G_SOURCE_REMOVE;
}

void ops_healthz(PhApp *app, HttpRequest *req)
{
    if (app->shutting_down) {
        http_request_respond_error(req, 503, "shutting_down", "the server is shutting down");
        return;
    }
    Health *h = g_new0(Health, 1);
    h->app = app;
    h->req = http_request_ref(req);
    h->started_us = g_get_monotonic_time();
    h->ref = 2; /* the job and the timer */
    h->timer = g_timeout_source_new(HEALTH_TIMEOUT_MS);
    g_source_set_callback(h->timer, health_timeout, h, health_unref);
    g_source_attach(h->timer, app->context);
    db_pool_run(app->db, ping_job, h, health_unref, ping_done, NULL);
}

static void help(GString *out, const char *name, const char *type, const char *text)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

void ops_metrics(PhApp *app, HttpRequest *req)
{
    GString *out = g_string_sized_new(4096);
    const HttpStats *hs = http_server_get_stats(app->http);
    DbPoolStats ds;
    db_pool_get_stats(app->db, &ds);

    help(out, "phonghop_build_info", "gauge", "Version of the running phonghop.");
    g_string_append_printf(out, "phonghop_build_info{version=\"%s\"} 1\n", PHONGHOP_VERSION);
    help(out, "phonghop_uptime_seconds", "gauge", "Seconds since phonghop started.");
    g_string_append_printf(out, "phonghop_uptime_seconds %.3f\n",
                           (double)(g_get_monotonic_time() - app->started_monotonic_us) / 1e6);
    help(out, "phonghop_connections", "gauge", "Open client connections by kind.");
    g_string_append_printf(out, "phonghop_connections{kind=\"http\"} %u\n", hs->http_connections);
    g_string_append_printf(out, "phonghop_connections{kind=\"websocket\"} %u\n",
                           hs->ws_connections);
    help(out, "phonghop_http_requests_total", "counter", "HTTP requests received.");
    g_string_append_printf(out, "phonghop_http_requests_total %" G_GUINT64_FORMAT "\n",
                           hs->requests_total);
    help(out, "phonghop_http_responses_total", "counter", "HTTP responses by status code.");
    for (guint i = 0; i < G_N_ELEMENTS(hs->responses_by_status); i++)
        if (hs->responses_by_status[i])
            g_string_append_printf(
                out, "phonghop_http_responses_total{status=\"%u\"} %" G_GUINT64_FORMAT "\n",
                i + 100, hs->responses_by_status[i]);
    help(out, "phonghop_websocket_messages_total", "counter", "WebSocket messages by direction.");
    g_string_append_printf(out,
                           "phonghop_websocket_messages_total{direction=\"in\"} %" G_GUINT64_FORMAT
                           "\nphonghop_websocket_messages_total{direction=\"out\"} "
                           "%" G_GUINT64_FORMAT "\n",
                           hs->ws_messages_in, hs->ws_messages_out);
    help(out, "phonghop_websocket_slow_disconnects_total", "counter",
         "WebSocket clients disconnected because they could not keep up.");
    g_string_append_printf(out, "phonghop_websocket_slow_disconnects_total %" G_GUINT64_FORMAT "\n",
                           hs->ws_dropped_slow);
    help(out, "phonghop_websocket_write_stalls_total", "counter",
         "WebSockets that had something to send and no write for 2 s while their socket took "
         "more (the server asked again).");
    g_string_append_printf(out, "phonghop_websocket_write_stalls_total %" G_GUINT64_FORMAT "\n",
                           hs->ws_write_stalls);
    help(out, "phonghop_http_write_stalls_total", "counter",
         "HTTP answers with nothing written for 2 s while their socket took more (the server "
         "asked again).");
    g_string_append_printf(out, "phonghop_http_write_stalls_total %" G_GUINT64_FORMAT "\n",
                           hs->http_write_stalls);

    help(out, "phonghop_database_up", "gauge",
         "1 when the last attempt to reach the database succeeded.");
    g_string_append_printf(out, "phonghop_database_up %d\n", ds.up ? 1 : 0);
    help(out, "phonghop_database_ping_seconds", "gauge", "Round trip of the last health ping.");
    g_string_append_printf(out, "phonghop_database_ping_seconds %.6f\n", ds.last_latency_s);
    help(out, "phonghop_database_jobs_total", "counter", "Database jobs by outcome.");
    g_string_append_printf(out,
                           "phonghop_database_jobs_total{result=\"done\"} %" G_GUINT64_FORMAT "\n"
                           "phonghop_database_jobs_total{result=\"failed\"} %" G_GUINT64_FORMAT "\n"
                           "phonghop_database_jobs_total{result=\"rejected\"} %" G_GUINT64_FORMAT
                           "\n",
                           ds.jobs_done, ds.jobs_failed, ds.jobs_rejected);
    help(out, "phonghop_database_jobs_in_flight", "gauge", "Database jobs queued or running.");
    g_string_append_printf(out, "phonghop_database_jobs_in_flight %u\n", ds.in_flight);
    help(out, "phonghop_database_job_seconds", "histogram",
         "Time from queueing a database job to its completion.");
    for (guint i = 0; i < G_N_ELEMENTS(ds.latency_buckets); i++) {
        double le = db_pool_latency_bounds[i];
        if (i + 1 == G_N_ELEMENTS(ds.latency_buckets))
            g_string_append_printf(out,
                                   "phonghop_database_job_seconds_bucket{le=\"+Inf\"} "
                                   "%" G_GUINT64_FORMAT "\n",
                                   ds.latency_buckets[i]);
        else
            g_string_append_printf(out,
                                   "phonghop_database_job_seconds_bucket{le=\"%g\"} "
                                   "%" G_GUINT64_FORMAT "\n",
                                   le, ds.latency_buckets[i]);
    }
    g_string_append_printf(out, "phonghop_database_job_seconds_sum %.6f\n", ds.latency_sum_s);
    g_string_append_printf(out, "phonghop_database_job_seconds_count %" G_GUINT64_FORMAT "\n",
                           ds.latency_count);
    for (guint i = 0; sources && i < sources->len; i++) {
        Source *s = &g_array_index(sources, Source, i);
        s->fn(out, s->user_data);
    }
    http_request_add_header(req, "cache-control", "no-store");
    gsize len = out->len;
    http_request_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                         g_bytes_new_take(g_string_free(out, FALSE), len));
}
