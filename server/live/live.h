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

/* Stops listening for new events (before the database pool goes away). */
void live_feed_shutdown(void);

G_END_DECLS
