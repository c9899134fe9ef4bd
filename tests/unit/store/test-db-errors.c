/* test-db-errors.c: how the store turns PostgreSQL's errors into DbError codes and messages,
 * without a server. */
#include "db-private.h"

#include <string.h>

static void test_sqlstate_mapping(void)
{
    g_assert_cmpint(db_error_code_for_sqlstate("23505"), ==, DB_ERROR_CONFLICT);
    g_assert_cmpint(db_error_code_for_sqlstate("40001"), ==, DB_ERROR_CONFLICT);
    g_assert_cmpint(db_error_code_for_sqlstate("40P01"), ==, DB_ERROR_CONFLICT);

    g_assert_cmpint(db_error_code_for_sqlstate("08006"), ==, DB_ERROR_UNAVAILABLE);
    g_assert_cmpint(db_error_code_for_sqlstate("08001"), ==, DB_ERROR_UNAVAILABLE);
    g_assert_cmpint(db_error_code_for_sqlstate("57P01"), ==, DB_ERROR_UNAVAILABLE);
    g_assert_cmpint(db_error_code_for_sqlstate("57P03"), ==, DB_ERROR_UNAVAILABLE);
    g_assert_cmpint(db_error_code_for_sqlstate("53300"), ==, DB_ERROR_UNAVAILABLE);

    /* other constraint violations are the caller's to check: not retryable */
    g_assert_cmpint(db_error_code_for_sqlstate("23503"), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate("23514"), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate("42601"), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate("40002"), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate(NULL), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate(""), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate("2350"), ==, DB_ERROR_QUERY);
    g_assert_cmpint(db_error_code_for_sqlstate("235050"), ==, DB_ERROR_QUERY);
}

static void test_matches_sqlstate(void)
{
    g_autoptr(GError) conflict = g_error_new_literal(
        DB_ERROR, DB_ERROR_CONFLICT,
        "database: duplicate key value violates unique constraint \"u\" (SQLSTATE 23505)");
    g_autoptr(GError) other =
        g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "(SQLSTATE 23505)");

    g_assert_true(db_error_matches_sqlstate(conflict, "23505"));
    g_assert_false(db_error_matches_sqlstate(conflict, "40001"));
    g_assert_false(db_error_matches_sqlstate(conflict, "2350"));
    g_assert_false(db_error_matches_sqlstate(other, "23505"));
    g_assert_false(db_error_matches_sqlstate(NULL, "23505"));
}

static void test_tidy_message(void)
{
    struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"plain", "plain"},
        {"trailing newline\n", "trailing newline"},
        {"connection to server on socket \"/x/.s.PGSQL.5432\" failed: No such file or directory\n"
         "\tIs the server running locally and accepting connections on that socket?\n",
         "connection to server on socket \"/x/.s.PGSQL.5432\" failed: No such file or directory; "
         "Is the server running locally and accepting connections on that socket?"},
        {"server closed the connection unexpectedly\n"
         "\tThis probably means the server terminated abnormally\n"
         "\tbefore or while processing the request.\n",
         "server closed the connection unexpectedly; This probably means the server terminated "
         "abnormally before or while processing the request."},
        {"\n\n  spaced  \n\n", "spaced"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = db_tidy_message(cases[i].in);
        g_assert_cmpstr(out, ==, cases[i].out);
    }
    g_autofree char *null_out = db_tidy_message(NULL);
    g_assert_cmpstr(null_out, ==, "");
}

static void test_line_of_position(void)
{
    const char *script = "CREATE TABLE a (x int);\n"
                         "-- Hội đồng nhân dân\n"
                         "CREATE TABL b (y int);\n";

    g_assert_cmpuint(db_script_line_of_position(script, "1"), ==, 1);
    g_assert_cmpuint(db_script_line_of_position(script, "24"), ==, 1);
    g_assert_cmpuint(db_script_line_of_position(script, "25"), ==, 2);
    /* the second line has multi-byte characters: positions count characters, not bytes */
    glong third = g_utf8_strlen(script, strchr(strchr(script, '\n') + 1, '\n') - script) + 2;
    g_autofree char *pos = g_strdup_printf("%ld", third);
    g_assert_cmpuint(db_script_line_of_position(script, pos), ==, 3);
    g_assert_cmpuint(db_script_line_of_position(script, NULL), ==, 0);
    g_assert_cmpuint(db_script_line_of_position(script, "0"), ==, 0);
    g_assert_cmpuint(db_script_line_of_position(script, "100000"), ==, 0);
    g_assert_cmpuint(db_script_line_of_position(script, "junk"), ==, 0);
    g_assert_cmpuint(db_script_line_of_position("\xff\xfe", "1"), ==, 0);
}

static void test_withhold_value(void)
{
    g_autofree char *a =
        db_withhold_value("invalid input syntax for type integer: \"$argon2id$v=19$secret\"");
    g_autofree char *b = db_withhold_value("value too long for type character varying(20)");

    g_assert_cmpstr(a, ==, "invalid input syntax for type integer: (value withheld)");
    g_assert_cmpstr(b, ==, "value too long for type character varying(20)");
}

static void test_open_unreachable(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DbConn) conn =
        db_conn_open("host=/nonexistent/phonghop-test dbname=phonghop user=phonghop", &error);

    g_assert_null(conn);
    g_assert_error(error, DB_ERROR, DB_ERROR_UNAVAILABLE);
    g_assert_true(g_str_has_prefix(error->message, "database: cannot connect: "));
    g_assert_nonnull(strstr(error->message, "/nonexistent/phonghop-test"));
    g_assert_null(strchr(error->message, '\n'));
}

static void test_open_bad_conninfo(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DbConn) conn = db_conn_open("host=/tmp nosuchoption=1", &error);

    g_assert_null(conn);
    g_assert_error(error, DB_ERROR, DB_ERROR_UNAVAILABLE);
    g_assert_nonnull(strstr(error->message, "nosuchoption"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/store/errors/sqlstate-mapping", test_sqlstate_mapping);
    g_test_add_func("/store/errors/matches-sqlstate", test_matches_sqlstate);
    g_test_add_func("/store/errors/tidy-message", test_tidy_message);
    g_test_add_func("/store/errors/line-of-position", test_line_of_position);
    g_test_add_func("/store/errors/withhold-value", test_withhold_value);
    g_test_add_func("/store/errors/open-unreachable", test_open_unreachable);
    g_test_add_func("/store/errors/open-bad-conninfo", test_open_bad_conninfo);
    return g_test_run();
}
