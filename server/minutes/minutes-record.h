/* minutes-record.h: what the draft minutes say, read from the meeting's record in the database.
 *
 * Gathers a MinutesData (minutes.h) for a meeting: the meeting and its body, the roster with who
 * checked in (attendance_events, schema 0004), invited guests who took part, the agenda, every
 * turn at the floor (floor_grants, schema 0005) and the votes. Database workers only, inside the
 * caller's transaction; reads only. The rendering is separate (minutes_render_pdf) and runs
 * elsewhere, so no database connection waits on Cairo.
 */
#pragma once

#include "db.h"
#include "minutes.h"

G_BEGIN_DECLS

/* Returns (transfer full) the meeting's minutes data, or NULL with the database's error
 * (MINUTES_ERROR_RENDER with "no meeting N" when it does not exist). */
MinutesData *minutes_record_gather(DbConn *conn, gint64 meeting_id, GError **error);

/* The votes hook: adds the meeting's vote results to data->votes with minutes_add_vote(), each
 * with its lines in the words of the law (server/domain/vote.h gives the wording). Called by
 * minutes_record_gather(); until polls are stored it adds nothing. */
gboolean minutes_record_gather_votes(DbConn *conn, gint64 meeting_id, MinutesData *data,
                                     GError **error);

G_END_DECLS
