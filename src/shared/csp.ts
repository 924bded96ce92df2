// The renderer's Content-Security-Policy, defined once: src/renderer/index.html carries the same
// string in its meta tag (the e2e test checks they match) and the main process sends it as a
// header as well. Nothing remote, nothing inline, no eval: the renderer only ever runs the app's
// own bundled files.

const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
]

/** The policy for the meta tag (browsers ignore `frame-ancestors` there). */
export const RENDERER_CSP = DIRECTIVES.join('; ')

/** The policy as a response header, where `frame-ancestors` is honoured. */
export const RENDERER_CSP_HEADER = `${RENDERER_CSP}; frame-ancestors 'none'`

/**
 * The policy under `electron-vite dev`: Vite's client and React Refresh need an inline module
 * preamble, injected <style> tags and a WebSocket to the dev server. Never used in a build.
 */
export const RENDERER_DEV_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ')
