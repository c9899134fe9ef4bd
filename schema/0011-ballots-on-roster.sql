-- A ballot (poll_ballots) and a secret ballot's participation (poll_voters) name a member on the
-- poll's roster. That was a foreign key to poll_roster, checked row by row: a batch of 500
-- ballots (one statement) ran 500 lookups, each locking its roster row, which took longer than
-- inserting the ballots. A statement-level trigger over the inserted rows was tried in its place
-- and cost more still for the small batches of a paced vote. The ballots' statement now takes
-- its rows through a join with the roster and fails unless every ballot of the batch is in it
-- (server/votes/vote-ballot.c), and the meeting's verification (GET .../votes/verify) reports any
-- ballot or participation of someone not on the roster, however it was written. The roster is
-- append-only (poll_roster_append_only, poll_roster_no_truncate).
ALTER TABLE poll_ballots DROP CONSTRAINT poll_ballots_poll_id_user_id_fkey;
ALTER TABLE poll_voters DROP CONSTRAINT poll_voters_poll_id_user_id_fkey;
