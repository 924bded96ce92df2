// The peers' outputs of one photo at nominal quality 80: ImageMagick (one convert, the four
// variants from one decode, as bench/lib/imagemagick.mjs runs it) and libvips' own
// `vipsthumbnail` (one run per variant; `vips copy` for the full size, which vipsthumbnail
// cannot leave unscaled).
import fs from 'node:fs'
import path from 'node:path'
import { variantArgs } from '../imagemagick.mjs'
import { IMAGEMAGICK } from '../machine.mjs'
import { runOk, which } from '../proc.mjs'

export const VIPSTHUMBNAIL = which(['vipsthumbnail'])
export const VIPS = which(['vips'])

/** Files per variant: { thumb: file, ... } and the CPU seconds the processes used. */
export async function imagemagickVariants(src, outDir) {
  if (!IMAGEMAGICK) throw new Error('ImageMagick (convert-im6.q16) is not installed')
  fs.mkdirSync(outDir, { recursive: true })
  const r = await runOk(IMAGEMAGICK, variantArgs(src, outDir))
  return { files: filesOf(src, outDir), cpuSeconds: r.cpuSeconds }
}

/** The vipsthumbnail commands for one photo: [[cmd, args], ...], one per variant. */
export function vipsCommands(src, outDir) {
  const base = path.basename(src).replace(/\.[^.]+$/, '')
  const out = (v) => path.join(outDir, `${base}-${v}.webp[Q=80,strip]`)
  return [
    [VIPSTHUMBNAIL, [src, '--size', '320x180', '--smartcrop', 'attention', '-o', out('thumb')]],
    [VIPSTHUMBNAIL, [src, '--size', '640x360', '--smartcrop', 'attention', '-o', out('preview')]],
    [VIPSTHUMBNAIL, [src, '--size', '1280x720>', '-o', out('overlay')]],
    // vips copy keeps the EXIF orientation tag but not the rotation: autorot first.
    [VIPS, ['autorot', src, out('full')]],
  ]
}

export async function vipsVariants(src, outDir) {
  if (!VIPSTHUMBNAIL || !VIPS) throw new Error('libvips-tools (vipsthumbnail) is not installed')
  fs.mkdirSync(outDir, { recursive: true })
  let cpu = 0
  for (const [cmd, args] of vipsCommands(src, outDir)) cpu += (await runOk(cmd, args)).cpuSeconds
  return { files: filesOf(src, outDir), cpuSeconds: cpu }
}

function filesOf(src, outDir) {
  const base = path.basename(src).replace(/\.[^.]+$/, '')
  const files = {}
  for (const v of ['thumb', 'preview', 'overlay', 'full']) {
    files[v] = path.join(outDir, `${base}-${v}.webp`)
    if (!fs.existsSync(files[v])) throw new Error(`no ${v} variant for ${base}`)
  }
  return files
}

/**
 * Bytes of a WebP file without its metadata chunks (EXIF, XMP, ICCP). libvips 8.14's webpsave
 * keeps EXIF and XMP even with `strip`, so vipsthumbnail's files are counted without them; the
 * other tools write none, so for them this is the file size.
 */
export function webpImageBytes(buf) {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF') return buf.length
  let bytes = buf.length
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4)
    const size = buf.readUInt32LE(at + 4)
    const padded = 8 + size + (size & 1)
    if (id === 'EXIF' || id === 'XMP ' || id === 'ICCP') bytes -= padded
    at += padded
  }
  return bytes
}
