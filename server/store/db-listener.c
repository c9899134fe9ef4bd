/* db-listener.c: LISTEN on one channel, on a thread of its own.
 *
 * The thread owns one connection. It waits on the connection's socket with poll() (at most
 * LISTENER_TICK_MS at a time, so a stop request is seen promptly), reads what arrived with
 * PQconsumeInput and hands every notification to the owner's GMainContext. When the connection
 * is lost it reports "down", reconnects with backoff (0.25 s doubling to 8 s) and reports "up"
 * again: notifications sent while it was down are lost, so the owner must catch up from the
 * database then (that is what the state callback is for).
 */
#include "db-private.h"
#include "db.h"

#include <libpq-fe.h>
#include <poll.h>
#include <string.h>

#define LISTENER_TICK_MS 200
#define BACKOFF_MIN_MS   250
#define BACKOFF_MAX_MS   8000

struct _DbListener {
    char *conninfo;
    char *channel;
    GMainContext *context;
    DbNotifyFunc notify;
    DbListenerStateFunc state;
    gpointer user_data;
    GThread *thread;
    gint stop; /* atomic */
};

typedef struct {
    DbListener *listener;
    char *payload; /* a notification, or NULL for a state change */
    gboolean up;
} Delivery;

static void delivery_free(gpointer p)
{
    Delivery *d = p;
    g_free(d->payload);
    g_free(d);
}

static gboolean deliver(gpointer p)
{
    Delivery *d = p;
    DbListener *l = d->listener;
    if (g_atomic_int_get(&l->stop))
        return G_SOURCE_REMOVE;
    if (d->payload)
        l->notify(l->channel, d->payload, l->user_data);
    else if (l->state)
        l->state(d->up, l->user_data);
    return G_SOURCE_REMOVE;
}

static void post(DbListener *l, char *payload, gboolean up)
{
    Delivery *d = g_new0(Delivery, 1);
    d->listener = l;
    d->payload = payload;
    d->up = up;
    g_main_context_invoke_full(l->context, G_PRIORITY_DEFAULT, deliver, d, delivery_free);
}

/* Sleeps up to ms, waking early when asked to stop. */
static void nap(DbListener *l, guint ms)
{
    for (guint slept = 0; slept < ms && !g_atomic_int_get(&l->stop); slept += 50)
        g_usleep(50 * 1000);
}

static gpointer listener_thread(gpointer data)
{
    DbListener *l = data;
    guint backoff = BACKOFF_MIN_MS;
    gboolean was_up = FALSE;
    while (!g_atomic_int_get(&l->stop)) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DbConn) conn = db_conn_open(l->conninfo, &error);
        g_autofree char *sql = g_strdup_printf("LISTEN \"%s\"", l->channel);
        if (conn && !db_conn_run(conn, sql, 0, NULL, &error))
            g_clear_pointer(&conn, db_conn_free);
        if (!conn) {
            g_debug("listener %s: %s; retrying in %u ms", l->channel, error->message, backoff);
            nap(l, backoff);
            backoff = MIN(backoff * 2, BACKOFF_MAX_MS);
            continue;
        }
        backoff = BACKOFF_MIN_MS;
        was_up = TRUE;
        post(l, NULL, TRUE);
        PGconn *pg = db_conn_get_pg(conn);
        while (!g_atomic_int_get(&l->stop)) {
            struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
            if (pfd.fd < 0)
                break;
            int n = poll(&pfd, 1, LISTENER_TICK_MS);
            if (n < 0 && errno != EINTR)
                break;
            if (n <= 0)
                continue;
            if (!PQconsumeInput(pg))
                break;
            PGnotify *note;
            while ((note = PQnotifies(pg))) {
                post(l, g_strdup(note->extra), FALSE);
                PQfreemem(note);
            }
            if (PQstatus(pg) != CONNECTION_OK)
                break;
        }
        if (!g_atomic_int_get(&l->stop) && was_up) {
            g_message("listener %s: the database connection was lost; reconnecting", l->channel);
            post(l, NULL, FALSE);
        }
    }
    return NULL;
}

DbListener *db_listener_new(const char *conninfo, const char *channel, GMainContext *context,
                            DbNotifyFunc notify, DbListenerStateFunc state, gpointer user_data)
{
    g_return_val_if_fail(conninfo && channel && context && notify, NULL);
    DbListener *l = g_new0(DbListener, 1);
    l->conninfo = g_strdup(conninfo);
    l->channel = g_strdup(channel);
    l->context = g_main_context_ref(context);
    l->notify = notify;
    l->state = state;
    l->user_data = user_data;
    l->thread = g_thread_new("db-listener", listener_thread, l);
    return l;
}

void db_listener_free(DbListener *l)
{
    if (!l)
        return;
    g_atomic_int_set(&l->stop, 1);
    g_thread_join(l->thread);
    /* Deliveries still queued on the context see stop and do nothing; drain them before the
     * listener goes away. */
    while (g_main_context_pending(l->context) && g_main_context_acquire(l->context)) {
        g_main_context_iteration(l->context, FALSE);
        g_main_context_release(l->context);
    }
    g_main_context_unref(l->context);
    g_free(l->conninfo);
    g_free(l->channel);
    g_free(l);
}
