// A mirror copy big enough to go in parts records its multipart upload and each part the mirror
// confirmed, the way a primary upload does (multipart_uploads/parts, keyed by output there): a
// copy interrupted by a crash continues from its parts instead of sending the object again
// (engine/mirrors/make-copy.ts). The rows go with their copy. Numbered 0013 by agreement with
// parallel branches. Never edit a released migration: add the next one instead.
export const sql = `
CREATE TABLE IF NOT EXISTS mirror_copy_uploads (
  primary_id  TEXT NOT NULL,
  mirror_id   TEXT NOT NULL,
  key         TEXT NOT NULL,
  upload_id   TEXT NOT NULL,
  part_size   INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (primary_id, mirror_id, key),
  FOREIGN KEY (primary_id, mirror_id, key)
    REFERENCES mirror_copies (primary_id, mirror_id, key) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS mirror_copy_parts (
  primary_id   TEXT NOT NULL,
  mirror_id    TEXT NOT NULL,
  key          TEXT NOT NULL,
  part_number  INTEGER NOT NULL,
  etag         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  checksum     TEXT,
  PRIMARY KEY (primary_id, mirror_id, key, part_number),
  FOREIGN KEY (primary_id, mirror_id, key)
    REFERENCES mirror_copy_uploads (primary_id, mirror_id, key) ON DELETE CASCADE
) WITHOUT ROWID;
`
