// Initial schema. Never edit a released migration: add the next numbered file instead.
export const sql = `
CREATE TABLE destinations (
  id          TEXT PRIMARY KEY,            -- identity: store + bucket + prefix
  name        TEXT UNIQUE,                 -- a saved destination's name; NULL for ad-hoc ones
  kind        TEXT NOT NULL CHECK (kind IN ('s3', 'local')),
  config      TEXT NOT NULL,               -- JSON, never secrets
  created_at  INTEGER NOT NULL
);

CREATE TABLE jobs (
  id              TEXT PRIMARY KEY,
  batch_id        TEXT NOT NULL,
  source          TEXT NOT NULL,           -- absolute input path, symlinks not resolved
  size            INTEGER,
  mtime_ms        INTEGER,
  sha256          TEXT,
  source_type     TEXT,                    -- sniffed format
  destination_id  TEXT NOT NULL REFERENCES destinations(id),
  preset          TEXT NOT NULL,
  preset_fp       TEXT NOT NULL,           -- fingerprint of the preset's spec
  state           TEXT NOT NULL CHECK (state IN
                    ('queued','processing','processed','uploading','done','failed','skipped','canceled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  error_code      TEXT,
  error_message   TEXT,
  deduplicated    INTEGER NOT NULL DEFAULT 0,
  owner           TEXT,                    -- process holding the claim (host/pid/nonce)
  lease_until     INTEGER,                 -- ms epoch; a claim past it may be taken over
  retry_after     INTEGER,                 -- ms epoch; not claimable before
  bytes_sent      INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  finished_at     INTEGER
);
CREATE INDEX jobs_by_state ON jobs(state, created_at);
CREATE INDEX jobs_by_batch ON jobs(batch_id);
CREATE INDEX jobs_by_content ON jobs(sha256, preset_fp, destination_id, state);
CREATE INDEX jobs_by_created ON jobs(created_at);

CREATE TABLE outputs (
  id            INTEGER PRIMARY KEY,
  job_id        TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  variant       TEXT NOT NULL,
  format        TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  width         INTEGER,
  height        INTEGER,
  bytes         INTEGER NOT NULL,
  staged_path   TEXT,
  key           TEXT NOT NULL,
  url           TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('staged', 'uploaded')),
  etag          TEXT,
  UNIQUE (job_id, variant)
);

CREATE TABLE multipart_uploads (
  output_id       INTEGER PRIMARY KEY REFERENCES outputs(id) ON DELETE CASCADE,
  destination_id  TEXT NOT NULL REFERENCES destinations(id),
  key             TEXT NOT NULL,
  upload_id       TEXT NOT NULL,
  part_size       INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);

CREATE TABLE multipart_parts (
  output_id    INTEGER NOT NULL REFERENCES multipart_uploads(output_id) ON DELETE CASCADE,
  part_number  INTEGER NOT NULL,
  etag         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  checksum     TEXT,
  PRIMARY KEY (output_id, part_number)
);

-- What Upshot put in each bucket: the dedup index and, later, what sync may delete.
CREATE TABLE objects (
  destination_id  TEXT NOT NULL REFERENCES destinations(id),
  key             TEXT NOT NULL,
  source_sha256   TEXT NOT NULL,
  job_id          TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  variant         TEXT NOT NULL,
  bytes           INTEGER NOT NULL,
  etag            TEXT,
  content_type    TEXT NOT NULL,
  uploaded_at     INTEGER NOT NULL,
  deleted_at      INTEGER,
  PRIMARY KEY (destination_id, key)
);
`
