/* vote-journal.c: ballots in the meeting's journal: appending a batch of entries, a member's
 * receipt check, and the verification that the stored ballots say what their entries say.
 *
 * Design. A named ballot's receipt is its place in the meeting's hash chain (journal.h): the
 * entry's number and hash. A member checks it by fetching the entry, recomputing
 * SHA-256(previous hash || entry), comparing it with the receipt, and checking the chain from the
 * entry to the head, which is what vote_verify_my_ballot() does on the server too (anyone can
 * redo it from GET .../journal). The chain alone proves the journal was not changed; it says
 * nothing about the ballot rows the tally counts. So verification also reads every stored
 * ballot, participation and result of the meeting's polls beside the entry it names, and reports
 * the first entry whose row disagrees: a ballot changed by SQL after the fact makes the
 * verification fail at that ballot's entry, and changing the entry to match breaks the chain
 * there instead.
 *
 * Appending follows record_journal() (server/record/record.c) exactly: numbers are taken by
 * updating meetings.journal_seq (which locks the meeting row until the transaction ends), each
 * entry is canonicalised by the domain's journal code and chained onto the one before, and the
 * rows are inserted with the same columns. It differs only in doing n entries with two statements
 * for the numbers and the previous hash and one INSERT (VOTE_JOURNAL_INSERT, which a batch of
 * ballots runs together with its own rows) instead of 3n statements: a batch then costs the same
 * few round trips to the database whatever its size. record_verify_journal() verifies what it
 * writes like any other entry.
 */
#include "votes-private.h"

#include "domain/journal.h"
#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-votes"

void vote_journal_item_clear(VoteJournalItem *item)
{
    g_clear_pointer(&item->actor, g_free);
    g_clear_pointer(&item->payload, json_node_unref);
    g_clear_pointer(&item->hash_hex, g_free);
}

void vote_journal_rows_clear(VoteJournalRows *rows)
{
    g_clear_pointer(&rows->kinds, g_free);
    g_clear_pointer(&rows->ats, g_free);
    g_clear_pointer(&rows->actors, g_free);
    g_clear_pointer(&rows->entries, g_free);
    g_clear_pointer(&rows->hashes, g_free);
}

/* One element of an array literal: quoted, with double quotes and backslashes escaped; NULL
 * unquoted. */
static void array_append(GString *out, const char *value)
{
    if (out->len > 1)
        g_string_append_c(out, ',');
    if (!value) {
        g_string_append(out, "NULL");
        return;
    }
    g_string_append_c(out, '"');
    for (const char *c = value; *c; c++) {
        if (*c == '"' || *c == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

static char *array_finish(GString *out)
{
    g_string_append_c(out, '}');
    return g_string_free(out, FALSE);
}

gboolean vote_journal_prepare(DbConn *conn, gint64 meeting_id, VoteJournalItem *items, guint n,
                              gint64 *first_seq, VoteJournalRows *rows, GError **error)
{
    char mid[24], cnt[24];
    const char *p[] = {vote_i64(mid, meeting_id), vote_i64(cnt, n)};
    /* The numbers, locking the meeting row, and the previous entry's hash in the same statement
     * when its snapshot shows it. A statement that waited for the lock still has the snapshot it
     * started with, which misses the entries of the transaction it waited for: then the entry is
     * not there (entries are never changed, so a hash it does find is the one) and a statement of
     * its own, with a snapshot taken after that transaction committed, reads it. */
    g_autoptr(DbRows) r = db_conn_exec_prepared(
        conn,
        "UPDATE meetings m SET journal_seq = journal_seq + $2 WHERE id = $1 RETURNING "
        "journal_seq, (SELECT encode(j.hash, 'hex') FROM meeting_journal j WHERE j.meeting_id = "
        "$1 AND j.seq = m.journal_seq - $2)",
        2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) != 1) {
        g_set_error(error, RECORD_ERROR, RECORD_ERROR_NO_MEETING, "no meeting %s", mid);
        return FALSE;
    }
    gint64 first = db_rows_get_int64(r, 0, 0) - n + 1;
    JournalHash prev;
    journal_hash_genesis(&prev);
    if (first > 1) {
        g_autoptr(DbRows) h = NULL;
        const char *hex = db_rows_is_null(r, 0, 1) ? NULL : db_rows_get(r, 0, 1);
        if (!hex) {
            char ps[24];
            const char *q[] = {mid, vote_i64(ps, first - 1)};
            h = db_conn_exec_prepared(conn,
                                      "SELECT encode(hash, 'hex') FROM meeting_journal WHERE "
                                      "meeting_id = $1 AND seq = $2",
                                      2, q, error);
            if (!h)
                return FALSE;
            hex = db_rows_count(h) == 1 ? db_rows_get(h, 0, 0) : NULL;
        }
        if (!hex || !journal_hash_from_hex(hex, &prev, NULL)) {
            g_set_error(error, RECORD_ERROR, RECORD_ERROR_INVALID,
                        "meeting %s journal: entry %" G_GINT64_FORMAT " is missing or damaged", mid,
                        first - 1);
            return FALSE;
        }
    }
    GString *kinds = g_string_new("{"), *ats = g_string_new("{"), *actors = g_string_new("{"),
            *entries = g_string_new("{"), *hashes = g_string_new("{");
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < n; i++) {
        gint64 seq = first + i;
        gint64 at_us = g_get_real_time();
        g_autoptr(JournalEntry) entry = journal_entry_new(meeting_id, seq, items[i].kind, at_us,
                                                          items[i].actor, items[i].payload);
        gsize len = 0;
        g_autoptr(GError) local = NULL;
        g_autofree char *canonical = journal_entry_canonicalise(entry, &len, &local);
        if (!canonical) {
            g_set_error(error, RECORD_ERROR, RECORD_ERROR_INVALID, "journal entry %s: %s",
                        items[i].kind, local->message);
            ok = FALSE;
            break;
        }
        JournalHash h;
        journal_hash_chain(&prev, canonical, len, &h);
        prev = h;
        g_autofree char *at = journal_format_time(at_us);
        items[i].seq = seq;
        items[i].hash_hex = journal_hash_to_hex(&h);
        array_append(kinds, items[i].kind);
        array_append(ats, at);
        array_append(actors, items[i].actor);
        array_append(entries, canonical);
        array_append(hashes, items[i].hash_hex);
    }
    rows->kinds = array_finish(kinds);
    rows->ats = array_finish(ats);
    rows->actors = array_finish(actors);
    rows->entries = array_finish(entries);
    rows->hashes = array_finish(hashes);
    if (!ok) {
        vote_journal_rows_clear(rows);
        return FALSE;
    }
    *first_seq = first;
    return TRUE;
}

/* ---- checking rows against their entries ---- */

/* The canonical text of a JSON value, for comparing two values. (transfer full) or NULL. */
static char *canonical_of(JsonNode *node)
{
    return node ? journal_canonical_json(node, NULL, NULL) : NULL;
}

static JsonNode *parse_json(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    if (!text || !json_parser_load_from_data(parser, text, -1, NULL) ||
        !json_parser_get_root(parser))
        return NULL;
    return json_node_copy(json_parser_get_root(parser));
}

/* Why the entry (canonical text) does not record this ballot, or NULL when it does. choice NULL:
 * a secret ballot's participation. (transfer full) */
static char *ballot_disagrees(const char *entry_text, const char *row_hash, const char *entry_hash,
                              gint64 poll_id, gint64 user_id, const char *choice, gint revision)
{
    if (!entry_text)
        return g_strdup("the ballot names a journal entry that does not exist");
    if (g_strcmp0(row_hash, entry_hash) != 0)
        return g_strdup("the ballot's receipt hash differs from its journal entry's hash");
    g_autoptr(JournalEntry) e = journal_entry_parse_canonical(entry_text, strlen(entry_text), NULL);
    if (!e)
        return g_strdup("the ballot's journal entry is not canonical");
    g_autofree char *actor = vote_actor(user_id);
    if (g_strcmp0(e->kind, choice ? "vote.cast" : "vote.secret_ballot") != 0 ||
        g_strcmp0(e->actor, actor) != 0)
        return g_strdup_printf("the journal entry is not the ballot of member %" G_GINT64_FORMAT,
                               user_id);
    JsonObject *o =
        e->payload && JSON_NODE_HOLDS_OBJECT(e->payload) ? json_node_get_object(e->payload) : NULL;
    if (!o || json_object_get_int_member_with_default(o, "poll_id", 0) != poll_id)
        return g_strdup_printf("the journal entry is not a ballot of poll %" G_GINT64_FORMAT,
                               poll_id);
    if (!choice)
        return NULL;
    if (g_strcmp0(json_object_get_string_member_with_default(o, "choice", ""), choice) != 0 ||
        json_object_get_int_member_with_default(o, "revision", 0) != revision)
        return g_strdup_printf("the stored ballot of member %" G_GINT64_FORMAT " (%s, revision "
                               "%d) differs from its journal entry",
                               user_id, choice, revision);
    return NULL;
}

typedef struct {
    gint64 first_bad_seq;
    char *reason;
    gint64 checked;
} RowCheck;

static void row_check_bad(RowCheck *rc, gint64 seq, char *why)
{
    if (rc->first_bad_seq == 0 || seq < rc->first_bad_seq) {
        rc->first_bad_seq = seq;
        g_free(rc->reason);
        rc->reason = why;
    } else {
        g_free(why);
    }
}

/* Every named ballot and secret participation of the meeting (or of one poll) against its entry. */
static gboolean check_ballot_rows(DbConn *conn, gint64 meeting_id, RowCheck *rc, GError **error)
{
    char mid[24];
    const char *p[] = {vote_i64(mid, meeting_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT b.poll_id, b.user_id, b.choice, b.revision, b.journal_seq, "
        "       encode(b.journal_hash, 'hex'), j.entry, encode(j.hash, 'hex'), "
        "       o.user_id IS NOT NULL "
        "FROM (SELECT poll_id, user_id, choice, revision, journal_seq, journal_hash "
        "      FROM poll_ballots UNION ALL "
        "      SELECT poll_id, user_id, NULL, 0, journal_seq, journal_hash FROM poll_voters) b "
        "JOIN polls p ON p.id = b.poll_id "
        "LEFT JOIN poll_roster o ON o.poll_id = b.poll_id AND o.user_id = b.user_id "
        "LEFT JOIN meeting_journal j ON j.meeting_id = p.meeting_id AND j.seq = b.journal_seq "
        "WHERE p.meeting_id = $1 ORDER BY b.journal_seq",
        1, p, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        rc->checked++;
        if (!db_rows_get_bool(r, i, 8)) {
            row_check_bad(rc, db_rows_get_int64(r, i, 4),
                          g_strdup_printf("the ballot of member %s in poll %s: not on the poll's "
                                          "roster",
                                          db_rows_get(r, i, 1), db_rows_get(r, i, 0)));
            continue;
        }
        char *why =
            ballot_disagrees(db_rows_get(r, i, 6), db_rows_get(r, i, 5), db_rows_get(r, i, 7),
                             db_rows_get_int64(r, i, 0), db_rows_get_int64(r, i, 1),
                             db_rows_get(r, i, 2), (gint)db_rows_get_int64(r, i, 3));
        if (why)
            row_check_bad(rc, db_rows_get_int64(r, i, 4), why);
    }
    /* Results: the stored result and totals against the "vote.closed" entry. */
    g_autoptr(DbRows) res = db_conn_exec(
        conn,
        "SELECT p.id, p.result_journal_seq, p.result::text, j.entry, "
        "       (SELECT json_agg(json_build_array(t.row_position, t.choice, t.count) "
        "               ORDER BY t.row_position, t.choice) FROM poll_tallies t "
        "        WHERE t.poll_id = p.id)::text "
        "FROM polls p LEFT JOIN meeting_journal j ON j.meeting_id = p.meeting_id "
        "AND j.seq = p.result_journal_seq WHERE p.meeting_id = $1 AND p.state = 'closed' "
        "ORDER BY p.result_journal_seq",
        1, p, error);
    if (!res)
        return FALSE;
    for (guint i = 0; i < db_rows_count(res); i++) {
        gint64 seq = db_rows_get_int64(res, i, 1);
        const char *text = db_rows_get(res, i, 3);
        rc->checked++;
        g_autoptr(JournalEntry) e =
            text ? journal_entry_parse_canonical(text, strlen(text), NULL) : NULL;
        JsonObject *o = e && e->payload && JSON_NODE_HOLDS_OBJECT(e->payload)
                            ? json_node_get_object(e->payload)
                            : NULL;
        if (!o || g_strcmp0(e->kind, "vote.closed") != 0 ||
            json_object_get_int_member_with_default(o, "poll_id", 0) !=
                db_rows_get_int64(res, i, 0)) {
            row_check_bad(rc, seq,
                          g_strdup_printf("the result of poll %s names no result entry",
                                          db_rows_get(res, i, 0)));
            continue;
        }
        g_autoptr(JsonNode) stored = parse_json(db_rows_get(res, i, 2));
        g_autofree char *a = canonical_of(stored);
        g_autofree char *b = canonical_of(json_object_get_member(o, "result"));
        /* The entry's tally and the stored totals, compared as sets of [row, choice, count]. */
        g_autoptr(JsonNode) tally = parse_json(db_rows_get(res, i, 4));
        JsonNode *entry_tally = json_object_get_member(o, "tally");
        g_autoptr(GHashTable) written =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        guint n_written = 0, n_stored = 0;
        if (entry_tally && JSON_NODE_HOLDS_ARRAY(entry_tally)) {
            JsonArray *arr = json_node_get_array(entry_tally);
            n_written = json_array_get_length(arr);
            for (guint k = 0; k < n_written; k++) {
                char *c = canonical_of(json_array_get_element(arr, k));
                if (c)
                    g_hash_table_add(written, c);
            }
        }
        gboolean same_tally = TRUE;
        if (tally && JSON_NODE_HOLDS_ARRAY(tally)) {
            JsonArray *arr = json_node_get_array(tally);
            n_stored = json_array_get_length(arr);
            for (guint k = 0; k < n_stored; k++) {
                g_autofree char *c = canonical_of(json_array_get_element(arr, k));
                same_tally = same_tally && c && g_hash_table_contains(written, c);
            }
        }
        same_tally = same_tally && n_written == n_stored;
        if (g_strcmp0(a, b) != 0 || !same_tally)
            row_check_bad(rc, seq,
                          g_strdup_printf("the stored result of poll %s differs from its "
                                          "journal entry",
                                          db_rows_get(res, i, 0)));
    }
    return TRUE;
}

static void add_opt_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_int_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void add_opt_str(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

/* The chain's verification as {entries, head_seq, head_hash, first_bad_seq, reason}. */
static void add_chain(JsonBuilder *b, const RecordVerification *v)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "entries");
    json_builder_add_int_value(b, v->entries);
    add_opt_int(b, "head_seq", v->first_bad_seq ? 0 : v->entries);
    add_opt_str(b, "head_hash", v->head_hash_hex);
    add_opt_int(b, "first_bad_seq", v->first_bad_seq);
    add_opt_str(b, "reason", v->reason);
    json_builder_end_object(b);
}

JsonNode *vote_verify_meeting(DbConn *conn, gint64 meeting_id, GError **error)
{
    RecordVerification v;
    if (!record_verify_journal(conn, meeting_id, &v, error))
        return NULL;
    RowCheck rc = {0};
    if (!check_ballot_rows(conn, meeting_id, &rc, error)) {
        record_verification_clear(&v);
        g_free(rc.reason);
        return NULL;
    }
    gint64 first_bad = v.first_bad_seq;
    const char *reason = v.reason;
    if (rc.first_bad_seq && (!first_bad || rc.first_bad_seq < first_bad)) {
        first_bad = rc.first_bad_seq;
        reason = rc.reason;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, meeting_id);
    json_builder_set_member_name(b, "verified");
    json_builder_add_boolean_value(b, first_bad == 0);
    add_opt_int(b, "first_bad_seq", first_bad);
    add_opt_str(b, "reason", reason);
    json_builder_set_member_name(b, "chain");
    add_chain(b, &v);
    json_builder_set_member_name(b, "records_checked");
    json_builder_add_int_value(b, rc.checked);
    json_builder_end_object(b);
    record_verification_clear(&v);
    g_free(rc.reason);
    return json_builder_get_root(b);
}

JsonNode *vote_verify_my_ballot(DbConn *conn, gint64 meeting_id, gint64 poll_id, gint64 user_id,
                                GError **error)
{
    g_autoptr(Poll) poll = poll_load(conn, meeting_id, poll_id, FALSE, error);
    if (!poll)
        return NULL;
    gboolean secret = poll->rules.form == VOTE_FORM_SECRET;
    char pid[24], uid[24], mid[24];
    const char *p[] = {vote_i64(pid, poll->id), vote_i64(uid, user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        secret ? "SELECT NULL, 0, journal_seq, encode(journal_hash, 'hex') FROM poll_voters "
                 "WHERE poll_id = $1 AND user_id = $2"
               : "SELECT choice, revision, journal_seq, encode(journal_hash, 'hex') "
                 "FROM poll_ballots WHERE poll_id = $1 AND user_id = $2 "
                 "ORDER BY revision DESC LIMIT 1",
        2, p, error);
    if (!r)
        return NULL;
    if (db_rows_count(r) == 0) {
        poll_set_error(error, POLL_ERROR_NOT_FOUND,
                       "you have no recorded ballot in poll %" G_GINT64_FORMAT, poll->id);
        return NULL;
    }
    const char *choice = db_rows_get(r, 0, 0);
    gint revision = (gint)db_rows_get_int64(r, 0, 1);
    gint64 seq = db_rows_get_int64(r, 0, 2);
    const char *receipt_hash = db_rows_get(r, 0, 3);

    char sq[24], ps[24];
    const char *jp[] = {vote_i64(mid, poll->meeting_id), vote_i64(sq, seq), vote_i64(ps, seq - 1)};
    g_autoptr(DbRows) j = db_conn_exec(
        conn,
        "SELECT seq, entry, encode(hash, 'hex') FROM meeting_journal WHERE meeting_id = $1 "
        "AND seq IN ($2, $3) ORDER BY seq DESC",
        3, jp, error);
    if (!j)
        return NULL;
    const char *entry = NULL, *entry_hash = NULL, *prev_hex = NULL;
    for (guint i = 0; i < db_rows_count(j); i++) {
        if (db_rows_get_int64(j, i, 0) == seq) {
            entry = db_rows_get(j, i, 1);
            entry_hash = db_rows_get(j, i, 2);
        } else {
            prev_hex = db_rows_get(j, i, 2);
        }
    }
    /* Recompute the entry's hash from the previous one, as the member's own check would. */
    gboolean hash_ok = FALSE;
    g_autofree char *recomputed = NULL;
    if (entry) {
        JournalHash prev, h;
        journal_hash_genesis(&prev);
        if (seq == 1 || (prev_hex && journal_hash_from_hex(prev_hex, &prev, NULL))) {
            journal_hash_chain(&prev, entry, strlen(entry), &h);
            recomputed = journal_hash_to_hex(&h);
            hash_ok =
                g_strcmp0(recomputed, entry_hash) == 0 && g_strcmp0(recomputed, receipt_hash) == 0;
        }
    }
    g_autofree char *why =
        ballot_disagrees(entry, receipt_hash, entry_hash, poll->id, user_id, choice, revision);
    RecordVerification v;
    if (!record_verify_journal(conn, poll->meeting_id, &v, error))
        return NULL;
    gboolean chain_ok = v.first_bad_seq == 0;

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "receipt");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, poll->meeting_id);
    json_builder_set_member_name(b, "poll_id");
    json_builder_add_int_value(b, poll->id);
    json_builder_set_member_name(b, "secret");
    json_builder_add_boolean_value(b, secret);
    if (!secret) {
        json_builder_set_member_name(b, "choice");
        json_builder_add_string_value(b, choice);
        json_builder_set_member_name(b, "revision");
        json_builder_add_int_value(b, revision);
    }
    json_builder_set_member_name(b, "journal_seq");
    json_builder_add_int_value(b, seq);
    json_builder_set_member_name(b, "hash");
    json_builder_add_string_value(b, receipt_hash);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "entry");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "seq");
    json_builder_add_int_value(b, seq);
    add_opt_str(b, "text", entry);
    add_opt_str(b, "hash", entry_hash);
    add_opt_str(b, "previous_hash",
                seq == 1 ? "0000000000000000000000000000000000000000000000000000000000000000"
                         : prev_hex);
    add_opt_str(b, "recomputed_hash", recomputed);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "checks");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "entry_hash");
    json_builder_add_boolean_value(b, hash_ok);
    json_builder_set_member_name(b, "matches_ballot");
    json_builder_add_boolean_value(b, why == NULL);
    add_opt_str(b, "mismatch", why);
    json_builder_set_member_name(b, "chain");
    json_builder_add_boolean_value(b, chain_ok);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "chain");
    add_chain(b, &v);
    json_builder_set_member_name(b, "verified");
    json_builder_add_boolean_value(b, hash_ok && why == NULL && chain_ok);
    json_builder_end_object(b);
    record_verification_clear(&v);
    return json_builder_get_root(b);
}
