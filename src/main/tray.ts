// The tray icon: recent uploads (a click copies the link), upload the clipboard image,
// pause/resume all, open the window, quit.

import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron'
import { menuLabel } from '../shared/display-text'

export interface RecentUpload {
  id: string
  name: string
  url: string
}

export interface TrayActions {
  copyLink(id: string): void
  uploadClipboard(): void
  paused(): boolean
  togglePause(): void
  showWindow(): void
  quit(): void
}

export interface UpshotTray {
  /** Rebuilds the menu (the core's recent uploads and the pause label change). */
  refresh(recent?: readonly RecentUpload[]): void
  destroy(): void
}

export function createTray(iconPath: string, actions: TrayActions): UpshotTray {
  const size = process.platform === 'darwin' ? 18 : 22
  const icon = nativeImage.createFromPath(iconPath).resize({ width: size, height: size })
  const tray = new Tray(icon)
  tray.setToolTip('Upshot')
  tray.on('click', () => actions.showWindow())

  let recent: readonly RecentUpload[] = []
  const refresh = (latest?: readonly RecentUpload[]): void => {
    if (latest) recent = latest
    const recentItems: MenuItemConstructorOptions[] =
      recent.length === 0
        ? [{ label: 'No uploads yet', enabled: false }]
        : recent.map((r) => ({
            label: menuLabel(r.name),
            toolTip: `Copy ${r.url}`,
            click: () => actions.copyLink(r.id),
          }))
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Recent uploads — click to copy the link', enabled: false },
        ...recentItems,
        { type: 'separator' },
        { label: 'Upload image from clipboard', click: () => actions.uploadClipboard() },
        {
          label: actions.paused() ? 'Resume all uploads' : 'Pause all uploads',
          click: () => {
            actions.togglePause()
            refresh()
          },
        },
        { type: 'separator' },
        { label: 'Open Upshot', click: () => actions.showWindow() },
        { label: 'Quit Upshot', click: () => actions.quit() },
      ]),
    )
  }
  refresh()
  return { refresh, destroy: () => tray.destroy() }
}
