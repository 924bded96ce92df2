import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '../../..')
export const OUT = path.join(ROOT, 'out')
/** The core process's entry, as scripts/build-core.mjs writes it. */
export const CORE_ENTRY = path.join(OUT, 'core', 'index.mjs')

const APP_OUTPUTS = ['main/index.js', 'preload/index.cjs', 'renderer/index.html'].map((f) =>
  path.join(OUT, f),
)
const APP_SOURCES = [
  'src/main',
  'src/preload',
  'src/renderer',
  'src/shared',
  'src/engine/paths.ts',
  'resources',
  'electron.vite.config.ts',
  'package.json',
]
const CORE_SOURCES = [
  'src/core',
  'src/engine',
  'src/shared',
  'scripts/build-core.mjs',
  'package.json',
]

/**
 * Runs `electron-vite build` and the core's build unless their outputs are newer than every
 * source file, so `vitest run --project e2e` works on a fresh checkout and never tests a stale
 * bundle.
 */
export function ensureBuilt(): void {
  if (isStale(APP_OUTPUTS, APP_SOURCES)) run(['npx', 'electron-vite', 'build'])
  ensureCoreBuilt()
}

/** The core process's bundle (out/core), rebuilt when a source changed. */
export function ensureCoreBuilt(): void {
  if (isStale([CORE_ENTRY], CORE_SOURCES)) run([process.execPath, 'scripts/build-core.mjs'])
}

function run([command, ...args]: string[]): void {
  const result = spawnSync(command!, args, { cwd: ROOT, encoding: 'utf8', timeout: 110_000 })
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
  }
}

function isStale(outputs: readonly string[], sources: readonly string[]): boolean {
  let built = Infinity
  for (const file of outputs) {
    if (!fs.existsSync(file)) return true
    built = Math.min(built, fs.statSync(file).mtimeMs)
  }
  return sources.some((source) => newerThan(path.join(ROOT, source), built))
}

function newerThan(file: string, time: number): boolean {
  if (!fs.existsSync(file)) return false
  const stat = fs.statSync(file)
  if (!stat.isDirectory()) return stat.mtimeMs > time
  for (const entry of fs.readdirSync(file, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    if (fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs > time) return true
  }
  return false
}

/** electron-builder's names for the OSes, which the staged core's folder is named by. */
const BUILDER_OS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'mac',
  win32: 'win',
}

/**
 * The core as a package ships it (scripts/stage-core.mjs: the pinned Node from the npm registry,
 * the bundle, sharp and a better-sqlite3 built for that Node), staged afresh from out/core. The
 * first run on a machine downloads the Node package and may compile better-sqlite3 (minutes);
 * both are cached outside the checkout, so later runs take seconds.
 */
export function stageShippedCore(): string {
  ensureCoreBuilt()
  const result = spawnSync(process.execPath, ['scripts/stage-core.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 40 * 60_000,
  })
  if (result.status !== 0) {
    throw new Error(`staging the core failed:\n${result.stdout}\n${result.stderr}`)
  }
  return path.join(ROOT, 'dist', 'core', `${BUILDER_OS[process.platform]}-${process.arch}`)
}
