/* votes-private.h: what the files of server/votes/ share; not part of the module's interface. */
#pragma once

#include "votes.h"

G_BEGIN_DECLS

/* The parsed choice: marks (row, word) with row 0 for a motion. */
typedef enum {
    BALLOT_SHAPE_MOTION = 1, /* one word: for / against / abstain */
    BALLOT_SHAPE_APPROVALS,  /* candidate positions */
    BALLOT_SHAPE_LEVELS,     /* a level per official */
} BallotShape;

typedef struct {
    gint row;
    const char *word; /* a static string of the choice vocabulary */
} BallotMark;

struct _BallotChoice {
    BallotShape shape;
    GArray *marks; /* BallotMark, sorted by row */
};

/* Checks a choice against the poll (shape for the subject, rows that exist, at most `seats`
 * approvals, levels of the subject). FALSE with POLL_ERROR_INVALID saying what is wrong. */
gboolean ballot_choice_check(const BallotChoice *choice, const Poll *poll, GError **error);

/* The words a secret poll's counters are kept under, per subject (NULL-terminated, static). */
const char *const *poll_counter_words(VoteSubject subject);

/* The state of its stable form ("open"...), or 0. */
PollState poll_state_parse(const char *text);

/* "user:ID" (transfer full) */
char *vote_actor(gint64 user_id);

/* One journal entry to append (vote_journal_append). */
typedef struct {
    const char *kind;
    char *actor;       /* owned */
    JsonNode *payload; /* owned: an object */
    gint64 seq;        /* out */
    char *hash_hex;    /* out, owned */
} VoteJournalItem;

void vote_journal_item_clear(VoteJournalItem *item);

/* The rows of n prepared journal entries as five PostgreSQL array literals of n elements each:
 * parameters $3 to $7 of VOTE_JOURNAL_INSERT. (Arrays rather than one JSON document: the
 * database then parses each value once, with no JSON to take apart per row.) */
typedef struct {
    char *kinds;
    char *ats;     /* RFC 3339 UTC with microseconds, as in the entry */
    char *actors;  /* NULL elements for entries without an actor */
    char *entries; /* the canonical entries */
    char *hashes;  /* hex */
} VoteJournalRows;

void vote_journal_rows_clear(VoteJournalRows *rows);

/* Prepares n entries of the meeting's journal, by the protocol of record_journal()
 * (server/record/record.h): takes their numbers under the meeting row's lock (first..first+n-1),
 * canonicalises and chains each onto the previous hash, and fills seq and hash_hex of each item.
 * The rows are inserted by the caller's next statement with VOTE_JOURNAL_INSERT, with $1 the
 * meeting, $2 *first_seq and $3..$7 the columns of *rows (clear them with
 * vote_journal_rows_clear()), in the same transaction. */
gboolean vote_journal_prepare(DbConn *conn, gint64 meeting_id, VoteJournalItem *items, guint n,
                              gint64 *first_seq, VoteJournalRows *rows, GError **error);

/* A data-modifying WITH clause that inserts the prepared rows (parameters $1 to $7 above). */
#define VOTE_JOURNAL_INSERT                                                                       \
    "WITH journal AS (INSERT INTO meeting_journal (meeting_id, seq, kind, at, actor, entry, "     \
    "hash) SELECT $1, $2::bigint + o - 1, k, a::timestamptz, ac, en, decode(h, 'hex') FROM "      \
    "unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS t(k, " \
    "a, ac, en, h, o)) "

/* The name of a secret poll's counter table: "phonghop_secret.poll_N". (transfer full) */
char *poll_secret_table(gint64 poll_id);

/* Who receives the poll's public events: everyone when the meeting is public, else the body. */
void poll_visibility(const Poll *poll, gboolean *is_public);

/* Refuses (POLL_ERROR_STATE) unless the poll is in state `want`; doing: "close"... */
gboolean poll_check_state(const Poll *poll, PollState want, const char *doing, GError **error);

/* Drops a secret poll's counter table (closing and cancelling). */
gboolean poll_secret_drop(DbConn *conn, gint64 poll_id, GError **error);

/* Records a fact of the poll: journaled (when journal, *journal_seq receives its number) and
 * announced to the body, and to the public when the meeting is public. by_user 0: the system. */
gboolean poll_record_fact(DbConn *conn, const Poll *poll, const char *kind, gint64 by_user,
                          JsonNode *payload, gboolean journal, gint64 *journal_seq, GError **error);

/* The index in poll->rows of the row at position, or -1. */
gint poll_row_index(const Poll *poll, gint position);

/* Adds text as an array of its lines. */
void vote_json_add_lines(JsonBuilder *b, const char *text);

/* Sets a POLL_ERROR. */
void poll_set_error(GError **error, PollError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Formats an int64 for a query parameter into buf (at least 24 bytes). */
const char *vote_i64(char *buf, gint64 v);

G_END_DECLS
