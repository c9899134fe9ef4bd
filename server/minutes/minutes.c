/* minutes.c: the draft minutes (biên bản) rendered to PDF with Cairo and Pango.
 *
 * Design. The page follows the form of Vietnamese administrative documents (Nghị định
 * 30/2020/NĐ-CP): A4, margins of 20 mm top and bottom, 30 mm left and 15 mm right, a serif face;
 * the issuing body at the top left and the national header (Quốc hiệu "CỘNG HÒA XÃ HỘI CHỦ NGHĨA
 * VIỆT NAM", Tiêu ngữ "Độc lập - Tự do - Hạnh phúc") at the top right; then the title BIÊN BẢN,
 * the numbered sections, and the signature blocks.
 *
 * The text flows line by line: each paragraph is a PangoLayout, and its lines are placed one after
 * another, starting a new page whenever the next line would cross the bottom margin, so a list of
 * fifty members or a long agenda breaks between lines, never through one. Blocks that must stay
 * whole (the header, the signature blocks) move to the next page together. The document is laid
 * out twice with the same Pango context: once without drawing, to count the pages, then drawn,
 * so every footer can say "Trang 2/3". Both passes use one context with hinting of metrics off,
 * so measuring and drawing agree to the point.
 *
 * Pango, Cairo and fontconfig are thread-safe for separate objects: each render makes its own
 * font map and context, so renders may run on several threads at once. Text goes through NFC
 * first: a name typed as "Nguyê\u0303n" lands in the PDF's text layer as "Nguyễn".
 */
#include "minutes.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <string.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "phonghop-minutes"

G_DEFINE_QUARK(phonghop_minutes_error, minutes_error)

/* A4 in points (1/72 inch) and the margins of NĐ 30/2020 (mm * 72 / 25.4). */
#define PAGE_W        595.2756
#define PAGE_H        841.8898
#define MARGIN_TOP    56.6929
#define MARGIN_BOTTOM 56.6929
#define MARGIN_LEFT   85.0394
#define MARGIN_RIGHT  42.5197
#define TEXT_W        (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)
#define TEXT_BOTTOM   (PAGE_H - MARGIN_BOTTOM)
#define FOOTER_Y      (PAGE_H - 34.0)

#define FONT        "DejaVu Serif 12"
#define FONT_SMALL  "DejaVu Serif 9"
#define FONT_HEADER "DejaVu Serif 11"
#define HEADER_LEFT 0.38 /* the share of the width of the body's column in the header */
#define FONT_TITLE  "DejaVu Serif Bold 15"
#define INDENT      18.0

/* ---- data ---- */

static void person_free(gpointer p)
{
    MinutesPerson *x = p;
    g_free(x->full_name);
    g_free(x->title);
    g_free(x);
}

static void item_free(gpointer p)
{
    MinutesItem *x = p;
    g_free(x->number);
    g_free(x->title);
    g_free(x->presenter);
    g_free(x);
}

static void speaker_free(gpointer p)
{
    MinutesSpeaker *x = p;
    g_free(x->full_name);
    g_free(x->title);
    g_free(x->kind);
    g_free(x->end_reason);
    g_free(x);
}

static void vote_free(gpointer p)
{
    MinutesVote *x = p;
    g_free(x->title);
    g_ptr_array_unref(x->lines);
    g_free(x);
}

MinutesData *minutes_data_new(void)
{
    MinutesData *d = g_new0(MinutesData, 1);
    d->present = g_ptr_array_new_with_free_func(person_free);
    d->absent = g_ptr_array_new_with_free_func(person_free);
    d->guests = g_ptr_array_new_with_free_func(person_free);
    d->agenda = g_ptr_array_new_with_free_func(item_free);
    d->speakers = g_ptr_array_new_with_free_func(speaker_free);
    d->votes = g_ptr_array_new_with_free_func(vote_free);
    d->utc_offset_minutes = 7 * 60;
    return d;
}

void minutes_data_free(MinutesData *d)
{
    if (!d)
        return;
    g_free(d->body_name);
    g_free(d->meeting_title);
    g_free(d->meeting_kind);
    g_free(d->location);
    g_ptr_array_unref(d->present);
    g_ptr_array_unref(d->absent);
    g_ptr_array_unref(d->guests);
    g_ptr_array_unref(d->agenda);
    g_ptr_array_unref(d->speakers);
    g_ptr_array_unref(d->votes);
    g_free(d->chair_name);
    g_free(d->secretary_name);
    g_free(d);
}

static char *dup0(const char *s)
{
    return g_strdup(s ? s : "");
}

void minutes_add_person(GPtrArray *people, const char *full_name, const char *title)
{
    MinutesPerson *x = g_new0(MinutesPerson, 1);
    x->full_name = dup0(full_name);
    x->title = dup0(title);
    g_ptr_array_add(people, x);
}

void minutes_add_item(MinutesData *d, const char *number, const char *title, const char *presenter)
{
    MinutesItem *x = g_new0(MinutesItem, 1);
    x->number = dup0(number);
    x->title = dup0(title);
    x->presenter = dup0(presenter);
    g_ptr_array_add(d->agenda, x);
}

void minutes_add_speaker(MinutesData *d, const char *full_name, const char *title, const char *kind,
                         gint64 started_us, gint64 ended_us, const char *end_reason)
{
    MinutesSpeaker *x = g_new0(MinutesSpeaker, 1);
    x->full_name = dup0(full_name);
    x->title = dup0(title);
    x->kind = dup0(kind);
    x->started_us = started_us;
    x->ended_us = ended_us;
    x->end_reason = g_strdup(end_reason);
    g_ptr_array_add(d->speakers, x);
}

void minutes_add_vote(MinutesData *d, const char *title, const char *const *lines)
{
    MinutesVote *x = g_new0(MinutesVote, 1);
    x->title = dup0(title);
    x->lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; lines && lines[i]; i++)
        g_ptr_array_add(x->lines, g_strdup(lines[i]));
    g_ptr_array_add(d->votes, x);
}

/* ---- words ---- */

static const char *kind_words(const char *kind)
{
    static const char *const words[][2] = {
        {"speech", "Phát biểu"},
        {"question", "Chất vấn"},
        {"answer", "Trả lời chất vấn"},
        {"point_of_order", "Kiến nghị về thủ tục"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(words); i++)
        if (g_strcmp0(kind, words[i][0]) == 0)
            return words[i][1];
    return kind ? kind : "";
}

static const char *meeting_kind_words(const char *kind)
{
    static const char *const words[][2] = {
        {"regular", "thường lệ"},  {"extraordinary", "bất thường"}, {"first_of_term", "thứ nhất"},
        {"thematic", "chuyên đề"}, {"interpellation", "chất vấn"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(words); i++)
        if (g_strcmp0(kind, words[i][0]) == 0)
            return words[i][1];
    return kind ? kind : "";
}

/* ---- the pen: flowing text over pages ---- */

typedef struct {
    const MinutesData *data;
    PangoContext *context;
    cairo_t *cr; /* NULL while measuring */
    double y;
    int page;  /* from 1 */
    int pages; /* the total, once measured; 0 while measuring */
} Pen;

/* Local wall-clock time of us, as a UTC GDateTime shifted by the body's offset. */
static GDateTime *local_time(const Pen *pen, gint64 us)
{
    return g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC +
                                         (gint64)pen->data->utc_offset_minutes * 60);
}

/* "08 giờ 30 phút, ngày 24 tháng 11 năm 2026" */
static char *words_datetime(const Pen *pen, gint64 us)
{
    g_autoptr(GDateTime) t = local_time(pen, us);
    return g_date_time_format(t, "%H giờ %M phút, ngày %d tháng %m năm %Y");
}

/* "ngày 24 tháng 11 năm 2026" */
static char *words_date(const Pen *pen, gint64 us)
{
    g_autoptr(GDateTime) t = local_time(pen, us);
    return g_date_time_format(t, "ngày %d tháng %m năm %Y");
}

static char *clock_time(const Pen *pen, gint64 us)
{
    g_autoptr(GDateTime) t = local_time(pen, us);
    return g_date_time_format(t, "%H:%M:%S");
}

/* "4 phút 05 giây" */
static char *words_duration(gint64 us)
{
    gint64 s = MAX(0, us) / G_USEC_PER_SEC;
    if (s < 60)
        return g_strdup_printf("%" G_GINT64_FORMAT " giây", s);
    return g_strdup_printf("%" G_GINT64_FORMAT " phút %02" G_GINT64_FORMAT " giây", s / 60, s % 60);
}

static PangoLayout *make_layout(Pen *pen, const char *font, double width, PangoAlignment align,
                                const char *markup)
{
    PangoLayout *layout = pango_layout_new(pen->context);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    g_autofree char *nfc = g_utf8_normalize(markup, -1, G_NORMALIZE_NFC);
    pango_layout_set_font_description(layout, desc);
    pango_font_description_free(desc);
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, align);
    pango_layout_set_markup(layout, nfc ? nfc : "", -1);
    return layout;
}

static void footer(Pen *pen)
{
    if (!pen->cr)
        return;
    g_autoptr(GDateTime) t = local_time(pen, pen->data->generated_us);
    g_autofree char *made = g_date_time_format(t, "%H:%M ngày %d/%m/%Y");
    g_autofree char *text = g_markup_printf_escaped("Dự thảo biên bản, lập lúc %s — Trang %d/%d",
                                                    made, pen->page, pen->pages);
    g_autoptr(PangoLayout) layout = make_layout(pen, FONT_SMALL, TEXT_W, PANGO_ALIGN_CENTER, text);
    cairo_move_to(pen->cr, MARGIN_LEFT, FOOTER_Y);
    pango_cairo_show_layout(pen->cr, layout);
}

static void new_page(Pen *pen)
{
    footer(pen);
    if (pen->cr)
        cairo_show_page(pen->cr);
    pen->page++;
    pen->y = MARGIN_TOP;
}

/* Places the layout's lines at x, breaking pages between lines. */
static void flow(Pen *pen, PangoLayout *layout, double x)
{
    PangoLayoutIter *it = pango_layout_get_iter(layout);
    do {
        int y0, y1;
        PangoRectangle logical;
        pango_layout_iter_get_line_yrange(it, &y0, &y1);
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double h = (double)(y1 - y0) / PANGO_SCALE;
        if (pen->y + h > TEXT_BOTTOM && pen->y > MARGIN_TOP)
            new_page(pen);
        if (pen->cr) {
            int baseline = pango_layout_iter_get_baseline(it);
            cairo_move_to(pen->cr, x + (double)logical.x / PANGO_SCALE,
                          pen->y + (double)(baseline - y0) / PANGO_SCALE);
            pango_cairo_show_layout_line(pen->cr, pango_layout_iter_get_line_readonly(it));
        }
        pen->y += h;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
}

static void para_markup(Pen *pen, const char *font, double indent, PangoAlignment align,
                        double space_after, const char *markup)
{
    g_autoptr(PangoLayout) layout = make_layout(pen, font, TEXT_W - indent, align, markup);
    flow(pen, layout, MARGIN_LEFT + indent);
    pen->y += space_after;
}

/* A paragraph from a printf format whose arguments are escaped (the format is markup). */
static void para(Pen *pen, const char *font, double indent, PangoAlignment align,
                 double space_after, const char *format, ...) G_GNUC_PRINTF(6, 7);
static void para(Pen *pen, const char *font, double indent, PangoAlignment align,
                 double space_after, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *markup = g_markup_vprintf_escaped(format, ap);
    va_end(ap);
    para_markup(pen, font, indent, align, space_after, markup);
}

static void heading(Pen *pen, const char *text)
{
    pen->y += 6;
    /* A heading never ends a page: keep it with at least two lines after it. */
    if (pen->y + 3 * 17 > TEXT_BOTTOM)
        new_page(pen);
    para(pen, FONT, 0, PANGO_ALIGN_LEFT, 3, "<b>%s</b>", text);
}

/* Two blocks side by side (markup each), kept together on one page. */
static void columns(Pen *pen, const char *font, double left_w, const char *left, const char *right)
{
    double right_w = TEXT_W - left_w;
    g_autoptr(PangoLayout) l = make_layout(pen, font, left_w, PANGO_ALIGN_CENTER, left);
    g_autoptr(PangoLayout) r = make_layout(pen, font, right_w, PANGO_ALIGN_CENTER, right);
    int lh, rh;
    pango_layout_get_size(l, NULL, &lh);
    pango_layout_get_size(r, NULL, &rh);
    double h = (double)MAX(lh, rh) / PANGO_SCALE;
    if (pen->y + h > TEXT_BOTTOM && pen->y > MARGIN_TOP)
        new_page(pen);
    if (pen->cr) {
        cairo_move_to(pen->cr, MARGIN_LEFT, pen->y);
        pango_cairo_show_layout(pen->cr, l);
        cairo_move_to(pen->cr, MARGIN_LEFT + left_w, pen->y);
        pango_cairo_show_layout(pen->cr, r);
    }
    pen->y += h;
}

/* ---- the document ---- */

static void write_header(Pen *pen)
{
    const MinutesData *d = pen->data;
    g_autofree char *body_upper = g_utf8_strup(d->body_name ? d->body_name : "", -1);
    g_autofree char *left = g_markup_printf_escaped("<b>%s</b>", body_upper);
    /* The Tiêu ngữ is underlined by a solid line as long as itself. */
    g_autofree char *right = g_strdup("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>\n"
                                      "<b><u>Độc lập - Tự do - Hạnh phúc</u></b>");
    /* The Quốc hiệu on one line, as the form has it: a slightly smaller face, a wider column. */
    columns(pen, FONT_HEADER, TEXT_W * HEADER_LEFT, left, right);
    pen->y += 6;
    gint64 when = d->opened_us ? d->opened_us : d->starts_us ? d->starts_us : d->generated_us;
    g_autofree char *date = words_date(pen, when);
    para(pen, FONT, TEXT_W * HEADER_LEFT, PANGO_ALIGN_CENTER, 18, "<i>……, %s</i>", date);
    para(pen, FONT_TITLE, 0, PANGO_ALIGN_CENTER, 4, "BIÊN BẢN");
    para(pen, FONT, 0, PANGO_ALIGN_CENTER, 2, "<b>%s</b>",
         d->meeting_title ? d->meeting_title : "");
    para(pen, FONT_SMALL, 0, PANGO_ALIGN_CENTER, 14,
         "<i>(Dự thảo do hệ thống lập từ hồ sơ phiên họp; thư ký kỳ họp rà soát, hoàn chỉnh trước "
         "khi ký)</i>");
}

static void write_time_and_place(Pen *pen)
{
    const MinutesData *d = pen->data;
    heading(pen, "I. THỜI GIAN, ĐỊA ĐIỂM, HÌNH THỨC");
    if (d->opened_us) {
        g_autofree char *t = words_datetime(pen, d->opened_us);
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Khai mạc: %s.", t);
    } else if (d->starts_us) {
        g_autofree char *t = words_datetime(pen, d->starts_us);
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Thời gian (dự kiến): %s.", t);
    }
    if (d->closed_us) {
        g_autofree char *t = words_datetime(pen, d->closed_us);
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Bế mạc: %s.", t);
    }
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Địa điểm: %s.",
         d->location && *d->location ? d->location : "……");
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Hình thức: họp %s, %s.",
         meeting_kind_words(d->meeting_kind), d->is_public ? "công khai" : "họp kín");
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Cơ quan: %s.",
         d->body_name ? d->body_name : "");
}

static void write_people(Pen *pen, const char *label, GPtrArray *people)
{
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- %s (%u):", label, people->len);
    for (guint i = 0; i < people->len; i++) {
        const MinutesPerson *p = people->pdata[i];
        if (p->title && *p->title)
            para(pen, FONT, 2 * INDENT, PANGO_ALIGN_LEFT, 0, "%u. %s, %s", i + 1, p->full_name,
                 p->title);
        else
            para(pen, FONT, 2 * INDENT, PANGO_ALIGN_LEFT, 0, "%u. %s", i + 1, p->full_name);
    }
    pen->y += 3;
}

static void write_attendance(Pen *pen)
{
    const MinutesData *d = pen->data;
    heading(pen, "II. THÀNH PHẦN THAM DỰ");
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 3,
         "- Tổng số đại biểu: %u; có mặt: <b>%u/%u</b> đại biểu; vắng mặt: %u.", d->total_members,
         d->present->len, d->total_members, d->absent->len);
    write_people(pen, "Đại biểu có mặt", d->present);
    if (d->absent->len)
        write_people(pen, "Đại biểu vắng mặt", d->absent);
    if (d->guests->len)
        write_people(pen, "Khách mời", d->guests);
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Chủ tọa: %s.",
         d->chair_name && *d->chair_name ? d->chair_name : "……");
    para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "- Thư ký: %s.",
         d->secretary_name && *d->secretary_name ? d->secretary_name : "……");
}

static void write_agenda(Pen *pen)
{
    const MinutesData *d = pen->data;
    heading(pen, "III. NỘI DUNG (CHƯƠNG TRÌNH)");
    if (d->agenda->len == 0)
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "<i>Chưa có chương trình.</i>");
    for (guint i = 0; i < d->agenda->len; i++) {
        const MinutesItem *it = d->agenda->pdata[i];
        double indent = INDENT * (strchr(it->number, '.') ? 2 : 1);
        if (it->presenter && *it->presenter)
            para(pen, FONT, indent, PANGO_ALIGN_LEFT, 2, "%s. %s <i>(trình bày: %s)</i>",
                 it->number, it->title, it->presenter);
        else
            para(pen, FONT, indent, PANGO_ALIGN_LEFT, 2, "%s. %s", it->number, it->title);
    }
}

static void write_speakers(Pen *pen)
{
    const MinutesData *d = pen->data;
    heading(pen, "IV. Ý KIẾN PHÁT BIỂU");
    if (d->speakers->len == 0)
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2,
             "<i>Chưa có lượt phát biểu nào được ghi nhận.</i>");
    for (guint i = 0; i < d->speakers->len; i++) {
        const MinutesSpeaker *s = d->speakers->pdata[i];
        g_autofree char *from = clock_time(pen, s->started_us);
        g_autofree char *who =
            s->title && *s->title ? g_markup_printf_escaped("<b>%s</b>, %s", s->full_name, s->title)
                                  : g_markup_printf_escaped("<b>%s</b>", s->full_name);
        g_autofree char *what = g_markup_printf_escaped("%s", kind_words(s->kind));
        g_autofree char *when = NULL;
        if (s->ended_us) {
            g_autofree char *to = clock_time(pen, s->ended_us);
            g_autofree char *dur = words_duration(s->ended_us - s->started_us);
            const char *why = g_strcmp0(s->end_reason, "revoked") == 0   ? "; chủ tọa dừng"
                              : g_strcmp0(s->end_reason, "time_up") == 0 ? "; hết thời gian"
                                                                         : "";
            when = g_markup_printf_escaped("từ %s đến %s (%s%s)", from, to, dur, why);
        } else {
            when = g_markup_printf_escaped("từ %s, đang phát biểu", from);
        }
        g_autofree char *markup = g_strdup_printf("%u. %s: %s, %s.", i + 1, who, what, when);
        para_markup(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, markup);
    }
}

/* The votes: filled by the voting work through minutes_record_gather_votes(). */
static void write_votes(Pen *pen)
{
    const MinutesData *d = pen->data;
    heading(pen, "V. KẾT QUẢ BIỂU QUYẾT");
    if (d->votes->len == 0)
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "<i>Chưa có kết quả biểu quyết.</i>");
    for (guint i = 0; i < d->votes->len; i++) {
        const MinutesVote *v = d->votes->pdata[i];
        para(pen, FONT, INDENT, PANGO_ALIGN_LEFT, 2, "<b>%u. %s</b>", i + 1, v->title);
        for (guint j = 0; j < v->lines->len; j++)
            para(pen, FONT, 2 * INDENT, PANGO_ALIGN_LEFT, 1, "- %s",
                 (const char *)v->lines->pdata[j]);
        pen->y += 3;
    }
}

static void write_signatures(Pen *pen)
{
    const MinutesData *d = pen->data;
    pen->y += 18;
    g_autofree char *left =
        g_markup_printf_escaped("<b>THƯ KÝ</b>\n<i>(Ký, ghi rõ họ tên)</i>\n\n\n\n<b>%s</b>",
                                d->secretary_name && *d->secretary_name ? d->secretary_name : " ");
    g_autofree char *right =
        g_markup_printf_escaped("<b>CHỦ TỌA</b>\n<i>(Ký, ghi rõ họ tên)</i>\n\n\n\n<b>%s</b>",
                                d->chair_name && *d->chair_name ? d->chair_name : " ");
    columns(pen, FONT, TEXT_W * 0.5, left, right);
}

static void write_document(Pen *pen)
{
    pen->page = 1;
    pen->y = MARGIN_TOP;
    write_header(pen);
    write_time_and_place(pen);
    write_attendance(pen);
    write_agenda(pen);
    write_speakers(pen);
    write_votes(pen);
    write_signatures(pen);
    footer(pen);
    if (pen->cr)
        cairo_show_page(pen->cr);
}

static cairo_status_t write_bytes(void *closure, const unsigned char *data, unsigned int length)
{
    g_byte_array_append(closure, data, length);
    return CAIRO_STATUS_SUCCESS;
}

GBytes *minutes_render_pdf(const MinutesData *data, GError **error)
{
    g_return_val_if_fail(data != NULL, NULL);
    PangoFontMap *map = pango_cairo_font_map_new();
    PangoContext *context = pango_font_map_create_context(map);
    cairo_font_options_t *options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(context, options);
    pango_cairo_context_set_resolution(context, 72.0);
    cairo_font_options_destroy(options);

    /* Pass 1: count the pages. */
    Pen pen = {.data = data, .context = context};
    write_document(&pen);
    int pages = pen.page;

    /* Pass 2: draw. */
    GByteArray *out = g_byte_array_new();
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(write_bytes, out, PAGE_W, PAGE_H);
    g_autofree char *title =
        g_strdup_printf("Biên bản - %s", data->meeting_title ? data->meeting_title : "");
    g_autoptr(GDateTime) made = g_date_time_new_from_unix_utc(data->generated_us / G_USEC_PER_SEC);
    g_autofree char *date = made ? g_date_time_format(made, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "phonghop");
    if (date) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    }
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 0, 0, 0);
    pen = (Pen){.data = data, .context = context, .cr = cr, .pages = pages};
    write_document(&pen);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    g_object_unref(context);
    g_object_unref(map);
    if (status != CAIRO_STATUS_SUCCESS) {
        g_byte_array_unref(out);
        g_set_error(error, MINUTES_ERROR, MINUTES_ERROR_RENDER, "cannot render the minutes: %s",
                    cairo_status_to_string(status));
        return NULL;
    }
    if (pen.page != pages)
        g_warning("minutes: %d pages measured, %d drawn", pages, pen.page);
    return g_byte_array_free_to_bytes(out);
}
