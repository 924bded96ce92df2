// `upshot serve` as editors call it: real HTTP against the real server process, with the exact
// request shapes of the Obsidian plugin (obsidian-image-auto-upload-plugin: JSON list, bodyless
// paste, multipart under `list`, delete with a fullResult item) and of PicGo clients (heartbeat,
// multipart under `files`), uploading to a real s3rver. Answers are compared field by field with
// the PicGo/PicList contract; the objects are read back from the server.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS, runCli } from '../helpers/cli'
import {
  getObjectBytes,
  getObjectInfo,
  listKeys,
  startTestS3,
  type TestS3,
} from '../helpers/s3server'
import { startServe, type RunningServe } from '../helpers/serve'

const JPG = path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg')
const PNG = path.join(CORPUS, 'sharp__with-alpha.png')
const WEBP = path.join(CORPUS, 'sharp__4.webp')

let s3: TestS3
let work: string
let dataDir: string
let serve: RunningServe

function env(): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_PROFILE: '',
  }
}

function targetFlags(prefix: string): string[] {
  return [
    '--to',
    `s3://${s3.bucket}/${prefix}`,
    '--endpoint',
    s3.endpoint,
    '--region',
    s3.region,
    '--path-style',
    '--data-dir',
    dataDir,
    // A server that enforces access (the strict one of .ci/run) serves no anonymous GET.
    ...(s3.strict ? ['--private'] : []),
  ]
}

beforeAll(async () => {
  s3 = await startTestS3()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-editor-api-'))
  dataDir = path.join(work, 'data')
  fs.copyFileSync(JPG, path.join(work, 'photo one.jpg'))
  fs.copyFileSync(PNG, path.join(work, '图片.png'))
  fs.writeFileSync(path.join(work, 'notes.txt'), 'not an image\n')
  serve = await startServe(
    [...targetFlags(s3.prefix), '--clipboard-command', `cat '${WEBP}'`],
    env(),
  )
})

afterAll(async () => {
  await serve?.stop()
  await s3?.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

interface Answer {
  status: number
  json: Record<string, unknown>
}

/** Obsidian's requestUrl: a POST with these headers and body, nothing else. */
async function post(
  url: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers, ...(body !== undefined ? { body } : {}) })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

function jobCount(): number {
  const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n
  } finally {
    db.close()
  }
}

function keyOfUrl(url: string): string {
  // Path-style: {endpoint}/{bucket}/{key}
  const prefix = `${s3.endpoint}/${s3.bucket}/`
  expect(url.startsWith(prefix)).toBe(true)
  return decodeURIComponent(url.slice(prefix.length).replace(/\?.*$/, ''))
}

/** The URL serves the object the server holds, and it is the image it should be. */
async function expectServesImage(url: string, width: number): Promise<void> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  const bytes = Buffer.from(await res.arrayBuffer())
  expect(bytes.equals(await getObjectBytes(s3, keyOfUrl(url)))).toBe(true)
  const meta = await sharp(bytes).metadata()
  expect(meta.format).toBe('webp')
  expect(meta.width).toBe(width)
}

async function widthOf(file: string): Promise<number> {
  const meta = await sharp(file).metadata()
  // The full variant is upright: a rotated photo's width is its height.
  return (meta.orientation ?? 1) >= 5 ? meta.height! : meta.width!
}

/** Every field a successful /upload answer has, and nothing else. */
function expectUploadContract(
  json: Record<string, unknown>,
  n: number,
  opts: { urls?: boolean; ext?: string } = {},
): {
  result: string[]
  fullResult: Record<string, unknown>[]
} {
  expect(Object.keys(json).sort()).toEqual(['fullResult', 'result', 'success'])
  expect(json.success).toBe(true)
  const result = json.result as string[]
  const fullResult = json.fullResult as Record<string, unknown>[]
  expect(result).toHaveLength(n)
  expect(fullResult).toHaveLength(n)
  fullResult.forEach((item, i) => {
    expect(Object.keys(item).sort()).toEqual(
      [
        'deduplicated',
        'extname',
        'fileName',
        'height',
        'id',
        'imgUrl',
        'key',
        'originalName',
        'type',
        'width',
      ].sort(),
    )
    if (opts.urls !== false) expect(item.imgUrl).toBe(result[i])
    expect(item.type).toBe('upshot')
    expect(item.extname).toBe(opts.ext ?? '.webp')
    expect(String(item.key).endsWith(String(item.fileName))).toBe(true)
    expect(typeof item.id).toBe('string')
    expect(typeof item.width).toBe('number')
  })
  return { result, fullResult }
}

describe('the PicGo-compatible API of upshot serve', () => {
  it('answers the heartbeat without a key, as PicGo does', async () => {
    const a = await post(`${serve.origin}/heartbeat`)
    expect(a.status).toBe(200)
    expect(a.json).toEqual({ success: true, result: 'alive' })
  })

  it('uploads a JSON list (Obsidian) and answers one URL per path, in order', async () => {
    const list = [path.join(work, '图片.png'), path.join(work, 'photo one.jpg')]
    const a = await post(serve.info.uploadUrl, JSON.stringify({ list }), {
      'Content-Type': 'application/json',
    })
    expect(a.status).toBe(200)
    const { result, fullResult } = expectUploadContract(a.json, 2)
    expect(fullResult.map((f) => f.originalName)).toEqual(['图片.png', 'photo one.jpg'])
    await expectServesImage(result[0]!, await widthOf(PNG))
    await expectServesImage(result[1]!, await widthOf(JPG))
    expect(result[0]).toContain(encodeURIComponent('图片'))
  })

  it("uploads the clipboard's image for a bodyless POST (Obsidian's paste)", async () => {
    const a = await post(serve.info.uploadUrl)
    expect(a.status).toBe(200)
    const { result, fullResult } = expectUploadContract(a.json, 1)
    expect(String(fullResult[0]!.originalName)).toMatch(/^clipboard-\d{4}-\d{2}-\d{2}\.webp$/)
    await expectServesImage(result[0]!, await widthOf(WEBP))
  })

  it('uploads the clipboard for {} and {"list": []} too (PicGo GUI compatibility)', async () => {
    for (const body of ['{}', '{"list":[]}']) {
      const a = await post(serve.info.uploadUrl, body, { 'Content-Type': 'application/json' })
      expect(a.status).toBe(200)
      expectUploadContract(a.json, 1)
    }
  })

  it("uploads multipart under `list`, byte for byte as Obsidian's payloadGenerator builds it", async () => {
    const boundaryString = 'BoundaryA1b2C3d4E5f6G7h8'
    const boundary = `------${boundaryString}`
    const parts: Buffer[] = []
    for (const file of [PNG, JPG]) {
      parts.push(
        Buffer.from(
          `${boundary}\r\nContent-Disposition: form-data; name="list"; filename="${file}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        fs.readFileSync(file),
        Buffer.from('\r\n'),
      )
    }
    parts.push(Buffer.from(`${boundary}--\r\n`))
    const a = await post(serve.info.uploadUrl, Buffer.concat(parts), {
      'Content-Type': `multipart/form-data; boundary=----${boundaryString}`,
    })
    expect(a.status).toBe(200)
    const { result, fullResult } = expectUploadContract(a.json, 2)
    // The file name Obsidian sends is the whole path; only its last segment is kept.
    expect(fullResult.map((f) => f.originalName)).toEqual([path.basename(PNG), path.basename(JPG)])
    await expectServesImage(result[0]!, await widthOf(PNG))
    await expectServesImage(result[1]!, await widthOf(JPG))
    // Files received for a request do not stay in the data dir once uploaded.
    const received = path.join(dataDir, 'received')
    const left = fs.existsSync(received) ? fs.readdirSync(received, { recursive: true }) : []
    expect(left.filter((f) => String(f).includes('.'))).toEqual([])
  })

  it('uploads multipart under `files` (PicGo clients), with the key in X-PicGo-Secret', async () => {
    const form = new FormData()
    form.append('files', new Blob([fs.readFileSync(WEBP)]), 'shot.webp')
    const res = await fetch(`${serve.origin}/upload`, {
      method: 'POST',
      body: form,
      headers: { 'X-PicGo-Secret': serve.key },
    })
    expect(res.status).toBe(200)
    const json = (await res.json()) as Record<string, unknown>
    const { result } = expectUploadContract(json, 1)
    await expectServesImage(result[0]!, await widthOf(WEBP))
  })

  it('takes the key as ?secret= and as a Bearer token', async () => {
    const body = JSON.stringify({ list: [path.join(work, 'photo one.jpg')] })
    const headers = { 'Content-Type': 'application/json' }
    const viaSecret = await post(`${serve.origin}/upload?secret=${serve.key}`, body, headers)
    expect(viaSecret.status).toBe(200)
    const viaBearer = await post(`${serve.origin}/upload`, body, {
      ...headers,
      Authorization: `Bearer ${serve.key}`,
    })
    expect(viaBearer.status).toBe(200)
  })

  it("takes PicList's request shapes: ?picbed=&configName= beside the key, multipart with a UTF-8 name, delete of several items", async () => {
    // PicList's clients name a picbed in the query; Upshot has one destination per request and
    // ignores what it does not know rather than failing the upload.
    const list = [path.join(work, 'photo one.jpg')]
    const a = await post(
      `${serve.origin}/upload?picbed=aws-s3&configName=Default&key=${serve.key}`,
      JSON.stringify({ list }),
      { 'Content-Type': 'application/json' },
    )
    expect(a.status).toBe(200)
    expectUploadContract(a.json, 1)

    // undici's FormData, as PicList's and most clients' HTTP libraries build it.
    const names = ['截图 2024.png', 'zwei.png']
    const form = new FormData()
    for (const [i, name] of names.entries()) {
      const png = await sharp({
        create: { width: 30 + i, height: 20, channels: 3, background: i ? '#0a0' : '#00a' },
      })
        .png()
        .toBuffer()
      form.append('files', new Blob([new Uint8Array(png)]), name)
    }
    const res = await fetch(`${serve.origin}/upload?key=${serve.key}`, {
      method: 'POST',
      body: form,
    })
    expect(res.status).toBe(200)
    const { result, fullResult } = expectUploadContract(
      (await res.json()) as Record<string, unknown>,
      2,
    )
    expect(fullResult.map((f) => f.originalName)).toEqual(names)
    expect(fullResult.map((f) => f.width)).toEqual([30, 31])
    await expectServesImage(result[0]!, 30)

    // /delete with both items at once: PicList's message, counted per item.
    const del = await post(serve.info.deleteUrl, JSON.stringify({ list: fullResult }), {
      'Content-Type': 'application/json',
    })
    expect(del.status).toBe(200)
    expect(del.json).toMatchObject({ success: true, message: 'delete success: 2, fail: 0' })
    for (const item of fullResult) expect(await getObjectInfo(s3, String(item.key))).toBeNull()
  })

  it('refuses a request without the key (401) and a wrong key, uploading nothing', async () => {
    const before = jobCount()
    const body = JSON.stringify({ list: [JPG] })
    for (const url of [`${serve.origin}/upload`, `${serve.origin}/upload?key=wrong`]) {
      const a = await post(url, body, { 'Content-Type': 'application/json' })
      expect(a.status).toBe(401)
      expect(a.json.success).toBe(false)
    }
    const del = await post(`${serve.origin}/delete`, JSON.stringify({ list: [{ id: 'x' }] }), {
      'Content-Type': 'application/json',
    })
    expect(del.status).toBe(401)
    expect(jobCount()).toBe(before)
  })

  it('refuses a foreign Origin even with the key, and a foreign Host name (DNS rebinding)', async () => {
    const before = jobCount()
    const body = JSON.stringify({ list: [JPG] })
    const foreign = await post(serve.info.uploadUrl, body, {
      'Content-Type': 'application/json',
      Origin: 'https://evil.example',
    })
    expect(foreign.status).toBe(403)
    // Obsidian's own origin is allowed by default.
    const obsidian = await post(serve.info.uploadUrl, body, {
      'Content-Type': 'application/json',
      Origin: 'app://obsidian.md',
    })
    expect(obsidian.status).toBe(200)
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        serve.info.uploadUrl,
        {
          method: 'POST',
          headers: { Host: `evil.example:${serve.info.port}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode!)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
    expect(rebound).toBe(403)
    expect(jobCount()).toBe(before + 1)
  })

  it('sends no CORS header on any answer', async () => {
    const res = await fetch(`${serve.origin}/heartbeat`, {
      method: 'POST',
      headers: { Origin: 'app://obsidian.md' },
    })
    const names = [...res.headers.keys()]
    expect(names.filter((h) => h.startsWith('access-control-'))).toEqual([])
    const options = await fetch(`${serve.origin}/upload`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    })
    expect(options.status).toBe(403)
    expect([...options.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([])
  })

  it('refuses folders, missing paths and non-images one by one while the rest upload', async () => {
    const good = path.join(CORPUS, 'exif-samples__jpg_mobile_jolla.jpg')
    const list = [
      work,
      path.join(work, 'missing.png'),
      good,
      path.join(work, 'notes.txt'),
      '/dev/null',
    ]
    const a = await post(serve.info.uploadUrl, JSON.stringify({ list }), {
      'Content-Type': 'application/json',
    })
    expect(a.status).toBe(400)
    expect(a.json.success).toBe(false)
    expect(a.json.result).toEqual([])
    expect(typeof a.json.message).toBe('string')
    const errors = a.json.errors as { input: string; code: string }[]
    expect(errors.map((e) => [e.input, e.code])).toEqual([
      [work, 'NOT_A_FILE'],
      [path.join(work, 'missing.png'), 'NOT_FOUND'],
      [path.join(work, 'notes.txt'), 'UNSUPPORTED_FORMAT'],
      ['/dev/null', 'NOT_A_FILE'],
    ])
    // The good one was uploaded all the same: its variants are on the server.
    const keys = await listKeys(s3)
    expect(keys.some((k) => k.endsWith('/exif-samples__jpg_mobile_jolla-full.webp'))).toBe(true)
  })

  it('returns link text for ?format=markdown and the other formats', async () => {
    const list = [path.join(work, 'photo one.jpg')]
    const body = JSON.stringify({ list })
    const headers = { 'Content-Type': 'application/json' }
    const md = await post(`${serve.info.uploadUrl}&format=markdown`, body, headers)
    const { result, fullResult } = expectUploadContract(md.json, 1, { urls: false })
    expect(result[0]).toBe(`![photo one](${fullResult[0]!.imgUrl as string})`)
    const html = await post(`${serve.info.uploadUrl}&format=html`, body, headers)
    expect((html.json.result as string[])[0]).toMatch(
      /^<img src="[^"]+" width="\d+" height="\d+" alt="photo one">$/,
    )
    const picture = await post(`${serve.info.uploadUrl}&format=picture`, body, headers)
    expect((picture.json.result as string[])[0]).toMatch(/^<picture>[\s\S]*<\/picture>$/)
    const bad = await post(`${serve.info.uploadUrl}&format=nope`, body, headers)
    expect(bad.status).toBe(400)
    expect(String(bad.json.message)).toMatch(/no link format named "nope"/)
  })

  it('honours ?preset= and a project upshot.json through ?project=', async () => {
    const project = path.join(work, 'blog')
    fs.mkdirSync(project)
    fs.writeFileSync(
      path.join(project, 'upshot.json'),
      JSON.stringify({
        prefix: 'blog/2024',
        preset: 'jpeg',
        format: 'figure',
        templates: { figure: '<figure><img src="{url}" alt="{alt}"></figure>' },
      }),
    )
    const body = JSON.stringify({ list: [path.join(work, 'photo one.jpg')] })
    const headers = { 'Content-Type': 'application/json' }
    const a = await post(
      `${serve.info.uploadUrl}&project=${encodeURIComponent(project)}`,
      body,
      headers,
    )
    expect(a.status).toBe(200)
    const { fullResult, result } = expectUploadContract(a.json, 1, { urls: false, ext: '.jpg' })
    expect(String(fullResult[0]!.key)).toMatch(
      new RegExp(`^${s3.prefix}/blog/2024/[0-9a-f]{16}/photo-one-full\\.jpg$`),
    )
    expect(result[0]).toBe(
      // In an HTML attribute, a (presigned) URL's & is written &amp;.
      `<figure><img src="${(fullResult[0]!.imgUrl as string).replace(/&/g, '&amp;')}" alt="photo one"></figure>`,
    )
    const info = await getObjectInfo(s3, String(fullResult[0]!.key))
    expect(info?.contentType).toBe('image/jpeg')

    const png = await post(`${serve.info.uploadUrl}&preset=png`, body, headers)
    expect(png.status).toBe(200)
    expect(String((png.json.fullResult as { key: string }[])[0]!.key)).toMatch(
      /photo-one-full\.png$/,
    )
    const unknown = await post(`${serve.info.uploadUrl}&preset=nope`, body, headers)
    expect(unknown.status).toBe(400)
    const badProject = await post(`${serve.info.uploadUrl}&project=/etc/passwd`, body, headers)
    expect(badProject.status).toBe(400)
    expect(String(badProject.json.message)).toMatch(/upshot\.json/)
  })

  it('fetches a listed URL from a private address only when allowed', async () => {
    const page = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(fs.readFileSync(PNG))
    })
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/remote.png`
    try {
      const a = await post(serve.info.uploadUrl, JSON.stringify({ list: [url] }), {
        'Content-Type': 'application/json',
      })
      expect(a.json.success).toBe(false)
      expect((a.json.errors as { code: string }[])[0]!.code).toBe('ACCESS_DENIED')
    } finally {
      await new Promise((r) => page.close(r))
    }
  })

  it('deletes with the fullResult item Obsidian kept: objects and record, as the history does', async () => {
    const file = path.join(work, 'delete-me.png')
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .png()
      .toFile(file)
    const up = await post(serve.info.uploadUrl, JSON.stringify({ list: [file] }), {
      'Content-Type': 'application/json',
    })
    const { fullResult } = expectUploadContract(up.json, 1)
    const item = fullResult[0]!
    const dir = String(item.key).slice(0, String(item.key).lastIndexOf('/') + 1)
    expect((await listKeys(s3, dir)).length).toBe(4)

    // A forged item (right id, another key) deletes nothing.
    const forged = await post(
      serve.info.deleteUrl,
      JSON.stringify({ list: [{ ...item, key: 'x/y.webp', imgUrl: 'x' }] }),
      {
        'Content-Type': 'application/json',
      },
    )
    expect(forged.json.success).toBe(false)
    expect((await listKeys(s3, dir)).length).toBe(4)

    const del = await post(serve.info.deleteUrl, JSON.stringify({ list: [item] }), {
      'Content-Type': 'application/json',
    })
    expect(del.status).toBe(200)
    expect(del.json.success).toBe(true)
    expect(del.json.message).toBe('delete success: 1, fail: 0')
    expect(await listKeys(s3, dir)).toEqual([])
    const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true })
    try {
      const row = db.prepare('SELECT 1 AS y FROM deleted_jobs WHERE job_id = ?').get(item.id)
      expect(row).toEqual({ y: 1 })
    } finally {
      db.close()
    }
  })

  it('keeps an object another upload still uses when one of them is deleted', async () => {
    const body = JSON.stringify({ list: [path.join(work, '图片.png')] })
    const headers = { 'Content-Type': 'application/json' }
    const first = expectUploadContract((await post(serve.info.uploadUrl, body, headers)).json, 1)
    const second = expectUploadContract((await post(serve.info.uploadUrl, body, headers)).json, 1)
    expect(second.fullResult[0]!.key).toBe(first.fullResult[0]!.key)
    const del = await post(
      serve.info.deleteUrl,
      JSON.stringify({ list: [second.fullResult[0]] }),
      headers,
    )
    expect(del.json.success).toBe(true)
    expect(await getObjectInfo(s3, String(first.fullResult[0]!.key))).not.toBeNull()
    const res = await fetch(first.result[0]!)
    expect(res.status).toBe(200)
  })

  it('says who holds the port when it is taken, and offers --port', async () => {
    const r = await runCli(
      ['serve', '--port', String(serve.info.port), ...targetFlags(s3.prefix)],
      env(),
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/taken by another Upshot/)
    expect(r.stderr).toMatch(/--port/)
  })
})

describe('what upshot serve prints', () => {
  it('the upload URL with its key, which works, and the same key on the next start', async () => {
    const own = path.join(work, 'human-data')
    const flags = targetFlags(s3.prefix).map((a) => (a === dataDir ? own : a))
    const first = await startServe(flags, env(), { human: true })
    let key: string
    try {
      const out = first.stdout()
      expect(out).toContain(`Upshot's editor API is listening on ${first.origin}`)
      expect(first.info.uploadUrl).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/upload\?key=[A-Za-z0-9_-]{43}$/,
      )
      expect(first.info.deleteUrl).toBe(first.info.uploadUrl.replace('/upload?', '/delete?'))
      expect(first.info.destination).toBe(`s3://${s3.bucket}/${s3.prefix} at ${s3.endpoint}`)
      expect(first.info.preset).toBe('web')
      key = first.key
      // The key is the one in the data dir, readable by its owner only.
      const file = path.join(own, 'editor-api.key')
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(key)
      expect(fs.statSync(file).mode & 0o077).toBe(0)
      // The printed URL is what an editor pastes: it uploads as it is.
      const a = await post(first.info.uploadUrl, JSON.stringify({ list: [JPG] }), {
        'Content-Type': 'application/json',
      })
      expect(a.status).toBe(200)
      await expectServesImage((a.json.result as string[])[0]!, await widthOf(JPG))
    } finally {
      await first.stop()
    }
    const again = await startServe(flags, env(), { human: true })
    await again.stop()
    expect(again.key).toBe(key)
    const rotated = await startServe([...flags, '--new-key'], env(), { human: true })
    try {
      expect(rotated.key).not.toBe(key)
      const old = await post(
        `${rotated.origin}/upload?key=${key}`,
        JSON.stringify({ list: [JPG] }),
        {
          'Content-Type': 'application/json',
        },
      )
      expect(old.status).toBe(401)
    } finally {
      await rotated.stop()
    }
  })

  it('warns at start that a private destination gives links that stop working', async () => {
    const own = path.join(work, 'private-data')
    const flags = targetFlags(s3.prefix).map((a) => (a === dataDir ? own : a))
    const served = await startServe([...flags, '--private', '--expires', '86400'], env())
    try {
      expect(served.stderr()).toMatch(
        /warning: this destination is private, so the links written are presigned and stop working after 1 day/,
      )
    } finally {
      await served.stop()
    }
    // Public links (the strict server's flags make every destination private).
    const open = await startServe(
      flags.filter((f) => f !== '--private'),
      env(),
    )
    await open.stop()
    expect(open.stderr()).not.toMatch(/presigned/)
  })
})
