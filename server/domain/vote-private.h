/* vote-private.h: helpers shared by the vote-*.c files; not part of the domain's interface. */
#pragma once

#include "vote.h"

G_BEGIN_DECLS

/* Sets VOTE_ERROR_INVALID unless value >= 0; `what` names the count in the message. */
gboolean vote_check_count(gint value, const char *what, GError **error);

/* Checks the tally committee's (or the electronic) ballot counts of a secret ballot against the
 * roster: none negative, issued <= roster, returned <= issued, valid + invalid == returned; an
 * electronic ballot is never invalid and is issued when cast. */
gboolean vote_check_ballots(const VotePoll *poll, const VoteBallotCounts *ballots, GError **error);

/* The noun for one member ("đại biểu" / "thành viên"; "members" / "committee members"). */
const char *vote_member_noun(VoteBody body, VoteLang lang);

/* What a share is "of" in the minutes: "tổng số đại biểu", "tổng số đại biểu có mặt",
 * "tổng số phiếu"...; English "of all members"... */
const char *vote_base_phrase(const VotePoll *poll, VoteLang lang);

/* Appends the ballot counts, one line each: the four counts of a paper ballot, or for an
 * electronic secret ballot the members who cast one ("Có 47/50 đại biểu tham gia bỏ phiếu..."). */
void vote_append_ballot_lines(GString *text, const VotePoll *poll, const VoteBallotCounts *ballots,
                              VoteLang lang);

/* Appends the share of count in base: ", chiếm 76,00% tổng số đại biểu" (VI) or
 * " (76.00% of all members)" (EN), with the base phrase given. */
void vote_append_share(GString *text, gint64 count, gint64 base, const char *base_phrase,
                       VoteLang lang);

/* Checks one named row (candidate or official) at `index`: a non-empty name and an id not seen
 * before in `seen_ids` (a set of gint64 ids, g_int64_hash), which it then joins. */
gboolean vote_check_row(GHashTable *seen_ids, const gint64 *id, const char *name, gsize index,
                        const char *what, GError **error);

G_END_DECLS
