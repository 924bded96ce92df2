// The app's settings: schema, defaults, migrations, and the rules for credentials. Free of
// 'electron' so it can be tested under Node; src/main/settings.ts plugs in electron-store and
// safeStorage. Credentials are kept encrypted, apart from the rest, and never leave this module
// except as a DestinationConfig for the engine: the renderer only learns whether they are set.

import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import {
  type DestinationInput,
  type DestinationSettings,
  type DestinationView,
  type Preferences,
  type PresetInfo,
  type SettingsView,
} from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { resolveProvider, type ProviderSettings } from '../engine/destinations/providers'
import { normalizePrefix } from '../engine/keys'
import { DEFAULT_PRESET, PRESET_NAMES, getPreset } from '../engine/presets'
import type { DestinationConfig, Preset } from '../engine/types'
import { parseCustomPreset, toEnginePreset } from './custom-presets'
import { assertKeysMayFollow } from './key-scope'
import { newApiKey } from './editors/api/key-file'
import { assertNotAMirror, checkMirrors } from './destination-mirrors'
import { keySpaceOf } from '../engine/mirrors'
import type { CustomPresetSettings } from '../shared/presets'

/** Encrypts credentials at rest (safeStorage in the app). */
export interface SecretBox {
  available(): boolean
  encrypt(plain: string): string
  decrypt(cipher: string): string
  /** Why a stored value cannot be read by this face, one sentence; null when it can. */
  explain?(cipher: string): string | null
  /** Where typed keys are kept, one sentence for the settings. */
  describe?(): string
}

import {
  EDITOR_API_KEY,
  PURGE_TOKEN,
  destinationSettingsSchema,
  migrateSettings,
  preferencesSchema,
  storedSchema,
  type StoredSettings,
} from './settings-schema'

/** Where the settings document is kept (electron-store in the app, a JSON file in tests). */
export interface SettingsStorage {
  load(): unknown
  save(document: StoredSettings): void
}

export {
  SETTINGS_VERSION,
  PURGE_TOKEN,
  DEFAULT_SHORTCUT,
  destinationSettingsSchema,
  preferencesSchema,
  DEFAULT_PREFERENCES,
  migrateSettings,
  type StoredSettings,
} from './settings-schema'

export interface ResolvedDestination {
  config: DestinationConfig
  /** The name shown in the queue and recorded in the ledger. */
  name: string
  /** The saved destination's id; null for the built-in folder. */
  savedId: string | null
}

export class Settings {
  private doc: StoredSettings
  private changes = 0

  constructor(
    private readonly storage: SettingsStorage,
    private readonly secrets: SecretBox,
    /** The built-in destination when none is saved: uploads/ in the data dir, like the CLI. */
    private readonly builtInFolder: string,
  ) {
    this.doc = migrateSettings(storage.load())
  }

  /** Grows with every change saved: what is derived from the settings knows when to look again. */
  get revision(): number {
    return this.changes
  }

  get preferences(): Preferences {
    return { ...this.doc.preferences }
  }

  view(): SettingsView {
    return {
      destinations: this.doc.destinations.map((d): DestinationView => ({
        ...d,
        hasCredentials: this.doc.credentials[d.id] !== undefined,
        credentialsNote: this.credentialsNote(d.id),
        hasPurgeToken: this.doc.credentials[d.id + PURGE_TOKEN] !== undefined,
      })),
      defaultDestinationId: this.doc.defaultDestinationId,
      preferences: this.preferences,
      presets: [
        ...PRESET_NAMES.map((name) => presetInfo(getPreset(name), null)),
        ...this.doc.presets.map((p) => presetInfo(toEnginePreset(p), p)),
      ],
      canStoreSecrets: this.secrets.available(),
      secretStore: this.secrets.describe?.() ?? null,
      builtInFolder: this.builtInFolder,
    }
  }

  private credentialsNote(id: string): string | null {
    const cipher = this.doc.credentials[id]
    if (cipher === undefined || !this.secrets.explain) return null
    return this.secrets.explain(cipher)
  }

  /** The custom presets as the engine runs them. */
  customPresets(): Preset[] {
    return this.doc.presets.map(toEnginePreset)
  }

  /** Adds a custom preset, or replaces `replacing` (renaming it where the name changed). */
  savePreset(input: CustomPresetSettings, replacing: string | null): SettingsView {
    const preset = parseCustomPreset(input)
    if (replacing !== null && !this.doc.presets.some((p) => p.name === replacing)) {
      throw new UpshotError('CONFIG', `There is no preset named "${replacing}" to change.`)
    }
    if (preset.name !== replacing && this.doc.presets.some((p) => p.name === preset.name)) {
      throw new UpshotError('CONFIG', `A preset named "${preset.name}" exists already.`)
    }
    const presets =
      replacing === null
        ? [...this.doc.presets, preset]
        : this.doc.presets.map((p) => (p.name === replacing ? preset : p))
    const prefs = this.doc.preferences
    this.write({
      ...this.doc,
      presets,
      // A renamed default preset stays the default.
      preferences: prefs.preset === replacing ? { ...prefs, preset: preset.name } : prefs,
    })
    return this.view()
  }

  removePreset(name: string): SettingsView {
    if (!this.doc.presets.some((p) => p.name === name)) {
      throw new UpshotError('CONFIG', `There is no custom preset named "${name}".`)
    }
    const prefs = this.doc.preferences
    this.write({
      ...this.doc,
      presets: this.doc.presets.filter((p) => p.name !== name),
      preferences: prefs.preset === name ? { ...prefs, preset: DEFAULT_PRESET } : prefs,
    })
    return this.view()
  }

  savePreferences(patch: Partial<Preferences>): SettingsView {
    if (
      patch.preset !== undefined &&
      !PRESET_NAMES.includes(patch.preset) &&
      !this.doc.presets.some((p) => p.name === patch.preset)
    ) {
      throw new UpshotError('CONFIG', `There is no preset named "${patch.preset}".`)
    }
    const next = preferencesSchema.parse({ ...this.doc.preferences, ...patch })
    this.write({ ...this.doc, preferences: next })
    return this.view()
  }

  saveDestination(input: DestinationInput): SettingsView {
    const { credentials, purgeToken, mirrors: wanted, ...fields } = input
    const id = fields.id ?? randomUUID()
    const existing = this.doc.destinations.findIndex((d) => d.id === id)
    if (fields.id !== undefined && existing === -1) {
      throw new UpshotError('CONFIG', 'That destination no longer exists; add it again.')
    }
    // Mirrors left out of the input stay as they were.
    const mirrors = wanted ?? this.doc.destinations[existing]?.mirrors ?? []
    const parsed = destinationSettingsSchema.safeParse({ ...fields, id, mirrors })
    if (!parsed.success) throw new UpshotError('CONFIG', describeIssue(parsed.error))
    const dest = { ...parsed.data, prefix: normalizePrefix(parsed.data.prefix) }
    checkComplete(dest)
    if (this.doc.destinations.some((d) => d.id !== id && d.name === dest.name)) {
      throw new UpshotError('CONFIG', `A destination named "${dest.name}" exists already.`)
    }
    const destinations = [...this.doc.destinations]
    if (existing === -1) destinations.push(dest)
    else destinations[existing] = dest
    dest.mirrors = checkMirrors(destinations, id, dest.name, dest.mirrors, (d) =>
      storeIdOf(destinations.find((x) => x.id === d)),
    )
    const stored = { ...this.doc.credentials }
    if (existing !== -1 && credentials === undefined && dest.kind !== 'local' && stored[id]) {
      // Keys kept as they are stay with the endpoint they were typed for.
      const before = toEngineConfig(this.doc.destinations[existing]!, undefined)
      assertKeysMayFollow(before, toEngineConfig(dest, undefined))
    }
    if (dest.kind === 'local' || credentials === null) delete stored[id]
    else if (credentials !== undefined) {
      const accessKeyId = credentials.accessKeyId.trim()
      const secretAccessKey = credentials.secretAccessKey.trim()
      if (!accessKeyId || !secretAccessKey) {
        throw new UpshotError('CONFIG', 'Enter both the access key ID and the secret access key.')
      }
      if (!this.secrets.available()) {
        throw new UpshotError(
          'CONFIG',
          'This system cannot encrypt stored keys; leave the keys empty and use AWS environment variables or a profile instead.',
        )
      }
      stored[id] = this.secrets.encrypt(JSON.stringify({ accessKeyId, secretAccessKey }))
    }
    if (dest.purgeCdn !== 'cloudflare' || purgeToken === null) delete stored[id + PURGE_TOKEN]
    else if (purgeToken !== undefined && purgeToken.trim() !== '') {
      if (!this.secrets.available()) {
        throw new UpshotError(
          'CONFIG',
          'This system cannot encrypt stored tokens, so the Cloudflare API token cannot be kept.',
        )
      }
      stored[id + PURGE_TOKEN] = this.secrets.encrypt(
        JSON.stringify({ apiToken: purgeToken.trim() }),
      )
    }
    this.write({
      ...this.doc,
      destinations,
      credentials: stored,
      // The first destination saved becomes the default: that is what the user just set up.
      defaultDestinationId: this.doc.defaultDestinationId ?? id,
    })
    return this.view()
  }

  removeDestination(id: string): SettingsView {
    assertNotAMirror(this.doc.destinations, id)
    const credentials = { ...this.doc.credentials }
    delete credentials[id]
    delete credentials[id + PURGE_TOKEN]
    this.write({
      ...this.doc,
      destinations: this.doc.destinations.filter((d) => d.id !== id),
      credentials,
      defaultDestinationId:
        this.doc.defaultDestinationId === id ? null : this.doc.defaultDestinationId,
    })
    return this.view()
  }

  setDefaultDestination(id: string | null): SettingsView {
    if (id !== null && !this.doc.destinations.some((d) => d.id === id)) {
      throw new UpshotError('CONFIG', 'That destination no longer exists.')
    }
    this.write({ ...this.doc, defaultDestinationId: id })
    return this.view()
  }

  /** The engine's config for a saved destination (credentials decrypted), or the default one. */
  resolve(id?: string | null): ResolvedDestination {
    const wanted = id === undefined ? this.doc.defaultDestinationId : id
    if (wanted === null) {
      return {
        config: { kind: 'local', dir: this.builtInFolder, prefix: '' },
        name: 'Local folder',
        savedId: null,
      }
    }
    const dest = this.doc.destinations.find((d) => d.id === wanted)
    if (!dest) throw new UpshotError('CONFIG', 'That destination no longer exists.')
    return {
      config: toEngineConfig(dest, this.credentialsOf(dest.id), this.purgeTokenOf(dest.id)),
      name: dest.name,
      savedId: dest.id,
    }
  }

  /** The mirrors a saved destination names, resolved like it (keys decrypted); none for null. */
  resolveMirrors(savedId: string | null): ResolvedDestination[] {
    const dest = this.doc.destinations.find((d) => d.id === savedId)
    return (dest?.mirrors ?? []).map((m) => {
      try {
        return this.resolve(m)
      } catch (err) {
        // Say which destination: the error alone would seem to be about the upload's own.
        if (!(err instanceof UpshotError)) throw err
        const name = this.doc.destinations.find((d) => d.id === m)?.name ?? m
        throw new UpshotError(err.code, `The mirror "${name}": ${err.message}`)
      }
    })
  }

  /** The saved destination whose engine config has this ledger id, if any. */
  findByLedgerId(
    ledgerId: string,
    idOf: (c: DestinationConfig) => string,
  ): ResolvedDestination | null {
    for (const d of [null, ...this.doc.destinations.map((x) => x.id)]) {
      const r = this.resolve(d)
      if (idOf(r.config) === ledgerId) return r
    }
    return null
  }

  private credentialsOf(id: string): { accessKeyId: string; secretAccessKey: string } | undefined {
    const cipher = this.doc.credentials[id]
    if (cipher === undefined) return undefined
    try {
      return JSON.parse(this.secrets.decrypt(cipher)) as {
        accessKeyId: string
        secretAccessKey: string
      }
    } catch {
      throw new UpshotError(
        'INVALID_CREDENTIALS',
        'The stored keys of this destination cannot be decrypted on this system; enter them again in Settings.',
      )
    }
  }

  /**
   * The key the editor API asks of every request: made once and kept sealed, so the URL pasted
   * into an editor works from one start to the next; `rotate` makes another.
   */
  editorApiKey(opts: { rotate?: boolean } = {}): string {
    const cipher = this.doc.credentials[EDITOR_API_KEY]
    if (cipher !== undefined && !opts.rotate) {
      try {
        return (JSON.parse(this.secrets.decrypt(cipher)) as { key: string }).key
      } catch {
        // Sealed on another system: a new key, and the editor's URL has to be copied again.
      }
    }
    if (!this.secrets.available()) {
      throw new UpshotError(
        'CONFIG',
        'This system cannot encrypt stored keys, so the editor API has no key to keep; run `upshot serve` instead.',
      )
    }
    const key = newApiKey()
    this.write({
      ...this.doc,
      credentials: {
        ...this.doc.credentials,
        [EDITOR_API_KEY]: this.secrets.encrypt(JSON.stringify({ key })),
      },
    })
    return key
  }

  private purgeTokenOf(id: string): string | undefined {
    const cipher = this.doc.credentials[id + PURGE_TOKEN]
    if (cipher === undefined) return undefined
    try {
      return (JSON.parse(this.secrets.decrypt(cipher)) as { apiToken: string }).apiToken
    } catch {
      // The purge fails with its own sentence (no token); uploads are not held up by it.
      return undefined
    }
  }

  private write(next: StoredSettings): void {
    const checked = storedSchema.parse(next)
    this.storage.save(checked)
    this.doc = checked
    this.changes++
  }
}

/** An unsaved destination (the settings form's "Test connection") as an engine config. */
export function inputToEngineConfig(input: DestinationInput): DestinationConfig {
  const { credentials, purgeToken, ...fields } = input
  const parsed = destinationSettingsSchema.safeParse({ ...fields, id: fields.id ?? 'unsaved' })
  if (!parsed.success) throw new UpshotError('CONFIG', describeIssue(parsed.error))
  const dest = { ...parsed.data, prefix: normalizePrefix(parsed.data.prefix) }
  checkComplete(dest)
  return toEngineConfig(dest, credentials ?? undefined, purgeToken ?? undefined)
}

/** What a saved destination tells the provider presets (shared by resolving and checking). */
function providerSettingsOf(d: DestinationSettings): ProviderSettings {
  return {
    provider: d.kind,
    bucket: d.bucket,
    region: d.region,
    endpoint: d.endpoint,
    accountId: d.accountId,
    jurisdiction: d.jurisdiction,
    publicUrl: d.publicUrl,
    prefix: d.prefix,
    dir: d.dir,
    private: d.private,
    expiresIn: d.expiresIn,
    ...(d.purgeCdn !== 'none'
      ? {
          purge: {
            kind: d.purgeCdn,
            id: d.purgeId,
            ...(d.purgeApi ? { endpoint: d.purgeApi } : {}),
          },
        }
      : {}),
  }
}

function toEngineConfig(
  d: DestinationSettings,
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined,
  purgeToken?: string,
): DestinationConfig {
  // The same presets as `upshot dest`: one place knows what each provider needs.
  const { config } = resolveProvider({
    ...providerSettingsOf(d),
    cdn: d.cdn,
    // Only the generic entries take these as typed; the presets know the rest.
    // MinIO is path-style unless it is told otherwise (it needs MINIO_DOMAIN for the other).
    ...(d.kind === 's3' || d.kind === 's3-compatible' ? { pathStyle: d.pathStyle } : {}),
    ...(d.kind === 's3-compatible' ? { checksum: d.checksum } : {}),
  })
  const withToken: DestinationConfig =
    config.purge?.kind === 'cloudflare' && purgeToken
      ? { ...config, purge: { ...config.purge, apiToken: purgeToken } }
      : config
  return withToken.kind === 's3' && credentials ? { ...withToken, credentials } : withToken
}

/** Where a saved destination's keys land (bucket or folder, prefix aside); null if unusable. */
function storeIdOf(d: DestinationSettings | undefined): string | null {
  if (!d) return null
  try {
    const c = toEngineConfig(d, undefined)
    return keySpaceOf(c)
  } catch {
    return null
  }
}

function checkComplete(d: DestinationSettings): void {
  // Resolving throws the one-sentence CONFIG error of whatever is missing or malformed.
  resolveProvider(providerSettingsOf(d))
}

const FIELD_NAMES: Record<string, string> = {
  name: 'name',
  kind: 'type',
  bucket: 'bucket',
  region: 'region',
  endpoint: 'endpoint URL',
  accountId: 'account ID',
  dir: 'folder',
  prefix: 'key prefix',
  publicUrl: 'public URL',
  purgeId: 'CDN distribution or zone ID',
  purgeApi: 'CDN API address',
  mirrors: 'mirrors',
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  const key = String(issue?.path[0] ?? '')
  const field = FIELD_NAMES[key] ?? 'settings'
  return `The destination's ${field} is not valid: ${issue?.message ?? 'unknown problem'}.`
}

export function presetInfo(preset: Preset, definition: CustomPresetSettings | null): PresetInfo {
  return {
    name: preset.name,
    custom: definition !== null,
    watermark: definition?.watermark ?? null,
    definition,
    variants: preset.variants.map((v) => ({
      name: v.name,
      fit: v.fit,
      width: v.width ?? null,
      height: v.height ?? null,
      format: v.format,
      quality: v.quality,
    })),
  }
}
