// sharp cannot attach an input ICC profile to raw pixels, and the WASM HEIF decoder returns raw
// RGBA in the photo's own colour space (Display P3 on iPhones). Wrapping the pixels in a minimal
// uncompressed TIFF that carries the profile lets libvips convert them to sRGB like any other
// tagged image. Only a header is built; the pixels are copied once.

const TYPE_SHORT = 3
const TYPE_LONG = 4
const TYPE_UNDEFINED = 7

/** Uncompressed 8-bit RGBA TIFF (little-endian) with an embedded ICC profile. */
export function rgbaTiffWithIcc(rgba: Buffer, width: number, height: number, icc: Buffer): Buffer {
  const entries: [tag: number, type: number, count: number, value: number][] = []
  const ifdOffset = 8
  const entryCount = 12
  const ifdSize = 2 + entryCount * 12 + 4
  const bitsOffset = ifdOffset + ifdSize
  const iccOffset = bitsOffset + 8
  const pixelOffset = iccOffset + icc.length + (icc.length % 2) // word-aligned
  entries.push(
    [256, TYPE_LONG, 1, width],
    [257, TYPE_LONG, 1, height],
    [258, TYPE_SHORT, 4, bitsOffset], // BitsPerSample 8,8,8,8
    [259, TYPE_SHORT, 1, 1], // no compression
    [262, TYPE_SHORT, 1, 2], // RGB
    [273, TYPE_LONG, 1, pixelOffset],
    [277, TYPE_SHORT, 1, 4],
    [278, TYPE_LONG, 1, height], // one strip
    [279, TYPE_LONG, 1, rgba.length],
    [284, TYPE_SHORT, 1, 1], // chunky
    [338, TYPE_SHORT, 1, 2], // unassociated alpha
    [34675, TYPE_UNDEFINED, icc.length, iccOffset],
  )
  const header = Buffer.alloc(pixelOffset)
  header.write('II', 0, 'latin1')
  header.writeUInt16LE(42, 2)
  header.writeUInt32LE(ifdOffset, 4)
  header.writeUInt16LE(entryCount, ifdOffset)
  entries.forEach(([tag, type, count, value], i) => {
    const o = ifdOffset + 2 + i * 12
    header.writeUInt16LE(tag, o)
    header.writeUInt16LE(type, o + 2)
    header.writeUInt32LE(count, o + 4)
    // Single SHORT values sit left-justified in the 4-byte field.
    if (type === TYPE_SHORT && count === 1) header.writeUInt16LE(value, o + 8)
    else header.writeUInt32LE(value, o + 8)
  })
  header.writeUInt32LE(0, ifdOffset + 2 + entryCount * 12) // no next IFD
  for (let i = 0; i < 4; i++) header.writeUInt16LE(8, bitsOffset + i * 2)
  icc.copy(header, iccOffset)
  return Buffer.concat([header, rgba])
}
