/* api-documents.h: what the document routes (api-documents.c) and the written consultations
 * (api-consultations.c) share: loading a document with the caller's rights on it, and who may
 * receive events about it. Database workers only (inside a call's transaction).
 *
 * Who may open a document (one rule, DOC_MAY_OPEN_SQL, used for single documents and lists):
 *  - the body's secretariat and administrators (they prepare the documents), drafts included;
 *  - once released: everyone listed in its access list (users, or roles of the body), or, when
 *    it has no list, every chair and member of the body (guests only when listed); and anyone
 *    with a role in the body when the document is public (unclassified, marked public, in a
 *    public meeting, without a list).
 */
#pragma once

#include "api-internal.h"

G_BEGIN_DECLS

/* SQL: whether the user $2 with the roles $3 (text[]) in the body may open document d of meeting m.
 */
#define DOC_RESTRICTED_SQL "EXISTS (SELECT 1 FROM document_access a WHERE a.document_id = d.id)"
#define DOC_MAY_OPEN_SQL                                                                     \
    "(($3::text[] && ARRAY['admin','secretariat']) OR (d.released_version > 0 AND ("         \
    "(d.is_public AND m.is_public AND d.classification = 'none' AND NOT " DOC_RESTRICTED_SQL \
    ") OR (" DOC_RESTRICTED_SQL " AND EXISTS (SELECT 1 FROM document_access a "              \
    "WHERE a.document_id = d.id AND (a.user_id = $2 OR a.role = ANY($3::text[])))) OR "      \
    "(NOT " DOC_RESTRICTED_SQL " AND ($3::text[] && ARRAY['chair','member'])))))"

typedef struct {
    gint64 id; /* 0: no such document */
    gint64 meeting_id;
    gint64 body_id;
    gint64 agenda_item_id; /* 0: none */
    char *title;
    char *kind;
    char *classification;
    gboolean is_public;
    gboolean meeting_public;
    char *meeting_status;
    gint64 released_version; /* 0: a draft */
    gint64 latest_version;
    gboolean restricted; /* it has an access list */
    gboolean may_manage; /* secretariat or administrator of the body */
    gboolean may_open;
} DocRow;

void doc_row_clear(DocRow *row);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DocRow, doc_row_clear)

/* The caller's roles as a PostgreSQL text[] literal ("{admin,member}"). (transfer full) */
char *doc_roles_array(guint roles);

/* Loads document id with the caller's rights. FALSE on a database error; row->id is 0 when there
 * is no such document. */
gboolean doc_row_load(DbConn *conn, ApiCall *call, gint64 id, DocRow *row, GError **error);

/* Loads the document and refuses (an answer set, FALSE returned with *error unset) when the
 * caller may not open it (403) or when it does not exist (404). */
gboolean doc_row_load_openable(DbConn *conn, ApiCall *call, gint64 id, DocRow *row, GError **error);

/* TRUE when the meeting's record is closed to changes (closed or archived). */
gboolean doc_meeting_is_closed(const DocRow *row);

/* The users who may open the document (sorted ids), for an event's audience. (transfer full) */
GArray *doc_audience(DbConn *conn, const DocRow *row, GError **error);
/* The body's secretariat and administrators, and the system administrators; with_chair adds the
 * chairs. (transfer full) */
GArray *doc_managers(DbConn *conn, gint64 body_id, gboolean with_chair, GError **error);

/* Puts a notification of kind (text: prefix followed by the meeting's title) in the list of each
 * user of audience who is invited to the meeting or is a chair or member of its body, except
 * actor_id. payload: {"meeting_id", "document_id"} and what extra adds (may be NULL). */
gboolean doc_notify(DbConn *conn, const DocRow *row, const GArray *audience, gint64 actor_id,
                    const char *kind, const char *prefix, JsonObject *extra, GError **error);

/* The classification's name in Vietnamese, for messages ("Mật"). */
const char *doc_classification_label(const char *classification);

G_END_DECLS
