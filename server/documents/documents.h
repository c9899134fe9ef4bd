/* documents.h: the documents of meetings on disk: what kind of file a document is, the
 * content-addressed store and the streamed upload into it.
 *
 * Types. A document's type is never taken from its name or from the Content-Type the client
 * claims: it is read from the content. Accepted are PDF, PNG, JPEG and three ZIP-based office
 * formats: DOCX and XLSX (Office Open XML, told apart by the part names in the ZIP's central
 * directory next to [Content_Types].xml) and ODT (OpenDocument text, whose first entry is an
 * uncompressed "mimetype" naming it). Anything else is recognised as well as cheaply possible, so
 * that a refusal can say what the file was ("a legacy Word or Excel file (DOC/XLS)"). Detection
 * reads a few bounded windows (the first 4 KiB, the last 64 KiB + 22 bytes, a central directory of
 * at most DOC_TYPE_MAX_DIRECTORY bytes) through a DocReadFunc, every ZIP field bounds-checked.
 * Pure and thread-safe.
 *
 * Store. STATE_DIR/documents/sha256/ab/cd/<64 hex digits> holds each distinct content once, named
 * by its SHA-256; STATE_DIR/documents/tmp/ holds uploads in progress under random names. Nothing
 * the client sends (its file name in particular) is ever part of a path. Files in the store are
 * never changed: a new version is a new file.
 *
 * Uploads. A DocUpload receives the bytes of one upload on the main thread and hands them, in
 * buffers of DOC_UPLOAD_BUFFER bytes, to the store's writer threads (a small GThreadPool: the main
 * loop never writes to disk), which append them to a temporary file and update the SHA-256. Its
 * owner is told to pause the sender when more than DOC_UPLOAD_HIGH_WATER bytes wait for the disk
 * and to resume below DOC_UPLOAD_LOW_WATER, so an upload holds at most a few buffers in memory
 * whatever its size. Finishing flushes, fsyncs, detects the type (an unaccepted type deletes the
 * file), then renames the file to its content address, or drops it when that content is stored
 * already, and fsyncs the directory: once done reports success the bytes are durable. Cancelling
 * deletes the temporary file; a crash leaves it in tmp/, which the store empties when it opens.
 *
 * Threads: the store and uploads are used from the thread that owns the GMainContext given to
 * doc_store_new() (the main thread); their callbacks run there. The name helpers and type
 * detection run anywhere.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DOC_TYPE_MAX_DIRECTORY (4 * 1024 * 1024)

typedef enum {
    DOC_TYPE_UNKNOWN = 0, /* unrecognised binary data */
    /* accepted */
    DOC_TYPE_PDF,
    DOC_TYPE_PNG,
    DOC_TYPE_JPEG,
    DOC_TYPE_DOCX,
    DOC_TYPE_XLSX,
    DOC_TYPE_ODT,
    /* recognised, refused */
    DOC_TYPE_EMPTY,
    DOC_TYPE_TEXT,
    DOC_TYPE_HTML,
    DOC_TYPE_GIF,
    DOC_TYPE_WEBP,
    DOC_TYPE_TIFF,
    DOC_TYPE_OLE, /* DOC, XLS, PPT of Office 97-2003 */
    DOC_TYPE_PPTX,
    DOC_TYPE_ODF_OTHER, /* OpenDocument spreadsheet, presentation ... */
    DOC_TYPE_ZIP_OTHER,
    DOC_TYPE_ZIP_DAMAGED,
    DOC_TYPE_GZIP,
    DOC_TYPE_RAR,
    DOC_TYPE_7Z,
    DOC_TYPE_EXECUTABLE,
} DocType;

/* Reads up to len bytes at offset into buf; returns how many were read (short only at the end of
 * the file) or -1 on an error. Called from the detecting thread only. */
typedef gssize (*DocReadFunc)(gpointer source, guint64 offset, guint8 *buf, gsize len);

/* Detects the type of a file of size bytes read through read. */
DocType doc_type_detect(DocReadFunc read, gpointer source, guint64 size);
/* The same over bytes in memory (tests, fuzzing). */
DocType doc_type_detect_bytes(const guint8 *data, gsize len);

/* TRUE for the types a document may have. */
gboolean doc_type_is_accepted(DocType type);
/* The media type served with an accepted type ("application/pdf"); NULL for refused ones. */
const char *doc_type_media_type(DocType type);
/* A short name: "PDF", "DOCX" ..., "GIF", "unknown". */
const char *doc_type_name(DocType type);
/* A phrase for messages: "a PDF document", "a legacy Word or Excel file (DOC/XLS)". */
const char *doc_type_describe(DocType type);
/* The list of accepted types for messages: "PDF, DOCX, XLSX, ODT, PNG or JPEG". */
#define DOC_TYPE_ACCEPTED_TEXT "PDF, DOCX, XLSX, ODT, PNG or JPEG"

/* ---- display names ---- */

/* The file name a client sent, made fit for display and for a Content-Disposition header:
 * anything up to the last '/' or '\\' removed, invalid UTF-8 replaced, control and bidirectional
 * formatting characters removed, spaces trimmed, cut to at most 255 bytes on a character
 * boundary. An empty result becomes "document". Never used to build a path. (transfer full) */
char *doc_display_name(const char *raw);
/* A Content-Disposition value for name: disposition ("inline" or "attachment"), an ASCII
 * fallback filename and the exact UTF-8 name in RFC 5987 / RFC 6266 form. (transfer full) */
char *doc_content_disposition(const char *name, const char *disposition);
/* TRUE for 64 lowercase hexadecimal digits. */
gboolean doc_sha256_hex_valid(const char *hex);

/* ---- the store ---- */

#define DOC_ERROR (doc_error_quark())
GQuark doc_error_quark(void);
typedef enum {
    DOC_ERROR_IO,   /* the disk refused (the message names the operation and the reason) */
    DOC_ERROR_TYPE, /* the content is not of an accepted type */
} DocError;

typedef struct _DocStore DocStore;

/* Opens the store under state_dir (creating documents/, documents/tmp/ and documents/sha256/),
 * empties tmp/ of what an earlier process left, and starts its writer threads. Completions are
 * dispatched on context. Blocking: call at start-up. (transfer full) or NULL with DOC_ERROR_IO. */
DocStore *doc_store_new(const char *state_dir, GMainContext *context, GError **error);
/* Waits for the writer threads to finish what they were given, then frees. NULL is allowed. */
void doc_store_free(DocStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DocStore, doc_store_free)

/* The path of the content with this SHA-256 (transfer full), or NULL when hex is not 64
 * lowercase hex digits. Whether the file exists is not checked. Any thread. */
char *doc_store_content_path(DocStore *store, const char *sha256_hex);
/* The directory of uploads in progress. (transfer none) Any thread. */
const char *doc_store_get_tmp_dir(DocStore *store);

/* ---- uploads ---- */

#define DOC_UPLOAD_BUFFER     (256 * 1024)
#define DOC_UPLOAD_HIGH_WATER (4 * DOC_UPLOAD_BUFFER)
#define DOC_UPLOAD_LOW_WATER  (2 * DOC_UPLOAD_BUFFER)
/* Past this many bytes waiting for the disk an upload fails (DOC_ERROR_IO): the bound for senders
 * that cannot be paused (HTTP/2 under libwebsockets 4.1). */
#define DOC_UPLOAD_MAX_BACKLOG (64 * 1024 * 1024)

typedef struct _DocUpload DocUpload;

typedef struct {
    char sha256_hex[65];
    guint64 size;
    DocType type;
    gboolean existed; /* this content was in the store already: the upload's copy was dropped */
} DocBlob;

/* The upload wants its sender paused (pause TRUE) or resumed. */
typedef void (*DocUploadFlowFunc)(gboolean pause, gpointer user_data);
/* The upload finished: blob on success (transfer none), else error (DOC_ERROR_TYPE with
 * blob->type set when the content is of a refused type; DOC_ERROR_IO). */
typedef void (*DocUploadDoneFunc)(DocUpload *upload, const DocBlob *blob, const GError *error,
                                  gpointer user_data);

/* A new upload into store (the temporary file is created by the first write). flow may be NULL.
 * (transfer full) */
DocUpload *doc_upload_new(DocStore *store, DocUploadFlowFunc flow, gpointer flow_data);
/* Appends bytes (copied). Ignored after finish or cancel, or once a write failed. */
void doc_upload_write(DocUpload *upload, const guint8 *data, gsize len);
/* Bytes given so far. */
guint64 doc_upload_get_size(DocUpload *upload);
/* No more bytes: flush, check, store. done runs once, on the store's context, never from inside
 * this call. */
void doc_upload_finish(DocUpload *upload, DocUploadDoneFunc done, gpointer user_data);
/* Gives up: the temporary file is deleted and done (if finish was called) is never called.
 * Idempotent; no effect once done has run. */
void doc_upload_cancel(DocUpload *upload);
/* Drops the caller's reference; an upload neither finished nor cancelled is cancelled. */
void doc_upload_unref(DocUpload *upload);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DocUpload, doc_upload_unref)

G_END_DECLS
