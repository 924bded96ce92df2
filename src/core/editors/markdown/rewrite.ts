// A reference rewritten to its uploaded image. Only the part that names the image changes
// (the destination, the src value), so alt text, titles, sizes and the bytes around stay as the
// author wrote them; an Obsidian embed becomes a Markdown image with its size kept
// (`![name|300](url)`). With `picture`, a reference that a <picture> can stand in for whole
// (no title, no size, no other attribute) becomes one, on one line so it stays inside its
// paragraph, list item or table cell. Every URL and text is escaped through shared/links.ts.

import path from 'node:path'
import type { OutputReport } from '../../../shared/jobs'
import { formatLink, markdownImage, primaryOutput, urlIn } from '../../../shared/links'
import { unescapeMarkdown, type ImageReference } from './references'

export type LinkStyle = 'url' | 'picture'

export interface Uploaded {
  /** The source's name (alt text defaults, <picture> fallbacks). */
  name: string
  outputs: readonly OutputReport[]
}

export interface Edit {
  start: number
  end: number
  text: string
}

export function editFor(ref: ImageReference, image: Uploaded, style: LinkStyle): Edit | null {
  const main = primaryOutput(image.outputs, 'full')
  if (!main) return null
  if (style === 'picture') {
    const picture = pictureFor(ref, image)
    if (picture !== null) return { start: ref.start, end: ref.end, text: picture }
  }
  switch (ref.kind) {
    case 'inline':
    case 'definition':
      return { start: ref.targetStart, end: ref.targetEnd, text: urlIn('markdown', main.url) }
    case 'html':
      return {
        start: ref.targetStart,
        end: ref.targetEnd,
        text: urlIn('html', main.url, ref.quote ?? '"'),
      }
    case 'embed':
      return {
        start: ref.start,
        end: ref.end,
        text: markdownImage(ref.alt ?? path.posix.basename(ref.target), main.url, ref.size),
      }
  }
}

function pictureFor(ref: ImageReference, image: Uploaded): string | null {
  let alt: string
  if (ref.kind === 'inline' && !ref.title) alt = unescapeMarkdown(ref.alt ?? '')
  else if (ref.kind === 'embed' && ref.size === undefined)
    alt = ref.alt ?? path.posix.basename(ref.target)
  else if (ref.kind === 'html' && ref.plain) alt = ref.alt ?? ''
  else return null
  const html = formatLink('picture', { name: image.name, alt, outputs: image.outputs })
  return html
    .split('\n')
    .map((line) => line.trim())
    .join('')
}

/** The text with every edit applied (edits must not overlap). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start)
  let out = ''
  let at = 0
  for (const e of sorted) {
    if (e.start < at) continue
    out += text.slice(at, e.start) + e.text
    at = e.end
  }
  return out + text.slice(at)
}
