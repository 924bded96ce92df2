// Stopping `upshot ui` (SIGTERM, as a service manager or Ctrl+C does) while photos a browser sent
// are being made and uploaded: it exits cleanly with every claim given back to the ledger and the
// sent bytes of unfinished jobs kept; the next start finishes them, every output lands in the
// bucket once, and the staged copies go. Driven over the same HTTP and WebSocket a tab uses.

import Database from 'better-sqlite3'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS } from '../helpers/fixtures'
import { getObjectInfo, startTestS3, type TestS3 } from '../helpers/s3server'
import { startUi, type UiServer } from '../helpers/ui-server'
import { ensureBuilt } from './helpers/build'
import { testBucketDestination } from './helpers/test-keychain'
import os from 'node:os'
import { until } from '../helpers/until'

const FILES = 16

interface JobRow {
  id: string
  state: string
  owner: string | null
  source: string
}

function ledger<T>(dataDir: string, sql: string): T[] {
  const file = path.join(dataDir, 'ledger.sqlite')
  if (!fs.existsSync(file)) return []
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

const jobs = (dataDir: string): JobRow[] =>
  ledger<JobRow>(dataDir, 'SELECT id, state, owner, source FROM jobs')

function signIn(ui: UiServer): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          host: '127.0.0.1',
          port: ui.port,
          path: `/${new URL(ui.link).search}`,
          headers: { Host: `127.0.0.1:${ui.port}` },
        },
        (res) => {
          res.resume()
          resolve(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!)
        },
      )
      .on('error', reject)
  })
}

/** A tab's connection: requests over the WebSocket, files over POST /api/files. */
async function connect(ui: UiServer) {
  const cookie = await signIn(ui)
  const headers = { Cookie: cookie, Origin: ui.origin }
  const ws = new WebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, { headers })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let id = 0
  const waiting = new Map<number, (r: { ok: boolean; value?: unknown }) => void>()
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { t: string; id: number; result: { ok: boolean } }
    if (m.t === 'response') waiting.get(m.id)?.(m.result)
  })
  return {
    async call<T>(cmd: string, args: unknown[] = []): Promise<T> {
      const n = ++id
      const result = await new Promise<{ ok: boolean; value?: unknown }>((resolve) => {
        waiting.set(n, resolve)
        ws.send(JSON.stringify({ t: 'request', id: n, cmd, args }))
      })
      if (!result.ok) throw new Error(`${cmd}: ${JSON.stringify(result)}`)
      return result.value as T
    },
    send(name: string, body: Buffer): Promise<string> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: ui.port,
            method: 'POST',
            path: '/api/files',
            headers: {
              ...headers,
              Host: `127.0.0.1:${ui.port}`,
              'Content-Length': body.length,
              'X-Upshot-Name': encodeURIComponent(name),
            },
          },
          (res) => {
            let text = ''
            res.on('data', (d: Buffer) => (text += d.toString()))
            res.on('end', () => resolve((JSON.parse(text) as { token: string }).token))
          },
        )
        req.on('error', reject)
        req.end(body)
      })
    },
    close: () => ws.close(),
  }
}

const waitFor = (what: string, cond: () => boolean, ms = 120_000): Promise<void> =>
  until(what, cond, ms)

describe('stopping upshot ui mid-upload', () => {
  let s3: TestS3
  let ui: UiServer | undefined
  let dataDir: string

  beforeAll(async () => {
    ensureBuilt()
    s3 = await startTestS3()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ui-stop-'))
  })
  afterAll(async () => {
    await ui?.stop()
    await s3?.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('gives every claim back on SIGTERM, and finishes the sent photos at the next start', async () => {
    ui = await startUi({ dataDir })
    const tab = await connect(ui)
    await tab.call('saveDestination', [testBucketDestination(s3, 'Blog images')])
    // Distinct photos (bytes after the JPEG's end change its hash, not its pixels), so each is
    // made and uploaded on its own rather than waiting for a twin.
    const photo = fs.readFileSync(
      path.join(CORPUS, 'bench/exif-samples__jpg_hdr_iphone_hdr_YES.jpg'),
    )
    const tokens: string[] = []
    for (let i = 0; i < FILES; i++) {
      tokens.push(
        await tab.send(`Shoot/photo-${i}.jpg`, Buffer.concat([photo, Buffer.from(`#${i}`)])),
      )
    }
    await tab.call('addUploads', [tokens])
    await waitFor('a job under way', () =>
      jobs(dataDir).some((j) => j.state === 'processing' || j.state === 'uploading'),
    )
    tab.close()
    const started = Date.now()
    const stopped = await ui.stop()
    ui = undefined
    expect(stopped.code).toBe(0)
    expect(Date.now() - started).toBeLessThan(15_000)

    const after = jobs(dataDir)
    expect(after).toHaveLength(FILES)
    expect(after.filter((j) => j.owner !== null)).toEqual([])
    const unfinished = after.filter((j) => j.state !== 'done')
    expect(unfinished.length).toBeGreaterThan(0)
    expect(unfinished.every((j) => j.state === 'queued')).toBe(true)
    // Their bytes wait in the data dir; no half-written file is among them.
    for (const j of unfinished) expect(fs.existsSync(j.source), j.source).toBe(true)

    ui = await startUi({ dataDir })
    await waitFor('every job done', () => jobs(dataDir).every((j) => j.state === 'done'), 300_000)
    const outputs = ledger<{ key: string; bytes: number; state: string }>(
      dataDir,
      'SELECT key, bytes, state FROM outputs',
    )
    expect(outputs.length).toBeGreaterThanOrEqual(FILES)
    expect(new Set(outputs.map((o) => o.key)).size).toBe(outputs.length)
    for (const o of outputs) {
      expect(o.state).toBe('uploaded')
      expect((await getObjectInfo(s3, o.key))?.size, o.key).toBe(o.bytes)
    }
    await waitFor('staged copies removed', () =>
      fs.readdirSync(path.join(dataDir, 'incoming')).every((n) => n.startsWith('.')),
    )
  })
})
