/* admin-journal.c: phonghop-admin verify-journal MEETING.
 *
 * Recomputes the meeting's whole hash chain from the stored entries (record_verify_journal, the
 * same check as GET /api/v1/meetings/{id}/journal/verify) and says whether it holds. Exit 0 when
 * it does, printing the number of entries and the head hash someone can compare with a copy
 * kept elsewhere; exit 1 naming the first entry that does not hold and why ("entry 17: its hash
 * does not match SHA-256(previous hash || entry)"); exit 2 for wrong usage.
 */
#include "admin.h"

#include "record/record.h"

#include <stdio.h>

int admin_cmd_verify_journal(Admin *a, int argc, char **argv)
{
    guint64 meeting = 0;
    if (argc != 2 || !g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXINT64, &meeting, NULL)) {
        g_printerr("phonghop-admin: verify-journal: usage: verify-journal MEETING_ID\n");
        return 2;
    }
    RecordVerification v;
    g_autoptr(GError) error = NULL;
    if (!record_verify_journal(admin_get_conn(a), (gint64)meeting, &v, &error)) {
        g_printerr("phonghop-admin: verify-journal: %s\n", error->message);
        return 1;
    }
    int rc = 0;
    if (v.first_bad_seq) {
        g_printerr("phonghop-admin: verify-journal: meeting %" G_GUINT64_FORMAT
                   ": entry %" G_GINT64_FORMAT ": %s\n",
                   meeting, v.first_bad_seq, v.reason);
        rc = 1;
    } else if (v.entries == 0) {
        printf("meeting %" G_GUINT64_FORMAT ": the journal is empty\n", meeting);
    } else {
        printf("meeting %" G_GUINT64_FORMAT ": journal verified: %" G_GINT64_FORMAT
               " entries, head hash %s\n",
               meeting, v.entries, v.head_hash_hex);
    }
    record_verification_clear(&v);
    return rc;
}
