// Stand-ins for what the OS gives the app: electron-store's JSON file, and safeStorage (AES-GCM;
// with a keyring name, the key is kept in this process the way the OS keychain keeps the real
// one, so a second app on the same data dir can decrypt what the first stored; without, a key of
// its own, like another machine's).

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { DestinationInput } from '../../../src/shared/api'
import type { SecretBox, SettingsStorage } from '../../../src/core/settings-model'
import type { TestS3 } from '../../helpers/s3server'

const keys = new Map<string, Buffer>()

export function aesBox(keyring?: string): SecretBox {
  const id = keyring === undefined ? null : path.resolve(keyring)
  const key = (id && keys.get(id)) || randomBytes(32)
  if (id) keys.set(id, key)
  return {
    available: () => true,
    encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')
    },
    decrypt(cipher) {
      const raw = Buffer.from(cipher, 'base64')
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      d.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')
    },
  }
}

/** electron-store's layout: `{ "settings": <document> }` in one JSON file. */
export function jsonFileStorage(file: string): SettingsStorage {
  return {
    load: () =>
      fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { settings?: unknown }).settings
        : undefined,
    save: (doc) => fs.writeFileSync(file, JSON.stringify({ settings: doc }, null, 2)),
  }
}

/**
 * A saved destination for the test S3 server (through `extra.endpoint`, e.g. a proxy), as the
 * Settings view would save it.
 */
export function testBucketDestination(
  s3: TestS3,
  name: string,
  extra: Partial<DestinationInput> = {},
): DestinationInput {
  return {
    name,
    kind: 's3-compatible',
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    accountId: '',
    dir: '',
    prefix: s3.prefix,
    publicUrl: '',
    pathStyle: true,
    checksum: 'WHEN_REQUIRED',
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...extra,
  }
}
