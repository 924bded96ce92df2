// The built page (out/renderer) over HTTP for the browser face: the same files the window gets
// from app://upshot/, nothing outside that folder (no `..`, no encoded separators, no link out),
// only the types the page has.

import fs from 'node:fs'
import path from 'node:path'
import { PAGE_TYPES } from '../../shared/page-types'

export type StaticLookup =
  { ok: true; file: string; type: string } | { ok: false; status: 400 | 404 }

/** Which file of `root` a request path names (the query is ignored), or why none. */
export function lookupStatic(rawPath: string, root: string): StaticLookup {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(rawPath, 'http://page.invalid').pathname)
  } catch {
    return { ok: false, status: 400 }
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400 }
  if (pathname === '/') pathname = '/index.html'
  const type = PAGE_TYPES[path.extname(pathname).toLowerCase()]
  if (!type) return { ok: false, status: 404 }
  let realRoot: string
  let file: string
  try {
    realRoot = fs.realpathSync(root)
    file = fs.realpathSync(path.join(realRoot, pathname))
  } catch {
    return { ok: false, status: 404 }
  }
  const rel = path.relative(realRoot, file)
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, status: 404 }
  if (!fs.statSync(file).isFile()) return { ok: false, status: 404 }
  return { ok: true, file, type }
}
