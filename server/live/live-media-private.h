/* live-media-private.h: what live-media.c (the /ws signaling) and live-media-engine.c (the
 * engine, the floor gate, events, statistics and /metrics) share. Main thread only.
 *
 * A MediaMeeting is the daemon's view of one meeting's media: the participants that joined
 * (each bound to the one WebSocket connection it joined from), the media room while anyone is
 * in it, and the floor as the floor service last told the gate, which outlives the room so a
 * grant made before anyone joined is applied when the room is made.
 *
 * Participant ids: a person is their user id; a site (a hall's camera and microphones) is
 * LIVE_MEDIA_SITE_BASE + its site id. Both are numbers a JavaScript client holds exactly.
 */
#pragma once

#include "live-media.h"
#include "media.h"

G_BEGIN_DECLS

#define LIVE_MEDIA_SITE_BASE ((guint64)1 << 40)

typedef struct _MediaMeeting MediaMeeting;
typedef struct _LiveProgramRun LiveProgramRun;
typedef struct _LiveArchive LiveArchive;

/* The receiving connection's negotiation, one offer at a time (JSEP: an offer is answered
 * before the next one is made). */
typedef enum {
    SUB_IDLE,      /* nothing in flight */
    SUB_MAKING,    /* media_room_subscribe() called, its offer not back yet */
    SUB_OFFERED,   /* our offer is with the client */
    SUB_ANSWERING, /* media_room_answer() called */
} SubState;

typedef struct {
    MediaMeeting *mm;
    guint64 id;     /* participant id */
    guint64 serial; /* unique per join: late replies for an earlier join are dropped */
    gint64 user_id; /* the person, or the staff member who joined for a site */
    gint64 site_id; /* 0 for a person */
    char *name;
    MediaRole role;
    const char *role_name; /* "chair", "member", "guest", "staff", "site" (static) */
    WsConn *conn;          /* a reference */
    gboolean connected;    /* a peer of it is up (peer_state) */
    gboolean muted_audio;  /* as the engine applied it */
    gboolean muted_video;
    gboolean chair_hall; /* a site where a chair is checked in: heard like the chair */
    /* publishing, from its last accepted offer */
    gboolean publishing;
    guint n_audio, n_video, n_layers;
    char *pub_fingerprint; /* of its publishing connection: a new one is a new connection */
    /* receiving */
    gboolean sub_wanted; /* sent media.subscribe */
    gboolean sub_all;    /* every publisher, or only sub_ids */
    GArray *sub_ids;     /* guint64 */
    SubState sub_state;
    gboolean sub_dirty; /* the set changed while a negotiation was in flight */
    GArray *held;       /* guint64: publishers left out of the next offer (their new connection) */
    gboolean holding;   /* the negotiation in flight leaves them out */
    gboolean sub_restart; /* an ICE restart waits for the negotiation in flight */
    JsonNode *sub_restart_ref;
    guint offer_id; /* of our last offer */
    /* a hall's IP camera (RTSP) publishing as this site, joined by the server (conn NULL) */
    MediaCamera *camera;
    char *camera_url;
    const char *camera_state; /* "connecting", "playing", "reconnecting" (static) */
} Participant;

struct _MediaMeeting {
    LiveMedia *lm;
    gint64 meeting_id;
    MediaRoom *room;          /* NULL while nobody is in it */
    GHashTable *participants; /* guint64 * -> Participant *, owned */
    /* the floor, as the floor service last told the gate */
    gint64 floor_user;    /* 0: nobody */
    gint64 floor_site;    /* the site the floor holder is checked in at, 0: none or unknown */
    guint64 floor_lookup; /* serial of the newest site lookup */
    gboolean open_microphones;
    GArray *chair_sites;    /* gint64: sites where a chair of the body is checked in */
    guint64 chair_lookup;   /* serial of the newest lookup of them */
    GHashTable *mutes;      /* gint64 * user -> GUINT_TO_POINTER(1 audio | 2 video) */
    guint64 speaker;        /* the last active speaker, 0 none */
    gboolean floor_applied; /* the engine confirmed the floor at least once */
    guint64 applied_holder; /* what it confirmed */
    guint holds;            /* live_media_hold_room(): keep the room while nobody is in it */
    /* the program (live-program.c), which keeps the room */
    LiveProgramRun *program;      /* the one running, NULL: none */
    GPtrArray *program_retiring;  /* LiveProgramRun *: ending cleanly, their archive closing */
    char *program_hls;            /* the HLS directory wanted, NULL: none */
    LiveArchive *program_archive; /* the archive wanted, NULL: none */
    GSource *program_settle;      /* the wants changed: the program follows shortly */
};

struct _LiveMedia {
    PhApp *app;
    MediaEngine *engine;
    MediaIceConfig *ice;
    guint listener_id;
    GHashTable *meetings; /* gint64 * -> MediaMeeting *, owned */
    GHashTable *by_conn;  /* WsConn * -> Participant * (borrowed) */
    GHashTable *joining;  /* WsConn * (a join's database lookup is in flight) */
    GHashTable *pending;  /* replies in flight (their lm is cleared when the media stops) */
    guint64 next_serial;
    guint64 floor_lookups;
    GHashTable *program_states; /* gint64 * meeting -> what its program shows (live-program.c) */
};

/* ---- live-media-engine.c ---- */

/* The running LiveMedia, NULL once it stopped: for database jobs that finish later. */
LiveMedia *live_media_current(void);

/* The meeting's state, made on first use (transfer none: owned by @lm). */
MediaMeeting *live_media_meeting_ensure(LiveMedia *lm, gint64 meeting_id);
/* The meeting's room, made when the first participant joins, with the floor, open microphones
 * applied (transfer none); NULL with MEDIA_ERROR_BUSY. */
MediaRoom *live_media_meeting_room(MediaMeeting *mm, GError **error);
/* The floor holder's participant id in the room now (their site's when they speak from a hall
 * that has joined), 0 for nobody. */
guint64 live_media_floor_participant(MediaMeeting *mm);
/* A participant joined or left: the floor follows a site, mutes are applied, a site where a
 * chair is checked in is heard like the chair. */
void live_media_gate_joined(MediaMeeting *mm, Participant *p);
void live_media_gate_left(MediaMeeting *mm, Participant *p);
/* Frees the room when nobody is in it and the meeting's state when nothing of it is left. */
void live_media_meeting_tidy(MediaMeeting *mm);

/* ---- live-program.c ---- */

void live_program_meeting_init(MediaMeeting *mm);
/* Frees its programs at once (before the room). */
void live_program_meeting_clear(MediaMeeting *mm);
/* A program runs, is ending or is wanted: the room is kept. */
gboolean live_program_busy(MediaMeeting *mm);
/* The room applied the floor: the program shows @holder large. */
void live_program_set_speaker(MediaMeeting *mm, guint64 holder);
/* The free function of LiveMedia.program_states' values. */
void live_program_state_free(gpointer data);

/* ---- live-media.c ---- */

/* The peers as the clients see them: [{"participant_id",...}] (transfer full). */
JsonNode *live_media_peers_json(MediaMeeting *mm);
/* Sends @node (transfer none) to every participant's connection (chairs and staff only when
 * @chairs_only). */
void live_media_send_all(MediaMeeting *mm, JsonNode *node, gboolean chairs_only);
/* Sends media.peers to everyone in the meeting. */
void live_media_broadcast_peers(MediaMeeting *mm);
Participant *live_media_participant(MediaMeeting *mm, guint64 participant_id);
/* A reply of the media library in flight (@key) when the media stops: it will find no media. */
void live_media_pending_orphan(gpointer key, gpointer value, gpointer user_data);
/* Drops everything of a participant (not the room's copy: the caller removes it first). */
void live_media_participant_free(gpointer data);
/* A camera site's media is up: the others receive it (new offers). */
void live_media_camera_up(Participant *p);

G_END_DECLS
