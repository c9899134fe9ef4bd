/* floor.h: the speaker queue and the floor of one meeting, as pure state and transitions.
 *
 * DOMAIN.md ("The floor"): "Members request to speak (đăng ký phát biểu): kinds speech, question
 * (chất vấn), answer, point of order (precedence). The chair grants, revokes, reorders; speaking
 * time limits with warnings."
 *
 * A Floor holds the waiting requests in order and at most one speaker. Every transition takes the
 * time (`now_us`, from one clock the owner chooses, typically g_get_monotonic_time(); the floor
 * never reads a clock and never runs a timer) and appends what happened to `events`, a GArray of
 * FloorEvent (may be NULL). The owner arms one timer for floor_next_deadline() and calls
 * floor_tick() when it fires; every transition first catches up with `now_us` the same way, so a
 * late timer never lets a speaker outlast a limit that closes the floor. A time earlier than one
 * already seen is taken as the latest seen.
 *
 * Ordering: a point of order goes before every waiting request that is not a point of order (after
 * those that are); every other request joins the end. The chair may then move any request to any
 * place; later points of order still go before the first waiting request that is not one.
 *
 * One owner, one thread, no locks. Errors (FLOOR_ERROR): INVALID for bad arguments or rules,
 * NOT_FOUND for a request not waiting, DUPLICATE for a second waiting request of one kind from one
 * person, BUSY when someone holds the floor, IDLE when nobody does.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FLOOR_ERROR (floor_error_quark())
GQuark floor_error_quark(void);

typedef enum {
    FLOOR_ERROR_INVALID,
    FLOOR_ERROR_NOT_FOUND,
    FLOOR_ERROR_DUPLICATE,
    FLOOR_ERROR_BUSY,
    FLOOR_ERROR_IDLE,
} FloorError;

typedef enum {
    FLOOR_KIND_SPEECH = 1,     /* phát biểu */
    FLOOR_KIND_QUESTION,       /* chất vấn */
    FLOOR_KIND_ANSWER,         /* trả lời chất vấn */
    FLOOR_KIND_POINT_OF_ORDER, /* precedence over the others */
} FloorKind;

#define FLOOR_N_KINDS 4

/* Stable string forms "speech" "question" "answer" "point_of_order". to_string returns a static
 * string, NULL for an unknown kind; parse fails with FLOOR_ERROR_INVALID. */
const char *floor_kind_to_string(FloorKind kind);
gboolean floor_kind_parse(const char *text, FloorKind *kind, GError **error);

typedef struct {
    gint64 limit_us;   /* speaking time; 0: no limit */
    gint64 warning_us; /* warn this long before the limit; 0: no warning; less than limit_us */
} FloorLimit;

/* The time rules (configurable per council): zeroed rules mean no limits. */
typedef struct {
    FloorLimit limits[FLOOR_N_KINDS]; /* indexed by kind - 1 */
    gboolean close_at_limit; /* TRUE: the floor closes when time is up; FALSE: the speaker is told
                              * and goes on until the chair ends it */
} FloorRules;

/* FALSE with FLOOR_ERROR_INVALID for a negative limit or warning, or a warning not shorter than
 * its limit. */
gboolean floor_rules_validate(const FloorRules *rules, GError **error);

typedef struct {
    guint64 id;       /* assigned by the floor, from 1 */
    gint64 person_id; /* a member, or a guest or official given the floor */
    FloorKind kind;
    gint64 requested_us;
} FloorRequest;

typedef enum {
    FLOOR_EVENT_REQUESTED = 1, /* joined the queue at `position` */
    FLOOR_EVENT_WITHDRAWN,     /* left the queue without speaking */
    FLOOR_EVENT_MOVED,         /* the chair moved it to `position` */
    FLOOR_EVENT_GRANTED,       /* has the floor, for `limit_us` (0: no limit) */
    FLOOR_EVENT_EXTENDED,      /* the chair gave more time: `limit_us` in all now */
    FLOOR_EVENT_WARNING,       /* `remaining_us` left */
    FLOOR_EVENT_TIME_UP,       /* the limit is reached */
    FLOOR_EVENT_ENDED,         /* the floor is free again, for `reason` */
} FloorEventType;

typedef enum {
    FLOOR_END_FINISHED = 1, /* the speaker yielded, or the chair closed the turn as done */
    FLOOR_END_REVOKED,      /* the chair took the floor back */
    FLOOR_END_TIME_UP,      /* the limit closed it (close_at_limit) */
} FloorEndReason;

typedef struct {
    FloorEventType type;
    FloorRequest request; /* the request concerned */
    gint64 at_us;
    guint position;        /* REQUESTED, MOVED: 0 is the head of the queue */
    gint64 limit_us;       /* GRANTED, EXTENDED */
    gint64 remaining_us;   /* WARNING */
    FloorEndReason reason; /* ENDED */
} FloorEvent;

typedef struct _Floor Floor;

/* Makes an idle floor with an empty queue. The rules are copied. Returns (transfer full), or NULL
 * with the error of floor_rules_validate(). */
Floor *floor_new(const FloorRules *rules, GError **error);
void floor_free(Floor *floor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Floor, floor_free)

/* A request to speak joins the queue (see Ordering). *request_id (may be NULL) gets its id.
 * DUPLICATE when the person already waits with a request of that kind; INVALID for an unknown
 * kind. Event: REQUESTED. */
gboolean floor_request(Floor *floor, gint64 person_id, FloorKind kind, gint64 now_us,
                       guint64 *request_id, GArray *events, GError **error);

/* A waiting request leaves the queue (withdrawn by its person, or removed by the chair).
 * NOT_FOUND when it is not waiting. Event: WITHDRAWN. */
gboolean floor_withdraw(Floor *floor, guint64 request_id, gint64 now_us, GArray *events,
                        GError **error);

/* The chair moves a waiting request to `position` (0 = head). NOT_FOUND when it is not waiting,
 * INVALID when position is past the end of the queue. Event: MOVED. */
gboolean floor_move(Floor *floor, guint64 request_id, guint position, gint64 now_us, GArray *events,
                    GError **error);

/* The chair grants the floor to a waiting request (request_id 0: the head of the queue). BUSY when
 * someone holds the floor (end or revoke it first), NOT_FOUND when the request is not waiting or
 * the queue is empty. Event: GRANTED. */
gboolean floor_grant(Floor *floor, guint64 request_id, gint64 now_us, GArray *events,
                     GError **error);

/* The chair gives the floor to someone who did not ask (an official who must answer, a guest).
 * *request_id (may be NULL) gets the id made for the turn. BUSY when someone holds the floor,
 * INVALID for an unknown kind. Event: GRANTED. */
gboolean floor_give(Floor *floor, gint64 person_id, FloorKind kind, gint64 now_us,
                    guint64 *request_id, GArray *events, GError **error);

/* Ends the current turn, as FINISHED or REVOKED. IDLE when nobody holds the floor, INVALID for
 * another reason. Event: ENDED. */
gboolean floor_end(Floor *floor, FloorEndReason reason, gint64 now_us, GArray *events,
                   GError **error);

/* The chair gives the speaker extra_us more (> 0). IDLE when nobody holds the floor, INVALID when
 * the turn has no limit or extra_us <= 0. Warning and time-up are armed again for the new limit.
 * Events: EXTENDED, then WARNING if the new limit is already within the warning. */
gboolean floor_extend(Floor *floor, gint64 extra_us, gint64 now_us, GArray *events, GError **error);

/* Catches up with now_us: WARNING once when the warning point is passed (not when the limit itself
 * is), TIME_UP once at the limit, then ENDED (FLOOR_END_TIME_UP) when the rules close the floor. */
void floor_tick(Floor *floor, gint64 now_us, GArray *events);

/* When floor_tick() next has something to do (a warning or a limit), or -1 for never. */
gint64 floor_next_deadline(const Floor *floor);

/* The current turn, or NULL when the floor is idle (transfer none, valid until the next
 * transition). *granted_us and *limit_us (each may be NULL) get its start and allowed time. */
const FloorRequest *floor_get_speaker(const Floor *floor, gint64 *granted_us, gint64 *limit_us);

/* Waiting requests, and the one at `position` (transfer none, valid until the next transition;
 * NULL past the end). */
guint floor_get_queue_length(const Floor *floor);
const FloorRequest *floor_peek_queue(const Floor *floor, guint position);

/* ---- saving and restoring ----
 *
 * An owner that keeps the floor's state elsewhere (a database shared by several processes, or
 * across a restart) rebuilds it on a fresh floor before each transition: the waiting requests in
 * their saved order, then the current turn. Restoring emits nothing and applies no rule: no
 * precedence (the saved order is the order, the chair's moves included) and no limit from the
 * rules (a saved turn keeps the time it was given, extensions included). Ids are then the
 * owner's: unique and > 0; ids the floor assigns afterwards are above every restored one. */

/* A turn as saved: who speaks, since when, for how long, and which deadlines have passed. */
typedef struct {
    FloorRequest request;
    gint64 granted_us;
    gint64 limit_us;   /* allowed in all, extensions included; 0: no limit */
    gint64 warning_us; /* warn this long before the limit; 0: no warning */
    gboolean warned;   /* the warning was given (or its point passed) */
    gboolean time_up;  /* the limit was reached (only on a floor that does not close at it) */
} FloorTurn;

/* Appends a waiting request at the end of the queue, as it is (id, kind, time). INVALID for an id
 * of 0 or one the floor already holds, or an unknown kind; DUPLICATE when the person already waits
 * with a request of that kind. */
gboolean floor_restore_request(Floor *floor, const FloorRequest *request, GError **error);

/* Puts back the current turn. BUSY when the floor already has one; INVALID for an id of 0 or one
 * the floor already holds, an unknown kind, a negative limit or warning, or a warning not shorter
 * than its limit. The next transition catches up with its deadlines as usual. */
gboolean floor_restore_turn(Floor *floor, const FloorTurn *turn, GError **error);

/* Copies the current turn into *turn, for saving; FALSE when the floor is idle. */
gboolean floor_get_turn(const Floor *floor, FloorTurn *turn);

G_END_DECLS
