/* auth.c: Argon2id passwords and session tokens through libsodium. */
#include "auth.h"

#include <sodium.h>
#include <string.h>

G_DEFINE_QUARK(auth_error, auth_error)

static const char *const role_names[] = {"admin", "secretariat", "chair", "member", "guest"};

gboolean auth_init(void)
{
    return sodium_init() >= 0;
}

gboolean auth_password_acceptable(const char *password, GError **error)
{
    gsize len = password ? strlen(password) : 0;
    if (!password || !g_utf8_validate(password, -1, NULL)) {
        g_set_error(error, AUTH_ERROR, AUTH_ERROR_WEAK_PASSWORD, "password must be UTF-8 text");
        return FALSE;
    }
    if (g_utf8_strlen(password, -1) < AUTH_MIN_PASSWORD) {
        g_set_error(error, AUTH_ERROR, AUTH_ERROR_WEAK_PASSWORD,
                    "password too short: at least %d characters", AUTH_MIN_PASSWORD);
        return FALSE;
    }
    if (len > AUTH_MAX_PASSWORD) {
        g_set_error(error, AUTH_ERROR, AUTH_ERROR_WEAK_PASSWORD,
                    "password too long: at most %d bytes", AUTH_MAX_PASSWORD);
        return FALSE;
    }
    return TRUE;
}

char *auth_password_hash(const char *password, GError **error)
{
    if (!auth_password_acceptable(password, error))
        return NULL;
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        g_set_error(error, AUTH_ERROR, AUTH_ERROR_INTERNAL,
                    "cannot hash the password: out of memory");
        return NULL;
    }
    return g_strdup(out);
}

gboolean auth_password_verify(const char *hash, const char *password)
{
    if (!hash || !password || strlen(password) > AUTH_MAX_PASSWORD ||
        strlen(hash) >= crypto_pwhash_STRBYTES)
        return FALSE;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

char *auth_token_new(void)
{
    guint8 raw[32];
    randombytes_buf(raw, sizeof(raw));
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof(out), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    return g_strdup(out);
}

char *auth_token_hash_hex(const char *token)
{
    guint8 digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const guint8 *)token, strlen(token));
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    return g_strconcat("\\x", hex, NULL);
}

gboolean auth_equal(const char *a, const char *b)
{
    if (!a || !b)
        return FALSE;
    gsize la = strlen(a), lb = strlen(b);
    if (la != lb)
        return FALSE;
    return sodium_memcmp(a, b, la) == 0;
}

AuthRole auth_role_from_name(const char *name)
{
    for (guint i = 0; name && i < G_N_ELEMENTS(role_names); i++)
        if (g_str_equal(name, role_names[i]))
            return (AuthRole)(1 << i);
    return 0;
}

const char *auth_role_name(AuthRole role)
{
    for (guint i = 0; i < G_N_ELEMENTS(role_names); i++)
        if (role == (AuthRole)(1 << i))
            return role_names[i];
    return "unknown";
}

char *auth_roles_describe(guint roles)
{
    GString *s = g_string_new(NULL);
    guint n = 0, total = (guint)__builtin_popcount(roles);
    for (guint i = 0; i < G_N_ELEMENTS(role_names); i++) {
        if (!(roles & (1u << i)))
            continue;
        if (n > 0)
            g_string_append(s, n + 1 == total ? " or " : ", ");
        g_string_append(s, role_names[i]);
        n++;
    }
    return g_string_free(s, FALSE);
}
