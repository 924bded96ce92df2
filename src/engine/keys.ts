// Object keys: content-addressed, so an object never changes once written and can be cached forever.

const MAX_NAME_CHARS = 80
/**
 * A key's last segment is the name plus `-{variant}-{tag}.{ext}` (up to ~61 bytes), and a local
 * folder writes a temp file beside it (25 bytes more): 160 bytes of name keep that under the
 * 255-byte file name limit of ext4 and APFS (and NTFS's 255 UTF-16 units, never more than the
 * bytes). Counting characters let a CJK or emoji name reach 320 bytes.
 */
export const MAX_NAME_BYTES = 160

/**
 * Windows device names: `CON`, `nul.txt`, `COM1.tar.gz` name the device, not a file, whatever
 * the extension, so a bucket mirrored to a Windows disk (or a local destination there) could
 * not hold them. Superscript digits count too.
 */
const RESERVED_DEVICE =
  /^(con|prn|aux|nul|conin\$|conout\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * A file name made safe for a key while staying recognisable: Unicode letters and emoji kept
 * (links percent-encode them), but path separators, `..`, control characters and the characters
 * S3 and CDNs handle badly (`#?%{}^[]<>|~"*:`) become '-'; at most 80 characters and 160 UTF-8
 * bytes, cut between graphemes. The original name is kept in metadata.
 */
export function sanitizeName(name: string): string {
  let s = name.normalize('NFC')
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
  s = s.replace(/[\s/\\#?%{}^[\]<>|~"*:`'&+=;,@$!]+/gu, '-')
  s = s.replace(/\.{2,}/g, '.')
  s = s.replace(/-{2,}/g, '-')
  s = s.replace(/^[-.]+|[-.]+$/g, '')
  s = truncateName(s, MAX_NAME_CHARS, MAX_NAME_BYTES).replace(/[-.]+$/, '')
  return s || 'file'
}

/** The longest start of `s` within both limits (code points, UTF-8 bytes), whole graphemes only. */
export function truncateName(s: string, maxChars: number, maxBytes: number): string {
  // UTF-16 units are at least the code points: within both, nothing to cut.
  if (s.length <= maxChars && Buffer.byteLength(s) <= maxBytes) return s
  let out = ''
  let bytes = 0
  let chars = 0
  for (const { segment } of graphemes.segment(s)) {
    const b = Buffer.byteLength(segment)
    const c = Array.from(segment).length
    if (bytes + b > maxBytes || chars + c > maxChars) break
    out += segment
    bytes += b
    chars += c
  }
  if (out !== '') return out
  // One grapheme longer than the limit (a letter under hundreds of combining marks): by code point.
  for (const cp of s) {
    const b = Buffer.byteLength(cp)
    if (bytes + b > maxBytes || chars + 1 > maxChars) break
    out += cp
    bytes += b
    chars++
  }
  return out
}

/** `CON.txt` -> `CON_.txt`: the part before the first dot is what Windows compares. */
function withoutDeviceName(s: string): string {
  const dot = s.indexOf('.')
  const head = dot === -1 ? s : s.slice(0, dot)
  return RESERVED_DEVICE.test(head) ? `${head}_${s.slice(head.length)}` : s
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
 * Extensions a web server serves as inert text or a download whatever its configuration: a file
 * Upshot keeps as it is is named with one of these, or with what its bytes show it to be.
 */
const INERT_TEXT_EXTS = new Set(
  'txt md markdown csv tsv log ini cfg conf yaml yml toml srt vtt sub rst tex bib diff patch'.split(
    ' ',
  ),
)
const INERT_BINARY_EXTS = new Set(
  [
    // camera raw files libvips does not read (the TIFF-based ones are decoded as images)
    'raf orf rw2 pef srw x3f 3fr iiq mrw erf kdc dcr mos nrw crw nef arw dng sr2 srf',
    // documents, fonts and media without a signature the sniffer knows
    'doc xls ppt msg rtf pages key numbers indd ai eps ttf eot aac aiff aif amr mid midi wma',
    'wmv flv mpg mpeg m2ts mts vob',
    'bin dat iso img dmg',
  ]
    .join(' ')
    .split(' '),
)

/**
 * The extension of an object kept as it is (variant `original`). A folder served by a web
 * server decides from the extension what a file is: `page.html` would run its scripts there,
 * `shell.php` might run on the server. So the extension comes from the sniffed type when the
 * bytes tell one (pdf, zip, mp4...); otherwise the source's own only when it is inert, else `txt`
 * for text (HTML and XML included) and `bin` for the rest.
 */
export function originalExt(sniffedExt: string, format: string, sourceExt: string): string {
  if (sniffedExt) return sniffedExt
  const src = sanitizeExt(sourceExt)
  const text = format === 'text' || format === 'html' || format === 'xml'
  if (text) return INERT_TEXT_EXTS.has(src) ? src : 'txt'
  return INERT_BINARY_EXTS.has(src) ? src : 'bin'
}

/**
 * `{prefix}/{hash16}/{name}-{variant}.{ext}`; the `original` variant keeps the bare name, with
 * its dots made dashes: Apache runs `shell.php.txt` as PHP when `.php` has a handler.
 * 16 hex characters (64 bits) of the source hash make collisions across a bucket negligible.
 */
export function buildKey(p: KeyParts): string {
  const name = sanitizeName(p.stem)
  const ext = sanitizeExt(p.ext)
  const base = p.variant === 'original' ? name.replace(/\./g, '-') : `${name}-${p.variant}`
  const file =
    (p.tag && p.variant !== 'original' ? `${base}-${p.tag}` : base) + (ext ? `.${ext}` : '')
  const prefix = normalizePrefix(p.prefix)
  return `${prefix ? prefix + '/' : ''}${p.sha256.slice(0, 16)}/${withoutDeviceName(file)}`
}

/**
 * `/a//b/` -> `a/b`, `a\b` -> `a/b`: both separators split (a prefix typed on Windows, or one
 * meant to climb with `..\..`), segments `.` and `..` are dropped so a prefix never climbs,
 * trailing dots and spaces go (Windows drops them, so `a.` and `a` would be one folder there),
 * and a Windows device name gets a `_`.
 */
export function normalizePrefix(prefix: string): string {
  return prefix
    .split(/[/\\]/)
    .map((seg) => seg.trim().replace(/[. ]+$/, ''))
    .filter((seg) => seg !== '')
    .map(withoutDeviceName)
    .join('/')
}
