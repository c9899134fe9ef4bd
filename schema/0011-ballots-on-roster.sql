-- A ballot (poll_ballots) and a secret ballot's participation (poll_voters) name a member on the
-- poll's roster. That was a foreign key to poll_roster, checked row by row: a batch of 500
-- ballots (one statement) ran 500 lookups, each locking its roster row, which took longer than
-- inserting the ballots. The check is now one query per statement over the rows it inserted. The
-- roster is append-only (poll_roster_append_only, poll_roster_no_truncate), so a ballot that was
-- on the roster when inserted stays on it, as the foreign key guaranteed.
ALTER TABLE poll_ballots DROP CONSTRAINT poll_ballots_poll_id_user_id_fkey;
ALTER TABLE poll_voters DROP CONSTRAINT poll_voters_poll_id_user_id_fkey;

CREATE FUNCTION phonghop_ballots_on_roster() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM inserted i
             WHERE NOT EXISTS (SELECT 1 FROM poll_roster r
                               WHERE r.poll_id = i.poll_id AND r.user_id = i.user_id)) THEN
    RAISE EXCEPTION '%: a member who is not on the poll''s roster', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER poll_ballots_on_roster AFTER INSERT ON poll_ballots
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_ballots_on_roster();
CREATE TRIGGER poll_voters_on_roster AFTER INSERT ON poll_voters
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_ballots_on_roster();
