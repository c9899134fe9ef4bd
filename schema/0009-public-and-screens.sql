-- The public face of an agenda item, and hall screens bound to a site of a meeting.

-- An item is public when it is not closed (họp kín) and neither is its sitting; no item (a vote or
-- a turn outside the agenda) counts as public. DOMAIN.md: a closed item or sitting has no public
-- stream, no public recording and restricted documents, so its floor, its votes and its documents
-- stay with the readers of the meeting.
CREATE FUNCTION phonghop_item_public(p_item bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT i.is_public AND coalesce(s.is_public, true)
                   FROM agenda_items i LEFT JOIN sittings s ON s.id = i.sitting_id
                   WHERE i.id = p_item), true)
$$;

-- A hall's screen (a projector or TV of a site) bound to one meeting by a token the secretariat
-- issues: the screen joins the meeting's media as the site (one camera, the room's microphones)
-- and shows the meeting, without anyone's account signed in on it. Only the token's SHA-256 is
-- stored; the token is shown once, when issued. Revoking or expiry ends it.
CREATE TABLE site_screens (
  id            bigserial PRIMARY KEY,
  meeting_id    bigint NOT NULL REFERENCES meetings (id),
  site_id       bigint NOT NULL REFERENCES sites (id),
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  label         text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  created_by    bigint NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  revoked_by    bigint REFERENCES users (id),
  last_used_at  timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX site_screens_meeting ON site_screens (meeting_id, id);
