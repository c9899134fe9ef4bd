/* test-dtls.c: DTLS-SRTP between two in-process endpoints exchanging datagrams in memory
 * (media/transport/dtls.c with media/transport/srtp.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "transport/dtls.h"
#include "transport/srtp.h"

/* Identities are slow-ish to make (a key pair each): make three once. */
static DtlsIdentity *id_a, *id_b, *id_other;

/* What one endpoint sends, waiting to be delivered to the other. */
typedef struct {
    GQueue queue;
    guint sent;
    guint drop; /* drop this many of the next datagrams (a lossy link) */
} Wire;

typedef struct {
    DtlsEndpoint *ep;
    Wire out;
} Side;

typedef struct {
    Side a; /* client */
    Side b; /* server */
} Link;

static void on_send(const guint8 *data, gsize len, gpointer user_data)
{
    Wire *w = user_data;

    g_assert_cmpuint(len, <=, 1200); /* the link MTU */
    w->sent++;
    if (w->drop > 0) {
        w->drop--;
        return;
    }
    g_queue_push_tail(&w->queue, g_bytes_new(data, len));
}

static void link_init(Link *l, DtlsIdentity *client, DtlsIdentity *server)
{
    g_autoptr(GError) error = NULL;

    memset(l, 0, sizeof(*l));
    g_queue_init(&l->a.out.queue);
    g_queue_init(&l->b.out.queue);
    l->a.ep = dtls_endpoint_new(client, DTLS_ROLE_CLIENT, on_send, &l->a.out, &error);
    g_assert_no_error(error);
    l->b.ep = dtls_endpoint_new(server, DTLS_ROLE_SERVER, on_send, &l->b.out, &error);
    g_assert_no_error(error);
}

static void link_clear(Link *l)
{
    g_queue_clear_full(&l->a.out.queue, (GDestroyNotify)g_bytes_unref);
    g_queue_clear_full(&l->b.out.queue, (GDestroyNotify)g_bytes_unref);
    g_clear_pointer(&l->a.ep, dtls_endpoint_free);
    g_clear_pointer(&l->b.ep, dtls_endpoint_free);
}

static void set_fingerprint(DtlsEndpoint *ep, DtlsIdentity *peer)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(dtls_endpoint_set_remote_fingerprint(
        ep, "sha-256", dtls_identity_get_fingerprint(peer), &error));
    g_assert_no_error(error);
}

/* Delivers queued datagrams both ways until both queues are empty. Errors from receive are
 * collected, not asserted: some tests expect them. */
static guint pump(Link *l, GError **first_error)
{
    guint delivered = 0, round;

    for (round = 0; round < 50; round++) {
        gboolean any = FALSE;
        GBytes *d;

        while ((d = g_queue_pop_head(&l->a.out.queue)) != NULL) {
            g_autoptr(GError) error = NULL;
            gsize n;
            const guint8 *p = g_bytes_get_data(d, &n);

            if (!dtls_endpoint_receive(l->b.ep, p, n, &error) && first_error && !*first_error)
                *first_error = g_steal_pointer(&error);
            g_bytes_unref(d);
            delivered++;
            any = TRUE;
        }
        while ((d = g_queue_pop_head(&l->b.out.queue)) != NULL) {
            g_autoptr(GError) error = NULL;
            gsize n;
            const guint8 *p = g_bytes_get_data(d, &n);

            if (!dtls_endpoint_receive(l->a.ep, p, n, &error) && first_error && !*first_error)
                *first_error = g_steal_pointer(&error);
            g_bytes_unref(d);
            delivered++;
            any = TRUE;
        }
        if (!any)
            break;
    }
    return delivered;
}

static void start_both(Link *l)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(dtls_endpoint_start(l->b.ep, &error));
    g_assert_no_error(error);
    g_assert_true(dtls_endpoint_start(l->a.ep, &error));
    g_assert_no_error(error);
    g_assert_cmpint(dtls_endpoint_get_state(l->a.ep), ==, DTLS_STATE_CONNECTING);
}

static void get_keys(DtlsEndpoint *ep, DtlsSrtpKeys *keys)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(dtls_endpoint_get_srtp_keys(ep, keys, &error));
    g_assert_no_error(error);
}

/* The sender protects with its local keys, the receiver unprotects with its remote keys. */
static void check_srtp_flow(const DtlsSrtpKeys *from, const DtlsSrtpKeys *to, guint32 ssrc)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(SrtpSession) tx = NULL;
    g_autoptr(SrtpSession) rx = NULL;
    const guint8 *key, *salt;
    guint32 words[64];
    guint8 *b = (guint8 *)words;
    guint8 plain[100];
    gsize len = 100, out = 0, back = 0;
    gsize i;

    dtls_srtp_keys_get_local(from, &key, &salt);
    tx = srtp_session_new(from->profile, SRTP_DIRECTION_OUTBOUND, key, from->key_len, salt,
                          from->salt_len, &error);
    g_assert_no_error(error);
    dtls_srtp_keys_get_remote(to, &key, &salt);
    rx = srtp_session_new(to->profile, SRTP_DIRECTION_INBOUND, key, to->key_len, salt, to->salt_len,
                          &error);
    g_assert_no_error(error);

    for (i = 0; i < len; i++)
        b[i] = (guint8)(i * 13);
    b[0] = 0x80;
    b[1] = 111;
    b[8] = (guint8)(ssrc >> 24);
    b[9] = (guint8)(ssrc >> 16);
    b[10] = (guint8)(ssrc >> 8);
    b[11] = (guint8)ssrc;
    memcpy(plain, b, len);
    g_assert_cmpint(srtp_session_protect_rtp(tx, b, len, sizeof(words), &out), ==, 0);
    g_assert_cmpint(srtp_session_unprotect_rtp(rx, b, out, &back), ==, 0);
    g_assert_cmpmem(b, back, plain, len);

    /* RTCP: an RR with no report blocks. */
    memset(words, 0, sizeof(words));
    b[0] = 0x80;
    b[1] = 201;
    b[3] = 1;
    b[4] = (guint8)(ssrc >> 24);
    b[7] = (guint8)ssrc;
    memcpy(plain, b, 8);
    g_assert_cmpint(srtp_session_protect_rtcp(tx, b, 8, sizeof(words), &out), ==, 0);
    g_assert_cmpint(srtp_session_unprotect_rtcp(rx, b, out, &back), ==, 0);
    g_assert_cmpmem(b, back, plain, 8);
}

static void test_identity(void)
{
    const char *fp = dtls_identity_get_fingerprint(id_a);
    gsize i;

    g_assert_cmpuint(strlen(fp), ==, 32 * 3 - 1);
    for (i = 0; fp[i] != '\0'; i++) {
        if (i % 3 == 2)
            g_assert_cmpint(fp[i], ==, ':');
        else
            g_assert_true(g_ascii_isxdigit(fp[i]) && !g_ascii_islower(fp[i]));
    }
    g_assert_cmpstr(fp, !=, dtls_identity_get_fingerprint(id_b));
}

static void test_handshake_and_keys(void)
{
    g_autoptr(GError) error = NULL;
    DtlsSrtpKeys ka, kb;
    Link l;

    link_init(&l, id_a, id_b);
    set_fingerprint(l.a.ep, id_b);
    set_fingerprint(l.b.ep, id_a);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_NEW);
    start_both(&l);
    g_assert_cmpuint(pump(&l, &error), >, 0);
    g_assert_no_error(error);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_CONNECTED);
    g_assert_cmpint(dtls_endpoint_get_state(l.b.ep), ==, DTLS_STATE_CONNECTED);

    get_keys(l.a.ep, &ka);
    get_keys(l.b.ep, &kb);
    /* Both phonghop ends prefer GCM. */
    g_assert_cmpint(ka.profile, ==, SRTP_PROFILE_AEAD_AES_128_GCM);
    g_assert_cmpint(kb.profile, ==, SRTP_PROFILE_AEAD_AES_128_GCM);
    g_assert_cmpuint(ka.key_len, ==, 16);
    g_assert_cmpuint(ka.salt_len, ==, 12);
    g_assert_cmpint(ka.role, ==, DTLS_ROLE_CLIENT);
    g_assert_cmpint(kb.role, ==, DTLS_ROLE_SERVER);
    /* The same four values on both sides, and four different values. */
    g_assert_cmpmem(ka.client_key, 16, kb.client_key, 16);
    g_assert_cmpmem(ka.server_key, 16, kb.server_key, 16);
    g_assert_cmpmem(ka.client_salt, 12, kb.client_salt, 12);
    g_assert_cmpmem(ka.server_salt, 12, kb.server_salt, 12);
    g_assert_true(memcmp(ka.client_key, ka.server_key, 16) != 0);
    g_assert_true(memcmp(ka.client_salt, ka.server_salt, 12) != 0);

    check_srtp_flow(&ka, &kb, 0x0a0a0a0a);
    check_srtp_flow(&kb, &ka, 0x0b0b0b0b);

    dtls_srtp_keys_clear(&ka);
    g_assert_cmpuint(ka.key_len, ==, 0);
    dtls_srtp_keys_clear(&kb);
    g_assert_cmpint(dtls_endpoint_get_timeout(l.a.ep), <, 1); /* no flight outstanding */
    link_clear(&l);
}

/* A server that accepts only AES-CM (as a browser might) gets AES-CM from our client. */
static void test_cm_fallback(void)
{
    const SrtpProfile cm_only[] = {SRTP_PROFILE_AES128_CM_SHA1_80};
    g_autoptr(GError) error = NULL;
    DtlsSrtpKeys ka, kb;
    Link l;

    link_init(&l, id_a, id_b);
    g_assert_true(dtls_endpoint_set_srtp_profiles(l.b.ep, cm_only, 1, &error));
    g_assert_no_error(error);
    set_fingerprint(l.a.ep, id_b);
    set_fingerprint(l.b.ep, id_a);
    start_both(&l);
    pump(&l, &error);
    g_assert_no_error(error);
    get_keys(l.a.ep, &ka);
    get_keys(l.b.ep, &kb);
    g_assert_cmpint(ka.profile, ==, SRTP_PROFILE_AES128_CM_SHA1_80);
    g_assert_cmpuint(ka.salt_len, ==, 14);
    check_srtp_flow(&ka, &kb, 1);
    check_srtp_flow(&kb, &ka, 2);
    /* Too late to change once started. */
    g_assert_false(dtls_endpoint_set_srtp_profiles(l.a.ep, cm_only, 1, &error));
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_STATE);
    link_clear(&l);
}

/* The server is not who its SDP says: the client refuses during the handshake. */
static void test_fingerprint_mismatch(void)
{
    g_autoptr(GError) error = NULL;
    DtlsSrtpKeys keys;
    Link l;

    link_init(&l, id_a, id_b);
    set_fingerprint(l.a.ep, id_other);
    set_fingerprint(l.b.ep, id_a);
    start_both(&l);
    pump(&l, &error);
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_FINGERPRINT);
    g_test_message("%s", error->message);
    g_clear_error(&error);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_FAILED);
    g_assert_cmpint(dtls_endpoint_get_state(l.b.ep), !=, DTLS_STATE_CONNECTED);
    g_assert_false(dtls_endpoint_get_srtp_keys(l.a.ep, &keys, &error));
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_STATE);
    link_clear(&l);
}

/* The answer's fingerprint arrives after the handshake: no keys until it does, and a wrong one
 * fails the endpoint then. */
static void test_late_fingerprint(void)
{
    g_autoptr(GError) error = NULL;
    DtlsSrtpKeys keys;
    Link l;

    link_init(&l, id_a, id_b);
    start_both(&l);
    pump(&l, &error);
    g_assert_no_error(error);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_CONNECTING);
    g_assert_cmpint(dtls_endpoint_get_state(l.b.ep), ==, DTLS_STATE_CONNECTING);
    g_assert_false(dtls_endpoint_get_srtp_keys(l.a.ep, &keys, &error));
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_STATE);
    g_clear_error(&error);

    set_fingerprint(l.a.ep, id_b);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_CONNECTED);
    get_keys(l.a.ep, &keys);

    g_assert_false(dtls_endpoint_set_remote_fingerprint(
        l.b.ep, "sha-256", dtls_identity_get_fingerprint(id_other), &error));
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_FINGERPRINT);
    g_assert_cmpint(dtls_endpoint_get_state(l.b.ep), ==, DTLS_STATE_FAILED);
    link_clear(&l);
}

/* The first ClientHello is lost: the timer retransmits it and the handshake completes. */
static void test_retransmission(void)
{
    g_autoptr(GError) error = NULL;
    gint64 timeout;
    guint sent_before;
    Link l;

    link_init(&l, id_a, id_b);
    set_fingerprint(l.a.ep, id_b);
    set_fingerprint(l.b.ep, id_a);
    l.a.out.drop = 1;
    start_both(&l);
    g_assert_cmpuint(l.a.out.sent, ==, 1);
    g_assert_cmpuint(pump(&l, &error), ==, 0);
    timeout = dtls_endpoint_get_timeout(l.a.ep);
    g_assert_cmpint(timeout, >, 0);
    g_assert_cmpint(timeout, <=, 100000); /* the 100 ms initial timer */
    /* Before it is due nothing happens. */
    g_assert_true(dtls_endpoint_handle_timeout(l.a.ep, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(l.a.out.sent, ==, 1);

    g_usleep((gulong)timeout + 10000);
    g_assert_cmpint(dtls_endpoint_get_timeout(l.a.ep), ==, 0);
    sent_before = l.a.out.sent;
    g_assert_true(dtls_endpoint_handle_timeout(l.a.ep, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(l.a.out.sent, >, sent_before);
    pump(&l, &error);
    g_assert_no_error(error);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_CONNECTED);
    g_assert_cmpint(dtls_endpoint_get_state(l.b.ep), ==, DTLS_STATE_CONNECTED);
    link_clear(&l);
}

/* Junk from the network neither crashes an endpoint nor stops a real handshake after it. */
static void test_junk_datagrams(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed(11);
    guint8 junk[300];
    Link l;
    guint i;

    link_init(&l, id_a, id_b);
    /* A client that has not started refuses input. */
    g_assert_false(dtls_endpoint_receive(l.a.ep, (const guint8 *)"\x16\xfe\xfd", 3, &error));
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_STATE);
    g_clear_error(&error);

    set_fingerprint(l.a.ep, id_b);
    set_fingerprint(l.b.ep, id_a);
    for (i = 0; i < 50; i++) {
        gsize n = (gsize)g_rand_int_range(rand, 0, sizeof(junk));
        gsize j;

        for (j = 0; j < n; j++)
            junk[j] = (guint8)g_rand_int(rand);
        if (n > 0 && i % 2 == 0)
            junk[0] = 22; /* looks like a handshake record */
        (void)dtls_endpoint_receive(l.b.ep, junk, n, NULL);
    }
    g_clear_error(&error);
    if (dtls_endpoint_get_state(l.b.ep) == DTLS_STATE_FAILED) {
        /* Acceptable for a server that was sent garbage first; make a fresh one. */
        g_clear_pointer(&l.b.ep, dtls_endpoint_free);
        g_queue_clear_full(&l.b.out.queue, (GDestroyNotify)g_bytes_unref);
        l.b.ep = dtls_endpoint_new(id_b, DTLS_ROLE_SERVER, on_send, &l.b.out, &error);
        set_fingerprint(l.b.ep, id_a);
    }
    g_queue_clear_full(&l.b.out.queue, (GDestroyNotify)g_bytes_unref);
    g_assert_true(dtls_endpoint_start(l.a.ep, &error));
    pump(&l, &error);
    g_assert_no_error(error);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_CONNECTED);

    /* And after the handshake too. */
    for (i = 0; i < 20; i++) {
        gsize n = (gsize)g_rand_int_range(rand, 1, sizeof(junk));
        gsize j;

        for (j = 0; j < n; j++)
            junk[j] = (guint8)g_rand_int(rand);
        junk[0] = (guint8)(20 + i % 4);
        junk[1] = 0xfe;
        junk[2] = 0xfd;
        (void)dtls_endpoint_receive(l.a.ep, junk, n, NULL);
    }
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), !=, DTLS_STATE_NEW);
    link_clear(&l);
}

static void test_close(void)
{
    g_autoptr(GError) error = NULL;
    Link l;

    link_init(&l, id_a, id_b);
    set_fingerprint(l.a.ep, id_b);
    set_fingerprint(l.b.ep, id_a);
    start_both(&l);
    pump(&l, &error);
    g_assert_no_error(error);
    dtls_endpoint_close(l.a.ep);
    g_assert_cmpint(dtls_endpoint_get_state(l.a.ep), ==, DTLS_STATE_CLOSED);
    pump(&l, &error);
    g_assert_no_error(error);
    g_assert_cmpint(dtls_endpoint_get_state(l.b.ep), ==, DTLS_STATE_CLOSED);
    /* Closing twice, and input after closing, are harmless. */
    dtls_endpoint_close(l.a.ep);
    g_assert_true(dtls_endpoint_receive(l.a.ep, (const guint8 *)"\x17", 1, &error));
    link_clear(&l);
}

static void test_fingerprint_syntax(void)
{
    const char *bad[] = {
        "",
        "AB",
        "AB:CD",
        "zz:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
        "00:00:00",
        "0:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
        "00:00:00",
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *lower = g_ascii_strdown(dtls_identity_get_fingerprint(id_b), -1);
    g_autofree char *longer = g_strconcat(dtls_identity_get_fingerprint(id_b), ":00", NULL);
    DtlsEndpoint *ep = dtls_endpoint_new(id_a, DTLS_ROLE_CLIENT, on_send, NULL, &error);
    guint i;

    g_assert_no_error(error);
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(dtls_endpoint_set_remote_fingerprint(ep, "sha-256", bad[i], &error));
        g_assert_error(error, DTLS_ERROR, DTLS_ERROR_FINGERPRINT);
        g_clear_error(&error);
    }
    g_assert_false(dtls_endpoint_set_remote_fingerprint(ep, "sha-256", longer, &error));
    g_clear_error(&error);
    g_assert_false(dtls_endpoint_set_remote_fingerprint(ep, "md5", lower, &error));
    g_assert_error(error, DTLS_ERROR, DTLS_ERROR_FINGERPRINT);
    g_clear_error(&error);
    /* Case does not matter; other hashes are accepted by their length. */
    g_assert_true(dtls_endpoint_set_remote_fingerprint(ep, "SHA-256", lower, &error));
    g_assert_true(dtls_endpoint_set_remote_fingerprint(
        ep, "sha-1", "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33", &error));
    g_assert_no_error(error);
    dtls_endpoint_free(ep);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int r;

    g_test_init(&argc, &argv, NULL);
    id_a = dtls_identity_new(&error);
    g_assert_no_error(error);
    id_b = dtls_identity_new(&error);
    g_assert_no_error(error);
    id_other = dtls_identity_new(&error);
    g_assert_no_error(error);

    g_test_add_func("/media/dtls/identity", test_identity);
    g_test_add_func("/media/dtls/handshake-and-keys", test_handshake_and_keys);
    g_test_add_func("/media/dtls/cm-fallback", test_cm_fallback);
    g_test_add_func("/media/dtls/fingerprint-mismatch", test_fingerprint_mismatch);
    g_test_add_func("/media/dtls/late-fingerprint", test_late_fingerprint);
    g_test_add_func("/media/dtls/retransmission", test_retransmission);
    g_test_add_func("/media/dtls/junk-datagrams", test_junk_datagrams);
    g_test_add_func("/media/dtls/close", test_close);
    g_test_add_func("/media/dtls/fingerprint-syntax", test_fingerprint_syntax);
    r = g_test_run();

    g_clear_pointer(&id_a, dtls_identity_unref);
    g_clear_pointer(&id_b, dtls_identity_unref);
    g_clear_pointer(&id_other, dtls_identity_unref);
    return r;
}
