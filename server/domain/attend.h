/* attend.h: attendance of a meeting and its presence quorum (pure: no I/O, no clock).
 *
 * DOMAIN.md: "Each member checks in (in the hall, at a remote site, or alone online) and may leave
 * and return; every change is recorded with time and site. The live count shows present / total
 * members. A presence quorum (commonly 2/3 of members in councils' own rules) is (configurable)."
 *
 * An AttendRoll holds the roster of one meeting and who is present where; it is fed check-in and
 * check-out events, live or replayed from the store, and answers present / total. It has one owner
 * and is not locked: use it from one thread. Times are microseconds since the Unix epoch as stored
 * with the events; the roll never reads a clock.
 *
 * Errors: ATTEND_ERROR_NOT_MEMBER for someone not on the roster (guests are not counted),
 * ATTEND_ERROR_OUT_OF_ORDER for an event older than one already applied, ATTEND_ERROR_INVALID for
 * a bad roster or event, ATTEND_ERROR_PARSE for a quorum that does not parse.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ATTEND_ERROR (attend_error_quark())
GQuark attend_error_quark(void);

typedef enum {
    ATTEND_ERROR_INVALID,
    ATTEND_ERROR_NOT_MEMBER,
    ATTEND_ERROR_OUT_OF_ORDER,
    ATTEND_ERROR_PARSE,
} AttendError;

/* A member at no hall ("alone online") is at this site. */
#define ATTEND_SITE_ONLINE 0

typedef enum {
    ATTEND_CHECK_IN = 1,
    ATTEND_CHECK_OUT,
} AttendEventKind;

typedef struct {
    gint64 member_id;
    AttendEventKind kind;
    gint64 at_us;
    gint64 site_id; /* check-in: the site (ATTEND_SITE_ONLINE alone online); check-out: ignored */
} AttendEvent;

typedef enum {
    ATTEND_CHANGE_NONE = 1,    /* nothing changed (checked in again at the same site, or checked
                                * out while absent): nothing to record or announce */
    ATTEND_CHANGE_CHECKED_IN,  /* was absent, now present */
    ATTEND_CHANGE_MOVED,       /* was present, now at another site: still present */
    ATTEND_CHANGE_CHECKED_OUT, /* was present, now absent */
} AttendChange;

typedef struct _AttendRoll AttendRoll;

/* Makes a roll for the members of the roster (n_roster ids, all absent). Fails with
 * ATTEND_ERROR_INVALID when an id appears twice. Returns (transfer full). */
AttendRoll *attend_roll_new(const gint64 *roster, gsize n_roster, GError **error);
void attend_roll_free(AttendRoll *roll);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AttendRoll, attend_roll_free)

/* Applies one event. Events must come in time order (equal times are fine, applied in the order
 * given). On success *change (may be NULL) says what changed; on failure the roll is unchanged. */
gboolean attend_roll_apply(AttendRoll *roll, const AttendEvent *event, AttendChange *change,
                           GError **error);

/* Applies, in time order, the events with at_us <= until_us (G_MAXINT64 for all) from an unordered
 * set; events with equal times keep the order given. On a fresh roll this reproduces attendance at
 * `until_us`. Stops at the first event that fails, with its index in the message; the events
 * before it stay applied. */
gboolean attend_roll_replay(AttendRoll *roll, const AttendEvent *events, gsize n_events,
                            gint64 until_us, GError **error);

/* Members on the roster. */
guint attend_roll_get_total(const AttendRoll *roll);

/* Members present now. */
guint attend_roll_get_present(const AttendRoll *roll);

/* Members present at `site_id`. */
guint attend_roll_count_at_site(const AttendRoll *roll, gint64 site_id);

/* TRUE when member_id is present; its site goes to *site_id (may be NULL). */
gboolean attend_roll_is_present(const AttendRoll *roll, gint64 member_id, gint64 *site_id);

/* The members present, ascending. Returns (transfer full) n_present ids (NULL when none). */
gint64 *attend_roll_dup_present(const AttendRoll *roll, gsize *n_present);

/* ---- presence quorum ---- */

/* "At least numerator/denominator of all members": met when
 * present * denominator >= numerator * total. The fraction is kept as given (2/3, 50/100). */
typedef struct {
    guint numerator;
    guint denominator;
} AttendQuorum;

#define ATTEND_QUORUM_MAX_TERM 1000000

/* Parses "N/D" (decimal digits, no spaces, 1 <= D <= 1000000, 0 <= N <= D). FALSE with
 * ATTEND_ERROR_PARSE otherwise. */
gboolean attend_quorum_parse(const char *text, AttendQuorum *quorum, GError **error);

/* "N/D". (transfer full) */
char *attend_quorum_to_string(const AttendQuorum *quorum);

/* TRUE when present members make the quorum. An empty body (total 0) has no quorum. */
gboolean attend_quorum_is_met(const AttendQuorum *quorum, guint present, guint total);

/* The least number of members present that makes the quorum: ceil(N * total / D); 34 of 50 at
 * 2/3, 64 of 95. */
guint attend_quorum_needed(const AttendQuorum *quorum, guint total);

G_END_DECLS
