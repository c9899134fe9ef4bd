/* test-sfu-worker.c: media worker threads (media/router/sfu-worker.c): each runs its own
 * context, commands arrive in order, the queue is bounded, rooms are pinned by meeting id. */
#include <string.h>

#include <glib.h>

#include "router/sfu-worker.h"

typedef struct {
    GMutex lock;
    GCond cond;
    GArray *seen; /* guint, appended on the worker */
    guint destroyed;
    gboolean done;
    gboolean release;
    SfuWorker *worker;
    gboolean wrong_thread;
} Log;

static void log_init(Log *log)
{
    memset(log, 0, sizeof(*log));
    g_mutex_init(&log->lock);
    g_cond_init(&log->cond);
    log->seen = g_array_new(FALSE, FALSE, sizeof(guint));
}

static void log_clear(Log *log)
{
    g_array_unref(log->seen);
    g_mutex_clear(&log->lock);
    g_cond_clear(&log->cond);
}

typedef struct {
    Log *log;
    guint value;
} Item;

static void item_run(gpointer data)
{
    Item *item = data;
    Log *log = item->log;

    /* On the worker's own thread, with its context pushed as thread-default. */
    if (!sfu_worker_is_current(log->worker) ||
        g_main_context_get_thread_default() != sfu_worker_get_context(log->worker))
        log->wrong_thread = TRUE;
    g_mutex_lock(&log->lock);
    g_array_append_val(log->seen, item->value);
    g_mutex_unlock(&log->lock);
}

static void item_free(gpointer data)
{
    Item *item = data;

    g_mutex_lock(&item->log->lock);
    item->log->destroyed++;
    g_mutex_unlock(&item->log->lock);
    g_free(item);
}

static gboolean post_item(Log *log, guint value)
{
    Item *item = g_new0(Item, 1);

    item->log = log;
    item->value = value;
    return sfu_worker_post(log->worker, item_run, item, item_free);
}

static void signal_done(gpointer data)
{
    Log *log = data;

    g_mutex_lock(&log->lock);
    log->done = TRUE;
    g_cond_signal(&log->cond);
    g_mutex_unlock(&log->lock);
}

static void wait_done(Log *log)
{
    g_mutex_lock(&log->lock);
    while (!log->done)
        g_cond_wait(&log->cond, &log->lock);
    log->done = FALSE;
    g_mutex_unlock(&log->lock);
}

/* Blocks the worker until the test releases it. */
static void block_worker(gpointer data)
{
    Log *log = data;

    g_mutex_lock(&log->lock);
    log->done = TRUE;
    g_cond_broadcast(&log->cond);
    while (!log->release)
        g_cond_wait(&log->cond, &log->lock);
    g_mutex_unlock(&log->lock);
}

static void test_pinned_by_meeting(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SfuWorkerPool) pool = sfu_worker_pool_new(4, 0, &error);
    guint used[4] = {0};
    gint64 id;

    g_assert_no_error(error);
    g_assert_cmpuint(sfu_worker_pool_get_n_workers(pool), ==, 4);
    for (id = 1; id <= 1000; id++) {
        SfuWorker *w = sfu_worker_pool_pick(pool, id);

        g_assert_true(w == sfu_worker_pool_pick(pool, id));
        g_assert_false(sfu_worker_is_current(w));
        used[sfu_worker_get_index(w)]++;
    }
    /* Consecutive meetings spread over every worker. */
    for (id = 0; id < 4; id++) {
        g_assert_cmpuint(used[id], >, 150);
        g_assert_true(sfu_worker_get_context(sfu_worker_pool_get_worker(pool, (guint)id)) !=
                      g_main_context_default());
    }
}

static void test_commands_in_order(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SfuWorkerPool) pool = sfu_worker_pool_new(2, 0, &error);
    Log log;
    guint i;

    log_init(&log);
    log.worker = sfu_worker_pool_pick(pool, 42);
    for (i = 0; i < 1000; i++)
        g_assert_true(post_item(&log, i));
    g_assert_true(sfu_worker_post(log.worker, signal_done, &log, NULL));
    wait_done(&log);
    g_assert_false(log.wrong_thread);
    g_assert_cmpuint(log.seen->len, ==, 1000);
    for (i = 0; i < 1000; i++)
        g_assert_cmpuint(g_array_index(log.seen, guint, i), ==, i);
    g_assert_cmpuint(log.destroyed, ==, 1000);
    g_assert_cmpuint(sfu_worker_get_n_run(log.worker), ==, 1001);
    log_clear(&log);
}

typedef struct {
    Log *log;
    guint base;
} Producer;

static gpointer producer(gpointer data)
{
    Producer *p = data;
    guint i;

    for (i = 0; i < 500; i++) {
        while (!post_item(p->log, p->base + i))
            g_usleep(100); /* full: the caller decides; here, try again */
    }
    return NULL;
}

static void test_two_producers(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SfuWorkerPool) pool = sfu_worker_pool_new(1, 64, &error);
    Log log;
    Producer a, b;
    GThread *ta, *tb;
    guint i, next_a = 0, next_b = 100000;

    log_init(&log);
    log.worker = sfu_worker_pool_get_worker(pool, 0);
    a = (Producer){&log, 0};
    b = (Producer){&log, 100000};
    ta = g_thread_new("a", producer, &a);
    tb = g_thread_new("b", producer, &b);
    g_thread_join(ta);
    g_thread_join(tb);
    /* The queue may still be full of the producers' last commands. */
    while (!sfu_worker_post(log.worker, signal_done, &log, NULL))
        g_usleep(100);
    wait_done(&log);
    g_assert_cmpuint(log.seen->len, ==, 1000);
    /* Each producer's commands ran in the order it posted them. */
    for (i = 0; i < 1000; i++) {
        guint v = g_array_index(log.seen, guint, i);

        if (v < 100000)
            g_assert_cmpuint(v, ==, next_a++);
        else
            g_assert_cmpuint(v, ==, next_b++);
    }
    log_clear(&log);
}

static void test_queue_bounded(void)
{
    g_autoptr(GError) error = NULL;
    SfuWorkerPool *pool = sfu_worker_pool_new(1, 8, &error);
    Log log;
    guint i;

    log_init(&log);
    log.worker = sfu_worker_pool_get_worker(pool, 0);
    g_assert_true(sfu_worker_post(log.worker, block_worker, &log, NULL));
    wait_done(&log); /* the worker is inside block_worker: the queue is empty */

    for (i = 0; i < 8; i++)
        g_assert_true(post_item(&log, i));
    /* Full: refused at once, its data given back, counted. */
    g_assert_false(post_item(&log, 8));
    g_assert_cmpuint(log.destroyed, ==, 1);
    g_assert_cmpuint(sfu_worker_get_n_refused(log.worker), ==, 1);
    /* Commands that must not be lost still get in, behind the others. */
    for (i = 0; i < SFU_WORKER_RESERVED_SLOTS; i++) {
        Item *item = g_new0(Item, 1);

        item->log = &log;
        item->value = 100 + i;
        g_assert_true(sfu_worker_post_reserved(log.worker, item_run, item, item_free));
    }
    g_assert_false(sfu_worker_post_reserved(log.worker, signal_done, &log, NULL));

    g_mutex_lock(&log.lock);
    log.release = TRUE;
    g_cond_broadcast(&log.cond);
    g_mutex_unlock(&log.lock);
    /* Freeing the pool runs what was queued, on the worker, before the thread ends. */
    sfu_worker_pool_free(pool);
    g_assert_cmpuint(log.seen->len, ==, 8 + SFU_WORKER_RESERVED_SLOTS);
    for (i = 0; i < 8; i++)
        g_assert_cmpuint(g_array_index(log.seen, guint, i), ==, i);
    g_assert_cmpuint(g_array_index(log.seen, guint, 8), ==, 100);
    g_assert_cmpuint(log.destroyed, ==, 9 + SFU_WORKER_RESERVED_SLOTS);
    g_assert_false(log.wrong_thread);
    log_clear(&log);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-worker/pinned-by-meeting", test_pinned_by_meeting);
    g_test_add_func("/media/sfu-worker/commands-in-order", test_commands_in_order);
    g_test_add_func("/media/sfu-worker/two-producers", test_two_producers);
    g_test_add_func("/media/sfu-worker/queue-bounded", test_queue_bounded);
    return g_test_run();
}
