/* floor-store.h: a meeting's floor in the database: the speaker queue, the turns, the time limits.
 *
 * DOMAIN.md ("The floor"): members request to speak (speech, question, answer, point of order with
 * precedence); the chair grants, revokes, reorders; speaking time limits with warnings. The rules
 * are the pure state machine of server/domain/floor.h; the state lives in the tables of
 * schema/0005-floor.sql. Every change runs the same way, inside the caller's transaction on a
 * database worker:
 *   lock the meeting row; restore the floor from the tables (waiting requests in their order, the
 *   running turn with its limit and whether its warning went out); apply the command at the
 *   current time (which first catches up with any deadline that passed: a late timer never lets a
 *   speaker outlast the limit); save what the floor's events say; journal every grant, extension
 *   and end (record_fact), announce the queue, grants, warnings and ends as events of the meeting
 *   (to everyone for a public meeting, else to those who may read it); report what the media
 *   gate and the timers must do next.
 * A refused command (FLOOR_ERROR from the domain, FLOOR_STORE_ERROR here) writes nothing.
 *
 * Thread: database workers only (DbJobFunc context). Nothing here touches the main loop.
 *
 * Times in payloads are UTC, RFC 3339 with microseconds ("2026-11-21T09:30:00.000250Z", the
 * journal's form); durations are integers in milliseconds.
 */
#pragma once

#include "db.h"
#include "domain.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FLOOR_STORE_ERROR (floor_store_error_quark())
GQuark floor_store_error_quark(void);

typedef enum {
    FLOOR_STORE_ERROR_NO_MEETING,  /* no such meeting */
    FLOOR_STORE_ERROR_STATE,       /* the meeting's status does not allow it ("not open yet") */
    FLOOR_STORE_ERROR_NOT_PRESENT, /* the member is not checked in to the open meeting */
    FLOOR_STORE_ERROR_NOT_ALLOWED, /* not their request or turn, or not someone who may speak */
} FloorStoreError;

typedef enum {
    FLOOR_OP_TICK = 1, /* the server catches up with the deadlines (warning, end) */
    FLOOR_OP_REQUEST,  /* person_id asks to speak (kind) */
    FLOOR_OP_WITHDRAW, /* request_id leaves the queue (its person, or the chair removes it) */
    FLOOR_OP_MOVE,     /* the chair moves request_id to position */
    FLOOR_OP_GRANT,    /* the chair grants request_id (0: the head of the queue) */
    FLOOR_OP_GIVE,     /* the chair gives person_id the floor without a request (kind) */
    FLOOR_OP_FINISH,   /* the speaker yields, or the chair closes the turn as done */
    FLOOR_OP_REVOKE,   /* the chair takes the floor back */
    FLOOR_OP_EXTEND,   /* the chair gives the speaker extra_us more */
} FloorOp;

typedef struct {
    FloorOp op;
    gint64 actor_id;       /* the user who asks; 0 for the server itself (TICK) */
    gboolean actor_chairs; /* the actor holds the chair role in the meeting's body */
    gint64 person_id;      /* REQUEST, GIVE */
    FloorKind kind;        /* REQUEST, GIVE */
    gint64 request_id;     /* WITHDRAW, MOVE, GRANT */
    guint position;        /* MOVE: 0 is the head */
    gint64 extra_us;       /* EXTEND */
} FloorCommand;

/* What a change means for the main thread (plain values: it crosses threads by copy). */
typedef struct {
    gint64 meeting_id;
    gint64 event_seq;    /* the meeting's last event number after the change: orders outcomes */
    gint64 deadline_us;  /* when the floor next needs a tick (real time, us), or -1 */
    gboolean ended;      /* a turn ended: tell the gate before any grant */
    gint64 granted_user; /* a turn began for this user (0: none) */
    gint64 speaker_user; /* who holds the floor after the change (0: nobody) */
    gboolean microphones_open;
    gboolean microphones_changed;
    gint64 muted_user; /* a mute was asked for this user (0: none) */
    gboolean mute_audio;
    gboolean mute_video;
    gint64 request_id; /* REQUEST, GIVE: the request made */
} FloorOutcome;

/* Runs one command on the meeting's floor (see the top of this file). *out is filled on success;
 * *state (may be NULL) receives (transfer full) the floor after the change, as floor_store_get()
 * gives it. FALSE with FLOOR_ERROR (the domain refused: busy, idle, duplicate, not waiting,
 * invalid), FLOOR_STORE_ERROR or a database error; nothing is written then. */
gboolean floor_store_run(DbConn *conn, gint64 meeting_id, const FloorCommand *cmd,
                         FloorOutcome *out, JsonNode **state, GError **error);

/* The meeting's floor now, read only: (transfer full) {"meeting_id", "status", "speaker": null or
 * {request_id, user_id, full_name, kind, started_at, limit_ms, warning_ms, ends_at, remaining_ms},
 * "queue": [{request_id, user_id, full_name, kind, position, requested_at}], "microphones_open",
 * "limits": [{kind, limit_seconds, warning_seconds}], "server_time"}. *out (may be NULL) receives
 * the deadline and the speaker, for re-arming after a restart. */
gboolean floor_store_get(DbConn *conn, gint64 meeting_id, JsonNode **state, FloorOutcome *out,
                         GError **error);

/* The chair opens (or closes again) every microphone: saved, journaled and announced
 * (floor.microphones). Refused (STATE) unless the meeting is open. */
gboolean floor_store_set_microphones(DbConn *conn, gint64 meeting_id, gint64 actor_id,
                                     gboolean open, FloorOutcome *out, JsonNode **state,
                                     GError **error);

/* The chair mutes (or unmutes) a participant's audio and video: announced (floor.muted) and
 * passed to the gate through *out. NOT_ALLOWED when user_id has no role that speaks in the body. */
gboolean floor_store_mute(DbConn *conn, gint64 meeting_id, gint64 actor_id, gint64 user_id,
                          gboolean audio, gboolean video, FloorOutcome *out, GError **error);

/* The meetings whose floor needs the main thread after a start: a running turn, or microphones
 * left open. Appends gint64 ids to meeting_ids. */
gboolean floor_store_list_active(DbConn *conn, GArray *meeting_ids, GError **error);

/* The body's speaking-time limits per kind (its own, else the defaults), as
 * (transfer full) {"limits": [{kind, limit_seconds, warning_seconds, own}]}. */
gboolean floor_store_get_limits(DbConn *conn, gint64 body_id, JsonNode **limits, GError **error);

/* Sets one kind's limit for the body (0: no limit; warning 0: none, else shorter than the limit).
 * FALSE with FLOOR_ERROR_INVALID for values the rules refuse. Running turns keep their time. */
gboolean floor_store_set_limit(DbConn *conn, gint64 body_id, gint64 actor_id, FloorKind kind,
                               gint64 limit_seconds, gint64 warning_seconds, GError **error);

G_END_DECLS
