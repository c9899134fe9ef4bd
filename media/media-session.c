/* media-session.c: the negotiation calls of media.h: a participant's two WebRTC connections,
 * their SDP, and their place in the room.
 *
 * Design: every call is a job queued on the room's worker with media_room_invoke(), behind the
 * commands posted for the room before it (so a participant added, then publishing, is there when
 * its offer is read), and its result is posted back to the caller's context. On the worker, a
 * Session per participant owns its connections: a publishing MediaPeer, which answers the
 * browser's offer (JSEP, RFC 8829 §5.3: the browser is the ICE controlling agent and we the DTLS
 * server), and a receiving MediaPeer, to which we offer (JSEP §5.2: we control ICE; the
 * browser's answer says who is the DTLS client). The sessions of a room live in a table of the
 * worker thread keyed by the room, freed by the room's cleanup hook, so no lock is needed and no
 * peer outlives its room.
 *
 * Publishing: each sending section of the offer becomes a track of the room
 * (sfu_track_config_from_sdp); a later offer with the same DTLS fingerprint is a
 * renegotiation of the same connection (RFC 8829 §5.8: tracks added or removed), with an ICE
 * restart when its ICE credentials are new (the peer keeps DTLS and SRTP); a new fingerprint is
 * a new connection that replaces the old one and its tracks.
 *
 * Receiving: media_room_subscribe() is declarative: the set of publishers a subscriber receives.
 * Each publisher track has one sendonly section in our offer, with our own SSRC, stream id and
 * CNAME "p<publisher>" and track id "<publisher>-<mid>" (RFC 8830 msid) so the client can tell
 * whose it is and synchronises each person's audio with their video; a track no longer wanted keeps
 * its section as inactive (RFC 3264 §8: sections are never removed, and stay in order), and a new
 * one gets a new section with a new mid. Payload types are ours per codec (Opus 111, VP8 96, H.264
 * 102-108 by profile), since bundled sections sharing a payload type must share its meaning (RFC
 * 8843 §9.1); the router rewrites what it forwards. The room is told about a subscription once the
 * client's answer has accepted the section and the connection is up, so the key frame the
 * subscription asks for is one the client can receive.
 *
 * A participant's session ends with it: a cleanup registered on the room's participant closes
 * its connections before the room forgets it, so no peer calls the room with a participant that
 * is gone, and the packet path needs no lookup. The cleanup reaches the session through a small
 * shared link that the session clears when it goes first (the room's own cleanup frees every
 * session before the participants' cleanups run). A connection that dies (timeout, consent lost,
 * DTLS closed) is detached from the room and freed; the client negotiates again.
 */
#include "media-internal.h"

#include <string.h>

#include "router/sfu-peer.h"
#include "router/sfu-room.h"
#include "sdp/sdp.h"
#include "transport/peer.h"

/* Our extension ids in offers to subscribers (RFC 8285 one-byte range). */
#define OFFER_EXT_MID               1
#define OFFER_EXT_AUDIO_LEVEL       2
#define OFFER_EXT_ABS_SEND_TIME     3
#define OFFER_EXT_VIDEO_ORIENTATION 4

static const guint8 h264_payload_types[] = {102, 104, 106, 108};

/* ---- jobs: from the caller to the worker and back ---- */

typedef enum {
    JOB_PUBLISH,
    JOB_SUBSCRIBE,
    JOB_ANSWER,
    JOB_CANDIDATE,
    JOB_RESTART_ICE,
} JobKind;

typedef struct {
    JobKind kind;
    gint64 meeting_id;
    guint64 participant_id;
    char *text;          /* offer, answer or candidate (NULL: end-of-candidates) */
    guint64 *publishers; /* JOB_SUBSCRIBE */
    guint n_publishers;
    gboolean receiving; /* JOB_CANDIDATE */
    MediaIceConfig *config;
    DtlsIdentity *identity;
    MediaSdpFunc func; /* NULL for candidates */
    gpointer user_data;
    GMainContext *reply_context;
    GThread *caller;
    gboolean replied;
} Job;

typedef struct {
    MediaSdpFunc func;
    gpointer user_data;
    char *sdp;
    GError *error;
} Reply;

static void reply_free(gpointer data)
{
    Reply *r = data;

    g_free(r->sdp);
    g_clear_error(&r->error);
    g_free(r);
}

static gboolean reply_dispatch(gpointer data)
{
    Reply *r = data;

    r->func(r->user_data, r->sdp, r->error);
    return G_SOURCE_REMOVE;
}

/* Posts the outcome to the caller's context; takes @sdp and @error. */
static void job_reply(Job *job, char *sdp, GError *error)
{
    Reply *r;

    g_assert(!job->replied);
    job->replied = TRUE;
    if (job->func == NULL) {
        g_free(sdp);
        g_clear_error(&error);
        return;
    }
    r = g_new0(Reply, 1);
    r->func = job->func;
    r->user_data = job->user_data;
    r->sdp = sdp;
    r->error = error;
    g_main_context_invoke_full(job->reply_context, G_PRIORITY_DEFAULT, reply_dispatch, r,
                               reply_free);
}

static void job_free(gpointer data)
{
    Job *job = data;

    /* Refused by a full queue: the call returns FALSE on this very thread and says so. Dropped
     * on the worker without running (the room went first): the caller still gets its answer. */
    if (!job->replied && job->func != NULL && g_thread_self() != job->caller)
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED,
                              "meeting %" G_GINT64_FORMAT ": the media room was closed",
                              job->meeting_id));
    if (job->text != NULL && job->kind != JOB_CANDIDATE)
        memset(job->text, 0, strlen(job->text)); /* SDP carries the ICE password */
    g_free(job->text);
    g_free(job->publishers);
    g_clear_pointer(&job->config, media_ice_config_unref);
    g_clear_pointer(&job->identity, dtls_identity_unref);
    g_clear_pointer(&job->reply_context, g_main_context_unref);
    g_free(job);
}

/* ---- the worker's sessions ---- */

typedef struct _RoomSessions RoomSessions;

/* One section of our offer to a subscriber. */
typedef struct {
    char mid[SDP_MAX_ID_LEN + 1];
    guint64 publisher_id;
    char publisher_mid[SDP_MAX_ID_LEN + 1];
    SdpMediaKind kind;
    SdpCodec codec;
    guint8 payload_type;
    guint32 h264_profile_level;
    guint32 ssrc;
    gboolean wanted;   /* sendonly; FALSE: inactive */
    gboolean answered; /* accepted by the client's last answer */
    char stream_id[SDP_MAX_MSID + 1];
    char track_id[SDP_MAX_MSID + 1];
} Section;

typedef struct _Session Session;

/* Shared by a session and its participant's cleanup; freed by whichever goes last. */
typedef struct {
    gint ref;
    Session *session; /* NULL once the session is freed */
} SessionLink;

struct _Session {
    RoomSessions *rs;
    guint64 id;
    SfuParticipant *participant; /* NULL while the room is being freed */
    SessionLink *link;
    char *name;  /* for logs: "meeting 42 participant 7" */
    gboolean up; /* what the room was last told */

    MediaPeer *pub_peer;
    SdpDescription *pub_offer; /* the offer last applied: its tracks */
    gboolean fed; /* publishes without a connection (a hall camera): pub_offer describes it */
    guint64 pub_session_id;

    MediaPeer *sub_peer;
    GArray *sections;  /* Section, in m= line order */
    GArray *offered;   /* Section: the sections as last offered */
    gboolean awaiting; /* an offer is out, its answer not in */
    guint offer_version;
    guint next_mid;
    guint64 sub_session_id;
};

struct _RoomSessions {
    SfuRoom *room;
    GHashTable *sessions; /* guint64 * -> Session * */
    MediaIceConfig *default_config;
};

static GPrivate rooms_key = G_PRIVATE_INIT((GDestroyNotify)g_hash_table_unref);

static GHashTable *worker_rooms(void)
{
    GHashTable *rooms = g_private_get(&rooms_key);

    if (rooms == NULL) {
        rooms = g_hash_table_new(NULL, NULL);
        g_private_set(&rooms_key, rooms);
    }
    return rooms;
}

static void session_free(gpointer data);

static void room_sessions_cleanup(gpointer data)
{
    RoomSessions *rs = data;
    GHashTableIter iter;
    Session *s;

    /* The room is going: close the connections without telling it anything more. */
    g_hash_table_iter_init(&iter, rs->sessions);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&s))
        s->participant = NULL;
    g_hash_table_remove(worker_rooms(), rs->room);
    g_clear_pointer(&rs->sessions, g_hash_table_unref);
    g_clear_pointer(&rs->default_config, media_ice_config_unref);
    g_free(rs);
}

static RoomSessions *room_sessions(SfuRoom *room)
{
    GHashTable *rooms = worker_rooms();
    RoomSessions *rs = g_hash_table_lookup(rooms, room);

    if (rs == NULL) {
        rs = g_new0(RoomSessions, 1);
        rs->room = room;
        rs->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, session_free);
        g_hash_table_insert(rooms, room, rs);
        sfu_room_add_cleanup(room, room_sessions_cleanup, rs);
    }
    return rs;
}

static guint64 random_session_id(void)
{
    return (((guint64)g_random_int() << 32) | g_random_int()) & G_MAXINT64;
}

static void tell_room_up(Session *s)
{
    gboolean up = (s->pub_peer != NULL && peer_get_state(s->pub_peer) == PEER_STATE_CONNECTED) ||
                  (s->sub_peer != NULL && peer_get_state(s->sub_peer) == PEER_STATE_CONNECTED);

    if (up != s->up && s->participant != NULL) {
        s->up = up;
        sfu_room_set_peer_connected(s->rs->room, s->participant, up);
    }
}

static void unpublish_all(Session *s)
{
    guint i;

    for (i = 0; s->pub_offer != NULL && i < s->pub_offer->n_media; i++) {
        if (s->pub_offer->media[i].accepted)
            sfu_room_unpublish(s->rs->room, s->id, s->pub_offer->media[i].mid, NULL);
    }
    g_clear_pointer(&s->pub_offer, sdp_description_free);
}

/* Frees the publishing connection, its tracks with it (the room still has the participant). */
static void drop_publishing(Session *s)
{
    if (s->pub_peer == NULL)
        return;
    if (s->participant != NULL) {
        sfu_participant_set_transport(s->participant, SFU_SIDE_PUBLISH, NULL, NULL, NULL);
        unpublish_all(s);
    }
    g_clear_pointer(&s->pub_peer, peer_free);
    g_clear_pointer(&s->pub_offer, sdp_description_free);
    tell_room_up(s);
}

static void unsubscribe_section(Session *s, const Section *sec)
{
    if (s->participant != NULL)
        sfu_room_unsubscribe(s->rs->room, s->id, sec->publisher_id, sec->publisher_mid, NULL);
}

static void drop_receiving(Session *s)
{
    guint i;

    if (s->sub_peer == NULL)
        return;
    if (s->participant != NULL)
        sfu_participant_set_transport(s->participant, SFU_SIDE_SUBSCRIBE, NULL, NULL, NULL);
    for (i = 0; i < s->sections->len; i++)
        unsubscribe_section(s, &g_array_index(s->sections, Section, i));
    g_clear_pointer(&s->sub_peer, peer_free);
    g_array_set_size(s->sections, 0);
    g_array_set_size(s->offered, 0);
    s->awaiting = FALSE;
    tell_room_up(s);
}

static void link_unref(SessionLink *link)
{
    if (--link->ref == 0)
        g_free(link);
}

/* The participant's cleanup: it is being removed (or the room freed). */
static void on_participant_gone(gpointer data)
{
    SessionLink *link = data;
    Session *s = link->session;

    if (s != NULL) {
        g_debug("%s: left the room; closing its connections", s->name);
        s->participant = NULL; /* the room drops its tracks and subscriptions itself */
        g_hash_table_remove(s->rs->sessions, &s->id);
    }
    link_unref(link);
}

static void session_free(gpointer data)
{
    Session *s = data;

    drop_publishing(s);
    drop_receiving(s);
    g_clear_pointer(&s->pub_offer, sdp_description_free); /* a fed publisher's */
    g_clear_pointer(&s->sections, g_array_unref);
    g_clear_pointer(&s->offered, g_array_unref);
    s->link->session = NULL;
    link_unref(s->link);
    g_free(s->name);
    g_free(s);
}

static Session *session_get(RoomSessions *rs, guint64 id, SfuParticipant *p)
{
    Session *s = g_hash_table_lookup(rs->sessions, &id);
    guint64 *key;

    if (s != NULL)
        return s;
    s = g_new0(Session, 1);
    s->rs = rs;
    s->id = id;
    s->participant = p;
    s->name = g_strdup_printf("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT,
                              sfu_room_get_meeting_id(rs->room), id);
    s->sections = g_array_new(FALSE, TRUE, sizeof(Section));
    s->offered = g_array_new(FALSE, TRUE, sizeof(Section));
    s->pub_session_id = random_session_id();
    s->sub_session_id = random_session_id();
    s->link = g_new0(SessionLink, 1);
    s->link->ref = 2;
    s->link->session = s;
    sfu_participant_add_cleanup(p, on_participant_gone, s->link);
    key = g_new(guint64, 1);
    *key = id;
    g_hash_table_insert(rs->sessions, key, s);
    return s;
}

/* ---- the peers' callbacks ---- */

static void pub_rtp(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data)
{
    Session *s = user_data;

    sfu_room_on_rtp(s->rs->room, s->participant, data, len, g_get_monotonic_time());
}

static void any_rtcp(MediaPeer *peer, guint8 *data, gsize len, gpointer user_data)
{
    Session *s = user_data;

    sfu_room_on_rtcp(s->rs->room, s->participant, data, len, g_get_monotonic_time());
}

static void apply_subscriptions(Session *s);

static void pub_state(MediaPeer *peer, PeerState state, gpointer user_data)
{
    Session *s = user_data;

    if (state == PEER_STATE_DEAD) {
        g_message("%s: publishing connection dropped: %s", s->name,
                  peer_dead_reason_to_string(peer_get_dead_reason(peer)));
        drop_publishing(s);
    } else {
        tell_room_up(s);
    }
}

static void sub_state(MediaPeer *peer, PeerState state, gpointer user_data)
{
    Session *s = user_data;

    if (state == PEER_STATE_DEAD) {
        g_message("%s: receiving connection dropped: %s", s->name,
                  peer_dead_reason_to_string(peer_get_dead_reason(peer)));
        drop_receiving(s);
        return;
    }
    tell_room_up(s);
    if (state == PEER_STATE_CONNECTED)
        apply_subscriptions(s);
}

static const PeerEvents pub_events = {.rtp = pub_rtp, .rtcp = any_rtcp, .state_changed = pub_state};
/* A receiving connection sends no RTP we want: peer_events' rtp NULL drops it. */
static const PeerEvents sub_events = {.rtcp = any_rtcp, .state_changed = sub_state};

static MediaPeer *make_peer(Session *s, Job *job, gboolean receiving, GError **error)
{
    MediaIceConfig *config = job->config;
    g_autofree char *name =
        g_strdup_printf("%s %s", s->name, receiving ? "receiving" : "publishing");

    if (config == NULL) {
        if (s->rs->default_config == NULL)
            s->rs->default_config = media_ice_config_new();
        config = s->rs->default_config;
    }
    return peer_new(g_main_context_get_thread_default(), config, job->identity, name,
                    receiving ? &sub_events : &pub_events, s, error);
}

static void add_ext_ids(SfuExtIds *ext, const SdpDescription *desc)
{
    guint i;

    memset(ext, 0, sizeof(*ext));
    for (i = 0; i < desc->n_media; i++) {
        if (desc->media[i].accepted)
            sfu_ext_ids_add_sdp(ext, desc->media[i].ext_ids);
    }
}

/* ---- publishing ---- */

static gboolean is_sending(const SdpMedia *m)
{
    return m->accepted &&
           (m->direction == SDP_DIRECTION_SENDONLY || m->direction == SDP_DIRECTION_SENDRECV);
}

static const SdpMedia *find_section(const SdpDescription *desc, const char *mid)
{
    guint i;

    for (i = 0; desc != NULL && i < desc->n_media; i++) {
        if (g_str_equal(desc->media[i].mid, mid))
            return &desc->media[i];
    }
    return NULL;
}

/* Makes the room's tracks follow @offer: new sending sections published, gone ones unpublished,
 * changed ones (codec, layers) published again. */
static void publish_tracks(Session *s, const SdpDescription *offer)
{
    guint i;

    for (i = 0; s->pub_offer != NULL && i < s->pub_offer->n_media; i++) {
        const SdpMedia *old = &s->pub_offer->media[i];
        const SdpMedia *now = find_section(offer, old->mid);

        if (is_sending(old) &&
            (now == NULL || !is_sending(now) || now->codec != old->codec ||
             now->payload_type != old->payload_type || now->n_rids != old->n_rids))
            sfu_room_unpublish(s->rs->room, s->id, old->mid, NULL);
    }
    for (i = 0; i < offer->n_media; i++) {
        const SdpMedia *now = &offer->media[i];
        const SdpMedia *old = find_section(s->pub_offer, now->mid);
        SfuTrackConfig track;
        g_autoptr(GError) error = NULL;

        if (old != NULL && is_sending(old) && is_sending(now) && now->codec == old->codec &&
            now->payload_type == old->payload_type && now->n_rids == old->n_rids)
            continue; /* unchanged */
        if (sfu_track_config_from_sdp(now, &track) &&
            !sfu_room_publish(s->rs->room, s->id, &track, &error))
            g_message("%s: track %s not published: %s", s->name, now->mid, error->message);
    }
}

static void run_publish(Session *s, Job *job)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) offer = NULL;
    SdpTransport transport;
    SfuExtIds ext;
    char *answer;

    offer = sdp_parse_offer(job->text, strlen(job->text), NULL, &error);
    if (offer == NULL) {
        job_reply(job, NULL, g_steal_pointer(&error));
        return;
    }
    /* The same connection renegotiating, or a new one replacing it. New ICE credentials with
     * the same fingerprint are an ICE restart of this connection (RFC 8839 §4.4.1.1.1): the
     * peer restarts its agent and the answer below carries its new credentials and
     * candidates, with DTLS and SRTP kept (RFC 8842 §4). A new fingerprint is a new DTLS
     * association, so a new connection. */
    if (s->pub_peer != NULL && s->pub_offer != NULL &&
        g_ascii_strcasecmp(s->pub_offer->fingerprint, offer->fingerprint) != 0)
        drop_publishing(s);
    if (s->pub_peer == NULL) {
        s->pub_peer = make_peer(s, job, FALSE, &error);
        if (s->pub_peer == NULL) {
            job_reply(
                job, NULL,
                g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED, "%s: %s", s->name, error->message));
            return;
        }
    }
    if (!peer_set_remote_description(s->pub_peer, offer, &error)) {
        drop_publishing(s);
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED, "%s: %s", s->name, error->message));
        return;
    }
    if (s->pub_peer == NULL) {
        /* It died inside (a remote candidate made ICE fail at once). */
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED,
                              "%s: the publishing connection failed at once", s->name));
        return;
    }
    add_ext_ids(&ext, offer);
    sfu_participant_set_transport(s->participant, SFU_SIDE_PUBLISH, &sfu_peer_transport,
                                  s->pub_peer, &ext);
    publish_tracks(s, offer);
    peer_get_local_transport(s->pub_peer, &transport);
    answer = sdp_write_answer(offer, &transport, NULL, s->pub_session_id, &error);
    g_clear_pointer(&s->pub_offer, sdp_description_free);
    s->pub_offer = g_steal_pointer(&offer);
    job_reply(job, answer, g_steal_pointer(&error));
}

/* ---- receiving ---- */

static void apply_subscriptions(Session *s)
{
    gint64 now = g_get_monotonic_time();
    guint i;

    if (s->sub_peer == NULL || peer_get_state(s->sub_peer) != PEER_STATE_CONNECTED ||
        s->participant == NULL)
        return;
    for (i = 0; i < s->sections->len; i++) {
        const Section *sec = &g_array_index(s->sections, Section, i);
        SfuSubscribeConfig config = {
            .ssrc = sec->ssrc, .payload_type = sec->payload_type, .mid = sec->mid};
        g_autoptr(GError) error = NULL;

        if (!sec->wanted || !sec->answered) {
            unsubscribe_section(s, sec);
            continue;
        }
        if (!sfu_room_subscribe(s->rs->room, s->id, sec->publisher_id, sec->publisher_mid, &config,
                                now, &error) &&
            !g_error_matches(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS))
            g_debug("%s: no subscription to %" G_GUINT64_FORMAT "/%s: %s", s->name,
                    sec->publisher_id, sec->publisher_mid, error->message);
    }
}

static gint find_wanted(GArray *sections, guint64 publisher_id, const SdpMedia *m)
{
    guint i;

    for (i = 0; i < sections->len; i++) {
        const Section *sec = &g_array_index(sections, Section, i);

        if (sec->publisher_id == publisher_id && g_str_equal(sec->publisher_mid, m->mid) &&
            sec->codec == m->codec && sec->h264_profile_level == m->h264_profile_level)
            return (gint)i;
    }
    return -1;
}

static gboolean pick_payload_type(Session *s, const SdpMedia *m, guint8 *pt, GError **error)
{
    guint i, k;

    switch (m->codec) {
    case SDP_CODEC_OPUS:
        *pt = 111;
        return TRUE;
    case SDP_CODEC_VP8:
        *pt = 96;
        return TRUE;
    case SDP_CODEC_H264:
        /* One payload type per profile across the bundle (RFC 8843 §9.1). */
        for (k = 0; k < G_N_ELEMENTS(h264_payload_types); k++) {
            gboolean used_by_other = FALSE, same = FALSE;

            for (i = 0; i < s->sections->len; i++) {
                const Section *sec = &g_array_index(s->sections, Section, i);

                if (sec->codec != SDP_CODEC_H264 || sec->payload_type != h264_payload_types[k])
                    continue;
                if (sec->h264_profile_level == m->h264_profile_level)
                    same = TRUE;
                else
                    used_by_other = TRUE;
            }
            if (same || !used_by_other) {
                *pt = h264_payload_types[k];
                return TRUE;
            }
        }
        break;
    case SDP_CODEC_NONE:
        break;
    }
    g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED,
                "%s: too many different H.264 profiles for one connection", s->name);
    return FALSE;
}

static guint32 new_ssrc(Session *s)
{
    for (;;) {
        guint32 ssrc = g_random_int();
        gboolean used = ssrc == 0;
        guint i;

        for (i = 0; i < s->sections->len && !used; i++)
            used = g_array_index(s->sections, Section, i).ssrc == ssrc;
        if (!used)
            return ssrc;
    }
}

/* Marks the sections wanted by @job's publisher list, adding new ones. Returns whether the
 * offer must change, or -1 with @error. */
static gint update_sections(Session *s, Job *job, GError **error)
{
    gboolean changed = FALSE;
    gboolean *keep = g_newa(gboolean, s->sections->len + 1);
    guint i, j, n_old = s->sections->len;

    memset(keep, 0, sizeof(gboolean) * (n_old + 1));
    for (i = 0; i < job->n_publishers; i++) {
        guint64 pub = job->publishers[i];
        Session *ps = g_hash_table_lookup(s->rs->sessions, &pub);

        if (pub == s->id || ps == NULL || ps->pub_offer == NULL ||
            (ps->pub_peer == NULL && !ps->fed))
            continue; /* itself, or publishing nothing yet */
        for (j = 0; j < ps->pub_offer->n_media; j++) {
            const SdpMedia *m = &ps->pub_offer->media[j];
            gint at;
            Section sec = {0};

            if (!is_sending(m))
                continue;
            at = find_wanted(s->sections, pub, m);
            if (at >= 0) {
                if ((guint)at < n_old) {
                    Section *found = &g_array_index(s->sections, Section, at);
                    if (!found->wanted) {
                        /* Wanted again (a publisher back, or on a new connection): a new SSRC,
                         * so the receiver's SRTP replay window starts afresh with the stream
                         * the router starts anew (RFC 3711 §3.3.2). */
                        found->ssrc = new_ssrc(s);
                        changed = TRUE;
                    }
                    keep[at] = TRUE;
                }
                continue;
            }
            if (s->sections->len >= SDP_MAX_MEDIA) {
                g_set_error(error, MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_TOO_LARGE,
                            "%s: more than %d tracks to receive on one connection (the audio "
                            "and video of %d publishers); receive fewer publishers",
                            s->name, SDP_MAX_MEDIA, SDP_MAX_MEDIA / 2);
                return -1;
            }
            if (!pick_payload_type(s, m, &sec.payload_type, error))
                return -1;
            g_snprintf(sec.mid, sizeof(sec.mid), "s%u", s->next_mid++);
            sec.publisher_id = pub;
            g_strlcpy(sec.publisher_mid, m->mid, sizeof(sec.publisher_mid));
            sec.kind = m->kind;
            sec.codec = m->codec;
            sec.h264_profile_level = m->h264_profile_level;
            sec.ssrc = new_ssrc(s);
            sec.wanted = TRUE;
            g_snprintf(sec.stream_id, sizeof(sec.stream_id), "p%" G_GUINT64_FORMAT, pub);
            g_snprintf(sec.track_id, sizeof(sec.track_id), "%" G_GUINT64_FORMAT "-%s", pub, m->mid);
            g_array_append_val(s->sections, sec);
            changed = TRUE;
        }
    }
    for (i = 0; i < n_old; i++) {
        Section *sec = &g_array_index(s->sections, Section, i);

        if (sec->wanted != keep[i]) {
            sec->wanted = keep[i];
            changed = TRUE;
        }
    }
    return changed ? 1 : 0;
}

static void offer_media(const Section *sec, SdpOfferMedia *o)
{
    memset(o, 0, sizeof(*o));
    o->kind = sec->kind;
    o->mid = sec->mid;
    o->direction = sec->wanted ? SDP_DIRECTION_SENDONLY : SDP_DIRECTION_INACTIVE;
    o->codec = sec->codec;
    o->payload_type = sec->payload_type;
    o->h264_profile_level = sec->h264_profile_level;
    o->ext_ids[SDP_EXT_MID] = OFFER_EXT_MID;
    o->ext_ids[SDP_EXT_ABS_SEND_TIME] = OFFER_EXT_ABS_SEND_TIME;
    if (sec->kind == SDP_MEDIA_AUDIO) {
        o->ext_ids[SDP_EXT_AUDIO_LEVEL] = OFFER_EXT_AUDIO_LEVEL;
    } else {
        o->feedback = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB;
        o->ext_ids[SDP_EXT_VIDEO_ORIENTATION] = OFFER_EXT_VIDEO_ORIENTATION;
    }
    o->send.ssrc = sec->ssrc;
    /* One CNAME per publisher: the receiver synchronises the streams that share one (RFC 7022
     * §2), which must be one person's audio and video, never two people's. */
    o->send.cname = sec->stream_id;
    o->send.stream_id = sec->stream_id;
    o->send.track_id = sec->track_id;
}

/* Our offer of the current sections from the receiving peer's transport, to be answered. */
static void offer_sections(Session *s, Job *job)
{
    g_autoptr(GError) error = NULL;
    SdpOfferMedia media[SDP_MAX_MEDIA];
    SdpTransport transport;
    char *offer;
    guint i;

    for (i = 0; i < s->sections->len; i++)
        offer_media(&g_array_index(s->sections, Section, i), &media[i]);
    peer_get_local_transport(s->sub_peer, &transport);
    offer = sdp_write_offer(media, s->sections->len, &transport, s->sub_session_id,
                            ++s->offer_version, &error);
    if (offer == NULL) {
        job_reply(job, NULL, g_steal_pointer(&error));
        return;
    }
    g_array_set_size(s->offered, 0);
    g_array_append_vals(s->offered, s->sections->data, s->sections->len);
    s->awaiting = TRUE;
    job_reply(job, offer, NULL);
}

/* The receiving connection restarts ICE (RFC 8445 §9) from our side: the offer has new ICE
 * credentials of ours and the same sections; the subscriber's answer (run_answer) brings its
 * new ones and completes the restart. DTLS and SRTP are kept, forwarding goes on. */
static void run_restart_ice(Session *s, Job *job)
{
    g_autoptr(GError) error = NULL;

    if (s->sub_peer == NULL || s->sections->len == 0) {
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND,
                              "%s: no receiving connection to restart", s->name));
        return;
    }
    if (!peer_restart_ice(s->sub_peer, &error)) {
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED, "%s: %s", s->name, error->message));
        return;
    }
    offer_sections(s, job);
}

static void run_subscribe(Session *s, Job *job)
{
    g_autoptr(GError) error = NULL;
    gint changed;

    changed = update_sections(s, job, &error);
    if (changed < 0) {
        job_reply(job, NULL, g_steal_pointer(&error));
        return;
    }
    if (changed == 0) {
        apply_subscriptions(s); /* a publisher may have published again meanwhile */
        job_reply(job, NULL, NULL);
        return;
    }
    if (s->sub_peer == NULL) {
        s->sub_peer = make_peer(s, job, TRUE, &error);
        if (s->sub_peer == NULL) {
            g_array_set_size(s->sections, 0);
            job_reply(
                job, NULL,
                g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED, "%s: %s", s->name, error->message));
            return;
        }
    }
    offer_sections(s, job);
}

static void run_answer(Session *s, Job *job)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SdpDescription) answer = NULL;
    SdpOfferMedia media[SDP_MAX_MEDIA];
    SfuExtIds ext;
    guint i;

    if (s->sub_peer == NULL || !s->awaiting) {
        job_reply(job, NULL,
                  g_error_new(MEDIA_SDP_ERROR, MEDIA_SDP_ERROR_MISMATCH,
                              "no offer of ours is waiting for an answer"));
        return;
    }
    for (i = 0; i < s->offered->len; i++)
        offer_media(&g_array_index(s->offered, Section, i), &media[i]);
    answer = sdp_parse_answer(job->text, strlen(job->text), media, s->offered->len, &error);
    if (answer == NULL) {
        job_reply(job, NULL, g_steal_pointer(&error));
        return;
    }
    if (!peer_set_remote_description(s->sub_peer, answer, &error)) {
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED, "%s: %s", s->name, error->message));
        return;
    }
    if (s->sub_peer == NULL) {
        job_reply(job, NULL,
                  g_error_new(MEDIA_ERROR, MEDIA_ERROR_FAILED,
                              "%s: the receiving connection failed at once", s->name));
        return;
    }
    s->awaiting = FALSE;
    /* The offered sections are the first ones of the current list (later calls only append). */
    for (i = 0; i < s->offered->len && i < s->sections->len; i++)
        g_array_index(s->sections, Section, i).answered = answer->media[i].accepted;
    add_ext_ids(&ext, answer);
    sfu_participant_set_transport(s->participant, SFU_SIDE_SUBSCRIBE, &sfu_peer_transport,
                                  s->sub_peer, &ext);
    apply_subscriptions(s);
    job_reply(job, NULL, NULL);
}

static void run_candidate(Session *s, Job *job)
{
    MediaPeer *peer = job->receiving ? s->sub_peer : s->pub_peer;
    g_autoptr(GError) error = NULL;

    if (peer == NULL) {
        g_debug("%s: a candidate for a %s connection it does not have", s->name,
                job->receiving ? "receiving" : "publishing");
        return;
    }
    if (job->text == NULL)
        peer_end_of_remote_candidates(peer);
    else if (!peer_add_remote_candidate(peer, job->text, &error))
        g_debug("%s: candidate dropped: %s", s->name, error->message);
}

static void job_run(SfuRoom *room, gpointer data)
{
    Job *job = data;
    RoomSessions *rs = room_sessions(room);
    SfuParticipant *p;
    Session *s;

    p = sfu_room_get_participant(room, job->participant_id);
    if (p == NULL) {
        if (job->func != NULL)
            job_reply(job, NULL,
                      g_error_new(MEDIA_ERROR, MEDIA_ERROR_NOT_FOUND,
                                  "meeting %" G_GINT64_FORMAT ": no participant %" G_GUINT64_FORMAT
                                  " in the media room",
                                  job->meeting_id, job->participant_id));
        return;
    }
    s = session_get(rs, job->participant_id, p);
    switch (job->kind) {
    case JOB_PUBLISH:
        run_publish(s, job);
        break;
    case JOB_SUBSCRIBE:
        run_subscribe(s, job);
        break;
    case JOB_ANSWER:
        run_answer(s, job);
        break;
    case JOB_CANDIDATE:
        run_candidate(s, job);
        job->replied = TRUE;
        break;
    case JOB_RESTART_ICE:
        run_restart_ice(s, job);
        break;
    }
}

/* ---- the public calls (main thread) ---- */

static Job *job_new(MediaRoom *room, JobKind kind, guint64 participant_id, const char *text,
                    MediaSdpFunc func, gpointer user_data)
{
    MediaEngine *engine = media_room_get_engine(room);
    MediaIceConfig *config = media_engine_get_ice_config(engine);
    Job *job = g_new0(Job, 1);

    job->kind = kind;
    job->meeting_id = media_room_get_meeting_id(room);
    job->participant_id = participant_id;
    job->text = g_strdup(text);
    job->config = config != NULL ? media_ice_config_ref(config) : NULL;
    job->identity = dtls_identity_ref(media_engine_get_dtls_identity(engine));
    job->func = func;
    job->user_data = user_data;
    job->reply_context = g_main_context_ref_thread_default();
    job->caller = g_thread_self();
    return job;
}

static gboolean job_post(MediaRoom *room, Job *job, GError **error)
{
    return media_room_invoke(room, job_run, job, job_free, error);
}

gboolean media_room_publish(MediaRoom *room, guint64 participant_id, const char *offer,
                            MediaSdpFunc func, gpointer user_data, GError **error)
{
    g_return_val_if_fail(room != NULL && offer != NULL && func != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    return job_post(room, job_new(room, JOB_PUBLISH, participant_id, offer, func, user_data),
                    error);
}

gboolean media_room_subscribe(MediaRoom *room, guint64 subscriber_id, const guint64 *publisher_ids,
                              guint n_publishers, MediaSdpFunc func, gpointer user_data,
                              GError **error)
{
    Job *job;

    g_return_val_if_fail(room != NULL && func != NULL, FALSE);
    g_return_val_if_fail(publisher_ids != NULL || n_publishers == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    job = job_new(room, JOB_SUBSCRIBE, subscriber_id, NULL, func, user_data);
    job->publishers = g_memdup2(publisher_ids, sizeof(guint64) * n_publishers);
    job->n_publishers = n_publishers;
    return job_post(room, job, error);
}

gboolean media_room_answer(MediaRoom *room, guint64 subscriber_id, const char *answer,
                           MediaSdpFunc func, gpointer user_data, GError **error)
{
    g_return_val_if_fail(room != NULL && answer != NULL && func != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    return job_post(room, job_new(room, JOB_ANSWER, subscriber_id, answer, func, user_data), error);
}

gboolean media_room_restart_ice(MediaRoom *room, guint64 subscriber_id, MediaSdpFunc func,
                                gpointer user_data, GError **error)
{
    g_return_val_if_fail(room != NULL && func != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    return job_post(room, job_new(room, JOB_RESTART_ICE, subscriber_id, NULL, func, user_data),
                    error);
}

gboolean media_room_add_candidate(MediaRoom *room, guint64 participant_id, gboolean receiving,
                                  const char *candidate, GError **error)
{
    Job *job;

    g_return_val_if_fail(room != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    job = job_new(room, JOB_CANDIDATE, participant_id, candidate, NULL, NULL);
    job->receiving = receiving;
    return job_post(room, job, error);
}

void media_session_set_fed_publisher(SfuRoom *room, SfuParticipant *participant,
                                     SdpDescription *tracks)
{
    RoomSessions *rs;
    Session *s;

    g_return_if_fail(room != NULL && participant != NULL);
    rs = room_sessions(room);
    s = session_get(rs, sfu_participant_get_id(participant), participant);
    g_clear_pointer(&s->pub_offer, sdp_description_free);
    s->pub_offer = tracks;
    s->fed = tracks != NULL;
}
