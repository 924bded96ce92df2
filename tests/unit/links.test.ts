import { describe, expect, it } from 'vitest'
import type { OutputReport } from '../../src/shared/jobs'
import {
  altFromName,
  formatLink,
  formatLinks,
  primaryOutput,
  type LinkItem,
} from '../../src/shared/links'

const BASE = 'https://cdn.example.com/blog/9b1d0c55e2a4f1aa'

function out(
  variant: string,
  format: string,
  width: number | null,
  height: number | null,
  name = 'Beach-Day',
): OutputReport {
  const ext = format === 'jpeg' ? 'jpg' : format
  return {
    variant,
    format,
    width,
    height,
    bytes: (width ?? 10) * 10,
    key: `blog/9b1d0c55e2a4f1aa/${name}-${variant}.${ext}`,
    url: `${BASE}/${name}-${variant}.${ext}`,
    contentType: format === 'pdf' ? 'application/pdf' : `image/${format}`,
  }
}

// A 16:9 photo with the `web` preset: every variant keeps the shape.
const wide: LinkItem = {
  name: 'Beach Day.jpg',
  outputs: [
    out('thumb', 'webp', 320, 180),
    out('preview', 'webp', 640, 360),
    out('overlay', 'webp', 1280, 720),
    out('full', 'webp', 1920, 1080),
  ],
}

describe('primaryOutput', () => {
  it('prefers the requested variant, then full, then the largest', () => {
    expect(primaryOutput(wide.outputs)?.variant).toBe('full')
    expect(primaryOutput(wide.outputs, 'preview')?.variant).toBe('preview')
    expect(primaryOutput(wide.outputs, 'nope')?.variant).toBe('full')
    const odd = [out('a', 'webp', 10, 10), out('b', 'webp', 50, 50), out('c', 'webp', 20, 20)]
    expect(primaryOutput(odd)?.variant).toBe('b')
    expect(primaryOutput([])).toBeNull()
  })
})

describe('formatLink', () => {
  it('gives the URL, Markdown, HTML and BBCode of the full-size variant', () => {
    const url = `${BASE}/Beach-Day-full.webp`
    expect(formatLink('url', wide)).toBe(url)
    expect(formatLink('markdown', wide)).toBe(`![Beach Day](${url})`)
    expect(formatLink('html', wide)).toBe(
      `<img src="${url}" width="1920" height="1080" alt="Beach Day">`,
    )
    expect(formatLink('bbcode', wide)).toBe(`[img]${url}[/img]`)
    expect(formatLink('url', wide, { variant: 'thumb' })).toBe(`${BASE}/Beach-Day-thumb.webp`)
  })

  it('escapes what would break Markdown and HTML', () => {
    const tricky: LinkItem = {
      name: 'x.jpg',
      alt: 'a [b] "c" <d> & e',
      outputs: [
        {
          ...out('full', 'webp', 100, 50),
          url: 'https://cdn.example.com/x/photo(1)-full.webp',
        },
      ],
    }
    // `<`, `>` and `&` are escaped too now: in a link's text (a file that is not an image) a
    // Markdown renderer that allows HTML would have made `<d>` an element.
    expect(formatLink('markdown', tricky)).toBe(
      '![a \\[b\\] "c" \\<d\\> \\& e](https://cdn.example.com/x/photo%281%29-full.webp)',
    )
    expect(formatLink('html', tricky)).toContain('alt="a [b] &quot;c&quot; &lt;d&gt; &amp; e"')
  })

  it('builds <picture> with srcset over every variant of the same shape, widths ascending', () => {
    const html = formatLink('picture', wide)
    expect(html).toBe(
      [
        '<picture>',
        `  <img src="${BASE}/Beach-Day-full.webp" srcset="${BASE}/Beach-Day-thumb.webp 320w, ${BASE}/Beach-Day-preview.webp 640w, ${BASE}/Beach-Day-overlay.webp 1280w, ${BASE}/Beach-Day-full.webp 1920w" sizes="100vw" width="1920" height="1080" alt="Beach Day" loading="lazy" decoding="async">`,
        '</picture>',
      ].join('\n'),
    )
  })

  it('puts AVIF before WebP and falls back to JPEG in <img>, leaving out cropped variants', () => {
    // A 4:3 photo: the 16:9 cover crops (thumb) are a different picture and stay out.
    const item: LinkItem = {
      name: 'cat.jpg',
      outputs: [
        out('thumb', 'avif', 320, 180, 'cat'),
        out('overlay', 'avif', 960, 720, 'cat'),
        out('full', 'avif', 2000, 1500, 'cat'),
        out('overlay-w', 'webp', 960, 720, 'cat'),
        out('full-w', 'webp', 2000, 1500, 'cat'),
        out('overlay-j', 'jpeg', 960, 720, 'cat'),
        out('full-j', 'jpeg', 2001, 1500, 'cat'),
      ],
    }
    const lines = formatLink('picture', item, { sizes: '(max-width: 800px) 100vw, 800px' }).split(
      '\n',
    )
    expect(lines[0]).toBe('<picture>')
    expect(lines[1]).toBe(
      `  <source type="image/avif" srcset="${BASE}/cat-overlay.avif 960w, ${BASE}/cat-full.avif 2000w" sizes="(max-width: 800px) 100vw, 800px">`,
    )
    expect(lines[2]).toMatch(
      /^ {2}<source type="image\/webp" srcset="[^"]*cat-overlay-w\.webp 960w, [^"]*cat-full-w\.webp 2000w"/,
    )
    expect(lines[3]).toMatch(/^ {2}<img src="[^"]*cat-full-j\.jpg" srcset="[^"]*960w, [^"]*2001w"/)
    expect(lines[3]).toContain('width="2001" height="1500" alt="cat"')
    expect(lines[4]).toBe('</picture>')
    expect(lines.join('\n')).not.toContain('thumb')
  })

  it('links non-image files instead of embedding them', () => {
    const pdf: LinkItem = {
      name: 'report.pdf',
      outputs: [out('original', 'pdf', null, null, 'report')],
    }
    const url = `${BASE}/report-original.pdf`
    expect(formatLink('markdown', pdf)).toBe(`[report.pdf](${url})`)
    expect(formatLink('html', pdf)).toBe(`<a href="${url}">report.pdf</a>`)
    expect(formatLink('picture', pdf)).toBe(`<a href="${url}">report.pdf</a>`)
    expect(formatLink('bbcode', pdf)).toBe(`[url=${url}]report.pdf[/url]`)
  })

  it('fills a custom template, including other variants by name, and leaves unknown ones', () => {
    const template =
      '{name} {width}x{height} {variant}/{format} {bytes}B <{url:thumb}> {nope} {url:zzz}'
    expect(formatLink('custom', wide, { template })).toBe(
      `Beach Day.jpg 1920x1080 full/webp 19200B <${BASE}/Beach-Day-thumb.webp> {nope} {url:zzz}`,
    )
    expect(formatLink('custom', wide)).toBe(`![Beach Day](${BASE}/Beach-Day-full.webp)`)
  })

  it('is empty for a file without outputs', () => {
    expect(formatLink('markdown', { name: 'a.jpg', outputs: [] })).toBe('')
  })
})

describe('formatLinks', () => {
  it('puts one link per line, and a blank line between <picture> blocks', () => {
    const other: LinkItem = { name: 'b.png', outputs: [out('full', 'webp', 10, 10, 'b')] }
    expect(formatLinks('url', [wide, { name: 'none', outputs: [] }, other])).toBe(
      `${BASE}/Beach-Day-full.webp\n${BASE}/b-full.webp`,
    )
    expect(formatLinks('picture', [wide, other]).split('\n\n')).toHaveLength(2)
  })
})

describe('altFromName', () => {
  it('turns a file name into readable words', () => {
    expect(altFromName('IMG_0012-final.jpg')).toBe('IMG 0012 final')
    expect(altFromName('/home/a/b/Beach Day.jpeg')).toBe('Beach Day')
    expect(altFromName('.hidden')).toBe('hidden')
    expect(altFromName('___.png')).toBe('___')
  })
})
