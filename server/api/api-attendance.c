/* api-attendance.c: check-in and check-out of members, by themselves or by the secretariat for
 * them, and the live count present / total against the body's presence quorum.
 *
 * Design. attendance_events is the append-only record of every check-in and check-out, with the
 * site and mode (in the main hall, at a remote site, alone online) and who made it; the view
 * attendance_current is each person's latest event. A change takes the meeting's row lock, builds
 * the domain's AttendRoll (server/domain/attend.h) from the body's current roster and who is
 * present now, and applies the new event to it: the roll says whether anything changed (a tablet
 * that checks in twice at the same site changes nothing, and nothing is recorded or announced),
 * and gives present / total and the quorum, computed exactly (present * D >= N * total) with the
 * body's configured fraction (bodies.quorum_numerator / quorum_denominator, 2/3 unless changed).
 * Only members on the roster count; a member who left the roster drops out of the count.
 *
 * Every change is journaled in the meeting's hash chain and announced as "attendance.changed"
 * (DOMAIN.md: "every attendance change goes into an append-only, hash-chained journal"), in the
 * same transaction as the event row.
 */
#include "api-meetings.h"

#include "domain/attend.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

typedef struct {
    AttendRoll *roll;
    AttendQuorum quorum;
} Roll;

static void roll_clear(Roll *r)
{
    g_clear_pointer(&r->roll, attend_roll_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Roll, roll_clear)

/* The roll of the meeting as it stands: the body's roster, who of it is present where (online is
 * site ATTEND_SITE_ONLINE), and the body's quorum. */
static gboolean load_roll(DbConn *conn, const MtgRow *m, Roll *out, GError **error)
{
    char mid[24], bid[24];
    const char *p[] = {api_i64(mid, m->id), api_i64(bid, m->body_id)};
    g_autoptr(DbRows) roster =
        db_conn_exec(conn,
                     "SELECT s.user_id, b.quorum_numerator, b.quorum_denominator FROM bodies b "
                     "LEFT JOIN memberships s ON s.body_id = b.id AND s.role = 'member' "
                     "WHERE b.id = $1 ORDER BY s.user_id",
                     1, &p[1], error);
    if (!roster)
        return FALSE;
    g_autoptr(DbRows) here =
        db_conn_exec(conn,
                     "SELECT c.user_id, coalesce(c.site_id, 0) FROM attendance_current c "
                     "JOIN memberships s ON s.body_id = $2 AND s.user_id = c.user_id "
                     "  AND s.role = 'member' "
                     "WHERE c.meeting_id = $1 AND c.present ORDER BY c.user_id",
                     2, p, error);
    if (!here)
        return FALSE;
    guint n = db_rows_count(roster);
    g_autofree gint64 *ids = g_new0(gint64, n + 1);
    guint k = 0;
    for (guint i = 0; i < n; i++)
        if (!db_rows_is_null(roster, i, 0))
            ids[k++] = db_rows_get_int64(roster, i, 0);
    out->quorum.numerator = (guint)db_rows_get_int64(roster, 0, 1);
    out->quorum.denominator = (guint)db_rows_get_int64(roster, 0, 2);
    out->roll = attend_roll_new(ids, k, error);
    if (!out->roll)
        return FALSE;
    /* Replaying who is present now: the times only order the roll's events, and the new event
     * comes after all of them. */
    for (guint i = 0; i < db_rows_count(here); i++) {
        AttendEvent e = {db_rows_get_int64(here, i, 0), ATTEND_CHECK_IN, 0,
                         db_rows_get_int64(here, i, 1)};
        if (!attend_roll_apply(out->roll, &e, NULL, error))
            return FALSE;
    }
    return TRUE;
}

/* Adds present, total and quorum {numerator, denominator, text, needed, met} to o. */
static void add_counts(JsonObject *o, const Roll *r)
{
    guint present = attend_roll_get_present(r->roll), total = attend_roll_get_total(r->roll);
    json_object_set_int_member(o, "present", present);
    json_object_set_int_member(o, "total", total);
    JsonObject *q = json_object_new();
    g_autofree char *text = attend_quorum_to_string(&r->quorum);
    json_object_set_int_member(q, "numerator", r->quorum.numerator);
    json_object_set_int_member(q, "denominator", r->quorum.denominator);
    json_object_set_string_member(q, "text", text);
    json_object_set_int_member(q, "needed", attend_quorum_needed(&r->quorum, total));
    json_object_set_boolean_member(q, "met", attend_quorum_is_met(&r->quorum, present, total));
    json_object_set_object_member(o, "quorum", q);
}

static gboolean attendance_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    g_auto(Roll) roll = {0};
    if (!load_roll(conn, &m, &roll, error))
        return FALSE;
    char mid[24], bid[24];
    const char *p[] = {api_i64(mid, m.id), api_i64(bid, m.body_id)};
    g_autoptr(DbRows) members = db_conn_exec(
        conn,
        "SELECT u.id AS user_id, u.full_name, coalesce(c.present, false) AS present, "
        "       CASE WHEN c.present THEN c.mode END AS mode, "
        "       CASE WHEN c.present THEN c.site_id END AS site_id, "
        "       phonghop_ts(c.since) AS since "
        "FROM memberships s JOIN users u ON u.id = s.user_id "
        "LEFT JOIN attendance_current c ON c.meeting_id = $1 AND c.user_id = s.user_id "
        "WHERE s.body_id = $2 AND s.role = 'member' "
        "ORDER BY u.full_name COLLATE \"C\", u.id",
        2, p, error);
    if (!members)
        return FALSE;
    g_autoptr(DbRows) sites = db_conn_exec(
        conn,
        "SELECT t.id AS site_id, t.name, t.kind, count(c.user_id) AS present FROM sites t "
        "LEFT JOIN (attendance_current c JOIN memberships s ON s.user_id = c.user_id "
        "           AND s.body_id = $2 AND s.role = 'member') "
        "  ON c.site_id = t.id AND c.meeting_id = $1 AND c.present "
        "WHERE t.body_id = $2 GROUP BY t.id ORDER BY t.kind, t.name",
        2, p, error);
    if (!sites)
        return FALSE;
    static const char *const member_cols[] = {"user_id", "full_name", "present", "mode",
                                              "site_id", "since",     NULL};
    static const char *const site_cols[] = {"site_id", "name", "kind", "present", NULL};
    JsonNode *node = mtg_wrap_rows("members", members, member_cols, "isbsis");
    JsonObject *o = json_node_get_object(node);
    json_object_set_int_member(o, "meeting_id", m.id);
    add_counts(o, &roll);
    json_object_set_int_member(o, "online",
                               attend_roll_count_at_site(roll.roll, ATTEND_SITE_ONLINE));
    g_autoptr(JsonNode) s = mtg_wrap_rows("sites", sites, site_cols, "issi");
    json_object_set_member(
        o, "sites", json_node_copy(json_object_get_member(json_node_get_object(s), "sites")));
    api_call_reply(call, 200, node);
    return TRUE;
}

static gboolean events_run(DbConn *conn, ApiCall *call, GError **error)
{
    char mid[24];
    const char *p[] = {api_i64(mid, call->ids[0])};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT e.id, e.user_id, u.full_name, e.kind, e.mode, e.site_id, e.by_user_id, "
        "       phonghop_ts(e.at) AS at "
        "FROM attendance_events e JOIN users u ON u.id = e.user_id "
        "WHERE e.meeting_id = $1 ORDER BY e.id",
        1, p, error);
    if (!r)
        return FALSE;
    static const char *const cols[] = {"id",      "user_id",    "full_name", "kind", "mode",
                                       "site_id", "by_user_id", "at",        NULL};
    api_call_reply(call, 200, mtg_wrap_rows("events", r, cols, "iisssiis"));
    return TRUE;
}

static const char *change_name(AttendChange c)
{
    switch (c) {
    case ATTEND_CHANGE_CHECKED_IN:
        return "checked_in";
    case ATTEND_CHANGE_MOVED:
        return "moved";
    case ATTEND_CHANGE_CHECKED_OUT:
        return "checked_out";
    default:
        return "none";
    }
}

/* Checks in or out user_id, made by the caller. */
static gboolean attend(DbConn *conn, ApiCall *call, gint64 user_id, AttendEventKind kind,
                       GError **error)
{
    static const char *const in_fields[] = {"mode", "site_id", NULL};
    static const char *const out_fields[] = {NULL};
    if (!mtg_body_known(call, kind == ATTEND_CHECK_IN ? in_fields : out_fields))
        return TRUE;
    MtgRow m;
    g_autoptr(GError) rule = NULL;
    if (!mtg_load(conn, call, TRUE, &m, error))
        return FALSE;
    char mid[24], bid[24], uid[24], sid[24], by[24];
    api_i64(mid, m.id);
    api_i64(bid, m.body_id);
    api_i64(uid, user_id);
    api_i64(by, call->session.user_id);
    const char *q[] = {bid, uid};
    g_autoptr(DbRows) on = db_conn_exec(
        conn, "SELECT 1 FROM memberships WHERE body_id = $1 AND user_id = $2 AND role = 'member'",
        2, q, error);
    if (!on)
        return FALSE;
    if (db_rows_count(on) == 0) {
        api_call_fail(call, 404, "not_found",
                      "body %" G_GINT64_FORMAT " has no member %" G_GINT64_FORMAT
                      ": only members on the roster check in",
                      m.body_id, user_id);
        return TRUE;
    }
    if (!mtg_check_attendance(m.status, &rule)) {
        mtg_fail(call, rule, NULL);
        return TRUE;
    }
    g_autofree char *mode = NULL;
    gint64 site = 0;
    if (kind == ATTEND_CHECK_IN) {
        static const char *const modes[] = {"hall", "remote_site", "online", NULL};
        if (!mtg_body_choice(call, "mode", modes, TRUE, &mode) ||
            !api_body_int(call, "site_id", 1, G_MAXINT64, FALSE, &site))
            return TRUE;
        gboolean online = g_str_equal(mode, "online");
        if (online && site) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'site_id': a member alone online is at no site");
            return TRUE;
        }
        if (!online && !site) {
            api_call_fail(call, 400, "missing_field",
                          "missing field 'site_id': the hall or remote site of mode '%s'", mode);
            return TRUE;
        }
        if (!online) {
            const char *p[] = {api_i64(sid, site), bid};
            g_autoptr(DbRows) s = db_conn_exec(
                conn, "SELECT kind FROM sites WHERE id = $1 AND body_id = $2", 2, p, error);
            if (!s)
                return FALSE;
            if (db_rows_count(s) == 0) {
                api_call_fail(call, 400, "invalid_field",
                              "field 'site_id': body %" G_GINT64_FORMAT
                              " has no site %" G_GINT64_FORMAT,
                              m.body_id, site);
                return TRUE;
            }
            const char *want = g_str_equal(mode, "hall") ? "main_hall" : "remote_hall";
            if (!g_str_equal(db_rows_get(s, 0, 0), want)) {
                api_call_fail(call, 400, "invalid_field",
                              "field 'site_id': site %" G_GINT64_FORMAT
                              " is a %s, not the place of mode '%s'",
                              site,
                              g_str_equal(db_rows_get(s, 0, 0), "main_hall") ? "main hall"
                                                                             : "remote hall",
                              mode);
                return TRUE;
            }
        }
    }

    g_auto(Roll) roll = {0};
    if (!load_roll(conn, &m, &roll, error))
        return FALSE;
    AttendEvent e = {user_id, kind, 1, site ? site : ATTEND_SITE_ONLINE};
    AttendChange change = ATTEND_CHANGE_NONE;
    if (!attend_roll_apply(roll.roll, &e, &change, error))
        return FALSE;

    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "user_id", user_id);
    json_object_set_string_member(o, "change", change_name(change));
    if (mode)
        json_object_set_string_member(o, "mode", mode);
    else
        json_object_set_null_member(o, "mode");
    if (site)
        json_object_set_int_member(o, "site_id", site);
    else
        json_object_set_null_member(o, "site_id");
    json_object_set_int_member(o, "by_user_id", call->session.user_id);
    add_counts(o, &roll);
    g_autoptr(JsonNode) payload = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(payload, o);

    if (change != ATTEND_CHANGE_NONE) {
        const char *p[] = {
            mid, uid, kind == ATTEND_CHECK_IN ? "check_in" : "check_out", mode, site ? sid : NULL,
            by};
        if (!db_conn_run(conn,
                         "INSERT INTO attendance_events (meeting_id, user_id, kind, mode, site_id, "
                         "by_user_id) VALUES ($1, $2, $3, $4, $5, $6)",
                         6, p, error))
            return FALSE;
        g_autofree char *actor = mtg_actor(call);
        g_auto(MtgAudience) to = {0};
        if (!mtg_audience(conn, &m, TRUE, &to, error) ||
            !record_fact(conn, m.id, "attendance.changed", actor, payload, &to.visibility, error))
            return FALSE;
    }
    api_call_reply(call, 200, json_node_copy(payload));
    return TRUE;
}

static gboolean self_in_run(DbConn *conn, ApiCall *call, GError **error)
{
    return attend(conn, call, call->session.user_id, ATTEND_CHECK_IN, error);
}

static gboolean self_out_run(DbConn *conn, ApiCall *call, GError **error)
{
    return attend(conn, call, call->session.user_id, ATTEND_CHECK_OUT, error);
}

static gboolean other_in_run(DbConn *conn, ApiCall *call, GError **error)
{
    return attend(conn, call, call->ids[1], ATTEND_CHECK_IN, error);
}

static gboolean other_out_run(DbConn *conn, ApiCall *call, GError **error)
{
    return attend(conn, call, call->ids[1], ATTEND_CHECK_OUT, error);
}

const ApiRoute api_attendance_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/attendance", API_SCOPE_MEETING, MTG_ANYONE,
     attendance_get_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/attendance/events", API_SCOPE_MEETING, MTG_STAFF,
     events_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/attendance/check-in", API_SCOPE_MEETING,
     AUTH_ROLE_MEMBER, self_in_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/attendance/check-out", API_SCOPE_MEETING,
     AUTH_ROLE_MEMBER, self_out_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/attendance/{id}/check-in", API_SCOPE_MEETING,
     MTG_PREPARE, other_in_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/attendance/{id}/check-out", API_SCOPE_MEETING,
     MTG_PREPARE, other_out_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
