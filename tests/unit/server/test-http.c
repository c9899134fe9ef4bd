/* The HTTP layer's parsers of outside input: cookies, ranges, JSON nesting. */
#include "http/http-server.h"

#include <string.h>

static void test_cookies(void)
{
    struct {
        const char *header, *name, *want;
    } cases[] = {
        {"phonghop_session=abc", "phonghop_session", "abc"},
        {"a=1; phonghop_session=xyz; b=2", "phonghop_session", "xyz"},
        {"phonghop_session_x=1; phonghop_session=2", "phonghop_session", "2"},
        {"a=1;b=2", "b", "2"},
        {"a=1", "phonghop_session", NULL},
        {"", "a", NULL},
        {"phonghop_session", "phonghop_session", NULL},
        {"x=; y=1", "x", ""},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *v = http_cookie_find(cases[i].header, cases[i].name);
        g_assert_cmpstr(v, ==, cases[i].want);
    }
    g_assert_null(http_cookie_find(NULL, "a"));
}

static void test_ranges(void)
{
    struct {
        const char *range;
        guint64 size;
        gboolean ok;
        guint64 first, last;
    } cases[] = {
        {"bytes=0-9", 100, TRUE, 0, 9},
        {"bytes=90-", 100, TRUE, 90, 99},
        {"bytes=-10", 100, TRUE, 90, 99},
        {"bytes=-1000", 100, TRUE, 0, 99},
        {"bytes=50-1000", 100, TRUE, 50, 99},
        {"bytes=100-", 100, FALSE, 0, 0},
        {"bytes=9-0", 100, FALSE, 0, 0},
        {"bytes=0-1,5-6", 100, FALSE, 0, 0},
        {"bytes=a-b", 100, FALSE, 0, 0},
        {"items=0-1", 100, FALSE, 0, 0},
        {"bytes=-", 100, FALSE, 0, 0},
        {"bytes=0-0", 0, FALSE, 0, 0},
        {"bytes=18446744073709551615-", 100, FALSE, 0, 0},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint64 f = 0, l = 0;
        gboolean ok = http_parse_range(cases[i].range, cases[i].size, &f, &l);
        g_assert_cmpint(ok, ==, cases[i].ok);
        if (ok) {
            g_assert_cmpuint(f, ==, cases[i].first);
            g_assert_cmpuint(l, ==, cases[i].last);
        }
    }
}

static void test_json_depth(void)
{
    g_assert_cmpuint(http_json_depth("{}", 2), ==, 1);
    g_assert_cmpuint(http_json_depth("{\"a\":[1,{\"b\":[]}]}", 17), ==, 4);
    const char *s = "{\"a\":\"[[[[\\\"[[[\"}";
    g_assert_cmpuint(http_json_depth(s, strlen(s)), ==, 1); /* brackets inside strings */
    g_autofree char *deep = g_strnfill(100000, '[');
    g_assert_cmpuint(http_json_depth(deep, 100000), ==, 100000);
    g_assert_cmpuint(http_json_depth("]]]{", 4), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/http/cookies", test_cookies);
    g_test_add_func("/http/ranges", test_ranges);
    g_test_add_func("/http/json-depth", test_json_depth);
    return g_test_run();
}
