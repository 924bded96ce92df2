#!/usr/bin/env node
// Gets better-sqlite3 built for Electron into .native/electron-<version>/better_sqlite3.node,
// where the main process finds it (src/main/native.ts) and passes it as `nativeBinding`.
// node_modules/better-sqlite3 keeps its Node build for the CLI and the tests: the Electron build
// happens in a temporary copy. Run by `npm start` / `npm run dev`; never by install or test.
//
//   1. prebuild-install --runtime electron  (downloads a prebuilt binary from GitHub releases)
//   2. node-gyp rebuild --runtime=electron   (downloads Electron's headers, needs a C++ toolchain)
//
// Both need the internet once per Electron version; afterwards this script is a no-op.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const require = createRequire(path.join(root, 'package.json'))

const electronVersion = require('electron/package.json').version
const arch = process.env.npm_config_arch || process.arch
const targetDir = path.join(root, '.native', `electron-${electronVersion}`)
const target = path.join(targetDir, 'better_sqlite3.node')
const tag = `Electron ${electronVersion} (${process.platform}-${arch})`

if (fs.existsSync(target)) {
  console.log(`better-sqlite3 for ${tag}: ${path.relative(root, target)}`)
  process.exit(0)
}

const sourcePkg = path.dirname(require.resolve('better-sqlite3/package.json'))
const sqliteVersion = require('better-sqlite3/package.json').version
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-sqlite-electron-'))
const pkgDir = path.join(work, 'better-sqlite3')

// The Node build must not leak in: without build/ the copy has nothing to fall back on.
fs.cpSync(sourcePkg, pkgDir, {
  recursive: true,
  filter: (src) => path.relative(sourcePkg, src) !== 'build',
})

// An npm config such as `nodedir=/usr` points node-gyp at Node's own headers, which would build
// for the wrong ABI; `build_from_source` would make prebuild-install skip the download.
const env = { ...process.env }
for (const key of Object.keys(env)) {
  if (/^npm_config_(nodedir|build_from_source|runtime|target|disturl)$/i.test(key)) delete env[key]
}

console.log(`better-sqlite3 ${sqliteVersion} for ${tag}: fetching a prebuilt binary...`)
const prebuild = run(
  process.execPath,
  [
    require.resolve('prebuild-install/bin.js'),
    '--runtime=electron',
    `--target=${electronVersion}`,
    `--arch=${arch}`,
    '--verbose',
  ],
  { timeout: 120_000 },
)

let gyp = null
if (!prebuild.ok) {
  const nodeGyp = findNodeGyp()
  if (nodeGyp) {
    console.log(`No prebuilt binary (${prebuild.reason}); building from source with node-gyp...`)
    gyp = run(
      process.execPath,
      [
        nodeGyp,
        'rebuild',
        '--release',
        '--runtime=electron',
        `--target=${electronVersion}`,
        `--arch=${arch}`,
        '--dist-url=https://electronjs.org/headers',
      ],
      { timeout: 15 * 60_000 },
    )
  } else {
    gyp = { ok: false, reason: 'node-gyp was not found (neither in node_modules nor with npm)' }
  }
}

const built = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node')
if ((prebuild.ok || gyp?.ok) && fs.existsSync(built)) {
  fs.mkdirSync(targetDir, { recursive: true })
  // Copy then rename, so an interrupted run never leaves a half-written binary behind.
  fs.copyFileSync(built, `${target}.partial`)
  fs.renameSync(`${target}.partial`, target)
  fs.rmSync(work, { recursive: true, force: true })
  console.log(`better-sqlite3 for ${tag}: ${path.relative(root, target)}`)
  process.exit(0)
}

fs.rmSync(work, { recursive: true, force: true })
const offline = [prebuild, gyp].some((r) => r?.network)
console.error(
  [
    '',
    `Could not get better-sqlite3 ${sqliteVersion} for ${tag}, so the desktop app cannot open its ledger.`,
    `  prebuilt binary: ${prebuild.reason}`,
    `  build from source: ${gyp?.reason ?? 'not tried'}`,
    offline
      ? 'This machine could not reach the download servers (GitHub for the prebuilt binary, electronjs.org for the headers). Connect to the internet once and run `node scripts/electron-native.mjs` again (npm start does).'
      : 'Building from source needs Python 3, make and a C++ compiler, plus internet access for the Electron headers.',
    'The CLI and the tests are not affected: they use the Node build in node_modules/better-sqlite3.',
    '',
  ].join('\n'),
)
process.exit(1)

/** Runs a command in the package copy; returns whether it worked and, if not, a one-line reason. */
function run(command, args, { timeout }) {
  const result = spawnSync(command, args, { cwd: pkgDir, env, encoding: 'utf8', timeout })
  if (result.status === 0) return { ok: true }
  if (result.error) {
    return {
      ok: false,
      reason: `${path.basename(args[0])} did not finish: ${result.error.message}`,
    }
  }
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.split('\n').map((l) => l.trim())
  const url = lines
    .map((line) => /GET (https?:\/\/\S+)/.exec(line)?.[1])
    .filter(Boolean)
    .at(-1)
  const networkLine = lines.find((line) =>
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|socket hang up|network connectivity/i.test(
      line,
    ),
  )
  if (networkLine) {
    const cause = /(getaddrinfo \S+ \S+|E[A-Z]{4,}[^,]*)/.exec(networkLine)?.[1] ?? 'no connection'
    return { ok: false, network: true, reason: `could not download ${url ?? 'it'} (${cause})` }
  }
  const boilerplate = /not ok$|^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v)/
  const reason = lines.find((line) => /ERR!|error|warn/i.test(line) && !boilerplate.test(line))
  return { ok: false, reason: reason ?? `exited with code ${result.status}` }
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp, // npm sets this for the scripts it runs
    (() => {
      try {
        return require.resolve('node-gyp/bin/node-gyp.js')
      } catch {
        return undefined
      }
    })(),
    // npm's own copy, next to the node binary (Linux/macOS and Windows layouts)
    path.join(
      path.dirname(process.execPath),
      '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    ),
    path.join(
      path.dirname(process.execPath),
      'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    ),
  ]
  return candidates.find((file) => file && fs.existsSync(file)) ?? null
}
