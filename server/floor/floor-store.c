/* floor-store.c: a meeting's floor, restored from the database, changed, and saved back.
 *
 * Design. The rules of the floor are the domain's state machine (floor.h); this file is its
 * persistence. Keeping the state in PostgreSQL rather than in the process means every node and
 * every restart see the same queue and the same speaker, and the state machine's events are the
 * one source of what is written: a REQUESTED event inserts a request, GRANTED inserts a turn and
 * journals it, WARNING stamps the turn, ENDED closes it and journals it, and any change of the
 * queue rewrites the waiting requests' positions and announces the whole queue. So the database
 * can hold nothing the state machine would not have produced, and the order of what is recorded
 * is the order the machine says things happened (an overdue end before the grant that follows).
 *
 * Each change locks the meeting row first (SELECT ... FOR UPDATE), the same row record.c's
 * numbering locks, so changes to one meeting are serialised whatever node runs them. The floor's
 * ids are the database's: waiting requests and the running turn are restored with their own ids;
 * the few the machine makes during one change (a new request, a turn given without one) are
 * mapped to the rows inserted for them.
 *
 * Time is the worker's real-time clock in microseconds, the journal's clock too; the floor never
 * goes back in time, so a late timer or a clock step cannot reorder what it reports.
 */
#include "floor-store.h"

#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-floor"

G_DEFINE_QUARK(phonghop_floor_store_error, floor_store_error)

#define US_PER_MS 1000

typedef struct {
    gint64 meeting_id;
    gint64 body_id;
    char *status;
    gboolean is_public;
    FloorRules rules;
    Floor *floor;
    gint64 grant_id;         /* the running turn's row, 0: none */
    gint64 turn_started_us;  /* of the running turn */
    GHashTable *new_ids;     /* floor id -> database id of rows inserted in this change */
    GHashTable *was_waiting; /* floor ids of the requests restored as waiting */
    GHashTable *names;       /* user id -> full name */
    GHashTable *titles;      /* user id -> title (position), "" when none */
    gboolean microphones_open;
    gint64 *audience; /* the readers of a meeting that is not public, once loaded */
    guint n_audience;
} FloorCtx;

static void ctx_clear(FloorCtx *ctx)
{
    g_clear_pointer(&ctx->status, g_free);
    g_clear_pointer(&ctx->floor, floor_free);
    g_clear_pointer(&ctx->new_ids, g_hash_table_unref);
    g_clear_pointer(&ctx->was_waiting, g_hash_table_unref);
    g_clear_pointer(&ctx->names, g_hash_table_unref);
    g_clear_pointer(&ctx->titles, g_hash_table_unref);
    g_clear_pointer(&ctx->audience, g_free);
}

static const char *i64(char *buf, gint64 v)
{
    g_snprintf(buf, 24, "%" G_GINT64_FORMAT, v);
    return buf;
}

static gint64 *id_key(gint64 v)
{
    return g_memdup2(&v, sizeof(v));
}

/* The database id of a floor id: a row inserted in this change, else the floor id itself. */
static gint64 db_id(FloorCtx *ctx, guint64 floor_id)
{
    gint64 key = (gint64)floor_id;
    gpointer v = g_hash_table_lookup(ctx->new_ids, &key);
    return v ? *(gint64 *)v : key;
}

static char *format_us(gint64 us)
{
    char *s = journal_format_time(us);
    return s ? s : g_strdup("1970-01-01T00:00:00.000000Z");
}

/* ---- loading ---- */

static gboolean load_meeting(DbConn *conn, FloorCtx *ctx, gboolean lock, GError **error)
{
    char mid[24];
    const char *p[] = {i64(mid, ctx->meeting_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     lock ? "SELECT body_id, status, is_public AND "
                            "  phonghop_item_public(current_item_id) FROM meetings "
                            "WHERE id = $1 FOR UPDATE"
                          : "SELECT body_id, status, is_public AND "
                            "  phonghop_item_public(current_item_id) FROM meetings WHERE id = $1",
                     1, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_NO_MEETING,
                    "no meeting %" G_GINT64_FORMAT, ctx->meeting_id);
        return FALSE;
    }
    ctx->body_id = db_rows_get_int64(r, 0, 0);
    ctx->status = g_strdup(db_rows_get(r, 0, 1));
    ctx->is_public = db_rows_get_bool(r, 0, 2);
    return TRUE;
}

/* The body's limits: the defaults, overridden by its own rows. */
static gboolean load_rules(DbConn *conn, gint64 body_id, FloorRules *rules, gboolean *own,
                           GError **error)
{
    char bid[24];
    const char *p[] = {i64(bid, body_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT kind, limit_seconds, warning_seconds, body_id IS NOT NULL FROM floor_limits "
        "WHERE body_id = $1 OR body_id IS NULL ORDER BY body_id NULLS FIRST",
        1, p, error);
    if (!r)
        return FALSE;
    memset(rules, 0, sizeof(*rules));
    rules->close_at_limit = TRUE; /* the server ends a turn whose time is up */
    for (guint i = 0; i < db_rows_count(r); i++) {
        FloorKind kind;
        if (!floor_kind_parse(db_rows_get(r, i, 0), &kind, NULL))
            continue;
        rules->limits[kind - 1].limit_us = db_rows_get_int64(r, i, 1) * G_USEC_PER_SEC;
        rules->limits[kind - 1].warning_us = db_rows_get_int64(r, i, 2) * G_USEC_PER_SEC;
        if (own)
            own[kind - 1] = db_rows_get_bool(r, i, 3);
    }
    return TRUE;
}

static gboolean parse_kind(const char *text, FloorKind *kind, GError **error)
{
    if (floor_kind_parse(text, kind, NULL))
        return TRUE;
    g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_STATE,
                "the stored floor holds an unknown kind '%s'", text);
    return FALSE;
}

/* Restores the floor: waiting requests in their order, then the running turn. */
static gboolean load_floor(DbConn *conn, FloorCtx *ctx, GError **error)
{
    char mid[24];
    const char *p[] = {i64(mid, ctx->meeting_id)};
    if (!load_rules(conn, ctx->body_id, &ctx->rules, NULL, error))
        return FALSE;
    ctx->floor = floor_new(&ctx->rules, error);
    if (!ctx->floor)
        return FALSE;
    ctx->new_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    ctx->was_waiting = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    ctx->names = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    ctx->titles = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);

    /* Times as epoch microseconds, exact (extract returns numeric). */
    g_autoptr(DbRows) q = db_conn_exec(
        conn,
        "SELECT id, user_id, kind, (extract(epoch FROM requested_at) * 1000000)::bigint "
        "FROM floor_requests WHERE meeting_id = $1 AND status = 'waiting' "
        "ORDER BY position, id",
        1, p, error);
    if (!q)
        return FALSE;
    for (guint i = 0; i < db_rows_count(q); i++) {
        FloorRequest r = {0};
        r.id = (guint64)db_rows_get_int64(q, i, 0);
        r.person_id = db_rows_get_int64(q, i, 1);
        r.requested_us = db_rows_get_int64(q, i, 3);
        if (!parse_kind(db_rows_get(q, i, 2), &r.kind, error) ||
            !floor_restore_request(ctx->floor, &r, error))
            return FALSE;
        g_hash_table_add(ctx->was_waiting, id_key((gint64)r.id));
    }

    g_autoptr(DbRows) t =
        db_conn_exec(conn,
                     "SELECT id, request_id, user_id, kind, "
                     "       (extract(epoch FROM started_at) * 1000000)::bigint, limit_us, "
                     "       warning_us, warned_at IS NOT NULL "
                     "FROM floor_grants WHERE meeting_id = $1 AND ended_at IS NULL",
                     1, p, error);
    if (!t)
        return FALSE;
    if (db_rows_count(t) == 1) {
        FloorTurn turn = {0};
        ctx->grant_id = db_rows_get_int64(t, 0, 0);
        turn.request.id = (guint64)db_rows_get_int64(t, 0, 1);
        turn.request.person_id = db_rows_get_int64(t, 0, 2);
        turn.granted_us = db_rows_get_int64(t, 0, 4);
        turn.request.requested_us = turn.granted_us;
        turn.limit_us = db_rows_get_int64(t, 0, 5);
        turn.warning_us = db_rows_get_int64(t, 0, 6);
        turn.warned = db_rows_get_bool(t, 0, 7);
        if (!parse_kind(db_rows_get(t, 0, 3), &turn.request.kind, error) ||
            !floor_restore_turn(ctx->floor, &turn, error))
            return FALSE;
        ctx->turn_started_us = turn.granted_us;
    }

    g_autoptr(DbRows) m =
        db_conn_exec(conn, "SELECT open FROM floor_microphones WHERE meeting_id = $1", 1, p, error);
    if (!m)
        return FALSE;
    ctx->microphones_open = db_rows_count(m) == 1 && db_rows_get_bool(m, 0, 0);
    return TRUE;
}

/* Loads the full names and titles of the people the floor and events name, in one query. The
 * title (users.title: "Đại biểu HĐND tỉnh, Tổ đại biểu số 3", a guest's office) goes into every
 * turn, so a hall screen, a guest or the public page names the speaker without the roster. */
static gboolean load_names(DbConn *conn, FloorCtx *ctx, GArray *events, GError **error)
{
    g_autoptr(GString) ids = g_string_new("{");
    gboolean any = FALSE;
    const FloorRequest *speaker = floor_get_speaker(ctx->floor, NULL, NULL);
#define ADD_ID(v)                                                                \
    do {                                                                         \
        g_string_append_printf(ids, "%s%" G_GINT64_FORMAT, any ? "," : "", (v)); \
        any = TRUE;                                                              \
    } while (0)
    for (guint i = 0; i < floor_get_queue_length(ctx->floor); i++)
        ADD_ID(floor_peek_queue(ctx->floor, i)->person_id);
    if (speaker)
        ADD_ID(speaker->person_id);
    for (guint i = 0; events && i < events->len; i++)
        ADD_ID(g_array_index(events, FloorEvent, i).request.person_id);
#undef ADD_ID
    if (!any)
        return TRUE;
    g_string_append_c(ids, '}');
    const char *p[] = {ids->str};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT id, full_name, title FROM users WHERE id = ANY($1::bigint[])", 1, p, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        g_hash_table_replace(ctx->names, id_key(db_rows_get_int64(r, i, 0)),
                             g_strdup(db_rows_get(r, i, 1)));
        g_hash_table_replace(ctx->titles, id_key(db_rows_get_int64(r, i, 0)),
                             g_strdup(db_rows_get(r, i, 2)));
    }
    return TRUE;
}

static const char *name_of(FloorCtx *ctx, gint64 user_id)
{
    const char *n = g_hash_table_lookup(ctx->names, &user_id);
    return n ? n : "";
}

static const char *title_of(FloorCtx *ctx, gint64 user_id)
{
    const char *t = g_hash_table_lookup(ctx->titles, &user_id);
    return t ? t : "";
}

/* ---- describing ---- */

static void add_time(JsonBuilder *b, const char *member, gint64 us)
{
    g_autofree char *t = format_us(us);
    json_builder_set_member_name(b, member);
    json_builder_add_string_value(b, t);
}

static void add_int(JsonBuilder *b, const char *member, gint64 v)
{
    json_builder_set_member_name(b, member);
    json_builder_add_int_value(b, v);
}

static void add_str(JsonBuilder *b, const char *member, const char *v)
{
    json_builder_set_member_name(b, member);
    json_builder_add_string_value(b, v);
}

static void add_queue(JsonBuilder *b, FloorCtx *ctx)
{
    json_builder_begin_array(b);
    for (guint i = 0; i < floor_get_queue_length(ctx->floor); i++) {
        const FloorRequest *r = floor_peek_queue(ctx->floor, i);
        json_builder_begin_object(b);
        add_int(b, "request_id", db_id(ctx, r->id));
        add_int(b, "user_id", r->person_id);
        add_str(b, "full_name", name_of(ctx, r->person_id));
        add_str(b, "title", title_of(ctx, r->person_id));
        add_str(b, "kind", floor_kind_to_string(r->kind));
        add_int(b, "position", i);
        add_time(b, "requested_at", r->requested_us);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static JsonNode *describe(FloorCtx *ctx, gint64 now_us)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    FloorTurn turn;
    json_builder_begin_object(b);
    add_int(b, "meeting_id", ctx->meeting_id);
    add_str(b, "status", ctx->status);
    json_builder_set_member_name(b, "speaker");
    if (floor_get_turn(ctx->floor, &turn)) {
        json_builder_begin_object(b);
        add_int(b, "request_id", db_id(ctx, turn.request.id));
        add_int(b, "user_id", turn.request.person_id);
        add_str(b, "full_name", name_of(ctx, turn.request.person_id));
        add_str(b, "title", title_of(ctx, turn.request.person_id));
        add_str(b, "kind", floor_kind_to_string(turn.request.kind));
        add_time(b, "started_at", turn.granted_us);
        add_int(b, "limit_ms", turn.limit_us / US_PER_MS);
        add_int(b, "warning_ms", turn.warning_us / US_PER_MS);
        json_builder_set_member_name(b, "ends_at");
        if (turn.limit_us > 0) {
            g_autofree char *t = format_us(turn.granted_us + turn.limit_us);
            json_builder_add_string_value(b, t);
        } else {
            json_builder_add_null_value(b);
        }
        json_builder_set_member_name(b, "remaining_ms");
        if (turn.limit_us > 0)
            json_builder_add_int_value(b, MAX(0, turn.granted_us + turn.limit_us - now_us) /
                                              US_PER_MS);
        else
            json_builder_add_null_value(b);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "queue");
    add_queue(b, ctx);
    json_builder_set_member_name(b, "microphones_open");
    json_builder_add_boolean_value(b, ctx->microphones_open);
    json_builder_set_member_name(b, "limits");
    json_builder_begin_array(b);
    for (int k = FLOOR_KIND_SPEECH; k <= FLOOR_KIND_POINT_OF_ORDER; k++) {
        json_builder_begin_object(b);
        add_str(b, "kind", floor_kind_to_string((FloorKind)k));
        add_int(b, "limit_seconds", ctx->rules.limits[k - 1].limit_us / G_USEC_PER_SEC);
        add_int(b, "warning_seconds", ctx->rules.limits[k - 1].warning_us / G_USEC_PER_SEC);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    add_time(b, "server_time", now_us);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- saving ---- */

static char *actor_of(gint64 user_id)
{
    return user_id ? g_strdup_printf("user:%" G_GINT64_FORMAT, user_id) : NULL;
}

/* Who receives the floor's events: everyone, the public included, when the meeting is public and
 * no longer a draft and the item under discussion is not closed (họp kín, DOMAIN.md: no public
 * stream; phonghop_item_public in the schema); otherwise only those who may read the meeting now
 * (the schema's phonghop_may_read_meeting: a guest only when invited), as the meeting's own events
 * do. */
static gboolean visibility_of(DbConn *conn, FloorCtx *ctx, RecordVisibility *vis, GError **error)
{
    memset(vis, 0, sizeof(*vis));
    if (ctx->is_public && !g_str_equal(ctx->status, "draft")) {
        vis->is_public = TRUE;
        return TRUE;
    }
    if (!ctx->audience) {
        char mid[24], bid[24];
        const char *p[] = {i64(mid, ctx->meeting_id), i64(bid, ctx->body_id)};
        g_autoptr(DbRows) r =
            db_conn_exec(conn,
                         "SELECT u.id FROM users u WHERE NOT u.disabled "
                         "  AND (u.is_system_admin OR u.id IN (SELECT user_id FROM memberships "
                         "                                     WHERE body_id = $2)) "
                         "  AND phonghop_may_read_meeting($1, u.id) ORDER BY u.id",
                         2, p, error);
        if (!r)
            return FALSE;
        /* Never NULL once loaded: an empty audience is nobody, not everyone. */
        ctx->n_audience = db_rows_count(r);
        ctx->audience = g_new0(gint64, ctx->n_audience + 1);
        for (guint i = 0; i < ctx->n_audience; i++)
            ctx->audience[i] = db_rows_get_int64(r, i, 0);
    }
    vis->audience = ctx->audience;
    vis->n_audience = ctx->n_audience;
    return TRUE;
}

static gboolean save_queue(DbConn *conn, FloorCtx *ctx, GError **error)
{
    for (guint i = 0; i < floor_get_queue_length(ctx->floor); i++) {
        char id[24], pos[24];
        const char *p[] = {i64(id, db_id(ctx, floor_peek_queue(ctx->floor, i)->id)), i64(pos, i)};
        if (!db_conn_run(conn,
                         "UPDATE floor_requests SET position = $2 "
                         "WHERE id = $1 AND position IS DISTINCT FROM $2::int",
                         2, p, error))
            return FALSE;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "queue");
    add_queue(b, ctx);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    RecordVisibility vis;
    return visibility_of(conn, ctx, &vis, error) &&
           record_event(conn, ctx->meeting_id, "floor.queue", payload, &vis, NULL, error);
}

static gboolean save_requested(DbConn *conn, FloorCtx *ctx, const FloorCommand *cmd,
                               const FloorEvent *ev, FloorOutcome *out, GError **error)
{
    char mid[24], uid[24], pos[24], by[24];
    g_autofree char *at = format_us(ev->at_us);
    const char *p[] = {i64(mid, ctx->meeting_id),
                       i64(uid, ev->request.person_id),
                       floor_kind_to_string(ev->request.kind),
                       i64(pos, ev->position),
                       at,
                       i64(by, cmd->actor_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "INSERT INTO floor_requests (meeting_id, user_id, kind, status, position, requested_at, "
        "requested_by) VALUES ($1, $2, $3, 'waiting', $4, $5::timestamptz, $6) RETURNING id",
        6, p, error);
    if (!r)
        return FALSE;
    gint64 id = db_rows_get_int64(r, 0, 0);
    g_hash_table_replace(ctx->new_ids, id_key((gint64)ev->request.id), id_key(id));
    g_hash_table_add(ctx->was_waiting, id_key((gint64)ev->request.id));
    out->request_id = id;
    return TRUE;
}

static gboolean save_withdrawn(DbConn *conn, FloorCtx *ctx, const FloorCommand *cmd,
                               const FloorEvent *ev, GError **error)
{
    char id[24], by[24];
    g_autofree char *at = format_us(ev->at_us);
    const char *status = cmd->actor_id == ev->request.person_id ? "withdrawn" : "removed";
    const char *p[] = {i64(id, db_id(ctx, ev->request.id)), status, at, i64(by, cmd->actor_id)};
    return db_conn_run(conn,
                       "UPDATE floor_requests SET status = $2, position = NULL, "
                       "closed_at = $3::timestamptz, closed_by = $4 "
                       "WHERE id = $1 AND status = 'waiting'",
                       4, p, error);
}

/* The payload of floor.granted, floor.extended, floor.warning and floor.ended. */
static JsonBuilder *turn_payload(FloorCtx *ctx, const FloorEvent *ev, gint64 started_us)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_int(b, "request_id", db_id(ctx, ev->request.id));
    add_int(b, "user_id", ev->request.person_id);
    add_str(b, "full_name", name_of(ctx, ev->request.person_id));
    add_str(b, "title", title_of(ctx, ev->request.person_id));
    add_str(b, "kind", floor_kind_to_string(ev->request.kind));
    add_time(b, "started_at", started_us);
    return b;
}

static gboolean save_granted(DbConn *conn, FloorCtx *ctx, const FloorCommand *cmd,
                             const FloorEvent *ev, FloorOutcome *out, gboolean *queue_changed,
                             GError **error)
{
    char rid[24], mid[24], uid[24], by[24], lim[24], warn[24];
    g_autofree char *at = format_us(ev->at_us);
    gint64 key = (gint64)ev->request.id;
    gint64 request_id;
    if (g_hash_table_contains(ctx->was_waiting, &key)) {
        request_id = db_id(ctx, ev->request.id);
        const char *p[] = {i64(rid, request_id), at, i64(by, cmd->actor_id)};
        if (!db_conn_run(conn,
                         "UPDATE floor_requests SET status = 'granted', position = NULL, "
                         "closed_at = $2::timestamptz, closed_by = $3 WHERE id = $1",
                         3, p, error))
            return FALSE;
        *queue_changed = TRUE;
    } else {
        /* Given by the chair without a request: the turn gets a request row of its own. */
        const char *p[] = {i64(mid, ctx->meeting_id), i64(uid, ev->request.person_id),
                           floor_kind_to_string(ev->request.kind), at, i64(by, cmd->actor_id)};
        g_autoptr(DbRows) r =
            db_conn_exec(conn,
                         "INSERT INTO floor_requests (meeting_id, user_id, kind, status, "
                         "requested_at, requested_by, closed_at, closed_by) "
                         "VALUES ($1, $2, $3, 'granted', $4::timestamptz, $5, $4::timestamptz, $5) "
                         "RETURNING id",
                         5, p, error);
        if (!r)
            return FALSE;
        request_id = db_rows_get_int64(r, 0, 0);
        g_hash_table_replace(ctx->new_ids, id_key(key), id_key(request_id));
        out->request_id = request_id;
    }
    gint64 warning_us = ctx->rules.limits[ev->request.kind - 1].warning_us;
    if (ev->limit_us == 0)
        warning_us = 0;
    const char *g[] = {i64(mid, ctx->meeting_id),       i64(rid, request_id),
                       i64(uid, ev->request.person_id), floor_kind_to_string(ev->request.kind),
                       i64(by, cmd->actor_id),          at,
                       i64(lim, ev->limit_us),          i64(warn, warning_us)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "INSERT INTO floor_grants (meeting_id, request_id, user_id, kind, granted_by, "
                     "started_at, limit_us, warning_us) "
                     "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8) RETURNING id",
                     8, g, error);
    if (!r)
        return FALSE;
    ctx->grant_id = db_rows_get_int64(r, 0, 0);
    ctx->turn_started_us = ev->at_us;

    g_autoptr(JsonBuilder) b = turn_payload(ctx, ev, ev->at_us);
    add_int(b, "limit_ms", ev->limit_us / US_PER_MS);
    add_int(b, "warning_ms", warning_us / US_PER_MS);
    json_builder_set_member_name(b, "ends_at");
    if (ev->limit_us > 0) {
        g_autofree char *ends = format_us(ev->at_us + ev->limit_us);
        json_builder_add_string_value(b, ends);
    } else {
        json_builder_add_null_value(b);
    }
    add_int(b, "granted_by", cmd->actor_id);
    json_builder_set_member_name(b, "given");
    json_builder_add_boolean_value(b, cmd->op == FLOOR_OP_GIVE);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_autofree char *actor = actor_of(cmd->actor_id);
    RecordVisibility vis;
    if (!visibility_of(conn, ctx, &vis, error) ||
        !record_fact(conn, ctx->meeting_id, "floor.granted", actor, payload, &vis, error))
        return FALSE;
    out->granted_user = ev->request.person_id;
    return TRUE;
}

static gboolean save_extended(DbConn *conn, FloorCtx *ctx, const FloorCommand *cmd,
                              const FloorEvent *ev, GError **error)
{
    char gid[24], lim[24];
    const char *p[] = {i64(gid, ctx->grant_id), i64(lim, ev->limit_us)};
    if (!db_conn_run(conn, "UPDATE floor_grants SET limit_us = $2, warned_at = NULL WHERE id = $1",
                     2, p, error))
        return FALSE;
    g_autoptr(JsonBuilder) b = turn_payload(ctx, ev, ctx->turn_started_us);
    add_int(b, "limit_ms", ev->limit_us / US_PER_MS);
    add_time(b, "ends_at", ctx->turn_started_us + ev->limit_us);
    add_int(b, "extended_by", cmd->actor_id);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_autofree char *actor = actor_of(cmd->actor_id);
    RecordVisibility vis;
    return visibility_of(conn, ctx, &vis, error) &&
           record_fact(conn, ctx->meeting_id, "floor.extended", actor, payload, &vis, error);
}

static gboolean save_warning(DbConn *conn, FloorCtx *ctx, const FloorEvent *ev, GError **error)
{
    char gid[24];
    g_autofree char *at = format_us(ev->at_us);
    const char *p[] = {i64(gid, ctx->grant_id), at};
    if (!db_conn_run(conn, "UPDATE floor_grants SET warned_at = $2::timestamptz WHERE id = $1", 2,
                     p, error))
        return FALSE;
    g_autoptr(JsonBuilder) b = turn_payload(ctx, ev, ctx->turn_started_us);
    add_int(b, "remaining_ms", ev->remaining_us / US_PER_MS);
    add_time(b, "ends_at", ev->at_us + ev->remaining_us);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    RecordVisibility vis;
    return visibility_of(conn, ctx, &vis, error) &&
           record_event(conn, ctx->meeting_id, "floor.warning", payload, &vis, NULL, error);
}

static const char *end_reason_name(FloorEndReason reason)
{
    switch (reason) {
    case FLOOR_END_REVOKED:
        return "revoked";
    case FLOOR_END_TIME_UP:
        return "time_up";
    default:
        return "finished";
    }
}

static gboolean save_ended(DbConn *conn, FloorCtx *ctx, const FloorCommand *cmd,
                           const FloorEvent *ev, FloorOutcome *out, GError **error)
{
    /* A turn whose time ran out was ended by the server itself, whoever's change noticed it. */
    gint64 by = ev->reason == FLOOR_END_TIME_UP ? 0 : cmd->actor_id;
    char gid[24], byb[24];
    g_autofree char *at = format_us(ev->at_us);
    const char *p[] = {i64(gid, ctx->grant_id), at, end_reason_name(ev->reason),
                       by ? i64(byb, by) : NULL};
    if (!db_conn_run(conn,
                     "UPDATE floor_grants SET ended_at = $2::timestamptz, end_reason = $3, "
                     "ended_by = $4 WHERE id = $1 AND ended_at IS NULL",
                     4, p, error))
        return FALSE;
    g_autoptr(JsonBuilder) b = turn_payload(ctx, ev, ctx->turn_started_us);
    add_time(b, "ended_at", ev->at_us);
    add_int(b, "duration_ms", (ev->at_us - ctx->turn_started_us) / US_PER_MS);
    add_str(b, "reason", end_reason_name(ev->reason));
    json_builder_set_member_name(b, "ended_by");
    if (by)
        json_builder_add_int_value(b, by);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_autofree char *actor = actor_of(by);
    RecordVisibility vis;
    if (!visibility_of(conn, ctx, &vis, error) ||
        !record_fact(conn, ctx->meeting_id, "floor.ended", actor, payload, &vis, error))
        return FALSE;
    ctx->grant_id = 0;
    out->ended = TRUE;
    return TRUE;
}

static gboolean save_events(DbConn *conn, FloorCtx *ctx, const FloorCommand *cmd, GArray *events,
                            FloorOutcome *out, GError **error)
{
    gboolean queue_changed = FALSE;
    for (guint i = 0; i < events->len; i++) {
        const FloorEvent *ev = &g_array_index(events, FloorEvent, i);
        gboolean ok = TRUE;
        switch (ev->type) {
        case FLOOR_EVENT_REQUESTED:
            ok = save_requested(conn, ctx, cmd, ev, out, error);
            queue_changed = TRUE;
            break;
        case FLOOR_EVENT_WITHDRAWN:
            ok = save_withdrawn(conn, ctx, cmd, ev, error);
            queue_changed = TRUE;
            break;
        case FLOOR_EVENT_MOVED:
            queue_changed = TRUE;
            break;
        case FLOOR_EVENT_GRANTED:
            ok = save_granted(conn, ctx, cmd, ev, out, &queue_changed, error);
            break;
        case FLOOR_EVENT_EXTENDED:
            ok = save_extended(conn, ctx, cmd, ev, error);
            break;
        case FLOOR_EVENT_WARNING:
            ok = save_warning(conn, ctx, ev, error);
            break;
        case FLOOR_EVENT_TIME_UP:
            break; /* ENDED follows: the server closes a turn whose time is up */
        case FLOOR_EVENT_ENDED:
            ok = save_ended(conn, ctx, cmd, ev, out, error);
            break;
        }
        if (!ok)
            return FALSE;
    }
    return !queue_changed || save_queue(conn, ctx, error);
}

/* ---- checks ---- */

static gboolean status_allows(FloorCtx *ctx, FloorOp op, GError **error)
{
    const char *s = ctx->status;
    gboolean ok;
    switch (op) {
    case FLOOR_OP_TICK:
    case FLOOR_OP_FINISH:
    case FLOOR_OP_REVOKE:
        ok = TRUE; /* a running turn can always be ended */
        break;
    case FLOOR_OP_REQUEST:
    case FLOOR_OP_WITHDRAW:
    case FLOOR_OP_MOVE:
        /* Members may register to speak before the sitting opens (đăng ký phát biểu). */
        ok = g_str_equal(s, "scheduled") || g_str_equal(s, "open");
        break;
    default:
        ok = g_str_equal(s, "open");
        break;
    }
    if (!ok)
        g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_STATE,
                    "meeting %" G_GINT64_FORMAT " is %s: %s", ctx->meeting_id, s,
                    g_str_equal(s, "closed") || g_str_equal(s, "archived")
                        ? "nothing of a closed meeting is changed"
                        : "the floor is given only while the meeting is open");
    return ok;
}

static gboolean check_present(DbConn *conn, FloorCtx *ctx, gint64 user_id, GError **error)
{
    if (!g_str_equal(ctx->status, "open"))
        return TRUE;
    char mid[24], uid[24];
    const char *p[] = {i64(mid, ctx->meeting_id), i64(uid, user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, "SELECT 1 FROM attendance_current WHERE meeting_id = $1 AND user_id = $2 AND present",
        2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_NOT_PRESENT,
                    "check in to meeting %" G_GINT64_FORMAT " before asking for the floor",
                    ctx->meeting_id);
        return FALSE;
    }
    return TRUE;
}

/* DOMAIN.md: members speak, and guests "may speak when given the floor". */
static gboolean check_may_speak(DbConn *conn, FloorCtx *ctx, gint64 user_id, GError **error)
{
    char bid[24], uid[24];
    const char *p[] = {i64(bid, ctx->body_id), i64(uid, user_id)};
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "SELECT 1 FROM memberships WHERE body_id = $1 AND "
                                       "user_id = $2 AND role IN ('member', 'chair', 'guest')",
                                       2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_NOT_ALLOWED,
                    "user %" G_GINT64_FORMAT
                    " is not a member, chair or guest of this body and cannot be given the floor",
                    user_id);
        return FALSE;
    }
    return TRUE;
}

/* A member withdraws their own request and yields their own turn; the chair may do either for
 * anyone. */
static gboolean check_own(FloorCtx *ctx, const FloorCommand *cmd, GError **error)
{
    if (cmd->actor_chairs)
        return TRUE;
    if (cmd->op == FLOOR_OP_WITHDRAW) {
        for (guint i = 0; i < floor_get_queue_length(ctx->floor); i++) {
            const FloorRequest *r = floor_peek_queue(ctx->floor, i);
            if ((gint64)r->id == cmd->request_id && r->person_id != cmd->actor_id) {
                g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_NOT_ALLOWED,
                            "request %" G_GINT64_FORMAT
                            " is someone else's: only its author or the chair withdraws it",
                            cmd->request_id);
                return FALSE;
            }
        }
    } else if (cmd->op == FLOOR_OP_FINISH) {
        const FloorRequest *s = floor_get_speaker(ctx->floor, NULL, NULL);
        if (s && s->person_id != cmd->actor_id) {
            g_set_error(error, FLOOR_STORE_ERROR, FLOOR_STORE_ERROR_NOT_ALLOWED,
                        "the floor is someone else's: only the speaker or the chair ends the turn");
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean apply(FloorCtx *ctx, const FloorCommand *cmd, gint64 now_us, GArray *events,
                      GError **error)
{
    Floor *f = ctx->floor;
    guint64 new_id = 0;
    switch (cmd->op) {
    case FLOOR_OP_TICK:
        floor_tick(f, now_us, events);
        return TRUE;
    case FLOOR_OP_REQUEST:
        return floor_request(f, cmd->person_id, cmd->kind, now_us, &new_id, events, error);
    case FLOOR_OP_WITHDRAW:
        return floor_withdraw(f, (guint64)cmd->request_id, now_us, events, error);
    case FLOOR_OP_MOVE:
        return floor_move(f, (guint64)cmd->request_id, cmd->position, now_us, events, error);
    case FLOOR_OP_GRANT:
        return floor_grant(f, (guint64)cmd->request_id, now_us, events, error);
    case FLOOR_OP_GIVE:
        return floor_give(f, cmd->person_id, cmd->kind, now_us, &new_id, events, error);
    case FLOOR_OP_FINISH:
        return floor_end(f, FLOOR_END_FINISHED, now_us, events, error);
    case FLOOR_OP_REVOKE:
        return floor_end(f, FLOOR_END_REVOKED, now_us, events, error);
    case FLOOR_OP_EXTEND:
        return floor_extend(f, cmd->extra_us, now_us, events, error);
    }
    g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID, "unknown floor command %d", (int)cmd->op);
    return FALSE;
}

static gboolean finish_outcome(DbConn *conn, FloorCtx *ctx, FloorOutcome *out, GError **error)
{
    char mid[24];
    const char *p[] = {i64(mid, ctx->meeting_id)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT event_seq FROM meetings WHERE id = $1", 1, p, error);
    if (!r)
        return FALSE;
    const FloorRequest *s = floor_get_speaker(ctx->floor, NULL, NULL);
    out->meeting_id = ctx->meeting_id;
    out->event_seq = db_rows_count(r) ? db_rows_get_int64(r, 0, 0) : 0;
    out->deadline_us = floor_next_deadline(ctx->floor);
    out->speaker_user = s ? s->person_id : 0;
    out->microphones_open = ctx->microphones_open;
    return TRUE;
}

gboolean floor_store_run(DbConn *conn, gint64 meeting_id, const FloorCommand *cmd,
                         FloorOutcome *out, JsonNode **state, GError **error)
{
    g_return_val_if_fail(conn && cmd && out, FALSE);
    FloorCtx ctx = {.meeting_id = meeting_id};
    g_autoptr(GArray) events = g_array_new(FALSE, TRUE, sizeof(FloorEvent));
    gboolean ok = FALSE;
    memset(out, 0, sizeof(*out));

    if (!load_meeting(conn, &ctx, TRUE, error) || !status_allows(&ctx, cmd->op, error))
        goto out;
    if (cmd->op == FLOOR_OP_REQUEST && !check_present(conn, &ctx, cmd->person_id, error))
        goto out;
    if (cmd->op == FLOOR_OP_GIVE && !check_may_speak(conn, &ctx, cmd->person_id, error))
        goto out;
    if (!load_floor(conn, &ctx, error) || !check_own(&ctx, cmd, error))
        goto out;
    gint64 now_us = g_get_real_time();
    if (!apply(&ctx, cmd, now_us, events, error))
        goto out;
    if (!load_names(conn, &ctx, events, error) ||
        !save_events(conn, &ctx, cmd, events, out, error) ||
        !finish_outcome(conn, &ctx, out, error))
        goto out;
    if (events->len)
        g_debug("meeting %" G_GINT64_FORMAT ": floor command %d: %u events", meeting_id,
                (int)cmd->op, events->len);
    if (state)
        *state = describe(&ctx, now_us);
    ok = TRUE;
out:
    ctx_clear(&ctx);
    return ok;
}

gboolean floor_store_get(DbConn *conn, gint64 meeting_id, JsonNode **state, FloorOutcome *out,
                         GError **error)
{
    FloorCtx ctx = {.meeting_id = meeting_id};
    FloorOutcome local;
    gboolean ok = FALSE;
    if (!load_meeting(conn, &ctx, FALSE, error) || !load_floor(conn, &ctx, error) ||
        !load_names(conn, &ctx, NULL, error) ||
        !finish_outcome(conn, &ctx, out ? out : &local, error))
        goto out;
    if (state)
        *state = describe(&ctx, g_get_real_time());
    ok = TRUE;
out:
    ctx_clear(&ctx);
    return ok;
}

gboolean floor_store_set_microphones(DbConn *conn, gint64 meeting_id, gint64 actor_id,
                                     gboolean open, FloorOutcome *out, JsonNode **state,
                                     GError **error)
{
    FloorCtx ctx = {.meeting_id = meeting_id};
    gboolean ok = FALSE;
    memset(out, 0, sizeof(*out));
    if (!load_meeting(conn, &ctx, TRUE, error))
        goto out;
    /* Opening needs an open meeting; closing them again is always allowed. */
    if (open && !status_allows(&ctx, FLOOR_OP_GIVE, error))
        goto out;
    if (!load_floor(conn, &ctx, error))
        goto out;
    if (ctx.microphones_open != open) {
        char mid[24], by[24];
        const char *p[] = {i64(mid, meeting_id), open ? "t" : "f", i64(by, actor_id)};
        if (!db_conn_run(conn,
                         "INSERT INTO floor_microphones (meeting_id, open, changed_by) "
                         "VALUES ($1, $2, $3) ON CONFLICT (meeting_id) DO UPDATE "
                         "SET open = EXCLUDED.open, changed_by = EXCLUDED.changed_by, "
                         "changed_at = now()",
                         3, p, error))
            goto out;
        ctx.microphones_open = open;
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "open");
        json_builder_add_boolean_value(b, open);
        add_int(b, "changed_by", actor_id);
        json_builder_end_object(b);
        g_autoptr(JsonNode) payload = json_builder_get_root(b);
        g_autofree char *actor = actor_of(actor_id);
        RecordVisibility vis;
        if (!visibility_of(conn, &ctx, &vis, error) ||
            !record_fact(conn, meeting_id, "floor.microphones", actor, payload, &vis, error))
            goto out;
        out->microphones_changed = TRUE;
    }
    if (!load_names(conn, &ctx, NULL, error) || !finish_outcome(conn, &ctx, out, error))
        goto out;
    if (state)
        *state = describe(&ctx, g_get_real_time());
    ok = TRUE;
out:
    ctx_clear(&ctx);
    return ok;
}

gboolean floor_store_mute(DbConn *conn, gint64 meeting_id, gint64 actor_id, gint64 user_id,
                          gboolean audio, gboolean video, FloorOutcome *out, GError **error)
{
    FloorCtx ctx = {.meeting_id = meeting_id};
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) payload = NULL;
    gboolean ok = FALSE;
    memset(out, 0, sizeof(*out));
    if (!load_meeting(conn, &ctx, TRUE, error) || !status_allows(&ctx, FLOOR_OP_GIVE, error) ||
        !check_may_speak(conn, &ctx, user_id, error) || !load_floor(conn, &ctx, error))
        goto out;
    json_builder_begin_object(b);
    add_int(b, "user_id", user_id);
    json_builder_set_member_name(b, "audio");
    json_builder_add_boolean_value(b, audio);
    json_builder_set_member_name(b, "video");
    json_builder_add_boolean_value(b, video);
    add_int(b, "by", actor_id);
    json_builder_end_object(b);
    payload = json_builder_get_root(b);
    RecordVisibility vis;
    if (!visibility_of(conn, &ctx, &vis, error) ||
        !record_event(conn, meeting_id, "floor.muted", payload, &vis, NULL, error) ||
        !finish_outcome(conn, &ctx, out, error))
        goto out;
    out->muted_user = user_id;
    out->mute_audio = audio;
    out->mute_video = video;
    ok = TRUE;
out:
    ctx_clear(&ctx);
    return ok;
}

gboolean floor_store_list_active(DbConn *conn, GArray *meeting_ids, GError **error)
{
    g_autoptr(DbRows) r = db_conn_exec(conn,
                                       "SELECT meeting_id FROM floor_grants WHERE ended_at IS NULL "
                                       "UNION SELECT meeting_id FROM floor_microphones WHERE open "
                                       "ORDER BY 1",
                                       0, NULL, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        gint64 id = db_rows_get_int64(r, i, 0);
        g_array_append_val(meeting_ids, id);
    }
    return TRUE;
}

gboolean floor_store_get_limits(DbConn *conn, gint64 body_id, JsonNode **limits, GError **error)
{
    FloorRules rules;
    gboolean own[FLOOR_N_KINDS] = {FALSE};
    if (!load_rules(conn, body_id, &rules, own, error))
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "limits");
    json_builder_begin_array(b);
    for (int k = FLOOR_KIND_SPEECH; k <= FLOOR_KIND_POINT_OF_ORDER; k++) {
        json_builder_begin_object(b);
        add_str(b, "kind", floor_kind_to_string((FloorKind)k));
        add_int(b, "limit_seconds", rules.limits[k - 1].limit_us / G_USEC_PER_SEC);
        add_int(b, "warning_seconds", rules.limits[k - 1].warning_us / G_USEC_PER_SEC);
        json_builder_set_member_name(b, "own");
        json_builder_add_boolean_value(b, own[k - 1]);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    *limits = json_builder_get_root(b);
    return TRUE;
}

gboolean floor_store_set_limit(DbConn *conn, gint64 body_id, gint64 actor_id, FloorKind kind,
                               gint64 limit_seconds, gint64 warning_seconds, GError **error)
{
    FloorRules rules = {0};
    const char *name = floor_kind_to_string(kind);
    if (!name) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID, "unknown kind of request %d",
                    (int)kind);
        return FALSE;
    }
    rules.limits[kind - 1].limit_us = limit_seconds * G_USEC_PER_SEC;
    rules.limits[kind - 1].warning_us = warning_seconds * G_USEC_PER_SEC;
    if (!floor_rules_validate(&rules, error))
        return FALSE;
    char bid[24], lim[24], warn[24], by[24];
    const char *p[] = {i64(bid, body_id), name, i64(lim, limit_seconds), i64(warn, warning_seconds),
                       i64(by, actor_id)};
    return db_conn_run(conn,
                       "INSERT INTO floor_limits (body_id, kind, limit_seconds, warning_seconds, "
                       "updated_by) VALUES ($1, $2, $3, $4, $5) "
                       "ON CONFLICT ((coalesce(body_id, 0)), kind) DO UPDATE "
                       "SET limit_seconds = EXCLUDED.limit_seconds, "
                       "warning_seconds = EXCLUDED.warning_seconds, "
                       "updated_by = EXCLUDED.updated_by, updated_at = now()",
                       5, p, error);
}
