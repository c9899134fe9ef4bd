/* record.h: the meeting's record, appended inside the caller's database transaction.
 *
 * Two append-only streams per meeting:
 *  - events: what every connected client must see, numbered 1, 2, 3 ... per meeting and stored, so
 *    a tablet that reconnects with the last number it saw receives exactly what it missed. An event
 *    reaches subscribers only after the transaction that appended it commits (PostgreSQL NOTIFY
 *    is transactional), so a rolled-back change is never announced.
 *  - the journal: the hash chain h_i = SHA-256(h_{i-1} || canonical entry i) of every fact the
 *    law cares about (attendance, floor grants and ends, document releases, agenda changes,
 *    named votes, entered counts). Byte format: server/domain/journal.h.
 *
 * All functions here run on a database worker, inside the job's transaction (DbJobFunc): they take
 * the meeting row's lock, so appends to one meeting are serialised and numbered without gaps.
 * They never touch the main loop.
 */
#pragma once

#include "db.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RECORD_ERROR (record_error_quark())
GQuark record_error_quark(void);
typedef enum {
    RECORD_ERROR_NO_MEETING, /* the meeting does not exist */
    RECORD_ERROR_INVALID,    /* a kind or payload that cannot be recorded */
} RecordError;

/* Who receives an event. The default (all FALSE/NULL) is: everyone with a role in the meeting's
 * body, not the public. */
typedef struct {
    gboolean is_public;     /* also public clients (a public meeting, a public item) */
    const gint64 *audience; /* when set, only these users (n_audience of them) */
    guint n_audience;
} RecordVisibility;

/* Appends an event {kind, payload} to the meeting's stream. payload: transfer none, an object.
 * *seq_out (may be NULL) receives its number. */
gboolean record_event(DbConn *conn, gint64 meeting_id, const char *kind, JsonNode *payload,
                      const RecordVisibility *visibility, gint64 *seq_out, GError **error);

/* Appends an entry to the meeting's journal. actor: "user:ID", or NULL for the system (a
 * time-out). payload: transfer none, an object of integers, strings, booleans, arrays, objects.
 * *seq_out and *hash_hex_out (transfer full; both may be NULL) receive the entry's position and
 * its hash (64 lowercase hex digits). */
gboolean record_journal(DbConn *conn, gint64 meeting_id, const char *kind, const char *actor,
                        JsonNode *payload, gint64 *seq_out, char **hash_hex_out, GError **error);

/* The common case: a fact that is journaled and announced with the same kind and payload. */
gboolean record_fact(DbConn *conn, gint64 meeting_id, const char *kind, const char *actor,
                     JsonNode *payload, const RecordVisibility *visibility, GError **error);

typedef struct {
    gint64 entries;       /* entries checked */
    gint64 first_bad_seq; /* 0 when the chain verifies */
    char *reason;         /* why that entry is bad (NULL when it verifies) */
    char *head_hash_hex;  /* the last entry's hash, or NULL for an empty journal */
} RecordVerification;

/* Recomputes the meeting's whole chain from the stored canonical entries and checks that every
 * row's columns agree with its entry. Reads only. */
gboolean record_verify_journal(DbConn *conn, gint64 meeting_id, RecordVerification *out,
                               GError **error);
void record_verification_clear(RecordVerification *v);

/* The NOTIFY channel that carries "MEETING:SEQ" after each commit that appended events. */
#define RECORD_CHANNEL "phonghop_events"

G_END_DECLS
