/* api-recordings.c: /api/v1/meetings/{id}/recordings and its files, and the chair's start and
 * stop of a recording.
 *
 * The list gives a meeting's recordings with their files (per participant's track and segment),
 * the marks on their timeline and the parts of the timeline that were closed (họp kín), each with
 * its offset from the recording's start in milliseconds, so a player can jump to "item 3" or "the
 * vote on resolution X". A file is restricted when it overlaps a closed part (or the whole
 * meeting is closed); a mark when it fell in one. Who may read the meeting sees its public parts;
 * the restricted ones only those who sit in a closed sitting (phonghop_may_read_closed(): the
 * body's administrators, secretariat, chairs and members, and the system administrator; never a
 * guest): for anyone else they are left out of the list, counted in "withheld", and their files
 * are refused (403). Files are answered like documents: ETag from the SHA-256, a single Range.
 *
 * Starting and stopping run in the recording service (server/recording/) on the main thread,
 * after the call has checked the meeting is open: the answer is 202, and the chair then follows
 * the recording through media.recording messages.
 */
#include "api-meetings.h"

#include "recording/recording-service.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

/* A time to the millisecond, as the timeline needs it. */
#define TS_MS(col)      "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define OFFSET_MS(a, b) "(extract(epoch FROM " a " - " b ") * 1000)::bigint"

/* Whether the caller may see and hear the closed parts of the meeting's recordings. */
static gboolean may_read_closed(DbConn *conn, ApiCall *call, gint64 meeting_id, gboolean *out,
                                GError **error)
{
    char mid[24], uid[24];
    const char *p[] = {api_i64(mid, meeting_id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT phonghop_may_read_closed($1, $2)", 2, p, error);
    if (!r)
        return FALSE;
    *out = db_rows_get_bool(r, 0, 0);
    return TRUE;
}

static const char *const recording_cols[] = {"id",          "meeting_id", "started_at", "ended_at",
                                             "state",       "last_error", "started_by", "files",
                                             "duration_ms", NULL};
#define RECORDING_KINDS "iissssiii"

static const char *const segment_cols[] = {
    "id",     "recording_id", "participant_id", "user_id",  "site_id",   "track",       "kind",
    "codec",  "seq",          "started_at",     "ended_at", "offset_ms", "duration_ms", "size",
    "sha256", "state",        "restricted",     NULL};
#define SEGMENT_KINDS "iiiiisssissiiissb"

static const char *const mark_cols[] = {
    "id",        "recording_id", "kind",           "event_seq",  "at",
    "offset_ms", "label",        "agenda_item_id", "restricted", NULL};
#define MARK_KINDS "iisisisib"

static const char *const part_cols[] = {"id",          "recording_id", "agenda_item_id",
                                        "started_at",  "ended_at",     "offset_ms",
                                        "duration_ms", "restricted",   NULL};
#define PART_KINDS "iiissiib"

/* A file overlaps a closed part of its recording, or its meeting is closed as a whole. */
#define SEGMENT_RESTRICTED                                         \
    "(NOT m.is_public OR EXISTS (SELECT 1 FROM recording_parts p " \
    "  WHERE p.recording_id = s.recording_id AND p.restricted "    \
    "    AND p.started_at < coalesce(s.ended_at, 'infinity') "     \
    "    AND coalesce(p.ended_at, 'infinity') > s.started_at))"

#define SEGMENT_SELECT                                                                                                                                                     \
    "SELECT * FROM (SELECT s.id, s.recording_id, s.participant_id, s.user_id, s.site_id, "                                                                                 \
    "  s.track, s.kind, s.codec, s.seq, " TS_MS("s.started_at") " AS started_at, " TS_MS(                                                                                  \
        "s.ended_at") " AS ended_at, " OFFSET_MS("s.started_at",                                                                                                           \
                                                 "r.started_at") " AS offset_ms, " OFFSET_MS("s."                                                                          \
                                                                                             "end"                                                                         \
                                                                                             "ed_"                                                                         \
                                                                                             "at",                                                                         \
                                                                                             "s."                                                                          \
                                                                                             "sta"                                                                         \
                                                                                             "rte"                                                                         \
                                                                                             "d_"                                                                          \
                                                                                             "at") " AS duration_ms, "                                                     \
                                                                                                   "  s.size, s.sha256, s.state, " SEGMENT_RESTRICTED                      \
                                                                                                   " AS restricted, s.path "                                               \
                                                                                                   "FROM recording_segments s JOIN recordings r ON r.id = s.recording_id " \
                                                                                                   "JOIN meetings m ON m.id = r.meeting_id "

/* clang-format off */
#define RECORDINGS_SQL                                                                      \
    "SELECT r.id, r.meeting_id, " TS_MS("r.started_at") " AS started_at, "                 \
    TS_MS("r.ended_at") " AS ended_at, r.state, r.last_error, r.started_by, "               \
    "  (SELECT count(*) FROM recording_segments s WHERE s.recording_id = r.id) AS files, "  \
    OFFSET_MS("coalesce(r.ended_at, now())", "r.started_at") " AS duration_ms "            \
    "FROM recordings r WHERE r.meeting_id = $1 ORDER BY r.id"

#define MARKS_SQL                                                                           \
    "SELECT k.id, k.recording_id, k.kind, k.event_seq, " TS_MS("k.at") " AS at, "          \
    OFFSET_MS("k.at", "r.started_at") " AS offset_ms, k.label, k.agenda_item_id, "         \
    "  k.restricted "                                                                       \
    "FROM recording_marks k JOIN recordings r ON r.id = k.recording_id "                    \
    "WHERE r.meeting_id = $1 AND ($2::boolean OR NOT k.restricted) "                        \
    "ORDER BY k.recording_id, k.at, k.id"

#define PARTS_SQL                                                                           \
    "SELECT p.id, p.recording_id, p.agenda_item_id, " TS_MS("p.started_at") " AS started_at, " \
    TS_MS("p.ended_at") " AS ended_at, "                                                    \
    OFFSET_MS("p.started_at", "r.started_at") " AS offset_ms, "                             \
    OFFSET_MS("p.ended_at", "p.started_at") " AS duration_ms, p.restricted "               \
    "FROM recording_parts p JOIN recordings r ON r.id = p.recording_id "                    \
    "WHERE r.meeting_id = $1 ORDER BY p.recording_id, p.started_at, p.id"
/* clang-format on */

static gboolean list_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE, closed_ok = FALSE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    if (!may_read_closed(conn, call, m.id, &closed_ok, error))
        return FALSE;
    char mid[24];
    const char *p[] = {api_i64(mid, m.id), closed_ok ? "t" : "f"};
    g_autoptr(DbRows) recs = db_conn_exec(conn, RECORDINGS_SQL, 1, p, error);
    if (!recs)
        return FALSE;
    g_autoptr(DbRows) segs = db_conn_exec(
        conn,
        SEGMENT_SELECT "WHERE r.meeting_id = $1) x WHERE $2::boolean OR NOT restricted "
                       "ORDER BY recording_id, started_at, id",
        2, p, error);
    if (!segs)
        return FALSE;
    g_autoptr(DbRows) marks = db_conn_exec(conn, MARKS_SQL, 2, p, error);
    if (!marks)
        return FALSE;
    g_autoptr(DbRows) parts = db_conn_exec(conn, PARTS_SQL, 1, p, error);
    if (!parts)
        return FALSE;
    g_autoptr(DbRows) withheld = db_conn_exec(
        conn,
        "SELECT (SELECT count(*) FROM (" SEGMENT_SELECT "WHERE r.meeting_id = $1) x "
        "        WHERE NOT $2::boolean AND restricted) y), "
        "       (SELECT count(*) FROM recording_marks k JOIN recordings r ON r.id = k.recording_id "
        "        WHERE r.meeting_id = $1 AND NOT $2::boolean AND k.restricted)",
        2, p, error);
    if (!withheld)
        return FALSE;

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "recordings");
    api_add_rows(b, recs, recording_cols, RECORDING_KINDS);
    json_builder_set_member_name(b, "segments");
    api_add_rows(b, segs, segment_cols, SEGMENT_KINDS);
    json_builder_set_member_name(b, "marks");
    api_add_rows(b, marks, mark_cols, MARK_KINDS);
    json_builder_set_member_name(b, "parts");
    api_add_rows(b, parts, part_cols, PART_KINDS);
    json_builder_set_member_name(b, "closed_parts_readable");
    json_builder_add_boolean_value(b, closed_ok);
    json_builder_set_member_name(b, "withheld");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "segments");
    json_builder_add_int_value(b, db_rows_get_int64(withheld, 0, 0));
    json_builder_set_member_name(b, "marks");
    json_builder_add_int_value(b, db_rows_get_int64(withheld, 0, 1));
    json_builder_end_object(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

/* ---- one file ---- */

static gboolean file_run(DbConn *conn, ApiCall *call, GError **error)
{
    MtgRow m;
    gboolean ok = TRUE, closed_ok = FALSE;
    if (!mtg_load(conn, call, FALSE, &m, error) || !mtg_check_read(conn, call, &m, &ok, error))
        return FALSE;
    if (!ok)
        return TRUE;
    char mid[24], sid[24];
    const char *p[] = {api_i64(mid, m.id), api_i64(sid, call->ids[1])};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, SEGMENT_SELECT "WHERE r.meeting_id = $1 AND s.id = $2) x", 2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        api_call_fail(call, 404, "not_found",
                      "meeting %" G_GINT64_FORMAT " has no recorded file %" G_GINT64_FORMAT, m.id,
                      call->ids[1]);
        return TRUE;
    }
    if (db_rows_get_bool(r, 0, 16)) {
        if (!may_read_closed(conn, call, m.id, &closed_ok, error))
            return FALSE;
        if (!closed_ok) {
            api_call_fail(call, 403, "forbidden",
                          "recorded file %" G_GINT64_FORMAT
                          " covers a closed part of the meeting (họp kín): only the body's "
                          "members, chairs and secretariat may see and hear it",
                          call->ids[1]);
            return TRUE;
        }
    }
    const char *state = db_rows_get(r, 0, 15);
    const char *sha = db_rows_get(r, 0, 14);
    if (g_str_equal(state, "open")) {
        api_call_fail(call, 409, "still_recording",
                      "recorded file %" G_GINT64_FORMAT
                      " is still being written: it can be fetched once it is closed",
                      call->ids[1]);
        return TRUE;
    }
    const char *path = db_rows_get(r, 0, 17);
    if (g_str_equal(state, "missing") || !sha || !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        api_call_fail(call, 410, "gone",
                      "recorded file %" G_GINT64_FORMAT " is no longer on the server (state %s)",
                      call->ids[1], state);
        return TRUE;
    }
    gboolean audio = g_str_equal(db_rows_get(r, 0, 6), "audio");
    gboolean mkv = g_str_has_suffix(path, ".mkv");
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *disposition = g_strdup_printf("inline; filename=\"%s\"", base);
    /* A file's bytes never change once closed; who may fetch it is checked on every request. */
    api_call_defer_file(call, path,
                        mkv ? (audio ? "audio/x-matroska" : "video/x-matroska")
                            : (audio ? "audio/webm" : "video/webm"),
                        sha, disposition, "private, no-cache");
    return TRUE;
}

static void file_after(ApiCall *call)
{
    api_call_send_file(call, 410, "gone", "the recorded file cannot be read");
}

/* ---- start and stop ---- */

static gboolean control_run(DbConn *conn, ApiCall *call, gboolean start, GError **error)
{
    static const char *const none[] = {NULL};
    if (!mtg_body_known(call, none))
        return TRUE;
    MtgRow m;
    if (!mtg_load(conn, call, FALSE, &m, error))
        return FALSE;
    if (start && m.status != MTG_STATUS_OPEN) {
        api_call_fail(call, 409, "wrong_state",
                      "meeting %" G_GINT64_FORMAT " is %s: only an open meeting is recorded", m.id,
                      mtg_status_to_string(m.status));
        return TRUE;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, m.id);
    json_builder_set_member_name(b, "recording");
    json_builder_add_string_value(b, start ? "starting" : "stopping");
    json_builder_end_object(b);
    api_call_reply(call, 202, json_builder_get_root(b));
    return TRUE;
}

static gboolean start_run(DbConn *conn, ApiCall *call, GError **error)
{
    return control_run(conn, call, TRUE, error);
}

static gboolean stop_run(DbConn *conn, ApiCall *call, GError **error)
{
    return control_run(conn, call, FALSE, error);
}

static void start_after(ApiCall *call)
{
    if (call->status == 202 && call->app->recordings)
        recording_service_start_meeting(call->app->recordings, call->ids[0], call->session.user_id);
}

static void stop_after(ApiCall *call)
{
    if (call->status == 202 && call->app->recordings)
        recording_service_stop_meeting(call->app->recordings, call->ids[0], call->session.user_id);
}

const ApiRoute api_recording_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/recordings", API_SCOPE_MEETING, MTG_ANYONE, list_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/recording-files/{id}", API_SCOPE_MEETING, MTG_ANYONE,
     file_run, file_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/recording/start", API_SCOPE_MEETING,
     AUTH_ROLE_CHAIR | AUTH_ROLE_SECRETARIAT, start_run, start_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/recording/stop", API_SCOPE_MEETING,
     AUTH_ROLE_CHAIR | AUTH_ROLE_SECRETARIAT, stop_run, stop_after},
    {0, NULL, 0, 0, NULL, NULL},
};
