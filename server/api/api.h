/* api.h: everything phonghop answers over HTTP: the JSON API under /api/v1, /healthz, /metrics
 * and the web client's files. Main thread only. */
#pragma once

#include "app.h"

G_BEGIN_DECLS

/* Answers one request (now or after a database job). */
void api_handle_request(PhApp *app, HttpRequest *req);

G_END_DECLS
