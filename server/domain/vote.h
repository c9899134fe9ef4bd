/* vote.h: the vote rules of phonghop, pure and exact.
 *
 * Everything here is plain computation on integers: no I/O, no clock, no global state. Every
 * function may be called from any thread. Pass/fail never touches floating point: "more than half
 * of N" is 2*yes > N, "at least two thirds" is 3*yes >= 2*N, "more than two thirds" is 3*yes > 2*N,
 * computed in 64 bits.
 *
 * The rules (DOMAIN.md, "Votes") are data stored with each poll, never constants in callers:
 *  - VoteThreshold: which rule decides, with a stable string form stored per poll;
 *  - VotePoll: the body, what is decided, the form of the vote, the threshold, and the roster
 *    (all members when the poll opened: the law's "tổng số đại biểu"), stored with the poll.
 * Results are evaluated from counts (motions, elections, confidence and no-confidence votes) and
 * worded for the minutes in Vietnamese (the record) and English.
 *
 * Errors: VOTE_ERROR_PARSE for a stored form this version does not know, VOTE_ERROR_INVALID for
 * counts or settings that cannot be true (the message names the numbers), VOTE_ERROR_INELIGIBLE
 * for a ballot that may not be cast. Messages are in English and quote the law's Vietnamese words.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VOTE_ERROR (vote_error_quark())
GQuark vote_error_quark(void);

typedef enum {
    VOTE_ERROR_PARSE,      /* a stored form (threshold, choice, form...) that is not known */
    VOTE_ERROR_INVALID,    /* counts or poll settings that cannot be true */
    VOTE_ERROR_INELIGIBLE, /* this person may not cast a ballot now */
} VoteError;

/* The language of worded results: Vietnamese is the record, English a rendering. */
typedef enum {
    VOTE_LANG_VI,
    VOTE_LANG_EN,
} VoteLang;

/* ---- thresholds ---- */

/* Enumerations start at 1 so that a zeroed struct is rejected, never read as a rule. */
typedef enum {
    VOTE_THRESHOLD_MORE_THAN_HALF_OF_ALL = 1,         /* 2*yes > roster: resolutions, elections */
    VOTE_THRESHOLD_AT_LEAST_TWO_THIRDS_OF_ALL,        /* 3*yes >= 2*roster: dismissal of a member */
    VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING, /* 3*yes > 2*roster: a shrunk council */
    VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT,         /* 2*yes > present */
    VOTE_THRESHOLD_CONFIDENCE_BANDS, /* lấy phiếu tín nhiệm: bands, no pass/fail */
} VoteThresholdKind;

/* The denominator of the confidence bands (configurable, DOMAIN.md). */
typedef enum {
    VOTE_CONFIDENCE_OF_ALL_MEMBERS = 1, /* "tổng số đại biểu": the roster */
    VOTE_CONFIDENCE_OF_ALL_BALLOTS, /* "tổng số phiếu": all ballots returned, invalid included */
} VoteConfidenceBase;

typedef struct {
    VoteThresholdKind kind;
    VoteConfidenceBase confidence_base; /* VOTE_THRESHOLD_CONFIDENCE_BANDS only; 0 otherwise */
} VoteThreshold;

/* Parses the stored string form of a threshold. The forms are stable (stored per poll):
 *   "more_than_half_of_all"             "at_least_two_thirds_of_all"
 *   "more_than_two_thirds_of_remaining" "more_than_half_of_present"
 *   "confidence_bands_of_all"           "confidence_bands_of_ballots"
 * Returns FALSE with VOTE_ERROR_PARSE for anything else (exact, case-sensitive match). */
gboolean vote_threshold_parse(const char *text, VoteThreshold *threshold, GError **error);

/* The stable string form of a threshold (transfer none: a static string), or NULL for a
 * threshold that is not valid. */
const char *vote_threshold_to_string(const VoteThreshold *threshold);

/* TRUE when the threshold is one of the forms above, with a confidence base exactly when the
 * kind is VOTE_THRESHOLD_CONFIDENCE_BANDS. */
gboolean vote_threshold_is_valid(const VoteThreshold *threshold);

/* TRUE when `count` meets a pass/fail threshold against `base` (the roster, or the members present
 * for VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT). count >= 0, base >= 1; the confidence bands are
 * not pass/fail (use vote_confidence_band()). */
gboolean vote_threshold_is_met(const VoteThreshold *threshold, gint64 count, gint64 base);

/* The least count that meets a pass/fail threshold against `base` (e.g. 26 of 50 for more than
 * half, 34 of 50 for at least two thirds): for showing "cần 26 phiếu", never for deciding. */
gint64 vote_threshold_needed(const VoteThreshold *threshold, gint64 base);

/* ---- poll settings ---- */

typedef enum {
    VOTE_BODY_COUNCIL = 1, /* HĐND: "đại biểu" */
    VOTE_BODY_COMMITTEE,   /* UBND: "thành viên"; decides by majority of its members */
} VoteBody;

typedef enum {
    VOTE_SUBJECT_MOTION = 1, /* a resolution or decision: tán thành / không tán thành / ... */
    VOTE_SUBJECT_ELECTION,   /* election of officers: candidates, seats */
    VOTE_SUBJECT_CONFIDENCE, /* lấy phiếu tín nhiệm: three levels per official */
    VOTE_SUBJECT_NO_CONFIDENCE, /* bỏ phiếu tín nhiệm: two levels per official */
} VoteSubject;

typedef enum {
    VOTE_FORM_NAMED = 1,     /* electronic named vote: every choice recorded and published */
    VOTE_FORM_SECRET,        /* electronic secret ballot (bỏ phiếu kín) */
    VOTE_FORM_SHOW_OF_HANDS, /* counts entered by the session secretary */
    VOTE_FORM_PAPER,         /* paper secret ballot: counts entered by the tally committee */
} VoteForm;

/* Stable string forms: "council" "committee"; "motion" "election" "confidence" "no_confidence";
 * "named" "secret" "show_of_hands" "paper". to_string returns a static string (NULL when the
 * value is not valid); parse fails with VOTE_ERROR_PARSE. */
const char *vote_body_to_string(VoteBody body);
gboolean vote_body_parse(const char *text, VoteBody *body, GError **error);
const char *vote_subject_to_string(VoteSubject subject);
gboolean vote_subject_parse(const char *text, VoteSubject *subject, GError **error);
const char *vote_form_to_string(VoteForm form);
gboolean vote_form_parse(const char *text, VoteForm *form, GError **error);

#define VOTE_PRESENT_UNKNOWN (-1)

/* What the rules need to know about one poll; stored with the poll when it opens. */
typedef struct {
    VoteBody body;
    VoteSubject subject;
    VoteForm form;
    VoteThreshold threshold;
    /* Members of the body on the roster when the poll opened (DOMAIN.md: "The denominator is the
     * roster at the moment the vote opens"). For a shrunk council this is the remaining members. */
    gint roster;
    /* Members checked in while the poll was open, or VOTE_PRESENT_UNKNOWN. Everyone who voted was
     * present, so it is never less than the votes cast. Needed for the "of present" threshold. */
    gint present;
} VotePoll;

/* The threshold the law sets by default for a subject in a body (DOMAIN.md): more than half of
 * all members for motions, elections and no-confidence votes and for any committee decision;
 * the confidence bands over all members for confidence votes. */
VoteThreshold vote_threshold_default(VoteBody body, VoteSubject subject);

/* Fills `poll` with the default threshold for (body, subject), the form, the roster and an
 * unknown present count. Validate it with vote_poll_validate(). */
void vote_poll_init(VotePoll *poll, VoteBody body, VoteSubject subject, VoteForm form, gint roster);

/* Checks that the settings of a poll can be used, with VOTE_ERROR_INVALID naming what cannot:
 * an empty roster, a present count outside 0..roster, an unknown body, subject, form or threshold,
 * a threshold that does not fit the subject (motions take any pass/fail threshold; elections more
 * than half of all, or more than two thirds of the remaining members; confidence votes only the
 * bands; no-confidence votes more than half of all), a committee deciding by anything but a
 * majority of its members or holding elections and confidence votes, or an election, confidence or
 * no-confidence vote that is not a secret ballot. */
gboolean vote_poll_validate(const VotePoll *poll, GError **error);

/* ---- ballots and eligibility ---- */

typedef enum {
    VOTE_CHOICE_FOR = 1, /* tán thành */
    VOTE_CHOICE_AGAINST, /* không tán thành */
    VOTE_CHOICE_ABSTAIN, /* không biểu quyết */
} VoteChoice;

/* Stable string forms "for" "against" "abstain". */
const char *vote_choice_to_string(VoteChoice choice);
gboolean vote_choice_parse(const char *text, VoteChoice *choice, GError **error);

typedef enum {
    VOTE_POLL_STATE_DRAFT = 1,
    VOTE_POLL_STATE_OPEN,
    VOTE_POLL_STATE_CLOSED,
} VotePollState;

/* What is known about one person trying to cast a ballot. */
typedef struct {
    gboolean on_roster;  /* a member of the body on the roster taken when the poll opened */
    gboolean checked_in; /* checked in to the meeting now */
    gboolean has_ballot; /* a ballot of theirs is already recorded in this poll */
} VoteVoter;

/* DOMAIN.md: "Only members of the body, checked in, may vote; one ballot each; whether a ballot may
 * be changed before close is per poll". Returns TRUE when the ballot may be recorded, else FALSE
 * with VOTE_ERROR_INELIGIBLE and a message for the voter. A member added to the roster after the
 * poll opened is not in its denominator and may not vote in it. */
gboolean vote_check_eligible(VotePollState state, gboolean allow_change, const VoteVoter *voter,
                             GError **error);

/* ---- motions ---- */

/* The tally committee's ballot counts (paper ballots). For electronic secret ballots in elections
 * and confidence votes use vote_ballot_counts_init_electronic(). */
typedef struct {
    gint issued;   /* phiếu phát ra */
    gint returned; /* phiếu thu vào */
    gint valid;    /* phiếu hợp lệ */
    gint invalid;  /* phiếu không hợp lệ */
} VoteBallotCounts;

/* Electronic secret ballots: `cast` ballots issued, returned and valid, none invalid. */
void vote_ballot_counts_init_electronic(VoteBallotCounts *ballots, gint cast);

typedef struct {
    gint yes;     /* tán thành */
    gint no;      /* không tán thành */
    gint abstain; /* không biểu quyết */
    /* Paper form only (ignored otherwise): yes + no + abstain must equal the valid ballots. */
    VoteBallotCounts ballots;
} VoteMotionCounts;

typedef struct {
    gint64 base;         /* the threshold's denominator: the roster, or the members present */
    gint64 needed;       /* the least "tán thành" count that passes against base */
    gint64 participants; /* members who took part: yes + no + abstain; paper: ballots returned */
    gboolean passed;
} VoteMotionResult;

/* Counts named ballots (one row per member who voted) against the roster taken when the poll
 * opened (`roster` member ids, n_roster of them). Fails with VOTE_ERROR_INVALID for a roster that
 * names a member twice, a ballot from someone not on the roster, two ballots from one member (a
 * changed ballot replaces the first, it is not added) or an unknown choice. On success `counts`
 * holds the totals (its paper counts zeroed). */
gboolean vote_tally_ballots(const gint64 *roster, gsize n_roster, const gint64 *member_ids,
                            const VoteChoice *choices, gsize n_ballots, VoteMotionCounts *counts,
                            GError **error);

/* Evaluates a motion: validates the poll and the counts, then applies the threshold to the
 * "tán thành" count. Counts are rejected with VOTE_ERROR_INVALID when negative, when more members
 * voted than the roster holds or than were present, and on paper when more ballots were issued
 * than members, more returned than issued, valid + invalid differs from returned, or the choices
 * do not add up to the valid ballots. `result` is written only on success. */
gboolean vote_motion_evaluate(const VotePoll *poll, const VoteMotionCounts *counts,
                              VoteMotionResult *result, GError **error);

/* The result of a motion as the minutes word it, one line per statement joined with '\n', e.g.
 *   Có 48/50 đại biểu tham gia biểu quyết, chiếm 96,00% tổng số đại biểu
 *   Có 38/50 đại biểu tán thành, chiếm 76,00% tổng số đại biểu
 *   Có 8/50 đại biểu không tán thành, chiếm 16,00% tổng số đại biểu
 *   Có 2/50 đại biểu không biểu quyết, chiếm 4,00% tổng số đại biểu
 *   Nghị quyết được thông qua
 * Paper ballots start with the four ballot counts instead of the participation line. `subject`
 * names what was decided in the verdict (e.g. "Chương trình kỳ họp"); NULL uses "Nghị quyết" /
 * "The resolution" for councils and "Quyết định" / "The decision" for committees.
 * Returns (transfer full) the text, or NULL with the error of vote_motion_evaluate(). */
char *vote_motion_wording(const VotePoll *poll, const VoteMotionCounts *counts, const char *subject,
                          VoteLang lang, GError **error);

/* ---- elections of officers ---- */

typedef struct {
    gint64 id;        /* distinct per candidate */
    const char *name; /* (transfer none) as the minutes name them */
    gint votes;       /* ballots approving this candidate */
} VoteCandidate;

typedef enum {
    VOTE_CANDIDATE_ELECTED = 1, /* trúng cử */
    VOTE_CANDIDATE_NOT_ELECTED, /* không trúng cử */
    VOTE_CANDIDATE_TIED,        /* tied at the last seat: goes to the new round */
} VoteCandidateOutcome;

typedef enum {
    VOTE_ROUND_COMPLETE = 1, /* every seat filled */
    VOTE_ROUND_TIE,          /* candidates above the threshold tie for the last seats */
    VOTE_ROUND_SHORTFALL,    /* too few candidates reached the threshold */
} VoteRoundStatus;

typedef struct {
    VoteRoundStatus status;
    gint64 base;   /* the roster */
    gint64 needed; /* the least number of votes that elects */
    gint seats;    /* seats to fill in this round */
    gint seats_filled;
    gint seats_open; /* seats - seats_filled: the seats of the new round */
    gsize n_candidates;
    VoteCandidateOutcome *outcomes; /* per candidate, in the order given */
    guint *ranking;                 /* candidate indices by votes, descending; equal votes keep
                                     * the order given */
    guint *next_round;              /* indices of the candidates of the new round: the tied ones
                                     * (TIE) or those not elected (SHORTFALL; the council decides
                                     * whether to hold the round and may nominate others) */
    gsize n_next_round;
} VoteElectionResult;

/* Evaluates one round of an election (DOMAIN.md: "a winner needs more than half of all members; a
 * tie or shortfall leads to a new round"). Candidates reaching the threshold are ranked by votes;
 * the best `seats` of them are elected, unless candidates with equal votes straddle the last seat:
 * then those above the tie are elected and the tied ones go to a new round for the seats left.
 * Fails with VOTE_ERROR_INVALID for invalid poll settings or ballot counts, seats < 1 or more than
 * the roster, no candidates, a candidate without a name, two candidates with one id, negative
 * votes, a candidate with more votes than valid ballots, or more votes in all than valid ballots
 * times seats (a ballot approves at most `seats` candidates).
 * Returns (transfer full) the result; free with vote_election_result_free(). */
VoteElectionResult *vote_election_evaluate(const VotePoll *poll, gint seats,
                                           const VoteCandidate *candidates, gsize n_candidates,
                                           const VoteBallotCounts *ballots, GError **error);
void vote_election_result_free(VoteElectionResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VoteElectionResult, vote_election_result_free)

/* The round as the minutes word it: ballot counts (paper) or the members who cast a ballot
 * (electronic), one line per candidate in ranking order
 * ("Nguyễn Văn A: 40/50 phiếu, chiếm 80,00% tổng số đại biểu, trúng cử"), the seats filled and,
 * when needed, the new round. Returns (transfer full) the text, or NULL with the error of
 * vote_election_evaluate(). */
char *vote_election_wording(const VotePoll *poll, gint seats, const VoteCandidate *candidates,
                            gsize n_candidates, const VoteBallotCounts *ballots, VoteLang lang,
                            GError **error);

/* ---- confidence votes (lấy phiếu tín nhiệm) ---- */

typedef struct {
    gint64 id;
    const char *name; /* (transfer none) */
    gint high;        /* tín nhiệm cao */
    gint medium;      /* tín nhiệm */
    gint low;         /* tín nhiệm thấp */
} VoteConfidenceRow;

typedef enum {
    VOTE_CONFIDENCE_BAND_NO_ACTION = 1, /* tín nhiệm thấp at most half */
    VOTE_CONFIDENCE_BAND_MAY_RESIGN,    /* more than half, under two thirds: may resign, or faces
                                         * a no-confidence vote */
    VOTE_CONFIDENCE_BAND_DISMISSAL,     /* two thirds or more: dismissal is proposed */
} VoteConfidenceBand;

/* The band of `low` "tín nhiệm thấp" ratings against `base` (low >= 0, base >= 1):
 * 2*low <= base: NO_ACTION; 2*low > base and 3*low < 2*base: MAY_RESIGN; 3*low >= 2*base:
 * DISMISSAL. */
VoteConfidenceBand vote_confidence_band(gint64 low, gint64 base);

/* Evaluates a confidence vote: writes the band of each row to bands[i] (caller's array of
 * n_rows) and the denominator to *base (the roster, or the ballots returned, per the threshold).
 * Fails with VOTE_ERROR_INVALID for invalid poll settings or ballot counts, no rows, a row without
 * a name, two rows with one id, negative ratings, or a row whose ratings add up to more than the
 * valid ballots. Nothing is written on failure. */
gboolean vote_confidence_evaluate(const VotePoll *poll, const VoteConfidenceRow *rows, gsize n_rows,
                                  const VoteBallotCounts *ballots, VoteConfidenceBand *bands,
                                  gint64 *base, GError **error);

/* The confidence vote as the minutes word it: ballot counts, then per official the three levels
 * with their share of the denominator and, for the two upper bands, the consequence. Returns
 * (transfer full) the text, or NULL with the error of vote_confidence_evaluate(). */
char *vote_confidence_wording(const VotePoll *poll, const VoteConfidenceRow *rows, gsize n_rows,
                              const VoteBallotCounts *ballots, VoteLang lang, GError **error);

/* ---- no-confidence votes (bỏ phiếu tín nhiệm) ---- */

typedef struct {
    gint64 id;
    const char *name;   /* (transfer none) */
    gint confidence;    /* tín nhiệm */
    gint no_confidence; /* không tín nhiệm */
} VoteNoConfidenceRow;

/* Evaluates a no-confidence vote: lost[i] is TRUE when more than half of all members voted
 * "không tín nhiệm" for row i (the official must resign or be dismissed). Fails like
 * vote_confidence_evaluate(); nothing is written on failure. */
gboolean vote_no_confidence_evaluate(const VotePoll *poll, const VoteNoConfidenceRow *rows,
                                     gsize n_rows, const VoteBallotCounts *ballots, gboolean *lost,
                                     GError **error);

/* The no-confidence vote as the minutes word it. (transfer full), or NULL with the error of
 * vote_no_confidence_evaluate(). */
char *vote_no_confidence_wording(const VotePoll *poll, const VoteNoConfidenceRow *rows,
                                 gsize n_rows, const VoteBallotCounts *ballots, VoteLang lang,
                                 GError **error);

/* ---- wording helpers ---- */

/* count/base as a percentage with two decimals, rounded half up, computed exactly from the
 * integers: "76,00%" (VOTE_LANG_VI, comma decimal separator) or "76.00%". count >= 0, base >= 1.
 * Returns (transfer full). */
char *vote_format_percent(gint64 count, gint64 base, VoteLang lang);

/* The rule in words, e.g. "quá nửa tổng số đại biểu" / "more than half of all members" (the
 * committee forms say "thành viên" / "committee members"). (transfer none), NULL when invalid. */
const char *vote_threshold_describe(const VoteThreshold *threshold, VoteBody body, VoteLang lang);

/* ---- the shrunk council ---- */

/* DOMAIN.md: "A council that has shrunk below two thirds of its elected members with <= 18 months
 * of term left decides only a limited set of matters, each needing more than two thirds of the
 * remaining members". TRUE when 3*remaining < 2*elected and the term ends no later than 18
 * calendar months after `today` (GLib month arithmetic: a day past the end of the target month is
 * clamped to its last day). elected >= 1, 0 <= remaining. */
gboolean vote_council_is_shrunk(gint elected, gint remaining, const GDate *today,
                                const GDate *term_end);

G_END_DECLS
