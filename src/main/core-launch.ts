// How the window starts the app's core: in a package, the Node binary shipped beside the core's
// files (both outside the asar, which plain Node cannot read); from a checkout, the Node that runs
// npm. Free of 'electron' so the packaging test can check the layout against it.

import path from 'node:path'
import type { CoreLaunch } from './core-connection'

export interface LaunchContext {
  isPackaged: boolean
  /** process.resourcesPath in a package. */
  resourcesPath: string
  /** out/main of a checkout (the core bundle is out/core). */
  mainDir: string
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
}

/** Where a package keeps the core (`resources/core`) and, inside it, its Node. */
export const PACKAGED_CORE_DIR = 'core'
export function shippedNodePath(platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.join('node', 'node.exe') : path.join('node', 'bin', 'node')
}

export function coreLaunch(ctx: LaunchContext): CoreLaunch {
  if (ctx.isPackaged) {
    const dir = path.join(ctx.resourcesPath, PACKAGED_CORE_DIR)
    return {
      command: path.join(dir, shippedNodePath(ctx.platform)),
      args: [path.join(dir, 'index.mjs')],
      env: coreEnv(ctx.env, true),
      cwd: dir,
    }
  }
  // `npm start` / `npm run dev`: npm says which Node runs it; else the one on PATH.
  const node = ctx.env.npm_node_execpath || ctx.env.NODE || 'node'
  return {
    command: node,
    args: [path.resolve(ctx.mainDir, '../core/index.mjs')],
    env: coreEnv(ctx.env, false),
  }
}

function coreEnv(env: NodeJS.ProcessEnv, packaged: boolean): NodeJS.ProcessEnv {
  const out = { ...env }
  // Electron's own switches mean nothing to Node, and ELECTRON_RUN_AS_NODE least of all.
  for (const key of Object.keys(out)) if (key.startsWith('ELECTRON_')) delete out[key]
  if (packaged) {
    // The installed app runs its own code only: nothing from the environment is preloaded into
    // the process that holds the keys (the Electron binary's fuses refuse the same).
    delete out.NODE_OPTIONS
    delete out.NODE_PATH
  }
  return out
}
