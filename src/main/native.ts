// better-sqlite3 is compiled for one runtime. npm install builds it for Node (CLI, tests); the
// Electron main process loads its own copy, prepared by scripts/electron-native.mjs, through
// better-sqlite3's `nativeBinding` option. This module stays free of 'electron' so it can be
// checked under plain Node.

import fs from 'node:fs'
import path from 'node:path'
import { UpshotError } from '../shared/jobs'

/** Where scripts/electron-native.mjs puts the binary for one Electron version. */
export function electronSqliteBindingPath(appRoot: string, electronVersion: string): string {
  return path.join(appRoot, '.native', `electron-${electronVersion}`, 'better_sqlite3.node')
}

export interface BindingOptions {
  /** The project root (holds .native/); defaults to two levels above out/main. */
  appRoot?: string
  /** Defaults to the running Electron's version. */
  electronVersion?: string
}

/**
 * The better-sqlite3 binary built for the running Electron, to pass as `nativeBinding`.
 * Throws a CONFIG error that says how to get it when it is missing.
 */
export function electronSqliteBinding(options: BindingOptions = {}): string {
  const version = options.electronVersion ?? process.versions.electron
  if (!version) {
    throw new UpshotError(
      'CONFIG',
      'electronSqliteBinding() is for the Electron main process; under Node better-sqlite3 loads its own binary.',
    )
  }
  const root = options.appRoot ?? path.resolve(import.meta.dirname, '../..')
  const file = electronSqliteBindingPath(root, version)
  if (!fs.existsSync(file)) {
    throw new UpshotError(
      'CONFIG',
      `better-sqlite3 has no binary for Electron ${version} at ${file}; run "node scripts/electron-native.mjs" (npm start and npm run dev do) with internet access.`,
    )
  }
  return file
}
