/* Unit tests: the agenda's shape and order, and the version that makes a stale edit fail.
 * DOMAIN.md: "chương trình (agenda): ordered items, sub-items, presenter, planned time." */
#include "agenda.h"

#define KEEP AGENDA_KEEP_PARENT

/* 1, 2, 3 at the top; 4 and 5 under 2. */
static const AgendaPlace agenda[] = {{1, 0}, {2, 0}, {3, 0}, {4, 2}, {5, 2}};

static GArray *plan(const AgendaPlace *order, gsize n, GError **error)
{
    return agenda_plan_order(agenda, G_N_ELEMENTS(agenda), order, n, error);
}

static void assert_slot(GArray *slots, guint i, gint64 id, gint64 parent, guint position)
{
    const AgendaSlot *s = &g_array_index(slots, AgendaSlot, i);
    g_assert_cmpint(s->id, ==, id);
    g_assert_cmpint(s->parent_id, ==, parent);
    g_assert_cmpuint(s->position, ==, position);
}

static void test_reorder_keeps_parents(void)
{
    const AgendaPlace order[] = {{3, KEEP}, {5, KEEP}, {1, KEEP}, {2, KEEP}, {4, KEEP}};
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) slots = plan(order, G_N_ELEMENTS(order), &error);
    g_assert_no_error(error);
    g_assert_cmpuint(slots->len, ==, 5);
    assert_slot(slots, 0, 3, 0, 1);
    assert_slot(slots, 1, 5, 2, 1); /* sub-items are numbered among themselves */
    assert_slot(slots, 2, 1, 0, 2);
    assert_slot(slots, 3, 2, 0, 3);
    assert_slot(slots, 4, 4, 2, 2);
}

static void test_reorder_moves_between_parents(void)
{
    /* 4 goes up to the top level; 1 goes under 3 while 3 stays at the top. */
    const AgendaPlace order[] = {{3, 0}, {1, 3}, {4, 0}, {2, 0}, {5, 2}};
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) slots = plan(order, G_N_ELEMENTS(order), &error);
    g_assert_no_error(error);
    assert_slot(slots, 0, 3, 0, 1);
    assert_slot(slots, 1, 1, 3, 1);
    assert_slot(slots, 2, 4, 0, 2);
    assert_slot(slots, 3, 2, 0, 3);
    assert_slot(slots, 4, 5, 2, 1);
}

static void expect_invalid(const AgendaPlace *order, gsize n, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) slots = plan(order, n, &error);
    g_assert_null(slots);
    g_assert_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, message);
}

static void test_reorder_refusals(void)
{
    const AgendaPlace unknown[] = {{1, KEEP}, {2, KEEP}, {3, KEEP}, {4, KEEP}, {9, KEEP}};
    expect_invalid(unknown, 5, "item 9 is not on this agenda");
    const AgendaPlace twice[] = {{1, KEEP}, {2, KEEP}, {3, KEEP}, {4, KEEP}, {1, KEEP}};
    expect_invalid(twice, 5, "item 1 is listed twice");
    const AgendaPlace missing[] = {{1, KEEP}, {2, KEEP}, {4, KEEP}, {5, KEEP}};
    expect_invalid(missing, 4, "item 3 is missing: list every item once");
    const AgendaPlace self[] = {{1, 1}, {2, KEEP}, {3, KEEP}, {4, KEEP}, {5, KEEP}};
    expect_invalid(self, 5, "item 1 cannot be its own sub-item");
    const AgendaPlace deep[] = {{1, 4}, {2, KEEP}, {3, KEEP}, {4, KEEP}, {5, KEEP}};
    expect_invalid(deep, 5,
                   "item 1 cannot go under item 4: that is a sub-item, and sub-items have none "
                   "of their own");
    const AgendaPlace nowhere[] = {{1, 77}, {2, KEEP}, {3, KEEP}, {4, KEEP}, {5, KEEP}};
    expect_invalid(nowhere, 5, "item 1: there is no item 77 on this agenda to go under");
    /* 2 keeps its sub-items but itself goes under 1: three levels. */
    const AgendaPlace three[] = {{1, 0}, {2, 1}, {3, 0}, {4, KEEP}, {5, KEEP}};
    expect_invalid(three, 5,
                   "item 4 cannot go under item 2: that is a sub-item, and sub-items have none "
                   "of their own");
}

static void test_empty_agenda(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) slots = agenda_plan_order(NULL, 0, NULL, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(slots);
    g_assert_cmpuint(slots->len, ==, 0);
}

static void test_check_parent(void)
{
    gsize n = G_N_ELEMENTS(agenda);
    GError *e = NULL;
    g_assert_true(agenda_check_parent(agenda, n, 0, 0, &e));
    g_assert_true(agenda_check_parent(agenda, n, 0, 3, &e)); /* a new sub-item of 3 */
    g_assert_true(agenda_check_parent(agenda, n, 1, 2, &e)); /* 1 moves under 2 */
    g_assert_no_error(e);
    g_assert_false(agenda_check_parent(agenda, n, 0, 4, &e));
    g_assert_error(e, AGENDA_ERROR, AGENDA_ERROR_INVALID);
    g_assert_cmpstr(e->message, ==, "item 4 is a sub-item, and sub-items have none of their own");
    g_clear_error(&e);
    g_assert_false(agenda_check_parent(agenda, n, 2, 1, &e));
    g_assert_cmpstr(e->message, ==, "item 2 has sub-items of its own: it stays at the top level");
    g_clear_error(&e);
    g_assert_false(agenda_check_parent(agenda, n, 3, 3, &e));
    g_assert_cmpstr(e->message, ==, "item 3 cannot be its own sub-item");
    g_clear_error(&e);
    g_assert_false(agenda_check_parent(agenda, n, 0, 42, &e));
    g_assert_cmpstr(e->message, ==, "there is no item 42 on this agenda to go under");
    g_clear_error(&e);
}

static void test_version(void)
{
    GError *e = NULL;
    g_assert_true(agenda_check_version(7, 7, &e));
    g_assert_no_error(e);
    g_assert_false(agenda_check_version(8, 7, &e));
    g_assert_error(e, AGENDA_ERROR, AGENDA_ERROR_STALE);
    g_assert_true(g_str_has_prefix(e->message, "the agenda was changed by someone else: reload"));
    g_assert_nonnull(g_strstr_len(e->message, -1, "version 7, it is now at 8"));
    g_clear_error(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agenda/reorder-keeps-parents", test_reorder_keeps_parents);
    g_test_add_func("/agenda/reorder-moves-between-parents", test_reorder_moves_between_parents);
    g_test_add_func("/agenda/reorder-refusals", test_reorder_refusals);
    g_test_add_func("/agenda/empty", test_empty_agenda);
    g_test_add_func("/agenda/check-parent", test_check_parent);
    g_test_add_func("/agenda/version", test_version);
    return g_test_run();
}
