/* test-db-pool-offline.c: the pool's bookkeeping, and its behaviour when the database cannot
 * be reached at all (no server needed): jobs fail fast with DB_ERROR_UNAVAILABLE, their
 * completions come from the pool's context and never from inside db_pool_run(). */
#include "db-private.h"

#include <math.h>
#include <string.h>

#define UNREACHABLE "host=/nonexistent/phonghop-test dbname=phonghop user=phonghop"

static void test_latency_bounds(void)
{
    const double expected[12] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

    for (guint i = 0; i < 11; i++)
        g_assert_cmpfloat(db_pool_latency_bounds[i], ==, expected[i]);
    g_assert_true(isinf(db_pool_latency_bounds[11]));
}

static void test_stats_observe(void)
{
    DbPoolStats stats = {0};

    db_pool_stats_observe(&stats, 0.0005); /* in every bucket */
    db_pool_stats_observe(&stats, 0.01);   /* le 0.01 counts, bounds are inclusive */
    db_pool_stats_observe(&stats, 0.3);
    db_pool_stats_observe(&stats, 60.0); /* only +Inf */

    const guint64 expected[12] = {1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4};
    for (guint i = 0; i < 12; i++)
        g_assert_cmpuint(stats.latency_buckets[i], ==, expected[i]);
    g_assert_cmpuint(stats.latency_count, ==, 4);
    g_assert_cmpfloat_with_epsilon(stats.latency_sum_s, 60.3105, 1e-9);
}

static void test_backoff(void)
{
    const double expected[] = {0.5, 1, 2, 4, 8, 8, 8};
    double backoff = DB_POOL_BACKOFF_MIN_S;

    for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
        backoff = db_pool_next_backoff(backoff);
        g_assert_cmpfloat(backoff, ==, expected[i]);
    }
}

static void test_unavailable_message(void)
{
    g_autofree char *a = db_pool_unavailable_message("cannot connect: refused", 250000);
    g_autofree char *b = db_pool_unavailable_message("cannot connect: refused", 7990001);
    g_autofree char *c = db_pool_unavailable_message("x", -5);

    g_assert_cmpstr(a, ==, "database unavailable: cannot connect: refused; retrying in 0.25 s");
    g_assert_cmpstr(b, ==, "database unavailable: cannot connect: refused; retrying in 8 s");
    g_assert_cmpstr(c, ==, "database unavailable: x; retrying in 0 s");
}

typedef struct {
    guint done;
    guint freed;
    guint unavailable;
    gboolean inside_run;
    gboolean done_inside_run;
    GThread *owner;
    gboolean wrong_thread;
    char *last_message;
} Counts;

static gboolean job_never_runs(DbConn *conn, gpointer job_data, GError **error)
{
    g_assert_not_reached();
    return TRUE;
}

static void job_done(gpointer job_data, const GError *error, gpointer user_data)
{
    Counts *counts = user_data;

    counts->done++;
    if (counts->inside_run)
        counts->done_inside_run = TRUE;
    if (g_thread_self() != counts->owner)
        counts->wrong_thread = TRUE;
    if (g_error_matches(error, DB_ERROR, DB_ERROR_UNAVAILABLE))
        counts->unavailable++;
    g_free(counts->last_message);
    counts->last_message = g_strdup(error != NULL ? error->message : "");
}

static void job_free(gpointer job_data)
{
    Counts *counts = job_data;
    counts->freed++;
}

static void test_pool_unreachable(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Counts counts = {.owner = g_thread_self()};
    DbPoolStats stats;

    g_main_context_push_thread_default(ctx);
    DbPool *pool = db_pool_new(UNREACHABLE, 2, 16, ctx);
    g_assert_false(db_pool_is_up(pool));

    gint64 start = g_get_monotonic_time();
    for (guint i = 0; i < 10; i++) {
        counts.inside_run = TRUE;
        db_pool_run(pool, job_never_runs, &counts, job_free, job_done, &counts);
        counts.inside_run = FALSE;
    }
    while (counts.freed < 10)
        g_main_context_iteration(ctx, TRUE);
    double took = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;

    g_assert_cmpuint(counts.done, ==, 10);
    g_assert_cmpuint(counts.unavailable, ==, 10);
    g_assert_false(counts.done_inside_run);
    g_assert_false(counts.wrong_thread);
    g_assert_cmpfloat(took, <, 2.0);
    g_assert_true(g_str_has_prefix(counts.last_message, "database unavailable: cannot connect: "));
    g_assert_nonnull(strstr(counts.last_message, "; retrying in "));
    g_assert_false(db_pool_is_up(pool));

    db_pool_get_stats(pool, &stats);
    g_assert_false(stats.up);
    g_assert_cmpuint(stats.jobs_rejected, ==, 10);
    g_assert_cmpuint(stats.jobs_done, ==, 0);
    g_assert_cmpuint(stats.jobs_failed, ==, 0);
    g_assert_cmpuint(stats.in_flight, ==, 0);

    /* nothing went to the global default context */
    g_assert_false(g_main_context_pending(g_main_context_default()));

    start = g_get_monotonic_time();
    db_pool_free(pool, 1000);
    g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC / 2);
    g_main_context_pop_thread_default(ctx);
    g_free(counts.last_message);
}

static void test_pool_free_runs_every_completion(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    Counts counts = {.owner = g_thread_self()};

    g_main_context_push_thread_default(ctx);
    DbPool *pool = db_pool_new(UNREACHABLE, 1, 64, ctx);
    for (guint i = 0; i < 50; i++)
        db_pool_run(pool, job_never_runs, &counts, job_free, job_done, &counts);
    /* no iteration of ctx before: db_pool_free dispatches them all */
    db_pool_free(pool, 0);
    g_assert_cmpuint(counts.done, ==, 50);
    g_assert_cmpuint(counts.freed, ==, 50);
    g_assert_false(counts.wrong_thread);
    g_main_context_pop_thread_default(ctx);
    g_free(counts.last_message);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* The pool warns when the database goes away, which these tests make happen on purpose. */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    g_test_add_func("/store/pool/latency-bounds", test_latency_bounds);
    g_test_add_func("/store/pool/stats-observe", test_stats_observe);
    g_test_add_func("/store/pool/backoff", test_backoff);
    g_test_add_func("/store/pool/unavailable-message", test_unavailable_message);
    g_test_add_func("/store/pool/unreachable", test_pool_unreachable);
    g_test_add_func("/store/pool/free-runs-every-completion", test_pool_free_runs_every_completion);
    return g_test_run();
}
