-- Votes (DOMAIN.md "Votes"): polls with their rule stored as data, the roster frozen when a poll
-- opens, named ballots with their journal position, secret ballots kept as "who voted" apart from
-- "what was chosen", counts entered by the session secretary or the tally committee, and the
-- result of each closed poll. The design of secret ballots is in docs/votes.md.

-- A poll. Its rule is data: the threshold's stable form (server/domain/vote.h), the body kind,
-- subject and form; the roster size is frozen when it opens (the law's "tổng số đại biểu").
-- Nothing of a closed or cancelled poll changes (trigger below).
CREATE TABLE polls (
  id                 bigserial PRIMARY KEY,
  meeting_id         bigint NOT NULL REFERENCES meetings (id),
  agenda_item_id     bigint REFERENCES agenda_items (id),
  title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
  -- what the verdict names ("Nghị quyết về ..."); NULL: "Nghị quyết" / "Quyết định"
  decision           text CHECK (decision IS NULL OR length(decision) BETWEEN 1 AND 300),
  body_kind          text NOT NULL CHECK (body_kind IN ('council', 'committee')),
  subject            text NOT NULL CHECK (subject IN ('motion', 'election', 'confidence', 'no_confidence')),
  form               text NOT NULL CHECK (form IN ('named', 'secret', 'show_of_hands', 'paper')),
  threshold          text NOT NULL CHECK (threshold IN ('more_than_half_of_all', 'at_least_two_thirds_of_all',
                       'more_than_two_thirds_of_remaining', 'more_than_half_of_present',
                       'confidence_bands_of_all', 'confidence_bands_of_ballots')),
  threshold_given    boolean NOT NULL DEFAULT false, -- set by the caller, not the law's default
  -- a written poll of the members between sittings (phiếu lấy ý kiến): no check-in, a deadline
  written            boolean NOT NULL DEFAULT false,
  allow_change       boolean NOT NULL DEFAULT false,
  seats              integer CHECK (seats IS NULL OR seats BETWEEN 1 AND 10000),
  round              integer NOT NULL DEFAULT 1 CHECK (round >= 1),
  previous_round_id  bigint REFERENCES polls (id),
  state              text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed', 'cancelled')),
  duration_s         integer CHECK (duration_s IS NULL OR duration_s BETWEEN 1 AND 31622400),
  roster_size        integer CHECK (roster_size IS NULL OR roster_size >= 1),
  present            integer,
  cast_count         integer NOT NULL DEFAULT 0 CHECK (cast_count >= 0),
  opened_at          timestamptz,
  closes_at          timestamptz,
  closed_at          timestamptz,
  created_by         bigint NOT NULL REFERENCES users (id),
  opened_by          bigint REFERENCES users (id),
  closed_by          bigint REFERENCES users (id), -- NULL at close: its time ran out
  cancel_reason      text CHECK (cancel_reason IS NULL OR length(cancel_reason) BETWEEN 1 AND 1000),
  -- counts entered (show of hands, paper): the latest entry, each one also journaled
  counts             jsonb,
  counts_by          bigint REFERENCES users (id),
  tally_minutes      text CHECK (tally_minutes IS NULL OR length(tally_minutes) <= 20000),
  result             jsonb,
  wording_vi         text,
  wording_en         text,
  passed             boolean,
  result_journal_seq bigint,   -- the journal entry of the result (vote.closed)
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((subject = 'election') = (seats IS NOT NULL)),
  CHECK (NOT (allow_change AND form <> 'named')),
  CHECK (NOT written OR (form = 'named' AND subject = 'motion')),
  CHECK ((state = 'cancelled') = (cancel_reason IS NOT NULL)),
  CHECK (state IN ('draft', 'cancelled') OR roster_size IS NOT NULL)
);
CREATE INDEX polls_meeting ON polls (meeting_id, id);
CREATE INDEX polls_open ON polls (closes_at) WHERE state = 'open';

-- A closed or cancelled poll is the record: refused changes, and no poll is ever deleted.
CREATE FUNCTION phonghop_poll_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.state IN ('closed', 'cancelled') THEN
    RAISE EXCEPTION 'poll % is %: % refused', OLD.id, OLD.state, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER polls_sealed BEFORE UPDATE OR DELETE ON polls
  FOR EACH ROW EXECUTE FUNCTION phonghop_poll_sealed();
CREATE TRIGGER polls_no_truncate BEFORE TRUNCATE ON polls
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();

-- Candidates of an election, officials of a confidence or no-confidence vote, in ballot order.
CREATE TABLE poll_rows (
  poll_id   bigint NOT NULL REFERENCES polls (id),
  position  integer NOT NULL CHECK (position BETWEEN 1 AND 1000),
  name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  user_id   bigint REFERENCES users (id),
  PRIMARY KEY (poll_id, position)
);

-- The members of the body when the poll opened: who may vote, and the denominator.
CREATE TABLE poll_roster (
  poll_id  bigint NOT NULL REFERENCES polls (id),
  user_id  bigint NOT NULL REFERENCES users (id),
  PRIMARY KEY (poll_id, user_id)
);

-- Named ballots: one row per member, or one per change when the poll allows changes (the latest
-- revision counts). journal_seq/journal_hash: the ballot's entry in the meeting's journal, the
-- member's receipt; verification checks that the row and the entry agree.
CREATE TABLE poll_ballots (
  poll_id       bigint NOT NULL,
  user_id       bigint NOT NULL,
  revision      integer NOT NULL CHECK (revision >= 1),
  choice        text NOT NULL CHECK (choice IN ('for', 'against', 'abstain')),
  journal_seq   bigint NOT NULL,
  journal_hash  bytea NOT NULL CHECK (length(journal_hash) = 32),
  cast_at       timestamptz NOT NULL,
  PRIMARY KEY (poll_id, user_id, revision),
  FOREIGN KEY (poll_id, user_id) REFERENCES poll_roster (poll_id, user_id)
);

-- Secret ballots, part one: who has voted (never what). No time, no order worth keeping; the
-- journal entry is the member's receipt of taking part. key_hash: SHA-256 of the client's
-- idempotency key, so a repeated cast is answered with the first receipt.
CREATE TABLE poll_voters (
  poll_id       bigint NOT NULL,
  user_id       bigint NOT NULL,
  journal_seq   bigint NOT NULL,
  journal_hash  bytea NOT NULL CHECK (length(journal_hash) = 32),
  key_hash      bytea NOT NULL CHECK (length(key_hash) = 32),
  PRIMARY KEY (poll_id, user_id),
  FOREIGN KEY (poll_id, user_id) REFERENCES poll_roster (poll_id, user_id)
);

-- Secret ballots, part two: while a poll is open its choices are counters in a table of their
-- own, phonghop_secret.poll_N (row, choice, count), created when it opens. The closing
-- transaction copies the totals into poll_tallies and drops that table, so no stored version of
-- a counter (with the voter's transaction id) outlives the poll. See docs/votes.md.
CREATE SCHEMA phonghop_secret;

-- The totals of every closed poll, written by the closing transaction (row 0: the motion itself).
CREATE TABLE poll_tallies (
  poll_id       bigint NOT NULL REFERENCES polls (id),
  row_position  integer NOT NULL CHECK (row_position >= 0),
  choice        text NOT NULL CHECK (choice ~ '^[a-z_]{1,32}$'),
  count         integer NOT NULL CHECK (count >= 0),
  PRIMARY KEY (poll_id, row_position, choice)
);

-- Ban kiểm phiếu: the tally committee elected for a meeting (≥7 members in a province, ≥3
-- elsewhere), recorded with each change; the latest set counts. Paper ballot counts are entered
-- by one of its members.
CREATE TABLE tally_committee_sets (
  id          bigserial PRIMARY KEY,
  meeting_id  bigint NOT NULL REFERENCES meetings (id),
  member_ids  bigint[] NOT NULL,
  head_id     bigint NOT NULL REFERENCES users (id),
  minutes     text NOT NULL DEFAULT '' CHECK (length(minutes) <= 20000),
  set_by      bigint NOT NULL REFERENCES users (id),
  set_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (head_id = ANY (member_ids))
);
CREATE INDEX tally_committee_sets_meeting ON tally_committee_sets (meeting_id, id DESC);

CREATE TRIGGER poll_rows_append_only BEFORE UPDATE OR DELETE ON poll_rows
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_roster_append_only BEFORE UPDATE OR DELETE ON poll_roster
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_ballots_append_only BEFORE UPDATE OR DELETE ON poll_ballots
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_voters_append_only BEFORE UPDATE OR DELETE ON poll_voters
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_tallies_append_only BEFORE UPDATE OR DELETE ON poll_tallies
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER tally_committee_sets_append_only BEFORE UPDATE OR DELETE ON tally_committee_sets
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_rows_no_truncate BEFORE TRUNCATE ON poll_rows
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_roster_no_truncate BEFORE TRUNCATE ON poll_roster
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_ballots_no_truncate BEFORE TRUNCATE ON poll_ballots
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_voters_no_truncate BEFORE TRUNCATE ON poll_voters
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER poll_tallies_no_truncate BEFORE TRUNCATE ON poll_tallies
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER tally_committee_sets_no_truncate BEFORE TRUNCATE ON tally_committee_sets
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
