import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { UpshotError } from '../../shared/jobs'
import { ledgerError } from './health'
import { MIGRATIONS } from './migrations'

export type Db = Database.Database

/** How long a write waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000

const statements = new WeakMap<Db, Map<string, Database.Statement>>()

/**
 * A prepared statement compiled once per connection: queries run per job (twins, dedup) would
 * otherwise pay SQLite's compile on every call, which a batch of small files notices.
 */
export function stmt(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db)
  if (!byText) statements.set(db, (byText = new Map()))
  let s = byText.get(sql)
  if (!s) byText.set(sql, (s = db.prepare(sql)))
  return s
}

export interface OpenOptions {
  /** Path of a better-sqlite3 binary built for this runtime (Electron's main process needs its own). */
  nativeBinding?: string
}

/**
 * Opens (creating if needed) the ledger in `dataDir` and brings its schema up to date.
 *
 * synchronous=NORMAL in WAL mode: a crash of the app or a SIGKILL loses nothing that was
 * committed; a power loss may lose the last few commits but never corrupts the file. What such a
 * loss costs is at most re-sending a part or re-checking an object with HEAD, both of which the
 * engine already does on resume, so FULL's extra fsync per part is not worth it.
 */
export function openLedgerDb(dataDir: string, options: OpenOptions = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, 'ledger.sqlite')
  let db: Db
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  } catch (err) {
    throw ledgerError(err, file) ?? err
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    // Two processes (the app and a CLI) may share the data dir: wait for each other's writes.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    migrate(db)
  } catch (err) {
    db.close()
    // A damaged or foreign file, a full or read-only disk: say which file, and what to do.
    throw ledgerError(err, file) ?? err
  }
  return db
}

export function migrate(db: Db): void {
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  for (;;) {
    begin.run()
    try {
      // Read the version inside the write lock so two processes never run the same migration.
      const version = db.pragma('user_version', { simple: true }) as number
      if (version > MIGRATIONS.length) {
        throw new UpshotError(
          'CONFIG',
          `The ledger was written by a newer version of Upshot (schema ${version}, this one knows ${MIGRATIONS.length}); update Upshot or use another data directory.`,
        )
      }
      if (version === MIGRATIONS.length) {
        commit.run()
        return
      }
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
      commit.run()
    } catch (err) {
      if (db.inTransaction) rollback.run()
      throw err
    }
  }
}
