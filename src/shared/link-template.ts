// Link templates with contextual escaping: a template is the user's markup with placeholders in
// it; the markup is trusted, what fills the placeholders (file names, alt text, URLs) is not.
// compileTemplate() reads the template's own text once, as an HTML tokenizer, a Markdown inline
// parser and a BBCode tag reader would, and records for every placeholder where it lands: HTML
// text, an attribute value (quoted or not, a URL, a srcset, an event handler), a comment, a
// script, Markdown text, a link destination or title, a BBCode body or argument, or plain text.
// renderTemplate() then escapes each value for exactly that place, so no value can change the
// template's structure: a name cannot close an attribute, open a tag, end a Markdown link or
// start a second [url]. Pure, shared by every process.

import { TemplateReader, type Context } from './template-reader'
import {
  UNSAFE_URL,
  cleanText,
  escapeBbcodeText,
  escapeHtml,
  escapeHtmlAndMarkdown,
  escapeHtmlUnquoted,
  escapeMarkdownText,
  escapeMarkdownTitle,
  nameText,
  safeUrl,
  strictText,
  urlComponent,
} from './link-escape'

/** What a placeholder holds: URLs are kept as URLs; a key keeps its slashes in a URL. */
export type ValueKind = 'url' | 'key' | 'text'

export interface PlaceholderValue {
  value: string
  kind: ValueKind
}

export type { Context } from './template-reader'

export interface PlaceholderPart {
  key: string
  arg: string | undefined
  /** The placeholder as written, e.g. `{url:thumb}`. */
  raw: string
  context: Context
}

export interface CompiledTemplate {
  readonly parts: readonly (string | PlaceholderPart)[]
}

const PLACEHOLDER = /\{([a-z]+)(?::([^{}\s]+))?\}/g

/** Placeholders a template understands; anything else in braces is literal text. */
export function isKnownPlaceholder(key: string, arg: string | undefined): boolean {
  if (arg !== undefined) return key === 'url'
  return KNOWN.has(key)
}
const KNOWN = new Set([
  'url',
  'width',
  'height',
  'name',
  'alt',
  'variant',
  'format',
  'bytes',
  'key',
])

const cache = new Map<string, CompiledTemplate>()

export function compileTemplate(template: string): CompiledTemplate {
  const hit = cache.get(template)
  if (hit) return hit
  const compiled = compile(template)
  // Templates come from settings: a handful. Bounded all the same.
  if (cache.size >= 64) cache.delete(cache.keys().next().value!)
  cache.set(template, compiled)
  return compiled
}

/** Fills a compiled template; `valueOf` null leaves the placeholder as written (as text). */
export function renderTemplate(
  compiled: CompiledTemplate,
  valueOf: (key: string, arg: string | undefined) => PlaceholderValue | null,
): string {
  let out = ''
  for (const part of compiled.parts) {
    if (typeof part === 'string') {
      out += part
      continue
    }
    const v = valueOf(part.key, part.arg) ?? { value: part.raw, kind: 'text' as const }
    out += escapeFor(part.context, v)
  }
  return out
}

/** One value escaped for one context. */
export function escapeFor(context: Context, v: PlaceholderValue): string {
  const value = cleanText(v.value)
  switch (context.kind) {
    case 'plain':
      return value
    case 'text': {
      let s = context.bbcode ? escapeBbcodeText(value) : value
      if (context.html) {
        s = context.markdown ? escapeHtmlAndMarkdown(s, context.lineStart) : escapeHtml(s)
        // `<` + a letter opens a tag: a character reference keeps it text.
        if (context.afterLt && s !== '') {
          const first = String.fromCodePoint(s.codePointAt(0)!)
          if (/[A-Za-z/!?]/.test(first)) s = `&#${first.codePointAt(0)};${s.slice(first.length)}`
        }
      } else if (context.markdown) s = escapeMarkdownText(s, context.lineStart)
      return s
    }
    case 'attr': {
      let s: string
      if (context.strict) s = strictText(value)
      else if (context.url === 'none') s = value
      else s = urlValue(v.kind, value, context.start, context.url === 'srcset' ? ', ' : '')
      return context.quote === '' ? escapeHtmlUnquoted(s) : escapeHtml(s)
    }
    case 'md-dest':
      return urlValue(v.kind, value, context.start, '()<> ')
    case 'md-title':
      return escapeMarkdownTitle(value)
    case 'bb-arg':
      return context.url
        ? urlValue(v.kind, value, context.start, `[]${context.quote}`)
        : escapeBbcodeText(value, context.quote)
    case 'bb-url':
      return urlValue(v.kind, value, context.start, '[]')
    case 'strict':
      return strictText(value, context.hyphen)
    case 'name':
      return nameText(value)
  }
}

/** A value inside a URL: a URL is normalised (and its scheme checked at the start); anything else is a component. */
function urlValue(kind: ValueKind, value: string, start: boolean, extra: string): string {
  if (kind === 'url') return safeUrl(value, { start, extra })
  const s = urlComponent(value, kind === 'key')
  // A component cannot carry a scheme, but `//host` at the start would name another host.
  return start && s.startsWith('//') ? UNSAFE_URL : s
}

function compile(template: string): CompiledTemplate {
  // Split into literal text and the placeholders a template understands.
  const pieces: (string | { key: string; arg: string | undefined; raw: string })[] = []
  let last = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    const [raw, key, arg] = m as unknown as [string, string, string | undefined]
    if (!isKnownPlaceholder(key, arg)) continue
    if (m.index > last) pieces.push(template.slice(last, m.index))
    pieces.push({ key, arg, raw })
    last = m.index + raw.length
  }
  if (last < template.length) pieces.push(template.slice(last))

  const literal = pieces.filter((p): p is string => typeof p === 'string').join('\u0000')
  const reader = new TemplateReader({
    html: /<[A-Za-z!/?]/.test(literal),
    markdown: /\]\(/.test(pieces.map((p) => (typeof p === 'string' ? p : 'x')).join('')),
    bbcode: /\[\/[A-Za-z][A-Za-z0-9]*\]/.test(literal),
  })
  const parts: (string | PlaceholderPart)[] = []
  const push = (text: string): void => {
    if (text !== '') parts.push(text)
  }
  for (const p of pieces) {
    if (typeof p === 'string') {
      push(reader.feed(p))
    } else {
      const { before, context } = reader.placeholder()
      push(before)
      parts.push({ ...p, context })
    }
  }
  push(reader.finish())
  return { parts }
}
