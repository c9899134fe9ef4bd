/* vote-confidence.c: confidence votes (lấy phiếu tín nhiệm) and no-confidence votes (bỏ phiếu
 * tín nhiệm).
 *
 * Design. DOMAIN.md: "Lấy phiếu tín nhiệm (confidence vote, once per term): secret, one row per
 * official, three levels: tín nhiệm cao / tín nhiệm / tín nhiệm thấp. 'tín nhiệm thấp' from more
 * than half up to under two thirds → may resign or face a no-confidence vote; two thirds or more →
 * dismissal proposed. Denominator (all ballots vs all members) is (configurable)." The bands are
 * exact: 2*low > D and 3*low < 2*D, or 3*low >= 2*D (vote_confidence_band()). D is the roster
 * ("tổng số đại biểu", NQ 85/2014/QH13) or every ballot returned, invalid ones included ("tổng số
 * phiếu", NQ 96/2023/QH15), as the poll's threshold says.
 *
 * "Bỏ phiếu tín nhiệm (no-confidence vote): two levels, tín nhiệm / không tín nhiệm; more than half
 * không tín nhiệm → resign or be dismissed." Here "more than half" is of all members (the poll's
 * threshold is more_than_half_of_all, checked by vote_poll_validate()).
 *
 * A row rates one official on each valid ballot at most once, so a row's ratings add up to at most
 * the valid ballots (a ballot may leave a row blank).
 */
#include "vote-private.h"

static gboolean check_rows_common(const VotePoll *poll, VoteSubject subject,
                                  const VoteBallotCounts *ballots, gsize n_rows, GError **error)
{
    if (!vote_poll_validate(poll, error))
        return FALSE;
    if (poll->subject != subject) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "this poll's subject is %s, not %s",
                    vote_subject_to_string(poll->subject), vote_subject_to_string(subject));
        return FALSE;
    }
    if (n_rows == 0) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "the ballot names no official");
        return FALSE;
    }
    return vote_check_ballots(poll, ballots, error);
}

static gboolean check_rating_sum(const char *name, gint64 sum, const VoteBallotCounts *ballots,
                                 GError **error)
{
    if (sum > ballots->valid) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%s is rated on %" G_GINT64_FORMAT " ballots but only %d ballots were valid",
                    name, sum, ballots->valid);
        return FALSE;
    }
    return TRUE;
}

static gint64 confidence_base(const VotePoll *poll, const VoteBallotCounts *ballots)
{
    if (poll->threshold.confidence_base == VOTE_CONFIDENCE_OF_ALL_BALLOTS)
        return ballots->returned;
    return poll->roster;
}

gboolean vote_confidence_evaluate(const VotePoll *poll, const VoteConfidenceRow *rows, gsize n_rows,
                                  const VoteBallotCounts *ballots, VoteConfidenceBand *bands,
                                  gint64 *base, GError **error)
{
    g_autoptr(GHashTable) ids = NULL;
    gint64 denominator;

    g_return_val_if_fail(poll != NULL && ballots != NULL && bands != NULL, FALSE);
    g_return_val_if_fail(rows != NULL || n_rows == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!check_rows_common(poll, VOTE_SUBJECT_CONFIDENCE, ballots, n_rows, error))
        return FALSE;
    ids = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (gsize i = 0; i < n_rows; i++) {
        const VoteConfidenceRow *row = &rows[i];

        if (!vote_check_row(ids, &row->id, row->name, i, "official", error) ||
            !vote_check_count(row->high, "\"tín nhiệm cao\" ratings", error) ||
            !vote_check_count(row->medium, "\"tín nhiệm\" ratings", error) ||
            !vote_check_count(row->low, "\"tín nhiệm thấp\" ratings", error) ||
            !check_rating_sum(row->name, (gint64)row->high + row->medium + row->low, ballots,
                              error))
            return FALSE;
    }
    denominator = confidence_base(poll, ballots);
    if (denominator < 1) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "the bands count all ballots, but no ballot was returned");
        return FALSE;
    }

    for (gsize i = 0; i < n_rows; i++)
        bands[i] = vote_confidence_band(rows[i].low, denominator);
    if (base != NULL)
        *base = denominator;
    return TRUE;
}

gboolean vote_no_confidence_evaluate(const VotePoll *poll, const VoteNoConfidenceRow *rows,
                                     gsize n_rows, const VoteBallotCounts *ballots, gboolean *lost,
                                     GError **error)
{
    g_autoptr(GHashTable) ids = NULL;

    g_return_val_if_fail(poll != NULL && ballots != NULL && lost != NULL, FALSE);
    g_return_val_if_fail(rows != NULL || n_rows == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!check_rows_common(poll, VOTE_SUBJECT_NO_CONFIDENCE, ballots, n_rows, error))
        return FALSE;
    ids = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (gsize i = 0; i < n_rows; i++) {
        const VoteNoConfidenceRow *row = &rows[i];

        if (!vote_check_row(ids, &row->id, row->name, i, "official", error) ||
            !vote_check_count(row->confidence, "\"tín nhiệm\" votes", error) ||
            !vote_check_count(row->no_confidence, "\"không tín nhiệm\" votes", error) ||
            !check_rating_sum(row->name, (gint64)row->confidence + row->no_confidence, ballots,
                              error))
            return FALSE;
    }
    for (gsize i = 0; i < n_rows; i++)
        lost[i] = vote_threshold_is_met(&poll->threshold, rows[i].no_confidence, poll->roster);
    return TRUE;
}

static void append_level(GString *text, const char *label, gint count, gint64 base,
                         const char *base_phrase, VoteLang lang)
{
    g_autofree char *percent = vote_format_percent(count, base, lang);

    if (lang == VOTE_LANG_VI)
        g_string_append_printf(text, "%s %d/%" G_GINT64_FORMAT ", chiếm %s", label, count, base,
                               percent);
    else
        g_string_append_printf(text, "%s %d/%" G_GINT64_FORMAT " (%s", label, count, base, percent);
    if (base_phrase != NULL) {
        g_string_append_printf(text, " %s", base_phrase);
    }
    if (lang != VOTE_LANG_VI)
        g_string_append_c(text, ')');
}

char *vote_confidence_wording(const VotePoll *poll, const VoteConfidenceRow *rows, gsize n_rows,
                              const VoteBallotCounts *ballots, VoteLang lang, GError **error)
{
    g_autofree VoteConfidenceBand *bands = NULL;
    const char *phrase;
    gint64 base = 0;
    GString *text;
    gboolean vi = lang == VOTE_LANG_VI;

    g_return_val_if_fail(poll != NULL && ballots != NULL, NULL);

    bands = g_new0(VoteConfidenceBand, MAX(n_rows, 1));
    if (!vote_confidence_evaluate(poll, rows, n_rows, ballots, bands, &base, error))
        return NULL;
    phrase = vote_base_phrase(poll, lang);

    text = g_string_new(NULL);
    vote_append_ballot_lines(text, poll, ballots, lang);
    for (gsize i = 0; i < n_rows; i++) {
        const VoteConfidenceRow *row = &rows[i];

        g_string_append_printf(text, "%s: ", row->name);
        append_level(text, vi ? "tín nhiệm cao" : "high confidence", row->high, base, NULL, lang);
        g_string_append(text, "; ");
        append_level(text, vi ? "tín nhiệm" : "confidence", row->medium, base, NULL, lang);
        g_string_append(text, "; ");
        append_level(text, vi ? "tín nhiệm thấp" : "low confidence", row->low, base, phrase, lang);
        if (bands[i] == VOTE_CONFIDENCE_BAND_MAY_RESIGN)
            g_string_append_printf(
                text,
                vi ? "\n%s có quá nửa đến dưới hai phần ba %s đánh giá tín nhiệm thấp: có thể "
                     "xin từ chức; nếu không xin từ chức thì bị bỏ phiếu tín nhiệm"
                   : "\n%s was rated low confidence by more than half and under two thirds %s: "
                     "may resign, or else faces a no-confidence vote",
                row->name, phrase);
        else if (bands[i] == VOTE_CONFIDENCE_BAND_DISMISSAL)
            g_string_append_printf(
                text,
                vi ? "\n%s có từ hai phần ba %s trở lên đánh giá tín nhiệm thấp: đề nghị miễn "
                     "nhiệm"
                   : "\n%s was rated low confidence by two thirds or more %s: dismissal is "
                     "proposed",
                row->name, phrase);
        g_string_append_c(text, '\n');
    }
    g_string_truncate(text, text->len - 1); /* the last row's '\n' */
    return g_string_free(text, FALSE);
}

char *vote_no_confidence_wording(const VotePoll *poll, const VoteNoConfidenceRow *rows,
                                 gsize n_rows, const VoteBallotCounts *ballots, VoteLang lang,
                                 GError **error)
{
    g_autofree gboolean *lost = NULL;
    const char *phrase;
    GString *text;
    gboolean vi = lang == VOTE_LANG_VI;

    g_return_val_if_fail(poll != NULL && ballots != NULL, NULL);

    lost = g_new0(gboolean, MAX(n_rows, 1));
    if (!vote_no_confidence_evaluate(poll, rows, n_rows, ballots, lost, error))
        return NULL;
    phrase = vote_base_phrase(poll, lang);

    text = g_string_new(NULL);
    vote_append_ballot_lines(text, poll, ballots, lang);
    for (gsize i = 0; i < n_rows; i++) {
        const VoteNoConfidenceRow *row = &rows[i];

        g_string_append_printf(text, "%s: ", row->name);
        append_level(text, vi ? "tín nhiệm" : "confidence", row->confidence, poll->roster, NULL,
                     lang);
        g_string_append(text, "; ");
        append_level(text, vi ? "không tín nhiệm" : "no confidence", row->no_confidence,
                     poll->roster, phrase, lang);
        if (lost[i])
            g_string_append_printf(text,
                                   vi ? "\n%s có quá nửa %s bỏ phiếu không tín nhiệm: từ chức "
                                        "hoặc bị miễn nhiệm"
                                      : "\n%s lost the confidence of more than half %s: resigns "
                                        "or is dismissed",
                                   row->name, phrase);
        else
            g_string_append_printf(text,
                                   vi ? "\n%s không có quá nửa %s bỏ phiếu không tín nhiệm"
                                      : "\n%s did not lose the confidence of more than half %s",
                                   row->name, phrase);
        g_string_append_c(text, '\n');
    }
    g_string_truncate(text, text->len - 1); /* the last row's '\n' */
    return g_string_free(text, FALSE);
}
