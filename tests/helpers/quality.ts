// Perceived difference for the encoder tests: DSSIM (1/SSIM - 1 from ssim.js, luma, no
// downsampling) of a variant against the reference the benchmarks use (bench/lib/quality/): the
// source decoded in full, upright, resized with lanczos3 to the variant's size, and for cropped
// variants the window of that resize the variant shows.
import sharp from 'sharp'
import { ssim } from 'ssim.js'

export interface Rgb {
  data: Buffer
  width: number
  height: number
}

export async function decodeRgb(input: string | Buffer): Promise<Rgb> {
  const { data, info } = await sharp(input, { autoOrient: true })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

async function resizeRgb(img: Rgb, width: number, height: number): Promise<Rgb> {
  if (img.width === width && img.height === height) return img
  const { data, info } = await sharp(img.data, {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

function crop(img: Rgb, left: number, top: number, width: number, height: number): Rgb {
  const data = Buffer.allocUnsafe(width * height * 3)
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3
    img.data.copy(data, y * width * 3, from, from + width * 3)
  }
  return { data, width, height }
}

/** The reference for `out` (a cover crop when `cover`), made from the full decode `src`. */
export async function referenceFor(src: Rgb, out: Rgb, cover: boolean): Promise<Rgb> {
  if (!cover) return resizeRgb(src, out.width, out.height)
  const scale = Math.max(out.width / src.width, out.height / src.height)
  const big = await resizeRgb(
    src,
    Math.max(out.width, Math.round(src.width * scale)),
    Math.max(out.height, Math.round(src.height * scale)),
  )
  const alongX = big.width > out.width
  const range = alongX ? big.width - out.width : big.height - out.height
  let best = { sad: Infinity, off: 0 }
  for (let off = 0; off <= range; off++) {
    let sad = 0
    for (let y = 0; y < out.height && sad < best.sad; y += 2) {
      for (let x = 0; x < out.width; x += 2) {
        const a = (y * out.width + x) * 3
        const b = ((y + (alongX ? 0 : off)) * big.width + x + (alongX ? off : 0)) * 3
        sad += Math.abs(out.data[a] - big.data[b]) + Math.abs(out.data[a + 1] - big.data[b + 1])
      }
    }
    if (sad < best.sad) best = { sad, off }
  }
  return alongX
    ? crop(big, best.off, 0, out.width, out.height)
    : crop(big, 0, best.off, out.width, out.height)
}

/**
 * DSSIM over the whole picture up to 512 x 512, else over its central 512 x 512 window (SSIM in
 * JavaScript is slow: a few seconds per megapixel).
 */
export function dssim(ref: Rgb, out: Rgb): number {
  if (ref.width > 512 || ref.height > 512) {
    const [w, h] = [Math.min(512, ref.width), Math.min(512, ref.height)]
    const [left, top] = [Math.floor((ref.width - w) / 2), Math.floor((ref.height - h) / 2)]
    return dssimOf(crop(ref, left, top, w, h), crop(out, left, top, w, h))
  }
  return dssimOf(ref, out)
}

function dssimOf(ref: Rgb, out: Rgb): number {
  const rgba = (img: Rgb): { data: Uint8ClampedArray; width: number; height: number } => {
    const data = new Uint8ClampedArray(img.width * img.height * 4)
    for (let i = 0, j = 0; i < img.data.length; i += 3, j += 4) {
      data[j] = img.data[i]
      data[j + 1] = img.data[i + 1]
      data[j + 2] = img.data[i + 2]
      data[j + 3] = 255
    }
    return { data, width: img.width, height: img.height }
  }
  return 1 / ssim(rgba(ref), rgba(out), { downsample: false }).mssim - 1
}
