/* Configuration: defaults, strict keys and values, environment overrides, and the example file
 * documenting every key. */
#include "config.h"

#include "phonghop-build.h"

#include <glib/gstdio.h>
#include <string.h>

static char *write_conf(const char *text)
{
    char *path = NULL;
    int fd = g_file_open_tmp("phonghop-test-XXXXXX.conf", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static void expect_error(const char *text, char **env, const char *fragment)
{
    g_autofree char *path = text ? write_conf(text) : NULL;
    g_autoptr(GError) error = NULL;
    char *empty[] = {NULL};
    g_autoptr(PhConfig) c = ph_config_load(path, env ? env : empty, &error);
    g_assert_null(c);
    g_assert_nonnull(error);
    if (!strstr(error->message, fragment))
        g_error("'%s' does not contain '%s'", error->message, fragment);
    if (path) {
        g_autofree char *base = g_path_get_basename(path);
        g_assert_true(strstr(error->message, base) || strstr(error->message, "environment"));
        g_unlink(path);
    }
}

static void test_defaults(void)
{
    g_autoptr(PhConfig) c = ph_config_new_default();
    g_assert_cmpstr(c->listen, ==, "127.0.0.1");
    g_assert_cmpint(c->port, ==, 8080);
    g_assert_cmpstr(c->database_url, ==, "");
    g_assert_cmpint(c->profile, ==, PH_PROFILE_INTERNET);
    g_assert_cmpint(c->log_level, ==, G_LOG_LEVEL_INFO);
    /* sittings are recorded unless configured otherwise */
    g_assert_true(c->media_record_meetings);
    g_assert_true(c->media_record_program);
    g_assert_cmpstr(c->media_recording_dir, ==, "");
    g_assert_cmpint(c->media_recording_segment_seconds, ==, 600);
}

static void test_file_and_env(void)
{
    g_autofree char *path = write_conf("[server]\nport = 9000\nlisten = 0.0.0.0\n"
                                       "[database]\nconnections = 8\n[log]\nlevel = debug\n");
    char *env[] = {"PHONGHOP_SERVER_PORT=9443", "HOME=/root", "PHONGHOP_TEST_X=1",
                   "PHONGHOP_CONFIG=/nowhere", NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(PhConfig) c = ph_config_load(path, env, &error);
    g_assert_no_error(error);
    g_assert_cmpint(c->port, ==, 9443); /* the environment wins */
    g_assert_cmpstr(c->listen, ==, "0.0.0.0");
    g_assert_cmpint(c->database_connections, ==, 8);
    g_assert_cmpint(c->log_level, ==, G_LOG_LEVEL_DEBUG);
    g_unlink(path);

    g_autofree char *rec = write_conf("[media]\nrecord_meetings = Off\nrecord_program = no\n"
                                      "recording_dir = /srv/phonghop/video\n");
    char *env2[] = {"PHONGHOP_MEDIA_RECORDING_SEGMENT_SECONDS=60", NULL};
    g_autoptr(PhConfig) r = ph_config_load(rec, env2, &error);
    g_assert_no_error(error);
    g_assert_false(r->media_record_meetings);
    g_assert_false(r->media_record_program);
    g_assert_cmpstr(r->media_recording_dir, ==, "/srv/phonghop/video");
    g_assert_cmpint(r->media_recording_segment_seconds, ==, 60);
    g_unlink(rec);
}

static void test_errors(void)
{
    expect_error("[server]\nprot = 1\n", NULL, "unknown key 'prot' in [server]");
    expect_error("[nope]\na = 1\n", NULL, "unknown group [nope]");
    expect_error("[server]\nport = 0\n", NULL, "expected an integer from 1 to 65535, got '0'");
    expect_error("[server]\nport = 80x\n", NULL, "got '80x'");
    expect_error("[database]\nconnections = 1000\n", NULL, "[database] connections");
    expect_error("[server]\nprofile = public\n", NULL, "expected 'internet' or 'isolated'");
    expect_error("[tls]\nprivate_key = /k.pem\n", NULL, "must be set together");
    expect_error("garbage\n", NULL, "phonghop-test-");
    expect_error("[media]\nrecord_meetings = maybe\n", NULL,
                 "[media] record_meetings: expected true or false, got 'maybe'");
    expect_error("[media]\nrecording_dir = video\n", NULL,
                 "[media] recording_dir: expected an absolute path, got 'video'");
    expect_error("[media]\nrecording_segment_seconds = 5\n", NULL, "from 10 to 86400");
    char *env[] = {"PHONGHOP_DATABASE_CONECTIONS=2", NULL};
    expect_error(NULL, env, "unknown variable PHONGHOP_DATABASE_CONECTIONS");
    char *env2[] = {"PHONGHOP_AUTH_LOCKOUT_SECONDS=-5", NULL};
    expect_error(NULL, env2, "environment PHONGHOP_AUTH_LOCKOUT_SECONDS");
}

/* deploy/phonghop.conf.example documents every key, and itself loads. */
static void test_example_documents_every_key(void)
{
    g_autofree char *path =
        g_build_filename(PHONGHOP_SOURCE_DIR, "deploy", "phonghop.conf.example", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_autoptr(GPtrArray) keys = ph_config_list_keys();
    for (guint i = 0; i < keys->len; i++) {
        const char *gk = keys->pdata[i];
        const char *dot = strchr(gk, '.');
        g_autofree char *group = g_strdup_printf("[%.*s]", (int)(dot - gk), gk);
        g_autofree char *key = g_strdup_printf("\n# %s =", dot + 1);
        g_autofree char *key2 = g_strdup_printf("\n%s =", dot + 1);
        if (!strstr(text, group) || (!strstr(text, key) && !strstr(text, key2)))
            g_error("deploy/phonghop.conf.example does not document %s", gk);
    }
    char *empty[] = {NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(PhConfig) c = ph_config_load(path, empty, &error);
    g_assert_no_error(error);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/defaults", test_defaults);
    g_test_add_func("/config/file-and-environment", test_file_and_env);
    g_test_add_func("/config/errors", test_errors);
    g_test_add_func("/config/example-documents-every-key", test_example_documents_every_key);
    return g_test_run();
}
