/* loadgen-daemon.c: the load generator's signaling with phonghop's daemon over /ws.
 *
 * Design: this is what a browser does with phonghop (docs/media-signaling.md,
 * server/live/live-media.c), one participant at a time: sign in (POST /api/v1/auth/login, whose
 * session cookie the WebSocket upgrade then carries), open /ws, "media.join" the meeting (the
 * reply "media.joined" gives the participant id the media uses: the person's user id), then
 * "media.publish" our offer and take the "media.answer", or "media.subscribe" to a list of
 * participant ids and take the "media.offer" the server sends on its own, answering it with
 * "media.answer" and its offer_id ("media.answered" confirms). Requests carry the meeting_id and
 * an "id" that the reply (or an "error" with "ref") repeats. A participant that publishes and
 * receives (a site of a multi-site session) does both on its one socket, as the web client does.
 * The load generator negotiates each connection once: an offer that follows the first on a
 * receiving connection (the set of publishers changed) is logged and left unanswered, which the
 * benchmark's fixed topology never causes.
 *
 * The meeting must be open, and for several sites to be heard at once the chair must have
 * opened every microphone: run.sh does both through the HTTP API before the load generator
 * starts. Participant i signs in as the i-th of the users given.
 */
#include <string.h>

#include <libsoup/soup.h>

#include "loadgen.h"

typedef struct _Daemon Daemon;

typedef enum {
    PART_NEW,
    PART_SIGNING_IN,
    PART_CONNECTING,
    PART_JOINING,
    PART_JOINED,
    PART_FAILED,
} PartState;

typedef struct {
    Daemon *d;
    guint64 lg_id;
    char *username;
    LgWs *ws;
    PartState state;
    guint64 participant_id; /* the daemon's */
    gint64 next_req;
    gint64 join_req;
    GPtrArray *queued; /* JsonObject: requests waiting for the join */

    LgSdpFunc publish_func;
    gpointer publish_data;
    gint64 publish_req;
    LgSdpFunc offer_func;
    gpointer offer_data;
    gint64 subscribe_req;
    gboolean offered;
    gint64 offer_id;
    LgDoneFunc answer_func;
    gpointer answer_data;
    gint64 answer_req;
    LgDoneFunc join_func;
    gpointer join_data;
} Part;

struct _Daemon {
    LgSignaling parent;
    char *base;
    char *ws_url;
    gint64 meeting_id;
    GStrv users;
    char *password;
    SoupSession *http;
    GCancellable *cancel;
    GHashTable *parts; /* lg id -> Part */
};

static void part_free(gpointer data)
{
    Part *p = data;

    g_clear_pointer(&p->ws, lg_ws_free);
    g_clear_pointer(&p->queued, g_ptr_array_unref);
    g_free(p->username);
    g_free(p);
}

/* Tells whoever waits on @p that it failed. */
static void part_fail(Part *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void part_fail(Part *p, const char *fmt, ...)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    va_list ap;
    LgSdpFunc sdp_func;
    LgDoneFunc done_func;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "phonghop %s: %s", p->username, text);
    p->state = PART_FAILED;
    if ((sdp_func = p->publish_func) != NULL) {
        p->publish_func = NULL;
        sdp_func(NULL, error, p->publish_data);
    }
    if ((sdp_func = p->offer_func) != NULL && !p->offered) {
        p->offer_func = NULL;
        sdp_func(NULL, error, p->offer_data);
    }
    if ((done_func = p->answer_func) != NULL) {
        p->answer_func = NULL;
        done_func(error, p->answer_data);
    }
    if ((done_func = p->join_func) != NULL) {
        p->join_func = NULL;
        done_func(error, p->join_data);
    }
}

static void send_now(Part *p, JsonObject *msg)
{
    if (!lg_ws_send(p->ws, msg))
        part_fail(p, "the WebSocket is not open");
}

/* Sends @msg (taken) with a new request id, now or once joined; returns the id. */
static gint64 send_request(Part *p, JsonObject *msg)
{
    gint64 id = ++p->next_req;

    json_object_set_int_member(msg, "id", id);
    json_object_set_int_member(msg, "meeting_id", p->d->meeting_id);
    if (p->state == PART_JOINED) {
        send_now(p, msg);
        json_object_unref(msg);
    } else {
        g_ptr_array_add(p->queued, msg);
    }
    return id;
}

static void on_message(JsonObject *msg, gpointer user_data)
{
    Part *p = user_data;
    const char *type = json_object_get_string_member_with_default(msg, "type", "");
    gint64 id = json_object_get_int_member_with_default(msg, "id", 0);
    LgSdpFunc sdp_func;
    LgDoneFunc done_func;
    guint i;

    if (g_str_equal(type, "media.joined") && id == p->join_req) {
        p->participant_id =
            (guint64)json_object_get_int_member_with_default(msg, "participant_id", 0);
        p->state = PART_JOINED;
        for (i = 0; i < p->queued->len; i++)
            send_now(p, g_ptr_array_index(p->queued, i));
        g_ptr_array_set_size(p->queued, 0);
        if ((done_func = p->join_func) != NULL) {
            p->join_func = NULL;
            done_func(NULL, p->join_data);
        }
    } else if (g_str_equal(type, "media.answer") && id == p->publish_req &&
               (sdp_func = p->publish_func) != NULL) {
        p->publish_func = NULL;
        sdp_func(json_object_get_string_member_with_default(msg, "sdp", ""), NULL, p->publish_data);
    } else if (g_str_equal(type, "media.offer")) {
        if (p->offer_func == NULL || p->offered) {
            g_message("phonghop %s: a new offer on the receiving connection, not answered "
                      "(the load generator negotiates once)",
                      p->username);
            return;
        }
        p->offered = TRUE;
        p->offer_id = json_object_get_int_member_with_default(msg, "offer_id", 0);
        p->offer_func(json_object_get_string_member_with_default(msg, "sdp", ""), NULL,
                      p->offer_data);
    } else if (g_str_equal(type, "media.answered") && id == p->answer_req &&
               (done_func = p->answer_func) != NULL) {
        p->answer_func = NULL;
        done_func(NULL, p->answer_data);
    } else if (g_str_equal(type, "error")) {
        gint64 ref = json_object_get_int_member_with_default(msg, "ref", 0);
        const char *code = json_object_get_string_member_with_default(msg, "code", "?");
        const char *text = json_object_get_string_member_with_default(msg, "message", "");

        if (ref == p->join_req || ref == p->publish_req || ref == p->subscribe_req ||
            ref == p->answer_req || ref == 0)
            part_fail(p, "%s: %s", code, text);
    }
}

static void on_ws_open(LgWs *ws, const GError *error, gpointer user_data)
{
    Part *p = user_data;
    JsonObject *msg;

    if (error != NULL) {
        part_fail(p, "/ws: %s", error->message);
        return;
    }
    p->state = PART_JOINING;
    msg = json_object_new();
    json_object_set_string_member(msg, "type", "media.join");
    json_object_set_int_member(msg, "meeting_id", p->d->meeting_id);
    p->join_req = ++p->next_req;
    json_object_set_int_member(msg, "id", p->join_req);
    send_now(p, msg);
    json_object_unref(msg);
}

/* The session cookie "phonghop_session=..." of a Set-Cookie header, or NULL. */
static char *session_cookie(SoupMessage *msg)
{
    const char *all =
        soup_message_headers_get_list(soup_message_get_response_headers(msg), "Set-Cookie");
    const char *start = all != NULL ? strstr(all, "phonghop_session=") : NULL;
    gsize n;

    if (start == NULL)
        return NULL;
    n = strcspn(start, ";,");
    return g_strndup(start, n);
}

static void on_signed_in(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Part *p = user_data;
    SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), result);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autofree char *cookie = NULL;

    body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
    if (body == NULL) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            part_fail(p, "sign-in: %s", error->message);
        return;
    }
    if (soup_message_get_status(msg) != 200 || (cookie = session_cookie(msg)) == NULL) {
        part_fail(p, "sign-in refused (HTTP %u)", soup_message_get_status(msg));
        return;
    }
    p->state = PART_CONNECTING;
    p->ws = lg_ws_new(p->d->ws_url, NULL, on_message, p);
    lg_ws_set_cookie(p->ws, cookie);
    lg_ws_open(p->ws, on_ws_open, p);
}

/* The participant of load generator id @lg_id, signing in on first use. */
static Part *part_get(Daemon *d, guint64 lg_id)
{
    Part *p = g_hash_table_lookup(d->parts, &lg_id);
    g_autofree char *url = NULL;
    g_autofree char *body = NULL;
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(JsonBuilder) b = NULL;
    g_autoptr(JsonNode) root = NULL;

    if (p != NULL)
        return p;
    p = g_new0(Part, 1);
    p->d = d;
    p->lg_id = lg_id;
    p->queued = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
    p->username =
        lg_id >= 1 && lg_id <= g_strv_length(d->users) ? g_strdup(d->users[lg_id - 1]) : NULL;
    g_hash_table_insert(d->parts, g_memdup2(&lg_id, sizeof(lg_id)), p);
    if (p->username == NULL) {
        p->username = g_strdup_printf("participant %" G_GUINT64_FORMAT, lg_id);
        p->state = PART_FAILED;
        return p;
    }
    b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "username");
    json_builder_add_string_value(b, p->username);
    json_builder_set_member_name(b, "password");
    json_builder_add_string_value(b, d->password);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    body = json_to_string(root, FALSE);
    url = g_strconcat(d->base, "/api/v1/auth/login", NULL);
    msg = soup_message_new("POST", url);
    bytes = g_bytes_new(body, strlen(body));
    soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
    p->state = PART_SIGNING_IN;
    soup_session_send_and_read_async(d->http, msg, G_PRIORITY_DEFAULT, d->cancel, on_signed_in, p);
    return p;
}

static void daemon_open(LgSignaling *sig, guint n_publishers, LgDoneFunc func, gpointer user_data)
{
    func(NULL, user_data); /* run.sh opened the meeting; each participant signs in on first use */
}

static gboolean check_usable(Part *p)
{
    if (p->state != PART_FAILED)
        return TRUE;
    part_fail(p, "no user to sign in as, or it failed before");
    return FALSE;
}

static void daemon_join(LgSignaling *sig, guint64 participant, LgDoneFunc func, gpointer user_data)
{
    Part *p = part_get((Daemon *)sig, participant);

    p->join_func = func;
    p->join_data = user_data;
    if (!check_usable(p))
        return;
    if (p->state == PART_JOINED) {
        p->join_func = NULL;
        func(NULL, user_data);
    }
}

static void daemon_publish(LgSignaling *sig, guint64 participant, const char *offer, LgSdpFunc func,
                           gpointer user_data)
{
    Part *p = part_get((Daemon *)sig, participant);
    JsonObject *msg;

    p->publish_func = func;
    p->publish_data = user_data;
    if (!check_usable(p))
        return;
    msg = json_object_new();
    json_object_set_string_member(msg, "type", "media.publish");
    json_object_set_string_member(msg, "sdp", offer);
    p->publish_req = send_request(p, msg);
}

static void daemon_subscribe(LgSignaling *sig, guint64 participant, const guint64 *feeds,
                             guint n_feeds, LgSdpFunc func, gpointer user_data)
{
    Daemon *d = (Daemon *)sig;
    Part *p = part_get(d, participant);
    JsonArray *ids = json_array_new();
    JsonObject *msg;
    guint i;

    p->offer_func = func;
    p->offer_data = user_data;
    for (i = 0; i < n_feeds; i++) {
        Part *f = g_hash_table_lookup(d->parts, &feeds[i]);

        if (f == NULL || f->participant_id == 0) {
            json_array_unref(ids);
            part_fail(p, "feed %" G_GUINT64_FORMAT " has not joined", feeds[i]);
            return;
        }
        json_array_add_int_element(ids, (gint64)f->participant_id);
    }
    if (!check_usable(p)) {
        json_array_unref(ids);
        return;
    }
    msg = json_object_new();
    json_object_set_string_member(msg, "type", "media.subscribe");
    json_object_set_array_member(msg, "publishers", ids);
    p->subscribe_req = send_request(p, msg);
}

static void daemon_answer(LgSignaling *sig, guint64 participant, const char *answer,
                          LgDoneFunc func, gpointer user_data)
{
    Part *p = part_get((Daemon *)sig, participant);
    JsonObject *msg;

    p->answer_func = func;
    p->answer_data = user_data;
    if (!check_usable(p))
        return;
    msg = json_object_new();
    json_object_set_string_member(msg, "type", "media.answer");
    json_object_set_int_member(msg, "offer_id", p->offer_id);
    json_object_set_string_member(msg, "sdp", answer);
    p->answer_req = send_request(p, msg);
}

static void daemon_free(LgSignaling *sig)
{
    Daemon *d = (Daemon *)sig;

    g_cancellable_cancel(d->cancel);
    g_clear_pointer(&d->parts, g_hash_table_unref);
    g_clear_object(&d->http);
    g_clear_object(&d->cancel);
    g_strfreev(d->users);
    g_free(d->password);
    g_free(d->ws_url);
    g_free(d->base);
    g_free(d);
}

static const LgSignalingClass daemon_class = {
    .name = "phonghop",
    .open = daemon_open,
    .join = daemon_join,
    .publish = daemon_publish,
    .subscribe = daemon_subscribe,
    .answer = daemon_answer,
    .free = daemon_free,
};

LgSignaling *lg_daemon_new(const char *base, gint64 meeting_id, const char *const *users,
                           const char *password)
{
    Daemon *d = g_new0(Daemon, 1);
    g_autofree char *trimmed = g_strdup(base);

    while (g_str_has_suffix(trimmed, "/"))
        trimmed[strlen(trimmed) - 1] = '\0';
    d->parent.klass = &daemon_class;
    d->base = g_strdup(trimmed);
    d->ws_url = g_str_has_prefix(trimmed, "https:")
                    ? g_strconcat("wss:", trimmed + strlen("https:"), "/ws", NULL)
                    : g_strconcat("ws:", trimmed + strlen("http:"), "/ws", NULL);
    d->meeting_id = meeting_id;
    d->users = g_strdupv((char **)users);
    d->password = g_strdup(password);
    d->http = soup_session_new_with_options("proxy-resolver", NULL, "timeout", 30, NULL);
    d->cancel = g_cancellable_new();
    d->parts = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, part_free);
    return &d->parent;
}
