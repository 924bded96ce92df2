// Electron entry: wiring only. The headless engine (./engine) joins here with the real app; until
// then the window's one command reports the version and the data dir.

import { app, BrowserWindow } from 'electron'
import path from 'node:path'
import type { AppInfo } from '../shared/api'
import { defaultDataDir } from './engine/paths'
import { registerIpc } from './ipc'
import { denyAllPermissions, enforceContentSecurityPolicy, lockDownWebContents } from './security'
import { rendererSource } from './renderer-source'
import { createMainWindow } from './window'

const mainDir = import.meta.dirname
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL

app.setName('Upshot')
// The app and the CLI share one data dir (UPSHOT_DATA_DIR or the per-OS default); Chromium's own
// files and the single-instance lock follow it, so two data dirs can run side by side.
const dataDir = defaultDataDir()
app.setPath('userData', dataDir)

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  start()
}

function start(): void {
  let mainWindow: BrowserWindow | null = null
  const source = rendererSource(devServerUrl, mainDir)

  lockDownWebContents()

  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  void app.whenReady().then(() => {
    denyAllPermissions()
    // The dev server needs its own, looser policy (see src/shared/csp.ts).
    if (!devServerUrl) enforceContentSecurityPolicy()

    registerIpc({ getAppInfo: () => appInfo() }, source.isAppUrl)

    const open = (): void => {
      mainWindow = createMainWindow({
        preload: path.join(mainDir, '../preload/index.cjs'),
        source,
        icon: path.join(mainDir, '../../resources/icon.png'),
      })
      mainWindow.on('closed', () => {
        mainWindow = null
      })
    }
    open()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open()
    })
  })
}

function appInfo(): AppInfo {
  return { version: app.getVersion(), dataDir }
}
