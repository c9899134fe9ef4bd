/* live-media.c: WebRTC signaling over the live WebSocket: joining a meeting's media,
 * publishing, receiving, renegotiation, trickled candidates, views and leaving
 * (docs/media-signaling.md).
 *
 * Design: a connection joins one meeting's media at a time. media.join checks the caller's
 * role in the meeting's body with one database job and maps it to the media role that decides
 * whether their microphone is gated (floor/floor-gate.h): chair, member, invited guest, staff
 * (the secretariat and administrators: gated like a guest) or, for a hall's equipment, a site
 * joined by the body's staff. The participant is then bound to the connection: a second join of
 * the same person (a tablet that reconnected) replaces the first, and a closed connection leaves.
 *
 * Each participant has two WebRTC connections to the room (media.h): one it publishes on (its
 * offer, our answer) and one it receives on (our offer, its answer). Receiving is declarative:
 * media.subscribe says whom to receive (everyone, or a list), and the server sends a new offer
 * whenever that set changes (someone publishes, republishes or leaves). Offers go one at a time:
 * a change while an offer is out waits for its answer (JSEP, RFC 8829: a connection takes a new
 * offer only once the last one is answered), so an answer always answers the last offer, which
 * the client names by its offer_id.
 *
 * The media library answers on this thread, later; a late answer for a participant that left or
 * joined again (told apart by a serial number per join), or after the media stopped, is dropped.
 * The server never parses SDP: it relays it, and reads only the m= lines of a publisher's offer
 * (to tell the others what it sends) and its DTLS fingerprint (a new one is a new connection,
 * whose receivers are re-offered in two steps: see on_publish_answer()).
 *
 * ICE restarts (RFC 8445 §9): the publishing connection restarts with a new offer of the
 * client's (media.publish, new credentials, same fingerprint); the receiving one with a new offer
 * of ours (media.ice_restart), which waits its turn like any other offer.
 */
#include "live-media-private.h"

#include "live-private.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-media"

#define MAX_CANDIDATE_BYTES 1024
#define MAX_PUBLISHERS      64
#define MAX_VIEW_PIXELS     16384

/* ---- sending ---- */

static void send_node(WsConn *conn, JsonBuilder *b)
{
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    ws_conn_send_json(conn, node);
}

/* {"type", "id" (when the request had one), "meeting_id"} */
static JsonBuilder *reply_begin(const char *type, JsonNode *ref, gint64 meeting_id)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, type);
    if (ref) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(ref));
    }
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, meeting_id);
    return b;
}

/* {"type":"error","code","message","ref","meeting_id"}: live.c's error with the meeting named. */
static void send_error(WsConn *conn, const char *code, JsonNode *ref, gint64 meeting_id,
                       const char *format, ...) G_GNUC_PRINTF(5, 6);
static void send_error(WsConn *conn, const char *code, JsonNode *ref, gint64 meeting_id,
                       const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    live_send_error_v(conn, code, ref, meeting_id, format, ap);
    va_end(ap);
}

/* The code a client sees for an error of the media library. */
static const char *media_error_code(const GError *e)
{
    if (e->domain == MEDIA_SDP_ERROR)
        return "sdp_rejected";
    if (e->domain == MEDIA_ERROR) {
        switch ((MediaError)e->code) {
        case MEDIA_ERROR_BUSY:
            return "busy";
        case MEDIA_ERROR_NOT_FOUND:
            return "not_joined";
        case MEDIA_ERROR_INVALID:
            return "malformed";
        case MEDIA_ERROR_EXISTS:
        case MEDIA_ERROR_FAILED:
            break;
        }
    }
    return "media_failed";
}

void live_media_send_all(MediaMeeting *mm, JsonNode *node, gboolean chairs_only)
{
    g_autofree char *text = json_to_string(node, FALSE);
    gsize len = strlen(text);
    GHashTableIter iter;
    Participant *p;

    g_hash_table_iter_init(&iter, mm->participants);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&p)) {
        if (!p->conn ||
            (chairs_only && p->role != MEDIA_ROLE_CHAIR && !g_str_equal(p->role_name, "staff")))
            continue;
        ws_conn_send(p->conn, text, len);
    }
}

static void add_nullable_id(JsonBuilder *b, const char *name, gint64 id)
{
    json_builder_set_member_name(b, name);
    if (id)
        json_builder_add_int_value(b, id);
    else
        json_builder_add_null_value(b);
}

static gint compare_participants(gconstpointer a, gconstpointer b)
{
    const Participant *pa = *(Participant *const *)a, *pb = *(Participant *const *)b;
    return pa->id < pb->id ? -1 : pa->id > pb->id;
}

JsonNode *live_media_peers_json(MediaMeeting *mm)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GPtrArray) list = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, mm->participants);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(list, value);
    g_ptr_array_sort(list, compare_participants);
    json_builder_begin_array(b);
    for (guint i = 0; i < list->len; i++) {
        const Participant *p = list->pdata[i];
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "participant_id");
        json_builder_add_int_value(b, (gint64)p->id);
        add_nullable_id(b, "user_id", p->site_id ? 0 : p->user_id);
        add_nullable_id(b, "site_id", p->site_id);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, p->name);
        json_builder_set_member_name(b, "role");
        json_builder_add_string_value(b, p->role_name);
        json_builder_set_member_name(b, "connected");
        json_builder_add_boolean_value(b, p->connected);
        if (p->camera) {
            json_builder_set_member_name(b, "camera");
            json_builder_add_string_value(b, p->camera_state);
        }
        json_builder_set_member_name(b, "publishing");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "audio");
        json_builder_add_boolean_value(b, p->publishing && p->n_audio > 0);
        json_builder_set_member_name(b, "video");
        json_builder_add_boolean_value(b, p->publishing && p->n_video > 0);
        json_builder_set_member_name(b, "layers");
        json_builder_add_int_value(b, p->publishing ? p->n_layers : 0);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "muted");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "audio");
        json_builder_add_boolean_value(b, p->muted_audio);
        json_builder_set_member_name(b, "video");
        json_builder_add_boolean_value(b, p->muted_video);
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}

void live_media_broadcast_peers(MediaMeeting *mm)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "media.peers");
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, mm->meeting_id);
    json_builder_set_member_name(b, "peers");
    json_builder_add_value(b, live_media_peers_json(mm));
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    live_media_send_all(mm, node, FALSE);
}

/* ---- participants ---- */

Participant *live_media_participant(MediaMeeting *mm, guint64 participant_id)
{
    return g_hash_table_lookup(mm->participants, &participant_id);
}

void live_media_participant_free(gpointer data)
{
    Participant *p = data;

    g_clear_pointer(&p->camera, media_camera_free); /* before its room goes */
    g_free(p->camera_url);
    g_clear_pointer(&p->conn, ws_conn_unref);
    g_clear_pointer(&p->sub_ids, g_array_unref);
    g_clear_pointer(&p->held, g_array_unref);
    g_clear_pointer(&p->sub_restart_ref, json_node_unref);
    g_free(p->pub_fingerprint);
    g_free(p->name);
    g_free(p);
}

static void resubscribe(Participant *p);
static void restart_receiving(Participant *p, JsonNode *ref);

/* Every other participant that receives @changed (or everyone, @changed 0) gets a new offer.
 * @hold: @changed publishes on a new connection: it is first left out of their offers, then
 * put back (see on_publish_answer()). */
static void resubscribe_others(MediaMeeting *mm, guint64 changed, guint64 except, gboolean hold)
{
    GHashTableIter iter;
    Participant *q;

    g_hash_table_iter_init(&iter, mm->participants);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&q)) {
        if (q->id == except || !q->sub_wanted)
            continue;
        gboolean wants = q->sub_all || changed == 0;
        for (guint i = 0; !wants && i < q->sub_ids->len; i++)
            wants = g_array_index(q->sub_ids, guint64, i) == changed;
        if (!wants)
            continue;
        if (hold)
            g_array_append_val(q->held, changed);
        resubscribe(q);
    }
}

/* @p leaves: out of the room and the tables; @reason (NULL: none) is sent to its connection. */
static void participant_leave(Participant *p, const char *reason, JsonNode *ref)
{
    MediaMeeting *mm = p->mm;
    LiveMedia *lm = mm->lm;
    guint64 id = p->id;
    g_autoptr(GError) error = NULL;

    g_info("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
           " (%s): left the media%s%s",
           mm->meeting_id, id, p->name, reason ? ": " : "", reason ? reason : "");
    g_clear_pointer(&p->camera, media_camera_free); /* no packet after this */
    if (mm->room && !media_room_remove_participant(mm->room, id, &error))
        g_warning("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": %s",
                  mm->meeting_id, id, error->message);
    if (p->conn)
        g_hash_table_remove(lm->by_conn, p->conn);
    g_hash_table_steal(mm->participants, &id);
    if (reason && p->conn && ws_conn_is_open(p->conn)) {
        g_autoptr(JsonBuilder) b = reply_begin("media.left", ref, mm->meeting_id);
        json_builder_set_member_name(b, "reason");
        json_builder_add_string_value(b, reason);
        send_node(p->conn, b);
    }
    live_media_gate_left(mm, p);
    if (mm->speaker == id)
        mm->speaker = 0;
    live_media_participant_free(p);
    if (g_hash_table_size(mm->participants) > 0) {
        resubscribe_others(mm, id, 0, FALSE);
        live_media_broadcast_peers(mm);
    }
    live_media_meeting_tidy(mm);
}

/* ---- replies of the media library ---- */

typedef enum {
    REQ_PUBLISH,
    REQ_SUBSCRIBE,
    REQ_ANSWER,
} RequestKind;

typedef struct {
    LiveMedia *lm; /* NULL once the media stopped */
    RequestKind kind;
    gint64 meeting_id;
    guint64 participant_id;
    guint64 serial;
    JsonNode *ref;
    guint n_audio, n_video, n_layers; /* REQ_PUBLISH: what the offer sends */
    char *fingerprint;                /* REQ_PUBLISH: the offer's DTLS fingerprint */
    gboolean restart;                 /* REQ_SUBSCRIBE: an ICE restart of the receiving side */
    guint offer_id;                   /* REQ_ANSWER */
} Request;

static Request *request_new(Participant *p, RequestKind kind, JsonNode *ref)
{
    Request *r = g_new0(Request, 1);
    r->lm = p->mm->lm;
    r->kind = kind;
    r->meeting_id = p->mm->meeting_id;
    r->participant_id = p->id;
    r->serial = p->serial;
    r->ref = ref ? json_node_copy(ref) : NULL;
    g_hash_table_add(r->lm->pending, r);
    return r;
}

static void request_free(Request *r)
{
    if (r->lm)
        g_hash_table_remove(r->lm->pending, r);
    if (r->ref)
        json_node_unref(r->ref);
    g_free(r->fingerprint);
    g_free(r);
}

void live_media_pending_orphan(gpointer key, gpointer value, gpointer user_data)
{
    ((Request *)key)->lm = NULL;
}

/* The participant the reply is for, when it is still the one that asked. */
static Participant *request_participant(Request *r)
{
    MediaMeeting *mm;
    Participant *p;

    if (!r->lm)
        return NULL;
    mm = g_hash_table_lookup(r->lm->meetings, &r->meeting_id);
    p = mm ? live_media_participant(mm, r->participant_id) : NULL;
    return p && p->serial == r->serial ? p : NULL;
}

/* {"type", "id", "meeting_id", "offer_id" (when not 0), "sdp" (when not NULL)} */
static void send_sdp(WsConn *conn, const char *type, JsonNode *ref, gint64 meeting_id,
                     guint offer_id, const char *sdp)
{
    g_autoptr(JsonBuilder) b = reply_begin(type, ref, meeting_id);
    if (offer_id) {
        json_builder_set_member_name(b, "offer_id");
        json_builder_add_int_value(b, offer_id);
    }
    if (sdp) {
        json_builder_set_member_name(b, "sdp");
        json_builder_add_string_value(b, sdp);
    }
    send_node(conn, b);
}

/* A negotiation of the receiving connection ended: start what waited for it. */
static void next_negotiation(Participant *p)
{
    if (p->sub_state != SUB_IDLE)
        return;
    if (p->sub_restart) {
        g_autoptr(JsonNode) ref = g_steal_pointer(&p->sub_restart_ref);
        p->sub_restart = FALSE;
        restart_receiving(p, ref);
    } else if (p->sub_dirty) {
        resubscribe(p);
    }
}

/* The negotiation that left the held publishers out is over: the next one puts them back. */
static void release_held(Participant *p)
{
    if (!p->holding)
        return;
    p->holding = FALSE;
    g_array_set_size(p->held, 0);
    p->sub_dirty = TRUE;
}

static gboolean is_held(Participant *p, guint64 id)
{
    for (guint i = 0; i < p->held->len; i++)
        if (g_array_index(p->held, guint64, i) == id)
            return TRUE;
    return FALSE;
}

static void on_publish_answer(gpointer user_data, const char *sdp, const GError *error)
{
    Request *r = user_data;
    Participant *p = request_participant(r);

    if (!p)
        goto out;
    if (error) {
        send_error(p->conn, media_error_code(error), r->ref, r->meeting_id, "%s", error->message);
        goto out;
    }
    if (!sdp) /* not expected of a publish; nothing to tell */
        goto out;
    send_sdp(p->conn, "media.answer", r->ref, r->meeting_id, 0, sdp);
    /* A new publishing connection (another DTLS fingerprint: media.h) replaces the old one and
     * its tracks; new ICE credentials alone restart ICE on the same one, and its tracks go on.
     * After a new connection, its receivers keep their sections and SSRCs, but the room starts a
     * new stream in each (new sequence numbers and timestamps), which a browser already
     * receiving there drops as out of order. So the receivers first get an offer without this
     * publisher (their streams end), then one with it again (new streams): the same as when
     * someone leaves and joins again. */
    gboolean renewed =
        p->publishing && g_ascii_strcasecmp(p->pub_fingerprint ? p->pub_fingerprint : "",
                                            r->fingerprint ? r->fingerprint : "") != 0;
    p->publishing = TRUE;
    p->n_audio = r->n_audio;
    p->n_video = r->n_video;
    p->n_layers = r->n_layers;
    g_free(p->pub_fingerprint);
    p->pub_fingerprint = g_strdup(r->fingerprint);
    resubscribe_others(p->mm, p->id, p->id, renewed);
    live_media_broadcast_peers(p->mm);
out:
    request_free(r);
}

static void on_subscribe_offer(gpointer user_data, const char *sdp, const GError *error)
{
    Request *r = user_data;
    Participant *p = request_participant(r);

    if (!p)
        goto out;
    p->sub_state = SUB_IDLE;
    if (!sdp || error)
        release_held(p);
    if (error && r->restart && g_error_matches(error, MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND)) {
        send_error(p->conn, "no_connection", r->ref, r->meeting_id,
                   "there is no receiving connection to restart yet (send media.subscribe)");
    } else if (error) {
        gboolean too_many = g_error_matches(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE);
        send_error(p->conn, too_many ? "too_many_tracks" : media_error_code(error), r->ref,
                   r->meeting_id, "%s", error->message);
    } else if (sdp) {
        if (r->restart)
            send_sdp(p->conn, "media.ice_restarting", r->ref, r->meeting_id, 0, NULL);
        send_sdp(p->conn, "media.offer", NULL, r->meeting_id, ++p->offer_id, sdp);
        p->sub_state = SUB_OFFERED;
        goto out;
    }
    next_negotiation(p);
out:
    request_free(r);
}

static void on_answer_applied(gpointer user_data, const char *sdp, const GError *error)
{
    Request *r = user_data;
    Participant *p = request_participant(r);

    if (!p)
        goto out;
    if (error) {
        p->sub_state = SUB_OFFERED; /* the offer still waits: a corrected answer may follow */
        send_error(p->conn, media_error_code(error), r->ref, r->meeting_id, "%s", error->message);
        goto out;
    }
    p->sub_state = SUB_IDLE;
    send_sdp(p->conn, "media.answered", r->ref, r->meeting_id, r->offer_id, NULL);
    release_held(p);
    next_negotiation(p);
out:
    request_free(r);
}

/* Asks the room for what @p should receive now; the offer (if anything changed) goes to the
 * client. One negotiation at a time: a change meanwhile is remembered and made afterwards. */
static void resubscribe(Participant *p)
{
    MediaMeeting *mm = p->mm;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autoptr(GError) error = NULL;
    GHashTableIter iter;
    Participant *q;
    Request *r;

    if (!p->sub_wanted || !mm->room)
        return;
    if (p->sub_state != SUB_IDLE) {
        p->sub_dirty = TRUE;
        return;
    }
    p->sub_dirty = FALSE;
    if (p->sub_all) {
        g_hash_table_iter_init(&iter, mm->participants);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&q))
            if (q != p && q->publishing && !is_held(p, q->id))
                g_array_append_val(ids, q->id);
    } else {
        for (guint i = 0; i < p->sub_ids->len; i++) {
            guint64 id = g_array_index(p->sub_ids, guint64, i);
            q = live_media_participant(mm, id);
            if (q && q != p && q->publishing && !is_held(p, id))
                g_array_append_val(ids, id);
        }
    }
    p->holding = p->held->len > 0;
    r = request_new(p, REQ_SUBSCRIBE, NULL);
    if (!media_room_subscribe(mm->room, p->id, (const guint64 *)(gpointer)ids->data, ids->len,
                              on_subscribe_offer, r, &error)) {
        request_free(r);
        p->holding = FALSE;
        g_array_set_size(p->held, 0);
        send_error(p->conn, media_error_code(error), NULL, mm->meeting_id,
                   "cannot update what you receive now (%s): send media.subscribe again",
                   error->message);
        return;
    }
    p->sub_state = SUB_MAKING;
}

/* A new offer of ours with new ICE credentials for @p's receiving connection, after the
 * negotiation in flight if there is one. */
static void restart_receiving(Participant *p, JsonNode *ref)
{
    g_autoptr(GError) error = NULL;
    Request *r;

    if (p->sub_state != SUB_IDLE) {
        p->sub_restart = TRUE;
        if (ref && !p->sub_restart_ref)
            p->sub_restart_ref = json_node_copy(ref);
        return;
    }
    r = request_new(p, REQ_SUBSCRIBE, ref);
    r->restart = TRUE;
    if (!media_room_restart_ice(p->mm->room, p->id, on_subscribe_offer, r, &error)) {
        request_free(r);
        send_error(p->conn, media_error_code(error), ref, p->mm->meeting_id, "%s", error->message);
        return;
    }
    p->sub_state = SUB_MAKING;
}

/* ---- reading messages ---- */

/* A member that is a JSON integer; FALSE when absent, null or not an integer. */
static gboolean get_int(JsonObject *msg, const char *name, gint64 *out)
{
    JsonNode *n = json_object_get_member(msg, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    *out = json_node_get_int(n);
    return TRUE;
}

static gboolean is_absent(JsonObject *msg, const char *name)
{
    JsonNode *n = json_object_get_member(msg, name);
    return !n || JSON_NODE_HOLDS_NULL(n);
}

static const char *get_string(JsonObject *msg, const char *name)
{
    JsonNode *n = json_object_get_member(msg, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* What a publisher's offer sends, from its m= sections (RFC 8866 §5.14) and their direction
 * and rid lines (RFC 8851), for media.peers; and its first DTLS fingerprint (RFC 8122 §5),
 * which tells a new connection from a renegotiation or ICE restart of the same one
 * (@fingerprint: transfer full, NULL when there is none). */
static void scan_offer(const char *sdp, guint *n_audio, guint *n_video, guint *n_layers,
                       char **fingerprint)
{
    int kind = 0; /* 0 none or other, 1 audio, 2 video */
    gboolean rejected = FALSE, sending = TRUE, bundle_only = FALSE;
    guint rids = 0;
    const char *line = sdp;

    *n_audio = *n_video = *n_layers = 0;
    for (;;) {
        const char *end = strchr(line, '\n');
        gsize len = end ? (gsize)(end - line) : strlen(line);
        gboolean last = end == NULL;
        gboolean section = len >= 2 && g_str_has_prefix(line, "m=");

        if (section || last) {
            /* Port 0 rejects a section, except one offered bundle-only (RFC 8843 §6.1). */
            if (kind && (!rejected || bundle_only) && sending) {
                if (kind == 1)
                    (*n_audio)++;
                else {
                    (*n_video)++;
                    *n_layers = MAX(*n_layers, MAX(rids, 1));
                }
            }
            kind = 0;
            if (section) {
                kind = g_str_has_prefix(line, "m=audio ")   ? 1
                       : g_str_has_prefix(line, "m=video ") ? 2
                                                            : 0;
                rejected = kind && strncmp(line + 8, "0 ", 2) == 0;
                sending = TRUE;
                bundle_only = FALSE;
                rids = 0;
            }
        }
        if (last)
            break;
        if (g_str_has_prefix(line, "a=sendonly") || g_str_has_prefix(line, "a=sendrecv"))
            sending = TRUE;
        else if (g_str_has_prefix(line, "a=recvonly") || g_str_has_prefix(line, "a=inactive"))
            sending = FALSE;
        else if (g_str_has_prefix(line, "a=bundle-only"))
            bundle_only = TRUE;
        else if (!*fingerprint && g_str_has_prefix(line, "a=fingerprint:"))
            *fingerprint = g_strstrip(g_strndup(line + 14, MIN(len - 14, 256)));
        else if (g_str_has_prefix(line, "a=rid:")) {
            const char *sp = memchr(line, ' ', len);
            if (sp && (gsize)(line + len - sp) >= 5 && strncmp(sp, " send", 5) == 0)
                rids++;
        }
        line = end + 1;
    }
}

/* The participant @conn joined as, when the message names its meeting; else an error is sent
 * and NULL returned. */
static Participant *joined(LiveMedia *lm, WsConn *conn, JsonObject *msg, const char *type,
                           JsonNode *id)
{
    gint64 meeting_id = 0;
    Participant *p;

    if (!get_int(msg, "meeting_id", &meeting_id) || meeting_id <= 0) {
        send_error(conn, "malformed", id, 0, "%s needs a positive integer 'meeting_id'", type);
        return NULL;
    }
    p = g_hash_table_lookup(lm->by_conn, conn);
    if (!p || p->mm->meeting_id != meeting_id || !p->mm->room) {
        send_error(conn, "not_joined", id, meeting_id,
                   "this connection has not joined the media of meeting %" G_GINT64_FORMAT
                   " (send media.join first)",
                   meeting_id);
        return NULL;
    }
    return p;
}

/* ---- media.join ---- */

typedef struct {
    WsConn *conn;
    JsonNode *ref;
    gint64 meeting_id, site_id, user_id;
    gboolean screen; /* a hall screen bound to site_id (its token checked at screen.auth) */
    char *username;
    /* out */
    gboolean found, site_found;
    char *status;
    gboolean chair, member, guest, staff, system_admin;
    char *full_name;
    char *site_name;
} JoinLookup;

static void join_lookup_free(gpointer data)
{
    JoinLookup *j = data;
    ws_conn_unref(j->conn);
    if (j->ref)
        json_node_unref(j->ref);
    g_free(j->username);
    g_free(j->status);
    g_free(j->full_name);
    g_free(j->site_name);
    g_free(j);
}

static gboolean join_lookup_job(DbConn *conn, gpointer data, GError **error)
{
    JoinLookup *j = data;
    char mid[24], uid[24], sid[24];
    g_snprintf(mid, sizeof(mid), "%" G_GINT64_FORMAT, j->meeting_id);
    g_snprintf(uid, sizeof(uid), "%" G_GINT64_FORMAT, j->user_id);
    g_snprintf(sid, sizeof(sid), "%" G_GINT64_FORMAT, j->site_id);
    const char *p[] = {mid, uid, sid};
    if (j->screen) {
        g_autoptr(DbRows) s = db_conn_exec(
            conn,
            "SELECT m.status, (SELECT name FROM sites t WHERE t.id = $2 AND t.body_id = m.body_id) "
            "FROM meetings m WHERE m.id = $1",
            2, (const char *[]){mid, sid}, error);
        if (!s)
            return FALSE;
        if (db_rows_count(s) != 1)
            return TRUE;
        j->found = TRUE;
        j->status = g_strdup(db_rows_get(s, 0, 0));
        j->site_found = !db_rows_is_null(s, 0, 1);
        if (j->site_found)
            j->site_name = g_strdup(db_rows_get(s, 0, 1));
        return TRUE;
    }
    /* The caller's roles in the meeting's body; a guest counts only when invited. */
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT m.status, "
        "  coalesce(bool_or(s.role = 'chair'), false), "
        "  coalesce(bool_or(s.role = 'member'), false), "
        "  coalesce(bool_or(s.role = 'guest'), false) AND EXISTS (SELECT 1 FROM invitations i "
        "    WHERE i.meeting_id = m.id AND i.user_id = $2), "
        "  coalesce(bool_or(s.role IN ('admin', 'secretariat')), false), "
        "  u.is_system_admin, u.full_name, "
        "  (SELECT name FROM sites t WHERE t.id = $3 AND t.body_id = m.body_id) "
        "FROM meetings m JOIN users u ON u.id = $2 "
        "LEFT JOIN memberships s ON s.body_id = m.body_id AND s.user_id = $2 "
        "WHERE m.id = $1 GROUP BY m.id, u.id",
        3, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) != 1)
        return TRUE;
    j->found = TRUE;
    j->status = g_strdup(db_rows_get(r, 0, 0));
    j->chair = db_rows_get_bool(r, 0, 1);
    j->member = db_rows_get_bool(r, 0, 2);
    j->guest = db_rows_get_bool(r, 0, 3);
    j->staff = db_rows_get_bool(r, 0, 4);
    j->system_admin = db_rows_get_bool(r, 0, 5);
    j->full_name = g_strdup(db_rows_get(r, 0, 6));
    j->site_found = !db_rows_is_null(r, 0, 7);
    if (j->site_found)
        j->site_name = g_strdup(db_rows_get(r, 0, 7));
    return TRUE;
}

static void send_joined(Participant *p, LiveMedia *lm, const char *username, JsonNode *ref)
{
    MediaMeeting *mm = p->mm;
    g_autofree char *servers = media_ice_config_dup_ice_servers_json(
        lm->ice, username, g_get_real_time() / G_USEC_PER_SEC);
    g_autoptr(JsonNode) servers_node = json_from_string(servers, NULL);
    g_autoptr(JsonBuilder) b = reply_begin("media.joined", ref, mm->meeting_id);

    json_builder_set_member_name(b, "participant_id");
    json_builder_add_int_value(b, (gint64)p->id);
    json_builder_set_member_name(b, "role");
    json_builder_add_string_value(b, p->role_name);
    json_builder_set_member_name(b, "ice_servers");
    if (servers_node)
        json_builder_add_value(b, g_steal_pointer(&servers_node));
    else {
        json_builder_begin_array(b);
        json_builder_end_array(b);
    }
    json_builder_set_member_name(b, "peers");
    json_builder_add_value(b, live_media_peers_json(mm));
    json_builder_set_member_name(b, "floor");
    json_builder_begin_object(b);
    add_nullable_id(b, "participant_id", (gint64)live_media_floor_participant(mm));
    add_nullable_id(b, "user_id", mm->floor_user);
    json_builder_set_member_name(b, "open_microphones");
    json_builder_add_boolean_value(b, mm->open_microphones);
    json_builder_end_object(b);
    add_nullable_id(b, "speaker", (gint64)mm->speaker);
    send_node(p->conn, b);
}

static void join_lookup_done(gpointer data, const GError *error, gpointer user_data)
{
    JoinLookup *j = data;
    LiveMedia *lm = live_media_current();
    g_autoptr(GError) local = NULL;
    guint64 id;
    MediaRole role;
    const char *role_name, *name;
    MediaMeeting *mm;
    MediaRoom *room;
    Participant *p, *old;

    if (!lm || !g_hash_table_remove(lm->joining, j->conn) || !ws_conn_is_open(j->conn))
        return;
    if (error) {
        send_error(j->conn, "database_unavailable", j->ref, j->meeting_id,
                   "cannot check your role in the meeting right now: join again in a few seconds");
        return;
    }
    if (!j->found) {
        send_error(j->conn, "not_found", j->ref, j->meeting_id, "no meeting %" G_GINT64_FORMAT,
                   j->meeting_id);
        return;
    }
    if (!g_str_equal(j->status, "open") && !g_str_equal(j->status, "scheduled")) {
        send_error(j->conn, "meeting_state", j->ref, j->meeting_id,
                   "meeting %" G_GINT64_FORMAT " is %s: its media is open only while it is "
                   "scheduled or open",
                   j->meeting_id, j->status);
        return;
    }
    if (j->site_id) {
        if (!j->site_found) {
            send_error(j->conn, "not_found", j->ref, j->meeting_id,
                       "site %" G_GINT64_FORMAT " is not a site of the meeting's body", j->site_id);
            return;
        }
        if (!j->screen && !j->staff && !j->system_admin) {
            send_error(j->conn, "forbidden", j->ref, j->meeting_id,
                       "only the body's secretariat or administrators, or a screen bound to the "
                       "site, join for a site (hall)");
            return;
        }
        id = LIVE_MEDIA_SITE_BASE + (guint64)j->site_id;
        role = MEDIA_ROLE_SITE;
        role_name = "site";
        name = j->site_name;
    } else {
        id = (guint64)j->user_id;
        name = j->full_name;
        if (j->chair) {
            role = MEDIA_ROLE_CHAIR;
            role_name = "chair";
        } else if (j->member) {
            role = MEDIA_ROLE_MEMBER;
            role_name = "member";
        } else if (j->guest) {
            role = MEDIA_ROLE_GUEST;
            role_name = "guest";
        } else if (j->staff) {
            role = MEDIA_ROLE_GUEST; /* heard only when given the floor, like a guest */
            role_name = "staff";
        } else {
            send_error(j->conn, "forbidden", j->ref, j->meeting_id,
                       "you have no role in meeting %" G_GINT64_FORMAT
                       " (members, chairs, invited guests and the body's staff join its media)",
                       j->meeting_id);
            return;
        }
    }

    mm = g_hash_table_lookup(lm->meetings, &j->meeting_id);
    old = mm ? live_media_participant(mm, id) : NULL;
    if (old) /* the same person (or hall) from another connection: the newer one wins */
        participant_leave(old, "replaced", NULL);
    mm = live_media_meeting_ensure(lm, j->meeting_id);
    room = live_media_meeting_room(mm, &local);
    if (!room || !media_room_add_participant(room, id, name, role, &local)) {
        send_error(j->conn, media_error_code(local), j->ref, j->meeting_id, "%s", local->message);
        live_media_meeting_tidy(mm);
        return;
    }
    p = g_new0(Participant, 1);
    p->mm = mm;
    p->id = id;
    p->serial = ++lm->next_serial;
    p->user_id = j->user_id;
    p->site_id = j->site_id;
    p->name = g_strdup(name);
    p->role = role;
    p->role_name = role_name;
    p->conn = ws_conn_ref(j->conn);
    p->sub_ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    p->held = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_hash_table_insert(mm->participants, &p->id, p);
    g_hash_table_insert(lm->by_conn, p->conn, p);
    g_info("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT " (%s, %s): joined the "
           "media on worker %u",
           mm->meeting_id, id, name, role_name, media_room_get_worker_index(room));
    live_media_gate_joined(mm, p);
    send_joined(p, lm, j->username, j->ref);
    live_media_broadcast_peers(mm);
}

static void handle_join(LiveMedia *lm, WsConn *conn, gint64 user_id, const char *username,
                        const ScreenBinding *screen, JsonObject *msg, JsonNode *id)
{
    g_autofree char *screen_user = NULL;
    gint64 meeting_id = 0, site_id = 0;
    Participant *p;
    JoinLookup *j;

    if (!get_int(msg, "meeting_id", &meeting_id) || meeting_id <= 0) {
        send_error(conn, "malformed", id, 0, "media.join needs a positive integer 'meeting_id'");
        return;
    }
    if (!is_absent(msg, "site_id") && (!get_int(msg, "site_id", &site_id) || site_id <= 0)) {
        send_error(conn, "malformed", id, meeting_id,
                   "'site_id' is the id of a site (a hall), a positive integer, or absent");
        return;
    }
    /* A hall screen joins its own meeting as its site, whoever else is signed in on it. */
    if (screen && (screen->meeting_id != meeting_id || screen->expires_us <= g_get_real_time()))
        screen = NULL;
    if (screen && site_id && site_id != screen->site_id) {
        send_error(conn, "forbidden", id, meeting_id,
                   "this screen is bound to site %" G_GINT64_FORMAT ", not site %" G_GINT64_FORMAT,
                   screen->site_id, site_id);
        return;
    }
    if (!user_id && !screen) {
        send_error(conn, "unauthenticated", id, meeting_id,
                   "sign in, or bind this screen to a site (screen.auth), to join a meeting's "
                   "media");
        return;
    }
    if (screen) {
        screen_user = g_strdup_printf("screen-%" G_GINT64_FORMAT, screen->screen_id);
        username = screen_user;
    }
    p = g_hash_table_lookup(lm->by_conn, conn);
    if (p || g_hash_table_contains(lm->joining, conn)) {
        send_error(conn, "already_joined", id, meeting_id,
                   "this connection has joined the media of meeting %" G_GINT64_FORMAT
                   " already (send media.leave first)",
                   p ? p->mm->meeting_id : meeting_id);
        return;
    }
    g_hash_table_add(lm->joining, ws_conn_ref(conn));
    j = g_new0(JoinLookup, 1);
    j->conn = ws_conn_ref(conn);
    j->ref = id ? json_node_copy(id) : NULL;
    j->meeting_id = meeting_id;
    j->site_id = screen ? screen->site_id : site_id;
    j->user_id = screen ? 0 : user_id;
    j->screen = screen != NULL;
    j->username = g_strdup(username);
    db_pool_run(lm->app->db, join_lookup_job, j, join_lookup_free, join_lookup_done, NULL);
}

/* ---- the other messages ---- */

static void handle_leave(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.leave", id);
    if (p)
        participant_leave(p, "left", id);
}

static void handle_publish(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.publish", id);
    const char *sdp = get_string(msg, "sdp");
    g_autoptr(GError) error = NULL;
    Request *r;

    if (!p)
        return;
    if (!sdp || !*sdp) {
        send_error(conn, "malformed", id, p->mm->meeting_id,
                   "media.publish needs 'sdp': the offer's SDP text");
        return;
    }
    r = request_new(p, REQ_PUBLISH, id);
    scan_offer(sdp, &r->n_audio, &r->n_video, &r->n_layers, &r->fingerprint);
    if (!media_room_publish(p->mm->room, p->id, sdp, on_publish_answer, r, &error)) {
        request_free(r);
        send_error(conn, media_error_code(error), id, p->mm->meeting_id, "%s", error->message);
    }
}

static void handle_subscribe(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.subscribe", id);
    JsonNode *list;
    g_autoptr(GArray) ids = NULL;

    if (!p)
        return;
    list = json_object_get_member(msg, "publishers");
    if (list && !JSON_NODE_HOLDS_NULL(list)) {
        JsonArray *a = JSON_NODE_HOLDS_ARRAY(list) ? json_node_get_array(list) : NULL;
        guint n = a ? json_array_get_length(a) : 0;
        if (!a || n > MAX_PUBLISHERS)
            goto malformed;
        ids = g_array_new(FALSE, FALSE, sizeof(guint64));
        for (guint i = 0; i < n; i++) {
            JsonNode *e = json_array_get_element(a, i);
            if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64 ||
                json_node_get_int(e) <= 0)
                goto malformed;
            guint64 v = (guint64)json_node_get_int(e);
            g_array_append_val(ids, v);
        }
    }
    p->sub_wanted = TRUE;
    p->sub_all = ids == NULL;
    g_array_set_size(p->sub_ids, 0);
    if (ids)
        g_array_append_vals(p->sub_ids, ids->data, ids->len);
    send_sdp(conn, "media.subscribed", id, p->mm->meeting_id, 0, NULL);
    resubscribe(p);
    return;

malformed:
    send_error(conn, "malformed", id, p->mm->meeting_id,
               "'publishers' is absent (everyone), or a list of at most %d participant ids",
               MAX_PUBLISHERS);
}

static void handle_answer(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.answer", id);
    const char *sdp = get_string(msg, "sdp");
    gint64 offer_id = 0;
    g_autoptr(GError) error = NULL;
    Request *r;

    if (!p)
        return;
    if (!sdp || !*sdp || !get_int(msg, "offer_id", &offer_id)) {
        send_error(conn, "malformed", id, p->mm->meeting_id,
                   "media.answer needs 'offer_id' (of the media.offer it answers) and 'sdp'");
        return;
    }
    if (p->sub_state != SUB_OFFERED || offer_id != (gint64)p->offer_id) {
        send_error(conn, "no_offer", id, p->mm->meeting_id,
                   "offer %" G_GINT64_FORMAT " is not waiting for an answer%s", offer_id,
                   p->sub_state == SUB_OFFERED ? " (answer the latest media.offer)" : "");
        return;
    }
    r = request_new(p, REQ_ANSWER, id);
    r->offer_id = p->offer_id;
    if (!media_room_answer(p->mm->room, p->id, sdp, on_answer_applied, r, &error)) {
        request_free(r);
        send_error(conn, media_error_code(error), id, p->mm->meeting_id, "%s", error->message);
        return;
    }
    p->sub_state = SUB_ANSWERING;
}

/* Which connection a message names: "publish" (FALSE) or "subscribe" (TRUE); -1 otherwise. */
static int connection_side(JsonObject *msg)
{
    const char *side = get_string(msg, "connection");
    if (side && g_str_equal(side, "publish"))
        return 0;
    if (side && g_str_equal(side, "subscribe"))
        return 1;
    return -1;
}

static void handle_candidate(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.candidate", id);
    int side = connection_side(msg);
    const char *candidate = get_string(msg, "candidate");
    g_autoptr(GError) error = NULL;

    if (!p)
        return;
    if (side < 0 || (!candidate && !is_absent(msg, "candidate")) ||
        (candidate && strlen(candidate) > MAX_CANDIDATE_BYTES)) {
        send_error(conn, "malformed", id, p->mm->meeting_id,
                   "media.candidate needs 'connection' (\"publish\" or \"subscribe\") and "
                   "'candidate': the candidate's text (at most %d bytes), or null for the end "
                   "of candidates",
                   MAX_CANDIDATE_BYTES);
        return;
    }
    if (candidate && !*candidate)
        candidate = NULL; /* RTCIceCandidate with an empty candidate: end of this generation */
    if (!media_room_add_candidate(p->mm->room, p->id, side == 1, candidate, &error))
        send_error(conn, media_error_code(error), id, p->mm->meeting_id, "%s", error->message);
}

static void handle_view(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.view", id);
    gint64 publisher = 0, width = -1, height = -1;
    g_autoptr(GError) error = NULL;

    if (!p)
        return;
    if (!get_int(msg, "publisher", &publisher) || publisher <= 0 ||
        !get_int(msg, "width", &width) || !get_int(msg, "height", &height) || width < 0 ||
        height < 0 || width > MAX_VIEW_PIXELS || height > MAX_VIEW_PIXELS) {
        send_error(conn, "malformed", id, p->mm->meeting_id,
                   "media.view needs 'publisher' (a participant id) and the view's 'width' and "
                   "'height' in pixels (0 to %d; 0 x 0: not shown)",
                   MAX_VIEW_PIXELS);
        return;
    }
    if (!live_media_participant(p->mm, (guint64)publisher)) {
        send_error(conn, "not_found", id, p->mm->meeting_id,
                   "participant %" G_GINT64_FORMAT " is not in the meeting's media", publisher);
        return;
    }
    if (!media_room_set_view(p->mm->room, p->id, (guint64)publisher, (guint)width, (guint)height,
                             &error)) {
        send_error(conn, media_error_code(error), id, p->mm->meeting_id, "%s", error->message);
        return;
    }
    g_autoptr(JsonBuilder) b = reply_begin("media.viewed", id, p->mm->meeting_id);
    json_builder_set_member_name(b, "publisher");
    json_builder_add_int_value(b, publisher);
    send_node(conn, b);
}

static void handle_ice_restart(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id)
{
    Participant *p = joined(lm, conn, msg, "media.ice_restart", id);
    int side = connection_side(msg);

    if (!p)
        return;
    if (side < 0) {
        send_error(conn, "malformed", id, p->mm->meeting_id,
                   "media.ice_restart needs 'connection': \"publish\" or \"subscribe\"");
        return;
    }
    if (side == 0) {
        /* The client offers on its publishing connection: its offer made with iceRestart goes
         * through media.publish like any other. */
        send_error(conn, "malformed", id, p->mm->meeting_id,
                   "the publishing connection restarts ICE with media.publish: send an offer "
                   "made with iceRestart");
        return;
    }
    if (!p->sub_wanted) {
        send_error(conn, "no_connection", id, p->mm->meeting_id,
                   "there is no receiving connection to restart yet (send media.subscribe)");
        return;
    }
    restart_receiving(p, id); /* answered with media.ice_restarting, then the offer */
}

void live_media_message(PhApp *app, WsConn *conn, gint64 user_id, const char *username,
                        const ScreenBinding *screen, const char *type, JsonObject *msg,
                        JsonNode *id)
{
    LiveMedia *lm = app->media;
    static const struct {
        const char *type;
        void (*handle)(LiveMedia *lm, WsConn *conn, JsonObject *msg, JsonNode *id);
    } handlers[] = {
        {"media.leave", handle_leave},
        {"media.publish", handle_publish},
        {"media.subscribe", handle_subscribe},
        {"media.answer", handle_answer},
        {"media.candidate", handle_candidate},
        {"media.view", handle_view},
        {"media.ice_restart", handle_ice_restart},
    };

    if (!lm) {
        send_error(conn, "media_unavailable", id, 0, "this server runs without media");
        return;
    }
    if (g_str_equal(type, "media.join")) {
        handle_join(lm, conn, user_id, username, screen, msg, id);
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(handlers); i++) {
        if (g_str_equal(type, handlers[i].type)) {
            handlers[i].handle(lm, conn, msg, id);
            return;
        }
    }
    g_autofree char *shown = g_utf8_substring(type, 0, MIN(g_utf8_strlen(type, -1), 64));
    send_error(conn, "unknown_type", id, 0, "unknown message type '%s'", shown);
}

void live_media_connection_gone(PhApp *app, WsConn *conn)
{
    LiveMedia *lm = app->media;
    Participant *p;

    if (!lm)
        return;
    g_hash_table_remove(lm->joining, conn);
    p = g_hash_table_lookup(lm->by_conn, conn);
    if (p)
        participant_leave(p, NULL, NULL);
}

/* ---- hall cameras ---- */

static void on_camera_state(gpointer user_data, MediaCamera *camera, MediaCameraState state,
                            const char *message)
{
    Participant *p = user_data;
    static const char *const names[] = {"connecting", "playing", "reconnecting"};
    const char *name = names[state];

    if (p->camera != camera)
        return;
    if (p->camera_state == name) {
        /* a track published after the peer connected (live_media_camera_up() took the first):
         * offered to the subscribers now */
        MediaCameraStats st;
        media_camera_get_stats(camera, &st);
        if (p->connected &&
            ((st.video ? 1u : 0u) != p->n_video || (st.audio ? 1u : 0u) != p->n_audio)) {
            live_media_camera_up(p);
            live_media_broadcast_peers(p->mm);
        }
        return;
    }
    if (state == MEDIA_CAMERA_RECONNECTING)
        g_warning("meeting %" G_GINT64_FORMAT " site %" G_GINT64_FORMAT
                  " (%s): the camera dropped (%s); reconnecting",
                  p->mm->meeting_id, p->site_id, p->name, message ? message : "no reason given");
    else
        g_message("meeting %" G_GINT64_FORMAT " site %" G_GINT64_FORMAT " (%s): camera %s",
                  p->mm->meeting_id, p->site_id, p->name, name);
    p->camera_state = name;
    live_media_broadcast_peers(p->mm);
}

void live_media_camera_up(Participant *p)
{
    MediaCameraStats st;
    if (!p->camera)
        return;
    media_camera_get_stats(p->camera, &st);
    p->publishing = TRUE;
    p->n_video = st.video ? 1 : 0;
    p->n_audio = st.audio ? 1 : 0;
    p->n_layers = 1;
    resubscribe_others(p->mm, p->id, p->id, FALSE);
}

static void camera_join(MediaMeeting *mm, const LiveCameraSite *site)
{
    LiveMedia *lm = mm->lm;
    guint64 id = LIVE_MEDIA_SITE_BASE + (guint64)site->site_id;
    g_autoptr(GError) error = NULL;
    MediaRoom *room = live_media_meeting_room(mm, &error);

    if (!room || !media_room_add_participant(room, id, site->name, MEDIA_ROLE_SITE, &error)) {
        g_warning("meeting %" G_GINT64_FORMAT " site %" G_GINT64_FORMAT
                  ": the camera does not join: %s",
                  mm->meeting_id, site->site_id, error->message);
        return;
    }
    Participant *p = g_new0(Participant, 1);
    p->mm = mm;
    p->id = id;
    p->serial = ++lm->next_serial;
    p->site_id = site->site_id;
    p->name = g_strdup(site->name);
    p->role = MEDIA_ROLE_SITE;
    p->role_name = "site";
    p->sub_ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    p->held = g_array_new(FALSE, FALSE, sizeof(guint64));
    p->camera_url = g_strdup(site->url);
    p->camera_state = "connecting";
    p->camera = media_camera_new(room, id, site->url, on_camera_state, p, &error);
    if (!p->camera) {
        g_warning("meeting %" G_GINT64_FORMAT " site %" G_GINT64_FORMAT
                  ": the camera does not join: %s",
                  mm->meeting_id, site->site_id, error->message);
        media_room_remove_participant(room, id, NULL);
        live_media_participant_free(p);
        return;
    }
    g_hash_table_insert(mm->participants, &p->id, p);
    g_autofree char *shown = media_camera_dup_display_url(site->url);
    g_message("meeting %" G_GINT64_FORMAT " site %" G_GINT64_FORMAT " (%s): camera %s joins the "
              "media",
              mm->meeting_id, site->site_id, site->name, shown);
    live_media_gate_joined(mm, p);
    live_media_broadcast_peers(mm);
}

void live_media_cameras_set(PhApp *app, gint64 meeting_id, const LiveCameraSite *sites, guint n)
{
    LiveMedia *lm = app->media;
    if (!lm)
        return;
    MediaMeeting *mm = n ? live_media_meeting_ensure(lm, meeting_id)
                         : g_hash_table_lookup(lm->meetings, &meeting_id);
    if (!mm)
        return;
    /* the cameras that go: not wanted any more, or another URL */
    g_autoptr(GPtrArray) leaving = g_ptr_array_new();
    GHashTableIter iter;
    Participant *p;
    g_hash_table_iter_init(&iter, mm->participants);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&p)) {
        if (!p->camera)
            continue;
        gboolean keep = FALSE;
        for (guint i = 0; i < n && !keep; i++)
            keep = sites[i].site_id == p->site_id && g_str_equal(sites[i].url, p->camera_url);
        if (!keep)
            g_ptr_array_add(leaving, p);
    }
    for (guint i = 0; i < leaving->len; i++)
        participant_leave(leaving->pdata[i], NULL, NULL); /* may free mm (tidied) */
    if (n == 0)
        return;
    mm = live_media_meeting_ensure(lm, meeting_id);
    /* the cameras that come; a browser that joined for the site keeps it */
    for (guint i = 0; i < n; i++) {
        guint64 id = LIVE_MEDIA_SITE_BASE + (guint64)sites[i].site_id;
        if (!live_media_participant(mm, id))
            camera_join(mm, &sites[i]);
    }
    live_media_meeting_tidy(mm);
}
