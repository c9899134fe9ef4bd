/* meeting.c: kinds and the lifecycle of a meeting.
 *
 * Design. The lifecycle is a small table of allowed (from, to) pairs; every refusal says what the
 * meeting needs first, because the person who reads it is a secretary or a chair in front of a
 * room, not a programmer. A closed meeting is the record (DOMAIN.md: "Nothing of a closed meeting
 * is edited: corrections are new, dated entries"), so every edit of one, and every attempt to
 * reopen it, is refused with the same words pointing at corrections. The state checks for the
 * other actions (attendance, RSVP, the current item, corrections) live here as well, so the HTTP
 * routes and any later caller (the live protocol) agree on them.
 */
#include "meeting.h"

#include <string.h>

GQuark mtg_error_quark(void)
{
    return g_quark_from_static_string("phonghop-meeting-error-quark");
}

static const char *const status_names[] = {NULL,   "draft",  "scheduled",
                                           "open", "closed", "archived"};

const char *mtg_status_to_string(MtgStatus status)
{
    if (status < MTG_STATUS_DRAFT || status > MTG_STATUS_ARCHIVED)
        return NULL;
    return status_names[status];
}

gboolean mtg_status_parse(const char *name, MtgStatus *status, GError **error)
{
    for (guint s = MTG_STATUS_DRAFT; s <= MTG_STATUS_ARCHIVED; s++) {
        if (name && strcmp(name, status_names[s]) == 0) {
            *status = (MtgStatus)s;
            return TRUE;
        }
    }
    g_set_error(error, MTG_ERROR, MTG_ERROR_INVALID,
                "unknown meeting status '%s': draft, scheduled, open, closed or archived",
                name ? name : "(null)");
    return FALSE;
}

gboolean mtg_kind_is_valid(const char *kind)
{
    static const char *const kinds[] = {"regular", "extraordinary", "first_of_term", "thematic",
                                        "interpellation"};
    for (guint i = 0; kind && i < G_N_ELEMENTS(kinds); i++)
        if (strcmp(kind, kinds[i]) == 0)
            return TRUE;
    return FALSE;
}

static gboolean closed_error(MtgStatus status, GError **error)
{
    g_set_error(error, MTG_ERROR, MTG_ERROR_CLOSED, "meeting is %s: add a correction instead",
                mtg_status_to_string(status));
    return FALSE;
}

gboolean mtg_transition_check(MtgStatus from, MtgStatus to, GError **error)
{
    const char *f = mtg_status_to_string(from), *t = mtg_status_to_string(to);
    if (!f || !t) {
        g_set_error(error, MTG_ERROR, MTG_ERROR_INVALID, "unknown meeting status %d or %d", from,
                    to);
        return FALSE;
    }
    if (from == to) {
        g_set_error(error, MTG_ERROR, MTG_ERROR_TRANSITION, "meeting is already %s", f);
        return FALSE;
    }
    switch (to) {
    case MTG_STATUS_SCHEDULED:
        if (from == MTG_STATUS_DRAFT)
            return TRUE;
        break;
    case MTG_STATUS_DRAFT:
        if (from == MTG_STATUS_SCHEDULED)
            return TRUE;
        break;
    case MTG_STATUS_OPEN:
        if (from == MTG_STATUS_SCHEDULED)
            return TRUE;
        if (from == MTG_STATUS_DRAFT) {
            g_set_error(error, MTG_ERROR, MTG_ERROR_TRANSITION,
                        "meeting is a draft: schedule it before opening it");
            return FALSE;
        }
        break;
    case MTG_STATUS_CLOSED:
        if (from == MTG_STATUS_OPEN)
            return TRUE;
        if (from < MTG_STATUS_OPEN) {
            g_set_error(error, MTG_ERROR, MTG_ERROR_TRANSITION,
                        "meeting is %s: only an open meeting is closed", f);
            return FALSE;
        }
        break;
    case MTG_STATUS_ARCHIVED:
        if (from == MTG_STATUS_CLOSED)
            return TRUE;
        g_set_error(error, MTG_ERROR, MTG_ERROR_TRANSITION,
                    "meeting is %s: only a closed meeting is archived", f);
        return FALSE;
    }
    if (from >= MTG_STATUS_CLOSED)
        return closed_error(from, error);
    g_set_error(error, MTG_ERROR, MTG_ERROR_TRANSITION, "meeting is %s: it cannot become %s", f, t);
    return FALSE;
}

gboolean mtg_check_editable(MtgStatus status, GError **error)
{
    if (status >= MTG_STATUS_CLOSED)
        return closed_error(status, error);
    return TRUE;
}

gboolean mtg_check_attendance(MtgStatus status, GError **error)
{
    if (status >= MTG_STATUS_CLOSED)
        return closed_error(status, error);
    if (status == MTG_STATUS_DRAFT) {
        g_set_error(error, MTG_ERROR, MTG_ERROR_STATE,
                    "meeting is a draft: check-in starts once it is scheduled");
        return FALSE;
    }
    return TRUE;
}

gboolean mtg_check_rsvp(MtgStatus status, GError **error)
{
    if (status >= MTG_STATUS_CLOSED)
        return closed_error(status, error);
    if (status == MTG_STATUS_DRAFT) {
        g_set_error(error, MTG_ERROR, MTG_ERROR_STATE,
                    "meeting is a draft: its invitations have not been sent");
        return FALSE;
    }
    return TRUE;
}

gboolean mtg_check_running(MtgStatus status, GError **error)
{
    if (status >= MTG_STATUS_CLOSED)
        return closed_error(status, error);
    if (status != MTG_STATUS_OPEN) {
        g_set_error(error, MTG_ERROR, MTG_ERROR_STATE, "meeting is %s: the chair opens it first",
                    mtg_status_to_string(status));
        return FALSE;
    }
    return TRUE;
}

gboolean mtg_check_correctable(MtgStatus status, GError **error)
{
    if (status < MTG_STATUS_CLOSED) {
        g_set_error(error, MTG_ERROR, MTG_ERROR_STATE,
                    "meeting is %s: edit it directly; corrections are for closed meetings",
                    mtg_status_to_string(status));
        return FALSE;
    }
    return TRUE;
}
