/* CSV and roster rules: quoting, Vietnamese text, and bad rows named by line. */
#include "admin/roster-csv.h"
#include "auth/auth.h"

#include <string.h>

static void test_csv(void)
{
    const char *text = "\xEF\xBB\xBF"
                       "a,b,c\r\n"
                       "1,\"x, y\",\"say \"\"hi\"\"\"\n"
                       "\n"
                       "2,\"two\nlines\",z\n"
                       "3,,\n";
    g_autoptr(GArray) lines = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) recs = csv_parse(text, strlen(text), &lines, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(recs->len, ==, 4);
    GPtrArray *r1 = recs->pdata[1];
    g_assert_cmpstr(r1->pdata[1], ==, "x, y");
    g_assert_cmpstr(r1->pdata[2], ==, "say \"hi\"");
    GPtrArray *r2 = recs->pdata[2];
    g_assert_cmpstr(r2->pdata[1], ==, "two\nlines");
    g_assert_cmpuint(g_array_index(lines, guint, 2), ==, 4);
    g_assert_cmpuint(g_array_index(lines, guint, 3), ==, 6);
    GPtrArray *r3 = recs->pdata[3];
    g_assert_cmpuint(r3->len, ==, 3);
    g_assert_cmpstr(r3->pdata[2], ==, "");
}

static void test_csv_errors(void)
{
    struct {
        const char *text, *message;
    } cases[] = {
        {"a,b\n1,\"open\n", "line 2: a quoted field is not closed"},
        {"a,b\n1,\"x\"y\n", "line 2: text after a closing quote"},
        {"a,b\n1,x\"y\n", "line 2: a quote inside an unquoted field"},
        {"a\n\xff\xfe\n", "line 2: not UTF-8"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) r = csv_parse(cases[i].text, strlen(cases[i].text), NULL, &error);
        g_assert_null(r);
        if (!strstr(error->message, cases[i].message))
            g_error("'%s' lacks '%s'", error->message, cases[i].message);
    }
}

static void test_roster(void)
{
    const char *text = "full_name,username,role,title,email\n"
                       "Nguyễn Thị Ánh Tuyết,TuyetNTA,chair+member,Chủ tịch,tuyet@example.vn\n"
                       "Trần Văn Đức,duc.tv,member,,\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) r = roster_parse(text, strlen(text), &error);
    g_assert_no_error(error);
    g_assert_cmpuint(r->len, ==, 2);
    RosterEntry *e = r->pdata[0];
    g_assert_cmpstr(e->username, ==, "tuyetnta");
    g_assert_cmpstr(e->full_name, ==, "Nguyễn Thị Ánh Tuyết");
    g_assert_cmpuint(e->roles, ==, AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER);
    g_assert_cmpstr(e->email, ==, "tuyet@example.vn");
    g_assert_cmpuint(e->line, ==, 2);
    RosterEntry *f = r->pdata[1];
    g_assert_null(f->email);
    g_assert_cmpstr(f->title, ==, "");
}

static void test_roster_errors(void)
{
    struct {
        const char *text, *message;
    } cases[] = {
        {"", "the file is empty"},
        {"username,full_name\n", "no column 'role'"},
        {"username,full_name,role,role\n", "column 'role' appears twice"},
        {"username,full_name,role\nab,X,president\n", "line 2: column 'role': 'president'"},
        {"username,full_name,role\na,X,member\n", "line 2: column 'username'"},
        {"username,full_name,role\nab,,member\n", "line 2: column 'full_name'"},
        {"username,full_name,role,email\nab,X,member,nope\n", "line 2: column 'email'"},
        {"username,full_name,role,password\nab,X,member,123\n", "line 2: column 'password'"},
        {"username,full_name,role\nab,X,member\ncd,Y,member,extra\n", "line 3: 4 fields"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) r = roster_parse(cases[i].text, strlen(cases[i].text), &error);
        g_assert_null(r);
        if (!strstr(error->message, cases[i].message))
            g_error("'%s' lacks '%s'", error->message, cases[i].message);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/roster/csv", test_csv);
    g_test_add_func("/roster/csv-errors", test_csv_errors);
    g_test_add_func("/roster/rows", test_roster);
    g_test_add_func("/roster/row-errors", test_roster_errors);
    return g_test_run();
}
