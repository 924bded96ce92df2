// The core's wire format (src/shared/protocol.ts): frames cut anywhere in a byte stream come out
// whole, a frame over the limit or not JSON is refused, and malformed messages are dropped.

import { describe, expect, it } from 'vitest'
import {
  asCoreMessage,
  asHostMessage,
  encodeFrame,
  FrameDecoder,
  FrameError,
  type CoreMessage,
} from '../../src/shared/protocol'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('frames', () => {
  const messages: CoreMessage[] = [
    { t: 'hello', protocol: 1, version: '1.2.3', pid: 42, node: 'v24.0.0' },
    { t: 'event', event: 'notice', payload: { kind: 'info', message: 'line one\nline two ☃ 🚀' } },
    { t: 'response', id: 7, result: { ok: true, value: { text: '"quoted"\r\n\u2028' } } },
  ]
  const stream = bytes(messages.map(encodeFrame).join(''))

  it('come out whole however the stream is cut, multi-byte characters included', () => {
    for (const size of [1, 2, 3, 5, 17, stream.length]) {
      const decoder = new FrameDecoder()
      const out: unknown[] = []
      for (let at = 0; at < stream.length; at += size) {
        out.push(...decoder.push(stream.subarray(at, at + size)))
      }
      expect(out, `chunks of ${size}`).toEqual(messages)
      expect(decoder.pending).toBe(0)
    }
  })

  it('refuse a frame longer than the limit, before it is all buffered', () => {
    const decoder = new FrameDecoder(64)
    expect(decoder.push(bytes('{"t":"hello"'))).toEqual([])
    expect(() => decoder.push(bytes(`,"x":"${'a'.repeat(100)}`))).toThrow(FrameError)
    // A frame of exactly the limit passes.
    const exact = new FrameDecoder(10)
    expect(exact.push(bytes('"12345678"\n'))).toEqual(['12345678'])
  })

  it('refuse a line that is not JSON, or not UTF-8', () => {
    expect(() => new FrameDecoder().push(bytes('{not json}\n'))).toThrow(/not valid UTF-8 JSON/)
    expect(() => new FrameDecoder().push(new Uint8Array([0x22, 0xff, 0xfe, 0x22, 0x0a]))).toThrow(
      FrameError,
    )
  })
})

describe('messages', () => {
  it('from a host: known kinds with the right fields, anything else dropped', () => {
    expect(asHostMessage({ t: 'request', id: 1, cmd: 'getQueue', args: [] })).not.toBeNull()
    expect(asHostMessage({ t: 'shutdown', extra: 1 })).toEqual({ t: 'shutdown' })
    for (const bad of [
      null,
      [],
      'request',
      { t: 'request', id: -1, cmd: 'x', args: [] },
      { t: 'request', id: 1.5, cmd: 'x', args: [] },
      { t: 'request', id: 1, cmd: 7, args: [] },
      { t: 'request', id: 1, cmd: 'x', args: {} },
      { t: 'init', protocol: '1', init: {} },
      { t: 'port-reply', id: 1 },
      { t: 'eval', code: 'process.exit()' },
    ]) {
      expect(asHostMessage(bad), JSON.stringify(bad)).toBeNull()
    }
  })

  it('from a core: only the ports of the contract may be called', () => {
    expect(asCoreMessage({ t: 'port', id: 1, port: 'notify', args: ['a', 'b'] })).not.toBeNull()
    expect(asCoreMessage({ t: 'port', id: 1, port: 'openDevTools', args: [] })).toBeNull()
    expect(asCoreMessage({ t: 'port', id: 1, port: 'constructor', args: [] })).toBeNull()
    expect(asCoreMessage({ t: 'response', id: 1, result: 'ok' })).toBeNull()
    expect(asCoreMessage({ t: 'ready', suspects: [], failed: [] })).not.toBeNull()
  })
})
