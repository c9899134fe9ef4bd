/* live-program.c: the meeting's program (media.h, MediaProgram) for its two uses, the public
 * live stream (HLS, broadcast/) and the composite kept with the recording (recording/).
 *
 * Design: each use says what it wants (an HLS directory; an archive directory with its
 * callbacks) and the program is rebuilt to match PROGRAM_SETTLE_MS later, so that the two wants
 * of a meeting that opens (each the end of its own database job) make one program, encoded
 * once. A program being replaced that writes an archive ends cleanly (its last file closed,
 * hashed and reported) while the new one starts; one that writes only HLS is freed at once. A
 * new program that writes HLS waits for a retiring one writing the same directory to end (its
 * last playlist write would land on the new one's).
 *
 * What the program shows (the title bar, the floor, a closed item) is kept per open meeting in
 * lm->program_states, so a program made later shows it at once. The slate of a closed item is
 * for the public: a program that is not streamed (the archive only) shows the hall, and that
 * part of the recording is restricted (recording_parts); a streamed program's archive is what
 * the public saw, and a closed part is in the participants' own recorded files.
 */
#include "live-media-private.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-media"

#define PROGRAM_SETTLE_MS 1000

/* A wanted archive, shared by the wants and the programs writing it. */
struct _LiveArchive {
    gint refs;
    char *dir;
    guint segment_seconds;
    MediaProgramSegmentFunc opened, closed;
    gpointer user_data;
    GDestroyNotify done;
    /* Each program numbers its files from 0; the archive's files are numbered in the order
     * they open across the programs that wrote it (a rebuild goes on with the next number). */
    GHashTable *seq; /* path -> its number (GUINT_TO_POINTER(n + 1)) */
    guint next_seq;
};

struct _LiveProgramRun {
    MediaMeeting *mm;
    MediaProgram *program;
    char *hls;            /* its HLS directory, NULL: none */
    LiveArchive *archive; /* a reference, NULL: none */
    GSource *ended;       /* the idle that frees it once it stopped */
};

typedef struct {
    char *body, *meeting, *item, *holder;
    gint64 deadline_us;
    gboolean closed;
} ProgramState;

static LiveArchive *archive_ref(LiveArchive *a)
{
    g_atomic_int_inc(&a->refs);
    return a;
}

static void archive_unref(LiveArchive *a)
{
    if (!a || !g_atomic_int_dec_and_test(&a->refs))
        return;
    if (a->done)
        a->done(a->user_data); /* every file of it is closed and reported */
    g_hash_table_unref(a->seq);
    g_free(a->dir);
    g_free(a);
}

void live_program_state_free(gpointer data)
{
    ProgramState *st = data;
    g_free(st->body);
    g_free(st->meeting);
    g_free(st->item);
    g_free(st->holder);
    g_free(st);
}

static void run_free(LiveProgramRun *run)
{
    if (run->ended) {
        g_source_destroy(run->ended);
        g_clear_pointer(&run->ended, g_source_unref);
    }
    g_clear_pointer(&run->program, media_program_free); /* may report a file cut short */
    archive_unref(run->archive);
    g_free(run->hls);
    g_free(run);
}

/* ---- what it shows ---- */

static void run_apply_state(LiveProgramRun *run)
{
    MediaMeeting *mm = run->mm;
    ProgramState *st = g_hash_table_lookup(mm->lm->program_states, &mm->meeting_id);
    gboolean closed = st && st->closed && run->hls != NULL;

    media_program_set_speaker(run->program, mm->floor_applied ? mm->applied_holder
                                                              : live_media_floor_participant(mm));
    if (!st)
        return;
    media_program_set_title(run->program, st->body, st->meeting, st->item);
    media_program_set_floor(run->program, closed ? NULL : st->holder, closed ? 0 : st->deadline_us);
    media_program_set_closed(run->program, closed);
}

void live_program_set_speaker(MediaMeeting *mm, guint64 holder)
{
    if (mm->program)
        media_program_set_speaker(mm->program->program, holder);
}

/* ---- the program's events ---- */

/* The pipeline failed: the chair and the secretariat are told (media.program), the log says
 * why; /metrics has its restarts and whether it runs. */
static void tell_chairs(gint64 meeting_id, const char *state, const char *message)
{
    LiveMedia *lm = live_media_current();
    if (!lm)
        return;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "media.program");
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, meeting_id);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, state);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    live_media_send_to_chairs(lm, meeting_id, node);
}

static void on_error(gpointer user_data, const char *message, gboolean fatal)
{
    LiveProgramRun *run = user_data;
    tell_chairs(run->mm->meeting_id, fatal ? "stopped" : "restarting", message);
}

/* The file's number in the archive: given when it opens, kept until it closes. */
static MediaSegmentInfo archive_numbered(LiveArchive *a, const MediaSegmentInfo *segment,
                                         gboolean closing)
{
    MediaSegmentInfo numbered = *segment;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(a->seq, segment->path));
    if (n == 0) {
        n = ++a->next_seq;
        if (!closing)
            g_hash_table_insert(a->seq, g_strdup(segment->path), GUINT_TO_POINTER(n));
    } else if (closing) {
        g_hash_table_remove(a->seq, segment->path);
    }
    numbered.index = n - 1;
    return numbered;
}

static void on_archive_opened(gpointer user_data, const MediaSegmentInfo *segment)
{
    LiveProgramRun *run = user_data;
    if (!run->archive)
        return;
    MediaSegmentInfo numbered = archive_numbered(run->archive, segment, FALSE);
    if (run->archive->opened)
        run->archive->opened(run->archive->user_data, &numbered);
}

static void on_archive_closed(gpointer user_data, const MediaSegmentInfo *segment)
{
    LiveProgramRun *run = user_data;
    if (!run->archive)
        return;
    MediaSegmentInfo numbered = archive_numbered(run->archive, segment, TRUE);
    if (run->archive->closed)
        run->archive->closed(run->archive->user_data, &numbered);
}

static void reconcile(MediaMeeting *mm);

static gboolean run_ended(gpointer user_data)
{
    LiveProgramRun *run = user_data;
    MediaMeeting *mm = run->mm;

    g_clear_pointer(&run->ended, g_source_unref);
    g_ptr_array_remove(mm->program_retiring, run); /* frees it */
    reconcile(mm); /* a program waiting for its directory may start now; may free mm */
    return G_SOURCE_REMOVE;
}

/* A retiring program's stop is complete (on the engine's context, from inside the program). */
static void on_stopped(gpointer user_data)
{
    LiveProgramRun *run = user_data;
    if (run->ended)
        return;
    run->ended = g_idle_source_new();
    g_source_set_callback(run->ended, run_ended, run, NULL);
    g_source_attach(run->ended, run->mm->lm->app->context);
}

/* ---- making it match what is wanted ---- */

static void run_retire(MediaMeeting *mm, LiveProgramRun *run)
{
    if (!run->archive) {
        run_free(run);
        return;
    }
    g_ptr_array_add(mm->program_retiring, run);
    media_program_stop(run->program);
}

static LiveProgramRun *run_start(MediaMeeting *mm)
{
    PhApp *app = mm->lm->app;
    g_autoptr(GError) error = NULL;
    LiveProgramRun *run = g_new0(LiveProgramRun, 1);
    int height = app->config->media_live_height;

    run->mm = mm;
    run->hls = g_strdup(mm->program_hls);
    run->archive = mm->program_archive ? archive_ref(mm->program_archive) : NULL;
    MediaProgramConfig config = {
        .hls_dir = run->hls,
        .height = height > 0 ? (guint)height : 720,
        .fps = (guint)app->config->media_live_fps,
        .error_func = on_error,
        .user_data = run,
        .archive_dir = run->archive ? run->archive->dir : NULL,
        .archive_segment_seconds = run->archive ? run->archive->segment_seconds : 0,
        .archive_opened = on_archive_opened,
        .archive_closed = on_archive_closed,
        .stopped = on_stopped,
    };
    MediaRoom *room = live_media_meeting_room(mm, &error);
    if (room)
        run->program = media_program_new(room, &config, &error);
    if (!run->program) {
        g_warning("meeting %" G_GINT64_FORMAT ": the program (%s%s%s) not started: %s",
                  mm->meeting_id, run->hls ? "live stream" : "",
                  run->hls && run->archive ? ", " : "", run->archive ? "archive" : "",
                  error->message);
        tell_chairs(mm->meeting_id, "stopped", error->message);
        run_free(run);
        return NULL;
    }
    g_message("meeting %" G_GINT64_FORMAT ": program started (%s%s%s)", mm->meeting_id,
              run->hls ? "live stream" : "", run->hls && run->archive ? ", " : "",
              run->archive ? "archive" : "");
    run_apply_state(run);
    return run;
}

static void reconcile(MediaMeeting *mm)
{
    LiveProgramRun *cur = mm->program;

    if (cur && g_strcmp0(cur->hls, mm->program_hls) == 0 && cur->archive == mm->program_archive)
        return;
    if (cur) {
        mm->program = NULL;
        run_retire(mm, cur);
    }
    if (mm->program_hls || mm->program_archive) {
        for (guint i = 0; i < mm->program_retiring->len; i++) {
            LiveProgramRun *r = g_ptr_array_index(mm->program_retiring, i);
            if (mm->program_hls && g_strcmp0(r->hls, mm->program_hls) == 0)
                return; /* its end starts the new one */
        }
        mm->program = run_start(mm);
    }
    live_media_meeting_tidy(mm);
}

static gboolean settle_cb(gpointer user_data)
{
    MediaMeeting *mm = user_data;
    g_clear_pointer(&mm->program_settle, g_source_unref);
    reconcile(mm);
    return G_SOURCE_REMOVE;
}

/* What is wanted changed: the program follows a moment later. */
static void wants_changed(MediaMeeting *mm)
{
    if (mm->program_settle)
        return;
    mm->program_settle = g_timeout_source_new(PROGRAM_SETTLE_MS);
    g_source_set_callback(mm->program_settle, settle_cb, mm, NULL);
    g_source_attach(mm->program_settle, mm->lm->app->context);
}

gboolean live_program_busy(MediaMeeting *mm)
{
    return mm->program || mm->program_retiring->len > 0 || mm->program_hls || mm->program_archive ||
           mm->program_settle;
}

void live_program_meeting_init(MediaMeeting *mm)
{
    mm->program_retiring = g_ptr_array_new_with_free_func((GDestroyNotify)run_free);
}

void live_program_meeting_clear(MediaMeeting *mm)
{
    if (mm->program_settle) {
        g_source_destroy(mm->program_settle);
        g_clear_pointer(&mm->program_settle, g_source_unref);
    }
    g_clear_pointer(&mm->program, run_free);
    g_clear_pointer(&mm->program_retiring, g_ptr_array_unref);
    g_clear_pointer(&mm->program_hls, g_free);
    g_clear_pointer(&mm->program_archive, archive_unref);
}

/* ---- the public face (live-media.h) ---- */

static MediaMeeting *meeting_of(PhApp *app, gint64 meeting_id)
{
    return app->media ? g_hash_table_lookup(app->media->meetings, &meeting_id) : NULL;
}

gboolean live_media_program_start(PhApp *app, gint64 meeting_id, const char *hls_dir,
                                  GError **error)
{
    g_return_val_if_fail(hls_dir != NULL, FALSE);
    if (!app->media) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED, "media is not running");
        return FALSE;
    }
    MediaMeeting *mm = live_media_meeting_ensure(app->media, meeting_id);
    if (g_strcmp0(mm->program_hls, hls_dir) != 0) {
        g_free(mm->program_hls);
        mm->program_hls = g_strdup(hls_dir);
        wants_changed(mm);
    }
    return TRUE;
}

void live_media_program_stop(PhApp *app, gint64 meeting_id)
{
    MediaMeeting *mm = meeting_of(app, meeting_id);
    if (!mm || !mm->program_hls)
        return;
    g_clear_pointer(&mm->program_hls, g_free);
    wants_changed(mm);
}

gboolean live_media_program_archive_start(PhApp *app, gint64 meeting_id,
                                          const LiveProgramArchive *archive, GError **error)
{
    g_return_val_if_fail(archive != NULL && archive->dir != NULL, FALSE);
    if (!app->media) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED, "media is not running");
        return FALSE;
    }
    MediaMeeting *mm = live_media_meeting_ensure(app->media, meeting_id);
    LiveArchive *a = g_new0(LiveArchive, 1);
    a->refs = 1;
    a->dir = g_strdup(archive->dir);
    a->segment_seconds = archive->segment_seconds;
    a->opened = archive->opened;
    a->closed = archive->closed;
    a->user_data = archive->user_data;
    a->done = archive->done;
    a->seq = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_clear_pointer(&mm->program_archive, archive_unref);
    mm->program_archive = a;
    wants_changed(mm);
    return TRUE;
}

void live_media_program_archive_stop(PhApp *app, gint64 meeting_id)
{
    MediaMeeting *mm = meeting_of(app, meeting_id);
    if (!mm || !mm->program_archive)
        return;
    g_clear_pointer(&mm->program_archive, archive_unref);
    wants_changed(mm);
}

void live_media_program_set(PhApp *app, gint64 meeting_id, const LiveProgramState *state)
{
    if (!app->media)
        return;
    ProgramState *st = g_new0(ProgramState, 1);
    st->body = g_strdup(state->body);
    st->meeting = g_strdup(state->meeting);
    st->item = g_strdup(state->item);
    st->holder = g_strdup(state->holder);
    st->deadline_us = state->deadline_us;
    st->closed = state->closed;
    gint64 *key = g_new(gint64, 1);
    *key = meeting_id;
    g_hash_table_replace(app->media->program_states, key, st);
    MediaMeeting *mm = meeting_of(app, meeting_id);
    if (mm && mm->program)
        run_apply_state(mm->program);
}

void live_media_program_forget(PhApp *app, gint64 meeting_id)
{
    if (app->media)
        g_hash_table_remove(app->media->program_states, &meeting_id);
}

gboolean live_media_program_get_stats(PhApp *app, gint64 meeting_id, MediaProgramStats *stats)
{
    MediaMeeting *mm = meeting_of(app, meeting_id);
    if (!mm || !mm->program)
        return FALSE;
    media_program_get_stats(mm->program->program, stats);
    return TRUE;
}
