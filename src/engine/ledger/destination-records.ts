// Destinations as the ledger keeps them: every destination a job went to (its config without
// secrets), the names `upshot dest` and the app give them, and the default name.
import { UpshotError } from '../../shared/jobs'
import { resolveProvider, type ProviderSettings } from '../destinations/providers'
import type { DestinationConfig } from '../types'
import type { Db } from './open'
import type { SavedDestination } from './rows'

export class DestinationRecords {
  private readonly s: ReturnType<typeof prepare>

  constructor(private readonly db: Db) {
    this.s = prepare(db)
  }

  upsert(id: string, config: DestinationConfig, name: string | null = null): void {
    this.s.upsertDestination.run({
      id,
      name,
      kind: config.kind,
      config: JSON.stringify(stripSecrets(config)),
      now: Date.now(),
    })
  }

  /**
   * A destination by its name. Saved with `upshot dest add`, its config is resolved again from
   * the provider settings it was saved with (uploads with other flags do not change it).
   */
  byName(name: string): { id: string; config: DestinationConfig } | undefined {
    const row = this.s.destinationByName.get(name) as
      { id: string; config: string; provider: string | null } | undefined
    if (!row) return undefined
    const config = row.provider
      ? resolveProvider(JSON.parse(row.provider) as ProviderSettings).config
      : (JSON.parse(row.config) as DestinationConfig)
    return { id: row.id, config }
  }

  /** The config recorded for a destination (no secrets); CONFIG when the id is unknown. */
  config(id: string): DestinationConfig {
    const row = this.s.destinationConfig.get(id) as { config: string } | undefined
    if (!row)
      throw new UpshotError(
        'CONFIG',
        'The destination of this job is no longer known; upload the file again.',
      )
    return JSON.parse(row.config) as DestinationConfig
  }

  /** Saves (or replaces) a named destination; a name moves off any destination that held it. */
  save(id: string, name: string, provider: ProviderSettings): void {
    const config = resolveProvider(provider).config
    this.db.transaction(() => {
      this.s.clearName.run(name, id)
      this.upsert(id, config, name)
      this.s.setProvider.run({ id, provider: JSON.stringify(provider), now: Date.now() })
    })()
  }

  /** Every named destination, saved by `upshot dest` (provider set) or by the app. */
  named(): SavedDestination[] {
    const rows = this.s.namedDestinations.all() as {
      id: string
      name: string
      config: string
      provider: string | null
    }[]
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      provider: r.provider ? (JSON.parse(r.provider) as ProviderSettings) : null,
      config: r.provider
        ? resolveProvider(JSON.parse(r.provider) as ProviderSettings).config
        : (JSON.parse(r.config) as DestinationConfig),
    }))
  }

  /** Forgets a name; the destination row stays, since history refers to it. */
  removeName(name: string): boolean {
    const changed = this.s.forgetName.run(name).changes > 0
    if (changed && this.defaultName() === name) this.setDefaultName(null)
    return changed
  }

  defaultName(): string | null {
    const row = this.s.getSetting.get('default_destination') as { value: string } | undefined
    if (!row) return null
    // A default whose name was taken away is no default.
    return this.s.destinationByName.get(row.value) ? row.value : null
  }

  setDefaultName(name: string | null): void {
    if (name === null) this.s.deleteSetting.run('default_destination')
    else this.s.putSetting.run({ key: 'default_destination', value: name })
  }
}

function stripSecrets(config: DestinationConfig): DestinationConfig {
  const withoutToken: DestinationConfig =
    config.purge?.kind === 'cloudflare' && config.purge.apiToken !== undefined
      ? { ...config, purge: { ...config.purge, apiToken: undefined } }
      : config
  if (withoutToken.kind !== 's3') return withoutToken
  const { credentials: _omit, ...rest } = withoutToken
  return rest
}

function prepare(db: Db) {
  return {
    upsertDestination: db.prepare(
      `INSERT INTO destinations (id, name, kind, config, created_at) VALUES (@id, @name, @kind, @config, @now)
       ON CONFLICT(id) DO UPDATE SET config = excluded.config, name = COALESCE(excluded.name, destinations.name)`,
    ),
    destinationConfig: db.prepare(`SELECT config FROM destinations WHERE id = ?`),
    destinationByName: db.prepare(`SELECT id, config, provider FROM destinations WHERE name = ?`),
    clearName: db.prepare(
      `UPDATE destinations SET name = NULL, provider = NULL WHERE name = ? AND id <> ?`,
    ),
    setProvider: db.prepare(
      `UPDATE destinations SET provider = @provider, saved_at = @now WHERE id = @id`,
    ),
    namedDestinations: db.prepare(
      `SELECT id, name, config, provider FROM destinations WHERE name IS NOT NULL ORDER BY name`,
    ),
    forgetName: db.prepare(
      `UPDATE destinations SET name = NULL, provider = NULL, saved_at = NULL WHERE name = ?`,
    ),
    getSetting: db.prepare(`SELECT value FROM ledger_settings WHERE key = ?`),
    putSetting: db.prepare(
      `INSERT INTO ledger_settings (key, value) VALUES (@key, @value)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    ),
    deleteSetting: db.prepare(`DELETE FROM ledger_settings WHERE key = ?`),
  }
}
