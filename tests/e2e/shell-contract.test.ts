// The Electron glue's decisions that do not need Electron: which frames may call commands, how
// arguments are checked and errors cross the bridge.

import { describe, expect, it } from 'vitest'
import { COMMAND_CHANNELS, type CommandName } from '../../src/shared/api'
import { dispatchCommand, type CommandHandlers } from '../../src/core/ipc-dispatch'
import { rendererSource } from '../../src/main/renderer-source'
import { UpshotError } from '../../src/shared/jobs'

const INFO = { version: '1.2.3', dataDir: '/data', platform: 'linux' }

/** Handlers where only `overrides` do anything; the rest fail the test if reached. */
function handlersWith(overrides: Partial<CommandHandlers>): CommandHandlers {
  const all = Object.fromEntries(
    (Object.keys(COMMAND_CHANNELS) as CommandName[]).map((name) => [
      name,
      () => {
        throw new Error(`${name} should not run`)
      },
    ]),
  )
  return { ...all, ...overrides } as CommandHandlers
}
const handlers = handlersWith({ getAppInfo: () => INFO })
const trusted = (url: string): boolean => url === 'file:///app/index.html'

describe('dispatchCommand', () => {
  it('answers the app page with the handler value', async () => {
    const result = await dispatchCommand(
      'getAppInfo',
      handlers,
      { senderUrl: 'file:///app/index.html', args: [] },
      trusted,
    )
    expect(result).toEqual({ ok: true, value: INFO })
  })

  it('refuses other frames and frames that are gone, before the handler runs', async () => {
    let calls = 0
    const counting = handlersWith({ getAppInfo: () => (calls++, INFO) })
    for (const senderUrl of ['https://evil.example/', 'file:///tmp/other.html', undefined]) {
      const result = await dispatchCommand('getAppInfo', counting, { senderUrl, args: [] }, trusted)
      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    }
    expect(calls).toBe(0)
  })

  it('rejects arguments the command does not take', async () => {
    const result = await dispatchCommand(
      'getAppInfo',
      handlers,
      { senderUrl: 'file:///app/index.html', args: [{ path: '/etc/passwd' }] },
      trusted,
    )
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })

    const sender = 'file:///app/index.html'
    const bad: [CommandName, unknown[]][] = [
      ['addPaths', [['/a', 42]]],
      ['addPaths', ['/etc/passwd']],
      ['copyLinks', [['id'], 'rtf']],
      ['chooseAndAdd', ['everything']],
      ['getHistory', [{ search: 'x', sql: 'DROP TABLE jobs' }]],
      ['savePreferences', [{ concurrency: 1000 }]],
      ['savePreferences', [{ theme: 'neon' }]],
      ['openLink', [{ href: 'https://x' }]],
      ['pauseJob', ['x'.repeat(101)]],
      ['getThumbnails', [Array.from({ length: 201 }, (_, i) => String(i))]],
      ['addSyncPair', [{ folder: '/srv', destinationId: null, preset: 'web', include: [] }]],
      [
        'addSyncPair',
        [{ folder: '/srv', destinationId: null, preset: 'web', include: [], exclude: [''] }],
      ],
      [
        'addSyncPair',
        [
          {
            folder: '/srv',
            destinationId: null,
            preset: 'web',
            include: [],
            exclude: [],
            delete: true,
          },
        ],
      ],
      // A folder is a token from the dialog, never a path.
      [
        'addSyncPair',
        [{ folderToken: '/srv', destinationId: null, preset: 'web', include: [], exclude: [] }],
      ],
      ['runSyncPair', [42]],
      ['getHistory', [{ folder: '' }]],
    ]
    for (const [name, args] of bad) {
      const r = await dispatchCommand(name, handlers, { senderUrl: sender, args }, trusted)
      expect(r, `${name} ${JSON.stringify(args).slice(0, 60)}`).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      })
    }
  })

  it('keeps a destination form to its fields, and its keys out of every reply', async () => {
    const form = {
      name: 'Blog',
      kind: 's3',
      bucket: 'my-bucket',
      region: 'eu-west-1',
      endpoint: '',
      accountId: '',
      dir: '',
      prefix: 'img',
      publicUrl: 'https://cdn.example.com',
      pathStyle: false,
      checksum: 'WHEN_SUPPORTED',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret' },
    }
    let received: unknown
    const h = handlersWith({
      saveDestination: (input) => {
        received = input
        throw new Error(`refused ${JSON.stringify(input)}`)
      },
    })
    const quiet = console.error
    const logged: string[] = []
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '))
    try {
      const extra = await dispatchCommand(
        'saveDestination',
        h,
        { senderUrl: 'file:///app/index.html', args: [{ ...form, admin: true }] },
        trusted,
      )
      expect(extra).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
      expect(received).toBeUndefined()
      const ok = await dispatchCommand(
        'saveDestination',
        h,
        { senderUrl: 'file:///app/index.html', args: [form] },
        trusted,
      )
      expect(received).toEqual(form)
      // The handler's error carried the secret: the page gets a plain sentence without it.
      expect(ok).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
      expect(JSON.stringify(ok)).not.toContain('very-secret')
    } finally {
      console.error = quiet
    }
  })

  it('passes UpshotError codes through and hides anything else behind INTERNAL', async () => {
    const sender = { senderUrl: 'file:///app/index.html', args: [] }
    const coded = await dispatchCommand(
      'getAppInfo',
      handlersWith({
        getAppInfo: () => {
          throw new UpshotError('DISK_FULL', 'The disk is full.')
        },
      }),
      sender,
      trusted,
    )
    expect(coded).toEqual({ ok: false, error: { code: 'DISK_FULL', message: 'The disk is full.' } })

    const originalError = console.error
    console.error = () => {}
    try {
      const internal = await dispatchCommand(
        'getAppInfo',
        handlersWith({
          getAppInfo: async () => {
            throw new Error('SQLITE_CORRUPT at /secret/path')
          },
        }),
        sender,
        trusted,
      )
      expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
      expect(JSON.stringify(internal)).not.toContain('/secret/path')
    } finally {
      console.error = originalError
    }
  })
})

describe('rendererSource', () => {
  it('trusts exactly the app:// origin in production, never a file:// page', () => {
    const source = rendererSource(undefined)
    expect(source.url).toBe('app://upshot/index.html')
    expect(source.isAppUrl('app://upshot/index.html')).toBe(true)
    expect(source.isAppUrl('app://upshot/index.html#/settings')).toBe(true)
    // Scheme and host are case-insensitive in URLs: no spelling of the origin slips past.
    expect(source.isAppUrl('APP://UPSHOT/index.html')).toBe(true)
    expect(source.isAppUrl('app://other/index.html')).toBe(false)
    expect(source.isAppUrl('app://upshot.evil/index.html')).toBe(false)
    // The built page opened as a file (the old way), or any file: not the app.
    expect(source.isAppUrl('file:///opt/upshot/out/renderer/index.html')).toBe(false)
    expect(source.isAppUrl('file:///C:/Upshot/resources/app.asar/out/renderer/index.html')).toBe(
      false,
    )
    expect(source.isAppUrl('https://example.com/index.html')).toBe(false)
    expect(source.isAppUrl('not a url')).toBe(false)
  })

  it('trusts the dev server origin only under electron-vite dev', () => {
    const source = rendererSource('http://localhost:5173/')
    expect(source.url).toBe('http://localhost:5173/')
    expect(source.isAppUrl('http://localhost:5173/src/App.tsx')).toBe(true)
    expect(source.isAppUrl('http://localhost:5174/')).toBe(false)
    expect(source.isAppUrl('app://upshot/index.html')).toBe(false)
  })
})
