-- The meeting's record: its live event stream (every event numbered, stored, replayable) and its
-- journal (a hash chain: h_i = SHA-256(h_{i-1} || canonical entry i)). Both are append-only.

ALTER TABLE meetings
  ADD COLUMN event_seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN journal_seq bigint NOT NULL DEFAULT 0;

CREATE TABLE meeting_events (
  meeting_id  bigint NOT NULL REFERENCES meetings (id),
  seq         bigint NOT NULL CHECK (seq > 0),
  kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
  payload     jsonb NOT NULL,
  is_public   boolean NOT NULL DEFAULT false,
  audience    bigint[],          -- when set, only these users receive the event
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (meeting_id, seq)
);

CREATE TABLE meeting_journal (
  meeting_id  bigint NOT NULL REFERENCES meetings (id),
  seq         bigint NOT NULL CHECK (seq > 0),
  kind        text NOT NULL,
  at          timestamptz NOT NULL,
  actor       text,
  entry       text NOT NULL,     -- the canonical entry, byte format in server/domain/journal.h
  hash        bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (meeting_id, seq)
);

CREATE FUNCTION phonghop_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER meeting_events_append_only BEFORE UPDATE OR DELETE ON meeting_events
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER meeting_events_no_truncate BEFORE TRUNCATE ON meeting_events
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER meeting_journal_append_only BEFORE UPDATE OR DELETE ON meeting_journal
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER meeting_journal_no_truncate BEFORE TRUNCATE ON meeting_journal
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
