// Escapers for one value in one context of a pasted link: HTML text and attribute values,
// Markdown text, link destinations and titles, BBCode bodies and arguments, URLs. Pure; the
// template renderer (link-template.ts) picks the one for the place a placeholder lands in.

/**
 * A name as it may appear in text: no control characters (a newline ends a Markdown paragraph or
 * a BBCode line), no bidirectional overrides (U+202E shows `gpj.exe` as `exe.jpg`). Line and
 * paragraph breaks and tabs become a space; every other such character is dropped.
 */
export function cleanText(s: string): string {
  return (
    s
      .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
  )
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** For HTML text and quoted attribute values (either quote). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!)
}

/**
 * For an unquoted attribute value: every character that would end it, or start a new attribute,
 * as a character reference (the parser decodes them back).
 */
export function escapeHtmlUnquoted(s: string): string {
  return s.replace(/[&<>"'`=\s]/g, (c) => HTML_ENTITIES[c] ?? `&#${c.codePointAt(0)};`)
}

/**
 * Text that is both Markdown and HTML (a Markdown template with HTML in it): character references
 * work in both, so the punctuation Markdown reads as structure becomes one too.
 */
export function escapeHtmlAndMarkdown(s: string, lineStart = false): string {
  const out = escapeHtml(s)
    .replace(/[\\`*_[\]~|$!]/g, (c) => `&#${c.codePointAt(0)};`)
    .replace(/ +$/, (m) => '&#32;'.repeat(m.length))
  return lineStart ? out.replace(/^( +|[#+\-=]|\d+(?=[.)]))/, (m) => entityAll(m)) : out
}

function entityAll(s: string): string {
  return [...s].map((c) => `&#${c.codePointAt(0)};`).join('')
}

/**
 * Markdown text (a link's text, an image's alt, a paragraph): a backslash before every character
 * CommonMark or GFM could read as structure, so the text stays exactly what it was. An underscore
 * between two letters or digits is left alone (it can neither open nor close emphasis), so
 * `IMG_0012` stays readable. At the start of a line, what would make a heading, a list item, a
 * quote or a setext underline is escaped too.
 */
export function escapeMarkdownText(s: string, lineStart = false): string {
  let out = ''
  const chars = [...s]
  chars.forEach((c, i) => {
    if (c === '_') {
      const before = chars[i - 1] ?? ''
      const after = chars[i + 1] ?? ''
      out += /[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after) ? '_' : '\\_'
    } else out += MARKDOWN_SPECIAL.has(c) ? `\\${c}` : c
  })
  // Two spaces before a line break make a hard break: trailing spaces as references.
  out = out.replace(/ +$/, (m) => '&#32;'.repeat(m.length))
  if (!lineStart) return out
  // Leading spaces indent (four make a code block); a number then `.` or `)` starts an ordered
  // list; `#`, `+`, `-`, `=` a heading, a list or a rule.
  return out
    .replace(/^ +/, (m) => '&#32;'.repeat(m.length))
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/^([#+\-=])/, '\\$1')
}

const MARKDOWN_SPECIAL = new Set(['\\', '`', '*', '[', ']', '<', '>', '&', '~', '|', '$', '!'])

/** A Markdown link title between `delimiter`s: the delimiters, backslashes and `&` escaped. */
export function escapeMarkdownTitle(s: string): string {
  return s.replace(/[\\"'()&]/g, (c) => `\\${c}`)
}

/**
 * BBCode has no escape: a `[` in a name could open a tag (`[/url]`, `[img]`), so brackets become
 * parentheses. In a quoted argument the quote becomes the other one.
 */
export function escapeBbcodeText(s: string, quote: '"' | "'" | '' = ''): string {
  let out = s.replace(/\[/g, '(').replace(/\]/g, ')')
  if (quote === '"') out = out.replace(/"/g, "'")
  if (quote === "'") out = out.replace(/'/g, '"')
  return out
}

/** Only letters, digits, space, `.`, `-` and `_`: for scripts, styles and event handlers. */
export function strictText(s: string, allowHyphen = true): string {
  return s.replace(allowHyphen ? /[^\p{L}\p{N} ._-]/gu : /[^\p{L}\p{N} ._]/gu, '')
}

/** A tag or attribute name built from a placeholder. */
export function nameText(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '')
}

// ---------------------------------------------------------------- URLs

/** What a link may point at; anything else (javascript:, data:, vbscript:...) is replaced. */
const SAFE_SCHEMES = new Set(['http', 'https', 'file'])
export const UNSAFE_URL = 'about:invalid#upshot-unsafe-url'

/**
 * A URL as it may be written into markup: every character outside RFC 3986's set percent-encoded
 * (spaces, quotes, `<>`, backslashes, non-ASCII), a stray `%` too, and brackets outside an IPv6
 * host. `extra` lists further characters to encode after the host (`()` for Markdown, `,` for
 * srcset). At the start of an attribute or destination (`start`), a scheme other than http(s) or
 * file gives UNSAFE_URL instead.
 */
export function safeUrl(url: string, opts: { start?: boolean; extra?: string } = {}): string {
  const authority = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(url)?.[1] ?? ''
  const rest = url.slice(authority.length)
  const out = encodeUrlPart(authority, '', true) + encodeUrlPart(rest, opts.extra ?? '', false)
  if (opts.start) {
    // Browsers drop leading spaces and controls before they read the scheme.
    // eslint-disable-next-line no-control-regex
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/^[\u0000-\u0020]+/, ''))?.[1]
    if (scheme !== undefined && !SAFE_SCHEMES.has(scheme.toLowerCase())) return UNSAFE_URL
  }
  return out
}

function encodeUrlPart(s: string, extra: string, authority: boolean): string {
  let out = ''
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i)!
    const c = String.fromCodePoint(cp)
    i += c.length
    if (c === '%') {
      out += /^[0-9a-f]{2}$/i.test(s.slice(i, i + 2)) ? c : '%25'
    } else if ((c === '[' || c === ']') && authority) {
      out += c
    } else if (!URL_CHAR.test(c) || extra.includes(c)) {
      out += pct(c)
    } else out += c
  }
  return out
}

// Unreserved and reserved characters of RFC 3986, less the brackets (IPv6 hosts only).
const URL_CHAR = /^[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]$/

const UTF8 = new TextEncoder()

function pct(c: string): string {
  return [...UTF8.encode(c)]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('')
}

/**
 * A value that is not a URL (a name, a key) inside one: percent-encoded as a component, so it can
 * neither start a scheme (`javascript:` becomes `javascript%3A`, a relative path) nor end the
 * URL. Keys keep their slashes.
 */
export function urlComponent(s: string, keepSlashes = false): string {
  const enc = (part: string): string => encodeURIComponent(part).replace(/[!'()*]/g, (c) => pct(c))
  return keepSlashes ? s.split('/').map(enc).join('/') : enc(s)
}
