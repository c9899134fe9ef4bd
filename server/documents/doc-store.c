/* doc-store.c: the content-addressed document store and streamed uploads into it.
 *
 * Two sides of an upload, one lock-free hand-off. The main thread owns the upload's queue: bytes
 * from the HTTP layer fill a DOC_UPLOAD_BUFFER buffer, full buffers wait in a queue, and at most
 * one job of the upload is with the writer threads at a time, carrying every buffer queued when it
 * left. The writer side (the temporary file's descriptor, the running SHA-256, the byte count) is
 * touched only by that one job, so the two sides share nothing but the job itself, and the order
 * of the bytes is the order of the jobs. A finished job is posted back to the main context
 * (g_main_context_invoke_full), which frees its buffers' accounting, resumes the sender below the
 * low-water mark, and sends the next job.
 *
 * The last job is FINISH (fsync, type check, rename to the content address or drop as a
 * duplicate, fsync of the directories) or DISCARD (close and delete). Renaming into the store is
 * atomic, so a reader sees a complete file or none; two uploads of the same bytes at once both
 * rename onto the same name with the same content, which is harmless.
 */
#include "documents.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-documents"

#define WRITER_THREADS 2
#define TYPE_REFUSED \
    "file type not accepted: this is %s; a document must be " DOC_TYPE_ACCEPTED_TEXT

G_DEFINE_QUARK(doc_error, doc_error)

struct _DocStore {
    char *root;        /* STATE_DIR/documents */
    char *tmp_dir;     /* .../tmp */
    char *content_dir; /* .../sha256 */
    GMainContext *context;
    GThreadPool *writers;
};

struct _DocUpload {
    gint ref; /* atomic: the owner's reference and one per job in flight */
    DocStore *store;

    /* main thread */
    DocUploadFlowFunc flow;
    gpointer flow_data;
    GByteArray *fill; /* the buffer being filled, or NULL */
    GQueue pending;   /* GBytes* full buffers waiting for the disk */
    guint64 given;    /* bytes given by doc_upload_write */
    guint64 backlog;  /* bytes given and not yet on disk */
    gboolean busy;    /* a job is with the writers */
    gboolean started; /* a write job was sent: the temporary file may exist */
    gboolean paused;
    gboolean finishing;
    gboolean cancelled;
    gboolean closed; /* FINISH or DISCARD was sent */
    gboolean done_called;
    GError *error; /* the first failure */
    DocUploadDoneFunc done;
    gpointer done_data;

    /* the writer side: only the one job in flight touches these */
    int fd;
    char *tmp_path;
    GChecksum *sha256;
    guint64 written;
};

typedef enum { JOB_WRITE, JOB_FINISH, JOB_DISCARD } JobKind;

typedef struct {
    DocUpload *upload; /* a reference */
    JobKind kind;
    GPtrArray *buffers; /* GBytes*, for JOB_WRITE */
    guint64 bytes;
    GError *error; /* in: the upload's failure (FINISH discards); out: this job's */
    DocBlob blob;
} Job;

static DocUpload *upload_ref(DocUpload *up)
{
    g_atomic_int_inc(&up->ref);
    return up;
}

static void upload_unref(DocUpload *up)
{
    if (!g_atomic_int_dec_and_test(&up->ref))
        return;
    if (up->fd >= 0)
        close(up->fd);
    if (up->tmp_path)
        g_unlink(up->tmp_path);
    g_free(up->tmp_path);
    g_queue_clear_full(&up->pending, (GDestroyNotify)g_bytes_unref);
    if (up->fill)
        g_byte_array_unref(up->fill);
    g_clear_error(&up->error);
    g_checksum_free(up->sha256);
    g_free(up);
}

static void job_free(gpointer p)
{
    Job *job = p;
    if (job->buffers)
        g_ptr_array_unref(job->buffers);
    g_clear_error(&job->error);
    upload_unref(job->upload);
    g_free(job);
}

/* ---- the writer threads ---- */

static gboolean write_all(int fd, const guint8 *data, gsize len, GError **error)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            g_set_error(error, DOC_ERROR, DOC_ERROR_IO, "cannot write the document to disk: %s",
                        g_strerror(err));
            return FALSE;
        }
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

static gboolean fsync_dir(const char *path, GError **error)
{
    int fd = g_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, DOC_ERROR, DOC_ERROR_IO, "cannot sync the directory %s: %s", path,
                    g_strerror(err));
        return FALSE;
    }
    close(fd);
    return TRUE;
}

static void writer_close(DocUpload *up, gboolean delete_file)
{
    if (up->fd >= 0)
        close(up->fd);
    up->fd = -1;
    if (delete_file && up->tmp_path)
        g_unlink(up->tmp_path);
    g_clear_pointer(&up->tmp_path, g_free);
}

static void writer_append(Job *job)
{
    DocUpload *up = job->upload;
    if (up->fd < 0) {
        char *path = g_build_filename(up->store->tmp_dir, "upload-XXXXXX", NULL);
        int fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0640);
        if (fd < 0) {
            int err = errno;
            g_set_error(&job->error, DOC_ERROR, DOC_ERROR_IO,
                        "cannot create a file for the upload in %s: %s", up->store->tmp_dir,
                        g_strerror(err));
            g_free(path);
            return;
        }
        up->fd = fd;
        up->tmp_path = path;
    }
    for (guint i = 0; i < job->buffers->len; i++) {
        gsize len = 0;
        const guint8 *data = g_bytes_get_data(job->buffers->pdata[i], &len);
        if (!write_all(up->fd, data, len, &job->error))
            return;
        g_checksum_update(up->sha256, data, (gssize)len);
        up->written += len;
    }
}

static gssize fd_read(gpointer source, guint64 offset, guint8 *buf, gsize len)
{
    int fd = GPOINTER_TO_INT(source);
    for (;;) {
        ssize_t n = pread(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

/* Moves the finished temporary file to its content address. */
static gboolean writer_store(DocUpload *up, DocBlob *blob, GError **error)
{
    DocStore *store = up->store;
    g_autofree char *path = doc_store_content_path(store, blob->sha256_hex);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *parent = g_path_get_dirname(dir);
    if (g_mkdir_with_parents(dir, 0750) != 0) {
        int err = errno;
        g_set_error(error, DOC_ERROR, DOC_ERROR_IO, "cannot create %s: %s", dir, g_strerror(err));
        return FALSE;
    }
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        /* Stored once: the same bytes are there already. */
        blob->existed = TRUE;
        writer_close(up, TRUE);
        return TRUE;
    }
    if (g_rename(up->tmp_path, path) != 0) {
        int err = errno;
        g_set_error(error, DOC_ERROR, DOC_ERROR_IO, "cannot move the upload into the store: %s",
                    g_strerror(err));
        return FALSE;
    }
    g_clear_pointer(&up->tmp_path, g_free);
    writer_close(up, FALSE);
    /* The new name, and the directories that may be new, must survive a crash too. */
    return fsync_dir(dir, error) && fsync_dir(parent, error) &&
           fsync_dir(store->content_dir, error);
}

static void writer_finish(Job *job)
{
    DocUpload *up = job->upload;
    DocBlob *blob = &job->blob;
    if (job->error) {
        writer_close(up, TRUE);
        return;
    }
    blob->size = up->written;
    if (up->fd < 0) {
        blob->type = DOC_TYPE_EMPTY;
        g_set_error(&job->error, DOC_ERROR, DOC_ERROR_TYPE, TYPE_REFUSED,
                    doc_type_describe(blob->type));
        return;
    }
    if (fsync(up->fd) != 0) {
        int err = errno;
        g_set_error(&job->error, DOC_ERROR, DOC_ERROR_IO, "cannot write the document to disk: %s",
                    g_strerror(err));
        writer_close(up, TRUE);
        return;
    }
    blob->type = doc_type_detect(fd_read, GINT_TO_POINTER(up->fd), up->written);
    if (!doc_type_is_accepted(blob->type)) {
        g_set_error(&job->error, DOC_ERROR, DOC_ERROR_TYPE, TYPE_REFUSED,
                    doc_type_describe(blob->type));
        writer_close(up, TRUE);
        return;
    }
    g_strlcpy(blob->sha256_hex, g_checksum_get_string(up->sha256), sizeof(blob->sha256_hex));
    if (!writer_store(up, blob, &job->error))
        writer_close(up, TRUE);
}

/* ---- the main thread ---- */

static void send_job(DocUpload *up, JobKind kind)
{
    Job *job = g_new0(Job, 1);
    job->upload = upload_ref(up);
    job->kind = kind;
    if (kind == JOB_WRITE) {
        job->buffers = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        GBytes *b;
        while ((b = g_queue_pop_head(&up->pending))) {
            job->bytes += g_bytes_get_size(b);
            g_ptr_array_add(job->buffers, b);
        }
        up->started = TRUE;
    } else {
        up->closed = TRUE;
        if (kind == JOB_FINISH && up->error)
            job->error = g_error_copy(up->error);
    }
    up->busy = TRUE;
    g_thread_pool_push(up->store->writers, job, NULL);
}

static void pump(DocUpload *up)
{
    if (up->busy || up->closed)
        return;
    if (up->cancelled) {
        if (up->started)
            send_job(up, JOB_DISCARD);
        else
            up->closed = TRUE;
        return;
    }
    if (up->error) {
        /* Nothing more goes to disk; what waits is dropped. */
        g_queue_clear_full(&up->pending, (GDestroyNotify)g_bytes_unref);
        up->backlog = 0;
    }
    if (!g_queue_is_empty(&up->pending))
        send_job(up, JOB_WRITE);
    else if (up->finishing)
        send_job(up, JOB_FINISH);
}

static void set_flow(DocUpload *up, gboolean pause)
{
    if (up->paused == pause)
        return;
    up->paused = pause;
    if (up->flow)
        up->flow(pause, up->flow_data);
}

/* A job came back from the writers. */
static gboolean job_done(gpointer data)
{
    Job *job = data;
    DocUpload *up = job->upload;
    up->busy = FALSE;
    switch (job->kind) {
    case JOB_WRITE:
        up->backlog -= MIN(up->backlog, job->bytes);
        if (job->error && !up->error)
            up->error = g_steal_pointer(&job->error);
        if (up->backlog <= DOC_UPLOAD_LOW_WATER || up->error)
            set_flow(up, FALSE);
        pump(up);
        break;
    case JOB_FINISH:
        if (!up->cancelled && !up->done_called) {
            up->done_called = TRUE;
            if (up->done)
                up->done(up, job->error ? NULL : &job->blob, job->error, up->done_data);
        }
        break;
    case JOB_DISCARD:
        break;
    }
    return G_SOURCE_REMOVE;
}

static void writer_thread(gpointer data, gpointer user_data)
{
    Job *job = data;
    DocStore *store = user_data;
    switch (job->kind) {
    case JOB_WRITE:
        writer_append(job);
        break;
    case JOB_FINISH:
        writer_finish(job);
        break;
    case JOB_DISCARD:
        writer_close(job->upload, TRUE);
        break;
    }
    g_main_context_invoke_full(store->context, G_PRIORITY_DEFAULT, job_done, job, job_free);
}

DocUpload *doc_upload_new(DocStore *store, DocUploadFlowFunc flow, gpointer flow_data)
{
    g_return_val_if_fail(store != NULL, NULL);
    DocUpload *up = g_new0(DocUpload, 1);
    up->ref = 1;
    up->store = store;
    up->flow = flow;
    up->flow_data = flow_data;
    up->fd = -1;
    up->sha256 = g_checksum_new(G_CHECKSUM_SHA256);
    g_queue_init(&up->pending);
    return up;
}

static void flush_fill(DocUpload *up)
{
    if (!up->fill || up->fill->len == 0)
        return;
    GByteArray *fill = g_steal_pointer(&up->fill);
    g_queue_push_tail(&up->pending, g_byte_array_free_to_bytes(fill));
}

void doc_upload_write(DocUpload *up, const guint8 *data, gsize len)
{
    g_return_if_fail(up != NULL);
    if (up->finishing || up->cancelled || up->error || len == 0)
        return;
    up->given += len;
    up->backlog += len;
    while (len > 0) {
        if (!up->fill)
            up->fill = g_byte_array_sized_new(DOC_UPLOAD_BUFFER);
        gsize n = MIN(len, (gsize)DOC_UPLOAD_BUFFER - up->fill->len);
        g_byte_array_append(up->fill, data, (guint)n);
        data += n;
        len -= n;
        if (up->fill->len == DOC_UPLOAD_BUFFER)
            flush_fill(up);
    }
    if (up->backlog > DOC_UPLOAD_MAX_BACKLOG) {
        g_set_error(&up->error, DOC_ERROR, DOC_ERROR_IO,
                    "the server could not write the upload to disk as fast as it arrived: try "
                    "again");
        g_clear_pointer(&up->fill, g_byte_array_unref);
    }
    pump(up);
    if (up->backlog > DOC_UPLOAD_HIGH_WATER && !up->error)
        set_flow(up, TRUE);
}

guint64 doc_upload_get_size(DocUpload *up)
{
    return up->given;
}

void doc_upload_finish(DocUpload *up, DocUploadDoneFunc done, gpointer user_data)
{
    g_return_if_fail(up != NULL && !up->finishing);
    up->done = done;
    up->done_data = user_data;
    up->finishing = TRUE;
    flush_fill(up);
    set_flow(up, FALSE);
    pump(up);
}

void doc_upload_cancel(DocUpload *up)
{
    if (!up || up->cancelled || up->done_called)
        return;
    up->cancelled = TRUE;
    g_clear_pointer(&up->fill, g_byte_array_unref);
    g_queue_clear_full(&up->pending, (GDestroyNotify)g_bytes_unref);
    up->backlog = 0;
    pump(up);
}

void doc_upload_unref(DocUpload *up)
{
    if (!up)
        return;
    doc_upload_cancel(up);
    upload_unref(up);
}

/* ---- the store ---- */

static gboolean make_dir(const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0750) != 0) {
        int err = errno;
        g_set_error(error, DOC_ERROR, DOC_ERROR_IO, "cannot create the directory %s: %s", path,
                    g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* Uploads that were in progress when an earlier process stopped are deleted. */
static void sweep_tmp(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n = 0;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_unlink(path) == 0)
            n++;
    }
    if (n)
        g_message("documents: removed %u unfinished uploads from %s", n, dir);
}

DocStore *doc_store_new(const char *state_dir, GMainContext *context, GError **error)
{
    g_return_val_if_fail(state_dir != NULL && context != NULL, NULL);
    DocStore *store = g_new0(DocStore, 1);
    store->root = g_build_filename(state_dir, "documents", NULL);
    store->tmp_dir = g_build_filename(store->root, "tmp", NULL);
    store->content_dir = g_build_filename(store->root, "sha256", NULL);
    store->context = g_main_context_ref(context);
    if (!make_dir(store->tmp_dir, error) || !make_dir(store->content_dir, error)) {
        doc_store_free(store);
        return NULL;
    }
    sweep_tmp(store->tmp_dir);
    GError *local = NULL;
    store->writers = g_thread_pool_new(writer_thread, store, WRITER_THREADS, TRUE, &local);
    if (!store->writers) {
        g_set_error(error, DOC_ERROR, DOC_ERROR_IO, "cannot start the document writers: %s",
                    local->message);
        g_error_free(local);
        doc_store_free(store);
        return NULL;
    }
    return store;
}

void doc_store_free(DocStore *store)
{
    if (!store)
        return;
    if (store->writers)
        g_thread_pool_free(store->writers, FALSE, TRUE);
    g_main_context_unref(store->context);
    g_free(store->root);
    g_free(store->tmp_dir);
    g_free(store->content_dir);
    g_free(store);
}

char *doc_store_content_path(DocStore *store, const char *sha256_hex)
{
    if (!doc_sha256_hex_valid(sha256_hex))
        return NULL;
    char a[3] = {sha256_hex[0], sha256_hex[1], 0};
    char b[3] = {sha256_hex[2], sha256_hex[3], 0};
    return g_build_filename(store->content_dir, a, b, sha256_hex, NULL);
}

const char *doc_store_get_tmp_dir(DocStore *store)
{
    return store->tmp_dir;
}
