/* floor.c: the speaker queue and the floor, as pure state and transitions.
 *
 * Design. DOMAIN.md ("The floor"): requests of kind speech, question, answer and point of order
 * (precedence); "The chair grants, revokes, reorders; speaking time limits with warnings." And
 * ARCHITECTURE.md: "Revoke or time-out closes it." The floor is a small state machine:
 *
 *   idle --grant/give--> speaking --end(finished|revoked)--> idle
 *                         speaking --tick past the limit, close_at_limit--> idle (time-up)
 *
 * with a queue of waiting requests beside it. Nothing here sleeps or arms a timer: time comes in
 * as an argument, and floor_next_deadline() tells the owner when to call again, which keeps the
 * whole thing testable to the microsecond and lets the media gate follow GRANTED and ENDED events
 * exactly. Each transition catches up with the clock first (floor_tick), so the order of events is
 * the order things happened even if a timer fired late. The queue is an array: councils have tens
 * of requests, not thousands, and moves are the chair's hand, so O(n) shifts cost nothing.
 *
 * An owner that keeps the state elsewhere (the server keeps it in the database, so that several
 * processes and a restart agree) restores it onto a fresh floor before each transition and saves
 * what the events say: restoring places requests and the turn exactly as saved, without
 * precedence, limits from the rules or events, so a restored floor behaves as the one it saves.
 */
#include "floor.h"

#include <string.h>

GQuark floor_error_quark(void)
{
    return g_quark_from_static_string("phonghop-floor-error-quark");
}

struct _Floor {
    FloorRules rules;
    GArray *queue; /* FloorRequest, in order */
    guint64 next_id;
    gint64 now_us; /* the latest time seen */

    gboolean speaking;
    FloorRequest speaker;
    gint64 granted_us;
    gint64 limit_us; /* allowed in all, extensions included; 0: none */
    gint64 warning_us;
    gboolean warned;
    gboolean time_up;
};

static const char *const kind_names[FLOOR_N_KINDS] = {"speech", "question", "answer",
                                                      "point_of_order"};

static gboolean kind_is_valid(FloorKind kind)
{
    return kind >= FLOOR_KIND_SPEECH && kind <= FLOOR_KIND_POINT_OF_ORDER;
}

const char *floor_kind_to_string(FloorKind kind)
{
    return kind_is_valid(kind) ? kind_names[kind - 1] : NULL;
}

gboolean floor_kind_parse(const char *text, FloorKind *kind, GError **error)
{
    g_return_val_if_fail(kind != NULL, FALSE);

    for (int i = 0; text != NULL && i < FLOOR_N_KINDS; i++) {
        if (strcmp(kind_names[i], text) == 0) {
            *kind = (FloorKind)(i + 1);
            return TRUE;
        }
    }
    g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID, "unknown kind of request \"%s\"",
                text != NULL ? text : "(none)");
    return FALSE;
}

gboolean floor_rules_validate(const FloorRules *rules, GError **error)
{
    g_return_val_if_fail(rules != NULL, FALSE);

    for (int i = 0; i < FLOOR_N_KINDS; i++) {
        const FloorLimit *limit = &rules->limits[i];

        if (limit->limit_us < 0 || limit->warning_us < 0) {
            g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                        "the time limit for %s cannot be negative", kind_names[i]);
            return FALSE;
        }
        if (limit->warning_us > 0 && limit->warning_us >= limit->limit_us) {
            g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                        "the warning for %s (%" G_GINT64_FORMAT " us before the end) must be "
                        "shorter than its limit (%" G_GINT64_FORMAT " us)",
                        kind_names[i], limit->warning_us, limit->limit_us);
            return FALSE;
        }
    }
    return TRUE;
}

Floor *floor_new(const FloorRules *rules, GError **error)
{
    Floor *floor;

    g_return_val_if_fail(rules != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!floor_rules_validate(rules, error))
        return NULL;
    floor = g_new0(Floor, 1);
    floor->rules = *rules;
    floor->queue = g_array_new(FALSE, FALSE, sizeof(FloorRequest));
    floor->next_id = 1;
    floor->now_us = G_MININT64;
    return floor;
}

void floor_free(Floor *floor)
{
    if (floor == NULL)
        return;
    g_clear_pointer(&floor->queue, g_array_unref);
    g_free(floor);
}

static void emit(GArray *events, FloorEventType type, const FloorRequest *request, gint64 at_us,
                 const FloorEvent *details)
{
    FloorEvent event = {0};

    if (events == NULL)
        return;
    if (details != NULL)
        event = *details;
    event.type = type;
    event.request = *request;
    event.at_us = at_us;
    g_array_append_val(events, event);
}

/* Takes `now_us` as the floor's time unless it goes backwards; returns the time to use. */
static gint64 advance(Floor *floor, gint64 now_us)
{
    if (now_us > floor->now_us)
        floor->now_us = now_us;
    return floor->now_us;
}

static void end_turn(Floor *floor, FloorEndReason reason, GArray *events)
{
    FloorEvent details = {.reason = reason};

    floor->speaking = FALSE;
    emit(events, FLOOR_EVENT_ENDED, &floor->speaker, floor->now_us, &details);
}

void floor_tick(Floor *floor, gint64 now_us, GArray *events)
{
    gint64 elapsed;

    g_return_if_fail(floor != NULL);

    advance(floor, now_us);
    if (!floor->speaking || floor->limit_us == 0)
        return;
    elapsed = floor->now_us - floor->granted_us;
    if (!floor->warned && floor->warning_us > 0 && elapsed >= floor->limit_us - floor->warning_us) {
        floor->warned = TRUE;
        if (elapsed < floor->limit_us) {
            FloorEvent details = {.remaining_us = floor->limit_us - elapsed};

            emit(events, FLOOR_EVENT_WARNING, &floor->speaker, floor->now_us, &details);
        }
    }
    if (!floor->time_up && elapsed >= floor->limit_us) {
        floor->time_up = TRUE;
        floor->warned = TRUE;
        emit(events, FLOOR_EVENT_TIME_UP, &floor->speaker, floor->now_us, NULL);
        if (floor->rules.close_at_limit)
            end_turn(floor, FLOOR_END_TIME_UP, events);
    }
}

gint64 floor_next_deadline(const Floor *floor)
{
    g_return_val_if_fail(floor != NULL, -1);

    if (!floor->speaking || floor->limit_us == 0)
        return -1;
    if (!floor->warned && floor->warning_us > 0)
        return floor->granted_us + floor->limit_us - floor->warning_us;
    if (!floor->time_up)
        return floor->granted_us + floor->limit_us;
    return -1;
}

static gint find_waiting(const Floor *floor, guint64 request_id)
{
    for (guint i = 0; i < floor->queue->len; i++) {
        if (g_array_index(floor->queue, FloorRequest, i).id == request_id)
            return (gint)i;
    }
    return -1;
}

static gboolean check_kind(FloorKind kind, GError **error)
{
    if (!kind_is_valid(kind)) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID, "unknown kind of request %d",
                    (int)kind);
        return FALSE;
    }
    return TRUE;
}

gboolean floor_request(Floor *floor, gint64 person_id, FloorKind kind, gint64 now_us,
                       guint64 *request_id, GArray *events, GError **error)
{
    FloorRequest request;
    FloorEvent details = {0};
    guint position;

    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    floor_tick(floor, now_us, events);
    if (!check_kind(kind, error))
        return FALSE;
    for (guint i = 0; i < floor->queue->len; i++) {
        const FloorRequest *r = &g_array_index(floor->queue, FloorRequest, i);

        if (r->person_id == person_id && r->kind == kind) {
            g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_DUPLICATE,
                        "%" G_GINT64_FORMAT
                        " already waits for the floor (%s, request %" G_GUINT64_FORMAT ")",
                        person_id, kind_names[kind - 1], r->id);
            return FALSE;
        }
    }

    request.id = floor->next_id++;
    request.person_id = person_id;
    request.kind = kind;
    request.requested_us = floor->now_us;

    /* DOMAIN.md: a point of order has precedence; the rest keep the order of request. */
    position = floor->queue->len;
    if (kind == FLOOR_KIND_POINT_OF_ORDER) {
        for (position = 0; position < floor->queue->len; position++) {
            if (g_array_index(floor->queue, FloorRequest, position).kind !=
                FLOOR_KIND_POINT_OF_ORDER)
                break;
        }
    }
    g_array_insert_val(floor->queue, position, request);

    details.position = position;
    emit(events, FLOOR_EVENT_REQUESTED, &request, floor->now_us, &details);
    if (request_id != NULL)
        *request_id = request.id;
    return TRUE;
}

static gboolean not_waiting(guint64 request_id, GError **error)
{
    g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_NOT_FOUND,
                "request %" G_GUINT64_FORMAT " is not waiting for the floor", request_id);
    return FALSE;
}

gboolean floor_withdraw(Floor *floor, guint64 request_id, gint64 now_us, GArray *events,
                        GError **error)
{
    FloorRequest request;
    gint index;

    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    floor_tick(floor, now_us, events);
    index = find_waiting(floor, request_id);
    if (index < 0)
        return not_waiting(request_id, error);
    request = g_array_index(floor->queue, FloorRequest, index);
    g_array_remove_index(floor->queue, (guint)index);
    emit(events, FLOOR_EVENT_WITHDRAWN, &request, floor->now_us, NULL);
    return TRUE;
}

gboolean floor_move(Floor *floor, guint64 request_id, guint position, gint64 now_us, GArray *events,
                    GError **error)
{
    FloorRequest request;
    FloorEvent details = {0};
    gint index;

    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    floor_tick(floor, now_us, events);
    index = find_waiting(floor, request_id);
    if (index < 0)
        return not_waiting(request_id, error);
    if (position >= floor->queue->len) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                    "position %u is past the end of the queue (%u waiting)", position,
                    floor->queue->len);
        return FALSE;
    }
    request = g_array_index(floor->queue, FloorRequest, index);
    g_array_remove_index(floor->queue, (guint)index);
    g_array_insert_val(floor->queue, position, request);

    details.position = position;
    emit(events, FLOOR_EVENT_MOVED, &request, floor->now_us, &details);
    return TRUE;
}

static gboolean check_idle(const Floor *floor, GError **error)
{
    if (floor->speaking) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_BUSY,
                    "%" G_GINT64_FORMAT " has the floor (request %" G_GUINT64_FORMAT
                    "): end or revoke that turn first",
                    floor->speaker.person_id, floor->speaker.id);
        return FALSE;
    }
    return TRUE;
}

static void start_turn(Floor *floor, const FloorRequest *request, GArray *events)
{
    const FloorLimit *limit = &floor->rules.limits[request->kind - 1];
    FloorEvent details = {0};

    floor->speaking = TRUE;
    floor->speaker = *request;
    floor->granted_us = floor->now_us;
    floor->limit_us = limit->limit_us;
    floor->warning_us = limit->warning_us;
    floor->warned = FALSE;
    floor->time_up = FALSE;

    details.limit_us = floor->limit_us;
    emit(events, FLOOR_EVENT_GRANTED, request, floor->now_us, &details);
}

gboolean floor_grant(Floor *floor, guint64 request_id, gint64 now_us, GArray *events,
                     GError **error)
{
    FloorRequest request;
    gint index;

    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    floor_tick(floor, now_us, events);
    if (!check_idle(floor, error))
        return FALSE;
    if (request_id == 0) {
        if (floor->queue->len == 0) {
            g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_NOT_FOUND,
                        "nobody is waiting for the floor");
            return FALSE;
        }
        index = 0;
    } else {
        index = find_waiting(floor, request_id);
        if (index < 0)
            return not_waiting(request_id, error);
    }
    request = g_array_index(floor->queue, FloorRequest, index);
    g_array_remove_index(floor->queue, (guint)index);
    start_turn(floor, &request, events);
    return TRUE;
}

gboolean floor_give(Floor *floor, gint64 person_id, FloorKind kind, gint64 now_us,
                    guint64 *request_id, GArray *events, GError **error)
{
    FloorRequest request;

    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    floor_tick(floor, now_us, events);
    if (!check_kind(kind, error) || !check_idle(floor, error))
        return FALSE;
    request.id = floor->next_id++;
    request.person_id = person_id;
    request.kind = kind;
    request.requested_us = floor->now_us;
    start_turn(floor, &request, events);
    if (request_id != NULL)
        *request_id = request.id;
    return TRUE;
}

static gboolean check_speaking(const Floor *floor, GError **error)
{
    if (!floor->speaking) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_IDLE, "nobody has the floor");
        return FALSE;
    }
    return TRUE;
}

gboolean floor_end(Floor *floor, FloorEndReason reason, gint64 now_us, GArray *events,
                   GError **error)
{
    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (reason != FLOOR_END_FINISHED && reason != FLOOR_END_REVOKED) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                    "a turn is ended as finished or revoked, not as %d", (int)reason);
        return FALSE;
    }
    floor_tick(floor, now_us, events);
    if (!check_speaking(floor, error))
        return FALSE;
    end_turn(floor, reason, events);
    return TRUE;
}

gboolean floor_extend(Floor *floor, gint64 extra_us, gint64 now_us, GArray *events, GError **error)
{
    FloorEvent details = {0};

    g_return_val_if_fail(floor != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    floor_tick(floor, now_us, events);
    if (!check_speaking(floor, error))
        return FALSE;
    if (floor->limit_us == 0 || extra_us <= 0 || extra_us > G_MAXINT64 / 4) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                    floor->limit_us == 0 ? "this turn has no time limit to extend"
                                         : "extra time must be positive");
        return FALSE;
    }
    floor->limit_us += extra_us;
    floor->warned = FALSE;
    floor->time_up = FALSE;
    details.limit_us = floor->limit_us;
    emit(events, FLOOR_EVENT_EXTENDED, &floor->speaker, floor->now_us, &details);
    floor_tick(floor, floor->now_us, events);
    return TRUE;
}

const FloorRequest *floor_get_speaker(const Floor *floor, gint64 *granted_us, gint64 *limit_us)
{
    g_return_val_if_fail(floor != NULL, NULL);

    if (!floor->speaking)
        return NULL;
    if (granted_us != NULL)
        *granted_us = floor->granted_us;
    if (limit_us != NULL)
        *limit_us = floor->limit_us;
    return &floor->speaker;
}

guint floor_get_queue_length(const Floor *floor)
{
    g_return_val_if_fail(floor != NULL, 0);

    return floor->queue->len;
}

const FloorRequest *floor_peek_queue(const Floor *floor, guint position)
{
    g_return_val_if_fail(floor != NULL, NULL);

    if (position >= floor->queue->len)
        return NULL;
    return &g_array_index(floor->queue, FloorRequest, position);
}

static gboolean holds_id(const Floor *floor, guint64 id)
{
    return find_waiting(floor, id) >= 0 || (floor->speaking && floor->speaker.id == id);
}

/* Checks a request that an owner restores: a fresh id and a known kind. */
static gboolean check_restored(const Floor *floor, const FloorRequest *request, GError **error)
{
    if (request->id == 0 || holds_id(floor, request->id)) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                    "request id %" G_GUINT64_FORMAT " is %s", request->id,
                    request->id == 0 ? "not a valid id" : "already in the floor");
        return FALSE;
    }
    return check_kind(request->kind, error);
}

gboolean floor_restore_request(Floor *floor, const FloorRequest *request, GError **error)
{
    g_return_val_if_fail(floor != NULL && request != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!check_restored(floor, request, error))
        return FALSE;
    for (guint i = 0; i < floor->queue->len; i++) {
        const FloorRequest *r = &g_array_index(floor->queue, FloorRequest, i);

        if (r->person_id == request->person_id && r->kind == request->kind) {
            g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_DUPLICATE,
                        "%" G_GINT64_FORMAT
                        " already waits for the floor (%s, request %" G_GUINT64_FORMAT ")",
                        request->person_id, kind_names[request->kind - 1], r->id);
            return FALSE;
        }
    }
    g_array_append_val(floor->queue, *request);
    if (request->id >= floor->next_id)
        floor->next_id = request->id + 1;
    return TRUE;
}

gboolean floor_restore_turn(Floor *floor, const FloorTurn *turn, GError **error)
{
    g_return_val_if_fail(floor != NULL && turn != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!check_idle(floor, error) || !check_restored(floor, &turn->request, error))
        return FALSE;
    if (turn->limit_us < 0 || turn->warning_us < 0 ||
        (turn->warning_us > 0 && turn->warning_us >= turn->limit_us)) {
        g_set_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID,
                    "a turn of %" G_GINT64_FORMAT " us with a warning %" G_GINT64_FORMAT
                    " us before its end cannot be restored",
                    turn->limit_us, turn->warning_us);
        return FALSE;
    }
    floor->speaking = TRUE;
    floor->speaker = turn->request;
    floor->granted_us = turn->granted_us;
    floor->limit_us = turn->limit_us;
    floor->warning_us = turn->warning_us;
    floor->warned = turn->warned || turn->time_up;
    floor->time_up = turn->time_up;
    if (turn->request.id >= floor->next_id)
        floor->next_id = turn->request.id + 1;
    return TRUE;
}

gboolean floor_get_turn(const Floor *floor, FloorTurn *turn)
{
    g_return_val_if_fail(floor != NULL && turn != NULL, FALSE);

    if (!floor->speaking)
        return FALSE;
    turn->request = floor->speaker;
    turn->granted_us = floor->granted_us;
    turn->limit_us = floor->limit_us;
    turn->warning_us = floor->warning_us;
    turn->warned = floor->warned;
    turn->time_up = floor->time_up;
    return TRUE;
}
