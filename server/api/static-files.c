/* static-files.c: the web client's files. The path is checked segment by segment (no "..", no
 * hidden names, no backslashes) before it is joined to the web root, so nothing outside it can be
 * named. Vite writes content-hashed names under assets/: those never change and are cached as
 * immutable; index.html and the rest are revalidated with their ETag on every load, so a new
 * release reaches tablets at their next page load. */
#include "static-files.h"

#include <string.h>

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".wasm", "application/wasm"},
    {".map", "application/json"},
    {".pdf", "application/pdf"},
};

const char *static_files_content_type(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(types); i++)
        if (g_str_has_suffix(name, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

static gboolean path_is_safe(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\') || strlen(path) > 1024)
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(path + 1, "/", -1);
    guint n = g_strv_length(parts);
    for (guint i = 0; i < n; i++) {
        /* an empty last segment is a trailing slash; empty inner ones are "//" */
        if (!*parts[i] && i + 1 < n)
            return FALSE;
        if (parts[i][0] == '.')
            return FALSE;
    }
    return TRUE;
}

void static_files_serve(PhApp *app, HttpRequest *req)
{
    HttpMethod m = http_request_get_method(req);
    if (m != HTTP_METHOD_GET && m != HTTP_METHOD_HEAD) {
        http_request_respond_error(req, 405, "method_not_allowed", "%s is not allowed on %s",
                                   http_request_get_method_name(req), http_request_get_path(req));
        return;
    }
    const char *path = http_request_get_path(req);
    if (!path_is_safe(path)) {
        http_request_respond_error(req, 404, "not_found", "no file %s", path);
        return;
    }
    g_autofree char *file = g_build_filename(app->web_root, path, NULL);
    if (g_str_has_suffix(path, "/") || !g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
        const char *base = strrchr(path, '/');
        if (g_str_has_suffix(path, "/") || !strchr(base, '.')) {
            g_free(file);
            file = g_build_filename(app->web_root, "index.html", NULL);
        }
    }
    if (!g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
        if (!g_file_test(app->web_root, G_FILE_TEST_IS_DIR))
            http_request_respond_error(req, 404, "not_found",
                                       "the web client is not built (no %s): build it with "
                                       "'npm run build' in web-client/",
                                       app->web_root);
        else
            http_request_respond_error(req, 404, "not_found", "no file %s", path);
        return;
    }
    const char *cache =
        g_str_has_prefix(path, "/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    g_autoptr(GError) error = NULL;
    if (!http_request_respond_file(req, file, static_files_content_type(file), cache, NULL, &error))
        http_request_respond_error(req, 404, "not_found", "no file %s", path);
}
