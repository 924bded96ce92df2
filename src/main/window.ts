// The main window, hardened: sandboxed, isolated, no Node, shown once painted.

import { BrowserWindow, nativeTheme } from 'electron'
import type { RendererSource } from './renderer-source'

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
    // The page's own background (styles.css), for the frames painted before it and on resize.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#14161a' : '#f5f6f8',
    autoHideMenuBar: true,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      // Reviewed: the preload exposes purpose-built functions only (src/preload/api.ts), never
      // ipcRenderer, and every command it reaches is sender-checked and zod-parsed in main.
      preload: options.preload, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click on a link would otherwise try to open it in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  win.once('ready-to-show', () => win.show())
  void win.loadURL(options.source.url)
  return win
}
