// Session- and process-wide hardening, applied once before any window exists.

import { app, session, type Session } from 'electron'
import { RENDERER_CSP_HEADER } from '../shared/csp'

/** Denies every permission (camera, notifications, geolocation...) the page might ask for. */
export function denyAllPermissions(ses: Session = session.defaultSession): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}

/** Sends the renderer's CSP as a header too, on top of the meta tag in index.html. */
export function enforceContentSecurityPolicy(ses: Session = session.defaultSession): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    )
    headers['Content-Security-Policy'] = [RENDERER_CSP_HEADER]
    callback({ responseHeaders: headers })
  })
}

/**
 * Every web contents, present and future: no new windows, no navigation away from the app
 * (a dropped file or a link would otherwise replace the UI), no <webview>.
 */
export function lockDownWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}
