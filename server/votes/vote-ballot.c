/* vote-ballot.c: casting ballots: the choice a member sends, the per-poll batches that commit
 * ballots, and the "vote.cast" message of the live WebSocket.
 *
 * Design. DOMAIN.md: "A ballot is durable before the member sees 'recorded'", and the issue's
 * load: hundreds of members pressing the button within a second. Every ballot of one poll must
 * take the poll's row lock and the meeting's journal (a hash chain, appended under the meeting
 * row's lock), so ballots of one poll are serialised in the database whatever we do; committing
 * them one transaction each would cost one disk flush each, in a row. Instead the main thread
 * keeps one queue per poll and at most one batch of it in flight: a ballot that arrives while a
 * batch commits waits for the next batch, which takes everything queued (at most
 * BALLOT_BATCH_MAX). One batch is one transaction with synchronous commit and a fixed number of
 * statements whatever its size: lock and read the poll (which makes the commit durable), check
 * every voter (one query), take the journal numbers, then insert the journal entries and the
 * ballots (and add to the secret counters) in one statement, commit. These statements are prepared
 * once per database connection (db_conn_exec_prepared), so a batch pays for executing them,
 * not for parsing and planning them again; and they take four round trips to PostgreSQL: BEGIN
 * goes with the poll's lock, and so does the voters' check once the poll's meeting, body and form
 * are known (told when the poll opens, or learnt from its first batch; db_conn_exec_prepared_all).
 * Only after the commit returns does anyone hear "recorded"; if the transaction fails, everyone in
 * it hears "not recorded, try again", and nothing of it is stored. This is group commit done by the
 * application, so one flush serves a whole batch and a ballot waits at most for the batch in flight
 * and its own.
 *
 * Idempotency: a member's ballot is unique per (poll, member) (per revision when the poll lets
 * ballots change). A repeated named cast with the same choice answers the first receipt; with
 * another choice it is refused unless the poll allows changes. A secret ballot cannot be compared
 * with its choice (nothing links them), so it is matched by the client's idempotency key: the
 * same key answers the first receipt, another key is refused.
 *
 * Secrecy in a batch: the counters receive the batch's choices summed per choice, never a list
 * of voters with their choices, and nothing here logs a choice. What still ties a batch's voters
 * to its counter update is the transaction itself (docs/votes.md: while the poll is open, a
 * database superuser can see it; the closing transaction removes every trace of it).
 */
#include "votes-private.h"

#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-votes"

#define BALLOT_BATCH_MAX 1000
#define BALLOT_QUEUE_MAX 20000
#define BALLOT_MAX_ROWS  1000
#define BALLOT_KEY_MAX   128

/* ---- choices ---- */

static const char approve_word[] = "approve";
static const char *const level_words[] = {"high",       "medium",        "low",
                                          "confidence", "no_confidence", NULL};
static const char *const choice_words[] = {"for", "against", "abstain", NULL};

static const char *static_word(const char *const *words, const char *text)
{
    for (guint i = 0; words[i]; i++)
        if (g_str_equal(words[i], text))
            return words[i];
    return NULL;
}

void ballot_choice_free(BallotChoice *choice)
{
    if (!choice)
        return;
    g_array_unref(choice->marks);
    g_free(choice);
}

static gint compare_marks(gconstpointer a, gconstpointer b)
{
    return ((const BallotMark *)a)->row - ((const BallotMark *)b)->row;
}

BallotChoice *ballot_choice_from_json(JsonNode *node, GError **error)
{
    g_autoptr(BallotChoice) c = g_new0(BallotChoice, 1);
    c->marks = g_array_new(FALSE, FALSE, sizeof(BallotMark));
    if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
        const char *word = static_word(choice_words, json_node_get_string(node));
        if (!word) {
            poll_set_error(error, POLL_ERROR_INVALID,
                           "'choice' must be \"for\" (tán thành), \"against\" (không tán thành) or "
                           "\"abstain\" (không biểu quyết)");
            return NULL;
        }
        c->shape = BALLOT_SHAPE_MOTION;
        BallotMark m = {0, word};
        g_array_append_val(c->marks, m);
        return g_steal_pointer(&c);
    }
    if (node && JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *a = json_node_get_array(node);
        c->shape = BALLOT_SHAPE_APPROVALS;
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonNode *e = json_array_get_element(a, i);
            gint64 v = 0;
            if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64 ||
                (v = json_node_get_int(e)) < 1 || v > BALLOT_MAX_ROWS || i >= BALLOT_MAX_ROWS) {
                poll_set_error(error, POLL_ERROR_INVALID,
                               "an election ballot lists the positions of the approved "
                               "candidates: [1, 3]");
                return NULL;
            }
            BallotMark m = {(gint)v, approve_word};
            g_array_append_val(c->marks, m);
        }
    } else if (node && JSON_NODE_HOLDS_OBJECT(node)) {
        JsonObject *o = json_node_get_object(node);
        g_autoptr(GList) members = json_object_get_members(o);
        c->shape = BALLOT_SHAPE_LEVELS;
        for (GList *l = members; l; l = l->next) {
            guint64 pos = 0;
            JsonNode *v = json_object_get_member(o, l->data);
            const char *word = NULL;
            if (!g_ascii_string_to_unsigned(l->data, 10, 1, BALLOT_MAX_ROWS, &pos, NULL) ||
                !JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING ||
                !(word = static_word(level_words, json_node_get_string(v)))) {
                poll_set_error(error, POLL_ERROR_INVALID,
                               "a confidence ballot gives a level per official by position: "
                               "{\"1\": \"high\", \"2\": \"low\"} (levels high, medium, low; or "
                               "confidence, no_confidence)");
                return NULL;
            }
            BallotMark m = {(gint)pos, word};
            g_array_append_val(c->marks, m);
        }
    } else {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "missing 'choice': \"for\", \"against\" or \"abstain\" for a motion; the "
                       "approved candidates [1, 3] for an election; {\"1\": \"high\"} for a "
                       "confidence vote");
        return NULL;
    }
    g_array_sort(c->marks, compare_marks);
    for (guint i = 1; i < c->marks->len; i++) {
        if (g_array_index(c->marks, BallotMark, i).row ==
            g_array_index(c->marks, BallotMark, i - 1).row) {
            poll_set_error(error, POLL_ERROR_INVALID, "position %d is marked twice",
                           g_array_index(c->marks, BallotMark, i).row);
            return NULL;
        }
    }
    return g_steal_pointer(&c);
}

gboolean ballot_choice_check(const BallotChoice *choice, const Poll *poll, GError **error)
{
    static const BallotShape shapes[] = {0, BALLOT_SHAPE_MOTION, BALLOT_SHAPE_APPROVALS,
                                         BALLOT_SHAPE_LEVELS, BALLOT_SHAPE_LEVELS};
    static const char *const expect[] = {
        NULL, "\"for\", \"against\" or \"abstain\"", "the positions of the approved candidates",
        "a level per official: {\"1\": \"high\"}", "a level per official: {\"1\": \"confidence\"}"};
    VoteSubject subject = poll->rules.subject;
    if (choice->shape != shapes[subject]) {
        poll_set_error(error, POLL_ERROR_INVALID, "this poll is a %s vote: its choice is %s",
                       vote_subject_to_string(subject), expect[subject]);
        return FALSE;
    }
    const char *const *words = poll_counter_words(subject);
    for (guint i = 0; i < choice->marks->len; i++) {
        const BallotMark *m = &g_array_index(choice->marks, BallotMark, i);
        gboolean row_ok = subject == VOTE_SUBJECT_MOTION;
        for (guint k = 0; !row_ok && k < poll->rows->len; k++)
            row_ok = ((PollRow *)poll->rows->pdata[k])->position == m->row;
        if (!row_ok) {
            poll_set_error(error, POLL_ERROR_INVALID, "the ballot has no position %d", m->row);
            return FALSE;
        }
        if (!static_word(words, m->word)) {
            poll_set_error(error, POLL_ERROR_INVALID, "\"%s\" is not a choice of this poll (%s)",
                           m->word, expect[subject]);
            return FALSE;
        }
    }
    if (subject == VOTE_SUBJECT_ELECTION && (gint)choice->marks->len > poll->seats) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "%u candidates approved, but a ballot approves at most %d (the seats to "
                       "fill)",
                       choice->marks->len, poll->seats);
        return FALSE;
    }
    return TRUE;
}

/* ---- the per-poll queues (main thread) ---- */

typedef struct {
    gint64 poll_id;
    gint64 user_id;
    BallotChoice *choice;
    char *key;
    BallotDoneFunc done;
    gpointer user_data;
    GDestroyNotify destroy;
    /* filled by the batch */
    BallotStatus status;
    gint error_code;
    char *message;
    JsonNode *receipt;
    gint repeat_of; /* index in the batch of the cast whose receipt this one repeats, or -1 */
} BallotCast;

/* What a poll's ballots are checked against and never changes once it exists: its meeting, body
 * and form. Known from an earlier batch, it lets the next one send the voters' query with the
 * poll's, in one round trip; the poll read there confirms it. */
typedef struct {
    gboolean known;
    gint64 meeting_id;
    gint64 body_id;
    VoteForm form;
} PollShape;

#define SHAPES_MAX 1024
static GHashTable *shapes; /* poll id -> PollShape* (main thread) */

typedef struct {
    PhApp *app;
    gint64 poll_id;
    GQueue pending; /* BallotCast* */
    gboolean in_flight;
    GSource *gather;       /* the launch of the first batch after the queue was idle, or NULL */
    GSource *gather_timer; /* the same launch GATHER_MAX_US later, should the loop not go idle */
    gint64 gather_us;      /* when it was asked for (monotonic) */
} BallotQueue;

typedef struct {
    BallotQueue *queue;
    GPtrArray *casts;  /* BallotCast* */
    gint64 started_us; /* handed to the pool */
    gint64 job_us;     /* its transaction started */
    guint recorded;    /* ballots its transaction stored */
    PollShape shape;   /* the poll's, if known at the launch (shape.known), and as read */
} BallotBatch;

static GHashTable *queues; /* poll id -> BallotQueue* (main thread) */

static void cast_free(BallotCast *c)
{
    if (c->destroy)
        c->destroy(c->user_data);
    ballot_choice_free(c->choice);
    g_free(c->key);
    g_free(c->message);
    if (c->receipt)
        json_node_unref(c->receipt);
    g_free(c);
}

static void cast_finish(BallotCast *c)
{
    BallotOutcome o = {c->status, c->error_code, c->message, c->receipt};
    if (c->done)
        c->done(&o, c->user_data);
}

static void batch_free(gpointer p)
{
    BallotBatch *b = p;
    g_ptr_array_unref(b->casts);
    g_free(b);
}

static void refuse(BallotCast *c, PollError code, const char *format, ...) G_GNUC_PRINTF(3, 4);
static void refuse(BallotCast *c, PollError code, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_free(c->message);
    c->message = g_strdup_vprintf(format, ap);
    va_end(ap);
    c->status = BALLOT_REFUSED;
    c->error_code = code;
}

/* ---- the batch's transaction (a database worker) ---- */

typedef struct {
    gboolean on_roster;
    gboolean member_now; /* a member of the body today */
    gboolean in_body;    /* any role in the body */
    gboolean present;
    gboolean has_ballot;
    gint revision;      /* named: the latest revision */
    const char *choice; /* named: its choice (static) */
    gint64 seq;
    char *hash;
    char *key_hash; /* secret */
    gint latest;    /* the cast of this batch that holds the latest ballot, or -1 */
} Voter;

static void voter_free(gpointer p)
{
    Voter *v = p;
    g_free(v->hash);
    g_free(v->key_hash);
    g_free(v);
}

static const char *choice_words_vi(const char *choice)
{
    return g_strcmp0(choice, "for") == 0       ? "tán thành"
           : g_strcmp0(choice, "against") == 0 ? "không tán thành"
                                               : "không biểu quyết";
}

static char *key_hash_hex(const char *key)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
}

static JsonNode *make_receipt(const Poll *poll, const char *choice, gint revision, gint64 seq,
                              const char *hash)
{
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "meeting_id", poll->meeting_id);
    json_object_set_int_member(o, "poll_id", poll->id);
    json_object_set_boolean_member(o, "secret", poll->rules.form == VOTE_FORM_SECRET);
    if (choice) {
        json_object_set_string_member(o, "choice", choice);
        json_object_set_int_member(o, "revision", revision);
    }
    json_object_set_int_member(o, "journal_seq", seq);
    json_object_set_string_member(o, "hash", hash);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

/* What a batch needs of its poll ($1), locked (FOR UPDATE, the lock of every change of the
 * poll), with the statement that makes the batch's commit durable: a lighter query than
 * poll_load(), planned and run once per batch. */
static const char poll_sql[] =
    "SELECT p.meeting_id, m.body_id, p.body_kind, p.subject, p.form, p.state, "
    "  p.allow_change, p.written, p.seats, p.roster_size, "
    "  (extract(epoch FROM p.closes_at) * 1000000)::bigint, "
    "  CASE WHEN p.subject <> 'motion' THEN (SELECT array_to_string(array_agg(r.position), "
    "    ',') FROM poll_rows r WHERE r.poll_id = p.id) END, "
    "  set_config('synchronous_commit', 'on', true) "
    "FROM polls p JOIN meetings m ON m.id = p.meeting_id WHERE p.id = $1 FOR UPDATE OF p";

/* The poll of poll_sql's rows; NULL with POLL_ERROR_NOT_FOUND when there are none. */
static Poll *poll_from_rows(DbRows *r, gint64 poll_id, GError **error)
{
    if (db_rows_count(r) == 0) {
        poll_set_error(error, POLL_ERROR_NOT_FOUND, "no poll %" G_GINT64_FORMAT, poll_id);
        return NULL;
    }
    g_autoptr(Poll) poll = g_new0(Poll, 1);
    poll->id = poll_id;
    poll->meeting_id = db_rows_get_int64(r, 0, 0);
    poll->body_id = db_rows_get_int64(r, 0, 1);
    if (!vote_body_parse(db_rows_get(r, 0, 2), &poll->rules.body, error) ||
        !vote_subject_parse(db_rows_get(r, 0, 3), &poll->rules.subject, error) ||
        !vote_form_parse(db_rows_get(r, 0, 4), &poll->rules.form, error))
        return NULL;
    poll->state = poll_state_parse(db_rows_get(r, 0, 5));
    poll->allow_change = db_rows_get_bool(r, 0, 6);
    poll->written = db_rows_get_bool(r, 0, 7);
    poll->seats = (gint)db_rows_get_int64(r, 0, 8);
    poll->rules.roster = (gint)db_rows_get_int64(r, 0, 9);
    poll->closes_at_us = db_rows_get_int64(r, 0, 10);
    poll->rows = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) positions =
        g_strsplit(db_rows_is_null(r, 0, 11) ? "" : db_rows_get(r, 0, 11), ",", -1);
    for (guint i = 0; positions[i] && *positions[i]; i++) {
        PollRow *row = g_new0(PollRow, 1);
        row->position = (gint)g_ascii_strtoll(positions[i], NULL, 10);
        g_ptr_array_add(poll->rows, row);
    }
    return g_steal_pointer(&poll);
}

/* A voter's membership of the body and presence at the meeting: looked up voter by voter for a
 * few (index lookups), read once for the whole body and meeting and joined for many (a batch of
 * hundreds spent longer on the lookups than on storing its ballots). Both give the same rows. */
#define VOTERS_BY_SCAN 32
typedef struct {
    const char *present; /* the expression of "present" */
    const char *joins;   /* what gives s (membership) and, for the scan, a (attendance) */
} VoterQuery;
static const VoterQuery voters_by_lookup = {
    "coalesce((SELECT c.present FROM attendance_current c WHERE c.meeting_id = $4 "
    "          AND c.user_id = v.uid), false)",
    "LEFT JOIN LATERAL (SELECT m.user_id, bool_or(m.role = 'member') AS member_now "
    "                   FROM memberships m WHERE m.body_id = $3 AND m.user_id = v.uid "
    "                   GROUP BY m.user_id) s ON true"};
static const VoterQuery voters_by_scan = {
    "coalesce(a.present, false)",
    "LEFT JOIN (SELECT m.user_id, bool_or(m.role = 'member') AS member_now "
    "           FROM memberships m WHERE m.body_id = $3 GROUP BY m.user_id) s "
    "  ON s.user_id = v.uid "
    "LEFT JOIN (SELECT c.user_id, c.present FROM attendance_current c "
    "           WHERE c.meeting_id = $4) a ON a.user_id = v.uid"};

/* The voters' query of a batch: the statement and its four parameters. */
typedef struct {
    char *sql;
    char *ids;
    char pid[24], one[24], bid[24], mid[24];
    const char *p[4];
} VotersQuery;

static void voters_query_init(VotersQuery *q, gint64 poll_id, const PollShape *shape,
                              BallotBatch *b, GHashTable *voters)
{
    GString *ids = g_string_new("{");
    guint n_ids = 0;
    gint64 last_id = 0;
    for (guint i = 0; i < b->casts->len; i++) {
        BallotCast *c = b->casts->pdata[i];
        if (g_hash_table_contains(voters, &c->user_id))
            continue;
        n_ids++;
        last_id = c->user_id;
        Voter *v = g_new0(Voter, 1);
        v->latest = -1;
        g_hash_table_insert(voters, &c->user_id, v);
        g_string_append_printf(ids, "%s%" G_GINT64_FORMAT, ids->len > 1 ? "," : "", c->user_id);
    }
    g_string_append_c(ids, '}');
    q->ids = g_string_free(ids, FALSE);
    /* One voter (a ballot alone in its batch, as when members vote one after another) is passed
     * as a scalar in an array of one: PostgreSQL then knows the row count when it plans the
     * prepared statement without its parameters, finds that plan as good as one made for the
     * values, and keeps it. With an array parameter it assumes ten voters, so its plan for the
     * values always looks cheaper and it planned the statement again at every batch (0.25 ms, more
     * than the statement took to run). */
    const char *voters_from = n_ids == 1 ? "unnest(ARRAY[$2::bigint])" : "unnest($2::bigint[])";
    q->p[0] = vote_i64(q->pid, poll_id);
    q->p[1] = n_ids == 1 ? vote_i64(q->one, last_id) : q->ids;
    q->p[2] = vote_i64(q->bid, shape->body_id);
    q->p[3] = vote_i64(q->mid, shape->meeting_id);
    gboolean secret = shape->form == VOTE_FORM_SECRET;
    const VoterQuery *vq = n_ids > VOTERS_BY_SCAN ? &voters_by_scan : &voters_by_lookup;
    q->sql = g_strdup_printf(
        "SELECT v.uid, r.user_id IS NOT NULL, coalesce(s.member_now, false), "
        "  s.user_id IS NOT NULL, %s, "
        "  b.user_id IS NOT NULL, %s, b.journal_seq, encode(b.journal_hash, 'hex') "
        "FROM %s AS v(uid) "
        "LEFT JOIN poll_roster r ON r.poll_id = $1 AND r.user_id = v.uid "
        "%s "
        "LEFT JOIN LATERAL (SELECT * FROM %s x WHERE x.poll_id = $1 AND x.user_id = v.uid "
        "                   %s LIMIT 1) b ON true",
        vq->present,
        secret ? "0, NULL::text, encode(b.key_hash, 'hex')" : "b.revision, b.choice, NULL::text",
        voters_from, vq->joins, secret ? "poll_voters" : "poll_ballots",
        secret ? "" : "ORDER BY x.revision DESC");
}

static void voters_query_clear(VotersQuery *q)
{
    g_clear_pointer(&q->sql, g_free);
    g_clear_pointer(&q->ids, g_free);
}

static void voters_read(DbRows *r, GHashTable *voters)
{
    for (guint i = 0; i < db_rows_count(r); i++) {
        gint64 uid = db_rows_get_int64(r, i, 0);
        Voter *v = g_hash_table_lookup(voters, &uid);
        if (!v)
            continue;
        v->on_roster = db_rows_get_bool(r, i, 1);
        v->member_now = db_rows_get_bool(r, i, 2);
        v->in_body = db_rows_get_bool(r, i, 3);
        v->present = db_rows_get_bool(r, i, 4);
        v->has_ballot = db_rows_get_bool(r, i, 5);
        if (!v->has_ballot)
            continue;
        v->revision = (gint)db_rows_get_int64(r, i, 6);
        v->choice =
            db_rows_is_null(r, i, 7) ? NULL : static_word(choice_words, db_rows_get(r, i, 7));
        v->key_hash = g_strdup(db_rows_get(r, i, 8));
        v->seq = db_rows_get_int64(r, i, 9);
        v->hash = g_strdup(db_rows_get(r, i, 10));
    }
}

static void shape_of(PollShape *shape, const Poll *poll)
{
    *shape = (PollShape){.known = TRUE,
                         .meeting_id = poll->meeting_id,
                         .body_id = poll->body_id,
                         .form = poll->rules.form};
}

static gboolean same_shape(const PollShape *a, const PollShape *b)
{
    return a->known && b->known && a->meeting_id == b->meeting_id && a->body_id == b->body_id &&
           a->form == b->form;
}

/* The poll (locked) and the batch's voters: in one round trip when the poll's shape is known
 * from an earlier batch, in two when not (or, never seen, when it turns out different). *poll is
 * NULL with a POLL_ERROR in local when there is no such poll. */
static gboolean load_poll_and_voters(DbConn *conn, BallotBatch *b, GHashTable *voters, Poll **poll,
                                     GError **local)
{
    gint64 poll_id = b->queue->poll_id;
    char pid[24];
    const char *pp[] = {vote_i64(pid, poll_id)};
    VotersQuery q = {0};
    DbRows *rows[2] = {NULL, NULL};
    PollShape was = b->shape;

    if (was.known) {
        voters_query_init(&q, poll_id, &was, b, voters);
        DbStatement st[] = {{poll_sql, 1, pp}, {q.sql, 4, q.p}};
        gboolean ok = db_conn_exec_prepared_all(conn, 2, st, rows, local);
        voters_query_clear(&q);
        if (!ok)
            return FALSE;
    } else {
        rows[0] = db_conn_exec_prepared(conn, poll_sql, 1, pp, local);
        if (!rows[0])
            return FALSE;
    }
    g_autoptr(DbRows) poll_rows = rows[0];
    g_autoptr(DbRows) voter_rows = rows[1];
    *poll = poll_from_rows(poll_rows, poll_id, local);
    if (!*poll)
        return TRUE;
    shape_of(&b->shape, *poll);
    if (same_shape(&was, &b->shape)) {
        voters_read(voter_rows, voters);
        return TRUE;
    }
    g_hash_table_remove_all(voters);
    voters_query_init(&q, poll_id, &b->shape, b, voters);
    g_clear_pointer(&voter_rows, db_rows_free);
    voter_rows = db_conn_exec_prepared(conn, q.sql, 4, q.p, local);
    voters_query_clear(&q);
    if (!voter_rows)
        return FALSE;
    voters_read(voter_rows, voters);
    return TRUE;
}

/* Decides what happens to cast i: accepted (TRUE), or refused / a repeat (FALSE, set on c). */
static gboolean judge(const Poll *poll, BallotBatch *b, guint i, Voter *v)
{
    BallotCast *c = b->casts->pdata[i];
    gboolean secret = poll->rules.form == VOTE_FORM_SECRET;
    g_autoptr(GError) local = NULL;

    if (poll->rules.form != VOTE_FORM_NAMED && !secret) {
        refuse(c, POLL_ERROR_STATE,
               "poll %" G_GINT64_FORMAT " is a %s: its counts are entered, "
               "no ballots are cast",
               poll->id, poll->rules.form == VOTE_FORM_PAPER ? "paper ballot" : "show of hands");
        return FALSE;
    }
    if (!ballot_choice_check(c->choice, poll, &local)) {
        refuse(c, POLL_ERROR_INVALID, "%s", local->message);
        return FALSE;
    }
    const char *choice = secret ? NULL : g_array_index(c->choice->marks, BallotMark, 0).word;
    g_autofree char *kh = secret ? key_hash_hex(c->key) : NULL;

    /* A repeat of what is recorded answers the first receipt, whatever the poll's state now:
     * the member's tablet may have lost the answer. */
    if (v->has_ballot && (secret ? g_strcmp0(v->key_hash, kh) == 0 : v->choice == choice)) {
        if (v->latest >= 0) {
            c->repeat_of = v->latest;
        } else {
            c->status = BALLOT_REPEAT;
            c->receipt = make_receipt(poll, choice, v->revision, v->seq, v->hash);
        }
        return FALSE;
    }
    VotePollState state = poll->state == POLL_STATE_DRAFT  ? VOTE_POLL_STATE_DRAFT
                          : poll->state == POLL_STATE_OPEN ? VOTE_POLL_STATE_OPEN
                                                           : VOTE_POLL_STATE_CLOSED;
    if (poll->state == POLL_STATE_OPEN && poll->closes_at_us &&
        poll->closes_at_us <= g_get_real_time()) {
        refuse(c, POLL_ERROR_STATE, "voting has closed: the poll's time ran out");
        return FALSE;
    }
    if (poll->state == POLL_STATE_CANCELLED) {
        refuse(c, POLL_ERROR_STATE, "this poll was cancelled");
        return FALSE;
    }
    if (!v->on_roster && !v->member_now) {
        refuse(c, POLL_ERROR_INELIGIBLE, "%s",
               v->in_body ? "only members of the body vote: guests and secretaries never do"
                          : "you are not a member of this body: only its members vote");
        return FALSE;
    }
    VoteVoter voter = {v->on_roster, poll->written || v->present, v->has_ballot};
    if (!vote_check_eligible(state, poll->allow_change, &voter, &local)) {
        if (voter.has_ballot && voter.on_roster && voter.checked_in &&
            state == VOTE_POLL_STATE_OPEN) {
            if (secret)
                refuse(c, POLL_ERROR_ALREADY,
                       "your secret ballot is already recorded: a secret ballot cannot be changed");
            else
                refuse(c, POLL_ERROR_ALREADY,
                       "your ballot is already recorded (%s) and this poll does not allow "
                       "changing it",
                       choice_words_vi(v->choice));
        } else {
            refuse(c, state == VOTE_POLL_STATE_OPEN ? POLL_ERROR_INELIGIBLE : POLL_ERROR_STATE,
                   "%s", local->message);
        }
        return FALSE;
    }
    /* Accepted: this cast now holds the member's latest ballot. */
    v->has_ballot = TRUE;
    v->choice = choice;
    v->revision = secret ? 0 : v->revision + 1;
    v->latest = (gint)i;
    g_free(v->key_hash);
    v->key_hash = g_steal_pointer(&kh);
    return TRUE;
}

/* The batch's secret choices summed per (row, choice), as three array literals: what the
 * counter update receives names no voter. */
static void sum_choices(BallotBatch *b, GArray *accepted, char **rows, char **words, char **deltas)
{
    g_autoptr(GHashTable) sums = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint k = 0; k < accepted->len; k++) {
        BallotCast *c = b->casts->pdata[g_array_index(accepted, guint, k)];
        for (guint m = 0; m < c->choice->marks->len; m++) {
            const BallotMark *mark = &g_array_index(c->choice->marks, BallotMark, m);
            char *key = g_strdup_printf("%d,%s", mark->row, mark->word);
            gint count = GPOINTER_TO_INT(g_hash_table_lookup(sums, key));
            g_hash_table_replace(sums, key, GINT_TO_POINTER(count + 1));
        }
    }
    GString *r = g_string_new("{"), *w = g_string_new("{"), *d = g_string_new("{");
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, sums);
    for (guint k = 0; g_hash_table_iter_next(&it, &key, &value); k++) {
        const char *comma = strchr(key, ',');
        const char *sep = k ? "," : "";
        g_string_append_printf(r, "%s%.*s", sep, (int)(comma - (char *)key), (char *)key);
        g_string_append_printf(w, "%s%s", sep, comma + 1);
        g_string_append_printf(d, "%s%d", sep, GPOINTER_TO_INT(value));
    }
    g_string_append_c(r, '}');
    g_string_append_c(w, '}');
    g_string_append_c(d, '}');
    *rows = g_string_free(r, FALSE);
    *words = g_string_free(w, FALSE);
    *deltas = g_string_free(d, FALSE);
}

/* Runs the statement that stores a batch's n ballots, which answers how many it stored: its
 * ballots are taken through a join with the poll's roster, so a ballot of someone not on it
 * (which judge() has already refused) would be left out, and then the whole batch fails instead.
 */
static gboolean store_counted(DbConn *conn, guint n, const char *sql, guint n_params,
                              const char *const *params, GError **error)
{
    g_autoptr(DbRows) r = db_conn_exec_prepared(conn, sql, n_params, params, error);
    if (!r)
        return FALSE;
    gint64 stored = db_rows_count(r) == 1 ? db_rows_get_int64(r, 0, 0) : -1;
    if (stored != (gint64)n) {
        g_set_error(error, POLL_ERROR, POLL_ERROR_INELIGIBLE,
                    "%" G_GINT64_FORMAT " of %u ballots are of members on the poll's roster: "
                    "nothing of the batch is stored",
                    stored, n);
        return FALSE;
    }
    return TRUE;
}

/* Journals and stores the accepted casts (indices into the batch): one statement for the journal
 * numbers, one that inserts the journal rows and the ballots (and, secret, adds to the counters).
 */
static gboolean store_accepted(DbConn *conn, const Poll *poll, BallotBatch *b, GArray *accepted,
                               GHashTable *voters, GError **error)
{
    gboolean secret = poll->rules.form == VOTE_FORM_SECRET;
    guint n = accepted->len;
    g_autofree VoteJournalItem *items = g_new0(VoteJournalItem, n);
    g_autofree gint *revisions = g_new0(gint, n);
    g_autoptr(GHashTable) later = g_hash_table_new(g_int64_hash, g_int64_equal);

    /* Named revisions in order: the last accepted cast of a member holds its latest revision. */
    for (gint k = (gint)n - 1; k >= 0 && !secret; k--) {
        BallotCast *c = b->casts->pdata[g_array_index(accepted, guint, k)];
        Voter *v = g_hash_table_lookup(voters, &c->user_id);
        gint seen = GPOINTER_TO_INT(g_hash_table_lookup(later, &c->user_id));
        revisions[k] = v->revision - seen;
        g_hash_table_insert(later, &c->user_id, GINT_TO_POINTER(seen + 1));
    }
    for (guint k = 0; k < n; k++) {
        BallotCast *c = b->casts->pdata[g_array_index(accepted, guint, k)];
        JsonObject *o = json_object_new();
        json_object_set_int_member(o, "poll_id", poll->id);
        if (!secret) {
            json_object_set_string_member(o, "choice",
                                          g_array_index(c->choice->marks, BallotMark, 0).word);
            json_object_set_int_member(o, "revision", revisions[k]);
        }
        items[k].kind = secret ? "vote.secret_ballot" : "vote.cast";
        items[k].actor = vote_actor(c->user_id);
        items[k].payload = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(items[k].payload, o);
    }
    gint64 first = 0;
    VoteJournalRows journal = {0};
    gboolean ok = vote_journal_prepare(conn, poll->meeting_id, items, n, &first, &journal, error);
    GString *users = g_string_new("{"), *seqs = g_string_new("{"), *hashes = g_string_new("{"),
            *extra = g_string_new("{"), *words = g_string_new("{");
    for (guint k = 0; ok && k < n; k++) {
        BallotCast *c = b->casts->pdata[g_array_index(accepted, guint, k)];
        const char *sep = k ? "," : "";
        const char *choice = secret ? NULL : g_array_index(c->choice->marks, BallotMark, 0).word;
        g_string_append_printf(users, "%s%" G_GINT64_FORMAT, sep, c->user_id);
        g_string_append_printf(seqs, "%s%" G_GINT64_FORMAT, sep, items[k].seq);
        g_string_append_printf(hashes, "%s%s", sep, items[k].hash_hex);
        if (secret) {
            g_autofree char *kh = key_hash_hex(c->key);
            g_string_append_printf(extra, "%s%s", sep, kh);
        } else {
            g_string_append_printf(extra, "%s%d", sep, revisions[k]);
            g_string_append_printf(words, "%s%s", sep, choice);
        }
        c->status = BALLOT_RECORDED;
        c->receipt = make_receipt(poll, choice, revisions[k], items[k].seq, items[k].hash_hex);
    }
    for (guint k = 0; k < n; k++)
        vote_journal_item_clear(&items[k]);
    g_string_append_c(users, '}');
    g_string_append_c(seqs, '}');
    g_string_append_c(hashes, '}');
    g_string_append_c(extra, '}');
    g_string_append_c(words, '}');
    g_autofree char *users_text = g_string_free(users, FALSE);
    g_autofree char *seqs_text = g_string_free(seqs, FALSE);
    g_autofree char *hashes_text = g_string_free(hashes, FALSE);
    g_autofree char *extra_text = g_string_free(extra, FALSE);
    g_autofree char *words_text = g_string_free(words, FALSE);
    if (!ok)
        return FALSE;

    char mid[24], fs[24], pid[24];
    vote_i64(mid, poll->meeting_id);
    vote_i64(fs, first);
    vote_i64(pid, poll->id);
    /* $1..$7 the journal's (VOTE_JOURNAL_INSERT), $8 the poll, $9 the voters, then the form's. */
    const char *p[15] = {
        mid, fs,        journal.kinds, journal.ats, journal.actors, journal.entries, journal.hashes,
        pid, users_text};
    g_autofree char *rows = NULL, *choices = NULL, *deltas = NULL, *sql = NULL;
    guint n_params;
    if (!secret) {
        p[9] = extra_text;
        p[10] = words_text;
        p[11] = seqs_text;
        p[12] = hashes_text;
        n_params = 13;
        sql = g_strdup(
            VOTE_JOURNAL_INSERT
            ", stored AS (INSERT INTO poll_ballots (poll_id, user_id, revision, choice, "
            "journal_seq, journal_hash, cast_at) SELECT $8, u, r, c, s, decode(h, 'hex'), now() "
            "FROM unnest($9::bigint[], $10::int[], $11::text[], $12::bigint[], $13::text[]) AS "
            "x(u, r, c, s, h) JOIN poll_roster o ON o.poll_id = $8 AND o.user_id = x.u "
            "RETURNING 1) SELECT count(*) FROM stored");
    } else {
        sum_choices(b, accepted, &rows, &choices, &deltas);
        g_autofree char *table = poll_secret_table(poll->id);
        p[9] = seqs_text;
        p[10] = hashes_text;
        p[11] = extra_text;
        p[12] = rows;
        p[13] = choices;
        p[14] = deltas;
        n_params = 15;
        /* Every ballot marks at least one counter (an empty election ballot marks none: then the
         * update is empty), so the counters' sum can be checked against the voters at close. */
        sql = g_strdup_printf(
            VOTE_JOURNAL_INSERT
            ", stored AS (INSERT INTO poll_voters (poll_id, user_id, journal_seq, journal_hash, "
            "key_hash) SELECT $8, u, s, decode(h, 'hex'), decode(k, 'hex') FROM "
            "unnest($9::bigint[], $10::bigint[], $11::text[], $12::text[]) AS x(u, s, h, k) "
            "JOIN poll_roster o ON o.poll_id = $8 AND o.user_id = x.u RETURNING 1), "
            "counters AS (UPDATE %s AS t SET count = t.count + d.delta FROM unnest($13::int[], "
            "$14::text[], $15::int[]) AS d(r, c, delta) WHERE t.row_position = d.r AND "
            "t.choice = d.c RETURNING 1) SELECT count(*) FROM stored",
            table);
    }
    gboolean stored = store_counted(conn, n, sql, n_params, p, error);
    vote_journal_rows_clear(&journal);
    return stored;
}

static gboolean batch_job(DbConn *conn, gpointer data, GError **error)
{
    BallotBatch *b = data;
    GError *local = NULL;
    b->job_us = g_get_monotonic_time();

    g_autoptr(GHashTable) voters =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, voter_free);
    g_autoptr(Poll) poll = NULL;
    if (!load_poll_and_voters(conn, b, voters, &poll, &local)) {
        g_propagate_error(error, local);
        return FALSE;
    }
    if (!poll) {
        if (local->domain != POLL_ERROR) {
            g_propagate_error(error, local);
            return FALSE;
        }
        for (guint i = 0; i < b->casts->len; i++)
            refuse(b->casts->pdata[i], POLL_ERROR_NOT_FOUND, "no poll %" G_GINT64_FORMAT,
                   b->queue->poll_id);
        g_error_free(local);
        return TRUE;
    }

    g_autoptr(GArray) accepted = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < b->casts->len; i++) {
        BallotCast *c = b->casts->pdata[i];
        if (judge(poll, b, i, g_hash_table_lookup(voters, &c->user_id)))
            g_array_append_val(accepted, i);
    }
    b->recorded = accepted->len;
    if (accepted->len > 0 && !store_accepted(conn, poll, b, accepted, voters, error))
        return FALSE;
    /* Casts that repeat one accepted in this batch answer its receipt. */
    for (guint i = 0; i < b->casts->len; i++) {
        BallotCast *c = b->casts->pdata[i];
        if (c->repeat_of < 0)
            continue;
        BallotCast *first = b->casts->pdata[c->repeat_of];
        c->status = BALLOT_REPEAT;
        c->receipt = first->receipt ? json_node_copy(first->receipt) : NULL;
    }
    return TRUE;
}

static void count_news_poke(PhApp *app, gint64 poll_id);
static void queue_launch(BallotQueue *q);

static void remember_shape(gint64 poll_id, const PollShape *shape);

void ballot_poll_shape(const Poll *poll)
{
    PollShape shape;

    g_return_if_fail(poll != NULL);
    shape_of(&shape, poll);
    remember_shape(poll->id, &shape);
}

static void remember_shape(gint64 poll_id, const PollShape *shape)
{
    if (!shapes)
        shapes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    PollShape *known = g_hash_table_lookup(shapes, &poll_id);
    if (known) {
        *known = *shape;
        return;
    }
    if (g_hash_table_size(shapes) >= SHAPES_MAX)
        g_hash_table_remove_all(shapes); /* a day of many polls: start again */
    g_hash_table_insert(shapes, g_memdup2(&poll_id, sizeof poll_id),
                        g_memdup2(shape, sizeof *shape));
}

static void batch_done(gpointer data, const GError *error, gpointer user_data)
{
    BallotBatch *b = data;
    BallotQueue *q = b->queue;
    PhApp *app = q->app;
    gint64 poll_id = q->poll_id;
    /* The next batch goes to the database before this one is answered: answering hundreds of
     * ballots takes the main thread a few milliseconds, which the next batch's transaction
     * spends on the other core instead of waiting. (The queue is freed here if it is empty.) */
    if (!error && b->shape.known)
        remember_shape(poll_id, &b->shape);
    q->in_flight = FALSE;
    queue_launch(q);
    for (guint i = 0; i < b->casts->len; i++) {
        BallotCast *c = b->casts->pdata[i];
        if (error) {
            /* Nothing of the transaction is stored (or, if the commit went through and only its
             * answer was lost, a retry answers the first receipt). */
            c->status = BALLOT_NOT_RECORDED;
            g_free(c->message);
            c->message =
                g_strdup_printf("your ballot was not recorded (%s): try again", error->message);
            g_clear_pointer(&c->receipt, json_node_unref);
        }
        cast_finish(c);
    }
    if (error)
        g_message("poll %" G_GINT64_FORMAT ": %u ballots not recorded: %s", poll_id, b->casts->len,
                  error->message);
    else
        g_debug("poll %" G_GINT64_FORMAT ": a batch of %u ballots done in %" G_GINT64_FORMAT
                " us (its transaction started after %" G_GINT64_FORMAT " us)",
                poll_id, b->casts->len, g_get_monotonic_time() - b->started_us,
                b->job_us - b->started_us);
    if (!error && b->recorded > 0)
        count_news_poke(app, poll_id);
}

/* A ballot that finds its queue idle does not start a batch at once: the launch waits until the
 * main loop has no connection ready to read (a source just below the default priority), so the
 * ballots of a burst that have already arrived go into the same first batch instead of the first
 * one committing alone and the rest waiting for it. An isolated ballot's batch starts in the next
 * turn of the loop, with no fixed delay; a loop that stays busy delays it at most GATHER_MAX_US:
 * a timer at the default priority launches it then (GLib runs only the most urgent of the ready
 * sources, so an idle source alone could wait as long as other sources stay ready), and so does
 * the next ballot. */
#define GATHER_MAX_US 2000

static void gather_cancel(BallotQueue *q)
{
    if (q->gather)
        g_source_destroy(q->gather);
    if (q->gather_timer)
        g_source_destroy(q->gather_timer);
    g_clear_pointer(&q->gather, g_source_unref);
    g_clear_pointer(&q->gather_timer, g_source_unref);
}

static gboolean gather_done(gpointer data)
{
    BallotQueue *q = data;
    gather_cancel(q);
    queue_launch(q);
    return G_SOURCE_REMOVE;
}

/* A ballot was queued: start a batch when the loop has read what is ready (or now, if the loop
 * has kept it waiting over GATHER_MAX_US); nothing while a batch is in flight. */
static void queue_gather(BallotQueue *q)
{
    if (q->in_flight)
        return;
    if (q->gather) {
        if (g_get_monotonic_time() - q->gather_us > GATHER_MAX_US) {
            gather_cancel(q);
            queue_launch(q);
        }
        return;
    }
    q->gather = g_idle_source_new();
    q->gather_us = g_get_monotonic_time();
    g_source_set_priority(q->gather, G_PRIORITY_DEFAULT + 1);
    g_source_set_callback(q->gather, gather_done, q, NULL);
    g_source_attach(q->gather, q->app->context);
    q->gather_timer = g_timeout_source_new(GATHER_MAX_US / 1000);
    g_source_set_callback(q->gather_timer, gather_done, q, NULL);
    g_source_attach(q->gather_timer, q->app->context);
}

static void queue_launch(BallotQueue *q)
{
    if (q->in_flight)
        return;
    if (g_queue_is_empty(&q->pending)) {
        g_hash_table_remove(queues, &q->poll_id);
        return;
    }
    BallotBatch *b = g_new0(BallotBatch, 1);
    b->queue = q;
    b->casts = g_ptr_array_new_with_free_func((GDestroyNotify)cast_free);
    while (b->casts->len < BALLOT_BATCH_MAX && !g_queue_is_empty(&q->pending))
        g_ptr_array_add(b->casts, g_queue_pop_head(&q->pending));
    PollShape *shape = shapes ? g_hash_table_lookup(shapes, &q->poll_id) : NULL;
    if (shape)
        b->shape = *shape;
    q->in_flight = TRUE;
    b->started_us = g_get_monotonic_time();
    db_pool_run(q->app->db, batch_job, b, batch_free, batch_done, NULL);
}

/* ---- the live count ----
 *
 * "How many have voted" goes to every site as a "vote.count" event. It is not part of the
 * ballots' transactions: one event per batch would put three more statements on the path of
 * every ballot and, with hundreds of tablets subscribed, flood them with counts nobody can read.
 * After a batch stores ballots the count is announced COUNT_FIRST_MS later, or, if one went out
 * less than COUNT_NEWS_MS ago, when that time is up; it is read from the stored ballots, so it is
 * exact when it goes out and never goes backwards. The short wait keeps the count out of the way
 * of a burst: announcing it at once, after the burst's first batch, put its transaction (which
 * takes the meeting row's lock, as every batch does for the journal) and its fan-out to every
 * tablet in the middle of the burst, in front of the ballots still waiting. */

#define COUNT_NEWS_MS  500
#define COUNT_FIRST_MS 150

typedef struct {
    PhApp *app;
    gint64 poll_id;
    gint64 last_us; /* the last announcement started (monotonic) */
    gint64 last_cast;
    gboolean in_flight;
    gboolean dirty;
    GSource *timer;
} CountNews;

static GHashTable *news; /* poll id -> CountNews* (main thread) */

typedef struct {
    CountNews *cn;
    gint64 last_cast;
    gint64 cast; /* out */
} CountJob;

static gboolean count_job(DbConn *conn, gpointer data, GError **error)
{
    CountJob *j = data;
    char pid[24];
    const char *p[] = {vote_i64(pid, j->cn->poll_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT p.meeting_id, m.is_public AND m.status <> 'draft' "
        "  AND phonghop_item_public(p.agenda_item_id), p.roster_size, "
        "  (SELECT count(*) FROM poll_voters v WHERE v.poll_id = p.id) + "
        "  (SELECT count(DISTINCT b.user_id) FROM poll_ballots b WHERE b.poll_id = p.id) "
        "FROM polls p JOIN meetings m ON m.id = p.meeting_id WHERE p.id = $1 AND p.state = 'open'",
        1, p, error);
    if (!r)
        return FALSE;
    j->cast = j->last_cast;
    if (db_rows_count(r) == 0 || db_rows_get_int64(r, 0, 3) == j->last_cast)
        return TRUE; /* closed meanwhile (the result says it all), or nothing new */
    j->cast = db_rows_get_int64(r, 0, 3);
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "poll_id", j->cn->poll_id);
    json_object_set_int_member(o, "cast", j->cast);
    json_object_set_int_member(o, "roster", db_rows_get_int64(r, 0, 2));
    g_autoptr(JsonNode) payload = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(payload, o);
    RecordVisibility vis = {db_rows_get_bool(r, 0, 1), NULL, 0};
    return record_event(conn, db_rows_get_int64(r, 0, 0), "vote.count", payload, &vis, NULL, error);
}

static void count_news_start(CountNews *cn);

static void count_done(gpointer data, const GError *error, gpointer user_data)
{
    CountJob *j = data;
    CountNews *cn = j->cn;
    cn->in_flight = FALSE;
    if (!error)
        cn->last_cast = MAX(cn->last_cast, j->cast);
    if (cn->dirty) {
        cn->dirty = FALSE;
        count_news_poke(cn->app, cn->poll_id);
    } else if (!cn->timer) {
        g_hash_table_remove(news, &cn->poll_id); /* idle: forget it */
    }
}

static gboolean count_timer(gpointer data)
{
    CountNews *cn = data;
    g_clear_pointer(&cn->timer, g_source_unref);
    count_news_start(cn);
    return G_SOURCE_REMOVE;
}

static void count_news_start(CountNews *cn)
{
    CountJob *j = g_new0(CountJob, 1);
    j->cn = cn;
    j->last_cast = cn->last_cast;
    cn->in_flight = TRUE;
    cn->last_us = g_get_monotonic_time();
    db_pool_run(cn->app->db, count_job, j, g_free, count_done, NULL);
}

static void count_news_free(gpointer p)
{
    CountNews *cn = p;
    if (cn->timer) {
        g_source_destroy(cn->timer);
        g_source_unref(cn->timer);
    }
    g_free(cn);
}

static void count_news_poke(PhApp *app, gint64 poll_id)
{
    if (!news)
        news = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, count_news_free);
    CountNews *cn = g_hash_table_lookup(news, &poll_id);
    if (!cn) {
        cn = g_new0(CountNews, 1);
        cn->app = app;
        cn->poll_id = poll_id;
        g_hash_table_insert(news, &cn->poll_id, cn);
    }
    if (cn->in_flight) {
        cn->dirty = TRUE;
        return;
    }
    if (cn->timer)
        return;
    gint64 wait_ms = cn->last_us == 0
                         ? COUNT_FIRST_MS
                         : COUNT_NEWS_MS - (g_get_monotonic_time() - cn->last_us) / 1000;
    wait_ms = MAX(wait_ms, COUNT_FIRST_MS);
    cn->timer = g_timeout_source_new((guint)wait_ms);
    g_source_set_callback(cn->timer, count_timer, cn, NULL);
    g_source_set_static_name(cn->timer, "phonghop vote count");
    g_source_attach(cn->timer, app->context);
}

static void queue_free(gpointer p)
{
    BallotQueue *q = p;
    gather_cancel(q);
    g_queue_clear_full(&q->pending, (GDestroyNotify)cast_free);
    g_free(q);
}

static gboolean deliver_refusal(gpointer data)
{
    BallotCast *c = data;
    cast_finish(c);
    cast_free(c);
    return G_SOURCE_REMOVE;
}

void ballot_submit(PhApp *app, gint64 poll_id, gint64 user_id, BallotChoice *choice,
                   const char *key, BallotDoneFunc done, gpointer user_data, GDestroyNotify destroy)
{
    BallotCast *c = g_new0(BallotCast, 1);
    c->poll_id = poll_id;
    c->user_id = user_id;
    c->choice = choice;
    c->key = g_strdup(key);
    c->done = done;
    c->user_data = user_data;
    c->destroy = destroy;
    c->repeat_of = -1;
    if (!queues)
        queues = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, queue_free);
    BallotQueue *q = g_hash_table_lookup(queues, &poll_id);
    if (!q) {
        q = g_new0(BallotQueue, 1);
        q->app = app;
        q->poll_id = poll_id;
        g_queue_init(&q->pending);
        g_hash_table_insert(queues, &q->poll_id, q);
    }
    if (g_queue_get_length(&q->pending) >= BALLOT_QUEUE_MAX) {
        c->status = BALLOT_NOT_RECORDED;
        c->message = g_strdup("your ballot was not recorded: the server is busy, try again in a "
                              "few seconds");
        GSource *s = g_idle_source_new();
        g_source_set_callback(s, deliver_refusal, c, NULL);
        g_source_attach(s, app->context);
        g_source_unref(s);
        return;
    }
    g_queue_push_tail(&q->pending, c);
    queue_gather(q);
}

/* ---- the live message ---- */

typedef struct {
    WsConn *conn; /* a reference */
    JsonNode *ref;
    gint64 poll_id;
} LiveCast;

static void live_cast_free(gpointer p)
{
    LiveCast *lc = p;
    ws_conn_unref(lc->conn);
    if (lc->ref)
        json_node_unref(lc->ref);
    g_free(lc);
}

static void send_error(WsConn *conn, JsonNode *ref, gint64 poll_id, const char *code,
                       const char *message)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "error");
    json_builder_set_member_name(b, "code");
    json_builder_add_string_value(b, code);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    if (ref) {
        json_builder_set_member_name(b, "ref");
        json_builder_add_value(b, json_node_copy(ref));
    }
    if (poll_id) {
        json_builder_set_member_name(b, "poll_id");
        json_builder_add_int_value(b, poll_id);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(conn, node);
}

static void live_cast_done(const BallotOutcome *o, gpointer user_data)
{
    LiveCast *lc = user_data;
    if (!ws_conn_is_open(lc->conn))
        return; /* the tablet retries with its key and gets the same receipt */
    if (o->status == BALLOT_REFUSED) {
        send_error(lc->conn, lc->ref, lc->poll_id, poll_error_code(o->error_code), o->message);
        return;
    }
    if (o->status == BALLOT_NOT_RECORDED) {
        send_error(lc->conn, lc->ref, lc->poll_id, "not_recorded", o->message);
        return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "vote.recorded");
    if (lc->ref) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(lc->ref));
    }
    json_builder_set_member_name(b, "poll_id");
    json_builder_add_int_value(b, lc->poll_id);
    json_builder_set_member_name(b, "repeat");
    json_builder_add_boolean_value(b, o->status == BALLOT_REPEAT);
    json_builder_set_member_name(b, "receipt");
    json_builder_add_value(b, json_node_copy(o->receipt));
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(lc->conn, node);
}

void vote_live_message(PhApp *app, WsConn *conn, gint64 user_id, const char *type, JsonObject *msg,
                       JsonNode *id)
{
    vote_keeper_touch(app);
    if (!g_str_equal(type, "vote.cast")) {
        g_autofree char *shown = g_utf8_substring(type, 0, MIN(g_utf8_strlen(type, -1), 64));
        send_error(conn, id, 0, "unknown_type", "unknown message type");
        g_debug("ws %" G_GUINT64_FORMAT ": unknown vote message '%s'", ws_conn_get_id(conn), shown);
        return;
    }
    JsonNode *pn = json_object_get_member(msg, "poll_id");
    gint64 poll_id = 0;
    if (pn && JSON_NODE_HOLDS_VALUE(pn) && json_node_get_value_type(pn) == G_TYPE_INT64)
        poll_id = json_node_get_int(pn);
    if (poll_id <= 0) {
        send_error(conn, id, 0, "malformed", "vote.cast needs a positive integer 'poll_id'");
        return;
    }
    if (!user_id) {
        send_error(conn, id, poll_id, "unauthenticated", "sign in to vote");
        return;
    }
    JsonNode *kn = json_object_get_member(msg, "idempotency_key");
    const char *key =
        kn && JSON_NODE_HOLDS_VALUE(kn) && json_node_get_value_type(kn) == G_TYPE_STRING
            ? json_node_get_string(kn)
            : NULL;
    if (!key || !*key || g_utf8_strlen(key, -1) > BALLOT_KEY_MAX) {
        send_error(conn, id, poll_id, "malformed",
                   "vote.cast needs an 'idempotency_key' of 1 to 128 characters (the same for "
                   "every retry of one ballot)");
        return;
    }
    g_autoptr(GError) error = NULL;
    BallotChoice *choice = ballot_choice_from_json(json_object_get_member(msg, "choice"), &error);
    if (!choice) {
        send_error(conn, id, poll_id, "invalid", error->message);
        return;
    }
    LiveCast *lc = g_new0(LiveCast, 1);
    lc->conn = ws_conn_ref(conn);
    lc->ref = id ? json_node_copy(id) : NULL;
    lc->poll_id = poll_id;
    ballot_submit(app, poll_id, user_id, choice, key, live_cast_done, lc, live_cast_free);
}
