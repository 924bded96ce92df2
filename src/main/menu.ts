// The application menu: the usual roles plus the app's own commands.

import { Menu, type MenuItemConstructorOptions } from 'electron'

export interface MenuActions {
  addFiles(): void
  addFolder(): void
  uploadClipboard(): void
  togglePause(): void
}

export function installAppMenu(actions: MenuActions): void {
  const isMac = process.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Files…', accelerator: 'CommandOrControl+O', click: () => actions.addFiles() },
        {
          label: 'Add Folder…',
          accelerator: 'CommandOrControl+Shift+O',
          click: () => actions.addFolder(),
        },
        { label: 'Upload Image from Clipboard', click: () => actions.uploadClipboard() },
        { type: 'separator' },
        { label: 'Pause or Resume All', click: () => actions.togglePause() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
