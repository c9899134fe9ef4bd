/* recording-scan.c: the start-up scan of files a stopped server left open (see
 * recording-scan.h).
 *
 * Design: a job lists the files still listed as open; reading them to their end and hashing them
 * takes seconds per gigabyte, so that runs on a thread of its own (GTask); a second job writes
 * what was found, marks the recordings interrupted and lists the meetings open now. Each step
 * after the first checks that the scan was not cancelled (the service, and with it the pool,
 * may be gone).
 */
#include "recording-scan.h"

#include "media.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-recording"

/* The scan running now, NULL when none or cancelled. */
static struct {
    DbPool *db;
    RecordingScanDone done;
    gpointer user_data;
} current;

static const char *i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

typedef struct {
    gint64 id;
    char *path;
    gint64 start_us;
    /* found */
    const char *state; /* recovered, unplayable, missing */
    gint64 duration_us;
    guint64 size;
    char *sha256;
    char *note;
} Leftover;

typedef struct {
    GPtrArray *files;      /* Leftover * */
    GArray *open_meetings; /* gint64: meetings whose status is open, after the scan */
    guint recordings;      /* interrupted */
    guint recovered, unplayable, missing;
} Scan;

static void leftover_free(gpointer data)
{
    Leftover *l = data;

    g_free(l->path);
    g_free(l->sha256);
    g_free(l->note);
    g_free(l);
}

static void scan_free(gpointer data)
{
    Scan *s = data;

    g_ptr_array_unref(s->files);
    g_array_unref(s->open_meetings);
    g_free(s);
}

static gboolean scan_list_job(DbConn *conn, gpointer data, GError **error)
{
    Scan *s = data;
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "SELECT id, path, (extract(epoch FROM started_at) * 1000000)::bigint "
                     "FROM recording_segments WHERE state = 'open' ORDER BY id",
                     0, NULL, error);

    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        Leftover *l = g_new0(Leftover, 1);

        l->id = db_rows_get_int64(r, i, 0);
        l->path = g_strdup(db_rows_get(r, i, 1));
        l->start_us = db_rows_get_int64(r, i, 2);
        g_ptr_array_add(s->files, l);
    }
    return TRUE;
}

static char *sha256_of(const char *path, GError **error)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
    g_autofree guchar *buf = NULL;
    gssize n;

    if (!in)
        return NULL;
    buf = g_malloc(1 << 20);
    while ((n = g_input_stream_read(G_INPUT_STREAM(in), buf, 1 << 20, NULL, error)) > 0)
        g_checksum_update(sum, buf, n);
    if (n < 0)
        return NULL;
    return g_strdup(g_checksum_get_string(sum));
}

/* A thread of its own: reads and hashes every file. */
static void scan_probe_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    Scan *s = data;

    for (guint i = 0; i < s->files->len; i++) {
        Leftover *l = g_ptr_array_index(s->files, i);
        g_autoptr(GError) error = NULL;
        MediaSegmentProbe probe;

        if (!media_segment_probe(l->path, &probe, &error)) {
            gboolean missing = g_error_matches(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND);

            l->state = missing ? "missing" : "unplayable";
            l->size = probe.size;
            l->note = g_strdup(error->message);
            if (!missing)
                l->sha256 = sha256_of(l->path, NULL);
            continue;
        }
        l->sha256 = sha256_of(l->path, &error);
        l->state = "recovered";
        l->duration_us = probe.duration_us;
        l->size = probe.size;
        l->note = g_strdup_printf("left open by a stopped server; %" G_GUINT64_FORMAT
                                  " frames, %.1f s, read to the end at start-up%s%s",
                                  probe.frames, probe.duration_us / 1e6,
                                  error ? "; not hashed: " : "", error ? error->message : "");
    }
    g_task_return_boolean(task, TRUE);
}

static gboolean scan_write_job(DbConn *conn, gpointer data, GError **error)
{
    Scan *s = data;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree char *details = NULL;
    char n[5][24];

    json_builder_begin_array(b);
    for (guint i = 0; i < s->files->len; i++) {
        Leftover *l = g_ptr_array_index(s->files, i);
        char id[24], size[24], end[32];

        g_snprintf(end, sizeof end, "%.6f",
                   (double)(l->start_us + l->duration_us) / G_USEC_PER_SEC);
        const char *p[] = {
            i64(id, l->id),        l->state, end, i64(size, (gint64)l->size), l->sha256,
            l->note ? l->note : ""};
        if (!db_conn_run(conn,
                         "UPDATE recording_segments SET state = $2, "
                         "  ended_at = to_timestamp($3::double precision), size = $4, "
                         "  sha256 = $5, note = left($6, 2000) WHERE id = $1 AND state = 'open'",
                         6, p, error))
            return FALSE;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "segment_id");
        json_builder_add_int_value(b, l->id);
        json_builder_set_member_name(b, "path");
        json_builder_add_string_value(b, l->path);
        json_builder_set_member_name(b, "state");
        json_builder_add_string_value(b, l->state);
        json_builder_set_member_name(b, "duration_ms");
        json_builder_add_int_value(b, l->duration_us / 1000);
        json_builder_set_member_name(b, "size");
        json_builder_add_int_value(b, (gint64)l->size);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    {
        g_autoptr(JsonNode) root = json_builder_get_root(b);

        details = json_to_string(root, FALSE);
    }
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "UPDATE recordings r SET state = 'interrupted', "
        "  ended_at = greatest(r.started_at, coalesce((SELECT max(s.ended_at) "
        "    FROM recording_segments s WHERE s.recording_id = r.id), r.started_at)), "
        "  last_error = 'the server stopped while recording; its files were checked at the next "
        "start' "
        "WHERE ended_at IS NULL RETURNING id",
        0, NULL, error);
    if (!r)
        return FALSE;
    s->recordings = db_rows_count(r);
    if (!db_conn_run(conn,
                     "UPDATE recording_parts p SET ended_at = r.ended_at FROM recordings r "
                     "WHERE p.recording_id = r.id AND p.ended_at IS NULL "
                     "  AND r.ended_at IS NOT NULL",
                     0, NULL, error))
        return FALSE;
    if (s->files->len > 0 || s->recordings > 0) {
        const char *p[] = {i64(n[0], s->files->len), i64(n[1], s->recovered),
                           i64(n[2], s->unplayable), i64(n[3], s->missing),
                           i64(n[4], s->recordings), details};
        if (!db_conn_run(conn,
                         "INSERT INTO recording_scans (found, recovered, unplayable, missing, "
                         "  recordings, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
                         6, p, error))
            return FALSE;
    }
    g_autoptr(DbRows) m = db_conn_exec(
        conn, "SELECT id FROM meetings WHERE status = 'open' ORDER BY id", 0, NULL, error);
    if (!m)
        return FALSE;
    for (guint i = 0; i < db_rows_count(m); i++) {
        gint64 id = db_rows_get_int64(m, i, 0);

        g_array_append_val(s->open_meetings, id);
    }
    return TRUE;
}

static void scan_report(Scan *s, gboolean written)
{
    RecordingScanDone done = current.done;
    gpointer user_data = current.user_data;
    RecordingScanResult result = {
        .found = s ? s->files->len : 0,
        .recovered = s ? s->recovered : 0,
        .unplayable = s ? s->unplayable : 0,
        .missing = s ? s->missing : 0,
    };

    current.db = NULL;
    current.done = NULL;
    current.user_data = NULL;
    if (done)
        done(written ? s->open_meetings : NULL, s ? &result : NULL, user_data);
}

static void scan_write_done(gpointer data, const GError *error, gpointer user_data)
{
    Scan *s = data;

    if (error)
        g_warning("recordings: the start-up scan could not be written: %s", error->message);
    else if (s->files->len > 0 || s->recordings > 0)
        g_message("recordings: %u files left open by a stopped server: %u recovered, %u "
                  "unplayable, %u missing; recordings marked interrupted: %u",
                  s->files->len, s->recovered, s->unplayable, s->missing, s->recordings);
    if (current.done)
        scan_report(s, error == NULL);
}

static void scan_probed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Scan *s = g_task_get_task_data(G_TASK(result));
    Scan *copy;

    if (!current.done)
        return; /* cancelled */
    for (guint i = 0; i < s->files->len; i++) {
        Leftover *l = g_ptr_array_index(s->files, i);

        if (g_str_equal(l->state, "recovered"))
            s->recovered++;
        else if (g_str_equal(l->state, "missing"))
            s->missing++;
        else
            s->unplayable++;
        g_message("recordings: %s: %s (%s)", l->path, l->state, l->note ? l->note : "");
    }
    /* the task keeps its data: hand the job a scan of its own */
    copy = g_new0(Scan, 1);
    *copy = *s;
    copy->files = g_ptr_array_ref(s->files);
    copy->open_meetings = g_array_ref(s->open_meetings);
    db_pool_run(current.db, scan_write_job, copy, scan_free, scan_write_done, NULL);
}

static void scan_list_done(gpointer data, const GError *error, gpointer user_data)
{
    Scan *s = data;
    Scan *mine;
    GTask *task;

    if (!current.done)
        return; /* cancelled */
    if (error) {
        g_warning("recordings: the start-up scan could not list open files: %s; recording "
                  "starts without it",
                  error->message);
        scan_report(NULL, FALSE);
        return;
    }
    mine = g_new0(Scan, 1);
    mine->files = g_ptr_array_ref(s->files);
    mine->open_meetings = g_array_ref(s->open_meetings);
    if (s->files->len > 0)
        g_message("recordings: %u files were left open by a stopped server; checking them",
                  s->files->len);
    task = g_task_new(NULL, NULL, scan_probed, NULL);
    g_task_set_task_data(task, mine, scan_free);
    g_task_set_name(task, "phonghop-recording-scan");
    g_task_run_in_thread(task, scan_probe_thread);
    g_object_unref(task);
}

void recording_scan_run(DbPool *db, RecordingScanDone done, gpointer user_data)
{
    Scan *s;

    g_return_if_fail(db != NULL && done != NULL && current.done == NULL);
    current.db = db;
    current.done = done;
    current.user_data = user_data;
    s = g_new0(Scan, 1);
    s->files = g_ptr_array_new_with_free_func(leftover_free);
    s->open_meetings = g_array_new(FALSE, FALSE, sizeof(gint64));
    db_pool_run(db, scan_list_job, s, scan_free, scan_list_done, NULL);
}

void recording_scan_cancel(void)
{
    current.db = NULL;
    current.done = NULL;
    current.user_data = NULL;
}
