// The parts of a note that are not prose: front matter, fenced and indented code, code spans,
// HTML comments and <pre>/<code> elements. A reference written there is an example, not an
// image, and is never rewritten. Blocks come from markdown-it (a CommonMark parser: fences in
// lists and quotes, indented code after a list, unclosed fences); code spans are matched the
// way CommonMark matches them, within one paragraph.

import MarkdownIt from 'markdown-it'

/** [start, end) character offsets. */
export type Range = readonly [number, number]

const parser = new MarkdownIt({ html: true })

/** Line start offsets, counting \r\n, \r and \n as line ends (as markdown-it does). */
export function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++
      starts.push(i + 1)
    } else if (c === 0x0a) starts.push(i + 1)
  }
  return starts
}

/** Front matter: `---` on the first line, up to the next `---` or `...` line. */
export function frontMatterEnd(text: string, starts: readonly number[]): number {
  const lineOf = (n: number): string =>
    text
      .slice(starts[n], n + 1 < starts.length ? starts[n + 1] : text.length)
      .replace(/\r?\n?$|\r$/, '')
  const first = lineOf(0).replace(/^\uFEFF/, '')
  if (first.trimEnd() !== '---') return 0
  for (let n = 1; n < starts.length; n++) {
    const line = lineOf(n).trimEnd()
    if (line === '---' || line === '...')
      return n + 1 < starts.length ? starts[n + 1]! : text.length
  }
  return 0
}

/** Every range of `text` that is code, front matter or a comment, sorted and merged. */
export function codeRegions(text: string): Range[] {
  const starts = lineStarts(text)
  const offsetOfLine = (n: number): number => (n < starts.length ? starts[n]! : text.length)
  const ranges: Range[] = []
  const fm = frontMatterEnd(text, starts)
  if (fm > 0) ranges.push([0, fm])

  // Front matter blanked (same line count) so markdown-it does not read it as a heading.
  const body = fm > 0 ? text.slice(0, fm).replace(/[^\r\n]/g, ' ') + text.slice(fm) : text
  const tokens = parser.parse(body, {})
  const blockCode: [number, number][] = []
  for (const t of tokens) {
    if ((t.type === 'fence' || t.type === 'code_block') && t.map) {
      blockCode.push([offsetOfLine(t.map[0]), offsetOfLine(t.map[1])])
    }
  }
  ranges.push(...blockCode)

  // Code spans, comments and <pre>/<code> elements in what is left, paragraph by paragraph.
  const outside = complement(merge(ranges), text.length)
  for (const [from, to] of outside) {
    for (const [a, b] of paragraphs(text, from, to)) ranges.push(...inlineCode(text, a, b))
  }
  return merge(ranges)
}

/** Splits [from, to) at blank lines: a code span never crosses one. */
function paragraphs(text: string, from: number, to: number): Range[] {
  const out: Range[] = []
  const blank = /(?:\r\n|\r|\n)[ \t]*(?=\r\n|\r|\n)/g
  blank.lastIndex = from
  let start = from
  for (let m = blank.exec(text); m && m.index < to; m = blank.exec(text)) {
    out.push([start, m.index])
    start = m.index + m[0].length
  }
  if (start < to) out.push([start, to])
  return out
}

/** Code spans (backtick runs matched by length), HTML comments, <pre>, <code>. */
function inlineCode(text: string, from: number, to: number): Range[] {
  const out: Range[] = []
  let i = from
  while (i < to) {
    const c = text[i]
    if (c === '\\') {
      i += 2
      continue
    }
    if (c === '`') {
      let n = 0
      while (i + n < to && text[i + n] === '`') n++
      const close = findBacktickRun(text, i + n, to, n)
      if (close === -1) {
        i += n // no closing run: the backticks are literal
        continue
      }
      out.push([i, close + n])
      i = close + n
      continue
    }
    if (c === '<') {
      const end = htmlCodeEnd(text, i, to)
      if (end > i) {
        out.push([i, end])
        i = end
        continue
      }
    }
    i++
  }
  return out
}

function findBacktickRun(text: string, from: number, to: number, n: number): number {
  let i = from
  while (i < to) {
    if (text[i] !== '`') {
      i++
      continue
    }
    let m = 0
    while (i + m < to && text[i + m] === '`') m++
    if (m === n) return i
    i += m
  }
  return -1
}

/** The end of a comment, <pre>, <code>, <script> or <style> element opening at `i`, or -1. */
function htmlCodeEnd(text: string, i: number, to: number): number {
  if (text.startsWith('<!--', i)) {
    const end = text.indexOf('-->', i + 4)
    // An unclosed comment runs to the end of the document, as in HTML.
    return end === -1 ? text.length : end + 3
  }
  const open = /^<(pre|code|script|style|textarea)(?=[\s>/])/i.exec(text.slice(i, i + 12))
  if (!open) return -1
  const closing = new RegExp(`</${open[1]}\\s*>`, 'ig')
  closing.lastIndex = i
  const m = closing.exec(text)
  // Elements may span paragraphs (an HTML block); unclosed, they run to the end.
  return m ? m.index + m[0].length : Math.max(to, text.length)
}

export function merge(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  for (const [a, b] of sorted) {
    const last = out[out.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else out.push([a, b])
  }
  return out
}

function complement(ranges: readonly Range[], length: number): Range[] {
  const out: Range[] = []
  let at = 0
  for (const [a, b] of ranges) {
    if (a > at) out.push([at, a])
    at = Math.max(at, b)
  }
  if (at < length) out.push([at, length])
  return out
}

/** Whether [a, b) touches any of the sorted, merged ranges. */
export function overlaps(ranges: readonly Range[], a: number, b: number): boolean {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [s, e] = ranges[mid]!
    if (e <= a) lo = mid + 1
    else if (s >= b) hi = mid - 1
    else return true
  }
  return false
}
