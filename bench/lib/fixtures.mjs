// Inputs for the benchmarks, made once per run in a scratch folder: random files, the real photos
// (and distinct copies of them), and a 50 MP photo.
import { randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** A file of `size` random (incompressible) bytes. */
export function randomFile(file, size) {
  const chunk = Buffer.allocUnsafe(8 * 1024 * 1024)
  const fd = fs.openSync(file, 'w')
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(chunk.length, size - done)
      randomFillSync(chunk, 0, n)
      fs.writeSync(fd, chunk, 0, n)
      done += n
    }
  } finally {
    fs.closeSync(fd)
  }
  return file
}

export function randomFiles(dir, count, size) {
  fs.mkdirSync(dir, { recursive: true })
  for (let i = 0; i < count; i++) {
    randomFile(path.join(dir, `file-${String(i).padStart(4, '0')}.bin`), size)
  }
  return dir
}

/**
 * The photos the variant benchmarks use: every JPEG in corpus/bench plus the corpus's own JPEGs of
 * at least 2 MP, all of them decoding cleanly (the truncated fixture is left out).
 */
export async function selectPhotos(corpus) {
  const sharp = require('sharp')
  const candidates = [
    ...listJpegs(path.join(corpus, 'bench')).map((file) => ({ file, minPixels: 0 })),
    ...listJpegs(corpus).map((file) => ({ file, minPixels: 2_000_000 })),
  ]
  const photos = []
  for (const { file, minPixels } of candidates) {
    try {
      const meta = await sharp(file).metadata()
      if ((meta.width ?? 0) * (meta.height ?? 0) < minPixels) continue
      // A full decode (shrunk on load) with failOn error: truncated or damaged files drop out.
      await sharp(file, { failOn: 'error' }).resize(64).toBuffer()
      photos.push({ file, width: meta.width, height: meta.height, bytes: fs.statSync(file).size })
    } catch {
      // not a usable photo for a speed benchmark
    }
  }
  return photos
}

function listJpegs(dir) {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((n) => /\.jpe?g$/i.test(n))
    .sort()
    .map((n) => path.join(dir, n))
}

/**
 * `count` copies of the photos under distinct names and with distinct bytes: a JPEG comment
 * (COM segment) right after SOI makes each copy's SHA-256 unique, so Upshot cannot deduplicate
 * them, while the pixels stay those of the real photo.
 */
export function distinctCopies(photos, count, dir) {
  fs.mkdirSync(dir, { recursive: true })
  const files = []
  for (let i = 0; i < count; i++) {
    const src = photos[i % photos.length].file
    const bytes = fs.readFileSync(src)
    const text = Buffer.from(`upshot-bench copy ${i}`, 'latin1')
    const com = Buffer.alloc(4)
    com.writeUInt16BE(0xfffe, 0)
    com.writeUInt16BE(text.length + 2, 2)
    const out = path.join(
      dir,
      `p${String(i).padStart(4, '0')}-${path.basename(src).replace(/^exif-samples__/, '')}`,
    )
    fs.writeFileSync(out, Buffer.concat([bytes.subarray(0, 2), com, text, bytes.subarray(2)]))
    files.push(out)
  }
  return files
}

/**
 * A 50 MP JPEG made from the real photo with the most bytes (the most detail), upscaled with
 * lanczos3 and sharpened: real texture, not a flat colour.
 */
export async function photo50mp(photos, file) {
  const sharp = require('sharp')
  const richest = [...photos].sort((a, b) => b.bytes - a.bytes)[0]
  const meta = await sharp(richest.file).metadata()
  const upright = (meta.orientation ?? 1) >= 5
  const [sw, sh] = upright ? [richest.height, richest.width] : [richest.width, richest.height]
  const scale = Math.sqrt(50_000_000 / (sw * sh))
  const w = Math.round(sw * scale)
  const h = Math.round(sh * scale)
  await sharp(richest.file)
    .rotate()
    .resize(w, h, { kernel: 'lanczos3' })
    .sharpen()
    .jpeg({ quality: 92 })
    .toFile(file)
  return { file, width: w, height: h, source: path.basename(richest.file) }
}
