/* Unit tests: one round of an election of officers. DOMAIN.md: "a winner needs more than half of
 * all members; a tie or shortfall leads to a new round." */
#include "vote.h"

#include <string.h>

#define MAX_CANDIDATES 6

typedef struct {
    const char *name;
    gint roster;
    const char *threshold;
    gint seats;
    gint valid;                 /* paper ballots: issued = roster, returned = valid, no invalid */
    gint votes[MAX_CANDIDATES]; /* -1 ends the list */
    VoteRoundStatus status;
    const char *outcomes; /* per candidate: E elected, N not elected, T tied */
    gint seats_filled;
    const char *next_round; /* candidate letters of the new round */
} ElectionCase;

static const ElectionCase election_cases[] = {
    {"one-seat-clear-winner",
     50,
     "more_than_half_of_all",
     1,
     50,
     {30, 15, 5, -1},
     VOTE_ROUND_COMPLETE,
     "ENN",
     1,
     ""},
    {"one-seat-26-of-50-elects",
     50,
     "more_than_half_of_all",
     1,
     50,
     {26, 24, -1},
     VOTE_ROUND_COMPLETE,
     "EN",
     1,
     ""},
    {"one-seat-25-of-50-falls-short",
     50,
     "more_than_half_of_all",
     1,
     50,
     {25, 24, 1, -1},
     VOTE_ROUND_SHORTFALL,
     "NNN",
     0,
     "ABC"},
    {"one-seat-single-candidate-48-of-95",
     95,
     "more_than_half_of_all",
     1,
     90,
     {48, -1},
     VOTE_ROUND_COMPLETE,
     "E",
     1,
     ""},
    {"one-seat-single-candidate-47-of-95",
     95,
     "more_than_half_of_all",
     1,
     90,
     {47, -1},
     VOTE_ROUND_SHORTFALL,
     "N",
     0,
     "A"},
    {"tie-at-the-last-seat",
     50,
     "more_than_half_of_all",
     2,
     50,
     {40, 30, 30, -1},
     VOTE_ROUND_TIE,
     "ETT",
     1,
     "BC"},
    {"tie-inside-the-seats",
     50,
     "more_than_half_of_all",
     2,
     50,
     {30, 30, 10, -1},
     VOTE_ROUND_COMPLETE,
     "EEN",
     2,
     ""},
    {"three-tied-for-two-seats",
     50,
     "more_than_half_of_all",
     3,
     50,
     {40, 30, 30, 30, -1},
     VOTE_ROUND_TIE,
     "ETTT",
     1,
     "BCD"},
    /* with one seat two candidates cannot both pass: each ballot approves one at most */
    {"all-tied-above-threshold",
     50,
     "more_than_half_of_all",
     2,
     50,
     {33, 33, 33, -1},
     VOTE_ROUND_TIE,
     "TTT",
     0,
     "ABC"},
    {"more-qualify-than-seats",
     50,
     "more_than_half_of_all",
     2,
     50,
     {35, 34, 30, -1},
     VOTE_ROUND_COMPLETE,
     "EEN",
     2,
     ""},
    {"ranked-out-of-order",
     50,
     "more_than_half_of_all",
     2,
     50,
     {30, 34, 35, -1},
     VOTE_ROUND_COMPLETE,
     "NEE",
     2,
     ""},
    {"tie-below-the-threshold-is-a-shortfall",
     50,
     "more_than_half_of_all",
     2,
     50,
     {40, 20, 20, -1},
     VOTE_ROUND_SHORTFALL,
     "ENN",
     1,
     "BC"},
    {"fewer-candidates-than-seats",
     35,
     "more_than_half_of_all",
     3,
     35,
     {30, 29, -1},
     VOTE_ROUND_SHORTFALL,
     "EE",
     2,
     ""},
    {"commune-18-of-35",
     35,
     "more_than_half_of_all",
     1,
     35,
     {18, 17, -1},
     VOTE_ROUND_COMPLETE,
     "EN",
     1,
     ""},
    {"shrunk-21-of-30",
     30,
     "more_than_two_thirds_of_remaining",
     1,
     30,
     {21, 9, -1},
     VOTE_ROUND_COMPLETE,
     "EN",
     1,
     ""},
    {"shrunk-20-of-30-falls-short",
     30,
     "more_than_two_thirds_of_remaining",
     1,
     30,
     {20, 10, -1},
     VOTE_ROUND_SHORTFALL,
     "NN",
     0,
     "AB"},
};

static const char *const names[MAX_CANDIDATES] = {"A", "B", "C", "D", "E", "F"};

static gsize fill_candidates(const ElectionCase *c, VoteCandidate *candidates)
{
    gsize n = 0;

    while (n < MAX_CANDIDATES && c->votes[n] >= 0) {
        candidates[n].id = 100 + (gint64)n;
        candidates[n].name = names[n];
        candidates[n].votes = c->votes[n];
        n++;
    }
    return n;
}

static void test_election_case(gconstpointer data)
{
    const ElectionCase *c = data;
    g_autoptr(VoteElectionResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) next = g_string_new(NULL);
    VoteCandidate candidates[MAX_CANDIDATES];
    VoteBallotCounts ballots = {c->roster, c->valid, c->valid, 0};
    VotePoll poll;
    gsize n = fill_candidates(c, candidates);

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_PAPER, c->roster);
    g_assert_true(vote_threshold_parse(c->threshold, &poll.threshold, NULL));
    result = vote_election_evaluate(&poll, c->seats, candidates, n, &ballots, &error);
    g_assert_no_error(error);
    g_assert_nonnull(result);

    g_assert_cmpint(result->status, ==, c->status);
    g_assert_cmpint(result->seats, ==, c->seats);
    g_assert_cmpint(result->seats_filled, ==, c->seats_filled);
    g_assert_cmpint(result->seats_open, ==, c->seats - c->seats_filled);
    g_assert_cmpint(result->base, ==, c->roster);
    g_assert_cmpuint(result->n_candidates, ==, n);
    for (gsize i = 0; i < n; i++) {
        char want = c->outcomes[i];
        VoteCandidateOutcome expected = want == 'E'   ? VOTE_CANDIDATE_ELECTED
                                        : want == 'T' ? VOTE_CANDIDATE_TIED
                                                      : VOTE_CANDIDATE_NOT_ELECTED;

        g_assert_cmpint(result->outcomes[i], ==, expected);
    }
    for (gsize k = 0; k < result->n_next_round; k++)
        g_string_append(next, candidates[result->next_round[k]].name);
    g_assert_cmpstr(next->str, ==, c->next_round);
    /* the ranking is by votes, descending */
    for (gsize r = 1; r < n; r++)
        g_assert_cmpint(candidates[result->ranking[r - 1]].votes, >=,
                        candidates[result->ranking[r]].votes);
}

typedef struct {
    const char *name;
    VoteForm form;
    gint seats;
    VoteBallotCounts ballots;
    VoteCandidate candidates[3];
    gsize n;
    const char *message;
} BadElectionCase;

static const BadElectionCase bad_election_cases[] = {
    {"no-seats",
     VOTE_FORM_PAPER,
     0,
     {50, 50, 50, 0},
     {{1, "A", 30}},
     1,
     "0 seats to fill is impossible with 50 members on the roster"},
    {"more-seats-than-members",
     VOTE_FORM_PAPER,
     51,
     {50, 50, 50, 0},
     {{1, "A", 30}},
     1,
     "51 seats to fill is impossible with 50 members on the roster"},
    {"no-candidates",
     VOTE_FORM_PAPER,
     1,
     {50, 50, 50, 0},
     {{0}},
     0,
     "an election needs candidates"},
    {"repeated-id",
     VOTE_FORM_PAPER,
     2,
     {50, 50, 50, 0},
     {{1, "A", 30}, {1, "B", 20}},
     2,
     "candidate 2 (B) repeats id 1"},
    {"no-name",
     VOTE_FORM_PAPER,
     1,
     {50, 50, 50, 0},
     {{1, "A", 30}, {2, "", 20}},
     2,
     "candidate 2 has no name"},
    {"negative-votes",
     VOTE_FORM_PAPER,
     1,
     {50, 50, 50, 0},
     {{1, "A", -1}},
     1,
     "votes for a candidate cannot be negative: -1"},
    {"more-votes-than-valid-ballots",
     VOTE_FORM_PAPER,
     1,
     {50, 48, 45, 3},
     {{1, "A", 46}},
     1,
     "A has 46 votes but only 45 ballots were valid"},
    {"more-votes-than-ballots-can-give",
     VOTE_FORM_PAPER,
     1,
     {50, 50, 50, 0},
     {{1, "A", 30}, {2, "B", 21}},
     2,
     "the candidates have 51 votes in all, more than 50 valid ballots can give (at most 1 per "
     "ballot)"},
    {"ballots-do-not-add-up",
     VOTE_FORM_PAPER,
     1,
     {50, 49, 45, 3},
     {{1, "A", 30}},
     1,
     "valid (45) and invalid (3) ballots add up to 48, but 49 ballots were returned"},
    {"electronic-invalid-ballot",
     VOTE_FORM_SECRET,
     1,
     {50, 50, 49, 1},
     {{1, "A", 30}},
     1,
     "an electronic ballot is issued when cast and is never invalid (issued 50, returned 50, "
     "invalid 1)"},
    {"named-election",
     VOTE_FORM_NAMED,
     1,
     {50, 50, 50, 0},
     {{1, "A", 30}},
     1,
     "election polls are secret ballots (bỏ phiếu kín), electronic or on paper, not named"},
};

static void test_bad_election_case(gconstpointer data)
{
    const BadElectionCase *c = data;
    g_autoptr(VoteElectionResult) result = NULL;
    g_autoptr(GError) error = NULL;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, c->form, 50);
    result = vote_election_evaluate(&poll, c->seats, c->candidates, c->n, &c->ballots, &error);
    g_assert_null(result);
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, c->message);
}

static void test_electronic_election(void)
{
    g_autoptr(VoteElectionResult) result = NULL;
    VoteCandidate candidates[] = {{7, "Nguyễn Văn An", 44}, {8, "Trần Thị Bình", 3}};
    VoteBallotCounts ballots;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_SECRET, 50);
    poll.present = 48;
    vote_ballot_counts_init_electronic(&ballots, 47);
    result = vote_election_evaluate(&poll, 1, candidates, 2, &ballots, NULL);
    g_assert_nonnull(result);
    g_assert_cmpint(result->status, ==, VOTE_ROUND_COMPLETE);
    g_assert_cmpint(result->needed, ==, 26);
    g_assert_cmpint(result->outcomes[0], ==, VOTE_CANDIDATE_ELECTED);
}

static void test_wording_electronic(void)
{
    VoteCandidate candidates[] = {{7, "Nguyễn Văn An", 44}, {8, "Trần Thị Bình", 3}};
    VoteBallotCounts ballots;
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_SECRET, 50);
    vote_ballot_counts_init_electronic(&ballots, 47);
    vi = vote_election_wording(&poll, 1, candidates, 2, &ballots, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(vi, ==,
                    "Có 47/50 đại biểu tham gia bỏ phiếu, chiếm 94,00% tổng số đại biểu\n"
                    "Nguyễn Văn An: 44/50 phiếu, chiếm 88,00% tổng số đại biểu, trúng cử\n"
                    "Trần Thị Bình: 3/50 phiếu, chiếm 6,00% tổng số đại biểu, không trúng cử\n"
                    "Số người trúng cử: 1/1");
    en = vote_election_wording(&poll, 1, candidates, 2, &ballots, VOTE_LANG_EN, NULL);
    g_assert_cmpstr(en, ==,
                    "47/50 members cast a ballot (94.00% of all members)\n"
                    "Nguyễn Văn An: 44/50 votes (88.00% of all members), elected\n"
                    "Trần Thị Bình: 3/50 votes (6.00% of all members), not elected\n"
                    "Seats filled: 1 of 1");
}

static void test_committee_cannot_elect(void)
{
    g_autoptr(VoteElectionResult) result = NULL;
    g_autoptr(GError) error = NULL;
    VoteCandidate candidates[] = {{1, "A", 5}};
    VoteBallotCounts ballots = {7, 7, 7, 0};
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COMMITTEE, VOTE_SUBJECT_ELECTION, VOTE_FORM_PAPER, 7);
    result = vote_election_evaluate(&poll, 1, candidates, 1, &ballots, &error);
    g_assert_null(result);
    g_assert_error(error, VOTE_ERROR, VOTE_ERROR_INVALID);
}

static void test_wording_tie(void)
{
    VoteCandidate candidates[] = {{1, "Nguyễn Văn An", 40},
                                  {2, "Trần Thị Bình", 27},
                                  {3, "Lê Văn Cường", 27},
                                  {4, "Phạm Thị Dung", 4}};
    VoteBallotCounts ballots = {50, 50, 49, 1};
    g_autofree char *vi = NULL;
    g_autofree char *en = NULL;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_PAPER, 50);
    vi = vote_election_wording(&poll, 2, candidates, 4, &ballots, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(
        vi, ==,
        "Số phiếu phát ra: 50\n"
        "Số phiếu thu vào: 50\n"
        "Số phiếu hợp lệ: 49\n"
        "Số phiếu không hợp lệ: 1\n"
        "Nguyễn Văn An: 40/50 phiếu, chiếm 80,00% tổng số đại biểu, trúng cử\n"
        "Trần Thị Bình: 27/50 phiếu, chiếm 54,00% tổng số đại biểu, bằng phiếu, bầu lại\n"
        "Lê Văn Cường: 27/50 phiếu, chiếm 54,00% tổng số đại biểu, bằng phiếu, bầu lại\n"
        "Phạm Thị Dung: 4/50 phiếu, chiếm 8,00% tổng số đại biểu, không trúng cử\n"
        "Số người trúng cử: 1/2\n"
        "Bầu lại 1 chức danh trong số những người bằng phiếu: Trần Thị Bình, Lê Văn "
        "Cường");
    en = vote_election_wording(&poll, 2, candidates, 4, &ballots, VOTE_LANG_EN, NULL);
    g_assert_cmpstr(en, ==,
                    "Ballots issued: 50\n"
                    "Ballots returned: 50\n"
                    "Valid ballots: 49\n"
                    "Invalid ballots: 1\n"
                    "Nguyễn Văn An: 40/50 votes (80.00% of all members), elected\n"
                    "Trần Thị Bình: 27/50 votes (54.00% of all members), tied, to a new round\n"
                    "Lê Văn Cường: 27/50 votes (54.00% of all members), tied, to a new round\n"
                    "Phạm Thị Dung: 4/50 votes (8.00% of all members), not elected\n"
                    "Seats filled: 1 of 2\n"
                    "A new round for 1 seat(s) among the tied candidates: Trần Thị Bình, Lê Văn "
                    "Cường");
}

static void test_wording_shortfall(void)
{
    VoteCandidate candidates[] = {{1, "Nguyễn Văn An", 25}, {2, "Trần Thị Bình", 24}};
    VoteBallotCounts ballots = {50, 49, 49, 0};
    g_autofree char *vi = NULL;
    VotePoll poll;

    vote_poll_init(&poll, VOTE_BODY_COUNCIL, VOTE_SUBJECT_ELECTION, VOTE_FORM_PAPER, 50);
    vi = vote_election_wording(&poll, 1, candidates, 2, &ballots, VOTE_LANG_VI, NULL);
    g_assert_cmpstr(vi, ==,
                    "Số phiếu phát ra: 50\n"
                    "Số phiếu thu vào: 49\n"
                    "Số phiếu hợp lệ: 49\n"
                    "Số phiếu không hợp lệ: 0\n"
                    "Nguyễn Văn An: 25/50 phiếu, chiếm 50,00% tổng số đại biểu, không trúng cử\n"
                    "Trần Thị Bình: 24/50 phiếu, chiếm 48,00% tổng số đại biểu, không trúng cử\n"
                    "Số người trúng cử: 0/1\n"
                    "Còn thiếu 1 người so với số lượng cần bầu; người chưa trúng cử: Nguyễn Văn "
                    "An, Trần Thị Bình");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(election_cases); i++) {
        g_autofree char *path = g_strdup_printf("/vote/election/%s", election_cases[i].name);

        g_test_add_data_func(path, &election_cases[i], test_election_case);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad_election_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/vote/election/invalid/%s", bad_election_cases[i].name);

        g_test_add_data_func(path, &bad_election_cases[i], test_bad_election_case);
    }
    g_test_add_func("/vote/election/electronic", test_electronic_election);
    g_test_add_func("/vote/election/invalid/committee", test_committee_cannot_elect);
    g_test_add_func("/vote/election/wording/tie", test_wording_tie);
    g_test_add_func("/vote/election/wording/shortfall", test_wording_shortfall);
    g_test_add_func("/vote/election/wording/electronic", test_wording_electronic);
    return g_test_run();
}
