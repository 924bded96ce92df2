// The main window and where its page comes from.

import { BrowserWindow } from 'electron'
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
 * from out/renderer/index.html next to this bundle.
 */
export function rendererSource(devServerUrl: string | undefined, mainDir: string): RendererSource {
  if (devServerUrl) {
    const origin = new URL(devServerUrl).origin
    return { url: devServerUrl, isAppUrl: (frameUrl) => sameOrigin(frameUrl, origin) }
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

export interface MainWindowOptions {
  preload: string
  source: RendererSource
  icon?: string
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1000,
    height: 720,
    minWidth: 560,
    minHeight: 420,
    title: 'Upshot',
    // Shown once painted, so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#14161a',
    autoHideMenuBar: true,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  void win.loadURL(options.source.url)
  return win
}

function sameOrigin(frameUrl: string, origin: string): boolean {
  return parseUrl(frameUrl)?.origin === origin
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}
