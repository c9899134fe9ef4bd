/* journal.c: canonical journal entries and the meeting's hash chain.
 *
 * Design. DOMAIN.md asks for "an append-only, hash-chained journal of the meeting" in which "a
 * member can verify that their own recorded vote is in it", and ARCHITECTURE.md fixes the chain:
 * h_i = SHA-256(h_{i-1} || canonical entry). The chain is only as good as the canonical form: two
 * honest programs must produce the same bytes for the same entry, today and in ten years, and a
 * member's browser must be able to as well. So the form (journal.h) is deliberately narrow:
 *  - integers only, within 2^53-1, so JavaScript reads them exactly and no float formatting
 *    (the hard part of RFC 8785) is ever needed: a float is refused, not rounded;
 *  - strings in NFC, because Vietnamese arrives both precomposed and with combining marks
 *    depending on the keyboard, and a name must not hash two ways; escapes are exactly those of
 *    JSON.stringify, so a verifier need not reimplement them;
 *  - keys sorted by UTF-8 bytes, which is code-point order;
 *  - the envelope (meeting, seq, kind, time, actor) written by hand in its fixed sorted order; the
 *    payload goes through the generic canonicaliser.
 * Parsing canonical text back re-serialises and compares bytes, so any other spelling of the same
 * JSON (whitespace, escapes, order, duplicate keys, "1.0") is refused rather than guessed at.
 * SHA-256 is GLib's GChecksum. Nothing here allocates per hash beyond the canonical text.
 */
#include "journal.h"

#include <string.h>

GQuark journal_error_quark(void)
{
    return g_quark_from_static_string("phonghop-journal-error-quark");
}

#define KIND_MAX_LENGTH  64
#define ACTOR_MAX_LENGTH 256
/* 9999-12-31T23:59:59.999999Z */
#define MAX_TIME_US G_GINT64_CONSTANT(253402300799999999)

/* ---- canonical JSON ---- */

typedef struct {
    GString *out;
    GString *path; /* where we are, for messages: "$.payload.items[3]" */
    GError **error;
} Writer;

static gboolean write_value(Writer *w, JsonNode *node, guint depth);

static gboolean fail(Writer *w, const char *why)
{
    g_set_error(w->error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID, "%s at %s", why, w->path->str);
    return FALSE;
}

/* Returns (transfer full) the NFC form of a string, or NULL (with the error set) when it is not
 * valid UTF-8 or holds U+0000. */
static char *normalise_string(Writer *w, const char *s)
{
    char *nfc;

    if (s == NULL || !g_utf8_validate(s, -1, NULL)) {
        fail(w, "a string that is not valid UTF-8");
        return NULL;
    }
    nfc = g_utf8_normalize(s, -1, G_NORMALIZE_NFC);
    if (nfc == NULL)
        fail(w, "a string that cannot be normalised");
    return nfc;
}

static void write_string(GString *out, const char *nfc)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)nfc; *p != '\0'; p++) {
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
            break;
        }
    }
    g_string_append_c(out, '"');
}

typedef struct {
    char *key; /* NFC, owned */
    JsonNode *value;
} Member;

static gint compare_members(gconstpointer a, gconstpointer b)
{
    /* strcmp compares as unsigned char: UTF-8 byte order, which is code-point order. */
    return strcmp(((const Member *)a)->key, ((const Member *)b)->key);
}

static void clear_member(gpointer data)
{
    g_free(((Member *)data)->key);
}

static gboolean write_object(Writer *w, JsonObject *object, guint depth)
{
    g_autoptr(GArray) members = g_array_new(FALSE, FALSE, sizeof(Member));
    GList *keys = json_object_get_members(object);
    gboolean ok = TRUE;
    gsize path_len = w->path->len;

    g_array_set_clear_func(members, clear_member);
    for (GList *l = keys; l != NULL; l = l->next) {
        Member m = {normalise_string(w, l->data), json_object_get_member(object, l->data)};

        if (m.key == NULL) {
            ok = FALSE;
            goto out;
        }
        g_array_append_val(members, m);
    }
    g_array_sort(members, compare_members);

    g_string_append_c(w->out, '{');
    for (guint i = 0; i < members->len; i++) {
        Member *m = &g_array_index(members, Member, i);

        g_string_append_printf(w->path, ".%s", m->key);
        if (i > 0 && strcmp(m->key, g_array_index(members, Member, i - 1).key) == 0) {
            ok = fail(w, "a key repeated once normalised to NFC");
            goto out;
        }
        if (i > 0)
            g_string_append_c(w->out, ',');
        write_string(w->out, m->key);
        g_string_append_c(w->out, ':');
        if (!write_value(w, m->value, depth + 1)) {
            ok = FALSE;
            goto out;
        }
        g_string_truncate(w->path, path_len);
    }
    g_string_append_c(w->out, '}');

out:
    g_list_free(keys);
    return ok;
}

static gboolean write_array(Writer *w, JsonArray *array, guint depth)
{
    guint n = json_array_get_length(array);
    gsize path_len = w->path->len;

    g_string_append_c(w->out, '[');
    for (guint i = 0; i < n; i++) {
        g_string_append_printf(w->path, "[%u]", i);
        if (i > 0)
            g_string_append_c(w->out, ',');
        if (!write_value(w, json_array_get_element(array, i), depth + 1))
            return FALSE;
        g_string_truncate(w->path, path_len);
    }
    g_string_append_c(w->out, ']');
    return TRUE;
}

static gboolean write_scalar(Writer *w, JsonNode *node)
{
    GType type = json_node_get_value_type(node);

    if (type == G_TYPE_INT64) {
        gint64 v = json_node_get_int(node);

        if (v > JOURNAL_MAX_INTEGER || v < -JOURNAL_MAX_INTEGER)
            return fail(w, "an integer beyond 2^53-1");
        g_string_append_printf(w->out, "%" G_GINT64_FORMAT, v);
        return TRUE;
    }
    if (type == G_TYPE_BOOLEAN) {
        g_string_append(w->out, json_node_get_boolean(node) ? "true" : "false");
        return TRUE;
    }
    if (type == G_TYPE_STRING) {
        g_autofree char *nfc = normalise_string(w, json_node_get_string(node));

        if (nfc == NULL)
            return FALSE;
        write_string(w->out, nfc);
        return TRUE;
    }
    if (type == G_TYPE_DOUBLE)
        return fail(w, "a number with a fraction or exponent (floats are not allowed)");
    return fail(w, "a value of an unsupported type");
}

static gboolean write_value(Writer *w, JsonNode *node, guint depth)
{
    if (depth > JOURNAL_MAX_DEPTH)
        return fail(w, "nesting deeper than 32 levels");
    if (node == NULL)
        return fail(w, "a missing value");

    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        return write_object(w, json_node_get_object(node), depth);
    case JSON_NODE_ARRAY:
        return write_array(w, json_node_get_array(node), depth);
    case JSON_NODE_NULL:
        g_string_append(w->out, "null");
        return TRUE;
    case JSON_NODE_VALUE:
        return write_scalar(w, node);
    default:
        return fail(w, "a value of an unknown kind");
    }
}

static char *finish(GString *out, gboolean ok, gsize *length)
{
    if (!ok) {
        g_string_free(out, TRUE);
        return NULL;
    }
    if (length != NULL)
        *length = out->len;
    return g_string_free(out, FALSE);
}

char *journal_canonical_json(JsonNode *node, gsize *length, GError **error)
{
    g_autoptr(GString) path = g_string_new("$");
    Writer w = {g_string_new(NULL), path, error};

    g_return_val_if_fail(node != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    return finish(w.out, write_value(&w, node, 0), length);
}

/* ---- entries ---- */

JournalEntry *journal_entry_new(gint64 meeting_id, gint64 seq, const char *kind, gint64 at_us,
                                const char *actor, JsonNode *payload)
{
    JournalEntry *entry = g_new0(JournalEntry, 1);

    entry->meeting_id = meeting_id;
    entry->seq = seq;
    entry->kind = g_strdup(kind);
    entry->at_us = at_us;
    entry->actor = g_strdup(actor);
    entry->payload = payload != NULL ? json_node_ref(payload) : NULL;
    return entry;
}

void journal_entry_free(JournalEntry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->kind);
    g_free(entry->actor);
    g_clear_pointer(&entry->payload, json_node_unref);
    g_free(entry);
}

char *journal_format_time(gint64 at_us)
{
    g_autoptr(GDateTime) dt = NULL;
    gint year, month, day;

    if (at_us < 0 || at_us > MAX_TIME_US)
        return NULL;
    dt = g_date_time_new_from_unix_utc(at_us / G_USEC_PER_SEC);
    if (dt == NULL)
        return NULL;
    g_date_time_get_ymd(dt, &year, &month, &day);
    return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", year, month, day,
                           g_date_time_get_hour(dt), g_date_time_get_minute(dt),
                           g_date_time_get_second(dt), (int)(at_us % G_USEC_PER_SEC));
}

static gboolean digits(const char *s, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
        *value = *value * 10 + (s[i] - '0');
    }
    return TRUE;
}

gboolean journal_parse_time(const char *text, gint64 *at_us, GError **error)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    g_autoptr(GDateTime) dt = NULL;
    g_autofree char *again = NULL;
    int year, month, day, hour, minute, second, micro;
    gint64 value;

    g_return_val_if_fail(at_us != NULL, FALSE);

    if (text == NULL || strlen(text) != sizeof(shape) - 1)
        goto bad;
    for (gsize i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] != 'd' && text[i] != shape[i])
            goto bad;
    }
    if (!digits(text, 4, &year) || !digits(text + 5, 2, &month) || !digits(text + 8, 2, &day) ||
        !digits(text + 11, 2, &hour) || !digits(text + 14, 2, &minute) ||
        !digits(text + 17, 2, &second) || !digits(text + 20, 6, &micro))
        goto bad;
    dt = g_date_time_new_utc(year, month, day, hour, minute, second);
    if (dt == NULL)
        goto bad;
    value = g_date_time_to_unix(dt) * G_USEC_PER_SEC + micro;
    again = journal_format_time(value);
    if (again == NULL || strcmp(again, text) != 0)
        goto bad;
    *at_us = value;
    return TRUE;

bad:
    g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                "\"%s\" is not a time of the form 2026-11-21T09:30:00.000000Z (UTC, 1970..9999)",
                text != NULL ? text : "(none)");
    return FALSE;
}

static gboolean kind_is_valid(const char *kind)
{
    gsize n;

    if (kind == NULL || !g_ascii_islower(kind[0]))
        return FALSE;
    n = strlen(kind);
    if (n > KIND_MAX_LENGTH)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_islower(kind[i]) && !g_ascii_isdigit(kind[i]) && kind[i] != '_' &&
            kind[i] != '.')
            return FALSE;
    }
    return TRUE;
}

static gboolean check_entry(const JournalEntry *entry, GError **error)
{
    if (entry->meeting_id < 1 || entry->meeting_id > JOURNAL_MAX_INTEGER) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "meeting id %" G_GINT64_FORMAT " is outside 1..2^53-1", entry->meeting_id);
        return FALSE;
    }
    if (entry->seq < 1 || entry->seq > JOURNAL_MAX_INTEGER) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "sequence number %" G_GINT64_FORMAT " is outside 1..2^53-1", entry->seq);
        return FALSE;
    }
    if (!kind_is_valid(entry->kind)) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "entry kind \"%s\" is not 1 to 64 of [a-z0-9_.] starting with a letter",
                    entry->kind != NULL ? entry->kind : "(none)");
        return FALSE;
    }
    if (entry->actor != NULL &&
        (entry->actor[0] == '\0' || strlen(entry->actor) > ACTOR_MAX_LENGTH)) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "the actor must be 1 to %d bytes, or null for the system", ACTOR_MAX_LENGTH);
        return FALSE;
    }
    if (entry->payload != NULL && !JSON_NODE_HOLDS_OBJECT(entry->payload)) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID, "the payload is not an object");
        return FALSE;
    }
    return TRUE;
}

char *journal_entry_canonicalise(const JournalEntry *entry, gsize *length, GError **error)
{
    g_autoptr(GString) path = g_string_new("$.actor");
    g_autofree char *at = NULL;
    Writer w = {NULL, path, error};
    gboolean ok = FALSE;

    g_return_val_if_fail(entry != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!check_entry(entry, error))
        return NULL;
    at = journal_format_time(entry->at_us);
    if (at == NULL) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "time %" G_GINT64_FORMAT " us is outside 1970..9999", entry->at_us);
        return NULL;
    }

    /* The envelope's keys in their sorted order: actor, at, kind, meeting_id, payload, seq. */
    w.out = g_string_new("{\"actor\":");
    if (entry->actor == NULL) {
        g_string_append(w.out, "null");
    } else {
        g_autofree char *actor = normalise_string(&w, entry->actor);

        if (actor == NULL)
            goto out;
        write_string(w.out, actor);
    }
    g_string_append_printf(
        w.out,
        ",\"at\":\"%s\",\"kind\":\"%s\",\"meeting_id\":%" G_GINT64_FORMAT ",\"payload\":", at,
        entry->kind, entry->meeting_id);
    g_string_assign(path, "$.payload");
    if (entry->payload == NULL)
        g_string_append(w.out, "{}");
    else if (!write_value(&w, entry->payload, 1))
        goto out;
    g_string_append_printf(w.out, ",\"seq\":%" G_GINT64_FORMAT "}", entry->seq);
    ok = TRUE;

out:
    return finish(w.out, ok, length);
}

static gboolean get_integer(JsonObject *object, const char *name, gint64 *value, GError **error)
{
    JsonNode *node = json_object_get_member(object, name);

    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_INT64) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "the entry's \"%s\" is missing or not an integer", name);
        return FALSE;
    }
    *value = json_node_get_int(node);
    return TRUE;
}

static const char *get_string(JsonObject *object, const char *name, gboolean nullable,
                              GError **error)
{
    JsonNode *node = json_object_get_member(object, name);

    if (node != NULL && nullable && JSON_NODE_HOLDS_NULL(node))
        return NULL;
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "the entry's \"%s\" is missing or not a string", name);
        return NULL;
    }
    return json_node_get_string(node);
}

/* The deepest nesting of [ and { outside strings; json-glib's parser recurses, so hostile text
 * is measured before it is parsed. */
static gsize nesting_depth(const char *text, gsize length)
{
    gboolean in_string = FALSE;
    gsize depth = 0, deepest = 0;

    for (gsize i = 0; i < length; i++) {
        char c = text[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = FALSE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '[' || c == '{') {
            deepest = MAX(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

JournalEntry *journal_entry_parse_canonical(const char *text, gsize length, GError **error)
{
    static const char *const fields[] = {"actor", "at", "kind", "meeting_id", "payload", "seq"};
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(JournalEntry) entry = NULL;
    g_autofree char *again = NULL;
    GError *local = NULL;
    JsonObject *object;
    JsonNode *root, *payload;
    const char *at;
    gsize again_length = 0;

    g_return_val_if_fail(text != NULL || length == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (length > G_MAXSSIZE || !g_utf8_validate(text, (gssize)length, NULL) ||
        memchr(text, '\0', length) != NULL) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "the entry is not valid UTF-8 text");
        return NULL;
    }
    /* the entry object and its payload count as two levels */
    if (nesting_depth(text, length) > JOURNAL_MAX_DEPTH + 2) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                    "the entry nests deeper than %d levels", JOURNAL_MAX_DEPTH);
        return NULL;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, (gssize)length, &local)) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID, "the entry is not JSON: %s",
                    local->message);
        g_error_free(local);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID, "the entry is not an object");
        return NULL;
    }
    object = json_node_get_object(root);
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        if (!json_object_has_member(object, fields[i])) {
            g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID, "the entry has no \"%s\"",
                        fields[i]);
            return NULL;
        }
    }

    entry = g_new0(JournalEntry, 1);
    if (!get_integer(object, "meeting_id", &entry->meeting_id, error) ||
        !get_integer(object, "seq", &entry->seq, error))
        return NULL;
    entry->kind = g_strdup(get_string(object, "kind", FALSE, &local));
    if (local == NULL)
        entry->actor = g_strdup(get_string(object, "actor", TRUE, &local));
    at = local == NULL ? get_string(object, "at", FALSE, &local) : NULL;
    if (local != NULL) {
        g_propagate_error(error, local);
        return NULL;
    }
    if (!journal_parse_time(at, &entry->at_us, error))
        return NULL;
    payload = json_object_get_member(object, "payload");
    if (!JSON_NODE_HOLDS_OBJECT(payload)) {
        g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID, "the payload is not an object");
        return NULL;
    }
    entry->payload = json_node_ref(payload);

    again = journal_entry_canonicalise(entry, &again_length, error);
    if (again == NULL)
        return NULL;
    if (again_length != length || memcmp(again, text, length) != 0) {
        gsize at_byte = 0;

        while (at_byte < length && at_byte < again_length && again[at_byte] == text[at_byte])
            at_byte++;
        g_set_error(
            error, JOURNAL_ERROR, JOURNAL_ERROR_NOT_CANONICAL,
            "the entry is JSON but not in canonical form (first difference at byte %" G_GSIZE_FORMAT
            ")",
            at_byte);
        return NULL;
    }
    return g_steal_pointer(&entry);
}

/* ---- the chain ---- */

void journal_hash_genesis(JournalHash *hash)
{
    g_return_if_fail(hash != NULL);

    memset(hash->bytes, 0, sizeof(hash->bytes));
}

void journal_hash_chain(const JournalHash *prev, const char *canonical, gsize length,
                        JournalHash *next)
{
    GChecksum *sha = g_checksum_new(G_CHECKSUM_SHA256);
    JournalHash zero;
    gsize size = JOURNAL_HASH_SIZE;

    g_return_if_fail(canonical != NULL || length == 0);
    g_return_if_fail(next != NULL);

    if (prev == NULL) {
        journal_hash_genesis(&zero);
        prev = &zero;
    }
    g_checksum_update(sha, prev->bytes, JOURNAL_HASH_SIZE);
    /* g_checksum_update takes a gssize: feed very large inputs in pieces. */
    while (length > 0) {
        gsize piece = MIN(length, (gsize)G_MAXSSIZE);

        g_checksum_update(sha, (const guchar *)canonical, (gssize)piece);
        canonical += piece;
        length -= piece;
    }
    g_checksum_get_digest(sha, next->bytes, &size);
    g_checksum_free(sha);
}

gboolean journal_hash_entry(const JournalHash *prev, const JournalEntry *entry, JournalHash *next,
                            GError **error)
{
    g_autofree char *canonical = NULL;
    gsize length = 0;

    g_return_val_if_fail(entry != NULL && next != NULL, FALSE);

    canonical = journal_entry_canonicalise(entry, &length, error);
    if (canonical == NULL)
        return FALSE;
    journal_hash_chain(prev, canonical, length, next);
    return TRUE;
}

gboolean journal_hash_equal(const JournalHash *a, const JournalHash *b)
{
    g_return_val_if_fail(a != NULL && b != NULL, FALSE);

    return memcmp(a->bytes, b->bytes, JOURNAL_HASH_SIZE) == 0;
}

char *journal_hash_to_hex(const JournalHash *hash)
{
    static const char hex[] = "0123456789abcdef";
    char *text = g_malloc(2 * JOURNAL_HASH_SIZE + 1);

    g_return_val_if_fail(hash != NULL, NULL);

    for (gsize i = 0; i < JOURNAL_HASH_SIZE; i++) {
        text[2 * i] = hex[hash->bytes[i] >> 4];
        text[2 * i + 1] = hex[hash->bytes[i] & 0xf];
    }
    text[2 * JOURNAL_HASH_SIZE] = '\0';
    return text;
}

gboolean journal_hash_from_hex(const char *hex, JournalHash *hash, GError **error)
{
    JournalHash value;

    g_return_val_if_fail(hash != NULL, FALSE);

    if (hex == NULL || strlen(hex) != 2 * JOURNAL_HASH_SIZE)
        goto bad;
    for (gsize i = 0; i < JOURNAL_HASH_SIZE; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]);
        int lo = g_ascii_xdigit_value(hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            goto bad;
        value.bytes[i] = (guint8)(hi << 4 | lo);
    }
    *hash = value;
    return TRUE;

bad:
    g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_INVALID,
                "a journal hash is 64 hex digits, not \"%s\"", hex != NULL ? hex : "(none)");
    return FALSE;
}

gboolean journal_verify(const JournalHash *prev, JournalEntry *const *entries,
                        const JournalHash *stored, gsize n, gsize *first_bad, GError **error)
{
    JournalHash h;
    gsize i = 0;

    g_return_val_if_fail((entries != NULL && stored != NULL) || n == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (prev != NULL)
        h = *prev;
    else
        journal_hash_genesis(&h);

    for (i = 0; i < n; i++) {
        const JournalEntry *e = entries[i];
        GError *local = NULL;
        JournalHash next;

        if (e->meeting_id != entries[0]->meeting_id) {
            g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_CHAIN,
                        "entry %" G_GSIZE_FORMAT " (seq %" G_GINT64_FORMAT
                        ") belongs to meeting %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
                        i, e->seq, e->meeting_id, entries[0]->meeting_id);
            goto bad;
        }
        if (i == 0 && prev == NULL && e->seq != 1) {
            g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_CHAIN,
                        "the chain starts at seq %" G_GINT64_FORMAT
                        ", but a meeting's first entry has seq 1",
                        e->seq);
            goto bad;
        }
        if (i > 0 && e->seq != entries[i - 1]->seq + 1) {
            g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_CHAIN,
                        "entry %" G_GSIZE_FORMAT " has seq %" G_GINT64_FORMAT
                        " after seq %" G_GINT64_FORMAT
                        ": an entry is missing, repeated or out of order",
                        i, e->seq, entries[i - 1]->seq);
            goto bad;
        }
        if (!journal_hash_entry(&h, e, &next, &local)) {
            g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_CHAIN,
                        "entry %" G_GSIZE_FORMAT " (seq %" G_GINT64_FORMAT "): %s", i, e->seq,
                        local->message);
            g_error_free(local);
            goto bad;
        }
        if (!journal_hash_equal(&next, &stored[i])) {
            g_autofree char *want = journal_hash_to_hex(&stored[i]);
            g_autofree char *got = journal_hash_to_hex(&next);

            g_set_error(error, JOURNAL_ERROR, JOURNAL_ERROR_CHAIN,
                        "entry %" G_GSIZE_FORMAT " (seq %" G_GINT64_FORMAT
                        "): stored hash %s, computed %s: this entry or its stored hash was "
                        "altered",
                        i, e->seq, want, got);
            goto bad;
        }
        h = next;
    }
    if (first_bad != NULL)
        *first_bad = n;
    return TRUE;

bad:
    if (first_bad != NULL)
        *first_bad = i;
    return FALSE;
}
