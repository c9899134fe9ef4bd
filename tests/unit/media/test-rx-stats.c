/* test-rx-stats.c: RFC 3550 receive statistics (media/router/sfu-rx-stats.c). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-rx-stats.h"

#define RATE 90000

static void test_no_loss_across_wrap(void)
{
    SfuRxStats s;
    RtcpReportBlock b;
    guint i;

    sfu_rx_stats_init(&s, RATE);
    g_assert_false(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    /* RFC 3550 A.1: the first packet is probation. */
    g_assert_cmpint(sfu_rx_stats_update(&s, 65530, 0, 0), ==, -EAGAIN);
    g_assert_false(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    for (i = 1; i < 100; i++)
        g_assert_cmpint(sfu_rx_stats_update(&s, (guint16)(65530 + i), i * 3000, i * 33333), ==, 0);
    g_assert_true(sfu_rx_stats_take_report_block(&s, 0xabc, 4000000, &b));
    g_assert_cmphex(b.ssrc, ==, 0xabc);
    g_assert_cmpuint(b.fraction_lost, ==, 0);
    g_assert_cmpint(b.cumulative_lost, ==, 0);
    g_assert_cmpuint(b.highest_seq, ==, 65536 + 93); /* one cycle, then 93 */
    g_assert_cmpuint(b.lsr, ==, 0);
    g_assert_cmpuint(b.dlsr, ==, 0);
}

static void test_loss_fraction(void)
{
    SfuRxStats s;
    RtcpReportBlock b;
    guint i;

    sfu_rx_stats_init(&s, RATE);
    sfu_rx_stats_update(&s, 999, 0, 0);
    /* Interval 1: 1000..1199 with every 10th lost: 20 of 200. */
    for (i = 1000; i < 1200; i++) {
        if (i % 10 == 5)
            continue;
        g_assert_cmpint(sfu_rx_stats_update(&s, (guint16)i, i * 3000, i * 33333), ==, 0);
    }
    g_assert_true(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    g_assert_cmpint(b.cumulative_lost, ==, 20);
    g_assert_cmpuint(b.fraction_lost, ==, 20 * 256 / 200);
    g_assert_cmpint(sfu_rx_stats_get_cumulative_lost(&s), ==, 20);

    /* Interval 2: no loss. The fraction is per interval, the total stays. */
    for (i = 1200; i < 1300; i++)
        sfu_rx_stats_update(&s, (guint16)i, i * 3000, i * 33333);
    g_assert_true(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    g_assert_cmpuint(b.fraction_lost, ==, 0);
    g_assert_cmpint(b.cumulative_lost, ==, 20);

    /* Interval 3: duplicates outnumber losses: fraction clamps at 0, the total goes down. */
    for (i = 1300; i < 1310; i++) {
        sfu_rx_stats_update(&s, (guint16)i, i * 3000, i * 33333);
        sfu_rx_stats_update(&s, (guint16)i, i * 3000, i * 33333);
    }
    g_assert_true(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    g_assert_cmpuint(b.fraction_lost, ==, 0);
    g_assert_cmpint(b.cumulative_lost, ==, 10);
}

static void test_reorder_is_not_loss(void)
{
    SfuRxStats s;
    RtcpReportBlock b;
    const guint16 order[] = {100, 101, 103, 102, 104, 106, 105, 107};
    guint i;

    sfu_rx_stats_init(&s, RATE);
    for (i = 0; i < G_N_ELEMENTS(order); i++)
        sfu_rx_stats_update(&s, order[i], order[i] * 3000u, order[i] * 33333);
    g_assert_true(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    g_assert_cmpint(b.cumulative_lost, ==, 0);
    g_assert_cmpuint(b.highest_seq, ==, 107);
}

static void test_jump_and_restart(void)
{
    SfuRxStats s;
    RtcpReportBlock b;
    guint i;

    sfu_rx_stats_init(&s, RATE);
    for (i = 0; i < 10; i++)
        sfu_rx_stats_update(&s, (guint16)(500 + i), 0, 0);
    /* A jump of 20000 is held until the next packet follows it. */
    g_assert_cmpint(sfu_rx_stats_update(&s, 20509, 0, 0), ==, -ERANGE);
    g_assert_cmpint(sfu_rx_stats_update(&s, 510, 0, 0), ==, 0);
    g_assert_cmpint(sfu_rx_stats_update(&s, 30000, 0, 0), ==, -ERANGE);
    g_assert_cmpint(sfu_rx_stats_update(&s, 30001, 0, 0), ==, 0);
    g_assert_cmpint(sfu_rx_stats_update(&s, 30002, 0, 0), ==, 0);
    /* The source restarted its statistics at 30001. */
    g_assert_true(sfu_rx_stats_take_report_block(&s, 1, 0, &b));
    g_assert_cmpuint(b.highest_seq, ==, 30002);
    g_assert_cmpint(b.cumulative_lost, ==, 0);
}

/* RFC 3550 A.8 against the formula J += (|D| - J) / 16 in floating point. */
static void test_jitter(void)
{
    SfuRxStats s;
    double j = 0;
    guint i;

    sfu_rx_stats_init(&s, RATE);
    /* Perfectly regular arrivals: no jitter. */
    for (i = 0; i < 50; i++)
        sfu_rx_stats_update(&s, (guint16)i, i * 3000, 1000000 + (gint64)i * 100000 / 3);
    g_assert_cmpuint(sfu_rx_stats_get_jitter(&s), <=, 1);

    /* Every other packet 10 ms late: |D| = 900 ticks each time. */
    sfu_rx_stats_init(&s, RATE);
    for (i = 0; i < 400; i++) {
        gint64 arrival = 1000000 + (gint64)i * 20000 + (i % 2 ? 10000 : 0);

        sfu_rx_stats_update(&s, (guint16)i, i * 1800, arrival);
        if (i >= 2) /* the first packet is probation; the second has no previous transit */
            j += (900 - j) / 16;
    }
    g_test_message("jitter %u, expected %.1f", sfu_rx_stats_get_jitter(&s), j);
    g_assert_cmpfloat(fabs(sfu_rx_stats_get_jitter(&s) - j), <=, 2.0);
    g_assert_cmpuint(sfu_rx_stats_get_jitter(&s), >=, 890);
}

static void test_lsr_dlsr(void)
{
    SfuRxStats s;
    RtcpReportBlock b;

    sfu_rx_stats_init(&s, RATE);
    sfu_rx_stats_update(&s, 1, 0, 0);
    sfu_rx_stats_update(&s, 2, 0, 0);
    sfu_rx_stats_sender_report(&s, G_GUINT64_CONSTANT(0xaaaabbbbccccdddd), 2000000);
    g_assert_true(sfu_rx_stats_take_report_block(&s, 1, 2500000, &b));
    g_assert_cmphex(b.lsr, ==, 0xbbbbcccc);
    g_assert_cmpuint(b.dlsr, ==, 32768); /* half a second in 1/65536 s */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/rx-stats/no-loss-across-wrap", test_no_loss_across_wrap);
    g_test_add_func("/media/rx-stats/loss-fraction", test_loss_fraction);
    g_test_add_func("/media/rx-stats/reorder-is-not-loss", test_reorder_is_not_loss);
    g_test_add_func("/media/rx-stats/jump-and-restart", test_jump_and_restart);
    g_test_add_func("/media/rx-stats/jitter", test_jitter);
    g_test_add_func("/media/rx-stats/lsr-dlsr", test_lsr_dlsr);
    return g_test_run();
}
