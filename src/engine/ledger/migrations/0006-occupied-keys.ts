// Keys where this ledger found another writer's object before it wrote its own bytes there (a
// data dir that shares a local folder, an Upshot with other encoder settings, an upload from
// before object metadata): the other writer's links still point there, so this ledger never
// counts itself their uploader and never deletes them on its own (engine/references). Never edit
// a released migration: add the next numbered file instead.
export const sql = `
CREATE TABLE occupied_keys (
  destination_id  TEXT NOT NULL REFERENCES destinations(id),
  key             TEXT NOT NULL,
  found_at        INTEGER NOT NULL,
  PRIMARY KEY (destination_id, key)
) WITHOUT ROWID;
`
