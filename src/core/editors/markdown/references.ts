// Finding the images a note references, with the exact span of each reference and of the part
// that names the image, so a rewrite changes that part and nothing else: alt text, titles,
// sizes and the rest of the file stay byte for byte. Forms:
//
//   ![alt](path "title")        inline image (destination bare or in <>, title "", '' or ())
//   [label]: path "title"       reference definition (used by ![alt][label])
//   <img src="path" ...>        HTML, quoted or not
//   ![[name.png]]  ![[name.png|300]]  ![[name.png|alt|300]]   Obsidian embeds
//
// Nothing inside code (see code-regions.ts) counts.

import { codeRegions, lineStarts, overlaps, type Range } from './code-regions'

export type ReferenceKind = 'inline' | 'definition' | 'html' | 'embed'

export interface ImageReference {
  kind: ReferenceKind
  /** The whole reference: `![alt](a.png "t")`, the definition line's content, `<img ...>`. */
  start: number
  end: number
  /** The part that names the image (destination, src value, or the embed's target). */
  targetStart: number
  targetEnd: number
  /** The target as written, escapes and entities resolved (not percent-decoded). */
  target: string
  /** Alt text as written (inline: raw Markdown between the brackets; html: decoded). */
  alt?: string
  /** An embed's or an <img>'s size as written (`300`, `300x200`). */
  size?: string
  /** For html: the quote around the src value ('' when unquoted). */
  quote?: '"' | "'" | ''
  /** Whether the destination was written in <angle brackets>. */
  angle?: boolean
  /** An inline image or definition with a title. */
  title?: boolean
  /** An <img> with no attribute beyond src and alt (it can become a <picture> as it is). */
  plain?: boolean
  /** 1-based line of the reference, for messages. */
  line: number
}

/** Extensions Obsidian embeds as images (and those Upshot converts). */
const EMBED_IMAGE_EXT = /\.(png|jpe?g|gif|bmp|svg|webp|avif|heic|heif|tiff?)$/i

export function findImageReferences(text: string): ImageReference[] {
  const skip = codeRegions(text)
  const starts = lineStarts(text)
  const lineOf = (offset: number): number => {
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
  const refs: ImageReference[] = []
  const add = (r: Omit<ImageReference, 'line'> | null): void => {
    if (r && !overlaps(skip, r.start, r.end)) refs.push({ ...r, line: lineOf(r.start) })
  }
  for (let i = text.indexOf('!['); i !== -1; i = text.indexOf('![', i + 1)) {
    if (escaped(text, i)) continue
    if (text[i + 2] === '[') add(embedAt(text, i))
    else add(inlineImageAt(text, i))
  }
  for (const m of text.matchAll(/<img[\s/>]/gi)) add(imgTagAt(text, m.index))
  for (const def of definitions(text, starts)) add(def)
  return refs.sort((a, b) => a.start - b.start)
}

/** An odd number of backslashes before `i` escapes the character there. */
function escaped(text: string, i: number): boolean {
  let n = 0
  while (i - n - 1 >= 0 && text[i - n - 1] === '\\') n++
  return n % 2 === 1
}

// ---------------------------------------------------------------- ![alt](dest "title")

function inlineImageAt(text: string, at: number): Omit<ImageReference, 'line'> | null {
  const close = matchingBracket(text, at + 1)
  if (close === -1 || text[close + 1] !== '(') return null
  let i = skipSpace(text, close + 2)
  let targetStart = i
  let targetEnd: number
  let target: string
  let angle = false
  if (text[i] === '<') {
    const end = findAngleEnd(text, i + 1)
    if (end === -1) return null
    angle = true
    targetStart = i
    targetEnd = end + 1
    target = unescapeMarkdown(text.slice(i + 1, end))
    i = end + 1
  } else {
    const end = rawDestinationEnd(text, i)
    if (end === -1) return null
    targetEnd = end
    target = unescapeMarkdown(text.slice(i, end))
    i = end
  }
  const afterDest = i
  i = skipSpace(text, i)
  let title = false
  if (i > afterDest && (text[i] === '"' || text[i] === "'" || text[i] === '(')) {
    const end = titleEnd(text, i)
    if (end === -1) return null
    title = true
    i = skipSpace(text, end)
  }
  if (text[i] !== ')') return null
  if (target === '' && !angle) return null
  return {
    kind: 'inline',
    start: at,
    end: i + 1,
    targetStart,
    targetEnd,
    target,
    alt: text.slice(at + 2, close),
    angle,
    title,
  }
}

/** The `]` closing the `[` at `open`, with nesting and escapes; never across a blank line. */
function matchingBracket(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length && i < open + 10_000; i++) {
    const c = text[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '\n' && /^\n[ \t]*(\r?\n|$)/.test(text.slice(i, i + 80))) return -1
    if (c === '[') depth++
    else if (c === ']') {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

/** Spaces, tabs and at most one line ending. */
function skipSpace(text: string, i: number): number {
  let newlines = 0
  while (i < text.length) {
    const c = text[i]
    if (c === ' ' || c === '\t') i++
    else if ((c === '\n' || c === '\r') && newlines === 0) {
      newlines++
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1
    } else break
  }
  return i
}

function findAngleEnd(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '>') return i
    if (c === '<' || c === '\n' || c === '\r') return -1
  }
  return -1
}

/** A bare destination: no spaces or controls, parentheses balanced. */
function rawDestinationEnd(text: string, i: number): number {
  let depth = 0
  const start = i
  for (; i < text.length; i++) {
    const c = text[i]!
    if (c === '\\' && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1]!)) {
      i++
      continue
    }
    if (c <= ' ' || c === '\u007f') break
    if (c === '(') depth++
    else if (c === ')') {
      if (depth === 0) break
      depth--
    }
  }
  return depth === 0 && i > start ? i : -1
}

function titleEnd(text: string, i: number): number {
  const open = text[i]!
  const close = open === '(' ? ')' : open
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j]
    if (c === '\\') {
      j++
      continue
    }
    if (c === close) return j + 1
    if (open === '(' && c === '(') return -1
  }
  return -1
}

/** Backslash escapes of ASCII punctuation and character references, as CommonMark reads them. */
export function unescapeMarkdown(s: string): string {
  return decodeEntities(s.replace(/\\([!-/:-@[-`{-~])/g, '$1'))
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
}

export function decodeEntities(s: string): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (m, body: string) => {
    if (body[0] === '#') {
      const cp =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1))
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m
    }
    return NAMED[body] ?? m
  })
}

// ---------------------------------------------------------------- ![[name.png|300]]

function embedAt(text: string, at: number): Omit<ImageReference, 'line'> | null {
  const end = text.indexOf(']]', at + 3)
  if (end === -1) return null
  const inner = text.slice(at + 3, end)
  if (inner === '' || /[\r\n[\]]/.test(inner)) return null
  const bar = inner.indexOf('|')
  const rawTarget = bar === -1 ? inner : inner.slice(0, bar)
  const target = rawTarget.replace(/#.*$/, '').trim()
  if (!EMBED_IMAGE_EXT.test(target)) return null
  const options = bar === -1 ? [] : inner.slice(bar + 1).split('|')
  const last = options[options.length - 1]?.trim()
  const size = last !== undefined && /^\d+(x\d+)?$/.test(last) ? last : undefined
  const altParts = size === undefined ? options : options.slice(0, -1)
  const alt = altParts.join('|').trim()
  return {
    kind: 'embed',
    start: at,
    end: end + 2,
    targetStart: at + 3,
    targetEnd: at + 3 + rawTarget.length,
    target,
    ...(alt ? { alt } : {}),
    ...(size ? { size } : {}),
  }
}

// ---------------------------------------------------------------- <img src="...">

const ATTR = /^[\s/]*([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/

function imgTagAt(text: string, at: number): Omit<ImageReference, 'line'> | null {
  let i = at + 4
  let src: { start: number; end: number; value: string; quote: '"' | "'" | '' } | null = null
  let alt: string | undefined
  let width: string | undefined
  let plain = true
  for (let guard = 0; guard < 200; guard++) {
    const rest = text.slice(i, i + 4096)
    const close = /^\s*\/?>/.exec(rest)
    if (close) {
      if (!src) return null
      return {
        kind: 'html',
        start: at,
        end: i + close[0].length,
        targetStart: src.start,
        targetEnd: src.end,
        target: decodeEntities(src.value),
        quote: src.quote,
        ...(alt !== undefined ? { alt } : {}),
        ...(width !== undefined ? { size: width } : {}),
        plain,
      }
    }
    const m = ATTR.exec(rest)
    if (!m) return null
    const name = m[1]!.toLowerCase()
    if (name !== 'src' && name !== 'alt') plain = false
    const quote: '"' | "'" | '' = m[2] !== undefined ? '"' : m[3] !== undefined ? "'" : ''
    const value = m[2] ?? m[3] ?? m[4]
    if (value !== undefined) {
      const valueStart = i + m[0].length - value.length - (quote ? 1 : 0)
      if (name === 'src' && !src)
        src = { start: valueStart, end: valueStart + value.length, value, quote }
      if (name === 'alt') alt = decodeEntities(value)
      if (name === 'width') width = value
    }
    i += m[0].length
  }
  return null
}

// ---------------------------------------------------------------- [label]: dest "title"

const DEFINITION =
  /^((?:[ \t]{0,3}>)*[ \t]{0,3})\[((?:[^\\[\]]|\\.){1,999})\]:[ \t]*(?:\r\n|\r|\n)?[ \t]*/

function definitions(text: string, starts: readonly number[]): Omit<ImageReference, 'line'>[] {
  const out: Omit<ImageReference, 'line'>[] = []
  for (let n = 0; n < starts.length; n++) {
    const at = starts[n]!
    const m = DEFINITION.exec(text.slice(at, at + 2200))
    if (!m) continue
    // A definition cannot interrupt a paragraph: the line before is blank, a definition, or none.
    if (n > 0 && !startsBlock(text, starts, n)) continue
    let i = at + m[0].length
    let target: string
    const targetStart = i
    let targetEnd: number
    let angle = false
    if (text[i] === '<') {
      const end = findAngleEnd(text, i + 1)
      if (end === -1) continue
      angle = true
      target = unescapeMarkdown(text.slice(i + 1, end))
      targetEnd = end + 1
    } else {
      const end = rawDestinationEnd(text, i)
      if (end === -1) continue
      target = unescapeMarkdown(text.slice(i, end))
      targetEnd = end
    }
    i = targetEnd
    // The rest of the line: nothing, or a title (which may continue on the next lines).
    const rest = /^[^\r\n]*/.exec(text.slice(i))![0]
    if (rest.trim() !== '' && !/^[ \t]+["'(]/.test(rest)) continue
    out.push({
      kind: 'definition',
      start: at + m[1]!.length,
      end: i + rest.length,
      targetStart,
      targetEnd,
      target,
      angle,
      title: rest.trim() !== '',
    })
  }
  return out
}

function startsBlock(text: string, starts: readonly number[], n: number): boolean {
  const prev = text.slice(starts[n - 1], starts[n]).replace(/^(?:[ \t]{0,3}>)*/, '')
  return (
    prev.trim() === '' || DEFINITION.test(prev) || /^[ \t]{0,3}(#{1,6}\s|[-*_]{3,}\s*$)/.test(prev)
  )
}

export type { Range }
