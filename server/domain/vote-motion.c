/* vote-motion.c: motions (resolutions and decisions): tallies, validation, result and wording.
 *
 * Design. DOMAIN.md: "Options are the law's words: tán thành (for) / không tán thành (against) /
 * không biểu quyết (no vote / abstain)", and "A resolution passes with MORE THAN HALF OF ALL
 * MEMBERS (tổng số đại biểu), not of those present or voting." The threshold stored with the poll
 * is applied to the "tán thành" count only; the other counts are validated and worded but never
 * decide. Counts come from three places, each checked before anything is decided:
 *  - named and electronic secret ballots, counted here from one row per member (vote_tally_ballots
 *    checks "one ballot each" and "only members of the body");
 *  - a show of hands, counts entered by the session secretary;
 *  - paper ballots, counts entered by the tally committee: issued, returned, valid, invalid ballots
 *    and the choices on the valid ones, which must agree with each other.
 * Nobody can vote twice, so votes never exceed the roster; everyone who voted was present, so
 * votes never exceed the present count when it is known. A count that breaks either is a typing
 * error or worse, and is refused with the numbers in the message rather than worded into minutes.
 */
#include "vote-private.h"

gboolean vote_tally_ballots(const gint64 *roster, gsize n_roster, const gint64 *member_ids,
                            const VoteChoice *choices, gsize n_ballots, VoteMotionCounts *counts,
                            GError **error)
{
    g_autoptr(GHashTable) on_roster = NULL;
    g_autoptr(GHashTable) voted = NULL;
    VoteMotionCounts total = {0};

    g_return_val_if_fail(roster != NULL || n_roster == 0, FALSE);
    g_return_val_if_fail((member_ids != NULL && choices != NULL) || n_ballots == 0, FALSE);
    g_return_val_if_fail(counts != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    on_roster = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (gsize i = 0; i < n_roster; i++) {
        if (!g_hash_table_add(on_roster, (gpointer)&roster[i])) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "member %" G_GINT64_FORMAT " appears twice on the roster", roster[i]);
            return FALSE;
        }
    }
    voted = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (gsize i = 0; i < n_ballots; i++) {
        if (!g_hash_table_contains(on_roster, &member_ids[i])) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "a ballot from %" G_GINT64_FORMAT
                        ", who was not on the roster when voting opened",
                        member_ids[i]);
            return FALSE;
        }
        if (!g_hash_table_add(voted, (gpointer)&member_ids[i])) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "two ballots from member %" G_GINT64_FORMAT ": one ballot each",
                        member_ids[i]);
            return FALSE;
        }
        switch (choices[i]) {
        case VOTE_CHOICE_FOR:
            total.yes++;
            break;
        case VOTE_CHOICE_AGAINST:
            total.no++;
            break;
        case VOTE_CHOICE_ABSTAIN:
            total.abstain++;
            break;
        default:
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "the ballot of member %" G_GINT64_FORMAT " has an unknown choice (%d)",
                        member_ids[i], (int)choices[i]);
            return FALSE;
        }
    }
    *counts = total;
    return TRUE;
}

static gboolean check_motion_counts(const VotePoll *poll, const VoteMotionCounts *counts,
                                    GError **error)
{
    gint64 votes;

    if (!vote_check_count(counts->yes, "votes for (tán thành)", error) ||
        !vote_check_count(counts->no, "votes against (không tán thành)", error) ||
        !vote_check_count(counts->abstain, "abstentions (không biểu quyết)", error))
        return FALSE;

    votes = (gint64)counts->yes + counts->no + counts->abstain;
    if (votes > poll->roster) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%" G_GINT64_FORMAT " votes (%d for, %d against, %d abstaining) but only %d "
                    "members on the roster",
                    votes, counts->yes, counts->no, counts->abstain, poll->roster);
        return FALSE;
    }
    if (poll->present != VOTE_PRESENT_UNKNOWN && votes > poll->present) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%" G_GINT64_FORMAT " votes (%d for, %d against, %d abstaining) but only %d "
                    "members present",
                    votes, counts->yes, counts->no, counts->abstain, poll->present);
        return FALSE;
    }
    if (poll->form == VOTE_FORM_PAPER) {
        if (!vote_check_ballots(poll, &counts->ballots, error))
            return FALSE;
        if (votes != counts->ballots.valid) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "for (%d), against (%d) and abstaining (%d) add up to %" G_GINT64_FORMAT
                        ", but %d ballots were valid",
                        counts->yes, counts->no, counts->abstain, votes, counts->ballots.valid);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean vote_motion_evaluate(const VotePoll *poll, const VoteMotionCounts *counts,
                              VoteMotionResult *result, GError **error)
{
    gint64 base;

    g_return_val_if_fail(poll != NULL, FALSE);
    g_return_val_if_fail(counts != NULL, FALSE);
    g_return_val_if_fail(result != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!vote_poll_validate(poll, error))
        return FALSE;
    if (poll->subject != VOTE_SUBJECT_MOTION) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "this poll's subject is %s, not motion",
                    vote_subject_to_string(poll->subject));
        return FALSE;
    }
    if (!check_motion_counts(poll, counts, error))
        return FALSE;

    base = poll->roster;
    if (poll->threshold.kind == VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT) {
        if (poll->present == VOTE_PRESENT_UNKNOWN || poll->present == 0) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "the threshold counts members present, but %s",
                        poll->present == 0 ? "no member was present"
                                           : "their number was not recorded");
            return FALSE;
        }
        base = poll->present;
    }

    result->base = base;
    result->needed = vote_threshold_needed(&poll->threshold, base);
    result->participants = poll->form == VOTE_FORM_PAPER
                               ? counts->ballots.returned
                               : (gint64)counts->yes + counts->no + counts->abstain;
    result->passed = vote_threshold_is_met(&poll->threshold, counts->yes, base);
    return TRUE;
}

static void append_count_line(GString *text, const VotePoll *poll, gint64 count, gint64 base,
                              const char *verb, VoteLang lang)
{
    const char *noun = vote_member_noun(poll->body, lang);

    if (lang == VOTE_LANG_VI)
        g_string_append_printf(text, "Có %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " %s %s", count,
                               base, noun, verb);
    else
        g_string_append_printf(text, "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " %s %s", count, base,
                               noun, verb);
    vote_append_share(text, count, base, vote_base_phrase(poll, lang), lang);
    g_string_append_c(text, '\n');
}

char *vote_motion_wording(const VotePoll *poll, const VoteMotionCounts *counts, const char *subject,
                          VoteLang lang, GError **error)
{
    VoteMotionResult result;
    GString *text;
    gboolean vi = lang == VOTE_LANG_VI;

    g_return_val_if_fail(poll != NULL && counts != NULL, NULL);

    if (!vote_motion_evaluate(poll, counts, &result, error))
        return NULL;
    if (subject == NULL) {
        if (poll->body == VOTE_BODY_COMMITTEE)
            subject = vi ? "Quyết định" : "The decision";
        else
            subject = vi ? "Nghị quyết" : "The resolution";
    }

    text = g_string_new(NULL);
    if (poll->form == VOTE_FORM_PAPER)
        vote_append_ballot_lines(text, poll, &counts->ballots, lang);
    else
        append_count_line(text, poll, result.participants, result.base,
                          vi ? "tham gia biểu quyết" : "took part in the vote", lang);
    append_count_line(text, poll, counts->yes, result.base, vi ? "tán thành" : "voted for", lang);
    append_count_line(text, poll, counts->no, result.base, vi ? "không tán thành" : "voted against",
                      lang);
    append_count_line(text, poll, counts->abstain, result.base,
                      vi ? "không biểu quyết" : "abstained", lang);
    if (vi)
        g_string_append_printf(text, "%s %s", subject,
                               result.passed ? "được thông qua" : "không được thông qua");
    else
        g_string_append_printf(text, "%s is %s", subject,
                               result.passed ? "adopted" : "not adopted");
    return g_string_free(text, FALSE);
}
