#!/usr/bin/env node
// Stages the app's core the way a package ships it, outside the asar (plain Node cannot read an
// asar), in dist/core/<os>-<arch>/ (electron-builder's ${os}-${arch}: linux-x64, mac-x64, win-x64):
//
//   node/              a Node binary, from the npm registry's node-<platform>-<arch> (pinned LTS)
//   index.mjs chunks/  the core bundle (out/core, scripts/build-core.mjs)
//   node_modules/      what the bundle loads at run time: sharp with this target's @img packages,
//                      better-sqlite3 built for the shipped Node's ABI, and their dependencies
//
// better-sqlite3 for that ABI: a prebuilt binary when one can be downloaded (prebuild-install,
// GitHub), else compiled with node-gyp against the headers the Node package carries
// (include/node), which needs no network. Both are cached (UPSHOT_BUILD_CACHE, default
// ~/.cache/upshot-build), so a second run only copies.
//
//   node scripts/stage-core.mjs [--platform linux|darwin|win32] [--arch x64|arm64]

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

const root = path.resolve(import.meta.dirname, '..')
const require = createRequire(path.join(root, 'package.json'))

/**
 * The Node each target ships: the current LTS line (24), at the newest build the npm registry
 * has for that target (the per-platform packages are published at different paces).
 */
export const SHIPPED_NODE = {
  'linux-x64': '24.22.3',
  'linux-arm64': '24.22.1',
  'darwin-x64': '24.18.1',
  'win32-x64': '24.21.0',
}

const BUILDER_OS = { linux: 'linux', darwin: 'mac', win32: 'win' }

/** Packages the core bundle leaves external (scripts/build-core.mjs) and their run-time deps. */
const RUNTIME_PACKAGES = ['sharp', 'better-sqlite3', 'heic-decode']
/** Dependencies only an install needs. */
const INSTALL_ONLY = new Set(['prebuild-install'])

export function cacheDir() {
  return (
    process.env.UPSHOT_BUILD_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'upshot-build')
  )
}

export function stagedCoreDir(platform = process.platform, arch = process.arch) {
  return path.join(root, 'dist', 'core', `${BUILDER_OS[platform]}-${arch}`)
}

export function shippedNodeBinary(dir, platform = process.platform) {
  return platform === 'win32'
    ? path.join(dir, 'node', 'node.exe')
    : path.join(dir, 'node', 'bin', 'node')
}

/** Stages the core for one target; returns its folder. */
export function stageCore({
  platform = process.platform,
  arch = process.arch,
  log = console.log,
} = {}) {
  const target = `${platform}-${arch}`
  const version = SHIPPED_NODE[target]
  if (!version) {
    throw new Error(
      `No Node is pinned for ${target} (the npm registry has no current node-${target} package); add it to SHIPPED_NODE in scripts/stage-core.mjs.`,
    )
  }
  const bundle = path.join(root, 'out', 'core', 'index.mjs')
  if (!fs.existsSync(bundle))
    throw new Error('out/core is missing: run `npm run build:core` first.')

  const node = fetchNode(platform, arch, version, log)
  const sqliteBinary = betterSqliteFor(node, platform, arch, version, log)

  const out = stagedCoreDir(platform, arch)
  const work = `${out}.partial-${process.pid}`
  fs.rmSync(work, { recursive: true, force: true })
  fs.mkdirSync(work, { recursive: true })
  // The Node binary and its licence.
  const nodeBin = shippedNodeBinary(work, platform)
  fs.mkdirSync(path.dirname(nodeBin), { recursive: true })
  fs.copyFileSync(path.join(node, platform === 'win32' ? 'bin/node.exe' : 'bin/node'), nodeBin)
  fs.chmodSync(nodeBin, 0o755)
  fs.copyFileSync(path.join(node, 'LICENSE'), path.join(work, 'node', 'LICENSE'))
  // The bundle.
  fs.cpSync(path.join(root, 'out', 'core'), work, {
    recursive: true,
    filter: (src) => !src.endsWith('.map'),
  })
  // Its native packages and what they require.
  for (const pkg of runtimeClosure(platform, arch)) copyPackage(pkg, work)
  const release = path.join(work, 'node_modules', 'better-sqlite3', 'build', 'Release')
  fs.mkdirSync(release, { recursive: true })
  fs.copyFileSync(sqliteBinary, path.join(release, 'better_sqlite3.node'))

  fs.rmSync(out, { recursive: true, force: true })
  fs.renameSync(work, out)
  log(`staged the core for ${target} with Node ${version}: ${path.relative(root, out)}`)
  return out
}

// ---------------------------------------------------------------- the Node binary

function fetchNode(platform, arch, version, log) {
  const name = `node-${platform === 'win32' ? 'win' : platform}-${arch}`
  const dir = path.join(cacheDir(), `${name}-${version}`)
  if (fs.existsSync(path.join(dir, 'package.json'))) return dir
  log(`fetching ${name}@${version} from the npm registry (once)...`)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-node-'))
  try {
    const packed = run('npm', ['pack', `${name}@${version}`, '--pack-destination', tmp, '--json'], {
      cwd: tmp,
      shell: process.platform === 'win32',
    })
    const tarball = path.join(tmp, JSON.parse(packed.stdout)[0].filename)
    const unpacked = path.join(tmp, 'unpacked')
    fs.mkdirSync(unpacked)
    run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'])
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    fs.rmSync(dir, { recursive: true, force: true })
    fs.renameSync(unpacked, dir)
    return dir
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- better-sqlite3 for its ABI

function betterSqliteFor(nodeDir, platform, arch, version, log) {
  const pkgDir = path.dirname(require.resolve('better-sqlite3/package.json'))
  const sqliteVersion = JSON.parse(
    fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'),
  ).version
  const abi = nodeAbi(nodeDir)
  const key = `better-sqlite3-${sqliteVersion}-node-abi${abi}-${platform}-${arch}`
  const cached = path.join(cacheDir(), key, 'better_sqlite3.node')
  if (fs.existsSync(cached)) return cached

  const host = platform === process.platform && arch === process.arch
  // The installed build already fits (the shipped Node has this Node's ABI).
  if (host && abi === process.versions.modules) {
    return keep(path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node'), cached)
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-sqlite-'))
  const copy = path.join(tmp, 'better-sqlite3')
  try {
    fs.cpSync(pkgDir, copy, {
      recursive: true,
      filter: (src) => path.relative(pkgDir, src) !== 'build',
    })
    const env = cleanEnv()
    log(
      `better-sqlite3 ${sqliteVersion} for Node ${version} (ABI ${abi}, ${platform}-${arch}): trying a prebuilt binary...`,
    )
    const prebuild = attempt(
      process.execPath,
      [
        require.resolve('prebuild-install/bin.js'),
        '--runtime=node',
        `--target=${version}`,
        `--platform=${platform}`,
        `--arch=${arch}`,
      ],
      { cwd: copy, env, timeout: 120_000 },
    )
    if (!prebuild.ok) {
      if (!host) {
        throw new Error(
          `No prebuilt better-sqlite3 for Node ${version} on ${platform}-${arch} (${prebuild.reason}), and it can only be compiled on ${platform}-${arch} itself.`,
        )
      }
      log(
        `no prebuilt binary (${prebuild.reason}); compiling against the headers of Node ${version}...`,
      )
      const gyp = attempt(
        process.execPath,
        [
          nodeGyp(),
          'rebuild',
          '--release',
          `--nodedir=${nodeDir}`,
          `--target=${version}`,
          `--arch=${arch}`,
          `--jobs=${os.availableParallelism()}`,
        ],
        { cwd: copy, env, timeout: 30 * 60_000 },
      )
      if (!gyp.ok)
        throw new Error(`better-sqlite3 could not be compiled for Node ${version}: ${gyp.reason}`)
    }
    return keep(path.join(copy, 'build', 'Release', 'better_sqlite3.node'), cached)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

function nodeAbi(nodeDir) {
  const header = fs.readFileSync(path.join(nodeDir, 'include', 'node', 'node_version.h'), 'utf8')
  const abi = /#define NODE_MODULE_VERSION (\d+)/.exec(header)?.[1]
  if (!abi) throw new Error(`no NODE_MODULE_VERSION in ${nodeDir}/include/node/node_version.h`)
  return abi
}

function keep(file, cached) {
  if (!fs.existsSync(file)) throw new Error(`expected a binary at ${file}`)
  fs.mkdirSync(path.dirname(cached), { recursive: true })
  // Copy then rename: an interrupted run never leaves half a binary in the cache.
  fs.copyFileSync(file, `${cached}.partial`)
  fs.renameSync(`${cached}.partial`, cached)
  return cached
}

/** npm config that would point node-gyp or prebuild-install at another runtime is dropped. */
function cleanEnv() {
  const env = { ...process.env }
  for (const key of Object.keys(env)) {
    if (/^npm_config_(nodedir|build_from_source|runtime|target|disturl|arch|platform)$/i.test(key))
      delete env[key]
  }
  return env
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    ),
    path.join(
      path.dirname(process.execPath),
      'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    ),
  ]
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'))
  } catch {
    // not installed locally
  }
  const found = candidates.find((f) => f && fs.existsSync(f))
  if (!found) throw new Error('node-gyp was not found (neither with npm nor in node_modules)')
  return found
}

// ---------------------------------------------------------------- node_modules

/** Package folders the externals need at run time, for one target. */
function runtimeClosure(platform, arch) {
  const seen = new Map()
  const visit = (name, from) => {
    if (INSTALL_ONLY.has(name) || seen.has(name)) return
    const dir = findPackage(name, from)
    if (!dir) return
    seen.set(name, dir)
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir)
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
      // sharp's prebuilt binaries: only this target's (the others are not even installed).
      if (dep.startsWith('@img/sharp-') && !fitsTarget(dep, platform, arch)) continue
      visit(dep, dir)
    }
  }
  for (const name of RUNTIME_PACKAGES) visit(name, root)
  const missing = ['sharp', `@img/sharp-${sharpTarget(platform, arch)}`].filter((n) => !seen.has(n))
  if (missing.length) {
    throw new Error(
      `${missing.join(', ')} not installed for ${platform}-${arch}; install it with npm install --os=${platform} --cpu=${arch} sharp`,
    )
  }
  return [...seen.entries()].map(([name, dir]) => ({ name, dir }))
}

function sharpTarget(platform, arch) {
  return `${platform}-${arch}`
}

function fitsTarget(dep, platform, arch) {
  const t = sharpTarget(platform, arch)
  return dep === `@img/sharp-${t}` || dep === `@img/sharp-libvips-${t}`
}

function findPackage(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name)
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate
    if (dir === path.dirname(dir) || dir === path.dirname(root)) return null
  }
}

/** What of a package a running core does not need: sources, build trees, install scripts. */
const DROP = {
  // The binary built for the target's ABI is added as build/Release/better_sqlite3.node.
  'better-sqlite3': ['build', 'deps', 'src', 'binding.gyp', 'docs'],
  sharp: ['src', 'install'],
}

function copyPackage({ name, dir }, work) {
  const dest = path.join(work, 'node_modules', name)
  const drop = DROP[name] ?? []
  fs.cpSync(dir, dest, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = path.relative(dir, src)
      if (rel === '') return true
      const top = rel.split(path.sep)[0]
      // Nested node_modules are visited as packages of their own.
      if (top === 'node_modules' || drop.includes(top)) return false
      return !rel.endsWith('.md') && !rel.endsWith('.map') && !/\.d\.[cm]?ts$/.test(rel)
    },
  })
}

// ---------------------------------------------------------------- helpers

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr ?? ''}`,
    )
  }
  return result
}

function attempt(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.status === 0) return { ok: true }
  const text = `${result.stdout ?? ''}\n${result.stderr ?? ''}`
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(
        (l) =>
          /err|error|fail/i.test(l) &&
          !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v)/.test(l),
      )
      .at(-1) ?? `exit ${result.status ?? result.error?.message}`
  return { ok: false, reason: line.slice(0, 300) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { platform: { type: 'string' }, arch: { type: 'string' } },
  })
  try {
    stageCore({ platform: values.platform, arch: values.arch })
  } catch (err) {
    console.error(`stage-core: ${err.message}`)
    process.exit(1)
  }
}
