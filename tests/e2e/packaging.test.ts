// The package electron-builder makes for Linux, built here with stand-ins for the two things this
// machine cannot download: the Electron binary (a script carrying Electron's fuse wire, given as
// `electronDist`) and fpm (a script that records what electron-builder asks of it). Checked: the
// asar holds the window's code and no node_modules; the core is outside it with a Node binary
// that runs it, sharp with libvips, and a better-sqlite3 built for that Node; the fuses; the
// .deb's control fields and its .desktop entry.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { coreLaunch } from '../../src/main/core-launch'
import { ensureBuilt, ROOT, stageShippedCore } from './helpers/build'

const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
// Fuse wire v1, 8 fuses, as an unconfigured Electron ships them ('1' on, '0' off).
const STOCK_WIRE = '11111110'

const supported = process.platform === 'linux' && process.arch === 'x64'
if (!supported) console.warn('[e2e] packaging test skipped: it builds the linux-x64 package.')

describe.skipIf(!supported)('the Linux package', () => {
  let work: string
  let unpacked: string
  let fpm: { args: string[]; desktop: string }
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string
    desktopName: string
  }

  beforeAll(() => {
    ensureBuilt()
    stageShippedCore()
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-pack-'))
    const electronDist = path.join(work, 'electron-dist')
    fs.mkdirSync(path.join(electronDist, 'locales'), { recursive: true })
    fs.mkdirSync(path.join(electronDist, 'resources'))
    fs.writeFileSync(
      path.join(electronDist, 'electron'),
      `#!/bin/sh\n# A stand-in for the Electron binary.\n# ${FUSE_SENTINEL}\x01\x08${STOCK_WIRE}\necho stand-in\n`,
      { mode: 0o755 },
    )
    const out = path.join(work, 'release')
    const dir = builder(['--linux', 'dir', '--x64', `-c.electronDist=${electronDist}`], out)
    expect(dir.status, dir.output).toBe(0)
    unpacked = path.join(out, 'linux-unpacked')

    const tools = path.join(work, 'tools')
    const capture = path.join(work, 'fpm')
    fs.mkdirSync(tools)
    fs.mkdirSync(capture)
    fs.writeFileSync(
      path.join(tools, 'fpm'),
      `#!${process.execPath}
const fs = require('fs'), path = require('path')
const args = process.argv.slice(2)
fs.writeFileSync(path.join(${JSON.stringify(capture)}, 'args.json'), JSON.stringify(args))
for (const a of args) {
  const m = /^(\\/[^=]+)=\\/usr\\/share\\/applications\\/(.+)$/.exec(a)
  if (m) fs.copyFileSync(m[1], path.join(${JSON.stringify(capture)}, 'desktop-entry'))
}
fs.writeFileSync(args[args.indexOf('--package') + 1], 'stand-in')
`,
      { mode: 0o755 },
    )
    const deb = builder(['--linux', 'deb', '--x64', '--prepackaged', unpacked], out, {
      USE_SYSTEM_FPM: 'true',
      PATH: `${tools}${path.delimiter}${process.env.PATH}`,
    })
    expect(deb.status, deb.output).toBe(0)
    fpm = {
      args: JSON.parse(fs.readFileSync(path.join(capture, 'args.json'), 'utf8')) as string[],
      desktop: fs.readFileSync(path.join(capture, 'desktop-entry'), 'utf8'),
    }
  }, 45 * 60_000)

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('keeps only the window’s code in the asar, no node_modules and no core', async () => {
    const { listPackage, extractFile } = await import('@electron/asar')
    const asar = path.join(unpacked, 'resources', 'app.asar')
    const files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'))
    expect(files).toEqual(
      expect.arrayContaining([
        '/out/main/index.js',
        '/out/preload/index.cjs',
        '/out/renderer/index.html',
        '/package.json',
      ]),
    )
    expect(files.filter((f) => /node_modules|\/out\/core|\.native|\.map$/.test(f))).toEqual([])
    const shipped = JSON.parse(extractFile(asar, 'package.json').toString()) as {
      desktopName: string
    }
    expect(shipped.desktopName).toBe('dev.upshot.desktop.desktop')
    // Nothing of the asar is unpacked next to it: nothing native is left in it.
    expect(fs.existsSync(path.join(unpacked, 'resources', 'app.asar.unpacked'))).toBe(false)
  })

  it('ships the core outside the asar with the Node that runs it, where main looks for it', () => {
    const resources = path.join(unpacked, 'resources')
    const launch = coreLaunch({
      isPackaged: true,
      resourcesPath: resources,
      mainDir: path.join(resources, 'app.asar', 'out', 'main'),
      env: {},
      platform: 'linux',
    })
    expect(() => fs.accessSync(launch.command, fs.constants.X_OK)).not.toThrow()
    expect(fs.existsSync(launch.args[0]!)).toBe(true)
    const core = path.join(resources, 'core')
    for (const p of [
      'node_modules/sharp/package.json',
      'node_modules/@img/sharp-linux-x64/package.json',
      'node_modules/@img/sharp-libvips-linux-x64/package.json',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      // The HEIC decoder's worker thread loads it by path: it cannot live inside the bundle.
      'node_modules/heic-decode/package.json',
      'node_modules/libheif-js/package.json',
      'node/LICENSE',
    ]) {
      expect(fs.existsSync(path.join(core, p)), p).toBe(true)
    }
    // Only this target's prebuilt sharp, no sources, no build trees, no Electron builds.
    const everything = fs
      .readdirSync(unpacked, { recursive: true })
      .map((p) => String(p).split(path.sep).join('/'))
    expect(everything.filter((p) => /(^|\/)\.native(\/|$)/.test(p))).toEqual([])
    expect(fs.readdirSync(path.join(core, 'node_modules', '@img')).sort()).toEqual([
      'colour',
      'sharp-libvips-linux-x64',
      'sharp-linux-x64',
    ])
    expect(fs.existsSync(path.join(core, 'node_modules/better-sqlite3/deps'))).toBe(false)
    expect(fs.existsSync(path.join(core, 'node_modules/sharp/src'))).toBe(false)

    // The shipped Node runs the shipped core: its version, and its health (sharp's libvips and
    // better-sqlite3 loaded by that Node, an in-memory database opened).
    const version = spawnSync(launch.command, [...launch.args, '--version'], { encoding: 'utf8' })
    expect(version.stdout.trim()).toBe(pkg.version)
    const health = spawnSync(launch.command, [...launch.args, '--health'], {
      encoding: 'utf8',
      env: {},
    })
    expect(health.status, health.stderr).toBe(0)
    expect(JSON.parse(health.stdout)).toMatchObject({
      version: pkg.version,
      node: expect.stringMatching(/^v2[2-9]\./),
      platform: 'linux',
      arch: 'x64',
      sqlite: expect.stringMatching(/^3\./),
      vips: expect.stringMatching(/^8\./),
      heic: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    })
  })

  it('flips the Electron fuses in the packaged binary', () => {
    const binary = fs.readFileSync(path.join(unpacked, 'upshot'))
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length
    const wire = binary.subarray(at + 2, at + 2 + binary[at + 1]!).toString('latin1')
    // runAsNode, cookies, NODE_OPTIONS, --inspect, asar integrity, asar only, V8 snapshot, file://
    expect(wire).toBe('01001100')
  })

  it('makes a .deb with its control fields, Electron’s default dependencies and a .desktop entry', () => {
    const flag = (name: string): string => fpm.args[fpm.args.indexOf(name) + 1]!
    expect(flag('--name')).toBe('upshot')
    expect(flag('--version')).toBe(pkg.version)
    expect(flag('--maintainer')).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/)
    expect(flag('--url')).toMatch(/^https:\/\//)
    const depends = fpm.args.flatMap((a, i) => (fpm.args[i - 1] === '-d' ? [a] : []))
    // electron-builder's own list, not replaced: GTK, NSS, libnotify... and libsecret.
    expect(depends).toEqual(
      expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libnotify4', 'libsecret-1-0']),
    )
    expect(
      fpm.args.some((a) => a.endsWith(`=/usr/share/applications/dev.upshot.desktop.desktop`)),
    ).toBe(true)
    const entry = Object.fromEntries(
      fpm.desktop
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    // The window's app_id (from desktopName) and the entry's name agree: GNOME and the portals
    // (the global shortcut) can resolve the app.
    expect(entry.StartupWMClass).toBe(pkg.desktopName.replace(/\.desktop$/, ''))
    expect(entry.Exec).toBe('/opt/Upshot/upshot %U')
    expect(entry.MimeType?.split(';')).toEqual(
      expect.arrayContaining(['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
    )
  })
})

function builder(
  args: string[],
  out: string,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; output: string } {
  const result = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'electron-builder'),
    [...args, '--publish', 'never', `-c.directories.output=${out}`],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10 * 60_000 },
  )
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` }
}
