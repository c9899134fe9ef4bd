/* floor-service.h: the floor's main-thread side: the media gate and the speaking-time timers.
 *
 * The floor's state is in the database (floor-store.h); what runs between changes lives here,
 * owned by PhApp (app->floor) on the main thread:
 *  - the media gate (floor-gate.h), told of every grant, end, opened microphones and mute once
 *    the change has committed;
 *  - one timer per meeting with a running turn, a GSource on app->context armed for the floor's
 *    next deadline (the warning, then the end). When it fires, a database job catches the floor
 *    up (floor.warning; at the end floor.ended with the system as actor) and reports the next
 *    deadline. A turn the chair extended or revoked meanwhile is simply found so by that job.
 * At start-up floor_service_start() finds the running turns and open microphones in the database,
 * tells the gate and re-arms their timers, ending at once any turn whose time ran out while the
 * server was down.
 *
 * Outcomes may reach the main thread out of order (two database workers); each carries the
 * meeting's event number at its commit, and an outcome older than one already applied is ignored,
 * so a stale "no deadline" never disarms a newer turn's timer.
 *
 * Main thread only.
 */
#pragma once

#include "app.h"
#include "floor-gate.h"
#include "floor-store.h"

G_BEGIN_DECLS

typedef struct _FloorService FloorService;

/* Makes the service with the no-op gate. Call after app->db and app->context exist. (transfer
 * full) */
FloorService *floor_service_new(PhApp *app);

/* Finds running turns and open microphones (a database job), tells the gate, arms the timers. */
void floor_service_start(FloorService *service);

/* Applies a committed change: the gate in the order things happened (an end before a grant),
 * then the meeting's timer for outcome->deadline_us. outcome: transfer none. */
void floor_service_apply(FloorService *service, const FloorOutcome *outcome);

/* Replaces the gate (NULL: the no-op gate). See floor_gate_register(). */
void floor_service_set_gate(FloorService *service, const FloorGate *gate, gpointer user_data);

/* Stops every timer and frees. Call after the database pool is freed (its last completions may
 * still apply outcomes). NULL is allowed. */
void floor_service_free(FloorService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FloorService, floor_service_free)

G_END_DECLS
