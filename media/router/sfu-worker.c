/* sfu-worker.c: media worker threads, each with its own GMainContext and a bounded command queue.
 *
 * Design: the model is gst-rtsp-server's thread pool (a thread that owns its context and runs a
 * loop on it) with one difference: the way in is a queue, not g_main_context_invoke(). Each
 * worker keeps a fixed ring of commands allocated at start, guarded by a mutex that only the
 * posting threads and the worker's drain take (the control plane; packets never touch it), and
 * one custom GSource attached to the worker's context. A post appends under the lock and then
 * makes the source ready with g_source_set_ready_time(0), which takes the context's own lock and
 * wakes the loop from any thread. The dispatch clears the ready time first (so a post racing
 * with the drain wakes it again) and then runs commands one by one, outside the lock, so a
 * command may itself post. One dispatch runs at most one ring's worth, then yields to the other
 * sources, so a flood of commands cannot starve the packet path; order is strictly FIFO.
 *
 * The source has G_PRIORITY_HIGH while sockets use G_PRIORITY_DEFAULT: when a command and a
 * packet are both ready in one iteration the command runs first, which is what makes a floor
 * change take effect on the very next packet.
 *
 * Stopping: the pool marks each queue as stopping (no new posts), wakes it, and the worker drains
 * what was queued before it quits its loop, so a "destroy this room" command posted before
 * sfu_worker_pool_free() still runs, on its own thread. Then the threads are joined.
 */
#include "router/sfu-worker.h"

G_DEFINE_QUARK(sfu - worker - error - quark, sfu_worker_error)

typedef struct {
    SfuWorkerFunc func;
    gpointer data;
    GDestroyNotify destroy;
} SfuCommand;

struct _SfuWorker {
    SfuWorkerPool *pool;
    guint index;
    GMainContext *context;
    GMainLoop *loop;
    GSource *source;
    GThread *thread;
    GThread *self; /* set by the thread itself before the pool returns */

    GMutex lock;
    GCond started_cond;
    gboolean started;  /* protected by lock */
    gboolean stopping; /* protected by lock */
    SfuCommand *ring;  /* protected by lock */
    guint depth;       /* ordinary commands refused past this many queued */
    guint capacity;    /* depth + SFU_WORKER_RESERVED_SLOTS */
    guint head;        /* protected by lock */
    guint count;       /* protected by lock */
    guint64 n_refused; /* protected by lock */
    guint64 n_run;     /* protected by lock */
};

struct _SfuWorkerPool {
    guint n_workers;
    SfuWorker **workers;
};

typedef struct {
    GSource source;
    SfuWorker *worker;
} SfuCommandSource;

static gboolean pop_command(SfuWorker *worker, SfuCommand *cmd, gboolean *quit)
{
    gboolean have = FALSE;

    g_mutex_lock(&worker->lock);
    if (worker->count > 0) {
        *cmd = worker->ring[worker->head];
        worker->head = (worker->head + 1) % worker->capacity;
        worker->count--;
        worker->n_run++;
        have = TRUE;
    }
    *quit = !have && worker->stopping;
    g_mutex_unlock(&worker->lock);
    return have;
}

static gboolean command_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    SfuWorker *worker = ((SfuCommandSource *)source)->worker;
    SfuCommand cmd;
    gboolean quit = FALSE;
    guint budget;

    g_source_set_ready_time(source, -1);
    for (budget = worker->capacity; budget > 0; budget--) {
        if (!pop_command(worker, &cmd, &quit))
            break;
        cmd.func(cmd.data);
        if (cmd.destroy != NULL)
            cmd.destroy(cmd.data);
    }
    if (budget == 0) {
        /* More may be waiting: come back after the other sources had their turn. */
        g_source_set_ready_time(source, 0);
    } else if (quit) {
        g_main_loop_quit(worker->loop);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs command_source_funcs = {
    .dispatch = command_source_dispatch,
};

static gpointer worker_thread(gpointer data)
{
    SfuWorker *worker = data;

    g_main_context_push_thread_default(worker->context);
    g_mutex_lock(&worker->lock);
    worker->self = g_thread_self();
    worker->started = TRUE;
    g_cond_signal(&worker->started_cond);
    g_mutex_unlock(&worker->lock);

    g_main_loop_run(worker->loop);

    g_main_context_pop_thread_default(worker->context);
    return NULL;
}

static SfuWorker *worker_new(SfuWorkerPool *pool, guint index, guint depth)
{
    SfuWorker *worker = g_new0(SfuWorker, 1);

    worker->pool = pool;
    worker->index = index;
    worker->depth = depth;
    worker->capacity = depth + SFU_WORKER_RESERVED_SLOTS;
    worker->ring = g_new0(SfuCommand, worker->capacity);
    g_mutex_init(&worker->lock);
    g_cond_init(&worker->started_cond);
    worker->context = g_main_context_new();
    worker->loop = g_main_loop_new(worker->context, FALSE);
    worker->source = g_source_new(&command_source_funcs, sizeof(SfuCommandSource));
    ((SfuCommandSource *)worker->source)->worker = worker;
    g_source_set_priority(worker->source, G_PRIORITY_HIGH);
    g_source_set_name(worker->source, "phonghop media worker commands");
    g_source_set_ready_time(worker->source, -1);
    g_source_attach(worker->source, worker->context);
    return worker;
}

/* After the thread has been joined (or never started). */
static void worker_free(SfuWorker *worker)
{
    SfuCommand cmd;
    gboolean quit;

    /* Commands left when the thread never ran: give their data back. */
    while (pop_command(worker, &cmd, &quit)) {
        if (cmd.destroy != NULL)
            cmd.destroy(cmd.data);
    }
    g_source_destroy(worker->source);
    g_clear_pointer(&worker->source, g_source_unref);
    g_clear_pointer(&worker->loop, g_main_loop_unref);
    g_clear_pointer(&worker->context, g_main_context_unref);
    g_clear_pointer(&worker->ring, g_free);
    g_mutex_clear(&worker->lock);
    g_cond_clear(&worker->started_cond);
    g_free(worker);
}

static void worker_stop(SfuWorker *worker)
{
    g_mutex_lock(&worker->lock);
    worker->stopping = TRUE;
    g_mutex_unlock(&worker->lock);
    g_source_set_ready_time(worker->source, 0);
}

SfuWorkerPool *sfu_worker_pool_new(guint n_workers, guint queue_depth, GError **error)
{
    g_autoptr(SfuWorkerPool) pool = NULL;
    guint i;

    if (n_workers == 0)
        n_workers = MAX(g_get_num_processors(), 1);
    n_workers = MIN(n_workers, SFU_WORKER_MAX_WORKERS);
    if (queue_depth == 0)
        queue_depth = SFU_WORKER_DEFAULT_QUEUE_DEPTH;

    pool = g_new0(SfuWorkerPool, 1);
    pool->workers = g_new0(SfuWorker *, n_workers);
    for (i = 0; i < n_workers; i++) {
        SfuWorker *worker = worker_new(pool, i, queue_depth);
        g_autofree char *name = g_strdup_printf("media-%u", i);
        GError *local = NULL;

        pool->workers[i] = worker;
        pool->n_workers = i + 1;
        worker->thread = g_thread_try_new(name, worker_thread, worker, &local);
        if (worker->thread == NULL) {
            g_set_error(error, SFU_WORKER_ERROR, SFU_WORKER_ERROR_THREAD,
                        "cannot start media worker %u: %s", i, local->message);
            g_error_free(local);
            return NULL;
        }
        g_mutex_lock(&worker->lock);
        while (!worker->started)
            g_cond_wait(&worker->started_cond, &worker->lock);
        g_mutex_unlock(&worker->lock);
    }
    return g_steal_pointer(&pool);
}

void sfu_worker_pool_free(SfuWorkerPool *pool)
{
    guint i;

    if (pool == NULL)
        return;
    for (i = 0; i < pool->n_workers; i++) {
        g_return_if_fail(!sfu_worker_is_current(pool->workers[i]));
        worker_stop(pool->workers[i]);
    }
    for (i = 0; i < pool->n_workers; i++) {
        SfuWorker *worker = pool->workers[i];

        if (worker->thread != NULL)
            g_thread_join(g_steal_pointer(&worker->thread));
        worker_free(worker);
    }
    g_free(pool->workers);
    g_free(pool);
}

guint sfu_worker_pool_get_n_workers(const SfuWorkerPool *pool)
{
    g_return_val_if_fail(pool != NULL, 0);
    return pool->n_workers;
}

SfuWorker *sfu_worker_pool_get_worker(SfuWorkerPool *pool, guint index)
{
    g_return_val_if_fail(pool != NULL && index < pool->n_workers, NULL);
    return pool->workers[index];
}

/* splitmix64's finaliser: consecutive ids land on unrelated workers. */
static guint64 mix64(guint64 x)
{
    x ^= x >> 30;
    x *= G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= G_GUINT64_CONSTANT(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

SfuWorker *sfu_worker_pool_pick(SfuWorkerPool *pool, gint64 meeting_id)
{
    g_return_val_if_fail(pool != NULL && pool->n_workers > 0, NULL);
    return pool->workers[mix64((guint64)meeting_id) % pool->n_workers];
}

GMainContext *sfu_worker_get_context(SfuWorker *worker)
{
    g_return_val_if_fail(worker != NULL, NULL);
    return worker->context;
}

guint sfu_worker_get_index(const SfuWorker *worker)
{
    g_return_val_if_fail(worker != NULL, 0);
    return worker->index;
}

gboolean sfu_worker_is_current(const SfuWorker *worker)
{
    g_return_val_if_fail(worker != NULL, FALSE);
    return worker->self == g_thread_self();
}

static gboolean post(SfuWorker *worker, SfuWorkerFunc func, gpointer data, GDestroyNotify destroy,
                     guint limit)
{
    gboolean accepted = FALSE;

    g_mutex_lock(&worker->lock);
    if (!worker->stopping && worker->count < limit) {
        SfuCommand *cmd = &worker->ring[(worker->head + worker->count) % worker->capacity];

        cmd->func = func;
        cmd->data = data;
        cmd->destroy = destroy;
        worker->count++;
        accepted = TRUE;
    } else {
        worker->n_refused++;
    }
    g_mutex_unlock(&worker->lock);

    if (!accepted) {
        if (destroy != NULL)
            destroy(data);
        return FALSE;
    }
    g_source_set_ready_time(worker->source, 0);
    return TRUE;
}

gboolean sfu_worker_post(SfuWorker *worker, SfuWorkerFunc func, gpointer data,
                         GDestroyNotify destroy)
{
    g_return_val_if_fail(worker != NULL && func != NULL, FALSE);
    return post(worker, func, data, destroy, worker->depth);
}

gboolean sfu_worker_post_reserved(SfuWorker *worker, SfuWorkerFunc func, gpointer data,
                                  GDestroyNotify destroy)
{
    g_return_val_if_fail(worker != NULL && func != NULL, FALSE);
    return post(worker, func, data, destroy, worker->capacity);
}

guint64 sfu_worker_get_n_refused(SfuWorker *worker)
{
    guint64 n;

    g_return_val_if_fail(worker != NULL, 0);
    g_mutex_lock(&worker->lock);
    n = worker->n_refused;
    g_mutex_unlock(&worker->lock);
    return n;
}

guint64 sfu_worker_get_n_run(SfuWorker *worker)
{
    guint64 n;

    g_return_val_if_fail(worker != NULL, 0);
    g_mutex_lock(&worker->lock);
    n = worker->n_run;
    g_mutex_unlock(&worker->lock);
    return n;
}
