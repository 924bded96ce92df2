// The device (st_dev) of the folder each synced file was in: a drive mounted over a synced folder
// hides its files, and only the folder's device tells that they are hidden, not deleted
// (engine/sync/hidden.ts). NULL for records made before this column: filled by the next pass that
// sees the file. Never edit a released migration: add the next numbered file instead.
export const sql = `
ALTER TABLE sync_files ADD COLUMN dir_dev INTEGER;
`
