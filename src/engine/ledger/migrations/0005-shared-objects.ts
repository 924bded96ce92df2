// Objects are shared: one object can back many records (twins, sync pairs, other data dirs,
// other computers). "This record was deleted" and "this object is gone" are separate facts, and
// deletes consult what else uses an object first (engine/references). Never edit a released
// migration: add the next numbered file instead.
export const sql = `
-- Uploads the user deleted (from the history, or released by sync --delete). The record is gone
-- for the user whether or not its objects could be removed: objects.deleted_at says that.
CREATE TABLE deleted_jobs (
  job_id      TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  deleted_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Reference markers this ledger wrote in a bucket ({prefix}/.upshot/refs/{content dir}/{ledger
-- id}): content dirs holding objects it hands out links to but did not upload itself.
CREATE TABLE object_refs (
  destination_id  TEXT NOT NULL REFERENCES destinations(id),
  dir             TEXT NOT NULL,           -- the content dir's key prefix, {prefix}/{hash16}
  written_at      INTEGER NOT NULL,
  PRIMARY KEY (destination_id, dir)
) WITHOUT ROWID;

-- Folders of a sync pair that were mount points (another device than their parent): when one is
-- found unmounted, nothing under it counts as deleted.
CREATE TABLE sync_mounts (
  pair_id  TEXT NOT NULL REFERENCES sync_pairs(id) ON DELETE CASCADE,
  path     TEXT NOT NULL,                  -- relative to the folder, '/'-separated
  seen_at  INTEGER NOT NULL,
  PRIMARY KEY (pair_id, path)
) WITHOUT ROWID;

-- 1 when the objects this record links to were deleted: the next pass uploads the file again.
ALTER TABLE sync_files ADD COLUMN objects_gone INTEGER NOT NULL DEFAULT 0;
`
