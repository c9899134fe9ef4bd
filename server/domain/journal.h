/* journal.h: canonical journal entries and the meeting's hash chain (pure: no I/O, any thread).
 *
 * DOMAIN.md: "Every named vote, every entered count, every floor grant and every attendance change
 * goes into an append-only, hash-chained journal of the meeting; a member can verify that their
 * own recorded vote is in it." ARCHITECTURE.md: "h_i = SHA-256(h_{i-1} || canonical entry)".
 *
 * The byte format, version 1 (anyone can re-implement it to verify a journal):
 *
 *   canonical entry = the canonical JSON (below) of the object
 *     {"actor":A,"at":T,"kind":K,"meeting_id":M,"payload":P,"seq":S}
 *   A  who acted: a string (e.g. "user:17"), or null for the system itself (a time-out)
 *   T  when, UTC, RFC 3339 with exactly six fractional digits: "2026-11-21T09:30:00.000250Z",
 *      between 1970-01-01 and 9999-12-31
 *   K  what: 1 to 64 of [a-z0-9_.], starting with a letter ("vote.cast", "attendance.check_in")
 *   M  the meeting's id, S the entry's sequence number: integers 1 .. 2^53-1; S is 1 for the first
 *      entry of a meeting and grows by exactly 1
 *   P  the entry's details: a JSON object
 *
 *   canonical JSON (close to RFC 8785, but integers only, keys in code-point order rather than
 *   UTF-16 order, which differ only for keys beyond U+FFFF, and strings normalised to NFC):
 *   - UTF-8 without BOM; no whitespace outside strings;
 *   - object members sorted by key, comparing the keys' UTF-8 bytes (that is, by code point);
 *     keys are unique after normalisation;
 *   - arrays keep their order;
 *   - strings (keys and values) are normalised to Unicode NFC (Vietnamese typed with combining
 *     marks hashes like precomposed text); escaped are only '"' as \", '\' as \\, and the control
 *     characters U+0001..U+001F, as \b \f \n \r \t or else \u00xx (lowercase hex); everything
 *     else, '/' U+007F U+2028 U+2029 included, is written as its own UTF-8 bytes; U+0000 and
 *     invalid UTF-8 are refused;
 *   - numbers are integers in -(2^53-1) .. 2^53-1 (exact in every JSON reader, JavaScript
 *     included), written in shortest decimal form; any fraction or exponent (a float) is refused;
 *   - true, false, null as such; nesting at most JOURNAL_MAX_DEPTH levels.
 *   A JavaScript verifier gets the same bytes with JSON.stringify on NFC-normalised strings and
 *   keys sorted by code point.
 *
 *   The chain: h_0 is 32 zero bytes; h_i = SHA-256(h_{i-1} || canonical entry i), the 32 raw
 *   bytes of h_{i-1} followed by the canonical bytes. The meeting id inside every entry binds it to
 *   its meeting, so the genesis value needs nothing meeting-specific. Hashes are shown as 64
 *   lowercase hex digits.
 *
 * Secret ballots: an entry never carries a secret choice together with who made it or anything
 * that orders it (DOMAIN.md); that is the caller's duty, stated here because the journal is public
 * to members.
 *
 * Errors: JOURNAL_ERROR_INVALID for an entry or value that has no canonical form (the message
 * names where: "$.payload.amount"), JOURNAL_ERROR_NOT_CANONICAL for text that is not canonical,
 * JOURNAL_ERROR_CHAIN for a chain that does not verify.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define JOURNAL_ERROR (journal_error_quark())
GQuark journal_error_quark(void);

typedef enum {
    JOURNAL_ERROR_INVALID,       /* no canonical form: a float, invalid UTF-8, a bad field... */
    JOURNAL_ERROR_NOT_CANONICAL, /* text that parses but is not the canonical form */
    JOURNAL_ERROR_CHAIN,         /* a chain that does not verify: gap, wrong meeting, bad hash */
} JournalError;

#define JOURNAL_HASH_SIZE   32
#define JOURNAL_MAX_DEPTH   32
#define JOURNAL_MAX_INTEGER G_GINT64_CONSTANT(9007199254740991) /* 2^53 - 1 */

typedef struct {
    guint8 bytes[JOURNAL_HASH_SIZE];
} JournalHash;

/* One journal entry. Plain fields: build it with journal_entry_new() or fill one on the stack. */
typedef struct {
    gint64 meeting_id;
    gint64 seq;
    char *kind;        /* owned */
    gint64 at_us;      /* microseconds since 1970-01-01T00:00:00Z */
    char *actor;       /* owned; NULL for the system */
    JsonNode *payload; /* a reference held; an object, or NULL for {} */
} JournalEntry;

/* Makes an entry. Copies kind and actor (actor may be NULL) and takes a reference on payload
 * (transfer none; NULL stands for an empty object): do not change the payload afterwards.
 * Nothing is checked here; journal_entry_canonicalise() checks. Returns (transfer full). */
JournalEntry *journal_entry_new(gint64 meeting_id, gint64 seq, const char *kind, gint64 at_us,
                                const char *actor, JsonNode *payload);
void journal_entry_free(JournalEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JournalEntry, journal_entry_free)

/* The canonical JSON text of any JSON value (rules above). Returns (transfer full) the
 * NUL-terminated text (it never contains a NUL byte) and its length in *length (may be NULL), or
 * NULL with JOURNAL_ERROR_INVALID naming the first value that has no canonical form. */
char *journal_canonical_json(JsonNode *node, gsize *length, GError **error);

/* The canonical bytes of an entry (format above). Returns (transfer full) the text and its length,
 * or NULL with JOURNAL_ERROR_INVALID: a meeting id or seq outside 1..2^53-1, a kind that is not
 * [a-z][a-z0-9_.]{0,63}, an empty actor, a time outside 1970..9999, a payload that is not an object
 * or has no canonical form. */
char *journal_entry_canonicalise(const JournalEntry *entry, gsize *length, GError **error);

/* Reads an entry back from its canonical bytes (for a member's own check of a published entry).
 * The text must be exactly canonical: anything else fails with JOURNAL_ERROR_NOT_CANONICAL (or
 * JOURNAL_ERROR_INVALID when it is not an entry at all). Returns (transfer full). */
JournalEntry *journal_entry_parse_canonical(const char *text, gsize length, GError **error);

/* at_us as the entry's time text "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", or NULL outside 1970..9999.
 * (transfer full) */
char *journal_format_time(gint64 at_us);

/* Parses exactly that form back; FALSE with JOURNAL_ERROR_INVALID for anything else. */
gboolean journal_parse_time(const char *text, gint64 *at_us, GError **error);

/* h_0: 32 zero bytes. */
void journal_hash_genesis(JournalHash *hash);

/* next = SHA-256(prev || canonical[0..length)). prev NULL means h_0. next may alias prev. */
void journal_hash_chain(const JournalHash *prev, const char *canonical, gsize length,
                        JournalHash *next);

/* Canonicalises `entry` and chains it onto prev (NULL: h_0). FALSE with the error of
 * journal_entry_canonicalise(), `next` untouched. next may alias prev. */
gboolean journal_hash_entry(const JournalHash *prev, const JournalEntry *entry, JournalHash *next,
                            GError **error);

gboolean journal_hash_equal(const JournalHash *a, const JournalHash *b);

/* 64 lowercase hex digits. (transfer full) */
char *journal_hash_to_hex(const JournalHash *hash);

/* Parses 64 hex digits (either case); FALSE with JOURNAL_ERROR_INVALID otherwise. */
gboolean journal_hash_from_hex(const char *hex, JournalHash *hash, GError **error);

/* Verifies n consecutive entries with the hashes stored beside them. `prev` is the hash stored
 * with the entry before entries[0], or NULL when entries[0] opens the meeting's chain (it must then
 * have seq 1). Checks, in order, for each entry i: the meeting is the one of entries[0]; seq is the
 * previous seq + 1; the entry has a canonical form; SHA-256(h_{i-1} || entry) equals stored[i].
 * Returns TRUE with *first_bad = n when all hold; else FALSE with *first_bad = the index of the
 * first entry that fails and JOURNAL_ERROR_CHAIN saying why. first_bad may be NULL. */
gboolean journal_verify(const JournalHash *prev, JournalEntry *const *entries,
                        const JournalHash *stored, gsize n, gsize *first_bad, GError **error);

G_END_DECLS
