// S3's multipart rules, written down once, and the part plan that follows from them.

const MiB = 1024 * 1024

/** S3: every part but the last must be at least 5 MiB (EntityTooSmall at complete otherwise). */
export const S3_MIN_PART_SIZE = 5 * MiB
/** S3: a part may be at most 5 GiB. */
export const S3_MAX_PART_SIZE = 5 * 1024 * MiB
/** S3: part numbers run from 1 to 10,000. */
export const S3_MAX_PARTS = 10_000
/** S3: a single PutObject may carry at most 5 GiB; an object at most 5 TiB (multipart). */
export const S3_MAX_PUT_SIZE = 5 * 1024 * MiB
export const S3_MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB

/**
 * Our smallest part. Above S3's 5 MiB so any store with a stricter floor (some want 8 MiB)
 * accepts it, and small enough that a killed upload re-sends little.
 */
export const DEFAULT_PART_SIZE = 8 * MiB
/**
 * Objects up to this size go in one PutObject. A single request cannot resume, so this also
 * bounds what a crash can make us send twice.
 */
export const SINGLE_PUT_MAX = 16 * MiB
/**
 * Bytes a destination keeps in flight (read into memory and on the wire) across all its uploads:
 * bounds memory and what a kill makes us send again (4 parts of 8 MiB).
 */
export const MAX_IN_FLIGHT_BYTES = 32 * MiB

/**
 * The part size for an object: DEFAULT_PART_SIZE, grown (in whole MiB) until the object fits in
 * 10,000 parts. Every part but the last has this size: Cloudflare R2 requires equal parts.
 */
export function choosePartSize(size: number): number {
  const needed = Math.ceil(size / S3_MAX_PARTS)
  const grown = Math.ceil(needed / MiB) * MiB
  return Math.min(S3_MAX_PART_SIZE, Math.max(DEFAULT_PART_SIZE, grown))
}

export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize))
}

/** Byte range [start, end) of a 1-based part. */
export function partRange(
  size: number,
  partSize: number,
  partNumber: number,
): { start: number; end: number } {
  const start = (partNumber - 1) * partSize
  return { start, end: Math.min(size, start + partSize) }
}

/** Parts of this size can be in flight at once for one upload without passing the byte budget. */
export function partsInFlight(partSize: number, wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(MAX_IN_FLIGHT_BYTES / partSize)))
}
