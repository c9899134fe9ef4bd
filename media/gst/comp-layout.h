/* comp-layout.h: where things go in the composite program (private to media/).
 *
 * A pure function of the output size and the number of sites: the title bar across the top,
 * the speaker large on the left two thirds (16:9, centred), the other sites in a grid on the
 * right third, each tile 16:9 and as large as the space allows. Without a speaker the grid takes
 * the whole area; a speaker alone takes it all. Every coordinate and size is even (I420 chroma
 * is subsampled by two).
 *
 * Thread: no state; any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define COMP_MAX_SITES 25

typedef struct {
    gint x, y, w, h;
} CompRect;

typedef struct {
    CompRect bar;     /* the title bar */
    CompRect content; /* below it, inside the margins */
    CompRect speaker; /* w == 0: no speaker tile */
    guint n_tiles;
    CompRect tiles[COMP_MAX_SITES]; /* the grid, in the order the other sites were given */
    gint margin;
} CompLayout;

/* @n_others sites besides the speaker (at most COMP_MAX_SITES), @with_speaker whether one is
 * shown large. @width and @height at least 160x90. */
void comp_layout_compute(guint width, guint height, gboolean with_speaker, guint n_others,
                         CompLayout *layout);

/* The largest 16:9 rectangle inside @area, centred (even sizes). */
CompRect comp_rect_fit_16_9(CompRect area);

G_END_DECLS
