// The checks of Upshot's local HTTP servers (src/core/http/guard.ts), with real requests where a
// socket is involved: Host names, origins, constant-time tokens, listening, and the headers every
// response carries.

import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  hostAllowed,
  hostNamesFor,
  isLoopbackAddress,
  listenOn,
  originAllowed,
  originsFor,
  securityHeaders,
  tokenEquals,
} from '../../src/core/http/guard'
import { RENDERER_CSP_HEADER } from '../../src/shared/csp'

const servers: http.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

describe('Host', () => {
  it('accepts the names the server listens under, with its port', () => {
    expect(hostAllowed('127.0.0.1:8765', 8765)).toBe(true)
    expect(hostAllowed('localhost:8765', 8765)).toBe(true)
    expect(hostAllowed('LOCALHOST:8765', 8765)).toBe(true)
    expect(hostAllowed('[::1]:8765', 8765, hostNamesFor('::1'))).toBe(true)
  })

  it('refuses another name (DNS rebinding), another port, and malformed headers', () => {
    expect(hostAllowed('evil.example:8765', 8765)).toBe(false)
    expect(hostAllowed('127.0.0.1.nip.io:8765', 8765)).toBe(false)
    expect(hostAllowed('127.0.0.1:8766', 8765)).toBe(false)
    expect(hostAllowed('127.0.0.1', 8765)).toBe(false)
    expect(hostAllowed('127.0.0.1:8765@evil', 8765)).toBe(false)
    expect(hostAllowed('', 8765)).toBe(false)
    expect(hostAllowed(undefined, 8765)).toBe(false)
    // ::1 is not an address a server on 127.0.0.1 answers on.
    expect(hostAllowed('[::1]:8765', 8765)).toBe(false)
    expect(hostAllowed('192.168.1.2:8765', 8765)).toBe(false)
  })

  it('accepts a missing port only on the default ports', () => {
    expect(hostAllowed('127.0.0.1', 80)).toBe(true)
    expect(hostAllowed('127.0.0.1:80', 80)).toBe(true)
  })

  it('gives a LAN address its own name only', () => {
    expect(hostNamesFor('192.168.1.2')).toEqual(['192.168.1.2'])
    expect(hostNamesFor('127.0.0.2')).toEqual(['127.0.0.2', 'localhost'])
  })
})

describe('Origin', () => {
  const allow = originsFor(8765)

  it('accepts the server’s own origins', () => {
    expect(allow).toEqual(['http://127.0.0.1:8765', 'http://localhost:8765'])
    expect(originAllowed('http://127.0.0.1:8765', allow)).toBe(true)
    expect(originAllowed('http://localhost:8765', allow)).toBe(true)
  })

  it('refuses other ports, schemes, hosts, null and absent origins', () => {
    expect(originAllowed('http://127.0.0.1:3000', allow)).toBe(false)
    expect(originAllowed('https://127.0.0.1:8765', allow)).toBe(false)
    expect(originAllowed('http://evil.example', allow)).toBe(false)
    expect(originAllowed('null', allow)).toBe(false)
    expect(originAllowed(undefined, allow)).toBe(false)
    expect(originAllowed('', allow)).toBe(false)
    expect(originAllowed('http://127.0.0.1:8765/path', allow)).toBe(false)
    expect(originAllowed('http://user@127.0.0.1:8765', allow)).toBe(false)
    expect(originAllowed('not a url', allow)).toBe(false)
  })
})

describe('tokens', () => {
  it('compares whole strings', () => {
    expect(tokenEquals('abc123', 'abc123')).toBe(true)
    expect(tokenEquals('abc123', 'abc124')).toBe(false)
    expect(tokenEquals('abc123', 'abc12')).toBe(false)
    expect(tokenEquals('', 'x')).toBe(false)
  })
})

describe('loopback', () => {
  it('knows the loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost'])
      expect(isLoopbackAddress(a), a).toBe(true)
    for (const a of ['0.0.0.0', '::', '192.168.0.1', '10.0.0.1', '128.0.0.1', 'example.com'])
      expect(isLoopbackAddress(a), a).toBe(false)
  })

  it('listens where told, on a free port, and says when a port is taken', async () => {
    const a = http.createServer()
    servers.push(a)
    const port = await listenOn(a, 0, '127.0.0.1')
    expect(port).toBeGreaterThan(0)
    expect((a.address() as net.AddressInfo).address).toBe('127.0.0.1')
    const b = http.createServer()
    servers.push(b)
    await expect(listenOn(b, port, '127.0.0.1')).rejects.toThrow(
      `Port ${port} on 127.0.0.1 is in use`,
    )
    await expect(listenOn(http.createServer(), 0, '192.0.2.1')).rejects.toThrow(
      '192.0.2.1 is not an address of this computer.',
    )
  })
})

describe('headers', () => {
  it('carry the window’s CSP and no CORS header', () => {
    const h = securityHeaders()
    expect(h['Content-Security-Policy']).toBe(RENDERER_CSP_HEADER)
    expect(h['X-Frame-Options']).toBe('DENY')
    expect(h['Cross-Origin-Resource-Policy']).toBe('same-origin')
    expect(Object.keys(h).filter((k) => k.toLowerCase().startsWith('access-control-'))).toEqual([])
  })
})
