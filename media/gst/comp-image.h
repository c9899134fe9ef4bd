/* comp-image.h: the still images of the composite program, drawn once with Cairo and Pango
 * (private to media/).
 *
 * The background (the title bar's colour across the top, a dark stage below) and the slate of a
 * closed sitting (full frame: "Phiên họp kín" and a line saying the session is not broadcast)
 * are rendered once when the program starts, as BGRA frames that imagefreeze repeats at the
 * program's frame rate. Text goes through Pango, so Vietnamese diacritics render with the
 * configured font (DejaVu Sans by default, from fonts-dejavu-core).
 *
 * Thread: any; no shared state.
 */
#pragma once

#include <gst/gst.h>

#include "gst/comp-layout.h"

G_BEGIN_DECLS

/* Colours, 0xRRGGBB. The tests look for them in decoded frames. */
#define COMP_COLOR_BAR   0x0b2e59 /* title bar */
#define COMP_COLOR_STAGE 0x1b1f24 /* behind the tiles */
#define COMP_COLOR_SLATE 0x6a1010 /* the closed-sitting slate */

/* A BGRA frame of @width x @height with caps set on nothing (transfer full). */
GstBuffer *comp_image_render_background(guint width, guint height, const CompLayout *layout);

/* The slate: @title large in the middle, @subtitle (may be NULL) below, @font a Pango family. */
GstBuffer *comp_image_render_slate(guint width, guint height, const char *font, const char *title,
                                   const char *subtitle);

/* Writes a frame made by the functions above as a PNG file (for inspection and tests). */
gboolean comp_image_write_png(GstBuffer *frame, guint width, guint height, const char *path,
                              GError **error);

G_END_DECLS
