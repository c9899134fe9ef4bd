/* roster-csv.c: an RFC 4180 reader (quoted fields, "" inside quotes, CRLF or LF, a UTF-8 byte
 * order mark ignored) and the roster's row rules. Limits: 10 MB, 10,000 rows, 1,000 characters a
 * field. */
#include "roster-csv.h"

#include "auth/auth.h"

#include <string.h>

G_DEFINE_QUARK(roster_error, roster_error)

#define MAX_FIELD  1000
#define MAX_FIELDS 32

static void record_free(gpointer p)
{
    g_ptr_array_unref(p);
}

GPtrArray *csv_parse(const char *text, gsize len, GArray **lines_out, GError **error)
{
    if (len > ROSTER_MAX_BYTES) {
        g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                    "file too large: %" G_GSIZE_FORMAT " bytes, at most %d", len, ROSTER_MAX_BYTES);
        return NULL;
    }
    if (!g_utf8_validate(text, (gssize)len, NULL)) {
        const char *end = NULL;
        g_utf8_validate(text, (gssize)len, &end);
        guint line = 1;
        for (const char *p = text; p < end; p++)
            line += *p == '\n';
        g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                    "line %u: not UTF-8 text (save the file as CSV UTF-8)", line);
        return NULL;
    }
    g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func(record_free);
    g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(guint));
    gsize i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    guint line = 1;
    while (i < len) {
        GPtrArray *rec = g_ptr_array_new_with_free_func(g_free);
        guint start_line = line;
        gboolean end_of_record = FALSE;
        while (!end_of_record) {
            GString *field = g_string_new(NULL);
            if (i < len && text[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len) {
                        g_string_free(field, TRUE);
                        g_ptr_array_unref(rec);
                        g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                                    "line %u: a quoted field is not closed", start_line);
                        return NULL;
                    }
                    if (text[i] == '"') {
                        if (i + 1 < len && text[i + 1] == '"') {
                            g_string_append_c(field, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (text[i] == '\n')
                        line++;
                    g_string_append_c(field, text[i++]);
                }
                if (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    g_string_free(field, TRUE);
                    g_ptr_array_unref(rec);
                    g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                                "line %u: text after a closing quote", line);
                    return NULL;
                }
            } else {
                while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"') {
                        g_string_free(field, TRUE);
                        g_ptr_array_unref(rec);
                        g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                                    "line %u: a quote inside an unquoted field (quote the "
                                    "whole field and double the quote)",
                                    line);
                        return NULL;
                    }
                    g_string_append_c(field, text[i++]);
                }
            }
            if (g_utf8_strlen(field->str, -1) > MAX_FIELD || rec->len >= MAX_FIELDS) {
                g_string_free(field, TRUE);
                g_ptr_array_unref(rec);
                g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                            "line %u: a field over %d characters or more than %d fields",
                            start_line, MAX_FIELD, MAX_FIELDS);
                return NULL;
            }
            g_ptr_array_add(rec, g_string_free(field, FALSE));
            if (i < len && text[i] == ',') {
                i++;
                continue;
            }
            end_of_record = TRUE;
            if (i < len && text[i] == '\r')
                i++;
            if (i < len && text[i] == '\n')
                i++;
            line++;
        }
        /* skip blank lines */
        if (rec->len == 1 && !*(char *)rec->pdata[0]) {
            g_ptr_array_unref(rec);
            continue;
        }
        if (records->len >= ROSTER_MAX_ROWS + 1) {
            g_ptr_array_unref(rec);
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV, "more than %d rows",
                        ROSTER_MAX_ROWS);
            return NULL;
        }
        g_ptr_array_add(records, rec);
        g_array_append_val(lines, start_line);
    }
    if (lines_out)
        *lines_out = g_steal_pointer(&lines);
    return g_steal_pointer(&records);
}

static void entry_free(gpointer p)
{
    RosterEntry *e = p;
    g_free(e->username);
    g_free(e->full_name);
    g_free(e->title);
    g_free(e->email);
    if (e->password)
        memset(e->password, 0, strlen(e->password));
    g_free(e->password);
    g_free(e);
}

static gboolean username_ok(const char *u)
{
    gsize n = strlen(u);
    if (n < 2 || n > 64 || !(g_ascii_islower(u[0]) || g_ascii_isdigit(u[0])))
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!(g_ascii_islower(u[i]) || g_ascii_isdigit(u[i]) || u[i] == '.' || u[i] == '_' ||
              u[i] == '-'))
            return FALSE;
    return TRUE;
}

GPtrArray *roster_parse(const char *text, gsize len, GError **error)
{
    g_autoptr(GArray) lines = NULL;
    g_autoptr(GPtrArray) recs = csv_parse(text, len, &lines, error);
    if (!recs)
        return NULL;
    if (recs->len == 0) {
        g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                    "the file is empty: expected a header row (username,full_name,role,...)");
        return NULL;
    }
    static const char *const known[] = {"username", "full_name", "role",
                                        "title",    "email",     "password"};
    int col[G_N_ELEMENTS(known)];
    for (guint k = 0; k < G_N_ELEMENTS(known); k++)
        col[k] = -1;
    GPtrArray *header = recs->pdata[0];
    for (guint c = 0; c < header->len; c++) {
        g_autofree char *name = g_ascii_strdown(g_strstrip(header->pdata[c]), -1);
        gboolean found = FALSE;
        for (guint k = 0; k < G_N_ELEMENTS(known); k++) {
            if (g_str_equal(name, known[k])) {
                if (col[k] >= 0) {
                    g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                                "line 1: column '%s' appears twice", name);
                    return NULL;
                }
                col[k] = (int)c;
                found = TRUE;
            }
        }
        if (!found) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                        "line 1: unknown column '%s' (known: username, full_name, role, title, "
                        "email, password)",
                        name);
            return NULL;
        }
    }
    for (guint k = 0; k < 3; k++) {
        if (col[k] < 0) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_CSV,
                        "line 1: the header has no column '%s'", known[k]);
            return NULL;
        }
    }

    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(entry_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint r = 1; r < recs->len; r++) {
        GPtrArray *rec = recs->pdata[r];
        guint line = g_array_index(lines, guint, r);
        if (rec->len != header->len) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW,
                        "line %u: %u fields, but the header has %u", line, rec->len, header->len);
            return NULL;
        }
#define FIELD(k) (col[k] >= 0 ? g_strstrip((char *)rec->pdata[col[k]]) : NULL)
        RosterEntry *e = g_new0(RosterEntry, 1);
        g_ptr_array_add(out, e);
        e->line = line;
        e->username = g_ascii_strdown(FIELD(0), -1);
        e->full_name = g_strdup(FIELD(1));
        const char *roles = FIELD(2);
        e->title = g_strdup(col[3] >= 0 ? FIELD(3) : "");
        e->email = col[4] >= 0 && *FIELD(4) ? g_strdup(FIELD(4)) : NULL;
        e->password = col[5] >= 0 && *FIELD(5) ? g_strdup(FIELD(5)) : NULL;
#undef FIELD
        if (!username_ok(e->username)) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW,
                        "line %u: column 'username': '%s' must be 2 to 64 characters of a-z, 0-9, "
                        "'.', '_' or '-', starting with a letter or digit",
                        line, e->username);
            return NULL;
        }
        if (g_hash_table_contains(seen, e->username)) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW,
                        "line %u: column 'username': '%s' appears twice in the file", line,
                        e->username);
            return NULL;
        }
        g_hash_table_add(seen, g_strdup(e->username));
        if (!*e->full_name || g_utf8_strlen(e->full_name, -1) > 200) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW,
                        "line %u: column 'full_name': must be 1 to 200 characters", line);
            return NULL;
        }
        g_auto(GStrv) parts = g_strsplit(roles, "+", -1);
        for (guint i = 0; parts[i]; i++) {
            AuthRole role = auth_role_from_name(g_strstrip(parts[i]));
            if (!role) {
                g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW,
                            "line %u: column 'role': '%s' is not one of admin, secretariat, "
                            "chair, member, guest",
                            line, parts[i]);
                return NULL;
            }
            e->roles |= role;
        }
        if (e->email && (strlen(e->email) > 254 || !strchr(e->email, '@'))) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW,
                        "line %u: column 'email': '%s' is not an e-mail address", line, e->email);
            return NULL;
        }
        g_autoptr(GError) weak = NULL;
        if (e->password && !auth_password_acceptable(e->password, &weak)) {
            g_set_error(error, ROSTER_ERROR, ROSTER_ERROR_ROW, "line %u: column 'password': %s",
                        line, weak->message);
            return NULL;
        }
    }
    return g_steal_pointer(&out);
}
