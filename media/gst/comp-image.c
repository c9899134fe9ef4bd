/* comp-image.c: background and slate frames drawn with Cairo and Pango.
 *
 * Cairo's ARGB32 is a native-endian 32-bit word, which on the little-endian machines phonghop
 * runs on is the byte order B, G, R, A: GStreamer's BGRA. The images are opaque, so Cairo's
 * premultiplied alpha changes nothing. A frame is drawn into a Cairo surface whose data is then
 * copied into a GstBuffer (the stride of a BGRA row, width * 4, is already a multiple of 4, so
 * Cairo and GstVideoInfo agree on it).
 */
#include "gst/comp-image.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "gst/gst-common.h"

static void set_rgb(cairo_t *cr, guint32 rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                         (rgb & 0xff) / 255.0);
}

static GstBuffer *surface_to_buffer(cairo_surface_t *surface, guint width, guint height)
{
    gsize row = (gsize)width * 4;
    int stride = cairo_image_surface_get_stride(surface);
    const guint8 *data;
    GstBuffer *buffer = gst_buffer_new_allocate(NULL, row * height, NULL);
    GstMapInfo map;
    guint y;

    cairo_surface_flush(surface);
    data = cairo_image_surface_get_data(surface);
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    for (y = 0; y < height; y++)
        memcpy(map.data + y * row, data + (gsize)y * (gsize)stride, row);
    gst_buffer_unmap(buffer, &map);
    return buffer;
}

GstBuffer *comp_image_render_background(guint width, guint height, const CompLayout *layout)
{
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)width, (int)height);
    cairo_t *cr = cairo_create(surface);
    GstBuffer *buffer;

    set_rgb(cr, COMP_COLOR_STAGE);
    cairo_paint(cr);
    set_rgb(cr, COMP_COLOR_BAR);
    cairo_rectangle(cr, layout->bar.x, layout->bar.y, layout->bar.w, layout->bar.h);
    cairo_fill(cr);
    /* a thin gold rule under the bar */
    cairo_set_source_rgb(cr, 0.83, 0.63, 0.09);
    cairo_rectangle(cr, 0, layout->bar.h - MAX(layout->margin / 4, 1), width,
                    MAX(layout->margin / 4, 1));
    cairo_fill(cr);
    cairo_destroy(cr);
    buffer = surface_to_buffer(surface, width, height);
    cairo_surface_destroy(surface);
    return buffer;
}

/* Draws @text centred horizontally with its top at @y; returns its height in pixels. */
static int draw_centred(cairo_t *cr, guint width, double y, const char *font, double px,
                        gboolean bold, const char *text)
{
    PangoLayout *pl = pango_cairo_create_layout(cr);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    int w = 0, h = 0;

    pango_font_description_set_absolute_size(desc, px * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(desc, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(pl, desc);
    pango_layout_set_text(pl, text, -1);
    pango_layout_get_pixel_size(pl, &w, &h);
    cairo_move_to(cr, ((double)width - w) / 2, y);
    pango_cairo_show_layout(cr, pl);
    pango_font_description_free(desc);
    g_object_unref(pl);
    return h;
}

GstBuffer *comp_image_render_slate(guint width, guint height, const char *font, const char *title,
                                   const char *subtitle)
{
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)width, (int)height);
    cairo_t *cr = cairo_create(surface);
    double big = height / 10.0, small = height / 28.0;
    double top = height * 0.40;
    GstBuffer *buffer;
    int h;

    set_rgb(cr, COMP_COLOR_SLATE);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    h = draw_centred(cr, width, top, font != NULL ? font : "DejaVu Sans", big, TRUE, title);
    if (subtitle != NULL) {
        cairo_set_source_rgb(cr, 0.92, 0.85, 0.85);
        draw_centred(cr, width, top + h + small, font != NULL ? font : "DejaVu Sans", small, FALSE,
                     subtitle);
    }
    cairo_destroy(cr);
    buffer = surface_to_buffer(surface, width, height);
    cairo_surface_destroy(surface);
    return buffer;
}

gboolean comp_image_write_png(GstBuffer *frame, guint width, guint height, const char *path,
                              GError **error)
{
    cairo_surface_t *surface;
    cairo_status_t status;
    GstMapInfo map;
    guint8 *data;
    int stride;
    guint y;

    g_return_val_if_fail(GST_IS_BUFFER(frame) && path != NULL, FALSE);

    if (!gst_buffer_map(frame, &map, GST_MAP_READ) || map.size < (gsize)width * height * 4) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_INVALID, "not a %ux%u BGRA frame", width, height);
        return FALSE;
    }
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)width, (int)height);
    stride = cairo_image_surface_get_stride(surface);
    data = cairo_image_surface_get_data(surface);
    for (y = 0; y < height; y++)
        memcpy(data + (gsize)y * (gsize)stride, map.data + (gsize)y * width * 4, (gsize)width * 4);
    gst_buffer_unmap(frame, &map);
    cairo_surface_mark_dirty(surface);
    status = cairo_surface_write_to_png(surface, path);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_IO, "cannot write %s: %s", path,
                    cairo_status_to_string(status));
        return FALSE;
    }
    return TRUE;
}
