/* Unit tests: the speaker queue and the floor. DOMAIN.md: "kinds speech, question (chất vấn),
 * answer, point of order (precedence). The chair grants, revokes, reorders; speaking time limits
 * with warnings." */
#include "floor.h"

#include <string.h>

#define SEC G_GINT64_CONSTANT(1000000)
#define T0  (1000 * SEC)

static Floor *floor_with_limits(gboolean close_at_limit)
{
    FloorRules rules = {0};
    g_autoptr(GError) error = NULL;
    Floor *fl;

    rules.limits[FLOOR_KIND_SPEECH - 1] = (FloorLimit){180 * SEC, 30 * SEC};
    rules.limits[FLOOR_KIND_QUESTION - 1] = (FloorLimit){60 * SEC, 10 * SEC};
    rules.limits[FLOOR_KIND_ANSWER - 1] = (FloorLimit){300 * SEC, 0};
    rules.limits[FLOOR_KIND_POINT_OF_ORDER - 1] = (FloorLimit){0, 0};
    rules.close_at_limit = close_at_limit;
    fl = floor_new(&rules, &error);
    g_assert_no_error(error);
    return fl;
}

static GArray *new_events(void)
{
    return g_array_new(FALSE, TRUE, sizeof(FloorEvent));
}

static const FloorEvent *event_at(GArray *events, guint i)
{
    g_assert_cmpuint(i, <, events->len);
    return &g_array_index(events, FloorEvent, i);
}

/* The queue as a string of person ids, e.g. "3 4 1 2". */
static char *queue_of(const Floor *fl)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < floor_get_queue_length(fl); i++)
        g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                               floor_peek_queue(fl, i)->person_id);
    return g_string_free(s, FALSE);
}

static guint64 request(Floor *fl, gint64 person, FloorKind kind, gint64 now, GArray *events)
{
    g_autoptr(GError) error = NULL;
    guint64 id = 0;

    g_assert_true(floor_request(fl, person, kind, now, &id, events, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(id, >, 0);
    return id;
}

static void assert_queue(const Floor *fl, const char *want)
{
    g_autofree char *got = queue_of(fl);

    g_assert_cmpstr(got, ==, want);
}

static void test_order(void)
{
    g_autoptr(Floor) fl = floor_with_limits(TRUE);
    g_autoptr(GArray) events = new_events();
    guint64 b;

    request(fl, 1, FLOOR_KIND_SPEECH, T0, events);
    b = request(fl, 2, FLOOR_KIND_QUESTION, T0 + 1, events);
    request(fl, 3, FLOOR_KIND_POINT_OF_ORDER, T0 + 2, events);
    assert_queue(fl, "3 1 2");
    request(fl, 4, FLOOR_KIND_POINT_OF_ORDER, T0 + 3, events);
    assert_queue(fl, "3 4 1 2"); /* after earlier points of order */
    request(fl, 5, FLOOR_KIND_ANSWER, T0 + 4, events);
    assert_queue(fl, "3 4 1 2 5");

    g_assert_cmpuint(events->len, ==, 5);
    g_assert_cmpint(event_at(events, 2)->type, ==, FLOOR_EVENT_REQUESTED);
    g_assert_cmpuint(event_at(events, 2)->position, ==, 0);
    g_assert_cmpuint(event_at(events, 3)->position, ==, 1);
    g_assert_cmpuint(event_at(events, 4)->position, ==, 4);
    g_assert_cmpint(event_at(events, 4)->request.kind, ==, FLOOR_KIND_ANSWER);
    g_assert_cmpint(event_at(events, 4)->at_us, ==, T0 + 4);

    /* the chair moves the question to the head; a later point of order still goes first */
    g_assert_true(floor_move(fl, b, 0, T0 + 5, events, NULL));
    assert_queue(fl, "2 3 4 1 5");
    g_assert_cmpint(event_at(events, 5)->type, ==, FLOOR_EVENT_MOVED);
    g_assert_cmpuint(event_at(events, 5)->position, ==, 0);
    request(fl, 6, FLOOR_KIND_POINT_OF_ORDER, T0 + 6, events);
    assert_queue(fl, "6 2 3 4 1 5");
    g_assert_true(floor_move(fl, b, 5, T0 + 7, events, NULL));
    assert_queue(fl, "6 3 4 1 5 2");
}

static void test_requests_refused(void)
{
    g_autoptr(Floor) fl = floor_with_limits(TRUE);
    g_autoptr(GArray) events = new_events();
    GError *error = NULL;
    guint64 id;

    id = request(fl, 1, FLOOR_KIND_SPEECH, T0, events);
    g_assert_false(floor_request(fl, 1, FLOOR_KIND_SPEECH, T0 + 1, NULL, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_DUPLICATE);
    g_assert_cmpstr(error->message, ==, "1 already waits for the floor (speech, request 1)");
    g_clear_error(&error);
    request(fl, 1, FLOOR_KIND_POINT_OF_ORDER, T0 + 2, events); /* another kind is fine */

    g_assert_false(floor_request(fl, 2, 0, T0 + 3, NULL, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);

    g_assert_false(floor_move(fl, id, 2, T0 + 4, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "position 2 is past the end of the queue (2 waiting)");
    g_clear_error(&error);
    g_assert_false(floor_move(fl, 99, 0, T0 + 4, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_NOT_FOUND);
    g_clear_error(&error);

    g_assert_true(floor_withdraw(fl, id, T0 + 5, events, NULL));
    g_assert_cmpint(event_at(events, events->len - 1)->type, ==, FLOOR_EVENT_WITHDRAWN);
    g_assert_false(floor_withdraw(fl, id, T0 + 6, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_NOT_FOUND);
    g_assert_cmpstr(error->message, ==, "request 1 is not waiting for the floor");
    g_clear_error(&error);
    assert_queue(fl, "1");
    /* after withdrawing, the same kind may be asked again */
    request(fl, 1, FLOOR_KIND_SPEECH, T0 + 7, events);
}

static void test_grant_and_end(void)
{
    g_autoptr(Floor) fl = floor_with_limits(TRUE);
    g_autoptr(GArray) events = new_events();
    const FloorRequest *speaker;
    GError *error = NULL;
    gint64 granted = 0, limit = 0;
    guint64 q;

    g_assert_false(floor_grant(fl, 0, T0, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_NOT_FOUND);
    g_assert_cmpstr(error->message, ==, "nobody is waiting for the floor");
    g_clear_error(&error);

    request(fl, 1, FLOOR_KIND_SPEECH, T0, events);
    q = request(fl, 2, FLOOR_KIND_QUESTION, T0, events);
    g_array_set_size(events, 0);

    /* the chair picks the question out of order */
    g_assert_true(floor_grant(fl, q, T0 + SEC, events, NULL));
    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpint(event_at(events, 0)->type, ==, FLOOR_EVENT_GRANTED);
    g_assert_cmpint(event_at(events, 0)->request.person_id, ==, 2);
    g_assert_cmpint(event_at(events, 0)->limit_us, ==, 60 * SEC);
    speaker = floor_get_speaker(fl, &granted, &limit);
    g_assert_nonnull(speaker);
    g_assert_cmpint(speaker->person_id, ==, 2);
    g_assert_cmpint(granted, ==, T0 + SEC);
    g_assert_cmpint(limit, ==, 60 * SEC);
    assert_queue(fl, "1");

    g_assert_false(floor_grant(fl, 0, T0 + 2 * SEC, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_BUSY);
    g_assert_cmpstr(error->message, ==,
                    "2 has the floor (request 2): end or revoke that turn first");
    g_clear_error(&error);

    g_assert_true(floor_end(fl, FLOOR_END_FINISHED, T0 + 3 * SEC, events, NULL));
    g_assert_cmpint(event_at(events, 1)->type, ==, FLOOR_EVENT_ENDED);
    g_assert_cmpint(event_at(events, 1)->reason, ==, FLOOR_END_FINISHED);
    g_assert_null(floor_get_speaker(fl, NULL, NULL));
    g_assert_false(floor_end(fl, FLOOR_END_REVOKED, T0 + 4 * SEC, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_IDLE);
    g_clear_error(&error);
    g_assert_false(floor_end(fl, FLOOR_END_TIME_UP, T0 + 4 * SEC, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);

    /* head of the queue; then the chair revokes */
    g_assert_true(floor_grant(fl, 0, T0 + 5 * SEC, events, NULL));
    g_assert_cmpint(floor_get_speaker(fl, NULL, NULL)->person_id, ==, 1);
    g_assert_true(floor_end(fl, FLOOR_END_REVOKED, T0 + 6 * SEC, events, NULL));
    g_assert_cmpint(event_at(events, events->len - 1)->reason, ==, FLOOR_END_REVOKED);
    g_assert_cmpuint(floor_get_queue_length(fl), ==, 0);
}

static void test_give(void)
{
    g_autoptr(Floor) fl = floor_with_limits(TRUE);
    g_autoptr(GArray) events = new_events();
    GError *error = NULL;
    guint64 id = 0;

    request(fl, 1, FLOOR_KIND_QUESTION, T0, events);
    /* the official questioned answers without having asked */
    g_assert_true(floor_give(fl, 900, FLOOR_KIND_ANSWER, T0 + SEC, &id, events, NULL));
    g_assert_cmpuint(id, ==, 2);
    g_assert_cmpint(event_at(events, 1)->type, ==, FLOOR_EVENT_GRANTED);
    g_assert_cmpint(event_at(events, 1)->limit_us, ==, 300 * SEC);
    assert_queue(fl, "1");
    g_assert_false(floor_give(fl, 901, FLOOR_KIND_SPEECH, T0 + 2 * SEC, NULL, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_BUSY);
    g_clear_error(&error);
}

static void test_warning_and_time_up_closes(void)
{
    g_autoptr(Floor) fl = floor_with_limits(TRUE);
    g_autoptr(GArray) events = new_events();

    request(fl, 1, FLOOR_KIND_SPEECH, T0, events);
    g_assert_cmpint(floor_next_deadline(fl), ==, -1);
    g_assert_true(floor_grant(fl, 0, T0, events, NULL));
    g_array_set_size(events, 0);

    g_assert_cmpint(floor_next_deadline(fl), ==, T0 + 150 * SEC);
    floor_tick(fl, T0 + 150 * SEC - 1, events);
    g_assert_cmpuint(events->len, ==, 0);
    floor_tick(fl, T0 + 150 * SEC, events);
    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpint(event_at(events, 0)->type, ==, FLOOR_EVENT_WARNING);
    g_assert_cmpint(event_at(events, 0)->remaining_us, ==, 30 * SEC);
    floor_tick(fl, T0 + 151 * SEC, events); /* once only */
    g_assert_cmpuint(events->len, ==, 1);

    g_assert_cmpint(floor_next_deadline(fl), ==, T0 + 180 * SEC);
    floor_tick(fl, T0 + 180 * SEC - 1, events);
    g_assert_cmpuint(events->len, ==, 1);
    floor_tick(fl, T0 + 180 * SEC, events);
    g_assert_cmpuint(events->len, ==, 3);
    g_assert_cmpint(event_at(events, 1)->type, ==, FLOOR_EVENT_TIME_UP);
    g_assert_cmpint(event_at(events, 2)->type, ==, FLOOR_EVENT_ENDED);
    g_assert_cmpint(event_at(events, 2)->reason, ==, FLOOR_END_TIME_UP);
    g_assert_cmpint(event_at(events, 2)->at_us, ==, T0 + 180 * SEC);
    g_assert_null(floor_get_speaker(fl, NULL, NULL));
    g_assert_cmpint(floor_next_deadline(fl), ==, -1);
}

static void test_time_up_without_closing(void)
{
    g_autoptr(Floor) fl = floor_with_limits(FALSE);
    g_autoptr(GArray) events = new_events();

    g_assert_true(floor_give(fl, 1, FLOOR_KIND_QUESTION, T0, NULL, events, NULL));
    floor_tick(fl, T0 + 60 * SEC, events);
    /* a late timer: the warning point passed with the limit, so no warning, only time-up */
    g_assert_cmpuint(events->len, ==, 2);
    g_assert_cmpint(event_at(events, 1)->type, ==, FLOOR_EVENT_TIME_UP);
    g_assert_nonnull(floor_get_speaker(fl, NULL, NULL)); /* the speaker goes on */
    g_assert_cmpint(floor_next_deadline(fl), ==, -1);
    floor_tick(fl, T0 + 90 * SEC, events);
    g_assert_cmpuint(events->len, ==, 2);
    g_assert_true(floor_end(fl, FLOOR_END_REVOKED, T0 + 95 * SEC, events, NULL));
    g_assert_cmpint(event_at(events, 2)->reason, ==, FLOOR_END_REVOKED);
}

static void test_extend(void)
{
    g_autoptr(Floor) fl = floor_with_limits(FALSE);
    g_autoptr(GArray) events = new_events();
    GError *error = NULL;
    gint64 limit = 0;

    g_assert_false(floor_extend(fl, 60 * SEC, T0, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_IDLE);
    g_clear_error(&error);

    g_assert_true(floor_give(fl, 1, FLOOR_KIND_SPEECH, T0, NULL, events, NULL));
    floor_tick(fl, T0 + 185 * SEC, events); /* time up, not closed */
    g_assert_cmpint(event_at(events, events->len - 1)->type, ==, FLOOR_EVENT_TIME_UP);
    g_array_set_size(events, 0);

    g_assert_false(floor_extend(fl, 0, T0 + 186 * SEC, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);

    /* one more minute: 240 s in all; 54 s remain, more than the 30 s warning */
    g_assert_true(floor_extend(fl, 60 * SEC, T0 + 186 * SEC, events, NULL));
    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpint(event_at(events, 0)->type, ==, FLOOR_EVENT_EXTENDED);
    g_assert_cmpint(event_at(events, 0)->limit_us, ==, 240 * SEC);
    floor_get_speaker(fl, NULL, &limit);
    g_assert_cmpint(limit, ==, 240 * SEC);
    g_assert_cmpint(floor_next_deadline(fl), ==, T0 + 210 * SEC);
    floor_tick(fl, T0 + 210 * SEC, events);
    floor_tick(fl, T0 + 240 * SEC, events);
    g_assert_cmpuint(events->len, ==, 3);
    g_assert_cmpint(event_at(events, 1)->type, ==, FLOOR_EVENT_WARNING);
    g_assert_cmpint(event_at(events, 2)->type, ==, FLOOR_EVENT_TIME_UP);

    /* an extension that lands inside the warning warns at once */
    g_assert_true(floor_extend(fl, 10 * SEC, T0 + 241 * SEC, events, NULL));
    g_assert_cmpint(event_at(events, 3)->type, ==, FLOOR_EVENT_EXTENDED);
    g_assert_cmpint(event_at(events, 4)->type, ==, FLOOR_EVENT_WARNING);
    g_assert_cmpint(event_at(events, 4)->remaining_us, ==, 9 * SEC);

    /* no limit, nothing to extend */
    g_assert_true(floor_end(fl, FLOOR_END_FINISHED, T0 + 242 * SEC, events, NULL));
    g_assert_true(floor_give(fl, 2, FLOOR_KIND_POINT_OF_ORDER, T0 + 243 * SEC, NULL, events, NULL));
    g_assert_cmpint(floor_next_deadline(fl), ==, -1);
    g_assert_false(floor_extend(fl, 60 * SEC, T0 + 244 * SEC, events, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "this turn has no time limit to extend");
    g_clear_error(&error);
}

/* A transition at a late time first catches up: the turn that timed out ended before the next
 * request, so the chair can grant at once. */
static void test_transitions_catch_up(void)
{
    g_autoptr(Floor) fl = floor_with_limits(TRUE);
    g_autoptr(GArray) events = new_events();

    g_assert_true(floor_give(fl, 1, FLOOR_KIND_QUESTION, T0, NULL, events, NULL));
    g_array_set_size(events, 0);
    request(fl, 2, FLOOR_KIND_SPEECH, T0 + 100 * SEC, events);
    g_assert_cmpuint(events->len, ==, 3);
    g_assert_cmpint(event_at(events, 0)->type, ==, FLOOR_EVENT_TIME_UP);
    g_assert_cmpint(event_at(events, 1)->type, ==, FLOOR_EVENT_ENDED);
    g_assert_cmpint(event_at(events, 2)->type, ==, FLOOR_EVENT_REQUESTED);
    g_assert_true(floor_grant(fl, 0, T0 + 100 * SEC, events, NULL));

    /* a clock that steps back is taken as the latest time seen */
    floor_tick(fl, T0, events);
    g_assert_cmpuint(events->len, ==, 4);
    g_assert_true(floor_end(fl, FLOOR_END_FINISHED, T0 + 50 * SEC, events, NULL));
    g_assert_cmpint(event_at(events, 4)->at_us, ==, T0 + 100 * SEC);
}

static void test_no_limits_and_null_events(void)
{
    FloorRules rules = {0};
    g_autoptr(Floor) fl = floor_new(&rules, NULL);
    guint64 id = 0;

    g_assert_true(floor_request(fl, 1, FLOOR_KIND_SPEECH, T0, &id, NULL, NULL));
    g_assert_true(floor_grant(fl, id, T0, NULL, NULL));
    g_assert_cmpint(floor_next_deadline(fl), ==, -1);
    floor_tick(fl, T0 + 10000 * SEC, NULL);
    g_assert_nonnull(floor_get_speaker(fl, NULL, NULL));
}

static void test_rules_and_kinds(void)
{
    FloorRules rules = {0};
    GError *error = NULL;
    FloorKind kind;

    rules.limits[0] = (FloorLimit){-1, 0};
    g_assert_null(floor_new(&rules, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
    rules.limits[0] = (FloorLimit){60 * SEC, 60 * SEC};
    g_assert_false(floor_rules_validate(&rules, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "must be shorter than its limit"));
    g_clear_error(&error);
    rules.limits[0] = (FloorLimit){0, 5 * SEC}; /* a warning without a limit */
    g_assert_false(floor_rules_validate(&rules, &error));
    g_clear_error(&error);

    g_assert_true(floor_kind_parse("point_of_order", &kind, NULL));
    g_assert_cmpint(kind, ==, FLOOR_KIND_POINT_OF_ORDER);
    g_assert_cmpstr(floor_kind_to_string(FLOOR_KIND_QUESTION), ==, "question");
    g_assert_null(floor_kind_to_string(0));
    g_assert_false(floor_kind_parse("motion", &kind, &error));
    g_assert_error(error, FLOOR_ERROR, FLOOR_ERROR_INVALID);
    g_clear_error(&error);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/floor/order", test_order);
    g_test_add_func("/floor/requests-refused", test_requests_refused);
    g_test_add_func("/floor/grant-and-end", test_grant_and_end);
    g_test_add_func("/floor/give", test_give);
    g_test_add_func("/floor/time/warning-and-time-up-closes", test_warning_and_time_up_closes);
    g_test_add_func("/floor/time/time-up-without-closing", test_time_up_without_closing);
    g_test_add_func("/floor/time/extend", test_extend);
    g_test_add_func("/floor/time/transitions-catch-up", test_transitions_catch_up);
    g_test_add_func("/floor/time/no-limits", test_no_limits_and_null_events);
    g_test_add_func("/floor/rules-and-kinds", test_rules_and_kinds);
    return g_test_run();
}
