/* Passwords, tokens and roles. */
#include "auth/auth.h"

#include <string.h>

static void test_passwords(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *hash = auth_password_hash("mật khẩu dài đủ", &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(hash, "$argon2id$"));
    g_assert_true(auth_password_verify(hash, "mật khẩu dài đủ"));
    g_assert_false(auth_password_verify(hash, "mat khau dai du"));
    g_assert_false(auth_password_verify("not a hash", "x"));
    g_assert_false(auth_password_verify(NULL, "x"));
    g_autofree char *again = auth_password_hash("mật khẩu dài đủ", NULL);
    g_assert_cmpstr(hash, !=, again); /* salted */

    g_assert_null(auth_password_hash("short", &error));
    g_assert_error(error, AUTH_ERROR, AUTH_ERROR_WEAK_PASSWORD);
    g_assert_nonnull(strstr(error->message, "at least 8"));
    g_clear_error(&error);
    g_autofree char *huge = g_strnfill(300, 'a');
    g_assert_false(auth_password_acceptable(huge, &error));
    g_assert_nonnull(strstr(error->message, "too long"));
    g_assert_false(auth_password_verify(hash, huge));
}

static void test_tokens(void)
{
    g_autofree char *a = auth_token_new();
    g_autofree char *b = auth_token_new();
    g_assert_cmpuint(strlen(a), ==, 43);
    g_assert_cmpstr(a, !=, b);
    for (const char *p = a; *p; p++)
        g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
    g_autofree char *h = auth_token_hash_hex("abc");
    /* SHA-256("abc") */
    g_assert_cmpstr(h, ==, "\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    g_assert_true(auth_equal("same", "same"));
    g_assert_false(auth_equal("same", "samf"));
    g_assert_false(auth_equal("same", "sam"));
    g_assert_false(auth_equal(NULL, "x"));
}

static void test_roles(void)
{
    g_assert_cmpint(auth_role_from_name("chair"), ==, AUTH_ROLE_CHAIR);
    g_assert_cmpint(auth_role_from_name("Chair"), ==, 0);
    g_assert_cmpint(auth_role_from_name(NULL), ==, 0);
    g_assert_cmpstr(auth_role_name(AUTH_ROLE_GUEST), ==, "guest");
    g_autofree char *d = auth_roles_describe(AUTH_ROLE_ADMIN | AUTH_ROLE_CHAIR | AUTH_ROLE_MEMBER);
    g_assert_cmpstr(d, ==, "admin, chair or member");
    g_autofree char *one = auth_roles_describe(AUTH_ROLE_SECRETARIAT);
    g_assert_cmpstr(one, ==, "secretariat");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(auth_init());
    g_test_add_func("/auth/passwords", test_passwords);
    g_test_add_func("/auth/tokens", test_tokens);
    g_test_add_func("/auth/roles", test_roles);
    return g_test_run();
}
