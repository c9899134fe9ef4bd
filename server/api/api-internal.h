/* api-internal.h: how a route of /api/v1 is declared and run.
 *
 * A route names its method, its path pattern ("/api/v1/bodies/{id}/meetings"), who may call it
 * (a scope and a set of roles in that scope) and a function that runs on a database worker. The
 * core (api.c) does the rest in one database job, so one request costs one round trip:
 *   main thread: match the route, parse and limit the JSON body, read the cookie;
 *   worker:      load the session, check CSRF, resolve the scope to a body and the caller's roles
 *                in it, refuse with 401/403/404 or run the route's function, all in one
 *                transaction;
 *   main thread: answer with the status and JSON the function left in the call.
 * Authorisation is therefore declared once per route, in the table, and checked server-side for
 * every call; tests walk the same table.
 */
#pragma once

#include "api.h"
#include "auth/auth.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
    API_SCOPE_PUBLIC,    /* anyone, signed in or not */
    API_SCOPE_SIGNED_IN, /* any signed-in user */
    API_SCOPE_SYSTEM_ADMIN,
    API_SCOPE_BODY,         /* {id} is a body: roles in that body */
    API_SCOPE_MEETING,      /* {id} is a meeting: roles in its body */
    API_SCOPE_DOCUMENT,     /* {id} is a document: roles in its meeting's body */
    API_SCOPE_CONSULTATION, /* {id} is a written consultation: roles in its document's body */
} ApiScope;

typedef struct _ApiCall ApiCall;

/* Runs on the main thread when a call started with api_call_start() finished (error set when its
 * transaction failed), instead of the core's answer; api_call_answer() gives that answer. */
typedef void (*ApiDoneFunc)(ApiCall *call, const GError *error, gpointer user_data);

/* Runs on a database worker inside the call's transaction. Set call->status and call->response
 * (or api_call_fail) and return TRUE to commit; return FALSE with error to roll back and answer
 * 5xx/409 from the error. */
typedef gboolean (*ApiRunFunc)(DbConn *conn, ApiCall *call, GError **error);

/* Optional: runs on the main thread after a successful commit (live events, media). */
typedef void (*ApiAfterFunc)(ApiCall *call);

typedef struct {
    HttpMethod method;
    const char *pattern;
    ApiScope scope;
    guint roles; /* for BODY and MEETING scopes: any of these roles in the body */
    ApiRunFunc run;
    ApiAfterFunc after;
} ApiRoute;

typedef struct {
    gint64 user_id;
    char *username;
    char *full_name;
    char *title;
    gboolean is_system_admin;
    char *csrf_token;
} ApiSession;

struct _ApiCall {
    PhApp *app; /* borrowed: read only the config from workers */
    HttpRequest *req;
    const ApiRoute *route;
    gint64 ids[4]; /* {id} segments of the path, in order */
    guint n_ids;
    JsonObject *body; /* the request's JSON object, or NULL */
    char *token;      /* the session cookie, or NULL */
    char *csrf_header;
    char *peer;
    gboolean tls;
    gboolean state_changing;

    /* filled on the worker */
    gboolean signed_in;
    ApiSession session;
    gint64 body_id; /* the body the scope resolved to, or 0 */
    guint roles;    /* the caller's roles in that body */

    guint status;
    JsonNode *response;
    char *error_code;
    char *error_message;
    GPtrArray *headers; /* name, value pairs to add to the answer */

    /* The route's own results, from run (worker) to after (main thread); freed with the call. */
    gpointer route_data;
    GDestroyNotify route_data_free;
    /* Set by run when after answers itself, later (a file rendered off the main thread): the
     * core then sends nothing and calls after, which must answer call->req (holding a reference
     * meanwhile: the call is freed when after returns). */
    gboolean deferred;

    /* calls started with api_call_start() */
    ApiRunFunc run;   /* runs instead of route->run */
    gpointer starter; /* the starter's data, freed with the call */
    GDestroyNotify starter_free;
    ApiDoneFunc done;
    gpointer done_data;
};

/* A route whose request body is streamed instead of read as JSON (uploads). begin runs on the
 * main thread as soon as the request's headers have arrived, before any byte of the body is
 * read, with the route of the route tables that has the same method and pattern, and its {id}s.
 * It takes the body (http_request_stream_body) or answers. */
typedef void (*ApiBeginFunc)(PhApp *app, HttpRequest *req, const ApiRoute *route, const gint64 *ids,
                             guint n_ids);
typedef struct {
    HttpMethod method;
    const char *pattern;
    ApiBeginFunc begin;
} ApiStreamRoute;

/* The route tables of each resource file. */
extern const ApiRoute api_auth_routes[];
extern const ApiRoute api_body_routes[];
extern const ApiRoute api_vote_routes[];
extern const ApiRoute api_floor_routes[];
extern const ApiRoute api_journal_routes[];
extern const ApiRoute api_minutes_routes[];
extern const ApiRoute api_meeting_routes[];
extern const ApiRoute api_agenda_routes[];
extern const ApiRoute api_attendance_routes[];
extern const ApiRoute api_document_routes[];
extern const ApiRoute api_consultation_routes[];
extern const ApiRoute api_recording_routes[];
extern const ApiRoute api_public_routes[];
extern const ApiRoute api_screen_routes[];
extern const ApiStreamRoute api_document_stream_routes[];

/* Sets an error answer ({"error":{code,message}}) with status. */
void api_call_fail(ApiCall *call, guint status, const char *code, const char *format, ...)
    G_GNUC_PRINTF(4, 5);
/* Sets a JSON answer (ownership of node taken). */
void api_call_reply(ApiCall *call, guint status, JsonNode *node);
void api_call_add_header(ApiCall *call, const char *name, const char *value);
/* From run, on the worker: the answer is the stored file at path, sent later by the route's after
 * with api_call_send_file(): its ETag is the quoted sha256 (If-None-Match answers 304, a Range
 * 206 or 416), with content-disposition and x-content-sha256 headers. Sets call->deferred and
 * call->route_data. */
void api_call_defer_file(ApiCall *call, const char *path, const char *media_type,
                         const char *sha256, const char *disposition, const char *cache_control);
/* From after, on the main thread: sends the file api_call_defer_file() named, unless the client
 * went away or run answered otherwise. When the file cannot be opened any more, answers
 * fail_status with fail_code and fail_message instead. */
void api_call_send_file(ApiCall *call, guint fail_status, const char *fail_code,
                        const char *fail_message);

/* Starts a call of route for req outside the usual path (a streamed upload): the common checks
 * (session, CSRF, scope and role), then run instead of route->run, in one transaction on a
 * database worker; then done on the main thread (NULL: the usual answer). ids: the route's {id}s.
 * Ownership of starter is taken: starter_free is called when the call is freed. Main thread. */
void api_call_start(PhApp *app, HttpRequest *req, const ApiRoute *route, const gint64 *ids,
                    guint n_ids, ApiRunFunc run, gpointer starter, GDestroyNotify starter_free,
                    ApiDoneFunc done, gpointer done_data);
/* Answers the call's request as the core does when a call finished (for an ApiDoneFunc). */
void api_call_answer(ApiCall *call, const GError *error);

/* Reads a string member of the request body: present (when required), a string, valid UTF-8,
 * at most max_chars characters, trimmed. On failure sets a 400 answer naming the field and
 * returns NULL. (transfer full) */
char *api_body_string(ApiCall *call, const char *name, guint max_chars, gboolean required);
/* Reads an integer member; on failure sets a 400 answer and returns FALSE. */
gboolean api_body_int(ApiCall *call, const char *name, gint64 min, gint64 max, gboolean required,
                      gint64 *out);

/* Reads an integer query argument (?name=N) into *out, leaving it untouched when absent; on a
 * bad value sets a 400 answer and returns FALSE. May be called from run: the request's query is
 * parsed before the call starts and never changes afterwards. */
gboolean api_query_int(ApiCall *call, const char *name, gint64 min, gint64 max, gint64 *out);

/* Formats an int64 as text for a query parameter into buf (at least 24 bytes). */
const char *api_i64(char *buf, gint64 v);

/* Adds the rows of a query to builder as an array of objects: columns named in cols, with types
 * given by kinds ('s' string, 'i' integer, 'b' boolean; NULL values become null). */
void api_add_rows(JsonBuilder *b, DbRows *rows, const char *const *cols, const char *kinds);

G_END_DECLS
