// Fetching an http(s) image for Typora, the API's list and `md --include-remote`: http and https
// only, no private addresses (given literally or by a name that resolves to one, at every
// redirect), a size cap, a deadline, a redirect limit, and the bytes must be an image.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkRemoteUrl,
  fetchRemoteImage,
  isPrivateAddress,
  nameFor,
} from '../../src/core/editors/remote-fetch'
import { CORPUS } from '../helpers/fixtures'

const PNG = fs.readFileSync(path.join(CORPUS, 'sharp__with-alpha.png'))

let server: http.Server
let origin: string
let port: number

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    switch (url.pathname) {
      case '/photo.png':
        return res.writeHead(200, { 'Content-Type': 'image/png' }).end(PNG)
      case '/noext':
        return res.writeHead(200).end(PNG)
      case '/page.png':
        return res.writeHead(200, { 'Content-Type': 'image/png' }).end('<!doctype html><p>hi')
      case '/big-declared':
        res.writeHead(200, { 'Content-Length': String(10 * 1024 * 1024) })
        return res.write(PNG)
      case '/big-chunked': {
        res.writeHead(200, { 'Content-Type': 'image/png' })
        res.write(PNG)
        res.write(Buffer.alloc(200 * 1024))
        return res.end()
      }
      case '/loop':
        return res.writeHead(302, { Location: '/loop' }).end()
      case '/to-photo':
        return res.writeHead(301, { Location: '/photo.png' }).end()
      case '/to-file':
        return res.writeHead(302, { Location: 'file:///etc/passwd' }).end()
      case '/gone':
        return res.writeHead(404).end()
      case '/slow':
        res.writeHead(200, { 'Content-Type': 'image/png' })
        return res.write(PNG.subarray(0, 10)) // and nothing more
      default:
        return res.writeHead(500).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('which addresses are private', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['2606:4700:4700::1111', false],
    ['example.com', false],
  ])('%s -> %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected)
  })
})

describe('checkRemoteUrl', () => {
  it('takes http and https only, without credentials, and no literal private address', () => {
    expect(checkRemoteUrl('https://example.com/a.png').host).toBe('example.com')
    expect(() => checkRemoteUrl('file:///etc/passwd')).toThrow(/Only http:\/\/ and https:\/\//)
    expect(() => checkRemoteUrl('ftp://example.com/a.png')).toThrow(/not ftp:\/\/ URLs/)
    expect(() => checkRemoteUrl('https://u:p@example.com/a.png')).toThrow(/user name or password/)
    expect(() => checkRemoteUrl('http://169.254.169.254/latest/meta-data')).toThrow(
      /private, loopback or link-local/,
    )
    expect(() => checkRemoteUrl('http://[::1]:8080/a.png')).toThrow(/private/)
    expect(() => checkRemoteUrl('http://[::ffff:7f00:1]/a.png')).toThrow(/private/)
    expect(checkRemoteUrl('http://127.0.0.1/a.png', true).hostname).toBe('127.0.0.1')
  })
})

describe('fetchRemoteImage', () => {
  it('refuses a name that resolves to a private address, before connecting', async () => {
    await expect(fetchRemoteImage(`http://localhost:${port}/photo.png`)).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    })
    await expect(fetchRemoteImage(`${origin}/photo.png`)).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    })
  })

  it('fetches an image when allowed, following redirects, named after the URL', async () => {
    const got = await fetchRemoteImage(`${origin}/to-photo`, { allowPrivate: true })
    expect(got.data.equals(PNG)).toBe(true)
    expect(got.name).toBe('photo.png')
    expect(got.url).toBe(`${origin}/photo.png`)
    const noExt = await fetchRemoteImage(`${origin}/noext`, { allowPrivate: true })
    expect(noExt.name).toBe('noext.png')
  })

  it.each([
    ['/page.png', 'UNSUPPORTED_FORMAT', /rather than an image/],
    ['/big-declared', 'FILE_TOO_LARGE', /larger than 0 MiB/],
    ['/big-chunked', 'FILE_TOO_LARGE', /larger than/],
    ['/loop', 'NETWORK', /redirected more than 2 times/],
    ['/to-file', 'CONFIG', /Only http:\/\/ and https:\/\//],
    ['/gone', 'NOT_FOUND', /answered 404/],
    ['/slow', 'NETWORK', /did not send the image within/],
  ])('%s fails with %s', async (route, code, message) => {
    const err = await fetchRemoteImage(`${origin}${route}`, {
      allowPrivate: true,
      maxBytes: 100 * 1024,
      maxRedirects: 2,
      timeoutMs: 500,
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code })
    expect((err as Error).message).toMatch(message)
  })
})

describe('nameFor', () => {
  it('keeps a safe last segment and the real extension', () => {
    const type = { kind: 'image', format: 'jpeg', mime: 'image/jpeg', ext: 'jpg' } as const
    expect(nameFor(new URL('https://x/a/photo%201.jpeg?w=3'), type as never)).toBe('photo 1.jpg')
    expect(nameFor(new URL('https://x/..%2F..%2Fetc%2Fpasswd'), type as never)).toBe('passwd.jpg')
    expect(nameFor(new URL('https://x/'), type as never)).toBe('image.jpg')
    expect(nameFor(new URL('https://x/a%5C..%5C%2E%2E'), type as never)).toBe('image.jpg')
  })
})
