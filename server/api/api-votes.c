/* api-votes.c: polls, ballots, results, receipts and their verification over /api/v1.
 *
 * The routes are thin: each reads its request, calls the votes module (server/votes/votes.h) in
 * the call's transaction, and turns a refusal (POLL_ERROR) into its status and code; the rules
 * live in the module and the rule engine. Who may do what is declared in the table at the end:
 * the chair runs a poll (open, extend, close, cancel), the chair or the secretariat prepares it,
 * the session secretary (role secretariat) enters a show of hands, a member of the tally
 * committee enters paper ballot counts (checked in the module), members cast ballots and check
 * their receipts, and everyone with a role in the body reads polls and results (guests only of
 * meetings they are invited to, by the meeting read rule of the schema).
 *
 * The meeting's journal itself is read and its chain verified by api-journal.c; the votes'
 * verification here adds what the chain cannot show: that every stored ballot, participation and
 * result says what its journal entry says.
 *
 * A ballot sent over HTTP goes through the same per-poll batches as one sent over the live
 * WebSocket: the route checks the session and the request (run, on a worker), then hands the
 * ballot to the batches on the main thread (after) and answers when its batch has committed.
 */
#include "api-internal.h"
#include "api-meetings.h"

#include "votes/votes.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define ALL       AUTH_ROLES_ALL
#define NOT_GUEST (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER)
#define PREPARE   (AUTH_ROLE_CHAIR | AUTH_ROLE_SECRETARIAT)
#define STAFF     (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR)

/* What a route hands from run (worker) to after (main thread). */
typedef struct {
    gint64 poll_id;
    gint64 closes_at_us;
    gboolean schedule; /* tell the deadline keeper */
    Poll *opened;      /* a poll read open: its shape goes to the ballots' queue */
    BallotChoice *choice;
    char *key;
    gint64 user_id;
    GBytes *file;
    char *file_name;
} VoteRouteData;

static void route_data_free(gpointer p)
{
    VoteRouteData *d = p;
    ballot_choice_free(d->choice);
    g_free(d->key);
    if (d->file)
        g_bytes_unref(d->file);
    g_free(d->file_name);
    if (d->opened)
        poll_free(d->opened);
    g_free(d);
}

static VoteRouteData *route_data(ApiCall *call)
{
    if (!call->route_data) {
        call->route_data = g_new0(VoteRouteData, 1);
        call->route_data_free = route_data_free;
    }
    return call->route_data;
}

/* A refusal of the votes module becomes the answer (the transaction commits: nothing was
 * written); a database failure rolls back. */
static gboolean refused(ApiCall *call, GError *error, GError **out)
{
    if (error->domain == POLL_ERROR) {
        api_call_fail(call, poll_error_status(error->code), poll_error_code(error->code), "%s",
                      error->message);
        g_error_free(error);
        return TRUE;
    }
    g_propagate_error(out, error);
    return FALSE;
}

/* The meeting read rule of the meeting routes (api-meetings.h): staff always, members once it is
 * scheduled, guests when invited. *ok FALSE with a 403 answer set. */
static gboolean may_read(DbConn *conn, ApiCall *call, gboolean *ok, GError **error)
{
    MtgRow m;
    return mtg_load(conn, call, FALSE, &m, error) && mtg_check_read(conn, call, &m, ok, error);
}

static gboolean body_bool(ApiCall *call, const char *name, gboolean *out)
{
    JsonNode *n = call->body ? json_object_get_member(call->body, name) : NULL;
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
        api_call_fail(call, 400, "invalid_field", "field '%s' must be true or false", name);
        return FALSE;
    }
    *out = json_node_get_boolean(n);
    return TRUE;
}

/* Reads [{name, user_id?}] into rows (names owned by the array). */
static gboolean body_rows(ApiCall *call, const char *name, GArray *rows, GPtrArray *names)
{
    JsonNode *n = call->body ? json_object_get_member(call->body, name) : NULL;
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(n) || json_array_get_length(json_node_get_array(n)) > 1000) {
        api_call_fail(call, 400, "invalid_field",
                      "field '%s' must be an array of at most 1000 {\"name\", \"user_id\"}", name);
        return FALSE;
    }
    JsonArray *a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
        JsonNode *nn = o ? json_object_get_member(o, "name") : NULL;
        JsonNode *un = o ? json_object_get_member(o, "user_id") : NULL;
        const char *text =
            nn && JSON_NODE_HOLDS_VALUE(nn) && json_node_get_value_type(nn) == G_TYPE_STRING
                ? json_node_get_string(nn)
                : NULL;
        g_autofree char *trimmed = text ? g_strstrip(g_strdup(text)) : NULL;
        if (!trimmed || !*trimmed || !g_utf8_validate(trimmed, -1, NULL) ||
            g_utf8_strlen(trimmed, -1) > 300) {
            api_call_fail(call, 400, "invalid_field",
                          "%s[%u].name must be a name of 1 to 300 characters", name, i);
            return FALSE;
        }
        gint64 uid = 0;
        if (un && !JSON_NODE_HOLDS_NULL(un)) {
            if (!JSON_NODE_HOLDS_VALUE(un) || json_node_get_value_type(un) != G_TYPE_INT64 ||
                (uid = json_node_get_int(un)) < 1) {
                api_call_fail(call, 400, "invalid_field",
                              "%s[%u].user_id must be a user id or null", name, i);
                return FALSE;
            }
        }
        PollRow row = {(gint)i + 1, g_steal_pointer(&trimmed), uid};
        g_ptr_array_add(names, row.name);
        g_array_append_val(rows, row);
    }
    return TRUE;
}

static gboolean user_ids_exist(DbConn *conn, ApiCall *call, GArray *rows, GError **error)
{
    for (guint i = 0; i < rows->len; i++) {
        PollRow *row = &g_array_index(rows, PollRow, i);
        if (!row->user_id)
            continue;
        char uid[24];
        const char *p[] = {api_i64(uid, row->user_id)};
        g_autoptr(DbRows) r = db_conn_exec(conn, "SELECT 1 FROM users WHERE id = $1", 1, p, error);
        if (!r)
            return FALSE;
        if (db_rows_count(r) == 0) {
            api_call_fail(call, 400, "invalid_field", "no user %s (%s)", uid, row->name);
            return TRUE;
        }
    }
    return TRUE;
}

static gboolean reply_poll(DbConn *conn, ApiCall *call, gint64 poll_id, guint status,
                           GError **error)
{
    GError *local = NULL;
    g_autoptr(Poll) poll = poll_load(conn, call->ids[0], poll_id, FALSE, &local);
    if (!poll)
        return refused(call, local, error);
    JsonObject *o = json_object_new();
    json_object_set_member(o, "poll", poll_to_json(poll, (call->roles & STAFF) != 0));
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    api_call_reply(call, status, node);
    VoteRouteData *d = route_data(call);
    d->poll_id = poll->id;
    d->closes_at_us = poll->state == POLL_STATE_OPEN ? poll->closes_at_us : 0;
    if (poll->state == POLL_STATE_OPEN) {
        g_clear_pointer(&d->opened, poll_free);
        d->opened = g_steal_pointer(&poll);
    }
    return TRUE;
}

/* ---- polls ---- */

static gboolean polls_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = TRUE;
    if (!may_read(conn, call, &ok, error) || !ok)
        return ok ? FALSE : TRUE;
    char mid[24];
    const char *p[] = {api_i64(mid, call->ids[0])};
    g_autoptr(DbRows) ids =
        db_conn_exec(conn, "SELECT id FROM polls WHERE meeting_id = $1 ORDER BY id", 1, p, error);
    if (!ids)
        return FALSE;
    JsonArray *a = json_array_new();
    for (guint i = 0; i < db_rows_count(ids); i++) {
        g_autoptr(Poll) poll =
            poll_load(conn, call->ids[0], db_rows_get_int64(ids, i, 0), FALSE, error);
        if (!poll) {
            json_array_unref(a);
            return FALSE;
        }
        json_array_add_element(a, poll_to_json(poll, (call->roles & STAFF) != 0));
    }
    JsonObject *o = json_object_new();
    json_object_set_array_member(o, "polls", a);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    api_call_reply(call, 200, node);
    return TRUE;
}

static gboolean poll_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = TRUE;
    if (!may_read(conn, call, &ok, error) || !ok)
        return ok ? FALSE : TRUE;
    return reply_poll(conn, call, call->ids[1], 200, error);
}

static gboolean parse_enum(ApiCall *call, const char *field, const char *text,
                           gboolean (*parse)(const char *, int *, GError **), int *out)
{
    g_autoptr(GError) e = NULL;
    if (!parse(text, out, &e)) {
        api_call_fail(call, 400, "invalid_field", "field '%s': %s", field, e->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean parse_subject(const char *t, int *v, GError **e)
{
    VoteSubject s = 0;
    gboolean ok = vote_subject_parse(t, &s, e);
    *v = s;
    return ok;
}

static gboolean parse_form(const char *t, int *v, GError **e)
{
    VoteForm f = 0;
    gboolean ok = vote_form_parse(t, &f, e);
    *v = f;
    return ok;
}

static gboolean poll_create_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_autofree char *title = api_body_string(call, "title", 1000, TRUE);
    if (!title)
        return TRUE;
    g_autofree char *decision = api_body_string(call, "decision", 300, FALSE);
    if (call->error_code)
        return TRUE;
    g_autofree char *subject = api_body_string(call, "subject", 32, TRUE);
    if (!subject)
        return TRUE;
    g_autofree char *form = api_body_string(call, "form", 32, TRUE);
    if (!form)
        return TRUE;
    g_autofree char *threshold = api_body_string(call, "threshold", 64, FALSE);
    if (call->error_code)
        return TRUE;
    PollSpec spec = {0};
    int s = 0, f = 0;
    gint64 item = 0, seats = 0, duration = 0;
    if (!parse_enum(call, "subject", subject, parse_subject, &s) ||
        !parse_enum(call, "form", form, parse_form, &f) ||
        !api_body_int(call, "agenda_item_id", 1, G_MAXINT64, FALSE, &item) ||
        !api_body_int(call, "seats", 1, 10000, FALSE, &seats) ||
        !api_body_int(call, "duration_seconds", 1, 31622400, FALSE, &duration) ||
        !body_bool(call, "allow_change", &spec.allow_change) ||
        !body_bool(call, "written", &spec.written))
        return TRUE;
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(PollRow));
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    if (!body_rows(call, "candidates", rows, names) || !body_rows(call, "officials", rows, names))
        return TRUE;
    if (!user_ids_exist(conn, call, rows, error))
        return FALSE;
    if (call->error_code)
        return TRUE;
    spec.meeting_id = call->ids[0];
    spec.agenda_item_id = item;
    spec.title = title;
    spec.decision = decision;
    spec.subject = s;
    spec.form = f;
    spec.threshold = threshold;
    spec.seats = (gint)seats;
    spec.duration_s = (gint)duration;
    spec.round = 1;
    spec.rows = (const PollRow *)rows->data;
    spec.n_rows = rows->len;
    spec.created_by = call->session.user_id;
    gint64 id = 0;
    GError *local = NULL;
    if (!poll_create(conn, &spec, &id, &local))
        return refused(call, local, error);
    return reply_poll(conn, call, id, 201, error);
}

static gboolean poll_open_run(DbConn *conn, ApiCall *call, GError **error)
{
    gint64 duration = 0;
    if (!api_body_int(call, "duration_seconds", 1, 31622400, FALSE, &duration))
        return TRUE;
    GError *local = NULL;
    if (!poll_open(conn, call->ids[0], call->ids[1], call->session.user_id, (gint)duration, &local))
        return refused(call, local, error);
    route_data(call)->schedule = TRUE;
    return reply_poll(conn, call, call->ids[1], 200, error);
}

static gboolean poll_extend_run(DbConn *conn, ApiCall *call, GError **error)
{
    gint64 seconds = 0;
    if (!api_body_int(call, "seconds", 1, 31622400, TRUE, &seconds))
        return TRUE;
    GError *local = NULL;
    if (!poll_extend(conn, call->ids[0], call->ids[1], call->session.user_id, (gint)seconds,
                     &local))
        return refused(call, local, error);
    route_data(call)->schedule = TRUE;
    return reply_poll(conn, call, call->ids[1], 200, error);
}

static gboolean poll_close_run(DbConn *conn, ApiCall *call, GError **error)
{
    GError *local = NULL;
    if (!poll_close(conn, call->ids[0], call->ids[1], call->session.user_id, NULL, &local))
        return refused(call, local, error);
    route_data(call)->schedule = TRUE;
    return reply_poll(conn, call, call->ids[1], 200, error);
}

static gboolean poll_cancel_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_autofree char *reason = api_body_string(call, "reason", 1000, TRUE);
    if (!reason)
        return TRUE;
    GError *local = NULL;
    if (!poll_cancel(conn, call->ids[0], call->ids[1], call->session.user_id, reason, &local))
        return refused(call, local, error);
    route_data(call)->schedule = TRUE;
    return reply_poll(conn, call, call->ids[1], 200, error);
}

static gboolean poll_counts_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_autofree char *minutes = api_body_string(call, "minutes", 20000, FALSE);
    if (call->error_code)
        return TRUE;
    if (!call->body) {
        api_call_fail(call, 400, "missing_field", "send the counts as a JSON object");
        return TRUE;
    }
    /* The counts without the minutes, as journaled. */
    g_autoptr(JsonObject) counts = json_object_new();
    g_autoptr(GList) members = json_object_get_members(call->body);
    for (GList *l = members; l; l = l->next)
        if (!g_str_equal(l->data, "minutes"))
            json_object_set_member(counts, l->data,
                                   json_node_copy(json_object_get_member(call->body, l->data)));
    GError *local = NULL;
    if (!poll_enter_counts(conn, call->ids[0], call->ids[1], call->session.user_id, call->roles,
                           counts, minutes, &local))
        return refused(call, local, error);
    return reply_poll(conn, call, call->ids[1], 200, error);
}

static gboolean poll_next_round_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(PollRow));
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    if (!body_rows(call, "candidates", rows, names))
        return TRUE;
    if (!user_ids_exist(conn, call, rows, error))
        return FALSE;
    if (call->error_code)
        return TRUE;
    gint64 id = 0;
    GError *local = NULL;
    if (!poll_next_round(conn, call->ids[0], call->ids[1], call->session.user_id,
                         (const PollRow *)rows->data, rows->len, &id, &local))
        return refused(call, local, error);
    return reply_poll(conn, call, id, 201, error);
}

static void poll_after(ApiCall *call)
{
    vote_keeper_touch(call->app);
    VoteRouteData *d = call->route_data;
    if (d && d->schedule)
        vote_keeper_schedule(call->app, d->poll_id, d->closes_at_us);
    if (d && d->opened)
        ballot_poll_shape(d->opened);
}

/* ---- ballots over HTTP ---- */

static gboolean ballot_cast_run(DbConn *conn, ApiCall *call, GError **error)
{
    char mid[24], pid[24];
    const char *p[] = {api_i64(mid, call->ids[0]), api_i64(pid, call->ids[1])};
    g_autoptr(DbRows) r =
        db_conn_exec(conn, "SELECT 1 FROM polls WHERE meeting_id = $1 AND id = $2", 2, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0) {
        api_call_fail(call, 404, "not_found", "no poll %s in meeting %s", pid, mid);
        return TRUE;
    }
    g_autofree char *key = api_body_string(call, "idempotency_key", 128, TRUE);
    if (!key)
        return TRUE;
    g_autoptr(GError) local = NULL;
    BallotChoice *choice = ballot_choice_from_json(
        call->body ? json_object_get_member(call->body, "choice") : NULL, &local);
    if (!choice) {
        api_call_fail(call, 400, "invalid", "%s", local->message);
        return TRUE;
    }
    VoteRouteData *d = route_data(call);
    d->poll_id = call->ids[1];
    d->user_id = call->session.user_id;
    d->choice = choice;
    d->key = g_steal_pointer(&key);
    call->deferred = TRUE;
    return TRUE;
}

static void http_cast_done(const BallotOutcome *o, gpointer user_data)
{
    HttpRequest *req = user_data;
    if (o->status == BALLOT_REFUSED) {
        http_request_respond_error(req, poll_error_status(o->error_code),
                                   poll_error_code(o->error_code), "%s", o->message);
        return;
    }
    if (o->status == BALLOT_NOT_RECORDED) {
        http_request_add_header(req, "retry-after", "1");
        http_request_respond_error(req, 503, "not_recorded", "%s", o->message);
        return;
    }
    JsonObject *obj = json_object_new();
    json_object_set_member(obj, "receipt", json_node_copy(o->receipt));
    json_object_set_boolean_member(obj, "repeat", o->status == BALLOT_REPEAT);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, obj);
    http_request_respond_json(req, o->status == BALLOT_RECORDED ? 201 : 200, node);
}

static void ballot_cast_after(ApiCall *call)
{
    VoteRouteData *d = call->route_data;
    vote_keeper_touch(call->app);
    ballot_submit(call->app, d->poll_id, d->user_id, g_steal_pointer(&d->choice), d->key,
                  http_cast_done, http_request_ref(call->req), (GDestroyNotify)http_request_unref);
}

static gboolean my_ballot_run(DbConn *conn, ApiCall *call, GError **error)
{
    GError *local = NULL;
    JsonNode *node =
        vote_verify_my_ballot(conn, call->ids[0], call->ids[1], call->session.user_id, &local);
    if (!node)
        return refused(call, local, error);
    api_call_reply(call, 200, node);
    return TRUE;
}

/* ---- CSV ---- */

static gboolean csv_run(DbConn *conn, ApiCall *call, GError **error, gboolean named)
{
    gboolean ok = TRUE;
    if (!may_read(conn, call, &ok, error) || !ok)
        return ok ? FALSE : TRUE;
    GError *local = NULL;
    g_autoptr(Poll) poll = poll_load(conn, call->ids[0], call->ids[1], FALSE, &local);
    if (!poll)
        return refused(call, local, error);
    GBytes *file =
        named ? vote_named_csv(conn, poll, &local) : vote_results_csv(conn, poll, &local);
    if (!file)
        return refused(call, local, error);
    VoteRouteData *d = route_data(call);
    d->file = file;
    d->file_name =
        g_strdup_printf("poll-%" G_GINT64_FORMAT "-%s.csv", poll->id, named ? "named" : "results");
    call->deferred = TRUE;
    return TRUE;
}

static gboolean results_csv_run(DbConn *conn, ApiCall *call, GError **error)
{
    return csv_run(conn, call, error, FALSE);
}

static gboolean named_csv_run(DbConn *conn, ApiCall *call, GError **error)
{
    return csv_run(conn, call, error, TRUE);
}

static void csv_after(ApiCall *call)
{
    VoteRouteData *d = call->route_data;
    g_autofree char *disposition = g_strdup_printf("attachment; filename=\"%s\"", d->file_name);
    http_request_add_header(call->req, "content-disposition", disposition);
    http_request_add_header(call->req, "cache-control", "no-store");
    http_request_respond(call->req, 200, "text/csv; charset=utf-8; header=present",
                         g_steal_pointer(&d->file));
}

/* ---- the tally committee ---- */

static gboolean committee_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = TRUE;
    if (!may_read(conn, call, &ok, error) || !ok)
        return ok ? FALSE : TRUE;
    JsonNode *c = poll_tally_committee_json(conn, call->ids[0], error);
    if (!c)
        return FALSE;
    JsonObject *o = json_object_new();
    json_object_set_member(o, "tally_committee", c);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    api_call_reply(call, 200, node);
    return TRUE;
}

static gboolean committee_set_run(DbConn *conn, ApiCall *call, GError **error)
{
    JsonNode *n = call->body ? json_object_get_member(call->body, "member_ids") : NULL;
    if (!n || !JSON_NODE_HOLDS_ARRAY(n) || json_array_get_length(json_node_get_array(n)) > 200) {
        api_call_fail(call, 400, "invalid_field",
                      "field 'member_ids' must be an array of at most 200 user ids");
        return TRUE;
    }
    JsonArray *a = json_node_get_array(n);
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64 ||
            json_node_get_int(e) < 1) {
            api_call_fail(call, 400, "invalid_field", "member_ids[%u] must be a user id", i);
            return TRUE;
        }
        gint64 v = json_node_get_int(e);
        g_array_append_val(ids, v);
    }
    gint64 head = 0;
    if (!api_body_int(call, "head_id", 1, G_MAXINT64, TRUE, &head))
        return TRUE;
    g_autofree char *minutes = api_body_string(call, "minutes", 20000, FALSE);
    if (call->error_code)
        return TRUE;
    GError *local = NULL;
    if (!poll_set_tally_committee(conn, call->ids[0], (gint64 *)ids->data, ids->len, head, minutes,
                                  call->session.user_id, &local))
        return refused(call, local, error);
    if (!committee_get_run(conn, call, error))
        return FALSE;
    call->status = 201;
    return TRUE;
}

/* ---- verification ---- */

static gboolean votes_verify_run(DbConn *conn, ApiCall *call, GError **error)
{
    gboolean ok = TRUE;
    if (!may_read(conn, call, &ok, error) || !ok)
        return ok ? FALSE : TRUE;
    JsonNode *node = vote_verify_meeting(conn, call->ids[0], error);
    if (!node)
        return FALSE;
    api_call_reply(call, 200, node);
    return TRUE;
}

const ApiRoute api_vote_routes[] = {
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/polls", API_SCOPE_MEETING, ALL, polls_list_run,
     poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls", API_SCOPE_MEETING, PREPARE, poll_create_run,
     poll_after},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/polls/{id}", API_SCOPE_MEETING, ALL, poll_get_run,
     poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/open", API_SCOPE_MEETING, AUTH_ROLE_CHAIR,
     poll_open_run, poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/extend", API_SCOPE_MEETING,
     AUTH_ROLE_CHAIR, poll_extend_run, poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/close", API_SCOPE_MEETING, AUTH_ROLE_CHAIR,
     poll_close_run, poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/cancel", API_SCOPE_MEETING,
     AUTH_ROLE_CHAIR, poll_cancel_run, poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/counts", API_SCOPE_MEETING,
     AUTH_ROLE_SECRETARIAT | AUTH_ROLE_MEMBER, poll_counts_run, poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/next-round", API_SCOPE_MEETING, PREPARE,
     poll_next_round_run, poll_after},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/polls/{id}/ballots", API_SCOPE_MEETING,
     AUTH_ROLE_MEMBER, ballot_cast_run, ballot_cast_after},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/polls/{id}/ballot", API_SCOPE_MEETING,
     AUTH_ROLE_MEMBER, my_ballot_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/polls/{id}/results.csv", API_SCOPE_MEETING, ALL,
     results_csv_run, csv_after},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/polls/{id}/named.csv", API_SCOPE_MEETING, ALL,
     named_csv_run, csv_after},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/tally-committee", API_SCOPE_MEETING, ALL,
     committee_get_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/tally-committee", API_SCOPE_MEETING, PREPARE,
     committee_set_run, NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/votes/verify", API_SCOPE_MEETING, NOT_GUEST,
     votes_verify_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};
