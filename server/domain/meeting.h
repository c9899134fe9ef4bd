/* meeting.h: a meeting's kind and lifecycle, as pure rules (no I/O, no clock).
 *
 * DOMAIN.md ("Meetings"): kinds thường lệ (regular), bất thường (extraordinary), thứ nhất (first
 * of a term), chuyên đề (thematic), chất vấn (interpellation). "Lifecycle: draft → scheduled
 * (invitations out) → open → closed → archived. Nothing of a closed meeting is edited:
 * corrections are new, dated entries."
 *
 * The transitions: draft → scheduled (the invitations go out); scheduled → draft (postponed
 * before it opened); scheduled → open; open → closed; closed → archived. Nothing else, and
 * nothing leaves archived. What may happen in each state is answered here too, so every caller
 * refuses the same things with the same words.
 *
 * Errors (MTG_ERROR): INVALID for an unknown name, TRANSITION for a transition the lifecycle does
 * not have, CLOSED for an edit of a closed or archived meeting, STATE for an action the state
 * does not allow yet (a check-in before the meeting is scheduled). Messages are written for the
 * person who asked ("meeting is closed: add a correction instead").
 *
 * All functions are pure and thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MTG_ERROR (mtg_error_quark())
GQuark mtg_error_quark(void);

typedef enum {
    MTG_ERROR_INVALID,
    MTG_ERROR_TRANSITION,
    MTG_ERROR_CLOSED,
    MTG_ERROR_STATE,
} MtgError;

typedef enum {
    MTG_STATUS_DRAFT = 1,
    MTG_STATUS_SCHEDULED,
    MTG_STATUS_OPEN,
    MTG_STATUS_CLOSED,
    MTG_STATUS_ARCHIVED,
} MtgStatus;

/* "draft" "scheduled" "open" "closed" "archived": static strings; NULL for an unknown status. */
const char *mtg_status_to_string(MtgStatus status);
/* FALSE with MTG_ERROR_INVALID for an unknown name. */
gboolean mtg_status_parse(const char *name, MtgStatus *status, GError **error);

/* TRUE for "regular" "extraordinary" "first_of_term" "thematic" "interpellation". */
gboolean mtg_kind_is_valid(const char *kind);

/* TRUE when from → to is a transition of the lifecycle; otherwise FALSE with
 * MTG_ERROR_TRANSITION (or MTG_ERROR_CLOSED when a closed or archived meeting would go back),
 * saying what the meeting needs first ("meeting is a draft: schedule it before opening it"). */
gboolean mtg_transition_check(MtgStatus from, MtgStatus to, GError **error);

/* The meeting, its agenda, sittings and invitations may be edited: TRUE in draft, scheduled and
 * open; FALSE with MTG_ERROR_CLOSED ("meeting is closed: add a correction instead") otherwise. */
gboolean mtg_check_editable(MtgStatus status, GError **error);

/* Members may check in and out (scheduled: they arrive before the chair opens; open): otherwise
 * MTG_ERROR_STATE for a draft, MTG_ERROR_CLOSED for a closed or archived meeting. */
gboolean mtg_check_attendance(MtgStatus status, GError **error);

/* Invitees may answer (scheduled, open): otherwise MTG_ERROR_STATE or MTG_ERROR_CLOSED. */
gboolean mtg_check_rsvp(MtgStatus status, GError **error);

/* The chair may set the current item: only while open (MTG_ERROR_STATE or MTG_ERROR_CLOSED). */
gboolean mtg_check_running(MtgStatus status, GError **error);

/* Corrections are added to closed and archived meetings only (MTG_ERROR_STATE otherwise: an
 * unclosed meeting is edited directly). */
gboolean mtg_check_correctable(MtgStatus status, GError **error);

G_END_DECLS
