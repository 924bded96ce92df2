// The peer for variants: ImageMagick 6 making the `web` preset's four WebP variants of one photo
// in one convert process (decoded once, +clone per variant), like a careful shell script would.
import fs from 'node:fs'
import path from 'node:path'
import { IMAGEMAGICK } from './machine.mjs'
import { pool, runOk } from './proc.mjs'

export const VARIANTS = ['thumb', 'preview', 'overlay', 'full']

export function variantArgs(src, outDir) {
  const base = path.basename(src).replace(/\.[^.]+$/, '')
  const out = (v) => path.join(outDir, `${base}-${v}.webp`)
  return [
    src,
    '-auto-orient',
    '-strip',
    '-quality',
    '80',
    ...['(', '+clone', '-resize', '320x180^', '-gravity', 'center', '-extent', '320x180'],
    ...['-write', out('thumb'), '+delete', ')'],
    ...['(', '+clone', '-resize', '640x360^', '-gravity', 'center', '-extent', '640x360'],
    ...['-write', out('preview'), '+delete', ')'],
    ...['(', '+clone', '-resize', '1280x720>', '-write', out('overlay'), '+delete', ')'],
    out('full'),
  ]
}

/**
 * ImageMagick making the cover variants on given windows (`{ thumb: { width, height, left,
 * top } }`: the scaled size and the offset in it) instead of its centre crop: the same pixels
 * another tool's attention crop shows, so the two encodes can be compared like for like.
 */
export function windowArgs(src, outDir, windows) {
  // windows: { [variant]: { width, height, left, top, outWidth, outHeight } }
  const base = path.basename(src).replace(/\.[^.]+$/, '')
  const args = [src, '-auto-orient', '-strip', '-quality', '80']
  for (const [v, w] of Object.entries(windows)) {
    const [tw, th] = [w.outWidth, w.outHeight]
    args.push('(', '+clone', '-resize', `${w.width}x${w.height}!`)
    args.push('-crop', `${tw}x${th}+${w.left}+${w.top}`, '+repage')
    args.push('-write', path.join(outDir, `${base}-${v}.webp`), '+delete', ')')
  }
  args.push('null:')
  return args
}

/** The shell line one photo takes, for the report. */
export function commandLine() {
  const args = variantArgs('IN.jpg', 'out').map((a) =>
    /[()^>]/.test(a) ? `'${a}'` : a.replace('out/IN-', 'out/'),
  )
  return `${path.basename(IMAGEMAGICK ?? 'convert')} ${args.join(' ')}`
}

/**
 * Converts every file, `width` convert processes at once (1: a plain loop; nproc: xargs -P).
 * Returns the CPU seconds all of them used.
 */
export async function convertAll(files, outDir, width) {
  if (!IMAGEMAGICK) throw new Error('ImageMagick (convert-im6.q16) is not installed')
  fs.mkdirSync(outDir, { recursive: true })
  const runs = await pool(
    files.map((f) => () => runOk(IMAGEMAGICK, variantArgs(f, outDir))),
    width,
  )
  return runs.reduce((sum, r) => sum + (r.cpuSeconds ?? NaN), 0)
}
