// The settings document as the core process keeps it: the host owns the file (electron-store in
// the app) and the keychain (safeStorage); it hands the document over at start with the stored
// credentials decrypted, and gets every change back to encrypt and write. The core never writes
// settings or credentials to disk itself.

import type { CoreInit } from '../../shared/protocol'
import { RELAYED_SECRET_PREFIX } from '../../shared/protocol'
import type { SecretBox, SettingsStorage, StoredSettings } from '../settings-model'

/** The document from `init`; saves go back to the host. */
export function relayedStorage(
  init: CoreInit['settings'],
  save: (document: StoredSettings) => void,
): SettingsStorage {
  return { load: () => init.document ?? undefined, save }
}

/**
 * The Settings model's SecretBox in the core: "encrypting" marks a credential for the host to
 * encrypt before it reaches the disk; "decrypting" takes back what the host decrypted. A value
 * the host could not decrypt (keys saved on another machine) arrives unmarked and stays
 * unreadable, so the settings ask for the keys again.
 */
export function relayedSecretBox(canStoreSecrets: boolean): SecretBox {
  return {
    available: () => canStoreSecrets,
    encrypt: (plain) => `${RELAYED_SECRET_PREFIX}${plain}`,
    decrypt(value) {
      if (!value.startsWith(RELAYED_SECRET_PREFIX)) {
        throw new Error('This credential was not decrypted by the host.')
      }
      return value.slice(RELAYED_SECRET_PREFIX.length)
    },
    explain(value) {
      if (value.startsWith(RELAYED_SECRET_PREFIX)) return null
      return value.startsWith('upshot-')
        ? 'These keys were saved in the browser (`upshot ui`), sealed by a key this window does not read: type them again here.'
        : 'These keys were saved on another computer or by another user and cannot be read here: type them again.'
    },
  }
}
