/* ops.h: /healthz and /metrics, for operators and their monitoring. Main thread only. */
#pragma once

#include "app.h"

G_BEGIN_DECLS

/* 200 {"status":"ok",...} only when the database answers within 2 s; 503 otherwise. */
void ops_healthz(PhApp *app, HttpRequest *req);
/* Prometheus text format (version 0.0.4). */
void ops_metrics(PhApp *app, HttpRequest *req);

/* Other modules add lines to /metrics through a source: append complete Prometheus lines
 * (with # HELP and # TYPE) to out. */
typedef void (*OpsMetricsSource)(GString *out, gpointer user_data);
void ops_metrics_add_source(OpsMetricsSource source, gpointer user_data);

G_END_DECLS
