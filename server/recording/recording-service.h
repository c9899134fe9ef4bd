/* recording-service.h: the session's record on video in the daemon: when meetings are recorded,
 * their files and marks listed in PostgreSQL, the start-up scan for files a crash left open, the
 * chair's view of the recording and its figures on /metrics.
 *
 * A meeting is recorded from its opening to its closing when [media] record_meetings is on, and
 * whenever its chair or secretariat starts it (POST .../recording/start) until they stop it or
 * the meeting closes. Each run is a row of `recordings` (schema/0008-recordings.sql); the media
 * library records the room (media.h, MediaRecording) into
 * RECORDING_DIR/meeting-<id>/<UTC start>/, and every file it opens is listed at once
 * (recording_segments, state open), then completed with its end, size and SHA-256 when closed.
 * The marks and the closed parts of the timeline are written by the database itself, in the
 * transaction of each event (phonghop_recording_follow()).
 *
 * At start-up, before recording anything, every file still listed as open was left by a process
 * that died: each is read to its end (media_segment_probe()) and hashed, and listed as recovered
 * (with the end its content reaches), unplayable or missing; the recordings it belonged to are
 * marked interrupted; what was found is kept in recording_scans and logged. Meetings still open
 * then get a new recording.
 *
 * The meeting's record says when it was recorded: recording.started and recording.stopped are
 * journaled facts of the meeting (with who started or stopped it), seen by every role of the
 * body, so nobody is recorded without the room knowing.
 *
 * Failures of a recording (a pipeline error, a full disk) never stop the meeting: they are
 * logged, kept as the recording's last_error, sent to the chair (media.recording; a participant
 * whose recording stopped for good also as the event recording.error) and counted on /metrics.
 *
 * Ownership: PhApp owns the one service (app->recordings), made after app->media and freed
 * before it. A clean shutdown first stops every recording (recording_service_stop_all(), within
 * the shutdown's grace); what is still running when the service is freed is dropped at once
 * (its files stay playable and the next start's scan completes them). Thread: main thread only.
 */
#pragma once

#include "app.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _RecordingService RecordingService;

#define RECORDING_STATUS_INTERVAL_S 5 /* how often the chair gets the figures while recording */

/* Transfer full. The directory is [media] recording_dir, or STATE_DIR/recordings. */
RecordingService *recording_service_new(PhApp *app);

/* The start-up scan, then a recording for every open meeting (when configured). */
void recording_service_start(RecordingService *service);

/* A committed change of a meeting's status ("open", "closed", ...): opening starts a recording
 * when [media] record_meetings is on; closing stops any. */
void recording_service_meeting_status(RecordingService *service, gint64 meeting_id,
                                      const char *status);

/* Starts recording now (@by_user: who asked, 0 for the configuration). Nothing happens when one
 * is already starting or running. */
void recording_service_start_meeting(RecordingService *service, gint64 meeting_id, gint64 by_user);
/* Stops the meeting's recording, if any (@by_user: who asked, 0 for the meeting's close): its
 * files are closed and listed. */
void recording_service_stop_meeting(RecordingService *service, gint64 meeting_id, gint64 by_user);

/* The server is stopping: every recording stops (files closed, hashed and listed) and none
 * starts any more. recording_service_n_running() falls to 0 when they are done. */
void recording_service_stop_all(RecordingService *service);
/* Recordings starting, running or stopping here (NULL-safe). */
guint recording_service_n_running(RecordingService *service);

/* The meeting's recording as the chair sees it (media.recording without "type"), or NULL when
 * none runs here. Transfer full. */
JsonNode *recording_service_status_json(RecordingService *service, gint64 meeting_id);

void recording_service_free(RecordingService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RecordingService, recording_service_free)

G_END_DECLS
