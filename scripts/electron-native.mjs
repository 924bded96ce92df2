#!/usr/bin/env node
// Readies the two native pieces the desktop app needs and npm install does not provide. Run by
// `npm start` / `npm run dev` before electron-vite; never by install or test.
//
//   1. The Electron binary. Electron 45 no longer downloads it at install, and electron-vite only
//      reports "Electron uninstall" without it: run electron's own installer (once).
//   2. better-sqlite3 built for Electron's ABI, in .native/electron-<version>/better_sqlite3.node,
//      where the main process finds it (src/main/native.ts) and passes it as `nativeBinding`.
//      node_modules/better-sqlite3 keeps its Node build for the CLI and the tests, so the
//      Electron build happens in a temporary copy:
//        a. prebuild-install --runtime electron  (a prebuilt binary from GitHub releases)
//        b. node-gyp rebuild --runtime=electron   (Electron's headers + a C++ toolchain)
//
// Each needs the internet once per Electron version; afterwards this script is a no-op.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const require = createRequire(path.join(root, 'package.json'))

const electronPkg = path.dirname(require.resolve('electron/package.json'))
const electronVersion = require('electron/package.json').version
const sqliteVersion = require('better-sqlite3/package.json').version
const arch = process.env.npm_config_arch || process.arch
const tag = `Electron ${electronVersion} (${process.platform}-${arch})`
const target = path.join(root, '.native', `electron-${electronVersion}`, 'better_sqlite3.node')

const NETWORK_ERROR =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|socket hang up|fetch failed|network connectivity/i

// An npm config such as `nodedir=/usr` points node-gyp at Node's own headers, which would build
// for the wrong ABI; `build_from_source` would make prebuild-install skip the download.
const env = { ...process.env }
for (const key of Object.keys(env)) {
  if (/^npm_config_(nodedir|build_from_source|runtime|target|disturl)$/i.test(key)) delete env[key]
}

const problems = [electronBinaryProblem(), sqliteProblem()].filter(Boolean)
if (problems.length === 0) process.exit(0)

const offline = problems.some((p) => p.network)
console.error(
  [
    '',
    `The desktop app cannot start on ${tag}:`,
    ...problems.flatMap((p) => [`  - ${p.what}:`, ...p.details.map((d) => `      ${d}`)]),
    offline
      ? 'This machine could not reach the download servers (GitHub, electronjs.org). Connect to the internet once and run `node scripts/electron-native.mjs` again (npm start and npm run dev do).'
      : 'Building better-sqlite3 from source needs Python 3, make and a C++ compiler, plus the Electron headers from electronjs.org.',
    'The CLI and the tests are not affected: they run on Node with node_modules/better-sqlite3 as installed.',
    '',
  ].join('\n'),
)
process.exit(1)

/** Step 1: the Electron binary (node_modules/electron/dist), downloaded by electron's installer. */
function electronBinaryProblem() {
  if (process.env.ELECTRON_EXEC_PATH || process.env.ELECTRON_OVERRIDE_DIST_PATH) return null
  const pathFile = path.join(electronPkg, 'path.txt')
  const installed = () =>
    fs.existsSync(pathFile) &&
    fs.existsSync(path.join(electronPkg, 'dist', fs.readFileSync(pathFile, 'utf8').trim()))
  if (installed()) return null
  console.log(`Electron ${electronVersion}: downloading its binary (once)...`)
  const result = run(process.execPath, [path.join(electronPkg, 'install.js')], {
    cwd: electronPkg,
    timeout: 10 * 60_000,
    download: `electron-v${electronVersion}-${process.platform}-${arch}.zip from github.com/electron/electron/releases`,
  })
  if (result.ok && installed()) return null
  return {
    what: 'the Electron binary is missing',
    network: result.network,
    details: [result.reason ?? 'the installer left no binary behind'],
  }
}

/** Step 2: better-sqlite3 for Electron's ABI in .native/, from a prebuild or node-gyp. */
function sqliteProblem() {
  if (fs.existsSync(target)) {
    console.log(`better-sqlite3 for ${tag}: ${path.relative(root, target)}`)
    return null
  }
  const sourcePkg = path.dirname(require.resolve('better-sqlite3/package.json'))
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-sqlite-electron-'))
  const pkgDir = path.join(work, 'better-sqlite3')
  try {
    // The Node build must not leak in: without build/ the copy has nothing to fall back on.
    fs.cpSync(sourcePkg, pkgDir, {
      recursive: true,
      filter: (src) => path.relative(sourcePkg, src) !== 'build',
    })

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
      { cwd: pkgDir, timeout: 120_000 },
    )

    let gyp = null
    if (!prebuild.ok) {
      const nodeGyp = findNodeGyp()
      if (nodeGyp) {
        console.log(
          `No prebuilt binary (${prebuild.reason}); building from source with node-gyp...`,
        )
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
          { cwd: pkgDir, timeout: 15 * 60_000 },
        )
      } else {
        gyp = { ok: false, reason: 'node-gyp was not found (neither in node_modules nor with npm)' }
      }
    }

    const built = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node')
    if ((prebuild.ok || gyp?.ok) && fs.existsSync(built)) {
      fs.mkdirSync(path.dirname(target), { recursive: true })
      // Copy then rename, so an interrupted run never leaves a half-written binary behind.
      fs.copyFileSync(built, `${target}.partial`)
      fs.renameSync(`${target}.partial`, target)
      console.log(`better-sqlite3 for ${tag}: ${path.relative(root, target)}`)
      return null
    }
    return {
      what: `better-sqlite3 ${sqliteVersion} has no binary for this Electron, so the app cannot open its ledger`,
      network: prebuild.network || gyp?.network,
      details: [
        `prebuilt binary: ${prebuild.reason ?? 'downloaded, but no .node file in it'}`,
        `build from source: ${gyp?.reason ?? 'not tried'}`,
      ],
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** Runs a command; returns whether it worked and, if not, a one-line reason. */
function run(command, args, { cwd, timeout, download = 'it' }) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout })
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
  const networkLine = lines.find((line) => NETWORK_ERROR.test(line))
  if (networkLine) {
    const cause =
      /(getaddrinfo \S+ \S+|fetch failed|E[A-Z]{4,}[^,]*)/.exec(networkLine)?.[1] ?? 'no connection'
    return { ok: false, network: true, reason: `could not download ${url ?? download} (${cause})` }
  }
  const boilerplate = /not ok$|^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v)|^\s*at /
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
