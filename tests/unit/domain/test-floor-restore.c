/* Unit tests: saving and restoring the floor (floor_restore_request, floor_restore_turn,
 * floor_get_turn). The server rebuilds a meeting's floor from the database before every
 * transition, so a restored floor must behave exactly as the one that was saved: same order, same
 * deadlines, no event repeated. */
#include "floor.h"

#define SEC G_GINT64_CONSTANT(1000000)
#define T0  (1000 * SEC)

static Floor *new_floor(void)
{
    FloorRules rules = {0};
    g_autoptr(GError) error = NULL;
    Floor *fl;

    rules.limits[FLOOR_KIND_SPEECH - 1] = (FloorLimit){180 * SEC, 30 * SEC};
    rules.limits[FLOOR_KIND_QUESTION - 1] = (FloorLimit){60 * SEC, 10 * SEC};
    rules.close_at_limit = TRUE;
    fl = floor_new(&rules, &error);
    g_assert_no_error(error);
    return fl;
}

static GArray *new_events(void)
{
    return g_array_new(FALSE, TRUE, sizeof(FloorEvent));
}

static void restore(Floor *fl, guint64 id, gint64 person, FloorKind kind)
{
    FloorRequest r = {id, person, kind, T0};
    g_autoptr(GError) error = NULL;

    g_assert_true(floor_restore_request(fl, &r, &error));
    g_assert_no_error(error);
}

static char *queue_ids(const Floor *fl)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < floor_get_queue_length(fl); i++)
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i > 0 ? " " : "",
                               floor_peek_queue(fl, i)->id);
    return g_string_free(s, FALSE);
}

static void assert_queue(const Floor *fl, const char *want)
{
    g_autofree char *got = queue_ids(fl);

    g_assert_cmpstr(got, ==, want);
}

/* The saved order stands, a chair's move before a point of order included; new requests follow
 * the usual precedence and get ids above the restored ones. */
static void test_queue_order(void)
{
    g_autoptr(Floor) fl = new_floor();
    g_autoptr(GArray) events = new_events();
    g_autoptr(GError) error = NULL;
    guint64 id = 0;

    restore(fl, 40, 1, FLOOR_KIND_SPEECH);
    restore(fl, 17, 2, FLOOR_KIND_POINT_OF_ORDER);
    restore(fl, 52, 3, FLOOR_KIND_QUESTION);
    assert_queue(fl, "40 17 52");
    g_assert_true(floor_request(fl, 4, FLOOR_KIND_POINT_OF_ORDER, T0, &id, events, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(id, ==, 53);
    /* Before the first waiting request that is not a point of order: the head. */
    assert_queue(fl, "53 40 17 52");
    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpuint(g_array_index(events, FloorEvent, 0).position, ==, 0);

    g_assert_true(floor_grant(fl, 17, T0 + SEC, events, &error));
    g_assert_no_error(error);
    assert_queue(fl, "53 40 52");
}

static void test_queue_refused(void)
{
    g_autoptr(Floor) fl = new_floor();
    g_autoptr(GError) error = NULL;
    FloorRequest zero = {0, 1, FLOOR_KIND_SPEECH, T0};
    FloorRequest same_id = {7, 2, FLOOR_KIND_SPEECH, T0};
    FloorRequest same_person = {8, 1, FLOOR_KIND_SPEECH, T0};
    FloorRequest bad_kind = {9, 3, 99, T0};

    restore(fl, 7, 1, FLOOR_KIND_SPEECH);
    g_assert_false(floor_restore_request(fl, &zero, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(floor_restore_request(fl, &same_id, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(floor_restore_request(fl, &same_person, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_DUPLICATE);
    g_clear_error(&error);
    g_assert_false(floor_restore_request(fl, &bad_kind, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
    assert_queue(fl, "7");
}

/* A restored turn keeps its own limit (an extended one here), warns once, and closes at its end. */
static void test_turn_deadlines(void)
{
    g_autoptr(Floor) fl = new_floor();
    g_autoptr(GArray) events = new_events();
    FloorTurn turn = {{5, 9, FLOOR_KIND_SPEECH, T0}, T0, 240 * SEC, 30 * SEC, FALSE, FALSE};
    FloorTurn saved;
    g_autoptr(GError) error = NULL;

    g_assert_true(floor_restore_turn(fl, &turn, &error));
    g_assert_no_error(error);
    g_assert_cmpint(floor_next_deadline(fl), ==, T0 + 210 * SEC);
    floor_tick(fl, T0 + 211 * SEC, events);
    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpint(g_array_index(events, FloorEvent, 0).type, ==, FLOOR_EVENT_WARNING);
    g_assert_cmpint(g_array_index(events, FloorEvent, 0).remaining_us, ==, 29 * SEC);

    /* Saved now, it says the warning was given: a floor restored from it does not repeat it. */
    g_assert_true(floor_get_turn(fl, &saved));
    g_assert_true(saved.warned);
    g_assert_false(saved.time_up);
    g_assert_cmpint(saved.limit_us, ==, 240 * SEC);
    g_assert_cmpuint(saved.request.id, ==, 5);

    g_autoptr(Floor) again = new_floor();
    g_autoptr(GArray) later = new_events();
    g_assert_true(floor_restore_turn(again, &saved, &error));
    g_assert_no_error(error);
    g_assert_cmpint(floor_next_deadline(again), ==, T0 + 240 * SEC);
    floor_tick(again, T0 + 230 * SEC, later);
    g_assert_cmpuint(later->len, ==, 0);
    floor_tick(again, T0 + 240 * SEC, later);
    g_assert_cmpuint(later->len, ==, 2);
    g_assert_cmpint(g_array_index(later, FloorEvent, 0).type, ==, FLOOR_EVENT_TIME_UP);
    g_assert_cmpint(g_array_index(later, FloorEvent, 1).type, ==, FLOOR_EVENT_ENDED);
    g_assert_cmpint(g_array_index(later, FloorEvent, 1).reason, ==, FLOOR_END_TIME_UP);
    g_assert_cmpuint(g_array_index(later, FloorEvent, 1).request.id, ==, 5);
    g_assert_false(floor_get_turn(again, &saved));
}

/* A turn restored long after its end (the server was down) closes at the first transition,
 * without a warning that would come too late to mean anything. */
static void test_turn_overdue(void)
{
    g_autoptr(Floor) fl = new_floor();
    g_autoptr(GArray) events = new_events();
    FloorTurn turn = {{5, 9, FLOOR_KIND_QUESTION, T0}, T0, 60 * SEC, 10 * SEC, FALSE, FALSE};
    g_autoptr(GError) error = NULL;
    guint64 id = 0;

    g_assert_true(floor_restore_turn(fl, &turn, &error));
    g_assert_no_error(error);
    g_assert_true(floor_give(fl, 3, FLOOR_KIND_SPEECH, T0 + 600 * SEC, &id, events, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(id, ==, 6);
    g_assert_cmpuint(events->len, ==, 3);
    g_assert_cmpint(g_array_index(events, FloorEvent, 0).type, ==, FLOOR_EVENT_TIME_UP);
    g_assert_cmpint(g_array_index(events, FloorEvent, 1).type, ==, FLOOR_EVENT_ENDED);
    g_assert_cmpint(g_array_index(events, FloorEvent, 2).type, ==, FLOOR_EVENT_GRANTED);
    g_assert_cmpint(g_array_index(events, FloorEvent, 2).limit_us, ==, 180 * SEC);
}

static void test_turn_refused(void)
{
    g_autoptr(Floor) fl = new_floor();
    g_autoptr(GError) error = NULL;
    FloorTurn bad_warning = {{5, 9, FLOOR_KIND_SPEECH, T0}, T0, 30 * SEC, 30 * SEC, FALSE, FALSE};
    FloorTurn waiting_id = {{7, 9, FLOOR_KIND_SPEECH, T0}, T0, 30 * SEC, 0, FALSE, FALSE};
    FloorTurn ok = {{5, 9, FLOOR_KIND_SPEECH, T0}, T0, 0, 0, FALSE, FALSE};
    FloorTurn saved;

    restore(fl, 7, 1, FLOOR_KIND_SPEECH);
    g_assert_false(floor_restore_turn(fl, &bad_warning, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(floor_restore_turn(fl, &waiting_id, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(floor_get_turn(fl, &saved));
    g_assert_true(floor_restore_turn(fl, &ok, &error));
    g_assert_no_error(error);
    g_assert_false(floor_restore_turn(fl, &ok, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_BUSY);
    g_clear_error(&error);
    g_assert_cmpint(floor_next_deadline(fl), ==, -1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/floor/restore/queue-order", test_queue_order);
    g_test_add_func("/floor/restore/queue-refused", test_queue_refused);
    g_test_add_func("/floor/restore/turn-deadlines", test_turn_deadlines);
    g_test_add_func("/floor/restore/turn-overdue", test_turn_overdue);
    g_test_add_func("/floor/restore/turn-refused", test_turn_refused);
    return g_test_run();
}
