/* Unit tests: confidence votes (lấy phiếu tín nhiệm) at the exact edges of their bands, with both
 * denominators, and no-confidence votes (bỏ phiếu tín nhiệm). */
#include "vote.h"

#include <string.h>

typedef struct {
    gint64 base;
    gint64 low;
    VoteConfidenceBand band;
} BandCase;

static const BandCase band_cases[] = {
    {50, 0, VOTE_CONFIDENCE_BAND_NO_ACTION},
    {50, 25, VOTE_CONFIDENCE_BAND_NO_ACTION}, /* exactly half: not more than half */
    {50, 26, VOTE_CONFIDENCE_BAND_MAY_RESIGN},
    {50, 33, VOTE_CONFIDENCE_BAND_MAY_RESIGN}, /* 99 < 100: still under two thirds */
    {50, 34, VOTE_CONFIDENCE_BAND_DISMISSAL},  /* 102 >= 100 */
    {50, 50, VOTE_CONFIDENCE_BAND_DISMISSAL},
    {95, 47, VOTE_CONFIDENCE_BAND_NO_ACTION},
    {95, 48, VOTE_CONFIDENCE_BAND_MAY_RESIGN},
    {95, 63, VOTE_CONFIDENCE_BAND_MAY_RESIGN},
    {95, 64, VOTE_CONFIDENCE_BAND_DISMISSAL},
    {35, 17, VOTE_CONFIDENCE_BAND_NO_ACTION},
    {35, 18, VOTE_CONFIDENCE_BAND_MAY_RESIGN},
    {35, 23, VOTE_CONFIDENCE_BAND_MAY_RESIGN},
    {35, 24, VOTE_CONFIDENCE_BAND_DISMISSAL},
    {30, 20, VOTE_CONFIDENCE_BAND_DISMISSAL}, /* exactly two thirds: "từ hai phần ba trở lên" */
    {30, 19, VOTE_CONFIDENCE_BAND_MAY_RESIGN},
    {6, 3, VOTE_CONFIDENCE_BAND_NO_ACTION},
    {6, 4, VOTE_CONFIDENCE_BAND_DISMISSAL}, /* 6 members: the middle band is empty */
    {3, 1, VOTE_CONFIDENCE_BAND_NO_ACTION},
    {3, 2, VOTE_CONFIDENCE_BAND_DISMISSAL},
};

static void test_band(gconstpointer data)
{
    const BandCase *c = data;

    g_assert_cmpint(vote_confidence_band(c->low, c->base), ==, c->band);
}

/* The bands agree with the thresholds they are made of, for every size up to 500. */
static void test_band_matches_thresholds(void)
{
    VoteThreshold half = {VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL, 0};
    VoteThreshold two_thirds = {VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL, 0};

    for (gint64 n = 1; n <= 500; n++) {
        for (gint64 low = 0; low <= n; low++) {
            VoteConfidenceBand band = vote_confidence_band(low, n);

            if (vote_threshold_is_met(&two_thirds, low, n))
                g_assert_cmpint(band, ==, VOTE_CONFIDENCE_BAND_DISMISSAL);
            else if (vote_threshold_is_met(&half, low, n))
                g_assert_cmpint(band, ==, VOTE_CONFIDENCE_BAND_MAY_RESIGN);
            else
                g_assert_cmpint(band, ==, VOTE_CONFIDENCE_BAND_NO_ACTION);
        }
    }
}

static void test_denominator_is_configurable(void)
{
    /* 50 members, 40 ballots returned (38 valid, 2 invalid) */
    VoteConfidenceRow rows[] = {
        {1, "Official A", 10, 7, 21}, /* of all: 42 <= 50; of ballots: 42 > 40 */
        {2, "Official B", 5, 6, 27},  /* of all: 54 > 50, 81 < 100; of ballots: 81 >= 80 */
        {3, "Official C", 30, 8, 0},
    };
    VoteBallotCounts ballots = {50, 40, 38, 2};
    VoteConfidenceBand bands[3];
    gint64 base = 0;
    VotePoll poll;
    g_autoptr(GError) error = NULL;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, VOTE_FORM_PAPER, 50);
    g_assert_true(vote_confidence_evaluate(&poll, rows, 3, &ballots, bands, &base, &error));
    g_assert_no_error(error);
    g_assert_cmpint(base, ==, 50);
    g_assert_cmpint(bands[0], ==, VOTE_CONFIDENCE_BAND_NO_ACTION);
    g_assert_cmpint(bands[1], ==, VOTE_CONFIDENCE_BAND_MAY_RESIGN);
    g_assert_cmpint(bands[2], ==, VOTE_CONFIDENCE_BAND_NO_ACTION);

    g_assert_true(vote_threshold_parse("confidence_bands_of_ballots", &poll.threshold, NULL));
    g_assert_true(vote_confidence_evaluate(&poll, rows, 3, &ballots, bands, &base, &error));
    g_assert_no_error(error);
    g_assert_cmpint(base, ==, 40);
    g_assert_cmpint(bands[0], ==, VOTE_CONFIDENCE_BAND_MAY_RESIGN);
    g_assert_cmpint(bands[1], ==, VOTE_CONFIDENCE_BAND_DISMISSAL);
    g_assert_cmpint(bands[2], ==, VOTE_CONFIDENCE_BAND_NO_ACTION);
}

typedef struct {
    const char *name;
    VoteForm form;
    const char *threshold;
    VoteBallotCounts ballots;
    VoteConfidenceRow rows[2];
    gsize n;
    const char *message;
} BadConfidenceCase;

static const BadConfidenceCase bad_confidence_cases[] = {
    {"no-rows",
     VOTE_FORM_PAPER,
     "confidence_bands_of_all",
     {50, 50, 50, 0},
     {{0}},
     0,
     "the ballot names no official"},
    {"negative-low",
     VOTE_FORM_PAPER,
     "confidence_bands_of_all",
     {50, 50, 50, 0},
     {{1, "A", 10, 10, -1}},
     1,
     "\"tín nhiệm thấp\" ratings cannot be negative: -1"},
    {"more-ratings-than-valid-ballots",
     VOTE_FORM_PAPER,
     "confidence_bands_of_all",
     {50, 48, 46, 2},
     {{1, "A", 20, 20, 7}},
     1,
     "A is rated on 47 ballots but only 46 ballots were valid"},
    {"repeated-official",
     VOTE_FORM_PAPER,
     "confidence_bands_of_all",
     {50, 50, 50, 0},
     {{1, "A", 10, 10, 10}, {1, "B", 10, 10, 10}},
     2,
     "official 2 (B) repeats id 1"},
    {"more-ballots-than-members",
     VOTE_FORM_PAPER,
     "confidence_bands_of_all",
     {51, 51, 51, 0},
     {{1, "A", 10, 10, 10}},
     1,
     "more ballots issued (51) than members on the roster (50)"},
    {"no-ballot-returned",
     VOTE_FORM_PAPER,
     "confidence_bands_of_ballots",
     {50, 0, 0, 0},
     {{1, "A", 0, 0, 0}},
     1,
     "the bands count all ballots, but no ballot was returned"},
    {"show-of-hands",
     VOTE_FORM_SHOW_OF_HANDS,
     "confidence_bands_of_all",
     {50, 50, 50, 0},
     {{1, "A", 10, 10, 10}},
     1,
     "confidence polls are secret ballots (bỏ phiếu kín), electronic or on paper, not "
     "show_of_hands"},
    {"pass-fail-threshold",
     VOTE_FORM_PAPER,
     "more_than_half_of_all",
     {50, 50, 50, 0},
     {{1, "A", 10, 10, 10}},
     1,
     "the threshold \"more_than_half_of_all\" does not apply to confidence polls"},
};

static void test_bad_confidence_case(gconstpointer data)
{
    const BadConfidenceCase *c = data;
    g_autoptr(GError) error = NULL;
    VoteConfidenceBand bands[2] = {0, 0};
    gint64 base = -7;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, c->form, 50);
    g_assert_true(vote_threshold_parse(c->threshold, &poll.threshold, NULL));
    g_assert_false(
        vote_confidence_evaluate(&poll, c->rows, c->n, &c->ballots, bands, &base, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, c->message);
    g_assert_cmpint(bands[0], ==, 0); /* nothing written */
    g_assert_cmpint(base, ==, -7);
}

static void test_confidence_wording(void)
{
    VoteConfidenceRow rows[] = {
        {1, "Nguyễn Văn An", 30, 12, 6},
        {2, "Trần Thị Bình", 4, 18, 26},
        {3, "Lê Văn Cường", 2, 10, 36},
    };
    VoteBallotCounts ballots = {50, 49, 48, 1};
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_CONFIDENCE, VOTE_FORM_PAPER, 50);
    vi = vote_confidence_wording(&poll, rows, 3, &ballots, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(vi, ==,
                    "Số phiếu phát ra: 50\n"
                    "Số phiếu thu vào: 49\n"
                    "Số phiếu hợp lệ: 48\n"
                    "Số phiếu không hợp lệ: 1\n"
                    "Nguyễn Văn An: tín nhiệm cao 30/50, chiếm 60,00%; tín nhiệm 12/50, chiếm "
                    "24,00%; tín nhiệm thấp 6/50, chiếm 12,00% tổng số đại biểu\n"
                    "Trần Thị Bình: tín nhiệm cao 4/50, chiếm 8,00%; tín nhiệm 18/50, chiếm "
                    "36,00%; tín nhiệm thấp 26/50, chiếm 52,00% tổng số đại biểu\n"
                    "Trần Thị Bình có quá nửa đến dưới hai phần ba tổng số đại biểu đánh giá tín "
                    "nhiệm thấp: có thể xin từ chức; nếu không xin từ chức thì bị bỏ phiếu tín "
                    "nhiệm\n"
                    "Lê Văn Cường: tín nhiệm cao 2/50, chiếm 4,00%; tín nhiệm 10/50, chiếm 20,00%; "
                    "tín nhiệm thấp 36/50, chiếm 72,00% tổng số đại biểu\n"
                    "Lê Văn Cường có từ hai phần ba tổng số đại biểu trở lên đánh giá tín nhiệm "
                    "thấp: đề nghị miễn nhiệm");
    en = vote_confidence_wording(&poll, rows, 1, &ballots, VOTE_LANG_EN, NULL);
    g_assert_cmpstr(en, ==,
                    "Ballots issued: 50\n"
                    "Ballots returned: 49\n"
                    "Valid ballots: 48\n"
                    "Invalid ballots: 1\n"
                    "Nguyễn Văn An: high confidence 30/50 (60.00%); confidence 12/50 (24.00%); "
                    "low confidence 6/50 (12.00% of all members)");
}

typedef struct {
    gint roster;
    gint no_confidence;
    gboolean lost;
} NoConfidenceCase;

static void test_no_confidence_edges(void)
{
    static const NoConfidenceCase cases[] = {
        {50, 25, FALSE}, {50, 26, TRUE}, {95, 47, FALSE}, {95, 48, TRUE},
        {35, 17, FALSE}, {35, 18, TRUE}, {8, 4, FALSE},   {8, 5, TRUE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        VoteNoConfidenceRow row = {1, "A", cases[i].roster - cases[i].no_confidence,
                                   cases[i].no_confidence};
        VoteBallotCounts ballots = {cases[i].roster, cases[i].roster, cases[i].roster, 0};
        gboolean lost = !cases[i].lost;
        g_autoptr(GError) error = NULL;
        VotePoll poll;

        vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE, VOTE_FORM_PAPER,
                       cases[i].roster);
        g_assert_true(vote_no_confidence_evaluate(&poll, &row, 1, &ballots, &lost, &error));
        g_assert_no_error(error);
        g_assert_cmpint(lost, ==, cases[i].lost);
    }
}

static void test_no_confidence_counts_all_members(void)
{
    /* 40 of 50 voted; 21 "không tín nhiệm" is a majority of those voting, not of all members */
    VoteNoConfidenceRow row = {1, "A", 19, 21};
    VoteBallotCounts ballots;
    gboolean lost = TRUE;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE, VOTE_FORM_SECRET, 50);
    vote_ballot_counts_init_electronic(&ballots, 40);
    g_assert_true(vote_no_confidence_evaluate(&poll, &row, 1, &ballots, &lost, NULL));
    g_assert_false(lost);
}

static void test_no_confidence_invalid(void)
{
    VoteNoConfidenceRow row = {1, "A", 30, 21};
    VoteBallotCounts ballots = {50, 50, 50, 0};
    g_autoptr(GError) error = NULL;
    gboolean lost = FALSE;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE, VOTE_FORM_PAPER, 50);
    g_assert_false(vote_no_confidence_evaluate(&poll, &row, 1, &ballots, &lost, &error));
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "A is rated on 51 ballots but only 50 ballots were valid");
}

static void test_no_confidence_wording(void)
{
    VoteNoConfidenceRow rows[] = {{1, "Nguyễn Văn An", 22, 27}, {2, "Trần Thị Bình", 30, 19}};
    VoteBallotCounts ballots = {50, 49, 49, 0};
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_NO_CONFIDENCE, VOTE_FORM_PAPER, 50);
    vi = vote_no_confidence_wording(&poll, rows, 2, &ballots, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(vi, ==,
                    "Số phiếu phát ra: 50\n"
                    "Số phiếu thu vào: 49\n"
                    "Số phiếu hợp lệ: 49\n"
                    "Số phiếu không hợp lệ: 0\n"
                    "Nguyễn Văn An: tín nhiệm 22/50, chiếm 44,00%; không tín nhiệm 27/50, chiếm "
                    "54,00% tổng số đại biểu\n"
                    "Nguyễn Văn An có quá nửa tổng số đại biểu bỏ phiếu không tín nhiệm: từ chức "
                    "hoặc bị miễn nhiệm\n"
                    "Trần Thị Bình: tín nhiệm 30/50, chiếm 60,00%; không tín nhiệm 19/50, chiếm "
                    "38,00% tổng số đại biểu\n"
                    "Trần Thị Bình không có quá nửa tổng số đại biểu bỏ phiếu không tín nhiệm");
    en = vote_no_confidence_wording(&poll, rows, 1, &ballots, VOTE_LANG_EN, NULL);
    g_assert_cmpstr(en, ==,
                    "Ballots issued: 50\n"
                    "Ballots returned: 49\n"
                    "Valid ballots: 49\n"
                    "Invalid ballots: 0\n"
                    "Nguyễn Văn An: confidence 22/50 (44.00%); no confidence 27/50 (54.00% of "
                    "all members)\n"
                    "Nguyễn Văn An lost the confidence of more than half of all members: resigns "
                    "or is dismissed");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(band_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/vote/confidence/band/%" G_GINT64_FORMAT "-of-%" G_GINT64_FORMAT,
                            band_cases[i].low, band_cases[i].base);

        g_test_add_data_func(path, &band_cases[i], test_band);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad_confidence_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/vote/confidence/invalid/%s", bad_confidence_cases[i].name);

        g_test_add_data_func(path, &bad_confidence_cases[i], test_bad_confidence_case);
    }
    g_test_add_func("/vote/confidence/band/matches-thresholds", test_band_matches_thresholds);
    g_test_add_func("/vote/confidence/denominator", test_denominator_is_configurable);
    g_test_add_func("/vote/confidence/wording", test_confidence_wording);
    g_test_add_func("/vote/no-confidence/edges", test_no_confidence_edges);
    g_test_add_func("/vote/no-confidence/counts-all-members",
                    test_no_confidence_counts_all_members);
    g_test_add_func("/vote/no-confidence/invalid", test_no_confidence_invalid);
    g_test_add_func("/vote/no-confidence/wording", test_no_confidence_wording);
    return g_test_run();
}
