import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '../../..')
export const OUT = path.join(ROOT, 'out')

const OUTPUTS = ['main/index.js', 'preload/index.cjs', 'renderer/index.html'].map((f) =>
  path.join(OUT, f),
)
const SOURCES = [
  'src/main',
  'src/core',
  'src/engine',
  'src/preload',
  'src/renderer',
  'src/shared',
  'resources',
].map((d) => path.join(ROOT, d))

/**
 * Runs `electron-vite build` unless out/ exists and is newer than every source file, so
 * `vitest run --project e2e` works on a fresh checkout and never tests a stale bundle.
 */
export function ensureBuilt(): void {
  if (!isStale()) return
  const result = spawnSync('npx', ['electron-vite', 'build'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 110_000,
  })
  if (result.status !== 0) {
    throw new Error(`electron-vite build failed:\n${result.stdout}\n${result.stderr}`)
  }
}

function isStale(): boolean {
  let built = Infinity
  for (const file of OUTPUTS) {
    if (!fs.existsSync(file)) return true
    built = Math.min(built, fs.statSync(file).mtimeMs)
  }
  const configFile = path.join(ROOT, 'electron.vite.config.ts')
  return fs.statSync(configFile).mtimeMs > built || SOURCES.some((dir) => newerThan(dir, built))
}

function newerThan(dir: string, time: number): boolean {
  if (!fs.existsSync(dir)) return false
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    if (fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs > time) return true
  }
  return false
}
