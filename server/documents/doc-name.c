/* doc-name.c: the names of documents as people see them.
 *
 * The file name an uploader sends is display text and nothing else: it is cleaned here of what
 * would confuse a reader or a header (path prefixes, control characters, the Unicode formatting
 * characters that reorder text: a name such as "hợp đồng\u202Efdp.exe" must not look like a PDF),
 * and it never reaches a path, since the store names files by their SHA-256.
 *
 * Content-Disposition carries it twice (RFC 6266 §4.3): filename= with an ASCII fallback for old
 * clients and filename*=UTF-8''... percent-encoded (RFC 5987 §3.2) with the exact name, which
 * every current browser prefers; Vietnamese names keep their diacritics.
 */
#include "documents.h"

#include <string.h>

#define MAX_NAME_BYTES 255

/* Characters that are removed: C0 and C1 controls, DEL, and the bidirectional and zero-width
 * formatting characters (Unicode general category Cf in the ranges that matter for display). */
static gboolean name_char_dropped(gunichar c)
{
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        return TRUE;
    if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069) || c == 0xfeff || c == 0x061c)
        return TRUE;
    return FALSE;
}

char *doc_display_name(const char *raw)
{
    if (!raw)
        return g_strdup("document");
    g_autofree char *valid = g_utf8_make_valid(raw, -1);
    const char *base = valid;
    for (const char *p = valid; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    GString *out = g_string_new(NULL);
    for (const char *p = base; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!name_char_dropped(c))
            g_string_append_unichar(out, c);
    }
    g_autofree char *text = g_strstrip(g_string_free(out, FALSE));
    /* Cut on a character boundary. */
    gsize len = strlen(text);
    if (len > MAX_NAME_BYTES) {
        const char *end = text + MAX_NAME_BYTES;
        while (end > text && (*end & 0xc0) == 0x80)
            end--;
        text[end - text] = '\0';
        g_strchomp(text);
    }
    if (!*text || g_str_equal(text, ".") || g_str_equal(text, ".."))
        return g_strdup("document");
    return g_steal_pointer(&text);
}

char *doc_content_disposition(const char *name, const char *disposition)
{
    GString *ascii = g_string_new(NULL);
    GString *encoded = g_string_new(NULL);
    for (const guint8 *p = (const guint8 *)name; *p; p++) {
        guint8 c = *p;
        /* attr-char of RFC 5987 §3.2.1 goes as is, everything else percent-encoded. */
        if (g_ascii_isalnum(c) || strchr("!#$&+-.^_`|~", c))
            g_string_append_c(encoded, (char)c);
        else
            g_string_append_printf(encoded, "%%%02X", c);
    }
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%')
            g_string_append_c(ascii, (char)c);
        else
            g_string_append_c(ascii, '_');
    }
    char *value = g_strdup_printf("%s; filename=\"%s\"; filename*=UTF-8''%s", disposition,
                                  ascii->str, encoded->str);
    g_string_free(ascii, TRUE);
    g_string_free(encoded, TRUE);
    return value;
}

gboolean doc_sha256_hex_valid(const char *hex)
{
    if (!hex || strlen(hex) != 64)
        return FALSE;
    for (guint i = 0; i < 64; i++)
        if (!g_ascii_isdigit(hex[i]) && !(hex[i] >= 'a' && hex[i] <= 'f'))
            return FALSE;
    return TRUE;
}
