/* record.c: appending to a meeting's events and journal, and verifying the journal.
 *
 * Numbering: meetings.event_seq and meetings.journal_seq hold the last number used. Taking the
 * next one is an UPDATE of the meeting row, which also locks the row until the transaction ends:
 * two transactions appending to one meeting are serialised, so numbers have no gaps and the
 * journal's previous hash is always the committed one. A transaction that rolls back gives its
 * numbers back with everything else.
 *
 * The journal stores each entry's canonical text (server/domain/journal.h) and its hash; the
 * columns kind, at and actor repeat what the entry says, for queries, and verification checks
 * that they still agree. Verification reads the chain in order and recomputes every hash, so
 * changing any stored byte makes it fail at that entry.
 *
 * Events are announced with NOTIFY RECORD_CHANNEL "MEETING:SEQ"; PostgreSQL delivers it only when
 * the transaction commits.
 */
#include "record.h"

#include "journal.h"

#include <string.h>

G_DEFINE_QUARK(record_error, record_error)

static const char *i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

/* Takes the next number of a counter column of the meeting (locking its row). */
static gboolean next_seq(DbConn *conn, gint64 meeting_id, const char *column, gint64 *seq,
                         GError **error)
{
    char id[24];
    const char *p[] = {i64(id, meeting_id)};
    g_autofree char *sql = g_strdup_printf(
        "UPDATE meetings SET %s = %s + 1 WHERE id = $1 RETURNING %s", column, column, column);
    g_autoptr(DbRows) r = db_conn_exec(conn, sql, 1, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) != 1) {
        g_set_error(error, RECORD_ERROR, RECORD_ERROR_NO_MEETING, "no meeting %" G_GINT64_FORMAT,
                    meeting_id);
        return FALSE;
    }
    *seq = db_rows_get_int64(r, 0, 0);
    return TRUE;
}

gboolean record_event(DbConn *conn, gint64 meeting_id, const char *kind, JsonNode *payload,
                      const RecordVisibility *visibility, gint64 *seq_out, GError **error)
{
    g_return_val_if_fail(kind && payload && JSON_NODE_HOLDS_OBJECT(payload), FALSE);
    static const RecordVisibility members_only = {FALSE, NULL, 0};
    if (!visibility)
        visibility = &members_only;
    gint64 seq = 0;
    if (!next_seq(conn, meeting_id, "event_seq", &seq, error))
        return FALSE;
    g_autofree char *json = json_to_string(payload, FALSE);
    g_autofree char *audience = NULL;
    if (visibility->audience) {
        GString *s = g_string_new("{");
        for (guint i = 0; i < visibility->n_audience; i++)
            g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? "," : "", visibility->audience[i]);
        g_string_append_c(s, '}');
        audience = g_string_free(s, FALSE);
    }
    char mid[24], sq[24];
    const char *p[] = {i64(mid, meeting_id),
                       i64(sq, seq),
                       kind,
                       json,
                       visibility->is_public ? "t" : "f",
                       audience};
    if (!db_conn_run(conn,
                     "INSERT INTO meeting_events (meeting_id, seq, kind, payload, is_public, "
                     "audience) VALUES ($1, $2, $3, $4::jsonb, $5, $6::bigint[])",
                     6, p, error))
        return FALSE;
    g_autofree char *note = g_strdup_printf("%s:%s", mid, sq);
    const char *n[] = {note};
    if (!db_conn_run(conn, "SELECT pg_notify('" RECORD_CHANNEL "', $1)", 1, n, error))
        return FALSE;
    if (seq_out)
        *seq_out = seq;
    return TRUE;
}

gboolean record_journal(DbConn *conn, gint64 meeting_id, const char *kind, const char *actor,
                        JsonNode *payload, gint64 *seq_out, char **hash_hex_out, GError **error)
{
    g_return_val_if_fail(kind && payload, FALSE);
    gint64 seq = 0;
    if (!next_seq(conn, meeting_id, "journal_seq", &seq, error))
        return FALSE;
    JournalHash prev;
    journal_hash_genesis(&prev);
    if (seq > 1) {
        char mid[24], ps[24];
        const char *p[] = {i64(mid, meeting_id), i64(ps, seq - 1)};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            "SELECT encode(hash, 'hex') FROM meeting_journal WHERE meeting_id = $1 AND seq = $2", 2,
            p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) != 1 || !journal_hash_from_hex(db_rows_get(r, 0, 0), &prev, error)) {
            g_set_error(error, RECORD_ERROR, RECORD_ERROR_INVALID,
                        "meeting %" G_GINT64_FORMAT " journal: entry %" G_GINT64_FORMAT
                        " is missing or damaged",
                        meeting_id, seq - 1);
            return FALSE;
        }
    }
    /* Microseconds, as the journal format and timestamptz both keep them. */
    gint64 at_us = g_get_real_time();
    g_autoptr(JournalEntry) entry = journal_entry_new(meeting_id, seq, kind, at_us, actor, payload);
    gsize len = 0;
    g_autoptr(GError) local = NULL;
    g_autofree char *canonical = journal_entry_canonicalise(entry, &len, &local);
    if (!canonical) {
        g_set_error(error, RECORD_ERROR, RECORD_ERROR_INVALID, "journal entry %s: %s", kind,
                    local->message);
        return FALSE;
    }
    JournalHash h;
    journal_hash_chain(&prev, canonical, len, &h);
    g_autofree char *hex = journal_hash_to_hex(&h);
    g_autofree char *at = journal_format_time(at_us);
    char mid[24], sq[24];
    const char *p[] = {i64(mid, meeting_id), i64(sq, seq), kind, at, actor, canonical, hex};
    if (!db_conn_run(conn,
                     "INSERT INTO meeting_journal (meeting_id, seq, kind, at, actor, entry, hash) "
                     "VALUES ($1, $2, $3, $4::timestamptz, $5, $6, decode($7, 'hex'))",
                     7, p, error))
        return FALSE;
    if (seq_out)
        *seq_out = seq;
    if (hash_hex_out)
        *hash_hex_out = g_steal_pointer(&hex);
    return TRUE;
}

gboolean record_fact(DbConn *conn, gint64 meeting_id, const char *kind, const char *actor,
                     JsonNode *payload, const RecordVisibility *visibility, GError **error)
{
    return record_journal(conn, meeting_id, kind, actor, payload, NULL, NULL, error) &&
           record_event(conn, meeting_id, kind, payload, visibility, NULL, error);
}

void record_verification_clear(RecordVerification *v)
{
    g_clear_pointer(&v->reason, g_free);
    g_clear_pointer(&v->head_hash_hex, g_free);
}

/* Checks that the row's columns say what its entry says. */
static char *row_disagrees(const JournalEntry *e, DbRows *r, guint i)
{
    gint64 at_us = 0;
    if (!journal_parse_time(db_rows_get(r, i, 4), &at_us, NULL))
        return g_strdup("its time column is not in the journal's form");
    if (e->at_us != at_us)
        return g_strdup("its time column differs from the entry");
    if (g_strcmp0(e->kind, db_rows_get(r, i, 1)) != 0)
        return g_strdup("its kind column differs from the entry");
    if (g_strcmp0(e->actor, db_rows_get(r, i, 2)) != 0)
        return g_strdup("its actor column differs from the entry");
    return NULL;
}

gboolean record_verify_journal(DbConn *conn, gint64 meeting_id, RecordVerification *out,
                               GError **error)
{
    memset(out, 0, sizeof(*out));
    char mid[24];
    const char *p[] = {i64(mid, meeting_id)};
    g_autoptr(DbRows) m = db_conn_exec(conn, "SELECT 1 FROM meetings WHERE id = $1", 1, p, error);
    if (!m)
        return FALSE;
    if (db_rows_count(m) == 0) {
        g_set_error(error, RECORD_ERROR, RECORD_ERROR_NO_MEETING, "no meeting %s", mid);
        return FALSE;
    }
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "SELECT seq, kind, actor, entry, "
                     "       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                     "       encode(hash, 'hex') "
                     "FROM meeting_journal WHERE meeting_id = $1 ORDER BY seq",
                     1, p, error);
    if (!r)
        return FALSE;
    JournalHash prev;
    journal_hash_genesis(&prev);
    gint64 expect = 1;
    for (guint i = 0; i < db_rows_count(r); i++, expect++) {
        gint64 seq = db_rows_get_int64(r, i, 0);
        out->entries = i + 1;
        if (seq != expect) {
            out->first_bad_seq = expect;
            out->reason = g_strdup_printf("entry %" G_GINT64_FORMAT " is missing", expect);
            return TRUE;
        }
        const char *text = db_rows_get(r, i, 3);
        g_autoptr(GError) local = NULL;
        g_autoptr(JournalEntry) e = journal_entry_parse_canonical(text, strlen(text), &local);
        if (!e) {
            out->first_bad_seq = seq;
            out->reason = g_strdup_printf("its entry is not canonical: %s", local->message);
            return TRUE;
        }
        if (e->meeting_id != meeting_id || e->seq != seq) {
            out->first_bad_seq = seq;
            out->reason = g_strdup("its entry names another meeting or position");
            return TRUE;
        }
        char *why = row_disagrees(e, r, i);
        if (why) {
            out->first_bad_seq = seq;
            out->reason = why;
            return TRUE;
        }
        JournalHash h, stored;
        journal_hash_chain(&prev, text, strlen(text), &h);
        if (!journal_hash_from_hex(db_rows_get(r, i, 5), &stored, NULL) ||
            !journal_hash_equal(&h, &stored)) {
            out->first_bad_seq = seq;
            out->reason = g_strdup("its hash does not match SHA-256(previous hash || entry)");
            return TRUE;
        }
        prev = h;
    }
    if (db_rows_count(r) > 0)
        out->head_hash_hex = journal_hash_to_hex(&prev);
    return TRUE;
}
