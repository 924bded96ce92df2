// The window's page comes from app://upshot/, a privileged scheme that serves the built renderer
// (out/renderer) and nothing else: no file:// page, on which `script-src 'self'` would admit
// every local file. This is the request -> file mapping, free of 'electron' so it is tested under
// Node; app-protocol.ts hands it Electron's requests.

import fs from 'node:fs'
import { decodedPathname, findPageFile } from '../core/http/page-file'
import { RENDERER_CSP_HEADER } from '../shared/csp'

export const APP_SCHEME = 'app'
export const APP_HOST = 'upshot'
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

export type AppFileLookup =
  { ok: true; file: string; type: string } | { ok: false; status: 400 | 403 | 404 | 405 }

/**
 * Whether `url` is a page of the app (the sender check: only it may call the commands). Chromium
 * lowercases a standard scheme's host; Node's URL keeps a custom scheme's host as written, so it
 * is compared without case here.
 */
export function isAppPageUrl(url: string): boolean {
  const parsed = parse(url)
  return parsed !== null && isAppOrigin(parsed)
}

function isAppOrigin(url: URL): boolean {
  return url.protocol === `${APP_SCHEME}:` && url.host.toLowerCase() === APP_HOST
}

/** Which file under `root` a request names, or why none. */
export function lookupAppFile(rawUrl: string, root: string, method = 'GET'): AppFileLookup {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405 }
  const url = parse(rawUrl)
  if (!url || !isAppOrigin(url)) return { ok: false, status: 404 }
  const pathname = decodedPathname(url)
  return pathname === null ? { ok: false, status: 400 } : findPageFile(pathname, root)
}

export interface AppResponse {
  status: number
  headers: Record<string, string>
  body: Buffer | null
}

/** The whole answer to a request: the file with its type and the CSP, or a bare status. */
export function serveAppFile(rawUrl: string, root: string, method = 'GET'): AppResponse {
  const found = lookupAppFile(rawUrl, root, method)
  if (!found.ok) return { status: found.status, headers: {}, body: null }
  let body: Buffer
  try {
    body = fs.readFileSync(found.file)
  } catch {
    return bare(404)
  }
  return {
    status: 200,
    headers: {
      'Content-Type': found.type,
      'Content-Security-Policy': RENDERER_CSP_HEADER,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    },
    body: method === 'HEAD' ? null : body,
  }
}

function bare(status: number): AppResponse {
  return { status, headers: {}, body: null }
}

function parse(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}
