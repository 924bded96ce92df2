// Files and folders named on the command line: a second launch, "Open with", a drop on the Dock
// or taskbar icon. Free of 'electron' so it is tested under Node.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ArgvOptions {
  /** Packaged, argv[1] is the first argument; unpackaged it is the app folder Electron was given. */
  isPackaged: boolean
  cwd: string
  exists?(p: string): boolean
}

export function pathsFromArgv(argv: readonly string[], options: ArgvOptions): string[] {
  const exists = options.exists ?? fs.existsSync
  return argv
    .slice(options.isPackaged ? 1 : 2)
    .flatMap((arg) => {
      // Linux launchers expand a .desktop file's %U to file:// URIs.
      if (/^file:\/\//i.test(arg)) {
        try {
          return [fileURLToPath(arg)]
        } catch {
          return []
        }
      }
      // Chromium's and Electron's own switches, and anything else that is not a path.
      if (arg.startsWith('-') || /^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) return []
      return [path.resolve(options.cwd, arg)]
    })
    .filter((p) => exists(p))
}
