/* api-documents.c: the documents of a meeting: upload, versions, release, download, access lists,
 * read receipts and private notes.
 *
 * Uploads stream. The file is the raw request body (its metadata in the query string, since
 * libwebsockets 4.1 keeps no unknown headers under HTTP/2), taken by an ApiStreamRoute before any
 * byte is read: begin refuses on what the request line already says (a classified document on an
 * Internet-connected deployment: 422; an announced length over [documents] max_upload_bytes:
 * 413; bad metadata: 400), then holds the body back while a first call checks the session, the
 * anti-forgery token, the role and the meeting (preflight). Only then does the body flow, through
 * a DocUpload to a temporary file on the writer threads, hashed as it goes; when it has all
 * arrived and is stored under its SHA-256 (its type checked by content: 415 otherwise), a second
 * call creates the rows (commit). A client that goes away mid-body leaves nothing: the temporary
 * file is deleted and no row was ever written. Everything the client sent as a name is display
 * text only (doc_display_name); the store names files by content.
 *
 * Releasing a version to the members is a fact of the meeting's journal (document.released, with
 * the SHA-256), announced to the users who may open the document and to nobody else (the
 * event's audience), or to everyone when the document is public. Drafts are seen by the
 * secretariat only. The first time a member opens a document is recorded (a read receipt) and
 * announced to the secretariat only. Private notes are the member's own: no route reads another
 * member's.
 */
#include "api-documents.h"

#include "record/record.h"

#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-api"

#define ALL         AUTH_ROLES_ALL
#define MANAGERS    (AUTH_ROLE_ADMIN | AUTH_ROLE_SECRETARIAT)
#define READERS     (MANAGERS | AUTH_ROLE_CHAIR)
#define MAX_NOTE    20000
#define MAX_TITLE   500
#define MAX_RAW_ARG 1024

#define CLASSIFIED_REFUSED                                                                                 \
    "classified documents (Mật, Tối mật, Tuyệt mật) may not be stored on an Internet-connected " \
    "deployment"

/* ---- shared with api-consultations.c ---- */

void doc_row_clear(DocRow *row)
{
    g_clear_pointer(&row->title, g_free);
    g_clear_pointer(&row->kind, g_free);
    g_clear_pointer(&row->classification, g_free);
    g_clear_pointer(&row->meeting_status, g_free);
}

char *doc_roles_array(guint roles)
{
    GString *s = g_string_new("{");
    for (guint bit = 1; bit <= AUTH_ROLE_GUEST; bit <<= 1) {
        if (!(roles & bit))
            continue;
        if (s->len > 1)
            g_string_append_c(s, ',');
        g_string_append(s, auth_role_name((AuthRole)bit));
    }
    g_string_append_c(s, '}');
    return g_string_free(s, FALSE);
}

gboolean doc_row_load(DbConn *conn, ApiCall *call, gint64 id, DocRow *row, GError **error)
{
    char did[24], uid[24];
    g_autofree char *roles = doc_roles_array(call->roles);
    const char *p[] = {api_i64(did, id), api_i64(uid, call->session.user_id), roles};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT d.id, d.meeting_id, m.body_id, d.agenda_item_id, d.title, d.kind, "
        "       d.classification, d.is_public, m.is_public, m.status, d.released_version, "
        "       coalesce((SELECT max(v.version) FROM document_versions v "
        "                 WHERE v.document_id = d.id), 0), " DOC_RESTRICTED_SQL ", "
        "       ($3::text[] && ARRAY['admin','secretariat']), " DOC_MAY_OPEN_SQL " "
        "FROM documents d JOIN meetings m ON m.id = d.meeting_id WHERE d.id = $1",
        3, p, error);
    if (!r)
        return FALSE;
    if (db_rows_count(r) == 0)
        return TRUE;
    row->id = db_rows_get_int64(r, 0, 0);
    row->meeting_id = db_rows_get_int64(r, 0, 1);
    row->body_id = db_rows_get_int64(r, 0, 2);
    row->agenda_item_id = db_rows_get_int64(r, 0, 3);
    row->title = g_strdup(db_rows_get(r, 0, 4));
    row->kind = g_strdup(db_rows_get(r, 0, 5));
    row->classification = g_strdup(db_rows_get(r, 0, 6));
    row->is_public = db_rows_get_bool(r, 0, 7);
    row->meeting_public = db_rows_get_bool(r, 0, 8);
    row->meeting_status = g_strdup(db_rows_get(r, 0, 9));
    row->released_version = db_rows_get_int64(r, 0, 10);
    row->latest_version = db_rows_get_int64(r, 0, 11);
    row->restricted = db_rows_get_bool(r, 0, 12);
    row->may_manage = db_rows_get_bool(r, 0, 13);
    row->may_open = db_rows_get_bool(r, 0, 14);
    return TRUE;
}

gboolean doc_row_load_openable(DbConn *conn, ApiCall *call, gint64 id, DocRow *row, GError **error)
{
    if (!doc_row_load(conn, call, id, row, error))
        return FALSE;
    if (!row->id) {
        api_call_fail(call, 404, "not_found", "no document %" G_GINT64_FORMAT, id);
        return FALSE;
    }
    if (!row->may_open) {
        if (row->released_version == 0)
            api_call_fail(call, 403, "forbidden",
                          "document %" G_GINT64_FORMAT
                          " is not released yet: only the secretariat may open it",
                          id);
        else
            api_call_fail(call, 403, "forbidden",
                          "you may not open document %" G_GINT64_FORMAT
                          ": it is restricted to the people on its access list",
                          id);
        return FALSE;
    }
    return TRUE;
}

gboolean doc_meeting_is_closed(const DocRow *row)
{
    return g_strcmp0(row->meeting_status, "closed") == 0 ||
           g_strcmp0(row->meeting_status, "archived") == 0;
}

static GArray *id_column(DbRows *r)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint i = 0; i < db_rows_count(r); i++) {
        gint64 v = db_rows_get_int64(r, i, 0);
        g_array_append_val(ids, v);
    }
    return ids;
}

GArray *doc_audience(DbConn *conn, const DocRow *row, GError **error)
{
    char bid[24], did[24];
    const char *p[] = {api_i64(bid, row->body_id), api_i64(did, row->id),
                       row->restricted ? "t" : "f"};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "SELECT u FROM ("
                     "  SELECT ms.user_id AS u FROM memberships ms WHERE ms.body_id = $1 AND ("
                     "    ms.role IN ('admin', 'secretariat') "
                     "    OR (NOT $3::boolean AND ms.role IN ('chair', 'member')) "
                     "    OR ms.role IN (SELECT a.role FROM document_access a "
                     "                   WHERE a.document_id = $2 AND a.role IS NOT NULL)) "
                     "  UNION SELECT a.user_id FROM document_access a "
                     "        WHERE a.document_id = $2 AND a.user_id IS NOT NULL "
                     "  UNION SELECT id FROM users WHERE is_system_admin) x "
                     "ORDER BY u",
                     3, p, error);
    return r ? id_column(r) : NULL;
}

gboolean doc_notify(DbConn *conn, const DocRow *row, const GArray *audience, gint64 actor_id,
                    const char *kind, const char *prefix, JsonObject *extra, GError **error)
{
    GString *ids = g_string_new("{");
    for (guint i = 0; i < audience->len; i++)
        g_string_append_printf(ids, "%s%" G_GINT64_FORMAT, i ? "," : "",
                               g_array_index(audience, gint64, i));
    g_string_append_c(ids, '}');
    g_autofree char *id_list = g_string_free(ids, FALSE);
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "meeting_id", row->meeting_id);
    json_object_set_int_member(o, "document_id", row->id);
    if (extra) {
        g_autoptr(GList) names = json_object_get_members(extra);
        for (GList *l = names; l; l = l->next)
            json_object_set_member(o, l->data,
                                   json_node_copy(json_object_get_member(extra, l->data)));
    }
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    g_autofree char *payload = json_to_string(node, FALSE);
    char mid[24], bid[24], aid[24];
    const char *p[] = {id_list,
                       kind,
                       api_i64(mid, row->meeting_id),
                       prefix,
                       payload,
                       api_i64(aid, actor_id),
                       api_i64(bid, row->body_id)};
    return db_conn_run(conn,
                       "INSERT INTO notifications (user_id, kind, meeting_id, text, payload) "
                       "SELECT u, $2, m.id, $4 || m.title, $5::jsonb "
                       "FROM unnest($1::bigint[]) u, meetings m "
                       "WHERE m.id = $3 AND u <> $6 AND ("
                       "  EXISTS (SELECT 1 FROM invitations i WHERE i.meeting_id = m.id "
                       "          AND i.user_id = u) "
                       "  OR EXISTS (SELECT 1 FROM memberships ms WHERE ms.body_id = $7 "
                       "             AND ms.user_id = u AND ms.role IN ('chair', 'member'))) "
                       "ORDER BY u",
                       7, p, error);
}

GArray *doc_managers(DbConn *conn, gint64 body_id, gboolean with_chair, GError **error)
{
    char bid[24];
    const char *p[] = {api_i64(bid, body_id), with_chair ? "t" : "f"};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "SELECT user_id FROM memberships WHERE body_id = $1 AND "
                     "  (role IN ('admin', 'secretariat') OR ($2::boolean AND role = 'chair')) "
                     "UNION SELECT id FROM users WHERE is_system_admin ORDER BY 1",
                     2, p, error);
    return r ? id_column(r) : NULL;
}

const char *doc_classification_label(const char *classification)
{
    if (g_strcmp0(classification, "mat") == 0)
        return "Mật";
    if (g_strcmp0(classification, "toi_mat") == 0)
        return "Tối mật";
    if (g_strcmp0(classification, "tuyet_mat") == 0)
        return "Tuyệt mật";
    return "none";
}

static gboolean is_classified(const char *classification)
{
    return g_strcmp0(classification, "none") != 0;
}

static gboolean valid_word(const char *value, const char *const *words)
{
    for (guint i = 0; words[i]; i++)
        if (g_strcmp0(value, words[i]) == 0)
            return TRUE;
    return FALSE;
}

static const char *const classifications[] = {"none", "mat", "toi_mat", "tuyet_mat", NULL};
static const char *const kinds[] = {"to_trinh", "du_thao_nghi_quyet", "bao_cao_tham_tra", "other",
                                    NULL};

/* ---- JSON ---- */

static void add_int_or_null(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_int_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void add_string(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

#define VERSION_SELECT                                                                    \
    "SELECT v.version, encode(v.sha256, 'hex'), v.size, v.media_type, v.file_name, "      \
    "       to_char(v.uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') " \
    "FROM document_versions v "

static void add_version(JsonBuilder *b, DbRows *r, guint i, gint64 released_version)
{
    gint64 version = db_rows_get_int64(r, i, 0);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, version);
    add_string(b, "sha256", db_rows_get(r, i, 1));
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, db_rows_get_int64(r, i, 2));
    add_string(b, "media_type", db_rows_get(r, i, 3));
    add_string(b, "file_name", db_rows_get(r, i, 4));
    add_string(b, "uploaded_at", db_rows_get(r, i, 5));
    json_builder_set_member_name(b, "released");
    json_builder_add_boolean_value(b, version <= released_version);
    json_builder_end_object(b);
}

static void add_document_fields(JsonBuilder *b, const DocRow *row)
{
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, row->id);
    json_builder_set_member_name(b, "meeting_id");
    json_builder_add_int_value(b, row->meeting_id);
    add_int_or_null(b, "agenda_item_id", row->agenda_item_id);
    add_string(b, "title", row->title);
    add_string(b, "kind", row->kind);
    add_string(b, "classification", row->classification);
    json_builder_set_member_name(b, "is_public");
    json_builder_add_boolean_value(b, row->is_public);
    json_builder_set_member_name(b, "released_version");
    json_builder_add_int_value(b, row->released_version);
    json_builder_set_member_name(b, "restricted");
    json_builder_add_boolean_value(b, row->restricted);
}

/* {"document": {...fields, "versions": [...]}} with the versions the caller may see. */
static JsonNode *document_json(DbConn *conn, const DocRow *row, GError **error)
{
    char did[24], upto[24];
    const char *p[] = {api_i64(did, row->id),
                       api_i64(upto, row->may_manage ? G_MAXINT32 : row->released_version)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, VERSION_SELECT "WHERE v.document_id = $1 AND v.version <= $2 ORDER BY v.version", 2,
        p, error);
    if (!r)
        return NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "document");
    json_builder_begin_object(b);
    add_document_fields(b, row);
    json_builder_set_member_name(b, "versions");
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(r); i++)
        add_version(b, r, i, row->released_version);
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- uploads ---- */

/* One upload, from the request's headers to its answer. Shared (reference counted) by the
 * request (as its body's sink), the two calls and the DocUpload's callbacks; main thread only,
 * except that the calls' run functions read the fields set by begin, which never change after. */
typedef struct {
    gint ref;
    PhApp *app;
    /* Borrowed: the request holds the upload (as its sink's data) and each call holds both, so
     * the request outlives every use; a reference here would make a cycle. */
    HttpRequest *req;
    const ApiRoute *route;
    gint64 ids[4];
    guint n_ids;
    gboolean new_document; /* POST meetings/{id}/documents, else POST documents/{id}/versions */
    /* from the query */
    char *file_name;
    char *title;
    char *kind;
    char *classification;
    gboolean is_public;
    gint64 agenda_item_id;

    DocUpload *upload;
    gboolean authorised; /* the preflight call passed */
    gboolean complete;   /* the whole body arrived */
    gboolean finishing;
    gboolean over;        /* answered or abandoned */
    gboolean disk_paused; /* the DocUpload asked to hold the sender back */
    DocBlob blob;
} Upload;

static Upload *upload_ref(Upload *up)
{
    up->ref++;
    return up;
}

static void upload_unref(gpointer p)
{
    Upload *up = p;
    if (!up || --up->ref > 0)
        return;
    g_clear_pointer(&up->upload, doc_upload_unref);
    g_free(up->file_name);
    g_free(up->title);
    g_free(up->kind);
    g_free(up->classification);
    g_free(up);
}

static void upload_flow(gboolean pause, gpointer user_data)
{
    Upload *up = user_data;
    up->disk_paused = pause;
    if (pause)
        http_request_pause_body(up->req);
    else if (up->authorised)
        http_request_resume_body(up->req);
}

/* Ends the upload with an answer of our own (a refusal). */
static void upload_refuse(Upload *up, guint status, const char *code, const char *message)
{
    up->over = TRUE;
    doc_upload_cancel(up->upload);
    if (http_request_is_pending(up->req))
        http_request_respond_error(up->req, status, code, "%s", message);
}

/* Checks shared by the preflight and the commit: the meeting (or document) exists in the scope,
 * is open to changes, and the metadata fits. TRUE to go on; FALSE with an answer set. */
static gboolean upload_check(DbConn *conn, ApiCall *call, Upload *up, DocRow *doc, gboolean *go_on,
                             GError **error)
{
    *go_on = FALSE;
    char id[24], aid[24];
    if (up->new_document) {
        const char *p[] = {api_i64(id, up->ids[0])};
        g_autoptr(DbRows) m =
            db_conn_exec(conn, "SELECT status FROM meetings WHERE id = $1", 1, p, error);
        if (!m)
            return FALSE;
        const char *status = db_rows_get(m, 0, 0);
        if (g_strcmp0(status, "closed") == 0 || g_strcmp0(status, "archived") == 0) {
            api_call_fail(call, 409, "meeting_closed",
                          "meeting %" G_GINT64_FORMAT " is %s: its documents can no longer change",
                          up->ids[0], status);
            return TRUE;
        }
        if (up->agenda_item_id) {
            const char *q[] = {api_i64(aid, up->agenda_item_id), id};
            g_autoptr(DbRows) a = db_conn_exec(
                conn, "SELECT 1 FROM agenda_items WHERE id = $1 AND meeting_id = $2", 2, q, error);
            if (!a)
                return FALSE;
            if (!db_rows_count(a)) {
                api_call_fail(call, 400, "invalid_query",
                              "agenda item %" G_GINT64_FORMAT
                              " is not on the agenda of meeting %" G_GINT64_FORMAT,
                              up->agenda_item_id, up->ids[0]);
                return TRUE;
            }
        }
    } else {
        if (!doc_row_load(conn, call, up->ids[0], doc, error))
            return FALSE;
        if (doc_meeting_is_closed(doc)) {
            api_call_fail(call, 409, "meeting_closed",
                          "meeting %" G_GINT64_FORMAT " is %s: its documents can no longer change",
                          doc->meeting_id, doc->meeting_status);
            return TRUE;
        }
        if (is_classified(doc->classification) &&
            call->app->config->profile == PH_PROFILE_INTERNET) {
            api_call_fail(call, 422, "classified_refused", CLASSIFIED_REFUSED);
            return TRUE;
        }
    }
    *go_on = TRUE;
    return TRUE;
}

static gboolean preflight_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) doc = {0};
    gboolean go_on = FALSE;
    return upload_check(conn, call, call->starter, &doc, &go_on, error);
}

static void upload_stored(DocUpload *upload, const DocBlob *blob, const GError *error,
                          gpointer user_data);

static void upload_maybe_finish(Upload *up)
{
    if (!up->authorised || !up->complete || up->finishing || up->over)
        return;
    up->finishing = TRUE;
    /* The DocUpload is ours until our last reference goes, and dropping it cancels it, so the
     * callback never outlives us: no reference is held for it. */
    doc_upload_finish(up->upload, upload_stored, up);
}

static void preflight_done(ApiCall *call, const GError *error, gpointer user_data)
{
    Upload *up = call->starter;
    if (up->over)
        return;
    if (error || call->error_code) {
        up->over = TRUE;
        doc_upload_cancel(up->upload);
        api_call_answer(call, error);
        return;
    }
    up->authorised = TRUE;
    if (!up->disk_paused)
        http_request_resume_body(up->req);
    upload_maybe_finish(up);
}

static gboolean record_uploaded(DbConn *conn, ApiCall *call, Upload *up, gint64 doc_id,
                                gint64 meeting_id, gint64 version, GError **error)
{
    g_autoptr(GArray) managers = doc_managers(conn, call->body_id, FALSE, error);
    if (!managers)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "document_id");
    json_builder_add_int_value(b, doc_id);
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, version);
    add_string(b, "file_name", up->file_name);
    add_string(b, "sha256", up->blob.sha256_hex);
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, (gint64)up->blob.size);
    add_string(b, "media_type", doc_type_media_type(up->blob.type));
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    RecordVisibility vis = {FALSE, (const gint64 *)(gpointer)managers->data, managers->len};
    return record_event(conn, meeting_id, "document.uploaded", payload, &vis, NULL, error);
}

static gboolean commit_run(DbConn *conn, ApiCall *call, GError **error)
{
    Upload *up = call->starter;
    if (!up || !up->blob.sha256_hex[0]) {
        api_call_fail(call, 400, "bad_request", "send the file as the request body");
        return TRUE;
    }
    g_auto(DocRow) doc = {0};
    gboolean go_on = FALSE;
    if (!upload_check(conn, call, up, &doc, &go_on, error))
        return FALSE;
    if (!go_on)
        return TRUE;
    char uid[24], size[24], mid[24], aid[24], did[24];
    const char *media_type = doc_type_media_type(up->blob.type);
    gint64 doc_id = 0, meeting_id = 0, version = 1;
    if (up->new_document) {
        const char *p[] = {api_i64(mid, up->ids[0]),
                           up->agenda_item_id ? api_i64(aid, up->agenda_item_id) : NULL,
                           up->title,
                           up->kind,
                           up->classification,
                           up->is_public ? "t" : "f",
                           api_i64(uid, call->session.user_id)};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            "INSERT INTO documents (meeting_id, agenda_item_id, title, kind, classification, "
            "is_public, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            7, p, error);
        if (!r)
            return FALSE;
        doc_id = db_rows_get_int64(r, 0, 0);
        meeting_id = up->ids[0];
    } else {
        /* One new version at a time per document: the row lock orders them. */
        const char *p[] = {api_i64(did, doc.id)};
        g_autoptr(DbRows) r = db_conn_exec(
            conn,
            "SELECT coalesce((SELECT max(version) FROM document_versions WHERE document_id = $1), "
            "0) + 1 FROM documents WHERE id = $1 FOR UPDATE",
            1, p, error);
        if (!r)
            return FALSE;
        doc_id = doc.id;
        meeting_id = doc.meeting_id;
        version = db_rows_get_int64(r, 0, 0);
    }
    char ver[24];
    const char *v[] = {api_i64(did, doc_id),
                       api_i64(ver, version),
                       up->blob.sha256_hex,
                       api_i64(size, (gint64)up->blob.size),
                       media_type,
                       up->file_name,
                       api_i64(uid, call->session.user_id)};
    if (!db_conn_run(conn,
                     "INSERT INTO document_versions (document_id, version, sha256, size, "
                     "media_type, file_name, uploaded_by) "
                     "VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6, $7)",
                     7, v, error))
        return FALSE;
    if (!record_uploaded(conn, call, up, doc_id, meeting_id, version, error))
        return FALSE;
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, doc_id, &row, error))
        return FALSE;
    JsonNode *node = document_json(conn, &row, error);
    if (!node)
        return FALSE;
    api_call_reply(call, 201, node);
    g_info("meeting %" G_GINT64_FORMAT " document %" G_GINT64_FORMAT " version %" G_GINT64_FORMAT
           ": %" G_GUINT64_FORMAT " bytes, %s, sha256 %s%s",
           meeting_id, doc_id, version, up->blob.size, doc_type_name(up->blob.type),
           up->blob.sha256_hex, up->blob.existed ? " (content stored already)" : "");
    return TRUE;
}

static void upload_stored(DocUpload *upload, const DocBlob *blob, const GError *error,
                          gpointer user_data)
{
    Upload *up = user_data;
    if (up->over)
        return;
    if (error) {
        if (g_error_matches(error, DOC_ERROR, DOC_ERROR_TYPE)) {
            upload_refuse(up, 415, "unsupported_type", error->message);
        } else {
            g_warning("upload %s: %s", http_request_get_path(up->req), error->message);
            upload_refuse(up, 500, "storage", error->message);
        }
        return;
    }
    up->blob = *blob;
    up->over = TRUE;
    api_call_start(up->app, up->req, up->route, up->ids, up->n_ids, commit_run, upload_ref(up),
                   upload_unref, NULL, NULL);
}

static void sink_chunk(HttpRequest *req, const guint8 *data, gsize len, gpointer user_data)
{
    Upload *up = user_data;
    if (!up->over)
        doc_upload_write(up->upload, data, len);
}

static void sink_complete(HttpRequest *req, gpointer user_data)
{
    Upload *up = user_data;
    up->complete = TRUE;
    upload_maybe_finish(up);
}

static void sink_abort(HttpRequest *req, gpointer user_data)
{
    Upload *up = user_data;
    if (!up->over)
        g_info("upload %s from %s: the client went away after %" G_GUINT64_FORMAT " bytes",
               http_request_get_path(req), http_request_get_peer(req),
               doc_upload_get_size(up->upload));
    up->over = TRUE;
    doc_upload_cancel(up->upload);
}

static const HttpBodySink upload_sink = {sink_chunk, sink_complete, sink_abort};

static gboolean query_bool(const char *v, gboolean *out)
{
    if (!v)
        return TRUE;
    if (g_str_equal(v, "true") || g_str_equal(v, "1")) {
        *out = TRUE;
        return TRUE;
    }
    if (g_str_equal(v, "false") || g_str_equal(v, "0")) {
        *out = FALSE;
        return TRUE;
    }
    return FALSE;
}

/* Reads the upload's metadata from the query. FALSE with the request answered. */
static gboolean upload_parse_query(Upload *up, HttpRequest *req)
{
    const char *name = http_request_get_query(req, "name");
    const char *title = http_request_get_query(req, "title");
    const char *kind = http_request_get_query(req, "kind");
    const char *classification = http_request_get_query(req, "classification");
    const char *is_public = http_request_get_query(req, "public");
    const char *agenda_item = http_request_get_query(req, "agenda_item");
    if (!name || !*name) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "missing query argument 'name': the file's name, for display");
        return FALSE;
    }
    if (strlen(name) > MAX_RAW_ARG || (title && strlen(title) > MAX_RAW_ARG * 4)) {
        http_request_respond_error(req, 400, "invalid_query", "query argument too long");
        return FALSE;
    }
    up->file_name = doc_display_name(name);
    if (!up->new_document) {
        if (title || kind || classification || is_public || agenda_item) {
            http_request_respond_error(
                req, 400, "invalid_query",
                "a new version takes only 'name': title, kind, classification, public and "
                "agenda_item belong to the document");
            return FALSE;
        }
        return TRUE;
    }
    g_autofree char *clean_title = title ? g_strstrip(g_utf8_make_valid(title, -1)) : NULL;
    if (clean_title && g_utf8_strlen(clean_title, -1) > MAX_TITLE) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "query argument 'title' too long: at most %d characters",
                                   MAX_TITLE);
        return FALSE;
    }
    up->title =
        clean_title && *clean_title ? g_steal_pointer(&clean_title) : g_strdup(up->file_name);
    up->kind = g_strdup(kind ? kind : "other");
    up->classification = g_strdup(classification ? classification : "none");
    if (!valid_word(up->kind, kinds)) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "query argument 'kind' must be to_trinh, du_thao_nghi_quyet, "
                                   "bao_cao_tham_tra or other");
        return FALSE;
    }
    if (!valid_word(up->classification, classifications)) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "query argument 'classification' must be none, mat (Mật), "
                                   "toi_mat (Tối mật) or tuyet_mat (Tuyệt mật)");
        return FALSE;
    }
    if (!query_bool(is_public, &up->is_public)) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "query argument 'public' must be true or false");
        return FALSE;
    }
    guint64 item = 0;
    if (agenda_item && !g_ascii_string_to_unsigned(agenda_item, 10, 1, G_MAXINT64, &item, NULL)) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "query argument 'agenda_item' must be an agenda item's id");
        return FALSE;
    }
    up->agenda_item_id = (gint64)item;
    if (is_classified(up->classification) && up->is_public) {
        http_request_respond_error(req, 400, "invalid_query",
                                   "a classified document (%s) cannot be public",
                                   doc_classification_label(up->classification));
        return FALSE;
    }
    return TRUE;
}

static void upload_begin(PhApp *app, HttpRequest *req, const ApiRoute *route, const gint64 *ids,
                         guint n_ids, gboolean new_document)
{
    Upload *up = g_new0(Upload, 1);
    up->ref = 1;
    up->app = app;
    up->req = req;
    up->route = route;
    memcpy(up->ids, ids, MIN(n_ids, G_N_ELEMENTS(up->ids)) * sizeof(gint64));
    up->n_ids = n_ids;
    up->new_document = new_document;

    if (!upload_parse_query(up, req))
        goto out;
    /* The law forbids classified content on Internet-connected systems: refused before a byte
     * of it is read. */
    if (up->new_document && is_classified(up->classification) &&
        app->config->profile == PH_PROFILE_INTERNET) {
        http_request_respond_error(req, 422, "classified_refused", CLASSIFIED_REFUSED);
        goto out;
    }
    guint64 limit = (guint64)app->config->documents_max_upload_bytes;
    gint64 announced = http_request_get_content_length(req);
    if (announced > 0 && (guint64)announced > limit) {
        http_request_respond_error(req, 413, "too_large",
                                   "document too large: %.1f MiB (%" G_GINT64_FORMAT
                                   " bytes), limit %.1f MiB (%" G_GUINT64_FORMAT " bytes)",
                                   announced / 1048576.0, announced, limit / 1048576.0, limit);
        goto out;
    }
    up->upload = doc_upload_new(app->docs, upload_flow, up);
    if (!http_request_stream_body(req, &upload_sink, limit, upload_ref(up), upload_unref))
        goto out;
    /* Nothing of the body is read until the caller is known to be allowed. */
    http_request_pause_body(req);
    api_call_start(app, req, route, ids, n_ids, preflight_run, upload_ref(up), upload_unref,
                   preflight_done, NULL);
out:
    upload_unref(up);
}

/* POST /api/v1/meetings/{id}/documents: a new document and its first version. */
static void upload_document_begin(PhApp *app, HttpRequest *req, const ApiRoute *route,
                                  const gint64 *ids, guint n_ids)
{
    upload_begin(app, req, route, ids, n_ids, TRUE);
}

/* POST /api/v1/documents/{id}/versions: the next version of a document. */
static void upload_version_begin(PhApp *app, HttpRequest *req, const ApiRoute *route,
                                 const gint64 *ids, guint n_ids)
{
    upload_begin(app, req, route, ids, n_ids, FALSE);
}

/* ---- reading documents ---- */

static gboolean documents_list_run(DbConn *conn, ApiCall *call, GError **error)
{
    char mid[24], uid[24];
    g_autofree char *roles = doc_roles_array(call->roles);
    const char *p[] = {api_i64(mid, call->ids[0]), api_i64(uid, call->session.user_id), roles};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT d.id, d.agenda_item_id, d.title, d.kind, d.classification, d.is_public, "
        "       d.released_version, " DOC_RESTRICTED_SQL ", v.version, encode(v.sha256, 'hex'), "
        "       v.size, v.media_type, v.file_name, "
        "       to_char(rc.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM documents d JOIN meetings m ON m.id = d.meeting_id "
        "LEFT JOIN LATERAL (SELECT * FROM document_versions v WHERE v.document_id = d.id "
        "  AND (v.version <= d.released_version OR ($3::text[] && ARRAY['admin','secretariat'])) "
        "  ORDER BY v.version DESC LIMIT 1) v ON true "
        "LEFT JOIN document_receipts rc ON rc.document_id = d.id AND rc.user_id = $2 "
        "WHERE d.meeting_id = $1 AND " DOC_MAY_OPEN_SQL " "
        "ORDER BY d.agenda_item_id NULLS LAST, d.id",
        3, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "documents");
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(r); i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_int_value(b, db_rows_get_int64(r, i, 0));
        add_int_or_null(b, "agenda_item_id", db_rows_get_int64(r, i, 1));
        add_string(b, "title", db_rows_get(r, i, 2));
        add_string(b, "kind", db_rows_get(r, i, 3));
        add_string(b, "classification", db_rows_get(r, i, 4));
        json_builder_set_member_name(b, "is_public");
        json_builder_add_boolean_value(b, db_rows_get_bool(r, i, 5));
        json_builder_set_member_name(b, "released_version");
        json_builder_add_int_value(b, db_rows_get_int64(r, i, 6));
        json_builder_set_member_name(b, "restricted");
        json_builder_add_boolean_value(b, db_rows_get_bool(r, i, 7));
        json_builder_set_member_name(b, "version");
        if (db_rows_is_null(r, i, 8)) {
            json_builder_add_null_value(b);
        } else {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "version");
            json_builder_add_int_value(b, db_rows_get_int64(r, i, 8));
            add_string(b, "sha256", db_rows_get(r, i, 9));
            json_builder_set_member_name(b, "size");
            json_builder_add_int_value(b, db_rows_get_int64(r, i, 10));
            add_string(b, "media_type", db_rows_get(r, i, 11));
            add_string(b, "file_name", db_rows_get(r, i, 12));
            json_builder_end_object(b);
        }
        add_string(b, "opened_at", db_rows_get(r, i, 13));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

static gboolean document_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load_openable(conn, call, call->ids[0], &row, error))
        return *error == NULL;
    JsonNode *node = document_json(conn, &row, error);
    if (!node)
        return FALSE;
    api_call_reply(call, 200, node);
    return TRUE;
}

/* The first open of a document by a member, chair or guest: a receipt, announced to the
 * secretariat. Later opens change nothing. */
static gboolean record_receipt(DbConn *conn, ApiCall *call, const DocRow *row, gint64 version,
                               GError **error)
{
    if (!(call->roles & (AUTH_ROLE_MEMBER | AUTH_ROLE_CHAIR | AUTH_ROLE_GUEST)))
        return TRUE;
    char did[24], uid[24], ver[24];
    const char *p[] = {api_i64(did, row->id), api_i64(uid, call->session.user_id),
                       api_i64(ver, version)};
    g_autoptr(DbRows) r =
        db_conn_exec(conn,
                     "INSERT INTO document_receipts (document_id, user_id, version) "
                     "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING "
                     "to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                     3, p, error);
    if (!r)
        return FALSE;
    if (db_rows_affected(r) == 0)
        return TRUE;
    g_autoptr(GArray) managers = doc_managers(conn, row->body_id, FALSE, error);
    if (!managers)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "document_id");
    json_builder_add_int_value(b, row->id);
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, version);
    json_builder_set_member_name(b, "user_id");
    json_builder_add_int_value(b, call->session.user_id);
    add_string(b, "full_name", call->session.full_name);
    add_string(b, "opened_at", db_rows_get(r, 0, 0));
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    RecordVisibility vis = {FALSE, (const gint64 *)(gpointer)managers->data, managers->len};
    return record_event(conn, row->meeting_id, "document.opened", payload, &vis, NULL, error);
}

/* Answers the bytes of version of row (deferred to content_after); receipt: a member's first
 * open is recorded. */
static gboolean content_answer(DbConn *conn, ApiCall *call, const DocRow *row, gint64 version,
                               gboolean receipt, const char *cache_control, GError **error)
{
    char did[24], ver[24];
    const char *p[] = {api_i64(did, row->id), api_i64(ver, version)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn, VERSION_SELECT "WHERE v.document_id = $1 AND v.version = $2", 2, p, error);
    if (!r)
        return FALSE;
    const char *sha = db_rows_get(r, 0, 1);
    g_autofree char *path = doc_store_content_path(call->app->docs, sha);
    /* On the worker, not the main loop: a file missing from the store is a damaged store. */
    if (!path || !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_warning("document %" G_GINT64_FORMAT " version %" G_GINT64_FORMAT
                  ": its content (sha256 %s) is missing from the store",
                  row->id, version, sha);
        api_call_fail(call, 500, "content_missing",
                      "the content of document %" G_GINT64_FORMAT " version %" G_GINT64_FORMAT
                      " is missing from the server's store",
                      row->id, version);
        return TRUE;
    }
    if (receipt && http_request_get_method(call->req) == HTTP_METHOD_GET &&
        !record_receipt(conn, call, row, version, error))
        return FALSE;
    const char *download = http_request_get_query(call->req, "download");
    g_autofree char *disposition = doc_content_disposition(
        db_rows_get(r, 0, 4), download && g_str_equal(download, "1") ? "attachment" : "inline");
    api_call_defer_file(call, path, db_rows_get(r, 0, 3), sha, disposition, cache_control);
    return TRUE;
}

static gboolean content_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load_openable(conn, call, call->ids[0], &row, error))
        return *error == NULL;
    gboolean pinned = call->n_ids > 1;
    gint64 visible = row.may_manage ? row.latest_version : row.released_version;
    gint64 version = pinned ? call->ids[1] : visible;
    if (version < 1 || version > visible) {
        api_call_fail(call, 404, "not_found",
                      "document %" G_GINT64_FORMAT " has no version %" G_GINT64_FORMAT
                      " that you may open",
                      row.id, version);
        return TRUE;
    }
    /* A version's bytes never change, but a member's right to them may: tablets may keep a
     * version for a day and must ask again for "the latest"; classified content is not kept. */
    return content_answer(conn, call, &row, version, TRUE,
                          is_classified(row.classification) ? "no-store"
                          : pinned                          ? "private, max-age=86400"
                                                            : "private, no-cache",
                          error);
}

/* The released version of a public document for anyone (api-public.c lists them): released,
 * unclassified, marked public, without an access list, in a public meeting that is no longer a
 * draft, on a public item. Anything else is the same 404 as a document that does not exist. */
static gboolean public_content_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, call->ids[0], &row, error))
        return FALSE;
    gboolean item_public = FALSE;
    if (row.id) {
        char iid[24];
        const char *p[] = {row.agenda_item_id ? api_i64(iid, row.agenda_item_id) : NULL};
        g_autoptr(DbRows) r =
            db_conn_exec(conn, "SELECT phonghop_item_public($1::bigint)", 1, p, error);
        if (!r)
            return FALSE;
        item_public = db_rows_get_bool(r, 0, 0);
    }
    if (!row.id || !row.is_public || !row.meeting_public || is_classified(row.classification) ||
        row.restricted || row.released_version < 1 || !item_public ||
        g_str_equal(row.meeting_status, "draft")) {
        api_call_fail(call, 404, "not_found", "no public document %" G_GINT64_FORMAT, call->ids[0]);
        return TRUE;
    }
    return content_answer(conn, call, &row, row.released_version, FALSE, "public, max-age=300",
                          error);
}

static void content_after(ApiCall *call)
{
    api_call_send_file(call, 500, "content_missing",
                       "the document's content cannot be read from the server's store");
}

/* ---- release ---- */

static gboolean release_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, call->ids[0], &row, error))
        return FALSE;
    gint64 version = row.latest_version;
    if (!api_body_int(call, "version", 1, G_MAXINT32, FALSE, &version))
        return TRUE;
    if (doc_meeting_is_closed(&row)) {
        api_call_fail(call, 409, "meeting_closed",
                      "meeting %" G_GINT64_FORMAT " is %s: its documents can no longer change",
                      row.meeting_id, row.meeting_status);
        return TRUE;
    }
    if (version < 1 || version > row.latest_version) {
        api_call_fail(call, 400, "invalid_field",
                      "document %" G_GINT64_FORMAT " has no version %" G_GINT64_FORMAT, row.id,
                      version);
        return TRUE;
    }
    if (version <= row.released_version) {
        api_call_fail(call, 409, "already_released",
                      "document %" G_GINT64_FORMAT " version %" G_GINT64_FORMAT
                      " is released already (released: version %" G_GINT64_FORMAT ")",
                      row.id, version, row.released_version);
        return TRUE;
    }
    char did[24], ver[24];
    const char *p[] = {api_i64(did, row.id), api_i64(ver, version)};
    g_autoptr(DbRows) v = db_conn_exec(
        conn, VERSION_SELECT "WHERE v.document_id = $1 AND v.version = $2", 2, p, error);
    if (!v)
        return FALSE;
    if (!db_conn_run(conn, "UPDATE documents SET released_version = $2 WHERE id = $1", 2, p, error))
        return FALSE;
    row.released_version = version;

    /* The journal keeps what was released and its exact bytes (the SHA-256); a classified
     * document's title stays out of it. */
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "document_id");
    json_builder_add_int_value(b, row.id);
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, version);
    add_string(b, "sha256", db_rows_get(v, 0, 1));
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, db_rows_get_int64(v, 0, 2));
    add_string(b, "media_type", db_rows_get(v, 0, 3));
    add_string(b, "kind", row.kind);
    add_string(b, "classification", row.classification);
    if (!is_classified(row.classification)) {
        add_string(b, "title", row.title);
        add_string(b, "file_name", db_rows_get(v, 0, 4));
    }
    if (row.agenda_item_id) {
        json_builder_set_member_name(b, "agenda_item_id");
        json_builder_add_int_value(b, row.agenda_item_id);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) payload = json_builder_get_root(b);
    g_autofree char *actor = g_strdup_printf("user:%" G_GINT64_FORMAT, call->session.user_id);
    gint64 seq = 0;
    g_autofree char *hash = NULL;
    if (!record_journal(conn, row.meeting_id, "document.released", actor, payload, &seq, &hash,
                        error))
        return FALSE;
    /* Announced to whoever may open it, or to everyone when it is public; a document of a closed
     * item or sitting (họp kín) is never announced to the public. */
    gboolean item_public = TRUE;
    if (row.agenda_item_id) {
        char iid[24];
        const char *ip[] = {api_i64(iid, row.agenda_item_id)};
        g_autoptr(DbRows) ir =
            db_conn_exec(conn, "SELECT phonghop_item_public($1::bigint)", 1, ip, error);
        if (!ir)
            return FALSE;
        item_public = db_rows_get_bool(ir, 0, 0);
    }
    g_autoptr(GArray) audience = NULL;
    RecordVisibility vis = {TRUE, NULL, 0};
    if (!(row.is_public && row.meeting_public && !is_classified(row.classification) &&
          !row.restricted && item_public)) {
        audience = doc_audience(conn, &row, error);
        if (!audience)
            return FALSE;
        vis.is_public = FALSE;
        vis.audience = (const gint64 *)(gpointer)audience->data;
        vis.n_audience = audience->len;
    }
    if (!record_event(conn, row.meeting_id, "document.released", payload, &vis, NULL, error))
        return FALSE;
    /* Each reader invited to the meeting finds it in their notifications; a classified title
     * stays out of the list as it stays out of the record. */
    if (!audience && !(audience = doc_audience(conn, &row, error)))
        return FALSE;
    g_autofree char *prefix =
        is_classified(row.classification)
            ? g_strdup_printf("Tài liệu mới (%s): ", doc_classification_label(row.classification))
            : g_strdup_printf("Tài liệu mới «%s»: ", row.title);
    if (!doc_notify(conn, &row, audience, call->session.user_id, "document.released", prefix, NULL,
                    error))
        return FALSE;
    JsonNode *node = document_json(conn, &row, error);
    if (!node)
        return FALSE;
    JsonObject *o = json_node_get_object(node);
    JsonObject *journal = json_object_new();
    json_object_set_int_member(journal, "seq", seq);
    json_object_set_string_member(journal, "hash", hash);
    json_object_set_object_member(o, "journal", journal);
    api_call_reply(call, 200, node);
    return TRUE;
}

/* ---- access lists ---- */

static gboolean access_json(DbConn *conn, ApiCall *call, const DocRow *row, GError **error)
{
    char did[24];
    const char *p[] = {api_i64(did, row->id)};
    g_autoptr(DbRows) users = db_conn_exec(
        conn,
        "SELECT u.id, u.username, u.full_name FROM document_access a JOIN users u "
        "ON u.id = a.user_id WHERE a.document_id = $1 ORDER BY u.full_name COLLATE \"C\", u.id",
        1, p, error);
    if (!users)
        return FALSE;
    g_autoptr(DbRows) roles = db_conn_exec(conn,
                                           "SELECT role FROM document_access WHERE document_id = "
                                           "$1 AND role IS NOT NULL ORDER BY role",
                                           1, p, error);
    if (!roles)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "access");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "restricted");
    json_builder_add_boolean_value(b, db_rows_count(users) + db_rows_count(roles) > 0);
    json_builder_set_member_name(b, "users");
    static const char *const cols[] = {"id", "username", "full_name", NULL};
    api_add_rows(b, users, cols, "iss");
    json_builder_set_member_name(b, "roles");
    json_builder_begin_array(b);
    for (guint i = 0; i < db_rows_count(roles); i++)
        json_builder_add_string_value(b, db_rows_get(roles, i, 0));
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

static gboolean access_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, call->ids[0], &row, error))
        return FALSE;
    return access_json(conn, call, &row, error);
}

static gboolean access_put_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, call->ids[0], &row, error))
        return FALSE;
    if (doc_meeting_is_closed(&row)) {
        api_call_fail(call, 409, "meeting_closed",
                      "meeting %" G_GINT64_FORMAT " is %s: its documents can no longer change",
                      row.meeting_id, row.meeting_status);
        return TRUE;
    }
    JsonNode *un = call->body ? json_object_get_member(call->body, "users") : NULL;
    JsonNode *rn = call->body ? json_object_get_member(call->body, "roles") : NULL;
    if ((un && !JSON_NODE_HOLDS_ARRAY(un)) || (rn && !JSON_NODE_HOLDS_ARRAY(rn))) {
        api_call_fail(call, 400, "invalid_field",
                      "fields 'users' and 'roles' must be arrays (of user ids and role names)");
        return TRUE;
    }
    JsonArray *ua = un ? json_node_get_array(un) : NULL;
    JsonArray *ra = rn ? json_node_get_array(rn) : NULL;
    guint nu = ua ? json_array_get_length(ua) : 0, nr = ra ? json_array_get_length(ra) : 0;
    if (nu > 1000 || nr > 5) {
        api_call_fail(call, 400, "invalid_field", "too many entries in the access list");
        return TRUE;
    }
    /* Everything is checked before anything changes: a refused list changes nothing. */
    g_autoptr(GString) users = g_string_new("{");
    g_autoptr(GString) roles = g_string_new("{");
    for (guint i = 0; i < nu; i++) {
        JsonNode *n = json_array_get_element(ua, i);
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
            api_call_fail(call, 400, "invalid_field", "field 'users': each must be a user id");
            return TRUE;
        }
        g_string_append_printf(users, "%s%" G_GINT64_FORMAT, i ? "," : "", json_node_get_int(n));
    }
    for (guint i = 0; i < nr; i++) {
        JsonNode *n = json_array_get_element(ra, i);
        const char *role = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                               ? json_node_get_string(n)
                               : NULL;
        if (!role || !auth_role_from_name(role)) {
            api_call_fail(call, 400, "invalid_field",
                          "field 'roles': each must be admin, secretariat, chair, member or guest");
            return TRUE;
        }
        g_string_append_printf(roles, "%s%s", i ? "," : "", role);
    }
    g_string_append_c(users, '}');
    g_string_append_c(roles, '}');
    char did[24], bid[24];
    const char *s[] = {api_i64(bid, row.body_id), users->str};
    g_autoptr(DbRows) strangers = db_conn_exec(
        conn,
        "SELECT u FROM unnest($2::bigint[]) u WHERE NOT EXISTS "
        "(SELECT 1 FROM memberships WHERE body_id = $1 AND user_id = u) ORDER BY u LIMIT 1",
        2, s, error);
    if (!strangers)
        return FALSE;
    if (db_rows_count(strangers)) {
        api_call_fail(call, 400, "invalid_field", "field 'users': user %s has no role in body %s",
                      db_rows_get(strangers, 0, 0), bid);
        return TRUE;
    }
    const char *p[] = {api_i64(did, row.id), users->str};
    if (!db_conn_run(conn, "DELETE FROM document_access WHERE document_id = $1", 1, p, error) ||
        !db_conn_run(conn,
                     "INSERT INTO document_access (document_id, user_id) "
                     "SELECT DISTINCT $1::bigint, u FROM unnest($2::bigint[]) u",
                     2, p, error))
        return FALSE;
    const char *q[] = {did, roles->str};
    if (!db_conn_run(conn,
                     "INSERT INTO document_access (document_id, role) "
                     "SELECT DISTINCT $1::bigint, r FROM unnest($2::text[]) r",
                     2, q, error))
        return FALSE;
    g_auto(DocRow) now = {0};
    if (!doc_row_load(conn, call, row.id, &now, error))
        return FALSE;
    return access_json(conn, call, &now, error);
}

/* ---- receipts ---- */

static gboolean receipts_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load(conn, call, call->ids[0], &row, error))
        return FALSE;
    g_autoptr(GArray) audience = doc_audience(conn, &row, error);
    if (!audience)
        return FALSE;
    char did[24], bid[24];
    const char *p[] = {api_i64(did, row.id), api_i64(bid, row.body_id)};
    /* Everyone who opened it, and every chair, member or guest who may and has not yet. */
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT u.id, u.full_name, rc.version, "
        "       to_char(rc.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM users u LEFT JOIN document_receipts rc ON rc.user_id = u.id AND rc.document_id = $1 "
        "WHERE rc.user_id IS NOT NULL OR u.id IN (SELECT user_id FROM memberships "
        "  WHERE body_id = $2 AND role IN ('chair', 'member', 'guest')) "
        "ORDER BY rc.opened_at NULLS LAST, u.full_name COLLATE \"C\", u.id",
        2, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "receipts");
    json_builder_begin_array(b);
    guint opened = 0;
    for (guint i = 0; i < db_rows_count(r); i++) {
        gint64 uid = db_rows_get_int64(r, i, 0);
        gboolean has = !db_rows_is_null(r, i, 3);
        /* Those who may not open it are not waited for. */
        gboolean may = FALSE;
        for (guint k = 0; k < audience->len && !may; k++)
            may = g_array_index(audience, gint64, k) == uid;
        if (!has && (!may || row.released_version == 0))
            continue;
        opened += has;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "user_id");
        json_builder_add_int_value(b, uid);
        add_string(b, "full_name", db_rows_get(r, i, 1));
        add_int_or_null(b, "version", db_rows_get_int64(r, i, 2));
        add_string(b, "opened_at", db_rows_get(r, i, 3));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "opened");
    json_builder_add_int_value(b, opened);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

/* ---- private notes ---- */

static gboolean note_get_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load_openable(conn, call, call->ids[0], &row, error))
        return *error == NULL;
    char did[24], uid[24];
    const char *p[] = {api_i64(did, row.id), api_i64(uid, call->session.user_id)};
    g_autoptr(DbRows) r = db_conn_exec(
        conn,
        "SELECT body, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM document_notes WHERE document_id = $1 AND user_id = $2",
        2, p, error);
    if (!r)
        return FALSE;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "note");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "document_id");
    json_builder_add_int_value(b, row.id);
    add_string(b, "text", db_rows_count(r) ? db_rows_get(r, 0, 0) : "");
    add_string(b, "updated_at", db_rows_count(r) ? db_rows_get(r, 0, 1) : NULL);
    json_builder_end_object(b);
    json_builder_end_object(b);
    api_call_reply(call, 200, json_builder_get_root(b));
    return TRUE;
}

static gboolean note_put_run(DbConn *conn, ApiCall *call, GError **error)
{
    g_auto(DocRow) row = {0};
    if (!doc_row_load_openable(conn, call, call->ids[0], &row, error))
        return *error == NULL;
    JsonNode *n = call->body ? json_object_get_member(call->body, "text") : NULL;
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        api_call_fail(call, 400, "missing_field", "field 'text' (a string) is required");
        return TRUE;
    }
    g_autofree char *text = api_body_string(call, "text", MAX_NOTE, FALSE);
    if (!text)
        return TRUE;
    char did[24], uid[24];
    const char *p[] = {api_i64(did, row.id), api_i64(uid, call->session.user_id), text};
    /* An empty note is no note. */
    if (!db_conn_run(conn,
                     *text ? "INSERT INTO document_notes (document_id, user_id, body) "
                             "VALUES ($1, $2, $3) ON CONFLICT (document_id, user_id) "
                             "DO UPDATE SET body = $3, updated_at = now()"
                           : "DELETE FROM document_notes WHERE document_id = $1 AND user_id = $2",
                     *text ? 3 : 2, p, error))
        return FALSE;
    return note_get_run(conn, call, error);
}

/* ---- routes ---- */

/* The upload routes' run is commit_run: their bodies are always streamed
 * (api_document_stream_routes), and a call that reaches it without a stored upload is refused. */
const ApiRoute api_document_routes[] = {
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/documents", API_SCOPE_MEETING, MANAGERS, commit_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/meetings/{id}/documents", API_SCOPE_MEETING, ALL, documents_list_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}", API_SCOPE_DOCUMENT, ALL, document_get_run, NULL},
    {HTTP_METHOD_POST, "/api/v1/documents/{id}/versions", API_SCOPE_DOCUMENT, MANAGERS, commit_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/public/documents/{id}/content", API_SCOPE_PUBLIC, 0,
     public_content_run, content_after},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}/content", API_SCOPE_DOCUMENT, ALL, content_run,
     content_after},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}/versions/{id}/content", API_SCOPE_DOCUMENT, ALL,
     content_run, content_after},
    {HTTP_METHOD_POST, "/api/v1/documents/{id}/release", API_SCOPE_DOCUMENT, MANAGERS, release_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}/access", API_SCOPE_DOCUMENT, MANAGERS, access_get_run,
     NULL},
    {HTTP_METHOD_PUT, "/api/v1/documents/{id}/access", API_SCOPE_DOCUMENT, MANAGERS, access_put_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}/receipts", API_SCOPE_DOCUMENT, READERS, receipts_run,
     NULL},
    {HTTP_METHOD_GET, "/api/v1/documents/{id}/note", API_SCOPE_DOCUMENT, ALL, note_get_run, NULL},
    {HTTP_METHOD_PUT, "/api/v1/documents/{id}/note", API_SCOPE_DOCUMENT, ALL, note_put_run, NULL},
    {0, NULL, 0, 0, NULL, NULL},
};

const ApiStreamRoute api_document_stream_routes[] = {
    {HTTP_METHOD_POST, "/api/v1/meetings/{id}/documents", upload_document_begin},
    {HTTP_METHOD_POST, "/api/v1/documents/{id}/versions", upload_version_begin},
    {0, NULL, NULL},
};
