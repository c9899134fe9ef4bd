/* recording-service.c: meetings recorded, their files listed, the crash scan (see
 * recording-service.h for the contract).
 *
 * Design: one MeetingRec per meeting recorded here, on the main thread, through its states
 * starting (the recordings row is being inserted) → running (a MediaRecording holds the room) →
 * stopping (files being closed) → gone. Every write to the database is a job of the pool, and
 * the jobs of one recording may complete in any order: a file's "opened" and "closed" rows are
 * both upserts keyed by its path, so whichever commits last leaves the closed state. A stop asked
 * while the row is still being inserted waits for the insert and then ends the row at once.
 *
 * The composite program is kept with the recording ([media] record_program): the recording asks
 * the media integration for the program's archive in its directory (live-media.h) and ends only
 * when both the participants' files and the program's last file are closed and listed; the
 * program's files are rows like the others, participant 0 and track "program".
 *
 * The start-up scan (recording-scan.c) runs before anything is recorded, so a file it finds
 * open can only be a dead process's. Meetings that open meanwhile are started once it is done.
 */
#include "recording-service.h"

#include "recording-scan.h"
#include "api/ops.h"
#include "db.h"
#include "live/live-media.h"
#include "media.h"
#include "record/record.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-recording"

#define SITE_BASE ((guint64)1 << 40) /* a site's media participant id: 2^40 + its id */

typedef enum {
    MREC_STARTING,
    MREC_RUNNING,
    MREC_STOPPING,
} MrecState;

typedef struct {
    RecordingService *svc;
    gint64 meeting_id;
    gint64 recording_id; /* 0 until the row is inserted */
    MrecState state;
    gboolean stop_wanted;
    gboolean stopped;  /* its files are all closed and listed */
    gint64 stopped_by; /* who stopped it; 0: the meeting's close, or the system */
    gboolean room_held;
    MediaRecording *rec;
    gboolean program_pending; /* the program's archive is wanted or still closing */
    gboolean tracks_stopped;  /* the participants' files are closed; waiting for the program */
    char *dir;
    char *last_error;
    guint failed_participants;
    gint64 started_us;
    GSource *status_timer;
} MeetingRec;

struct _RecordingService {
    PhApp *app;
    char *base_dir;
    GHashTable *meetings; /* gint64 * -> MeetingRec *, owned */
    gboolean scanned;     /* the start-up scan is done: recordings may start */
    gboolean stopping;    /* the server is stopping: none starts any more */
    GArray *waiting;      /* gint64: meetings to start once scanned */
    /* A recording's file jobs in flight, and its end waiting for them: the end counts the
     * recording's files for the record, so it runs after every file's row is written. */
    GHashTable *inflight; /* gint64 * recording id -> GUINT_TO_POINTER(jobs) */
    GHashTable *ends;     /* gint64 * recording id -> Job * (end_job's) */
    /* for /metrics */
    guint64 errors_total;
    guint64 segments_total;
    guint64 bytes_total; /* of files closed */
    guint64 scan_found, scan_recovered, scan_unplayable, scan_missing;
};

/* The running service, NULL once freed: for jobs that complete later. */
static RecordingService *the_service;
static gboolean metrics_added;

static void send_status(MeetingRec *mr);

/* ---- meetings ---- */

static void mrec_free(gpointer data)
{
    MeetingRec *mr = data;

    if (mr->status_timer) {
        g_source_destroy(mr->status_timer);
        g_clear_pointer(&mr->status_timer, g_source_unref);
    }
    g_clear_pointer(&mr->rec, media_recording_free);
    if (mr->room_held && mr->svc->app->media)
        live_media_release_room(mr->svc->app->media, mr->meeting_id);
    g_free(mr->dir);
    g_free(mr->last_error);
    g_free(mr);
}

static MeetingRec *mrec_of(RecordingService *svc, gint64 meeting_id)
{
    return g_hash_table_lookup(svc->meetings, &meeting_id);
}

static void mrec_remove(MeetingRec *mr)
{
    g_hash_table_remove(mr->svc->meetings, &mr->meeting_id);
}

static const char *mrec_state_name(const MeetingRec *mr)
{
    switch (mr->state) {
    case MREC_STARTING:
        return "starting";
    case MREC_RUNNING:
        return "recording";
    case MREC_STOPPING:
        return "stopping";
    }
    return "?";
}

/* ---- database jobs ---- */

static const char *i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

/* A job's data names its recording by ids only: the MeetingRec may be gone when it completes. */
typedef struct {
    gint64 meeting_id;
    gint64 recording_id;
    gint64 by_user;
    char *base_dir;
    char *dir; /* out */
    char *state;
    char *error_text;
    /* a file */
    guint64 participant_id;
    char *track;
    char *kind;
    char *codec;
    char *path;
    guint seq;
    gint64 start_us, end_us;
    guint64 size;
    char *sha256;
    gboolean closed;
    gboolean complete;
} Job;

static void job_free(gpointer data)
{
    Job *j = data;

    g_free(j->base_dir);
    g_free(j->dir);
    g_free(j->state);
    g_free(j->error_text);
    g_free(j->track);
    g_free(j->kind);
    g_free(j->codec);
    g_free(j->path);
    g_free(j->sha256);
    g_free(j);
}

/* The meeting's own record says when it was recorded (a journaled fact, like the floor's) and
 * when a recording fails (an event): every role of the body sees it, so nobody is recorded
 * without the room knowing, and the chair's console follows it (recording.*). */
static gboolean record_recording(DbConn *conn, const Job *j, const char *kind, gboolean journal,
                                 gint64 files, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) payload = NULL;
    g_autofree char *actor =
        j->by_user ? g_strdup_printf("user:%" G_GINT64_FORMAT, j->by_user) : NULL;
    RecordVisibility vis = {FALSE, NULL, 0};

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "recording_id");
    json_builder_add_int_value(b, j->recording_id);
    if (j->state) {
        json_builder_set_member_name(b, "state");
        json_builder_add_string_value(b, j->state);
    }
    if (files >= 0) {
        json_builder_set_member_name(b, "files");
        json_builder_add_int_value(b, files);
    }
    if (j->participant_id) {
        json_builder_set_member_name(b, "participant_id");
        json_builder_add_int_value(b, (gint64)j->participant_id);
    }
    json_builder_set_member_name(b, "by");
    if (j->by_user)
        json_builder_add_int_value(b, j->by_user);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "error");
    if (j->error_text && *j->error_text)
        json_builder_add_string_value(b, j->error_text);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    payload = json_builder_get_root(b);
    return journal ? record_fact(conn, j->meeting_id, kind, actor, payload, &vis, error)
                   : record_event(conn, j->meeting_id, kind, payload, &vis, NULL, error);
}

static gboolean start_job(DbConn *conn, gpointer data, GError **error)
{
    Job *j = data;
    char mid[24], by[24], rid[24];
    const char *p[] = {i64(mid, j->meeting_id), j->by_user ? i64(by, j->by_user) : NULL};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "INSERT INTO recordings (meeting_id, dir, started_by) "
                     "VALUES ($1, '-', (SELECT id FROM users WHERE id = $2)) RETURNING id",
                     2, p, error);
    if (!r)
        return FALSE;
    j->recording_id = db_rows_get_int64(r, 0, 0);
    j->dir = g_strdup_printf("%s/meeting-%" G_GINT64_FORMAT "/recording-%" G_GINT64_FORMAT,
                             j->base_dir, j->meeting_id, j->recording_id);
    const char *q[] = {i64(rid, j->recording_id), j->dir};
    const char *part[] = {q[0], mid};
    return db_conn_run(conn, "UPDATE recordings SET dir = $2 WHERE id = $1", 2, q, error) &&
           db_conn_run(conn,
                       "INSERT INTO recording_parts (recording_id, agenda_item_id, started_at, "
                       "  restricted) "
                       "SELECT $1, current_item_id, now(), "
                       "  NOT is_public OR phonghop_item_closed(current_item_id) "
                       "FROM meetings WHERE id = $2",
                       2, part, error) &&
           record_recording(conn, j, "recording.started", TRUE, -1, error);
}

static gboolean segment_job(DbConn *conn, gpointer data, GError **error)
{
    Job *j = data;
    char rid[24], pid[24], uid[24], sid[24], seq[24], start[32], end[32], size[24];
    gboolean site = j->participant_id >= SITE_BASE;
    const char *state = !j->closed ? "open" : j->complete ? "complete" : "cut_short";

    g_snprintf(start, sizeof start, "%.6f", (double)j->start_us / G_USEC_PER_SEC);
    g_snprintf(end, sizeof end, "%.6f", (double)j->end_us / G_USEC_PER_SEC);
    const char *p[] = {
        i64(rid, j->recording_id),
        i64(pid, (gint64)j->participant_id),
        site ? NULL : i64(uid, (gint64)j->participant_id),
        site ? i64(sid, (gint64)(j->participant_id - SITE_BASE)) : NULL,
        j->track,
        j->kind,
        j->codec,
        j->path,
        i64(seq, j->seq),
        start,
        j->closed ? end : NULL,
        j->closed ? i64(size, (gint64)j->size) : NULL,
        j->closed ? j->sha256 : NULL,
        state,
    };
    return db_conn_run(
        conn,
        "INSERT INTO recording_segments (recording_id, participant_id, user_id, site_id, track, "
        "  kind, codec, path, seq, started_at, ended_at, size, sha256, state) "
        "VALUES ($1, $2, (SELECT id FROM users WHERE id = $3), (SELECT id FROM sites WHERE id = "
        "$4), "
        "  $5, $6, $7, $8, $9, to_timestamp($10::double precision), "
        "  to_timestamp($11::double precision), $12, $13, $14) "
        "ON CONFLICT (path) DO UPDATE SET ended_at = EXCLUDED.ended_at, size = EXCLUDED.size, "
        "  sha256 = EXCLUDED.sha256, state = EXCLUDED.state "
        "  WHERE EXCLUDED.state <> 'open'",
        G_N_ELEMENTS(p), p, error);
}

static gboolean end_job(DbConn *conn, gpointer data, GError **error)
{
    Job *j = data;
    char rid[24];
    const char *p[] = {i64(rid, j->recording_id), j->state, j->error_text ? j->error_text : ""};

    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "UPDATE recordings SET ended_at = now(), state = $2, "
        "  last_error = CASE WHEN $3 = '' THEN last_error ELSE left($3, 2000) END "
        "WHERE id = $1 AND ended_at IS NULL "
        "RETURNING (SELECT count(*) FROM recording_segments s WHERE s.recording_id = $1)",
        3, p, error);

    if (!r || !db_conn_run(conn,
                           "UPDATE recording_parts SET ended_at = now() "
                           "WHERE recording_id = $1 AND ended_at IS NULL",
                           1, p, error))
        return FALSE;
    /* ended already (the scan of another start): nothing more to say */
    return db_rows_count(r) == 0 ||
           record_recording(conn, j, "recording.stopped", TRUE, db_rows_get_int64(r, 0, 0), error);
}

static gboolean error_job(DbConn *conn, gpointer data, GError **error)
{
    Job *j = data;
    char rid[24];
    const char *p[] = {i64(rid, j->recording_id), j->error_text};

    return db_conn_run(conn, "UPDATE recordings SET last_error = left($2, 2000) WHERE id = $1", 2,
                       p, error) &&
           (!j->state || record_recording(conn, j, "recording.error", FALSE, -1, error));
}

static void logged_done(gpointer data, const GError *error, gpointer user_data)
{
    Job *j = data;

    if (error)
        g_warning("meeting %" G_GINT64_FORMAT " recording %" G_GINT64_FORMAT
                  ": not written to the database: %s",
                  j->meeting_id, j->recording_id, error->message);
}

static void run_job(RecordingService *svc, DbJobFunc fn, Job *j)
{
    db_pool_run(svc->app->db, fn, j, job_free, logged_done, NULL);
}

static guint inflight_of(RecordingService *svc, gint64 recording_id)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(svc->inflight, &recording_id));
}

static void inflight_set(RecordingService *svc, gint64 recording_id, guint n)
{
    if (n == 0) {
        g_hash_table_remove(svc->inflight, &recording_id);
        return;
    }
    gint64 *key = g_new(gint64, 1);
    *key = recording_id;
    g_hash_table_replace(svc->inflight, key, GUINT_TO_POINTER(n));
}

static void segment_done(gpointer data, const GError *error, gpointer user_data)
{
    Job *j = data;
    RecordingService *svc = the_service;
    gpointer key, end;

    logged_done(data, error, user_data);
    if (!svc)
        return;
    inflight_set(svc, j->recording_id, inflight_of(svc, j->recording_id) - 1);
    if (inflight_of(svc, j->recording_id) == 0 &&
        g_hash_table_steal_extended(svc->ends, &j->recording_id, &key, &end)) {
        g_free(key);
        run_job(svc, end_job, end);
    }
}

/* A file's row: opened, or closed and hashed. */
static void run_segment_job(RecordingService *svc, Job *j)
{
    inflight_set(svc, j->recording_id, inflight_of(svc, j->recording_id) + 1);
    db_pool_run(svc->app->db, segment_job, j, job_free, segment_done, NULL);
}

static Job *job_new_for(gint64 meeting_id, gint64 recording_id)
{
    Job *j = g_new0(Job, 1);

    j->meeting_id = meeting_id;
    j->recording_id = recording_id;
    return j;
}

static Job *job_new(MeetingRec *mr)
{
    return job_new_for(mr->meeting_id, mr->recording_id);
}

/* Ends the row: @state "stopped" or "failed". */
static void end_recording(MeetingRec *mr, const char *state)
{
    Job *j = job_new(mr);

    j->state = g_strdup(state);
    j->error_text = g_strdup(mr->last_error);
    j->by_user = mr->stopped_by;
    if (inflight_of(mr->svc, mr->recording_id) > 0) {
        gint64 *key = g_new(gint64, 1);
        *key = mr->recording_id;
        g_hash_table_replace(mr->svc->ends, key, j); /* after its files' rows */
        return;
    }
    run_job(mr->svc, end_job, j);
}

/* ---- the media library's events ---- */

static Job *segment_job_new(gint64 meeting_id, gint64 recording_id, const MediaSegmentInfo *seg,
                            gboolean closed)
{
    Job *j = job_new_for(meeting_id, recording_id);

    j->participant_id = seg->participant_id;
    j->track = g_strdup(seg->track);
    j->kind = g_strdup(seg->kind == MEDIA_KIND_AUDIO ? "audio" : "video");
    j->codec = g_strdup(seg->codec);
    j->path = g_strdup(seg->path);
    j->seq = seg->index;
    j->start_us = seg->start_us;
    j->end_us = seg->end_us;
    j->size = seg->size;
    j->sha256 = g_strdup(seg->sha256);
    j->closed = closed;
    j->complete = seg->complete;
    return j;
}

static void on_segment_opened(gpointer user_data, MediaRecording *rec, const MediaSegmentInfo *seg)
{
    MeetingRec *mr = user_data;

    run_segment_job(mr->svc, segment_job_new(mr->meeting_id, mr->recording_id, seg, FALSE));
}

static void segment_closed(RecordingService *svc, gint64 meeting_id, gint64 recording_id,
                           const MediaSegmentInfo *seg)
{
    svc->segments_total++;
    svc->bytes_total += seg->size;
    if (!seg->sha256)
        g_warning("meeting %" G_GINT64_FORMAT ": %s could not be hashed", meeting_id, seg->path);
    run_segment_job(svc, segment_job_new(meeting_id, recording_id, seg, TRUE));
}

static void on_segment_closed(gpointer user_data, MediaRecording *rec, const MediaSegmentInfo *seg)
{
    MeetingRec *mr = user_data;

    segment_closed(mr->svc, mr->meeting_id, mr->recording_id, seg);
}

static void on_error(gpointer user_data, MediaRecording *rec, guint64 participant_id,
                     const GError *error, gboolean fatal)
{
    MeetingRec *mr = user_data;
    Job *j;

    mr->svc->errors_total++;
    g_free(mr->last_error);
    mr->last_error = g_strdup(error->message);
    if (fatal)
        mr->failed_participants++;
    g_warning("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": recording %s: %s",
              mr->meeting_id, participant_id, fatal ? "stopped" : "restarts", error->message);
    j = job_new(mr);
    j->error_text = g_strdup(error->message);
    j->participant_id = participant_id;
    if (fatal) /* an alarm for the chair: this participant is no longer recorded */
        j->state = g_strdup("participant_stopped");
    run_job(mr->svc, error_job, j);
    send_status(mr);
}

/* The participants' files and the program's are all closed and listed. */
static void finish(MeetingRec *mr)
{
    end_recording(mr, "stopped");
    g_message("meeting %" G_GINT64_FORMAT ": recording %" G_GINT64_FORMAT " stopped",
              mr->meeting_id, mr->recording_id);
    mr->state = MREC_STOPPING;
    mr->stopped = TRUE;
    send_status(mr); /* the last one: "stopped" */
    mrec_remove(mr); /* frees the recording (from inside its callback, which it allows) */
}

static void on_stopped(gpointer user_data, MediaRecording *rec)
{
    MeetingRec *mr = user_data;

    if (mr->program_pending) {
        /* stopped by itself (a full disk): the program's archive stops too */
        mr->tracks_stopped = TRUE;
        mr->state = MREC_STOPPING;
        live_media_program_archive_stop(mr->svc->app, mr->meeting_id);
        return;
    }
    finish(mr);
}

/* ---- the program's archive (live-media.h) ---- */

typedef struct {
    gint64 meeting_id;
    gint64 recording_id;
} ProgramArchive;

static void on_program_opened(gpointer user_data, const MediaSegmentInfo *seg)
{
    ProgramArchive *pa = user_data;

    if (the_service)
        run_segment_job(the_service, segment_job_new(pa->meeting_id, pa->recording_id, seg, FALSE));
}

static void on_program_closed(gpointer user_data, const MediaSegmentInfo *seg)
{
    ProgramArchive *pa = user_data;

    if (the_service) /* else the next start's scan finds the file open and checks it */
        segment_closed(the_service, pa->meeting_id, pa->recording_id, seg);
}

/* Every file of the program's archive is closed and reported. */
static void on_program_done(gpointer user_data)
{
    ProgramArchive *pa = user_data;
    MeetingRec *mr = the_service ? mrec_of(the_service, pa->meeting_id) : NULL;

    if (mr && mr->recording_id == pa->recording_id && mr->program_pending) {
        mr->program_pending = FALSE;
        if (mr->tracks_stopped)
            finish(mr);
    }
    g_free(pa);
}

static void program_archive_start(MeetingRec *mr)
{
    RecordingService *svc = mr->svc;
    g_autoptr(GError) error = NULL;
    ProgramArchive *pa;

    if (!svc->app->config->media_record_program || !svc->app->media)
        return;
    pa = g_new0(ProgramArchive, 1);
    pa->meeting_id = mr->meeting_id;
    pa->recording_id = mr->recording_id;
    LiveProgramArchive archive = {
        .dir = mr->dir,
        .segment_seconds = (guint)svc->app->config->media_recording_segment_seconds,
        .opened = on_program_opened,
        .closed = on_program_closed,
        .user_data = pa,
        .done = on_program_done,
    };
    if (!live_media_program_archive_start(svc->app, mr->meeting_id, &archive, &error)) {
        g_warning("meeting %" G_GINT64_FORMAT ": the program is not recorded: %s", mr->meeting_id,
                  error->message);
        g_free(pa);
        return;
    }
    mr->program_pending = TRUE;
}

static const MediaRecordingListener listener = {
    .version = MEDIA_RECORDING_LISTENER_VERSION,
    .segment_opened = on_segment_opened,
    .segment_closed = on_segment_closed,
    .error = on_error,
    .stopped = on_stopped,
};

/* ---- the chair's view ---- */

JsonNode *recording_service_status_json(RecordingService *svc, gint64 meeting_id)
{
    MeetingRec *mr = svc ? mrec_of(svc, meeting_id) : NULL;
    MediaRecordingStats st = {0};
    g_autoptr(JsonBuilder) b = NULL;

    if (!mr)
        return NULL;
    if (mr->rec)
        media_recording_get_stats(mr->rec, &st);
    b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, mr->meeting_id);
    json_builder_set_member_name(b, "recording_id");
    if (mr->recording_id)
        json_builder_add_int_value(b, mr->recording_id);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, mr->stopped ? "stopped" : mrec_state_name(mr));
    json_builder_set_member_name(b, "participants");
    json_builder_add_int_value(b, st.participants);
    json_builder_set_member_name(b, "failed_participants");
    json_builder_add_int_value(b, MAX(st.failed, mr->failed_participants));
    json_builder_set_member_name(b, "tracks");
    json_builder_add_int_value(b, st.tracks);
    json_builder_set_member_name(b, "segments");
    json_builder_add_int_value(b, st.segments);
    json_builder_set_member_name(b, "bytes_written");
    json_builder_add_int_value(b, (gint64)st.bytes_written);
    json_builder_set_member_name(b, "packets");
    json_builder_add_int_value(b, (gint64)st.packets);
    json_builder_set_member_name(b, "dropped");
    json_builder_add_int_value(b, (gint64)st.dropped);
    json_builder_set_member_name(b, "error");
    if (mr->last_error)
        json_builder_add_string_value(b, mr->last_error);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void send_status(MeetingRec *mr)
{
    g_autoptr(JsonNode) node = NULL;

    if (!mr->svc->app->media)
        return;
    node = recording_service_status_json(mr->svc, mr->meeting_id);
    json_object_set_string_member(json_node_get_object(node), "type", "media.recording");
    live_media_send_to_chairs(mr->svc->app->media, mr->meeting_id, node);
}

static gboolean status_tick(gpointer data)
{
    send_status(data);
    return G_SOURCE_CONTINUE;
}

/* ---- starting and stopping ---- */

static void start_done(gpointer data, const GError *error, gpointer user_data)
{
    Job *j = data;
    RecordingService *svc = the_service;
    MeetingRec *mr = svc ? mrec_of(svc, j->meeting_id) : NULL;
    MediaRecordingConfig config = {0};
    g_autoptr(GError) local = NULL;
    MediaRoom *room;

    if (!mr || mr->state != MREC_STARTING || mr->recording_id != 0)
        return; /* the service stopped meanwhile */
    if (error) {
        g_warning("meeting %" G_GINT64_FORMAT ": recording not started: %s", j->meeting_id,
                  db_error_matches_sqlstate(error, "23505")
                      ? "the meeting is already being recorded (by another process?)"
                      : error->message);
        mrec_remove(mr);
        return;
    }
    mr->recording_id = j->recording_id;
    mr->dir = g_strdup(j->dir);
    if (mr->stop_wanted) {
        end_recording(mr, "stopped");
        mrec_remove(mr);
        return;
    }
    room = live_media_hold_room(svc->app->media, mr->meeting_id, &local);
    if (room) {
        mr->room_held = TRUE;
        config.dir = mr->dir;
        config.segment_seconds = (guint)svc->app->config->media_recording_segment_seconds;
        config.min_free_bytes = (guint64)svc->app->config->media_recording_min_free_mb << 20;
        mr->rec = media_recording_new(room, &config, &listener, mr, &local);
    }
    if (!mr->rec) {
        g_warning("meeting %" G_GINT64_FORMAT ": recording %" G_GINT64_FORMAT " failed: %s",
                  mr->meeting_id, mr->recording_id, local->message);
        svc->errors_total++;
        mr->last_error = g_strdup(local->message);
        end_recording(mr, "failed");
        mr->stopped = TRUE;
        send_status(mr);
        mrec_remove(mr);
        return;
    }
    mr->state = MREC_RUNNING;
    g_message("meeting %" G_GINT64_FORMAT ": recording %" G_GINT64_FORMAT " into %s",
              mr->meeting_id, mr->recording_id, mr->dir);
    program_archive_start(mr);
    mr->status_timer = g_timeout_source_new_seconds(RECORDING_STATUS_INTERVAL_S);
    g_source_set_callback(mr->status_timer, status_tick, mr, NULL);
    g_source_attach(mr->status_timer, svc->app->context);
    send_status(mr);
}

void recording_service_start_meeting(RecordingService *svc, gint64 meeting_id, gint64 by_user)
{
    MeetingRec *mr;
    Job *j;

    g_return_if_fail(svc != NULL);
    if (svc->stopping)
        return;
    mr = mrec_of(svc, meeting_id);
    if (mr) {
        mr->stop_wanted = FALSE; /* started again before the stop took effect */
        return;
    }
    if (!svc->scanned) {
        g_array_append_val(svc->waiting, meeting_id);
        return;
    }
    mr = g_new0(MeetingRec, 1);
    mr->svc = svc;
    mr->meeting_id = meeting_id;
    mr->state = MREC_STARTING;
    mr->started_us = g_get_real_time();
    g_hash_table_insert(svc->meetings, &mr->meeting_id, mr);
    j = job_new(mr);
    j->by_user = by_user;
    j->base_dir = g_strdup(svc->base_dir);
    db_pool_run(svc->app->db, start_job, j, job_free, start_done, NULL);
}

void recording_service_stop_meeting(RecordingService *svc, gint64 meeting_id, gint64 by_user)
{
    MeetingRec *mr;
    guint i;

    g_return_if_fail(svc != NULL);
    for (i = svc->waiting->len; i > 0; i--) {
        if (g_array_index(svc->waiting, gint64, i - 1) == meeting_id)
            g_array_remove_index(svc->waiting, i - 1);
    }
    mr = mrec_of(svc, meeting_id);
    if (!mr)
        return;
    if (!mr->stopped_by)
        mr->stopped_by = by_user;
    switch (mr->state) {
    case MREC_STARTING:
        mr->stop_wanted = TRUE;
        break;
    case MREC_RUNNING:
        mr->state = MREC_STOPPING;
        g_message("meeting %" G_GINT64_FORMAT ": recording %" G_GINT64_FORMAT " stops",
                  mr->meeting_id, mr->recording_id);
        if (mr->program_pending)
            live_media_program_archive_stop(svc->app, mr->meeting_id);
        media_recording_stop(mr->rec);
        send_status(mr);
        break;
    case MREC_STOPPING:
        break;
    }
}

void recording_service_stop_all(RecordingService *svc)
{
    GHashTableIter iter;
    gpointer key;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));

    g_return_if_fail(svc != NULL);
    g_array_set_size(svc->waiting, 0);
    g_hash_table_iter_init(&iter, svc->meetings);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_array_append_val(ids, *(gint64 *)key);
    for (guint i = 0; i < ids->len; i++)
        recording_service_stop_meeting(svc, g_array_index(ids, gint64, i), 0);
    svc->stopping = TRUE; /* nothing starts any more */
}

guint recording_service_n_running(RecordingService *svc)
{
    return svc ? g_hash_table_size(svc->meetings) : 0;
}

void recording_service_meeting_status(RecordingService *svc, gint64 meeting_id, const char *status)
{
    g_return_if_fail(svc != NULL && status != NULL);
    if (g_str_equal(status, "open") && svc->app->config->media_record_meetings)
        recording_service_start_meeting(svc, meeting_id, 0);
    else if (!g_str_equal(status, "open"))
        recording_service_stop_meeting(svc, meeting_id, 0);
}

/* ---- the start-up scan (recording-scan.h) ---- */

static void scan_done(const GArray *open_meetings, const RecordingScanResult *result,
                      gpointer user_data)
{
    RecordingService *svc = user_data;
    g_autoptr(GArray) waiting = NULL;

    if (result) {
        svc->scan_found += result->found;
        svc->scan_recovered += result->recovered;
        svc->scan_unplayable += result->unplayable;
        svc->scan_missing += result->missing;
    }
    svc->scanned = TRUE;
    waiting = g_steal_pointer(&svc->waiting);
    svc->waiting = g_array_new(FALSE, FALSE, sizeof(gint64));
    if (open_meetings && svc->app->config->media_record_meetings) {
        for (guint i = 0; i < open_meetings->len; i++)
            recording_service_start_meeting(svc, g_array_index(open_meetings, gint64, i), 0);
    }
    for (guint i = 0; i < waiting->len; i++)
        recording_service_start_meeting(svc, g_array_index(waiting, gint64, i), 0);
}

void recording_service_start(RecordingService *svc)
{
    g_return_if_fail(svc != NULL);
    recording_scan_run(svc->app->db, scan_done, svc);
}

/* ---- /metrics ---- */

static void metrics_source(GString *out, gpointer user_data)
{
    RecordingService *svc = the_service;
    GHashTableIter iter;
    MeetingRec *mr;
    guint active = 0;

    if (!svc)
        return;
    g_hash_table_iter_init(&iter, svc->meetings);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&mr))
        active += mr->state == MREC_RUNNING;
    g_string_append_printf(
        out,
        "# HELP phonghop_recordings_active Meetings being recorded now.\n"
        "# TYPE phonghop_recordings_active gauge\n"
        "phonghop_recordings_active %u\n"
        "# HELP phonghop_recording_files_total Recorded files closed since the start.\n"
        "# TYPE phonghop_recording_files_total counter\n"
        "phonghop_recording_files_total %" G_GUINT64_FORMAT "\n"
        "# HELP phonghop_recording_file_bytes_total Bytes of the recorded files closed since the "
        "start.\n"
        "# TYPE phonghop_recording_file_bytes_total counter\n"
        "phonghop_recording_file_bytes_total %" G_GUINT64_FORMAT "\n"
        "# HELP phonghop_recording_errors_total Recording failures (pipeline errors, full disk, "
        "a recording that could not start).\n"
        "# TYPE phonghop_recording_errors_total counter\n"
        "phonghop_recording_errors_total %" G_GUINT64_FORMAT "\n"
        "# HELP phonghop_recording_scan_files_total Files found left open by a stopped server at "
        "start-up, by what they were found to be.\n"
        "# TYPE phonghop_recording_scan_files_total counter\n"
        "phonghop_recording_scan_files_total{result=\"recovered\"} %" G_GUINT64_FORMAT "\n"
        "phonghop_recording_scan_files_total{result=\"unplayable\"} %" G_GUINT64_FORMAT "\n"
        "phonghop_recording_scan_files_total{result=\"missing\"} %" G_GUINT64_FORMAT "\n",
        active, svc->segments_total, svc->bytes_total, svc->errors_total, svc->scan_recovered,
        svc->scan_unplayable, svc->scan_missing);
    static const char *const per_meeting[][3] = {
        {"phonghop_recording_bytes_written", "gauge",
         "Bytes the meeting's recording has written so far (closed and open files)."},
        {"phonghop_recording_tracks", "gauge", "Tracks the meeting's recording is writing now."},
        {"phonghop_recording_packets_total", "counter",
         "RTP packets taken into the meeting's recording."},
        {"phonghop_recording_dropped_packets_total", "counter",
         "Packets dropped on the way to the recording (queue full, not ready, not playing)."},
        {"phonghop_recording_failed_participants", "gauge",
         "Participants whose recording stopped for good (disk full, repeated errors)."},
    };
    for (guint k = 0; k < G_N_ELEMENTS(per_meeting); k++) {
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", per_meeting[k][0],
                               per_meeting[k][2], per_meeting[k][0], per_meeting[k][1]);
        g_hash_table_iter_init(&iter, svc->meetings);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&mr)) {
            MediaRecordingStats st;
            guint64 v[5];

            if (!mr->rec)
                continue;
            media_recording_get_stats(mr->rec, &st);
            v[0] = st.bytes_written;
            v[1] = st.tracks;
            v[2] = st.packets;
            v[3] = st.dropped;
            v[4] = MAX(st.failed, mr->failed_participants);
            g_string_append_printf(out,
                                   "%s{meeting=\"%" G_GINT64_FORMAT "\"} %" G_GUINT64_FORMAT "\n",
                                   per_meeting[k][0], mr->meeting_id, v[k]);
        }
    }
}

/* ---- the service ---- */

RecordingService *recording_service_new(PhApp *app)
{
    RecordingService *svc = g_new0(RecordingService, 1);

    svc->app = app;
    svc->base_dir = *app->config->media_recording_dir
                        ? g_strdup(app->config->media_recording_dir)
                        : g_build_filename(app->config->state_dir, "recordings", NULL);
    svc->meetings = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, mrec_free);
    svc->inflight = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    svc->ends = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, job_free);
    svc->waiting = g_array_new(FALSE, FALSE, sizeof(gint64));
    if (!metrics_added)
        ops_metrics_add_source(metrics_source, NULL);
    metrics_added = TRUE;
    the_service = svc;
    g_message("recordings: %s%s", svc->base_dir,
              app->config->media_record_meetings ? " (every meeting, from opening to closing)"
                                                 : " (when the chair starts one)");
    return svc;
}

void recording_service_free(RecordingService *svc)
{
    GHashTableIter iter;
    MeetingRec *mr;

    if (!svc)
        return;
    the_service = NULL;
    recording_scan_cancel();
    g_hash_table_iter_init(&iter, svc->meetings);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&mr)) {
        if (mr->rec)
            g_message("meeting %" G_GINT64_FORMAT ": recording %" G_GINT64_FORMAT
                      " left as it is (the next start checks its files)",
                      mr->meeting_id, mr->recording_id);
    }
    g_clear_pointer(&svc->meetings, g_hash_table_unref);
    g_clear_pointer(&svc->inflight, g_hash_table_unref);
    g_clear_pointer(&svc->ends, g_hash_table_unref); /* the next start's scan ends them */
    g_clear_pointer(&svc->waiting, g_array_unref);
    g_free(svc->base_dir);
    g_free(svc);
}
