// The built page (out/renderer) over HTTP for the browser face: the same files the window gets
// from app://upshot/ (core/http/page-file), the query ignored.

import { decodedPathname, findPageFile, type PageFileLookup } from '../http/page-file'

/** Which file of `root` a request path names, or why none. */
export function lookupStatic(rawPath: string, root: string): PageFileLookup {
  let url: URL
  try {
    url = new URL(rawPath, 'http://page.invalid')
  } catch {
    return { ok: false, status: 400 }
  }
  const pathname = decodedPathname(url)
  return pathname === null ? { ok: false, status: 400 } : findPageFile(pathname, root)
}
