-- The session's record on video: a meeting's recordings (one from each opening of the meeting
-- until its close or a stop), their files (one per participant's track and segment, listed as
-- soon as they are opened so that a crash leaves a trace, closed with size and SHA-256), the
-- marks on their timeline (agenda items, floor grants and ends, votes opened and closed) taken
-- from the meeting's own events, and the parts of the timeline that were closed (họp kín).

CREATE TABLE recordings (
  id          bigserial PRIMARY KEY,
  meeting_id  bigint NOT NULL REFERENCES meetings (id),
  dir         text NOT NULL CHECK (length(dir) BETWEEN 1 AND 4096),
  started_at  timestamptz NOT NULL DEFAULT now(),
  started_by  bigint REFERENCES users (id),   -- NULL: the meeting's opening (configuration)
  ended_at    timestamptz,
  state       text NOT NULL DEFAULT 'recording'
              CHECK (state IN ('recording', 'stopped', 'failed', 'interrupted')),
  last_error  text NOT NULL DEFAULT '' CHECK (length(last_error) <= 2000),
  CHECK ((state = 'recording') = (ended_at IS NULL))
);
-- at most one recording of a meeting runs at a time
CREATE UNIQUE INDEX recordings_running ON recordings (meeting_id) WHERE ended_at IS NULL;
CREATE INDEX recordings_meeting ON recordings (meeting_id, id);

-- One file. participant_id is the media participant: a user id, or 2^40 + a site id (a hall).
-- state: open (being written), complete, cut_short (an error or a full disk closed it; it
-- plays), recovered (left open by a crash and verified at the next start: it plays, its end is
-- where its content ends), unplayable or missing (found so at that start).
CREATE TABLE recording_segments (
  id              bigserial PRIMARY KEY,
  recording_id    bigint NOT NULL REFERENCES recordings (id),
  participant_id  bigint NOT NULL CHECK (participant_id > 0),
  user_id         bigint REFERENCES users (id),
  site_id         bigint REFERENCES sites (id),
  track           text NOT NULL CHECK (track ~ '^[A-Za-z0-9_-]{1,40}$'),
  kind            text NOT NULL CHECK (kind IN ('audio', 'video')),
  codec           text NOT NULL CHECK (length(codec) BETWEEN 1 AND 20),
  path            text NOT NULL UNIQUE CHECK (length(path) BETWEEN 1 AND 4096),
  seq             integer NOT NULL CHECK (seq >= 0),
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz,
  size            bigint CHECK (size IS NULL OR size >= 0),
  sha256          text CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
  state           text NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'complete', 'cut_short', 'recovered', 'unplayable',
                                   'missing')),
  note            text NOT NULL DEFAULT '' CHECK (length(note) <= 2000)
);
CREATE INDEX recording_segments_recording ON recording_segments (recording_id, started_at);
CREATE INDEX recording_segments_open ON recording_segments (id) WHERE state = 'open';

-- The parts of a recording's timeline, one per current agenda item (or none), with whether it
-- was closed to the public: the meeting is not public, or the item, its parent item or its
-- sitting is closed. A file that overlaps a closed part is restricted as a whole.
CREATE TABLE recording_parts (
  id              bigserial PRIMARY KEY,
  recording_id    bigint NOT NULL REFERENCES recordings (id),
  agenda_item_id  bigint REFERENCES agenda_items (id),
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz,
  restricted      boolean NOT NULL
);
CREATE INDEX recording_parts_recording ON recording_parts (recording_id, started_at);

-- Marks on the timeline: the meeting's event (kind and number) at its time, with a label for
-- the list (the item's title, the speaker's name, the poll's title) and whether it fell in a
-- closed part. Append-only, like the events they come from.
CREATE TABLE recording_marks (
  id              bigserial PRIMARY KEY,
  recording_id    bigint NOT NULL REFERENCES recordings (id),
  meeting_id      bigint NOT NULL,
  event_seq       bigint NOT NULL,
  kind            text NOT NULL,
  at              timestamptz NOT NULL,
  agenda_item_id  bigint,
  label           text NOT NULL DEFAULT '',
  restricted      boolean NOT NULL,
  FOREIGN KEY (meeting_id, event_seq) REFERENCES meeting_events (meeting_id, seq)
);
CREATE INDEX recording_marks_recording ON recording_marks (recording_id, at);
CREATE TRIGGER recording_marks_append_only BEFORE UPDATE OR DELETE ON recording_marks
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();

-- What each start-up found of the files a crash left open: when, how many, what became of them.
CREATE TABLE recording_scans (
  id          bigserial PRIMARY KEY,
  scanned_at  timestamptz NOT NULL DEFAULT now(),
  found       integer NOT NULL CHECK (found >= 0),
  recovered   integer NOT NULL CHECK (recovered >= 0),
  unplayable  integer NOT NULL CHECK (unplayable >= 0),
  missing     integer NOT NULL CHECK (missing >= 0),
  recordings  integer NOT NULL CHECK (recordings >= 0),  -- recordings marked interrupted
  details     jsonb NOT NULL DEFAULT '[]'
);

-- Whether an agenda item is closed to the public: the item, its parent or its sitting.
CREATE FUNCTION phonghop_item_closed(p_item bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT NOT i.is_public
        OR coalesce((SELECT NOT p.is_public FROM agenda_items p WHERE p.id = i.parent_id), false)
        OR coalesce((SELECT NOT s.is_public FROM sittings s WHERE s.id = i.sitting_id), false)
    FROM agenda_items i WHERE i.id = p_item), false)
$$;

-- Who may see and hear a closed part (họp kín) of a recording: those who sit in a closed
-- sitting, that is the system administrator and the body's administrators, secretariat, chairs
-- and members (đại biểu); never guests, invited or not, and never the public.
CREATE FUNCTION phonghop_may_read_closed(p_meeting bigint, p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = p_user AND u.is_system_admin AND NOT u.disabled)
      OR EXISTS (SELECT 1 FROM meetings m JOIN memberships s ON s.body_id = m.body_id
                 WHERE m.id = p_meeting AND s.user_id = p_user
                   AND s.role IN ('admin', 'secretariat', 'chair', 'member'))
$$;

-- Follows the meeting's events while a recording runs: a new part when the current item (or
-- whether it is closed) changes, and a mark for the events an archive jumps to. In the event's
-- own transaction, so a mark exists exactly when its event does, whichever node recorded it.
CREATE FUNCTION phonghop_recording_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rec_id bigint;
  m record;
  closed boolean;
  part record;
  label text := '';
BEGIN
  IF NEW.kind NOT IN ('agenda.current', 'agenda.changed', 'sitting.changed', 'meeting.status',
                      'floor.granted', 'floor.ended', 'vote.opened', 'vote.closed') THEN
    RETURN NULL;
  END IF;
  SELECT id INTO rec_id FROM recordings WHERE meeting_id = NEW.meeting_id AND ended_at IS NULL;
  IF rec_id IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT is_public, current_item_id INTO m FROM meetings WHERE id = NEW.meeting_id;
  closed := NOT m.is_public OR phonghop_item_closed(m.current_item_id);
  SELECT id, agenda_item_id, restricted INTO part FROM recording_parts
    WHERE recording_id = rec_id AND ended_at IS NULL ORDER BY id DESC LIMIT 1;
  IF part.id IS NULL OR part.agenda_item_id IS DISTINCT FROM m.current_item_id
     OR part.restricted IS DISTINCT FROM closed THEN
    UPDATE recording_parts SET ended_at = NEW.created_at
      WHERE recording_id = rec_id AND ended_at IS NULL;
    INSERT INTO recording_parts (recording_id, agenda_item_id, started_at, restricted)
      VALUES (rec_id, m.current_item_id, NEW.created_at, closed);
  END IF;
  IF NEW.kind IN ('agenda.changed', 'sitting.changed', 'meeting.status') THEN
    RETURN NULL;
  END IF;
  IF NEW.kind = 'agenda.current' THEN
    label := coalesce((SELECT title FROM agenda_items WHERE id = m.current_item_id), '');
  ELSIF NEW.kind LIKE 'floor.%' THEN
    label := coalesce(NEW.payload ->> 'full_name', '');
  ELSE
    label := coalesce(NEW.payload #>> '{poll,title}', NEW.payload ->> 'title', '');
  END IF;
  INSERT INTO recording_marks (recording_id, meeting_id, event_seq, kind, at, agenda_item_id,
                               label, restricted)
    VALUES (rec_id, NEW.meeting_id, NEW.seq, NEW.kind, NEW.created_at, m.current_item_id,
            left(label, 1000), closed);
  RETURN NULL;
END
$$;
CREATE TRIGGER meeting_events_recording_follow AFTER INSERT ON meeting_events
  FOR EACH ROW EXECUTE FUNCTION phonghop_recording_follow();
