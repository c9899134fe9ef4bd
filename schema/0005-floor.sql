-- The floor (DOMAIN.md "The floor"): requests to speak and their queue, the turns granted with
-- their start, limit and end, the speaking-time limits per kind as data, and whether the chair has
-- opened every microphone. The state machine is server/domain/floor.h; the server restores it from
-- these tables before each change and saves what changed, so every node and a restart agree.

-- Speaking time per kind of request: a body's own rows, else the defaults (body_id NULL). Seconds;
-- limit 0 means no limit; the warning comes warning_seconds before the end (0: none).
CREATE TABLE floor_limits (
  body_id          bigint REFERENCES bodies (id),
  kind             text NOT NULL CHECK (kind IN ('speech', 'question', 'answer', 'point_of_order')),
  limit_seconds    integer NOT NULL CHECK (limit_seconds BETWEEN 0 AND 86400),
  warning_seconds  integer NOT NULL DEFAULT 0
                   CHECK (warning_seconds >= 0 AND (warning_seconds = 0 OR warning_seconds < limit_seconds)),
  updated_by       bigint REFERENCES users (id),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX floor_limits_body_kind ON floor_limits (coalesce(body_id, 0), kind);

-- Defaults until a body sets its own (its rules of procedure, quy chế, decide).
INSERT INTO floor_limits (body_id, kind, limit_seconds, warning_seconds) VALUES
  (NULL, 'speech', 420, 60),
  (NULL, 'question', 120, 30),
  (NULL, 'answer', 300, 60),
  (NULL, 'point_of_order', 120, 30);

-- A request to speak, and every turn (a turn the chair gives without a request has one too, made
-- when it is given). position orders the waiting requests (0 is next); NULL once not waiting.
CREATE TABLE floor_requests (
  id            bigserial PRIMARY KEY,
  meeting_id    bigint NOT NULL REFERENCES meetings (id),
  user_id       bigint NOT NULL REFERENCES users (id),
  kind          text NOT NULL CHECK (kind IN ('speech', 'question', 'answer', 'point_of_order')),
  status        text NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'granted', 'withdrawn', 'removed')),
  position      integer CHECK (position >= 0),
  requested_at  timestamptz NOT NULL,
  requested_by  bigint NOT NULL REFERENCES users (id), -- the person, or the chair who gave the floor
  closed_at     timestamptz,
  closed_by     bigint REFERENCES users (id),
  CHECK ((status = 'waiting') = (position IS NOT NULL)),
  CHECK ((status = 'waiting') = (closed_at IS NULL))
);
CREATE INDEX floor_requests_waiting ON floor_requests (meeting_id, position) WHERE status = 'waiting';
CREATE UNIQUE INDEX floor_requests_one_per_kind ON floor_requests (meeting_id, user_id, kind)
  WHERE status = 'waiting';

-- A turn: who had the floor, from when, for how long (limit_us: extensions included; 0: no limit),
-- when the warning went out, when and why it ended and by whom (ended_by NULL with time_up: the
-- server ended it). At most one turn of a meeting runs at a time, enforced here for every node.
CREATE TABLE floor_grants (
  id           bigserial PRIMARY KEY,
  meeting_id   bigint NOT NULL REFERENCES meetings (id),
  request_id   bigint NOT NULL UNIQUE REFERENCES floor_requests (id),
  user_id      bigint NOT NULL REFERENCES users (id),
  kind         text NOT NULL CHECK (kind IN ('speech', 'question', 'answer', 'point_of_order')),
  granted_by   bigint REFERENCES users (id),
  started_at   timestamptz NOT NULL,
  limit_us     bigint NOT NULL DEFAULT 0 CHECK (limit_us >= 0),
  warning_us   bigint NOT NULL DEFAULT 0 CHECK (warning_us >= 0),
  warned_at    timestamptz,
  ended_at     timestamptz,
  end_reason   text CHECK (end_reason IN ('finished', 'revoked', 'time_up')),
  ended_by     bigint REFERENCES users (id),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX floor_grants_one_running ON floor_grants (meeting_id) WHERE ended_at IS NULL;
CREATE INDEX floor_grants_meeting ON floor_grants (meeting_id, started_at);

-- The chair opened every microphone (DOMAIN.md: "a member's microphone reaches the session only
-- while they hold the floor (or the chair opens all microphones)").
CREATE TABLE floor_microphones (
  meeting_id  bigint PRIMARY KEY REFERENCES meetings (id),
  open        boolean NOT NULL,
  changed_by  bigint REFERENCES users (id),
  changed_at  timestamptz NOT NULL DEFAULT now()
);
