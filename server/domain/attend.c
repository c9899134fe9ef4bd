/* attend.c: attendance from check-in and check-out events, and the presence quorum.
 *
 * Design. DOMAIN.md ("Attendance and quorum"): members check in at a site or alone online, may
 * leave and return, and every change is recorded with time and site; the live count is present /
 * total; the quorum is (configurable), commonly two thirds. The roll is a map from member to
 * (present, site) plus a running count, so present / total is O(1) and each event O(1). Events are
 * idempotent where a device may repeat itself (a tablet that reconnects checks in again): a repeat
 * changes nothing and says so, so the caller journals only real changes. A check-in at another site
 * while present is a move, not a second presence. Someone not on the roster is refused: guests
 * never count toward the quorum or the denominator of a vote.
 *
 * The quorum is a fraction with "at least" semantics, compared exactly in 64-bit integers:
 * present * D >= N * total. At 2/3: 33 of 50 is not a quorum (99 < 100), 34 is (102 >= 100).
 */
#include "attend.h"

#include <stdlib.h>
#include <string.h>

GQuark attend_error_quark(void)
{
    return g_quark_from_static_string("phonghop-attend-error-quark");
}

typedef struct {
    gint64 member_id; /* the key of the table points here */
    gboolean present;
    gint64 site_id;
} Seat;

struct _AttendRoll {
    GHashTable *seats; /* gint64 * member_id -> Seat *, owned */
    guint present;
    gint64 last_at_us; /* time of the latest event applied */
};

AttendRoll *attend_roll_new(const gint64 *roster, gsize n_roster, GError **error)
{
    g_autoptr(AttendRoll) roll = NULL;

    g_return_val_if_fail(roster != NULL || n_roster == 0, NULL);
    g_return_val_if_fail(n_roster <= G_MAXUINT, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    roll = g_new0(AttendRoll, 1);
    roll->seats = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    roll->last_at_us = G_MININT64;
    for (gsize i = 0; i < n_roster; i++) {
        Seat *seat;

        if (g_hash_table_contains(roll->seats, &roster[i])) {
            g_set_error(error, ATTEND_ERROR, ATTEND_ERROR_INVALID,
                        "member %" G_GINT64_FORMAT " appears twice on the roster", roster[i]);
            return NULL;
        }
        seat = g_new0(Seat, 1);
        seat->member_id = roster[i];
        g_hash_table_insert(roll->seats, &seat->member_id, seat);
    }
    return g_steal_pointer(&roll);
}

void attend_roll_free(AttendRoll *roll)
{
    if (roll == NULL)
        return;
    g_clear_pointer(&roll->seats, g_hash_table_unref);
    g_free(roll);
}

gboolean attend_roll_apply(AttendRoll *roll, const AttendEvent *event, AttendChange *change,
                           GError **error)
{
    AttendChange what = ATTEND_CHANGE_NONE;
    Seat *seat;

    g_return_val_if_fail(roll != NULL && event != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (event->kind != ATTEND_CHECK_IN && event->kind != ATTEND_CHECK_OUT) {
        g_set_error(error, ATTEND_ERROR, ATTEND_ERROR_INVALID,
                    "attendance event of unknown kind %d", (int)event->kind);
        return FALSE;
    }
    seat = g_hash_table_lookup(roll->seats, &event->member_id);
    if (seat == NULL) {
        g_set_error(error, ATTEND_ERROR, ATTEND_ERROR_NOT_MEMBER,
                    "%" G_GINT64_FORMAT " is not on the roster of this meeting", event->member_id);
        return FALSE;
    }
    if (event->at_us < roll->last_at_us) {
        g_set_error(error, ATTEND_ERROR, ATTEND_ERROR_OUT_OF_ORDER,
                    "member %" G_GINT64_FORMAT ": event at %" G_GINT64_FORMAT
                    " us comes before one already applied at %" G_GINT64_FORMAT " us",
                    event->member_id, event->at_us, roll->last_at_us);
        return FALSE;
    }

    if (event->kind == ATTEND_CHECK_IN) {
        if (!seat->present) {
            seat->present = TRUE;
            roll->present++;
            what = ATTEND_CHANGE_CHECKED_IN;
        } else if (seat->site_id != event->site_id) {
            what = ATTEND_CHANGE_MOVED;
        }
        seat->site_id = event->site_id;
    } else if (seat->present) {
        seat->present = FALSE;
        roll->present--;
        what = ATTEND_CHANGE_CHECKED_OUT;
    }
    roll->last_at_us = event->at_us;
    if (change != NULL)
        *change = what;
    return TRUE;
}

typedef struct {
    const AttendEvent *events;
} ReplayOrder;

static gint compare_events(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const ReplayOrder *order = user_data;
    gsize ia = *(const gsize *)a, ib = *(const gsize *)b;
    gint64 ta = order->events[ia].at_us, tb = order->events[ib].at_us;

    if (ta != tb)
        return ta < tb ? -1 : 1;
    return ia < ib ? -1 : (ia > ib ? 1 : 0);
}

gboolean attend_roll_replay(AttendRoll *roll, const AttendEvent *events, gsize n_events,
                            gint64 until_us, GError **error)
{
    g_autofree gsize *order = NULL;
    ReplayOrder ctx = {events};

    g_return_val_if_fail(roll != NULL, FALSE);
    g_return_val_if_fail(events != NULL || n_events == 0, FALSE);
    g_return_val_if_fail(n_events <= G_MAXINT, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    order = g_new(gsize, MAX(n_events, 1));
    for (gsize i = 0; i < n_events; i++)
        order[i] = i;
    g_qsort_with_data(order, (gint)n_events, sizeof(gsize), compare_events, &ctx);

    for (gsize k = 0; k < n_events; k++) {
        const AttendEvent *event = &events[order[k]];
        GError *local = NULL;

        if (event->at_us > until_us)
            break;
        if (!attend_roll_apply(roll, event, NULL, &local)) {
            g_propagate_prefixed_error(error, local, "attendance event %" G_GSIZE_FORMAT ": ",
                                       order[k]);
            return FALSE;
        }
    }
    return TRUE;
}

guint attend_roll_get_total(const AttendRoll *roll)
{
    g_return_val_if_fail(roll != NULL, 0);

    return g_hash_table_size(roll->seats);
}

guint attend_roll_get_present(const AttendRoll *roll)
{
    g_return_val_if_fail(roll != NULL, 0);

    return roll->present;
}

guint attend_roll_count_at_site(const AttendRoll *roll, gint64 site_id)
{
    GHashTableIter iter;
    gpointer value;
    guint n = 0;

    g_return_val_if_fail(roll != NULL, 0);

    g_hash_table_iter_init(&iter, roll->seats);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const Seat *seat = value;

        if (seat->present && seat->site_id == site_id)
            n++;
    }
    return n;
}

gboolean attend_roll_is_present(const AttendRoll *roll, gint64 member_id, gint64 *site_id)
{
    const Seat *seat;

    g_return_val_if_fail(roll != NULL, FALSE);

    seat = g_hash_table_lookup(roll->seats, &member_id);
    if (seat == NULL || !seat->present)
        return FALSE;
    if (site_id != NULL)
        *site_id = seat->site_id;
    return TRUE;
}

static int compare_ids(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

    return x < y ? -1 : (x > y ? 1 : 0);
}

gint64 *attend_roll_dup_present(const AttendRoll *roll, gsize *n_present)
{
    GHashTableIter iter;
    gpointer value;
    gint64 *ids;
    gsize n = 0;

    g_return_val_if_fail(roll != NULL && n_present != NULL, NULL);

    *n_present = 0;
    if (roll->present == 0)
        return NULL;
    ids = g_new(gint64, roll->present);
    g_hash_table_iter_init(&iter, roll->seats);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const Seat *seat = value;

        if (seat->present)
            ids[n++] = seat->member_id;
    }
    g_assert(n == roll->present);
    qsort(ids, n, sizeof(gint64), compare_ids);
    *n_present = n;
    return ids;
}

/* ---- presence quorum ---- */

static gboolean parse_term(const char *s, const char *end, guint *value)
{
    guint64 v = 0;

    if (s == end || end - s > 7)
        return FALSE;
    for (const char *p = s; p < end; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        v = v * 10 + (guint64)(*p - '0');
    }
    if (v > ATTEND_QUORUM_MAX_TERM)
        return FALSE;
    *value = (guint)v;
    return TRUE;
}

gboolean attend_quorum_parse(const char *text, AttendQuorum *quorum, GError **error)
{
    const char *slash;
    AttendQuorum q;

    g_return_val_if_fail(quorum != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    slash = text != NULL ? strchr(text, '/') : NULL;
    if (slash == NULL || !parse_term(text, slash, &q.numerator) ||
        !parse_term(slash + 1, slash + 1 + strlen(slash + 1), &q.denominator) ||
        q.denominator == 0 || q.numerator > q.denominator) {
        g_set_error(error, ATTEND_ERROR, ATTEND_ERROR_PARSE,
                    "a quorum is a fraction N/D of all members with 0 <= N <= D, like 2/3, "
                    "not \"%s\"",
                    text != NULL ? text : "(none)");
        return FALSE;
    }
    *quorum = q;
    return TRUE;
}

char *attend_quorum_to_string(const AttendQuorum *quorum)
{
    g_return_val_if_fail(quorum != NULL, NULL);

    return g_strdup_printf("%u/%u", quorum->numerator, quorum->denominator);
}

gboolean attend_quorum_is_met(const AttendQuorum *quorum, guint present, guint total)
{
    g_return_val_if_fail(quorum != NULL && quorum->denominator > 0, FALSE);

    if (total == 0)
        return FALSE;
    return (guint64)present * quorum->denominator >= (guint64)quorum->numerator * total;
}

guint attend_quorum_needed(const AttendQuorum *quorum, guint total)
{
    g_return_val_if_fail(quorum != NULL && quorum->denominator > 0, 0);

    return (guint)(((guint64)quorum->numerator * total + quorum->denominator - 1) /
                   quorum->denominator);
}
