-- The model of a body and its meetings: terms, the dated roster, the presence quorum per body;
-- the meeting's lifecycle, sittings, invitations with RSVP, notifications per user, the agenda's
-- version (optimistic concurrency) and current item; append-only attendance events with a
-- current-state view; append-only corrections of closed meetings.

-- Presence quorum (DOMAIN.md: "commonly 2/3 of members ... (configurable)"): at least N/D of all
-- members, kept as the fraction given.
ALTER TABLE bodies
  ADD COLUMN quorum_numerator integer NOT NULL DEFAULT 2,
  ADD COLUMN quorum_denominator integer NOT NULL DEFAULT 3,
  ADD CONSTRAINT bodies_quorum CHECK (quorum_denominator BETWEEN 1 AND 1000000
                                      AND quorum_numerator BETWEEN 0 AND quorum_denominator);

-- Nhiệm kỳ: a body's term (5 years; the roster changes inside it).
CREATE TABLE terms (
  id          bigserial PRIMARY KEY,
  body_id     bigint NOT NULL REFERENCES bodies (id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  starts_on   date NOT NULL,
  ends_on     date,
  seats       integer CHECK (seats IS NULL OR seats BETWEEN 1 AND 10000), -- elected members
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (body_id, name),
  CHECK (ends_on IS NULL OR ends_on > starts_on)
);

-- The roster's dated history: who joined or left the members of a body, when and why. The current
-- roster is memberships with role 'member'; every change of it is a row here (append-only: a
-- mistake is corrected by a new, dated row).
CREATE TABLE roster_changes (
  id            bigserial PRIMARY KEY,
  body_id       bigint NOT NULL REFERENCES bodies (id),
  user_id       bigint NOT NULL REFERENCES users (id),
  change        text NOT NULL CHECK (change IN ('joined', 'left')),
  effective_on  date NOT NULL,
  reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  term_id       bigint REFERENCES terms (id),
  recorded_by   bigint REFERENCES users (id),
  recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roster_changes_body ON roster_changes (body_id, user_id, id);

CREATE TRIGGER roster_changes_append_only BEFORE UPDATE OR DELETE ON roster_changes
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER roster_changes_no_truncate BEFORE TRUNCATE ON roster_changes
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();

-- Whatever changes the member role (the API, a roster import, the demo), the history follows: a
-- change the caller did not record first is recorded here, dated today.
CREATE FUNCTION phonghop_roster_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  want text;
  last text;
BEGIN
  IF TG_OP = 'INSERT' THEN r := NEW; want := 'joined'; ELSE r := OLD; want := 'left'; END IF;
  IF r.role <> 'member' THEN RETURN NULL; END IF;
  SELECT change INTO last FROM roster_changes
    WHERE body_id = r.body_id AND user_id = r.user_id ORDER BY id DESC LIMIT 1;
  IF last IS DISTINCT FROM want THEN
    INSERT INTO roster_changes (body_id, user_id, change, effective_on, reason)
      VALUES (r.body_id, r.user_id, want, current_date,
              CASE want WHEN 'joined' THEN 'added to the roster' ELSE 'removed from the roster' END);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER memberships_roster_follow AFTER INSERT OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION phonghop_roster_follow();

INSERT INTO roster_changes (body_id, user_id, change, effective_on, reason)
  SELECT body_id, user_id, 'joined', created_at::date, 'on the roster before dated changes were kept'
  FROM memberships WHERE role = 'member' ORDER BY created_at, body_id, user_id;

-- Sittings (phiên họp) of a session (kỳ họp); a whole sitting may be closed (họp kín).
CREATE TABLE sittings (
  id          bigserial PRIMARY KEY,
  meeting_id  bigint NOT NULL REFERENCES meetings (id),
  number      integer NOT NULL CHECK (number > 0),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  starts_at   timestamptz,
  is_public   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (meeting_id, number)
);

-- Agenda items are ordered by position among their siblings (the items of the meeting, or the
-- sub-items of one item).
ALTER TABLE agenda_items
  ADD COLUMN sitting_id bigint REFERENCES sittings (id),
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX agenda_items_parent ON agenda_items (parent_id);

-- agenda_version: every change of the agenda adds one; an edit names the version it was made
-- from and a stale one is refused (409), so concurrent edits never silently overwrite each other.
ALTER TABLE meetings
  ADD COLUMN term_id bigint REFERENCES terms (id),
  ADD COLUMN agenda_version bigint NOT NULL DEFAULT 1,
  ADD COLUMN current_item_id bigint REFERENCES agenda_items (id),
  ADD COLUMN opened_at timestamptz,
  ADD COLUMN closed_at timestamptz,
  ADD COLUMN archived_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Giấy mời: to a member of the body, to staff (secretariat, administrators), to a guest, or to a
-- site (hall). notified_at: when the invitation went out (meeting scheduled, or invited later).
CREATE TABLE invitations (
  id           bigserial PRIMARY KEY,
  meeting_id   bigint NOT NULL REFERENCES meetings (id),
  kind         text NOT NULL CHECK (kind IN ('member', 'staff', 'guest', 'site')),
  user_id      bigint REFERENCES users (id),
  site_id      bigint REFERENCES sites (id),
  rsvp         text NOT NULL DEFAULT 'pending' CHECK (rsvp IN ('pending', 'accepted', 'declined')),
  rsvp_note    text NOT NULL DEFAULT '' CHECK (length(rsvp_note) <= 500),
  rsvp_at      timestamptz,
  rsvp_by      bigint REFERENCES users (id),
  notified_at  timestamptz,
  created_by   bigint REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'site') = (site_id IS NOT NULL)),
  CHECK ((user_id IS NULL) <> (site_id IS NULL)),
  UNIQUE (meeting_id, user_id),
  UNIQUE (meeting_id, site_id)
);
CREATE INDEX invitations_user ON invitations (user_id);

-- What a user is told (an invitation, a changed or postponed meeting): a row the client lists.
CREATE TABLE notifications (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
  meeting_id  bigint REFERENCES meetings (id),
  text        text NOT NULL,
  payload     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);

-- Every check-in and check-out, by the member or by the secretariat for them (append-only).
-- mode: in the main hall, at a remote site, or alone online (no site).
CREATE TABLE attendance_events (
  id          bigserial PRIMARY KEY,
  meeting_id  bigint NOT NULL REFERENCES meetings (id),
  user_id     bigint NOT NULL REFERENCES users (id),
  kind        text NOT NULL CHECK (kind IN ('check_in', 'check_out')),
  mode        text CHECK (mode IN ('hall', 'remote_site', 'online')),
  site_id     bigint REFERENCES sites (id),
  by_user_id  bigint NOT NULL REFERENCES users (id),
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((kind = 'check_in') = (mode IS NOT NULL)),
  CHECK (mode IS NULL OR (mode = 'online') = (site_id IS NULL))
);
CREATE INDEX attendance_events_meeting ON attendance_events (meeting_id, user_id, id);

CREATE TRIGGER attendance_events_append_only BEFORE UPDATE OR DELETE ON attendance_events
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER attendance_events_no_truncate BEFORE TRUNCATE ON attendance_events
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();

-- Each person's latest attendance event per meeting: present or not, where, since when.
CREATE VIEW attendance_current AS
  SELECT DISTINCT ON (meeting_id, user_id)
         meeting_id, user_id, kind = 'check_in' AS present, mode, site_id, at AS since, by_user_id
  FROM attendance_events
  ORDER BY meeting_id, user_id, id DESC;

-- Nothing of a closed meeting is edited: corrections are new, dated entries (append-only).
CREATE TABLE meeting_corrections (
  id              bigserial PRIMARY KEY,
  meeting_id      bigint NOT NULL REFERENCES meetings (id),
  agenda_item_id  bigint REFERENCES agenda_items (id),
  text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 5000),
  created_by      bigint NOT NULL REFERENCES users (id),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meeting_corrections_meeting ON meeting_corrections (meeting_id, id);

CREATE TRIGGER meeting_corrections_append_only BEFORE UPDATE OR DELETE ON meeting_corrections
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER meeting_corrections_no_truncate BEFORE TRUNCATE ON meeting_corrections
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();

-- Who may read a meeting (the API's rule, in one place for every reader): the system
-- administrator and the body's administrators, secretariat and chairs always; once it is no longer
-- a draft, the body's members, and guests who are invited to it.
CREATE FUNCTION phonghop_may_read_meeting(p_meeting bigint, p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = p_user AND u.is_system_admin AND NOT u.disabled)
      OR EXISTS (SELECT 1 FROM meetings m JOIN memberships s ON s.body_id = m.body_id
                 WHERE m.id = p_meeting AND s.user_id = p_user
                   AND (s.role IN ('admin', 'secretariat', 'chair')
                        OR (m.status <> 'draft' AND s.role = 'member')
                        OR (m.status <> 'draft' AND s.role = 'guest'
                            AND EXISTS (SELECT 1 FROM invitations i
                                        WHERE i.meeting_id = m.id AND i.user_id = p_user))))
$$;

-- A time as the API writes it: ISO 8601 in UTC, to the second ("2026-07-01T01:00:00Z").
CREATE FUNCTION phonghop_ts(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
