// The guard as the editor API uses it: loopback names (with ::1 when it listens there), origins
// of apps such as Obsidian, bounded bodies, loopback-only listening, an API's headers.
import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  HttpError,
  hostAllowed,
  hostNamesFor,
  listenLoopback,
  originAllowed,
  readBody,
  securityHeaders,
  tokenEquals,
} from '../../src/core/http/guard'

describe('hostAllowed', () => {
  it('takes only loopback names with the port the server listens on', () => {
    expect(hostAllowed('127.0.0.1:36677', 36677)).toBe(true)
    expect(hostAllowed('localhost:36677', 36677)).toBe(true)
    expect(hostAllowed('LOCALHOST:36677', 36677)).toBe(true)
    expect(hostAllowed('[::1]:36677', 36677, hostNamesFor('::1'))).toBe(true)
    expect(hostAllowed('[::1]:36677', 36677)).toBe(false)
  })

  it('refuses other names (DNS rebinding), other ports and a missing Host', () => {
    expect(hostAllowed('evil.example:36677', 36677)).toBe(false)
    expect(hostAllowed('127.0.0.1', 36677)).toBe(false)
    expect(hostAllowed('127.0.0.1:36678', 36677)).toBe(false)
    expect(hostAllowed('localhost.:36677', 36677)).toBe(false)
    expect(hostAllowed('127.0.0.2:36677', 36677)).toBe(false)
    expect(hostAllowed('0.0.0.0:36677', 36677)).toBe(false)
    expect(hostAllowed(undefined, 36677)).toBe(false)
    expect(hostAllowed('', 36677)).toBe(false)
  })
})

describe('originAllowed', () => {
  const list = ['app://obsidian.md']
  it('leaves requests without an Origin to the server (the editor API admits editors by key)', () => {
    expect(originAllowed(undefined, list)).toBe(false)
  })
  it('takes an origin on the allowlist, compared as an origin', () => {
    expect(originAllowed('app://obsidian.md', list)).toBe(true)
    expect(originAllowed('APP://obsidian.md', list)).toBe(true)
    expect(originAllowed('https://ok.example', ['https://ok.example/'])).toBe(true)
  })
  it('refuses foreign pages, the null origin and garbage', () => {
    expect(originAllowed('https://evil.example', list)).toBe(false)
    expect(originAllowed('http://127.0.0.1:36677', list)).toBe(false)
    expect(originAllowed('null', [...list, 'null'])).toBe(false)
    expect(originAllowed('', list)).toBe(false)
    expect(originAllowed('not a url', list)).toBe(false)
    expect(originAllowed('app://obsidian.md.evil.example', list)).toBe(false)
  })
})

describe('tokenEquals', () => {
  it('is equality, whatever the lengths', () => {
    expect(tokenEquals('abc', 'abc')).toBe(true)
    expect(tokenEquals('abc', 'abd')).toBe(false)
    expect(tokenEquals('abc', 'abcd')).toBe(false)
    expect(tokenEquals('', 'a')).toBe(false)
    expect(tokenEquals('ключ', 'ключ')).toBe(true)
  })
})

describe('listenLoopback and readBody', () => {
  const servers: http.Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
  })

  it('refuses to listen anywhere but loopback', async () => {
    const server = http.createServer()
    await expect(listenLoopback(server, 0, '0.0.0.0')).rejects.toThrow(/not a loopback/)
    await expect(listenLoopback(server, 0, '192.168.1.10')).rejects.toThrow(/not a loopback/)
    expect(server.listening).toBe(false)
  })

  it('listens on 127.0.0.1 and reports a taken port as EADDRINUSE', async () => {
    const a = http.createServer()
    servers.push(a)
    const port = await listenLoopback(a, 0)
    expect((a.address() as net.AddressInfo).address).toBe('127.0.0.1')
    const b = http.createServer()
    await expect(listenLoopback(b, port)).rejects.toMatchObject({ code: 'EADDRINUSE' })
  })

  it('reads a body up to the cap and refuses one past it, declared or not', async () => {
    const results: (string | number)[] = []
    const server = http.createServer((req, res) => {
      readBody(req, 10).then(
        (b) => {
          results.push(b.toString())
          res.end('ok')
        },
        (err: HttpError) => {
          results.push(err.status)
          res.statusCode = err.status
          res.end()
        },
      )
    })
    servers.push(server)
    const port = await listenLoopback(server, 0)
    const post = (body: string, chunked: boolean): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            headers: chunked ? { 'transfer-encoding': 'chunked' } : {},
          },
          (res) => {
            res.resume()
            resolve(res.statusCode!)
          },
        )
        req.on('error', reject)
        req.end(body)
      })
    expect(await post('0123456789', false)).toBe(200)
    expect(await post('0123456789A', false)).toBe(413)
    expect(await post('0123456789ABCDEF', true)).toBe(413)
    expect(results).toEqual(['0123456789', 413, 413])
  })
})

describe('securityHeaders', () => {
  it('sends no CORS header and forbids caching and framing', () => {
    const h = securityHeaders('api')
    expect(h['Content-Security-Policy']).toBe("default-src 'none'; frame-ancestors 'none'")
    expect(Object.keys(h).some((k) => k.toLowerCase().startsWith('access-control-'))).toBe(false)
    expect(h['Cache-Control']).toBe('no-store')
    expect(h['X-Frame-Options']).toBe('DENY')
  })
})
