// Saved destinations (`upshot dest`): the provider settings a name was saved with, and the
// default one. Never secrets: the CLI takes those from the AWS credential chain. Never edit a
// released migration: add the next numbered file instead.
export const sql = `
ALTER TABLE destinations ADD COLUMN provider TEXT;  -- JSON ProviderSettings of a saved name
ALTER TABLE destinations ADD COLUMN saved_at INTEGER;

CREATE TABLE ledger_settings (
  key    TEXT PRIMARY KEY,                 -- e.g. default_destination
  value  TEXT NOT NULL
);
`
