// CDN purges still owed: the public URL of every object deleted from a destination with CDN
// settings, kept until the CDN accepted its purge (engine/cdn/purge-queue.ts). A row is the
// user's "delete means gone" promise not yet kept: it is retried, and shown until it succeeds.
// IF NOT EXISTS: numbered 0011 by agreement with parallel branches, so its place in the list may
// move when they merge. Never edit a released migration: add the next numbered file instead.
export const sql = `
CREATE TABLE IF NOT EXISTS cdn_purges (
  destination_id  TEXT NOT NULL,
  url             TEXT NOT NULL,
  key             TEXT NOT NULL,
  cdn             TEXT NOT NULL,            -- cloudfront | cloudflare
  attempts        INTEGER NOT NULL DEFAULT 0,
  error_code      TEXT,                     -- the last failure, shown to the user
  error           TEXT,
  retry_at        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (destination_id, url)
) WITHOUT ROWID;
`
