/* media-camera.c: a hall's RTSP camera publishing as a site of a room (media.h, MediaCamera).
 *
 * Design: three threads meet here. The IngestCamera (gst/ingest.h) runs on the main context
 * and hands every RTP packet of the camera to us on a GStreamer streaming thread; the room lives
 * on its worker. The streaming thread copies the packet into a bounded queue (CAMERA_QUEUE
 * packets; past it the packet is dropped and counted, rtspsrc is never held up) and wakes the
 * worker's context; a GSource of our own on the worker drains the queue into the room with
 * sfu_room_on_rtp(), exactly as a browser's transport does with a decrypted packet.
 *
 * On the worker each kind of track gets one SSRC of ours and continuous sequence numbers and
 * timestamps: a camera that reconnects comes back with a new SSRC and new numbering, which we
 * map onto the old stream (the timestamp advanced by the wall time of the pause), so the
 * subscribers see one stream that paused rather than a new one they would have to negotiate. A
 * track is published in the room (sfu_room_publish()) with its first packet.
 *
 * Feedback: the participant's publishing side has a transport of ours that reads the RTCP the
 * room sends it (receiver reports, PLI, FIR) and posts a PLI or FIR to the main context, where
 * the ingest is asked for a key frame.
 *
 * Lifetime: the core is reference-counted (the camera, the worker's source, the room's and the
 * participant's cleanups, messages in flight). media_camera_free() stops the ingest (no packet
 * after it returns) and posts the detach to the worker behind everything already posted.
 */
#include "media-internal.h"

#include "gst/ingest.h"
#include "router/sfu-room-private.h"

#include <gio/gio.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-media"

#define CAMERA_QUEUE 1024 /* packets between the streaming thread and the worker */

typedef struct {
    MgstKind kind;
    MgstCodec codec;
    guint8 payload_type;
    guint clock_rate;
    gsize len;
    guint8 data[];
} QueuedPacket;

/* One published track: the camera's numbering mapped onto ours. Worker only. */
typedef struct {
    gboolean published;
    guint32 ssrc; /* ours */
    gboolean have_in;
    guint32 in_ssrc; /* the camera's current */
    guint16 seq_delta;
    guint32 ts_delta;
    guint16 last_seq; /* ours, last sent */
    guint32 last_ts;
    gint64 last_us;
    guint clock_rate;
    MgstCodec codec;
    guint8 payload_type;
} CameraTrack;

typedef struct {
    gatomicrefcount ref;
    guint64 participant_id;
    gint64 meeting_id;
    GMainContext *main_context;
    GMainContext *worker_context;
    GAsyncQueue *queue; /* QueuedPacket *, at most CAMERA_QUEUE */
    gint queued;        /* atomic: its length */
    gint dropped;       /* atomic */
    gint packets;       /* atomic */
    gint published[2];  /* atomic, by MgstKind */
    /* worker only */
    SfuRoom *room; /* NULL once detached */
    GSource *source;
    CameraTrack tracks[2]; /* by MgstKind */
    gboolean connected;
    /* main only */
    MediaCamera *camera; /* NULL once freed */
} CameraCore;

struct _MediaCamera {
    MediaRoom *room;
    CameraCore *core;
    IngestCamera *ingest;
    MediaCameraStateFunc func;
    gpointer user_data;
};

static CameraCore *core_ref(CameraCore *core)
{
    g_atomic_ref_count_inc(&core->ref);
    return core;
}

static void core_unref(gpointer data)
{
    CameraCore *core = data;
    if (!g_atomic_ref_count_dec(&core->ref))
        return;
    g_async_queue_unref(core->queue);
    g_main_context_unref(core->main_context);
    g_main_context_unref(core->worker_context);
    g_free(core);
}

/* ---- the URL ---- */

gboolean media_camera_check_url(const char *url, GError **error)
{
    const char *rest = NULL;
    static const char *const schemes[] = {"rtsp://", "rtsps://", "rtspt://"};

    if (url == NULL || *url == '\0') {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID, "the camera URL is empty");
        return FALSE;
    }
    gsize len = strlen(url);
    if (len > MEDIA_CAMERA_URL_MAX) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "the camera URL is too long: %" G_GSIZE_FORMAT " bytes, limit %d", len,
                    MEDIA_CAMERA_URL_MAX);
        return FALSE;
    }
    for (gsize i = 0; i < len; i++) {
        if ((guchar)url[i] <= 0x20 || (guchar)url[i] >= 0x7f) {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL has a space, a control character or a non-ASCII "
                        "character at byte %" G_GSIZE_FORMAT " (percent-encode it)",
                        i + 1);
            return FALSE;
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(schemes); i++)
        if (g_ascii_strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
            rest = url + strlen(schemes[i]);
    if (rest == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                    "the camera URL must start with rtsp://, rtsps:// or rtspt://");
        return FALSE;
    }
    /* authority: [user[:password]@]host[:port], up to the first '/', '?' or '#' */
    gsize alen = strcspn(rest, "/?#");
    g_autofree char *authority = g_strndup(rest, alen);
    const char *at = strrchr(authority, '@');
    const char *host = at ? at + 1 : authority;
    const char *port = NULL;
    g_autofree char *name = NULL;
    if (*host == '[') {
        const char *close = strchr(host, ']');
        if (!close || close == host + 1) {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL's IPv6 address must be in brackets: rtsp://[2001:db8::1]/");
            return FALSE;
        }
        name = g_strndup(host + 1, close - host - 1);
        GInetAddress *a = g_inet_address_new_from_string(name);
        gboolean ok = a != NULL && g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV6;
        g_clear_object(&a);
        if (!ok) {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL's host [%s] is not an IPv6 address", name);
            return FALSE;
        }
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0') {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL has something after its IPv6 address other than a port");
            return FALSE;
        }
    } else {
        const char *colon = strchr(host, ':');
        name = colon ? g_strndup(host, colon - host) : g_strdup(host);
        port = colon ? colon + 1 : NULL;
        if (*name == '\0') {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL has no host: rtsp://HOST[:PORT]/PATH");
            return FALSE;
        }
        if (strlen(name) > 253) {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL's host name is longer than 253 characters");
            return FALSE;
        }
        /* a DNS name (RFC 1123 labels) or an IPv4 address: letters, digits, '-' and '.' */
        for (const char *c = name; *c; c++) {
            if (!g_ascii_isalnum(*c) && *c != '-' && *c != '.') {
                g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                            "the camera URL's host '%s' is not a host name or an IPv4 address",
                            name);
                return FALSE;
            }
        }
        if (name[0] == '-' || name[0] == '.' || strstr(name, "..")) {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL's host '%s' is not a host name", name);
            return FALSE;
        }
    }
    if (port != NULL) {
        guint64 n = 0;
        if (*port == '\0' || strlen(port) > 5 ||
            !g_ascii_string_to_unsigned(port, 10, 1, 65535, &n, NULL)) {
            g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_INVALID,
                        "the camera URL's port must be a number from 1 to 65535");
            return FALSE;
        }
    }
    return TRUE;
}

char *media_camera_dup_display_url(const char *url)
{
    if (!media_camera_check_url(url, NULL))
        return NULL;
    const char *rest = strstr(url, "://") + 3;
    gsize alen = strcspn(rest, "/?#");
    const char *at = NULL;
    for (const char *c = rest; c < rest + alen; c++)
        if (*c == '@')
            at = c;
    if (!at)
        return g_strdup(url);
    return g_strdup_printf("%.*s%s", (int)(rest - url), url, at + 1);
}

/* ---- the worker half ---- */

static int transport_send_rtp(gpointer peer, guint8 *buf, gsize len, gsize cap)
{
    return 0; /* a camera receives no media */
}

static gboolean keyframe_run(gpointer data)
{
    CameraCore *core = data;
    if (core->camera != NULL && core->camera->ingest != NULL)
        ingest_camera_request_keyframe(core->camera->ingest);
    return G_SOURCE_REMOVE;
}

/* RTCP the room sends the camera: a PLI or FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1) becomes a key
 * frame request; receiver reports are of no use to it. */
static int transport_send_rtcp(gpointer peer, guint8 *buf, gsize len, gsize cap)
{
    CameraCore *core = peer;
    gsize off = 0;
    while (off + 4 <= len) {
        guint8 fmt = buf[off] & 0x1f, pt = buf[off + 1];
        gsize plen = ((gsize)buf[off + 2] << 8 | buf[off + 3]) * 4 + 4;
        if (off + plen > len)
            break;
        if (pt == 206 && (fmt == 1 || fmt == 4)) {
            g_main_context_invoke_full(core->main_context, G_PRIORITY_DEFAULT, keyframe_run,
                                       core_ref(core), core_unref);
            break;
        }
        off += plen;
    }
    return 0;
}

static const SfuTransport camera_transport = {transport_send_rtp, transport_send_rtcp};

static SfuCodec sfu_codec_of(MgstCodec codec)
{
    switch (codec) {
    case MGST_CODEC_VP8:
        return SFU_CODEC_VP8;
    case MGST_CODEC_H264:
        return SFU_CODEC_H264;
    default:
        return SFU_CODEC_OPUS;
    }
}

static MediaCameraState camera_state_of(IngestState state)
{
    return state == INGEST_STATE_PLAYING      ? MEDIA_CAMERA_PLAYING
           : state == INGEST_STATE_CONNECTING ? MEDIA_CAMERA_CONNECTING
                                              : MEDIA_CAMERA_RECONNECTING;
}

/* Main: a track was published; the owner offers it to the subscribers. */
static gboolean published_run(gpointer data)
{
    CameraCore *core = data;
    MediaCamera *camera = core->camera;
    IngestStats is;
    if (camera == NULL || camera->ingest == NULL || camera->func == NULL)
        return G_SOURCE_REMOVE;
    ingest_camera_get_stats(camera->ingest, &is);
    camera->func(camera->user_data, camera, camera_state_of(is.state), NULL);
    return G_SOURCE_REMOVE;
}

static void participant_gone(gpointer data)
{
    CameraCore *core = data;
    memset(core->tracks, 0, sizeof(core->tracks));
    core->connected = FALSE;
    core_unref(core);
}

/* The room's participant for the camera, with our transport on its publishing side. */
static SfuParticipant *core_participant(CameraCore *core)
{
    SfuParticipant *p = sfu_room_get_participant(core->room, core->participant_id);
    if (p != NULL && p->links[SFU_SIDE_PUBLISH].peer != core) {
        sfu_participant_set_transport(p, SFU_SIDE_PUBLISH, &camera_transport, core, NULL);
        sfu_participant_add_cleanup(p, participant_gone, core_ref(core));
    }
    return p;
}

/* Tells the room's sessions what the camera publishes, as a browser's offer would, so that
 * subscribers are offered its tracks. */
static void core_describe(CameraCore *core, SfuParticipant *p)
{
    SdpDescription *d = g_new0(SdpDescription, 1);
    d->is_offer = TRUE;
    d->bundle_tag = -1;
    d->candidates = g_ptr_array_new_with_free_func(g_free);
    for (guint k = 0; k < 2; k++) {
        const CameraTrack *t = &core->tracks[k];
        if (!t->published)
            continue;
        SdpMedia *m = &d->media[d->n_media];
        m->index = d->n_media++;
        m->kind = k == MGST_KIND_VIDEO ? SDP_MEDIA_VIDEO : SDP_MEDIA_AUDIO;
        g_strlcpy(m->mid, k == MGST_KIND_VIDEO ? "video" : "audio", sizeof(m->mid));
        m->direction = SDP_DIRECTION_SENDONLY;
        m->accepted = TRUE;
        m->codec = t->codec == MGST_CODEC_VP8    ? SDP_CODEC_VP8
                   : t->codec == MGST_CODEC_H264 ? SDP_CODEC_H264
                                                 : SDP_CODEC_OPUS;
        m->payload_type = t->payload_type;
        m->clock_rate = t->clock_rate;
        m->channels = k == MGST_KIND_AUDIO ? 2 : 0;
        /* what ingest sends: Constrained Baseline (passed through or transcoded), which
         * browsers announce as 42e01f */
        m->h264_profile_level = t->codec == MGST_CODEC_H264 ? 0x42e01f : 0;
        m->rtx_payload_type = -1;
        m->n_ssrcs = 1;
        m->ssrcs[0] = t->ssrc;
    }
    media_session_set_fed_publisher(core->room, p, d);
}

static void core_packet(CameraCore *core, SfuParticipant *p, QueuedPacket *q, gint64 now)
{
    guint8 *d = q->data;
    CameraTrack *t = &core->tracks[q->kind];

    if (q->len < 12 || (d[0] >> 6) != 2)
        return;
    guint32 in_ssrc = (guint32)d[8] << 24 | (guint32)d[9] << 16 | (guint32)d[10] << 8 | d[11];
    guint16 in_seq = (guint16)(d[2] << 8 | d[3]);
    guint32 in_ts = (guint32)d[4] << 24 | (guint32)d[5] << 16 | (guint32)d[6] << 8 | d[7];
    if (!t->published) {
        g_autoptr(GError) error = NULL;
        t->ssrc = g_random_int() | 1;
        t->clock_rate = q->clock_rate;
        SfuTrackConfig tc = {
            .mid = q->kind == MGST_KIND_VIDEO ? "video" : "audio",
            .kind = q->kind == MGST_KIND_VIDEO ? SFU_MEDIA_VIDEO : SFU_MEDIA_AUDIO,
            .codec = sfu_codec_of(q->codec),
            .payload_type = q->payload_type,
            .clock_rate = q->clock_rate,
            .n_layers = 1,
            .layers = {{.ssrc = t->ssrc}},
        };
        if (!sfu_room_publish(core->room, core->participant_id, &tc, &error)) {
            g_warning("meeting %" G_GINT64_FORMAT " site %" G_GUINT64_FORMAT
                      ": the camera's %s is not published: %s",
                      core->meeting_id, core->participant_id, tc.mid, error->message);
            return;
        }
        t->published = TRUE;
        t->have_in = FALSE;
        t->codec = q->codec;
        t->payload_type = q->payload_type;
        g_atomic_int_set(&core->published[q->kind], 1);
        core_describe(core, p);
        g_main_context_invoke_full(core->main_context, G_PRIORITY_DEFAULT, published_run,
                                   core_ref(core), core_unref);
    }
    if (!t->have_in || in_ssrc != t->in_ssrc) {
        /* a new camera stream (first, or after a reconnection): continue ours after a pause */
        guint32 elapsed =
            t->have_in || t->last_us
                ? (guint32)((now - t->last_us) * (gint64)t->clock_rate / G_USEC_PER_SEC)
                : 0;
        t->seq_delta = (guint16)(t->last_seq + 1 - in_seq);
        t->ts_delta = t->last_ts + MAX(elapsed, 1) - in_ts;
        t->in_ssrc = in_ssrc;
        t->have_in = TRUE;
    }
    t->last_seq = (guint16)(in_seq + t->seq_delta);
    t->last_ts = in_ts + t->ts_delta;
    t->last_us = now;
    d[2] = t->last_seq >> 8;
    d[3] = t->last_seq & 0xff;
    d[4] = t->last_ts >> 24;
    d[5] = (t->last_ts >> 16) & 0xff;
    d[6] = (t->last_ts >> 8) & 0xff;
    d[7] = t->last_ts & 0xff;
    d[8] = t->ssrc >> 24;
    d[9] = (t->ssrc >> 16) & 0xff;
    d[10] = (t->ssrc >> 8) & 0xff;
    d[11] = t->ssrc & 0xff;
    if (!core->connected) {
        core->connected = TRUE;
        sfu_room_set_peer_connected(core->room, p, TRUE);
    }
    if (sfu_room_on_rtp(core->room, p, d, q->len, now) == 0)
        g_atomic_int_inc(&core->packets);
}

static gboolean source_check(GSource *source)
{
    CameraCore *core = *(CameraCore **)(source + 1);
    return g_atomic_int_get(&core->queued) > 0;
}

static gboolean source_prepare(GSource *source, gint *timeout)
{
    *timeout = -1;
    return source_check(source);
}

static gboolean source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    CameraCore *core = *(CameraCore **)(source + 1);
    QueuedPacket *q;
    gint64 now = g_get_monotonic_time();
    SfuParticipant *p = core->room ? core_participant(core) : NULL;

    while ((q = g_async_queue_try_pop(core->queue)) != NULL) {
        g_atomic_int_add(&core->queued, -1);
        if (p != NULL)
            core_packet(core, p, q, now);
        g_free(q);
    }
    return G_SOURCE_CONTINUE;
}

static void source_finalize(GSource *source)
{
    core_unref(*(CameraCore **)(source + 1));
}

static GSourceFuncs camera_source_funcs = {source_prepare,  source_check, source_dispatch,
                                           source_finalize, NULL,         NULL};

static void core_detach(CameraCore *core)
{
    if (core->room == NULL)
        return;
    SfuParticipant *p = sfu_room_get_participant(core->room, core->participant_id);
    if (p != NULL && p->links[SFU_SIDE_PUBLISH].peer == core) {
        sfu_participant_set_transport(p, SFU_SIDE_PUBLISH, NULL, NULL, NULL);
        if (core->connected)
            sfu_room_set_peer_connected(core->room, p, FALSE);
    }
    core->connected = FALSE;
    if (core->source != NULL) {
        g_source_destroy(core->source);
        g_clear_pointer(&core->source, g_source_unref);
    }
    core->room = NULL;
}

static void room_gone(gpointer data)
{
    CameraCore *core = data;
    core->room = NULL; /* its participants are gone with it */
    if (core->source != NULL) {
        g_source_destroy(core->source);
        g_clear_pointer(&core->source, g_source_unref);
    }
    core_unref(core);
}

static void attach_run(SfuRoom *room, gpointer data)
{
    CameraCore *core = data;
    core->room = room;
    sfu_room_add_cleanup(room, room_gone, core_ref(core));
    core->source = g_source_new(&camera_source_funcs, sizeof(GSource) + sizeof(CameraCore *));
    *(CameraCore **)(core->source + 1) = core_ref(core);
    g_source_set_name(core->source, "phonghop camera");
    g_source_attach(core->source, core->worker_context);
}

static void detach_run(SfuRoom *room, gpointer data)
{
    core_detach(data);
}

/* ---- the ingest's events ---- */

/* Streaming thread: copy into the bounded queue, wake the worker. */
static void on_rtp(gpointer user_data, const IngestStream *stream, const guint8 *data, gsize len)
{
    CameraCore *core = user_data;
    if (len > SFU_MAX_PACKET_LEN || g_atomic_int_get(&core->queued) >= CAMERA_QUEUE) {
        g_atomic_int_inc(&core->dropped);
        return;
    }
    QueuedPacket *q = g_malloc(sizeof(QueuedPacket) + len);
    q->kind = stream->kind;
    q->codec = stream->codec;
    q->payload_type = stream->payload_type;
    q->clock_rate = stream->clock_rate;
    q->len = len;
    memcpy(q->data, data, len);
    g_async_queue_push(core->queue, q);
    if (g_atomic_int_add(&core->queued, 1) == 0)
        g_main_context_wakeup(core->worker_context);
}

static void on_state(gpointer user_data, IngestState state, const GError *error)
{
    CameraCore *core = user_data;
    MediaCamera *camera = core->camera;
    if (camera == NULL || camera->func == NULL)
        return;
    camera->func(camera->user_data, camera, camera_state_of(state), error ? error->message : NULL);
}

/* ---- public ---- */

MediaCamera *media_camera_new(MediaRoom *room, guint64 participant_id, const char *url,
                              MediaCameraStateFunc func, gpointer user_data, GError **error)
{
    g_return_val_if_fail(room != NULL && participant_id != 0, NULL);
    if (!media_camera_check_url(url, error))
        return NULL;

    CameraCore *core = g_new0(CameraCore, 1);
    g_atomic_ref_count_init(&core->ref);
    core->participant_id = participant_id;
    core->meeting_id = media_room_get_meeting_id(room);
    core->main_context = g_main_context_ref_thread_default();
    core->worker_context = g_main_context_ref(media_room_get_context(room));
    core->queue = g_async_queue_new();

    MediaCamera *camera = g_new0(MediaCamera, 1);
    camera->room = room;
    camera->core = core;
    camera->func = func;
    camera->user_data = user_data;
    core->camera = camera;

    if (!media_room_invoke(room, attach_run, core_ref(core), core_unref, error))
        goto fail;
    IngestConfig ic = {.url = url, .site_id = participant_id};
    static const IngestEvents events = {.rtp = on_rtp, .state = on_state};
    g_autoptr(GError) local = NULL;
    camera->ingest = ingest_camera_new(&ic, &events, core, core->main_context, &local);
    if (camera->ingest == NULL) {
        g_set_error(error, MEDIA_ERROR, MEDIA_ERROR_FAILED, "the camera cannot be pulled: %s",
                    local->message);
        goto fail;
    }
    return camera;

fail:
    media_camera_free(camera);
    return NULL;
}

void media_camera_get_stats(MediaCamera *camera, MediaCameraStats *stats)
{
    IngestStats is;
    g_return_if_fail(camera != NULL && stats != NULL);
    ingest_camera_get_stats(camera->ingest, &is);
    *stats = (MediaCameraStats){
        .state = camera_state_of(is.state),
        .connects = is.connects,
        .reconnects = is.reconnects,
        .video = g_atomic_int_get(&camera->core->published[MGST_KIND_VIDEO]) != 0,
        .audio = g_atomic_int_get(&camera->core->published[MGST_KIND_AUDIO]) != 0,
        .transcoding = {is.transcoding[MGST_KIND_AUDIO], is.transcoding[MGST_KIND_VIDEO]},
        .packets = (guint64)g_atomic_int_get(&camera->core->packets),
        .dropped = (guint64)g_atomic_int_get(&camera->core->dropped),
    };
}

void media_camera_free(MediaCamera *camera)
{
    if (camera == NULL)
        return;
    CameraCore *core = camera->core;
    g_clear_pointer(&camera->ingest, ingest_camera_free); /* no packet after this */
    core->camera = NULL;
    if (!media_room_invoke(camera->room, detach_run, core_ref(core), core_unref, NULL))
        g_warning("meeting %" G_GINT64_FORMAT " site %" G_GUINT64_FORMAT
                  ": the camera is left attached until the room goes (its worker is busy)",
                  core->meeting_id, core->participant_id);
    /* what is still queued is freed with the queue */
    QueuedPacket *q;
    while ((q = g_async_queue_try_pop(core->queue)) != NULL)
        g_free(q);
    core_unref(core);
    g_free(camera);
}
