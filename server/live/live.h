/* live.h: the live WebSocket (/ws): who is connected, and the messages they exchange with the
 * server. Main thread only.
 *
 * A connection is authenticated from the session cookie sent with the handshake (looked up in the
 * database once, when it opens); until that answer arrives, messages wait in a short queue. A
 * connection without a valid session stays open as a public client. Every message is a JSON
 * object with a "type"; see docs/live-protocol.md.
 */
#pragma once

#include "app.h"

G_BEGIN_DECLS

void live_ws_open(PhApp *app, WsConn *conn);
void live_ws_message(PhApp *app, WsConn *conn, const char *text, gsize len);
void live_ws_close(PhApp *app, WsConn *conn);

/* Stops listening for new events (before the database pool goes away). */
void live_feed_shutdown(void);

G_END_DECLS
