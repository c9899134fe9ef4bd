/* live-media-engine.c: the media engine in the daemon: made from [media], the floor gate that
 * makes it enforce the floor, its events turned into /ws messages, and its figures on /metrics.
 *
 * Design: the floor's truth is in the database (server/floor/); the floor service tells the gate
 * (floor/floor-gate.h) of each committed change, in order, and of the running turn at start-up.
 * The gate keeps that per meeting (MediaMeeting: holder, open microphones, mutes), because the
 * room may not exist yet: a grant before anyone joined is applied when the room is made, a mute
 * when its participant joins. A change is posted to the room's worker at once (the engine's
 * reserved, high-priority commands), so the audio opens within one packet time of the grant;
 * the worker's floor_applied event then tells every client of the room (media.floor).
 *
 * A member who speaks from a hall (checked in there, DOMAIN.md "điểm cầu") speaks into the
 * hall's microphones: when that hall has joined as a site, the floor goes to the site, not to the
 * member's own tablet. The floor first goes to the member (no wait), and a database lookup of
 * their attendance moves it to their site a few milliseconds later when they are at one. The
 * chair is always heard, and a chair who presides from a hall speaks into its microphones: a
 * site where a chair of the body is checked in is heard like the chair (the engine's chair
 * role), while every other hall follows the floor. Both are looked up again when a site joins
 * and whenever someone checks in or out (attendance.changed).
 *
 * Events from the engine are transient (who is connected, who speaks now, what the worker
 * applied, figures): they go straight to the joined connections and are not recorded; what
 * must be replayable about the floor is already a numbered event of the meeting (floor.granted,
 * floor.microphones, floor.muted). A client that reconnects joins again and gets the present
 * state in media.joined.
 */
#include "live-media-private.h"

#include "api/ops.h"
#include "floor/floor-gate.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-media"

#define MUTE_AUDIO 1u
#define MUTE_VIDEO 2u

/* The one LiveMedia of the process, for the /metrics source (which cannot be removed) and the
 * database lookups that may finish after the media stopped. NULL once it stopped. */
static LiveMedia *the_media;
static gboolean metrics_added;

LiveMedia *live_media_current(void)
{
    return the_media;
}

/* ---- configuration ---- */

static MediaIceConfig *ice_config_from(const PhConfig *config, GError **error)
{
    g_autoptr(MediaIceConfig) ice = media_ice_config_new();
    g_autoptr(GError) local = NULL;

    if (*config->media_addresses) {
        g_auto(GStrv) list = g_strsplit(config->media_addresses, ",", -1);
        for (guint i = 0; list[i]; i++) {
            char *a = g_strstrip(list[i]);
            if (!*a)
                continue;
            if (!media_ice_config_add_address(ice, a, &local))
                goto bad_addresses;
        }
    }
    if (*config->media_public_address &&
        !media_ice_config_set_public_ipv4(ice, config->media_public_address, &local)) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE, "%s: [media] public_address: %s",
                    config->source, local->message);
        return NULL;
    }
    if (config->media_port_min &&
        !media_ice_config_set_port_range(ice, (guint)config->media_port_min,
                                         (guint)config->media_port_max, &local)) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE, "%s: [media] port_min: %s",
                    config->source, local->message);
        return NULL;
    }
    if (*config->media_turn_secret &&
        !media_ice_config_set_turn_secret(ice, config->media_turn_secret,
                                          (guint)config->media_turn_ttl_seconds, &local)) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE, "%s: [media] turn_secret: %s",
                    config->source, local->message);
        return NULL;
    }
    if (*config->media_turn_servers) {
        g_auto(GStrv) list = g_strsplit(config->media_turn_servers, ",", -1);
        const char *user = *config->media_turn_username ? config->media_turn_username : NULL;
        const char *cred = *config->media_turn_credential ? config->media_turn_credential : NULL;
        for (guint i = 0; list[i]; i++) {
            char *url = g_strstrip(list[i]);
            if (!*url)
                continue;
            if (!media_ice_config_add_turn_server(ice, url, user, cred, &local)) {
                g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                            "%s: [media] turn_servers: %s", config->source, local->message);
                return NULL;
            }
        }
    }
    return g_steal_pointer(&ice);

bad_addresses:
    g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE, "%s: [media] addresses: %s",
                config->source, local->message);
    return NULL;
}

gboolean live_media_check_config(const PhConfig *config, GError **error)
{
    g_autoptr(MediaIceConfig) ice = ice_config_from(config, error);
    return ice != NULL;
}

/* ---- meetings and rooms ---- */

static void meeting_free(gpointer data)
{
    MediaMeeting *mm = data;

    g_clear_pointer(&mm->participants, g_hash_table_unref);
    live_program_meeting_clear(mm); /* before its room */
    if (mm->room)
        media_room_destroy(mm->room);
    g_clear_pointer(&mm->mutes, g_hash_table_unref);
    g_clear_pointer(&mm->chair_sites, g_array_unref);
    g_free(mm);
}

MediaMeeting *live_media_meeting_ensure(LiveMedia *lm, gint64 meeting_id)
{
    MediaMeeting *mm = g_hash_table_lookup(lm->meetings, &meeting_id);
    if (mm)
        return mm;
    mm = g_new0(MediaMeeting, 1);
    mm->lm = lm;
    mm->meeting_id = meeting_id;
    mm->participants =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, live_media_participant_free);
    mm->mutes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    mm->chair_sites = g_array_new(FALSE, FALSE, sizeof(gint64));
    live_program_meeting_init(mm);
    g_hash_table_insert(lm->meetings, &mm->meeting_id, mm);
    return mm;
}

guint64 live_media_floor_participant(MediaMeeting *mm)
{
    if (!mm->floor_user)
        return 0;
    if (mm->floor_site &&
        g_hash_table_contains(mm->participants,
                              &(guint64){LIVE_MEDIA_SITE_BASE + (guint64)mm->floor_site}))
        return LIVE_MEDIA_SITE_BASE + (guint64)mm->floor_site;
    return (guint64)mm->floor_user;
}

/* Tells the room who holds the floor now. */
static void apply_floor(MediaMeeting *mm)
{
    g_autoptr(GError) error = NULL;
    if (mm->room && !media_room_set_floor(mm->room, live_media_floor_participant(mm), &error))
        g_warning("meeting %" G_GINT64_FORMAT ": floor not applied: %s", mm->meeting_id,
                  error->message);
}

static void apply_microphones(MediaMeeting *mm)
{
    g_autoptr(GError) error = NULL;
    if (mm->room && !media_room_set_open_microphones(mm->room, mm->open_microphones, &error))
        g_warning("meeting %" G_GINT64_FORMAT ": open microphones not applied: %s", mm->meeting_id,
                  error->message);
}

static void apply_mutes(MediaMeeting *mm, Participant *p)
{
    guint flags = p->user_id && !p->site_id
                      ? GPOINTER_TO_UINT(g_hash_table_lookup(mm->mutes, &p->user_id))
                      : 0;
    g_autoptr(GError) error = NULL;

    if (!mm->room)
        return;
    if (!media_room_mute(mm->room, p->id, MEDIA_KIND_AUDIO, (flags & MUTE_AUDIO) != 0, &error) ||
        !media_room_mute(mm->room, p->id, MEDIA_KIND_VIDEO, (flags & MUTE_VIDEO) != 0, &error))
        g_warning("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                  ": mute not applied: %s",
                  mm->meeting_id, p->id, error->message);
}

static gboolean is_chair_site(MediaMeeting *mm, gint64 site_id)
{
    for (guint i = 0; i < mm->chair_sites->len; i++) {
        if (g_array_index(mm->chair_sites, gint64, i) == site_id)
            return TRUE;
    }
    return FALSE;
}

/* A site is heard like the chair while a chair is checked in there, like a member otherwise. */
static void apply_site_role(MediaMeeting *mm, Participant *p)
{
    gboolean chair_hall = is_chair_site(mm, p->site_id);
    g_autoptr(GError) error = NULL;

    if (!p->site_id || !mm->room || chair_hall == p->chair_hall)
        return;
    if (!media_room_set_role(mm->room, p->id, chair_hall ? MEDIA_ROLE_CHAIR : MEDIA_ROLE_SITE,
                             &error)) {
        g_warning("meeting %" G_GINT64_FORMAT " site %" G_GINT64_FORMAT ": not applied: %s",
                  mm->meeting_id, p->site_id, error->message);
        return;
    }
    p->chair_hall = chair_hall;
    g_debug("meeting %" G_GINT64_FORMAT ": site %" G_GINT64_FORMAT " %s", mm->meeting_id,
            p->site_id, chair_hall ? "has a chair: heard like the chair" : "follows the floor");
}

typedef struct {
    gint64 meeting_id;
    guint64 lookup;
    GArray *sites; /* out */
} ChairSitesLookup;

static void chair_sites_lookup_free(gpointer data)
{
    ChairSitesLookup *l = data;

    g_clear_pointer(&l->sites, g_array_unref);
    g_free(l);
}

static gboolean chair_sites_job(DbConn *conn, gpointer data, GError **error)
{
    ChairSitesLookup *l = data;
    char mid[24];
    g_snprintf(mid, sizeof(mid), "%" G_GINT64_FORMAT, l->meeting_id);
    const char *p[] = {mid};
    g_autoptr(DbRows) rows =
        db_conn_exec(conn,
                     "SELECT DISTINCT a.site_id FROM attendance_current a "
                     "JOIN meetings m ON m.id = a.meeting_id "
                     "JOIN memberships s ON s.body_id = m.body_id AND s.user_id = a.user_id "
                     "  AND s.role = 'chair' "
                     "WHERE a.meeting_id = $1 AND a.present AND a.site_id IS NOT NULL",
                     1, p, error);
    if (!rows)
        return FALSE;
    for (guint i = 0; i < db_rows_count(rows); i++) {
        gint64 site = db_rows_get_int64(rows, i, 0);
        g_array_append_val(l->sites, site);
    }
    return TRUE;
}

static void chair_sites_done(gpointer data, const GError *error, gpointer user_data)
{
    ChairSitesLookup *l = data;
    LiveMedia *lm = live_media_current();
    MediaMeeting *mm;
    GHashTableIter it;
    gpointer value;

    if (!lm || error) {
        if (error)
            g_message("meeting %" G_GINT64_FORMAT ": cannot tell where the chair presides from "
                      "(%s): the halls stay as they were",
                      l->meeting_id, error->message);
        return;
    }
    mm = g_hash_table_lookup(lm->meetings, &l->meeting_id);
    if (!mm || mm->chair_lookup != l->lookup)
        return; /* gone, or a newer lookup is on its way */
    g_array_set_size(mm->chair_sites, 0);
    g_array_append_vals(mm->chair_sites, l->sites->data, l->sites->len);
    g_hash_table_iter_init(&it, mm->participants);
    while (g_hash_table_iter_next(&it, NULL, &value))
        apply_site_role(mm, value);
}

/* Looks up where the body's chairs are checked in; the halls' roles follow when it is back. */
static void refresh_chair_sites(MediaMeeting *mm)
{
    ChairSitesLookup *l = g_new0(ChairSitesLookup, 1);

    l->meeting_id = mm->meeting_id;
    l->lookup = ++mm->lm->floor_lookups;
    l->sites = g_array_new(FALSE, FALSE, sizeof(gint64));
    mm->chair_lookup = l->lookup;
    db_pool_run(mm->lm->app->db, chair_sites_job, l, chair_sites_lookup_free, chair_sites_done,
                NULL);
}

MediaRoom *live_media_meeting_room(MediaMeeting *mm, GError **error)
{
    if (mm->room)
        return mm->room;
    mm->room = media_engine_ensure_room(mm->lm->engine, mm->meeting_id, error);
    if (!mm->room)
        return NULL;
    mm->floor_applied = FALSE;
    if (mm->floor_user)
        apply_floor(mm);
    if (mm->open_microphones)
        apply_microphones(mm);
    return mm->room;
}

void live_media_meeting_tidy(MediaMeeting *mm)
{
    if (g_hash_table_size(mm->participants) > 0 || live_program_busy(mm) || mm->holds > 0)
        return;
    if (mm->room) {
        media_room_destroy(mm->room);
        mm->room = NULL;
        mm->speaker = 0;
    }
    if (!mm->floor_user && !mm->open_microphones && g_hash_table_size(mm->mutes) == 0)
        g_hash_table_remove(mm->lm->meetings, &mm->meeting_id); /* frees mm */
}

MediaRoom *live_media_hold_room(LiveMedia *lm, gint64 meeting_id, GError **error)
{
    MediaMeeting *mm = live_media_meeting_ensure(lm, meeting_id);
    MediaRoom *room = live_media_meeting_room(mm, error);

    if (!room) {
        live_media_meeting_tidy(mm);
        return NULL;
    }
    mm->holds++;
    return room;
}

void live_media_release_room(LiveMedia *lm, gint64 meeting_id)
{
    MediaMeeting *mm = g_hash_table_lookup(lm->meetings, &meeting_id);

    g_return_if_fail(mm != NULL && mm->holds > 0);
    mm->holds--;
    live_media_meeting_tidy(mm);
}

void live_media_send_to_chairs(LiveMedia *lm, gint64 meeting_id, JsonNode *node)
{
    MediaMeeting *mm = g_hash_table_lookup(lm->meetings, &meeting_id);

    if (mm)
        live_media_send_all(mm, node, TRUE);
}

void live_media_gate_joined(MediaMeeting *mm, Participant *p)
{
    apply_mutes(mm, p);
    if (p->site_id) {
        apply_site_role(mm, p); /* from what is known now, then from a fresh lookup */
        refresh_chair_sites(mm);
    }
    if (p->site_id && p->site_id == mm->floor_site && mm->floor_user)
        apply_floor(mm); /* the speaker's hall arrived: its microphones take the floor */
}

void live_media_gate_left(MediaMeeting *mm, Participant *p)
{
    if (p->site_id && p->site_id == mm->floor_site && mm->floor_user)
        apply_floor(mm); /* back to the speaker's own device */
}

/* ---- the floor gate (floor/floor-gate.h) ---- */

typedef struct {
    gint64 meeting_id;
    gint64 user_id;
    guint64 lookup;
    gint64 site_id; /* out */
} SiteLookup;

static gboolean site_lookup_job(DbConn *conn, gpointer data, GError **error)
{
    SiteLookup *l = data;
    char mid[24], uid[24];
    g_snprintf(mid, sizeof(mid), "%" G_GINT64_FORMAT, l->meeting_id);
    g_snprintf(uid, sizeof(uid), "%" G_GINT64_FORMAT, l->user_id);
    const char *p[] = {mid, uid};
    g_autoptr(DbRows) rows = db_conn_exec(conn,
                                          "SELECT site_id FROM attendance_current "
                                          "WHERE meeting_id = $1 AND user_id = $2 AND present",
                                          2, p, error);
    if (!rows)
        return FALSE;
    if (db_rows_count(rows) == 1 && !db_rows_is_null(rows, 0, 0))
        l->site_id = db_rows_get_int64(rows, 0, 0);
    return TRUE;
}

static void site_lookup_done(gpointer data, const GError *error, gpointer user_data)
{
    SiteLookup *l = data;
    LiveMedia *lm = live_media_current();
    MediaMeeting *mm;

    if (!lm || error) {
        if (error)
            g_message("meeting %" G_GINT64_FORMAT ": cannot tell where user %" G_GINT64_FORMAT
                      " speaks from (%s): the floor stays with their own device",
                      l->meeting_id, l->user_id, error->message);
        return;
    }
    mm = g_hash_table_lookup(lm->meetings, &l->meeting_id);
    if (!mm || mm->floor_lookup != l->lookup || mm->floor_user != l->user_id)
        return; /* the floor moved on meanwhile */
    if (mm->floor_site == l->site_id)
        return;
    mm->floor_site = l->site_id;
    apply_floor(mm);
}

/* Looks up the hall the floor holder is checked in at; the floor moves there when it is back. */
static void lookup_floor_site(MediaMeeting *mm)
{
    SiteLookup *l = g_new0(SiteLookup, 1);

    mm->floor_lookup = ++mm->lm->floor_lookups;
    l->meeting_id = mm->meeting_id;
    l->user_id = mm->floor_user;
    l->lookup = mm->floor_lookup;
    db_pool_run(mm->lm->app->db, site_lookup_job, l, g_free, site_lookup_done, NULL);
}

static void gate_grant(gpointer user_data, gint64 meeting_id, gint64 user_id)
{
    LiveMedia *lm = user_data;
    MediaMeeting *mm = live_media_meeting_ensure(lm, meeting_id);

    g_debug("meeting %" G_GINT64_FORMAT ": floor to user %" G_GINT64_FORMAT, meeting_id, user_id);
    mm->floor_user = user_id;
    mm->floor_site = 0;
    apply_floor(mm);
    lookup_floor_site(mm);
}

void live_media_attendance_changed(gint64 meeting_id)
{
    LiveMedia *lm = live_media_current();
    MediaMeeting *mm = lm ? g_hash_table_lookup(lm->meetings, &meeting_id) : NULL;

    if (!mm)
        return;
    if (mm->floor_user)
        lookup_floor_site(mm); /* the speaker may have come to a hall, or left it */
    if (g_hash_table_size(mm->participants) > 0)
        refresh_chair_sites(mm);
}

static void gate_revoke(gpointer user_data, gint64 meeting_id)
{
    LiveMedia *lm = user_data;
    MediaMeeting *mm = live_media_meeting_ensure(lm, meeting_id);

    g_debug("meeting %" G_GINT64_FORMAT ": floor closed", meeting_id);
    mm->floor_user = 0;
    mm->floor_site = 0;
    mm->floor_lookup = ++lm->floor_lookups;
    apply_floor(mm);
    live_media_meeting_tidy(mm);
}

static void gate_open_microphones(gpointer user_data, gint64 meeting_id, gboolean open)
{
    LiveMedia *lm = user_data;
    MediaMeeting *mm = live_media_meeting_ensure(lm, meeting_id);

    mm->open_microphones = open;
    apply_microphones(mm);
    live_media_meeting_tidy(mm);
}

static void gate_mute(gpointer user_data, gint64 meeting_id, gint64 user_id, gboolean audio,
                      gboolean video)
{
    LiveMedia *lm = user_data;
    MediaMeeting *mm = live_media_meeting_ensure(lm, meeting_id);
    guint flags = (audio ? MUTE_AUDIO : 0) | (video ? MUTE_VIDEO : 0);
    Participant *p;

    if (flags)
        g_hash_table_insert(mm->mutes, g_memdup2(&user_id, sizeof(user_id)),
                            GUINT_TO_POINTER(flags));
    else
        g_hash_table_remove(mm->mutes, &user_id);
    p = live_media_participant(mm, (guint64)user_id);
    if (p)
        apply_mutes(mm, p);
    live_media_meeting_tidy(mm);
}

static const FloorGate media_gate = {
    gate_grant,
    gate_revoke,
    gate_open_microphones,
    gate_mute,
};

/* ---- the engine's events ---- */

static MediaMeeting *meeting_of(LiveMedia *lm, gint64 meeting_id)
{
    MediaMeeting *mm = g_hash_table_lookup(lm->meetings, &meeting_id);
    return mm && mm->room ? mm : NULL;
}

static JsonBuilder *event_begin(const char *type, gint64 meeting_id)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, type);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, meeting_id);
    return b;
}

static void event_send(MediaMeeting *mm, JsonBuilder *b, gboolean chairs_only)
{
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    live_media_send_all(mm, node, chairs_only);
}

static void add_id_or_null(JsonBuilder *b, const char *name, gint64 id)
{
    json_builder_set_member_name(b, name);
    if (id)
        json_builder_add_int_value(b, id);
    else
        json_builder_add_null_value(b);
}

static void on_peer_state(gpointer user_data, gint64 meeting_id, guint64 participant_id,
                          gboolean up)
{
    MediaMeeting *mm = meeting_of(user_data, meeting_id);
    Participant *p = mm ? live_media_participant(mm, participant_id) : NULL;

    if (!p || p->connected == up)
        return;
    g_info("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": media %s", meeting_id,
           participant_id, up ? "connected" : "disconnected");
    p->connected = up;
    if (up && p->camera)
        live_media_camera_up(p); /* its tracks are in the room now */
    live_media_broadcast_peers(mm);
}

static void on_active_speaker(gpointer user_data, gint64 meeting_id, guint64 participant_id)
{
    MediaMeeting *mm = meeting_of(user_data, meeting_id);
    Participant *p = mm ? live_media_participant(mm, participant_id) : NULL;

    if (!mm || mm->speaker == participant_id)
        return;
    mm->speaker = participant_id;
    g_autoptr(JsonBuilder) b = event_begin("media.speaking", meeting_id);
    add_id_or_null(b, "participant_id", (gint64)participant_id);
    add_id_or_null(b, "user_id", p && !p->site_id ? p->user_id : 0);
    add_id_or_null(b, "site_id", p ? p->site_id : 0);
    event_send(mm, b, FALSE);
}

static void on_floor_applied(gpointer user_data, gint64 meeting_id, guint64 floor_holder,
                             gboolean open_microphones)
{
    MediaMeeting *mm = meeting_of(user_data, meeting_id);

    if (!mm)
        return;
    mm->floor_applied = TRUE;
    mm->applied_holder = floor_holder;
    live_program_set_speaker(mm, floor_holder);
    g_autoptr(JsonBuilder) b = event_begin("media.floor", meeting_id);
    add_id_or_null(b, "participant_id", (gint64)floor_holder);
    /* The person who holds the floor (when the worker's holder is still the current one). */
    add_id_or_null(b, "user_id",
                   floor_holder && floor_holder == live_media_floor_participant(mm) ? mm->floor_user
                                                                                    : 0);
    json_builder_set_member_name(b, "open_microphones");
    json_builder_add_boolean_value(b, open_microphones);
    event_send(mm, b, FALSE);
}

static void on_mute_applied(gpointer user_data, gint64 meeting_id, guint64 participant_id,
                            MediaKind kind, gboolean muted)
{
    MediaMeeting *mm = meeting_of(user_data, meeting_id);
    Participant *p = mm ? live_media_participant(mm, participant_id) : NULL;

    if (!p)
        return;
    gboolean *field = kind == MEDIA_KIND_AUDIO ? &p->muted_audio : &p->muted_video;
    if (*field == muted)
        return;
    *field = muted;
    g_autoptr(JsonBuilder) b = event_begin("media.muted", meeting_id);
    json_builder_set_member_name(b, "participant_id");
    json_builder_add_int_value(b, (gint64)participant_id);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, kind == MEDIA_KIND_AUDIO ? "audio" : "video");
    json_builder_set_member_name(b, "muted");
    json_builder_add_boolean_value(b, muted);
    event_send(mm, b, FALSE);
}

static void add_double(JsonBuilder *b, const char *name, double v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_double_value(b, v);
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

/* media.stats to the chairs and staff of the room: the figures of every participant. */
static void on_stats(gpointer user_data, gint64 meeting_id, const MediaPeerStats *stats,
                     guint n_stats)
{
    MediaMeeting *mm = meeting_of(user_data, meeting_id);
    MediaRoomCounters c;
    GHashTableIter iter;
    Participant *p;
    gboolean anyone = FALSE;

    if (!mm)
        return;
    g_hash_table_iter_init(&iter, mm->participants);
    while (!anyone && g_hash_table_iter_next(&iter, NULL, (gpointer *)&p))
        anyone = p->role == MEDIA_ROLE_CHAIR || g_str_equal(p->role_name, "staff");
    if (!anyone)
        return; /* nobody to show them to */
    g_autoptr(JsonBuilder) b = event_begin("media.stats", meeting_id);
    json_builder_set_member_name(b, "peers");
    json_builder_begin_array(b);
    for (guint i = 0; i < n_stats; i++) {
        const MediaPeerStats *s = &stats[i];
        Participant *who = live_media_participant(mm, s->participant_id);
        json_builder_begin_object(b);
        add_int(b, "participant_id", (gint64)s->participant_id);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, who ? who->name : "");
        json_builder_set_member_name(b, "role");
        json_builder_add_string_value(b, who ? who->role_name : "");
        json_builder_set_member_name(b, "connected");
        json_builder_add_boolean_value(b, s->connected);
        json_builder_set_member_name(b, "audio_open");
        json_builder_add_boolean_value(b, s->audio_open);
        json_builder_set_member_name(b, "muted_audio");
        json_builder_add_boolean_value(b, s->muted_audio);
        json_builder_set_member_name(b, "muted_video");
        json_builder_add_boolean_value(b, s->muted_video);
        add_int(b, "rx_bitrate_bps", (gint64)s->rx_bitrate_bps);
        add_int(b, "tx_bitrate_bps", (gint64)s->tx_bitrate_bps);
        add_int(b, "rx_packets", (gint64)s->rx_packets);
        add_int(b, "rx_lost", s->rx_lost);
        add_double(b, "rx_loss", s->rx_loss);
        add_double(b, "tx_loss", s->tx_loss);
        json_builder_set_member_name(b, "rtt_ms");
        if (s->rtt_us >= 0)
            json_builder_add_double_value(b, (double)s->rtt_us / 1000.0);
        else
            json_builder_add_null_value(b);
        add_int(b, "estimate_bps", (gint64)s->estimate_bps);
        json_builder_set_member_name(b, "layer");
        if (s->layer >= 0)
            json_builder_add_int_value(b, s->layer);
        else
            json_builder_add_null_value(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    media_room_get_counters(mm->room, &c);
    json_builder_set_member_name(b, "counters");
    json_builder_begin_object(b);
    add_int(b, "rx_packets", (gint64)c.rx_packets);
    add_int(b, "rx_malformed", (gint64)c.rx_malformed);
    add_int(b, "forwarded", (gint64)c.forwarded);
    add_int(b, "dropped_floor", (gint64)c.dropped_floor);
    add_int(b, "dropped_muted", (gint64)c.dropped_muted);
    add_int(b, "retransmitted", (gint64)c.retransmitted);
    add_int(b, "keyframe_requests", (gint64)c.keyframe_requests);
    add_int(b, "nacks_sent", (gint64)c.nacks_sent);
    add_int(b, "send_errors", (gint64)c.send_errors);
    json_builder_end_object(b);
    event_send(mm, b, TRUE);
}

static const MediaEngineListener listener = {
    .version = MEDIA_ENGINE_LISTENER_VERSION,
    .peer_state = on_peer_state,
    .active_speaker = on_active_speaker,
    .floor_applied = on_floor_applied,
    .mute_applied = on_mute_applied,
    .stats = on_stats,
};

/* ---- /metrics ---- */

typedef struct {
    const char *name;
    const char *type;
    const char *help;
} Metric;

static const Metric peer_metrics[] = {
    {"phonghop_media_peer_connected", "gauge", "1 while a participant's media connection is up."},
    {"phonghop_media_peer_audio_open", "gauge",
     "1 while the floor lets the participant's audio through to the others."},
    {"phonghop_media_peer_bitrate_bps", "gauge",
     "Media bitrate, bits per second: rx what the participant sends the server, tx what the "
     "server sends it."},
    {"phonghop_media_peer_loss_ratio", "gauge",
     "Fraction of packets lost in the last interval (worst stream): rx on the way to the "
     "server, tx as the participant reported."},
    {"phonghop_media_peer_rtt_seconds", "gauge", "Round trip between server and participant."},
    {"phonghop_media_peer_estimate_bps", "gauge",
     "The participant's receive bandwidth estimate (REMB), bits per second."},
    {"phonghop_media_peer_layer", "gauge",
     "Simulcast layer sent to the participant for its largest view (0 lowest, -1 none)."},
};

static void metric_head(GString *out, const Metric *m)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
}

typedef struct {
    GString *out;
    guint which;
} MetricsWalk;

static void peer_metric_lines(MediaRoom *room, gpointer data)
{
    MetricsWalk *w = data;
    gint64 meeting = media_room_get_meeting_id(room);
    g_autoptr(GArray) stats = media_room_dup_stats(room);
    GString *o = w->out;

    for (guint i = 0; i < stats->len; i++) {
        const MediaPeerStats *s = &g_array_index(stats, MediaPeerStats, i);
        char labels[96];
        g_snprintf(labels, sizeof(labels),
                   "meeting=\"%" G_GINT64_FORMAT "\",participant=\"%" G_GUINT64_FORMAT "\"",
                   meeting, s->participant_id);
        const char *name = peer_metrics[w->which].name;
        switch (w->which) {
        case 0:
            g_string_append_printf(o, "%s{%s} %d\n", name, labels, s->connected ? 1 : 0);
            break;
        case 1:
            g_string_append_printf(o, "%s{%s} %d\n", name, labels, s->audio_open ? 1 : 0);
            break;
        case 2:
            g_string_append_printf(o, "%s{%s,direction=\"rx\"} %" G_GUINT64_FORMAT "\n", name,
                                   labels, s->rx_bitrate_bps);
            g_string_append_printf(o, "%s{%s,direction=\"tx\"} %" G_GUINT64_FORMAT "\n", name,
                                   labels, s->tx_bitrate_bps);
            break;
        case 3:
            g_string_append_printf(o, "%s{%s,direction=\"rx\"} %.4f\n", name, labels, s->rx_loss);
            g_string_append_printf(o, "%s{%s,direction=\"tx\"} %.4f\n", name, labels, s->tx_loss);
            break;
        case 4:
            if (s->rtt_us >= 0)
                g_string_append_printf(o, "%s{%s} %.6f\n", name, labels,
                                       (double)s->rtt_us / G_USEC_PER_SEC);
            break;
        case 5:
            g_string_append_printf(o, "%s{%s} %" G_GUINT64_FORMAT "\n", name, labels,
                                   s->estimate_bps);
            break;
        case 6:
            g_string_append_printf(o, "%s{%s,direction=\"tx\"} %d\n", name, labels, s->layer);
            break;
        }
    }
}

typedef struct {
    const char *name;
    const char *help;
    gsize offset;
} RoomCounter;

static const RoomCounter room_counters[] = {
    {"phonghop_media_rx_packets_total", "RTP and RTCP packets received from participants.",
     G_STRUCT_OFFSET(MediaRoomCounters, rx_packets)},
    {"phonghop_media_rx_malformed_total", "Received packets that could not be read.",
     G_STRUCT_OFFSET(MediaRoomCounters, rx_malformed)},
    {"phonghop_media_forwarded_packets_total", "Packets forwarded to subscribers.",
     G_STRUCT_OFFSET(MediaRoomCounters, forwarded)},
    {"phonghop_media_dropped_floor_total",
     "Audio packets held back because their sender did not have the floor.",
     G_STRUCT_OFFSET(MediaRoomCounters, dropped_floor)},
    {"phonghop_media_dropped_muted_total", "Packets held back by the chair's mute.",
     G_STRUCT_OFFSET(MediaRoomCounters, dropped_muted)},
    {"phonghop_media_retransmitted_total", "Packets sent again for a NACK.",
     G_STRUCT_OFFSET(MediaRoomCounters, retransmitted)},
    {"phonghop_media_keyframe_requests_total", "Key frames asked of publishers (PLI, FIR).",
     G_STRUCT_OFFSET(MediaRoomCounters, keyframe_requests)},
    {"phonghop_media_nacks_sent_total", "Packets lost on publishers' uplinks and asked for again.",
     G_STRUCT_OFFSET(MediaRoomCounters, nacks_sent)},
    {"phonghop_media_send_errors_total", "Packets that could not be sent.",
     G_STRUCT_OFFSET(MediaRoomCounters, send_errors)},
};

typedef struct {
    GString *out;
    guint which;
    guint n_rooms;
} CounterWalk;

static void room_counter_lines(MediaRoom *room, gpointer data)
{
    CounterWalk *w = data;
    MediaRoomCounters c;
    media_room_get_counters(room, &c);
    guint64 v = G_STRUCT_MEMBER(guint64, &c, room_counters[w->which].offset);
    g_string_append_printf(w->out, "%s{meeting=\"%" G_GINT64_FORMAT "\"} %" G_GUINT64_FORMAT "\n",
                           room_counters[w->which].name, media_room_get_meeting_id(room), v);
    w->n_rooms++;
}

/* The hall cameras (RTSP ingest), one line per site and figure. */
static void camera_metrics(GString *out, LiveMedia *lm)
{
    static const Metric metrics[] = {
        {"phonghop_camera_playing", "gauge", "1 while the hall camera's stream flows."},
        {"phonghop_camera_reconnects_total", "counter",
         "Times the camera dropped and was connected again."},
        {"phonghop_camera_transcoding", "gauge",
         "1 when the camera's video is decoded and encoded again (a codec browsers refuse)."},
        {"phonghop_camera_audio_transcoding", "gauge",
         "1 when the camera's audio is decoded and encoded to Opus (G.711, AAC)."},
        {"phonghop_camera_packets_total", "counter", "RTP packets handed to the room."},
        {"phonghop_camera_dropped_total", "counter",
         "Packets dropped: the queue to the media worker was full."},
    };
    GHashTableIter mi, pi;
    gpointer value;
    for (guint k = 0; k < G_N_ELEMENTS(metrics); k++) {
        metric_head(out, &metrics[k]);
        g_hash_table_iter_init(&mi, lm->meetings);
        while (g_hash_table_iter_next(&mi, NULL, &value)) {
            MediaMeeting *mm = value;
            Participant *p;
            g_hash_table_iter_init(&pi, mm->participants);
            while (g_hash_table_iter_next(&pi, NULL, (gpointer *)&p)) {
                if (!p->camera)
                    continue;
                MediaCameraStats st;
                media_camera_get_stats(p->camera, &st);
                guint64 v = k == 0   ? (guint64)(st.state == MEDIA_CAMERA_PLAYING)
                            : k == 1 ? st.reconnects
                            : k == 2 ? (guint64)(st.transcoding[MEDIA_KIND_VIDEO] != 0)
                            : k == 3 ? (guint64)(st.transcoding[MEDIA_KIND_AUDIO] != 0)
                            : k == 4 ? st.packets
                                     : st.dropped;
                g_string_append_printf(out,
                                       "%s{meeting=\"%" G_GINT64_FORMAT
                                       "\",site=\"%" G_GINT64_FORMAT "\"} %" G_GUINT64_FORMAT "\n",
                                       metrics[k].name, mm->meeting_id, p->site_id, v);
            }
        }
    }
}

static void metrics_source(GString *out, gpointer user_data)
{
    LiveMedia *lm = the_media;
    MediaEngineCounters ec;
    GHashTableIter iter;
    MediaMeeting *mm;
    guint n_rooms = 0, n_participants = 0;

    if (!lm)
        return;
    g_hash_table_iter_init(&iter, lm->meetings);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&mm)) {
        n_rooms += mm->room != NULL;
        n_participants += g_hash_table_size(mm->participants);
    }
    media_engine_get_counters(lm->engine, &ec);
    g_string_append_printf(out,
                           "# HELP phonghop_media_workers Media worker threads.\n"
                           "# TYPE phonghop_media_workers gauge\n"
                           "phonghop_media_workers %u\n"
                           "# HELP phonghop_media_rooms Meetings whose media is running.\n"
                           "# TYPE phonghop_media_rooms gauge\n"
                           "phonghop_media_rooms %u\n"
                           "# HELP phonghop_media_participants Participants joined to media.\n"
                           "# TYPE phonghop_media_participants gauge\n"
                           "phonghop_media_participants %u\n"
                           "# HELP phonghop_media_commands_refused_total Changes refused by a "
                           "media worker whose queue was full.\n"
                           "# TYPE phonghop_media_commands_refused_total counter\n"
                           "phonghop_media_commands_refused_total %" G_GUINT64_FORMAT "\n"
                           "# HELP phonghop_media_events_dropped_total Statistics and speaker "
                           "events dropped because the main loop lagged.\n"
                           "# TYPE phonghop_media_events_dropped_total counter\n"
                           "phonghop_media_events_dropped_total %" G_GUINT64_FORMAT "\n",
                           media_engine_get_n_workers(lm->engine), n_rooms, n_participants,
                           ec.commands_refused, ec.events_dropped);
    for (guint i = 0; i < G_N_ELEMENTS(room_counters); i++) {
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", room_counters[i].name,
                               room_counters[i].help, room_counters[i].name);
        CounterWalk w = {out, i, 0};
        media_engine_foreach_room(lm->engine, room_counter_lines, &w);
    }
    for (guint i = 0; i < G_N_ELEMENTS(peer_metrics); i++) {
        metric_head(out, &peer_metrics[i]);
        MetricsWalk w = {out, i};
        media_engine_foreach_room(lm->engine, peer_metric_lines, &w);
    }
    camera_metrics(out, lm);
}

/* ---- the engine ---- */

LiveMedia *live_media_new(PhApp *app, GError **error)
{
    const PhConfig *config = app->config;
    g_autoptr(MediaIceConfig) ice = ice_config_from(config, error);
    g_autoptr(GError) local = NULL;
    LiveMedia *lm;

    if (!ice)
        return NULL;
    MediaEngineConfig ec = {
        .n_workers = (guint)config->media_workers,
        .ice = ice,
        .stats_interval_ms = (guint)config->media_stats_interval_ms,
    };
    MediaEngine *engine = media_engine_new(app->context, &ec, &local);
    if (!engine) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "the media engine could not start: %s", local->message);
        return NULL;
    }
    lm = g_new0(LiveMedia, 1);
    lm->app = app;
    lm->engine = engine;
    lm->ice = g_steal_pointer(&ice);
    lm->meetings = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, meeting_free);
    lm->program_states =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, live_program_state_free);
    lm->by_conn = g_hash_table_new(NULL, NULL);
    lm->joining = g_hash_table_new_full(NULL, NULL, (GDestroyNotify)ws_conn_unref, NULL);
    lm->pending = g_hash_table_new(NULL, NULL);
    lm->listener_id = media_engine_add_listener(engine, &listener, lm, NULL);
    g_assert(lm->listener_id != 0);
    floor_gate_register(app, &media_gate, lm);
    if (!metrics_added)
        ops_metrics_add_source(metrics_source, NULL);
    metrics_added = TRUE;
    the_media = lm;
    g_message("media: %u workers, addresses %s%s%s", media_engine_get_n_workers(engine),
              *config->media_addresses ? config->media_addresses : "(every interface)",
              *config->media_public_address ? ", public address " : "",
              config->media_public_address);
    return lm;
}

void live_media_free(LiveMedia *lm)
{
    GHashTableIter iter;
    gpointer key;

    if (!lm)
        return;
    floor_gate_register(lm->app, NULL, NULL);
    the_media = NULL;
    media_engine_remove_listener(lm->engine, lm->listener_id);
    /* Participants first (their connections' references), then the rooms with the engine. */
    g_hash_table_iter_init(&iter, lm->pending);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        live_media_pending_orphan(key, NULL, NULL);
    g_clear_pointer(&lm->pending, g_hash_table_unref);
    g_hash_table_remove_all(lm->by_conn);
    g_clear_pointer(&lm->meetings, g_hash_table_unref);
    g_clear_pointer(&lm->program_states, g_hash_table_unref);
    g_clear_pointer(&lm->by_conn, g_hash_table_unref);
    g_clear_pointer(&lm->joining, g_hash_table_unref);
    g_clear_pointer(&lm->engine, media_engine_free);
    /* The workers posted the answers of work they dropped to this context: deliver them now,
     * to their cleared lm, so none is left holding memory. */
    for (guint i = 0; i < 10000 && g_main_context_iteration(lm->app->context, FALSE); i++)
        ;
    g_clear_pointer(&lm->ice, media_ice_config_unref);
    g_free(lm);
}
