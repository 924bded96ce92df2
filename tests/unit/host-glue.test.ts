// The window process's decisions that do not need Electron: paths from a launch's arguments,
// notices held until the page listens, how the core is started, how settings and their keys move
// between the host and the core, and a supervisor that gives up on a core that cannot start.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { pathsFromArgv } from '../../src/main/argv'
import { coreLaunch, shippedNodePath } from '../../src/main/core-launch'
import { CoreSupervisor } from '../../src/main/core-supervisor'
import { loginItemPlan } from '../../src/main/login-item'
import { PageGate } from '../../src/main/page-gate'
import { RefreshTimer } from '../../src/main/refresh-timer'
import { HostSettings } from '../../src/main/settings-relay'
import { relayedSecretBox } from '../../src/core/process/relayed-settings'
import { RELAYED_SECRET_PREFIX } from '../../src/shared/protocol'
import type { SecretBox } from '../../src/core/settings-model'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-host-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

describe('paths from the command line', () => {
  const photo = path.join(work, 'photo one.jpg')
  fs.writeFileSync(photo, 'x')

  it('takes file:// URIs from a .desktop %U, plain paths, and skips switches', () => {
    const argv = [
      '/opt/Upshot/upshot',
      '--no-sandbox',
      `file://${photo.split(path.sep).map(encodeURIComponent).join('/')}`,
      'photo one.jpg',
      'https://example.com/a.jpg',
      path.join(work, 'missing.jpg'),
    ]
    expect(pathsFromArgv(argv, { isPackaged: true, cwd: work })).toEqual([photo, photo])
    // Unpackaged, argv[1] is the app folder Electron was given.
    expect(pathsFromArgv(['electron', work, photo], { isPackaged: false, cwd: '/' })).toEqual([
      photo,
    ])
    expect(
      pathsFromArgv(['x', 'file://remote-host/share/a.jpg'], { isPackaged: true, cwd: work }),
    ).toEqual([])
  })
})

describe('the page gate', () => {
  it('holds messages until the page listens, again after a reload, and keeps only the last few', () => {
    const delivered: number[] = []
    const gate = new PageGate<number>((n) => delivered.push(n), 3)
    gate.send(1)
    gate.send(2)
    expect(delivered).toEqual([])
    gate.opened()
    expect(delivered).toEqual([1, 2])
    gate.send(3)
    expect(delivered).toEqual([1, 2, 3])
    gate.closed()
    for (const n of [4, 5, 6, 7]) gate.send(n)
    gate.opened()
    expect(delivered).toEqual([1, 2, 3, 5, 6, 7])
  })
})

describe('starting the core', () => {
  it('runs the shipped Node on the core outside the asar in a package, without NODE_OPTIONS', () => {
    const launch = coreLaunch({
      isPackaged: true,
      resourcesPath: '/opt/Upshot/resources',
      mainDir: '/opt/Upshot/resources/app.asar/out/main',
      env: { PATH: '/usr/bin', NODE_OPTIONS: '--require /tmp/evil.js', ELECTRON_RUN_AS_NODE: '1' },
      platform: 'linux',
    })
    expect(launch.command).toBe('/opt/Upshot/resources/core/node/bin/node')
    expect(launch.args).toEqual(['/opt/Upshot/resources/core/index.mjs'])
    expect(launch.env).toEqual({ PATH: '/usr/bin' })
    expect(shippedNodePath('win32')).toBe(path.join('node', 'node.exe'))
  })

  it('runs the Node that runs npm on out/core in a checkout', () => {
    const launch = coreLaunch({
      isPackaged: false,
      resourcesPath: '/usr/lib/electron/resources',
      mainDir: '/src/upshot/out/main',
      env: { npm_node_execpath: '/usr/local/bin/node', ELECTRON_RENDERER_URL: 'http://x' },
      platform: 'linux',
    })
    expect(launch.command).toBe('/usr/local/bin/node')
    expect(launch.args).toEqual([path.resolve('/src/upshot/out/core/index.mjs')])
    expect(launch.env).toEqual({ npm_node_execpath: '/usr/local/bin/node' })
  })

  it('gives up on a core that dies before it is ready, and says why', async () => {
    const statuses: string[] = []
    const supervisor = new CoreSupervisor({
      launch: () => ({
        command: process.execPath,
        args: ['-e', 'console.error("libvips: cannot open shared object"); process.exit(3)'],
        env: process.env,
      }),
      init: () => ({
        dataDir: work,
        version: 'test',
        settings: { document: null, canStoreSecrets: false },
      }),
      handlers: { port: () => undefined, event: () => {}, status: (s) => statuses.push(s.state) },
      restartDelaysMs: [10],
    })
    await expect(supervisor.start()).rejects.toThrow(
      /cannot start \(libvips: cannot open shared object\)/,
    )
    expect(statuses).toEqual(['starting', 'restarting', 'restarting', 'stopped'])
    expect(await supervisor.request('getQueue', [])).toMatchObject({ ok: false })
  })

  it('stops a core that speaks another protocol version', async () => {
    const fake = `require('fs').writeSync(4, JSON.stringify({t:'hello',protocol:99,version:'9',pid:process.pid,node:''})+'\\n'); setTimeout(()=>{}, 60000)`
    const supervisor = new CoreSupervisor({
      launch: () => ({ command: process.execPath, args: ['-e', fake], env: process.env }),
      init: () => ({
        dataDir: work,
        version: 'test',
        settings: { document: null, canStoreSecrets: false },
      }),
      handlers: { port: () => undefined, event: () => {}, status: () => {} },
    })
    await expect(supervisor.start()).rejects.toThrow(/protocol 99/)
  })
})

describe('a settings file the host cannot read', () => {
  it('stops the core with the reason instead of restarting it in a loop', async () => {
    let spawned = 0
    const hello = `require('fs').writeSync(4, JSON.stringify({t:'hello',protocol:1,version:'1',pid:process.pid,node:''})+'\\n'); setTimeout(()=>{}, 60000)`
    const supervisor = new CoreSupervisor({
      launch: () => {
        spawned++
        return { command: process.execPath, args: ['-e', hello], env: process.env }
      },
      init: () => {
        throw new Error('settings.json: Unexpected end of JSON input')
      },
      handlers: { port: () => undefined, event: () => {}, status: () => {} },
      restartDelaysMs: [10],
    })
    await expect(supervisor.start()).rejects.toThrow(/cannot be started: settings\.json/)
    expect(spawned).toBe(1)
    expect(supervisor.state).toBe('stopped')
  })
})

describe('settings between host and core', () => {
  const fileStore = (file: string) => ({
    load: () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined),
    save: (doc: unknown) => fs.writeFileSync(file, JSON.stringify(doc)),
  })
  const reversing: SecretBox = {
    available: () => true,
    encrypt: (plain) => `enc:${[...plain].reverse().join('')}`,
    decrypt: (cipher) => {
      if (!cipher.startsWith('enc:')) throw new Error('not ours')
      return [...cipher.slice(4)].reverse().join('')
    },
  }

  it('stores keys encrypted, hands them to the core decrypted, keeps foreign ones untouched', () => {
    const file = path.join(work, 'settings.json')
    const host = new HostSettings(fileStore(file), reversing)
    const core = relayedSecretBox(true)
    const plain = '{"accessKeyId":"AK","secretAccessKey":"s3cr3t-value"}'
    host.save({ version: 1, credentials: { a: core.encrypt(plain), b: 'keys-from-elsewhere' } })
    const onDisk = fs.readFileSync(file, 'utf8')
    expect(onDisk).not.toContain('s3cr3t-value')
    expect(onDisk).not.toContain(RELAYED_SECRET_PREFIX)
    const forCore = host.forCore()
    expect(forCore.canStoreSecrets).toBe(true)
    const creds = (forCore.document as { credentials: Record<string, string> }).credentials
    expect(core.decrypt(creds.a!)).toBe(plain)
    // Not decryptable here: unreadable for the core too (it asks for the keys again).
    expect(creds.b).toBe('keys-from-elsewhere')
    expect(() => core.decrypt(creds.b!)).toThrow()
    host.save(forCore.document)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).credentials.b).toBe('keys-from-elsewhere')
  })

  it('never writes a key in the clear when the system cannot encrypt', () => {
    const file = path.join(work, 'settings-nokeychain.json')
    const host = new HostSettings(fileStore(file), { ...reversing, available: () => false })
    host.save({ version: 1, credentials: { a: `${RELAYED_SECRET_PREFIX}{"secretAccessKey":"x"}` } })
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).credentials).toEqual({})
    expect(host.forCore().canStoreSecrets).toBe(false)
  })
})

describe('the tray refresh', () => {
  it('runs once per interval however often it is asked, and never after stop (quit)', async () => {
    let runs = 0
    const timer = new RefreshTimer(() => runs++, 30)
    timer.schedule()
    timer.schedule()
    await new Promise((r) => setTimeout(r, 80))
    expect(runs).toBe(1)
    timer.schedule()
    timer.stop()
    timer.schedule()
    await new Promise((r) => setTimeout(r, 80))
    expect(runs).toBe(1)
  })
})

describe('open at login', () => {
  it('registers only an installed app, and never on Linux', () => {
    expect(loginItemPlan('darwin', true)).toBe('register')
    expect(loginItemPlan('win32', true)).toBe('register')
    expect(loginItemPlan('win32', false)).toBe('unpackaged')
    expect(loginItemPlan('darwin', false)).toBe('unpackaged')
    expect(loginItemPlan('linux', true)).toBe('unsupported')
  })
})
