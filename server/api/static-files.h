/* static-files.h: the built web client, served from its directory. Main thread only. */
#pragma once

#include "app.h"

G_BEGIN_DECLS

/* Serves path from the web root: hashed assets (under /assets/) cached for a year as immutable,
 * everything else revalidated (no-cache + ETag); a path without an extension that names no file
 * gets index.html (the client's own routes). Refuses ".." and hidden names. */
void static_files_serve(PhApp *app, HttpRequest *req);

/* The Content-Type for a file name, by extension. */
const char *static_files_content_type(const char *name);

G_END_DECLS
