-- Bodies, users, roles per body, login sessions and login throttling.

CREATE TABLE bodies (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  kind        text NOT NULL CHECK (kind IN ('council', 'committee')),
  level       text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
  parent_id   bigint REFERENCES bodies (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name)
);

CREATE TABLE users (
  id               bigserial PRIMARY KEY,
  username         text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  full_name        text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  title            text NOT NULL DEFAULT '' CHECK (length(title) <= 300),
  email            text CHECK (email IS NULL OR length(email) <= 254),
  password_hash    text NOT NULL,
  is_system_admin  boolean NOT NULL DEFAULT false,
  disabled         boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- A user may hold several roles in one body (a chair is also a member who votes).
CREATE TABLE memberships (
  body_id     bigint NOT NULL REFERENCES bodies (id),
  user_id     bigint NOT NULL REFERENCES users (id),
  role        text NOT NULL CHECK (role IN ('admin', 'secretariat', 'chair', 'member', 'guest')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (body_id, user_id, role)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  token_hash      bytea PRIMARY KEY,
  user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token      text NOT NULL,
  client_address  text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_seen       timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed logins, counted per account ('user:NAME') and per client address ('addr:IP').
CREATE TABLE login_throttle (
  key            text PRIMARY KEY,
  failures       integer NOT NULL DEFAULT 0,
  window_start   timestamptz NOT NULL DEFAULT now(),
  locked_until   timestamptz
);
