-- Documents of a meeting (tài liệu): metadata here, bytes on disk under the state directory named
-- by their SHA-256 (content-addressed: the same bytes are stored once however often uploaded).
-- Versions, read receipts and consultation answers are append-only facts.

CREATE TABLE documents (
  id                bigserial PRIMARY KEY,
  meeting_id        bigint NOT NULL REFERENCES meetings (id),
  agenda_item_id    bigint REFERENCES agenda_items (id),
  title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  kind              text NOT NULL DEFAULT 'other'
                    CHECK (kind IN ('to_trinh', 'du_thao_nghi_quyet', 'bao_cao_tham_tra', 'other')),
  -- độ mật: none, Mật, Tối mật, Tuyệt mật
  classification    text NOT NULL DEFAULT 'none'
                    CHECK (classification IN ('none', 'mat', 'toi_mat', 'tuyet_mat')),
  is_public         boolean NOT NULL DEFAULT false,
  -- the newest version released to members; 0 while the document is a draft of the secretariat
  released_version  integer NOT NULL DEFAULT 0 CHECK (released_version >= 0),
  created_by        bigint NOT NULL REFERENCES users (id),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (classification = 'none' OR NOT is_public)
);
CREATE INDEX documents_meeting ON documents (meeting_id, id);

CREATE TABLE document_versions (
  document_id  bigint NOT NULL REFERENCES documents (id),
  version      integer NOT NULL CHECK (version > 0),
  sha256       bytea NOT NULL CHECK (length(sha256) = 32),
  size         bigint NOT NULL CHECK (size > 0),
  media_type   text NOT NULL CHECK (length(media_type) BETWEEN 1 AND 200),
  -- the uploader's file name, for display only: never part of a path
  file_name    text NOT NULL CHECK (octet_length(file_name) BETWEEN 1 AND 255),
  uploaded_by  bigint NOT NULL REFERENCES users (id),
  uploaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_sha256 ON document_versions (sha256);

-- Who may open a document besides the body's secretariat and administrators. No rows: every
-- chair and member of the body (guests only when listed). Rows: only the users and roles listed.
CREATE TABLE document_access (
  document_id  bigint NOT NULL REFERENCES documents (id),
  user_id      bigint REFERENCES users (id),
  role         text CHECK (role IN ('admin', 'secretariat', 'chair', 'member', 'guest')),
  CHECK ((user_id IS NULL) <> (role IS NULL))
);
CREATE UNIQUE INDEX document_access_user ON document_access (document_id, user_id)
  WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX document_access_role ON document_access (document_id, role)
  WHERE role IS NOT NULL;

-- The first time each user opened a document.
CREATE TABLE document_receipts (
  document_id  bigint NOT NULL REFERENCES documents (id),
  user_id      bigint NOT NULL REFERENCES users (id),
  version      integer NOT NULL,
  opened_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, user_id)
);

-- A member's private notes on a document: read and written by that member only.
CREATE TABLE document_notes (
  document_id  bigint NOT NULL REFERENCES documents (id),
  user_id      bigint NOT NULL REFERENCES users (id),
  body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, user_id)
);

-- Lấy ý kiến: a written consultation of the members on a document, with a deadline.
CREATE TABLE consultations (
  id           bigserial PRIMARY KEY,
  document_id  bigint NOT NULL REFERENCES documents (id),
  question     text NOT NULL CHECK (length(question) BETWEEN 1 AND 5000),
  deadline     timestamptz NOT NULL,
  created_by   bigint NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (deadline > created_at)
);
CREATE INDEX consultations_document ON consultations (document_id, id);

-- One recorded answer per member, given before the deadline, never changed.
CREATE TABLE consultation_answers (
  consultation_id  bigint NOT NULL REFERENCES consultations (id),
  user_id          bigint NOT NULL REFERENCES users (id),
  choice           text NOT NULL CHECK (choice IN ('agree', 'disagree', 'other')),
  comment          text NOT NULL DEFAULT '' CHECK (length(comment) <= 10000),
  answered_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consultation_id, user_id)
);

CREATE FUNCTION phonghop_consultation_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM consultations c
                 WHERE c.id = NEW.consultation_id AND NEW.answered_at <= c.deadline) THEN
    RAISE EXCEPTION 'consultation % closed at its deadline', NEW.consultation_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER consultation_answers_before_deadline BEFORE INSERT ON consultation_answers
  FOR EACH ROW EXECUTE FUNCTION phonghop_consultation_open();

CREATE TRIGGER document_versions_append_only BEFORE UPDATE OR DELETE ON document_versions
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER document_versions_no_truncate BEFORE TRUNCATE ON document_versions
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER document_receipts_append_only BEFORE UPDATE OR DELETE ON document_receipts
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER document_receipts_no_truncate BEFORE TRUNCATE ON document_receipts
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER consultation_answers_append_only BEFORE UPDATE OR DELETE ON consultation_answers
  FOR EACH ROW EXECUTE FUNCTION phonghop_append_only();
CREATE TRIGGER consultation_answers_no_truncate BEFORE TRUNCATE ON consultation_answers
  FOR EACH STATEMENT EXECUTE FUNCTION phonghop_append_only();
