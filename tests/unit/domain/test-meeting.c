/* Unit tests: a meeting's kinds and lifecycle. DOMAIN.md: "Lifecycle: draft → scheduled
 * (invitations out) → open → closed → archived. Nothing of a closed meeting is edited:
 * corrections are new, dated entries." */
#include "meeting.h"

static void test_status_names(void)
{
    g_autoptr(GError) error = NULL;
    MtgStatus s = 0;

    for (MtgStatus i = MTG_STATUS_DRAFT; i <= MTG_STATUS_ARCHIVED; i++) {
        g_assert_true(mtg_status_parse(mtg_status_to_string(i), &s, &error));
        g_assert_no_error(error);
        g_assert_cmpint(s, ==, i);
    }
    g_assert_cmpstr(mtg_status_to_string(MTG_STATUS_OPEN), ==, "open");
    g_assert_null(mtg_status_to_string(0));
    g_assert_null(mtg_status_to_string(MTG_STATUS_ARCHIVED + 1));
    g_assert_false(mtg_status_parse("cancelled", &s, &error));
    g_assert_error(error, MTG_ERROR, MTG_ERROR_INVALID);
    g_assert_nonnull(g_strstr_len(error->message, -1, "'cancelled'"));
    g_clear_error(&error);
    g_assert_false(mtg_status_parse(NULL, &s, &error));
    g_assert_error(error, MTG_ERROR, MTG_ERROR_INVALID);
}

static void test_kinds(void)
{
    g_assert_true(mtg_kind_is_valid("regular"));
    g_assert_true(mtg_kind_is_valid("extraordinary"));
    g_assert_true(mtg_kind_is_valid("first_of_term"));
    g_assert_true(mtg_kind_is_valid("thematic"));
    g_assert_true(mtg_kind_is_valid("interpellation"));
    g_assert_false(mtg_kind_is_valid("Regular"));
    g_assert_false(mtg_kind_is_valid(""));
    g_assert_false(mtg_kind_is_valid(NULL));
}

/* Every pair of states: exactly the lifecycle's transitions are allowed. */
static void test_transitions(void)
{
    static const gboolean allowed[6][6] = {
        /* to:       -  draft  sched  open   closed archived */
        [MTG_STATUS_DRAFT] = {0, 0, 1, 0, 0, 0},    [MTG_STATUS_SCHEDULED] = {0, 1, 0, 1, 0, 0},
        [MTG_STATUS_OPEN] = {0, 0, 0, 0, 1, 0},     [MTG_STATUS_CLOSED] = {0, 0, 0, 0, 0, 1},
        [MTG_STATUS_ARCHIVED] = {0, 0, 0, 0, 0, 0},
    };
    for (MtgStatus from = MTG_STATUS_DRAFT; from <= MTG_STATUS_ARCHIVED; from++) {
        for (MtgStatus to = MTG_STATUS_DRAFT; to <= MTG_STATUS_ARCHIVED; to++) {
            g_autoptr(GError) error = NULL;
            gboolean ok = mtg_transition_check(from, to, &error);
            g_assert_cmpint(ok, ==, allowed[from][to]);
            if (ok) {
                g_assert_no_error(error);
                continue;
            }
            g_assert_nonnull(error);
            g_assert_true(error->domain == MTG_ERROR);
            /* Leaving a closed or archived meeting points at corrections (but archiving a closed
             * one is the lifecycle's last step). */
            if (from >= MTG_STATUS_CLOSED && to != MTG_STATUS_ARCHIVED && from != to)
                g_assert_error(error, MTG_ERROR, MTG_ERROR_CLOSED);
        }
    }
}

static void assert_message(gboolean ok, GError *error, int code, const char *want)
{
    g_assert_false(ok);
    g_assert_error(error, MTG_ERROR, code);
    g_assert_cmpstr(error->message, ==, want);
}

static void test_messages(void)
{
    GError *e = NULL;
    gboolean ok;

    ok = mtg_transition_check(MTG_STATUS_DRAFT, MTG_STATUS_OPEN, &e);
    assert_message(ok, e, MTG_ERROR_TRANSITION,
                   "meeting is a draft: schedule it before opening it");
    g_clear_error(&e);
    ok = mtg_transition_check(MTG_STATUS_CLOSED, MTG_STATUS_OPEN, &e);
    assert_message(ok, e, MTG_ERROR_CLOSED, "meeting is closed: add a correction instead");
    g_clear_error(&e);
    ok = mtg_transition_check(MTG_STATUS_OPEN, MTG_STATUS_OPEN, &e);
    assert_message(ok, e, MTG_ERROR_TRANSITION, "meeting is already open");
    g_clear_error(&e);
    ok = mtg_transition_check(MTG_STATUS_SCHEDULED, MTG_STATUS_CLOSED, &e);
    assert_message(ok, e, MTG_ERROR_TRANSITION,
                   "meeting is scheduled: only an open meeting is closed");
    g_clear_error(&e);
    ok = mtg_transition_check(MTG_STATUS_OPEN, MTG_STATUS_ARCHIVED, &e);
    assert_message(ok, e, MTG_ERROR_TRANSITION,
                   "meeting is open: only a closed meeting is archived");
    g_clear_error(&e);
    ok = mtg_transition_check(MTG_STATUS_OPEN, MTG_STATUS_DRAFT, &e);
    assert_message(ok, e, MTG_ERROR_TRANSITION, "meeting is open: it cannot become draft");
    g_clear_error(&e);
    ok = mtg_transition_check(MTG_STATUS_ARCHIVED, MTG_STATUS_CLOSED, &e);
    assert_message(ok, e, MTG_ERROR_CLOSED, "meeting is archived: add a correction instead");
    g_clear_error(&e);
    ok = mtg_transition_check(0, MTG_STATUS_OPEN, &e);
    g_assert_false(ok);
    g_assert_error(e, MTG_ERROR, MTG_ERROR_INVALID);
    g_clear_error(&e);
}

/* What each state allows besides transitions. */
static void test_state_checks(void)
{
    typedef gboolean (*Check)(MtgStatus, GError **);
    static const struct {
        const char *name;
        Check check;
        gboolean allowed[6];
    } rows[] = {
        {"edit", mtg_check_editable, {0, 1, 1, 1, 0, 0}},
        {"attendance", mtg_check_attendance, {0, 0, 1, 1, 0, 0}},
        {"rsvp", mtg_check_rsvp, {0, 0, 1, 1, 0, 0}},
        {"running", mtg_check_running, {0, 0, 0, 1, 0, 0}},
        {"correction", mtg_check_correctable, {0, 0, 0, 0, 1, 1}},
    };
    for (guint r = 0; r < G_N_ELEMENTS(rows); r++) {
        for (MtgStatus s = MTG_STATUS_DRAFT; s <= MTG_STATUS_ARCHIVED; s++) {
            g_autoptr(GError) error = NULL;
            gboolean ok = rows[r].check(s, &error);
            if (ok != rows[r].allowed[s])
                g_error("%s in %s: %d", rows[r].name, mtg_status_to_string(s), ok);
            g_assert_true(ok == (error == NULL));
            /* Whatever a closed meeting refuses, it refuses pointing at corrections. */
            if (!ok && s >= MTG_STATUS_CLOSED)
                g_assert_error(error, MTG_ERROR, MTG_ERROR_CLOSED);
            if (!ok && s < MTG_STATUS_CLOSED)
                g_assert_error(error, MTG_ERROR, MTG_ERROR_STATE);
        }
    }
    GError *e = NULL;
    g_assert_false(mtg_check_editable(MTG_STATUS_CLOSED, &e));
    g_assert_cmpstr(e->message, ==, "meeting is closed: add a correction instead");
    g_clear_error(&e);
    g_assert_false(mtg_check_attendance(MTG_STATUS_DRAFT, &e));
    g_assert_cmpstr(e->message, ==, "meeting is a draft: check-in starts once it is scheduled");
    g_clear_error(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/meeting/status-names", test_status_names);
    g_test_add_func("/meeting/kinds", test_kinds);
    g_test_add_func("/meeting/transitions", test_transitions);
    g_test_add_func("/meeting/messages", test_messages);
    g_test_add_func("/meeting/state-checks", test_state_checks);
    return g_test_run();
}
