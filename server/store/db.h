/* db.h: phonghop's store, the only module that talks to PostgreSQL (libpq).
 *
 * Three layers:
 *  - DbCluster: the embedded PostgreSQL that phonghop creates and runs under its state directory
 *    when no database URL is configured (initdb on first run, Unix socket only, stopped on exit).
 *  - DbConn: one synchronous connection. Used on the pool's worker threads and by phonghop-admin,
 *    never on the main loop. Values go in and come out as text (PostgreSQL's text format).
 *  - DbPool: a few worker threads, each owning one DbConn. The main loop hands it jobs; a job runs
 *    on a worker inside one transaction, and its completion is posted back to the GMainContext the
 *    pool was made for. The main loop never waits on the database.
 *
 * Migrations (schema/NNNN-name.sql) are compiled into the binary; db_migrate() applies the missing
 * ones in order under an advisory lock, each in its own transaction, and refuses a database whose
 * schema is newer than the binary.
 *
 * No libpq type appears in this header: other modules include it without libpq-fe.h.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DB_ERROR (db_error_quark())
GQuark db_error_quark(void);

/* TRUE when error is a DB_ERROR whose message carries this SQLSTATE (e.g. "23505", to tell a
 * taken user name from other conflicts). Any thread. */
gboolean db_error_matches_sqlstate(const GError *error, const char *sqlstate);

typedef enum {
    DB_ERROR_UNAVAILABLE, /* cannot connect, or the connection was lost: try again later */
    DB_ERROR_QUERY,    /* the statement failed (a bug, or a constraint the caller did not check) */
    DB_ERROR_CONFLICT, /* unique violation, serialization failure, deadlock: the caller may retry */
    DB_ERROR_SCHEMA,   /* migrations failed, or the database is newer than this binary */
    DB_ERROR_BUSY,     /* the pool's queue is full */
    DB_ERROR_CLUSTER,  /* the embedded cluster could not be created, started or stopped */
} DbError;

/* ---- the embedded cluster ---- */

typedef struct _DbCluster DbCluster;

typedef struct {
    /* the cluster lives in STATE_DIR/pgdata, its socket in STATE_DIR/pgsocket */
    const char *state_dir;
    const char *bindir; /* PostgreSQL's programs; NULL: the newest /usr/lib/postgresql/N/bin */
    const char *run_as; /* account that runs the cluster when phonghop runs as root */
} DbClusterOptions;

/* Creates the cluster on first use (initdb, database "phonghop"), starts it if it is not already
 * running (an earlier phonghop that was killed may have left it running: it is reused), and waits
 * until it accepts connections. Blocking: call at start-up, before the main loop runs.
 * Returns (transfer full) the cluster, or NULL with DB_ERROR_CLUSTER naming what failed. */
DbCluster *db_cluster_start(const DbClusterOptions *options, GError **error);

/* The libpq connection string for the cluster:
 * "host=STATE_DIR/pgsocket port=5432 dbname=phonghop user=phonghop". (transfer none) */
const char *db_cluster_get_conninfo(DbCluster *cluster);

/* Stops the cluster (fast shutdown: open transactions are rolled back, committed ones are durable)
 * and frees it. Blocking. NULL is allowed. */
void db_cluster_stop(DbCluster *cluster);

/* Frees the handle and leaves the cluster running (for a process that found it already running
 * and leaves it to the one that started it). NULL is allowed. */
void db_cluster_free(DbCluster *cluster);

/* ---- one connection (synchronous; one thread at a time) ---- */

typedef struct _DbConn DbConn;
typedef struct _DbRows DbRows;

/* Opens a connection. A conninfo string or a postgresql:// URL. NULL with DB_ERROR_UNAVAILABLE. */
DbConn *db_conn_open(const char *conninfo, GError **error);
void db_conn_free(DbConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DbConn, db_conn_free)

/* TRUE while the connection is usable. */
gboolean db_conn_is_ok(DbConn *conn);

/* Tries to re-establish a broken connection. */
gboolean db_conn_reset(DbConn *conn, GError **error);

/* Runs one statement with text parameters ($1..$n; a NULL element is SQL NULL).
 * Returns (transfer full) the rows (zero rows for statements that return none), or NULL with
 * DB_ERROR_UNAVAILABLE (connection lost), DB_ERROR_CONFLICT (SQLSTATE 23505, 40001, 40P01) or
 * DB_ERROR_QUERY (anything else; the message carries PostgreSQL's message and SQLSTATE). */
DbRows *db_conn_exec(DbConn *conn, const char *sql, guint n_params, const char *const *params,
                     GError **error);

/* Convenience: runs a statement and discards the rows. */
gboolean db_conn_run(DbConn *conn, const char *sql, guint n_params, const char *const *params,
                     GError **error);

/* As db_conn_exec, with the statement prepared on this connection the first time its text is
 * run (parsed and planned once, then only executed). For statements whose text is fixed and
 * that run often; the values still come as parameters. A connection keeps at most 64; past
 * that, a new text runs as with db_conn_exec. */
DbRows *db_conn_exec_prepared(DbConn *conn, const char *sql, guint n_params,
                              const char *const *params, GError **error);
gboolean db_conn_run_prepared(DbConn *conn, const char *sql, guint n_params,
                              const char *const *params, GError **error);

/* Several statements in one round trip (libpq's pipeline mode), each prepared as with
 * db_conn_exec_prepared, run in order; a pending BEGIN goes first. For statements that do not
 * need each other's results. Outside an explicit transaction they are one implicit transaction.
 * Returns TRUE with rows[i] (transfer full) the rows of statements[i]; or FALSE, every rows[i]
 * NULL, with the first failure's error: nothing after it ran, and an explicit transaction is
 * left failed (COMMIT rolls it back). */
#define DB_PIPELINE_MAX 8
typedef struct {
    const char *sql;
    guint n_params;
    const char *const *params;
} DbStatement;
gboolean db_conn_exec_prepared_all(DbConn *conn, guint n, const DbStatement *statements,
                                   DbRows **rows, GError **error);
/* Runs a script of several statements without parameters (migrations, demo data). */
gboolean db_conn_run_script(DbConn *conn, const char *sql, GError **error);

/* BEGIN costs no round trip of its own: it is sent with the transaction's first statement (in
 * libpq's pipeline mode), and a transaction that ran no statement commits without one. */
gboolean db_conn_begin(DbConn *conn, GError **error);
gboolean db_conn_commit(DbConn *conn, GError **error);
void db_conn_rollback(DbConn *conn); /* never fails: a broken connection is rolled back anyway */

guint db_rows_count(const DbRows *rows);
guint db_rows_n_columns(const DbRows *rows);
/* Column index by name, or -1. */
int db_rows_column(const DbRows *rows, const char *name);
/* The value as text (transfer none; valid until db_rows_free), or NULL for SQL NULL. */
const char *db_rows_get(const DbRows *rows, guint row, guint col);
gboolean db_rows_is_null(const DbRows *rows, guint row, guint col);
gint64 db_rows_get_int64(const DbRows *rows, guint row, guint col);  /* 0 for NULL */
gboolean db_rows_get_bool(const DbRows *rows, guint row, guint col); /* 't' is TRUE */
/* Rows affected by an INSERT/UPDATE/DELETE. */
guint64 db_rows_affected(const DbRows *rows);
void db_rows_free(DbRows *rows);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DbRows, db_rows_free)

/* ---- migrations ---- */

/* The newest migration compiled into this binary (e.g. 2 for 0002-....sql). */
guint db_schema_version_known(void);

/* Applies the missing migrations in order under an advisory lock, each in its own transaction,
 * recording them in schema_migrations. A database newer than the binary is refused with
 * DB_ERROR_SCHEMA ("the database schema is at version 7 (0007-x) but this phonghop knows up to 5:
 * upgrade phonghop"). *applied (may be NULL) receives how many were applied now. */
gboolean db_migrate(DbConn *conn, guint *applied, GError **error);

/* ---- the pool ---- */

typedef struct _DbPool DbPool;

/* Runs on a worker thread inside BEGIN ... COMMIT. Return FALSE with error set to roll back. The
 * job keeps its inputs and outputs in job_data. */
typedef gboolean (*DbJobFunc)(DbConn *conn, gpointer job_data, GError **error);

/* Runs on the pool's GMainContext after the job finished (error NULL when it committed). */
typedef void (*DbDoneFunc)(gpointer job_data, const GError *error, gpointer user_data);

typedef struct {
    guint64 jobs_done;
    guint64 jobs_failed;
    guint64 jobs_rejected; /* queue full or database down */
    guint in_flight;       /* queued or running */
    gboolean up;           /* the last attempt to reach the database succeeded */
    double last_latency_s; /* last health ping's round trip */
    /* latency of finished jobs (queued to done), seconds: cumulative Prometheus buckets */
    guint64 latency_buckets[12];
    double latency_sum_s;
    guint64 latency_count;
} DbPoolStats;

/* Upper bounds of latency_buckets, seconds (the last is +Inf). */
extern const double db_pool_latency_bounds[12];

/* Starts n_workers threads (each opens its connection lazily and reconnects with backoff when it
 * is lost) and a health ping every second on ctx. Completions are dispatched on ctx.
 * Call on the thread that owns ctx. (transfer full) */
DbPool *db_pool_new(const char *conninfo, guint n_workers, guint max_queued, GMainContext *ctx);

/* Queues a job. Ownership of job_data is taken: free_job (may be NULL) is called on ctx after
 * done, whatever happened. When the queue is full the job fails with DB_ERROR_BUSY; while the
 * database is known to be down it fails at once with DB_ERROR_UNAVAILABLE. Either way done is
 * called from ctx, never from inside this call. */
void db_pool_run(DbPool *pool, DbJobFunc fn, gpointer job_data, GDestroyNotify free_job,
                 DbDoneFunc done, gpointer user_data);

/* A snapshot of the counters (they are kept under a mutex). Any thread. */
void db_pool_get_stats(DbPool *pool, DbPoolStats *stats);
/* TRUE when the last attempt to reach the database succeeded. Any thread. */
gboolean db_pool_is_up(DbPool *pool);

/* Waits (blocking) up to timeout_ms for queued and running jobs to finish, dispatching their
 * completions on ctx, then stops the workers and closes the connections. */
void db_pool_free(DbPool *pool, guint timeout_ms);

/* ---- notifications ---- */

typedef struct _DbListener DbListener;

/* A notification's payload, delivered on the listener's context. */
typedef void (*DbNotifyFunc)(const char *channel, const char *payload, gpointer user_data);
/* The listening connection went down (up FALSE) or is (again) listening (up TRUE). Notifications
 * sent while it was down are lost: catch up from the database on up. */
typedef void (*DbListenerStateFunc)(gboolean up, gpointer user_data);

/* LISTENs on channel from a thread of its own and delivers on context. (transfer full) */
DbListener *db_listener_new(const char *conninfo, const char *channel, GMainContext *context,
                            DbNotifyFunc notify, DbListenerStateFunc state, gpointer user_data);
/* Stops the thread (within about 0.2 s) and frees. Call on the context's thread. */
void db_listener_free(DbListener *listener);

G_END_DECLS
