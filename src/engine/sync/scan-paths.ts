// Relative paths as the scan and the ledger share them: their order and how they nest.

import path from 'node:path'

// UTF-16 order and UTF-8 byte order agree except where surrogates meet U+E000..U+FFFF.
const BEYOND_SURROGATES = /[\ud800-\uffff]/

/** SQLite's BINARY collation compares UTF-8 bytes; JS compares UTF-16 units. Order by the bytes. */
export function comparePaths(a: string, b: string): number {
  if (!BEYOND_SURROGATES.test(a) && !BEYOND_SURROGATES.test(b)) return a < b ? -1 : a > b ? 1 : 0
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** `a/b` is under `a` (or is `a`); '' is the folder itself and contains everything. */
export function isWithin(rel: string, dir: string): boolean {
  return dir === '' || rel === dir || rel.startsWith(dir + '/')
}

export function toRel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/')
}

export function toAbs(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, ...rel.split('/'))
}
