// Names shown outside the page, where React's escaping does not reach: a terminal (the CLI's
// human output) and native menus (the tray). A file name is whatever someone called a file: it
// may hold escape sequences that recolour or rewrite a terminal, a newline that forges a line
// of output, a bidirectional override that shows `gpj.exe` as `exe.jpg`, or an `&` that a menu
// takes for a keyboard mnemonic.

/**
 * For one value in a line of terminal output: control characters, DEL, C1 controls and bidi
 * formatting characters written as visible escapes (`\n`, `\x1B`, `\u202E`), a backslash as `\\`
 * only where it would make such an escape ambiguous. Printable text, Unicode included, is kept.
 */
export function terminalText(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|\\(?=[xu])/g,
    (c) => {
      if (c === '\\') return '\\\\'
      if (c === '\n') return '\\n'
      if (c === '\r') return '\\r'
      if (c === '\t') return '\\t'
      const code = c.codePointAt(0)!
      return code <= 0xff
        ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
        : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
    },
  )
}

/**
 * A native menu item's label: `&` doubled (Electron reads a single one as a mnemonic on every
 * platform and drops it), control and bidi characters removed, at most `max` characters with an
 * ellipsis, never cutting a character in half.
 */
export function menuLabel(s: string, max = 40): string {
  const clean = s
    .replace(/[\t\n\r\u2028\u2029]/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
  const chars = Array.from(clean)
  const short = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean
  return short.replace(/&/g, '&&')
}
