// Every failure leaves the pipeline as an UpshotError with one plain sentence: no stack traces,
// no libvips text. The raw error stays attached as `cause` for logs.

import { UpshotError } from '../../shared/jobs'
import { tooSlow } from './limits'

export function canceled(): UpshotError {
  return new UpshotError('CANCELED', 'The job was stopped before this file was processed.')
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw canceled()
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Errors from reading the source file. */
export function sourceError(err: unknown): UpshotError {
  if (err instanceof UpshotError) return err
  const code = errnoOf(err)
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
      return new UpshotError(
        'NOT_FOUND',
        'The file does not exist (it was moved, deleted, or is a broken link); check the path.',
        { cause: err },
      )
    case 'EACCES':
    case 'EPERM':
      return new UpshotError(
        'UNREADABLE',
        'Permission to read this file was denied; check its permissions and try again.',
        { cause: err },
      )
    case 'EISDIR':
      return new UpshotError('UNREADABLE', 'This path is a folder, not a file; pick the file.', {
        cause: err,
      })
    case 'ENOSPC':
      return diskFull(err)
    case 'EMFILE':
    case 'ENFILE':
    case 'EBUSY':
    case 'EAGAIN':
      return new UpshotError(
        'UNREADABLE',
        'The file could not be opened right now (the system is busy); it will be tried again.',
        { cause: err, retryable: true },
      )
    default:
      return new UpshotError(
        'UNREADABLE',
        `The disk reported an error while reading this file (${code ?? 'unknown error'}); check the drive and try again.`,
        { cause: err },
      )
  }
}

export function diskFull(cause?: unknown): UpshotError {
  return new UpshotError(
    'DISK_FULL',
    'The disk holding the staging folder (in the data directory, or UPSHOT_STAGING_DIR) is full; free some space and resume.',
    { cause },
  )
}

/** Errors from writing staged outputs. */
export function stagingError(err: unknown): UpshotError {
  if (err instanceof UpshotError) return err
  const code = errnoOf(err)
  if (code === 'ENOSPC' || code === 'EDQUOT') return diskFull(err)
  return new UpshotError(
    'INTERNAL',
    `Upshot could not write its working copy of this file (${code ?? 'unknown error'}); check the data directory.`,
    { cause: err },
  )
}

export function corruptImage(cause?: unknown): UpshotError {
  return new UpshotError(
    'CORRUPT_IMAGE',
    'The image data is damaged or incomplete (perhaps a truncated copy); export or copy it again.',
    { cause },
  )
}

export function unsupportedImage(what: string, cause?: unknown): UpshotError {
  return new UpshotError(
    'UNSUPPORTED_FORMAT',
    `This ${what} image uses a variant Upshot cannot decode; convert it to JPEG or PNG and try again.`,
    { cause },
  )
}

/**
 * Errors raised by sharp/libvips while reading or decoding; `what` names the format for users,
 * `seconds` is the time limit the pipeline ran under.
 */
export function decodeError(
  err: unknown,
  what: string,
  seconds?: number,
  elapsedMs?: number,
): UpshotError {
  if (err instanceof UpshotError) return err
  const code = errnoOf(err)
  if (code === 'ENOSPC') return diskFull(err)
  const msg = err instanceof Error ? err.message : String(err)
  // sharp's timeout: "timeout: 94% complete". On a busy machine libvips may be killed before it
  // writes that line and sharp says only "Unknown error": a failure once the limit has passed is
  // the limit's doing, not damaged data.
  if (/^timeout: \d+% complete/m.test(msg) || /VipsImage: killed for image/.test(msg)) {
    return tooSlow(seconds ?? 0, err)
  }
  if (seconds !== undefined && elapsedMs !== undefined && elapsedMs >= seconds * 1000) {
    return tooSlow(seconds, err)
  }
  if (/excessive depth|referenced elements|loaded elements|instancing limit/i.test(msg))
    return new UpshotError(
      'SVG_TOO_COMPLEX',
      'This SVG nests or reuses its shapes deeper than the renderer allows; simplify it or export it as PNG.',
      { cause: err },
    )
  if (/pixel limit/i.test(msg))
    return new UpshotError(
      'PIXEL_LIMIT',
      'The image has more pixels than the configured limit; resize it or raise the pixel limit.',
      { cause: err },
    )
  if (/unsupported image format|no decoder|not supported|unsupported (codec|feature)/i.test(msg))
    return unsupportedImage(what, err)
  if (/too large for the (webp|heif|avif|jpeg|png)/i.test(msg))
    return new UpshotError(
      'UNSUPPORTED_FORMAT',
      'The image is too large for the output format; resize it or pick another preset.',
      { cause: err },
    )
  return corruptImage(err)
}
