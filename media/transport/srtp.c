/* srtp.c: the libsrtp2 wrapper.
 *
 * Design: libsrtp is initialised once per process (g_once; srtp_init() is not thread-safe) and
 * never shut down, since sessions may outlive any one caller; an initialisation done before by
 * another library in the process (GStreamer's srtp plugin) is accepted. A session holds one libsrtp
 * context with a single wildcard policy, ssrc_any_inbound or ssrc_any_outbound (RFC 3711 §8.1:
 * the SSRC separates the keystreams under one master key, so all of a peer's streams share it);
 * libsrtp derives a stream per SSRC the first time it sees one. Profiles are the two of
 * DTLS-SRTP worth offering: AES-CM-128 with HMAC-SHA1-80 (RFC 3711 §4.1.1/§4.2.1; RFC 5764
 * §4.1.2), which browsers negotiate, and AEAD_AES_128_GCM (RFC 7714 §14.2), which costs a
 * fraction of it with Debian's NSS-backed libsrtp (see TESTING.md). The replay window is 1024
 * packets instead of libsrtp's 128 (RFC 3711 §3.3.2 lets the receiver choose), so a NACK'd
 * packet retransmitted under its own sequence number is still accepted, and allow_repeat_tx lets
 * the router send such a retransmission (RFC 3711 §9.2 forbids reusing an index only with
 * different content, which the NACK cache never does).
 *
 * Outbound AEAD_AES_128_GCM RTP does not go through libsrtp: Debian's libsrtp does its AES
 * through NSS's PKCS#11 layer, which cost a fifth of the SFU's time per forwarded packet, while
 * OpenSSL's AES-GCM (AES-NI, one cipher context per session, only the IV set per packet) costs a
 * fraction of that. It is RFC 7714 done directly: the session key and salt derived from the
 * master key and salt with the AES-CM PRF (RFC 3711 §4.3.3, labels 0x00 and 0x02; the 96-bit
 * master salt padded to 112 bits with zeros, as libsrtp does), the IV the session salt XOR
 * 00 00 || SSRC || ROC || SEQ (§8.1), the whole header (CSRCs and extensions) as associated data,
 * the payload encrypted in place, the 16-byte tag appended. The rollover counter is kept per SSRC
 * (RFC 3711 Appendix A estimate, so a retransmission of an old packet gets its own ROC) in a
 * table of SRTP_GCM_MAX_SSRCS; an SSRC that finds it full goes through libsrtp, always. RTCP,
 * AES-CM and inbound packets stay with libsrtp. The unit tests check every packet against
 * libsrtp's own unprotect, across sequence number wrap-around.
 *
 * libsrtp protects in place and needs room for the tag: the trailer length is asked of libsrtp
 * once per session and checked against the caller's capacity before every call, so libsrtp never
 * writes past the buffer. Lengths are checked against INT_MAX because libsrtp takes int, and
 * buffers must be 4-byte aligned because libsrtp reads the header as 32-bit words.
 */
#include "transport/srtp.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <srtp2/srtp.h>

#define SRTP_REPLAY_WINDOW 1024
#define SRTP_GCM_MAX_SSRCS 128
#define SRTP_GCM_TAG_LEN   16
#define SRTP_GCM_SALT_LEN  12

typedef struct {
    guint32 ssrc;
    guint32 roc;
    guint16 s_l; /* the highest sequence number sent */
} SrtpGcmStream;

struct _SrtpSession {
    srtp_t ctx;
    SrtpProfile profile;
    SrtpDirection direction;
    gsize rtp_overhead;
    gsize rtcp_overhead;
    /* outbound GCM RTP through OpenSSL (NULL: libsrtp for everything) */
    EVP_CIPHER_CTX *gcm;
    guint8 gcm_salt[SRTP_GCM_SALT_LEN];
    SrtpGcmStream *gcm_streams; /* SRTP_GCM_MAX_SSRCS */
    guint n_gcm_streams;
    guint last_gcm_stream;
};

G_DEFINE_QUARK(phonghop - srtp - error - quark, srtp_error)

gsize srtp_profile_get_key_len(SrtpProfile profile)
{
    switch (profile) {
    case SRTP_PROFILE_AES128_CM_SHA1_80:
    case SRTP_PROFILE_AEAD_AES_128_GCM:
        return 16;
    }
    return 0;
}

gsize srtp_profile_get_salt_len(SrtpProfile profile)
{
    switch (profile) {
    case SRTP_PROFILE_AES128_CM_SHA1_80:
        return 14; /* RFC 3711 §8.2 */
    case SRTP_PROFILE_AEAD_AES_128_GCM:
        return 12; /* RFC 7714 §12 */
    }
    return 0;
}

const char *srtp_profile_to_string(SrtpProfile profile)
{
    switch (profile) {
    case SRTP_PROFILE_AES128_CM_SHA1_80:
        return "SRTP_AES128_CM_HMAC_SHA1_80";
    case SRTP_PROFILE_AEAD_AES_128_GCM:
        return "SRTP_AEAD_AES_128_GCM";
    }
    return NULL;
}

static gpointer library_init(gpointer data)
{
    srtp_err_status_t status = srtp_init();

    /* Another user in the process got there first (GStreamer's srtp plugin, loaded by
     * webrtcbin or rtspsrc, calls srtp_init() when it loads): libsrtp 2 then refuses to
     * register its debug module twice with bad_param, but its crypto kernel is ready. */
    if (status == srtp_err_status_bad_param)
        status = srtp_err_status_ok;
    return GINT_TO_POINTER(status);
}

static int map_status(srtp_err_status_t status)
{
    switch (status) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_auth_fail:
        return -EACCES;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return -EALREADY;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_mki:
        return -EBADMSG;
    default:
        return -EIO;
    }
}

/* RFC 3711 §4.3.1/§4.3.3: @len bytes of the session key for @label, the AES-CM PRF keyed with
 * the master key over the master salt (zero-padded to 112 bits) XOR the label at byte 7. */
static gboolean derive(const guint8 *key, const guint8 *salt, gsize salt_len, guint8 label,
                       guint8 *out, gsize len)
{
    guint8 block[16] = {0}, stream[16];
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    gboolean ok;

    memcpy(block, salt, MIN(salt_len, 14));
    block[7] ^= label;
    ok = ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
         EVP_EncryptUpdate(ctx, stream, &n, block, sizeof(block)) == 1 && n == 16;
    if (ok)
        memcpy(out, stream, len);
    EVP_CIPHER_CTX_free(ctx);
    memset(stream, 0, sizeof(stream));
    return ok;
}

static gboolean gcm_init(SrtpSession *session, const guint8 *key, const guint8 *salt,
                         gsize salt_len)
{
    guint8 session_key[16];
    gboolean ok;

    ok = derive(key, salt, salt_len, 0x00, session_key, sizeof(session_key)) &&
         derive(key, salt, salt_len, 0x02, session->gcm_salt, SRTP_GCM_SALT_LEN);
    if (ok) {
        session->gcm = EVP_CIPHER_CTX_new();
        ok = session->gcm != NULL &&
             EVP_EncryptInit_ex(session->gcm, EVP_aes_128_gcm(), NULL, session_key, NULL) == 1;
    }
    memset(session_key, 0, sizeof(session_key));
    if (!ok) {
        g_clear_pointer(&session->gcm, EVP_CIPHER_CTX_free);
        return FALSE;
    }
    session->gcm_streams = g_new0(SrtpGcmStream, SRTP_GCM_MAX_SSRCS);
    return TRUE;
}

/* The stream of @ssrc (made on first use), or NULL when the table is full. */
static SrtpGcmStream *gcm_stream(SrtpSession *session, guint32 ssrc, guint16 seq, gboolean *is_new)
{
    SrtpGcmStream *s = &session->gcm_streams[session->last_gcm_stream];
    guint i;

    *is_new = FALSE;
    if (session->n_gcm_streams > 0 && s->ssrc == ssrc)
        return s;
    for (i = 0; i < session->n_gcm_streams; i++) {
        if (session->gcm_streams[i].ssrc == ssrc) {
            session->last_gcm_stream = i;
            return &session->gcm_streams[i];
        }
    }
    if (session->n_gcm_streams >= SRTP_GCM_MAX_SSRCS)
        return NULL;
    s = &session->gcm_streams[session->n_gcm_streams];
    s->ssrc = ssrc;
    s->roc = 0;
    s->s_l = seq;
    session->last_gcm_stream = session->n_gcm_streams++;
    *is_new = TRUE;
    return s;
}

/* RFC 3711 Appendix A: the ROC of @seq given the highest sent; the highest moves on. */
static guint32 gcm_roc(SrtpGcmStream *s, guint16 seq)
{
    gint64 v = s->roc;

    if (s->s_l < 32768) {
        if ((gint)seq - (gint)s->s_l > 32768)
            v = (gint64)s->roc - 1;
    } else if ((gint)s->s_l - 32768 > (gint)seq) {
        v = (gint64)s->roc + 1;
    }
    if (v < 0)
        v = 0; /* before the stream's first packet: nothing was sent there */
    if (v > (gint64)s->roc || (v == (gint64)s->roc && seq > s->s_l)) {
        s->roc = (guint32)v;
        s->s_l = seq;
    }
    return (guint32)v;
}

/* 1: protected; 0: not for this path (libsrtp takes it); negative errno. */
static int gcm_protect_rtp(SrtpSession *session, guint8 *buf, gsize len, gsize cap, gsize *out_len)
{
    guint8 iv[SRTP_GCM_SALT_LEN] = {0};
    SrtpGcmStream *s;
    gsize header;
    guint32 ssrc, roc;
    guint16 seq;
    gboolean is_new;
    int n, i;

    if (len < 12 || (buf[0] >> 6) != 2)
        return -EBADMSG;
    header = 12 + 4 * (gsize)(buf[0] & 0x0f);
    if ((buf[0] & 0x10) != 0) {
        if (header + 4 > len)
            return -EBADMSG;
        header += 4 + 4 * (gsize)((buf[header + 2] << 8) | buf[header + 3]);
    }
    if (header > len)
        return -EBADMSG;
    if (cap - len < SRTP_GCM_TAG_LEN)
        return -ENOSPC;
    seq = (guint16)((buf[2] << 8) | buf[3]);
    ssrc = (guint32)buf[8] << 24 | (guint32)buf[9] << 16 | (guint32)buf[10] << 8 | buf[11];
    s = gcm_stream(session, ssrc, seq, &is_new);
    if (s == NULL)
        return 0;
    roc = is_new ? 0 : gcm_roc(s, seq);
    /* RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the session salt. */
    memcpy(iv + 2, buf + 8, 4);
    iv[6] = (guint8)(roc >> 24);
    iv[7] = (guint8)(roc >> 16);
    iv[8] = (guint8)(roc >> 8);
    iv[9] = (guint8)roc;
    iv[10] = buf[2];
    iv[11] = buf[3];
    for (i = 0; i < SRTP_GCM_SALT_LEN; i++)
        iv[i] ^= session->gcm_salt[i];
    if (EVP_EncryptInit_ex(session->gcm, NULL, NULL, NULL, iv) != 1 ||
        EVP_EncryptUpdate(session->gcm, NULL, &n, buf, (int)header) != 1 ||
        (len > header && EVP_EncryptUpdate(session->gcm, buf + header, &n, buf + header,
                                           (int)(len - header)) != 1) ||
        EVP_EncryptFinal_ex(session->gcm, buf + len, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(session->gcm, EVP_CTRL_GCM_GET_TAG, SRTP_GCM_TAG_LEN, buf + len) != 1)
        return -EIO;
    *out_len = len + SRTP_GCM_TAG_LEN;
    return 1;
}

SrtpSession *srtp_session_new(SrtpProfile profile, SrtpDirection direction, const guint8 *key,
                              gsize key_len, const guint8 *salt, gsize salt_len, GError **error)
{
    static GOnce init_once = G_ONCE_INIT;
    guint8 master[SRTP_PROFILE_MAX_KEY_LEN + SRTP_PROFILE_MAX_SALT_LEN];
    SrtpSession *session = NULL;
    srtp_policy_t policy;
    srtp_err_status_t status;
    guint32 trailer;

    g_return_val_if_fail(key != NULL && salt != NULL, NULL);
    g_return_val_if_fail(
        direction == SRTP_DIRECTION_INBOUND || direction == SRTP_DIRECTION_OUTBOUND, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    status = GPOINTER_TO_INT(g_once(&init_once, library_init, NULL));
    if (status != srtp_err_status_ok) {
        g_set_error(error, SRTP_ERROR, SRTP_ERROR_LIBRARY, "libsrtp failed to initialise (%d)",
                    status);
        return NULL;
    }
    if (srtp_profile_get_key_len(profile) == 0) {
        g_set_error(error, SRTP_ERROR, SRTP_ERROR_KEY, "unknown SRTP profile 0x%04x", profile);
        return NULL;
    }
    if (key_len != srtp_profile_get_key_len(profile) ||
        salt_len != srtp_profile_get_salt_len(profile)) {
        g_set_error(error, SRTP_ERROR, SRTP_ERROR_KEY,
                    "%s needs a %zu-byte key and a %zu-byte salt, got %zu and %zu",
                    srtp_profile_to_string(profile), srtp_profile_get_key_len(profile),
                    srtp_profile_get_salt_len(profile), key_len, salt_len);
        return NULL;
    }

    memset(&policy, 0, sizeof(policy));
    if (profile == SRTP_PROFILE_AES128_CM_SHA1_80) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    }
    policy.ssrc.type = direction == SRTP_DIRECTION_INBOUND ? ssrc_any_inbound : ssrc_any_outbound;
    /* libsrtp wants the master key followed by the master salt. */
    memcpy(master, key, key_len);
    memcpy(master + key_len, salt, salt_len);
    policy.key = master;
    policy.window_size = SRTP_REPLAY_WINDOW;
    policy.allow_repeat_tx = 1;
    policy.next = NULL;

    session = g_new0(SrtpSession, 1);
    session->profile = profile;
    session->direction = direction;
    status = srtp_create(&session->ctx, &policy);
    /* libsrtp has copied what it needs; the stack copy is wiped at once. */
    memset(master, 0, sizeof(master));
    if (status != srtp_err_status_ok) {
        g_set_error(error, SRTP_ERROR, SRTP_ERROR_LIBRARY, "libsrtp refused the %s session (%d)",
                    srtp_profile_to_string(profile), status);
        session->ctx = NULL;
        goto fail;
    }

    if (profile == SRTP_PROFILE_AEAD_AES_128_GCM && direction == SRTP_DIRECTION_OUTBOUND &&
        !gcm_init(session, key, salt, salt_len))
        g_warning("OpenSSL AES-GCM unavailable: SRTP through libsrtp only");
    if (srtp_get_protect_trailer_length(session->ctx, 0, 0, &trailer) != srtp_err_status_ok)
        trailer = SRTP_SESSION_MAX_OVERHEAD;
    session->rtp_overhead = (gsize)trailer;
    if (srtp_get_protect_rtcp_trailer_length(session->ctx, 0, 0, &trailer) != srtp_err_status_ok)
        trailer = SRTP_SESSION_MAX_OVERHEAD;
    session->rtcp_overhead = (gsize)trailer;
    return session;

fail:
    srtp_session_free(session);
    return NULL;
}

void srtp_session_free(SrtpSession *session)
{
    if (session == NULL)
        return;
    /* srtp_dealloc() zeroes the session keys before freeing them. */
    if (session->ctx != NULL)
        srtp_dealloc(session->ctx);
    g_clear_pointer(&session->gcm, EVP_CIPHER_CTX_free); /* wipes the key schedule */
    memset(session->gcm_salt, 0, sizeof(session->gcm_salt));
    g_free(session->gcm_streams);
    g_free(session);
}

void srtp_session_use_libsrtp_only(SrtpSession *session)
{
    g_return_if_fail(session != NULL);
    g_return_if_fail(session->gcm == NULL || session->n_gcm_streams == 0);
    g_clear_pointer(&session->gcm, EVP_CIPHER_CTX_free);
}

SrtpProfile srtp_session_get_profile(const SrtpSession *session)
{
    g_return_val_if_fail(session != NULL, 0);
    return session->profile;
}

gsize srtp_session_get_overhead(const SrtpSession *session, gboolean rtcp)
{
    g_return_val_if_fail(session != NULL, SRTP_SESSION_MAX_OVERHEAD);
    return rtcp ? session->rtcp_overhead : session->rtp_overhead;
}

static int protect(SrtpSession *session, gboolean rtcp, guint8 *buf, gsize len, gsize cap,
                   gsize *out_len)
{
    srtp_err_status_t status;
    int n;

    g_return_val_if_fail(session != NULL && buf != NULL && out_len != NULL, -EINVAL);
    g_return_val_if_fail(((guintptr)buf & 3) == 0, -EINVAL);
    g_return_val_if_fail(session->direction == SRTP_DIRECTION_OUTBOUND, -EINVAL);
    g_return_val_if_fail(len <= cap, -EINVAL);

    if (cap > G_MAXINT)
        cap = G_MAXINT;
    if (len > cap || cap - len < srtp_session_get_overhead(session, rtcp))
        return -ENOSPC;
    if (!rtcp && session->gcm != NULL) {
        int r = gcm_protect_rtp(session, buf, len, cap, out_len);

        if (r != 0)
            return r < 0 ? r : 0;
    }
    n = (int)len;
    status = rtcp ? srtp_protect_rtcp(session->ctx, buf, &n) : srtp_protect(session->ctx, buf, &n);
    if (status != srtp_err_status_ok)
        return map_status(status);
    *out_len = (gsize)n;
    return 0;
}

static int unprotect(SrtpSession *session, gboolean rtcp, guint8 *buf, gsize len, gsize *out_len)
{
    srtp_err_status_t status;
    int n;

    g_return_val_if_fail(session != NULL && buf != NULL && out_len != NULL, -EINVAL);
    g_return_val_if_fail(((guintptr)buf & 3) == 0, -EINVAL);
    g_return_val_if_fail(session->direction == SRTP_DIRECTION_INBOUND, -EINVAL);

    if (len > G_MAXINT)
        return -EBADMSG;
    n = (int)len;
    status =
        rtcp ? srtp_unprotect_rtcp(session->ctx, buf, &n) : srtp_unprotect(session->ctx, buf, &n);
    if (status != srtp_err_status_ok)
        return map_status(status);
    *out_len = (gsize)n;
    return 0;
}

int srtp_session_protect_rtp(SrtpSession *session, guint8 *buf, gsize len, gsize cap,
                             gsize *out_len)
{
    return protect(session, FALSE, buf, len, cap, out_len);
}

int srtp_session_protect_rtcp(SrtpSession *session, guint8 *buf, gsize len, gsize cap,
                              gsize *out_len)
{
    return protect(session, TRUE, buf, len, cap, out_len);
}

int srtp_session_unprotect_rtp(SrtpSession *session, guint8 *buf, gsize len, gsize *out_len)
{
    return unprotect(session, FALSE, buf, len, out_len);
}

int srtp_session_unprotect_rtcp(SrtpSession *session, guint8 *buf, gsize len, gsize *out_len)
{
    return unprotect(session, TRUE, buf, len, out_len);
}
