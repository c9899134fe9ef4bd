/* test-db-migrations.c: the migrations compiled into the binary and their names, without a
 * server. */
#include "db-private.h"

#include <string.h>

static void test_parse_name(void)
{
    const struct {
        const char *name;
        guint version;
    } good[] = {
        {"0001-people-and-access.sql", 1},
        {"0002-sites-meetings-agenda.sql", 2},
        {"0042-x.sql", 42},
        {"9999-last_one.sql", 9999},
    };
    const char *bad[] = {
        "0000-zero.sql",    /* versions start at 1 */
        "1-short.sql",      /* four digits */
        "00001-five.sql",   /* four digits, then '-' */
        "abcd-letters.sql", /* digits */
        "0003-.sql",        /* a name */
        "0003-x.txt",       /* .sql */
        "0003-x.sql.bak",   /* .sql at the end */
        "0003-Upper.sql",   /* lower case */
        "0003-with space.sql", "0003_under.sql", "README", "",
    };

    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;
        guint version = 0;
        g_assert_true(db_migration_parse_name(good[i].name, &version, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(version, ==, good[i].version);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        guint version = 12345;
        g_assert_false(db_migration_parse_name(bad[i], &version, &error));
        g_assert_error(error, DB_ERROR, DB_ERROR_SCHEMA);
        g_assert_cmpuint(version, ==, 12345);
        /* the message names the file */
        g_autofree char *quoted = g_strdup_printf("\"%s\"", bad[i]);
        g_assert_nonnull(strstr(error->message, quoted));
    }
}

static void test_compiled_list(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = db_migrations_list(&error);

    g_assert_no_error(error);
    g_assert_nonnull(list);
    g_assert_cmpuint(list->len, >=, 2);
    for (guint i = 0; i < list->len; i++) {
        const DbMigration *m = g_ptr_array_index(list, i);
        /* numbered from 1 without gaps, in order */
        g_assert_cmpuint(m->version, ==, i + 1);
        g_autofree char *prefix = g_strdup_printf("%04u-", m->version);
        g_assert_true(g_str_has_prefix(m->name, prefix));
        g_assert_false(g_str_has_suffix(m->name, ".sql"));
        g_autofree char *path = g_strdup_printf("/phonghop/schema/%s.sql", m->name);
        g_assert_cmpstr(m->path, ==, path);
        /* the script is there and is text */
        g_autoptr(GBytes) bytes = g_resources_lookup_data(m->path, 0, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(g_bytes_get_size(bytes), >, 0);
        g_assert_true(
            g_utf8_validate(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), NULL));
    }
    const DbMigration *first = g_ptr_array_index(list, 0);
    g_assert_cmpstr(first->name, ==, "0001-people-and-access");
    g_assert_cmpuint(db_schema_version_known(), ==, list->len);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/store/migrations/parse-name", test_parse_name);
    g_test_add_func("/store/migrations/compiled-list", test_compiled_list);
    return g_test_run();
}
