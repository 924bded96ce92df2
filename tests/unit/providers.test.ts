import { describe, expect, it } from 'vitest'
import { resolveProvider, type ProviderSettings } from '../../src/engine/destinations/providers'
import { s3ObjectUrl } from '../../src/engine/storage/urls'
import type { S3DestinationConfig } from '../../src/engine/types'

const ACCOUNT = '0123456789abcdef0123456789abcdef'
const KEY = 'photos/ab12/Été à la plage 🌊.webp'
const ENCODED = 'photos/ab12/%C3%89t%C3%A9%20%C3%A0%20la%20plage%20%F0%9F%8C%8A.webp'

function s3(settings: ProviderSettings): S3DestinationConfig {
  const { config } = resolveProvider(settings)
  if (config.kind !== 's3') throw new Error('expected an S3 config')
  return config
}

describe('provider presets', () => {
  it('AWS S3: region, virtual-hosted, SDK checksums, CloudFront links', () => {
    const c = s3({ provider: 's3', bucket: 'my-photos', region: 'eu-west-3' })
    expect(c).toMatchObject({ region: 'eu-west-3', pathStyle: false, checksum: 'WHEN_SUPPORTED' })
    expect(c.endpoint).toBeUndefined()
    expect(s3ObjectUrl(c, KEY)).toBe(`https://my-photos.s3.eu-west-3.amazonaws.com/${ENCODED}`)
    const cf = s3({
      provider: 's3',
      bucket: 'my-photos',
      region: 'eu-west-3',
      publicUrl: 'https://d111111abcdef8.cloudfront.net/',
    })
    expect(s3ObjectUrl(cf, KEY)).toBe(`https://d111111abcdef8.cloudfront.net/${ENCODED}`)
    expect(s3({ provider: 's3', bucket: 'b-1' }).region).toBe('us-east-1')
  })

  it('AWS S3: a dotted bucket name is linked path-style (the wildcard certificate)', () => {
    const c = s3({ provider: 's3', bucket: 'img.example.com', region: 'us-west-2' })
    expect(s3ObjectUrl(c, 'a b.png')).toBe(
      'https://s3.us-west-2.amazonaws.com/img.example.com/a%20b.png',
    )
  })

  it('R2: account endpoint per jurisdiction, region auto, no CRC32 trailers', () => {
    const plain = s3({ provider: 'r2', bucket: 'pics', accountId: ACCOUNT.toUpperCase() })
    expect(plain).toMatchObject({
      endpoint: `https://${ACCOUNT}.r2.cloudflarestorage.com`,
      region: 'auto',
      checksum: 'WHEN_REQUIRED',
    })
    expect(
      s3({ provider: 'r2', bucket: 'pics', accountId: ACCOUNT, jurisdiction: 'eu' }).endpoint,
    ).toBe(`https://${ACCOUNT}.eu.r2.cloudflarestorage.com`)
    expect(
      s3({ provider: 'r2', bucket: 'pics', accountId: ACCOUNT, jurisdiction: 'fedramp' }).endpoint,
    ).toBe(`https://${ACCOUNT}.fedramp.r2.cloudflarestorage.com`)
    expect(() => resolveProvider({ provider: 'r2', bucket: 'pics', accountId: 'xyz' })).toThrow(
      /account ID/,
    )
  })

  it('R2: custom domain links; r2.dev links come with the rate-limit warning', () => {
    const custom = resolveProvider({
      provider: 'r2',
      bucket: 'pics',
      accountId: ACCOUNT,
      publicUrl: 'https://img.example.com',
    })
    expect(custom.warnings).toEqual([])
    expect(s3ObjectUrl(custom.config as S3DestinationConfig, KEY)).toBe(
      `https://img.example.com/${ENCODED}`,
    )
    const dev = resolveProvider({
      provider: 'r2',
      bucket: 'pics',
      accountId: ACCOUNT,
      publicUrl: 'https://pub-0123abcd.r2.dev',
    })
    expect(dev.warnings.join(' ')).toMatch(/rate-limited/)
    expect(s3ObjectUrl(dev.config as S3DestinationConfig, KEY)).toBe(
      `https://pub-0123abcd.r2.dev/${ENCODED}`,
    )
    const none = resolveProvider({ provider: 'r2', bucket: 'pics', accountId: ACCOUNT })
    expect(none.warnings.join(' ')).toMatch(/custom domain or the bucket's r2.dev URL/)
  })

  it('MinIO: the given endpoint, path-style by default', () => {
    const c = s3({ provider: 'minio', bucket: 'media', endpoint: 'http://nas.lan:9000/' })
    expect(c).toMatchObject({
      endpoint: 'http://nas.lan:9000',
      pathStyle: true,
      region: 'us-east-1',
    })
    expect(s3ObjectUrl(c, KEY)).toBe(`http://nas.lan:9000/media/${ENCODED}`)
    expect(() => resolveProvider({ provider: 'minio', bucket: 'media' })).toThrow(/endpoint URL/)
  })

  it('Backblaze B2: s3.<region>.backblazeb2.com, virtual-hosted', () => {
    const c = s3({ provider: 'b2', bucket: 'my-b2', region: 'us-west-004' })
    expect(c.endpoint).toBe('https://s3.us-west-004.backblazeb2.com')
    expect(c.region).toBe('us-west-004')
    expect(s3ObjectUrl(c, KEY)).toBe(`https://my-b2.s3.us-west-004.backblazeb2.com/${ENCODED}`)
    expect(() => resolveProvider({ provider: 'b2', bucket: 'my-b2' })).toThrow(/region/)
  })

  it('Wasabi: s3.<region>.wasabisys.com', () => {
    const c = s3({ provider: 'wasabi', bucket: 'wbk', region: 'eu-central-1' })
    expect(c.endpoint).toBe('https://s3.eu-central-1.wasabisys.com')
    expect(s3ObjectUrl(c, 'a b.jpg')).toBe('https://wbk.s3.eu-central-1.wasabisys.com/a%20b.jpg')
  })

  it('DigitalOcean Spaces: region endpoint, origin or CDN links', () => {
    const origin = s3({ provider: 'spaces', bucket: 'space', region: 'nyc3' })
    expect(origin.endpoint).toBe('https://nyc3.digitaloceanspaces.com')
    expect(s3ObjectUrl(origin, KEY)).toBe(`https://space.nyc3.digitaloceanspaces.com/${ENCODED}`)
    const cdn = s3({ provider: 'spaces', bucket: 'space', region: 'nyc3', cdn: true })
    expect(s3ObjectUrl(cdn, KEY)).toBe(`https://space.nyc3.cdn.digitaloceanspaces.com/${ENCODED}`)
    const custom = s3({
      provider: 'spaces',
      bucket: 'space',
      region: 'ams3',
      cdn: true,
      publicUrl: 'https://img.example.org',
    })
    expect(s3ObjectUrl(custom, 'x.png')).toBe('https://img.example.org/x.png')
  })

  it('Google Cloud Storage: XML API endpoint, region auto, path-style links', () => {
    const c = s3({ provider: 'gcs', bucket: 'gcs-bucket', prefix: '/blog/' })
    expect(c).toMatchObject({
      endpoint: 'https://storage.googleapis.com',
      region: 'auto',
      checksum: 'WHEN_REQUIRED',
      prefix: 'blog',
    })
    expect(s3ObjectUrl(c, KEY)).toBe(`https://storage.googleapis.com/gcs-bucket/${ENCODED}`)
  })

  it('generic S3-compatible: endpoint, addressing and checksum as given', () => {
    const c = s3({
      provider: 's3-compatible',
      bucket: 'bkt',
      endpoint: 'https://s3.example.net',
      pathStyle: false,
      checksum: 'WHEN_SUPPORTED',
      region: 'eu-1',
    })
    expect(c).toMatchObject({ region: 'eu-1', checksum: 'WHEN_SUPPORTED', pathStyle: false })
    expect(s3ObjectUrl(c, KEY)).toBe(`https://bkt.s3.example.net/${ENCODED}`)
  })

  it('local folder with an optional base URL', () => {
    const { config } = resolveProvider({
      provider: 'local',
      dir: '/srv/www/img',
      publicUrl: 'https://static.example.com/img/',
    })
    expect(config).toEqual({
      kind: 'local',
      dir: '/srv/www/img',
      prefix: '',
      publicUrl: 'https://static.example.com/img',
    })
    expect(() => resolveProvider({ provider: 'local', dir: 'relative' })).toThrow(/absolute/)
    expect(() => resolveProvider({ provider: 'local', dir: '/x', private: true })).toThrow(
      /cannot be private/,
    )
  })

  it('private: expiry defaults to an hour, at most seven days', () => {
    expect(s3({ provider: 's3', bucket: 'pvt', private: true })).toMatchObject({
      private: true,
      expiresIn: 3600,
    })
    expect(s3({ provider: 's3', bucket: 'pvt', private: true, expiresIn: 604800 }).expiresIn).toBe(
      604800,
    )
    expect(() =>
      resolveProvider({ provider: 's3', bucket: 'pvt', private: true, expiresIn: 604801 }),
    ).toThrow(/604800/)
    expect(s3({ provider: 's3', bucket: 'pvt' }).private).toBeUndefined()
  })

  it('rejects bad bucket names and unknown providers with one sentence', () => {
    expect(() => resolveProvider({ provider: 's3', bucket: 'Bad_Name' })).toThrow(/bucket name/)
    expect(() =>
      resolveProvider({ provider: 'ftp' as ProviderSettings['provider'], bucket: 'abc' }),
    ).toThrow(/provider Upshot knows/)
  })
})
