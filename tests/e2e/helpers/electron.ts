import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from './build'

export type Found = { ok: true; path: string } | { ok: false; reason: string }

/**
 * The Electron binary, if one is installed. Deliberately not `require('electron')`: when the
 * binary is missing that call tries to download it, which hangs or fails on an offline machine.
 */
export function findElectronBinary(): Found {
  const pkg = path.join(ROOT, 'node_modules', 'electron')
  const pathFile = path.join(pkg, 'path.txt')
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : ''
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const binary = override
    ? path.join(override, relative || 'electron')
    : relative && path.join(pkg, 'dist', relative)
  if (!binary) {
    return {
      ok: false,
      reason:
        'Electron has no binary here (node_modules/electron/path.txt is missing: it is downloaded on first run and this machine is offline)',
    }
  }
  try {
    fs.accessSync(binary, fs.constants.X_OK)
  } catch {
    return { ok: false, reason: `the Electron binary ${binary} is missing or not executable` }
  }
  return { ok: true, path: binary }
}

export interface Display {
  env: Record<string, string>
  stop(): void
}

/** A display for the window: the current one, or a private Xvfb on Linux. */
export async function findDisplay(): Promise<Display | { reason: string }> {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) {
    return { env: {}, stop: () => {} }
  }
  const xvfb = onPath('Xvfb')
  if (!xvfb) return { reason: 'no display (DISPLAY is unset) and no Xvfb to make one' }
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
  const child: ChildProcess = spawn(
    xvfb,
    ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    },
  )
  const number = await new Promise<string>((resolve, reject) => {
    let text = ''
    const fd3 = child.stdio[3] as NodeJS.ReadableStream
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('\n')) resolve(text.trim())
    })
    child.once('exit', (code) => reject(new Error(`Xvfb exited with code ${code}`)))
  })
  return { env: { DISPLAY: `:${number}` }, stop: () => child.kill() }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name)
    if (fs.existsSync(file)) return file
  }
  return null
}
