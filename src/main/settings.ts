// Settings on disk for the Electron app: electron-store keeps the document (settings.json in the
// data dir), safeStorage encrypts credentials with the OS keychain (Keychain, DPAPI, libsecret).
// The model (schema, migrations, the rules for secrets) lives in the core; settings-relay.ts
// moves the document between the two.

import { safeStorage } from 'electron'
import Store from 'electron-store'
import type { SecretBox, SettingsStorage, StoredSettings } from '../core/settings-model'
import { HostSettings } from './settings-relay'

export function safeStorageBox(): SecretBox {
  return {
    // Linux without a keyring falls back to a hard-coded key ('basic_text'): that is obfuscation,
    // not encryption, so keys are not stored there (environment or AWS profile instead).
    available: () =>
      safeStorage.isEncryptionAvailable() &&
      (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
    decrypt: (cipher) => safeStorage.decryptString(Buffer.from(cipher, 'base64')),
  }
}

export function electronStoreStorage(dataDir: string): SettingsStorage {
  // No electron-store schema or migrations: the core's settings model validates with zod and
  // migrates by its own version field, the same code the tests run.
  const store = new Store<{ settings?: unknown }>({
    name: 'settings',
    cwd: dataDir,
    clearInvalidConfig: false,
  })
  return {
    load: () => store.get('settings'),
    save: (doc: StoredSettings) => store.set('settings', doc),
  }
}

export function openHostSettings(dataDir: string): HostSettings {
  return new HostSettings(electronStoreStorage(dataDir), safeStorageBox())
}
