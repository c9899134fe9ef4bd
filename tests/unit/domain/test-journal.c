/* Unit tests: canonical JSON, canonical journal entries and the hash chain, with known vectors.
 * The expected hashes were computed independently (Python hashlib over the bytes written here):
 *   h(empty) = SHA-256(32 zero bytes)
 *   h1 = SHA-256(32 zero bytes || E1), h2 = SHA-256(h1 || E2), h3 = SHA-256(h2 || E3). */
#include "journal.h"

#include <string.h>

#define H_EMPTY "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
#define H1      "0960f861be8146a3b21058685829fdb01e5b390a82c98cf789874d81567d4bd4"
#define H2      "ffeac2d55f932fae13390b26edd5867f151f01eb21c6682e383418a388a893e8"
#define H3      "ef53392901552bb27738c37f62ffae6d3ecd27b862df90765cefa6a23a2a5326"

#define E1                                                                                  \
    "{\"actor\":\"user:17\",\"at\":\"2026-11-21T09:30:00.000250Z\",\"kind\":\"vote.cast\"," \
    "\"meeting_id\":42,\"payload\":{\"choice\":\"for\",\"poll\":7},\"seq\":1}"
#define E2                                                                             \
    "{\"actor\":null,\"at\":\"2026-11-21T09:35:00.000000Z\",\"kind\":\"floor.ended\"," \
    "\"meeting_id\":42,\"payload\":{\"reason\":\"time_up\",\"request\":3},\"seq\":2}"
/* "Nguyễn Thị Ánh" precomposed (NFC) */
#define E3                                                                        \
    "{\"actor\":\"user:5\",\"at\":\"2026-11-21T09:40:00.123456Z\","               \
    "\"kind\":\"attendance.check_in\",\"meeting_id\":42,\"payload\":{\"member\":" \
    "\"Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b \xc3\x81nh\",\"site\":3},\"seq\":3}"
/* the same name typed with combining marks (NFD) */
#define NAME_NFD "Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 A\xcc\x81nh"

#define T_0930 G_GINT64_CONSTANT(1795253400000000)

static JsonNode *parse_json(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
    g_assert_no_error(error);
    return json_node_ref(json_parser_get_root(parser));
}

static char *canonical_of(const char *json, GError **error)
{
    g_autoptr(JsonNode) node = parse_json(json);

    return journal_canonical_json(node, NULL, error);
}

typedef struct {
    const char *input;
    const char *canonical;
} CanonicalCase;

static void test_canonical_json(void)
{
    static const CanonicalCase cases[] = {
        {"{ \"b\" : 1, \"a\" : [ true, false, null ], \"c\" : { \"z\" : \"x\", \"y\" : -5 } }",
         "{\"a\":[true,false,null],\"b\":1,\"c\":{\"y\":-5,\"z\":\"x\"}}"},
        {"{}", "{}"},
        {"[]", "[]"},
        {"[3, 1, 2]", "[3,1,2]"}, /* arrays keep their order */
        {"0", "0"},
        {"-0", "0"},
        {"9007199254740991", "9007199254740991"},
        {"-9007199254740991", "-9007199254740991"},
        /* escapes: exactly those of JSON.stringify */
        {"\"q\\\"b\\\\s\\/\\u0001\\b\\f\\n\\r\\t\\u001f\\u007f\\u2028\\u00e9\"",
         "\"q\\\"b\\\\s/\\u0001\\b\\f\\n\\r\\t\\u001f\x7f\xe2\x80\xa8\xc3\xa9\""},
        /* NFC: combining marks are composed, in values and in keys */
        {"{\"name\":\"" NAME_NFD "\"}",
         "{\"name\":\"Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b \xc3\x81nh\"}"},
        {"{\"e\\u0301\":1}", "{\"\xc3\xa9\":1}"},
        /* keys by code point: "Z" < "a" < "z" < "é" < "ệ" */
        {"{\"\xe1\xbb\x87\":5,\"\xc3\xa9\":1,\"z\":2,\"a\":3,\"Z\":4}",
         "{\"Z\":4,\"a\":3,\"z\":2,\"\xc3\xa9\":1,\"\xe1\xbb\x87\":5}"},
        /* key prefixes sort first */
        {"{\"ab\":1,\"a\":2,\"a_\":3,\"aa\":4}", "{\"a\":2,\"a_\":3,\"aa\":4,\"ab\":1}"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *out = canonical_of(cases[i].input, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(out, ==, cases[i].canonical);
    }
}

typedef struct {
    const char *input;
    const char *message;
} RejectCase;

static void test_canonical_rejects(void)
{
    static const RejectCase cases[] = {
        {"{\"amount\":1.5}", "a number with a fraction or exponent (floats are not allowed) at "
                             "$.amount"},
        {"{\"a\":{\"b\":[1,1.0]}}",
         "a number with a fraction or exponent (floats are not allowed) at $.a.b[1]"},
        {"{\"x\":1e3}", "a number with a fraction or exponent (floats are not allowed) at $.x"},
        {"{\"x\":9007199254740992}", "an integer beyond 2^53-1 at $.x"},
        {"{\"x\":-9007199254740992}", "an integer beyond 2^53-1 at $.x"},
        {"{\"\xc3\xa9\":1,\"e\\u0301\":2}", "a key repeated once normalised to NFC at $.\xc3\xa9"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *out = canonical_of(cases[i].input, &error);

        g_assert_null(out);
        g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
        g_assert_cmpstr(error->message, ==, cases[i].message);
    }
}

static void test_canonical_rejects_bad_strings_and_depth(void)
{
    g_autoptr(JsonNode) bad = json_node_new(JSON_NODE_VALUE);
    g_autoptr(GString) deep = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *ok = NULL;

    json_node_set_string(bad, "caf\xc3"); /* truncated UTF-8 */
    out = journal_canonical_json(bad, NULL, &error);
    g_assert_null(out);
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "a string that is not valid UTF-8 at $");
    g_clear_error(&error);

    for (int i = 0; i < JOURNAL_MAX_DEPTH + 1; i++)
        g_string_append_c(deep, '[');
    for (int i = 0; i < JOURNAL_MAX_DEPTH + 1; i++)
        g_string_append_c(deep, ']');
    ok = canonical_of(deep->str, &error); /* 33 arrays: depths 0..32 */
    g_assert_no_error(error);
    g_assert_cmpstr(ok, ==, deep->str);
    g_string_prepend_c(deep, '[');
    g_string_append_c(deep, ']');
    g_clear_pointer(&out, g_free);
    out = canonical_of(deep->str, &error);
    g_assert_null(out);
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "nesting deeper than 32 levels"));
}

static JournalEntry *entry_1(void)
{
    g_autoptr(JsonNode) payload = parse_json("{\"poll\":7,\"choice\":\"for\"}");

    return journal_entry_new(42, 1, "vote.cast", T_0930 + 250, "user:17", payload);
}

static JournalEntry *entry_2(void)
{
    g_autoptr(JsonNode) payload = parse_json("{\"request\":3,\"reason\":\"time_up\"}");

    return journal_entry_new(42, 2, "floor.ended", T_0930 + 300 * G_USEC_PER_SEC, NULL, payload);
}

static JournalEntry *entry_3(void)
{
    g_autoptr(JsonNode) payload = parse_json("{\"site\":3,\"member\":\"" NAME_NFD "\"}");

    return journal_entry_new(42, 3, "attendance.check_in", T_0930 + 600 * G_USEC_PER_SEC + 123456,
                             "user:5", payload);
}

static void test_entry_vectors(void)
{
    g_autoptr(JournalEntry) e1 = entry_1();
    g_autoptr(JournalEntry) e2 = entry_2();
    g_autoptr(JournalEntry) e3 = entry_3();
    g_autoptr(GError) error = NULL;
    g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL;
    g_autofree char *x1 = NULL, *x2 = NULL, *x3 = NULL, *x0 = NULL;
    JournalHash h0, h1, h2, h3;
    gsize length = 0;

    c1 = journal_entry_canonicalise(e1, &length, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(c1, ==, E1);
    g_assert_cmpuint(length, ==, strlen(E1));
    c2 = journal_entry_canonicalise(e2, NULL, &error);
    g_assert_cmpstr(c2, ==, E2);
    c3 = journal_entry_canonicalise(e3, NULL, &error);
    g_assert_cmpstr(c3, ==, E3); /* typed with combining marks, hashed precomposed */

    journal_hash_chain(NULL, "", 0, &h0);
    x0 = journal_hash_to_hex(&h0);
    g_assert_cmpstr(x0, ==, H_EMPTY);

    g_assert_true(journal_hash_entry(NULL, e1, &h1, &error));
    g_assert_true(journal_hash_entry(&h1, e2, &h2, &error));
    g_assert_true(journal_hash_entry(&h2, e3, &h3, &error));
    g_assert_no_error(error);
    x1 = journal_hash_to_hex(&h1);
    x2 = journal_hash_to_hex(&h2);
    x3 = journal_hash_to_hex(&h3);
    g_assert_cmpstr(x1, ==, H1);
    g_assert_cmpstr(x2, ==, H2);
    g_assert_cmpstr(x3, ==, H3);

    /* the genesis hash is 32 zero bytes, and chaining in place works */
    journal_hash_genesis(&h0);
    journal_hash_chain(&h0, E1, strlen(E1), &h0);
    g_assert_true(journal_hash_equal(&h0, &h1));
}

typedef struct {
    const char *name;
    gint64 meeting_id;
    gint64 seq;
    const char *kind;
    gint64 at_us;
    const char *actor;
    const char *payload;
    const char *message;
} BadEntryCase;

static const BadEntryCase bad_entry_cases[] = {
    {"meeting-0", 0, 1, "vote.cast", T_0930, NULL, "{}", "meeting id 0 is outside 1..2^53-1"},
    {"seq-0", 42, 0, "vote.cast", T_0930, NULL, "{}", "sequence number 0 is outside 1..2^53-1"},
    {"seq-too-big", 42, G_GINT64_CONSTANT(9007199254740992), "vote.cast", T_0930, NULL, "{}",
     "sequence number 9007199254740992 is outside 1..2^53-1"},
    {"kind-uppercase", 42, 1, "Vote.cast", T_0930, NULL, "{}",
     "entry kind \"Vote.cast\" is not 1 to 64 of [a-z0-9_.] starting with a letter"},
    {"kind-empty", 42, 1, "", T_0930, NULL, "{}",
     "entry kind \"\" is not 1 to 64 of [a-z0-9_.] starting with a letter"},
    {"kind-digit-first", 42, 1, "9vote", T_0930, NULL, "{}",
     "entry kind \"9vote\" is not 1 to 64 of [a-z0-9_.] starting with a letter"},
    {"kind-space", 42, 1, "vote cast", T_0930, NULL, "{}",
     "entry kind \"vote cast\" is not 1 to 64 of [a-z0-9_.] starting with a letter"},
    {"actor-empty", 42, 1, "vote.cast", T_0930, "", "{}",
     "the actor must be 1 to 256 bytes, or null for the system"},
    {"payload-array", 42, 1, "vote.cast", T_0930, NULL, "[1]", "the payload is not an object"},
    {"before-1970", 42, 1, "vote.cast", -1, NULL, "{}", "time -1 us is outside 1970..9999"},
    {"float-in-payload", 42, 1, "vote.cast", T_0930, NULL, "{\"share\":0.76}",
     "a number with a fraction or exponent (floats are not allowed) at $.payload.share"},
    {"actor-invalid-utf8", 42, 1, "vote.cast", T_0930, "user\xff", "{}",
     "a string that is not valid UTF-8 at $.actor"},
};

static void test_bad_entry(gconstpointer data)
{
    const BadEntryCase *c = data;
    g_autoptr(JsonNode) payload = parse_json(c->payload);
    g_autoptr(JournalEntry) entry =
        journal_entry_new(c->meeting_id, c->seq, c->kind, c->at_us, c->actor, payload);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = journal_entry_canonicalise(entry, NULL, &error);
    JournalHash h;

    g_assert_null(out);
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, c->message);
    g_clear_error(&error);
    g_assert_false(journal_hash_entry(NULL, entry, &h, &error));
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
}

static void test_null_payload_is_empty_object(void)
{
    g_autoptr(JournalEntry) entry = journal_entry_new(1, 1, "meeting.opened", 0, "user:1", NULL);
    g_autofree char *out = journal_entry_canonicalise(entry, NULL, NULL);

    g_assert_cmpstr(out, ==,
                    "{\"actor\":\"user:1\",\"at\":\"1970-01-01T00:00:00.000000Z\",\"kind\":"
                    "\"meeting.opened\",\"meeting_id\":1,\"payload\":{},\"seq\":1}");
}

static void test_time(void)
{
    static const struct {
        gint64 at_us;
        const char *text;
    } good[] = {
        {0, "1970-01-01T00:00:00.000000Z"},
        {1, "1970-01-01T00:00:00.000001Z"},
        {T_0930 + 250, "2026-11-21T09:30:00.000250Z"},
        {G_GINT64_CONSTANT(1709164800000000), "2024-02-29T00:00:00.000000Z"},
        {G_GINT64_CONSTANT(253402300799999999), "9999-12-31T23:59:59.999999Z"},
    };
    static const char *const bad[] = {
        "2026-11-21T09:30:00Z",
        "2026-11-21T09:30:00.000000+00:00",
        "2026-11-21T09:30:00.000000z",
        "2026-11-21 09:30:00.000000Z",
        "2026-02-30T09:30:00.000000Z",
        "2025-02-29T00:00:00.000000Z",
        "2026-11-21T24:00:00.000000Z",
        "2026-11-21T09:60:00.000000Z",
        "2026-11-21T09:30:60.000000Z",
        "1969-12-31T23:59:59.999999Z",
        "2026-11-21T09:30:00.00000aZ",
        "+026-11-21T09:30:00.000000Z",
        "",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *text = journal_format_time(good[i].at_us);
        gint64 back = -1;

        g_assert_cmpstr(text, ==, good[i].text);
        g_assert_true(journal_parse_time(good[i].text, &back, NULL));
        g_assert_cmpint(back, ==, good[i].at_us);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        gint64 back = -7;

        g_assert_false(journal_parse_time(bad[i], &back, &error));
        g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
        g_assert_cmpint(back, ==, -7);
    }
    g_assert_null(journal_format_time(-1));
    g_assert_null(journal_format_time(G_GINT64_CONSTANT(253402300800000000)));
}

static void test_parse_canonical(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JournalEntry) entry = journal_entry_parse_canonical(E3, strlen(E3), &error);
    g_autofree char *again = NULL;

    g_assert_no_error(error);
    g_assert_nonnull(entry);
    g_assert_cmpint(entry->meeting_id, ==, 42);
    g_assert_cmpint(entry->seq, ==, 3);
    g_assert_cmpstr(entry->kind, ==, "attendance.check_in");
    g_assert_cmpstr(entry->actor, ==, "user:5");
    g_assert_cmpint(entry->at_us, ==, T_0930 + 600 * G_USEC_PER_SEC + 123456);
    again = journal_entry_canonicalise(entry, NULL, NULL);
    g_assert_cmpstr(again, ==, E3);

    g_clear_pointer(&entry, journal_entry_free);
    entry = journal_entry_parse_canonical(E2, strlen(E2), &error);
    g_assert_no_error(error);
    g_assert_null(entry->actor);
}

static void test_parse_canonical_rejects(void)
{
    static const struct {
        const char *text;
        int code;
    } cases[] = {
        /* whitespace */
        {"{\"actor\":null, \"at\":\"2026-11-21T09:35:00.000000Z\",\"kind\":\"floor.ended\","
         "\"meeting_id\":42,\"payload\":{},\"seq\":2}",
         JOURNAL_ERROR_NOT_CANONICAL},
        /* order */
        {"{\"at\":\"2026-11-21T09:35:00.000000Z\",\"actor\":null,\"kind\":\"floor.ended\","
         "\"meeting_id\":42,\"payload\":{},\"seq\":2}",
         JOURNAL_ERROR_NOT_CANONICAL},
        /* an escape where the character itself belongs */
        {"{\"actor\":\"caf\\u00e9\",\"at\":\"2026-11-21T09:35:00.000000Z\",\"kind\":\"floor."
         "ended\","
         "\"meeting_id\":42,\"payload\":{},\"seq\":2}",
         JOURNAL_ERROR_NOT_CANONICAL},
        /* a member too many */
        {"{\"actor\":null,\"at\":\"2026-11-21T09:35:00.000000Z\",\"extra\":1,\"kind\":\"floor."
         "ended\",\"meeting_id\":42,\"payload\":{},\"seq\":2}",
         JOURNAL_ERROR_NOT_CANONICAL},
        /* a float */
        {"{\"actor\":null,\"at\":\"2026-11-21T09:35:00.000000Z\",\"kind\":\"floor.ended\","
         "\"meeting_id\":42,\"payload\":{\"x\":1.0},\"seq\":2}",
         JOURNAL_ERROR_INVALID},
        /* seq as a string */
        {"{\"actor\":null,\"at\":\"2026-11-21T09:35:00.000000Z\",\"kind\":\"floor.ended\","
         "\"meeting_id\":42,\"payload\":{},\"seq\":\"2\"}",
         JOURNAL_ERROR_INVALID},
        /* a member missing */
        {"{\"actor\":null,\"kind\":\"floor.ended\",\"meeting_id\":42,\"payload\":{},\"seq\":2}",
         JOURNAL_ERROR_INVALID},
        /* the time in another form */
        {"{\"actor\":null,\"at\":\"2026-11-21T09:35:00Z\",\"kind\":\"floor.ended\","
         "\"meeting_id\":42,\"payload\":{},\"seq\":2}",
         JOURNAL_ERROR_INVALID},
        {"[1,2]", JOURNAL_ERROR_INVALID},
        {"not json", JOURNAL_ERROR_INVALID},
        {"{\"actor\":\"\xff\"}", JOURNAL_ERROR_INVALID},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(JournalEntry) entry =
            journal_entry_parse_canonical(cases[i].text, strlen(cases[i].text), &error);

        g_assert_null(entry);
        g_assert_error(error, JOURNAL_ERROR, cases[i].code);
    }
}

static void test_parse_canonical_deep(void)
{
    g_autoptr(GString) text = g_string_new("{\"actor\":null,\"at\":\"2026-11-21T09:35:00.000000Z\","
                                           "\"kind\":\"x\",\"meeting_id\":1,\"payload\":{\"a\":");
    g_autoptr(GError) error = NULL;
    g_autoptr(JournalEntry) entry = NULL;

    for (int i = 0; i < 100000; i++)
        g_string_append_c(text, '[');
    for (int i = 0; i < 100000; i++)
        g_string_append_c(text, ']');
    g_string_append(text, "},\"seq\":1}");
    entry = journal_entry_parse_canonical(text->str, text->len, &error);
    g_assert_null(entry);
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "the entry nests deeper than 32 levels");
}

static void test_hex(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *lower = NULL;
    JournalHash h, upper;

    g_assert_true(journal_hash_from_hex(H1, &h, &error));
    g_assert_no_error(error);
    lower = journal_hash_to_hex(&h);
    g_assert_cmpstr(lower, ==, H1);
    g_assert_true(journal_hash_from_hex(
        "0960F861BE8146A3B21058685829FDB01E5B390A82C98CF789874D81567D4BD4", &upper, NULL));
    g_assert_true(journal_hash_equal(&h, &upper));

    g_assert_false(journal_hash_from_hex(H1 "0", &h, &error));
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(journal_hash_from_hex(
        "0960f861be8146a3b21058685829fdb01e5b390a82c98cf789874d81567d4bdg", &h, &error));
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(journal_hash_from_hex(NULL, &h, &error));
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID);
}

/* A chain of n entries of meeting 42 with their correct hashes. */
static void build_chain(JournalEntry **entries, JournalHash *hashes, gsize n)
{
    JournalHash prev;

    journal_hash_genesis(&prev);
    for (gsize i = 0; i < n; i++) {
        g_autoptr(JsonNode) payload = json_node_new(JSON_NODE_OBJECT);
        g_autoptr(JsonObject) object = json_object_new();

        json_object_set_int_member(object, "member", 100 + (gint64)i);
        json_object_set_string_member(object, "choice", i % 2 == 0 ? "for" : "against");
        json_node_set_object(payload, object);
        entries[i] = journal_entry_new(42, (gint64)i + 1, "vote.cast",
                                       T_0930 + (gint64)i * G_USEC_PER_SEC, "system", payload);
        g_assert_true(journal_hash_entry(&prev, entries[i], &hashes[i], NULL));
        prev = hashes[i];
    }
}

static void free_chain(JournalEntry **entries, gsize n)
{
    for (gsize i = 0; i < n; i++)
        journal_entry_free(entries[i]);
}

static void test_verify_good(void)
{
    JournalEntry *entries[6];
    JournalHash hashes[6];
    g_autoptr(GError) error = NULL;
    gsize bad = 99;

    build_chain(entries, hashes, 6);
    g_assert_true(journal_verify(NULL, entries, hashes, 6, &bad, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(bad, ==, 6);

    /* a tail, from the hash stored with the entry before it */
    g_assert_true(journal_verify(&hashes[2], entries + 3, hashes + 3, 3, &bad, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(bad, ==, 3);

    /* nothing to verify */
    g_assert_true(journal_verify(NULL, NULL, NULL, 0, &bad, &error));
    g_assert_cmpuint(bad, ==, 0);
    free_chain(entries, 6);
}

static void test_verify_known_vector_chain(void)
{
    JournalEntry *entries[3] = {entry_1(), entry_2(), entry_3()};
    JournalHash hashes[3];
    g_autoptr(GError) error = NULL;
    gsize bad = 99;

    g_assert_true(journal_hash_from_hex(H1, &hashes[0], NULL));
    g_assert_true(journal_hash_from_hex(H2, &hashes[1], NULL));
    g_assert_true(journal_hash_from_hex(H3, &hashes[2], NULL));
    g_assert_true(journal_verify(NULL, entries, hashes, 3, &bad, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(bad, ==, 3);
    free_chain(entries, 3);
}

static void expect_broken(const JournalHash *prev, JournalEntry **entries,
                          const JournalHash *hashes, gsize n, gsize want_bad, const char *part)
{
    g_autoptr(GError) error = NULL;
    gsize bad = 99;

    g_assert_false(journal_verify(prev, entries, hashes, n, &bad, &error));
    g_assert_error(error, JOURNAL_ERROR, JOURNAL_ERROR_CHAIN);
    g_assert_cmpuint(bad, ==, want_bad);
    if (strstr(error->message, part) == NULL)
        g_error("\"%s\" lacks \"%s\"", error->message, part);
}

static void test_verify_tampered_payload(void)
{
    JournalEntry *entries[6];
    JournalHash hashes[6];

    build_chain(entries, hashes, 6);
    /* someone changes member 102's vote after the fact */
    json_object_set_string_member(json_node_get_object(entries[2]->payload), "choice", "against");
    expect_broken(NULL, entries, hashes, 6, 2,
                  "entry 2 (seq 3): stored hash " /* then both hashes */);
    free_chain(entries, 6);
}

static void test_verify_tampered_hash(void)
{
    JournalEntry *entries[6];
    JournalHash hashes[6];

    build_chain(entries, hashes, 6);
    hashes[4].bytes[31] ^= 1;
    expect_broken(NULL, entries, hashes, 6, 4, "this entry or its stored hash was altered");
    free_chain(entries, 6);
}

static void test_verify_gap_and_order(void)
{
    JournalEntry *entries[6];
    JournalHash hashes[6];
    JournalEntry *gap[5];
    JournalHash gap_hashes[5];
    JournalEntry *swapped[6];
    JournalHash swapped_hashes[6];

    build_chain(entries, hashes, 6);
    /* entry seq 3 deleted */
    for (gsize i = 0, k = 0; i < 6; i++) {
        if (i == 2)
            continue;
        gap[k] = entries[i];
        gap_hashes[k++] = hashes[i];
    }
    expect_broken(NULL, gap, gap_hashes, 5, 2, "has seq 4 after seq 2");

    /* two entries swapped */
    memcpy(swapped, entries, sizeof(entries));
    memcpy(swapped_hashes, hashes, sizeof(hashes));
    swapped[3] = entries[4];
    swapped[4] = entries[3];
    swapped_hashes[3] = hashes[4];
    swapped_hashes[4] = hashes[3];
    expect_broken(NULL, swapped, swapped_hashes, 6, 3,
                  "an entry is missing, repeated or out of order");

    /* a chain from the beginning must start at seq 1 */
    expect_broken(NULL, entries + 1, hashes + 1, 5, 0, "a meeting's first entry has seq 1");
    /* a tail verified against the wrong previous hash */
    expect_broken(&hashes[0], entries + 2, hashes + 2, 4, 0, "stored hash");
    free_chain(entries, 6);
}

static void test_verify_other_meeting_and_bad_entry(void)
{
    JournalEntry *entries[4];
    JournalHash hashes[4];

    build_chain(entries, hashes, 4);
    entries[1]->meeting_id = 43;
    expect_broken(NULL, entries, hashes, 4, 1, "belongs to meeting 43, not 42");
    entries[1]->meeting_id = 42;

    g_free(entries[3]->kind);
    entries[3]->kind = g_strdup("Vote");
    expect_broken(NULL, entries, hashes, 4, 3, "entry 3 (seq 4): entry kind \"Vote\"");
    free_chain(entries, 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/journal/canonical/vectors", test_canonical_json);
    g_test_add_func("/journal/canonical/rejects", test_canonical_rejects);
    g_test_add_func("/journal/canonical/bad-strings-and-depth",
                    test_canonical_rejects_bad_strings_and_depth);
    g_test_add_func("/journal/entry/vectors", test_entry_vectors);
    for (gsize i = 0; i < G_N_ELEMENTS(bad_entry_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/journal/entry/invalid/%s", bad_entry_cases[i].name);

        g_test_add_data_func(path, &bad_entry_cases[i], test_bad_entry);
    }
    g_test_add_func("/journal/entry/null-payload", test_null_payload_is_empty_object);
    g_test_add_func("/journal/entry/parse-canonical", test_parse_canonical);
    g_test_add_func("/journal/entry/parse-canonical-rejects", test_parse_canonical_rejects);
    g_test_add_func("/journal/entry/parse-canonical-deep", test_parse_canonical_deep);
    g_test_add_func("/journal/time", test_time);
    g_test_add_func("/journal/hash/hex", test_hex);
    g_test_add_func("/journal/verify/good", test_verify_good);
    g_test_add_func("/journal/verify/known-vectors", test_verify_known_vector_chain);
    g_test_add_func("/journal/verify/tampered-payload", test_verify_tampered_payload);
    g_test_add_func("/journal/verify/tampered-hash", test_verify_tampered_hash);
    g_test_add_func("/journal/verify/gap-and-order", test_verify_gap_and_order);
    g_test_add_func("/journal/verify/other-meeting-and-bad-entry",
                    test_verify_other_meeting_and_bad_entry);
    return g_test_run();
}
