/* gst-common.c: the shared pieces of media/gst/.
 *
 * Kept deliberately small: the codec table, a factory that says which package is missing, a bus
 * watch that attaches to the caller's GMainContext (phonghop never uses the global default
 * context), and SHA-256 over a file read in 64 KiB blocks. Nothing here keeps state beyond
 * GStreamer's own one-time initialisation.
 */
#include "gst/gst-common.h"

#include <errno.h>
#include <string.h>

#include <gio/gio.h>

G_DEFINE_QUARK(phonghop - media - gst - error - quark, mgst_error)

typedef struct {
    MgstKind kind;
    const char *encoding_name;
    guint clock_rate;
    const char *name;
} CodecInfo;

static const CodecInfo codecs[] = {
    [MGST_CODEC_OPUS] = {MGST_KIND_AUDIO, "OPUS", 48000, "opus"},
    [MGST_CODEC_VP8] = {MGST_KIND_VIDEO, "VP8", 90000, "vp8"},
    [MGST_CODEC_H264] = {MGST_KIND_VIDEO, "H264", 90000, "h264"},
    [MGST_CODEC_PCMU] = {MGST_KIND_AUDIO, "PCMU", 8000, "pcmu"},
    [MGST_CODEC_PCMA] = {MGST_KIND_AUDIO, "PCMA", 8000, "pcma"},
};

MgstKind mgst_codec_kind(MgstCodec codec)
{
    g_return_val_if_fail((guint)codec < G_N_ELEMENTS(codecs), MGST_KIND_AUDIO);
    return codecs[codec].kind;
}

const char *mgst_codec_encoding_name(MgstCodec codec)
{
    g_return_val_if_fail((guint)codec < G_N_ELEMENTS(codecs), NULL);
    return codecs[codec].encoding_name;
}

guint mgst_codec_clock_rate(MgstCodec codec)
{
    g_return_val_if_fail((guint)codec < G_N_ELEMENTS(codecs), 0);
    return codecs[codec].clock_rate;
}

const char *mgst_codec_to_string(MgstCodec codec)
{
    g_return_val_if_fail((guint)codec < G_N_ELEMENTS(codecs), "?");
    return codecs[codec].name;
}

const char *mgst_kind_to_string(MgstKind kind)
{
    return kind == MGST_KIND_VIDEO ? "video" : "audio";
}

gboolean mgst_init(GError **error)
{
    static gsize done = 0;
    static gboolean ok = FALSE;
    static char *message = NULL;

    if (g_once_init_enter(&done)) {
        GError *local = NULL;

        ok = gst_init_check(NULL, NULL, &local);
        if (!ok) {
            message = g_strdup(local != NULL ? local->message : "unknown error");
            g_clear_error(&local);
        }
        g_once_init_leave(&done, 1);
    }
    if (!ok)
        g_set_error(error, MGST_ERROR, MGST_ERROR_MISSING, "GStreamer cannot start: %s", message);
    return ok;
}

/* Where Debian 12 ships each element we use, for a message an administrator can act on. */
static const char *package_of(const char *factory)
{
    static const struct {
        const char *prefix;
        const char *package;
    } table[] = {
        {"textoverlay", "gstreamer1.0-x"},
        {"avdec_", "gstreamer1.0-libav"},
        {"avenc_", "gstreamer1.0-libav"},
        {"x264enc", "gstreamer1.0-plugins-ugly"},
        {"rtspsrc", "gstreamer1.0-plugins-good"},
        {"rtp", "gstreamer1.0-plugins-good"},
        {"vp8", "gstreamer1.0-plugins-good"},
        {"matroskamux", "gstreamer1.0-plugins-good"},
        {"webmmux", "gstreamer1.0-plugins-good"},
        {"splitmuxsink", "gstreamer1.0-plugins-good"},
        {"imagefreeze", "gstreamer1.0-plugins-good"},
        {"h264parse", "gstreamer1.0-plugins-bad"},
        {"hlssink2", "gstreamer1.0-plugins-bad"},
        {"opusparse", "gstreamer1.0-plugins-bad"},
        {"compositor", "gstreamer1.0-plugins-base"},
        {"audiomixer", "gstreamer1.0-plugins-base"},
        {"opus", "gstreamer1.0-plugins-base"},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(table); i++) {
        if (g_str_has_prefix(factory, table[i].prefix))
            return table[i].package;
    }
    return "gstreamer1.0-plugins-base";
}

GstElement *mgst_make(const char *factory, const char *name, GError **error)
{
    GstElement *element;

    g_return_val_if_fail(factory != NULL, NULL);

    element = gst_element_factory_make(factory, name);
    if (element == NULL)
        g_set_error(error, MGST_ERROR, MGST_ERROR_MISSING,
                    "GStreamer element %s is not installed (Debian package %s)", factory,
                    package_of(factory));
    return element;
}

GSource *mgst_bus_watch(GstBus *bus, GMainContext *context, GstBusFunc func, gpointer user_data)
{
    GSource *source;

    g_return_val_if_fail(GST_IS_BUS(bus), NULL);
    g_return_val_if_fail(func != NULL, NULL);

    source = gst_bus_create_watch(bus);
    g_source_set_callback(source, (GSourceFunc)(void (*)(void))func, user_data, NULL);
    g_source_set_name(source, "phonghop-gst-bus");
    g_source_attach(source, context);
    return source;
}

GstClockTime mgst_running_time(GstElement *element)
{
    GstClock *clock;
    GstClockTime now, base;

    clock = gst_element_get_clock(element);
    if (clock == NULL)
        return GST_CLOCK_TIME_NONE;
    now = gst_clock_get_time(clock);
    base = gst_element_get_base_time(element);
    gst_object_unref(clock);
    return now >= base ? now - base : 0;
}

gboolean mgst_error_is_disk_full(const GError *error)
{
    if (error == NULL)
        return FALSE;
    if (g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
        return TRUE;
    if (g_error_matches(error, MGST_ERROR, MGST_ERROR_DISK_FULL))
        return TRUE;
    /* Some muxers wrap a failed write in a generic error whose text carries strerror(ENOSPC). */
    return error->domain == GST_RESOURCE_ERROR && error->message != NULL &&
           strstr(error->message, g_strerror(ENOSPC)) != NULL;
}

char *mgst_sha256_file(const char *path, guint64 *size, GError **error)
{
    g_autoptr(GFile) file = NULL;
    g_autoptr(GFileInputStream) in = NULL;
    g_autoptr(GChecksum) sum = NULL;
    g_autofree guint8 *block = NULL;
    guint64 total = 0;
    char *hex = NULL;

    g_return_val_if_fail(path != NULL, NULL);

    file = g_file_new_for_path(path);
    in = g_file_read(file, NULL, error);
    if (in == NULL)
        goto out;
    sum = g_checksum_new(G_CHECKSUM_SHA256);
    block = g_malloc(64 * 1024);
    for (;;) {
        gssize n = g_input_stream_read(G_INPUT_STREAM(in), block, 64 * 1024, NULL, error);

        if (n < 0)
            goto out;
        if (n == 0)
            break;
        g_checksum_update(sum, block, n);
        total += (guint64)n;
    }
    hex = g_strdup(g_checksum_get_string(sum));
    if (size != NULL)
        *size = total;
out:
    return hex;
}
