// app://upshot/ in Electron: registered as a privileged standard scheme before `ready` (a secure
// origin of its own, so `'self'` in the CSP means the app's files and nothing else), then served
// from out/renderer by app-files.ts.

import { protocol } from 'electron'
import { APP_SCHEME, serveAppFile } from './app-files'

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      // standard: an origin and relative URLs; secure: a secure context; corsEnabled: the
      // module scripts Vite emits are fetched in CORS mode, from this same origin.
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
    },
  ])
}

/** Serves the built renderer in `root`; call once the app is ready. */
export function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, (request) => {
    const answer = serveAppFile(request.url, root, request.method)
    return new Response(answer.body ? new Uint8Array(answer.body) : null, {
      status: answer.status,
      headers: answer.headers,
    })
  })
}
