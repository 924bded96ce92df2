// Browse's thumbnails come from the bucket, not from this computer: after an upload the local
// photo is removed, and the thumbnail of any of its objects is the smallest variant, read once
// from the store (one GET, seen by the counting proxy), shrunk to fit 96 px; its dimensions and
// colours match that variant's. Kept in memory and on disk. An orphan image gets one from itself
// when small; other objects, and big orphans, get none. Real engine, s3rver, BrowseService.
import fs from 'node:fs'
import path from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ledgerIdOf } from '../../src/core/app-service'
import { BrowseService } from '../../src/core/browse-service'
import { createEngine } from '../../src/engine'
import type { S3DestinationConfig } from '../../src/engine/types'
import { CORPUS } from '../helpers/fixtures'
import type { TestProxy } from '../helpers/proxy'
import { getObjectBytes, s3Config, type TestS3 } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy } from '../helpers/s3proxy'

let s3: TestS3
let proxy: TestProxy
let work: string

beforeAll(async () => {
  ;({ s3, proxy, work } = await startS3Proxy('upshot-browse-thumbs-'))
})
afterAll(() => stopS3Proxy({ s3, proxy, work }))

const decode = async (url: string | null | undefined) => {
  expect(url).toMatch(/^data:image\/webp;base64,/)
  const buf = Buffer.from(url!.slice(url!.indexOf(',') + 1), 'base64')
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

const pixel = (img: { data: Buffer; width: number }, x: number, y: number): number[] => {
  const i = (y * img.width + x) * 3
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!]
}

const gets = (): string[] =>
  proxy.requests.filter((r) => r.method === 'GET').map((r) => decodeURIComponent(r.url))

describe('Browse thumbnails from the bucket', () => {
  it('uses the smallest variant, with the local photo gone; cached in memory and on disk', async () => {
    const dataDir = path.join(work, 'data')
    const photo = path.join(work, 'castle.jpg')
    fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg'), photo)
    const config: S3DestinationConfig = s3Config(s3, { endpoint: proxy.url })
    const engine = createEngine({ dataDir })
    try {
      const ids = await engine.enqueue([photo], { destination: config, preset: 'web' })
      const report = await engine.run(ids)
      expect(report.jobs[0]!.status).toBe('done')
      fs.rmSync(photo) // the thumbnail cannot come from this computer now

      const outputs = report.jobs[0]!.outputs.filter((o) => o.contentType.startsWith('image/'))
      expect(outputs.length).toBeGreaterThan(1)
      const smallest = [...outputs].sort((a, b) => a.bytes - b.bytes)[0]!
      const largest = [...outputs].sort((a, b) => b.bytes - a.bytes)[0]!
      expect(largest.key).not.toBe(smallest.key)

      const browse = (): BrowseService =>
        new BrowseService({
          ledger: () => engine.ledger,
          dataDir,
          resolve: () => config,
          ledgerIdOf,
          configOfLedgerId: () => config,
        })
      const first = browse()
      proxy.resetCounters()
      // Asked for the largest variant's row: made from the smallest, read once.
      const got = await first.thumbnails(null, [largest.key, smallest.key])
      expect(gets()).toHaveLength(1)
      expect(gets()[0]).toContain(smallest.key)
      expect(got[largest.key]).toBe(got[smallest.key])

      const thumb = await decode(got[largest.key])
      const variant = await getObjectBytes(s3, smallest.key)
      const meta = await sharp(variant).metadata()
      const scale = Math.min(96 / meta.width!, 96 / meta.height!, 1)
      expect([thumb.width, thumb.height]).toEqual([
        Math.round(meta.width! * scale),
        Math.round(meta.height! * scale),
      ])
      // The same picture: colours sampled across it match the variant shrunk the same way.
      const expected = await sharp(variant)
        .resize(thumb.width, thumb.height, { fit: 'fill' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
      const ref = { data: expected.data, width: expected.info.width }
      for (const [fx, fy] of [
        [0.25, 0.25],
        [0.5, 0.5],
        [0.75, 0.6],
        [0.2, 0.8],
      ] as const) {
        const x = Math.floor(thumb.width * fx)
        const y = Math.floor(thumb.height * fy)
        const a = pixel(thumb, x, y)
        const b = pixel(ref, x, y)
        for (let c = 0; c < 3; c++) expect(Math.abs(a[c]! - b[c]!)).toBeLessThanOrEqual(24)
      }

      // Again: from memory; then a new service (a restarted core) finds it on disk.
      proxy.resetCounters()
      expect((await first.thumbnails(null, [largest.key]))[largest.key]).toBe(got[largest.key])
      expect((await browse().thumbnails(null, [largest.key]))[largest.key]).toBe(got[largest.key])
      expect(gets()).toEqual([])
      expect(fs.readdirSync(path.join(dataDir, 'browse-thumbnails'))).toHaveLength(1)
    } finally {
      await engine.close()
    }
  }, 120_000)

  it('an orphan image gets one from itself when small; text and big orphans get none', async () => {
    const dataDir = path.join(work, 'data-orphans')
    const config: S3DestinationConfig = s3Config(s3, { endpoint: proxy.url })
    const put = (key: string, body: Buffer | string) =>
      s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }))
    const red = await sharp({
      create: { width: 300, height: 150, channels: 3, background: { r: 220, g: 20, b: 30 } },
    })
      .png()
      .toBuffer()
    const small = `${s3.prefix}/00000000000000c1/red.png`
    const text = `${s3.prefix}/00000000000000c2/notes.txt`
    const big = `${s3.prefix}/00000000000000c3/huge.jpg`
    await put(small, red)
    await put(text, 'not a picture')
    await put(big, Buffer.alloc(5 * 1024 * 1024, 7))
    const engine = createEngine({ dataDir })
    try {
      const browse = new BrowseService({
        ledger: () => engine.ledger,
        dataDir,
        resolve: () => config,
        ledgerIdOf,
        configOfLedgerId: () => config,
      })
      proxy.resetCounters()
      const got = await browse.thumbnails(null, [small, text, big])
      const thumb = await decode(got[small])
      expect([thumb.width, thumb.height]).toEqual([96, 48])
      const [r, g, b] = pixel(thumb, 48, 24)
      expect(r).toBeGreaterThan(180)
      expect(g).toBeLessThan(60)
      expect(b).toBeLessThan(70)
      expect(got[text]).toBeNull()
      expect(got[big]).toBeNull()
      // A text object is not even read.
      expect(gets().some((u) => u.includes('notes.txt'))).toBe(false)
    } finally {
      await engine.close()
    }
  }, 60_000)
})
