// Where the window's page comes from, and which frames count as the app's own page. Free of
// 'electron' so the check can be tested under Node.

import path from 'node:path'
import { pathToFileURL } from 'node:url'

export interface RendererSource {
  /** What the window loads: the dev server's URL or the built index.html's file URL. */
  url: string
  /** Whether a frame at `frameUrl` is the app's own page (and may use the IPC commands). */
  isAppUrl(frameUrl: string): boolean
}

/**
 * Under `electron-vite dev` the page comes from the dev server (ELECTRON_RENDERER_URL); otherwise
 * from out/renderer/index.html next to the main bundle in `mainDir`.
 */
export function rendererSource(devServerUrl: string | undefined, mainDir: string): RendererSource {
  if (devServerUrl) {
    const origin = new URL(devServerUrl).origin
    return { url: devServerUrl, isAppUrl: (frameUrl) => parseUrl(frameUrl)?.origin === origin }
  }
  const indexUrl = pathToFileURL(path.join(mainDir, '../renderer/index.html'))
  return {
    url: indexUrl.href,
    // file: URLs have no useful origin; the exact file is the app (hash routes allowed).
    isAppUrl: (frameUrl) => {
      const url = parseUrl(frameUrl)
      return url !== null && url.protocol === 'file:' && url.pathname === indexUrl.pathname
    },
  }
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}
