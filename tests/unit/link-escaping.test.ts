// Property tests of the link formats' escaping: file names made of the characters that break
// markup (quotes, <>&, brackets, backticks, backslashes, newlines, `[/url]`, `](javascript:`,
// U+202E, NUL...) go through every format and several templates, and a real parser of each
// language reads the result back: parse5 for HTML, markdown-it (HTML allowed, the riskiest
// setting) for Markdown, @bbob/parser for BBCode. The structure is exactly the template's, and
// the values read back are the originals (less control characters).

import { parse as parseBbcode } from '@bbob/parser'
import fc from 'fast-check'
import MarkdownIt from 'markdown-it'
import { parseFragment } from 'parse5'
import { describe, expect, it } from 'vitest'
import type { OutputReport } from '../../src/shared/jobs'
import { cleanText, escapeBbcodeText, UNSAFE_URL } from '../../src/shared/link-escape'
import { altFromName, DEFAULT_TEMPLATE, formatLink, type LinkItem } from '../../src/shared/links'
import { DEFAULT_PREFERENCES } from '../../src/core/settings-model'

const RUNS = { seed: 17, numRuns: 300 }

const HOSTILE = [
  '"',
  "'",
  '<',
  '>',
  '&',
  '`',
  '[',
  ']',
  '(',
  ')',
  '\\',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u202e',
  '\u2028',
  '[/url]',
  '[url=https://evil.example/]',
  '[img]',
  '](javascript:alert(1))',
  '" onerror="alert(1)',
  "' onload='alert(1)",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</a>',
  '-->',
  '<!--',
  'javascript:',
  '//evil.example',
  '&amp;',
  '&#x3c;',
  '{url}',
  '*',
  '_',
  '~~',
  '#',
  '- ',
  '1. ',
  '|',
  '$',
  '!',
  '=',
  ' ',
  '/',
  '%',
  '%zz',
  '?',
  ':',
  'a',
  'Z',
  '0',
  'é',
  '東京',
  '🙂',
  '.jpg',
]

const hostileText = fc
  .array(fc.constantFrom(...HOSTILE), { minLength: 0, maxLength: 12 })
  .map((parts) => parts.join(''))

// Like the engine's: percent-encoded key segments; parentheses, a quote and a query as a
// presigned link has them.
const BASE = "https://cdn.example.com/blog/9b1d0c55e2a4f1aa/it's(1)"
const SIGNED = '?X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=ab12'

function output(variant: string, width: number | null, height: number | null): OutputReport {
  return {
    variant,
    format: width === null ? 'pdf' : 'webp',
    width,
    height,
    bytes: 1000,
    key: `blog/9b1d0c55e2a4f1aa/photo-${variant}.webp`,
    url: `${BASE}-${variant}.webp${SIGNED}`,
    contentType: width === null ? 'application/pdf' : 'image/webp',
  }
}
const IMAGE_OUTPUTS = [output('thumb', 320, 180), output('full', 1920, 1080)]
const FILE_OUTPUTS = [output('original', null, null)]
const FULL = IMAGE_OUTPUTS[1]!.url
const THUMB = IMAGE_OUTPUTS[0]!.url

// ---------------------------------------------------------------- readers

interface El {
  tag: string
  attrs: Record<string, string>
  text: string
}

interface P5Node {
  nodeName: string
  value?: string
  attrs?: { name: string; value: string }[]
  childNodes?: P5Node[]
}

/** Every element of an HTML fragment in document order, and the text outside any element. */
function readHtml(html: string): { elements: El[]; looseText: string; comments: string[] } {
  const elements: El[] = []
  const comments: string[] = []
  let looseText = ''
  const textOf = (n: P5Node): string =>
    n.nodeName === '#text' ? (n.value ?? '') : (n.childNodes ?? []).map(textOf).join('')
  const walk = (n: P5Node, inside: boolean): void => {
    for (const c of n.childNodes ?? []) {
      if (c.nodeName === '#text') {
        if (!inside) looseText += c.value ?? ''
      } else if (c.nodeName === '#comment') comments.push(c.value ?? '')
      else {
        elements.push({
          tag: c.nodeName,
          attrs: Object.fromEntries((c.attrs ?? []).map((a) => [a.name, a.value])),
          text: textOf(c),
        })
        walk(c, true)
      }
    }
  }
  walk(parseFragment(html) as unknown as P5Node, false)
  return { elements, looseText, comments }
}

const md = new MarkdownIt({ html: true })

/** Markdown rendered as a site with HTML enabled would, then read as HTML. */
function readMarkdown(text: string): { elements: El[]; looseText: string } {
  return readHtml(md.render(text))
}

interface BbTag {
  tag: string
  attrs: Record<string, string>
  content: (string | BbTag)[]
}

function bbTags(text: string): { tags: BbTag[]; text: string } {
  const tags: BbTag[] = []
  let plain = ''
  const walk = (nodes: (string | BbTag)[]): void => {
    for (const n of nodes) {
      if (typeof n === 'string') plain += n
      else {
        tags.push(n)
        walk(n.content ?? [])
      }
    }
  }
  walk(parseBbcode(text) as unknown as (string | BbTag)[])
  return { tags, text: plain }
}

const mdUrl = (url: string): string => url.replace(/\(/g, '%28').replace(/\)/g, '%29')

/** What a name is once cleaned: the value every reader must get back. */
const shown = (s: string): string => cleanText(s)

// ---------------------------------------------------------------- built-in formats

describe('the built-in formats, with hostile names', () => {
  it('HTML: one <img> with exactly its attributes, alt read back unchanged', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const html = formatLink('html', { name, alt, outputs: IMAGE_OUTPUTS })
        const { elements, looseText } = readHtml(html)
        expect(elements).toEqual([
          {
            tag: 'img',
            attrs: { src: FULL, width: '1920', height: '1080', alt: shown(alt) },
            text: '',
          },
        ])
        expect(looseText).toBe('')
      }),
      RUNS,
    )
  })

  it('HTML for a file: one <a> whose text is the name', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        const { elements, looseText } = readHtml(
          formatLink('html', { name, outputs: FILE_OUTPUTS }),
        )
        expect(elements).toEqual([
          { tag: 'a', attrs: { href: FILE_OUTPUTS[0]!.url }, text: shown(name) },
        ])
        expect(looseText).toBe('')
      }),
      RUNS,
    )
  })

  it('<picture>: picture, its sources and one <img>, alt unchanged', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        const html = formatLink('picture', { name, outputs: IMAGE_OUTPUTS })
        const { elements } = readHtml(html)
        expect(elements.map((e) => e.tag)).toEqual(['picture', 'img'])
        const img = elements[1]!.attrs
        expect(Object.keys(img).sort()).toEqual(
          ['alt', 'decoding', 'height', 'loading', 'sizes', 'src', 'srcset', 'width'].sort(),
        )
        expect(img.alt).toBe(shown(altFromName(name)))
        expect(img.src).toBe(FULL)
        // The srcset parses back into the two URLs (a comma or space in one would split it).
        expect(img.srcset!.split(', ').map((c) => decodeURIComponent(c.split(' ')[0]!))).toEqual([
          decodeURIComponent(THUMB),
          decodeURIComponent(FULL),
        ])
      }),
      RUNS,
    )
  })

  it('Markdown: exactly one image, alt and URL read back unchanged', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const text = formatLink('markdown', { name, alt, outputs: IMAGE_OUTPUTS })
        const { elements, looseText } = readMarkdown(text)
        expect(elements).toEqual([
          { tag: 'p', attrs: {}, text: '' },
          { tag: 'img', attrs: { src: mdUrl(FULL), alt: shown(alt) }, text: '' },
        ])
        expect(looseText.trim()).toBe('')
      }),
      RUNS,
    )
  })

  it('Markdown for a file: exactly one link whose text is the name', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        const text = formatLink('markdown', { name, outputs: FILE_OUTPUTS })
        const { elements } = readMarkdown(text)
        expect(elements).toEqual([
          { tag: 'p', attrs: {}, text: shown(name) },
          { tag: 'a', attrs: { href: mdUrl(FILE_OUTPUTS[0]!.url) }, text: shown(name) },
        ])
      }),
      RUNS,
    )
  })

  it('BBCode: [img] alone for an image, one [url] for a file, no tag from a name', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        const image = bbTags(formatLink('bbcode', { name, outputs: IMAGE_OUTPUTS }))
        expect(image.tags.map((t) => t.tag)).toEqual(['img'])
        expect(image.text).toBe(bbUrl(FULL))

        const file = bbTags(formatLink('bbcode', { name, outputs: FILE_OUTPUTS }))
        expect(file.tags.map((t) => t.tag)).toEqual(['url'])
        expect(Object.values(file.tags[0]!.attrs)).toEqual([bbUrl(FILE_OUTPUTS[0]!.url)])
        expect(file.text).toBe(escapeBbcodeText(shown(name)))
      }),
      RUNS,
    )
  })
})

/** A URL in BBCode: brackets after the host percent-encoded (there are none here). */
const bbUrl = (url: string): string => url.replace(/\[/g, '%5B').replace(/\]/g, '%5D')

// ---------------------------------------------------------------- templates

describe('custom templates, with hostile names', () => {
  const item = (name: string, alt: string): LinkItem => ({ name, alt, outputs: IMAGE_OUTPUTS })

  it("the settings' default template: <a> around one <img>, values unchanged", () => {
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const template = DEFAULT_PREFERENCES.customTemplate
        const { elements, looseText } = readHtml(
          formatLink('custom', item(name, alt), { template }),
        )
        expect(elements).toEqual([
          { tag: 'a', attrs: { href: FULL }, text: '' },
          { tag: 'img', attrs: { src: THUMB, alt: shown(alt) }, text: '' },
        ])
        expect(looseText).toBe('')
      }),
      RUNS,
    )
  })

  it('the built-in default template (Markdown image)', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const text = formatLink('custom', item(name, alt), { template: DEFAULT_TEMPLATE })
        expect(text).toBe(formatLink('markdown', item(name, alt)))
      }),
      RUNS,
    )
  })

  it('unquoted, single-quoted and double-quoted attributes, and element text', () => {
    const template =
      '<figure><img src={url} alt={alt} title=\'{name}\' data-v={variant}x srcset="{url:thumb} 320w, {url} 1920w"><figcaption>{name} ({width}×{height})</figcaption></figure>'
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const { elements, looseText } = readHtml(
          formatLink('custom', item(name, alt), { template }),
        )
        expect(elements.map((e) => e.tag)).toEqual(['figure', 'img', 'figcaption'])
        expect(elements[1]!.attrs).toEqual({
          src: FULL,
          alt: shown(alt),
          title: shown(name),
          'data-v': 'fullx',
          srcset: `${THUMB} 320w, ${FULL} 1920w`.replace(/,(?! )/g, '%2C'),
        })
        expect(elements[2]!.text).toBe(`${shown(name)} (1920×1080)`)
        expect(looseText).toBe('')
      }),
      RUNS,
    )
  })

  it('a name in an href, a comment or an event handler cannot run script', () => {
    const template =
      '<!-- {name} --><a href="{name}" onclick="track(\'{name}\')" style="color:{name}">{alt}</a><script>var n = "{name}"</script>'
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const { elements, comments } = readHtml(formatLink('custom', item(name, alt), { template }))
        expect(elements.map((e) => e.tag)).toEqual(['a', 'script'])
        expect(comments).toHaveLength(1)
        const a = elements[0]!
        expect(Object.keys(a.attrs).sort()).toEqual(['href', 'onclick', 'style'])
        // Relative to the page, never another scheme or host.
        expect(new URL(a.attrs.href!, 'https://page.example/x/').origin).toBe(
          'https://page.example',
        )
        expect(a.attrs.onclick).toMatch(/^track\('[\p{L}\p{N} ._-]*'\)$/u)
        expect(a.attrs.style).toMatch(/^color:[\p{L}\p{N} ._-]*$/u)
        expect(a.text).toBe(shown(alt))
        expect(elements[1]!.text).toMatch(/^var n = "[\p{L}\p{N} ._-]*"$/u)
      }),
      RUNS,
    )
  })

  it('Markdown with a title, and Markdown with HTML in it', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const link = readMarkdown(
          formatLink('custom', item(name, alt), { template: '[{name}]({url} "{alt}")' }),
        )
        expect(link.elements).toEqual([
          { tag: 'p', attrs: {}, text: shown(name) },
          {
            tag: 'a',
            // An empty title is left out.
            attrs: { href: mdUrl(FULL), ...(shown(alt) ? { title: shown(alt) } : {}) },
            text: shown(name),
          },
        ])

        const mixed = readMarkdown(
          formatLink('custom', item(name, alt), {
            template: '[![{alt}]({url:thumb})]({url})<br><small>{name}</small>',
          }),
        )
        expect(mixed.elements.map((e) => e.tag)).toEqual(['p', 'a', 'img', 'br', 'small'])
        expect(mixed.elements[1]!.attrs).toEqual({ href: mdUrl(FULL) })
        expect(mixed.elements[2]!.attrs).toEqual({ src: mdUrl(THUMB), alt: shown(alt) })
        expect(mixed.elements[4]!.text).toBe(shown(name))
      }),
      RUNS,
    )
  })

  it('a name at the start of a Markdown line stays text', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        const { elements } = readMarkdown(
          formatLink('custom', item(name, ''), { template: '{name}\n[link]({url})' }),
        )
        expect(elements.map((e) => e.tag)).toEqual(['p', 'a'])
        // An empty name leaves an empty line, which Markdown skips.
        expect(elements[0]!.text).toBe(shown(name) ? `${shown(name)}\nlink` : 'link')
      }),
      RUNS,
    )
  })

  it('BBCode: [url] around [img], then the name; no tag from a name', () => {
    const template = '[url={url}][img]{url:thumb}[/img][/url] [quote="{name}"]{alt}[/quote]'
    fc.assert(
      fc.property(hostileText, hostileText, (name, alt) => {
        const { tags } = bbTags(formatLink('custom', item(name, alt), { template }))
        expect(tags.map((t) => t.tag)).toEqual(['url', 'img', 'quote'])
        expect(Object.values(tags[0]!.attrs)).toEqual([bbUrl(FULL)])
        expect(tags[1]!.content).toEqual([bbUrl(THUMB)])
        expect(tags[2]!.content.join('')).toBe(escapeBbcodeText(shown(alt)))
      }),
      RUNS,
    )
  })

  it('plain text templates are the values as they are, less control characters', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        expect(formatLink('custom', item(name, ''), { template: '{name}: {url}' })).toBe(
          `${shown(name)}: ${FULL}`,
        )
      }),
      RUNS,
    )
  })
})

describe('URLs', () => {
  it('never writes a javascript: or data: URL where a link or image is expected', () => {
    for (const url of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,<x>']) {
      const evil: LinkItem = { name: 'a.jpg', outputs: [{ ...output('full', 10, 10), url }] }
      const img = readHtml(formatLink('html', evil)).elements[0]!
      expect(img.attrs.src).toBe(UNSAFE_URL)
      expect(readMarkdown(formatLink('markdown', evil)).elements[1]!.attrs.src).toBe(UNSAFE_URL)
      expect(bbTags(formatLink('bbcode', evil)).text).toBe(UNSAFE_URL)
      const picture = readHtml(formatLink('picture', evil)).elements[1]!
      expect(picture.attrs.src).toBe(UNSAFE_URL)
    }
  })

  it('keeps an IPv6 host and encodes what markup cannot hold', () => {
    const item: LinkItem = {
      name: 'a.jpg',
      outputs: [{ ...output('full', 10, 10), url: 'http://[::1]:9000/b/a b"<c>.webp' }],
    }
    expect(formatLink('html', item)).toContain('src="http://[::1]:9000/b/a%20b%22%3Cc%3E.webp"')
    expect(formatLink('markdown', item)).toBe('![a](http://[::1]:9000/b/a%20b%22%3Cc%3E.webp)')
  })
})
