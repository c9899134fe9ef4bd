/* sfu-worker.h: the media worker threads (private to media/).
 *
 * An SfuWorkerPool runs N threads. Each SfuWorker owns one GMainContext, pushed as the thread's
 * default before anything else runs on it, and a GMainLoop on it. Everything a meeting's media
 * needs (its libnice agents, DTLS, SRTP, the SfuRoom and its timers) is attached to the context
 * of the one worker the meeting is pinned to, so the packet path runs on one thread and takes no
 * lock. sfu_worker_pool_pick() pins by meeting id: the same id always gives the same worker.
 *
 * Other threads reach a worker only through its command queue: sfu_worker_post() appends a
 * function to a bounded FIFO, and the worker runs the queued functions in the order they were
 * posted, ahead of packet sources that are ready in the same loop iteration (the queue's source
 * has G_PRIORITY_HIGH), so a floor change is applied before the next packet is forwarded. Past
 * the queue's capacity a post is refused and counted: the caller learns it at once and nothing
 * grows without bound.
 *
 * Ownership: the pool owns its workers; sfu_worker_pool_free() lets every worker run what is
 * already queued, stops the threads and joins them. Thread: create and free the pool on one
 * thread (the main thread); sfu_worker_post() and the getters may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_WORKER_ERROR (sfu_worker_error_quark())
GQuark sfu_worker_error_quark(void);

typedef enum {
    SFU_WORKER_ERROR_THREAD, /* a worker thread could not be started */
} SfuWorkerError;

#define SFU_WORKER_MAX_WORKERS         256
#define SFU_WORKER_DEFAULT_QUEUE_DEPTH 1024
#define SFU_WORKER_RESERVED_SLOTS      64 /* beyond the depth, for sfu_worker_post_reserved() */

typedef struct _SfuWorker SfuWorker;
typedef struct _SfuWorkerPool SfuWorkerPool;

/* A command: runs on the worker's thread with its context as thread-default. */
typedef void (*SfuWorkerFunc)(gpointer data);

/* Starts @n_workers threads (0: one per core, g_get_num_processors()), each with a queue of
 * @queue_depth commands (0: SFU_WORKER_DEFAULT_QUEUE_DEPTH). Returns the pool (transfer full)
 * once every thread runs its loop, or NULL with SFU_WORKER_ERROR_THREAD. */
SfuWorkerPool *sfu_worker_pool_new(guint n_workers, guint queue_depth, GError **error);

/* Runs what every queue holds, stops the threads and joins them. Commands that queued commands
 * post while this runs are refused. Must not be called from a worker thread, nor while another
 * thread may still post to the pool. */
void sfu_worker_pool_free(SfuWorkerPool *pool);

guint sfu_worker_pool_get_n_workers(const SfuWorkerPool *pool);
/* The @index-th worker, 0 <= index < n (transfer none, lives as long as the pool). */
SfuWorker *sfu_worker_pool_get_worker(SfuWorkerPool *pool, guint index);
/* The worker a meeting is pinned to: a fixed function of @meeting_id and the number of workers,
 * spreading consecutive ids over all workers (transfer none). */
SfuWorker *sfu_worker_pool_pick(SfuWorkerPool *pool, gint64 meeting_id);

/* The worker's context (transfer none). Attach sources for the worker's objects to it. */
GMainContext *sfu_worker_get_context(SfuWorker *worker);
guint sfu_worker_get_index(const SfuWorker *worker);
/* TRUE when called on @worker's own thread. */
gboolean sfu_worker_is_current(const SfuWorker *worker);

/* Queues @func(@data) to run on the worker, after every command posted before it. Ownership of
 * @data is taken even if the call fails: @destroy (may be NULL) is called with @data after
 * @func has run, or at once (on the calling thread) when the post is refused. Returns FALSE when
 * the queue is full or the pool is stopping; the refusal is counted. Any thread, including the
 * worker's own (the command then runs in a later loop iteration). */
gboolean sfu_worker_post(SfuWorker *worker, SfuWorkerFunc func, gpointer data,
                         GDestroyNotify destroy);

/* The same, for commands that must not be lost to a busy queue: a room's creation and
 * destruction, floor and mute changes. They may use SFU_WORKER_RESERVED_SLOTS slots past the
 * queue's depth, so a queue filled by ordinary commands still takes them, in order. */
gboolean sfu_worker_post_reserved(SfuWorker *worker, SfuWorkerFunc func, gpointer data,
                                  GDestroyNotify destroy);

/* Commands refused so far because the queue was full or stopping; commands run so far. */
guint64 sfu_worker_get_n_refused(SfuWorker *worker);
guint64 sfu_worker_get_n_run(SfuWorker *worker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfuWorkerPool, sfu_worker_pool_free)

G_END_DECLS
