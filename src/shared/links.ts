// Link formats for finished uploads: what the copy buttons put on the clipboard. Pure functions,
// used by the renderer (previews, copy) and by the core (tray "recent uploads", auto-copy).
// These links are pasted into other people's pages, and names are whatever a file was called:
// every format, built in or the user's template, goes through the same contextual escaping
// (link-template.ts), so no name can add an attribute, a tag, a Markdown link or a BBCode tag.

import type { OutputReport } from './jobs'
import { cleanText, escapeHtml, safeUrl } from './link-escape'
import { compileTemplate, escapeFor, renderTemplate, type PlaceholderValue } from './link-template'

export { escapeHtml } from './link-escape'

export const LINK_FORMATS = ['url', 'markdown', 'html', 'picture', 'bbcode', 'custom'] as const
export type LinkFormat = (typeof LINK_FORMATS)[number]

/** One finished file: its name and every object it became. */
export interface LinkItem {
  /** The source's file name, e.g. `IMG_0012.jpg`. */
  name: string
  /** Alternative text; defaults to the name without extension, separators as spaces. */
  alt?: string
  outputs: readonly OutputReport[]
}

export interface LinkOptions {
  /** The variant single-image formats link to; default the primary one (see primaryOutput). */
  variant?: string
  /** For `custom`: placeholders {url} {width} {height} {name} {alt} {variant} {format} {bytes} {key} {url:VARIANT}. */
  template?: string
  /** The `sizes` attribute of `<picture>` sources; default `100vw`. */
  sizes?: string
}

export const DEFAULT_TEMPLATE = '![{alt}]({url})'

/** Variant names in order of preference for "the" link of a file. */
const PRIMARY_ORDER = ['full', 'original', 'overlay', 'preview', 'thumb']

/**
 * The output a single link points at: the requested variant if it exists, else the full-size
 * one, else the largest. Returns null for a file with no outputs.
 */
export function primaryOutput(
  outputs: readonly OutputReport[],
  variant?: string,
): OutputReport | null {
  if (outputs.length === 0) return null
  if (variant) {
    const wanted = outputs.find((o) => o.variant === variant)
    if (wanted) return wanted
  }
  for (const name of PRIMARY_ORDER) {
    const hit = outputs.find((o) => o.variant === name)
    if (hit) return hit
  }
  return [...outputs].sort((a, b) => area(b) - area(a))[0]!
}

/** The link text of one file in one format. */
export function formatLink(format: LinkFormat, item: LinkItem, options: LinkOptions = {}): string {
  const main = primaryOutput(item.outputs, options.variant)
  if (!main) return ''
  const alt = item.alt ?? altFromName(item.name)
  const image = isImage(main)
  switch (format) {
    case 'url':
      return main.url
    case 'markdown':
      return fill(image ? '![{alt}]({url})' : '[{name}]({url})', item, main, alt)
    case 'html':
      return fill(image ? IMG_TEMPLATE : ANCHOR_TEMPLATE, item, main, alt)
    case 'picture':
      return image
        ? pictureTag(item.outputs, main, alt, options.sizes ?? '100vw')
        : fill(ANCHOR_TEMPLATE, item, main, alt)
    case 'bbcode':
      return fill(image ? '[img]{url}[/img]' : '[url={url}]{name}[/url]', item, main, alt)
    case 'custom':
      return fill(options.template ?? DEFAULT_TEMPLATE, item, main, alt)
  }
}

const IMG_TEMPLATE = '<img src="{url}" width="{width}" height="{height}" alt="{alt}">'
const ANCHOR_TEMPLATE = '<a href="{url}">{name}</a>'

/** Several files in one format, one per line (`<picture>` blocks separated by a blank line). */
export function formatLinks(
  format: LinkFormat,
  items: readonly LinkItem[],
  options: LinkOptions = {},
): string {
  const links = items.map((item) => formatLink(format, item, options)).filter((s) => s !== '')
  return links.join(format === 'picture' ? '\n\n' : '\n')
}

/** `IMG_0012-final.jpg` -> `IMG 0012 final`: a readable default for alt text. */
export function altFromName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name
  const dot = base.lastIndexOf('.')
  const stem = dot > 0 ? base.slice(0, dot) : base
  return stem.replace(/[_\-.]+/g, ' ').trim() || stem
}

/**
 * `<picture>`: one `<source>` per modern format (AVIF before WebP, as browsers take the first
 * they support) and an `<img>` fallback in the most widely supported format there is. srcset
 * lists the variants that keep the main image's shape: a cropped 16:9 thumbnail in the srcset
 * of a 4:3 photo would make the picture change shape with the viewport.
 */
function pictureTag(
  outputs: readonly OutputReport[],
  main: OutputReport,
  alt: string,
  sizes: string,
): string {
  const ratio = aspect(main)
  const sameShape = outputs.filter(
    (o) => isImage(o) && o.width && o.height && (ratio === null || close(aspect(o)!, ratio)),
  )
  const byFormat = new Map<string, OutputReport[]>()
  for (const o of sameShape) {
    const list = byFormat.get(o.format) ?? []
    list.push(o)
    byFormat.set(o.format, list)
  }
  const fallbackFormat =
    FALLBACK_ORDER.find((f) => byFormat.has(f)) ?? [...byFormat.keys()][0] ?? main.format
  const fallback = byFormat.get(fallbackFormat) ?? [main]
  // Same-size variants (a small photo is never enlarged) link to the main one.
  const mainFirst = (a: OutputReport, b: OutputReport): number =>
    Number(b === main) - Number(a === main)
  const largest = [...fallback].sort((a, b) => area(b) - area(a) || mainFirst(a, b))[0] ?? main
  const sources = SOURCE_ORDER.filter((f) => f !== fallbackFormat && byFormat.has(f)).map((f) => {
    const list = byFormat.get(f)!
    return `  <source type="${escapeHtml(list[0]!.contentType)}" srcset="${escapeHtml(srcset(list, main))}" sizes="${escapeHtml(cleanText(sizes))}">`
  })
  const img = [
    `<img src="${escapeHtml(safeUrl(largest.url, { start: true }))}"`,
    fallback.length > 1
      ? ` srcset="${escapeHtml(srcset(fallback, main))}" sizes="${escapeHtml(cleanText(sizes))}"`
      : '',
    dims(largest),
    ` alt="${escapeHtml(cleanText(alt))}" loading="lazy" decoding="async">`,
  ].join('')
  return ['<picture>', ...sources, `  ${img}`, '</picture>'].join('\n')
}

// Browsers pick the first <source> they support: smallest files first.
const SOURCE_ORDER = ['avif', 'webp', 'jxl', 'jpeg', 'png', 'gif']
// The <img> everyone can show.
const FALLBACK_ORDER = ['jpeg', 'png', 'gif', 'webp', 'avif']

function srcset(list: readonly OutputReport[], main: OutputReport): string {
  const seen = new Set<number>()
  return (
    [...list]
      .sort((a, b) => (a.width ?? 0) - (b.width ?? 0) || Number(b === main) - Number(a === main))
      .filter((o) => {
        if (seen.has(o.width ?? 0)) return false
        seen.add(o.width ?? 0)
        return true
      })
      // A srcset is split at commas and spaces: a URL keeps neither.
      .map((o) => `${safeUrl(o.url, { start: true, extra: ', ' })} ${o.width}w`)
      .join(', ')
  )
}

function dims(o: OutputReport): string {
  return o.width && o.height ? ` width="${o.width}" height="${o.height}"` : ''
}

/** A template (built in or the user's) filled for one file, each value escaped where it lands. */
function fill(template: string, item: LinkItem, main: OutputReport, alt: string): string {
  // A file without dimensions leaves them out rather than writing width="".
  const t =
    main.width === null || main.height === null
      ? template.replace(' width="{width}" height="{height}"', '')
      : template
  return renderTemplate(compileTemplate(t), (key, arg) =>
    placeholderValue(key, arg, item, main, alt),
  )
}

function placeholderValue(
  key: string,
  arg: string | undefined,
  item: LinkItem,
  main: OutputReport,
  alt: string,
): PlaceholderValue | null {
  if (key === 'url' && arg !== undefined) {
    const other = item.outputs.find((o) => o.variant === arg)
    return other ? { value: other.url, kind: 'url' } : null
  }
  switch (key) {
    case 'url':
      return { value: main.url, kind: 'url' }
    case 'width':
      return { value: main.width === null ? '' : String(main.width), kind: 'text' }
    case 'height':
      return { value: main.height === null ? '' : String(main.height), kind: 'text' }
    case 'name':
      return { value: item.name, kind: 'text' }
    case 'alt':
      return { value: alt, kind: 'text' }
    case 'variant':
      return { value: main.variant, kind: 'text' }
    case 'format':
      return { value: main.format, kind: 'text' }
    case 'bytes':
      return { value: String(main.bytes), kind: 'text' }
    case 'key':
      return { value: main.key, kind: 'key' }
    default:
      return null
  }
}

/** The placeholders a custom template understands, for the settings screen's help text. */
export const TEMPLATE_PLACEHOLDERS = [
  '{url}',
  '{width}',
  '{height}',
  '{name}',
  '{alt}',
  '{variant}',
  '{format}',
  '{bytes}',
  '{key}',
  '{url:thumb}',
] as const

function isImage(o: OutputReport): boolean {
  return o.contentType.startsWith('image/') && o.width !== null && o.height !== null
}

function area(o: OutputReport): number {
  return (o.width ?? 0) * (o.height ?? 0)
}

function aspect(o: OutputReport): number | null {
  return o.width && o.height ? o.width / o.height : null
}

/** Rounding to whole pixels moves a scaled-down ratio a little; 2% still looks the same. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) / b < 0.02
}

/**
 * A URL as it is written into a Markdown link destination (`markdown`) or an HTML attribute
 * value with the given quote (`html`): escaped for exactly that place, like every placeholder.
 */
export function urlIn(
  place: 'markdown' | 'html',
  url: string,
  quote: '"' | "'" | '' = '"',
): string {
  return place === 'markdown'
    ? escapeFor({ kind: 'md-dest', start: true }, { value: url, kind: 'url' })
    : escapeFor(
        { kind: 'attr', quote, url: 'url', start: true, strict: false },
        { value: url, kind: 'url' },
      )
}

/**
 * `![alt|300](url)`: an image in Markdown with Obsidian's size after the alt text. The size is
 * kept only when it is one (`300`, `300x200`); the alt text and URL are escaped where they land.
 */
export function markdownImage(alt: string, url: string, size?: string): string {
  const sized = size !== undefined && /^\d{1,5}(x\d{1,5})?$/.test(size) ? `|${size}` : ''
  return renderTemplate(compileTemplate(`![{alt}${sized}]({url})`), (key) =>
    key === 'alt'
      ? { value: alt, kind: 'text' }
      : key === 'url'
        ? { value: url, kind: 'url' }
        : null,
  )
}
