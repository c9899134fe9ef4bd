/* vote-poll.c: a poll's life in the database: load, create, open, extend, cancel, the next
 * round of an election, the tally committee.
 *
 * Design. Every change of a poll runs in the caller's transaction after taking the poll row's
 * lock (poll_load with lock), the same lock every batch of ballots takes first. So a close waits
 * for the batch in flight and sees every ballot it committed, a ballot that comes after the close
 * sees "closed", and two nodes never change one poll at once. Each function checks everything
 * before it writes anything, so a refusal (POLL_ERROR) commits nothing.
 *
 * The rule is data: the poll stores its body kind, subject, form and threshold (the stable forms
 * of domain/vote.h), and when it opens, the roster of the body at that moment (poll_roster), the
 * law's denominator (DOMAIN.md: "The denominator is the roster at the moment the vote opens").
 * A council that has shrunk below two thirds of its elected members with 18 months or less of
 * its term left decides by more than two thirds of the remaining members: opening a motion or an
 * election there switches a default threshold to that rule, and refuses an explicit other one.
 *
 * Counting and closing are in vote-count.c; ballots in vote-ballot.c.
 */
#include "votes-private.h"

#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-votes"

GQuark poll_error_quark(void)
{
    return g_quark_from_static_string("phonghop-poll-error-quark");
}

guint poll_error_status(gint code)
{
    switch (code) {
    case POLL_ERROR_NOT_FOUND:
        return 404;
    case POLL_ERROR_INVALID:
        return 400;
    case POLL_ERROR_FORBIDDEN:
    case POLL_ERROR_INELIGIBLE:
        return 403;
    default:
        return 409;
    }
}

const char *poll_error_code(gint code)
{
    switch (code) {
    case POLL_ERROR_NOT_FOUND:
        return "not_found";
    case POLL_ERROR_INVALID:
        return "invalid";
    case POLL_ERROR_STATE:
        return "wrong_state";
    case POLL_ERROR_FORBIDDEN:
        return "forbidden";
    case POLL_ERROR_INELIGIBLE:
        return "not_eligible";
    case POLL_ERROR_ALREADY:
        return "already_voted";
    case POLL_ERROR_NO_COUNTS:
        return "counts_missing";
    default:
        return "rule";
    }
}

void poll_set_error(GError **error, PollError code, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error_literal(error, POLL_ERROR, code, message);
}

const char *vote_i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

char *vote_actor(gint64 user_id)
{
    return g_strdup_printf("user:%" G_GINT64_FORMAT, user_id);
}

char *poll_secret_table(gint64 poll_id)
{
    return g_strdup_printf("phonghop_secret.poll_%" G_GINT64_FORMAT, poll_id);
}

static const char *const motion_words[] = {"for", "against", "abstain", NULL};
static const char *const approval_words[] = {"approve", NULL};
static const char *const confidence_words[] = {"high", "medium", "low", NULL};
static const char *const no_confidence_words[] = {"confidence", "no_confidence", NULL};

const char *const *poll_counter_words(VoteSubject subject)
{
    switch (subject) {
    case VOTE_SUBJECT_ELECTION:
        return approval_words;
    case VOTE_SUBJECT_CONFIDENCE:
        return confidence_words;
    case VOTE_SUBJECT_NO_CONFIDENCE:
        return no_confidence_words;
    case VOTE_SUBJECT_MOTION:
    default:
        return motion_words;
    }
}

const char *poll_state_to_string(PollState state)
{
    switch (state) {
    case POLL_STATE_DRAFT:
        return "draft";
    case POLL_STATE_OPEN:
        return "open";
    case POLL_STATE_CLOSED:
        return "closed";
    case POLL_STATE_CANCELLED:
        return "cancelled";
    default:
        return NULL;
    }
}

PollState poll_state_parse(const char *text)
{
    for (PollState s = POLL_STATE_DRAFT; s <= POLL_STATE_CANCELLED; s++)
        if (g_strcmp0(poll_state_to_string(s), text) == 0)
            return s;
    return 0;
}

static void poll_row_free(gpointer p)
{
    PollRow *r = p;
    g_free(r->name);
    g_free(r);
}

void poll_free(Poll *poll)
{
    if (!poll)
        return;
    g_free(poll->title);
    g_free(poll->decision);
    g_free(poll->opened_at);
    g_free(poll->closes_at);
    g_free(poll->closed_at);
    g_free(poll->cancel_reason);
    g_clear_pointer(&poll->rows, g_ptr_array_unref);
    g_clear_pointer(&poll->counts, json_node_unref);
    g_free(poll->tally_minutes);
    g_clear_pointer(&poll->result, json_node_unref);
    g_free(poll->wording_vi);
    g_free(poll->wording_en);
    g_free(poll->meeting_status);
    g_free(poll->body_level);
    g_free(poll->term_ends_on);
    g_free(poll);
}

static JsonNode *parse_json_text(const char *text)
{
    if (!text)
        return NULL;
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, -1, NULL) || !json_parser_get_root(parser))
        return NULL;
    return json_node_copy(json_parser_get_root(parser));
}

static gint64 opt_int(DbRows *r, guint col)
{
    return db_rows_is_null(r, 0, col) ? 0 : db_rows_get_int64(r, 0, col);
}

static char *opt_str(DbRows *r, guint col)
{
    return g_strdup(db_rows_get(r, 0, col));
}

/* One query for the poll, its meeting's facts, its rows (as JSON) and how many have voted. */
#define POLL_COLUMNS                                                                             \
    "p.id, p.meeting_id, m.body_id, p.agenda_item_id, p.title, p.decision, p.body_kind, "        \
    "p.subject, p.form, p.threshold, p.threshold_given, p.written, p.allow_change, p.seats, "    \
    "p.round, p.previous_round_id, p.state, p.duration_s, p.roster_size, p.present, "            \
    "(SELECT count(*) FROM poll_voters v WHERE v.poll_id = p.id) + "                             \
    "(SELECT count(DISTINCT x.user_id) FROM poll_ballots x WHERE x.poll_id = p.id), "            \
    "to_char(p.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "             \
    "to_char(p.closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "             \
    "to_char(p.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "             \
    "(extract(epoch FROM p.closes_at) * 1000000)::bigint, p.created_by, p.cancel_reason, "       \
    "p.counts::text, p.tally_minutes, p.result::text, p.wording_vi, p.wording_en, p.passed, "    \
    "m.status, m.is_public AND m.status <> 'draft' AND phonghop_item_public(p.agenda_item_id), " \
    "b.level, t.seats, t.ends_on::text, "                                                        \
    "(SELECT json_agg(json_build_array(r.position, r.name, r.user_id) ORDER BY r.position) "     \
    " FROM poll_rows r WHERE r.poll_id = p.id)::text "
#define POLL_FROM                                                                            \
    "FROM polls p JOIN meetings m ON m.id = p.meeting_id JOIN bodies b ON b.id = m.body_id " \
    "LEFT JOIN terms t ON t.id = m.term_id WHERE p.id = $1"

Poll *poll_load(DbConn *conn, gint64 meeting_id, gint64 poll_id, gboolean lock, GError **error)
{
    char pid[24];
    const char *p[] = {vote_i64(pid, poll_id)};
    /* Locking is the start of a change (a batch of ballots, open, close...): the same statement
     * makes the transaction's commit durable (SET LOCAL synchronous_commit = on) whatever the
     * server's default, so nobody is told "recorded" or "closed" before the disk has it. */
    const char *sql = lock ? "SELECT " POLL_COLUMNS
                             ", set_config('synchronous_commit', 'on', true) " POLL_FROM
                             " FOR UPDATE OF p"
                           : "SELECT " POLL_COLUMNS POLL_FROM;
    g_autoptr(DbRows) r = db_conn_exec(conn, sql, 1, p, error);
    if (!r)
        return NULL;
    if (db_rows_count(r) == 0 || (meeting_id && db_rows_get_int64(r, 0, 1) != meeting_id)) {
        poll_set_error(error, POLL_ERROR_NOT_FOUND, "no poll %" G_GINT64_FORMAT " in meeting %s",
                       poll_id, meeting_id ? vote_i64(pid, meeting_id) : "(any)");
        return NULL;
    }
    g_autoptr(Poll) poll = g_new0(Poll, 1);
    poll->id = db_rows_get_int64(r, 0, 0);
    poll->meeting_id = db_rows_get_int64(r, 0, 1);
    poll->body_id = db_rows_get_int64(r, 0, 2);
    poll->agenda_item_id = opt_int(r, 3);
    poll->title = opt_str(r, 4);
    poll->decision = opt_str(r, 5);
    if (!vote_body_parse(db_rows_get(r, 0, 6), &poll->rules.body, error) ||
        !vote_subject_parse(db_rows_get(r, 0, 7), &poll->rules.subject, error) ||
        !vote_form_parse(db_rows_get(r, 0, 8), &poll->rules.form, error) ||
        !vote_threshold_parse(db_rows_get(r, 0, 9), &poll->rules.threshold, error))
        return NULL;
    poll->threshold_given = db_rows_get_bool(r, 0, 10);
    poll->written = db_rows_get_bool(r, 0, 11);
    poll->allow_change = db_rows_get_bool(r, 0, 12);
    poll->seats = (gint)opt_int(r, 13);
    poll->round = (gint)opt_int(r, 14);
    poll->previous_round_id = opt_int(r, 15);
    poll->state = poll_state_parse(db_rows_get(r, 0, 16));
    poll->duration_s = (gint)opt_int(r, 17);
    poll->rules.roster = (gint)opt_int(r, 18);
    poll->rules.present = db_rows_is_null(r, 0, 19) ? VOTE_PRESENT_UNKNOWN : (gint)opt_int(r, 19);
    poll->cast = (gint)opt_int(r, 20);
    poll->opened_at = opt_str(r, 21);
    poll->closes_at = opt_str(r, 22);
    poll->closed_at = opt_str(r, 23);
    poll->closes_at_us = opt_int(r, 24);
    poll->created_by = opt_int(r, 25);
    poll->cancel_reason = opt_str(r, 26);
    poll->counts = parse_json_text(db_rows_get(r, 0, 27));
    poll->tally_minutes = opt_str(r, 28);
    poll->result = parse_json_text(db_rows_get(r, 0, 29));
    poll->wording_vi = opt_str(r, 30);
    poll->wording_en = opt_str(r, 31);
    poll->passed = db_rows_is_null(r, 0, 32) ? -1 : db_rows_get_bool(r, 0, 32);
    poll->meeting_status = opt_str(r, 33);
    poll->meeting_public = db_rows_get_bool(r, 0, 34);
    poll->body_level = opt_str(r, 35);
    poll->term_seats = opt_int(r, 36);
    poll->term_ends_on = opt_str(r, 37);

    poll->rows = g_ptr_array_new_with_free_func(poll_row_free);
    g_autoptr(JsonNode) rows = parse_json_text(db_rows_get(r, 0, 38));
    JsonArray *a = rows && JSON_NODE_HOLDS_ARRAY(rows) ? json_node_get_array(rows) : NULL;
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonArray *e = json_array_get_array_element(a, i);
        PollRow *row = g_new0(PollRow, 1);
        row->position = (gint)json_array_get_int_element(e, 0);
        row->name = g_strdup(json_array_get_string_element(e, 1));
        row->user_id = json_array_get_null_element(e, 2) ? 0 : json_array_get_int_element(e, 2);
        g_ptr_array_add(poll->rows, row);
    }
    return g_steal_pointer(&poll);
}

void poll_visibility(const Poll *poll, gboolean *is_public)
{
    *is_public = poll->meeting_public;
}

static void add_opt_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_opt_int(JsonBuilder *b, const char *name, gint64 value, gboolean present)
{
    json_builder_set_member_name(b, name);
    if (present)
        json_builder_add_int_value(b, value);
    else
        json_builder_add_null_value(b);
}

/* The wording as an array of lines. */
void vote_json_add_lines(JsonBuilder *b, const char *text)
{
    json_builder_begin_array(b);
    if (text) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (guint i = 0; lines[i]; i++)
            json_builder_add_string_value(b, lines[i]);
    }
    json_builder_end_array(b);
}

static gboolean pass_fail(const VoteThreshold *t)
{
    return t->kind != VOTE_THRESHOLD_CONFIDENCE_BANDS;
}

JsonNode *poll_to_json(const Poll *poll, gboolean staff)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, poll->id);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, poll->meeting_id);
    add_opt_int(b, "agenda_item_id", poll->agenda_item_id, poll->agenda_item_id != 0);
    add_opt_string(b, "title", poll->title);
    add_opt_string(b, "decision", poll->decision);
    add_opt_string(b, "body_kind", vote_body_to_string(poll->rules.body));
    add_opt_string(b, "subject", vote_subject_to_string(poll->rules.subject));
    add_opt_string(b, "form", vote_form_to_string(poll->rules.form));
    add_opt_string(b, "threshold", vote_threshold_to_string(&poll->rules.threshold));
    json_builder_set_member_name(b, "threshold_words");
    json_builder_begin_object(b);
    add_opt_string(b, "vi",
                   vote_threshold_describe(&poll->rules.threshold, poll->rules.body, VOTE_LANG_VI));
    add_opt_string(b, "en",
                   vote_threshold_describe(&poll->rules.threshold, poll->rules.body, VOTE_LANG_EN));
    json_builder_end_object(b);
    json_builder_set_member_name(b, "written");
    json_builder_add_boolean_value(b, poll->written);
    json_builder_set_member_name(b, "allow_change");
    json_builder_add_boolean_value(b, poll->allow_change);
    add_opt_int(b, "seats", poll->seats, poll->seats > 0);
    json_builder_set_member_name(b, "round");
    json_builder_add_int_value(b, poll->round);
    add_opt_int(b, "previous_round_id", poll->previous_round_id, poll->previous_round_id != 0);
    add_opt_string(b, "state", poll_state_to_string(poll->state));
    add_opt_int(b, "duration_seconds", poll->duration_s, poll->duration_s > 0);
    add_opt_int(b, "roster", poll->rules.roster, poll->rules.roster > 0);
    gboolean needed = poll->rules.roster > 0 && pass_fail(&poll->rules.threshold) &&
                      poll->rules.threshold.kind != VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT;
    add_opt_int(b, "needed",
                needed ? vote_threshold_needed(&poll->rules.threshold, poll->rules.roster) : 0,
                needed);
    add_opt_int(b, "present", poll->rules.present, poll->rules.present != VOTE_PRESENT_UNKNOWN);
    json_builder_set_member_name(b, "cast");
    json_builder_add_int_value(b, poll->cast);
    add_opt_string(b, "opened_at", poll->opened_at);
    add_opt_string(b, "closes_at", poll->closes_at);
    add_opt_string(b, "closed_at", poll->closed_at);
    add_opt_string(b, "cancel_reason", poll->cancel_reason);
    json_builder_set_member_name(b, "rows");
    json_builder_begin_array(b);
    for (guint i = 0; poll->rows && i < poll->rows->len; i++) {
        const PollRow *row = poll->rows->pdata[i];
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "position");
        json_builder_add_int_value(b, row->position);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, row->name);
        add_opt_int(b, "user_id", row->user_id, row->user_id != 0);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    /* Entered counts are the record once the poll is closed; before, the staff's working data. */
    gboolean show_counts = staff || poll->state == POLL_STATE_CLOSED;
    json_builder_set_member_name(b, "counts");
    if (show_counts && poll->counts)
        json_builder_add_value(b, json_node_copy(poll->counts));
    else
        json_builder_add_null_value(b);
    add_opt_string(b, "tally_minutes", show_counts ? poll->tally_minutes : NULL);
    json_builder_set_member_name(b, "result");
    if (poll->result)
        json_builder_add_value(b, json_node_copy(poll->result));
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "wording");
    if (poll->wording_vi) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "vi");
        vote_json_add_lines(b, poll->wording_vi);
        json_builder_set_member_name(b, "en");
        vote_json_add_lines(b, poll->wording_en);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "passed");
    if (poll->passed < 0)
        json_builder_add_null_value(b);
    else
        json_builder_add_boolean_value(b, poll->passed);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* {"poll": poll} */
static JsonNode *poll_payload(const Poll *poll, const char *name, JsonNode *extra_value)
{
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "poll_id", poll->id);
    json_object_set_member(o, "poll", poll_to_json(poll, FALSE));
    if (name)
        json_object_set_member(o, name, extra_value);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    return node;
}

gboolean poll_record_fact(DbConn *conn, const Poll *poll, const char *kind, gint64 by_user,
                          JsonNode *payload, gboolean journal, gint64 *journal_seq, GError **error)
{
    RecordVisibility vis = {FALSE, NULL, 0};
    poll_visibility(poll, &vis.is_public);
    g_autofree char *actor = by_user ? vote_actor(by_user) : NULL;
    if (journal &&
        !record_journal(conn, poll->meeting_id, kind, actor, payload, journal_seq, NULL, error))
        return FALSE;
    return record_event(conn, poll->meeting_id, kind, payload, &vis, NULL, error);
}

gint poll_row_index(const Poll *poll, gint position)
{
    for (guint i = 0; i < poll->rows->len; i++)
        if (((PollRow *)poll->rows->pdata[i])->position == position)
            return (gint)i;
    return -1;
}

/* ---- create ---- */

static gboolean meeting_editable(const char *status, GError **error)
{
    if (g_strcmp0(status, "closed") == 0 || g_strcmp0(status, "archived") == 0) {
        poll_set_error(error, POLL_ERROR_STATE,
                       "the meeting is %s: nothing of it changes (corrections are new entries)",
                       status);
        return FALSE;
    }
    return TRUE;
}

/* Candidates may not sit on the tally committee (DOMAIN.md, "Ban kiểm phiếu"). */
static gboolean check_candidates_not_counting(DbConn *conn, gint64 meeting_id, const gint64 *users,
                                              guint n, GError **error)
{
    if (n == 0)
        return TRUE;
    GString *arr = g_string_new("{");
    for (guint i = 0; i < n; i++)
        g_string_append_printf(arr, "%s%" G_GINT64_FORMAT, i ? "," : "", users[i]);
    g_string_append_c(arr, '}');
    g_autofree char *ids = g_string_free(arr, FALSE);
    char mid[24];
    const char *p[] = {vote_i64(mid, meeting_id), ids};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT u.full_name FROM (SELECT member_ids FROM tally_committee_sets WHERE meeting_id = "
        "$1 "
        "ORDER BY id DESC LIMIT 1) t, unnest(t.member_ids) AS c(id) JOIN users u ON u.id = c.id "
        "WHERE c.id = ANY ($2::bigint[]) ORDER BY u.full_name LIMIT 1",
        2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) > 0) {
        poll_set_error(error, POLL_ERROR_RULE,
                       "%s is a candidate and sits on the tally committee (ban kiểm phiếu): a "
                       "candidate may not count the ballots; change the committee first",
                       db_rows_get(r, 0, 0));
        return FALSE;
    }
    return TRUE;
}

gboolean poll_create(DbConn *conn, const PollSpec *spec, gint64 *poll_id, GError **error)
{
    char mid[24];
    const char *mp[] = {vote_i64(mid, spec->meeting_id)};
    g_autoptr(DbRows) m = db_conn_exec(conn,
                                       "SELECT b.kind, m.status FROM meetings m "
                                       "JOIN bodies b ON b.id = m.body_id WHERE m.id = $1",
                                       1, mp, error);
    if (!m)
        return FALSE;
    if (db_rows_count(m) == 0) {
        poll_set_error(error, POLL_ERROR_NOT_FOUND, "no meeting %s", mid);
        return FALSE;
    }
    if (!meeting_editable(db_rows_get(m, 0, 1), error))
        return FALSE;

    VotePoll rules;
    VoteBody body = 0;
    g_autoptr(GError) local = NULL;
    if (!vote_body_parse(db_rows_get(m, 0, 0), &body, error))
        return FALSE;
    vote_poll_init(&rules, body, spec->subject, spec->form, 1);
    if (spec->threshold && !vote_threshold_parse(spec->threshold, &rules.threshold, &local)) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "field 'threshold': %s (one of more_than_half_of_all, "
                       "at_least_two_thirds_of_all, more_than_two_thirds_of_remaining, "
                       "more_than_half_of_present, confidence_bands_of_all, "
                       "confidence_bands_of_ballots)",
                       local->message);
        return FALSE;
    }
    if (!vote_poll_validate(&rules, &local)) {
        poll_set_error(error, POLL_ERROR_INVALID, "%s", local->message);
        return FALSE;
    }
    gboolean electronic = spec->form == VOTE_FORM_NAMED || spec->form == VOTE_FORM_SECRET;
    if (spec->allow_change && spec->form != VOTE_FORM_NAMED) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "only a named vote may let members change their ballot before close: a "
                       "secret ballot keeps no link from a member to a choice, so it cannot be "
                       "changed");
        return FALSE;
    }
    if (spec->written && (spec->form != VOTE_FORM_NAMED || spec->subject != VOTE_SUBJECT_MOTION)) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "a written poll of the members (phiếu lấy ý kiến) is a named vote on a "
                       "motion");
        return FALSE;
    }
    if (spec->duration_s > 0 && !electronic) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "a %s has no time limit: the chair closes it once the counts are entered",
                       spec->form == VOTE_FORM_PAPER ? "paper ballot" : "show of hands");
        return FALSE;
    }
    if (spec->threshold && rules.threshold.kind == VOTE_THRESHOLD_MORE_THAN_HALF_OF_PRESENT &&
        spec->written) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "a written poll has no members present: use a threshold of all members");
        return FALSE;
    }
    gboolean want_rows = spec->subject != VOTE_SUBJECT_MOTION;
    if (want_rows && spec->n_rows == 0) {
        poll_set_error(error, POLL_ERROR_INVALID, "%s",
                       spec->subject == VOTE_SUBJECT_ELECTION
                           ? "an election needs candidates (field 'candidates')"
                           : "a confidence vote needs the officials it rates (field 'officials')");
        return FALSE;
    }
    if (!want_rows && spec->n_rows > 0) {
        poll_set_error(error, POLL_ERROR_INVALID, "a motion has no candidates or officials");
        return FALSE;
    }
    if ((spec->subject == VOTE_SUBJECT_ELECTION) != (spec->seats > 0)) {
        poll_set_error(error, POLL_ERROR_INVALID, "%s",
                       spec->seats > 0 ? "only an election has seats"
                                       : "an election needs the number of seats (field 'seats')");
        return FALSE;
    }
    g_autoptr(GArray) row_users = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint i = 0; i < spec->n_rows; i++) {
        for (guint k = 0; k < i; k++) {
            if (spec->rows[k].user_id && spec->rows[k].user_id == spec->rows[i].user_id) {
                poll_set_error(error, POLL_ERROR_INVALID, "%s and %s are the same person",
                               spec->rows[k].name, spec->rows[i].name);
                return FALSE;
            }
        }
        if (spec->rows[i].user_id)
            g_array_append_val(row_users, spec->rows[i].user_id);
    }
    if (spec->subject == VOTE_SUBJECT_ELECTION &&
        !check_candidates_not_counting(conn, spec->meeting_id, (gint64 *)row_users->data,
                                       row_users->len, error))
        return FALSE;
    if (spec->agenda_item_id) {
        char aid[24];
        const char *ap[] = {mid, vote_i64(aid, spec->agenda_item_id)};
        g_autoptr(DbRows) a = db_conn_exec(
            conn, "SELECT 1 FROM agenda_items WHERE meeting_id = $1 AND id = $2", 2, ap, error);
        if (!a)
            return FALSE;
        if (db_rows_count(a) == 0) {
            poll_set_error(error, POLL_ERROR_INVALID,
                           "field 'agenda_item_id': no item %s in meeting %s", aid, mid);
            return FALSE;
        }
    }

    char aid[24], seats[24], dur[24], prev[24], round[24], by[24];
    const char *p[] = {mid,
                       spec->agenda_item_id ? vote_i64(aid, spec->agenda_item_id) : NULL,
                       spec->title,
                       spec->decision,
                       vote_body_to_string(body),
                       vote_subject_to_string(spec->subject),
                       vote_form_to_string(spec->form),
                       vote_threshold_to_string(&rules.threshold),
                       spec->threshold ? "t" : "f",
                       spec->written ? "t" : "f",
                       spec->allow_change ? "t" : "f",
                       spec->seats > 0 ? vote_i64(seats, spec->seats) : NULL,
                       spec->duration_s > 0 ? vote_i64(dur, spec->duration_s) : NULL,
                       spec->previous_round_id ? vote_i64(prev, spec->previous_round_id) : NULL,
                       vote_i64(round, MAX(spec->round, 1)),
                       vote_i64(by, spec->created_by)};
    g_autoptr(DbRows) ins = db_conn_exec(
        conn,
        "INSERT INTO polls (meeting_id, agenda_item_id, title, decision, body_kind, subject, "
        "form, threshold, threshold_given, written, allow_change, seats, duration_s, "
        "previous_round_id, round, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
        "RETURNING id",
        16, p, error);
    if (!ins)
        return FALSE;
    gint64 id = db_rows_get_int64(ins, 0, 0);
    char pid[24];
    vote_i64(pid, id);
    for (guint i = 0; i < spec->n_rows; i++) {
        char pos[24], uid[24];
        const char *rp[] = {pid, vote_i64(pos, i + 1), spec->rows[i].name,
                            spec->rows[i].user_id ? vote_i64(uid, spec->rows[i].user_id) : NULL};
        if (!db_conn_run(conn,
                         "INSERT INTO poll_rows (poll_id, position, name, user_id) "
                         "VALUES ($1, $2, $3, $4)",
                         4, rp, error))
            return FALSE;
    }
    g_autoptr(Poll) poll = poll_load(conn, 0, id, FALSE, error);
    if (!poll)
        return FALSE;
    /* A draft concerns the body only: the public learns of a poll when it opens. */
    g_autoptr(JsonNode) payload = poll_payload(poll, NULL, NULL);
    RecordVisibility vis = {FALSE, NULL, 0};
    if (!record_event(conn, poll->meeting_id, "vote.created", payload, &vis, NULL, error))
        return FALSE;
    *poll_id = id;
    return TRUE;
}

/* ---- open, extend, cancel ---- */

gboolean poll_check_state(const Poll *poll, PollState want, const char *doing, GError **error)
{
    if (poll->state == want)
        return TRUE;
    static const char *const said[] = {NULL, "is still a draft", "is open", "is closed",
                                       "was cancelled"};
    poll_set_error(error, POLL_ERROR_STATE, "cannot %s poll %" G_GINT64_FORMAT ": it %s", doing,
                   poll->id, said[poll->state]);
    return FALSE;
}

/* The shrunk-council rule at the moment the poll opens (roster = the remaining members). */
static gboolean council_is_shrunk(const Poll *poll, gint roster)
{
    if (poll->rules.body != VOTE_BODY_COUNCIL || poll->term_seats <= 0 || !poll->term_ends_on)
        return FALSE;
    GDate end, today;
    g_date_clear(&end, 1);
    g_date_set_parse(&end, poll->term_ends_on);
    if (!g_date_valid(&end))
        return FALSE;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_date_clear(&today, 1);
    g_date_set_dmy(&today, (GDateDay)g_date_time_get_day_of_month(now),
                   (GDateMonth)g_date_time_get_month(now), (GDateYear)g_date_time_get_year(now));
    return vote_council_is_shrunk((gint)poll->term_seats, roster, &today, &end);
}

static gboolean create_secret_counters(DbConn *conn, const Poll *poll, GError **error)
{
    g_autofree char *table = poll_secret_table(poll->id);
    g_autofree char *create = g_strdup_printf(
        "CREATE TABLE %s (row_position integer NOT NULL, choice text NOT NULL, "
        "count integer NOT NULL DEFAULT 0 CHECK (count >= 0), PRIMARY KEY (row_position, choice))",
        table);
    if (!db_conn_run(conn, create, 0, NULL, error))
        return FALSE;
    GString *rows = g_string_new("{");
    GString *words = g_string_new("{");
    const char *const *w = poll_counter_words(poll->rules.subject);
    guint n_rows = poll->rules.subject == VOTE_SUBJECT_MOTION ? 1 : poll->rows->len;
    for (guint r = 0; r < n_rows; r++) {
        gint position = poll->rules.subject == VOTE_SUBJECT_MOTION
                            ? 0
                            : ((PollRow *)poll->rows->pdata[r])->position;
        for (guint k = 0; w[k]; k++) {
            g_string_append_printf(rows, "%s%d", rows->len > 1 ? "," : "", position);
            g_string_append_printf(words, "%s%s", words->len > 1 ? "," : "", w[k]);
        }
    }
    g_string_append_c(rows, '}');
    g_string_append_c(words, '}');
    g_autofree char *rows_text = g_string_free(rows, FALSE);
    g_autofree char *words_text = g_string_free(words, FALSE);
    g_autofree char *insert = g_strdup_printf(
        "INSERT INTO %s (row_position, choice) SELECT * FROM unnest($1::int[], $2::text[])", table);
    const char *p[] = {rows_text, words_text};
    return db_conn_run(conn, insert, 2, p, error);
}

gboolean poll_secret_drop(DbConn *conn, gint64 poll_id, GError **error)
{
    g_autofree char *table = poll_secret_table(poll_id);
    g_autofree char *sql = g_strdup_printf("DROP TABLE IF EXISTS %s", table);
    return db_conn_run(conn, sql, 0, NULL, error);
}

gboolean poll_open(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user, gint duration_s,
                   GError **error)
{
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, TRUE, error);
    if (!poll || !poll_check_state(poll, POLL_STATE_DRAFT, "open", error))
        return FALSE;
    if (poll->written ? !meeting_editable(poll->meeting_status, error)
                      : g_strcmp0(poll->meeting_status, "open") != 0) {
        if (!poll->written)
            poll_set_error(error, POLL_ERROR_STATE,
                           "the meeting is %s: a vote is held while the meeting is open (a "
                           "written poll of the members may be held between sittings)",
                           poll->meeting_status);
        return FALSE;
    }
    gboolean electronic =
        poll->rules.form == VOTE_FORM_NAMED || poll->rules.form == VOTE_FORM_SECRET;
    if (duration_s <= 0)
        duration_s = poll->duration_s;
    if (duration_s > 0 && !electronic) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "a show of hands or a paper ballot has no time limit: the chair closes it "
                       "once the counts are entered");
        return FALSE;
    }
    if (poll->written && duration_s <= 0) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "a written poll needs a deadline: give 'duration_seconds'");
        return FALSE;
    }

    char bid[24], pid[24];
    const char *bp[] = {vote_i64(bid, poll->body_id)};
    g_autoptr(DbRows) n = db_conn_exec(conn,
                                       "SELECT count(*) FROM memberships m JOIN users u ON "
                                       "u.id = m.user_id WHERE m.body_id = $1 AND "
                                       "m.role = 'member' AND NOT u.disabled",
                                       1, bp, error);
    if (!n)
        return FALSE;
    gint roster = (gint)db_rows_get_int64(n, 0, 0);
    if (roster < 1) {
        poll_set_error(error, POLL_ERROR_RULE, "the body has no members on its roster");
        return FALSE;
    }
    VotePoll rules = poll->rules;
    rules.roster = roster;
    if ((rules.subject == VOTE_SUBJECT_MOTION || rules.subject == VOTE_SUBJECT_ELECTION) &&
        council_is_shrunk(poll, roster) &&
        rules.threshold.kind != VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING) {
        if (poll->threshold_given) {
            poll_set_error(
                error, POLL_ERROR_RULE,
                "the council has %d of its %" G_GINT64_FORMAT " elected members, under two thirds, "
                "with 18 months or less of its term left: it decides by more than two thirds of "
                "the remaining members, not by \"%s\"",
                roster, poll->term_seats, vote_threshold_to_string(&rules.threshold));
            return FALSE;
        }
        rules.threshold.kind = VOTE_THRESHOLD_MORE_THAN_TWO_THIRDS_OF_REMAINING;
        rules.threshold.confidence_base = 0;
    }
    g_autoptr(GError) local = NULL;
    if (!vote_poll_validate(&rules, &local)) {
        poll_set_error(error, POLL_ERROR_RULE, "%s", local->message);
        return FALSE;
    }
    if (poll->seats > roster) {
        poll_set_error(error, POLL_ERROR_RULE, "%d seats to fill with %d members on the roster",
                       poll->seats, roster);
        return FALSE;
    }

    /* Every check passed: write. */
    const char *rp[] = {vote_i64(pid, poll->id), bid};
    if (!db_conn_run(conn,
                     "INSERT INTO poll_roster (poll_id, user_id) SELECT $1, m.user_id "
                     "FROM memberships m JOIN users u ON u.id = m.user_id "
                     "WHERE m.body_id = $2 AND m.role = 'member' AND NOT u.disabled",
                     2, rp, error))
        return FALSE;
    if (poll->rules.form == VOTE_FORM_SECRET && !create_secret_counters(conn, poll, error))
        return FALSE;
    char by[24], ros[24], dur[24];
    const char *up[] = {pid, vote_i64(by, by_user), vote_i64(ros, roster),
                        duration_s > 0 ? vote_i64(dur, duration_s) : NULL,
                        vote_threshold_to_string(&rules.threshold)};
    if (!db_conn_run(conn,
                     "UPDATE polls SET state = 'open', opened_at = now(), opened_by = $2, "
                     "roster_size = $3, duration_s = $4, threshold = $5, "
                     "closes_at = now() + make_interval(secs => $4::int) WHERE id = $1",
                     5, up, error))
        return FALSE;
    g_autoptr(Poll) opened = poll_load(conn, 0, poll->id, FALSE, error);
    if (!opened)
        return FALSE;
    g_autoptr(JsonNode) payload = poll_payload(opened, NULL, NULL);
    return poll_record_fact(conn, opened, "vote.opened", by_user, payload, TRUE, NULL, error);
}

gboolean poll_extend(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user, gint seconds,
                     GError **error)
{
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, TRUE, error);
    if (!poll || !poll_check_state(poll, POLL_STATE_OPEN, "extend", error))
        return FALSE;
    if (!poll->closes_at_us) {
        poll_set_error(error, POLL_ERROR_STATE,
                       "poll %" G_GINT64_FORMAT " has no time limit: it stays open until the "
                       "chair closes it",
                       poll->id);
        return FALSE;
    }
    char pid[24], secs[24];
    const char *p[] = {vote_i64(pid, poll->id), vote_i64(secs, seconds)};
    if (!db_conn_run(conn,
                     "UPDATE polls SET closes_at = greatest(closes_at, now()) + "
                     "make_interval(secs => $2::int) WHERE id = $1",
                     2, p, error))
        return FALSE;
    g_autoptr(Poll) extended = poll_load(conn, 0, poll->id, FALSE, error);
    if (!extended)
        return FALSE;
    g_autoptr(JsonNode) payload = poll_payload(
        extended, "closes_at", json_node_init_string(json_node_alloc(), extended->closes_at));
    return poll_record_fact(conn, extended, "vote.extended", by_user, payload, TRUE, NULL, error);
}

gboolean poll_cancel(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                     const char *reason, GError **error)
{
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, TRUE, error);
    if (!poll)
        return FALSE;
    if (poll->state != POLL_STATE_DRAFT && poll->state != POLL_STATE_OPEN)
        return poll_check_state(poll, POLL_STATE_OPEN, "cancel", error);
    /* The counters of a cancelled secret ballot are never read: no partial result exists. */
    if (poll->state == POLL_STATE_OPEN && poll->rules.form == VOTE_FORM_SECRET &&
        !poll_secret_drop(conn, poll->id, error))
        return FALSE;
    char pid[24], by[24];
    const char *p[] = {vote_i64(pid, poll->id), vote_i64(by, by_user), reason};
    if (!db_conn_run(conn,
                     "UPDATE polls SET state = 'cancelled', cancel_reason = $3, closed_by = $2, "
                     "closed_at = now() WHERE id = $1",
                     3, p, error))
        return FALSE;
    g_autoptr(Poll) cancelled = poll_load(conn, 0, poll->id, FALSE, error);
    if (!cancelled)
        return FALSE;
    g_autoptr(JsonNode) payload =
        poll_payload(cancelled, "reason", json_node_init_string(json_node_alloc(), reason));
    return poll_record_fact(conn, cancelled, "vote.cancelled", by_user, payload, TRUE, NULL, error);
}

/* ---- elections: the next round ---- */

gboolean poll_next_round(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 by_user,
                         const PollRow *rows, guint n_rows, gint64 *new_poll_id, GError **error)
{
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, TRUE, error);
    if (!poll)
        return FALSE;
    if (poll->rules.subject != VOTE_SUBJECT_ELECTION) {
        poll_set_error(error, POLL_ERROR_STATE, "poll %" G_GINT64_FORMAT " is not an election",
                       poll->id);
        return FALSE;
    }
    if (!poll_check_state(poll, POLL_STATE_CLOSED, "start the next round of", error))
        return FALSE;
    JsonObject *r = json_node_get_object(poll->result);
    const char *status = json_object_get_string_member_with_default(r, "status", "complete");
    if (g_str_equal(status, "complete")) {
        poll_set_error(error, POLL_ERROR_STATE,
                       "every seat of poll %" G_GINT64_FORMAT " was filled: there is no next round",
                       poll->id);
        return FALSE;
    }
    char pid[24];
    const char *p[] = {vote_i64(pid, poll->id)};
    g_autoptr(DbRows) later =
        db_conn_exec(conn,
                     "SELECT id FROM polls WHERE previous_round_id = $1 AND state <> "
                     "'cancelled'",
                     1, p, error);
    if (!later)
        return FALSE;
    if (db_rows_count(later) > 0) {
        poll_set_error(error, POLL_ERROR_STATE,
                       "the next round of poll %" G_GINT64_FORMAT " is poll %s", poll->id,
                       db_rows_get(later, 0, 0));
        return FALSE;
    }
    g_autoptr(GArray) next = g_array_new(FALSE, TRUE, sizeof(PollRow));
    if (n_rows == 0) {
        JsonArray *positions = json_object_get_array_member(r, "next_round");
        for (guint i = 0; positions && i < json_array_get_length(positions); i++) {
            gint k = poll_row_index(poll, (gint)json_array_get_int_element(positions, i));
            if (k < 0)
                continue;
            const PollRow *row = poll->rows->pdata[k];
            PollRow copy = {(gint)next->len + 1, row->name, row->user_id};
            g_array_append_val(next, copy);
        }
        rows = (const PollRow *)next->data;
        n_rows = next->len;
    }
    if (n_rows == 0) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "no candidate is left for the next round: nominate candidates "
                       "(field 'candidates')");
        return FALSE;
    }
    g_autofree char *title = g_strdup_printf("%s (vòng %d)", poll->title, MAX(poll->round, 1) + 1);
    PollSpec spec = {
        .meeting_id = poll->meeting_id,
        .agenda_item_id = poll->agenda_item_id,
        .title = g_utf8_strlen(title, -1) <= 1000 ? title : poll->title,
        .decision = poll->decision,
        .subject = poll->rules.subject,
        .form = poll->rules.form,
        .threshold =
            poll->threshold_given ? vote_threshold_to_string(&poll->rules.threshold) : NULL,
        .seats = (gint)json_object_get_int_member_with_default(r, "seats_open", 1),
        .duration_s = poll->rules.form == VOTE_FORM_SECRET ? poll->duration_s : 0,
        .previous_round_id = poll->id,
        .round = MAX(poll->round, 1) + 1,
        .rows = rows,
        .n_rows = n_rows,
        .created_by = by_user,
    };
    return poll_create(conn, &spec, new_poll_id, error);
}

/* ---- the tally committee ---- */

gboolean poll_set_tally_committee(DbConn *conn, gint64 meeting_id, const gint64 *member_ids,
                                  guint n_members, gint64 head_id, const char *minutes,
                                  gint64 by_user, GError **error)
{
    char mid[24];
    const char *mp[] = {vote_i64(mid, meeting_id)};
    g_autoptr(DbRows) m =
        db_conn_exec(conn,
                     "SELECT m.status, b.level, m.body_id, m.is_public AND m.status <> 'draft' "
                     "FROM meetings m JOIN bodies b ON b.id = m.body_id WHERE m.id = $1",
                     1, mp, error);
    if (!m)
        return FALSE;
    if (db_rows_count(m) == 0) {
        poll_set_error(error, POLL_ERROR_NOT_FOUND, "no meeting %s", mid);
        return FALSE;
    }
    if (!meeting_editable(db_rows_get(m, 0, 0), error))
        return FALSE;
    /* DOMAIN.md: "elected per session for secret ballots (≥7 members province, ≥3 commune)". */
    guint least = g_str_equal(db_rows_get(m, 0, 1), "province") ? 7 : 3;
    if (n_members < least) {
        poll_set_error(error, POLL_ERROR_RULE,
                       "a tally committee (ban kiểm phiếu) of a %s body has at least %u members, "
                       "not %u",
                       db_rows_get(m, 0, 1), least, n_members);
        return FALSE;
    }
    gboolean head_in = FALSE;
    GString *arr = g_string_new("{");
    for (guint i = 0; i < n_members; i++) {
        for (guint k = 0; k < i; k++) {
            if (member_ids[k] == member_ids[i]) {
                g_string_free(arr, TRUE);
                poll_set_error(error, POLL_ERROR_INVALID,
                               "member %" G_GINT64_FORMAT " is named twice", member_ids[i]);
                return FALSE;
            }
        }
        head_in |= member_ids[i] == head_id;
        g_string_append_printf(arr, "%s%" G_GINT64_FORMAT, i ? "," : "", member_ids[i]);
    }
    g_string_append_c(arr, '}');
    g_autofree char *ids = g_string_free(arr, FALSE);
    if (!head_in) {
        poll_set_error(error, POLL_ERROR_INVALID,
                       "the head of the tally committee (%" G_GINT64_FORMAT ") is not among its "
                       "members",
                       head_id);
        return FALSE;
    }
    const char *p[] = {db_rows_get(m, 0, 2), ids};
    g_autoptr(DbRows) outsiders = db_conn_exec(
        conn,
        "SELECT c.id FROM unnest($2::bigint[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM "
        "memberships s WHERE s.body_id = $1 AND s.user_id = c.id AND s.role = 'member') LIMIT 1",
        2, p, error);
    if (!outsiders)
        return FALSE;
    if (db_rows_count(outsiders) > 0) {
        poll_set_error(error, POLL_ERROR_RULE,
                       "user %s is not a member of the body: the tally committee is elected from "
                       "its members",
                       db_rows_get(outsiders, 0, 0));
        return FALSE;
    }
    const char *cp[] = {mid, ids};
    g_autoptr(DbRows) candidates = db_conn_exec(
        conn,
        "SELECT r.name FROM polls pl JOIN poll_rows r ON r.poll_id = pl.id WHERE pl.meeting_id = "
        "$1 AND pl.subject = 'election' AND pl.state IN ('draft', 'open') AND r.user_id = ANY "
        "($2::bigint[]) ORDER BY r.name LIMIT 1",
        2, cp, error);
    if (!candidates)
        return FALSE;
    if (db_rows_count(candidates) > 0) {
        poll_set_error(error, POLL_ERROR_RULE,
                       "%s is a candidate in an election of this meeting: a candidate may not sit "
                       "on the tally committee",
                       db_rows_get(candidates, 0, 0));
        return FALSE;
    }
    char head[24], by[24];
    const char *ip[] = {mid, ids, vote_i64(head, head_id), minutes ? minutes : "",
                        vote_i64(by, by_user)};
    if (!db_conn_run(conn,
                     "INSERT INTO tally_committee_sets (meeting_id, member_ids, head_id, minutes, "
                     "set_by) VALUES ($1, $2::bigint[], $3, $4, $5)",
                     5, ip, error))
        return FALSE;
    g_autoptr(JsonNode) committee = poll_tally_committee_json(conn, meeting_id, error);
    if (!committee)
        return FALSE;
    g_autofree char *actor = vote_actor(by_user);
    RecordVisibility vis = {db_rows_get_bool(m, 0, 3), NULL, 0};
    return record_fact(conn, meeting_id, "vote.tally_committee", actor, committee, &vis, error);
}

JsonNode *poll_tally_committee_json(DbConn *conn, gint64 meeting_id, GError **error)
{
    char mid[24];
    const char *p[] = {vote_i64(mid, meeting_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT t.head_id, t.minutes, c.id, u.full_name FROM (SELECT * FROM tally_committee_sets "
        "WHERE meeting_id = $1 ORDER BY id DESC LIMIT 1) t, unnest(t.member_ids) WITH ORDINALITY "
        "AS c(id, o) JOIN users u ON u.id = c.id ORDER BY c.o",
        1, p, error);
    if (!r)
        return NULL;
    if (db_rows_count(r) == 0)
        return json_node_init_null(json_node_alloc());
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, meeting_id);
    json_builder_set_member_name(b, "head_id");
    json_builder_add_int_value(b, db_rows_get_int64(r, 0, 0));
    json_builder_set_member_name(b, "minutes");
    json_builder_add_string_value(b, db_rows_get(r, 0, 1));
    json_builder_set_member_name(b, "members");
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(r); i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_int_value(b, db_rows_get_int64(r, i, 2));
        json_builder_set_member_name(b, "full_name");
        json_builder_add_string_value(b, db_rows_get(r, i, 3));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
