/* vote-election.c: one round of an election of officers.
 *
 * Design. DOMAIN.md: "Elections of officers: secret ballot, candidates, seats; a winner needs more
 * than half of all members; a tie or shortfall leads to a new round." A round is evaluated in
 * three steps:
 *  1. the candidates who reach the threshold against the roster (2*votes > roster, or in a shrunk
 *     council 3*votes > 2*remaining) qualify;
 *  2. qualifying candidates are ranked by votes; when more qualify than there are seats, the best
 *     are elected, unless equal votes straddle the last seat: then the candidates strictly above
 *     the tied votes are elected and the tied ones go to a new round for the seats left (the
 *     practice of the councils' rules: "bầu lại trong số những người có số phiếu ngang nhau");
 *  3. when fewer qualify than there are seats, all who qualify are elected and the round ends
 *     short; the new round lists the candidates not elected, and the council decides whether to
 *     hold it and whether to nominate others.
 * Input checks follow the ballot: a candidate's votes cannot exceed the valid ballots, and a valid
 * ballot approves at most `seats` candidates, so the votes of all candidates cannot exceed
 * valid * seats.
 */
#include "vote-private.h"

typedef struct {
    const VoteCandidate *candidates;
} RankContext;

static gint compare_rank(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const RankContext *ctx = user_data;
    guint ia = *(const guint *)a;
    guint ib = *(const guint *)b;
    gint va = ctx->candidates[ia].votes;
    gint vb = ctx->candidates[ib].votes;

    if (va != vb)
        return va > vb ? -1 : 1;
    return ia < ib ? -1 : (ia > ib ? 1 : 0);
}

void vote_election_result_free(VoteElectionResult *result)
{
    if (result == NULL)
        return;
    g_free(result->outcomes);
    g_free(result->ranking);
    g_free(result->next_round);
    g_free(result);
}

static gboolean check_election(const VotePoll *poll, gint seats, const VoteCandidate *candidates,
                               gsize n_candidates, const VoteBallotCounts *ballots, GError **error)
{
    g_autoptr(GHashTable) ids = NULL;
    gint64 total = 0;

    if (!vote_poll_validate(poll, error))
        return FALSE;
    if (poll->subject != VOTE_SUBJECT_ELECTION) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "this poll's subject is %s, not election",
                    vote_subject_to_string(poll->subject));
        return FALSE;
    }
    if (seats < 1 || seats > poll->roster) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%d seats to fill is impossible with %d members on the roster", seats,
                    poll->roster);
        return FALSE;
    }
    if (n_candidates == 0) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "an election needs candidates");
        return FALSE;
    }
    if (!vote_check_ballots(poll, ballots, error))
        return FALSE;

    ids = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (gsize i = 0; i < n_candidates; i++) {
        const VoteCandidate *c = &candidates[i];

        if (!vote_check_row(ids, &c->id, c->name, i, "candidate", error) ||
            !vote_check_count(c->votes, "votes for a candidate", error))
            return FALSE;
        if (c->votes > ballots->valid) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "%s has %d votes but only %d ballots were valid", c->name, c->votes,
                        ballots->valid);
            return FALSE;
        }
        total += c->votes;
    }
    if (total > (gint64)ballots->valid * seats) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "the candidates have %" G_GINT64_FORMAT " votes in all, more than %d valid "
                    "ballots can give (at most %d per ballot)",
                    total, ballots->valid, seats);
        return FALSE;
    }
    return TRUE;
}

VoteElectionResult *vote_election_evaluate(const VotePoll *poll, gint seats,
                                           const VoteCandidate *candidates, gsize n_candidates,
                                           const VoteBallotCounts *ballots, GError **error)
{
    g_autoptr(VoteElectionResult) result = NULL;
    RankContext ctx = {candidates};
    gsize n_qualified = 0;

    g_return_val_if_fail(poll != NULL, NULL);
    g_return_val_if_fail(candidates != NULL || n_candidates == 0, NULL);
    g_return_val_if_fail(n_candidates <= G_MAXUINT, NULL);
    g_return_val_if_fail(ballots != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!check_election(poll, seats, candidates, n_candidates, ballots, error))
        return NULL;

    result = g_new0(VoteElectionResult, 1);
    result->base = poll->roster;
    result->needed = vote_threshold_needed(&poll->threshold, poll->roster);
    result->seats = seats;
    result->n_candidates = n_candidates;
    result->outcomes = g_new(VoteCandidateOutcome, n_candidates);
    result->ranking = g_new(guint, n_candidates);
    result->next_round = g_new(guint, n_candidates);

    for (gsize i = 0; i < n_candidates; i++) {
        result->ranking[i] = (guint)i;
        result->outcomes[i] = VOTE_CANDIDATE_NOT_ELECTED;
        if (vote_threshold_is_met(&poll->threshold, candidates[i].votes, poll->roster))
            n_qualified++;
    }
    g_qsort_with_data(result->ranking, (gint)n_candidates, sizeof(guint), compare_rank, &ctx);
    /* Ranked by votes, the qualified candidates are exactly the first n_qualified. */

    if (n_qualified <= (gsize)seats) {
        for (gsize r = 0; r < n_qualified; r++)
            result->outcomes[result->ranking[r]] = VOTE_CANDIDATE_ELECTED;
        result->seats_filled = (gint)n_qualified;
        result->status = n_qualified == (gsize)seats ? VOTE_ROUND_COMPLETE : VOTE_ROUND_SHORTFALL;
        if (result->status == VOTE_ROUND_SHORTFALL) {
            for (gsize r = n_qualified; r < n_candidates; r++)
                result->next_round[result->n_next_round++] = result->ranking[r];
        }
    } else {
        gint last = candidates[result->ranking[seats - 1]].votes;
        gint first_out = candidates[result->ranking[seats]].votes;

        if (first_out < last) {
            for (gint r = 0; r < seats; r++)
                result->outcomes[result->ranking[r]] = VOTE_CANDIDATE_ELECTED;
            result->seats_filled = seats;
            result->status = VOTE_ROUND_COMPLETE;
        } else {
            /* Equal votes straddle the last seat: elect those above the tie, tie the rest. */
            for (gsize r = 0; r < n_qualified; r++) {
                guint i = result->ranking[r];

                if (candidates[i].votes > last) {
                    result->outcomes[i] = VOTE_CANDIDATE_ELECTED;
                    result->seats_filled++;
                } else if (candidates[i].votes == last) {
                    result->outcomes[i] = VOTE_CANDIDATE_TIED;
                    result->next_round[result->n_next_round++] = i;
                }
            }
            result->status = VOTE_ROUND_TIE;
        }
    }
    result->seats_open = seats - result->seats_filled;
    return g_steal_pointer(&result);
}

static const char *outcome_words(VoteCandidateOutcome outcome, VoteLang lang)
{
    gboolean vi = lang == VOTE_LANG_VI;

    switch (outcome) {
    case VOTE_CANDIDATE_ELECTED:
        return vi ? "trúng cử" : "elected";
    case VOTE_CANDIDATE_TIED:
        return vi ? "bằng phiếu, bầu lại" : "tied, to a new round";
    case VOTE_CANDIDATE_NOT_ELECTED:
    default:
        return vi ? "không trúng cử" : "not elected";
    }
}

static void append_names(GString *text, const VoteCandidate *candidates, const guint *indices,
                         gsize n)
{
    for (gsize k = 0; k < n; k++) {
        if (k > 0)
            g_string_append(text, ", ");
        g_string_append(text, candidates[indices[k]].name);
    }
}

char *vote_election_wording(const VotePoll *poll, gint seats, const VoteCandidate *candidates,
                            gsize n_candidates, const VoteBallotCounts *ballots, VoteLang lang,
                            GError **error)
{
    g_autoptr(VoteElectionResult) result = NULL;
    const char *base_phrase;
    GString *text;
    gboolean vi = lang == VOTE_LANG_VI;

    result = vote_election_evaluate(poll, seats, candidates, n_candidates, ballots, error);
    if (result == NULL)
        return NULL;
    base_phrase = vote_base_phrase(poll, lang);

    text = g_string_new(NULL);
    vote_append_ballot_lines(text, poll, ballots, lang);
    for (gsize r = 0; r < n_candidates; r++) {
        guint i = result->ranking[r];

        g_string_append_printf(text, "%s: %d/%" G_GINT64_FORMAT " %s", candidates[i].name,
                               candidates[i].votes, result->base, vi ? "phiếu" : "votes");
        vote_append_share(text, candidates[i].votes, result->base, base_phrase, lang);
        g_string_append_printf(text, ", %s\n", outcome_words(result->outcomes[i], lang));
    }
    if (vi)
        g_string_append_printf(text, "Số người trúng cử: %d/%d", result->seats_filled, seats);
    else
        g_string_append_printf(text, "Seats filled: %d of %d", result->seats_filled, seats);

    if (result->status == VOTE_ROUND_TIE) {
        g_string_append_printf(text,
                               vi ? "\nBầu lại %d chức danh trong số những người bằng phiếu: "
                                  : "\nA new round for %d seat(s) among the tied candidates: ",
                               result->seats_open);
        append_names(text, candidates, result->next_round, result->n_next_round);
    } else if (result->status == VOTE_ROUND_SHORTFALL) {
        g_string_append_printf(text,
                               vi ? "\nCòn thiếu %d người so với số lượng cần bầu"
                                  : "\nShort of %d seat(s): a new round is needed",
                               result->seats_open);
        if (result->n_next_round > 0) {
            g_string_append(text, vi ? "; người chưa trúng cử: " : "; candidates not elected: ");
            append_names(text, candidates, result->next_round, result->n_next_round);
        }
    }
    return g_string_free(text, FALSE);
}
