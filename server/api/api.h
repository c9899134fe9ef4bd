/* api.h: everything phonghop answers over HTTP: the JSON API under /api/v1, /healthz, /metrics
 * and the web client's files. Main thread only. */
#pragma once

#include "app.h"

G_BEGIN_DECLS

/* Answers one request (now or after a database job). */
void api_handle_request(PhApp *app, HttpRequest *req);

/* The headers of a request with a body arrived: a route that streams its body (an upload) takes
 * it here; for any other the body is read as usual and api_handle_request follows. */
void api_begin_request(PhApp *app, HttpRequest *req);

G_END_DECLS
