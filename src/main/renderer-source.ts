// Where the window's page comes from, and which frames count as the app's own page. Free of
// 'electron' so the check can be tested under Node.

import { APP_INDEX_URL, isAppPageUrl } from './app-files'

export interface RendererSource {
  /** What the window loads: the dev server's URL or the built page on app://upshot/. */
  url: string
  /** Whether a frame at `frameUrl` is the app's own page (and may use the IPC commands). */
  isAppUrl(frameUrl: string): boolean
}

/**
 * Under `electron-vite dev` the page comes from the dev server (ELECTRON_RENDERER_URL); otherwise
 * from app://upshot/ (out/renderer, served by app-protocol.ts). Origins are compared, never file
 * URLs or paths: a file:// frame is never the app.
 */
export function rendererSource(devServerUrl: string | undefined): RendererSource {
  if (devServerUrl) {
    const origin = new URL(devServerUrl).origin
    return { url: devServerUrl, isAppUrl: (frameUrl) => parseUrl(frameUrl)?.origin === origin }
  }
  return { url: APP_INDEX_URL, isAppUrl: isAppPageUrl }
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}
