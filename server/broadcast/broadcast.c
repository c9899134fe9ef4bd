/* broadcast.c: which meetings are streamed, what their programs show, and /live/MEETING/.
 *
 * Design: the database is the truth (broadcast.h). A Stream is kept per meeting that is or may be
 * streamed; a look-up of its state is one job on the pool, at most one in flight per meeting (a
 * notification during it marks the stream dirty and it looks again once it is back). What a
 * look-up finds is applied at once on the main thread: start the program (through the media
 * integration, live-media.h, which owns the meeting's room), update its title bar, floor and
 * slate, or stop it. The program writes its HLS files under STATE_DIR/live/MEETING; serving them
 * never asks the database: a meeting is live when its program runs and its playlist exists.
 *
 * Viewers are counted as the distinct client addresses that fetched the playlist in the last
 * VIEWER_WINDOW_S seconds (players fetch it every target duration, 2 s), at most MAX_VIEWERS
 * remembered per meeting, for /metrics.
 */
#include "broadcast.h"

#include "api/ops.h"
#include "live/live-media.h"
#include "record/record.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-broadcast"

#define VIEWER_WINDOW_S 10
#define MAX_VIEWERS     100000
#define MAX_SEGMENT_RUN 20 /* digits of a program run's number */

typedef struct {
    Broadcast *bc;
    gint64 meeting_id;
    gboolean looking; /* a look-up job is in flight */
    gboolean dirty;   /* notified during it */
    gboolean running; /* the program runs */
    gboolean closed;  /* the slate is up */
    char *dir;        /* STATE_DIR/live/MEETING */
    GHashTable
        *viewers; /* client address (char *) -> last playlist fetch (gint64 *, monotonic us) */
    guint64 playlist_requests;
    guint64 segment_requests;
    guint64 bytes_requested; /* of segments */
    guint64 starts, stops;
    guint cameras; /* hall cameras the meeting's media pulls now */
} Stream;

struct _Broadcast {
    PhApp *app;
    char *root;       /* STATE_DIR/live */
    gboolean enabled; /* [media] live_height > 0 */
    DbListener *listener;
    GHashTable *streams; /* gint64 * meeting -> Stream *, owned */
    gboolean freeing;
    guint64 not_live; /* requests for a meeting that is not live */
    guint64 refused;  /* names that are not the stream's */
    guint64 failures; /* programs that could not be started */
};

/* The one Broadcast, for the /metrics source (which cannot be removed) and jobs that finish
 * after it is freed. */
static Broadcast *the_broadcast;
static gboolean metrics_added;

/* ---- paths ---- */

static gboolean all_digits(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return FALSE;
    return n > 0;
}

/* "seg-<run>-<number>.ts", as the composite names them (media/gst/composite.c). */
static gboolean segment_name_ok(const char *name)
{
    if (!g_str_has_prefix(name, "seg-") || !g_str_has_suffix(name, ".ts"))
        return FALSE;
    const char *run = name + 4;
    const char *dash = strchr(run, '-');
    if (!dash || !all_digits(run, dash - run) || dash - run > MAX_SEGMENT_RUN)
        return FALSE;
    const char *num = dash + 1;
    gsize n = strlen(num) - 3;
    return strlen(num) > 3 && n >= 5 && n <= 10 && all_digits(num, n);
}

gboolean broadcast_parse_path(const char *path, gint64 *meeting_id, const char **file)
{
    g_return_val_if_fail(path != NULL, FALSE);
    if (!g_str_has_prefix(path, "/live/"))
        return FALSE;
    const char *id = path + 6;
    const char *slash = strchr(id, '/');
    if (!slash || slash - id > 15 || !all_digits(id, slash - id) || id[0] == '0')
        return FALSE;
    const char *name = slash + 1;
    if (strlen(name) > 64 || (!g_str_equal(name, "index.m3u8") && !segment_name_ok(name)))
        return FALSE;
    if (meeting_id)
        *meeting_id = g_ascii_strtoll(id, NULL, 10);
    if (file)
        *file = name;
    return TRUE;
}

/* ---- streams ---- */

static void stream_free(gpointer data)
{
    Stream *s = data;
    g_clear_pointer(&s->viewers, g_hash_table_unref);
    g_free(s->dir);
    g_free(s);
}

static Stream *stream_ensure(Broadcast *bc, gint64 meeting_id)
{
    Stream *s = g_hash_table_lookup(bc->streams, &meeting_id);
    if (s)
        return s;
    s = g_new0(Stream, 1);
    s->bc = bc;
    s->meeting_id = meeting_id;
    g_autofree char *name = g_strdup_printf("%" G_GINT64_FORMAT, meeting_id);
    s->dir = g_build_filename(bc->root, name, NULL);
    s->viewers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(bc->streams, &s->meeting_id, s);
    return s;
}

/* Removes what an earlier program left in the stream's directory (its playlist and segments):
 * a new program starts a new playlist, and a stopped one is no longer served. */
static void stream_clear_files(Stream *s)
{
    g_autoptr(GDir) dir = g_dir_open(s->dir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_equal(name, "index.m3u8") || segment_name_ok(name)) {
            g_autofree char *path = g_build_filename(s->dir, name, NULL);
            g_unlink(path);
        }
    }
}

static void stream_stop(Stream *s)
{
    if (!s->running)
        return;
    s->running = FALSE;
    s->closed = FALSE;
    s->stops++;
    live_media_program_stop(s->bc->app, s->meeting_id);
    g_hash_table_remove_all(s->viewers);
    stream_clear_files(s);
    g_message("meeting %" G_GINT64_FORMAT ": public live stream stopped", s->meeting_id);
}

/* The meeting's state as a look-up found it. */
typedef struct {
    Broadcast *bc; /* cleared when the module goes first */
    gint64 meeting_id;
    gboolean found, open, live, closed;
    char *body, *title, *item, *holder;
    gint64 deadline_us;
    GArray *cameras; /* LiveCameraSite, strings owned */
} Lookup;

static void lookup_free(gpointer p)
{
    Lookup *l = p;
    g_free(l->body);
    g_free(l->title);
    g_free(l->item);
    g_free(l->holder);
    for (guint i = 0; l->cameras && i < l->cameras->len; i++) {
        LiveCameraSite *c = &g_array_index(l->cameras, LiveCameraSite, i);
        g_free((char *)c->name);
        g_free((char *)c->url);
    }
    g_clear_pointer(&l->cameras, g_array_unref);
    g_free(l);
}

static gboolean lookup_job(DbConn *conn, gpointer data, GError **error)
{
    Lookup *l = data;
    char id[24];
    g_snprintf(id, sizeof(id), "%" G_GINT64_FORMAT, l->meeting_id);
    const char *p[] = {id};
    /* closed: the current item, its parent item or the sitting either belongs to is not public
     * (họp kín). The floor: the running turn, with its end when it has a limit. */
    g_autoptr(DbRows) rows = db_conn_exec(
        conn,
        "SELECT m.status = 'open' AND m.is_public, m.status = 'open', "
        "  NOT (coalesce(i.is_public, true) AND coalesce(pi.is_public, true) "
        "       AND coalesce(s.is_public, true)), "
        "  b.name, m.title, i.title, u.full_name, "
        "  CASE WHEN g.limit_us > 0 THEN (extract(epoch FROM g.started_at) * 1000000)::bigint "
        "       + g.limit_us END "
        "FROM meetings m JOIN bodies b ON b.id = m.body_id "
        "LEFT JOIN agenda_items i ON i.id = m.current_item_id "
        "LEFT JOIN agenda_items pi ON pi.id = i.parent_id "
        "LEFT JOIN sittings s ON s.id = coalesce(i.sitting_id, pi.sitting_id) "
        "LEFT JOIN floor_grants g ON g.meeting_id = m.id AND g.ended_at IS NULL "
        "LEFT JOIN users u ON u.id = g.user_id "
        "WHERE m.id = $1",
        1, p, error);
    if (!rows)
        return FALSE;
    if (db_rows_count(rows) == 0)
        return TRUE;
    l->found = TRUE;
    l->live = g_str_equal(db_rows_get(rows, 0, 0), "t");
    l->open = g_str_equal(db_rows_get(rows, 0, 1), "t");
    l->closed = g_str_equal(db_rows_get(rows, 0, 2), "t");
    l->body = g_strdup(db_rows_get(rows, 0, 3));
    l->title = g_strdup(db_rows_get(rows, 0, 4));
    l->item = db_rows_is_null(rows, 0, 5) ? NULL : g_strdup(db_rows_get(rows, 0, 5));
    l->holder = db_rows_is_null(rows, 0, 6) ? NULL : g_strdup(db_rows_get(rows, 0, 6));
    l->deadline_us =
        db_rows_is_null(rows, 0, 7) ? 0 : g_ascii_strtoll(db_rows_get(rows, 0, 7), NULL, 10);
    if (!l->open)
        return TRUE;
    /* the halls invited to the open meeting that have a camera (and have not declined) */
    g_autoptr(DbRows) cams = db_conn_exec(
        conn,
        "SELECT s.id, s.name, s.rtsp_url FROM invitations v JOIN sites s ON s.id = v.site_id "
        "WHERE v.meeting_id = $1 AND v.kind = 'site' AND v.rsvp <> 'declined' "
        "  AND coalesce(s.rtsp_url, '') <> '' ORDER BY s.id LIMIT 64",
        1, p, error);
    if (!cams)
        return FALSE;
    l->cameras = g_array_new(FALSE, FALSE, sizeof(LiveCameraSite));
    for (guint i = 0; i < db_rows_count(cams); i++) {
        LiveCameraSite c = {
            .site_id = g_ascii_strtoll(db_rows_get(cams, i, 0), NULL, 10),
            .name = g_strdup(db_rows_get(cams, i, 1)),
            .url = g_strdup(db_rows_get(cams, i, 2)),
        };
        g_array_append_val(l->cameras, c);
    }
    return TRUE;
}

static void stream_look(Stream *s);

static void lookup_done(gpointer data, const GError *error, gpointer user_data)
{
    Lookup *l = data;
    Broadcast *bc = the_broadcast;
    if (!bc || bc->freeing)
        return;
    Stream *s = g_hash_table_lookup(bc->streams, &l->meeting_id);
    if (!s)
        return;
    s->looking = FALSE;
    if (error) {
        /* The database is away: the program goes on as it is; the listener's return looks
         * again. */
        g_warning("meeting %" G_GINT64_FORMAT ": live stream state not read: %s", l->meeting_id,
                  error->message);
        goto out;
    }
    /* hall cameras, for every open meeting */
    guint n_cameras = l->cameras ? l->cameras->len : 0;
    if (n_cameras || s->cameras)
        live_media_cameras_set(bc->app, s->meeting_id,
                               n_cameras ? (const LiveCameraSite *)l->cameras->data : NULL,
                               n_cameras);
    s->cameras = n_cameras;
    /* what the program shows, for every open meeting: one kept with the recording shows it too */
    if (l->found && l->open) {
        LiveProgramState st = {
            .body = l->body,
            .meeting = l->title,
            .item = l->item,
            .holder = l->holder,
            .deadline_us = l->deadline_us,
            .closed = l->closed,
        };
        live_media_program_set(bc->app, s->meeting_id, &st);
    } else {
        live_media_program_forget(bc->app, s->meeting_id);
    }
    if (!l->found || !l->live || !bc->enabled) {
        stream_stop(s);
    } else {
        if (!s->running) {
            g_autoptr(GError) local = NULL;
            stream_clear_files(s);
            if (!live_media_program_start(bc->app, s->meeting_id, s->dir, &local)) {
                bc->failures++;
                g_warning("meeting %" G_GINT64_FORMAT ": public live stream not started: %s",
                          s->meeting_id, local->message);
            } else {
                s->running = TRUE;
                s->starts++;
                g_message("meeting %" G_GINT64_FORMAT ": public live stream started in %s",
                          s->meeting_id, s->dir);
            }
        }
        if (s->running) {
            if (s->closed != l->closed)
                g_message("meeting %" G_GINT64_FORMAT ": %s", s->meeting_id,
                          l->closed ? "closed item (họp kín): the slate is shown"
                                    : "public again: the program is shown");
            s->closed = l->closed;
        }
    }
out:
    if (s->dirty)
        stream_look(s);
    else if (!s->running && !s->cameras)
        g_hash_table_remove(bc->streams, &s->meeting_id); /* frees s */
}

static void stream_look(Stream *s)
{
    if (s->looking) {
        s->dirty = TRUE;
        return;
    }
    s->looking = TRUE;
    s->dirty = FALSE;
    Lookup *l = g_new0(Lookup, 1);
    l->meeting_id = s->meeting_id;
    db_pool_run(s->bc->app->db, lookup_job, l, lookup_free, lookup_done, NULL);
}

/* ---- following the meetings ---- */

typedef struct {
    GArray *ids; /* gint64 */
} OpenMeetings;

static void open_free(gpointer p)
{
    OpenMeetings *o = p;
    g_array_unref(o->ids);
    g_free(o);
}

static gboolean open_job(DbConn *conn, gpointer data, GError **error)
{
    OpenMeetings *o = data;
    g_autoptr(DbRows) rows = db_conn_exec(
        conn, "SELECT id FROM meetings WHERE status = 'open' ORDER BY id", 0, NULL, error);
    if (!rows)
        return FALSE;
    for (guint i = 0; i < db_rows_count(rows); i++) {
        gint64 id = g_ascii_strtoll(db_rows_get(rows, i, 0), NULL, 10);
        g_array_append_val(o->ids, id);
    }
    return TRUE;
}

static void open_done(gpointer data, const GError *error, gpointer user_data)
{
    OpenMeetings *o = data;
    Broadcast *bc = the_broadcast;
    if (!bc || bc->freeing)
        return;
    if (error) {
        g_warning("open public meetings not read: %s (looked up again when the database returns)",
                  error->message);
        return;
    }
    for (guint i = 0; i < o->ids->len; i++)
        stream_look(stream_ensure(bc, g_array_index(o->ids, gint64, i)));
    /* and the streams running now, which may have closed meanwhile */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, bc->streams);
    while (g_hash_table_iter_next(&it, NULL, &value))
        stream_look(value);
}

static void look_everything(Broadcast *bc)
{
    OpenMeetings *o = g_new0(OpenMeetings, 1);
    o->ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    db_pool_run(bc->app->db, open_job, o, open_free, open_done, NULL);
}

static void on_notify(const char *channel, const char *payload, gpointer user_data)
{
    Broadcast *bc = user_data;
    gint64 meeting_id = 0, seq = 0;
    if (sscanf(payload, "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, &meeting_id, &seq) != 2 ||
        meeting_id <= 0)
        return;
    stream_look(stream_ensure(bc, meeting_id));
}

static void on_listener_state(gboolean up, gpointer user_data)
{
    if (up)
        look_everything(user_data);
}

/* ---- /metrics ---- */

static guint stream_viewers(Stream *s, gint64 now)
{
    GHashTableIter it;
    gpointer value;
    guint n = 0;
    g_hash_table_iter_init(&it, s->viewers);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        if (now - *(gint64 *)value > VIEWER_WINDOW_S * G_USEC_PER_SEC)
            g_hash_table_iter_remove(&it);
        else
            n++;
    }
    return n;
}

static void metrics(GString *out, gpointer user_data)
{
    Broadcast *bc = the_broadcast;
    if (!bc)
        return;
    gint64 now = g_get_monotonic_time();
    guint live = 0, closed = 0;
    GHashTableIter it;
    gpointer value;

    g_string_append(out, "# HELP phonghop_live_streams Public live streams running (HLS).\n"
                         "# TYPE phonghop_live_streams gauge\n");
    g_hash_table_iter_init(&it, bc->streams);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Stream *s = value;
        live += s->running;
        closed += s->running && s->closed;
    }
    g_string_append_printf(out, "phonghop_live_streams %u\n", live);
    g_string_append(out, "# HELP phonghop_live_streams_closed Live streams showing the closed-item "
                         "slate (họp kín).\n"
                         "# TYPE phonghop_live_streams_closed gauge\n");
    g_string_append_printf(out, "phonghop_live_streams_closed %u\n", closed);
    g_string_append_printf(out,
                           "# HELP phonghop_live_requests_refused_total Requests under /live/ "
                           "for names no stream has.\n"
                           "# TYPE phonghop_live_requests_refused_total counter\n"
                           "phonghop_live_requests_refused_total %" G_GUINT64_FORMAT "\n"
                           "# HELP phonghop_live_requests_not_live_total Requests for a meeting "
                           "that is not live.\n"
                           "# TYPE phonghop_live_requests_not_live_total counter\n"
                           "phonghop_live_requests_not_live_total %" G_GUINT64_FORMAT "\n"
                           "# HELP phonghop_live_start_failures_total Programs that could not be "
                           "started.\n"
                           "# TYPE phonghop_live_start_failures_total counter\n"
                           "phonghop_live_start_failures_total %" G_GUINT64_FORMAT "\n",
                           bc->refused, bc->not_live, bc->failures);

    g_string_append(out, "# HELP phonghop_live_viewers Distinct addresses that fetched the "
                         "playlist in the last 10 s.\n"
                         "# TYPE phonghop_live_viewers gauge\n");
    g_hash_table_iter_init(&it, bc->streams);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Stream *s = value;
        if (s->running)
            g_string_append_printf(out,
                                   "phonghop_live_viewers{meeting=\"%" G_GINT64_FORMAT "\"} %u\n",
                                   s->meeting_id, stream_viewers(s, now));
    }
    static const struct {
        const char *name, *type, *help;
        gsize offset;
    } program[] = {
        {"phonghop_live_program_running", "gauge", "1 while the program's pipeline runs.",
         G_STRUCT_OFFSET(MediaProgramStats, running)},
        {"phonghop_live_program_inputs", "gauge", "Participants' tracks fed to the program.",
         G_STRUCT_OFFSET(MediaProgramStats, inputs)},
        {"phonghop_live_program_tiles", "gauge", "Video tiles shown.",
         G_STRUCT_OFFSET(MediaProgramStats, visible)},
        {"phonghop_live_program_restarts_total", "counter", "Pipeline rebuilt after an error.",
         G_STRUCT_OFFSET(MediaProgramStats, restarts)},
        {"phonghop_live_program_frames_total", "counter", "Frames encoded.",
         G_STRUCT_OFFSET(MediaProgramStats, frames)},
        {"phonghop_live_program_packets_total", "counter", "RTP packets taken from the tap.",
         G_STRUCT_OFFSET(MediaProgramStats, packets)},
        {"phonghop_live_program_dropped_total", "counter",
         "Packets dropped (a bounded queue full, the pipeline restarting).",
         G_STRUCT_OFFSET(MediaProgramStats, dropped)},
        {"phonghop_live_program_keyframe_requests_total", "counter",
         "Key frames asked of publishers (PLI).",
         G_STRUCT_OFFSET(MediaProgramStats, keyframe_requests)},
    };
    for (guint c = 0; c < G_N_ELEMENTS(program); c++) {
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", program[c].name,
                               program[c].help, program[c].name, program[c].type);
        g_hash_table_iter_init(&it, bc->streams);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            Stream *s = value;
            MediaProgramStats ps;
            if (!s->running || !live_media_program_get_stats(bc->app, s->meeting_id, &ps))
                continue;
            /* guint64 counters; the gauges are guint or gboolean */
            guint64 v = program[c].offset >= G_STRUCT_OFFSET(MediaProgramStats, frames)
                            ? G_STRUCT_MEMBER(guint64, &ps, program[c].offset)
                            : (guint64)G_STRUCT_MEMBER(guint, &ps, program[c].offset);
            g_string_append_printf(out,
                                   "%s{meeting=\"%" G_GINT64_FORMAT "\"} %" G_GUINT64_FORMAT "\n",
                                   program[c].name, s->meeting_id, v);
        }
    }
    g_string_append(out, "# HELP phonghop_live_slate_shown_seconds When the first frame after the "
                         "last closure (the slate) was encoded, seconds since 1970.\n"
                         "# TYPE phonghop_live_slate_shown_seconds gauge\n");
    g_hash_table_iter_init(&it, bc->streams);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Stream *s = value;
        MediaProgramStats ps;
        if (s->running && live_media_program_get_stats(bc->app, s->meeting_id, &ps) &&
            ps.slate_shown_us > 0)
            g_string_append_printf(
                out, "phonghop_live_slate_shown_seconds{meeting=\"%" G_GINT64_FORMAT "\"} %.3f\n",
                s->meeting_id, (double)ps.slate_shown_us / G_USEC_PER_SEC);
    }
    static const struct {
        const char *name, *help;
        gsize offset;
    } counters[] = {
        {"phonghop_live_playlist_requests_total", "Playlist requests served.",
         G_STRUCT_OFFSET(Stream, playlist_requests)},
        {"phonghop_live_segment_requests_total", "Segment requests served.",
         G_STRUCT_OFFSET(Stream, segment_requests)},
        {"phonghop_live_segment_bytes_total", "Bytes of segments requested (whole files).",
         G_STRUCT_OFFSET(Stream, bytes_requested)},
    };
    for (guint c = 0; c < G_N_ELEMENTS(counters); c++) {
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[c].name,
                               counters[c].help, counters[c].name);
        g_hash_table_iter_init(&it, bc->streams);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            Stream *s = value;
            if (s->running)
                g_string_append_printf(
                    out, "%s{meeting=\"%" G_GINT64_FORMAT "\"} %" G_GUINT64_FORMAT "\n",
                    counters[c].name, s->meeting_id,
                    G_STRUCT_MEMBER(guint64, s, counters[c].offset));
        }
    }
}

/* ---- serving ---- */

void broadcast_serve(PhApp *app, HttpRequest *req)
{
    Broadcast *bc = app->broadcast;
    const char *path = http_request_get_path(req);
    HttpMethod m = http_request_get_method(req);
    gint64 meeting_id = 0;
    const char *file = NULL;

    http_request_add_header(req, "access-control-allow-origin", "*");
    if (m != HTTP_METHOD_GET && m != HTTP_METHOD_HEAD) {
        http_request_respond_error(req, 405, "method_not_allowed", "%s is not allowed on %s",
                                   http_request_get_method_name(req), path);
        return;
    }
    if (!broadcast_parse_path(path, &meeting_id, &file)) {
        if (bc)
            bc->refused++;
        http_request_add_header(req, "cache-control", "no-store");
        http_request_respond_error(req, 404, "not_found",
                                   "no live stream file %s (a meeting's stream is "
                                   "/live/MEETING/index.m3u8)",
                                   path);
        return;
    }
    Stream *s = bc ? g_hash_table_lookup(bc->streams, &meeting_id) : NULL;
    gboolean playlist = g_str_equal(file, "index.m3u8");
    g_autofree char *full = s ? g_build_filename(s->dir, file, NULL) : NULL;
    if (!s || !s->running || (playlist && !g_file_test(full, G_FILE_TEST_IS_REGULAR))) {
        if (bc)
            bc->not_live++;
        http_request_add_header(req, "cache-control", "no-store");
        http_request_respond_error(req, 404, "not_live",
                                   "meeting %" G_GINT64_FORMAT " is not streamed live now",
                                   meeting_id);
        return;
    }
    const char *type = playlist ? "application/vnd.apple.mpegurl" : "video/mp2t";
    const char *cache = playlist ? "no-cache, no-store" : "public, max-age=86400, immutable";
    g_autoptr(GError) error = NULL;
    if (!http_request_respond_file(req, full, type, cache, NULL, &error)) {
        /* a segment the program has already deleted (players ask for what the playlist listed) */
        http_request_add_header(req, "cache-control", "no-store");
        http_request_respond_error(req, 404, "not_found", "no live stream file %s", path);
        return;
    }
    if (playlist) {
        s->playlist_requests++;
        const char *peer = http_request_get_peer(req);
        if (peer && (g_hash_table_size(s->viewers) < MAX_VIEWERS ||
                     g_hash_table_contains(s->viewers, peer))) {
            gint64 *t = g_new(gint64, 1);
            *t = g_get_monotonic_time();
            g_hash_table_replace(s->viewers, g_strdup(peer), t);
        }
    } else {
        GStatBuf st;
        s->segment_requests++;
        if (g_stat(full, &st) == 0)
            s->bytes_requested += (guint64)st.st_size;
    }
}

/* ---- lifecycle ---- */

Broadcast *broadcast_new(PhApp *app)
{
    Broadcast *bc = g_new0(Broadcast, 1);
    bc->app = app;
    bc->root = g_build_filename(app->config->state_dir, "live", NULL);
    bc->enabled = app->config->media_live_height > 0 && app->media != NULL;
    bc->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, stream_free);
    the_broadcast = bc;
    if (!metrics_added) {
        ops_metrics_add_source(metrics, NULL);
        metrics_added = TRUE;
    }
    if (!bc->enabled)
        g_message("public live stream off ([media] live_height = 0)");
    /* the hall cameras of open meetings are followed the same way */
    if (app->media) {
        bc->listener = db_listener_new(app->conninfo, RECORD_CHANNEL, app->context, on_notify,
                                       on_listener_state, bc);
        look_everything(bc);
    }
    return bc;
}

void broadcast_free(Broadcast *bc)
{
    if (!bc)
        return;
    bc->freeing = TRUE;
    g_clear_pointer(&bc->listener, db_listener_free);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, bc->streams);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Stream *s = value;
        stream_stop(s);
        if (s->cameras)
            live_media_cameras_set(bc->app, s->meeting_id, NULL, 0);
    }
    g_clear_pointer(&bc->streams, g_hash_table_unref);
    g_free(bc->root);
    if (the_broadcast == bc)
        the_broadcast = NULL;
    g_free(bc);
}
