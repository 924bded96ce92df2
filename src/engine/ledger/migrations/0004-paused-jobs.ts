// Jobs the user paused one by one. A table of its own rather than a new value of jobs.state:
// a paused job keeps the state it will continue from (queued or processed), and the jobs
// table with its CHECK stays as released. Never edit a released migration: add the next one.
export const sql = `
CREATE TABLE paused_jobs (
  job_id     TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  paused_at  INTEGER NOT NULL
) WITHOUT ROWID;
`
