/* live-feed.c: subscriptions to a meeting's events, replay from a sequence number, and fan-out.
 *
 * Events are stored (record.c) and numbered 1, 2, 3 ... per meeting; PostgreSQL's NOTIFY says
 * "MEETING:SEQ" after each commit. Here, one Feed per meeting with subscribers remembers the
 * highest number it has delivered (last_seq). A notification above it starts a fetch of
 * everything after last_seq, which is then sent, in order, to every subscriber that is live. Only
 * one fetch per feed runs at a time; notifications during it mark the feed dirty and it fetches
 * again. Because numbers are taken under the meeting row's lock, they commit in order and without
 * gaps, so "everything after last_seq" never skips an event that commits later.
 *
 * A new subscriber first replays what it missed (everything after its after_seq) on its own; it
 * joins the broadcast only once its replay has reached the feed's last_seq (if the feed moved on
 * during the replay, it replays again from where it got to). So every subscriber receives every
 * number exactly once, in order: the replay delivers up to last_seq, the broadcast after it.
 *
 * Visibility: an event is public (public clients see it), members-only (every role of the body),
 * or restricted to an audience of user ids. A subscriber that may not see an event receives
 * {"type":"event","seq":N,"kind":"hidden"} in its place, with nothing of the event, so its
 * numbering stays gap-free and a gap always means something was missed.
 *
 * When the listening connection comes back after a loss, every feed fetches: notifications sent
 * meanwhile are lost, the stored events are not.
 */
#include "live-private.h"
#include "live-media.h"

#include "record/record.h"

#include <stdio.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-live"

#define FETCH_LIMIT       500
#define MAX_SUBSCRIPTIONS 8

typedef struct Feed Feed;

typedef struct {
    WsConn *conn; /* borrowed: the subscription lives no longer than the connection */
    LiveClient *client;
    Feed *feed;
    gint64 last_seq;
    gboolean live; /* replay done: receives the broadcast */
    gboolean public_only;
    gboolean screen;    /* a hall screen of the meeting (screen.auth): public_only + hall kinds */
    gboolean replaying; /* a replay job is in flight */
    JsonNode *ref;      /* the subscribe message's id, for the answer */
    gboolean gone;
} LiveSub;

struct Feed {
    gint ref;
    gint64 meeting_id;
    gint64 last_seq;
    gboolean ready;  /* last_seq is known */
    gint64 notified; /* the highest number announced */
    gboolean fetching;
    gboolean dirty;
    GPtrArray *subs; /* LiveSub* */
};

typedef struct {
    gint64 seq;
    char *kind;
    char *payload;
    char *at;
    gboolean is_public;
    GArray *audience; /* gint64, or NULL */
} Row;

static GHashTable *feeds; /* meeting id -> Feed* */
static DbListener *listener;
static PhApp *feed_app;

static void row_free(gpointer p)
{
    Row *r = p;
    g_free(r->kind);
    g_free(r->payload);
    g_free(r->at);
    if (r->audience)
        g_array_unref(r->audience);
    g_free(r);
}

static Feed *feed_ref(Feed *f)
{
    f->ref++;
    return f;
}

static void feed_unref(Feed *f)
{
    if (--f->ref > 0)
        return;
    g_ptr_array_unref(f->subs);
    g_free(f);
}

static Feed *feed_get(gint64 meeting_id)
{
    if (!feeds)
        feeds = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, NULL);
    Feed *f = g_hash_table_lookup(feeds, &meeting_id);
    if (!f) {
        f = g_new0(Feed, 1);
        f->ref = 1;
        f->meeting_id = meeting_id;
        f->subs = g_ptr_array_new();
        g_hash_table_insert(feeds, &f->meeting_id, f);
    }
    return f;
}

static void feed_drop_if_unused(Feed *f)
{
    if (f->subs->len > 0)
        return;
    g_hash_table_remove(feeds, &f->meeting_id);
    feed_unref(f);
}

/* Reads event rows (seq, kind, payload, at, is_public, audience) after `after`. */
static gboolean fetch_rows(DbConn *conn, gint64 meeting_id, gint64 after, GPtrArray *rows,
                           gint64 *max_seq, GError **error)
{
    char mid[24], a[24], lim[24];
    g_snprintf(mid, sizeof(mid), "%" G_GINT64_FORMAT, meeting_id);
    g_snprintf(a, sizeof(a), "%" G_GINT64_FORMAT, after);
    g_snprintf(lim, sizeof(lim), "%d", FETCH_LIMIT);
    const char *p[] = {mid, a, lim};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT seq, kind, payload::text, "
        "       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "       is_public, array_to_string(audience, ',') "
        "FROM meeting_events WHERE meeting_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        3, p, error);
    if (!r)
        return FALSE;
    for (guint i = 0; i < db_rows_count(r); i++) {
        Row *row = g_new0(Row, 1);
        row->seq = db_rows_get_int64(r, i, 0);
        row->kind = g_strdup(db_rows_get(r, i, 1));
        row->payload = g_strdup(db_rows_get(r, i, 2));
        row->at = g_strdup(db_rows_get(r, i, 3));
        row->is_public = db_rows_get_bool(r, i, 4);
        if (!db_rows_is_null(r, i, 5)) {
            row->audience = g_array_new(FALSE, FALSE, sizeof(gint64));
            g_auto(GStrv) ids = g_strsplit(db_rows_get(r, i, 5), ",", -1);
            for (guint k = 0; ids[k]; k++) {
                gint64 v = g_ascii_strtoll(ids[k], NULL, 10);
                if (v)
                    g_array_append_val(row->audience, v);
            }
        }
        g_ptr_array_add(rows, row);
    }
    g_autoptr(DbRows) m =
        db_conn_exec(conn, "SELECT event_seq FROM meetings WHERE id = $1", 1, p, error);
    if (!m)
        return FALSE;
    *max_seq = db_rows_count(m) ? db_rows_get_int64(m, 0, 0) : 0;
    return TRUE;
}

/* What a hall's screen shows (docs/web-client.md): the meeting's state, its agenda and current
 * item, attendance, the floor and the votes as they open, count and close. A screen sits inside
 * the meeting's own halls, so of its meeting it receives these even when the meeting or the item
 * is closed to the public; never documents, invitations, corrections or anything addressed to
 * chosen people. */
static gboolean hall_kind(const char *kind)
{
    static const char *const kinds[] = {"meeting.updated",
                                        "meeting.status",
                                        "sitting.changed",
                                        "agenda.changed",
                                        "agenda.current",
                                        "attendance.changed",
                                        "floor.granted",
                                        "floor.extended",
                                        "floor.warning",
                                        "floor.ended",
                                        "floor.microphones",
                                        "vote.opened",
                                        "vote.count",
                                        "vote.extended",
                                        "vote.closed",
                                        "vote.cancelled",
                                        NULL};
    for (guint i = 0; kinds[i]; i++)
        if (g_str_equal(kind, kinds[i]))
            return TRUE;
    return FALSE;
}

static gboolean visible_to(const Row *row, const LiveSub *sub)
{
    if (sub->screen && hall_kind(row->kind))
        return TRUE;
    if (sub->public_only)
        return row->is_public;
    if (!row->audience)
        return TRUE;
    for (guint i = 0; i < row->audience->len; i++)
        if (g_array_index(row->audience, gint64, i) == sub->client->user_id)
            return TRUE;
    return FALSE;
}

/* The two texts a row can be sent as: the event, or its hidden stand-in. */
static char *row_text(gint64 meeting_id, const Row *row, gboolean visible)
{
    if (!visible)
        return g_strdup_printf("{\"type\":\"event\",\"meeting_id\":%" G_GINT64_FORMAT
                               ",\"seq\":%" G_GINT64_FORMAT ",\"kind\":\"hidden\"}",
                               meeting_id, row->seq);
    /* kind matches ^[a-z][a-z0-9_.]*$ and at is digits and punctuation: no escaping needed;
     * payload is PostgreSQL's rendering of valid JSON. */
    return g_strdup_printf("{\"type\":\"event\",\"meeting_id\":%" G_GINT64_FORMAT
                           ",\"seq\":%" G_GINT64_FORMAT ",\"kind\":\"%s\",\"at\":\"%s\","
                           "\"payload\":%s}",
                           meeting_id, row->seq, row->kind, row->at, row->payload);
}

static void send_row(LiveSub *sub, const Row *row, const char *shown, const char *hidden)
{
    const char *text = visible_to(row, sub) ? shown : hidden;
    ws_conn_send(sub->conn, text, strlen(text));
    sub->last_seq = row->seq;
}

/* ---- the feed's fetch ---- */

typedef struct {
    Feed *feed;
    gint64 after;
    GPtrArray *rows;
    gint64 max_seq;
} FeedFetch;

static void feed_fetch(Feed *f);

static void feed_fetch_free(gpointer p)
{
    FeedFetch *ff = p;
    feed_unref(ff->feed);
    g_ptr_array_unref(ff->rows);
    g_free(ff);
}

static gboolean feed_fetch_job(DbConn *conn, gpointer data, GError **error)
{
    FeedFetch *ff = data;
    return fetch_rows(conn, ff->feed->meeting_id, ff->after, ff->rows, &ff->max_seq, error);
}

static void feed_fetch_done(gpointer data, const GError *error, gpointer user_data)
{
    FeedFetch *ff = data;
    Feed *f = ff->feed;
    f->fetching = FALSE;
    if (error) {
        /* The database is away: the listener's "up" will start the next fetch. */
        g_debug("meeting %" G_GINT64_FORMAT ": cannot fetch events: %s", f->meeting_id,
                error->message);
        return;
    }
    for (guint i = 0; i < ff->rows->len; i++) {
        Row *row = ff->rows->pdata[i];
        if (row->seq != f->last_seq + 1)
            continue; /* already delivered (a replay got ahead); never out of order */
        g_autofree char *shown = row_text(f->meeting_id, row, TRUE);
        g_autofree char *hidden = row_text(f->meeting_id, row, FALSE);
        for (guint s = 0; s < f->subs->len; s++) {
            LiveSub *sub = f->subs->pdata[s];
            if (sub->live && sub->last_seq == row->seq - 1)
                send_row(sub, row, shown, hidden);
        }
        f->last_seq = row->seq;
        if (g_strcmp0(row->kind, "attendance.changed") == 0)
            live_media_attendance_changed(f->meeting_id);
    }
    if (f->dirty || ff->rows->len == FETCH_LIMIT || f->notified > f->last_seq) {
        f->dirty = FALSE;
        if (f->subs->len > 0 && f->last_seq < MAX(ff->max_seq, f->notified))
            feed_fetch(f);
    }
}

static void feed_fetch(Feed *f)
{
    if (!f->ready)
        return;
    if (f->fetching) {
        f->dirty = TRUE;
        return;
    }
    f->fetching = TRUE;
    FeedFetch *ff = g_new0(FeedFetch, 1);
    ff->feed = feed_ref(f);
    ff->after = f->last_seq;
    ff->rows = g_ptr_array_new_with_free_func(row_free);
    db_pool_run(feed_app->db, feed_fetch_job, ff, feed_fetch_free, feed_fetch_done, NULL);
}

static void on_notify(const char *channel, const char *payload, gpointer user_data)
{
    gint64 meeting_id = 0, seq = 0;
    if (sscanf(payload, "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, &meeting_id, &seq) != 2)
        return;
    Feed *f = feeds ? g_hash_table_lookup(feeds, &meeting_id) : NULL;
    if (!f)
        return;
    f->notified = MAX(f->notified, seq);
    if (f->ready && seq > f->last_seq)
        feed_fetch(f);
}

static void on_listener_state(gboolean up, gpointer user_data)
{
    if (!up || !feeds)
        return;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, feeds);
    while (g_hash_table_iter_next(&it, NULL, &value))
        feed_fetch(value);
}

static void ensure_listener(PhApp *app)
{
    if (listener)
        return;
    feed_app = app;
    listener = db_listener_new(app->conninfo, RECORD_CHANNEL, app->context, on_notify,
                               on_listener_state, NULL);
}

/* ---- subscriptions ---- */

typedef struct {
    LiveSub *sub;
    WsConn *conn; /* a reference */
    gint64 meeting_id;
    gint64 user_id;
    gboolean system_admin;
    gint64 after;
    gboolean check_access;
    gboolean screen; /* the client is a hall screen of this meeting */
    /* results */
    gboolean exists;
    gboolean allowed;
    gboolean public_only;
    GPtrArray *rows;
    gint64 max_seq;
} Replay;

static void replay_free(gpointer p)
{
    Replay *r = p;
    ws_conn_unref(r->conn);
    g_ptr_array_unref(r->rows);
    g_free(r);
}

static gboolean replay_job(DbConn *conn, gpointer data, GError **error)
{
    Replay *r = data;
    if (r->check_access) {
        char mid[24], uid[24];
        g_snprintf(mid, sizeof(mid), "%" G_GINT64_FORMAT, r->meeting_id);
        g_snprintf(uid, sizeof(uid), "%" G_GINT64_FORMAT, r->user_id);
        const char *p[] = {mid, uid};
        /* The same rule as the meeting's HTTP reads: phonghop_may_read_meeting (schema 0004);
         * anyone else may follow a public meeting once it is no longer a draft. */
        g_autoptr(DbRows) m = db_conn_exec(conn,
                                           "SELECT m.is_public AND m.status <> 'draft', "
                                           "       phonghop_may_read_meeting(m.id, $2::bigint) "
                                           "FROM meetings m WHERE m.id = $1",
                                           2, p, error);
        if (!m)
            return FALSE;
        r->exists = db_rows_count(m) == 1;
        if (!r->exists)
            return TRUE;
        gboolean member = db_rows_get_bool(m, 0, 1);
        r->allowed = member || r->screen || db_rows_get_bool(m, 0, 0);
        r->public_only = !member;
        if (!r->allowed)
            return TRUE;
    }
    return fetch_rows(conn, r->meeting_id, r->after, r->rows, &r->max_seq, error);
}

static void replay_start(LiveSub *sub, gboolean check_access);

static void sub_free(LiveSub *sub)
{
    if (sub->ref)
        json_node_unref(sub->ref);
    g_free(sub);
}

static void sub_send_subscribed(LiveSub *sub)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "subscribed");
    if (sub->ref) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(sub->ref));
    }
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, sub->feed->meeting_id);
    json_builder_set_member_name(b, "last_seq");
    json_builder_add_int_value(b, sub->last_seq);
    json_builder_set_member_name(b, "access");
    json_builder_add_string_value(b, !sub->public_only ? "member"
                                     : sub->screen     ? "screen"
                                                       : "public");
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(sub->conn, node);
}

static void sub_remove(LiveSub *sub)
{
    Feed *f = sub->feed;
    g_ptr_array_remove(f->subs, sub);
    feed_drop_if_unused(f);
    if (sub->replaying)
        sub->gone = TRUE; /* freed when its replay job comes back */
    else
        sub_free(sub);
}

static void replay_done(gpointer data, const GError *error, gpointer user_data)
{
    Replay *r = data;
    LiveSub *sub = r->sub;
    sub->replaying = FALSE;
    if (sub->gone || !ws_conn_is_open(r->conn)) {
        if (sub->gone)
            sub_free(sub);
        return;
    }
    Feed *f = sub->feed;
    LiveClient *client = sub->client;
    gint64 meeting_id = f->meeting_id;
    if (error || (r->check_access && (!r->exists || !r->allowed))) {
        if (error)
            live_send_error(sub->conn, "database_unavailable", sub->ref,
                            "cannot load the meeting's events right now: subscribe again in a "
                            "few seconds");
        else if (!r->exists)
            live_send_error(sub->conn, "not_found", sub->ref, "no meeting %" G_GINT64_FORMAT,
                            meeting_id);
        else
            live_send_error(sub->conn, "forbidden", sub->ref,
                            "meeting %" G_GINT64_FORMAT " is not public and you have no role in "
                            "its body",
                            meeting_id);
        g_hash_table_remove(client->subs, &meeting_id);
        return;
    }
    if (r->check_access) {
        sub->public_only = r->public_only;
        sub->screen = r->screen && r->public_only;
    }
    if (!f->ready) {
        f->ready = TRUE;
        f->last_seq = r->max_seq;
    }
    /* Deliver what the feed has already broadcast, in order; the feed sends the rest. */
    for (guint i = 0; i < r->rows->len; i++) {
        Row *row = r->rows->pdata[i];
        if (row->seq != sub->last_seq + 1 || row->seq > f->last_seq)
            break;
        g_autofree char *shown = row_text(meeting_id, row, TRUE);
        g_autofree char *hidden = row_text(meeting_id, row, FALSE);
        send_row(sub, row, shown, hidden);
    }
    if (sub->last_seq < f->last_seq) {
        replay_start(sub, FALSE); /* the feed moved on meanwhile, or more than one batch */
        return;
    }
    if (sub->last_seq > f->last_seq)
        sub->last_seq = f->last_seq; /* a client ahead of the server (restored database) */
    sub->live = TRUE;
    sub_send_subscribed(sub);
    if (f->notified > f->last_seq)
        feed_fetch(f);
}

static void replay_start(LiveSub *sub, gboolean check_access)
{
    Replay *r = g_new0(Replay, 1);
    r->sub = sub;
    r->conn = ws_conn_ref(sub->conn);
    r->meeting_id = sub->feed->meeting_id;
    r->user_id = sub->client->user_id;
    r->system_admin = sub->client->system_admin;
    r->after = sub->last_seq;
    r->check_access = check_access;
    r->screen = live_client_screen_for(sub->client, r->meeting_id) != NULL;
    r->rows = g_ptr_array_new_with_free_func(row_free);
    sub->replaying = TRUE;
    db_pool_run(sub->client->app->db, replay_job, r, replay_free, replay_done, NULL);
}

static gboolean int_member(JsonObject *msg, const char *name, gint64 *out)
{
    JsonNode *n = json_object_get_member(msg, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    *out = json_node_get_int(n);
    return TRUE;
}

static void subs_value_free(gpointer p)
{
    sub_remove(p);
}

void live_feed_subscribe(PhApp *app, WsConn *conn, LiveClient *client, JsonObject *msg,
                         JsonNode *id)
{
    gint64 meeting_id = 0, after = 0;
    if (!int_member(msg, "meeting_id", &meeting_id) || meeting_id <= 0) {
        live_send_error(conn, "malformed", id, "subscribe needs a positive integer 'meeting_id'");
        return;
    }
    if (json_object_has_member(msg, "after_seq") &&
        (!int_member(msg, "after_seq", &after) || after < 0)) {
        live_send_error(conn, "malformed", id, "'after_seq' must be a non-negative integer");
        return;
    }
    if (!client->subs)
        client->subs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, subs_value_free);
    g_hash_table_remove(client->subs, &meeting_id); /* a new subscription replaces the old */
    if (g_hash_table_size(client->subs) >= MAX_SUBSCRIPTIONS) {
        live_send_error(conn, "too_many_subscriptions", id,
                        "at most %d meetings at once on one connection", MAX_SUBSCRIPTIONS);
        return;
    }
    ensure_listener(app);
    LiveSub *sub = g_new0(LiveSub, 1);
    sub->conn = conn;
    sub->client = client;
    sub->feed = feed_get(meeting_id);
    sub->last_seq = after;
    sub->ref = id ? json_node_copy(id) : NULL;
    g_ptr_array_add(sub->feed->subs, sub);
    gint64 *key = g_new(gint64, 1);
    *key = meeting_id;
    g_hash_table_insert(client->subs, key, sub);
    replay_start(sub, TRUE);
}

void live_feed_unsubscribe(PhApp *app, WsConn *conn, LiveClient *client, JsonObject *msg,
                           JsonNode *id)
{
    gint64 meeting_id = 0;
    if (!int_member(msg, "meeting_id", &meeting_id)) {
        live_send_error(conn, "malformed", id, "unsubscribe needs an integer 'meeting_id'");
        return;
    }
    if (client->subs)
        g_hash_table_remove(client->subs, &meeting_id);
    g_autofree char *text = g_strdup_printf(
        "{\"type\":\"unsubscribed\",\"meeting_id\":%" G_GINT64_FORMAT "}", meeting_id);
    ws_conn_send(conn, text, strlen(text));
}

void live_feed_client_gone(LiveClient *client)
{
    g_clear_pointer(&client->subs, g_hash_table_unref);
}

void live_feed_shutdown(void)
{
    g_clear_pointer(&listener, db_listener_free);
}
