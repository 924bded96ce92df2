// The app's destinations as the rest of the core needs them: a ledger destination's config as
// the settings hold it now (keys included), the target uploads go to, and the name a ledger
// destination is shown by (renamed in Settings since, or only in the ledger: a CLI upload).

import os from 'node:os'
import path from 'node:path'
import type { Ledger } from '../engine/ledger'
import { localDestinationId, s3DestinationId } from '../engine/storage'
import type { Target } from '../engine'
import type { DestinationConfig } from '../engine/types'
import { UpshotError } from '../shared/jobs'
import { mirrorsTarget } from './destination-mirrors'
import type { Settings } from './settings-model'

export function ledgerIdOf(config: DestinationConfig): string {
  return config.kind === 's3' ? s3DestinationId(config) : localDestinationId(config)
}

export class AppDestinations {
  private readonly savedConfigs = new Map<string, DestinationConfig | null>()
  private savedConfigsOf = -1

  constructor(
    private readonly o: {
      settings: Settings
      dataDir: string
      /** The engine's ledger (the engine is made anew on a concurrency change). */
      ledger(): Ledger
    },
  ) {}

  /**
   * A saved destination's config by ledger id, as the settings hold it now: the engine asks as
   * each step starts, so fixed keys, a new public URL or "private" apply to retries and queued
   * files without a restart. Looked up once per change of the settings (keys are decrypted).
   */
  savedConfig(ledgerId: string): DestinationConfig | null {
    if (this.savedConfigsOf !== this.o.settings.revision) {
      this.savedConfigs.clear()
      this.savedConfigsOf = this.o.settings.revision
    }
    if (!this.savedConfigs.has(ledgerId)) {
      let config: DestinationConfig | null = null
      try {
        config = this.o.settings.findByLedgerId(ledgerId, ledgerIdOf)?.config ?? null
      } catch {
        // Keys that no longer decrypt: the upload says so itself (INVALID_CREDENTIALS).
      }
      this.savedConfigs.set(ledgerId, config)
    }
    return this.savedConfigs.get(ledgerId) ?? null
  }

  /**
   * Where uploads go now: the saved destination of that name (the editor API's `?dest=`), or the
   * default one, with the preset of the preferences.
   */
  uploadTarget(destinationName?: string): { target: Target; name: string } {
    let savedId: string | null | undefined
    if (destinationName !== undefined) {
      savedId = this.o.settings.view().destinations.find((d) => d.name === destinationName)?.id
      if (savedId === undefined) {
        throw new UpshotError(
          'CONFIG',
          `No destination named "${destinationName}" in the app's settings.`,
        )
      }
    }
    const dest = this.o.settings.resolve(savedId)
    return {
      target: {
        destination: dest.config,
        ...this.ledgerName(dest.config, dest.name),
        preset: this.o.settings.preferences.preset,
        ...mirrorsTarget(this.o.settings.resolveMirrors(dest.savedId)),
      },
      name: dest.name,
    }
  }

  /** Records the saved destination's name with it in the ledger, where the CLI finds it (`--to NAME`). */
  private ledgerName(config: DestinationConfig, name: string): { destinationName?: string } {
    const id = ledgerIdOf(config)
    const holder = this.o.ledger().destinationByName(name)
    // Names are unique in the ledger: leave it to the destination that has it.
    if (holder && ledgerIdOf(holder.config) !== id) return {}
    return { destinationName: name }
  }

  configForLedger(ledgerId: string): DestinationConfig {
    const saved = this.o.settings.findByLedgerId(ledgerId, ledgerIdOf)
    if (saved) return saved.config
    const row = this.o
      .ledger()
      .db.prepare('SELECT config FROM destinations WHERE id = ?')
      .get(ledgerId) as { config: string } | undefined
    if (!row)
      throw new UpshotError('CONFIG', 'The destination of this upload is not known any more.')
    // Not saved in the app (a CLI upload): the AWS default credentials chain applies.
    return JSON.parse(row.config) as DestinationConfig
  }

  /** A mirror's name as the settings have it now (renamed since the upload), else the ledger's. */
  mirrorName(ledgerId: string): string {
    return this.o.settings.findByLedgerId(ledgerId, ledgerIdOf)?.name ?? this.describe(ledgerId)
  }

  describe(ledgerId: string): string {
    const row = this.o
      .ledger()
      .db.prepare('SELECT name, config FROM destinations WHERE id = ?')
      .get(ledgerId) as { name: string | null; config: string } | undefined
    if (!row) return 'Unknown destination'
    if (row.name) return row.name
    const c = JSON.parse(row.config) as DestinationConfig
    if (c.kind === 'local') {
      return c.dir === path.join(this.o.dataDir, 'uploads') ? 'Local folder' : shortenHome(c.dir)
    }
    return `s3://${c.bucket}${c.prefix ? `/${c.prefix}` : ''}`
  }
}

function shortenHome(p: string): string {
  const home = os.homedir()
  return p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p
}
