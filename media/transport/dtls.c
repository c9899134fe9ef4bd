/* dtls.c: DTLS 1.2 endpoints for DTLS-SRTP, on OpenSSL 3 with memory I/O.
 *
 * Design: WebRTC authenticates the DTLS peer by the certificate fingerprint carried in the
 * signed-in signaling channel, not by a CA (RFC 5763 §5, RFC 8122 §5): certificates are
 * self-signed, OpenSSL's chain verification is told to accept them, and the endpoint compares
 * the digest of the peer's certificate with the SDP fingerprint itself, both in the verify
 * callback (so a mismatch aborts the handshake with an alert) and when the handshake completes
 * or the fingerprint arrives late (SDP answers may trail the first DTLS flight). Only a verified
 * endpoint hands out keys. The identity uses ECDSA P-256, what browsers use, and offers ECDHE
 * suites only.
 *
 * The SSL object reads from a memory BIO that receives exactly one datagram per
 * dtls_endpoint_receive(), so record boundaries are those of the datagrams (RFC 6347 §4.1.1), and
 * writes through a small BIO of our own whose every write is one datagram handed to the send
 * callback (OpenSSL writes each flight fragment as one datagram within the link MTU, set to the
 * 1200 bytes WebRTC uses so nothing is fragmented by IP on tunnels). The retransmission timer of
 * RFC 6347 §4.2.4 is OpenSSL's, read with DTLSv1_get_timeout() and fired by the owner's main loop
 * through DTLSv1_handle_timeout(); a timer callback starts it at 100 ms instead of 1 s, since the
 * ICE round trip is already known to be short, doubling to 3.2 s.
 *
 * use_srtp (RFC 5764 §4.1.1) offers AEAD_AES_128_GCM before AES128_CM_HMAC_SHA1_80; OpenSSL's
 * server picks by its own order, so two phonghop peers use GCM and a browser that only does CM
 * still gets CM. The keys are exported with the RFC 5705 exporter and the label
 * "EXTRACTOR-dtls_srtp", laid out as RFC 5764 §4.2 says: client key, server key, client salt,
 * server salt.
 */
#include "transport/dtls.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define DTLS_LINK_MTU         1200
#define DTLS_INITIAL_TIMER_US 100000u
#define DTLS_MAX_TIMER_US     3200000u
#define DTLS_CERT_DAYS        30
#define DTLS_CIPHERS                                                                             \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:" \
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"       \
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"
#define DTLS_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

struct _DtlsIdentity {
    gatomicrefcount ref;
    EVP_PKEY *key;
    X509 *cert;
    SSL_CTX *ctx;
    char fingerprint[EVP_MAX_MD_SIZE * 3];
};

struct _DtlsEndpoint {
    DtlsIdentity *identity;
    SSL *ssl;
    DtlsRole role;
    DtlsState state;
    DtlsSendFunc send;
    gpointer user_data;
    gboolean handshake_done;
    gboolean fingerprint_mismatch; /* the verify callback refused the peer */
    gboolean have_remote_fingerprint;
    const EVP_MD *remote_md;
    guint8 remote_fingerprint[EVP_MAX_MD_SIZE];
    guint remote_fingerprint_len;
    guint64 app_data_dropped; /* SCTP before data channels exist */
};

G_DEFINE_QUARK(phonghop - dtls - error - quark, dtls_error)

/* The reason of the last OpenSSL error on this thread, for messages. */
static const char *openssl_reason(char *buf, gsize size)
{
    unsigned long e = ERR_peek_last_error();

    if (e == 0)
        return "no reason given";
    ERR_error_string_n(e, buf, size);
    return buf;
}

/* ---- identity ---- */

static gboolean format_fingerprint(X509 *cert, char *out, gsize size)
{
    guint8 md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    gsize pos = 0;

    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n * 3 > size)
        return FALSE;
    for (i = 0; i < n; i++) {
        static const char hex[] = "0123456789ABCDEF";

        if (i > 0)
            out[pos++] = ':';
        out[pos++] = hex[md[i] >> 4];
        out[pos++] = hex[md[i] & 0x0f];
    }
    out[pos] = '\0';
    return TRUE;
}

static int verify_callback(int preverify_ok, X509_STORE_CTX *store);

DtlsIdentity *dtls_identity_new(GError **error)
{
    g_autoptr(DtlsIdentity) id = NULL;
    X509_NAME *name;
    char reason[256];
    guint64 serial;

    g_return_val_if_fail(error == NULL || *error == NULL, NULL);
    ERR_clear_error();

    id = g_new0(DtlsIdentity, 1);
    g_atomic_ref_count_init(&id->ref);

    id->key = EVP_EC_gen("P-256");
    id->cert = X509_new();
    if (id->key == NULL || id->cert == NULL)
        goto crypto_error;

    /* A random 63-bit serial: peers may cache by issuer and serial. */
    serial = g_random_int() | (guint64)(g_random_int() & 0x7fffffff) << 32;
    if (X509_set_version(id->cert, X509_VERSION_3) != 1 ||
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(id->cert), serial) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(id->cert), -24 * 3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(id->cert), (long)DTLS_CERT_DAYS * 24 * 3600) == NULL ||
        X509_set_pubkey(id->cert, id->key) != 1)
        goto crypto_error;
    name = X509_get_subject_name(id->cert);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"phonghop", -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(id->cert, name) != 1 ||
        X509_sign(id->cert, id->key, EVP_sha256()) == 0)
        goto crypto_error;
    if (!format_fingerprint(id->cert, id->fingerprint, sizeof(id->fingerprint)))
        goto crypto_error;

    id->ctx = SSL_CTX_new(DTLS_method());
    if (id->ctx == NULL || SSL_CTX_set_min_proto_version(id->ctx, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate(id->ctx, id->cert) != 1 ||
        SSL_CTX_use_PrivateKey(id->ctx, id->key) != 1 || SSL_CTX_check_private_key(id->ctx) != 1 ||
        SSL_CTX_set_cipher_list(id->ctx, DTLS_CIPHERS) != 1 ||
        SSL_CTX_set1_groups_list(id->ctx, "X25519:P-256:P-384") != 1 ||
        /* returns 0 on success */
        SSL_CTX_set_tlsext_use_srtp(id->ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0)
        goto crypto_error;
    /* Mutual authentication (RFC 5763 §5): the server asks for the client's certificate too. */
    SSL_CTX_set_verify(id->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback);
    SSL_CTX_set_session_cache_mode(id->ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_read_ahead(id->ctx, 1);
    return g_steal_pointer(&id);

crypto_error:
    g_set_error(error, DTLS_ERROR, DTLS_ERROR_CRYPTO, "cannot create the DTLS certificate: %s",
                openssl_reason(reason, sizeof(reason)));
    ERR_clear_error();
    return NULL;
}

DtlsIdentity *dtls_identity_ref(DtlsIdentity *identity)
{
    g_return_val_if_fail(identity != NULL, NULL);
    g_atomic_ref_count_inc(&identity->ref);
    return identity;
}

void dtls_identity_unref(DtlsIdentity *identity)
{
    if (identity == NULL || !g_atomic_ref_count_dec(&identity->ref))
        return;
    g_clear_pointer(&identity->ctx, SSL_CTX_free);
    g_clear_pointer(&identity->cert, X509_free);
    g_clear_pointer(&identity->key, EVP_PKEY_free);
    g_free(identity);
}

const char *dtls_identity_get_fingerprint(const DtlsIdentity *identity)
{
    g_return_val_if_fail(identity != NULL, NULL);
    return identity->fingerprint;
}

/* ---- the datagram BIO ---- */

static int bio_write(BIO *bio, const char *data, int len)
{
    DtlsEndpoint *ep = BIO_get_data(bio);

    if (ep != NULL && ep->send != NULL && len > 0)
        ep->send((const guint8 *)data, (gsize)len, ep->user_data);
    return len;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return DTLS_LINK_MTU;
    default:
        return 0; /* pending counts, peer addresses, MTU overhead: none */
    }
}

static int bio_create(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

static int bio_destroy(BIO *bio)
{
    BIO_set_data(bio, NULL);
    return 1;
}

static gpointer bio_method_init(gpointer data)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "phonghop dtls");

    if (m == NULL || BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_ctrl(m, bio_ctrl) != 1 ||
        BIO_meth_set_create(m, bio_create) != 1 || BIO_meth_set_destroy(m, bio_destroy) != 1)
        g_error("cannot create the DTLS BIO method"); /* out of memory */
    return m;
}

/* Lives for the process: BIOs of any endpoint on any thread use it. */
static BIO_METHOD *bio_method(void)
{
    static GOnce once = G_ONCE_INIT;

    return g_once(&once, bio_method_init, NULL);
}

static gpointer ex_index_init(gpointer data)
{
    return GINT_TO_POINTER(SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL) + 1);
}

/* The SSL ex_data slot that points back to the endpoint. */
static int endpoint_ex_index(void)
{
    static GOnce once = G_ONCE_INIT;

    return GPOINTER_TO_INT(g_once(&once, ex_index_init, NULL)) - 1;
}

/* ---- endpoint ---- */

static unsigned int timer_callback(SSL *ssl, unsigned int timer_us)
{
    if (timer_us == 0)
        return DTLS_INITIAL_TIMER_US;
    return MIN(timer_us * 2, DTLS_MAX_TIMER_US);
}

static gboolean peer_matches(DtlsEndpoint *ep, X509 *peer)
{
    guint8 md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (peer == NULL || X509_digest(peer, ep->remote_md, md, &n) != 1)
        return FALSE;
    return n == ep->remote_fingerprint_len && memcmp(md, ep->remote_fingerprint, n) == 0;
}

/* OpenSSL's chain check would reject every self-signed certificate: accept them, but refuse the
 * peer's own certificate (depth 0) when its fingerprint is already known and differs. */
static int verify_callback(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    DtlsEndpoint *ep = ssl != NULL ? SSL_get_ex_data(ssl, endpoint_ex_index()) : NULL;

    if (ep == NULL || !ep->have_remote_fingerprint || X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    if (peer_matches(ep, X509_STORE_CTX_get_current_cert(store)))
        return 1;
    ep->fingerprint_mismatch = TRUE;
    return 0;
}

static gboolean fail(DtlsEndpoint *ep, GError **error, DtlsError code, const char *what)
{
    char reason[256];

    ep->state = DTLS_STATE_FAILED;
    if (code == DTLS_ERROR_HANDSHAKE)
        g_set_error(error, DTLS_ERROR, code, "%s: %s", what,
                    openssl_reason(reason, sizeof(reason)));
    else
        g_set_error_literal(error, DTLS_ERROR, code, what);
    ERR_clear_error();
    return FALSE;
}

/* The handshake is done, or the fingerprint arrived after it: decide CONNECTED or FAILED. */
static gboolean check_peer(DtlsEndpoint *ep, GError **error)
{
    if (SSL_get_selected_srtp_profile(ep->ssl) == NULL)
        return fail(ep, error, DTLS_ERROR_NO_SRTP, "the peer negotiated no SRTP profile");
    if (!ep->have_remote_fingerprint)
        return TRUE; /* stay CONNECTING until the SDP brings it */
    if (!peer_matches(ep, SSL_get0_peer_certificate(ep->ssl)))
        return fail(ep, error, DTLS_ERROR_FINGERPRINT,
                    "the peer's DTLS certificate does not match its SDP fingerprint");
    ep->state = DTLS_STATE_CONNECTED;
    return TRUE;
}

/* Runs OpenSSL after input or a timer: advances the handshake, or reads what follows it. */
static gboolean drive(DtlsEndpoint *ep, GError **error)
{
    int r, err;

    if (!ep->handshake_done) {
        ERR_clear_error();
        r = SSL_do_handshake(ep->ssl);
        if (r == 1) {
            ep->handshake_done = TRUE;
            if (!check_peer(ep, error))
                return FALSE;
        } else {
            err = SSL_get_error(ep->ssl, r);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
                return TRUE;
            if (ep->fingerprint_mismatch)
                return fail(ep, error, DTLS_ERROR_FINGERPRINT,
                            "the peer's DTLS certificate does not match its SDP fingerprint");
            return fail(ep, error, DTLS_ERROR_HANDSHAKE, "DTLS handshake failed");
        }
    }

    /* After the handshake: retransmitted flights, alerts, close_notify, application data. */
    for (;;) {
        guint8 buf[2048];

        ERR_clear_error();
        r = SSL_read(ep->ssl, buf, sizeof(buf));
        if (r > 0) {
            ep->app_data_dropped += (guint64)r;
            continue;
        }
        err = SSL_get_error(ep->ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
            return TRUE;
        if (err == SSL_ERROR_ZERO_RETURN) {
            ep->state = DTLS_STATE_CLOSED;
            return TRUE;
        }
        return fail(ep, error, DTLS_ERROR_HANDSHAKE, "DTLS connection failed");
    }
}

DtlsEndpoint *dtls_endpoint_new(DtlsIdentity *identity, DtlsRole role, DtlsSendFunc send,
                                gpointer user_data, GError **error)
{
    g_autoptr(DtlsEndpoint) ep = NULL;
    BIO *rbio, *wbio;
    char reason[256];

    g_return_val_if_fail(identity != NULL && send != NULL, NULL);
    g_return_val_if_fail(role == DTLS_ROLE_CLIENT || role == DTLS_ROLE_SERVER, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);
    ERR_clear_error();

    ep = g_new0(DtlsEndpoint, 1);
    ep->identity = dtls_identity_ref(identity);
    ep->role = role;
    ep->state = DTLS_STATE_NEW;
    ep->send = send;
    ep->user_data = user_data;

    ep->ssl = SSL_new(identity->ctx);
    if (ep->ssl == NULL)
        goto crypto_error;
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(bio_method());
    if (rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        goto crypto_error;
    }
    BIO_set_mem_eof_return(rbio, -1); /* empty means "retry", not end of stream */
    BIO_set_data(wbio, ep);
    SSL_set_bio(ep->ssl, rbio, wbio); /* the SSL owns both from here */
    if (SSL_set_ex_data(ep->ssl, endpoint_ex_index(), ep) != 1)
        goto crypto_error;
    SSL_set_options(ep->ssl, SSL_OP_NO_QUERY_MTU);
    DTLS_set_link_mtu(ep->ssl, DTLS_LINK_MTU);
    DTLS_set_timer_cb(ep->ssl, timer_callback);
    if (role == DTLS_ROLE_CLIENT)
        SSL_set_connect_state(ep->ssl);
    else
        SSL_set_accept_state(ep->ssl);
    return g_steal_pointer(&ep);

crypto_error:
    g_set_error(error, DTLS_ERROR, DTLS_ERROR_CRYPTO, "cannot create a DTLS endpoint: %s",
                openssl_reason(reason, sizeof(reason)));
    ERR_clear_error();
    return NULL;
}

void dtls_endpoint_free(DtlsEndpoint *endpoint)
{
    if (endpoint == NULL)
        return;
    g_clear_pointer(&endpoint->ssl, SSL_free);
    g_clear_pointer(&endpoint->identity, dtls_identity_unref);
    g_free(endpoint);
}

DtlsRole dtls_endpoint_get_role(const DtlsEndpoint *endpoint)
{
    g_return_val_if_fail(endpoint != NULL, DTLS_ROLE_CLIENT);
    return endpoint->role;
}

DtlsState dtls_endpoint_get_state(const DtlsEndpoint *endpoint)
{
    g_return_val_if_fail(endpoint != NULL, DTLS_STATE_FAILED);
    return endpoint->state;
}

static const char *openssl_profile_name(SrtpProfile profile)
{
    switch (profile) {
    case SRTP_PROFILE_AES128_CM_SHA1_80:
        return "SRTP_AES128_CM_SHA1_80";
    case SRTP_PROFILE_AEAD_AES_128_GCM:
        return "SRTP_AEAD_AES_128_GCM";
    }
    return NULL;
}

gboolean dtls_endpoint_set_srtp_profiles(DtlsEndpoint *endpoint, const SrtpProfile *profiles,
                                         guint n_profiles, GError **error)
{
    g_autoptr(GString) list = g_string_new(NULL);
    guint i;

    g_return_val_if_fail(endpoint != NULL && profiles != NULL, FALSE);
    if (endpoint->state != DTLS_STATE_NEW) {
        g_set_error_literal(error, DTLS_ERROR, DTLS_ERROR_STATE,
                            "SRTP profiles can only be chosen before the handshake starts");
        return FALSE;
    }
    for (i = 0; i < n_profiles; i++) {
        const char *name = openssl_profile_name(profiles[i]);

        if (name == NULL) {
            g_set_error(error, DTLS_ERROR, DTLS_ERROR_NO_SRTP, "unknown SRTP profile 0x%04x",
                        profiles[i]);
            return FALSE;
        }
        g_string_append_printf(list, "%s%s", i > 0 ? ":" : "", name);
    }
    if (n_profiles == 0 || SSL_set_tlsext_use_srtp(endpoint->ssl, list->str) != 0) {
        g_set_error(error, DTLS_ERROR, DTLS_ERROR_NO_SRTP, "cannot offer SRTP profiles \"%s\"",
                    list->str);
        ERR_clear_error();
        return FALSE;
    }
    return TRUE;
}

static const EVP_MD *digest_by_sdp_name(const char *hash)
{
    /* RFC 8122 §5 names (the IANA "Hash Function Textual Names"). */
    if (g_ascii_strcasecmp(hash, "sha-256") == 0)
        return EVP_sha256();
    if (g_ascii_strcasecmp(hash, "sha-1") == 0)
        return EVP_sha1();
    if (g_ascii_strcasecmp(hash, "sha-384") == 0)
        return EVP_sha384();
    if (g_ascii_strcasecmp(hash, "sha-512") == 0)
        return EVP_sha512();
    return NULL;
}

/* "AB:cd:..." into bytes; FALSE unless it is exactly @want pairs separated by colons. */
static gboolean parse_fingerprint(const char *text, guint8 *out, gsize want)
{
    gsize i;

    for (i = 0; i < want; i++) {
        int hi, lo;

        if (i > 0 && *text++ != ':')
            return FALSE;
        hi = g_ascii_xdigit_value(text[0]);
        lo = hi >= 0 ? g_ascii_xdigit_value(text[1]) : -1;
        if (hi < 0 || lo < 0)
            return FALSE;
        out[i] = (guint8)(hi << 4 | lo);
        text += 2;
    }
    return *text == '\0';
}

gboolean dtls_endpoint_set_remote_fingerprint(DtlsEndpoint *endpoint, const char *hash,
                                              const char *fingerprint, GError **error)
{
    const EVP_MD *md;
    int size;

    g_return_val_if_fail(endpoint != NULL && hash != NULL && fingerprint != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    md = digest_by_sdp_name(hash);
    if (md == NULL) {
        g_set_error(error, DTLS_ERROR, DTLS_ERROR_FINGERPRINT,
                    "unsupported fingerprint hash \"%s\" (sha-256 expected)", hash);
        return FALSE;
    }
    size = EVP_MD_get_size(md);
    if (size <= 0 || !parse_fingerprint(fingerprint, endpoint->remote_fingerprint, (gsize)size)) {
        g_set_error(error, DTLS_ERROR, DTLS_ERROR_FINGERPRINT,
                    "malformed %s fingerprint: %d colon-separated hex pairs expected", hash, size);
        return FALSE;
    }
    endpoint->remote_md = md;
    endpoint->remote_fingerprint_len = (guint)size;
    endpoint->have_remote_fingerprint = TRUE;

    if (endpoint->handshake_done && endpoint->state == DTLS_STATE_CONNECTING)
        return check_peer(endpoint, error);
    return TRUE;
}

gboolean dtls_endpoint_start(DtlsEndpoint *endpoint, GError **error)
{
    g_return_val_if_fail(endpoint != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    if (endpoint->state != DTLS_STATE_NEW) {
        g_set_error_literal(error, DTLS_ERROR, DTLS_ERROR_STATE,
                            "the DTLS handshake has already started");
        return FALSE;
    }
    endpoint->state = DTLS_STATE_CONNECTING;
    /* A client sends its ClientHello now; a server finds nothing to read and waits. */
    return drive(endpoint, error);
}

gboolean dtls_endpoint_receive(DtlsEndpoint *endpoint, const guint8 *data, gsize len,
                               GError **error)
{
    g_return_val_if_fail(endpoint != NULL && (data != NULL || len == 0), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    switch (endpoint->state) {
    case DTLS_STATE_NEW:
        /* A server may hear the ClientHello before its owner got round to starting it. */
        if (endpoint->role == DTLS_ROLE_CLIENT) {
            g_set_error_literal(error, DTLS_ERROR, DTLS_ERROR_STATE,
                                "DTLS data before the client started its handshake");
            return FALSE;
        }
        endpoint->state = DTLS_STATE_CONNECTING;
        break;
    case DTLS_STATE_CONNECTING:
    case DTLS_STATE_CONNECTED:
        break;
    case DTLS_STATE_FAILED:
    case DTLS_STATE_CLOSED:
        return TRUE; /* nothing more to do with the peer; ignore */
    }
    if (len == 0 || len > G_MAXINT)
        return TRUE;
    if (BIO_write(SSL_get_rbio(endpoint->ssl), data, (int)len) != (int)len)
        return fail(endpoint, error, DTLS_ERROR_HANDSHAKE, "cannot queue a DTLS datagram");
    return drive(endpoint, error);
}

gint64 dtls_endpoint_get_timeout(DtlsEndpoint *endpoint)
{
    struct timeval tv;

    g_return_val_if_fail(endpoint != NULL, -1);
    if (endpoint->state != DTLS_STATE_CONNECTING && endpoint->state != DTLS_STATE_CONNECTED)
        return -1;
    if (DTLSv1_get_timeout(endpoint->ssl, &tv) != 1)
        return -1;
    return (gint64)tv.tv_sec * G_USEC_PER_SEC + tv.tv_usec;
}

gboolean dtls_endpoint_handle_timeout(DtlsEndpoint *endpoint, GError **error)
{
    int r;

    g_return_val_if_fail(endpoint != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    if (endpoint->state != DTLS_STATE_CONNECTING && endpoint->state != DTLS_STATE_CONNECTED)
        return TRUE;
    ERR_clear_error();
    r = DTLSv1_handle_timeout(endpoint->ssl);
    if (r < 0)
        return fail(endpoint, error, DTLS_ERROR_HANDSHAKE, "DTLS handshake timed out");
    return TRUE;
}

void dtls_endpoint_close(DtlsEndpoint *endpoint)
{
    g_return_if_fail(endpoint != NULL);
    if (endpoint->state == DTLS_STATE_CLOSED)
        return;
    if (endpoint->handshake_done && endpoint->state != DTLS_STATE_FAILED) {
        ERR_clear_error();
        (void)SSL_shutdown(endpoint->ssl); /* sends close_notify; no wait for the peer's */
        ERR_clear_error();
    }
    endpoint->state = DTLS_STATE_CLOSED;
}

gboolean dtls_endpoint_get_srtp_keys(DtlsEndpoint *endpoint, DtlsSrtpKeys *keys, GError **error)
{
    guint8 material[2 * (SRTP_PROFILE_MAX_KEY_LEN + SRTP_PROFILE_MAX_SALT_LEN)];
    const SRTP_PROTECTION_PROFILE *p;
    gsize k, s;
    gboolean ok = FALSE;
    char reason[256];

    g_return_val_if_fail(endpoint != NULL && keys != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    memset(keys, 0, sizeof(*keys));

    if (endpoint->state != DTLS_STATE_CONNECTED) {
        g_set_error_literal(error, DTLS_ERROR, DTLS_ERROR_STATE,
                            "SRTP keys exist only once the DTLS peer is connected and verified");
        return FALSE;
    }
    p = SSL_get_selected_srtp_profile(endpoint->ssl);
    if (p == NULL ||
        (p->id != SRTP_PROFILE_AES128_CM_SHA1_80 && p->id != SRTP_PROFILE_AEAD_AES_128_GCM)) {
        g_set_error_literal(error, DTLS_ERROR, DTLS_ERROR_NO_SRTP,
                            "the peer negotiated no SRTP profile we offer");
        return FALSE;
    }
    keys->profile = (SrtpProfile)p->id;
    keys->role = endpoint->role;
    k = keys->key_len = srtp_profile_get_key_len(keys->profile);
    s = keys->salt_len = srtp_profile_get_salt_len(keys->profile);

    ERR_clear_error();
    if (SSL_export_keying_material(endpoint->ssl, material, 2 * (k + s), DTLS_EXPORTER_LABEL,
                                   strlen(DTLS_EXPORTER_LABEL), NULL, 0, 0) != 1) {
        g_set_error(error, DTLS_ERROR, DTLS_ERROR_CRYPTO, "cannot export the SRTP keys: %s",
                    openssl_reason(reason, sizeof(reason)));
        ERR_clear_error();
        goto out;
    }
    /* RFC 5764 §4.2: client key | server key | client salt | server salt. */
    memcpy(keys->client_key, material, k);
    memcpy(keys->server_key, material + k, k);
    memcpy(keys->client_salt, material + 2 * k, s);
    memcpy(keys->server_salt, material + 2 * k + s, s);
    ok = TRUE;

out:
    OPENSSL_cleanse(material, sizeof(material));
    if (!ok)
        dtls_srtp_keys_clear(keys);
    return ok;
}

void dtls_srtp_keys_get_local(const DtlsSrtpKeys *keys, const guint8 **key, const guint8 **salt)
{
    g_return_if_fail(keys != NULL && key != NULL && salt != NULL);
    *key = keys->role == DTLS_ROLE_CLIENT ? keys->client_key : keys->server_key;
    *salt = keys->role == DTLS_ROLE_CLIENT ? keys->client_salt : keys->server_salt;
}

void dtls_srtp_keys_get_remote(const DtlsSrtpKeys *keys, const guint8 **key, const guint8 **salt)
{
    g_return_if_fail(keys != NULL && key != NULL && salt != NULL);
    *key = keys->role == DTLS_ROLE_CLIENT ? keys->server_key : keys->client_key;
    *salt = keys->role == DTLS_ROLE_CLIENT ? keys->server_salt : keys->client_salt;
}

void dtls_srtp_keys_clear(DtlsSrtpKeys *keys)
{
    g_return_if_fail(keys != NULL);
    OPENSSL_cleanse(keys, sizeof(*keys));
}
