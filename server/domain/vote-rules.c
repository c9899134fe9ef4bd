/* vote-rules.c: thresholds, poll settings, eligibility and the wording helpers.
 *
 * Design. DOMAIN.md ("Votes") makes the rule that decides a poll data stored with the poll: "A
 * resolution passes with MORE THAN HALF OF ALL MEMBERS (tổng số đại biểu), not of those present or
 * voting. The denominator is the roster at the moment the vote opens." A threshold is therefore a
 * small value (kind + the confidence denominator) with a stable string form, and a VotePoll carries
 * the roster it opened with. Every comparison is exact integer arithmetic in 64 bits:
 *   more than half of N        2*count > N
 *   at least two thirds of N   3*count >= 2*N   (dismissal of a member)
 *   more than two thirds of N  3*count > 2*N    (a shrunk council: N is the remaining members)
 * so 25/50 fails and 26/50 passes more than half, 33/50 fails (99 < 100) and 34/50 passes (102 >=
 * 100) at least two thirds. Percentages in the minutes are computed from the same integers,
 * rounded half up to two decimals, and never decide anything.
 *
 * Which thresholds fit which subject follows DOMAIN.md: elections need more than half of all
 * members (or, in a shrunk council, more than two thirds of those remaining); confidence votes use
 * the three bands; no-confidence votes more than half of all members; "A committee decides by
 * majority of its members". Elections and confidence votes are secret ballots (DOMAIN.md); so are
 * no-confidence votes (Nghị quyết 96/2023/QH15: "bằng hình thức bỏ phiếu kín").
 */
#include "vote-private.h"

#include <string.h>

GQuark vote_error_quark(void)
{
    return g_quark_from_static_string("phonghop-vote-error-quark");
}

typedef struct {
    int value;
    const char *name;
} VoteName;

static const char *name_of(const VoteName *table, gsize n, int value)
{
    for (gsize i = 0; i < n; i++) {
        if (table[i].value == value)
            return table[i].name;
    }
    return NULL;
}

static gboolean parse_name(const VoteName *table, gsize n, const char *text, const char *what,
                           int *value, GError **error)
{
    for (gsize i = 0; text != NULL && i < n; i++) {
        if (strcmp(table[i].name, text) == 0) {
            *value = table[i].value;
            return TRUE;
        }
    }
    g_set_error(error, VOTE_ERROR, VOTE_ERROR_PARSE, "unknown %s \"%s\"", what,
                text != NULL ? text : "(none)");
    return FALSE;
}

/* ---- thresholds ---- */

typedef struct {
    VoteThresholdKind kind;
    VoteConfidenceBase confidence_base;
    const char *name;
} ThresholdForm;

static const ThresholdForm threshold_forms[] = {
    {VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL, 0, "more_than_half_of_all"},
    {VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL, 0, "at_least_two_thirds_of_all"},
    {VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING, 0, "more_than_two_thirds_of_remaining"},
    {VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT, 0, "more_than_half_of_present"},
    {VOTE_THRESHOLD_CONFIDENCE_BANDS, VOTE_CONFIDENCE_OF_ALL_MEMBERS, "confidence_bands_of_all"},
    {VOTE_THRESHOLD_CONFIDENCE_BANDS, VOTE_CONFIDENCE_OF_ALL_BALLOTS,
     "confidence_bands_of_ballots"},
};

gboolean vote_threshold_parse(const char *text, VoteThreshold *threshold, GError **error)
{
    g_return_val_if_fail(threshold != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    for (gsize i = 0; text != NULL && i < G_N_ELEMENTS(threshold_forms); i++) {
        if (strcmp(threshold_forms[i].name, text) == 0) {
            threshold->kind = threshold_forms[i].kind;
            threshold->confidence_base = threshold_forms[i].confidence_base;
            return TRUE;
        }
    }
    g_set_error(error, VOTE_ERROR, VOTE_ERROR_PARSE, "unknown vote threshold \"%s\"",
                text != NULL ? text : "(none)");
    return FALSE;
}

const char *vote_threshold_to_string(const VoteThreshold *threshold)
{
    g_return_val_if_fail(threshold != NULL, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(threshold_forms); i++) {
        if (threshold_forms[i].kind == threshold->kind &&
            threshold_forms[i].confidence_base == threshold->confidence_base)
            return threshold_forms[i].name;
    }
    return NULL;
}

gboolean vote_threshold_is_valid(const VoteThreshold *threshold)
{
    g_return_val_if_fail(threshold != NULL, FALSE);

    return vote_threshold_to_string(threshold) != NULL;
}

gboolean vote_threshold_is_met(const VoteThreshold *threshold, gint64 count, gint64 base)
{
    g_return_val_if_fail(threshold != NULL, FALSE);
    g_return_val_if_fail(count >= 0 && count <= G_MAXINT32, FALSE);
    g_return_val_if_fail(base >= 1 && base <= G_MAXINT32, FALSE);

    switch (threshold->kind) {
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL:
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT:
        return 2 * count > base;
    case VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL:
        return 3 * count >= 2 * base;
    case VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING:
        return 3 * count > 2 * base;
    case VOTE_THRESHOLD_CONFIDENCE_BANDS:
    default:
        break;
    }
    g_return_val_if_reached(FALSE);
}

gint64 vote_threshold_needed(const VoteThreshold *threshold, gint64 base)
{
    g_return_val_if_fail(threshold != NULL, 0);
    g_return_val_if_fail(base >= 1 && base <= G_MAXINT32, 0);

    switch (threshold->kind) {
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL:
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT:
        return base / 2 + 1; /* least c with 2c > base */
    case VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL:
        return (2 * base + 2) / 3; /* least c with 3c >= 2*base: ceil(2*base/3) */
    case VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING:
        return (2 * base) / 3 + 1; /* least c with 3c > 2*base */
    case VOTE_THRESHOLD_CONFIDENCE_BANDS:
    default:
        break;
    }
    g_return_val_if_reached(0);
}

VoteConfidenceBand vote_confidence_band(gint64 low, gint64 base)
{
    g_return_val_if_fail(low >= 0 && low <= G_MAXINT32, VOTE_CONFIDENCE_BAND_NO_ACTION);
    g_return_val_if_fail(base >= 1 && base <= G_MAXINT32, VOTE_CONFIDENCE_BAND_NO_ACTION);

    /* NQ 96/2023/QH15: "từ hai phần ba ... trở lên" (two thirds or more) → dismissal proposed;
     * "quá nửa đến dưới hai phần ba" (more than half, under two thirds) → may resign. */
    if (3 * low >= 2 * base)
        return VOTE_CONFIDENCE_BAND_DISMISSAL;
    if (2 * low > base)
        return VOTE_CONFIDENCE_BAND_MAY_RESIGN;
    return VOTE_CONFIDENCE_BAND_NO_ACTION;
}

/* ---- poll settings ---- */

static const VoteName body_names[] = {
    {VOTE_BODY_COUNCIL, "council"},
    {VOTE_BODY_COMMITTEE, "committee"},
};

static const VoteName subject_names[] = {
    {VOTE_SUBJECT_MOTION, "motion"},
    {VOTE_SUBJECT_ELECTION, "election"},
    {VOTE_SUBJECT_CONFIDENCE, "confidence"},
    {VOTE_SUBJECT_NO_CONFIDENCE, "no_confidence"},
};

static const VoteName form_names[] = {
    {VOTE_FORM_NAMED, "named"},
    {VOTE_FORM_SECRET, "secret"},
    {VOTE_FORM_SHOW_OF_HANDS, "show_of_hands"},
    {VOTE_FORM_PAPER, "paper"},
};

static const VoteName choice_names[] = {
    {VOTE_CHOICE_FOR, "for"},
    {VOTE_CHOICE_AGAINST, "against"},
    {VOTE_CHOICE_ABSTAIN, "abstain"},
};

const char *vote_body_to_string(VoteBody body)
{
    return name_of(body_names, G_N_ELEMENTS(body_names), body);
}

gboolean vote_body_parse(const char *text, VoteBody *body, GError **error)
{
    int value = 0;

    g_return_val_if_fail(body != NULL, FALSE);
    if (!parse_name(body_names, G_N_ELEMENTS(body_names), text, "body", &value, error))
        return FALSE;
    *body = value;
    return TRUE;
}

const char *vote_subject_to_string(VoteSubject subject)
{
    return name_of(subject_names, G_N_ELEMENTS(subject_names), subject);
}

gboolean vote_subject_parse(const char *text, VoteSubject *subject, GError **error)
{
    int value = 0;

    g_return_val_if_fail(subject != NULL, FALSE);
    if (!parse_name(subject_names, G_N_ELEMENTS(subject_names), text, "poll subject", &value,
                    error))
        return FALSE;
    *subject = value;
    return TRUE;
}

const char *vote_form_to_string(VoteForm form)
{
    return name_of(form_names, G_N_ELEMENTS(form_names), form);
}

gboolean vote_form_parse(const char *text, VoteForm *form, GError **error)
{
    int value = 0;

    g_return_val_if_fail(form != NULL, FALSE);
    if (!parse_name(form_names, G_N_ELEMENTS(form_names), text, "vote form", &value, error))
        return FALSE;
    *form = value;
    return TRUE;
}

const char *vote_choice_to_string(VoteChoice choice)
{
    return name_of(choice_names, G_N_ELEMENTS(choice_names), choice);
}

gboolean vote_choice_parse(const char *text, VoteChoice *choice, GError **error)
{
    int value = 0;

    g_return_val_if_fail(choice != NULL, FALSE);
    if (!parse_name(choice_names, G_N_ELEMENTS(choice_names), text, "vote choice", &value, error))
        return FALSE;
    *choice = value;
    return TRUE;
}

VoteThreshold vote_threshold_default(VoteBody body, VoteSubject subject)
{
    VoteThreshold threshold = {VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL, 0};

    /* NQ 96/2023/QH15 and the older NQ 85/2014/QH13 differ on the denominator of the bands
     * ("tổng số phiếu" / "tổng số đại biểu"); the default follows DOMAIN.md's "all members". */
    if (body == VOTE_BODY_COUNCIL && subject == VOTE_SUBJECT_CONFIDENCE) {
        threshold.kind = VOTE_THRESHOLD_CONFIDENCE_BANDS;
        threshold.confidence_base = VOTE_CONFIDENCE_OF_ALL_MEMBERS;
    }
    return threshold;
}

void vote_poll_init(VotePoll *poll, VoteBody body, VoteSubject subject, VoteForm form, gint roster)
{
    g_return_if_fail(poll != NULL);

    poll->body = body;
    poll->subject = subject;
    poll->form = form;
    poll->threshold = vote_threshold_default(body, subject);
    poll->roster = roster;
    poll->present = VOTE_PRESENT_UNKNOWN;
}

static gboolean threshold_fits(const VotePoll *poll, GError **error)
{
    VoteThresholdKind kind = poll->threshold.kind;
    gboolean fits = FALSE;

    if (poll->body == VOTE_BODY_COMMITTEE) {
        /* "A committee decides by majority of its members." It neither elects officers nor holds
         * confidence votes: the council does. */
        if (poll->subject != VOTE_SUBJECT_MOTION) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "a committee does not hold %s polls: only the council does",
                        vote_subject_to_string(poll->subject));
            return FALSE;
        }
        if (kind != VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL) {
            g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                        "a committee decides by more than half of all its members, not by \"%s\"",
                        vote_threshold_to_string(&poll->threshold));
            return FALSE;
        }
        return TRUE;
    }

    switch (poll->subject) {
    case VOTE_SUBJECT_MOTION:
        fits = kind != VOTE_THRESHOLD_CONFIDENCE_BANDS;
        break;
    case VOTE_SUBJECT_ELECTION:
        fits = kind == VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL ||
               kind == VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING;
        break;
    case VOTE_SUBJECT_CONFIDENCE:
        fits = kind == VOTE_THRESHOLD_CONFIDENCE_BANDS;
        break;
    case VOTE_SUBJECT_NO_CONFIDENCE:
        fits = kind == VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL;
        break;
    default:
        break;
    }
    if (!fits) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "the threshold \"%s\" does not apply to %s polls",
                    vote_threshold_to_string(&poll->threshold),
                    vote_subject_to_string(poll->subject));
        return FALSE;
    }
    return TRUE;
}

gboolean vote_poll_validate(const VotePoll *poll, GError **error)
{
    g_return_val_if_fail(poll != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (vote_body_to_string(poll->body) == NULL || vote_subject_to_string(poll->subject) == NULL ||
        vote_form_to_string(poll->form) == NULL) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "the poll's body (%d), subject (%d) or form (%d) is not set", poll->body,
                    poll->subject, poll->form);
        return FALSE;
    }
    if (!vote_threshold_is_valid(&poll->threshold)) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "the poll's threshold is not set");
        return FALSE;
    }
    if (poll->roster < 1) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "the roster has %d members: a poll needs at least one", poll->roster);
        return FALSE;
    }
    if (poll->present != VOTE_PRESENT_UNKNOWN &&
        (poll->present < 0 || poll->present > poll->roster)) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%d members present is impossible with %d members on the roster", poll->present,
                    poll->roster);
        return FALSE;
    }
    if (!threshold_fits(poll, error))
        return FALSE;
    if (poll->subject != VOTE_SUBJECT_MOTION && poll->form != VOTE_FORM_SECRET &&
        poll->form != VOTE_FORM_PAPER) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%s polls are secret ballots (bỏ phiếu kín), electronic or on paper, not %s",
                    vote_subject_to_string(poll->subject), vote_form_to_string(poll->form));
        return FALSE;
    }
    return TRUE;
}

/* ---- eligibility ---- */

gboolean vote_check_eligible(VotePollState state, gboolean allow_change, const VoteVoter *voter,
                             GError **error)
{
    g_return_val_if_fail(voter != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (state != VOTE_POLL_STATE_OPEN) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INELIGIBLE,
                    state == VOTE_POLL_STATE_CLOSED ? "voting has closed"
                                                    : "voting has not opened yet");
        return FALSE;
    }
    if (!voter->on_roster) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INELIGIBLE,
                    "only members on the roster when voting opened may vote");
        return FALSE;
    }
    if (!voter->checked_in) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INELIGIBLE, "check in to the meeting to vote");
        return FALSE;
    }
    if (voter->has_ballot && !allow_change) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INELIGIBLE,
                    "your ballot is already recorded and this poll does not allow changing it");
        return FALSE;
    }
    return TRUE;
}

/* ---- the shrunk council ---- */

gboolean vote_council_is_shrunk(gint elected, gint remaining, const GDate *today,
                                const GDate *term_end)
{
    GDate limit;

    g_return_val_if_fail(elected >= 1 && remaining >= 0, FALSE);
    g_return_val_if_fail(today != NULL && g_date_valid(today), FALSE);
    g_return_val_if_fail(term_end != NULL && g_date_valid(term_end), FALSE);

    /* Luật Tổ chức chính quyền địa phương (Điều 138 of the 2015 law): "không còn đủ hai phần ba
     * tổng số đại biểu ... được bầu" and "thời gian còn lại của nhiệm kỳ ít hơn hoặc bằng 18
     * tháng". */
    if (3 * (gint64)remaining >= 2 * (gint64)elected)
        return FALSE;
    limit = *today;
    g_date_add_months(&limit, 18);
    return g_date_compare(term_end, &limit) <= 0;
}

/* ---- wording helpers ---- */

char *vote_format_percent(gint64 count, gint64 base, VoteLang lang)
{
    gint64 hundredths;

    g_return_val_if_fail(count >= 0 && count <= G_MAXINT32, NULL);
    g_return_val_if_fail(base >= 1 && base <= G_MAXINT32, NULL);

    /* round(count * 10000 / base) half up, in integers: floor((2 * count * 10000 + base) / 2base)
     */
    hundredths = (2 * count * 10000 + base) / (2 * base);
    return g_strdup_printf("%" G_GINT64_FORMAT "%c%02d%%", hundredths / 100,
                           lang == VOTE_LANG_VI ? ',' : '.', (int)(hundredths % 100));
}

const char *vote_threshold_describe(const VoteThreshold *threshold, VoteBody body, VoteLang lang)
{
    gboolean vi = lang == VOTE_LANG_VI;

    g_return_val_if_fail(threshold != NULL, NULL);

    switch (threshold->kind) {
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL:
        if (body == VOTE_BODY_COMMITTEE)
            return vi ? "quá nửa tổng số thành viên" : "more than half of all committee members";
        return vi ? "quá nửa tổng số đại biểu" : "more than half of all members";
    case VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL:
        return vi ? "ít nhất hai phần ba tổng số đại biểu" : "at least two thirds of all members";
    case VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING:
        return vi ? "quá hai phần ba tổng số đại biểu còn lại"
                  : "more than two thirds of the remaining members";
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT:
        return vi ? "quá nửa tổng số đại biểu có mặt" : "more than half of the members present";
    case VOTE_THRESHOLD_CONFIDENCE_BANDS:
        if (threshold->confidence_base == VOTE_CONFIDENCE_OF_ALL_BALLOTS)
            return vi ? "mức tín nhiệm thấp tính trên tổng số phiếu"
                      : "low-confidence bands over all ballots";
        if (threshold->confidence_base == VOTE_CONFIDENCE_OF_ALL_MEMBERS)
            return vi ? "mức tín nhiệm thấp tính trên tổng số đại biểu"
                      : "low-confidence bands over all members";
        return NULL;
    default:
        return NULL;
    }
}

const char *vote_member_noun(VoteBody body, VoteLang lang)
{
    if (body == VOTE_BODY_COMMITTEE)
        return lang == VOTE_LANG_VI ? "thành viên" : "committee members";
    return lang == VOTE_LANG_VI ? "đại biểu" : "members";
}

const char *vote_base_phrase(const VotePoll *poll, VoteLang lang)
{
    gboolean vi = lang == VOTE_LANG_VI;

    switch (poll->threshold.kind) {
    case VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING:
        return vi ? "tổng số đại biểu còn lại" : "of the remaining members";
    case VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT:
        return vi ? "tổng số đại biểu có mặt" : "of the members present";
    case VOTE_THRESHOLD_CONFIDENCE_BANDS:
        if (poll->threshold.confidence_base == VOTE_CONFIDENCE_OF_ALL_BALLOTS)
            return vi ? "tổng số phiếu" : "of all ballots";
        break;
    default:
        break;
    }
    if (poll->body == VOTE_BODY_COMMITTEE)
        return vi ? "tổng số thành viên" : "of all committee members";
    return vi ? "tổng số đại biểu" : "of all members";
}

void vote_append_share(GString *text, gint64 count, gint64 base, const char *base_phrase,
                       VoteLang lang)
{
    g_autofree char *percent = vote_format_percent(count, base, lang);

    if (lang == VOTE_LANG_VI)
        g_string_append_printf(text, ", chiếm %s %s", percent, base_phrase);
    else
        g_string_append_printf(text, " (%s %s)", percent, base_phrase);
}

void vote_append_ballot_lines(GString *text, const VotePoll *poll, const VoteBallotCounts *ballots,
                              VoteLang lang)
{
    gboolean vi = lang == VOTE_LANG_VI;

    if (poll->form != VOTE_FORM_PAPER) {
        const char *noun = vote_member_noun(poll->body, lang);
        const char *phrase =
            vi ? (poll->body == VOTE_BODY_COMMITTEE ? "tổng số thành viên" : "tổng số đại biểu")
               : (poll->body == VOTE_BODY_COMMITTEE ? "of all committee members"
                                                    : "of all members");

        g_string_append_printf(text,
                               vi ? "Có %d/%d %s tham gia bỏ phiếu" : "%d/%d %s cast a ballot",
                               ballots->returned, poll->roster, noun);
        vote_append_share(text, ballots->returned, poll->roster, phrase, lang);
        g_string_append_c(text, '\n');
        return;
    }
    if (vi)
        g_string_append_printf(text,
                               "Số phiếu phát ra: %d\nSố phiếu thu vào: %d\n"
                               "Số phiếu hợp lệ: %d\nSố phiếu không hợp lệ: %d\n",
                               ballots->issued, ballots->returned, ballots->valid,
                               ballots->invalid);
    else
        g_string_append_printf(text,
                               "Ballots issued: %d\nBallots returned: %d\n"
                               "Valid ballots: %d\nInvalid ballots: %d\n",
                               ballots->issued, ballots->returned, ballots->valid,
                               ballots->invalid);
}

/* ---- checks shared by the evaluators ---- */

gboolean vote_check_count(gint value, const char *what, GError **error)
{
    if (value < 0) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "%s cannot be negative: %d", what,
                    value);
        return FALSE;
    }
    return TRUE;
}

void vote_ballot_counts_init_electronic(VoteBallotCounts *ballots, gint cast)
{
    g_return_if_fail(ballots != NULL);

    ballots->issued = cast;
    ballots->returned = cast;
    ballots->valid = cast;
    ballots->invalid = 0;
}

gboolean vote_check_ballots(const VotePoll *poll, const VoteBallotCounts *ballots, GError **error)
{
    if (!vote_check_count(ballots->issued, "ballots issued (phiếu phát ra)", error) ||
        !vote_check_count(ballots->returned, "ballots returned (phiếu thu vào)", error) ||
        !vote_check_count(ballots->valid, "valid ballots (phiếu hợp lệ)", error) ||
        !vote_check_count(ballots->invalid, "invalid ballots (phiếu không hợp lệ)", error))
        return FALSE;
    if (ballots->issued > poll->roster) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "more ballots issued (%d) than members on the roster (%d)", ballots->issued,
                    poll->roster);
        return FALSE;
    }
    if (ballots->returned > ballots->issued) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "more ballots returned (%d) than issued (%d)", ballots->returned,
                    ballots->issued);
        return FALSE;
    }
    if ((gint64)ballots->valid + ballots->invalid != ballots->returned) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "valid (%d) and invalid (%d) ballots add up to %" G_GINT64_FORMAT
                    ", but %d ballots were returned",
                    ballots->valid, ballots->invalid, (gint64)ballots->valid + ballots->invalid,
                    ballots->returned);
        return FALSE;
    }
    if (poll->present != VOTE_PRESENT_UNKNOWN && ballots->returned > poll->present) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "more ballots returned (%d) than members present (%d)", ballots->returned,
                    poll->present);
        return FALSE;
    }
    if (poll->form == VOTE_FORM_SECRET &&
        (ballots->invalid != 0 || ballots->issued != ballots->returned)) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "an electronic ballot is issued when cast and is never invalid "
                    "(issued %d, returned %d, invalid %d)",
                    ballots->issued, ballots->returned, ballots->invalid);
        return FALSE;
    }
    return TRUE;
}

gboolean vote_check_row(GHashTable *seen_ids, const gint64 *id, const char *name, gsize index,
                        const char *what, GError **error)
{
    if (name == NULL || name[0] == '\0') {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID, "%s %" G_GSIZE_FORMAT " has no name",
                    what, index + 1);
        return FALSE;
    }
    if (!g_utf8_validate(name, -1, NULL)) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%s %" G_GSIZE_FORMAT " has a name that is not valid UTF-8", what, index + 1);
        return FALSE;
    }
    if (g_hash_table_contains(seen_ids, id)) {
        g_set_error(error, VOTE_ERROR, VOTE_ERROR_INVALID,
                    "%s %" G_GSIZE_FORMAT " (%s) repeats id %" G_GINT64_FORMAT, what, index + 1,
                    name, *id);
        return FALSE;
    }
    g_hash_table_add(seen_ids, (gpointer)id);
    return TRUE;
}
