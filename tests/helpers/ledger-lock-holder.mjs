// A second process that takes the ledger's write lock (BEGIN IMMEDIATE) and holds it until it is
// told to let go: a line on stdin, or stdin closing. Prints "locked" once it holds the lock.
// Usage: node ledger-lock-holder.mjs /path/to/ledger.sqlite
import Database from 'better-sqlite3'

const db = new Database(process.argv[2])
// Waits for a write under way in the process being tested, as another Upshot would.
db.pragma('busy_timeout = 30000')
db.exec('BEGIN IMMEDIATE')
process.stdout.write('locked\n')
const release = () => {
  db.exec('COMMIT')
  db.close()
  process.stdout.write('released\n')
  process.exit(0)
}
process.stdin.once('data', release)
process.stdin.once('end', release)
