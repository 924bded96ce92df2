// Questions about a path that a missing or unreadable path answers with "no" (or the path as
// given), for code that reports such paths in its own words afterwards.
import fs from 'node:fs'

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** The real path, or `p` itself when it cannot be resolved (it does not exist yet, a loop). */
export function realOr(p: string): string {
  try {
    return fs.realpathSync(p)
  } catch {
    return p
  }
}
