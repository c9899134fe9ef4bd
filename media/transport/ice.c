/* ice.c: the ICE agent of one peer (libnice), and the network settings it is built from.
 *
 * Design: phonghop runs full ICE (RFC 8445), not ICE-lite: it answers browsers as the controlled
 * agent (the offerer controls, §6.1.1) and offers to subscribers as the controlling one, sends
 * its own connectivity checks, and so works when it is the side behind a NAT or firewall too.
 * libnice does the checks; this file decides what it is given. Every media section of a peer
 * shares one transport (BUNDLE, RFC 8843 §4) with RTCP multiplexed onto RTP (RFC 5761 §4,
 * RFC 8858), so the agent has one stream with one component, and remote candidates for
 * component 2 are skipped. Only host candidates are gathered, on the configured addresses
 * (nice_agent_add_local_address), because libnice skips loopback interfaces on its own and a
 * server should not announce every interface it has; with no address configured libnice
 * gathers on all non-loopback ones. Behind a 1:1 NAT the configured public IPv4 address is
 * announced beside each private IPv4 host candidate as a server-reflexive candidate with the
 * same port (RFC 8445 §5.1.1.2 describes exactly that address); incoming checks from the
 * Internet then arrive on the host socket and libnice pairs them as peer-reflexive. UPnP and
 * ICE-TCP are off; TURN servers are described to clients but never used by the server itself.
 *
 * Remote candidates trickle (RFC 8838): the agent runs with libnice's trickle option, so candidates
 * may arrive after the checks have begun. (libnice 0.1.21 records end-of-candidates but does not
 * act on it: a component fails once its checks have been idle, every pair tried, for "idle-timeout"
 * with none nominated, set below to the connect timeout.) Consent freshness (RFC 7675) is
 * libnice's option too: it sends a consent check on the selected pair every 4-6 s and moves the
 * component to FAILED once no response has come for 10 s (libnice's fixed timeout, shorter than
 * §5.1's 30 s); the peer layer also has its own, configurable timeout on received traffic.
 *
 * Everything, agent timers and socket reads included, runs on the worker's GMainContext given at
 * creation; nothing here touches the global context.
 */
#include "transport/ice.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <nice/agent.h>

#define ICE_MAX_CANDIDATE_LINE 1024
#define ICE_MAX_URL_LEN        512
#define ICE_MAX_CRED_LEN       512
/* libnice's "idle-timeout": its default, and the most it accepts */
#define ICE_NICE_IDLE_TIMEOUT_MIN_MS 5000
#define ICE_NICE_IDLE_TIMEOUT_MAX_MS 60000

G_DEFINE_QUARK(phonghop - media - ice - error - quark, media_ice_error)

/* ---- configuration ---- */

static void turn_server_clear(gpointer data)
{
    IceTurnServer *s = data;

    g_free(s->url);
    g_free(s->username);
    g_free(s->credential);
}

MediaIceConfig *media_ice_config_new(void)
{
    MediaIceConfig *config = g_new0(MediaIceConfig, 1);

    g_atomic_ref_count_init(&config->ref);
    config->addresses = g_ptr_array_new_with_free_func(g_free);
    config->turn_servers = g_array_new(FALSE, TRUE, sizeof(IceTurnServer));
    g_array_set_clear_func(config->turn_servers, turn_server_clear);
    config->connect_timeout_ms = ICE_DEFAULT_CONNECT_TIMEOUT_MS;
    config->dead_timeout_ms = ICE_DEFAULT_DEAD_TIMEOUT_MS;
    return config;
}

MediaIceConfig *media_ice_config_ref(MediaIceConfig *config)
{
    g_return_val_if_fail(config != NULL, NULL);
    g_atomic_ref_count_inc(&config->ref);
    return config;
}

void media_ice_config_unref(MediaIceConfig *config)
{
    if (config == NULL || !g_atomic_ref_count_dec(&config->ref))
        return;
    g_clear_pointer(&config->addresses, g_ptr_array_unref);
    g_clear_pointer(&config->public_ipv4, g_free);
    g_clear_pointer(&config->turn_servers, g_array_unref);
    if (config->turn_secret != NULL)
        memset(config->turn_secret, 0, strlen(config->turn_secret));
    g_clear_pointer(&config->turn_secret, g_free);
    g_free(config);
}

static gboolean is_interface_name(const char *s)
{
    gsize n = strlen(s), i;

    if (n == 0 || n >= IFNAMSIZ)
        return FALSE;
    for (i = 0; i < n; i++) {
        if (!g_ascii_isalnum(s[i]) && strchr("._-@:", s[i]) == NULL)
            return FALSE;
    }
    return TRUE;
}

gboolean media_ice_config_add_address(MediaIceConfig *config, const char *address, GError **error)
{
    NiceAddress addr;

    g_return_val_if_fail(config != NULL && address != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (config->addresses->len >= ICE_MAX_ADDRESSES) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "too many media addresses: at most %d", ICE_MAX_ADDRESSES);
        return FALSE;
    }
    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, address) && !is_interface_name(address)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "media address \"%s\" is neither an IP address nor an interface name", address);
        return FALSE;
    }
    g_ptr_array_add(config->addresses, g_strdup(address));
    return TRUE;
}

gboolean media_ice_config_set_public_ipv4(MediaIceConfig *config, const char *address,
                                          GError **error)
{
    NiceAddress addr;
    char text[NICE_ADDRESS_STRING_LEN];

    g_return_val_if_fail(config != NULL && address != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, address) || nice_address_ip_version(&addr) != 4) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "public media address \"%s\" is not an IPv4 address", address);
        return FALSE;
    }
    nice_address_to_string(&addr, text);
    if (g_str_has_prefix(text, "127.") || g_str_equal(text, "0.0.0.0")) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "public media address %s cannot be reached from outside", text);
        return FALSE;
    }
    g_free(config->public_ipv4);
    config->public_ipv4 = g_strdup(text);
    return TRUE;
}

gboolean media_ice_config_set_port_range(MediaIceConfig *config, guint min, guint max,
                                         GError **error)
{
    g_return_val_if_fail(config != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!(min == 0 && max == 0) && (min < 1 || max > 65535 || min > max)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "media port range %u-%u is not valid: ports are 1-65535, low to high", min,
                    max);
        return FALSE;
    }
    config->port_min = (guint16)min;
    config->port_max = (guint16)max;
    return TRUE;
}

gboolean media_ice_config_set_timeouts(MediaIceConfig *config, guint connect_ms, guint dead_ms,
                                       GError **error)
{
    g_return_val_if_fail(config != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (connect_ms < 100 || dead_ms < 100) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "media timeouts must be at least 100 ms (connect %u ms, dead peer %u ms)",
                    connect_ms, dead_ms);
        return FALSE;
    }
    config->connect_timeout_ms = connect_ms;
    config->dead_timeout_ms = dead_ms;
    return TRUE;
}

/* "turn:host[:port][?transport=udp|tcp]" or "turns:..." (RFC 7065 §3.1), host a name, an IPv4
 * address or a bracketed IPv6 address. */
static gboolean is_valid_turn_url(const char *url)
{
    const char *p, *q;
    gsize i;

    if (strlen(url) > ICE_MAX_URL_LEN)
        return FALSE;
    if (g_str_has_prefix(url, "turn:"))
        p = url + 5;
    else if (g_str_has_prefix(url, "turns:"))
        p = url + 6;
    else
        return FALSE;
    q = strchr(p, '?');
    if (q != NULL && !g_str_equal(q, "?transport=udp") && !g_str_equal(q, "?transport=tcp"))
        return FALSE;
    if (q == NULL)
        q = p + strlen(p);
    if (q == p)
        return FALSE;
    for (i = 0; p + i < q; i++) {
        if (!g_ascii_isalnum(p[i]) && strchr(".-:[]", p[i]) == NULL)
            return FALSE;
    }
    return TRUE;
}

static gboolean is_printable(const char *s)
{
    for (; *s; s++) {
        if ((guchar)*s < 0x20 || *s == 0x7f)
            return FALSE;
    }
    return TRUE;
}

gboolean media_ice_config_add_turn_server(MediaIceConfig *config, const char *url,
                                          const char *username, const char *credential,
                                          GError **error)
{
    IceTurnServer s = {0};

    g_return_val_if_fail(config != NULL && url != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (config->turn_servers->len >= ICE_MAX_TURN_SERVERS) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "too many TURN servers: at most %d", ICE_MAX_TURN_SERVERS);
        return FALSE;
    }
    if (!is_valid_turn_url(url)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "TURN server \"%.64s\" is not a turn: or turns: URL "
                    "(turn:host:port?transport=udp)",
                    url);
        return FALSE;
    }
    if ((username == NULL) != (credential == NULL) ||
        (username != NULL &&
         (strlen(username) > ICE_MAX_CRED_LEN || !is_printable(username) ||
          strlen(credential) > ICE_MAX_CRED_LEN || !is_printable(credential)))) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "TURN server %s: give both a username and a credential (printable, at most "
                    "%d bytes), or neither and a shared secret",
                    url, ICE_MAX_CRED_LEN);
        return FALSE;
    }
    s.url = g_strdup(url);
    s.username = g_strdup(username);
    s.credential = g_strdup(credential);
    g_array_append_val(config->turn_servers, s);
    return TRUE;
}

gboolean media_ice_config_set_turn_secret(MediaIceConfig *config, const char *secret,
                                          guint ttl_seconds, GError **error)
{
    g_return_val_if_fail(config != NULL && secret != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (*secret == '\0' || ttl_seconds == 0 || ttl_seconds > 7 * 24 * 3600) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "TURN secret must not be empty and its credentials must live 1 s to 7 days");
        return FALSE;
    }
    g_free(config->turn_secret);
    config->turn_secret = g_strdup(secret);
    config->turn_ttl_s = ttl_seconds;
    return TRUE;
}

static void json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s; s++) {
        guchar c = (guchar)*s;

        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20)
            g_string_append_printf(out, "\\u%04x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

char *media_ice_config_dup_ice_servers_json(const MediaIceConfig *config, const char *user,
                                            gint64 now_unix)
{
    GString *out;
    g_autofree char *rest_username = NULL;
    g_autofree char *rest_credential = NULL;
    gboolean first = TRUE;
    guint i;

    g_return_val_if_fail(config != NULL, NULL);

    /* draft-uberti-behave-turn-rest-00 §2.2, as coturn's use-auth-secret reads it. */
    if (config->turn_secret != NULL) {
        g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)config->turn_secret,
                                           strlen(config->turn_secret));
        guint8 digest[20];
        gsize digest_len = sizeof(digest);

        rest_username =
            g_strdup_printf("%" G_GINT64_FORMAT ":%s", now_unix + (gint64)config->turn_ttl_s,
                            user != NULL ? user : "phonghop");
        g_hmac_update(hmac, (const guchar *)rest_username, -1);
        g_hmac_get_digest(hmac, digest, &digest_len);
        rest_credential = g_base64_encode(digest, digest_len);
    }

    out = g_string_new("[");
    for (i = 0; i < config->turn_servers->len; i++) {
        const IceTurnServer *s = &g_array_index(config->turn_servers, IceTurnServer, i);
        const char *username = s->username != NULL ? s->username : rest_username;
        const char *credential = s->credential != NULL ? s->credential : rest_credential;

        if (username == NULL) {
            g_warning("TURN server %s has no credentials and no shared secret is set: not "
                      "offered to clients",
                      s->url);
            continue;
        }
        g_string_append(out, first ? "{\"urls\":[" : ",{\"urls\":[");
        json_append_string(out, s->url);
        g_string_append(out, "],\"username\":");
        json_append_string(out, username);
        g_string_append(out, ",\"credential\":");
        json_append_string(out, credential);
        g_string_append_c(out, '}');
        first = FALSE;
    }
    g_string_append_c(out, ']');
    return g_string_free(out, FALSE);
}

/* ---- transport ---- */

struct _IceTransport {
    GMainContext *context;
    MediaIceConfig *config;
    char *name;
    NiceAgent *agent;
    guint stream_id;
    IceRecvFunc recv;
    IceStateFunc state_changed;
    gpointer user_data;
    IceState state;
    char *ufrag;
    char *pwd;
    GPtrArray *candidates;       /* char *, NULL-terminated */
    gboolean restarting;         /* from ice_transport_restart() to the new selected pair */
    gboolean restart_remote_set; /* the peer's new credentials are in */
    /* The selected pair, for sending without libnice (see ice_transport_send()): the local
     * host socket and the remote address; NULL when the pair is not a plain UDP one. */
    GSocket *send_socket;
    struct sockaddr_storage send_addr;
    socklen_t send_addr_len;
};

/* RFC 8839 §5.4 / RFC 8445: ice-char = ALPHA / DIGIT / "+" / "/". */
static gboolean is_ice_chars(const char *s, gsize min, gsize max)
{
    gsize n = 0;

    for (; s[n] != '\0'; n++) {
        if (n >= max || !(g_ascii_isalnum(s[n]) || s[n] == '+' || s[n] == '/'))
            return FALSE;
    }
    return n >= min;
}

gboolean ice_is_valid_ufrag(const char *ufrag)
{
    return ufrag != NULL && is_ice_chars(ufrag, 4, 256);
}

gboolean ice_is_valid_pwd(const char *pwd)
{
    return pwd != NULL && is_ice_chars(pwd, 22, 256);
}

static IceState state_from_nice(guint state)
{
    switch (state) {
    case NICE_COMPONENT_STATE_CONNECTING:
        return ICE_STATE_CHECKING;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
        return ICE_STATE_CONNECTED;
    case NICE_COMPONENT_STATE_FAILED:
        return ICE_STATE_FAILED;
    default:
        return ICE_STATE_NEW;
    }
}

static const char *state_name(IceState state)
{
    switch (state) {
    case ICE_STATE_NEW:
        return "new";
    case ICE_STATE_CHECKING:
        return "checking";
    case ICE_STATE_CONNECTED:
        return "connected";
    case ICE_STATE_FAILED:
        return "failed";
    }
    return "?";
}

static void wipe_pwd(IceTransport *t)
{
    if (t->pwd != NULL)
        memset(t->pwd, 0, strlen(t->pwd));
    g_clear_pointer(&t->pwd, g_free);
}

static void clear_send_path(IceTransport *t)
{
    g_clear_object(&t->send_socket);
    t->send_addr_len = 0;
}

/* Media socket buffers: a key frame arrives as a burst of datagrams, and a worker busy sending
 * one publisher's packet to every subscriber does not read the next at once; the defaults
 * (about 200 KB) overflowed under load. SO_RCVBUFFORCE passes net.core.rmem_max when the
 * process may (CAP_NET_ADMIN), otherwise the kernel caps SO_RCVBUF there. */
#define ICE_SOCKET_BUFFER (2 * 1024 * 1024)

static void set_socket_buffers(int fd)
{
    int size = ICE_SOCKET_BUFFER;

    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* Caches the selected pair for ice_transport_send(): only a UDP pair whose local side is one of
 * our host sockets (host, or peer-reflexive on a host socket) is sent on directly; anything else
 * (none today: the server gathers host candidates only) goes through libnice. */
static void update_send_path(IceTransport *t)
{
    NiceCandidate *local = NULL, *remote = NULL;
    GSocket *socket;
    socklen_t len;

    clear_send_path(t);
    if (!nice_agent_get_selected_pair(t->agent, t->stream_id, 1, &local, &remote) ||
        local == NULL || remote == NULL || local->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
        local->type == NICE_CANDIDATE_TYPE_RELAYED)
        return;
    socket = nice_agent_get_selected_socket(t->agent, t->stream_id, 1);
    if (socket == NULL)
        return;
    memset(&t->send_addr, 0, sizeof(t->send_addr));
    nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&t->send_addr);
    if (t->send_addr.ss_family == AF_INET)
        len = sizeof(struct sockaddr_in);
    else if (t->send_addr.ss_family == AF_INET6)
        len = sizeof(struct sockaddr_in6);
    else
        len = 0;
    if (len == 0 || (int)g_socket_get_family(socket) != t->send_addr.ss_family) {
        g_object_unref(socket);
        return;
    }
    set_socket_buffers(g_socket_get_fd(socket));
    t->send_socket = socket;
    t->send_addr_len = len;
}

static void on_component_state_changed(NiceAgent *agent, guint stream_id, guint component_id,
                                       guint nice_state, gpointer user_data)
{
    IceTransport *t = user_data;
    IceState state = state_from_nice(nice_state);

    if (stream_id != t->stream_id || component_id != 1)
        return;
    g_debug("%s: ICE %s (libnice %s)", t->name, state_name(state),
            nice_component_state_to_string(nice_state));
    /* libnice reports CONNECTED then READY, and GATHERING/CONNECTING again on restarts. */
    if (state == ICE_STATE_FAILED)
        t->restarting = FALSE;
    if (state == ICE_STATE_CONNECTED)
        update_send_path(t);
    else if (state == ICE_STATE_CHECKING || state == ICE_STATE_FAILED)
        clear_send_path(t);
    if (state == t->state || (state == ICE_STATE_NEW && t->state != ICE_STATE_FAILED))
        return;
    t->state = state;
    if (t->state_changed != NULL)
        t->state_changed(state, t->user_data);
}

/* After a restart libnice keeps the old selected pair working (RFC 8445 §9.1: media goes on
 * while the new checks run) and its component may never leave CONNECTED/READY, so the end of
 * a restart is the new selected pair, not a state change. It is told as CONNECTED again. */
static void on_new_selected_pair(NiceAgent *agent, guint stream_id, guint component_id,
                                 NiceCandidate *local, NiceCandidate *remote, gpointer user_data)
{
    IceTransport *t = user_data;

    if (stream_id != t->stream_id || component_id != 1)
        return;
    if (t->state == ICE_STATE_CONNECTED)
        update_send_path(t);
    if (!t->restarting || !t->restart_remote_set)
        return;
    t->restarting = FALSE;
    g_debug("%s: ICE restart done: new pair selected", t->name);
    t->state = ICE_STATE_CONNECTED;
    update_send_path(t);
    if (t->state_changed != NULL)
        t->state_changed(ICE_STATE_CONNECTED, t->user_data);
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                    gpointer user_data)
{
    IceTransport *t = user_data;

    t->recv((const guint8 *)buf, len, t->user_data);
}

/* Adds the addresses of one configured entry: an IP literal, or every address of an interface
 * (IPv6 link-local ones excepted: they need a scope that SDP cannot carry). */
static guint add_configured_address(IceTransport *t, const char *entry, struct ifaddrs *ifs)
{
    NiceAddress addr;
    struct ifaddrs *ifa;
    guint n = 0;

    nice_address_init(&addr);
    if (nice_address_set_from_string(&addr, entry)) {
        nice_agent_add_local_address(t->agent, &addr);
        return 1;
    }
    for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr == NULL || !g_str_equal(ifa->ifa_name, entry))
            continue;
        if (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6)
            continue;
        if (ifa->ifa_addr->sa_family == AF_INET6 &&
            IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr))
            continue;
        nice_address_set_from_sockaddr(&addr, ifa->ifa_addr);
        nice_address_set_port(&addr, 0);
        nice_agent_add_local_address(t->agent, &addr);
        n++;
    }
    return n;
}

static gboolean add_configured_addresses(IceTransport *t, GError **error)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    struct ifaddrs *ifs = NULL;
    guint i, total = 0;

    if (t->config->addresses->len == 0)
        return TRUE; /* libnice's own discovery: every non-loopback interface */
    if (getifaddrs(&ifs) != 0)
        ifs = NULL;
    for (i = 0; i < t->config->addresses->len; i++) {
        const char *entry = g_ptr_array_index(t->config->addresses, i);
        guint n = add_configured_address(t, entry, ifs);

        if (n == 0)
            g_ptr_array_add(missing, (gpointer)entry);
        total += n;
    }
    if (ifs != NULL)
        freeifaddrs(ifs);
    /* Some missing: the others still work, say so; all missing: the error says it. */
    for (i = 0; total > 0 && i < missing->len; i++)
        g_warning("%s: media interface %s has no usable address now", t->name,
                  (const char *)g_ptr_array_index(missing, i));
    if (total == 0) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_ADDRESS,
                    "no media address available: none of the %u configured addresses or "
                    "interfaces has an address now",
                    t->config->addresses->len);
        return FALSE;
    }
    return TRUE;
}

static char *candidate_line(const NiceCandidate *c)
{
    char addr[NICE_ADDRESS_STRING_LEN];

    nice_address_to_string(&c->addr, addr);
    return g_strdup_printf("candidate:%s 1 udp %u %s %u typ host", c->foundation, c->priority, addr,
                           nice_address_get_port(&c->addr));
}

/* The same socket behind a 1:1 NAT, as a server-reflexive candidate (RFC 8445 §5.1.2.1: type
 * preference 100, the host candidate's local preference, component 1). */
static char *nat_candidate_line(const NiceCandidate *c, const char *public_ipv4)
{
    char addr[NICE_ADDRESS_STRING_LEN];
    guint32 priority = (100u << 24) | (c->priority & 0x00FFFF00u) | (256u - 1u);
    guint port = nice_address_get_port(&c->addr);

    nice_address_to_string(&c->addr, addr);
    return g_strdup_printf("candidate:%.30snat 1 udp %u %s %u typ srflx raddr %s rport %u",
                           c->foundation, priority, public_ipv4, port, addr, port);
}

static gboolean collect_local_candidates(IceTransport *t, GError **error)
{
    GSList *cands = nice_agent_get_local_candidates(t->agent, t->stream_id, 1), *l;
    GPtrArray *nat = g_ptr_array_new();
    guint i;

    g_clear_pointer(&t->candidates, g_ptr_array_unref);
    t->candidates = g_ptr_array_new_with_free_func(g_free);
    for (l = cands; l != NULL; l = l->next) {
        const NiceCandidate *c = l->data;
        char addr[NICE_ADDRESS_STRING_LEN];

        if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP || c->type != NICE_CANDIDATE_TYPE_HOST)
            continue;
        g_ptr_array_add(t->candidates, candidate_line(c));
        nice_address_to_string(&c->addr, addr);
        if (t->config->public_ipv4 != NULL && nice_address_ip_version(&c->addr) == 4 &&
            !g_str_has_prefix(addr, "127.") && !g_str_equal(addr, t->config->public_ipv4))
            g_ptr_array_add(nat, nat_candidate_line(c, t->config->public_ipv4));
    }
    g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
    /* Host candidates first, then their public twins (lower priority, as libnice would order). */
    for (i = 0; i < nat->len; i++)
        g_ptr_array_add(t->candidates, g_ptr_array_index(nat, i));
    g_ptr_array_free(nat, TRUE);
    if (t->candidates->len == 0) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_ADDRESS,
                    "no media address available: no host candidate could be gathered%s",
                    t->config->port_min != 0 ? " (is the media port range exhausted?)" : "");
        return FALSE;
    }
    g_ptr_array_add(t->candidates, NULL);
    return TRUE;
}

IceTransport *ice_transport_new(GMainContext *context, MediaIceConfig *config, gboolean controlling,
                                const char *name, IceRecvFunc recv, IceStateFunc state_changed,
                                gpointer user_data, GError **error)
{
    g_autoptr(IceTransport) t = NULL;

    g_return_val_if_fail(context != NULL && config != NULL && recv != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    t = g_new0(IceTransport, 1);
    t->context = g_main_context_ref(context);
    t->config = media_ice_config_ref(config);
    t->name = g_strdup(name != NULL ? name : "peer");
    t->recv = recv;
    t->state_changed = state_changed;
    t->user_data = user_data;
    t->state = ICE_STATE_NEW;

    t->agent =
        nice_agent_new_full(context, NICE_COMPATIBILITY_RFC5245,
                            NICE_AGENT_OPTION_CONSENT_FRESHNESS | NICE_AGENT_OPTION_ICE_TRICKLE);
    g_object_set(t->agent, "controlling-mode", controlling, "upnp", FALSE, "ice-tcp", FALSE,
                 "ice-udp", TRUE, NULL);
    /* libnice calls a component FAILED once its checks have been idle for "idle-timeout" (5 s
     * by default) with no pair nominated, and on the controlled side a pair that succeeded and
     * waits for the browser's USE-CANDIDATE counts as idle: a browser on a busy machine that
     * nominated later than that lost an ICE restart that had worked. How long a connection may
     * take is the connect timeout's business (the peer's own timer), so libnice waits as long. */
    g_object_set(t->agent, "idle-timeout",
                 CLAMP(config->connect_timeout_ms, ICE_NICE_IDLE_TIMEOUT_MIN_MS,
                       ICE_NICE_IDLE_TIMEOUT_MAX_MS),
                 NULL);
    if (!add_configured_addresses(t, error))
        return NULL;
    t->stream_id = nice_agent_add_stream(t->agent, 1);
    if (t->stream_id == 0) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_ADDRESS,
                    "libnice could not add a stream");
        return NULL;
    }
    if (config->port_min != 0)
        nice_agent_set_port_range(t->agent, t->stream_id, 1, config->port_min, config->port_max);
    g_signal_connect(t->agent, "component-state-changed", G_CALLBACK(on_component_state_changed),
                     t);
    g_signal_connect(t->agent, "new-selected-pair-full", G_CALLBACK(on_new_selected_pair), t);
    nice_agent_attach_recv(t->agent, t->stream_id, 1, context, on_recv, t);
    if (!nice_agent_gather_candidates(t->agent, t->stream_id)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_ADDRESS,
                    "no media address available: libnice could not bind a UDP port%s",
                    config->port_min != 0 ? " in the media port range" : "");
        return NULL;
    }
    if (!nice_agent_get_local_credentials(t->agent, t->stream_id, &t->ufrag, &t->pwd)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                    "libnice has no local ICE credentials");
        return NULL;
    }
    if (!collect_local_candidates(t, error))
        return NULL;
    g_debug("%s: ICE agent with %u host candidate lines, %s", t->name, t->candidates->len - 1,
            controlling ? "controlling" : "controlled");
    return g_steal_pointer(&t);
}

void ice_transport_free(IceTransport *t)
{
    if (t == NULL)
        return;
    clear_send_path(t);
    if (t->agent != NULL) {
        g_signal_handlers_disconnect_by_data(t->agent, t);
        if (t->stream_id != 0) {
            nice_agent_attach_recv(t->agent, t->stream_id, 1, t->context, NULL, NULL);
            nice_agent_remove_stream(t->agent, t->stream_id);
        }
        g_clear_object(&t->agent);
    }
    wipe_pwd(t);
    g_clear_pointer(&t->ufrag, g_free);
    g_clear_pointer(&t->candidates, g_ptr_array_unref);
    g_clear_pointer(&t->name, g_free);
    g_clear_pointer(&t->config, media_ice_config_unref);
    g_clear_pointer(&t->context, g_main_context_unref);
    g_free(t);
}

void ice_transport_set_controlling(IceTransport *t, gboolean controlling)
{
    g_return_if_fail(t != NULL);
    g_object_set(t->agent, "controlling-mode", controlling, NULL);
}

gboolean ice_transport_get_controlling(IceTransport *t)
{
    gboolean controlling = FALSE;

    g_return_val_if_fail(t != NULL, FALSE);
    g_object_get(t->agent, "controlling-mode", &controlling, NULL);
    return controlling;
}

IceState ice_transport_get_state(IceTransport *t)
{
    g_return_val_if_fail(t != NULL, ICE_STATE_FAILED);
    return t->state;
}

const char *ice_transport_get_local_ufrag(IceTransport *t)
{
    g_return_val_if_fail(t != NULL, NULL);
    return t->ufrag;
}

const char *ice_transport_get_local_pwd(IceTransport *t)
{
    g_return_val_if_fail(t != NULL, NULL);
    return t->pwd;
}

const char *const *ice_transport_get_local_candidates(IceTransport *t)
{
    g_return_val_if_fail(t != NULL, NULL);
    return (const char *const *)t->candidates->pdata;
}

gboolean ice_transport_set_remote_credentials(IceTransport *t, const char *ufrag, const char *pwd,
                                              GError **error)
{
    g_return_val_if_fail(t != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!ice_is_valid_ufrag(ufrag) || !ice_is_valid_pwd(pwd)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CONFIG,
                    "ICE credentials not valid: ice-ufrag is 4-256 and ice-pwd 22-256 of "
                    "letters, digits, + and /");
        return FALSE;
    }
    if (!nice_agent_set_remote_credentials(t->agent, t->stream_id, ufrag, pwd)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                    "libnice refused the remote ICE credentials");
        return FALSE;
    }
    if (t->restarting)
        t->restart_remote_set = TRUE;
    return TRUE;
}

gboolean ice_transport_restart(IceTransport *t, GError **error)
{
    g_autofree char *ufrag = NULL;
    g_autofree char *pwd = NULL;

    g_return_val_if_fail(t != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    /* RFC 8445 §9: new credentials, the check lists and remote candidates start afresh;
     * libnice keeps the selected pair's remote candidate so traffic goes on meanwhile. */
    if (!nice_agent_restart_stream(t->agent, t->stream_id)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE, "libnice could not restart ICE");
        return FALSE;
    }
    if (!nice_agent_get_local_credentials(t->agent, t->stream_id, &ufrag, &pwd)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                    "libnice has no local ICE credentials after the restart");
        return FALSE;
    }
    g_free(t->ufrag);
    t->ufrag = g_steal_pointer(&ufrag);
    wipe_pwd(t);
    t->pwd = g_steal_pointer(&pwd);
    /* The host sockets stay bound to the configured addresses (libnice gathers a stream
     * once); the list is read again so it describes what the agent has now. */
    if (!collect_local_candidates(t, error))
        return FALSE;
    t->restarting = TRUE;
    t->restart_remote_set = FALSE;
    g_debug("%s: ICE restart: new local credentials, %u host candidate lines", t->name,
            t->candidates->len - 1);
    return TRUE;
}

gboolean ice_transport_is_restarting(IceTransport *t)
{
    g_return_val_if_fail(t != NULL, FALSE);
    return t->restarting;
}

gboolean ice_transport_add_remote_candidate(IceTransport *t, const char *candidate, gboolean *used,
                                            GError **error)
{
    g_autofree char *line = NULL;
    g_auto(GStrv) fields = NULL;
    NiceCandidate *c;
    GSList one = {0};
    const char *body;
    int added;

    g_return_val_if_fail(t != NULL && candidate != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (used != NULL)
        *used = FALSE;
    body = g_str_has_prefix(candidate, "a=") ? candidate + 2 : candidate;
    if (strlen(body) > ICE_MAX_CANDIDATE_LINE || !g_str_has_prefix(body, "candidate:") ||
        !is_printable(body)) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CANDIDATE,
                    "an ICE candidate is a line \"candidate:...\" of at most %d printable bytes",
                    ICE_MAX_CANDIDATE_LINE);
        return FALSE;
    }
    /* candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> */
    fields = g_strsplit(body + strlen("candidate:"), " ", 9);
    if (g_strv_length(fields) < 8 || !g_str_equal(fields[6], "typ")) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CANDIDATE,
                    "ICE candidate not understood (RFC 8839 §5.1): %.80s", body);
        return FALSE;
    }
    if (!g_str_equal(fields[1], "1") || g_ascii_strcasecmp(fields[2], "udp") != 0 ||
        g_str_has_suffix(fields[4], ".local")) {
        /* RTCP on component 2 is never used with rtcp-mux; TCP and mDNS names are not
         * gathered or resolved here; the peer's checks still reach us from those hosts. */
        g_debug("%s: skipping remote candidate %s %s %s", t->name, fields[1], fields[2],
                g_str_has_suffix(fields[4], ".local") ? "(mDNS)" : "");
        return TRUE;
    }
    line = g_strconcat("a=", body, NULL);
    c = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream_id, line);
    if (c == NULL) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_CANDIDATE,
                    "ICE candidate not understood (RFC 8839 §5.1): %.80s", body);
        return FALSE;
    }
    one.data = c;
    added = nice_agent_set_remote_candidates(t->agent, t->stream_id, 1, &one);
    nice_candidate_free(c);
    if (added < 0) {
        g_set_error(error, MEDIA_ICE_ERROR, MEDIA_ICE_ERROR_STATE,
                    "libnice refused the remote candidate");
        return FALSE;
    }
    if (used != NULL)
        *used = added > 0;
    return TRUE;
}

void ice_transport_remote_candidates_done(IceTransport *t)
{
    g_return_if_fail(t != NULL);
    nice_agent_peer_candidate_gathering_done(t->agent, t->stream_id);
}

int ice_transport_send(IceTransport *t, const guint8 *data, gsize len)
{
    gint sent;

    /* Media on a connected plain UDP pair goes straight to the socket: libnice's send path (its
     * agent lock, the pair lookup, GSocket's message API) cost about as much as the router
     * itself per packet. It is the datagram libnice would send, to the same 5-tuple. The pair
     * is followed through every change libnice reports (new selected pair, restart), and
     * anything not CONNECTED (checking again, consent lost: RFC 7675 §5.1 wants sending to
     * stop then, and libnice says FAILED) takes libnice's path, which refuses without consent.
     */
    if (t->send_socket != NULL && t->state == ICE_STATE_CONNECTED &&
        !g_socket_is_closed(t->send_socket)) {
        ssize_t n;

        do {
            n = sendto(g_socket_get_fd(t->send_socket), data, len, MSG_DONTWAIT | MSG_NOSIGNAL,
                       (const struct sockaddr *)&t->send_addr, t->send_addr_len);
        } while (n < 0 && errno == EINTR);
        if (n >= 0)
            return (gsize)n == len ? 0 : -EIO;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return -EIO; /* dropped, as a full queue on the path would */
        /* Anything else (the address unreachable now, the socket gone): libnice decides. */
    }
    /* Not gated on our own state: as the controlled agent we may be asked to answer a DTLS
     * ClientHello before libnice reports CONNECTED; libnice refuses while no pair is chosen. */
    sent = nice_agent_send(t->agent, t->stream_id, 1, (guint)len, (const gchar *)data);
    if (sent < 0)
        return t->state == ICE_STATE_CONNECTED ? -EIO : -ENOTCONN;
    if ((gsize)sent != len)
        return -EIO;
    return 0;
}
