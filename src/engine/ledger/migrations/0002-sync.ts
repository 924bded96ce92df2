// Folder sync: saved pairs and what was last synced at each path. Never edit a released
// migration: add the next numbered file instead.
export const sql = `
CREATE TABLE sync_pairs (
  id              TEXT PRIMARY KEY,
  folder          TEXT NOT NULL,           -- absolute path as the user named it
  destination_id  TEXT NOT NULL REFERENCES destinations(id),
  preset          TEXT NOT NULL,
  include_globs   TEXT NOT NULL DEFAULT '[]', -- JSON array
  exclude_globs   TEXT NOT NULL DEFAULT '[]', -- JSON array
  paused          INTEGER NOT NULL DEFAULT 0, -- the app's pause switch for this pair
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_run_at     INTEGER,
  last_result     TEXT,                    -- JSON counts of the last pass, for the app
  UNIQUE (folder, destination_id)
);

-- One row per file whose current content is online: what a re-scan compares against.
CREATE TABLE sync_files (
  pair_id    TEXT NOT NULL REFERENCES sync_pairs(id) ON DELETE CASCADE,
  path       TEXT NOT NULL,                -- relative to the folder, '/'-separated
  size       INTEGER NOT NULL,
  mtime_ms   INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  preset_fp  TEXT NOT NULL,
  job_id     TEXT REFERENCES jobs(id) ON DELETE SET NULL, -- the job whose outputs are its links
  synced_at  INTEGER NOT NULL,
  PRIMARY KEY (pair_id, path)
) WITHOUT ROWID;
CREATE INDEX sync_files_by_job ON sync_files(job_id);

-- Jobs a pair started: only objects those jobs uploaded may ever be deleted by sync --delete.
CREATE TABLE sync_jobs (
  job_id   TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  pair_id  TEXT NOT NULL REFERENCES sync_pairs(id) ON DELETE CASCADE,
  path     TEXT NOT NULL
);
CREATE INDEX sync_jobs_by_pair ON sync_jobs(pair_id);

-- Whether any other job still links to an object before sync deletes it.
CREATE INDEX outputs_by_key ON outputs(key);
`
