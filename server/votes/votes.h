/* votes.h: polls and ballots of phonghop, between the rule engine (domain/vote.h), the database,
 * the HTTP API (api/api-votes.c) and the live WebSocket (live/live.c).
 *
 * A poll belongs to a meeting. It is prepared (draft), opened by the chair (the roster of the
 * body is frozen then: the law's denominator), possibly extended, then closed (by the chair, or
 * when its time runs out) or cancelled with a reason. Members cast ballots while it is open;
 * counts of a show of hands or of paper ballots are entered instead. Closing computes the result
 * with the rule engine and records it with the minutes' wording.
 *
 * Two kinds of functions:
 *  - worker functions take a DbConn and run inside the caller's database transaction (a DbJobFunc
 *    or an API route's run). They answer refusals with POLL_ERROR (the message is for the person
 *    who asked; the code maps to an HTTP status with poll_error_status()) and database failures
 *    with DB_ERROR. They refuse before writing anything, so a refusal never leaves half a change.
 *  - main-thread functions (ballots, the deadline keeper, the live message) never block; their
 *    database work goes through the app's pool.
 *
 * Secret ballots: "who voted" (poll_voters) and "what was chosen" (per-choice counters in a table
 * of the poll's own, dropped by the closing transaction) are stored apart; see docs/votes.md.
 * Nothing in this module logs a choice.
 */
#pragma once

#include "app.h"
#include "db.h"
#include "domain/vote.h"
#include "http/http-server.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define POLL_ERROR (poll_error_quark())
GQuark poll_error_quark(void);

typedef enum {
    POLL_ERROR_NOT_FOUND,  /* 404 not_found: no such poll (in this meeting) */
    POLL_ERROR_INVALID,    /* 400 invalid: a field or a count that cannot be used */
    POLL_ERROR_STATE,      /* 409 wrong_state: not in a state that allows this */
    POLL_ERROR_FORBIDDEN,  /* 403 forbidden: this person may not do this to this poll */
    POLL_ERROR_INELIGIBLE, /* 403 not_eligible: may not vote in this poll */
    POLL_ERROR_ALREADY,    /* 409 already_voted: a ballot is recorded and may not change */
    POLL_ERROR_NO_COUNTS,  /* 409 counts_missing: a show of hands or paper poll without counts */
    POLL_ERROR_RULE,       /* 409 rule: the law's rules refuse it (a shrunk council...) */
} PollError;

/* The HTTP status and the error code of a POLL_ERROR code. */
guint poll_error_status(gint code);
const char *poll_error_code(gint code);

typedef enum {
    POLL_STATE_DRAFT = 1,
    POLL_STATE_OPEN,
    POLL_STATE_CLOSED,
    POLL_STATE_CANCELLED,
} PollState;

const char *poll_state_to_string(PollState state);

/* A candidate (election) or an official (confidence and no-confidence votes). */
typedef struct {
    gint position; /* 1, 2, ... in ballot order */
    char *name;
    gint64 user_id; /* 0: not a user of phonghop */
} PollRow;

/* One poll as stored, with its meeting's facts. Read with poll_load(). */
typedef struct {
    gint64 id;
    gint64 meeting_id;
    gint64 body_id;
    gint64 agenda_item_id; /* 0: none */
    char *title;
    char *decision; /* NULL: the default noun of the verdict */
    VotePoll rules; /* body, subject, form, threshold, roster (0 while a draft), present */
    gboolean threshold_given;
    gboolean written;
    gboolean allow_change;
    gint seats; /* elections; 0 otherwise */
    gint round;
    gint64 previous_round_id;
    PollState state;
    gint duration_s; /* planned when opened; 0: open-ended */
    gint cast;       /* members who have cast a ballot */
    char *opened_at; /* RFC 3339 UTC, or NULL */
    char *closes_at;
    char *closed_at;
    gint64 closes_at_us; /* 0: no deadline */
    gint64 created_by;
    char *cancel_reason;
    GPtrArray *rows;  /* PollRow*, by position */
    JsonNode *counts; /* entered counts, or NULL */
    char *tally_minutes;
    JsonNode *result; /* at close, or NULL */
    char *wording_vi;
    char *wording_en;
    gint passed; /* -1 unknown, 0, 1 */
    /* the meeting */
    char *meeting_status;
    gboolean meeting_public; /* public, no longer a draft, and its item (and the item's sitting)
                              * not closed (họp kín): its events reach the public */
    char *body_level;
    gint64 term_seats;  /* elected members of the term, 0 unknown */
    char *term_ends_on; /* YYYY-MM-DD or NULL */
} Poll;

void poll_free(Poll *poll);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Poll, poll_free)

/* ---- worker functions (inside a transaction) ---- */

/* Loads poll_id; with lock, takes its row lock (FOR UPDATE), which serialises every change and
 * every ballot of the poll across nodes. meeting_id 0 accepts any meeting; otherwise a poll of
 * another meeting is POLL_ERROR_NOT_FOUND. (transfer full) or NULL with an error. */
Poll *poll_load(DbConn *conn, gint64 meeting_id, gint64 poll_id, gboolean lock, GError **error);

/* The poll as the API and the events show it. staff: include the entered counts and the tally
 * committee's minutes before close. (transfer full) */
JsonNode *poll_to_json(const Poll *poll, gboolean staff);

/* What a new poll needs. */
typedef struct {
    gint64 meeting_id;
    gint64 agenda_item_id;
    const char *title;
    const char *decision;
    VoteSubject subject;
    VoteForm form;
    const char *threshold; /* NULL: the law's default for the body and subject */
    gboolean written;
    gboolean allow_change;
    gint seats;
    gint duration_s;
    gint64 previous_round_id;
    gint round;
    const PollRow *rows;
    guint n_rows;
    gint64 created_by;
} PollSpec;

/* Creates a draft poll (checks the settings with the rule engine) and announces it to the body.
 * *poll_id receives its id. */
gboolean poll_create(DbConn *conn, const PollSpec *spec, gint64 *poll_id, GError **error);

/* Opens a draft: freezes the roster (members of the body now), checks the shrunk-council rule,
 * sets the deadline (duration_s 0: the one planned, or none), prepares the secret counters, and
 * records "vote.opened". */
gboolean poll_open(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user, gint duration_s,
                   GError **error);

/* Moves an open poll's deadline seconds later (from now when it has passed). */
gboolean poll_extend(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user, gint seconds,
                     GError **error);

/* Cancels a draft or open poll with a reason; a secret poll's counters are dropped unread. */
gboolean poll_cancel(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                     const char *reason, GError **error);

/* Records counts entered for a show of hands (the session secretary) or paper ballots (a member
 * of the tally committee): checked with the rule engine against the roster and the members
 * present, journaled, and kept until close. counts: transfer none. */
gboolean poll_enter_counts(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                           guint by_roles, JsonObject *counts, const char *minutes, GError **error);

/* Closes an open poll: counts, evaluates with the rule engine, records the result ("vote.closed",
 * with the minutes' wording) and, for a secret poll, keeps only the totals. by_user 0: the time
 * ran out (then a poll whose deadline has moved later is left open: *not_due TRUE, may be NULL).
 * meeting_id 0: any. */
gboolean poll_close(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                    gboolean *not_due, GError **error);

/* Creates the next round of a closed election that ended in a tie or a shortfall: the tied (or
 * not elected) candidates, or rows when given, for the seats left. */
gboolean poll_next_round(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                         const PollRow *rows, guint n_rows, gint64 *new_poll_id, GError **error);

/* Sets the meeting's tally committee (ban kiểm phiếu). */
gboolean poll_set_tally_committee(DbConn *conn, gint64 meeting_id, const gint64 *member_ids,
                                  guint n_members, gint64 head_id, const char *minutes,
                                  gint64 by_user, GError **error);

/* The meeting's tally committee {member_ids, head_id, members:[{id,full_name}], minutes}, or a
 * JSON null. (transfer full) */
JsonNode *poll_tally_committee_json(DbConn *conn, gint64 meeting_id, GError **error);

/* ---- receipts and verification (worker) ---- */

/* The caller's receipt for a poll and its check against the journal: the entry, its hash
 * recomputed from the previous one, that it says what the ballot row says, and the whole chain
 * to its head. (transfer full), or NULL with POLL_ERROR_NOT_FOUND when there is no ballot. */
JsonNode *vote_verify_my_ballot(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 user_id,
                                GError **error);

/* The meeting's journal verified: the hash chain (record_verify_journal), then every ballot,
 * participation and result row of its polls against the entry it names. (transfer full) */
JsonNode *vote_verify_meeting(DbConn *conn, gint64 meeting_id, GError **error);

/* ---- CSV (worker) ---- */

/* results.csv and named.csv of a closed poll: UTF-8 with a byte order mark, RFC 4180 (CRLF,
 * fields quoted when needed). (transfer full) */
GBytes *vote_results_csv(DbConn *conn, const Poll *poll, GError **error);
GBytes *vote_named_csv(DbConn *conn, const Poll *poll, GError **error);

/* ---- ballots (main thread) ---- */

/* A choice as sent by a member, not yet checked against the poll: a motion's "for" / "against" /
 * "abstain", an election's approved candidates [1, 3], or a level per official
 * {"1": "high", "2": "low"}. */
typedef struct _BallotChoice BallotChoice;

/* Reads a choice from JSON. NULL with POLL_ERROR_INVALID for a shape that no poll accepts.
 * (transfer full) */
BallotChoice *ballot_choice_from_json(JsonNode *node, GError **error);
void ballot_choice_free(BallotChoice *choice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BallotChoice, ballot_choice_free)

typedef enum {
    BALLOT_RECORDED = 1, /* committed now */
    BALLOT_REPEAT,       /* already recorded: the first receipt */
    BALLOT_REFUSED,      /* not eligible, closed, wrong choice...: nothing stored */
    BALLOT_NOT_RECORDED, /* the database failed: nothing acknowledged, try again */
} BallotStatus;

typedef struct {
    BallotStatus status;
    gint error_code;     /* POLL_ERROR code when REFUSED */
    const char *message; /* for the voter when REFUSED or NOT_RECORDED */
    JsonNode *receipt;   /* RECORDED and REPEAT: {meeting_id, poll_id, [choice, revision],
                          * journal_seq, hash, secret} */
} BallotOutcome;

typedef void (*BallotDoneFunc)(const BallotOutcome *outcome, gpointer user_data);

/* Queues a ballot of user_id in poll_id. Ballots of one poll are committed in batches: each
 * batch is one transaction (synchronous commit) holding every ballot and its journal entry, and
 * done is called for each only after that commit (or its failure). Ownership of choice is taken;
 * key: the client's idempotency key (1 to 128 characters). done runs on the main thread, never
 * from inside this call; destroy (may be NULL) frees user_data after it. */
void ballot_submit(PhApp *app, gint64 poll_id, gint64 user_id, BallotChoice *choice,
                   const char *key, BallotDoneFunc done, gpointer user_data,
                   GDestroyNotify destroy);

/* What a poll's ballots are checked against, as read by the caller (main thread): its meeting,
 * body and form. Told when a poll opens, it lets the first batch of ballots check its voters in
 * the same round trip as it locks the poll (the batch confirms it with the poll it reads). */
void ballot_poll_shape(const Poll *poll);

/* ---- the live WebSocket (main thread) ---- */

/* A "vote.*" message of a connection whose user is user_id (0: not signed in): "vote.cast".
 * Answers "vote.recorded" after the commit, or an error (code not_recorded: try again). */
void vote_live_message(PhApp *app, WsConn *conn, gint64 user_id, const char *type, JsonObject *msg,
                       JsonNode *id);

/* ---- deadlines (main thread) ---- */

/* Starts the deadline keeper once per process: reads the open polls with a deadline, closes the
 * overdue ones and sets a timer for each of the others. Cheap after the first call. */
void vote_keeper_touch(PhApp *app);

/* A poll opened or extended (closes_at_us: microseconds since the epoch, 0: none), or closed or
 * cancelled (0). */
void vote_keeper_schedule(PhApp *app, gint64 poll_id, gint64 closes_at_us);

G_END_DECLS
