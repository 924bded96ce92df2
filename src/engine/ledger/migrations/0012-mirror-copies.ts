// Mirrors: a destination may name other destinations that get a copy of every object under the
// same key. The primary's links never wait for them: a job is `done` when the primary holds its
// objects, and each copy is a row of its own here, pending until the mirror holds it, retried
// with backoff and resumed after a crash (engine/mirrors). IF NOT EXISTS: numbered 0012 by
// agreement with parallel branches. Never edit a released migration: add the next one instead.
export const sql = `
CREATE TABLE IF NOT EXISTS destination_mirrors (
  destination_id  TEXT NOT NULL,            -- the primary (a saved destination)
  mirror_id       TEXT NOT NULL,            -- a destination that gets a copy of each object
  PRIMARY KEY (destination_id, mirror_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS job_mirrors (
  job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  mirror_id  TEXT NOT NULL,
  PRIMARY KEY (job_id, mirror_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS mirror_copies (
  primary_id   TEXT NOT NULL,               -- where the object was uploaded (its links)
  mirror_id    TEXT NOT NULL,
  key          TEXT NOT NULL,               -- the same key on both
  bytes        INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  error_code   TEXT,                        -- the last failure, shown per mirror
  error        TEXT,
  retry_after  INTEGER NOT NULL DEFAULT 0,
  etag         TEXT,
  created_at   INTEGER NOT NULL,
  done_at      INTEGER,
  PRIMARY KEY (primary_id, mirror_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mirror_copies_due ON mirror_copies (state, retry_after);
`
