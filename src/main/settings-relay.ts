// The host's half of the settings: it keeps the document (electron-store in the app) and the
// keychain (safeStorage), the core keeps the model. A starting core gets the document with its
// credentials decrypted and marked as relayed; every document the core sends back has them
// encrypted again before it is stored. Plain credentials never reach the disk, and never leave
// the private channel to the core. Free of 'electron' (the tests plug in a file and AES).

import type { SecretBox, SettingsStorage } from '../core/settings-model'
import { RELAYED_SECRET_PREFIX, type CoreInit } from '../shared/protocol'

export class HostSettings {
  constructor(
    private readonly storage: SettingsStorage,
    private readonly box: SecretBox,
  ) {}

  /** The stored document as a starting core gets it. */
  forCore(): CoreInit['settings'] {
    const canStoreSecrets = this.box.available()
    const stored = this.storage.load()
    if (!isRecord(stored)) return { document: null, canStoreSecrets }
    const credentials = isRecord(stored.credentials) ? stored.credentials : {}
    const relayed: Record<string, unknown> = {}
    for (const [id, cipher] of Object.entries(credentials)) {
      relayed[id] = canStoreSecrets && typeof cipher === 'string' ? this.open(cipher) : cipher
    }
    return { document: { ...stored, credentials: relayed }, canStoreSecrets }
  }

  /** A document from the core: relayed credentials sealed again, then kept. */
  save(document: unknown): void {
    if (!isRecord(document)) throw new Error('The settings document is not an object.')
    const credentials = isRecord(document.credentials) ? document.credentials : {}
    const sealed: Record<string, string> = {}
    for (const [id, value] of Object.entries(credentials)) {
      if (typeof value !== 'string') continue
      if (!value.startsWith(RELAYED_SECRET_PREFIX)) {
        // Still as stored (keys from another machine that do not decrypt here): kept untouched.
        sealed[id] = value
      } else if (this.box.available()) {
        sealed[id] = this.box.encrypt(value.slice(RELAYED_SECRET_PREFIX.length))
      }
      // No keychain: a key in the clear is never written (the core refuses to take one then).
    }
    this.storage.save({ ...document, credentials: sealed } as Parameters<
      SettingsStorage['save']
    >[0])
  }

  private open(cipher: string): string {
    try {
      return `${RELAYED_SECRET_PREFIX}${this.box.decrypt(cipher)}`
    } catch {
      // Saved on another machine or under another user: the core asks for the keys again.
      return cipher
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
