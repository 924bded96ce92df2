// Object keys: content-addressed, so an object never changes once written and can be cached forever.

const MAX_NAME_CHARS = 80

/**
 * A file name made safe for a key while staying recognisable: Unicode letters and emoji kept
 * (links percent-encode them), but path separators, `..`, control characters and the characters
 * S3 and CDNs handle badly (`#?%\{}^[]<>|~"*:`) become '-'. The original name is kept in metadata.
 */
export function sanitizeName(name: string): string {
  let s = name.normalize('NFC')
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
  s = s.replace(/[\s/\\#?%{}^[\]<>|~"*:`'&+=;,@$!]+/gu, '-')
  s = s.replace(/\.{2,}/g, '.')
  s = s.replace(/-{2,}/g, '-')
  s = s.replace(/^[-.]+|[-.]+$/g, '')
  const chars = Array.from(s)
  if (chars.length > MAX_NAME_CHARS)
    s = chars
      .slice(0, MAX_NAME_CHARS)
      .join('')
      .replace(/[-.]+$/, '')
  return s || 'file'
}

/** Splits `photo.final.JPG` into `photo.final` and `jpg`; hidden-style names keep their dot. */
export function splitExt(fileName: string): { stem: string; ext: string } {
  const dot = fileName.lastIndexOf('.')
  if (dot <= 0 || dot === fileName.length - 1) return { stem: fileName, ext: '' }
  return { stem: fileName.slice(0, dot), ext: fileName.slice(dot + 1).toLowerCase() }
}

export function sanitizeExt(ext: string): string {
  return ext
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 10)
}

export interface KeyParts {
  prefix: string
  sha256: string
  /** The source's base name without extension. */
  stem: string
  variant: string
  ext: string
  /** A custom or watermarked preset's tag (see presetKeyTag): `{name}-{variant}-{tag}`. */
  tag?: string
}

/**
 * `{prefix}/{hash16}/{name}-{variant}.{ext}`; the `original` variant keeps the bare name.
 * 16 hex characters (64 bits) of the source hash make collisions across a bucket negligible.
 */
export function buildKey(p: KeyParts): string {
  const name = sanitizeName(p.stem)
  const ext = sanitizeExt(p.ext)
  const base = p.variant === 'original' ? name : `${name}-${p.variant}`
  const file =
    (p.tag && p.variant !== 'original' ? `${base}-${p.tag}` : base) + (ext ? `.${ext}` : '')
  const prefix = normalizePrefix(p.prefix)
  return `${prefix ? prefix + '/' : ''}${p.sha256.slice(0, 16)}/${file}`
}

/** `/a//b/` -> `a/b`; segments `.` and `..` are dropped so a prefix never climbs. */
export function normalizePrefix(prefix: string): string {
  return prefix
    .split('/')
    .map((seg) => seg.trim())
    .filter((seg) => seg !== '' && seg !== '.' && seg !== '..')
    .join('/')
}
