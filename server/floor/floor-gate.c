/* floor-gate.c: the no-op media gate, used until the media integration registers its own.
 *
 * Each call is logged at debug level, so a deployment without media still shows in its log what
 * the media server would have been told.
 */
#include "floor-gate.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-floor"

static void noop_grant(gpointer user_data, gint64 meeting_id, gint64 user_id)
{
    g_debug("meeting %" G_GINT64_FORMAT ": media gate (none): floor to user %" G_GINT64_FORMAT,
            meeting_id, user_id);
}

static void noop_revoke(gpointer user_data, gint64 meeting_id)
{
    g_debug("meeting %" G_GINT64_FORMAT ": media gate (none): floor closed", meeting_id);
}

static void noop_open_microphones(gpointer user_data, gint64 meeting_id, gboolean open)
{
    g_debug("meeting %" G_GINT64_FORMAT ": media gate (none): every microphone %s", meeting_id,
            open ? "open" : "closed");
}

static void noop_mute(gpointer user_data, gint64 meeting_id, gint64 user_id, gboolean audio,
                      gboolean video)
{
    g_debug("meeting %" G_GINT64_FORMAT ": media gate (none): user %" G_GINT64_FORMAT
            " audio %s, video %s",
            meeting_id, user_id, audio ? "muted" : "unmuted", video ? "muted" : "unmuted");
}

static const FloorGate noop_gate = {
    noop_grant,
    noop_revoke,
    noop_open_microphones,
    noop_mute,
};

const FloorGate *floor_gate_noop(void)
{
    return &noop_gate;
}
