/* minutes-record.c: reading the record a draft of the minutes is made from.
 *
 * Design. Everything the minutes state is read in one transaction, so the draft is one consistent
 * moment of the record. Attendance counts a member as present if they checked in to the meeting
 * at any time (the minutes record who took part, not who is in the hall at the moment of
 * printing); the total is the body's roster of members. The agenda keeps its order, sub-items
 * numbered under their item ("2.1"). The chair named for signature is the body's chair who gave
 * the most turns at the floor in this meeting, else its first chair; the session secretary is not
 * recorded yet, so that block is left to be filled in by hand.
 */
#include "minutes-record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-minutes"

static const char *i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

static gboolean gather_meeting(DbConn *conn, gint64 meeting_id, MinutesData *d, gint64 *body_id,
                               GError **error)
{
    char mid[24];
    const char *p[] = {i64(mid, meeting_id)};
    /* Times as epoch microseconds, exact (extract returns numeric); 0 when not set. */
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT b.name, m.title, m.kind, m.is_public, m.location, "
        "       coalesce((extract(epoch FROM m.starts_at) * 1000000)::bigint, 0), "
        "       coalesce((extract(epoch FROM m.opened_at) * 1000000)::bigint, 0), "
        "       coalesce((extract(epoch FROM m.closed_at) * 1000000)::bigint, 0), m.body_id "
        "FROM meetings m JOIN bodies b ON b.id = m.body_id WHERE m.id = $1",
        1, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        g_set_error(error, MINUTES_ERROR, MINUTES_ERROR_RENDER, "no meeting %s", mid);
        return FALSE;
    }
    d->body_name = g_strdup(db_rows_get(r, 0, 0));
    d->meeting_title = g_strdup(db_rows_get(r, 0, 1));
    d->meeting_kind = g_strdup(db_rows_get(r, 0, 2));
    d->is_public = db_rows_get_bool(r, 0, 3);
    d->location = g_strdup(db_rows_get(r, 0, 4));
    d->starts_us = db_rows_get_int64(r, 0, 5);
    d->opened_us = db_rows_get_int64(r, 0, 6);
    d->closed_us = db_rows_get_int64(r, 0, 7);
    *body_id = db_rows_get_int64(r, 0, 8);
    return TRUE;
}

static gboolean gather_attendance(DbConn *conn, gint64 meeting_id, gint64 body_id, MinutesData *d,
                                  GError **error)
{
    char mid[24], bid[24];
    const char *p[] = {i64(mid, meeting_id), i64(bid, body_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT u.full_name, u.title, s.role, "
        "       EXISTS (SELECT 1 FROM attendance_events a WHERE a.meeting_id = $1 "
        "               AND a.user_id = u.id AND a.kind = 'check_in') "
        "    OR (s.role = 'guest' AND EXISTS (SELECT 1 FROM floor_grants g "
        "        WHERE g.meeting_id = $1 AND g.user_id = u.id)) AS took_part "
        "FROM memberships s JOIN users u ON u.id = s.user_id "
        "WHERE s.body_id = $2 AND s.role IN ('member', 'guest') ORDER BY s.role DESC, u.id",
        2, p, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        const char *name = db_rows_get(r, i, 0), *title = db_rows_get(r, i, 1);
        gboolean took_part = db_rows_get_bool(r, i, 3);
        if (g_str_equal(db_rows_get(r, i, 2), "member")) {
            d->total_members++;
            minutes_add_person(took_part ? d->present : d->absent, name, title);
        } else if (took_part) {
            minutes_add_person(d->guests, name, title);
        }
    }
    g_autoptr(DbRows) c = db_conn_exec(
        conn,
        "SELECT u.full_name FROM memberships s JOIN users u ON u.id = s.user_id "
        "WHERE s.body_id = $2 AND s.role = 'chair' "
        "ORDER BY (SELECT count(*) FROM floor_grants g "
        "          WHERE g.meeting_id = $1 AND g.granted_by = u.id) DESC, u.id LIMIT 1",
        2, p, error);
    if (!c)
        return FALSE;
    if (db_rows_count(c))
        d->chair_name = g_strdup(db_rows_get(c, 0, 0));
    return TRUE;
}

static gboolean gather_agenda(DbConn *conn, gint64 meeting_id, MinutesData *d, GError **error)
{
    char mid[24];
    const char *p[] = {i64(mid, meeting_id)};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "SELECT id, coalesce(parent_id, 0), title, presenter "
                                       "FROM agenda_items WHERE meeting_id = $1 "
                                       "ORDER BY position, id",
                                       1, p, error);
    if (!r)
        return FALSE;
    /* Items in order, each followed by its sub-items in theirs. */
    guint top = 0;
    for (guint i = 0; i < db_rows_count(r); i++) {
        if (db_rows_get_int64(r, i, 1) != 0)
            continue;
        g_autofree char *number = g_strdup_printf("%u", ++top);
        minutes_add_item(d, number, db_rows_get(r, i, 2), db_rows_get(r, i, 3));
        gint64 id = db_rows_get_int64(r, i, 0);
        guint sub = 0;
        for (guint j = 0; j < db_rows_count(r); j++) {
            if (db_rows_get_int64(r, j, 1) != id)
                continue;
            g_autofree char *n = g_strdup_printf("%u.%u", top, ++sub);
            minutes_add_item(d, n, db_rows_get(r, j, 2), db_rows_get(r, j, 3));
        }
    }
    return TRUE;
}

static gboolean gather_speakers(DbConn *conn, gint64 meeting_id, MinutesData *d, GError **error)
{
    char mid[24];
    const char *p[] = {i64(mid, meeting_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT u.full_name, u.title, g.kind, "
        "       (extract(epoch FROM g.started_at) * 1000000)::bigint, "
        "       coalesce((extract(epoch FROM g.ended_at) * 1000000)::bigint, 0), g.end_reason "
        "FROM floor_grants g JOIN users u ON u.id = g.user_id "
        "WHERE g.meeting_id = $1 ORDER BY g.started_at, g.id",
        1, p, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++)
        minutes_add_speaker(d, db_rows_get(r, i, 0), db_rows_get(r, i, 1), db_rows_get(r, i, 2),
                            db_rows_get_int64(r, i, 3), db_rows_get_int64(r, i, 4),
                            db_rows_get(r, i, 5));
    return TRUE;
}

/* How a poll was held, as the minutes say it. */
static const char *vote_form_words(const char *form)
{
    if (g_strcmp0(form, "named") == 0)
        return "Hình thức: biểu quyết điện tử ghi danh";
    if (g_strcmp0(form, "secret") == 0)
        return "Hình thức: bỏ phiếu kín điện tử";
    if (g_strcmp0(form, "paper") == 0)
        return "Hình thức: bỏ phiếu kín bằng phiếu giấy";
    return "Hình thức: biểu quyết bằng giơ tay";
}

static const char *vote_choice_words(const char *choice)
{
    if (g_strcmp0(choice, "for") == 0)
        return "tán thành";
    if (g_strcmp0(choice, "against") == 0)
        return "không tán thành";
    if (g_strcmp0(choice, "abstain") == 0)
        return "không biểu quyết";
    return "không tham gia biểu quyết";
}

gboolean minutes_record_gather_votes(DbConn *conn, gint64 meeting_id, MinutesData *data,
                                     GError **error)
{
    /* Each poll that ended, in the order it ended: how it was held, its result in the words the
     * closing transaction recorded (polls.wording_vi, from the rule engine of domain/vote.h), and
     * for a named vote every member's recorded choice, which the law publishes; a cancelled poll
     * with its reason. Secret ballots have only their totals. */
    char mid[24];
    const char *p[] = {i64(mid, meeting_id)};
    g_autoptr(DbRows) polls = db_conn_exec(
        conn,
        "SELECT id, title, form, state, wording_vi, cancel_reason FROM polls "
        "WHERE meeting_id = $1 AND opened_at IS NOT NULL AND state IN ('closed', 'cancelled') "
        "ORDER BY closed_at, id",
        1, p, error);
    if (!polls)
        return FALSE;
    for (guint i = 0; i < db_rows_count(polls); i++) {
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        const char *form = db_rows_get(polls, i, 2);
        g_ptr_array_add(lines, g_strdup(vote_form_words(form)));
        if (g_str_equal(db_rows_get(polls, i, 3), "cancelled")) {
            g_ptr_array_add(lines, g_strdup_printf("Đã hủy: %s", db_rows_get(polls, i, 5)));
        } else {
            g_auto(GStrv) wording = g_strsplit(db_rows_get(polls, i, 4), "\n", -1);
            for (guint k = 0; wording[k]; k++)
                g_ptr_array_add(lines, g_strdup(wording[k]));
        }
        if (g_str_equal(form, "named") && g_str_equal(db_rows_get(polls, i, 3), "closed")) {
            const char *q[] = {db_rows_get(polls, i, 0)};
            g_autoptr(DbRows) named = db_conn_exec(
                conn,
                "SELECT u.full_name, b.choice FROM poll_roster r JOIN users u ON u.id = r.user_id "
                "LEFT JOIN LATERAL (SELECT x.choice FROM poll_ballots x WHERE x.poll_id = "
                "r.poll_id "
                "AND x.user_id = r.user_id ORDER BY x.revision DESC LIMIT 1) b ON true "
                "WHERE r.poll_id = $1 ORDER BY u.full_name COLLATE \"C\", u.id",
                1, q, error);
            if (!named)
                return FALSE;
            g_ptr_array_add(lines, g_strdup("Kết quả biểu quyết ghi danh:"));
            for (guint k = 0; k < db_rows_count(named); k++)
                g_ptr_array_add(lines,
                                g_strdup_printf("%s: %s", db_rows_get(named, k, 0),
                                                vote_choice_words(db_rows_get(named, k, 1))));
        }
        g_ptr_array_add(lines, NULL);
        minutes_add_vote(data, db_rows_get(polls, i, 1), (const char *const *)lines->pdata);
    }
    return TRUE;
}

MinutesData *minutes_record_gather(DbConn *conn, gint64 meeting_id, GError **error)
{
    g_autoptr(MinutesData) d = minutes_data_new();
    gint64 body_id = 0;
    d->generated_us = g_get_real_time();
    if (!gather_meeting(conn, meeting_id, d, &body_id, error) ||
        !gather_attendance(conn, meeting_id, body_id, d, error) ||
        !gather_agenda(conn, meeting_id, d, error) ||
        !gather_speakers(conn, meeting_id, d, error) ||
        !minutes_record_gather_votes(conn, meeting_id, d, error))
        return NULL;
    return g_steal_pointer(&d);
}
