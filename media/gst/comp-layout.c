/* comp-layout.c: the composite's geometry.
 *
 * The grid chooses its number of columns by trying each from 1 to n and keeping the one whose
 * 16:9 tiles are largest: a tall narrow column (the right third at 16:9 output) then gets two
 * columns for four or more sites, a wide area gets a near-square grid. The block of tiles is
 * centred in its area. Sizes are rounded down to even numbers so the compositor never has to
 * place a chroma sample between two pixels.
 */
#include "gst/comp-layout.h"

#include <string.h>

static gint even(gint v)
{
    return v & ~1;
}

CompRect comp_rect_fit_16_9(CompRect area)
{
    CompRect r;

    r.w = area.w;
    r.h = area.w * 9 / 16;
    if (r.h > area.h) {
        r.h = area.h;
        r.w = area.h * 16 / 9;
    }
    r.w = even(r.w);
    r.h = even(r.h);
    r.x = even(area.x + (area.w - r.w) / 2);
    r.y = even(area.y + (area.h - r.h) / 2);
    return r;
}

static void grid(CompRect area, guint n, gint gap, CompRect *tiles)
{
    guint best_cols = 1, cols, i;
    gint best_w = -1, tw = 0, th = 0, block_w, block_h, x0, y0;

    for (cols = 1; cols <= n; cols++) {
        guint rows = (n + cols - 1) / cols;
        gint cw = (area.w - (gint)(cols - 1) * gap) / (gint)cols;
        gint ch = (area.h - (gint)(rows - 1) * gap) / (gint)rows;
        CompRect fit = comp_rect_fit_16_9((CompRect){0, 0, cw, ch});

        if (fit.w > best_w) {
            best_w = fit.w;
            best_cols = cols;
            tw = fit.w;
            th = fit.h;
        }
    }
    {
        guint rows = (n + best_cols - 1) / best_cols;

        block_w = (gint)best_cols * tw + (gint)(best_cols - 1) * gap;
        block_h = (gint)rows * th + (gint)(rows - 1) * gap;
    }
    x0 = area.x + (area.w - block_w) / 2;
    y0 = area.y + (area.h - block_h) / 2;
    for (i = 0; i < n; i++) {
        tiles[i].x = even(x0 + (gint)(i % best_cols) * (tw + gap));
        tiles[i].y = even(y0 + (gint)(i / best_cols) * (th + gap));
        tiles[i].w = tw;
        tiles[i].h = th;
    }
}

void comp_layout_compute(guint width, guint height, gboolean with_speaker, guint n_others,
                         CompLayout *layout)
{
    gint W = (gint)width, H = (gint)height, m;
    CompRect c;

    g_return_if_fail(layout != NULL);
    g_return_if_fail(width >= 160 && height >= 90);

    memset(layout, 0, sizeof *layout);
    n_others = MIN(n_others, COMP_MAX_SITES);
    m = MAX(even(H / 90), 2);
    layout->margin = m;
    layout->bar = (CompRect){0, 0, W, even(H / 10)};
    c.x = m;
    c.y = layout->bar.h + m;
    c.w = even(W - 2 * m);
    c.h = even(H - layout->bar.h - 2 * m);
    layout->content = c;

    if (with_speaker && n_others == 0) {
        layout->speaker = comp_rect_fit_16_9(c);
    } else if (with_speaker) {
        CompRect left = {c.x, c.y, even((c.w - m) * 2 / 3), c.h};
        CompRect right = {left.x + left.w + m, c.y, c.w - left.w - m, c.h};

        layout->speaker = comp_rect_fit_16_9(left);
        grid(right, n_others, m, layout->tiles);
        layout->n_tiles = n_others;
    } else if (n_others > 0) {
        grid(c, n_others, m, layout->tiles);
        layout->n_tiles = n_others;
    }
}
