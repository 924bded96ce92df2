// What the core asks of the window's process (its port calls, src/shared/protocol.ts): the
// clipboard, dialogs, the browser, notifications, the settings file, and the preferences the OS
// applies (login item, global shortcut, theme).

import {
  app,
  clipboard,
  dialog,
  globalShortcut,
  nativeTheme,
  Notification,
  shell,
  type BrowserWindow,
} from 'electron'
import type { Preferences } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import type { PortCalls, PortName } from '../shared/protocol'
import { loginItemPlan } from './login-item'
import type { HostSettings } from './settings-relay'

export interface HostPortsOptions {
  window(): BrowserWindow | null
  settings: HostSettings
  /** What the global shortcut does (upload the clipboard image). */
  onShortcut(): void
  /** A shortcut that could not be registered (taken by another app, or malformed). */
  onShortcutFailed(accelerator: string): void
  /** A message for the window (a notification the OS would not show, a failure of its own). */
  notice(kind: 'info' | 'error', message: string): void
}

export interface HostPorts {
  answer<K extends PortName>(name: K, args: PortCalls[K]['args']): Promise<PortCalls[K]['value']>
  /** The preferences as the core last sent them (null before it started). */
  preferences(): Preferences | null
}

/** The clipboard image a port call may carry (it travels base64 in one frame). */
const MAX_CLIPBOARD_IMAGE_BYTES = 64 * 1024 * 1024

const IMAGE_EXTENSIONS = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'avif',
  'gif',
  'heic',
  'heif',
  'tif',
  'tiff',
  'svg',
]

export function electronHostPorts(o: HostPortsOptions): HostPorts {
  let shortcut = ''
  let prefs: Preferences | null = null

  const handlers: {
    [K in PortName]: (
      ...args: PortCalls[K]['args']
    ) => Promise<PortCalls[K]['value']> | PortCalls[K]['value']
  } = {
    writeClipboardText: (text) => clipboard.writeText(text),
    async readClipboardImage() {
      for (const item of await clipboard.read()) {
        const type =
          item.types.find((t) => t === 'image/png') ??
          item.types.find((t) => t.startsWith('image/'))
        if (!type) continue
        const blob = (await item.getType(type)) as Blob
        if (blob.size > MAX_CLIPBOARD_IMAGE_BYTES) {
          throw new UpshotError(
            'FILE_TOO_LARGE',
            'The image on the clipboard is larger than 64 MB; save it as a file and add that instead.',
          )
        }
        return { data: Buffer.from(await blob.arrayBuffer()).toString('base64'), mime: type }
      }
      return null
    },
    async choosePaths(kind) {
      const win = o.window()
      const options: Electron.OpenDialogOptions = {
        title: kind === 'folder' ? 'Add a folder' : 'Add images',
        properties:
          kind === 'folder'
            ? ['openDirectory', 'multiSelections']
            : ['openFile', 'multiSelections'],
        ...(kind === 'files'
          ? {
              filters: [
                { name: 'Images', extensions: IMAGE_EXTENSIONS },
                { name: 'All files', extensions: ['*'] },
              ],
            }
          : {}),
      }
      const result = win
        ? await dialog.showOpenDialog(win, options)
        : await dialog.showOpenDialog(options)
      return result.canceled ? [] : result.filePaths
    },
    async openInBrowser(url) {
      // Reviewed: the core allows https only, and it is checked again here, next to the call.
      const parsed = new URL(url)
      if (parsed.protocol !== 'https:') return
      await shell.openExternal(parsed.href) // eng-disable OPEN_EXTERNAL_JS_CHECK
    },
    notify(title, body) {
      // An unsigned macOS build, or a desktop without a notification service: say it in the
      // window instead.
      if (!Notification.isSupported()) {
        o.notice('info', `${title}: ${body}`)
        return
      }
      const n = new Notification({ title, body, silent: true })
      n.on('failed', () => o.notice('info', `${title}: ${body}`))
      n.show()
    },
    preferencesChanged(next) {
      prefs = next
      nativeTheme.themeSource = next.theme
      applyLoginItem(next.openAtLogin)
      if (next.shortcut !== shortcut) {
        if (shortcut) globalShortcut.unregister(shortcut)
        shortcut = ''
        if (next.shortcut) {
          let ok = false
          try {
            ok = globalShortcut.register(next.shortcut, o.onShortcut)
          } catch {
            ok = false
          }
          if (ok) shortcut = next.shortcut
          else o.onShortcutFailed(next.shortcut)
        }
      }
    },
    saveSettings(document) {
      try {
        o.settings.save(document)
      } catch (err) {
        // The core has already taken the change: the user must hear that it will not last.
        o.notice(
          'error',
          `Your settings could not be saved (${err instanceof Error ? err.message : String(err)}); they apply until Upshot quits.`,
        )
        throw err
      }
    },
  }

  return {
    async answer(name, args) {
      const handler = handlers[name] as (...a: unknown[]) => unknown
      return (await handler(...args)) as never
    },
    preferences: () => prefs,
  }
}

function applyLoginItem(openAtLogin: boolean): void {
  const plan = loginItemPlan(process.platform, app.isPackaged)
  if (plan === 'register') app.setLoginItemSettings({ openAtLogin })
  else if (plan === 'unpackaged' && openAtLogin) {
    console.warn('[upshot] "Open at login" is set, but only an installed Upshot registers itself.')
  }
}
