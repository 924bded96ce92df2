// Electron entry: the window, tray, menu, global shortcut, clipboard, dialogs, notifications,
// safeStorage, single instance and open-file handling, and nothing else. The app's core
// (AppService, the engine, the ledger, sharp) runs in its own Node process, started and watched
// by core-supervisor.ts; this process relays the page's commands to it and its events back, and
// answers its port calls. Neither sharp nor better-sqlite3 is ever loaded here.

import { app, BrowserWindow, dialog, type WebContents } from 'electron'
import path from 'node:path'
import { EVENT_CHANNELS, type CoreStatus, type EventName, type Events } from '../shared/api'
import { defaultDataDir } from '../engine/paths'
import { registerAppScheme, serveRenderer } from './app-protocol'
import { pathsFromArgv } from './argv'
import { coreLaunch } from './core-launch'
import { CoreSupervisor } from './core-supervisor'
import { registerIpc } from './ipc'
import { installAppMenu } from './menu'
import { PageGate } from './page-gate'
import { electronHostPorts } from './ports'
import { RefreshTimer } from './refresh-timer'
import { rendererSource } from './renderer-source'
import { denyAllPermissions, enforceContentSecurityPolicy, lockDownWebContents } from './security'
import { openHostSettings } from './settings'
import { createTray, type UpshotTray } from './tray'
import { createMainWindow } from './window'

const APP_ID = 'dev.upshot.desktop'
const mainDir = import.meta.dirname
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL

app.setName('Upshot')
// Windows attributes toasts (and taskbar grouping) to this ID; it must be set before any window.
if (process.platform === 'win32') app.setAppUserModelId(APP_ID)
// The page's own origin, app://upshot/: must be registered before the app is ready.
registerAppScheme()
// The app and the CLI share one data dir (UPSHOT_DATA_DIR or the per-OS default); Chromium's own
// files and the single-instance lock follow it, so two data dirs can run side by side.
const dataDir = defaultDataDir()
app.setPath('userData', dataDir)

const argvPaths = (argv: readonly string[], cwd = process.cwd()): string[] =>
  pathsFromArgv(argv, { isPackaged: app.isPackaged, cwd })

if (!app.requestSingleInstanceLock({ paths: argvPaths(process.argv) })) {
  app.quit()
} else {
  start()
}

type PageMessage = { [K in EventName]: { name: K; payload: Events[K] } }[EventName]

function start(): void {
  let mainWindow: BrowserWindow | null = null
  let tray: UpshotTray | null = null
  let quitting = false
  const pendingPaths: string[] = argvPaths(process.argv)
  const source = rendererSource(devServerUrl)
  const iconPath = path.join(mainDir, '../../resources/icon.png')
  const hostSettings = openHostSettings(dataDir)

  lockDownWebContents()

  const toPage = ({ name, payload }: PageMessage): void => {
    const contents = mainWindow?.webContents
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNELS[name], payload)
  }
  // Notices and the core's state wait until the page listens; the rest it fetches itself.
  const gate = new PageGate<PageMessage>(toPage)
  const notice = (kind: 'info' | 'error', message: string): void =>
    gate.send({ name: 'notice', payload: { kind, message } })

  const trayRefresh = new RefreshTimer(() => void refreshTray())

  const ports = electronHostPorts({
    window: () => mainWindow,
    settings: hostSettings,
    onShortcut: () => uploadClipboard(),
    onShortcutFailed: (accelerator) =>
      notice(
        'error',
        `The shortcut ${accelerator} is taken by another app or not valid; choose another in Settings.`,
      ),
    notice,
  })

  const core = new CoreSupervisor({
    launch: () =>
      coreLaunch({
        isPackaged: app.isPackaged,
        resourcesPath: process.resourcesPath,
        mainDir,
        env: process.env,
        platform: process.platform,
      }),
    init: () => ({ dataDir, version: app.getVersion(), settings: hostSettings.forCore() }),
    handlers: {
      port: (name, args) => ports.answer(name, args),
      event: (name, payload) => {
        toPage({ name, payload } as PageMessage)
        if (name === 'queue' && tray) trayRefresh.schedule()
      },
      status: (status: CoreStatus) => {
        gate.send({ name: 'core', payload: status })
        if (status.state === 'running') void refreshTray()
      },
      // The core's own lines say where they come from ([core], [ipc]...); others get a prefix.
      log: (stream, line) =>
        (stream === 'stderr' ? console.error : console.log)(
          line.startsWith('[') ? line : `[core] ${line}`,
        ),
    },
  })

  const report = (result: { ok: boolean; error?: { message: string } }): void => {
    if (!result.ok && result.error) notice('error', result.error.message)
  }

  const addPaths = (paths: string[]): void => {
    if (paths.length === 0) return
    void core.request('addPaths', [paths]).then(report)
  }

  const uploadClipboard = (): void => {
    void core.request('uploadClipboardImage', []).then(report)
  }

  const togglePause = (): void => {
    void core.request(core.allPaused ? 'resumeAll' : 'pauseAll', []).then(report)
  }

  async function refreshTray(): Promise<void> {
    if (!tray) return
    const recent = await core.request('recentUploads', [5])
    tray?.refresh(recent.ok ? recent.value : undefined)
  }

  app.on('second-instance', (_event, argv, cwd) => {
    showWindow()
    addPaths(argvPaths(argv, cwd))
  })

  // macOS: files dropped on the Dock icon or opened with the app ("Open with").
  app.on('open-file', (event, file) => {
    event.preventDefault()
    if (app.isReady()) addPaths([file])
    else pendingPaths.push(file)
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
    trayRefresh.stop()
    // Dropped before it is destroyed: nothing refreshes a destroyed tray.
    const t = tray
    tray = null
    t?.destroy()
    if (core.state === 'stopped' || core.state === 'idle') return
    // The core gives its claims back to the ledger, so the next start (or `upshot resume`)
    // continues them.
    event.preventDefault()
    void core.stop().finally(() => app.quit())
  })

  const showWindow = (): void => {
    if (!mainWindow) {
      openWindow()
      return
    }
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  }

  const openWindow = (): void => {
    mainWindow = createMainWindow({
      preload: path.join(mainDir, '../preload/index.cjs'),
      source,
      icon: iconPath,
    })
    const contents: WebContents = mainWindow.webContents
    // A reload listens afresh: hold notices until its first command.
    contents.on('did-start-loading', () => gate.closed())
    mainWindow.on('close', (event) => {
      if (quitting) return
      if (ports.preferences()?.closeToTray && core.busy && tray) {
        event.preventDefault()
        mainWindow?.hide()
      }
    })
    mainWindow.on('closed', () => {
      mainWindow = null
      gate.closed()
    })
  }

  void app.whenReady().then(() => {
    denyAllPermissions()
    if (!devServerUrl) {
      serveRenderer(path.join(mainDir, '../renderer'))
      // The dev server needs its own, looser policy (see src/shared/csp.ts).
      enforceContentSecurityPolicy()
    }
    core.start().catch((err: unknown) => {
      if (quitting) return
      dialog.showErrorBox('Upshot cannot start', err instanceof Error ? err.message : String(err))
      app.exit(1)
    })
    registerIpc(core, source.isAppUrl, (sender) => {
      if (sender === mainWindow?.webContents) gate.opened()
    })
    installAppMenu({
      addFiles: () => void core.request('chooseAndAdd', ['files']).then(report),
      addFolder: () => void core.request('chooseAndAdd', ['folder']).then(report),
      uploadClipboard,
      togglePause,
    })
    try {
      tray = createTray(iconPath, {
        copyLink: (id) => void core.request('copyLinks', [[id], 'url']).then(report),
        uploadClipboard,
        paused: () => core.allPaused,
        togglePause,
        showWindow,
        quit: () => app.quit(),
      })
    } catch (err) {
      // Some Linux desktops have no tray: the app works without one (and quits on close).
      console.warn('[upshot] no tray icon:', err instanceof Error ? err.message : err)
    }
    openWindow()
    addPaths(pendingPaths.splice(0))
    app.on('activate', () => showWindow())
  })
}
