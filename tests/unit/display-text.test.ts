import { describe, expect, it } from 'vitest'
import { menuLabel, terminalText } from '../../src/shared/display-text'

describe('terminalText', () => {
  it('writes controls, DEL, C1 and bidi characters as visible escapes', () => {
    expect(terminalText('a\u001b[2Jb\nc\td\r\u0007\u007f\u009b\u202e\u2066.jpg')).toBe(
      'a\\x1B[2Jb\\nc\\td\\r\\x07\\x7F\\x9B\\u202E\\u2066.jpg',
    )
  })

  it('keeps printable text, and a backslash unless it would read as an escape', () => {
    expect(terminalText('Café 東京 🙂 C:\\photos\\a.jpg')).toBe('Café 東京 🙂 C:\\photos\\a.jpg')
    expect(terminalText('a\\x1B.jpg')).toBe('a\\\\x1B.jpg')
  })
})

describe('menuLabel', () => {
  it('doubles ampersands, drops controls and bidi overrides', () => {
    expect(menuLabel('R&D\n\u202egpj.exe')).toBe('R&&D gpj.exe')
  })

  it('shortens by characters, never splitting an emoji, before doubling', () => {
    const long = `${'🙂'.repeat(45)}&`
    const label = menuLabel(long)
    expect(Array.from(label)).toHaveLength(40)
    expect(label.endsWith('🙂…')).toBe(true)
    expect(menuLabel('a&b', 40)).toBe('a&&b')
  })
})
