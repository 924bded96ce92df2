import os from 'node:os'
import path from 'node:path'

/** The app's name as Electron derives its userData folder from it. */
export const APP_DIR_NAME = 'Upshot'

/**
 * The per-OS data directory, the same one Electron gives the app as `userData`, so the desktop app
 * and the CLI share one ledger by default. `UPSHOT_DATA_DIR` overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UPSHOT_DATA_DIR) return path.resolve(env.UPSHOT_DATA_DIR)
  const home = os.homedir()
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_DIR_NAME)
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME)
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME)
  }
}

/**
 * Where variants wait for their upload: `staging/` in the data dir, or `UPSHOT_STAGING_DIR` for
 * a roomier (or faster) disk than the one holding the ledger. Each job stages in its own folder
 * there and removes it when it ends.
 */
export function stagingDirFor(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.UPSHOT_STAGING_DIR) return path.resolve(env.UPSHOT_STAGING_DIR)
  return path.join(dataDir, 'staging')
}

/**
 * Metadata of objects written to local-folder destinations (type, original name, source hash):
 * kept here rather than in the folder, which a web server may serve.
 */
export function localMetaDirFor(dataDir: string): string {
  return path.join(dataDir, 'local-meta')
}
