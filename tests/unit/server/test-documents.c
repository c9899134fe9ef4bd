/* Documents without a disk or a database: type detection by content (including hostile ZIP
 * structures), display names and Content-Disposition. */
#include "documents/documents.h"

#include <string.h>

/* A ZIP of stored entries; names and contents in pairs, NULL-terminated. */
static GByteArray *make_zip(const char *const *entries)
{
    GByteArray *out = g_byte_array_new();
    GByteArray *cd = g_byte_array_new();
    guint n = 0;
    for (guint i = 0; entries[i]; i += 2, n++) {
        const char *name = entries[i], *data = entries[i + 1];
        guint16 nl = (guint16)strlen(name);
        guint32 dl = (guint32)strlen(data), off = out->len;
        guint8 local[30] = {'P', 'K', 3, 4, 20};
        local[18] = local[22] = (guint8)dl;
        local[26] = (guint8)nl;
        g_byte_array_append(out, local, sizeof(local));
        g_byte_array_append(out, (const guint8 *)name, nl);
        g_byte_array_append(out, (const guint8 *)data, dl);
        guint8 central[46] = {'P', 'K', 1, 2, 20, 0, 20};
        central[20] = central[24] = (guint8)dl;
        central[28] = (guint8)nl;
        central[42] = (guint8)(off & 0xff);
        central[43] = (guint8)(off >> 8);
        g_byte_array_append(cd, central, sizeof(central));
        g_byte_array_append(cd, (const guint8 *)name, nl);
    }
    guint32 cd_off = out->len;
    g_byte_array_append(out, cd->data, cd->len);
    guint8 eocd[22] = {'P', 'K', 5, 6};
    eocd[8] = eocd[10] = (guint8)n;
    eocd[12] = (guint8)(cd->len & 0xff);
    eocd[13] = (guint8)(cd->len >> 8);
    eocd[16] = (guint8)(cd_off & 0xff);
    eocd[17] = (guint8)(cd_off >> 8);
    g_byte_array_append(out, eocd, sizeof(eocd));
    g_byte_array_unref(cd);
    return out;
}

static DocType detect_zip(const char *const *entries)
{
    g_autoptr(GByteArray) z = make_zip(entries);
    return doc_type_detect_bytes(z->data, z->len);
}

static void test_signatures(void)
{
    static const guint8 png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    static const guint8 jpeg[] = {0xff, 0xd8, 0xff, 0xe1, 0, 0};
    static const guint8 ole[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0};
    g_assert_cmpint(doc_type_detect_bytes(png, sizeof(png)), ==, DOC_TYPE_PNG);
    g_assert_cmpint(doc_type_detect_bytes(jpeg, sizeof(jpeg)), ==, DOC_TYPE_JPEG);
    g_assert_cmpint(doc_type_detect_bytes(ole, sizeof(ole)), ==, DOC_TYPE_OLE);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"%PDF-1.7\n", 9), ==, DOC_TYPE_PDF);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"\r\n\n%PDF-1.4", 11), ==, DOC_TYPE_PDF);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"GIF89a..", 8), ==, DOC_TYPE_GIF);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"\x7f"
                                                          "ELF\2\1",
                                          6),
                    ==, DOC_TYPE_EXECUTABLE);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"MZ\x90", 3), ==, DOC_TYPE_EXECUTABLE);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"Chào bạn\n", 11), ==, DOC_TYPE_TEXT);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"  <html>", 8), ==, DOC_TYPE_HTML);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"a\0b", 3), ==, DOC_TYPE_UNKNOWN);
    g_assert_cmpint(doc_type_detect_bytes((const guint8 *)"", 0), ==, DOC_TYPE_EMPTY);
    g_assert_true(doc_type_is_accepted(DOC_TYPE_PDF));
    g_assert_false(doc_type_is_accepted(DOC_TYPE_GIF));
    g_assert_null(doc_type_media_type(DOC_TYPE_ZIP_OTHER));
    g_assert_cmpstr(doc_type_media_type(DOC_TYPE_ODT), ==,
                    "application/vnd.oasis.opendocument.text");
    g_assert_cmpstr(doc_type_describe((DocType)999), ==, "unrecognised binary data");
}

static void test_zip_formats(void)
{
    const char *docx[] = {"[Content_Types].xml", "<T/>", "word/document.xml", "<w/>", NULL};
    const char *xlsx[] = {"[Content_Types].xml", "<T/>", "xl/workbook.xml", "<x/>", NULL};
    const char *pptx[] = {"[Content_Types].xml", "<T/>", "ppt/presentation.xml", "<p/>", NULL};
    const char *mixed[] = {"[Content_Types].xml", "<T/>", "word/a", "1", "xl/b", "2", NULL};
    const char *odt[] = {"mimetype", "application/vnd.oasis.opendocument.text", "content.xml",
                         "<c/>", NULL};
    const char *ods[] = {"mimetype", "application/vnd.oasis.opendocument.spreadsheet", "c", "1",
                         NULL};
    const char *odt_late[] = {"content.xml", "<c/>", "mimetype",
                              "application/vnd.oasis.opendocument.text", NULL};
    const char *plain[] = {"readme.txt", "hello", NULL};
    g_assert_cmpint(detect_zip(docx), ==, DOC_TYPE_DOCX);
    g_assert_cmpint(detect_zip(xlsx), ==, DOC_TYPE_XLSX);
    g_assert_cmpint(detect_zip(pptx), ==, DOC_TYPE_PPTX);
    g_assert_cmpint(detect_zip(mixed), ==, DOC_TYPE_ZIP_OTHER);
    g_assert_cmpint(detect_zip(odt), ==, DOC_TYPE_ODT);
    g_assert_cmpint(detect_zip(ods), ==, DOC_TYPE_ODF_OTHER);
    g_assert_cmpint(detect_zip(odt_late), ==, DOC_TYPE_ZIP_OTHER); /* mimetype must come first */
    g_assert_cmpint(detect_zip(plain), ==, DOC_TYPE_ZIP_OTHER);
}

/* Every truncation and every single-byte corruption of a DOCX is judged without reading out of
 * bounds (the sanitizers watch), and truncations are never taken for a DOCX. */
static void test_zip_hostile(void)
{
    const char *docx[] = {"[Content_Types].xml", "<T/>", "word/document.xml", "<w/>", NULL};
    g_autoptr(GByteArray) z = make_zip(docx);
    for (guint len = 0; len < z->len; len++) {
        DocType t = doc_type_detect_bytes(z->data, len);
        g_assert_cmpint(t, !=, DOC_TYPE_DOCX);
    }
    for (guint i = 0; i < z->len; i++) {
        for (guint v = 0; v < 256; v += 51) {
            guint8 saved = z->data[i];
            z->data[i] = (guint8)v;
            (void)doc_type_detect_bytes(z->data, z->len);
            z->data[i] = saved;
        }
    }
    /* A directory that claims more than the file holds. */
    g_autoptr(GByteArray) big = make_zip(docx);
    big->data[big->len - 22 + 12] = 0xff;
    big->data[big->len - 22 + 13] = 0xff;
    g_assert_cmpint(doc_type_detect_bytes(big->data, big->len), ==, DOC_TYPE_ZIP_DAMAGED);
    /* Saturated fields without a ZIP64 locator. */
    g_autoptr(GByteArray) z64 = make_zip(docx);
    memset(z64->data + z64->len - 22 + 16, 0xff, 4);
    g_assert_cmpint(doc_type_detect_bytes(z64->data, z64->len), ==, DOC_TYPE_ZIP_DAMAGED);
}

static void test_display_names(void)
{
    struct {
        const char *raw, *want;
    } cases[] = {
        {"../../etc/passwd", "passwd"},
        {"C:\\Users\\a\\Tờ trình.pdf", "Tờ trình.pdf"},
        {"  báo cáo .docx  ", "báo cáo .docx"},
        {"hop\xe2\x80\xae"
         "fdp.exe",
         "hopfdp.exe"}, /* U+202E removed */
        {"a\tb\x01"
         "c",
         "abc"},
        {"..", "document"},
        {"dir/", "document"},
        {"", "document"},
        {"\xff\xfe.pdf", "\xef\xbf\xbd\xef\xbf\xbd.pdf"}, /* invalid UTF-8 replaced */
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = doc_display_name(cases[i].raw);
        g_assert_cmpstr(got, ==, cases[i].want);
    }
    g_autofree char *null_name = doc_display_name(NULL);
    g_assert_cmpstr(null_name, ==, "document");
    /* 255 bytes at most, cut on a character boundary. */
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < 200; i++)
        g_string_append(s, "ờ"); /* 3 bytes */
    g_autofree char *cut = doc_display_name(s->str);
    g_assert_cmpuint(strlen(cut), ==, 255);
    g_assert_true(g_utf8_validate(cut, -1, NULL));
    g_string_free(s, TRUE);
}

static void test_disposition(void)
{
    g_autofree char *d = doc_content_disposition("Tờ trình \"số 1\".pdf", "inline");
    g_assert_cmpstr(d, ==,
                    "inline; filename=\"T_ tr_nh _s_ 1_.pdf\"; "
                    "filename*=UTF-8''T%E1%BB%9D%20tr%C3%ACnh%20%22s%E1%BB%91%201%22.pdf");
    g_assert_true(
        doc_sha256_hex_valid("3bf49518050c487d930c618b53f612fe669fd38d828cfdc903a4aa71319cca83"));
    g_assert_false(doc_sha256_hex_valid("../../etc/passwd"));
    g_assert_false(
        doc_sha256_hex_valid("3BF49518050c487d930c618b53f612fe669fd38d828cfdc903a4aa71319cca83"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/documents/type/signatures", test_signatures);
    g_test_add_func("/documents/type/zip-formats", test_zip_formats);
    g_test_add_func("/documents/type/zip-hostile", test_zip_hostile);
    g_test_add_func("/documents/names/display", test_display_names);
    g_test_add_func("/documents/names/disposition", test_disposition);
    return g_test_run();
}
