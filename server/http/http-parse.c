/* http-parse.c: the HTTP layer's parsers of small pieces of outside input (cookies, byte ranges,
 * JSON nesting) and the status texts. Pure: no I/O, any thread; unit-tested in
 * tests/unit/server/test-http.c. */
#include "http-server.h"

#include <string.h>

const char *http_status_reason(guint status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "";
    }
}

char *http_cookie_find(const char *cookie_header, const char *name)
{
    if (!cookie_header || !name)
        return NULL;
    gsize nlen = strlen(name);
    const char *p = cookie_header;
    while (*p) {
        while (*p == ' ' || *p == ';' || *p == '\t')
            p++;
        const char *end = strchr(p, ';');
        gsize len = end ? (gsize)(end - p) : strlen(p);
        if (len > nlen && p[nlen] == '=' && strncmp(p, name, nlen) == 0)
            return g_strndup(p + nlen + 1, len - nlen - 1);
        p += len;
    }
    return NULL;
}

gboolean http_parse_range(const char *range, guint64 size, guint64 *first, guint64 *last)
{
    if (!range || !g_str_has_prefix(range, "bytes=") || size == 0)
        return FALSE;
    const char *spec = range + 6;
    if (strchr(spec, ','))
        return FALSE; /* one range only */
    const char *dash = strchr(spec, '-');
    if (!dash)
        return FALSE;
    g_autofree char *a = g_strstrip(g_strndup(spec, (gsize)(dash - spec)));
    g_autofree char *b = g_strstrip(g_strdup(dash + 1));
    guint64 x = 0, y = 0;
    if (!*a) {
        /* suffix: the last N bytes (RFC 9110 §14.1.2) */
        if (!*b || !g_ascii_string_to_unsigned(b, 10, 1, G_MAXUINT64, &y, NULL))
            return FALSE;
        *first = y >= size ? 0 : size - y;
        *last = size - 1;
        return TRUE;
    }
    if (!g_ascii_string_to_unsigned(a, 10, 0, G_MAXUINT64, &x, NULL) || x >= size)
        return FALSE;
    if (!*b)
        y = size - 1;
    else if (!g_ascii_string_to_unsigned(b, 10, 0, G_MAXUINT64, &y, NULL) || y < x)
        return FALSE;
    *first = x;
    *last = MIN(y, size - 1);
    return TRUE;
}

guint http_json_depth(const char *text, gsize len)
{
    guint depth = 0, max = 0;
    gboolean in_string = FALSE, escaped = FALSE;
    for (gsize i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = FALSE;
            else if (c == '\\')
                escaped = TRUE;
            else if (c == '"')
                in_string = FALSE;
            continue;
        }
        if (c == '"')
            in_string = TRUE;
        else if (c == '[' || c == '{') {
            depth++;
            max = MAX(max, depth);
        } else if ((c == ']' || c == '}') && depth > 0)
            depth--;
    }
    return max;
}
