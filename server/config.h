/* config.h: phonghop's configuration.
 *
 * One INI file (GKeyFile), then environment overrides PHONGHOP_<GROUP>_<KEY> (for example
 * PHONGHOP_SERVER_PORT=8443), then nothing else. Every key is declared once in a table in
 * config.c with its type, range and default; deploy/phonghop.conf.example documents each one and a
 * unit test checks that the two agree. A wrong key, value or type is an error that names the file
 * (or variable), the key and what was expected: phonghop does not start on a config it does not
 * fully understand.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PH_CONFIG_ERROR (ph_config_error_quark())
GQuark ph_config_error_quark(void);

typedef enum {
    PH_CONFIG_ERROR_FILE,  /* cannot read or parse the file */
    PH_CONFIG_ERROR_KEY,   /* unknown group or key */
    PH_CONFIG_ERROR_VALUE, /* wrong type, out of range, inconsistent */
} PhConfigError;

typedef enum {
    PH_PROFILE_INTERNET, /* connected to the Internet: classified documents are refused */
    PH_PROFILE_ISOLATED, /* an isolated government network */
} PhProfile;

typedef struct {
    /* [server] */
    char *listen;
    int port;
    char *state_dir;
    char *web_root;
    char *public_url;
    int max_json_bytes;
    int max_ws_message_bytes;
    int max_ws_queue_bytes;
    PhProfile profile;
    /* [tls] */
    char *tls_certificate;
    char *tls_private_key;
    /* [database] */
    char *database_url;
    int database_connections;
    int database_max_queued;
    char *database_pg_bindir;
    char *database_run_as;
    /* [auth] */
    int session_idle_minutes;
    int session_max_hours;
    int max_failures_per_account;
    int max_failures_per_address;
    int lockout_seconds;
    /* [documents] */
    int documents_max_upload_bytes;
    /* [media] */
    int media_workers; /* 0: one per core */
    char *media_addresses;
    char *media_public_address;
    int media_port_min;
    int media_port_max;
    char *media_turn_servers;
    char *media_turn_username;
    char *media_turn_credential;
    char *media_turn_secret;
    int media_turn_ttl_seconds;
    int media_stats_interval_ms;
    int media_live_height; /* the public live stream of public sittings; 0: none */
    int media_live_fps;
    gboolean media_record_meetings;      /* record every meeting from open to close */
    gboolean media_record_program;       /* a recording keeps the composite program too */
    char *media_recording_dir;           /* "": STATE_DIR/recordings */
    int media_recording_segment_seconds; /* length of a recorded file */
    int media_recording_min_free_mb;     /* recording stops below this much free disk */
    /* [log] */
    GLogLevelFlags log_level; /* messages at this level and more severe are written */

    char *source; /* where it came from, for messages */
} PhConfig;

/* A configuration with every default. (transfer full) */
PhConfig *ph_config_new_default(void);

/* Loads path (NULL: defaults only), then applies the environment (envp as from g_get_environ();
 * NULL: the process environment). (transfer full) or NULL with PH_CONFIG_ERROR. */
PhConfig *ph_config_load(const char *path, char **envp, GError **error);

void ph_config_free(PhConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PhConfig, ph_config_free)

/* Every key as "group.key", in declaration order (transfer container). For the documentation test.
 */
GPtrArray *ph_config_list_keys(void);

/* The web client's directory: the configured one, else the built client next to the sources, else
 * the installed one. (transfer full) */
char *ph_config_web_root(const PhConfig *config);

G_END_DECLS
