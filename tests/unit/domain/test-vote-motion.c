/* Unit tests: motions (resolutions, decisions): counting ballots, validating entered counts,
 * deciding and wording. DOMAIN.md: "A resolution passes with MORE THAN HALF OF ALL MEMBERS (tổng
 * số đại biểu), not of those present or voting." */
#include "vote.h"

#include <string.h>

typedef struct {
    const char *name;
    VoteBody body;
    VoteForm form;
    const char *threshold;
    gint roster;
    gint present;
    gint yes, no, abstain;
    gboolean passed;
    gint64 needed;
    gint64 base;
} MotionCase;

static const MotionCase motion_cases[] = {
    {"council-50/25-fails", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_all", 50, 50, 25,
     20, 5, FALSE, 26, 50},
    {"council-50/26-passes", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_all", 50, 50,
     26, 24, 0, TRUE, 26, 50},
    {"council-95/47-fails", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_all", 95, -1, 47,
     0, 0, FALSE, 48, 95},
    {"council-95/48-passes", VOTE_BODY_COUNCIL, VOTE_FORM_SECRET, "more_than_half_of_all", 95, -1,
     48, 40, 7, TRUE, 48, 95},
    {"commune-35/17-fails", VOTE_BODY_COUNCIL, VOTE_FORM_SHOW_OF_HANDS, "more_than_half_of_all", 35,
     30, 17, 0, 0, FALSE, 18, 35},
    {"commune-35/18-passes", VOTE_BODY_COUNCIL, VOTE_FORM_SHOW_OF_HANDS, "more_than_half_of_all",
     35, 30, 18, 12, 0, TRUE, 18, 35},
    /* everyone present agrees, but present and voting are not the denominator */
    {"unanimous-minority-fails", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_all", 95,
     47, 47, 0, 0, FALSE, 48, 95},
    {"committee-7/3-fails", VOTE_BODY_COMMITTEE, VOTE_FORM_SHOW_OF_HANDS, "more_than_half_of_all",
     7, 7, 3, 3, 1, FALSE, 4, 7},
    {"committee-7/4-passes", VOTE_BODY_COMMITTEE, VOTE_FORM_NAMED, "more_than_half_of_all", 7, 5, 4,
     1, 0, TRUE, 4, 7},
    {"committee-8/4-fails-on-a-tie", VOTE_BODY_COMMITTEE, VOTE_FORM_NAMED, "more_than_half_of_all",
     8, 8, 4, 4, 0, FALSE, 5, 8},
    {"dismissal-50/33-fails", VOTE_BODY_COUNCIL, VOTE_FORM_SECRET, "at_least_two_thirds_of_all", 50,
     -1, 33, 17, 0, FALSE, 34, 50},
    {"dismissal-50/34-passes", VOTE_BODY_COUNCIL, VOTE_FORM_SECRET, "at_least_two_thirds_of_all",
     50, -1, 34, 16, 0, TRUE, 34, 50},
    {"dismissal-30/20-passes-at-exactly-two-thirds", VOTE_BODY_COUNCIL, VOTE_FORM_SECRET,
     "at_least_two_thirds_of_all", 30, -1, 20, 10, 0, TRUE, 20, 30},
    /* a shrunk council of 30 remaining members out of 50 elected */
    {"shrunk-30/20-fails", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_two_thirds_of_remaining",
     30, 30, 20, 10, 0, FALSE, 21, 30},
    {"shrunk-30/21-passes", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_two_thirds_of_remaining",
     30, 29, 21, 8, 0, TRUE, 21, 30},
    {"shrunk-31/20-fails", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_two_thirds_of_remaining",
     31, -1, 20, 0, 0, FALSE, 21, 31},
    {"present-40/20-fails", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_present", 50, 40,
     20, 20, 0, FALSE, 21, 40},
    {"present-40/21-passes", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_present", 50,
     40, 21, 15, 4, TRUE, 21, 40},
    {"present-21/50-fails-of-all", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_all", 50,
     40, 21, 15, 4, FALSE, 26, 50},
    {"nobody-voted", VOTE_BODY_COUNCIL, VOTE_FORM_NAMED, "more_than_half_of_all", 50, 0, 0, 0, 0,
     FALSE, 26, 50},
};

static void init_poll(VotePoll *poll, const MotionCase *c)
{
    poll->body = c->body;
    poll->subject = VOTE_SUBJECT_MOTION;
    poll->form = c->form;
    g_assert_true(vote_threshold_parse(c->threshold, &poll->threshold, NULL));
    poll->roster = c->roster;
    poll->present = c->present;
}

static void test_motion_case(gconstpointer data)
{
    const MotionCase *c = data;
    g_autoptr(GError) error = NULL;
    VoteMotionCounts counts = {c->yes, c->no, c->abstain, {0}};
    VoteMotionResult result;
    VotePoll poll;

    init_poll(&poll, c);
    g_assert_true(vote_motion_evaluate(&poll, &counts, &result, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result.passed, ==, c->passed);
    g_assert_cmpint(result.needed, ==, c->needed);
    g_assert_cmpint(result.base, ==, c->base);
    g_assert_cmpint(result.participants, ==, c->yes + c->no + c->abstain);
}

typedef struct {
    const char *name;
    VoteForm form;
    const char *threshold;
    gint roster;
    gint present;
    VoteMotionCounts counts;
    const char *message;
} BadMotionCase;

static const BadMotionCase bad_motion_cases[] = {
    {"negative-for",
     VOTE_FORM_NAMED,
     "more_than_half_of_all",
     50,
     -1,
     {-1, 0, 0, {0}},
     "votes for (tán thành) cannot be negative: -1"},
    {"negative-against",
     VOTE_FORM_SHOW_OF_HANDS,
     "more_than_half_of_all",
     50,
     -1,
     {20, -3, 0, {0}},
     "votes against (không tán thành) cannot be negative: -3"},
    {"negative-abstain",
     VOTE_FORM_SHOW_OF_HANDS,
     "more_than_half_of_all",
     50,
     -1,
     {20, 0, -1, {0}},
     "abstentions (không biểu quyết) cannot be negative: -1"},
    {"more-votes-than-roster",
     VOTE_FORM_SHOW_OF_HANDS,
     "more_than_half_of_all",
     50,
     -1,
     {38, 10, 5, {0}},
     "53 votes (38 for, 10 against, 5 abstaining) but only 50 members on the roster"},
    {"more-votes-than-present",
     VOTE_FORM_SHOW_OF_HANDS,
     "more_than_half_of_all",
     50,
     45,
     {38, 6, 2, {0}},
     "46 votes (38 for, 6 against, 2 abstaining) but only 45 members present"},
    {"present-unknown",
     VOTE_FORM_NAMED,
     "more_than_half_of_present",
     50,
     -1,
     {20, 0, 0, {0}},
     "the threshold counts members present, but their number was not recorded"},
    {"nobody-present",
     VOTE_FORM_NAMED,
     "more_than_half_of_present",
     50,
     0,
     {0, 0, 0, {0}},
     "the threshold counts members present, but no member was present"},
    {"paper-more-issued-than-members",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     50,
     -1,
     {30, 10, 0, {52, 40, 40, 0}},
     "more ballots issued (52) than members on the roster (50)"},
    {"paper-more-returned-than-issued",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     50,
     -1,
     {30, 10, 0, {40, 41, 40, 1}},
     "more ballots returned (41) than issued (40)"},
    {"paper-valid-invalid-mismatch",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     50,
     -1,
     {30, 10, 0, {50, 48, 40, 2}},
     "valid (40) and invalid (2) ballots add up to 42, but 48 ballots were returned"},
    {"paper-choices-mismatch",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     50,
     -1,
     {30, 10, 0, {50, 48, 47, 1}},
     "for (30), against (10) and abstaining (0) add up to 40, but 47 ballots were valid"},
    {"paper-negative-invalid",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     50,
     -1,
     {30, 10, 0, {50, 40, 41, -1}},
     "invalid ballots (phiếu không hợp lệ) cannot be negative: -1"},
    {"paper-returned-more-than-present",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     50,
     39,
     {30, 9, 0, {50, 40, 39, 1}},
     "more ballots returned (40) than members present (39)"},
};

static void test_bad_motion_case(gconstpointer data)
{
    const BadMotionCase *c = data;
    g_autoptr(GError) error = NULL;
    VotePoll poll = {VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, c->form, {0}, c->roster, c->present};
    VoteMotionResult result = {0};

    g_assert_true(vote_threshold_parse(c->threshold, &poll.threshold, NULL));
    g_assert_false(vote_motion_evaluate(&poll, &c->counts, &result, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, c->message);
    g_assert_false(result.passed); /* untouched */
}

static void test_wrong_subject(void)
{
    g_autoptr(GError) error = NULL;
    VotePoll poll;
    VoteMotionCounts counts = {30, 0, 0, {0}};
    VoteMotionResult result;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_SECRET, 50);
    g_assert_false(vote_motion_evaluate(&poll, &counts, &result, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "this poll's subject is election, not motion");
}

static void test_paper_motion(void)
{
    g_autoptr(GError) error = NULL;
    VotePoll poll;
    VoteMotionCounts counts = {30, 15, 2, {50, 48, 47, 1}};
    VoteMotionResult result;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_PAPER, 50);
    g_assert_true(vote_motion_evaluate(&poll, &counts, &result, &error));
    g_assert_no_error(error);
    g_assert_true(result.passed);
    g_assert_cmpint(result.participants, ==, 48);
}

static void test_tally_ballots(void)
{
    static const gint64 roster[] = {11, 12, 13, 14, 15, 16, 17};
    static const gint64 ids[] = {17, 11, 13, 12, 15};
    static const VoteChoice choices[] = {VOTE_CHOICE_FOR, VOTE_CHOICE_FOR, VOTE_CHOICE_AGAINST,
                                         VOTE_CHOICE_ABSTAIN, VOTE_CHOICE_FOR};
    g_autoptr(GError) error = NULL;
    VoteMotionCounts counts;
    VoteMotionResult result;
    VotePoll poll;

    g_assert_true(vote_tally_ballots(roster, G_N_ELEMENTS(roster), ids, choices, G_N_ELEMENTS(ids),
                                     &counts, &error));
    g_assert_no_error(error);
    g_assert_cmpint(counts.yes, ==, 3);
    g_assert_cmpint(counts.no, ==, 1);
    g_assert_cmpint(counts.abstain, ==, 1);

    /* a committee of 7: 3 for is not a majority of its members even with 5 voting */
    vote_poll_init(&poll, VOTE_BODY_COMMITTEE, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, 7);
    poll.present = 6;
    g_assert_true(vote_motion_evaluate(&poll, &counts, &result, NULL));
    g_assert_false(result.passed);

    /* no ballots at all */
    g_assert_true(vote_tally_ballots(roster, G_N_ELEMENTS(roster), NULL, NULL, 0, &counts, NULL));
    g_assert_cmpint(counts.yes + counts.no + counts.abstain, ==, 0);
}

static void test_tally_ballots_invalid(void)
{
    static const gint64 roster[] = {11, 12, 13};
    static const gint64 dup_roster[] = {11, 12, 11};
    static const gint64 twice[] = {11, 12, 11};
    static const gint64 stranger[] = {11, 99};
    static const VoteChoice choices[] = {VOTE_CHOICE_FOR, VOTE_CHOICE_FOR, VOTE_CHOICE_AGAINST};
    static const VoteChoice unknown[] = {VOTE_CHOICE_FOR, 7};
    VoteMotionCounts counts = {-5, -5, -5, {0}};
    GError *error = NULL;

    g_assert_false(vote_tally_ballots(dup_roster, 3, twice, choices, 0, &counts, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "member 11 appears twice on the roster");
    g_clear_error(&error);

    g_assert_false(vote_tally_ballots(roster, 3, twice, choices, 3, &counts, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "two ballots from member 11: one ballot each");
    g_clear_error(&error);

    g_assert_false(vote_tally_ballots(roster, 3, stranger, choices, 2, &counts, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==,
                    "a ballot from 99, who was not on the roster when voting opened");
    g_clear_error(&error);

    g_assert_false(vote_tally_ballots(roster, 3, roster, unknown, 2, &counts, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "the ballot of member 12 has an unknown choice (7)");
    g_clear_error(&error);

    g_assert_cmpint(counts.yes, ==, -5); /* untouched on failure */
}

static void test_wording_council(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VoteMotionCounts counts = {38, 8, 2, {0}};
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, 50);
    poll.present = 48;
    vi = vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_VI, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(vi, ==,
                    "Có 48/50 đại biểu tham gia biểu quyết, chiếm 96,00% tổng số đại biểu\n"
                    "Có 38/50 đại biểu tán thành, chiếm 76,00% tổng số đại biểu\n"
                    "Có 8/50 đại biểu không tán thành, chiếm 16,00% tổng số đại biểu\n"
                    "Có 2/50 đại biểu không biểu quyết, chiếm 4,00% tổng số đại biểu\n"
                    "Nghị quyết được thông qua");
    en = vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_EN, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(en, ==,
                    "48/50 members took part in the vote (96.00% of all members)\n"
                    "38/50 members voted for (76.00% of all members)\n"
                    "8/50 members voted against (16.00% of all members)\n"
                    "2/50 members abstained (4.00% of all members)\n"
                    "The resolution is adopted");
}

static void test_wording_committee(void)
{
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VoteMotionCounts counts = {3, 3, 1, {0}};
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COMMITTEE, VOTE_SUBJECT_MOTION, VOTE_FORM_SHOW_OF_HANDS, 7);
    vi = vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(vi, ==,
                    "Có 7/7 thành viên tham gia biểu quyết, chiếm 100,00% tổng số thành viên\n"
                    "Có 3/7 thành viên tán thành, chiếm 42,86% tổng số thành viên\n"
                    "Có 3/7 thành viên không tán thành, chiếm 42,86% tổng số thành viên\n"
                    "Có 1/7 thành viên không biểu quyết, chiếm 14,29% tổng số thành viên\n"
                    "Quyết định không được thông qua");
    en = vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_EN, NULL);
    g_assert_cmpstr(en, ==,
                    "7/7 committee members took part in the vote (100.00% of all committee "
                    "members)\n"
                    "3/7 committee members voted for (42.86% of all committee members)\n"
                    "3/7 committee members voted against (42.86% of all committee members)\n"
                    "1/7 committee members abstained (14.29% of all committee members)\n"
                    "The decision is not adopted");
}

static void test_wording_paper_dismissal(void)
{
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VoteMotionCounts counts = {30, 15, 2, {50, 48, 47, 1}};
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_PAPER, 50);
    g_assert_true(vote_threshold_parse("at_least_two_thirds_of_all", &poll.threshold, NULL));
    vi = vote_motion_wording(&poll, &counts, "Việc bãi nhiệm đại biểu", VOTE_LANG_VI, NULL);
    g_assert_cmpstr(vi, ==,
                    "Số phiếu phát ra: 50\n"
                    "Số phiếu thu vào: 48\n"
                    "Số phiếu hợp lệ: 47\n"
                    "Số phiếu không hợp lệ: 1\n"
                    "Có 30/50 đại biểu tán thành, chiếm 60,00% tổng số đại biểu\n"
                    "Có 15/50 đại biểu không tán thành, chiếm 30,00% tổng số đại biểu\n"
                    "Có 2/50 đại biểu không biểu quyết, chiếm 4,00% tổng số đại biểu\n"
                    "Việc bãi nhiệm đại biểu không được thông qua");
    en = vote_motion_wording(&poll, &counts, "The dismissal", VOTE_LANG_EN, NULL);
    g_assert_cmpstr(en, ==,
                    "Ballots issued: 50\n"
                    "Ballots returned: 48\n"
                    "Valid ballots: 47\n"
                    "Invalid ballots: 1\n"
                    "30/50 members voted for (60.00% of all members)\n"
                    "15/50 members voted against (30.00% of all members)\n"
                    "2/50 members abstained (4.00% of all members)\n"
                    "The dismissal is not adopted");
}

static void test_wording_present_and_remaining(void)
{
    g_autofree char *present = NULL;
    g_autofree char *remaining = NULL;
    VoteMotionCounts counts = {21, 15, 4, {0}};
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, 50);
    poll.present = 40;
    g_assert_true(vote_threshold_parse("more_than_half_of_present", &poll.threshold, NULL));
    present = vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(present, ==,
                    "Có 40/40 đại biểu tham gia biểu quyết, chiếm 100,00% tổng số đại biểu có mặt\n"
                    "Có 21/40 đại biểu tán thành, chiếm 52,50% tổng số đại biểu có mặt\n"
                    "Có 15/40 đại biểu không tán thành, chiếm 37,50% tổng số đại biểu có mặt\n"
                    "Có 4/40 đại biểu không biểu quyết, chiếm 10,00% tổng số đại biểu có mặt\n"
                    "Nghị quyết được thông qua");

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_NAMED, 31);
    g_assert_true(vote_threshold_parse("more_than_two_thirds_of_remaining", &poll.threshold, NULL));
    counts = (VoteMotionCounts){21, 6, 1, {0}};
    remaining = vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_EN, NULL);
    g_assert_cmpstr(remaining, ==,
                    "28/31 members took part in the vote (90.32% of the remaining members)\n"
                    "21/31 members voted for (67.74% of the remaining members)\n"
                    "6/31 members voted against (19.35% of the remaining members)\n"
                    "1/31 members abstained (3.23% of the remaining members)\n"
                    "The resolution is adopted");
}

static void test_wording_refuses_bad_counts(void)
{
    g_autoptr(GError) error = NULL;
    VoteMotionCounts counts = {38, 10, 5, {0}};
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_MOTION, VOTE_FORM_SHOW_OF_HANDS, 50);
    g_assert_null(vote_motion_wording(&poll, &counts, NULL, VOTE_LANG_VI, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(motion_cases); i++) {
        g_autofree char *path = g_strdup_printf("/vote/motion/%s", motion_cases[i].name);

        g_test_add_data_func(path, &motion_cases[i], test_motion_case);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad_motion_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/vote/motion/invalid/%s", bad_motion_cases[i].name);

        g_test_add_data_func(path, &bad_motion_cases[i], test_bad_motion_case);
    }
    g_test_add_func("/vote/motion/invalid/wrong-subject", test_wrong_subject);
    g_test_add_func("/vote/motion/paper", test_paper_motion);
    g_test_add_func("/vote/tally/ballots", test_tally_ballots);
    g_test_add_func("/vote/tally/ballots-invalid", test_tally_ballots_invalid);
    g_test_add_func("/vote/wording/council", test_wording_council);
    g_test_add_func("/vote/wording/committee", test_wording_committee);
    g_test_add_func("/vote/wording/paper-dismissal", test_wording_paper_dismissal);
    g_test_add_func("/vote/wording/present-and-remaining", test_wording_present_and_remaining);
    g_test_add_func("/vote/wording/refuses-bad-counts", test_wording_refuses_bad_counts);
    return g_test_run();
}
