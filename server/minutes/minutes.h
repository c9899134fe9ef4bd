/* minutes.h: the draft minutes (biên bản) of a meeting as a PDF, from the meeting's record.
 *
 * DOMAIN.md: "Biên bản (minutes), thông báo kết luận (conclusions), nghị quyết (resolutions) are
 * produced from the record and signed (chữ ký số) by the chair; the signed file is the record."
 * This is the draft the session secretary reviews before signing: the national header (Quốc hiệu
 * and Tiêu ngữ), the body, BIÊN BẢN and the meeting, its time and place, attendance (present /
 * total, with names), the agenda, the speakers with their times, the votes, and the signature
 * blocks of the secretary (THƯ KÝ) and the chair (CHỦ TỌA). A4, serif type with every Vietnamese
 * diacritic (DejaVu Serif from fonts-dejavu-core, or another serif fontconfig finds).
 *
 * Pure: a MinutesData in, PDF bytes out; no database, no clock (every time is in the data). It
 * renders with Cairo and Pango on a font map of its own, so it may run on any thread, several at
 * once; a render takes tens of milliseconds, so the server runs it off the main loop. Text is
 * normalised to NFC first, so names typed with combining marks come out of the PDF (and of
 * pdftotext) exactly as precomposed text.
 *
 * Errors (MINUTES_ERROR): RENDER when Cairo fails (out of memory, a broken font).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MINUTES_ERROR (minutes_error_quark())
GQuark minutes_error_quark(void);
typedef enum { MINUTES_ERROR_RENDER } MinutesError;

/* A person as the minutes name them. */
typedef struct {
    char *full_name;
    char *title; /* chức vụ; may be empty */
} MinutesPerson;

/* An agenda item: number ("2", "2.1"), title, presenter (may be empty). */
typedef struct {
    char *number;
    char *title;
    char *presenter;
} MinutesItem;

/* A turn at the floor. */
typedef struct {
    char *full_name;
    char *title;
    char *kind; /* speech, question, answer, point_of_order */
    gint64 started_us;
    gint64 ended_us;  /* 0: still speaking when the draft was made */
    char *end_reason; /* finished, revoked, time_up, or NULL */
} MinutesSpeaker;

/* A vote's result, in the words of the law, one line each ("Tán thành: 41/50 đại biểu, 82,00%
 * tổng số đại biểu"; "Kết quả: Nghị quyết được thông qua"). The voting work fills these from
 * its polls (the hook is minutes_record_gather_votes() in minutes-record.h); the renderer prints
 * them as given, under the title. */
typedef struct {
    char *title;
    GPtrArray *lines; /* char* */
} MinutesVote;

typedef struct {
    char *body_name;     /* "Hội đồng nhân dân tỉnh Sơn Hà" */
    char *meeting_title; /* "Kỳ họp thứ Năm (chuyên đề) ..." */
    char *meeting_kind;  /* regular, extraordinary, first_of_term, thematic, interpellation */
    gboolean is_public;
    char *location;
    gint64 starts_us;       /* planned start; 0: not set */
    gint64 opened_us;       /* 0: not opened */
    gint64 closed_us;       /* 0: not closed */
    guint total_members;    /* the roster: tổng số đại biểu */
    GPtrArray *present;     /* MinutesPerson: members who checked in */
    GPtrArray *absent;      /* MinutesPerson: members who did not */
    GPtrArray *guests;      /* MinutesPerson: guests who checked in or spoke */
    GPtrArray *agenda;      /* MinutesItem */
    GPtrArray *speakers;    /* MinutesSpeaker, in order */
    GPtrArray *votes;       /* MinutesVote; empty until votes exist */
    char *chair_name;       /* may be NULL: a blank to sign */
    char *secretary_name;   /* may be NULL */
    gint64 generated_us;    /* when the draft was made */
    int utc_offset_minutes; /* local time of the body: Vietnam is UTC+7, 420 */
} MinutesData;

/* A zeroed MinutesData with its arrays made (transfer full). */
MinutesData *minutes_data_new(void);
void minutes_data_free(MinutesData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MinutesData, minutes_data_free)

/* Appends to an array of the data; strings are copied (NULL becomes ""). */
void minutes_add_person(GPtrArray *people, const char *full_name, const char *title);
void minutes_add_item(MinutesData *data, const char *number, const char *title,
                      const char *presenter);
void minutes_add_speaker(MinutesData *data, const char *full_name, const char *title,
                         const char *kind, gint64 started_us, gint64 ended_us,
                         const char *end_reason);
/* Adds a vote with its lines (a NULL-terminated array, copied). */
void minutes_add_vote(MinutesData *data, const char *title, const char *const *lines);

/* Renders the draft minutes. Returns (transfer full) the PDF, or NULL with MINUTES_ERROR_RENDER.
 * Any thread. */
GBytes *minutes_render_pdf(const MinutesData *data, GError **error);

G_END_DECLS
