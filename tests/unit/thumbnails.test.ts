// The queue's previews go by the file's bytes, never its name: an SVG named `.png` is sanitised
// and drawn by the renderer process (librsvg reading it by path would pull in files beside it),
// a text file named `.jpg` gets no preview, and a real `.svg` gets one.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Thumbnails } from '../../src/core/thumbnails'
import { CORPUS } from '../helpers/fixtures'

let dir: string
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-thumbs-'))
  // The private file an SVG tries to draw: solid red, beside it.
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } })
    .png()
    .toFile(path.join(dir, 'private.png'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

async function pixels(url: string): Promise<{ data: Buffer; width: number; height: number }> {
  const webp = Buffer.from(url.replace(/^data:image\/webp;base64,/, ''), 'base64')
  const { data, info } = await sharp(webp).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

function redShare(data: Buffer): number {
  let red = 0
  for (let i = 0; i < data.length; i += 4)
    if (data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60 && data[i + 3]! > 128) red++
  return red / (data.length / 4)
}

describe('queue previews', () => {
  it('an SVG named .png is sanitised: the file it references is not drawn', async () => {
    const file = path.join(dir, 'drawing.png')
    fs.writeFileSync(
      file,
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' +
        '<image href="private.png" width="64" height="64"/>' +
        '<rect x="8" y="8" width="48" height="48" fill="#00f" fill-opacity="0.2"/></svg>',
    )
    const url = await new Thumbnails().get('a', file)
    expect(url).toMatch(/^data:image\/webp;base64,/)
    const { data, width } = await pixels(url!)
    expect(width).toBe(96)
    expect(redShare(data)).toBe(0)
  })

  it('a real .svg gets a preview; a text file named .jpg gets none', async () => {
    const thumbs = new Thumbnails()
    const svg = await thumbs.get('svg', path.join(CORPUS, 'sharp__circle.svg'))
    expect(svg).not.toBeNull()
    expect((await pixels(svg!)).width).toBe(96)
    const text = path.join(dir, 'notes.jpg')
    fs.writeFileSync(text, 'not a picture\n')
    expect(await thumbs.get('text', text)).toBeNull()
    const photo = await thumbs.get('photo', path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg'))
    expect((await pixels(photo!)).height).toBe(96)
  })
})
