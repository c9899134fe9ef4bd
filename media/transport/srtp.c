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
 * libsrtp protects in place and needs room for the tag: the trailer length is asked of libsrtp
 * once per session and checked against the caller's capacity before every call, so libsrtp never
 * writes past the buffer. Lengths are checked against INT_MAX because libsrtp takes int, and
 * buffers must be 4-byte aligned because libsrtp reads the header as 32-bit words.
 */
#include "transport/srtp.h"

#include <errno.h>
#include <string.h>

#include <srtp2/srtp.h>

#define SRTP_REPLAY_WINDOW 1024

struct _SrtpSession {
    srtp_t ctx;
    SrtpProfile profile;
    SrtpDirection direction;
    gsize rtp_overhead;
    gsize rtcp_overhead;
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
    g_free(session);
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
