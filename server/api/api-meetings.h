/* api-meetings.h: what the meeting routes (api-meetings.c, api-agenda.c, api-attendance.c)
 * share: loading and locking a meeting, the finer read rule, the record's actor and visibility,
 * refusals from the domain's rules, and stricter readers of request fields.
 *
 * Everything here runs on a database worker inside the call's transaction (ApiRunFunc), like the
 * route functions that use it. Functions that set an answer on the call (400, 403, 409) return
 * FALSE through *ok (or their result) and leave the transaction to commit nothing harmful; a
 * FALSE return with error set is a database failure that rolls the call back.
 */
#pragma once

#include "api-internal.h"
#include "domain/agenda.h"
#include "domain/meeting.h"
#include "record/record.h"

G_BEGIN_DECLS

/* Times are answered as the schema's phonghop_ts(col) writes them: "2026-07-01T01:00:00Z". */

/* Roles of a body, for route tables. */
#define MTG_PREPARE (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT)
#define MTG_STAFF   (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT | AUTH_ROLE_CHAIR)
#define MTG_ANYONE  AUTH_ROLES_ALL

typedef struct {
    gint64 id;
    gint64 body_id;
    MtgStatus status;
    gboolean is_public;
    gint64 agenda_version;
    gint64 current_item_id; /* 0: none */
} MtgRow;

/* Loads the meeting ids[0] of the call; with lock, takes its row lock (FOR UPDATE) so changes of
 * one meeting are serialised, and reads the row as the previous change committed it. */
gboolean mtg_load(DbConn *conn, ApiCall *call, gboolean lock, MtgRow *m, GError **error);

/* The finer read rule over the route's roles (phonghop_may_read_meeting in the schema): staff
 * always; members once the meeting is scheduled; guests only when invited. *ok is FALSE with a
 * 403 answer set when the caller may not read it. */
gboolean mtg_check_read(DbConn *conn, ApiCall *call, const MtgRow *m, gboolean *ok, GError **error);

/* Sets the answer for a refusal of the domain's rules: 409 for MTG_ERROR_TRANSITION
 * ("invalid_transition"), MTG_ERROR_CLOSED ("meeting_closed"), MTG_ERROR_STATE ("wrong_state")
 * and AGENDA_ERROR_STALE ("conflict"); 400 otherwise, prefixed with "field 'FIELD': " when field
 * is not NULL. Takes nothing; error stays the caller's. */
void mtg_fail(ApiCall *call, const GError *error, const char *field);

/* "user:ID" of the caller, for the journal. (transfer full) */
char *mtg_actor(ApiCall *call);

/* Who receives an event of the meeting: the visibility to give record_event/record_fact, and the
 * audience it points into (owned). */
typedef struct {
    RecordVisibility visibility;
    gint64 *audience;
} MtgAudience;

/* Fills out for an event of meeting m. An event of its public face (face: its details, status,
 * sittings, agenda, attendance) goes to the public as well when the meeting is public and no
 * longer a draft; every other event (and every event of a draft or of a closed-door meeting)
 * only to those who may read the meeting now (phonghop_may_read_meeting): a draft's events
 * reach no member, an invitation's reach no guest who is not invited. */
gboolean mtg_audience(DbConn *conn, const MtgRow *m, gboolean face, MtgAudience *out,
                      GError **error);
void mtg_audience_clear(MtgAudience *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MtgAudience, mtg_audience_clear)

/* One row of rows as a JSON object (columns and kinds as api_add_rows; kind 'j' is a JSON text
 * column, inserted parsed). (transfer full) */
JsonNode *mtg_row_object(DbRows *rows, guint row, const char *const *cols, const char *kinds);
/* {name: rows as an array} and {name: first row} answers. (transfer full) */
JsonNode *mtg_wrap_rows(const char *name, DbRows *rows, const char *const *cols, const char *kinds);
JsonNode *mtg_wrap_row(const char *name, DbRows *rows, const char *const *cols, const char *kinds);

/* The meeting's agenda items in order (sub-items after their item): an array of {id, parent_id,
 * position, number ("2.1"), title, presenter, planned_minutes, is_public, sitting_id}. (transfer
 * full) or NULL with error. Defined in api-agenda.c. */
JsonNode *agenda_items_array(DbConn *conn, gint64 meeting_id, GError **error);

/* ---- request fields (each sets a 400 answer naming the field and returns FALSE) ---- */

/* Refuses members of the request body not named in allowed (NULL-terminated). */
gboolean mtg_body_known(ApiCall *call, const char *const *allowed);
/* TRUE when the request body has the member (even null). */
gboolean mtg_body_has(ApiCall *call, const char *name);
/* A boolean member; *out unchanged when absent. */
gboolean mtg_body_bool(ApiCall *call, const char *name, gboolean required, gboolean *out);
/* A date and time with its offset ("2026-07-01T08:00:00+07:00"); *out (transfer full) is its UTC
 * ISO 8601 text, or NULL when absent or null. */
gboolean mtg_body_time(ApiCall *call, const char *name, gboolean required, char **out);
/* A calendar date "YYYY-MM-DD"; *out (transfer full), NULL when absent or null. */
gboolean mtg_body_date(ApiCall *call, const char *name, gboolean required, char **out);
/* A string that must be one of choices (NULL-terminated); *out (transfer full), NULL when
 * absent. */
gboolean mtg_body_choice(ApiCall *call, const char *name, const char *const *choices,
                         gboolean required, char **out);
/* An id (positive integer) or null: *present tells whether the member was there, *out is 0 for
 * null. */
gboolean mtg_body_ref(ApiCall *call, const char *name, gboolean *present, gint64 *out);

/* Sends the meeting's user invitees a notification (kind "invitation", "meeting.changed" or
 * "meeting.postponed"); only_ids (n of them, may be NULL: all invitations) limits it. Marks the
 * invitations notified. */
gboolean mtg_notify_invitees(DbConn *conn, gint64 meeting_id, const char *kind,
                             const gint64 *only_ids, guint n_ids, GError **error);

G_END_DECLS
