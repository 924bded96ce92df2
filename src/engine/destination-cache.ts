// The engine's live destinations: one per destination id *and config*. A destination keeps its
// id (store + bucket + prefix) when its keys, public URL, privacy or region change, so caching by
// id alone kept the old keys and links until a restart. Every step asks for its destination as it
// starts and gets one made from the config as it is now; steps under way finish with the one
// they began with (it is closed with the engine).

import type { JobError } from '../shared/jobs'
import type { Destination, DestinationConfig } from './types'

/** Compares configs field by field, whatever order their keys were written in (secrets too). */
export function configFingerprint(config: DestinationConfig): string {
  return stableJson(config)
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export interface DestinationSources {
  make(config: DestinationConfig): Destination
  /** The caller's current config for an id (the app's settings, with keys), or null. */
  configFor?(destinationId: string): DestinationConfig | null
  /** The config the ledger recorded (no secrets); throws CONFIG when the id is unknown. */
  fromLedger(destinationId: string): DestinationConfig
}

export class DestinationCache {
  private readonly live = new Map<string, { fp: string; dest: Destination }>()
  private readonly retired: Destination[] = []
  /** Configs given to enqueue (with their secrets), for this process only. */
  private readonly given = new Map<string, DestinationConfig>()
  /** Destination-wide failures, with the config they happened with. */
  private readonly stops = new Map<string, { fp: string; error: JobError }>()
  /** Destinations that have answered at least once (see `answered`). */
  private readonly reached = new Set<string>()

  constructor(private readonly sources: DestinationSources) {}

  /** The config uploads to `id` use from now on (the latest enqueue's, when the caller has none). */
  configOf(id: string): DestinationConfig {
    return this.sources.configFor?.(id) ?? this.given.get(id) ?? this.sources.fromLedger(id)
  }

  /** Remembers the config a batch was enqueued with: its secrets never reach the ledger. */
  remember(id: string, config: DestinationConfig): void {
    this.given.set(id, config)
  }

  /** The destination for `id` as configured now; `config`, when given, is used as it is. */
  get(id: string, config?: DestinationConfig): Destination {
    const cfg = config ?? this.configOf(id)
    const fp = configFingerprint(cfg)
    const current = this.live.get(id)
    if (current?.fp === fp) return current.dest
    // Another config: steps still using the old one finish with it; close() ends it.
    if (current) this.retired.push(current.dest)
    const dest = this.sources.make(cfg)
    this.live.set(id, { fp, dest })
    return dest
  }

  /** Uploads to `id` stop with `error` (bad keys, no bucket...) until its config changes. */
  stop(id: string, error: JobError): void {
    this.stops.set(id, { fp: this.live.get(id)?.fp ?? '', error })
  }

  /** Why uploads to `id` stopped, while its config is still the one that failed. */
  stopped(id: string): JobError | undefined {
    const s = this.stops.get(id)
    if (!s) return undefined
    let fp: string
    try {
      fp = configFingerprint(this.configOf(id))
    } catch {
      return s.error
    }
    if (fp === s.fp) return s.error
    this.stops.delete(id)
    return undefined
  }

  /** `id` answered a request (a listing, a HEAD, an upload). */
  noteAnswered(id: string): void {
    this.reached.add(id)
  }

  /**
   * Whether `id` answered this engine at least once: a network error from one that did is the
   * network going away (wait for it), from any other a wrong or dead endpoint (stop at once).
   */
  answered(id: string): boolean {
    return this.reached.has(id)
  }

  clearStops(): void {
    this.stops.clear()
  }

  close(): void {
    for (const { dest } of this.live.values()) dest.close()
    for (const d of this.retired) d.close()
    this.live.clear()
    this.retired.length = 0
  }
}
