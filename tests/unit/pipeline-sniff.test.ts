import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { makeOutputs, snapshotSource, sniffBytes, WEB_PRESET } from '../../src/engine/pipeline'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-sniff-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const SVG =
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="4" height="2" fill="#0000ff"/></svg>'

function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le')
  if (order === 'le') return Buffer.concat([Buffer.from([0xff, 0xfe]), le])
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()])
}

describe('UTF-16 text', () => {
  it('sniffs a UTF-16 SVG (either byte order) as SVG and plain UTF-16 text as text', () => {
    for (const order of ['le', 'be'] as const) {
      expect(sniffBytes(utf16(SVG, order), 'icon.svg')).toEqual({
        kind: 'image',
        format: 'svg',
        mime: 'image/svg+xml',
        ext: 'svg',
      })
      expect(sniffBytes(utf16('hello, world\n', order), 'a.txt')).toMatchObject({
        kind: 'other',
        mime: 'text/plain; charset=utf-16',
      })
    }
    // A head cut in the middle of a code unit still sniffs.
    expect(sniffBytes(utf16(SVG, 'le').subarray(0, 61), 'icon.svg').format).toBe('svg')
  })

  it('rasterises a UTF-16LE SVG file', async () => {
    const src = path.join(work, 'icon.svg')
    fs.writeFileSync(src, utf16(SVG, 'le'))
    const snap = await snapshotSource(src, { stagingDir: work, maxFileBytes: 1e6 })
    const outs = await makeOutputs(snap, {
      displayName: 'icon.svg',
      preset: WEB_PRESET,
      stagingDir: work,
      limitInputPixels: 268_402_689,
    })
    const full = outs.find((o) => o.variant === 'full')!
    expect([full.width, full.height]).toEqual([2048, 1024])
    const px = await sharp(full.path).removeAlpha().raw().toBuffer()
    expect([px[0]! < 16, px[1]! < 16, px[2]! > 240]).toEqual([true, true, true])
  })
})
