/* auth.h: passwords, session tokens and roles.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str_alg, interactive limits:
 * about 0.1 s and 64 MiB per hash), so hashing and verifying run on database worker threads or in
 * phonghop-admin, never on the main loop. A session token is 32 random bytes, sent to the browser
 * base64url-encoded in an HttpOnly cookie; the database stores only its SHA-256, so a copy of the
 * database does not let anyone sign in.
 *
 * All functions are thread-safe once auth_init() has returned.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AUTH_ERROR (auth_error_quark())
GQuark auth_error_quark(void);
typedef enum { AUTH_ERROR_WEAK_PASSWORD, AUTH_ERROR_INTERNAL } AuthError;

#define AUTH_COOKIE_NAME  "phonghop_session"
#define AUTH_MIN_PASSWORD 8
#define AUTH_MAX_PASSWORD 256

/* Roles a user holds in a body; a bit set. */
typedef enum {
    AUTH_ROLE_ADMIN = 1 << 0,
    AUTH_ROLE_SECRETARIAT = 1 << 1,
    AUTH_ROLE_CHAIR = 1 << 2,
    AUTH_ROLE_MEMBER = 1 << 3,
    AUTH_ROLE_GUEST = 1 << 4,
} AuthRole;
#define AUTH_ROLES_ALL 0x1f

/* Initialises libsodium. FALSE if it cannot be (the process must not go on). */
gboolean auth_init(void);

/* Argon2id hash of password in libsodium's string form. (transfer full) or NULL with
 * AUTH_ERROR_WEAK_PASSWORD naming the rule ("password too short: at least 8 characters"). */
char *auth_password_hash(const char *password, GError **error);
/* TRUE when password matches hash. Constant time with respect to the password. */
gboolean auth_password_verify(const char *hash, const char *password);
/* Checks the length rules without hashing. */
gboolean auth_password_acceptable(const char *password, GError **error);

/* A new random session token, base64url without padding. (transfer full) */
char *auth_token_new(void);
/* The token's SHA-256 as PostgreSQL bytea hex input ("\\x..."). (transfer full) */
char *auth_token_hash_hex(const char *token);
/* Compares two strings in constant time for their common length. NULLs are unequal. */
gboolean auth_equal(const char *a, const char *b);

/* "admin" -> AUTH_ROLE_ADMIN ...; 0 for an unknown name. */
AuthRole auth_role_from_name(const char *name);
const char *auth_role_name(AuthRole role);
/* "chair or secretariat" style text for messages. (transfer full) */
char *auth_roles_describe(guint roles);

G_END_DECLS
