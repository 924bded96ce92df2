// Keys typed into the browser face (`upshot ui`), kept encrypted at rest without Electron. One
// random 256-bit key per data dir encrypts each credential (AES-256-GCM) in the settings
// document; the key itself lives in the OS keychain (macOS Keychain, Windows Credential Manager,
// the Secret Service on Linux desktops, through @napi-rs/keyring) or, where no keychain answers
// (a server, a container, WSL, SSH without a session bus), in <data dir>/secret.key, a file only
// the user can read. The settings say which (`describe`).
//
// A value says where its key is (`upshot-kc:` keychain, `upshot-file:` the file), so any face
// that runs plain Node (the browser face, the window's core) can read what another saved.
// Values without that prefix were sealed by the desktop app's safeStorage (Electron only):
// `explain` says so, and the user types those keys again.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { SecretBox } from '../settings-model'

const KEYCHAIN_PREFIX = 'upshot-kc:v1:'
const FILE_PREFIX = 'upshot-file:v1:'
const SERVICE = 'Upshot'
export const SECRET_KEY_FILE = 'secret.key'

/** The keychain as this module needs it (the real one, or a test's). */
export interface Keychain {
  /** The stored value, null when there is none; rejects when the keychain cannot be used. */
  get(account: string): Promise<string | null>
  set(account: string, value: string): Promise<void>
  /** Its name for the settings ("the system keychain"). */
  readonly name: string
}

/** The OS keychain through @napi-rs/keyring, or null when it cannot be loaded or reached. */
export async function systemKeychain(): Promise<Keychain | null> {
  let mod: typeof import('@napi-rs/keyring')
  try {
    mod = await import('@napi-rs/keyring')
  } catch {
    return null
  }
  // Linux: the Secret Service only. The kernel keyring (keyutils), the library's fallback,
  // forgets everything at reboot, and a key lost there loses every stored credential.
  const options =
    process.platform === 'linux' ? { linux: { store: 'secret-service' as const } } : {}
  const entry = (account: string) => new mod.AsyncEntry(SERVICE, account, options)
  const name =
    process.platform === 'darwin'
      ? 'the macOS Keychain'
      : process.platform === 'win32'
        ? 'the Windows Credential Manager'
        : 'the Secret Service keyring'
  return {
    name,
    get: (account) => entry(account).getPassword(AbortSignal.timeout(5000)),
    set: (account, value) => entry(account).setPassword(value, AbortSignal.timeout(5000)),
  }
}

export class NodeSecrets {
  private constructor(
    private readonly dataDir: string,
    /** The key from the keychain; null when the keychain cannot be used. */
    private readonly keychainKey: Buffer | null,
    private readonly keychainName: string | null,
    private fileKey: Buffer | null,
  ) {}

  /**
   * Opens the store for a data dir: the keychain's key (made and saved there on first use) when
   * the keychain answers, and the key file when it exists.
   */
  static async open(dataDir: string, keychain: Keychain | null): Promise<NodeSecrets> {
    let key: Buffer | null = null
    if (keychain) {
      const account = `data dir ${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`
      try {
        const stored = await keychain.get(account)
        if (stored && Buffer.from(stored, 'base64').length === 32) {
          key = Buffer.from(stored, 'base64')
        } else {
          const fresh = randomBytes(32)
          await keychain.set(account, fresh.toString('base64'))
          // Read back: a keychain that takes a value and forgets it is no keychain.
          if ((await keychain.get(account)) === fresh.toString('base64')) key = fresh
        }
      } catch {
        key = null
      }
    }
    return new NodeSecrets(dataDir, key, key ? keychain!.name : null, readKeyFile(dataDir))
  }

  get kind(): 'keychain' | 'file' {
    return this.keychainKey ? 'keychain' : 'file'
  }

  /** One sentence for the settings: where typed keys are kept. */
  describe(): string {
    if (this.keychainKey) {
      return `Keys you type are encrypted with a key kept in ${this.keychainName}.`
    }
    return `No system keychain answered here, so keys you type are encrypted with a key in ${path.join(this.dataDir, SECRET_KEY_FILE)}, a file only your user can read.`
  }

  /** The Settings model's SecretBox over this store. */
  box(): SecretBox & { explain(value: string): string | null; describe(): string } {
    return {
      available: () => true,
      encrypt: (plain) => this.encrypt(plain),
      decrypt: (value) => this.decrypt(value),
      explain: (value) => this.explain(value),
      describe: () => this.describe(),
    }
  }

  /** Whether a stored value is one of this store's (either key), readable or not. */
  static owns(value: string): boolean {
    return value.startsWith(KEYCHAIN_PREFIX) || value.startsWith(FILE_PREFIX)
  }

  encrypt(plain: string): string {
    const [prefix, key] = this.keychainKey
      ? [KEYCHAIN_PREFIX, this.keychainKey]
      : [FILE_PREFIX, this.ensureFileKey()]
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return `${prefix}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`
  }

  decrypt(value: string): string {
    const key = value.startsWith(KEYCHAIN_PREFIX)
      ? this.keychainKey
      : value.startsWith(FILE_PREFIX)
        ? (this.fileKey ??= readKeyFile(this.dataDir))
        : null
    if (!key) throw new Error('This credential is sealed by a key this process cannot reach.')
    const raw = Buffer.from(value.slice(value.indexOf(':', value.indexOf(':') + 1) + 1), 'base64')
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  }

  /** Why a stored value cannot be read here, and what to do; null when it can. */
  explain(value: string): string | null {
    if (!NodeSecrets.owns(value)) {
      return 'These keys were saved by the Upshot desktop app, sealed by its keychain, which `upshot ui` cannot open: type them again here (the app reads keys saved here too).'
    }
    try {
      this.decrypt(value)
      return null
    } catch {
      return value.startsWith(KEYCHAIN_PREFIX) && !this.keychainKey
        ? 'These keys are kept in the system keychain, which this session cannot reach (no keyring service answered): type them again here, or start Upshot where the keychain is unlocked.'
        : 'These keys were saved on another computer or by another user and cannot be read here: type them again.'
    }
  }

  private ensureFileKey(): Buffer {
    if (this.fileKey) return this.fileKey
    const file = path.join(this.dataDir, SECRET_KEY_FILE)
    fs.mkdirSync(this.dataDir, { recursive: true })
    const key = randomBytes(32)
    try {
      // wx: never replace a key another process wrote meanwhile (its values would be lost).
      fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' })
      this.fileKey = key
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      this.fileKey = readKeyFile(this.dataDir)
      if (!this.fileKey) throw new Error(`${file} does not hold a key; remove it and try again.`)
    }
    return this.fileKey
  }
}

function readKeyFile(dataDir: string): Buffer | null {
  const file = path.join(dataDir, SECRET_KEY_FILE)
  try {
    const st = fs.statSync(file)
    // Readable by others: made so by hand or a copy; it is the user's only, as it should be.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600)
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')
    return key.length === 32 ? key : null
  } catch {
    return null
  }
}
