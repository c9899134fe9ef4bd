/* Unit tests: vote thresholds, poll settings, eligibility, percentages, the shrunk council.
 * Boundaries come from DOMAIN.md ("Votes") with the roster sizes councils really have: 50 and 95
 * (provinces), 35 (a commune), 7 (a committee), odd and even. */
#include "vote.h"

#include <string.h>

typedef struct {
    const char *threshold;
    gint base;
    gint count;
    gboolean met;
} BoundaryCase;

static const BoundaryCase boundary_cases[] = {
    /* more than half of all members: 2*yes > N */
    {"more_than_half_of_all", 50, 25, FALSE},
    {"more_than_half_of_all", 50, 26, TRUE},
    {"more_than_half_of_all", 95, 47, FALSE},
    {"more_than_half_of_all", 95, 48, TRUE},
    {"more_than_half_of_all", 35, 17, FALSE},
    {"more_than_half_of_all", 35, 18, TRUE},
    {"more_than_half_of_all", 7, 3, FALSE},
    {"more_than_half_of_all", 7, 4, TRUE},
    {"more_than_half_of_all", 8, 4, FALSE},
    {"more_than_half_of_all", 8, 5, TRUE},
    {"more_than_half_of_all", 1, 0, FALSE},
    {"more_than_half_of_all", 1, 1, TRUE},
    /* at least two thirds of all members: 3*yes >= 2*N (dismissal of a member) */
    {"at_least_two_thirds_of_all", 50, 33, FALSE}, /* 99 < 100 */
    {"at_least_two_thirds_of_all", 50, 34, TRUE},  /* 102 >= 100 */
    {"at_least_two_thirds_of_all", 95, 63, FALSE}, /* 189 < 190 */
    {"at_least_two_thirds_of_all", 95, 64, TRUE},
    {"at_least_two_thirds_of_all", 35, 23, FALSE}, /* 69 < 70 */
    {"at_least_two_thirds_of_all", 35, 24, TRUE},
    {"at_least_two_thirds_of_all", 30, 19, FALSE},
    {"at_least_two_thirds_of_all", 30, 20, TRUE}, /* exactly two thirds is enough */
    {"at_least_two_thirds_of_all", 7, 4, FALSE},
    {"at_least_two_thirds_of_all", 7, 5, TRUE},
    /* more than two thirds of the remaining members: 3*yes > 2*R */
    {"more_than_two_thirds_of_remaining", 30, 20, FALSE}, /* exactly two thirds is not enough */
    {"more_than_two_thirds_of_remaining", 30, 21, TRUE},
    {"more_than_two_thirds_of_remaining", 31, 20, FALSE}, /* 60 < 62 */
    {"more_than_two_thirds_of_remaining", 31, 21, TRUE},  /* 63 > 62 */
    {"more_than_two_thirds_of_remaining", 33, 22, FALSE},
    {"more_than_two_thirds_of_remaining", 33, 23, TRUE},
    {"more_than_two_thirds_of_remaining", 40, 26, FALSE},
    {"more_than_two_thirds_of_remaining", 40, 27, TRUE},
    /* more than half of the members present */
    {"more_than_half_of_present", 40, 20, FALSE},
    {"more_than_half_of_present", 40, 21, TRUE},
    {"more_than_half_of_present", 33, 16, FALSE},
    {"more_than_half_of_present", 33, 17, TRUE},
};

static void test_boundary(gconstpointer data)
{
    const BoundaryCase *c = data;
    g_autoptr(GError) error = NULL;
    VoteThreshold t;

    g_assert_true(vote_threshold_parse(c->threshold, &t, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vote_threshold_is_met(&t, c->count, c->base), ==, c->met);
    /* needed agrees with the decision at the boundary */
    if (c->met)
        g_assert_cmpint(vote_threshold_needed(&t, c->base), <=, c->count);
    else
        g_assert_cmpint(vote_threshold_needed(&t, c->base), >, c->count);
}

/* needed() is the least passing count for every roster size up to 500, checked against the
 * predicate itself. */
static void test_needed_is_least(void)
{
    static const char *const forms[] = {"more_than_half_of_all", "at_least_two_thirds_of_all",
                                        "more_than_two_thirds_of_remaining",
                                        "more_than_half_of_present"};

    for (gsize f = 0; f < G_N_ELEMENTS(forms); f++) {
        VoteThreshold t;

        g_assert_true(vote_threshold_parse(forms[f], &t, NULL));
        for (gint64 n = 1; n <= 500; n++) {
            gint64 need = vote_threshold_needed(&t, n);

            g_assert_cmpint(need, >=, 1);
            g_assert_cmpint(need, <=, n);
            g_assert_true(vote_threshold_is_met(&t, need, n));
            g_assert_false(vote_threshold_is_met(&t, need - 1, n));
        }
    }
    {
        VoteThreshold half = {VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL, 0};
        VoteThreshold two_thirds = {VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL, 0};
        VoteThreshold remaining = {VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING, 0};

        g_assert_cmpint(vote_threshold_needed(&half, 50), ==, 26);
        g_assert_cmpint(vote_threshold_needed(&half, 95), ==, 48);
        g_assert_cmpint(vote_threshold_needed(&half, 7), ==, 4);
        g_assert_cmpint(vote_threshold_needed(&two_thirds, 50), ==, 34);
        g_assert_cmpint(vote_threshold_needed(&two_thirds, 95), ==, 64);
        g_assert_cmpint(vote_threshold_needed(&two_thirds, 30), ==, 20);
        g_assert_cmpint(vote_threshold_needed(&remaining, 30), ==, 21);
        g_assert_cmpint(vote_threshold_needed(&remaining, 40), ==, 27);
    }
}

static void test_string_forms(void)
{
    static const char *const forms[] = {
        "more_than_half_of_all",
        "at_least_two_thirds_of_all",
        "more_than_two_thirds_of_remaining",
        "more_than_half_of_present",
        "confidence_bands_of_all",
        "confidence_bands_of_ballots",
    };
    static const char *const bad[] = {"",
                                      "MORE_THAN_HALF_OF_ALL",
                                      " more_than_half_of_all",
                                      "more_than_half_of_all ",
                                      "confidence_bands",
                                      "more_than_half",
                                      "2/3"};
    VoteThreshold t;

    for (gsize i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_true(vote_threshold_parse(forms[i], &t, &error));
        g_assert_no_error(error);
        g_assert_true(vote_threshold_is_valid(&t));
        g_assert_cmpstr(vote_threshold_to_string(&t), ==, forms[i]);
    }
    g_assert_true(vote_threshold_parse("confidence_bands_of_ballots", &t, NULL));
    g_assert_cmpint(t.kind, ==, VOTE_THRESHOLD_CONFIDENCE_BANDS);
    g_assert_cmpint(t.confidence_base, ==, VOTE_CONFIDENCE_OF_ALL_BALLOTS);

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_false(vote_threshold_parse(bad[i], &t, &error));
        g_assert_error(error, VOTE_ERROR, VOTE_ERROR_PARSE);
        g_assert_nonnull(strstr(error->message, "unknown vote threshold"));
    }
    {
        g_autoptr(GError) error = NULL;

        g_assert_false(vote_threshold_parse(NULL, &t, &error));
        g_assert_error(error, VOTE_ERROR, VOTE_ERROR_PARSE);
    }
    {
        VoteThreshold zero = {0};
        VoteThreshold half_with_base = {VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL,
                                        VOTE_CONFIDENCE_OF_ALL_MEMBERS};
        VoteThreshold bands_without_base = {VOTE_THRESHOLD_CONFIDENCE_BANDS, 0};

        g_assert_false(vote_threshold_is_valid(&zero));
        g_assert_null(vote_threshold_to_string(&zero));
        g_assert_false(vote_threshold_is_valid(&half_with_base));
        g_assert_false(vote_threshold_is_valid(&bands_without_base));
    }
}

static void test_enum_strings(void)
{
    VoteBody body;
    VoteSubject subject;
    VoteForm form;
    VoteChoice choice;
    g_autoptr(GError) error = NULL;

    g_assert_true(vote_body_parse("committee", &body, NULL));
    g_assert_cmpint(body, ==, VOTE_BODY_COMMITTEE);
    g_assert_cmpstr(vote_body_to_string(VOTE_BODY_COUNCIL), ==, "council");
    g_assert_true(vote_subject_parse("no_confidence", &subject, NULL));
    g_assert_cmpint(subject, ==, VOTE_SUBJECT_NO_CONFIDENCE);
    g_assert_cmpstr(vote_subject_to_string(VOTE_SUBJECT_ELECTION), ==, "election");
    g_assert_true(vote_form_parse("show_of_hands", &form, NULL));
    g_assert_cmpint(form, ==, VOTE_FORM_SHOW_OF_HANDS);
    g_assert_cmpstr(vote_form_to_string(VOTE_FORM_PAPER), ==, "paper");
    g_assert_true(vote_choice_parse("abstain", &choice, NULL));
    g_assert_cmpint(choice, ==, VOTE_CHOICE_ABSTAIN);
    g_assert_cmpstr(vote_choice_to_string(VOTE_CHOICE_AGAINST), ==, "against");
    g_assert_null(vote_choice_to_string(0));

    g_assert_false(vote_choice_parse("yes", &choice, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_PARSE);
    g_assert_cmpstr(error->message, ==, "unknown vote choice \"yes\"");
}

typedef struct {
    gint64 count;
    gint64 base;
    const char *vi;
    const char *en;
} PercentCase;

static void test_percent(void)
{
    static const PercentCase cases[] = {
        {38, 50, "76,00%", "76.00%"},   {26, 50, "52,00%", "52.00%"},
        {0, 50, "0,00%", "0.00%"},      {50, 50, "100,00%", "100.00%"},
        {1, 3, "33,33%", "33.33%"},     {2, 3, "66,67%", "66.67%"},
        {1, 6, "16,67%", "16.67%"},     {5, 7, "71,43%", "71.43%"},
        {64, 95, "67,37%", "67.37%"},   {1, 8, "12,50%", "12.50%"},
        {1, 16, "6,25%", "6.25%"},      {1, 32, "3,13%", "3.13%"}, /* 3.125: half up */
        {1, 64, "1,56%", "1.56%"},                                 /* 1.5625 */
        {1, 800, "0,13%", "0.13%"},                                /* 0.125: half up */
        {1, 4000, "0,03%", "0.03%"},                               /* 0.025: half up */
        {1, 1600, "0,06%", "0.06%"},                               /* 0.0625 */
        {437, 480, "91,04%", "91.04%"},                            /* 91.0416... */
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *vi = vote_format_percent(cases[i].count, cases[i].base, VOTE_LANG_VI);
        g_autofree char *en = vote_format_percent(cases[i].count, cases[i].base, VOTE_LANG_EN);

        g_assert_cmpstr(vi, ==, cases[i].vi);
        g_assert_cmpstr(en, ==, cases[i].en);
    }
}

static void test_describe(void)
{
    VoteThreshold half = {VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL, 0};
    VoteThreshold two_thirds = {VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL, 0};
    VoteThreshold remaining = {VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING, 0};
    VoteThreshold present = {VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT, 0};
    VoteThreshold bands = {VOTE_THRESHOLD_CONFIDENCE_BANDS, VOTE_CONFIDENCE_OF_ALL_BALLOTS};
    VoteThreshold zero = {0};

    g_assert_cmpstr(vote_threshold_describe(&half, VOTE_BODY_COUNCIL, VOTE_LANG_VI), ==,
                    "quá nửa tổng số đại biểu");
    g_assert_cmpstr(vote_threshold_describe(&half, VOTE_BODY_COMMITTEE, VOTE_LANG_VI), ==,
                    "quá nửa tổng số thành viên");
    g_assert_cmpstr(vote_threshold_describe(&half, VOTE_BODY_COUNCIL, VOTE_LANG_EN), ==,
                    "more than half of all members");
    g_assert_cmpstr(vote_threshold_describe(&two_thirds, VOTE_BODY_COUNCIL, VOTE_LANG_VI), ==,
                    "ít nhất hai phần ba tổng số đại biểu");
    g_assert_cmpstr(vote_threshold_describe(&remaining, VOTE_BODY_COUNCIL, VOTE_LANG_EN), ==,
                    "more than two thirds of the remaining members");
    g_assert_cmpstr(vote_threshold_describe(&present, VOTE_BODY_COUNCIL, VOTE_LANG_VI), ==,
                    "quá nửa tổng số đại biểu có mặt");
    g_assert_cmpstr(vote_threshold_describe(&bands, VOTE_BODY_COUNCIL, VOTE_LANG_EN), ==,
                    "low-confidence bands over all ballots");
    g_assert_null(vote_threshold_describe(&zero, VOTE_BODY_COUNCIL, VOTE_LANG_EN));
}

static void test_defaults(void)
{
    VoteThreshold t = vote_threshold_default(VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION);
    VotePoll poll;

    g_assert_cmpstr(vote_threshold_to_string(&t), ==, "more_than_half_of_all");
    t = vote_threshold_default(VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION);
    g_assert_cmpstr(vote_threshold_to_string(&t), ==, "more_than_half_of_all");
    t = vote_threshold_default(VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE);
    g_assert_cmpstr(vote_threshold_to_string(&t), ==, "confidence_bands_of_all");
    t = vote_threshold_default(VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE);
    g_assert_cmpstr(vote_threshold_to_string(&t), ==, "more_than_half_of_all");
    t = vote_threshold_default(VOTE_BODY_COMMITTEE, VOTE_SUBJECT_MOTION);
    g_assert_cmpstr(vote_threshold_to_string(&t), ==, "more_than_half_of_all");

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, VOTE_FORM_PAPER, 50);
    g_assert_cmpint(poll.roster, ==, 50);
    g_assert_cmpint(poll.present, ==, VOTE_PRESENT_UNKNOWN);
    g_assert_true(vote_poll_validate(&poll, NULL));
}

typedef struct {
    VoteBody body;
    VoteSubject subject;
    VoteForm form;
    const char *threshold;
    gint roster;
    gint present;
    const char *message; /* NULL: valid; else a part of the expected message */
} PollCase;

static void test_poll_validate(void)
{
    static const PollCase cases[] = {
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_all", 50, -1,
         NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_SHOW_OF_HANDS,
         "at_least_two_thirds_of_all", 50, 45, NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_SECRET,
         "more_than_two_thirds_of_remaining", 30, -1, NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_present", 50,
         40, NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_PAPER, "more_than_half_of_all", 95, -1,
         NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_SECRET,
         "more_than_two_thirds_of_remaining", 30, -1, NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, VOTE_FORM_SECRET,
         "confidence_bands_of_ballots", 50, -1, NULL},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE, VOTE_FORM_PAPER, "more_than_half_of_all",
         50, -1, NULL},
        {VOTE_BODY_COMMITTEE, VOTE_SUBJECT_MOTION, VOTE_FORM_SHOW_OF_HANDS, "more_than_half_of_all",
         7, 7, NULL},
        /* invalid */
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_all", 0, -1,
         "the roster has 0 members"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_all", -3, -1,
         "the roster has -3 members"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_all", 50, 51,
         "51 members present is impossible with 50 members on the roster"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_all", 50, -2,
         "-2 members present"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "confidence_bands_of_all", 50, -1,
         "does not apply to motion polls"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_PAPER, "more_than_half_of_present", 50,
         40, "does not apply to election polls"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_NAMED, "more_than_half_of_all", 50, -1,
         "polls are secret ballots"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, VOTE_FORM_SHOW_OF_HANDS,
         "confidence_bands_of_all", 50, -1, "polls are secret ballots"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, VOTE_FORM_SECRET, "more_than_half_of_all", 50,
         -1, "does not apply to confidence polls"},
        {VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE, VOTE_FORM_SECRET,
         "at_least_two_thirds_of_all", 50, -1, "does not apply to no_confidence polls"},
        {VOTE_BODY_COMMITTEE, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "at_least_two_thirds_of_all", 7,
         -1, "a committee decides by more than half of all its members"},
        {VOTE_BODY_COMMITTEE, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, "more_than_half_of_present", 7,
         5, "a committee decides by more than half of all its members"},
        {VOTE_BODY_COMMITTEE, VOTE_SUBJECT_ELECTION, VOTE_FORM_SECRET, "more_than_half_of_all", 7,
         -1, "a committee does not hold election polls"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const PollCase *c = &cases[i];
        g_autoptr(GError) error = NULL;
        VotePoll poll = {c->body, c->subject, c->form, {0}, c->roster, c->present};

        g_assert_true(vote_threshold_parse(c->threshold, &poll.threshold, NULL));
        if (c->message == NULL) {
            g_assert_true(vote_poll_validate(&poll, &error));
            g_assert_no_error(error);
        } else {
            g_assert_false(vote_poll_validate(&poll, &error));
            g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
            if (strstr(error->message, c->message) == NULL)
                g_error("case %" G_GSIZE_FORMAT ": \"%s\" lacks \"%s\"", i, error->message,
                        c->message);
        }
    }
    {
        g_autoptr(GError) error = NULL;
        VotePoll zero = {0};

        g_assert_false(vote_poll_validate(&zero, &error));
        g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    }
}

typedef struct {
    VotePollState state;
    gboolean allow_change;
    VoteVoter voter;
    const char *message;
} EligibleCase;

static void test_eligibility(void)
{
    static const EligibleCase cases[] = {
        {VOTE_POLL_STATE_OPEN, FALSE, {TRUE, TRUE, FALSE}, NULL},
        {VOTE_POLL_STATE_OPEN, TRUE, {TRUE, TRUE, TRUE}, NULL},
        {VOTE_POLL_STATE_OPEN, FALSE, {TRUE, TRUE, TRUE}, "does not allow changing it"},
        {VOTE_POLL_STATE_OPEN, FALSE, {FALSE, TRUE, FALSE}, "only members on the roster"},
        {VOTE_POLL_STATE_OPEN, FALSE, {TRUE, FALSE, FALSE}, "check in to the meeting to vote"},
        {VOTE_POLL_STATE_DRAFT, FALSE, {TRUE, TRUE, FALSE}, "voting has not opened yet"},
        {VOTE_POLL_STATE_CLOSED, TRUE, {TRUE, TRUE, FALSE}, "voting has closed"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        gboolean ok =
            vote_check_eligible(cases[i].state, cases[i].allow_change, &cases[i].voter, &error);

        if (cases[i].message == NULL) {
            g_assert_true(ok);
            g_assert_no_error(error);
        } else {
            g_assert_false(ok);
            g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INELIGIBLE);
            g_assert_nonnull(strstr(error->message, cases[i].message));
        }
    }
}

static void test_shrunk_council(void)
{
    GDate today, end;

    g_date_clear(&today, 1);
    g_date_clear(&end, 1);
    g_date_set_dmy(&today, 1, G_DATE_DECEMBER, 2029);
    g_date_set_dmy(&end, 1, G_DATE_JUNE, 2031); /* exactly 18 months left */

    /* below two thirds of 50 elected: 33 (99 < 100) is, 34 (102 >= 100) is not */
    g_assert_true(vote_council_is_shrunk(50, 33, &today, &end));
    g_assert_false(vote_council_is_shrunk(50, 34, &today, &end));
    /* 95 elected: 63 is below two thirds (189 < 190) */
    g_assert_true(vote_council_is_shrunk(95, 63, &today, &end));
    g_assert_false(vote_council_is_shrunk(95, 64, &today, &end));
    /* exactly two thirds remaining is still "đủ hai phần ba": not shrunk */
    g_assert_false(vote_council_is_shrunk(30, 20, &today, &end));
    g_assert_true(vote_council_is_shrunk(30, 19, &today, &end));

    /* one day more than 18 months left: not (a by-election is held instead) */
    g_date_set_dmy(&end, 2, G_DATE_JUNE, 2031);
    g_assert_false(vote_council_is_shrunk(50, 30, &today, &end));

    /* month arithmetic clamps: 31 Aug 2029 + 18 months = 28 Feb 2031 */
    g_date_set_dmy(&today, 31, G_DATE_AUGUST, 2029);
    g_date_set_dmy(&end, 28, G_DATE_FEBRUARY, 2031);
    g_assert_true(vote_council_is_shrunk(50, 30, &today, &end));
    g_date_set_dmy(&end, 1, G_DATE_MARCH, 2031);
    g_assert_false(vote_council_is_shrunk(50, 30, &today, &end));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(boundary_cases); i++) {
        const BoundaryCase *c = &boundary_cases[i];
        g_autofree char *path =
            g_strdup_printf("/vote/threshold/%s/%d-of-%d", c->threshold, c->count, c->base);

        g_test_add_data_func(path, c, test_boundary);
    }
    g_test_add_func("/vote/threshold/needed-is-least", test_needed_is_least);
    g_test_add_func("/vote/threshold/string-forms", test_string_forms);
    g_test_add_func("/vote/threshold/describe", test_describe);
    g_test_add_func("/vote/enum-strings", test_enum_strings);
    g_test_add_func("/vote/percent", test_percent);
    g_test_add_func("/vote/poll/defaults", test_defaults);
    g_test_add_func("/vote/poll/validate", test_poll_validate);
    g_test_add_func("/vote/eligibility", test_eligibility);
    g_test_add_func("/vote/shrunk-council", test_shrunk_council);
    return g_test_run();
}
