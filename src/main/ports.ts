// The Electron side of AppService's ports: clipboard, dialogs, the browser, notifications, and
// the preferences the OS applies (login item, global shortcut, theme).

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
import type { AppPorts } from '../core/app-service'

export interface ElectronPortsOptions {
  window(): BrowserWindow | null
  /** What the global shortcut does (upload the clipboard image). */
  onShortcut(): void
  /** A shortcut that could not be registered (taken by another app, or malformed). */
  onShortcutFailed(accelerator: string): void
}

export function electronPorts(options: ElectronPortsOptions): AppPorts {
  let shortcut = ''
  return {
    writeClipboardText: (text) => clipboard.writeText(text),
    async readClipboardImage() {
      for (const item of await clipboard.read()) {
        const type =
          item.types.find((t) => t === 'image/png') ??
          item.types.find((t) => t.startsWith('image/'))
        if (!type) continue
        const blob = (await item.getType(type)) as Blob
        return { data: Buffer.from(await blob.arrayBuffer()), mime: type }
      }
      return null
    },
    async choosePaths(kind) {
      const win = options.window()
      const dialogOptions: Electron.OpenDialogOptions = {
        title: kind === 'folder' ? 'Add a folder' : 'Add images',
        properties:
          kind === 'folder'
            ? ['openDirectory', 'multiSelections']
            : ['openFile', 'multiSelections'],
        ...(kind === 'files'
          ? {
              filters: [
                {
                  name: 'Images',
                  extensions: [
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
                  ],
                },
                { name: 'All files', extensions: ['*'] },
              ],
            }
          : {}),
      }
      const result = win
        ? await dialog.showOpenDialog(win, dialogOptions)
        : await dialog.showOpenDialog(dialogOptions)
      return result.canceled ? [] : result.filePaths
    },
    async openInBrowser(url) {
      // Reviewed: AppService allows https only, and it is checked again here, next to the call.
      const parsed = new URL(url)
      if (parsed.protocol !== 'https:') return
      await shell.openExternal(parsed.href) // eng-disable OPEN_EXTERNAL_JS_CHECK
    },
    notify(title, body) {
      if (Notification.isSupported()) new Notification({ title, body, silent: true }).show()
    },
    preferencesChanged(prefs: Preferences) {
      nativeTheme.themeSource = prefs.theme
      if (process.platform !== 'linux') app.setLoginItemSettings({ openAtLogin: prefs.openAtLogin })
      if (prefs.shortcut !== shortcut) {
        if (shortcut) globalShortcut.unregister(shortcut)
        shortcut = ''
        if (prefs.shortcut) {
          let ok = false
          try {
            ok = globalShortcut.register(prefs.shortcut, options.onShortcut)
          } catch {
            ok = false
          }
          if (ok) shortcut = prefs.shortcut
          else options.onShortcutFailed(prefs.shortcut)
        }
      }
    },
  }
}
