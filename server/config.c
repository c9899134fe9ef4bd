/* config.c: the configuration table, the INI loader and the environment overrides.
 *
 * Each key is one row of config_keys[]: group, key, type, limits, default and the offset of the
 * field it fills in PhConfig. Loading walks the file's groups and keys and rejects anything not in
 * the table (a typo must not silently leave a default in force), then walks the environment for
 * PHONGHOP_<GROUP>_<KEY>. Values are parsed strictly: "8080x" is not a port.
 */
#include "config.h"

#include "phonghop-build.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(ph_config_error, ph_config_error)

typedef enum { KEY_STRING, KEY_INT, KEY_BOOL, KEY_PROFILE, KEY_LOG_LEVEL } KeyType;

typedef struct {
    const char *group;
    const char *key;
    KeyType type;
    gint64 min, max;
    const char *def;
    size_t offset;
} ConfigKey;

#define F(field) offsetof(PhConfig, field)

static const ConfigKey config_keys[] = {
    {"server", "listen", KEY_STRING, 0, 0, "127.0.0.1", F(listen)},
    {"server", "port", KEY_INT, 1, 65535, "8080", F(port)},
    {"server", "state_dir", KEY_STRING, 0, 0, "/var/lib/phonghop", F(state_dir)},
    {"server", "web_root", KEY_STRING, 0, 0, "", F(web_root)},
    {"server", "public_url", KEY_STRING, 0, 0, "", F(public_url)},
    {"server", "max_json_bytes", KEY_INT, 1024, 16 * 1024 * 1024, "1048576", F(max_json_bytes)},
    {"server", "max_ws_message_bytes", KEY_INT, 1024, 1024 * 1024, "262144",
     F(max_ws_message_bytes)},
    {"server", "max_ws_queue_bytes", KEY_INT, 16 * 1024, 64 * 1024 * 1024, "4194304",
     F(max_ws_queue_bytes)},
    {"server", "profile", KEY_PROFILE, 0, 0, "internet", F(profile)},
    {"tls", "certificate", KEY_STRING, 0, 0, "", F(tls_certificate)},
    {"tls", "private_key", KEY_STRING, 0, 0, "", F(tls_private_key)},
    {"database", "url", KEY_STRING, 0, 0, "", F(database_url)},
    {"database", "connections", KEY_INT, 1, 64, "4", F(database_connections)},
    {"database", "max_queued", KEY_INT, 16, 1000000, "10000", F(database_max_queued)},
    {"database", "pg_bindir", KEY_STRING, 0, 0, "", F(database_pg_bindir)},
    {"database", "run_as", KEY_STRING, 0, 0, "phonghop", F(database_run_as)},
    {"auth", "session_idle_minutes", KEY_INT, 5, 7 * 24 * 60, "720", F(session_idle_minutes)},
    {"auth", "session_max_hours", KEY_INT, 1, 720, "168", F(session_max_hours)},
    {"auth", "max_failures_per_account", KEY_INT, 1, 100, "5", F(max_failures_per_account)},
    {"auth", "max_failures_per_address", KEY_INT, 1, 10000, "20", F(max_failures_per_address)},
    {"auth", "lockout_seconds", KEY_INT, 1, 86400, "60", F(lockout_seconds)},
    {"documents", "max_upload_bytes", KEY_INT, 1024, G_MAXINT, "104857600",
     F(documents_max_upload_bytes)},
    {"media", "workers", KEY_INT, 0, 256, "0", F(media_workers)},
    {"media", "addresses", KEY_STRING, 0, 0, "", F(media_addresses)},
    {"media", "public_address", KEY_STRING, 0, 0, "", F(media_public_address)},
    {"media", "port_min", KEY_INT, 0, 65535, "0", F(media_port_min)},
    {"media", "port_max", KEY_INT, 0, 65535, "0", F(media_port_max)},
    {"media", "turn_servers", KEY_STRING, 0, 0, "", F(media_turn_servers)},
    {"media", "turn_username", KEY_STRING, 0, 0, "", F(media_turn_username)},
    {"media", "turn_credential", KEY_STRING, 0, 0, "", F(media_turn_credential)},
    {"media", "turn_secret", KEY_STRING, 0, 0, "", F(media_turn_secret)},
    {"media", "turn_ttl_seconds", KEY_INT, 60, 7 * 86400, "86400", F(media_turn_ttl_seconds)},
    {"media", "stats_interval_ms", KEY_INT, 100, 60000, "2000", F(media_stats_interval_ms)},
    {"media", "live_height", KEY_INT, 0, 1080, "720", F(media_live_height)},
    {"media", "live_fps", KEY_INT, 5, 30, "15", F(media_live_fps)},
    {"media", "record_meetings", KEY_BOOL, 0, 0, "true", F(media_record_meetings)},
    {"media", "record_program", KEY_BOOL, 0, 0, "true", F(media_record_program)},
    {"media", "recording_dir", KEY_STRING, 0, 0, "", F(media_recording_dir)},
    {"media", "recording_segment_seconds", KEY_INT, 10, 86400, "600",
     F(media_recording_segment_seconds)},
    {"media", "recording_min_free_mb", KEY_INT, 0, 10 * 1024 * 1024, "1024",
     F(media_recording_min_free_mb)},
    {"log", "level", KEY_LOG_LEVEL, 0, 0, "info", F(log_level)},
};

static const struct {
    const char *name;
    GLogLevelFlags level;
} log_levels[] = {
    {"error", G_LOG_LEVEL_CRITICAL},  {"warning", G_LOG_LEVEL_WARNING},
    {"message", G_LOG_LEVEL_MESSAGE}, {"info", G_LOG_LEVEL_INFO},
    {"debug", G_LOG_LEVEL_DEBUG},
};

static const ConfigKey *find_key(const char *group, const char *key)
{
    for (guint i = 0; i < G_N_ELEMENTS(config_keys); i++)
        if (g_str_equal(config_keys[i].group, group) && g_str_equal(config_keys[i].key, key))
            return &config_keys[i];
    return NULL;
}

static char *known_keys_of(const char *group)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(config_keys); i++) {
        if (!g_str_equal(config_keys[i].group, group))
            continue;
        if (s->len)
            g_string_append(s, ", ");
        g_string_append(s, config_keys[i].key);
    }
    return g_string_free(s, FALSE);
}

static char *known_groups(void)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(config_keys); i++) {
        if (i > 0 && g_str_equal(config_keys[i - 1].group, config_keys[i].group))
            continue;
        if (s->len)
            g_string_append(s, ", ");
        g_string_append_printf(s, "[%s]", config_keys[i].group);
    }
    return g_string_free(s, FALSE);
}

/* Parses text for key k into config; where names the source for the message. */
static gboolean set_value(PhConfig *config, const ConfigKey *k, const char *text, const char *where,
                          GError **error)
{
    char *base = (char *)config;
    switch (k->type) {
    case KEY_STRING: {
        char **field = (char **)(base + k->offset);
        if (!g_utf8_validate(text, -1, NULL) || strlen(text) > 4096) {
            g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                        "%s: [%s] %s: expected UTF-8 text of at most 4096 bytes", where, k->group,
                        k->key);
            return FALSE;
        }
        g_free(*field);
        *field = g_strstrip(g_strdup(text));
        return TRUE;
    }
    case KEY_INT: {
        gint64 v = 0;
        g_autofree char *t = g_strstrip(g_strdup(text));
        if (!g_ascii_string_to_signed(t, 10, k->min, k->max, &v, NULL)) {
            g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                        "%s: [%s] %s: expected an integer from %" G_GINT64_FORMAT
                        " to %" G_GINT64_FORMAT ", got '%s'",
                        where, k->group, k->key, k->min, k->max, t);
            return FALSE;
        }
        *(int *)(base + k->offset) = (int)v;
        return TRUE;
    }
    case KEY_BOOL: {
        g_autofree char *raw = g_strstrip(g_strdup(text));
        g_autofree char *t = g_ascii_strdown(raw, -1);
        gboolean *field = (gboolean *)(base + k->offset);
        if (g_str_equal(t, "true") || g_str_equal(t, "yes") || g_str_equal(t, "on"))
            *field = TRUE;
        else if (g_str_equal(t, "false") || g_str_equal(t, "no") || g_str_equal(t, "off"))
            *field = FALSE;
        else {
            g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                        "%s: [%s] %s: expected true or false, got '%s'", where, k->group, k->key,
                        t);
            return FALSE;
        }
        return TRUE;
    }
    case KEY_PROFILE: {
        g_autofree char *t = g_strstrip(g_strdup(text));
        PhProfile *field = (PhProfile *)(base + k->offset);
        if (g_str_equal(t, "internet"))
            *field = PH_PROFILE_INTERNET;
        else if (g_str_equal(t, "isolated"))
            *field = PH_PROFILE_ISOLATED;
        else {
            g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                        "%s: [%s] %s: expected 'internet' or 'isolated', got '%s'", where, k->group,
                        k->key, t);
            return FALSE;
        }
        return TRUE;
    }
    case KEY_LOG_LEVEL: {
        g_autofree char *t = g_strstrip(g_strdup(text));
        for (guint i = 0; i < G_N_ELEMENTS(log_levels); i++) {
            if (g_str_equal(t, log_levels[i].name)) {
                *(GLogLevelFlags *)(base + k->offset) = log_levels[i].level;
                return TRUE;
            }
        }
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [%s] %s: expected one of error, warning, message, info, debug, got '%s'",
                    where, k->group, k->key, t);
        return FALSE;
    }
    }
    g_assert_not_reached();
}

PhConfig *ph_config_new_default(void)
{
    PhConfig *config = g_new0(PhConfig, 1);
    for (guint i = 0; i < G_N_ELEMENTS(config_keys); i++) {
        gboolean ok = set_value(config, &config_keys[i], config_keys[i].def, "defaults", NULL);
        g_assert(ok);
    }
    config->source = g_strdup("defaults");
    return config;
}

void ph_config_free(PhConfig *config)
{
    if (!config)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(config_keys); i++)
        if (config_keys[i].type == KEY_STRING)
            g_free(*(char **)((char *)config + config_keys[i].offset));
    g_free(config->source);
    g_free(config);
}

static gboolean load_file(PhConfig *config, const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_FILE, "%s: %s", path, local->message);
        return FALSE;
    }
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (guint g = 0; groups[g]; g++) {
        g_autofree char *known = known_keys_of(groups[g]);
        if (!*known) {
            g_autofree char *all = known_groups();
            g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_KEY,
                        "%s: unknown group [%s] (known: %s)", path, groups[g], all);
            return FALSE;
        }
        g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
        for (guint k = 0; keys && keys[k]; k++) {
            const ConfigKey *ck = find_key(groups[g], keys[k]);
            if (!ck) {
                g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_KEY,
                            "%s: unknown key '%s' in [%s] (known: %s)", path, keys[k], groups[g],
                            known);
                return FALSE;
            }
            g_autofree char *value = g_key_file_get_string(kf, groups[g], keys[k], &local);
            if (!value) {
                g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE, "%s: [%s] %s: %s", path,
                            groups[g], keys[k], local->message);
                return FALSE;
            }
            if (!set_value(config, ck, value, path, error))
                return FALSE;
        }
    }
    return TRUE;
}

static gboolean load_environment(PhConfig *config, char **envp, GError **error)
{
    for (guint i = 0; envp && envp[i]; i++) {
        if (!g_str_has_prefix(envp[i], "PHONGHOP_"))
            continue;
        const char *eq = strchr(envp[i], '=');
        if (!eq)
            continue;
        g_autofree char *name = g_strndup(envp[i], (gsize)(eq - envp[i]));
        /* Variables of the scripts and tests around phonghop, not configuration keys. */
        if (g_str_equal(name, "PHONGHOP_CONFIG") || g_str_has_prefix(name, "PHONGHOP_TEST_"))
            continue;
        const ConfigKey *ck = NULL;
        for (guint k = 0; k < G_N_ELEMENTS(config_keys) && !ck; k++) {
            g_autofree char *raw =
                g_strdup_printf("PHONGHOP_%s_%s", config_keys[k].group, config_keys[k].key);
            g_autofree char *want = g_ascii_strup(raw, -1);
            if (g_str_equal(want, name))
                ck = &config_keys[k];
        }
        if (!ck) {
            g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_KEY,
                        "environment: unknown variable %s (configuration variables are "
                        "PHONGHOP_<GROUP>_<KEY>, for example PHONGHOP_SERVER_PORT)",
                        name);
            return FALSE;
        }
        g_autofree char *where = g_strdup_printf("environment %s", name);
        if (!set_value(config, ck, eq + 1, where, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean check_consistency(PhConfig *config, GError **error)
{
    if (!*config->tls_certificate != !*config->tls_private_key) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [tls] certificate and private_key must be set together", config->source);
        return FALSE;
    }
    if (!*config->state_dir || !g_path_is_absolute(config->state_dir)) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [server] state_dir: expected an absolute path, got '%s'", config->source,
                    config->state_dir);
        return FALSE;
    }
    if ((config->media_port_min == 0) != (config->media_port_max == 0) ||
        config->media_port_min > config->media_port_max) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [media] port_min and port_max: both 0 (any port) or a range with "
                    "port_min <= port_max, got %d and %d",
                    config->source, config->media_port_min, config->media_port_max);
        return FALSE;
    }
    if (config->media_live_height != 0 && config->media_live_height < 180) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [media] live_height: %d is not a size for the live stream: 0 (no live "
                    "stream) or 180 to 1080 pixels",
                    config->source, config->media_live_height);
        return FALSE;
    }
    if (!*config->media_turn_username != !*config->media_turn_credential) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [media] turn_username and turn_credential must be set together",
                    config->source);
        return FALSE;
    }
    if (*config->media_turn_secret && *config->media_turn_username) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [media] turn_secret (time-limited credentials) and turn_username "
                    "(static credentials) exclude each other",
                    config->source);
        return FALSE;
    }
    if (*config->media_recording_dir && !g_path_is_absolute(config->media_recording_dir)) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [media] recording_dir: expected an absolute path, got '%s'",
                    config->source, config->media_recording_dir);
        return FALSE;
    }
    if (!*config->listen) {
        g_set_error(error, PH_CONFIG_ERROR, PH_CONFIG_ERROR_VALUE,
                    "%s: [server] listen: expected an address such as 127.0.0.1 or 0.0.0.0",
                    config->source);
        return FALSE;
    }
    return TRUE;
}

PhConfig *ph_config_load(const char *path, char **envp, GError **error)
{
    g_autoptr(PhConfig) config = ph_config_new_default();
    g_auto(GStrv) own_env = NULL;
    if (path) {
        g_free(config->source);
        config->source = g_strdup(path);
        if (!load_file(config, path, error))
            return NULL;
    }
    if (!envp)
        envp = own_env = g_get_environ();
    if (!load_environment(config, envp, error))
        return NULL;
    if (!check_consistency(config, error))
        return NULL;
    return g_steal_pointer(&config);
}

GPtrArray *ph_config_list_keys(void)
{
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < G_N_ELEMENTS(config_keys); i++)
        g_ptr_array_add(keys, g_strdup_printf("%s.%s", config_keys[i].group, config_keys[i].key));
    return keys;
}

char *ph_config_web_root(const PhConfig *config)
{
    if (*config->web_root)
        return g_strdup(config->web_root);
    g_autofree char *dev = g_build_filename(PHONGHOP_SOURCE_DIR, "web-client", "dist", NULL);
    if (g_file_test(dev, G_FILE_TEST_IS_DIR))
        return g_steal_pointer(&dev);
    return g_build_filename(PHONGHOP_DATADIR, "web", NULL);
}
