// A destination's CDN purge settings in the app: the Cloudflare token is sealed like the access
// keys (never in the document in the clear, never in the view, never in the ledger), and the
// engine's config carries it.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Settings } from '../../src/core/settings-model'
import { Ledger } from '../../src/engine/ledger'
import type { DestinationInput } from '../../src/shared/api'
import { aesBox, jsonFileStorage } from './helpers/test-keychain'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-cdn-settings-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const TOKEN = 'cf-token-very-secret-0123456789'
const BASE: DestinationInput = {
  name: 'Blog',
  kind: 's3-compatible',
  bucket: 'photos',
  region: 'us-east-1',
  endpoint: 'https://s3.example.com',
  accountId: '',
  dir: '',
  prefix: 'blog',
  publicUrl: 'https://img.example.com',
  pathStyle: true,
  checksum: 'WHEN_REQUIRED',
  credentials: { accessKeyId: 'AKID', secretAccessKey: 'aws-secret-value' },
  purgeCdn: 'cloudflare',
  purgeId: '023E105F4ECEF8AD9CA31A8372D0C353',
  purgeToken: TOKEN,
}

describe('CDN purge settings', () => {
  it('seals the Cloudflare token like the keys and hands it only to the engine', () => {
    const file = path.join(work, 'settings.json')
    const settings = new Settings(jsonFileStorage(file), aesBox(), '/data/uploads')
    const view = settings.saveDestination(BASE)
    const dest = view.destinations[0]!
    expect(dest).toMatchObject({ purgeCdn: 'cloudflare', hasPurgeToken: true })
    expect(JSON.stringify(view)).not.toContain(TOKEN)
    expect(fs.readFileSync(file, 'utf8')).not.toContain(TOKEN)
    const config = settings.resolve(dest.id).config
    expect(config.purge).toEqual({
      kind: 'cloudflare',
      zoneId: '023e105f4ecef8ad9ca31a8372d0c353',
      apiToken: TOKEN,
    })

    // Saved again without a token: the stored one stays; null forgets it.
    settings.saveDestination({
      ...BASE,
      id: dest.id,
      purgeToken: undefined,
      credentials: undefined,
    })
    expect(settings.resolve(dest.id).config.purge).toMatchObject({ apiToken: TOKEN })
    const forgot = settings.saveDestination({
      ...BASE,
      id: dest.id,
      purgeToken: null,
      credentials: undefined,
    })
    expect(forgot.destinations[0]!.hasPurgeToken).toBe(false)
    expect(settings.resolve(dest.id).config.purge).not.toHaveProperty('apiToken')

    // The ledger records the config without the token.
    const dataDir = path.join(work, 'data')
    const ledger = Ledger.open(dataDir)
    try {
      ledger.upsertDestination('d1', config)
      const row = ledger.db.prepare('SELECT config FROM destinations').get() as { config: string }
      expect(row.config).not.toContain(TOKEN)
      expect(JSON.parse(row.config)).toMatchObject({ purge: { kind: 'cloudflare' } })
    } finally {
      ledger.close()
    }
  })

  it('refuses a distribution or zone ID that cannot be one, in one sentence', () => {
    const settings = new Settings(jsonFileStorage(path.join(work, 's2.json')), aesBox(), '/x')
    expect(() =>
      settings.saveDestination({ ...BASE, purgeCdn: 'cloudfront', purgeId: 'd111.cloudfront.net' }),
    ).toThrow(
      '"d111.cloudfront.net" is not a CloudFront distribution ID (like E2QWRUHAPOMQZL: capital letters and digits).',
    )
    expect(() => settings.saveDestination({ ...BASE, purgeId: 'example.com' })).toThrow(
      '"example.com" is not a Cloudflare zone ID (32 hexadecimal characters, on the zone\'s Overview page).',
    )
  })
})
