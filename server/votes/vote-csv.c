/* vote-csv.c: a closed poll's results and its per-member named records as CSV.
 *
 * Design. The files are for spreadsheets and archives, so they follow RFC 4180 strictly: every
 * line has the same fields, lines end with CRLF, a field is quoted when it holds a comma, a quote,
 * CR or LF (quotes doubled inside). They are UTF-8 with a byte order mark, which is how Excel
 * recognises UTF-8 and shows Vietnamese correctly. Shares are written with a decimal point and no
 * sign ("76.00") so a spreadsheet reads them as numbers; the Vietnamese wording of the minutes
 * (with its decimal comma) comes in the last lines of results.csv, exactly as recorded.
 *
 * Everything is read from the stored result (polls.result, written by the closing transaction),
 * never recomputed, so the file says what the record says.
 */
#include "votes-private.h"

#include <string.h>

static void csv_field(GString *out, const char *value, gboolean last)
{
    if (!value)
        value = "";
    if (strpbrk(value, ",\"\r\n")) {
        g_string_append_c(out, '"');
        for (const char *p = value; *p; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
    } else {
        g_string_append(out, value);
    }
    g_string_append(out, last ? "\r\n" : ",");
}

static void csv_line(GString *out, const char *const *fields, guint n)
{
    for (guint i = 0; i < n; i++)
        csv_field(out, fields[i], i + 1 == n);
}

static GString *csv_start(void)
{
    GString *out = g_string_new("\xEF\xBB\xBF"); /* the byte order mark */
    return out;
}

static gboolean require_closed(const Poll *poll, GError **error)
{
    if (poll->state == POLL_STATE_CLOSED && poll->result)
        return TRUE;
    poll_set_error(error, POLL_ERROR_STATE,
                   "poll %" G_GINT64_FORMAT " is %s: its results exist once it is closed", poll->id,
                   poll_state_to_string(poll->state));
    return FALSE;
}

static char *share(gint64 count, gint64 base)
{
    if (base <= 0)
        return g_strdup("");
    g_autofree char *p = vote_format_percent(count, base, VOTE_LANG_EN);
    p[strlen(p) - 1] = '\0'; /* without '%' */
    return g_strdup(p);
}

static const char *option_vi(const char *option)
{
    static const char *const names[][2] = {
        {"participants", "tham gia biểu quyết"},
        {"for", "tán thành"},
        {"against", "không tán thành"},
        {"abstain", "không biểu quyết"},
        {"issued", "phiếu phát ra"},
        {"returned", "phiếu thu vào"},
        {"valid", "phiếu hợp lệ"},
        {"invalid", "phiếu không hợp lệ"},
        {"votes", "số phiếu bầu"},
        {"high", "tín nhiệm cao"},
        {"medium", "tín nhiệm"},
        {"low", "tín nhiệm thấp"},
        {"confidence", "tín nhiệm"},
        {"no_confidence", "không tín nhiệm"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        if (g_str_equal(names[i][0], option))
            return names[i][1];
    return "";
}

typedef struct {
    GString *out;
    const Poll *poll;
    gint64 base;
} Rows;

static void result_row(Rows *r, gint64 position, const char *name, const char *option,
                       const char *label, gint64 count, gboolean with_share, const char *outcome)
{
    char pid[24], pos[24], cnt[24], base[24];
    g_autofree char *sh = with_share ? share(count, r->base) : g_strdup("");
    const char *f[] = {vote_i64(pid, r->poll->id),
                       r->poll->title,
                       vote_i64(pos, position),
                       name,
                       option,
                       label ? label : option_vi(option),
                       vote_i64(cnt, count),
                       with_share ? vote_i64(base, r->base) : "",
                       sh,
                       outcome};
    csv_line(r->out, f, G_N_ELEMENTS(f));
}

static gint64 member_int(JsonObject *o, const char *name)
{
    return o ? json_object_get_int_member_with_default(o, name, 0) : 0;
}

static void ballot_rows(Rows *r, JsonObject *result)
{
    JsonObject *b = json_object_has_member(result, "ballots")
                        ? json_object_get_object_member(result, "ballots")
                        : NULL;
    if (!b)
        return;
    static const char *const kinds[] = {"issued", "returned", "valid", "invalid"};
    for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
        result_row(r, 0, "", kinds[i], NULL, member_int(b, kinds[i]), FALSE, "");
}

GBytes *vote_results_csv(DbConn *conn, const Poll *poll, GError **error)
{
    if (!require_closed(poll, error))
        return NULL;
    JsonObject *result = json_node_get_object(poll->result);
    Rows r = {csv_start(), poll, member_int(result, "base")};
    static const char *const header[] = {"poll_id",   "poll",  "row",  "name",          "option",
                                         "option_vi", "count", "base", "share_percent", "outcome"};
    csv_line(r.out, header, G_N_ELEMENTS(header));
    ballot_rows(&r, result);
    switch (poll->rules.subject) {
    case VOTE_SUBJECT_MOTION: {
        gboolean passed = json_object_get_boolean_member_with_default(result, "passed", FALSE);
        result_row(&r, 0, "", "participants", NULL, member_int(result, "participants"), TRUE, "");
        result_row(&r, 0, "", "for", NULL, member_int(result, "for"), TRUE,
                   passed ? "passed" : "not_passed");
        result_row(&r, 0, "", "against", NULL, member_int(result, "against"), TRUE, "");
        result_row(&r, 0, "", "abstain", NULL, member_int(result, "abstain"), TRUE, "");
        break;
    }
    case VOTE_SUBJECT_ELECTION: {
        JsonArray *c = json_object_get_array_member(result, "candidates");
        for (guint i = 0; c && i < json_array_get_length(c); i++) {
            JsonObject *o = json_array_get_object_element(c, i);
            result_row(&r, member_int(o, "position"),
                       json_object_get_string_member_with_default(o, "name", ""), "votes", NULL,
                       member_int(o, "votes"), TRUE,
                       json_object_get_string_member_with_default(o, "outcome", ""));
        }
        break;
    }
    default: {
        gboolean conf = poll->rules.subject == VOTE_SUBJECT_CONFIDENCE;
        JsonArray *rows = json_object_get_array_member(result, "rows");
        for (guint i = 0; rows && i < json_array_get_length(rows); i++) {
            JsonObject *o = json_array_get_object_element(rows, i);
            gint64 pos = member_int(o, "position");
            const char *name = json_object_get_string_member_with_default(o, "name", "");
            if (conf) {
                result_row(&r, pos, name, "high", NULL, member_int(o, "high"), TRUE, "");
                result_row(&r, pos, name, "medium", NULL, member_int(o, "medium"), TRUE, "");
                result_row(&r, pos, name, "low", NULL, member_int(o, "low"), TRUE,
                           json_object_get_string_member_with_default(o, "band", ""));
            } else {
                gboolean lost = json_object_get_boolean_member_with_default(o, "lost", FALSE);
                result_row(&r, pos, name, "confidence", NULL, member_int(o, "confidence"), TRUE,
                           "");
                result_row(&r, pos, name, "no_confidence", NULL, member_int(o, "no_confidence"),
                           TRUE, lost ? "lost" : "kept");
            }
        }
        break;
    }
    }
    /* The minutes' wording, line by line, as recorded. */
    g_auto(GStrv) lines = g_strsplit(poll->wording_vi ? poll->wording_vi : "", "\n", -1);
    for (guint i = 0; lines[i]; i++)
        if (*lines[i])
            result_row(&r, 0, "", "wording", lines[i], i + 1, FALSE, "");
    gsize len = r.out->len;
    return g_bytes_new_take(g_string_free(r.out, FALSE), len);
}

GBytes *vote_named_csv(DbConn *conn, const Poll *poll, GError **error)
{
    if (!require_closed(poll, error))
        return NULL;
    if (poll->rules.form != VOTE_FORM_NAMED) {
        poll_set_error(error, POLL_ERROR_STATE,
                       "poll %" G_GINT64_FORMAT " is a %s: it has no named records", poll->id,
                       poll->rules.form == VOTE_FORM_SECRET  ? "secret ballot"
                       : poll->rules.form == VOTE_FORM_PAPER ? "paper ballot"
                                                             : "show of hands");
        return NULL;
    }
    char pid[24];
    const char *p[] = {vote_i64(pid, poll->id)};
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        "SELECT u.id, u.full_name, b.choice, b.revision, b.journal_seq, "
        "       encode(b.journal_hash, 'hex'), "
        "       to_char(b.cast_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
        "FROM poll_roster r JOIN users u ON u.id = r.user_id "
        "LEFT JOIN LATERAL (SELECT * FROM poll_ballots x WHERE x.poll_id = r.poll_id AND "
        "                   x.user_id = r.user_id ORDER BY x.revision DESC LIMIT 1) b ON true "
        "WHERE r.poll_id = $1 ORDER BY u.full_name COLLATE \"C\", u.id",
        1, p, error);
    if (!rows)
        return NULL;
    GString *out = csv_start();
    static const char *const header[] = {"poll_id",     "member_id", "full_name",
                                         "choice",      "choice_vi", "revision",
                                         "journal_seq", "hash",      "cast_at"};
    csv_line(out, header, G_N_ELEMENTS(header));
    for (guint i = 0; i < db_rows_count(rows); i++) {
        const char *choice = db_rows_get(rows, i, 2);
        const char *f[] = {pid,
                           db_rows_get(rows, i, 0),
                           db_rows_get(rows, i, 1),
                           choice ? choice : "",
                           choice ? option_vi(choice) : "không tham gia biểu quyết",
                           db_rows_get(rows, i, 3),
                           db_rows_get(rows, i, 4),
                           db_rows_get(rows, i, 5),
                           db_rows_get(rows, i, 6)};
        csv_line(out, f, G_N_ELEMENTS(f));
    }
    gsize len = out->len;
    return g_bytes_new_take(g_string_free(out, FALSE), len);
}
