/* api-minutes.c: the draft minutes of a meeting as a PDF (GET /api/v1/meetings/{id}/minutes.pdf).
 *
 * Three steps on three threads, none of them the main loop's work for long:
 *   a database worker gathers the record in the call's transaction (minutes-record.h);
 *   a worker thread of GLib's GTask pool renders it with Cairo and Pango (minutes.h), tens of
 *   milliseconds that must not stall the main loop nor hold a database connection;
 *   the main thread answers with the bytes.
 * The call is deferred (api-internal.h): the core sends nothing and `after` answers when the
 * render is done. At most MINUTES_MAX_RENDERS renders run at once; past that the answer is 503
 * with Retry-After, a bounded queue rather than an unbounded one.
 *
 * The secretariat prepares the minutes, the chair signs them, a body's administrator runs the
 * deployment: those roles may fetch the draft.
 */
#include "api-internal.h"

#include "minutes/minutes-record.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define MINUTES_ROLES       (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR)
#define MINUTES_MAX_RENDERS 2

/* Renders running now. Main thread only. */
static guint renders_running;

typedef struct {
    HttpRequest *req;
    gint64 meeting_id;
    MinutesData *data;
} MinutesRender;

static void render_free(gpointer p)
{
    MinutesRender *r = p;
    http_request_unref(r->req);
    minutes_data_free(r->data);
    g_free(r);
}

static gboolean minutes_run(DbConn *conn, ApiCall *call, GError **error)
{
    MinutesData *data = minutes_record_gather(conn, call->ids[0], error);
    if (!data)
        return FALSE;
    call->route_data = data;
    call->route_data_free = (GDestroyNotify)minutes_data_free;
    call->deferred = TRUE;
    return TRUE;
}

/* On a GTask worker thread. */
static void render_thread(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
    MinutesRender *r = task_data;
    GError *error = NULL;
    gint64 t0 = g_get_monotonic_time();
    GBytes *pdf = minutes_render_pdf(r->data, &error);
    if (!pdf) {
        g_task_return_error(task, error);
        return;
    }
    g_debug("meeting %" G_GINT64_FORMAT ": minutes rendered in %" G_GINT64_FORMAT
            " ms, %" G_GSIZE_FORMAT " bytes",
            r->meeting_id, (g_get_monotonic_time() - t0) / 1000, g_bytes_get_size(pdf));
    g_task_return_pointer(task, pdf, (GDestroyNotify)g_bytes_unref);
}

/* Back on the main thread (the task's context is the main thread's). */
static void render_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = G_TASK(result);
    MinutesRender *r = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    GBytes *pdf = g_task_propagate_pointer(task, &error);
    renders_running--;
    if (!http_request_is_pending(r->req)) {
        g_clear_pointer(&pdf, g_bytes_unref);
        return;
    }
    if (!pdf) {
        g_warning("meeting %" G_GINT64_FORMAT ": %s", r->meeting_id, error->message);
        http_request_respond_error(r->req, 500, "internal", "the minutes could not be rendered");
        return;
    }
    g_autofree char *disposition =
        g_strdup_printf("inline; filename=\"bien-ban-%" G_GINT64_FORMAT ".pdf\"", r->meeting_id);
    http_request_add_header(r->req, "content-disposition", disposition);
    http_request_add_header(r->req, "cache-control", "no-store");
    http_request_respond(r->req, 200, "application/pdf", pdf);
}

static void minutes_after(ApiCall *call)
{
    if (!http_request_is_pending(call->req))
        return;
    if (renders_running >= MINUTES_MAX_RENDERS) {
        http_request_add_header(call->req, "retry-after", "2");
        http_request_respond_error(call->req, 503, "busy",
                                   "the server is rendering other minutes: try again in a few "
                                   "seconds");
        return;
    }
    MinutesRender *r = g_new0(MinutesRender, 1);
    r->req = http_request_ref(call->req);
    r->meeting_id = call->ids[0];
    r->data = g_steal_pointer(&call->route_data);
    call->route_data_free = NULL;
    renders_running++;
    GTask *task = g_task_new(NULL, NULL, render_done, NULL);
    g_task_set_task_data(task, r, render_free);
    g_task_set_name(task, "phonghop minutes render");
    g_task_run_in_thread(task, render_thread);
    g_object_unref(task);
}

const ApiRoute api_minutes_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/minutes.pdf", API_SCOPE_MEETING, MINUTES_ROLES,
     minutes_run, minutes_after},
    {0, NULL, 0, 0, NULL, NULL},
};
