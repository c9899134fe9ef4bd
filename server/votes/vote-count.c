/* vote-count.c: counting a poll: counts entered by the session secretary or the tally
 * committee, named ballots and secret counters, the members present, the rule engine's
 * evaluation and wording, and the close that records the result.
 *
 * Design. Counting takes the counts from where the form keeps them: named ballots (the latest
 * revision of each member, through vote_tally_ballots, which checks one ballot each and only
 * members of the roster), the secret counters (whose sum must equal the members who took part),
 * or the counts entered for a show of hands (the session secretary) or paper ballots (a member of
 * the meeting's tally committee). Entered counts are checked with the rule engine when they are
 * entered, so a typing error is refused with its numbers then, not at close. The rule engine
 * evaluates the counts against the roster frozen when the poll opened and the members present
 * while it was open (checked in when it opened, or during it, or who voted in it), and words the
 * result as the minutes do (Vietnamese, the record, and English).
 *
 * Closing is one transaction under the poll row's lock: the result is journaled and announced
 * ("vote.closed", public when the meeting is), the totals are written to poll_tallies, a secret
 * poll's counter table is dropped (docs/votes.md: nothing written by a voter's transaction is left
 * of the choices), and the poll row is sealed with its result and wording.
 */
#include "votes-private.h"

#include "auth/auth.h"
#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-votes"

/* ---- counts ---- */

/* Counts of any poll, whatever their source. */
typedef struct {
    VoteMotionCounts motion;  /* motions (its ballots: paper) */
    VoteBallotCounts ballots; /* elections and confidence votes */
    gint *a;                  /* per row: votes, high, confidence */
    gint *b;                  /* medium, no confidence */
    gint *c;                  /* low */
    guint n_rows;
} PollCounts;

static void poll_counts_init(PollCounts *t, guint n_rows)
{
    memset(t, 0, sizeof(*t));
    t->n_rows = n_rows;
    t->a = g_new0(gint, MAX(n_rows, 1));
    t->b = g_new0(gint, MAX(n_rows, 1));
    t->c = g_new0(gint, MAX(n_rows, 1));
}

static void poll_counts_clear(PollCounts *t)
{
    g_clear_pointer(&t->a, g_free);
    g_clear_pointer(&t->b, g_free);
    g_clear_pointer(&t->c, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PollCounts, poll_counts_clear)

/* A count member: a non-negative integer below 2^31. */
static gboolean read_count(JsonObject *o, const char *name, const char *where, gint *out,
                           GError **error)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
        json_node_get_int(n) < 0 || json_node_get_int(n) > G_MAXINT32) {
        poll_set_error(error, POLL_ERROR_INVALID, "%s'%s' must be a count (an integer from 0)",
                       where, name);
        return FALSE;
    }
    *out = (gint)json_node_get_int(n);
    return TRUE;
}

static JsonObject *member_object(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);
    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gboolean read_ballot_counts(JsonObject *o, VoteBallotCounts *bc, GError **error)
{
    JsonObject *b = member_object(o, "ballots");
    if (!b) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "paper ballots need 'ballots': {issued, returned, valid, invalid}");
        return FALSE;
    }
    return read_count(b, "issued", "ballots.", &bc->issued, error) &&
           read_count(b, "returned", "ballots.", &bc->returned, error) &&
           read_count(b, "valid", "ballots.", &bc->valid, error) &&
           read_count(b, "invalid", "ballots.", &bc->invalid, error);
}

/* Reads entered counts (format in docs/api.yaml, PollCounts) into t. */
static gboolean parse_counts(const Poll *poll, JsonObject *o, PollCounts *t, GError **error)
{
    gboolean paper = poll->rules.form == VOTE_FORM_PAPER;
    poll_counts_init(t, poll->rows->len);
    if (poll->rules.subject == VOTE_SUBJECT_MOTION) {
        if (!read_count(o, "for", "", &t->motion.yes, error) ||
            !read_count(o, "against", "", &t->motion.no, error) ||
            !read_count(o, "abstain", "", &t->motion.abstain, error))
            return FALSE;
        return !paper || read_ballot_counts(o, &t->motion.ballots, error);
    }
    if (!read_ballot_counts(o, &t->ballots, error))
        return FALSE;
    JsonNode *rows_node = json_object_get_member(o, "rows");
    if (!rows_node || !JSON_NODE_HOLDS_ARRAY(rows_node)) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "'rows' must be an array with one entry per %s, by position",
                       poll->rules.subject == VOTE_SUBJECT_ELECTION ? "candidate" : "official");
        return FALSE;
    }
    JsonArray *rows = json_node_get_array(rows_node);
    if (json_array_get_length(rows) != poll->rows->len) {
        poll_set_error(error, POLL_ERROR_INVALID, "'rows' has %u entries, the ballot has %u",
                       json_array_get_length(rows), poll->rows->len);
        return FALSE;
    }
    g_autofree gboolean *seen = g_new0(gboolean, poll->rows->len);
    for (guint i = 0; i < json_array_get_length(rows); i++) {
        JsonNode *e = json_array_get_element(rows, i);
        JsonObject *row = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
        gint position = 0;
        g_autofree char *where = g_strdup_printf("rows[%u].", i);
        if (!read_count(row, "position", where, &position, error))
            return FALSE;
        gint k = poll_row_index(poll, position);
        if (k < 0 || seen[k]) {
            poll_set_error(error, POLL_ERROR_INVALID, "rows[%u]: %s position %d", i,
                           k < 0 ? "no row at" : "a second entry for", position);
            return FALSE;
        }
        seen[k] = TRUE;
        switch (poll->rules.subject) {
        case VOTE_SUBJECT_ELECTION:
            if (!read_count(row, "votes", where, &t->a[k], error))
                return FALSE;
            break;
        case VOTE_SUBJECT_CONFIDENCE:
            if (!read_count(row, "high", where, &t->a[k], error) ||
                !read_count(row, "medium", where, &t->b[k], error) ||
                !read_count(row, "low", where, &t->c[k], error))
                return FALSE;
            break;
        default:
            if (!read_count(row, "confidence", where, &t->a[k], error) ||
                !read_count(row, "no_confidence", where, &t->b[k], error))
                return FALSE;
            break;
        }
    }
    return TRUE;
}

/* What the rule engine made of the counts. */
typedef struct {
    JsonNode *result;
    char *vi;
    char *en;
    gint passed;       /* -1: no pass/fail (confidence votes) */
    GArray *tally_row; /* gint row position */
    GPtrArray *tally_word;
    GArray *tally_count; /* gint */
} PollOutcome;

static void poll_outcome_clear(PollOutcome *o)
{
    g_clear_pointer(&o->result, json_node_unref);
    g_clear_pointer(&o->vi, g_free);
    g_clear_pointer(&o->en, g_free);
    g_clear_pointer(&o->tally_row, g_array_unref);
    g_clear_pointer(&o->tally_word, g_ptr_array_unref);
    g_clear_pointer(&o->tally_count, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PollOutcome, poll_outcome_clear)

static void tally_add(PollOutcome *o, gint row, const char *word, gint count)
{
    g_array_append_val(o->tally_row, row);
    g_ptr_array_add(o->tally_word, (gpointer)word);
    g_array_append_val(o->tally_count, count);
}

static void add_ballots(JsonBuilder *b, const VoteBallotCounts *c)
{
    json_builder_set_member_name(b, "ballots");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "issued");
    json_builder_add_int_value(b, c->issued);
    json_builder_set_member_name(b, "returned");
    json_builder_add_int_value(b, c->returned);
    json_builder_set_member_name(b, "valid");
    json_builder_add_int_value(b, c->valid);
    json_builder_set_member_name(b, "invalid");
    json_builder_add_int_value(b, c->invalid);
    json_builder_end_object(b);
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

static const char *round_status(VoteRoundStatus s)
{
    return s == VOTE_ROUND_COMPLETE ? "complete" : s == VOTE_ROUND_TIE ? "tie" : "shortfall";
}

static const char *outcome_name(VoteCandidateOutcome o)
{
    return o == VOTE_CANDIDATE_ELECTED ? "elected"
           : o == VOTE_CANDIDATE_TIED  ? "tied"
                                       : "not_elected";
}

static const char *band_name(VoteConfidenceBand band)
{
    return band == VOTE_CONFIDENCE_BAND_DISMISSAL    ? "dismissal"
           : band == VOTE_CONFIDENCE_BAND_MAY_RESIGN ? "may_resign"
                                                     : "no_action";
}

static gboolean rule_refused(GError *local, GError **error)
{
    poll_set_error(error, POLL_ERROR_RULE, "%s", local->message);
    g_error_free(local);
    return FALSE;
}

/* Evaluates and words the counts with the rule engine. */
static gboolean poll_evaluate(const Poll *poll, const VotePoll *rules, const PollCounts *t,
                              PollOutcome *o, GError **error)
{
    GError *local = NULL;
    gboolean paper = rules->form == VOTE_FORM_PAPER;
    gboolean secret_or_paper = paper || rules->form == VOTE_FORM_SECRET;
    g_autoptr(JsonBuilder) b = json_builder_new();
    o->tally_row = g_array_new(FALSE, FALSE, sizeof(gint));
    o->tally_word = g_ptr_array_new();
    o->tally_count = g_array_new(FALSE, FALSE, sizeof(gint));
    o->passed = -1;
    json_builder_begin_object(b);

    if (rules->subject == VOTE_SUBJECT_MOTION) {
        VoteMotionResult r;
        if (!vote_motion_evaluate(rules, &t->motion, &r, &local))
            return rule_refused(local, error);
        o->vi = vote_motion_wording(rules, &t->motion, poll->decision, VOTE_LANG_VI, NULL);
        o->en = vote_motion_wording(rules, &t->motion, NULL, VOTE_LANG_EN, NULL);
        o->passed = r.passed;
        add_int(b, "base", r.base);
        add_int(b, "needed", r.needed);
        add_int(b, "participants", r.participants);
        add_int(b, "for", t->motion.yes);
        add_int(b, "against", t->motion.no);
        add_int(b, "abstain", t->motion.abstain);
        json_builder_set_member_name(b, "passed");
        json_builder_add_boolean_value(b, r.passed);
        tally_add(o, 0, "for", t->motion.yes);
        tally_add(o, 0, "against", t->motion.no);
        tally_add(o, 0, "abstain", t->motion.abstain);
        VoteBallotCounts bc = t->motion.ballots;
        if (rules->form == VOTE_FORM_SECRET)
            vote_ballot_counts_init_electronic(&bc, (gint)r.participants);
        if (secret_or_paper) {
            add_ballots(b, &bc);
            tally_add(o, 0, "issued", bc.issued);
            tally_add(o, 0, "returned", bc.returned);
            tally_add(o, 0, "valid", bc.valid);
            tally_add(o, 0, "invalid", bc.invalid);
        }
    } else if (rules->subject == VOTE_SUBJECT_ELECTION) {
        g_autofree VoteCandidate *cands = g_new0(VoteCandidate, t->n_rows);
        for (guint i = 0; i < t->n_rows; i++) {
            const PollRow *row = poll->rows->pdata[i];
            cands[i] = (VoteCandidate){row->position, row->name, t->a[i]};
        }
        g_autoptr(VoteElectionResult) r =
            vote_election_evaluate(rules, poll->seats, cands, t->n_rows, &t->ballots, &local);
        if (!r)
            return rule_refused(local, error);
        o->vi = vote_election_wording(rules, poll->seats, cands, t->n_rows, &t->ballots,
                                      VOTE_LANG_VI, NULL);
        o->en = vote_election_wording(rules, poll->seats, cands, t->n_rows, &t->ballots,
                                      VOTE_LANG_EN, NULL);
        o->passed = r->status == VOTE_ROUND_COMPLETE;
        add_int(b, "base", r->base);
        add_int(b, "needed", r->needed);
        add_int(b, "seats", r->seats);
        add_int(b, "seats_filled", r->seats_filled);
        add_int(b, "seats_open", r->seats_open);
        json_builder_set_member_name(b, "status");
        json_builder_add_string_value(b, round_status(r->status));
        json_builder_set_member_name(b, "candidates");
        json_builder_begin_array(b);
        for (guint k = 0; k < t->n_rows; k++) {
            guint i = r->ranking[k];
            json_builder_begin_object(b);
            add_int(b, "position", cands[i].id);
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, cands[i].name);
            add_int(b, "votes", cands[i].votes);
            json_builder_set_member_name(b, "outcome");
            json_builder_add_string_value(b, outcome_name(r->outcomes[i]));
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "next_round");
        json_builder_begin_array(b);
        for (gsize k = 0; k < r->n_next_round; k++)
            json_builder_add_int_value(b, cands[r->next_round[k]].id);
        json_builder_end_array(b);
        add_ballots(b, &t->ballots);
        for (guint i = 0; i < t->n_rows; i++)
            tally_add(o, (gint)cands[i].id, "approve", t->a[i]);
    } else if (rules->subject == VOTE_SUBJECT_CONFIDENCE) {
        g_autofree VoteConfidenceRow *rows = g_new0(VoteConfidenceRow, t->n_rows);
        g_autofree VoteConfidenceBand *bands = g_new0(VoteConfidenceBand, t->n_rows);
        for (guint i = 0; i < t->n_rows; i++) {
            const PollRow *row = poll->rows->pdata[i];
            rows[i] = (VoteConfidenceRow){row->position, row->name, t->a[i], t->b[i], t->c[i]};
        }
        gint64 base = 0;
        if (!vote_confidence_evaluate(rules, rows, t->n_rows, &t->ballots, bands, &base, &local))
            return rule_refused(local, error);
        o->vi = vote_confidence_wording(rules, rows, t->n_rows, &t->ballots, VOTE_LANG_VI, NULL);
        o->en = vote_confidence_wording(rules, rows, t->n_rows, &t->ballots, VOTE_LANG_EN, NULL);
        add_int(b, "base", base);
        json_builder_set_member_name(b, "rows");
        json_builder_begin_array(b);
        for (guint i = 0; i < t->n_rows; i++) {
            json_builder_begin_object(b);
            add_int(b, "position", rows[i].id);
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, rows[i].name);
            add_int(b, "high", rows[i].high);
            add_int(b, "medium", rows[i].medium);
            add_int(b, "low", rows[i].low);
            json_builder_set_member_name(b, "band");
            json_builder_add_string_value(b, band_name(bands[i]));
            json_builder_end_object(b);
            tally_add(o, (gint)rows[i].id, "high", rows[i].high);
            tally_add(o, (gint)rows[i].id, "medium", rows[i].medium);
            tally_add(o, (gint)rows[i].id, "low", rows[i].low);
        }
        json_builder_end_array(b);
        add_ballots(b, &t->ballots);
    } else {
        g_autofree VoteNoConfidenceRow *rows = g_new0(VoteNoConfidenceRow, t->n_rows);
        g_autofree gboolean *lost = g_new0(gboolean, t->n_rows);
        for (guint i = 0; i < t->n_rows; i++) {
            const PollRow *row = poll->rows->pdata[i];
            rows[i] = (VoteNoConfidenceRow){row->position, row->name, t->a[i], t->b[i]};
        }
        if (!vote_no_confidence_evaluate(rules, rows, t->n_rows, &t->ballots, lost, &local))
            return rule_refused(local, error);
        o->vi = vote_no_confidence_wording(rules, rows, t->n_rows, &t->ballots, VOTE_LANG_VI, NULL);
        o->en = vote_no_confidence_wording(rules, rows, t->n_rows, &t->ballots, VOTE_LANG_EN, NULL);
        add_int(b, "base", rules->roster);
        add_int(b, "needed", vote_threshold_needed(&rules->threshold, rules->roster));
        json_builder_set_member_name(b, "rows");
        json_builder_begin_array(b);
        for (guint i = 0; i < t->n_rows; i++) {
            json_builder_begin_object(b);
            add_int(b, "position", rows[i].id);
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, rows[i].name);
            add_int(b, "confidence", rows[i].confidence);
            add_int(b, "no_confidence", rows[i].no_confidence);
            json_builder_set_member_name(b, "lost");
            json_builder_add_boolean_value(b, lost[i]);
            json_builder_end_object(b);
            tally_add(o, (gint)rows[i].id, "confidence", rows[i].confidence);
            tally_add(o, (gint)rows[i].id, "no_confidence", rows[i].no_confidence);
        }
        json_builder_end_array(b);
        add_ballots(b, &t->ballots);
    }
    if (rules->subject != VOTE_SUBJECT_MOTION) {
        tally_add(o, 0, "issued", t->ballots.issued);
        tally_add(o, 0, "returned", t->ballots.returned);
        tally_add(o, 0, "valid", t->ballots.valid);
        tally_add(o, 0, "invalid", t->ballots.invalid);
    }
    json_builder_end_object(b);
    o->result = json_builder_get_root(b);
    return TRUE;
}

/* Members of the roster present while the poll was open: checked in when it opened, checked in
 * during it, or (necessarily present) having voted in it. */
static gboolean count_present(DbConn *conn, const Poll *poll, gint *present, GError **error)
{
    char pid[24], mid[24];
    const char *p[] = {vote_i64(pid, poll->id), vote_i64(mid, poll->meeting_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT count(*) FROM poll_roster r, polls p WHERE r.poll_id = $1 AND p.id = $1 AND ("
        " (SELECT e.kind FROM attendance_events e WHERE e.meeting_id = $2 AND e.user_id = "
        "r.user_id AND e.at <= p.opened_at ORDER BY e.id DESC LIMIT 1) = 'check_in'"
        " OR EXISTS (SELECT 1 FROM attendance_events e WHERE e.meeting_id = $2 AND "
        "e.user_id = r.user_id AND e.kind = 'check_in' AND e.at > p.opened_at)"
        " OR EXISTS (SELECT 1 FROM poll_ballots b WHERE b.poll_id = $1 AND b.user_id = r.user_id)"
        " OR EXISTS (SELECT 1 FROM poll_voters v WHERE v.poll_id = $1 AND v.user_id = r.user_id))",
        2, p, error);
    if (!r)
        return FALSE;
    *present = (gint)db_rows_get_int64(r, 0, 0);
    return TRUE;
}

/* Named ballots: the latest revision of each member, counted by the rule engine against the
 * roster. */
static gboolean count_named(DbConn *conn, const Poll *poll, PollCounts *t, GError **error)
{
    char pid[24];
    const char *p[] = {vote_i64(pid, poll->id)};
    g_autoptr(DbRows) roster =
        db_conn_exec(conn, "SELECT user_id FROM poll_roster WHERE poll_id = $1", 1, p, error);
    if (!roster)
        return FALSE;
    g_autoptr(DbRows) ballots = db_conn_exec(conn,
                                             "SELECT DISTINCT ON (user_id) user_id, choice "
                                             "FROM poll_ballots WHERE poll_id = $1 "
                                             "ORDER BY user_id, revision DESC",
                                             1, p, error);
    if (!ballots)
        return FALSE;
    guint n_roster = db_rows_count(roster), n = db_rows_count(ballots);
    g_autofree gint64 *roster_ids = g_new0(gint64, MAX(n_roster, 1));
    g_autofree gint64 *ids = g_new0(gint64, MAX(n, 1));
    g_autofree VoteChoice *choices = g_new0(VoteChoice, MAX(n, 1));
    for (guint i = 0; i < n_roster; i++)
        roster_ids[i] = db_rows_get_int64(roster, i, 0);
    for (guint i = 0; i < n; i++) {
        ids[i] = db_rows_get_int64(ballots, i, 0);
        if (!vote_choice_parse(db_rows_get(ballots, i, 1), &choices[i], error))
            return FALSE;
    }
    poll_counts_init(t, 0);
    GError *local = NULL;
    if (!vote_tally_ballots(roster_ids, n_roster, ids, choices, n, &t->motion, &local))
        return rule_refused(local, error);
    return TRUE;
}

/* Secret ballots: the counters, and the number of members who took part. */
static gboolean count_secret(DbConn *conn, const Poll *poll, PollCounts *t, GError **error)
{
    g_autofree char *table = poll_secret_table(poll->id);
    g_autofree char *sql =
        g_strdup_printf("SELECT row_position, choice, count FROM %s ORDER BY 1, 2", table);
    g_autoptr(DbRows) r = db_conn_exec(conn, sql, 0, NULL, error);
    if (!r)
        return FALSE;
    char pid[24];
    const char *p[] = {vote_i64(pid, poll->id)};
    g_autoptr(DbRows) v =
        db_conn_exec(conn, "SELECT count(*) FROM poll_voters WHERE poll_id = $1", 1, p, error);
    if (!v)
        return FALSE;
    gint cast = (gint)db_rows_get_int64(v, 0, 0);
    poll_counts_init(t, poll->rows->len);
    vote_ballot_counts_init_electronic(&t->ballots, cast);
    for (guint i = 0; i < db_rows_count(r); i++) {
        gint position = (gint)db_rows_get_int64(r, i, 0);
        const char *word = db_rows_get(r, i, 1);
        gint count = (gint)db_rows_get_int64(r, i, 2);
        if (poll->rules.subject == VOTE_SUBJECT_MOTION) {
            if (g_str_equal(word, "for"))
                t->motion.yes = count;
            else if (g_str_equal(word, "against"))
                t->motion.no = count;
            else if (g_str_equal(word, "abstain"))
                t->motion.abstain = count;
            continue;
        }
        gint k = poll_row_index(poll, position);
        if (k < 0)
            continue;
        if (g_str_equal(word, "approve") || g_str_equal(word, "high") ||
            g_str_equal(word, "confidence"))
            t->a[k] = count;
        else if (g_str_equal(word, "medium") || g_str_equal(word, "no_confidence"))
            t->b[k] = count;
        else if (g_str_equal(word, "low"))
            t->c[k] = count;
    }
    if (poll->rules.subject == VOTE_SUBJECT_MOTION &&
        (gint64)t->motion.yes + t->motion.no + t->motion.abstain != cast) {
        /* Every ballot adds exactly one to one motion counter, in the same transaction as its
         * voter: a difference means the stored state was changed outside phonghop. */
        poll_set_error(error, POLL_ERROR_RULE,
                       "the secret counters add up to %d but %d members took part: the stored "
                       "ballots were changed outside phonghop",
                       t->motion.yes + t->motion.no + t->motion.abstain, cast);
        return FALSE;
    }
    return TRUE;
}

gboolean poll_enter_counts(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                           guint by_roles, JsonObject *counts, const char *minutes, GError **error)
{
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, TRUE, error);
    if (!poll || !poll_check_state(poll, POLL_STATE_OPEN, "enter counts for", error))
        return FALSE;
    if (poll->rules.form == VOTE_FORM_NAMED || poll->rules.form == VOTE_FORM_SECRET) {
        poll_set_error(error, POLL_ERROR_STATE,
                       "poll %" G_GINT64_FORMAT " is an electronic vote: its ballots are counted, "
                       "not entered",
                       poll->id);
        return FALSE;
    }
    char mid[24], uid[24];
    if (poll->rules.form == VOTE_FORM_SHOW_OF_HANDS) {
        if (!(by_roles & AUTH_ROLE_SECRETARIAT)) {
            poll_set_error(error, POLL_ERROR_FORBIDDEN,
                           "the counts of a show of hands are entered by the session secretary "
                           "(role secretariat)");
            return FALSE;
        }
    } else {
        const char *p[] = {vote_i64(mid, poll->meeting_id), vote_i64(uid, by_user)};
        g_autoptr(DbRows) r =
            db_conn_exec(conn,
                         "SELECT $2::bigint = ANY (member_ids) FROM tally_committee_sets "
                         "WHERE meeting_id = $1 ORDER BY id DESC LIMIT 1",
                         2, p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0 || !db_rows_get_bool(r, 0, 0)) {
            poll_set_error(error, POLL_ERROR_FORBIDDEN,
                           "paper ballot counts are entered by a member of the meeting's tally "
                           "committee (ban kiểm phiếu)%s",
                           db_rows_count(r) == 0 ? ", and none is set yet" : "");
            return FALSE;
        }
    }
    g_auto(PollCounts) t = {0};
    if (!parse_counts(poll, counts, &t, error))
        return FALSE;
    VotePoll rules = poll->rules;
    if (!poll->written && !count_present(conn, poll, &rules.present, error))
        return FALSE;
    g_auto(PollOutcome) o = {0};
    if (!poll_evaluate(poll, &rules, &t, &o, error))
        return FALSE;

    JsonNode *counts_node = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(counts_node, counts);
    g_autoptr(JsonNode) stored = counts_node;
    g_autofree char *counts_text = json_to_string(stored, FALSE);
    char pid[24];
    const char *up[] = {vote_i64(pid, poll->id), counts_text, vote_i64(uid, by_user), minutes};
    if (!db_conn_run(conn,
                     "UPDATE polls SET counts = $2::jsonb, counts_by = $3, tally_minutes = $4 "
                     "WHERE id = $1",
                     4, up, error))
        return FALSE;
    JsonObject *po = json_object_new();
    json_object_set_int_member(po, "poll_id", poll->id);
    json_object_set_member(po, "counts", json_node_copy(stored));
    if (minutes)
        json_object_set_string_member(po, "minutes", minutes);
    g_autoptr(JsonNode) payload = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(payload, po);
    /* The entered counts are journaled, and told to the body; the public sees the result. */
    g_autofree char *actor = vote_actor(by_user);
    RecordVisibility vis = {FALSE, NULL, 0};
    return record_journal(conn, poll->meeting_id, "vote.counts", actor, payload, NULL, NULL,
                          error) &&
           record_event(conn, poll->meeting_id, "vote.counts", payload, &vis, NULL, error);
}

/* ---- close ---- */

gboolean poll_close(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                    gboolean *not_due, GError **error)
{
    if (not_due)
        *not_due = FALSE;
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, TRUE, error);
    if (!poll || !poll_check_state(poll, POLL_STATE_OPEN, "close", error))
        return FALSE;
    if (by_user == 0 && poll->closes_at_us > g_get_real_time()) {
        if (not_due)
            *not_due = TRUE;
        return TRUE; /* extended meanwhile (perhaps by another node): its timer is rescheduled */
    }
    VotePoll rules = poll->rules;
    if (!poll->written && !count_present(conn, poll, &rules.present, error))
        return FALSE;
    g_auto(PollCounts) t = {0};
    switch (poll->rules.form) {
    case VOTE_FORM_NAMED:
        if (!count_named(conn, poll, &t, error))
            return FALSE;
        break;
    case VOTE_FORM_SECRET:
        if (!count_secret(conn, poll, &t, error))
            return FALSE;
        break;
    default:
        if (!poll->counts || !JSON_NODE_HOLDS_OBJECT(poll->counts)) {
            poll_set_error(error, POLL_ERROR_NO_COUNTS,
                           "the counts of poll %" G_GINT64_FORMAT " have not been entered: the %s "
                           "enters them before the chair closes the poll",
                           poll->id,
                           poll->rules.form == VOTE_FORM_PAPER ? "tally committee"
                                                               : "session secretary");
            return FALSE;
        }
        if (!parse_counts(poll, json_node_get_object(poll->counts), &t, error))
            return FALSE;
        break;
    }
    g_auto(PollOutcome) o = {0};
    if (!poll_evaluate(poll, &rules, &t, &o, error))
        return FALSE;

    /* The result, as the journal and every site receive it. */
    JsonObject *po = json_object_new();
    json_object_set_int_member(po, "poll_id", poll->id);
    json_object_set_string_member(po, "title", poll->title);
    json_object_set_string_member(po, "subject", vote_subject_to_string(rules.subject));
    json_object_set_string_member(po, "form", vote_form_to_string(rules.form));
    json_object_set_string_member(po, "threshold", vote_threshold_to_string(&rules.threshold));
    json_object_set_int_member(po, "roster", rules.roster);
    if (rules.present != VOTE_PRESENT_UNKNOWN)
        json_object_set_int_member(po, "present", rules.present);
    else
        json_object_set_null_member(po, "present");
    json_object_set_member(po, "result", json_node_copy(o.result));
    if (o.passed >= 0)
        json_object_set_boolean_member(po, "passed", o.passed);
    else
        json_object_set_null_member(po, "passed");
    {
        g_autoptr(JsonBuilder) w = json_builder_new();
        json_builder_begin_object(w);
        json_builder_set_member_name(w, "vi");
        vote_json_add_lines(w, o.vi);
        json_builder_set_member_name(w, "en");
        vote_json_add_lines(w, o.en);
        json_builder_end_object(w);
        json_object_set_member(po, "wording", json_builder_get_root(w));
    }
    JsonArray *tally = json_array_new();
    for (guint i = 0; i < o.tally_row->len; i++) {
        JsonArray *e = json_array_new();
        json_array_add_int_element(e, g_array_index(o.tally_row, gint, i));
        json_array_add_string_element(e, o.tally_word->pdata[i]);
        json_array_add_int_element(e, g_array_index(o.tally_count, gint, i));
        json_array_add_array_element(tally, e);
    }
    json_object_set_array_member(po, "tally", tally);
    json_object_set_boolean_member(po, "time_ran_out", by_user == 0);
    g_autoptr(JsonNode) payload = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(payload, po);

    gint64 seq = 0;
    if (!poll_record_fact(conn, poll, "vote.closed", by_user, payload, TRUE, &seq, error))
        return FALSE;

    /* The totals, then (secret) the counters go: the closing transaction writes every row that
     * is left of the choices, so none carries a voter's transaction id (docs/votes.md). */
    GString *rows = g_string_new("{"), *words = g_string_new("{"), *counts = g_string_new("{");
    for (guint i = 0; i < o.tally_row->len; i++) {
        g_string_append_printf(rows, "%s%d", i ? "," : "", g_array_index(o.tally_row, gint, i));
        g_string_append_printf(words, "%s%s", i ? "," : "", (char *)o.tally_word->pdata[i]);
        g_string_append_printf(counts, "%s%d", i ? "," : "", g_array_index(o.tally_count, gint, i));
    }
    g_string_append_c(rows, '}');
    g_string_append_c(words, '}');
    g_string_append_c(counts, '}');
    g_autofree char *rows_text = g_string_free(rows, FALSE);
    g_autofree char *words_text = g_string_free(words, FALSE);
    g_autofree char *counts_text = g_string_free(counts, FALSE);
    char pid[24];
    const char *tp[] = {vote_i64(pid, poll->id), rows_text, words_text, counts_text};
    if (!db_conn_run(conn,
                     "INSERT INTO poll_tallies (poll_id, row_position, choice, count) "
                     "SELECT $1, * FROM unnest($2::int[], $3::text[], $4::int[])",
                     4, tp, error))
        return FALSE;
    if (poll->rules.form == VOTE_FORM_SECRET && !poll_secret_drop(conn, poll->id, error))
        return FALSE;

    g_autofree char *result_text = json_to_string(o.result, FALSE);
    char by[24], present[24], sq[24], cast[24];
    const char *up[] = {pid,
                        by_user ? vote_i64(by, by_user) : NULL,
                        rules.present != VOTE_PRESENT_UNKNOWN ? vote_i64(present, rules.present)
                                                              : NULL,
                        result_text,
                        o.vi,
                        o.en,
                        o.passed < 0 ? NULL : (o.passed ? "t" : "f"),
                        vote_i64(sq, seq),
                        vote_threshold_to_string(&rules.threshold),
                        vote_i64(cast, poll->cast)};
    return db_conn_run(conn,
                       "UPDATE polls SET state = 'closed', closed_at = now(), closed_by = $2, "
                       "present = $3, result = $4::jsonb, wording_vi = $5, wording_en = $6, "
                       "passed = $7, result_journal_seq = $8, threshold = $9, cast_count = $10 "
                       "WHERE id = $1",
                       10, up, error);
}
