/* gst-discover.c: what GstDiscoverer reads of recorded files, for the tests (Debian's
 * gst-discoverer-1.0 is in a package of its own, gstreamer1.0-plugins-base-apps).
 *
 * Usage: gst-discover FILE...; prints one JSON object per file and line:
 * {"path","ok":true,"duration_ms":N,"caps":["video/x-vp8",...]} or {"path","ok":false,"error"}.
 * Exits 0 when every file was read, 1 otherwise. */
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <json-glib/json-glib.h>

static gboolean discover(GstDiscoverer *d, const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *uri = gst_filename_to_uri(path, &error);
    g_autoptr(GstDiscovererInfo) info = uri ? gst_discoverer_discover_uri(d, uri, &error) : NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;
    gboolean ok = info != NULL && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "path");
    json_builder_add_string_value(b, path);
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, ok);
    if (ok) {
        GList *streams = gst_discoverer_info_get_stream_list(info);

        json_builder_set_member_name(b, "duration_ms");
        json_builder_add_int_value(b,
                                   (gint64)(gst_discoverer_info_get_duration(info) / GST_MSECOND));
        json_builder_set_member_name(b, "caps");
        json_builder_begin_array(b);
        for (GList *l = streams; l; l = l->next) {
            g_autoptr(GstCaps) caps = gst_discoverer_stream_info_get_caps(l->data);

            if (caps && gst_caps_get_size(caps) > 0)
                json_builder_add_string_value(
                    b, gst_structure_get_name(gst_caps_get_structure(caps, 0)));
        }
        json_builder_end_array(b);
        gst_discoverer_stream_info_list_free(streams);
    } else {
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, error ? error->message : "not readable");
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = json_to_string(root, FALSE);
    g_print("%s\n", text);
    return ok;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GstDiscoverer) d = NULL;
    gboolean all = TRUE;

    gst_init(&argc, &argv);
    d = gst_discoverer_new(20 * GST_SECOND, &error);
    if (!d) {
        g_printerr("gst-discover: %s\n", error->message);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        all = discover(d, argv[i]) && all;
    return all ? 0 : 1;
}
