-- Sites (halls) of a body, meetings and their agenda: the first shape, extended by later migrations.

CREATE TABLE sites (
  id          bigserial PRIMARY KEY,
  body_id     bigint NOT NULL REFERENCES bodies (id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL DEFAULT 'remote_hall' CHECK (kind IN ('main_hall', 'remote_hall')),
  rtsp_url    text CHECK (rtsp_url IS NULL OR length(rtsp_url) <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (body_id, name)
);

CREATE TABLE meetings (
  id          bigserial PRIMARY KEY,
  body_id     bigint NOT NULL REFERENCES bodies (id),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  kind        text NOT NULL CHECK (kind IN ('regular', 'extraordinary', 'first_of_term', 'thematic', 'interpellation')),
  status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'open', 'closed', 'archived')),
  starts_at   timestamptz,
  location    text NOT NULL DEFAULT '' CHECK (length(location) <= 500),
  is_public   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meetings_body ON meetings (body_id, starts_at);

CREATE TABLE agenda_items (
  id               bigserial PRIMARY KEY,
  meeting_id       bigint NOT NULL REFERENCES meetings (id),
  parent_id        bigint REFERENCES agenda_items (id),
  position         integer NOT NULL,
  title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
  presenter        text NOT NULL DEFAULT '' CHECK (length(presenter) <= 300),
  planned_minutes  integer CHECK (planned_minutes IS NULL OR planned_minutes BETWEEN 1 AND 1440),
  is_public        boolean NOT NULL DEFAULT true
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);
