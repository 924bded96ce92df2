// Reading a link template as the languages it may be written in would: an HTML tokenizer (tags,
// attributes quoted or not, comments, raw-text elements), CommonMark's inline parser (link text,
// destinations, titles, backslash escapes, line starts) and a BBCode tag reader (tags, their
// arguments, the bodies of [img] and [url]). For each placeholder it says where it lands; the
// values themselves are never read, so they cannot move the reader (they are escaped for the
// place it found). Used by link-template.ts.

/** Where a placeholder lands; decides its escaping. */
export type Context =
  /** No markup anywhere in the template: the value is only cleaned of control characters. */
  | { kind: 'plain' }
  | {
      kind: 'text'
      html: boolean
      markdown: boolean
      bbcode: boolean
      /** First thing on its line (Markdown reads `# `, `- `, `1. ` there). */
      lineStart: boolean
      /** Right after a literal `<` or `</`: a letter there would open a tag. */
      afterLt: boolean
    }
  | {
      kind: 'attr'
      quote: '"' | "'" | ''
      url: 'none' | 'url' | 'srcset'
      /** At the start of a URL (decides its scheme). */
      start: boolean
      /** Script or style (on*, style, an attribute whose name is a placeholder). */
      strict: boolean
    }
  | { kind: 'md-dest'; start: boolean }
  | { kind: 'md-title' }
  | { kind: 'bb-arg'; quote: '"' | "'" | ''; url: boolean; start: boolean }
  | { kind: 'bb-url'; start: boolean }
  /** Inside <script>, <style>, a comment: letters, digits and a few safe marks only. */
  | { kind: 'strict'; hyphen: boolean }
  /** Part of a tag or attribute name. */
  | { kind: 'name' }

// Attributes whose value is a URL (HTML and SVG).
const URL_ATTRS = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'cite',
  'poster',
  'background',
  'longdesc',
  'usemap',
  'data',
  'codebase',
  'manifest',
  'icon',
  'ping',
  'xlink:href',
  'lowsrc',
  'dynsrc',
  'itemtype',
  'profile',
])
const SRCSET_ATTRS = new Set(['srcset', 'imagesrcset'])
// Elements whose content is not markup: a placeholder there is script or style.
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript'])

type State =
  | 'data'
  | 'tagName'
  | 'beforeAttr'
  | 'attrName'
  | 'afterAttrName'
  | 'beforeValue'
  | 'valueDq'
  | 'valueSq'
  | 'valueUnq'
  | 'comment'
  | 'bogus'
  | 'raw'
  | 'mdDest'
  | 'mdAfterDest'
  | 'mdTitle'
  | 'mdAfterTitle'
  | 'bbTag'
  | 'bbArg'

/** A marker for "a placeholder was here" in the text seen so far of a value. */
const MARK = '\u0001'

/**
 * Reads the template's own text, character by character, and knows at each point where a value
 * would land. Returns the text to write, which is the template's, except that an unquoted
 * attribute value holding a placeholder is put in double quotes (an empty value would otherwise
 * let the next attribute become this one's value).
 */
export class TemplateReader {
  private st: State = 'data'
  private tagName = ''
  private closingTag = false
  private attrName = ''
  private attrNameDynamic = false
  /** The attribute value so far, placeholders as MARK. */
  private value = ''
  /** An unquoted value that this reader put in quotes. */
  private autoQuoted = false
  private rawEnd = ''
  private mdDepth = 0
  private mdParens = 0
  private mdTitleClose = ''
  private mdDest = ''
  private bbTagName = ''
  private bbClosing = false
  private bbArgQuote: '"' | "'" | '' = ''
  private bbArg = ''
  private bbStack: { name: string; hasArg: boolean }[] = []
  private bbBody = ''
  private lineStart = true
  private afterLt = false

  constructor(private readonly lang: { html: boolean; markdown: boolean; bbcode: boolean }) {}

  /** The context of a placeholder here (and text to write before it); then moves past it. */
  placeholder(): { before: string; context: Context } {
    let before = ''
    if (this.st === 'beforeValue') {
      this.st = 'valueUnq'
      this.value = ''
      this.autoQuoted = true
      before = '"'
    }
    const context = this.contextHere()
    this.pastPlaceholder()
    return { before, context }
  }

  /** What to write after the last piece. */
  finish(): string {
    return this.st === 'valueUnq' && this.autoQuoted ? '"' : ''
  }

  private contextHere(): Context {
    const { html, markdown, bbcode } = this.lang
    switch (this.st) {
      case 'data': {
        if (!html && !markdown && !bbcode) return { kind: 'plain' }
        const top = this.bbStack.at(-1)
        if (bbcode && top && (top.name === 'img' || (top.name === 'url' && !top.hasArg)))
          return { kind: 'bb-url', start: this.bbBody.trim() === '' }
        return {
          kind: 'text',
          html,
          markdown,
          bbcode,
          lineStart: this.lineStart,
          afterLt: this.afterLt,
        }
      }
      case 'raw':
        return { kind: 'strict', hyphen: true }
      case 'comment':
      case 'bogus':
        return { kind: 'strict', hyphen: false }
      case 'tagName':
      case 'beforeAttr':
      case 'attrName':
      case 'afterAttrName':
      case 'bbTag':
        return { kind: 'name' }
      case 'beforeValue':
      case 'valueDq':
      case 'valueSq':
      case 'valueUnq':
        return this.attrContext()
      case 'mdDest':
        return { kind: 'md-dest', start: this.mdDest.trim() === '' }
      case 'mdAfterDest':
      case 'mdTitle':
      case 'mdAfterTitle':
        return { kind: 'md-title' }
      case 'bbArg':
        return {
          kind: 'bb-arg',
          quote: this.bbArgQuote,
          url: ['url', 'img', 'email'].includes(this.bbTagName),
          start: this.bbArg.replace(/^["']/, '').trim() === '',
        }
    }
  }

  private attrContext(): Context {
    const name = this.attrName.toLowerCase()
    const quote = this.st === 'valueDq' || this.autoQuoted ? '"' : this.st === 'valueSq' ? "'" : ''
    const strict = this.attrNameDynamic || name.startsWith('on') || name === 'style'
    const url = SRCSET_ATTRS.has(name) ? 'srcset' : URL_ATTRS.has(name) ? 'url' : 'none'
    const start = url === 'srcset' ? /(^|,)\s*$/.test(this.value) : this.value.trim() === ''
    return { kind: 'attr', quote, url, start, strict }
  }

  private pastPlaceholder(): void {
    this.afterLt = false
    switch (this.st) {
      case 'data':
        this.lineStart = false
        this.bbBody += MARK
        return
      case 'beforeAttr':
      case 'afterAttrName':
        this.st = 'attrName'
        this.attrName = ''
        this.attrNameDynamic = true
        return
      case 'attrName':
        this.attrNameDynamic = true
        return
      case 'valueDq':
      case 'valueSq':
      case 'valueUnq':
        this.value += MARK
        return
      case 'mdDest':
        this.mdDest += MARK
        return
      case 'bbArg':
        this.bbArg += MARK
        return
      default:
        return
    }
  }

  /** Reads a piece of template text; returns the text to write for it. */
  feed(text: string): string {
    let out = ''
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!
      const rest = text.slice(i + 1)
      if (this.st === 'valueUnq' && this.autoQuoted) {
        if (/[\s>]/.test(c)) out += '"'
        else if (c === '"') {
          // Part of the value as written unquoted; inside the quotes it must be a reference.
          this.value += c
          out += '&quot;'
          continue
        }
      }
      const more = this.step(c, rest)
      out += text.slice(i, i + 1 + more)
      i += more
    }
    return out
  }

  /** One character of template text; returns how many more characters it consumed. */
  private step(c: string, rest: string): number {
    this.afterLt = false
    switch (this.st) {
      case 'data':
        return this.data(c, rest)
      case 'raw':
        if (c === '<' && rest.toLowerCase().startsWith(`/${this.rawEnd}`)) {
          this.st = 'tagName'
          this.tagName = this.rawEnd
          this.closingTag = true
          return this.rawEnd.length + 1
        }
        return 0
      case 'comment':
        if (c === '-' && rest.startsWith('->')) {
          this.st = 'data'
          return 2
        }
        if (c === '-' && rest.startsWith('-!>')) {
          this.st = 'data'
          return 3
        }
        return 0
      case 'bogus':
        if (c === '>') this.st = 'data'
        return 0
      case 'tagName':
        if (/[\s/]/.test(c)) this.st = 'beforeAttr'
        else if (c === '>') this.endTag()
        else this.tagName += c.toLowerCase()
        return 0
      case 'beforeAttr':
        if (c === '>') this.endTag()
        else if (!/[\s/]/.test(c)) this.startAttr(c)
        return 0
      case 'attrName':
        if (/\s/.test(c)) this.st = 'afterAttrName'
        else if (c === '=') this.st = 'beforeValue'
        else if (c === '>') this.endTag()
        else if (c === '/') this.st = 'beforeAttr'
        else this.attrName += c
        return 0
      case 'afterAttrName':
        if (c === '=') this.st = 'beforeValue'
        else if (c === '>') this.endTag()
        else if (c === '/') this.st = 'beforeAttr'
        else if (!/\s/.test(c)) this.startAttr(c)
        return 0
      case 'beforeValue':
        if (c === '"') this.beginValue('valueDq')
        else if (c === "'") this.beginValue('valueSq')
        else if (c === '>') this.endTag()
        else if (!/\s/.test(c)) {
          this.beginValue('valueUnq')
          this.value = c
        }
        return 0
      case 'valueDq':
      case 'valueSq':
        if (c === (this.st === 'valueDq' ? '"' : "'")) this.st = 'beforeAttr'
        else this.value += c
        return 0
      case 'valueUnq':
        if (/\s/.test(c)) this.st = 'beforeAttr'
        else if (c === '>') this.endTag()
        else this.value += c
        return 0
      case 'mdDest':
        return this.markdownDestination(c, rest)
      case 'mdAfterDest':
        if (c === ')') this.st = 'data'
        else if (c === '"' || c === "'" || c === '(') {
          this.st = 'mdTitle'
          this.mdTitleClose = c === '(' ? ')' : c
        }
        return 0
      case 'mdTitle':
        if (c === '\\') return 1
        if (c === this.mdTitleClose) this.st = 'mdAfterTitle'
        return 0
      case 'mdAfterTitle':
        if (c === ')') this.st = 'data'
        return 0
      case 'bbTag':
        if (c === ']') this.endBbTag()
        else if (c === '=') {
          this.st = 'bbArg'
          this.bbArg = ''
          this.bbArgQuote = rest.startsWith('"') ? '"' : rest.startsWith("'") ? "'" : ''
        } else this.bbTagName += c.toLowerCase()
        return 0
      case 'bbArg':
        // A quoted argument ends at its closing quote; a `]` inside the quotes belongs to it.
        if (c === ']' && (this.bbArgQuote === '' || this.bbArgClosed())) this.endBbTag()
        else this.bbArg += c
        return 0
    }
  }

  private data(c: string, rest: string): number {
    const { html, markdown, bbcode } = this.lang
    if (c === '\n') {
      this.lineStart = true
      this.bbBody += c
      return 0
    }
    if (!/\s/.test(c)) this.lineStart = false
    if (html && c === '<') return this.lessThan(rest)
    if (bbcode && c === '[') {
      const tag = /^(\/?)([A-Za-z*][A-Za-z0-9]*)(?=[=\]\s])/.exec(rest)
      if (tag) {
        this.st = 'bbTag'
        this.bbClosing = tag[1] === '/'
        this.bbTagName = tag[2]!.toLowerCase()
        this.bbArg = ''
        return tag[0].length
      }
    }
    if (markdown) {
      if (c === '\\') return 1
      if (c === '[') this.mdDepth++
      if (c === ']' && this.mdDepth > 0) {
        this.mdDepth--
        if (rest.startsWith('(')) {
          this.st = 'mdDest'
          this.mdDest = ''
          this.mdParens = 0
          return 1
        }
      }
    }
    this.bbBody += c
    return 0
  }

  private lessThan(rest: string): number {
    if (rest.startsWith('!--')) {
      this.st = 'comment'
      return 3
    }
    const end = /^\/([A-Za-z][^\s/>]*)/.exec(rest)
    if (end) {
      this.tagName = end[1]!.toLowerCase()
      this.closingTag = true
      this.st = 'tagName'
      return end[0].length
    }
    if (/^[A-Za-z]/.test(rest)) {
      this.tagName = ''
      this.closingTag = false
      this.st = 'tagName'
      return 0
    }
    if (/^[!?]/.test(rest) || /^\/[^>]/.test(rest)) {
      this.st = 'bogus'
      return 1
    }
    // `<` or `</` at the end of this text: what the placeholder after it starts with decides.
    if (rest === '' || rest === '/') {
      this.afterLt = true
      return rest.length
    }
    this.bbBody += '<'
    return 0
  }

  private markdownDestination(c: string, rest: string): number {
    const angle = this.mdDest.startsWith('<')
    if (c === '\\') {
      this.mdDest += c + rest.slice(0, 1)
      return 1
    }
    if (angle) {
      if (c === '>') this.st = 'mdAfterDest'
      else this.mdDest += c
      return 0
    }
    if (c === '(') this.mdParens++
    if (c === ')') {
      if (this.mdParens === 0) {
        this.st = 'data'
        return 0
      }
      this.mdParens--
    }
    if (/\s/.test(c) && this.mdDest.trim() !== '') this.st = 'mdAfterDest'
    else this.mdDest += c
    return 0
  }

  private startAttr(c: string): void {
    this.st = 'attrName'
    this.attrName = c
    this.attrNameDynamic = false
    this.value = ''
  }

  private beginValue(st: 'valueDq' | 'valueSq' | 'valueUnq'): void {
    this.st = st
    this.value = ''
    this.autoQuoted = false
  }

  private endTag(): void {
    this.autoQuoted = false
    if (!this.closingTag && RAW_TEXT.has(this.tagName)) {
      this.st = 'raw'
      this.rawEnd = this.tagName
    } else this.st = 'data'
  }

  private bbArgClosed(): boolean {
    const arg = this.bbArg
    return arg.length >= 2 && arg.endsWith(this.bbArgQuote)
  }

  private endBbTag(): void {
    this.st = 'data'
    if (this.bbClosing) {
      const at = this.bbStack.map((t) => t.name).lastIndexOf(this.bbTagName)
      if (at !== -1) this.bbStack.length = at
    } else this.bbStack.push({ name: this.bbTagName, hasArg: this.bbArg !== '' })
    this.bbArg = ''
    this.bbBody = ''
  }
}
