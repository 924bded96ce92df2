// Electron entry: wiring only. The engine, the queue and every command live in AppService
// (./app-service, free of Electron); this file joins it to the window, the tray, the menu, the
// global shortcut and the OS.

import { app, BrowserWindow, dialog } from 'electron'
import fs from 'node:fs'
import path from 'node:path'
import { EVENT_CHANNELS, type EventName, type Events } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { AppService } from '../core/app-service'
import { createEngine } from '../engine'
import { defaultDataDir } from '../engine/paths'
import { registerIpc } from './ipc'
import { installAppMenu } from './menu'
import { electronSqliteBinding } from './native'
import { electronPorts } from './ports'
import { rendererSource } from './renderer-source'
import { denyAllPermissions, enforceContentSecurityPolicy, lockDownWebContents } from './security'
import { openSettings } from './settings'
import { createTray, type UpshotTray } from './tray'
import { createMainWindow } from './window'

const mainDir = import.meta.dirname
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL

// The AWS SDK's note about future Node versions is for us, not for someone uploading photos.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

app.setName('Upshot')
// The app and the CLI share one data dir (UPSHOT_DATA_DIR or the per-OS default); Chromium's own
// files and the single-instance lock follow it, so two data dirs can run side by side.
const dataDir = defaultDataDir()
app.setPath('userData', dataDir)

if (!app.requestSingleInstanceLock({ paths: pathsFromArgv(process.argv) })) {
  app.quit()
} else {
  start()
}

/** Files and folders named on the command line (a second launch, "Open with", drag on the icon). */
function pathsFromArgv(argv: readonly string[], cwd = process.cwd()): string[] {
  // argv[0] is the executable; unpackaged, argv[1] is the app folder Electron was given.
  const rest = argv.slice(app.isPackaged ? 1 : 2)
  return rest
    .filter((a) => !a.startsWith('-'))
    .map((a) => path.resolve(cwd, a))
    .filter((p) => fs.existsSync(p))
}

function start(): void {
  let mainWindow: BrowserWindow | null = null
  let tray: UpshotTray | null = null
  let service: AppService | null = null
  let quitting = false
  const pendingPaths: string[] = pathsFromArgv(process.argv)
  const source = rendererSource(devServerUrl, mainDir)
  const iconPath = path.join(mainDir, '../../resources/icon.png')

  lockDownWebContents()

  const emit = <K extends EventName>(name: K, payload: Events[K]): void => {
    const contents = mainWindow?.webContents
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNELS[name], payload)
    if (name === 'queue') scheduleTrayRefresh()
  }

  let trayTimer: NodeJS.Timeout | null = null
  const scheduleTrayRefresh = (): void => {
    if (trayTimer) return
    trayTimer = setTimeout(() => {
      trayTimer = null
      tray?.refresh()
    }, 2000)
  }

  const showWindow = (): void => {
    if (!mainWindow) {
      openWindow()
      return
    }
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  }

  const report = (err: unknown): void => {
    const message =
      err instanceof UpshotError ? err.message : 'Something went wrong; the details are in the log.'
    if (!(err instanceof UpshotError)) console.error('[upshot]', err)
    emit('notice', { kind: 'error', message })
  }

  const addPaths = (paths: string[]): void => {
    if (paths.length === 0) return
    if (!service) {
      pendingPaths.push(...paths)
      return
    }
    service.addPaths(paths).catch(report)
  }

  const uploadClipboard = (): void => {
    service?.uploadClipboardImage().catch(report)
  }

  const togglePause = (): void => {
    if (!service) return
    if (service.allPaused) service.resumeAll()
    else service.pauseAll()
  }

  app.on('second-instance', (_event, argv, cwd) => {
    showWindow()
    addPaths(pathsFromArgv(argv, cwd))
  })

  // macOS: files dropped on the Dock icon or opened with the app.
  app.on('open-file', (event, file) => {
    event.preventDefault()
    addPaths([file])
  })

  app.on('before-quit', () => {
    quitting = true
  })

  app.on('window-all-closed', () => {
    // Closing to the tray hides the window instead (see its close handler), so this is a real
    // close: unfinished uploads stay in the ledger and continue at the next start.
    if (process.platform !== 'darwin') app.quit()
  })

  app.on('will-quit', (event) => {
    if (!service) return
    // Give claims back to the ledger so the next start (or `upshot resume`) continues them.
    event.preventDefault()
    const s = service
    service = null
    tray?.destroy()
    void s.close().finally(() => app.quit())
  })

  const openWindow = (): void => {
    mainWindow = createMainWindow({
      preload: path.join(mainDir, '../preload/index.cjs'),
      source,
      icon: iconPath,
    })
    mainWindow.on('close', (event) => {
      if (quitting || !service) return
      if (service.getSettings().preferences.closeToTray && service.busy() && tray) {
        event.preventDefault()
        mainWindow?.hide()
      }
    })
    mainWindow.on('closed', () => {
      mainWindow = null
    })
  }

  void app.whenReady().then(() => {
    denyAllPermissions()
    // The dev server needs its own, looser policy (see src/shared/csp.ts).
    if (!devServerUrl) enforceContentSecurityPolicy()

    try {
      const settings = openSettings(dataDir, path.join(dataDir, 'uploads'))
      // better-sqlite3 built for Electron (scripts/electron-native.mjs): in .native/ of a
      // checkout, or among the packaged app's resources (electron-builder.yml).
      const nativeBinding = electronSqliteBinding(
        app.isPackaged ? { appRoot: process.resourcesPath } : {},
      )
      const ports = electronPorts({
        window: () => mainWindow,
        onShortcut: uploadClipboard,
        onShortcutFailed: (accelerator) =>
          emit('notice', {
            kind: 'error',
            message: `The shortcut ${accelerator} is taken by another app or not valid; choose another in Settings.`,
          }),
      })
      service = new AppService({
        dataDir,
        version: app.getVersion(),
        settings,
        ports,
        makeEngine: (hooks) => createEngine({ dataDir, nativeBinding, ...hooks }),
        emit,
      })
      ports.preferencesChanged(settings.preferences)
    } catch (err) {
      dialog.showErrorBox(
        'Upshot cannot start',
        err instanceof UpshotError ? err.message : String(err),
      )
      app.exit(1)
      return
    }
    const s = service
    registerIpc(s.handlers(), source.isAppUrl)
    installAppMenu({
      addFiles: () => void s.chooseAndAdd('files').catch(report),
      addFolder: () => void s.chooseAndAdd('folder').catch(report),
      uploadClipboard,
      togglePause,
    })
    try {
      tray = createTray(iconPath, {
        recent: () => s.recentUploads(5),
        copyLink: (id) => void s.copyLinks([id], 'url').catch(report),
        uploadClipboard,
        paused: () => s.allPaused,
        togglePause,
        showWindow,
        quit: () => app.quit(),
      })
    } catch (err) {
      // Some Linux desktops have no tray: the app works without one (and quits on close).
      console.warn('[upshot] no tray icon:', err instanceof Error ? err.message : err)
    }
    s.start()
    openWindow()
    addPaths(pendingPaths.splice(0))
    app.on('activate', () => showWindow())
  })
}
