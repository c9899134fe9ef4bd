/* Unit tests: the draft minutes renderer (server/minutes/minutes.h) on a fixture. The PDF's text,
 * as pdftotext reads it, must carry every Vietnamese name exactly, precomposed (NFC), even when
 * the data came with combining marks; long rosters flow onto further pages, each numbered. */
#include "minutes.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#define SEC G_GINT64_CONSTANT(1000000)
/* 2026-11-24T01:30:00Z: 08:30 in Hà Nội (UTC+7). */
#define T0 (G_GINT64_CONSTANT(1795483800) * SEC)

/* Names heavy with diacritics; each written here with combining marks (NFD) on purpose. */
static const char *const names_nfc[] = {
    "Nguyễn Thị Ngọc Huyền", "Trương Quốc Hưởng", "Đặng Thị Thủy Tiên", "Huỳnh Ngữ Yến",
    "Phùng Khắc Khoan",      "Lưu Ý Nhị",         "Võ Thị Ướt",         "Bùi Đức Ửng",
};

static char *nfd(const char *s)
{
    return g_utf8_normalize(s, -1, G_NORMALIZE_NFD);
}

static MinutesData *fixture(guint extra_members)
{
    MinutesData *d = minutes_data_new();
    d->body_name = nfd("Hội đồng nhân dân xã Ea Tiêu");
    d->meeting_title = nfd("Kỳ họp thứ Mười hai (chuyên đề) - HĐND xã khóa XIII");
    d->meeting_kind = g_strdup("thematic");
    d->is_public = TRUE;
    d->location = nfd("Hội trường Ủy ban nhân dân xã");
    d->opened_us = T0;
    d->closed_us = T0 + 3 * 3600 * SEC;
    d->generated_us = T0 + 4 * 3600 * SEC;
    for (guint i = 0; i < G_N_ELEMENTS(names_nfc); i++) {
        g_autofree char *name = nfd(names_nfc[i]);
        g_autofree char *title = nfd("Đại biểu HĐND xã");
        minutes_add_person(i < 6 ? d->present : d->absent, name, title);
        d->total_members++;
    }
    for (guint i = 0; i < extra_members; i++) {
        g_autofree char *name = g_strdup_printf("Đại biểu thứ %u", i + 1);
        minutes_add_person(d->present, name, "");
        d->total_members++;
    }
    minutes_add_person(d->guests, "Lê Thị Khánh Vân", "Trưởng phòng Tài chính (khách mời)");
    minutes_add_item(d, "1", "Khai mạc kỳ họp", "Chủ tịch HĐND xã");
    minutes_add_item(d, "2", "Tờ trình dự thảo Nghị quyết về phí chợ", "UBND xã");
    minutes_add_item(d, "2.1", "Báo cáo thẩm tra của Ban Kinh tế - Xã hội", "");
    g_autofree char *speaker = nfd(names_nfc[1]);
    minutes_add_speaker(d, speaker, "Đại biểu HĐND xã", "speech", T0 + 600 * SEC, T0 + 845 * SEC,
                        "finished");
    minutes_add_speaker(d, names_nfc[2], "", "question", T0 + 900 * SEC, T0 + 1020 * SEC,
                        "time_up");
    minutes_add_speaker(d, "Lê Thị Khánh Vân", "", "answer", T0 + 1030 * SEC, 0, NULL);
    const char *lines[] = {"Tán thành: 5/8 đại biểu (62,50% tổng số đại biểu)",
                           "Kết quả: Nghị quyết được thông qua", NULL};
    minutes_add_vote(d, "Nghị quyết về phí chợ", lines);
    d->chair_name = nfd(names_nfc[0]);
    return d;
}

/* The PDF's text as pdftotext gives it, or NULL (the test skips) without pdftotext. */
static char *pdf_text(GBytes *pdf)
{
    g_autofree char *tool = g_find_program_in_path("pdftotext");
    g_autoptr(GError) error = NULL;
    if (!tool) {
        g_test_skip("pdftotext is not installed (poppler-utils)");
        return NULL;
    }
    g_autofree char *dir = g_dir_make_tmp("phonghop-minutes-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, "minutes.pdf", NULL);
    g_assert_true(g_file_set_contents(path, g_bytes_get_data(pdf, NULL),
                                      (gssize)g_bytes_get_size(pdf), &error));
    const char *argv[] = {tool, "-enc", "UTF-8", path, "-", NULL};
    char *out = NULL;
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &out, NULL, &status, &error));
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_unlink(path);
    g_rmdir(dir);
    /* Lines wrap where the layout put them: compare text, not line breaks. */
    g_autoptr(GRegex) space = g_regex_new("\\s+", 0, 0, NULL);
    char *flat = g_regex_replace_literal(space, out, -1, 0, " ", 0, NULL);
    g_free(out);
    return flat;
}

static void test_vietnamese_text(void)
{
    g_autoptr(MinutesData) d = fixture(0);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) pdf = minutes_render_pdf(d, &error);
    g_assert_no_error(error);
    g_assert_nonnull(pdf);
    g_assert_cmpmem(g_bytes_get_data(pdf, NULL), 5, "%PDF-", 5);

    g_autofree char *text = pdf_text(pdf);
    if (!text)
        return;
    g_assert_true(g_utf8_validate(text, -1, NULL));
    g_autofree char *text_nfc = g_utf8_normalize(text, -1, G_NORMALIZE_NFC);
    g_assert_cmpstr(text, ==, text_nfc); /* the text layer is precomposed throughout */
    static const char *const wanted[] = {
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "HỘI ĐỒNG NHÂN DÂN XÃ EA TIÊU",
        "BIÊN BẢN",
        "Kỳ họp thứ Mười hai (chuyên đề) - HĐND xã khóa XIII",
        "Khai mạc: 08 giờ 30 phút, ngày 24 tháng 11 năm 2026",
        "Bế mạc: 11 giờ 30 phút, ngày 24 tháng 11 năm 2026",
        "có mặt: 6/8 đại biểu",
        "2.1. Báo cáo thẩm tra của Ban Kinh tế - Xã hội",
        "Phát biểu, từ 08:40:00 đến 08:44:05 (4 phút 05 giây)",
        "Chất vấn, từ 08:45:00 đến 08:47:00 (2 phút 00 giây; hết thời gian)",
        "Trả lời chất vấn, từ 08:47:10, đang phát biểu",
        "Tán thành: 5/8 đại biểu (62,50% tổng số đại biểu)",
        "Kết quả: Nghị quyết được thông qua",
        "CHỦ TỌA",
        "THƯ KÝ",
        "Trang 1/",
    };
    for (guint i = 0; i < G_N_ELEMENTS(wanted); i++)
        if (!strstr(text, wanted[i]))
            g_error("the PDF's text lacks \"%s\":\n%s", wanted[i], text);
    for (guint i = 0; i < G_N_ELEMENTS(names_nfc); i++) {
        g_autofree char *decomposed = nfd(names_nfc[i]);
        if (!strstr(text, names_nfc[i]))
            g_error("the PDF's text lacks \"%s\" (NFC):\n%s", names_nfc[i], text);
        g_assert_null(strstr(text, decomposed));
    }
}

/* A roster longer than a page flows on, and every page says which of how many it is. */
static void test_pages(void)
{
    g_autoptr(MinutesData) d = fixture(120);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) pdf = minutes_render_pdf(d, &error);
    g_assert_no_error(error);
    g_autofree char *text = pdf_text(pdf);
    if (!text)
        return;
    g_assert_nonnull(strstr(text, "có mặt: 126/128 đại biểu"));
    g_assert_nonnull(strstr(text, "120. Đại biểu thứ 114"));
    /* 128 names at one line each fill three pages or more. */
    guint pages = 0;
    for (guint p = 1; p < 10; p++) {
        g_autofree char *footer = g_strdup_printf("Trang %u/", p);
        if (strstr(text, footer))
            pages = p;
    }
    g_assert_cmpuint(pages, >=, 3);
    g_autofree char *last = g_strdup_printf("Trang %u/%u", pages, pages);
    g_assert_nonnull(strstr(text, last));
}

/* Empty sections say so rather than vanish; no data is still a document. */
static void test_empty(void)
{
    g_autoptr(MinutesData) d = minutes_data_new();
    g_autoptr(GError) error = NULL;
    d->body_name = g_strdup("Ủy ban nhân dân tỉnh Sơn Hà");
    d->meeting_title = g_strdup("Phiên họp thường kỳ tháng 11");
    d->meeting_kind = g_strdup("regular");
    d->generated_us = T0;
    g_autoptr(GBytes) pdf = minutes_render_pdf(d, &error);
    g_assert_no_error(error);
    g_autofree char *text = pdf_text(pdf);
    if (!text)
        return;
    g_assert_nonnull(strstr(text, "Chưa có lượt phát biểu nào được ghi nhận."));
    g_assert_nonnull(strstr(text, "Chưa có kết quả biểu quyết."));
    g_assert_nonnull(strstr(text, "có mặt: 0/0 đại biểu"));
    g_assert_nonnull(strstr(text, "Trang 1/1"));
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/minutes/vietnamese-text", test_vietnamese_text);
    g_test_add_func("/minutes/pages", test_pages);
    g_test_add_func("/minutes/empty", test_empty);
    return g_test_run();
}
