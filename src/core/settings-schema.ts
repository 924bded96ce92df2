// The settings document's shape: its zod schema (destinations, preferences, credentials, presets),
// the defaults, and the migrations that bring an older or hand-edited file to the current
// version field by field. The rules for using it are in settings-model.ts.

import { z } from 'zod'
import { DESTINATION_KINDS, PURGE_CDNS, type Preferences } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { LINK_FORMATS } from '../shared/links'
import {
  DEFAULT_LINK_EXPIRY,
  MAX_LINK_EXPIRY,
  R2_JURISDICTIONS,
} from '../engine/destinations/providers'
import { DEFAULT_PRESET, PRESET_NAMES } from '../engine/presets'
import { customPresetSchema } from './custom-presets'
import { DEFAULT_API_PORT } from './editors/api/server'
import { dropUnknownMirrors, MAX_MIRRORS } from './destination-mirrors'

export const SETTINGS_VERSION = 1

/** The credentials entry of a destination's CDN token: its id with this suffix. */
export const PURGE_TOKEN = '#purge'
/** The editor API's key, sealed with the access keys (never in a file of its own, never sent). */
export const EDITOR_API_KEY = '#editor-api'

export const DEFAULT_SHORTCUT = 'CommandOrControl+Shift+U'

const httpUrl = z
  .string()
  .trim()
  .refine((v) => v === '' || /^https?:\/\/[^\s/]+/i.test(v), {
    message: 'must be an http:// or https:// URL',
  })
  .transform((v) => v.replace(/\/+$/, ''))

export const destinationSettingsSchema = z.object({
  id: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(80),
  kind: z.enum(DESTINATION_KINDS),
  bucket: z.string().trim().max(63).default(''),
  region: z.string().trim().max(40).default(''),
  endpoint: httpUrl.default(''),
  accountId: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{0,64}$/i, 'must be the hexadecimal account ID')
    .default(''),
  jurisdiction: z.enum(R2_JURISDICTIONS).default('default'),
  cdn: z.boolean().default(false),
  private: z.boolean().default(false),
  expiresIn: z.number().int().min(1).max(MAX_LINK_EXPIRY).default(DEFAULT_LINK_EXPIRY),
  dir: z.string().max(4096).default(''),
  prefix: z.string().max(512).default(''),
  publicUrl: httpUrl.default(''),
  pathStyle: z.boolean().default(false),
  checksum: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).default('WHEN_REQUIRED'),
  purgeCdn: z.enum(PURGE_CDNS).default('none'),
  purgeId: z.string().trim().max(64).default(''),
  purgeApi: httpUrl.default(''),
  /** Settings ids of the destinations that get a copy of every object (core/destination-mirrors). */
  mirrors: z.array(z.string().min(1).max(100)).max(MAX_MIRRORS).default([]),
})

export const preferencesSchema = z.object({
  // Built-in or one of the custom presets: checked against both where the document is known.
  preset: z.string().min(1).max(100),
  linkFormat: z.enum(LINK_FORMATS),
  customTemplate: z.string().max(2000),
  autoCopy: z.boolean(),
  concurrency: z.number().int().min(1).max(16),
  theme: z.enum(['system', 'light', 'dark']),
  notifications: z.boolean(),
  openAtLogin: z.boolean(),
  closeToTray: z.boolean(),
  shortcut: z.string().max(100),
  editorApi: z.boolean(),
  editorApiPort: z.number().int().min(1024).max(65535),
})

export const DEFAULT_PREFERENCES: Preferences = {
  preset: DEFAULT_PRESET,
  linkFormat: 'markdown',
  customTemplate: '<a href="{url}"><img src="{url:thumb}" alt="{alt}"></a>',
  autoCopy: false,
  concurrency: 6,
  theme: 'system',
  notifications: true,
  openAtLogin: false,
  closeToTray: true,
  shortcut: DEFAULT_SHORTCUT,
  editorApi: false,
  editorApiPort: DEFAULT_API_PORT,
}

export const storedSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  destinations: z.array(destinationSettingsSchema),
  defaultDestinationId: z.string().nullable(),
  preferences: preferencesSchema,
  /**
   * destination id -> encrypted JSON {accessKeyId, secretAccessKey}; `${id}${PURGE_TOKEN}` ->
   * encrypted JSON {apiToken} (the CDN token, sealed and relayed exactly like the keys)
   */
  credentials: z.record(z.string(), z.string()),
  /** The user's own presets (absent in files written before they existed). */
  presets: z.array(customPresetSchema).default([]),
})
export type StoredSettings = z.infer<typeof storedSchema>

function defaults(): StoredSettings {
  return {
    version: SETTINGS_VERSION,
    destinations: [],
    defaultDestinationId: null,
    preferences: { ...DEFAULT_PREFERENCES },
    credentials: {},
    presets: [],
  }
}

/**
 * Migrations by version: entry i turns a document of version i into version i + 1. Version 0 is
 * anything without a version (an empty or foreign file): it starts from the defaults.
 */
const MIGRATIONS: readonly ((doc: Record<string, unknown>) => Record<string, unknown>)[] = [
  () => defaults(),
]

/** Brings a stored document to the current version; unknown or broken parts fall back to defaults. */
export function migrateSettings(raw: unknown): StoredSettings {
  let doc: Record<string, unknown> =
    raw !== null && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {}
  let version = typeof doc.version === 'number' ? doc.version : 0
  if (version > SETTINGS_VERSION) {
    throw new UpshotError(
      'CONFIG',
      'The settings file was written by a newer Upshot; update the app to use it.',
    )
  }
  while (version < SETTINGS_VERSION) {
    doc = MIGRATIONS[version]!(doc)
    version++
    doc.version = version
  }
  const base = defaults()
  // Field by field, so one bad value (edited by hand) does not throw the rest away.
  const prefs = { ...base.preferences }
  const rawPrefs = (doc.preferences ?? {}) as Record<string, unknown>
  for (const key of Object.keys(prefs) as (keyof Preferences)[]) {
    const parsed = preferencesSchema.shape[key].safeParse(rawPrefs[key])
    if (parsed.success) (prefs as Record<string, unknown>)[key] = parsed.data
  }
  const destinations = dropUnknownMirrors(
    Array.isArray(doc.destinations)
      ? doc.destinations.flatMap((d) => {
          const parsed = destinationSettingsSchema.safeParse(d)
          return parsed.success ? [parsed.data] : []
        })
      : [],
  )
  const credentials = z.record(z.string(), z.string()).safeParse(doc.credentials)
  const defaultId =
    typeof doc.defaultDestinationId === 'string' &&
    destinations.some((d) => d.id === doc.defaultDestinationId)
      ? doc.defaultDestinationId
      : null
  // One by one, like destinations: a preset broken by hand does not take the others along.
  const presets = Array.isArray(doc.presets)
    ? doc.presets.flatMap((p) => {
        const parsed = customPresetSchema.safeParse(p)
        return parsed.success ? [parsed.data] : []
      })
    : []
  if (!PRESET_NAMES.includes(prefs.preset) && !presets.some((p) => p.name === prefs.preset))
    prefs.preset = DEFAULT_PRESET
  return storedSchema.parse({
    version: SETTINGS_VERSION,
    destinations,
    defaultDestinationId: defaultId,
    preferences: prefs,
    credentials: credentials.success ? credentials.data : {},
    presets,
  })
}
