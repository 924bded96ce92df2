// SVG is a document, not pixels: it can carry scripts and pull in other files. librsvg may read
// local files through href/url() references and XInclude, which would bake the user's private
// files into a published image. So before librsvg sees an SVG, it is rewritten from an allowlist
// point of view: any reference that is not a local `#fragment` or an inline raster `data:` image
// is removed, and so are scripts, foreign content, doctypes (entities) and processing
// instructions. Markup this tokenizer cannot follow is refused (CORRUPT_IMAGE), and CSS it
// cannot judge too (UNSAFE_SVG), rather than guessed.

import { UpshotError } from '../../shared/jobs'
import { dataUrlBytes, rasterSize } from './embedded'

/** Elements dropped with everything inside them. */
const DROPPED_ELEMENTS = new Set([
  'script',
  'foreignobject',
  'handler',
  'listener',
  'iframe',
  'include', // xi:include reads files
  'fallback',
  'set', // animations can set href; outputs are still images anyway
  'animate',
  'animatemotion',
  'animatetransform',
  'animatecolor',
])

/** Attributes that name a resource to load. */
const REFERENCE_ATTRS = new Set(['href', 'src'])

const SAFE_DATA_IMAGE = /^data:image\/(png|jpe?g|gif|webp)[;,]/i

function malformed(why: string): UpshotError {
  return new UpshotError(
    'CORRUPT_IMAGE',
    `This SVG is not well-formed (${why}); it may be truncated, export it again.`,
  )
}

function tooComplex(why: string): UpshotError {
  return new UpshotError(
    'SVG_TOO_COMPLEX',
    `This SVG is too complex to draw safely (${why}); simplify it or export it as PNG.`,
  )
}

/**
 * Filters cost per pixel of the raster, which is capped (decode.ts); what is left to cap is how
 * many filter steps there are, and the noise octaves: past 8 each adds less than one 8-bit level
 * while costing as much as the first. Whatever still runs long is stopped by the renderer's CPU
 * limit (svg-render.ts).
 */
const MAX_FILTER_PRIMITIVES = 64
const MAX_TURBULENCE_OCTAVES = 8
/**
 * Pixels of all embedded pictures together: librsvg decodes each whole, however small it is
 * drawn; 16 MP is four photos of a phone's preview size.
 */
const MAX_EMBEDDED_PIXELS = 16_000_000

/** Pixels of the inline pictures among `attrs` (kept references are local or data: images). */
function embeddedPixels(attrs: Attr[]): number {
  let total = 0
  for (const a of attrs) {
    if (!REFERENCE_ATTRS.has(localName(a.name)) || a.value.trim().startsWith('#')) continue
    const bytes = dataUrlBytes(a.value)
    const size = bytes && rasterSize(bytes)
    // Its declared type is a raster format, but the decoder goes by the bytes: unknown bytes
    // could be any format it reads.
    if (!size) throw tooComplex('an embedded picture is not a PNG, JPEG, GIF or WebP')
    total += size.width * size.height
  }
  return total
}

function capFilter(local: string, attrs: Attr[]): Attr[] {
  if (local !== 'feturbulence') return attrs
  return attrs.map((a) => {
    if (a.name !== 'numOctaves') return a
    const n = Number(a.value)
    return Number.isFinite(n) && n <= MAX_TURBULENCE_OCTAVES
      ? a
      : { name: a.name, value: String(MAX_TURBULENCE_OCTAVES) }
  })
}

function unsafe(why: string): UpshotError {
  return new UpshotError(
    'UNSAFE_SVG',
    `This SVG cannot be made safe to publish (${why}); export it again as plain SVG or PNG.`,
  )
}

/** A reference is safe if it points inside this document or is an inline raster image. */
export function isSafeReference(value: string): boolean {
  const v = value.trim()
  if (v.startsWith('#')) return true
  // Inline SVG data could itself reference files: only raster data is allowed.
  return SAFE_DATA_IMAGE.test(v)
}

const ENTITY = /&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi

function decodeEntities(value: string): string {
  return value.replace(ENTITY, (_m, e: string) => {
    const lower = e.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10))
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[lower] ?? ''
  })
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function escapeAttr(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/**
 * Rewrites `url(...)` references that are not local or inline raster to `none`. Returns null when
 * the CSS cannot be judged: backslash escapes (CSS lets `u\72l(` mean `url(`), `@import`, or
 * an unterminated url().
 */
export function sanitizeCss(css: string): string | null {
  if (css.includes('\\') || /@import/i.test(css) || /expression\s*\(/i.test(css)) return null
  const out = css.replace(/url\(\s*(["']?)([^"')]*)\1\s*\)/gi, (m, _q: string, ref: string) =>
    isSafeReference(ref) ? m : 'none',
  )
  // Whatever url( is left over did not parse as a simple reference: verify each one.
  const rest = /url\(\s*["']?([^"')]*)/gi
  for (let m = rest.exec(out); m; m = rest.exec(out)) if (!isSafeReference(m[1]!)) return null
  // Bare @font-face sources and image-set() have no business in a rasterised icon.
  if (/image-set\s*\(|src\s*:/i.test(out)) return null
  return out
}

interface Attr {
  name: string
  value: string
}

function localName(name: string): string {
  const colon = name.indexOf(':')
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase()
}

function cleanAttrs(attrs: Attr[]): Attr[] {
  const kept: Attr[] = []
  for (const a of attrs) {
    const local = localName(a.name)
    const lowerName = a.name.toLowerCase()
    if (local.startsWith('on')) continue // event handlers
    if (lowerName === 'xml:base' || local === 'base') continue
    if (REFERENCE_ATTRS.has(local)) {
      if (isSafeReference(a.value)) kept.push(a)
      continue
    }
    // Namespace declarations are URIs that are never fetched.
    if (lowerName === 'xmlns' || lowerName.startsWith('xmlns:')) {
      kept.push(a)
      continue
    }
    if (a.value.includes('\\') || /url\s*\(|@import/i.test(a.value)) {
      const css = sanitizeCss(a.value)
      if (css !== null) kept.push({ name: a.name, value: css })
      continue
    }
    kept.push(a)
  }
  return kept
}

const NAME = /[A-Za-z_:][\w.:-]*/y

/** Parses a start tag at `i` (pointing at '<'); returns its parts and the index after '>'. */
function parseStartTag(
  s: string,
  i: number,
): { name: string; attrs: Attr[]; selfClosing: boolean; end: number } {
  NAME.lastIndex = i + 1
  const nm = NAME.exec(s)
  if (!nm) throw malformed('a tag could not be read')
  const name = nm[0]
  let j = NAME.lastIndex
  const attrs: Attr[] = []
  const seen = new Set<string>()
  for (;;) {
    while (j < s.length && /\s/.test(s[j]!)) j++
    if (s.startsWith('/>', j)) return { name, attrs, selfClosing: true, end: j + 2 }
    if (s[j] === '>') return { name, attrs, selfClosing: false, end: j + 1 }
    NAME.lastIndex = j
    const an = NAME.exec(s)
    if (!an) throw malformed('an attribute could not be read')
    j = NAME.lastIndex
    while (j < s.length && /\s/.test(s[j]!)) j++
    if (s[j] !== '=') throw malformed('an attribute has no value')
    j++
    while (j < s.length && /\s/.test(s[j]!)) j++
    const quote = s[j]
    if (quote !== '"' && quote !== "'") throw malformed('an attribute value is not quoted')
    const close = s.indexOf(quote, j + 1)
    if (close < 0) throw malformed('an attribute value is not closed')
    const raw = s.slice(j + 1, close)
    if (raw.includes('<')) throw malformed('an attribute value contains "<"')
    // XML forbids duplicates; libxml2 rejects them, but do not let a second copy slip through.
    if (seen.has(an[0])) throw malformed('an attribute appears twice')
    seen.add(an[0])
    attrs.push({ name: an[0], value: decodeEntities(raw) })
    j = close + 1
  }
}

/** Returns SVG text safe to hand to librsvg, or throws UNSAFE_SVG. */
export function sanitizeSvg(input: string): string {
  const s = input.replace(/^\uFEFF/, '')
  const out: string[] = []
  // Element names currently open, and how deep we are inside a dropped element (0: not).
  const open: { name: string; style: boolean }[] = []
  let dropDepth = 0
  let sawRoot = false
  // The text of the open <style> element so far (entities decoded), or null outside one.
  let style: string | null = null
  let filterPrimitives = 0
  let embedded = 0
  let i = 0
  const emit = (text: string): void => {
    if (dropDepth === 0) out.push(text)
  }
  while (i < s.length) {
    const lt = s.indexOf('<', i)
    if (lt < 0) {
      emit(s.slice(i))
      break
    }
    if (lt > i) {
      const text = s.slice(i, lt)
      if (style !== null) style += decodeEntities(text)
      else emit(text)
    }
    i = lt
    if (s.startsWith('<!--', i)) {
      // Dropped; inside a stylesheet the text on both sides joins up (`@im<!-- -->port`), which
      // is why a stylesheet is judged whole, at its closing tag.
      const end = s.indexOf('-->', i + 4)
      if (end < 0) throw malformed('a comment is not closed')
      i = end + 3
    } else if (s.startsWith('<![CDATA[', i)) {
      const end = s.indexOf(']]>', i + 9)
      if (end < 0) throw malformed('a CDATA section is not closed')
      if (style !== null) style += s.slice(i + 9, end)
      else emit(s.slice(i, end + 3))
      i = end + 3
    } else if (s.startsWith('<!', i)) {
      // DOCTYPE (entity declarations can name files) and any other declaration: dropped.
      let depth = 0
      let j = i + 2
      let quote: string | null = null
      for (; j < s.length; j++) {
        const c = s[j]!
        if (quote) {
          if (c === quote) quote = null
        } else if (c === '"' || c === "'") quote = c
        else if (c === '[') depth++
        else if (c === ']') depth--
        else if (c === '>' && depth <= 0) break
      }
      if (j >= s.length) throw malformed('a declaration is not closed')
      i = j + 1
    } else if (s.startsWith('<?', i)) {
      const end = s.indexOf('?>', i + 2)
      if (end < 0) throw malformed('a processing instruction is not closed')
      // All dropped: <?xml-stylesheet?> would load a stylesheet, and the XML declaration could
      // name an encoding other than the UTF-8 the cleaned text is handed over in.
      i = end + 2
    } else if (s.startsWith('</', i)) {
      const end = s.indexOf('>', i + 2)
      if (end < 0) throw malformed('a closing tag is not closed')
      const name = s.slice(i + 2, end).trim()
      const top = open.pop()
      if (!top || top.name !== name) throw malformed('its tags are not balanced')
      if (top.style && style !== null) {
        // The stylesheet as librsvg will see it: entities decoded, comments and CDATA joined.
        const css = sanitizeCss(style)
        if (css === null) throw unsafe('its stylesheet references other files')
        emit(escapeText(css))
        style = null
      }
      if (dropDepth > 0) dropDepth--
      else out.push(`</${name}>`)
      i = end + 1
    } else {
      const tag = parseStartTag(s, i)
      i = tag.end
      const local = localName(tag.name)
      // librsvg reads a stylesheet's own text only; markup inside it cannot be judged.
      if (style !== null) throw unsafe('its stylesheet contains markup')
      if (local.startsWith('fe') && ++filterPrimitives > MAX_FILTER_PRIMITIVES)
        throw tooComplex(`more than ${MAX_FILTER_PRIMITIVES} filter steps`)
      if (!sawRoot && dropDepth === 0) {
        if (local !== 'svg') throw malformed('its root element is not <svg>')
        sawRoot = true
      }
      if (dropDepth > 0 || DROPPED_ELEMENTS.has(local)) {
        if (!tag.selfClosing) {
          open.push({ name: tag.name, style: false })
          dropDepth++
        }
        continue
      }
      const attrs = capFilter(local, cleanAttrs(tag.attrs))
      embedded += embeddedPixels(attrs)
      if (embedded > MAX_EMBEDDED_PIXELS)
        throw tooComplex(`its embedded pictures hold more than ${MAX_EMBEDDED_PIXELS / 1e6} MP`)
      const text = attrs.map((a) => ` ${a.name}="${escapeAttr(a.value)}"`).join('')
      out.push(`<${tag.name}${text}${tag.selfClosing ? '/>' : '>'}`)
      if (!tag.selfClosing) {
        open.push({ name: tag.name, style: local === 'style' })
        if (local === 'style') style = ''
      }
    }
  }
  if (open.length > 0) throw malformed('its tags are not balanced')
  if (!sawRoot) throw malformed('it has no <svg> element')
  return out.join('')
}

/** SVG bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM. */
export function svgText(buffer: Buffer): string {
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return new TextDecoder('utf-16le').decode(buffer)
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return new TextDecoder('utf-16be').decode(buffer)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer)
  } catch {
    throw malformed('it is not valid UTF-8 text')
  }
}
