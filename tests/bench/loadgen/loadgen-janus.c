/* loadgen-janus.c: the load generator's signaling with Janus VideoRoom (Janus 1.x).
 *
 * Design: Janus's WebSocket transport carries its JSON API, subprotocol "janus-protocol". One
 * session serves the whole load generator; every participant gets a plugin handle of its own
 * per connection, as a browser page would: "create" the session, "attach" a control handle to
 * janus.plugin.videoroom and "create" the room on it (Opus and VP8 only, room for every
 * publisher, no bitrate cap), then per publisher "attach" and "joinandconfigure" as a publisher
 * with our offer (its id is the load generator's participant id), and per subscriber "attach"
 * and "join" as a subscriber with the feeds it receives in one connection ("streams", the 1.x
 * multistream API), then "start" with our answer to Janus's offer. Every request has a
 * transaction id; Janus first acknowledges plugin messages ("ack") and answers later with an
 * "event" of the same transaction, which is when the callback runs. Our SDP carries all our
 * candidates and says so ("trickle": false). A keepalive every 15 s keeps the session inside
 * Janus's 60 s session timeout.
 */
#include <string.h>

#include "loadgen.h"

#define JANUS_KEEPALIVE_S 15

typedef enum {
    STEP_SESSION, /* create: data.id is the session */
    STEP_CONTROL, /* attach the control handle */
    STEP_ROOM,    /* create the room (synchronous "success") */
    STEP_ATTACH,  /* attach a participant's handle, then its request */
    STEP_REQUEST, /* a plugin request whose "event" carries the reply */
} Step;

typedef struct {
    Step step;
    guint64 participant;
    gboolean subscriber;
    JsonObject *body; /* the request to send once the handle exists */
    char *jsep_type;
    char *jsep_sdp;
    LgSdpFunc sdp_func;
    LgDoneFunc done_func;
    gpointer user_data;
} Pending;

typedef struct {
    LgSignaling parent;
    char *url;
    LgWs *ws;
    guint64 session;
    guint64 control;
    guint64 room;
    guint n_publishers;
    guint next_transaction;
    GHashTable *pending; /* transaction -> Pending */
    GHashTable *handles; /* "p<id>"/"s<id>" -> guint64 handle */
    GSource *keepalive;
    LgDoneFunc open_func;
    gpointer open_data;
} Janus;

static void pending_free(gpointer data)
{
    Pending *p = data;

    g_clear_pointer(&p->body, json_object_unref);
    g_free(p->jsep_type);
    g_free(p->jsep_sdp);
    g_free(p);
}

static char *handle_key(guint64 participant, gboolean subscriber)
{
    return g_strdup_printf("%c%" G_GUINT64_FORMAT, subscriber ? 's' : 'p', participant);
}

/* Sends @msg (taken) with a new transaction for @p (taken). */
static void send_request(Janus *j, JsonObject *msg, Pending *p)
{
    char *transaction = g_strdup_printf("lg%u", ++j->next_transaction);

    json_object_set_string_member(msg, "transaction", transaction);
    if (j->session != 0)
        json_object_set_int_member(msg, "session_id", (gint64)j->session);
    g_hash_table_insert(j->pending, transaction, p);
    if (!lg_ws_send(j->ws, msg))
        g_warning("janus: cannot send: the signaling connection is not open");
    json_object_unref(msg);
}

static void report(Pending *p, const char *sdp, const GError *error)
{
    if (p->sdp_func != NULL)
        p->sdp_func(sdp, error, p->user_data);
    else if (p->done_func != NULL)
        p->done_func(error, p->user_data);
}

static void report_error(Pending *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void report_error(Pending *p, const char *fmt, ...)
{
    g_autoptr(GError) error = NULL;
    va_list ap;

    va_start(ap, fmt);
    error = g_error_new_valist(G_IO_ERROR, G_IO_ERROR_FAILED, fmt, ap);
    va_end(ap);
    report(p, NULL, error);
}

static void send_plugin_request(Janus *j, guint64 handle, Pending *p)
{
    JsonObject *msg = json_object_new();

    json_object_set_string_member(msg, "janus", "message");
    json_object_set_int_member(msg, "handle_id", (gint64)handle);
    json_object_set_object_member(msg, "body", g_steal_pointer(&p->body));
    if (p->jsep_sdp != NULL) {
        JsonObject *jsep = json_object_new();

        json_object_set_string_member(jsep, "type", p->jsep_type);
        json_object_set_string_member(jsep, "sdp", p->jsep_sdp);
        json_object_set_boolean_member(jsep, "trickle", FALSE);
        json_object_set_object_member(msg, "jsep", jsep);
    }
    p->step = STEP_REQUEST;
    send_request(j, msg, p);
}

static void attach(Janus *j, Pending *p)
{
    JsonObject *msg = json_object_new();

    json_object_set_string_member(msg, "janus", "attach");
    json_object_set_string_member(msg, "plugin", "janus.plugin.videoroom");
    send_request(j, msg, p);
}

static void open_failed(Janus *j, const char *what)
{
    g_autoptr(GError) error = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "janus: %s", what);

    if (j->open_func != NULL)
        j->open_func(error, j->open_data);
    j->open_func = NULL;
}

static gboolean on_keepalive(gpointer user_data)
{
    Janus *j = user_data;
    JsonObject *msg = json_object_new();
    Pending *p = g_new0(Pending, 1);

    json_object_set_string_member(msg, "janus", "keepalive");
    p->step = STEP_REQUEST; /* answered by "ack", nothing waits for it */
    send_request(j, msg, p);
    return G_SOURCE_CONTINUE;
}

/* A "success" answer to a Janus-level request (create, attach, a synchronous plugin request). */
static void on_success(Janus *j, Pending *p, JsonObject *msg)
{
    JsonObject *data =
        json_object_has_member(msg, "data") ? json_object_get_object_member(msg, "data") : NULL;
    guint64 id = data != NULL && json_object_has_member(data, "id")
                     ? (guint64)json_object_get_int_member(data, "id")
                     : 0;

    switch (p->step) {
    case STEP_SESSION: {
        Pending *next = g_new0(Pending, 1);

        j->session = id;
        j->keepalive = g_timeout_source_new_seconds(JANUS_KEEPALIVE_S);
        g_source_set_callback(j->keepalive, on_keepalive, j, NULL);
        g_source_attach(j->keepalive, g_main_context_get_thread_default());
        next->step = STEP_CONTROL;
        attach(j, next);
        break;
    }
    case STEP_CONTROL: {
        JsonObject *msg2 = json_object_new();
        JsonObject *body = json_object_new();
        Pending *next = g_new0(Pending, 1);

        j->control = id;
        json_object_set_string_member(body, "request", "create");
        json_object_set_int_member(body, "room", (gint64)j->room);
        json_object_set_int_member(body, "publishers", MAX(j->n_publishers, 1));
        json_object_set_string_member(body, "audiocodec", "opus");
        json_object_set_string_member(body, "videocodec", "vp8");
        json_object_set_int_member(body, "bitrate", 0);
        json_object_set_boolean_member(body, "notify_joining", FALSE);
        json_object_set_string_member(msg2, "janus", "message");
        json_object_set_int_member(msg2, "handle_id", (gint64)j->control);
        json_object_set_object_member(msg2, "body", body);
        next->step = STEP_ROOM;
        send_request(j, msg2, next);
        break;
    }
    case STEP_ROOM: {
        JsonObject *pd = json_object_has_member(msg, "plugindata")
                             ? json_object_get_object_member(msg, "plugindata")
                             : NULL;
        JsonObject *d = pd != NULL && json_object_has_member(pd, "data")
                            ? json_object_get_object_member(pd, "data")
                            : NULL;

        if (d == NULL || g_strcmp0(json_object_get_string_member_with_default(d, "videoroom", ""),
                                   "created") != 0) {
            open_failed(j, d != NULL ? json_object_get_string_member_with_default(
                                           d, "error", "the room was not created")
                                     : "the room was not created");
            return;
        }
        if (j->open_func != NULL)
            j->open_func(NULL, j->open_data);
        j->open_func = NULL;
        break;
    }
    case STEP_ATTACH: {
        Pending *next = g_new0(Pending, 1);

        *next = *p; /* the request waiting for this handle */
        p->body = NULL;
        p->jsep_type = p->jsep_sdp = NULL;
        g_hash_table_insert(j->handles, handle_key(next->participant, next->subscriber),
                            g_memdup2(&id, sizeof(id)));
        send_plugin_request(j, id, next);
        break;
    }
    case STEP_REQUEST:
        /* A synchronous plugin answer: only for requests we do not make here. */
        break;
    }
}

/* The asynchronous answer to a plugin request. */
static void on_event(Pending *p, JsonObject *msg)
{
    JsonObject *pd = json_object_has_member(msg, "plugindata")
                         ? json_object_get_object_member(msg, "plugindata")
                         : NULL;
    JsonObject *d = pd != NULL && json_object_has_member(pd, "data")
                        ? json_object_get_object_member(pd, "data")
                        : NULL;
    JsonObject *jsep =
        json_object_has_member(msg, "jsep") ? json_object_get_object_member(msg, "jsep") : NULL;

    if (d != NULL && json_object_has_member(d, "error")) {
        report_error(p, "janus: participant %" G_GUINT64_FORMAT ": %s (%" G_GINT64_FORMAT ")",
                     p->participant, json_object_get_string_member(d, "error"),
                     json_object_get_int_member_with_default(d, "error_code", 0));
        return;
    }
    if (p->sdp_func != NULL) {
        if (jsep == NULL || !json_object_has_member(jsep, "sdp")) {
            report_error(p, "janus: participant %" G_GUINT64_FORMAT ": no SDP in the answer",
                         p->participant);
            return;
        }
        report(p, json_object_get_string_member(jsep, "sdp"), NULL);
        return;
    }
    report(p, NULL, NULL);
}

static void on_message(JsonObject *msg, gpointer user_data)
{
    Janus *j = user_data;
    const char *kind = json_object_get_string_member_with_default(msg, "janus", "");
    const char *transaction = json_object_get_string_member_with_default(msg, "transaction", NULL);
    Pending *p = transaction != NULL ? g_hash_table_lookup(j->pending, transaction) : NULL;
    char *key = NULL;

    if (g_str_equal(kind, "ack") || p == NULL) {
        if (g_str_equal(kind, "hangup") || g_str_equal(kind, "detached") ||
            g_str_equal(kind, "timeout"))
            g_message("janus: %s: %s", kind,
                      json_object_get_string_member_with_default(msg, "reason", ""));
        if (p != NULL && g_str_equal(kind, "ack") && p->step == STEP_REQUEST &&
            p->sdp_func == NULL && p->done_func == NULL)
            g_hash_table_remove(j->pending, transaction); /* a keepalive */
        return;
    }
    g_hash_table_steal_extended(j->pending, transaction, (gpointer *)&key, NULL);
    if (g_str_equal(kind, "error")) {
        JsonObject *e = json_object_has_member(msg, "error")
                            ? json_object_get_object_member(msg, "error")
                            : NULL;
        const char *reason =
            e != NULL ? json_object_get_string_member_with_default(e, "reason", "?") : "?";

        if (p->step == STEP_SESSION || p->step == STEP_CONTROL || p->step == STEP_ROOM)
            open_failed(j, reason);
        else
            report_error(p, "janus: participant %" G_GUINT64_FORMAT ": %s", p->participant, reason);
    } else if (g_str_equal(kind, "success")) {
        on_success(j, p, msg);
    } else if (g_str_equal(kind, "event")) {
        on_event(p, msg);
    }
    g_free(key);
    pending_free(p);
}

static void on_ws_open(LgWs *ws, const GError *error, gpointer user_data)
{
    Janus *j = user_data;
    JsonObject *msg;
    Pending *p;

    if (error != NULL) {
        open_failed(j, error->message);
        return;
    }
    msg = json_object_new();
    json_object_set_string_member(msg, "janus", "create");
    p = g_new0(Pending, 1);
    p->step = STEP_SESSION;
    send_request(j, msg, p);
}

static void janus_open(LgSignaling *sig, guint n_publishers, LgDoneFunc func, gpointer user_data)
{
    Janus *j = (Janus *)sig;

    j->n_publishers = n_publishers;
    j->open_func = func;
    j->open_data = user_data;
    lg_ws_open(j->ws, on_ws_open, j);
}

static void janus_publish(LgSignaling *sig, guint64 participant, const char *offer, LgSdpFunc func,
                          gpointer user_data)
{
    Janus *j = (Janus *)sig;
    Pending *p = g_new0(Pending, 1);
    g_autofree char *display = g_strdup_printf("p%" G_GUINT64_FORMAT, participant);

    p->step = STEP_ATTACH;
    p->participant = participant;
    p->body = json_object_new();
    json_object_set_string_member(p->body, "request", "joinandconfigure");
    json_object_set_int_member(p->body, "room", (gint64)j->room);
    json_object_set_string_member(p->body, "ptype", "publisher");
    json_object_set_int_member(p->body, "id", (gint64)participant);
    json_object_set_string_member(p->body, "display", display);
    p->jsep_type = g_strdup("offer");
    p->jsep_sdp = g_strdup(offer);
    p->sdp_func = func;
    p->user_data = user_data;
    attach(j, p);
}

static void janus_subscribe(LgSignaling *sig, guint64 participant, const guint64 *feeds,
                            guint n_feeds, LgSdpFunc func, gpointer user_data)
{
    Janus *j = (Janus *)sig;
    Pending *p = g_new0(Pending, 1);
    JsonArray *streams = json_array_new();
    guint i;

    for (i = 0; i < n_feeds; i++) {
        JsonObject *s = json_object_new();

        json_object_set_int_member(s, "feed", (gint64)feeds[i]);
        json_array_add_object_element(streams, s);
    }
    p->step = STEP_ATTACH;
    p->participant = participant;
    p->subscriber = TRUE;
    p->body = json_object_new();
    json_object_set_string_member(p->body, "request", "join");
    json_object_set_int_member(p->body, "room", (gint64)j->room);
    json_object_set_string_member(p->body, "ptype", "subscriber");
    json_object_set_array_member(p->body, "streams", streams);
    p->sdp_func = func;
    p->user_data = user_data;
    attach(j, p);
}

static void janus_answer(LgSignaling *sig, guint64 participant, const char *answer, LgDoneFunc func,
                         gpointer user_data)
{
    Janus *j = (Janus *)sig;
    g_autofree char *key = handle_key(participant, TRUE);
    guint64 *handle = g_hash_table_lookup(j->handles, key);
    Pending *p = g_new0(Pending, 1);

    p->participant = participant;
    p->subscriber = TRUE;
    p->done_func = func;
    p->user_data = user_data;
    if (handle == NULL) {
        report_error(p, "janus: participant %" G_GUINT64_FORMAT " has not subscribed", participant);
        pending_free(p);
        return;
    }
    p->body = json_object_new();
    json_object_set_string_member(p->body, "request", "start");
    p->jsep_type = g_strdup("answer");
    p->jsep_sdp = g_strdup(answer);
    send_plugin_request(j, *handle, p);
}

static void janus_free(LgSignaling *sig)
{
    Janus *j = (Janus *)sig;

    if (j->keepalive != NULL) {
        g_source_destroy(j->keepalive);
        g_source_unref(j->keepalive);
    }
    if (j->session != 0) {
        JsonObject *msg = json_object_new();

        json_object_set_string_member(msg, "janus", "destroy");
        json_object_set_string_member(msg, "transaction", "bye");
        json_object_set_int_member(msg, "session_id", (gint64)j->session);
        lg_ws_send(j->ws, msg);
        json_object_unref(msg);
    }
    g_clear_pointer(&j->ws, lg_ws_free);
    g_clear_pointer(&j->pending, g_hash_table_unref);
    g_clear_pointer(&j->handles, g_hash_table_unref);
    g_free(j->url);
    g_free(j);
}

static const LgSignalingClass janus_class = {
    .name = "janus",
    .open = janus_open,
    .publish = janus_publish,
    .subscribe = janus_subscribe,
    .answer = janus_answer,
    .free = janus_free,
};

LgSignaling *lg_janus_new(const char *url)
{
    Janus *j = g_new0(Janus, 1);

    j->parent.klass = &janus_class;
    j->url = g_strdup(url);
    j->room = 1000 + g_random_int_range(0, 1000000);
    j->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, pending_free);
    j->handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    j->ws = lg_ws_new(url, "janus-protocol", on_message, j);
    return &j->parent;
}
