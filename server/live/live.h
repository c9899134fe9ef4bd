/* live.h: the live WebSocket (/ws): who is connected, and the messages they exchange with the
 * server. Main thread only.
 *
 * A connection is authenticated from the session cookie sent with the handshake (looked up in the
 * database once, when it opens); until that answer arrives, messages wait in a short queue. A
 * connection without a valid session stays open as a public client. Every message is a JSON
 * object with a "type"; see docs/live-protocol.md.
 *
 * A signed-in connection lives only as long as its session: a message that arrives after the
 * session's end is refused and the connection closed (4401, "session ended"), and the sessions of
 * every signed-in connection are checked again in the database every LIVE_SESSION_CHECK_S
 * seconds, and at once after a sign-out or a password change on this server, so that a session
 * signed out, revoked (another process, an administrator) or whose user was disabled loses its
 * connections too.
 */
#pragma once

#include "app.h"

G_BEGIN_DECLS

void live_ws_open(PhApp *app, WsConn *conn);
void live_ws_message(PhApp *app, WsConn *conn, const char *text, gsize len);
void live_ws_close(PhApp *app, WsConn *conn);

/* Checks the sessions of every signed-in connection now (after a sign-out or a revocation was
 * committed): connections whose session ended are closed with 4401. */
void live_sessions_recheck(PhApp *app);
/* A hall screen bound to a site of a meeting by its token (site_screens, api-screens.c). */
typedef struct {
    gint64 screen_id; /* 0: no valid screen */
    gint64 meeting_id;
    gint64 body_id;
    gint64 site_id;
    char site_name[804]; /* up to 200 characters of UTF-8 */
    gint64 expires_us;   /* real time, microseconds */
    char expires_at[32]; /* "2026-11-24T13:00:00Z" */
} ScreenBinding;

/* Resolves a screen's token (not revoked, not expired) and notes its use. Database worker,
 * inside a transaction. TRUE with out->screen_id 0 when the token is missing or not valid;
 * FALSE with error when the database failed. */
gboolean live_screen_lookup(DbConn *conn, const char *token, ScreenBinding *out, GError **error);

/* The screen was revoked: its live connections are closed (code 4001) at once. Main thread. */
void live_screen_revoked(gint64 screen_id);

/* Stops listening for new events (before the database pool goes away). */
void live_feed_shutdown(void);

G_END_DECLS
