/* recording-scan.h: the start-up scan of the recordings' files a stopped server left open.
 *
 * Before anything is recorded, every file still listed as open (recording_segments, state open)
 * can only be a dead process's: each is read to its end (media_segment_probe()) and hashed, and
 * listed as recovered (with the end its content reaches), unplayable or missing; the recordings
 * it belonged to are marked interrupted; what was found is kept in recording_scans and logged.
 * Thread: main thread (the reading runs on a thread of its own).
 */
#pragma once

#include "db.h"

G_BEGIN_DECLS

typedef struct {
    guint found, recovered, unplayable, missing;
} RecordingScanResult;

/* The scan is over. @open_meetings (gint64): the meetings open after it, NULL when what was
 * found could not be written; @result: what it found, NULL when the open files could not even be
 * listed. Both borrowed for the call. */
typedef void (*RecordingScanDone)(const GArray *open_meetings, const RecordingScanResult *result,
                                  gpointer user_data);

/* Starts the scan; @done is called once on the main thread, unless cancelled. One at a time. */
void recording_scan_run(DbPool *db, RecordingScanDone done, gpointer user_data);
/* Forgets the scan running (its owner and @db are going): @done is not called. */
void recording_scan_cancel(void);

G_END_DECLS
