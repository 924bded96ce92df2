// The built page's files (out/renderer), for both faces: the window's app://upshot/ scheme and
// `upshot ui` over HTTP. A request names a file inside that folder and of a type the page has,
// or nothing: no `..`, no encoded separators, no NUL, no link that points out of the folder.

import fs from 'node:fs'
import path from 'node:path'
import { PAGE_TYPES } from '../../shared/page-types'

export type PageFileLookup =
  { ok: true; file: string; type: string } | { ok: false; status: 400 | 403 | 404 }

/** Which file of `root` an already percent-decoded request path names, or why none. */
export function findPageFile(pathname: string, root: string): PageFileLookup {
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400 }
  if (pathname === '/' || pathname === '') pathname = '/index.html'
  const type = PAGE_TYPES[path.extname(pathname).toLowerCase()]
  if (!type) return { ok: false, status: 404 }
  const base = path.resolve(root)
  // The URL parser removed plain and %2e dot segments; "..%2f" was decoded by the caller, and
  // this is what keeps it inside the root.
  if (!path.resolve(base, `.${pathname}`).startsWith(base + path.sep)) {
    return { ok: false, status: 403 }
  }
  let realRoot: string
  let file: string
  try {
    realRoot = fs.realpathSync(base)
    file = fs.realpathSync(path.join(realRoot, pathname))
    if (!fs.statSync(file).isFile()) return { ok: false, status: 404 }
  } catch {
    return { ok: false, status: 404 }
  }
  // A link inside the folder that points out of it is outside it.
  if (!file.startsWith(realRoot + path.sep)) return { ok: false, status: 403 }
  return { ok: true, file, type }
}

/** A request path's pathname, percent-decoded, or null when it does not decode. */
export function decodedPathname(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname)
  } catch {
    return null
  }
}
