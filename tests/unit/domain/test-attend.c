/* Unit tests: attendance from check-in/check-out events and the presence quorum. DOMAIN.md: "The
 * live count shows present / total members. A presence quorum (commonly 2/3 of members in
 * councils' own rules) is (configurable)." */
#include "attend.h"

#include <string.h>

#define SEC G_GINT64_CONSTANT(1000000)

static AttendRoll *roll_of(gint64 first_id, gsize n)
{
    g_autofree gint64 *roster = g_new(gint64, n);
    g_autoptr(GError) error = NULL;
    AttendRoll *roll;

    for (gsize i = 0; i < n; i++)
        roster[i] = first_id + (gint64)i;
    roll = attend_roll_new(roster, n, &error);
    g_assert_no_error(error);
    g_assert_nonnull(roll);
    return roll;
}

static void check_in(AttendRoll *roll, gint64 member, gint64 at, gint64 site, AttendChange want)
{
    AttendEvent event = {member, ATTEND_CHECK_IN, at, site};
    g_autoptr(GError) error = NULL;
    AttendChange change = 0;

    g_assert_true(attend_roll_apply(roll, &event, &change, &error));
    g_assert_no_error(error);
    g_assert_cmpint(change, ==, want);
}

static void check_out(AttendRoll *roll, gint64 member, gint64 at, AttendChange want)
{
    AttendEvent event = {member, ATTEND_CHECK_OUT, at, 0};
    g_autoptr(GError) error = NULL;
    AttendChange change = 0;

    g_assert_true(attend_roll_apply(roll, &event, &change, &error));
    g_assert_no_error(error);
    g_assert_cmpint(change, ==, want);
}

static void test_changes(void)
{
    g_autoptr(AttendRoll) roll = roll_of(1, 50);
    gint64 site = -1;

    g_assert_cmpuint(attend_roll_get_total(roll), ==, 50);
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 0);

    check_in(roll, 7, 10 * SEC, 1, ATTEND_CHANGE_CHECKED_IN);
    check_in(roll, 7, 11 * SEC, 1, ATTEND_CHANGE_NONE); /* a tablet reconnecting */
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 1);
    check_in(roll, 7, 12 * SEC, 2, ATTEND_CHANGE_MOVED); /* walked to the remote hall */
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 1);
    g_assert_true(attend_roll_is_present(roll, 7, &site));
    g_assert_cmpint(site, ==, 2);
    g_assert_cmpuint(attend_roll_count_at_site(roll, 1), ==, 0);
    g_assert_cmpuint(attend_roll_count_at_site(roll, 2), ==, 1);

    check_out(roll, 7, 13 * SEC, ATTEND_CHANGE_CHECKED_OUT);
    check_out(roll, 7, 14 * SEC, ATTEND_CHANGE_NONE);
    g_assert_false(attend_roll_is_present(roll, 7, NULL));
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 0);

    check_in(roll, 7, 15 * SEC, ATTEND_SITE_ONLINE, ATTEND_CHANGE_CHECKED_IN); /* back, online */
    check_in(roll, 8, 15 * SEC, ATTEND_SITE_ONLINE, ATTEND_CHANGE_CHECKED_IN); /* same time */
    g_assert_cmpuint(attend_roll_count_at_site(roll, ATTEND_SITE_ONLINE), ==, 2);
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 2);
}

static void test_refusals(void)
{
    static const gint64 dup_roster[] = {1, 2, 3, 2};
    g_autoptr(AttendRoll) roll = roll_of(1, 7);
    g_autoptr(AttendRoll) none = NULL;
    GError *error = NULL;
    AttendEvent guest = {900, ATTEND_CHECK_IN, 5 * SEC, 1};
    AttendEvent late = {3, ATTEND_CHECK_IN, 10 * SEC, 1};
    AttendEvent early = {4, ATTEND_CHECK_IN, 9 * SEC, 1};
    AttendEvent odd = {4, 3, 11 * SEC, 1};

    none = attend_roll_new(dup_roster, G_N_ELEMENTS(dup_roster), &error);
    g_assert_null(none);
    g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "member 2 appears twice on the roster");
    g_clear_error(&error);

    g_assert_false(attend_roll_apply(roll, &guest, NULL, &error));
    g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_NOT_MEMBER);
    g_assert_cmpstr(error->message, ==, "900 is not on the roster of this meeting");
    g_clear_error(&error);

    g_assert_true(attend_roll_apply(roll, &late, NULL, &error));
    g_assert_false(attend_roll_apply(roll, &early, NULL, &error));
    g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_OUT_OF_ORDER);
    g_clear_error(&error);
    g_assert_false(attend_roll_is_present(roll, 4, NULL)); /* unchanged */

    g_assert_false(attend_roll_apply(roll, &odd, NULL, &error));
    g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 1);
}

static void test_replay(void)
{
    /* an unordered set, as read back from the store */
    static const AttendEvent events[] = {
        {3, ATTEND_CHECK_OUT, 50 * SEC, 0}, {1, ATTEND_CHECK_IN, 10 * SEC, 1},
        {2, ATTEND_CHECK_IN, 10 * SEC, 2},  {3, ATTEND_CHECK_IN, 20 * SEC, 1},
        {4, ATTEND_CHECK_IN, 30 * SEC, 0},  {3, ATTEND_CHECK_IN, 60 * SEC, 2},
        {1, ATTEND_CHECK_OUT, 40 * SEC, 0}, {5, ATTEND_CHECK_IN, 40 * SEC, 1},
    };
    static const struct {
        gint64 until;
        guint present;
    } at[] = {
        {0, 0},        {10 * SEC, 2}, {19 * SEC, 2}, {20 * SEC, 3},   {30 * SEC, 4},
        {40 * SEC, 4}, {50 * SEC, 3}, {60 * SEC, 4}, {G_MAXINT64, 4},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(at); i++) {
        g_autoptr(AttendRoll) roll = roll_of(1, 7);
        g_autoptr(GError) error = NULL;

        g_assert_true(attend_roll_replay(roll, events, G_N_ELEMENTS(events), at[i].until, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(attend_roll_get_present(roll), ==, at[i].present);
    }
    {
        g_autoptr(AttendRoll) roll = roll_of(1, 7);
        g_autofree gint64 *present = NULL;
        gsize n = 0;
        gint64 site = 0;

        g_assert_true(attend_roll_replay(roll, events, G_N_ELEMENTS(events), G_MAXINT64, NULL));
        present = attend_roll_dup_present(roll, &n);
        g_assert_cmpuint(n, ==, 4);
        g_assert_cmpint(present[0], ==, 2);
        g_assert_cmpint(present[1], ==, 3);
        g_assert_cmpint(present[2], ==, 4);
        g_assert_cmpint(present[3], ==, 5);
        g_assert_true(attend_roll_is_present(roll, 3, &site));
        g_assert_cmpint(site, ==, 2);
    }
    {
        g_autoptr(AttendRoll) roll = roll_of(1, 7);
        gsize n = 7;

        g_assert_null(attend_roll_dup_present(roll, &n));
        g_assert_cmpuint(n, ==, 0);
    }
}

static void test_replay_names_the_bad_event(void)
{
    static const AttendEvent events[] = {
        {1, ATTEND_CHECK_IN, 10 * SEC, 1},
        {77, ATTEND_CHECK_IN, 20 * SEC, 1},
        {2, ATTEND_CHECK_IN, 30 * SEC, 1},
    };
    g_autoptr(AttendRoll) roll = roll_of(1, 7);
    g_autoptr(GError) error = NULL;

    g_assert_false(attend_roll_replay(roll, events, 3, G_MAXINT64, &error));
    g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_NOT_MEMBER);
    g_assert_cmpstr(error->message, ==,
                    "attendance event 1: 77 is not on the roster of this meeting");
    g_assert_cmpuint(attend_roll_get_present(roll), ==, 1); /* the events before it stay */
}

typedef struct {
    const char *quorum;
    guint total;
    guint present;
    gboolean met;
    guint needed;
} QuorumCase;

static const QuorumCase quorum_cases[] = {
    {"2/3", 50, 33, FALSE, 34}, /* 99 < 100 */
    {"2/3", 50, 34, TRUE, 34},  /* 102 >= 100 */
    {"2/3", 95, 63, FALSE, 64}, /* 189 < 190 */
    {"2/3", 95, 64, TRUE, 64},
    {"2/3", 35, 23, FALSE, 24},
    {"2/3", 35, 24, TRUE, 24},
    {"2/3", 30, 20, TRUE, 20}, /* exactly two thirds: "at least" */
    {"2/3", 30, 19, FALSE, 20},
    {"2/3", 7, 4, FALSE, 5},
    {"2/3", 7, 5, TRUE, 5},
    {"1/2", 50, 25, TRUE, 25}, /* at least half, not more than half */
    {"1/2", 50, 24, FALSE, 25},
    {"1/2", 7, 4, TRUE, 4},
    {"1/2", 7, 3, FALSE, 4},
    {"50/100", 95, 48, TRUE, 48},
    {"50/100", 95, 47, FALSE, 48},
    {"0/1", 50, 0, TRUE, 0},
    {"1/1", 50, 49, FALSE, 50},
    {"1/1", 50, 50, TRUE, 50},
    {"2/3", 0, 0, FALSE, 0}, /* an empty body has no quorum */
};

static void test_quorum_case(gconstpointer data)
{
    const QuorumCase *c = data;
    g_autoptr(GError) error = NULL;
    AttendQuorum q;

    g_assert_true(attend_quorum_parse(c->quorum, &q, &error));
    g_assert_no_error(error);
    g_assert_cmpint(attend_quorum_is_met(&q, c->present, c->total), ==, c->met);
    g_assert_cmpuint(attend_quorum_needed(&q, c->total), ==, c->needed);
}

static void test_quorum_from_roll(void)
{
    g_autoptr(AttendRoll) roll = roll_of(1, 50);
    AttendQuorum q = {2, 3};

    for (gint64 m = 1; m <= 33; m++)
        check_in(roll, m, m * SEC, 1, ATTEND_CHANGE_CHECKED_IN);
    g_assert_false(
        attend_quorum_is_met(&q, attend_roll_get_present(roll), attend_roll_get_total(roll)));
    check_in(roll, 34, 34 * SEC, 2, ATTEND_CHANGE_CHECKED_IN);
    g_assert_true(
        attend_quorum_is_met(&q, attend_roll_get_present(roll), attend_roll_get_total(roll)));
    check_out(roll, 1, 35 * SEC, ATTEND_CHANGE_CHECKED_OUT);
    g_assert_false(
        attend_quorum_is_met(&q, attend_roll_get_present(roll), attend_roll_get_total(roll)));
}

static void test_quorum_parse(void)
{
    static const char *const good[] = {"2/3", "1/2", "0/1", "1/1", "1000000/1000000", "50/100"};
    static const char *const bad[] = {
        "",     "2",    "/3",   "2/",   "3/2",  "2/0",   "0/0", "a/3",
        "2/3 ", " 2/3", "-1/3", "+2/3", "2//3", "2/3/4", "0.5", "1000001/1000001",
        "2 / 3"};
    AttendQuorum q;

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *back = NULL;

        g_assert_true(attend_quorum_parse(good[i], &q, NULL));
        back = attend_quorum_to_string(&q);
        g_assert_cmpstr(back, ==, good[i]);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_false(attend_quorum_parse(bad[i], &q, &error));
        g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_PARSE);
    }
    {
        g_autoptr(GError) error = NULL;

        g_assert_false(attend_quorum_parse(NULL, &q, &error));
        g_assert_error(error, ATTEND_ERROR, ATTEND_ERROR_PARSE);
        g_assert_cmpstr(error->message, ==,
                        "a quorum is a fraction N/D of all members with 0 <= N <= D, like 2/3, "
                        "not \"(none)\"");
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/attend/changes", test_changes);
    g_test_add_func("/attend/refusals", test_refusals);
    g_test_add_func("/attend/replay", test_replay);
    g_test_add_func("/attend/replay-names-the-bad-event", test_replay_names_the_bad_event);
    for (gsize i = 0; i < G_N_ELEMENTS(quorum_cases); i++) {
        g_autofree char *fraction = g_strdelimit(g_strdup(quorum_cases[i].quorum), "/", ':');
        g_autofree char *path = g_strdup_printf("/attend/quorum/%s/%u-of-%u", fraction,
                                                quorum_cases[i].present, quorum_cases[i].total);

        g_test_add_data_func(path, &quorum_cases[i], test_quorum_case);
    }
    g_test_add_func("/attend/quorum/from-roll", test_quorum_from_roll);
    g_test_add_func("/attend/quorum/parse", test_quorum_parse);
    return g_test_run();
}
