/* doc-type.c: content sniffing for uploaded documents.
 *
 * The signatures at the start of the file decide most types (PDF's "%PDF-" within the first
 * 1024 bytes, as PDF readers allow; the PNG signature; JPEG's FF D8 FF; and those of the refused
 * types, for the message). A file that starts like a ZIP archive ("PK\3\4") is read the way an
 * unzip tool reads it, from the end: the end-of-central-directory record in the last 64 KiB + 22
 * bytes (a ZIP64 record when the classic one says so), then the central directory itself, whose
 * entries name the parts. Office Open XML has a "[Content_Types].xml" part and keeps its main
 * part under "word/" (DOCX), "xl/" (XLSX) or "ppt/" (PPTX, refused). OpenDocument stores its
 * media type, uncompressed, as the first entry "mimetype" (ODF 1.2 part 3 §3.3), which is read
 * from the local header at offset 0. Nothing is decompressed.
 *
 * All parsing goes through Reader, a bounds-checked little-endian reader over a buffer that was
 * actually read: a field that does not fit what was read makes the archive "damaged", never an
 * out-of-bounds access.
 */
#include "documents.h"

#include <string.h>

#define HEAD_BYTES    4096
#define EOCD_SIZE     22
#define EOCD_MAX_BACK (EOCD_SIZE + 65535)
#define CDIR_ENTRY    46
#define LOCAL_HEADER  30
#define ZIP64_LOCATOR 20
#define ZIP64_EOCD    56
#define MAX_ENTRIES   200000

typedef struct {
    const guint8 *data;
    gsize len;
} Reader;

static gboolean rd_u16(const Reader *r, gsize at, guint32 *out)
{
    if (at > r->len || r->len - at < 2)
        return FALSE;
    *out = (guint32)r->data[at] | (guint32)r->data[at + 1] << 8;
    return TRUE;
}

static gboolean rd_u32(const Reader *r, gsize at, guint32 *out)
{
    if (at > r->len || r->len - at < 4)
        return FALSE;
    *out = (guint32)r->data[at] | (guint32)r->data[at + 1] << 8 | (guint32)r->data[at + 2] << 16 |
           (guint32)r->data[at + 3] << 24;
    return TRUE;
}

static gboolean rd_u64(const Reader *r, gsize at, guint64 *out)
{
    guint32 lo = 0, hi = 0;
    if (!rd_u32(r, at, &lo) || !rd_u32(r, at + 4, &hi))
        return FALSE;
    *out = (guint64)hi << 32 | lo;
    return TRUE;
}

static gboolean rd_bytes(const Reader *r, gsize at, gsize n, const guint8 **out)
{
    if (at > r->len || r->len - at < n)
        return FALSE;
    *out = r->data + at;
    return TRUE;
}

/* Reads exactly len bytes at offset (FALSE when fewer are there). */
static gboolean read_exact(DocReadFunc read, gpointer source, guint64 offset, guint8 *buf,
                           gsize len)
{
    gsize done = 0;
    while (done < len) {
        gssize n = read(source, offset + done, buf + done, len - done);
        if (n <= 0)
            return FALSE;
        done += (gsize)n;
    }
    return TRUE;
}

static gboolean starts_with(const guint8 *p, gsize len, const char *magic, gsize mlen)
{
    return len >= mlen && memcmp(p, magic, mlen) == 0;
}

/* Text: valid UTF-8 (a character cut by the window's end is allowed) without NULs or control
 * characters other than tab, CR, LF and FF. */
static DocType sniff_text(const guint8 *p, gsize len, gboolean complete)
{
    const char *end = NULL;
    if (!g_utf8_validate((const char *)p, (gssize)len, &end)) {
        gsize good = (gsize)((const guint8 *)end - p);
        if (complete || len - good > 3)
            return DOC_TYPE_UNKNOWN;
        len = good;
    }
    for (gsize i = 0; i < len; i++) {
        guint8 c = p[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            return DOC_TYPE_UNKNOWN;
        if (c == 0x7f)
            return DOC_TYPE_UNKNOWN;
    }
    gsize i = 0;
    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3;
    while (i < len && g_ascii_isspace(p[i]))
        i++;
    return i < len && p[i] == '<' ? DOC_TYPE_HTML : DOC_TYPE_TEXT;
}

typedef struct {
    guint64 cd_offset;
    guint64 cd_size;
    guint64 entries;
} ZipDirectory;

/* Finds the central directory from the end-of-central-directory record (APPNOTE.TXT 4.3.16),
 * following the ZIP64 locator (4.3.15) when a field is saturated. */
static gboolean zip_find_directory(DocReadFunc read, gpointer source, guint64 size,
                                   ZipDirectory *dir)
{
    if (size < EOCD_SIZE)
        return FALSE;
    gsize back = (gsize)MIN(size, (guint64)EOCD_MAX_BACK);
    g_autofree guint8 *tail = g_malloc(back);
    guint64 tail_start = size - back;
    if (!read_exact(read, source, tail_start, tail, back))
        return FALSE;
    Reader r = {tail, back};
    /* The record is the last "PK\5\6" whose comment length reaches exactly the end. */
    for (gsize i = back - EOCD_SIZE + 1; i-- > 0;) {
        if (tail[i] != 'P' || tail[i + 1] != 'K' || tail[i + 2] != 5 || tail[i + 3] != 6)
            continue;
        guint32 comment = 0, entries = 0, cd_size = 0, cd_offset = 0;
        if (!rd_u16(&r, i + 20, &comment) || i + EOCD_SIZE + comment != back)
            continue;
        if (!rd_u16(&r, i + 10, &entries) || !rd_u32(&r, i + 12, &cd_size) ||
            !rd_u32(&r, i + 16, &cd_offset))
            return FALSE;
        dir->entries = entries;
        dir->cd_size = cd_size;
        dir->cd_offset = cd_offset;
        guint64 eocd_at = tail_start + i;
        if (entries == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
            if (eocd_at < ZIP64_LOCATOR)
                return FALSE;
            guint8 loc[ZIP64_LOCATOR], rec[ZIP64_EOCD];
            guint32 sig = 0;
            guint64 rec_at = 0;
            Reader lr = {loc, sizeof(loc)};
            if (!read_exact(read, source, eocd_at - ZIP64_LOCATOR, loc, sizeof(loc)) ||
                !rd_u32(&lr, 0, &sig) || sig != 0x07064b50u || !rd_u64(&lr, 8, &rec_at) ||
                rec_at > eocd_at - ZIP64_LOCATOR || eocd_at - ZIP64_LOCATOR - rec_at < ZIP64_EOCD)
                return FALSE;
            Reader rr = {rec, sizeof(rec)};
            if (!read_exact(read, source, rec_at, rec, sizeof(rec)) || !rd_u32(&rr, 0, &sig) ||
                sig != 0x06064b50u || !rd_u64(&rr, 32, &dir->entries) ||
                !rd_u64(&rr, 40, &dir->cd_size) || !rd_u64(&rr, 48, &dir->cd_offset))
                return FALSE;
            eocd_at = rec_at;
        }
        /* The directory lies before the record that describes it. */
        return dir->cd_offset <= eocd_at && dir->cd_size <= eocd_at - dir->cd_offset;
    }
    return FALSE;
}

typedef struct {
    gboolean content_types;
    gboolean word, xl, ppt;
    gboolean mimetype;
} ZipParts;

static gboolean zip_walk_directory(const Reader *cd, guint64 entries, ZipParts *parts)
{
    gsize at = 0;
    for (guint64 e = 0; e < entries; e++) {
        guint32 sig = 0, name_len = 0, extra_len = 0, comment_len = 0;
        const guint8 *name = NULL;
        if (!rd_u32(cd, at, &sig) || sig != 0x02014b50u || !rd_u16(cd, at + 28, &name_len) ||
            !rd_u16(cd, at + 30, &extra_len) || !rd_u16(cd, at + 32, &comment_len) ||
            !rd_bytes(cd, at + CDIR_ENTRY, name_len, &name))
            return FALSE;
        if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
            parts->content_types = TRUE;
        else if (name_len == 8 && memcmp(name, "mimetype", 8) == 0)
            parts->mimetype = TRUE;
        else if (starts_with(name, name_len, "word/", 5))
            parts->word = TRUE;
        else if (starts_with(name, name_len, "xl/", 3))
            parts->xl = TRUE;
        else if (starts_with(name, name_len, "ppt/", 4))
            parts->ppt = TRUE;
        at += CDIR_ENTRY + (gsize)name_len + extra_len + comment_len;
    }
    return TRUE;
}

/* OpenDocument: the first local header is "mimetype", stored, holding the media type. */
static DocType odf_type(const guint8 *head, gsize head_len)
{
    Reader r = {head, head_len};
    guint32 sig = 0, method = 0, csize = 0, name_len = 0, extra_len = 0;
    const guint8 *name = NULL, *value = NULL;
    if (!rd_u32(&r, 0, &sig) || sig != 0x04034b50u || !rd_u16(&r, 8, &method) ||
        !rd_u32(&r, 18, &csize) || !rd_u16(&r, 26, &name_len) || !rd_u16(&r, 28, &extra_len) ||
        name_len != 8 || !rd_bytes(&r, LOCAL_HEADER, 8, &name) || memcmp(name, "mimetype", 8) != 0)
        return DOC_TYPE_ZIP_OTHER;
    if (method != 0 || csize > 200 ||
        !rd_bytes(&r, LOCAL_HEADER + 8 + (gsize)extra_len, csize, &value))
        return DOC_TYPE_ZIP_OTHER;
    static const char odt[] = "application/vnd.oasis.opendocument.text";
    if (csize == sizeof(odt) - 1 && memcmp(value, odt, csize) == 0)
        return DOC_TYPE_ODT;
    static const char odf[] = "application/vnd.oasis.opendocument.";
    if (csize > sizeof(odf) - 1 && memcmp(value, odf, sizeof(odf) - 1) == 0)
        return DOC_TYPE_ODF_OTHER;
    return DOC_TYPE_ZIP_OTHER;
}

static DocType zip_type(DocReadFunc read, gpointer source, guint64 size, const guint8 *head,
                        gsize head_len)
{
    ZipDirectory dir = {0};
    if (!zip_find_directory(read, source, size, &dir))
        return DOC_TYPE_ZIP_DAMAGED;
    if (dir.cd_size > DOC_TYPE_MAX_DIRECTORY || dir.entries > MAX_ENTRIES ||
        dir.entries * CDIR_ENTRY > dir.cd_size)
        return DOC_TYPE_ZIP_DAMAGED;
    g_autofree guint8 *buf = g_malloc(MAX(dir.cd_size, 1));
    if (!read_exact(read, source, dir.cd_offset, buf, (gsize)dir.cd_size))
        return DOC_TYPE_ZIP_DAMAGED;
    Reader cd = {buf, (gsize)dir.cd_size};
    ZipParts parts = {0};
    if (!zip_walk_directory(&cd, dir.entries, &parts))
        return DOC_TYPE_ZIP_DAMAGED;
    if (parts.content_types) {
        /* A package has one main part; a document that mixes them is not one we know. */
        guint kinds = (guint)parts.word + (guint)parts.xl + (guint)parts.ppt;
        if (kinds == 1 && parts.word)
            return DOC_TYPE_DOCX;
        if (kinds == 1 && parts.xl)
            return DOC_TYPE_XLSX;
        if (kinds == 1 && parts.ppt)
            return DOC_TYPE_PPTX;
        return DOC_TYPE_ZIP_OTHER;
    }
    if (parts.mimetype)
        return odf_type(head, head_len);
    return DOC_TYPE_ZIP_OTHER;
}

DocType doc_type_detect(DocReadFunc read, gpointer source, guint64 size)
{
    g_return_val_if_fail(read != NULL, DOC_TYPE_UNKNOWN);
    if (size == 0)
        return DOC_TYPE_EMPTY;
    guint8 head[HEAD_BYTES];
    gsize n = (gsize)MIN(size, (guint64)sizeof(head));
    if (!read_exact(read, source, 0, head, n))
        return DOC_TYPE_UNKNOWN;

    static const guint8 png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const guint8 jpeg[] = {0xff, 0xd8, 0xff};
    static const guint8 ole[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    static const guint8 gzip[] = {0x1f, 0x8b};
    static const guint8 sevenz[] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c};
    static const guint8 elf[] = {0x7f, 'E', 'L', 'F'};

    if (starts_with(head, n, (const char *)png, sizeof(png)))
        return DOC_TYPE_PNG;
    if (starts_with(head, n, (const char *)jpeg, sizeof(jpeg)))
        return DOC_TYPE_JPEG;
    if (starts_with(head, n, "PK\3\4", 4))
        return zip_type(read, source, size, head, n);
    if (starts_with(head, n, "PK\5\6", 4))
        return DOC_TYPE_ZIP_OTHER; /* an empty archive */
    /* PDF readers accept the header anywhere in the first 1024 bytes. */
    for (gsize i = 0; i + 5 <= MIN(n, (gsize)1024); i++)
        if (memcmp(head + i, "%PDF-", 5) == 0)
            return DOC_TYPE_PDF;
    if (starts_with(head, n, (const char *)ole, sizeof(ole)))
        return DOC_TYPE_OLE;
    if (starts_with(head, n, "GIF87a", 6) || starts_with(head, n, "GIF89a", 6))
        return DOC_TYPE_GIF;
    if (n >= 12 && memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WEBP", 4) == 0)
        return DOC_TYPE_WEBP;
    if (starts_with(head, n, "II*\0", 4) || starts_with(head, n, "MM\0*", 4))
        return DOC_TYPE_TIFF;
    if (starts_with(head, n, (const char *)gzip, sizeof(gzip)))
        return DOC_TYPE_GZIP;
    if (starts_with(head, n, "Rar!\x1a\x07", 6))
        return DOC_TYPE_RAR;
    if (starts_with(head, n, (const char *)sevenz, sizeof(sevenz)))
        return DOC_TYPE_7Z;
    if (starts_with(head, n, (const char *)elf, sizeof(elf)) || starts_with(head, n, "MZ", 2) ||
        starts_with(head, n, "#!", 2))
        return DOC_TYPE_EXECUTABLE;
    return sniff_text(head, n, size <= sizeof(head));
}

typedef struct {
    const guint8 *data;
    gsize len;
} Memory;

static gssize memory_read(gpointer source, guint64 offset, guint8 *buf, gsize len)
{
    const Memory *m = source;
    if (offset >= m->len)
        return 0;
    gsize n = MIN(len, m->len - (gsize)offset);
    memcpy(buf, m->data + offset, n);
    return (gssize)n;
}

DocType doc_type_detect_bytes(const guint8 *data, gsize len)
{
    Memory m = {data, len};
    return doc_type_detect(memory_read, &m, len);
}

static const struct {
    const char *name;
    const char *media_type; /* accepted types only */
    const char *description;
} type_info[] = {
    [DOC_TYPE_UNKNOWN] = {"unknown", NULL, "unrecognised binary data"},
    [DOC_TYPE_PDF] = {"PDF", "application/pdf", "a PDF document"},
    [DOC_TYPE_PNG] = {"PNG", "image/png", "a PNG image"},
    [DOC_TYPE_JPEG] = {"JPEG", "image/jpeg", "a JPEG image"},
    [DOC_TYPE_DOCX] = {"DOCX",
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       "a Word document (DOCX)"},
    [DOC_TYPE_XLSX] = {"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       "an Excel workbook (XLSX)"},
    [DOC_TYPE_ODT] = {"ODT", "application/vnd.oasis.opendocument.text",
                      "an OpenDocument text (ODT)"},
    [DOC_TYPE_EMPTY] = {"empty", NULL, "an empty file"},
    [DOC_TYPE_TEXT] = {"text", NULL, "plain text"},
    [DOC_TYPE_HTML] = {"HTML", NULL, "HTML or XML text"},
    [DOC_TYPE_GIF] = {"GIF", NULL, "a GIF image"},
    [DOC_TYPE_WEBP] = {"WebP", NULL, "a WebP image"},
    [DOC_TYPE_TIFF] = {"TIFF", NULL, "a TIFF image"},
    [DOC_TYPE_OLE] = {"DOC/XLS", NULL,
                      "a legacy Word, Excel or PowerPoint file (DOC/XLS/PPT, Office 97-2003)"},
    [DOC_TYPE_PPTX] = {"PPTX", NULL, "a PowerPoint presentation (PPTX)"},
    [DOC_TYPE_ODF_OTHER] = {"ODF", NULL,
                            "an OpenDocument file other than text (spreadsheet, presentation)"},
    [DOC_TYPE_ZIP_OTHER] = {"ZIP", NULL,
                            "a ZIP archive that is not a Word, Excel or OpenDocument text file"},
    [DOC_TYPE_ZIP_DAMAGED] = {"ZIP", NULL, "a damaged or incomplete ZIP archive"},
    [DOC_TYPE_GZIP] = {"gzip", NULL, "a gzip archive"},
    [DOC_TYPE_RAR] = {"RAR", NULL, "a RAR archive"},
    [DOC_TYPE_7Z] = {"7z", NULL, "a 7-Zip archive"},
    [DOC_TYPE_EXECUTABLE] = {"executable", NULL, "an executable program or script"},
};

static gboolean type_valid(DocType type)
{
    return (guint)type < G_N_ELEMENTS(type_info) && type_info[type].name;
}

gboolean doc_type_is_accepted(DocType type)
{
    return type_valid(type) && type_info[type].media_type != NULL;
}

const char *doc_type_media_type(DocType type)
{
    return type_valid(type) ? type_info[type].media_type : NULL;
}

const char *doc_type_name(DocType type)
{
    return type_valid(type) ? type_info[type].name : "unknown";
}

const char *doc_type_describe(DocType type)
{
    return type_valid(type) ? type_info[type].description : "unrecognised binary data";
}
