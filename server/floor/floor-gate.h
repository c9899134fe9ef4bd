/* floor-gate.h: the floor as the media server enforces it.
 *
 * DOMAIN.md: "The floor is enforced in the media server: a member's microphone reaches the session
 * only while they hold the floor (or the chair opens all microphones); when the chair grants the
 * floor every site switches to the speaker. This is the system's job, not each client's goodwill."
 *
 * The server decides who holds the floor (server/floor/floor-store.h, in the database); the media
 * integration enforces it by implementing this small interface and registering it with
 * floor_gate_register(). The server calls it on the main thread, after the change it reports has
 * committed, in the order things happened (an ended turn before the next grant), and once more for
 * every running turn and open microphones when it starts (a restart loses nothing). Calls must
 * return quickly: post the work to the media worker that owns the meeting and return.
 *
 * Until the media integration registers its gate, the default one does nothing (floor_gate_noop()),
 * so the floor works end to end without media.
 */
#pragma once

#include "app.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    /* user_id holds the floor of meeting_id now: route their audio to every site, switch every
     * site's view to them. Replaces any earlier speaker. */
    void (*grant)(gpointer user_data, gint64 meeting_id, gint64 user_id);
    /* Nobody holds the floor of meeting_id any more: close the speaker's microphone (unless
     * every microphone is open). */
    void (*revoke)(gpointer user_data, gint64 meeting_id);
    /* The chair opened (TRUE) or closed (FALSE) every microphone of meeting_id. */
    void (*open_microphones)(gpointer user_data, gint64 meeting_id, gboolean open);
    /* The chair muted (TRUE) or unmuted (FALSE) user_id's audio and video in meeting_id. */
    void (*mute)(gpointer user_data, gint64 meeting_id, gint64 user_id, gboolean audio,
                 gboolean video);
} FloorGate;

/* The default gate: every call does nothing. (transfer none, static) */
const FloorGate *floor_gate_noop(void);

/* Makes gate (transfer none: it must outlive the app, typically static) with user_data the one the
 * floor calls; NULL restores the no-op gate. Main thread. The media integration calls it once at
 * start-up, before the loop runs; the running turns are then announced to it. */
void floor_gate_register(PhApp *app, const FloorGate *gate, gpointer user_data);

G_END_DECLS
