/* roster-csv.h: reading a body's roster from CSV (RFC 4180, UTF-8).
 *
 * The file has a header row naming its columns, in any order: username, full_name, role
 * (required), title, email, password (optional). role is one of admin, secretariat, chair,
 * member, guest, or several joined with '+' ("chair+member"). Every row is checked before anything
 * is imported; the first bad row is reported by its line number and nothing is imported. Pure:
 * no I/O, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ROSTER_ERROR (roster_error_quark())
GQuark roster_error_quark(void);
typedef enum { ROSTER_ERROR_CSV, ROSTER_ERROR_ROW } RosterError;

#define ROSTER_MAX_BYTES (10 * 1024 * 1024)
#define ROSTER_MAX_ROWS  10000

typedef struct {
    guint line; /* where the row starts in the file, 1-based */
    char *username;
    char *full_name;
    char *title;    /* "" when absent */
    char *email;    /* NULL when absent */
    char *password; /* NULL when absent */
    guint roles;    /* AuthRole bits */
} RosterEntry;

/* Splits CSV text into records. Each record is a GPtrArray of char* fields; *lines receives the
 * starting line of each record. (transfer full) or NULL with ROSTER_ERROR_CSV naming the line. */
GPtrArray *csv_parse(const char *text, gsize len, GArray **lines, GError **error);

/* Parses and validates a roster. (transfer full: RosterEntry*, freed with the array) or NULL with
 * an error naming the line, the column and what is wrong. */
GPtrArray *roster_parse(const char *text, gsize len, GError **error);

G_END_DECLS
