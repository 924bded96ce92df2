// What the settings screen asks of the core, apart from the preferences: the destinations (with
// the ones `upshot dest` saved in the same data dir, a local folder only as the dialog gave it,
// the connection test, cleanup) and the user's presets (their watermark images copied into the
// data dir, a preview on a photo). Paths come only from tokens of the core's own dialogs.

import path from 'node:path'
import type {
  ChosenPath,
  ConnectionReport,
  DestinationInput,
  SettingsView,
  SharedDestination,
} from '../shared/api'
import type { CleanupReport } from '../shared/cleanup'
import type { CustomPresetSettings, PresetPreview } from '../shared/presets'
import { ownerIsDead, type Engine } from '../engine'
import { cleanupUploads } from '../engine/cleanup'
import { withStoredPurgeToken } from '../engine/cdn/purge-queue'
import { ledgerLocationWarning } from '../engine/ledger/location'
import type { DestinationConfig } from '../engine/types'
import type { AppPorts } from './app-service'
import { testConnection, type ConnectionTestOptions } from './connection-test'
import { parseCustomPreset, toEnginePreset } from './custom-presets'
import { resolveDestinationFolder } from './destination-folders'
import { assertKeysMayFollow } from './key-scope'
import type { PathGrants } from './path-grants'
import { previewPreset } from './preset-preview'
import { inputToEngineConfig, type Settings } from './settings-model'
import type { WatermarkImages } from './watermark-images'

export interface SettingsCommandsDeps {
  settings: Settings
  dataDir: string
  ports: Pick<AppPorts, 'choosePaths'>
  grants: PathGrants
  watermarks: WatermarkImages
  /** The app's engine now (made anew on a concurrency change). */
  engine(): Engine
  connectionTest?: ConnectionTestOptions
}

export class SettingsCommands {
  constructor(private readonly o: SettingsCommandsDeps) {}

  view(): SettingsView {
    return this.withShared(this.o.settings.view())
  }

  /**
   * Adds the destinations `upshot dest` saved in the ledger (the store both share) that the app
   * does not have under the same name, so the settings list them and can take them over.
   */
  withShared(view: SettingsView): SettingsView {
    this.dataDirWarning ??= ledgerLocationWarning(this.o.dataDir) ?? ''
    const shared = this.sharedDestinations(view)
    return { ...view, shared, dataDirWarning: this.dataDirWarning || null }
  }

  private sharedDestinations(view: SettingsView): SharedDestination[] {
    const taken = new Set(view.destinations.map((d) => d.name))
    return this.o
      .engine()
      .ledger.namedDestinations()
      .flatMap((d) => {
        if (!d.provider || taken.has(d.name)) return []
        const p = d.provider
        const input: DestinationInput = {
          name: d.name,
          kind: p.provider,
          bucket: p.bucket ?? '',
          region: p.region ?? '',
          endpoint: p.endpoint ?? '',
          accountId: p.accountId ?? '',
          jurisdiction: p.jurisdiction ?? 'default',
          cdn: p.cdn ?? false,
          private: p.private ?? false,
          expiresIn: p.expiresIn ?? 3600,
          dir: p.dir ?? '',
          prefix: p.prefix ?? '',
          publicUrl: p.publicUrl ?? '',
          pathStyle: p.pathStyle ?? false,
          checksum: p.checksum ?? 'WHEN_REQUIRED',
          ...(p.purge
            ? { purgeCdn: p.purge.kind, purgeId: p.purge.id, purgeApi: p.purge.endpoint ?? '' }
            : {}),
        }
        return [{ name: d.name, kind: p.provider, input }]
      })
  }

  /** Looked up once: where the data directory lives does not change while the app runs. */
  private dataDirWarning: string | undefined

  async testDestination(target: string | DestinationInput): Promise<ConnectionReport> {
    let config: DestinationConfig
    if (typeof target === 'string') {
      config = this.o.settings.resolve(target).config
    } else {
      config = inputToEngineConfig(this.destinationFolder(target).input)
      // Editing a saved destination without retyping its keys: test with the stored ones, but
      // only where they were saved for (never the keys of one endpoint sent to another).
      if (config.kind === 's3' && target.id && target.credentials === undefined) {
        const stored = this.o.settings.resolve(target.id).config
        if (stored.kind === 's3' && stored.credentials) {
          assertKeysMayFollow(stored, config)
          config = { ...config, credentials: stored.credentials }
        }
      }
      if (target.id && target.purgeToken === undefined)
        config = withStoredPurgeToken(config, this.o.settings.resolve(target.id).config)
    }
    return testConnection(config, { ...this.o.connectionTest, dataDir: this.o.dataDir })
  }

  /** Saves a destination from the window: a local folder only as the folder dialog gave it. */
  saveDestination(input: DestinationInput): SettingsView {
    const { input: checked, token } = this.destinationFolder(input)
    const view = this.o.settings.saveDestination(checked)
    if (token) this.o.grants.revoke(token)
    return this.withShared(view)
  }

  async chooseDestinationFolder(): Promise<ChosenPath | null> {
    const [folder] = await this.o.ports.choosePaths('folder')
    return folder
      ? { token: this.o.grants.issue('destination-folder', folder), path: folder }
      : null
  }

  private destinationFolder(input: DestinationInput): ReturnType<typeof resolveDestinationFolder> {
    const view = this.o.settings.view()
    return resolveDestinationFolder(
      input,
      { saved: view.destinations, shared: this.sharedDestinations(view) },
      this.o.grants,
    )
  }

  /** The settings' "Clean up unfinished uploads": `upshot cleanup` for a saved destination. */
  async cleanupDestination(id: string): Promise<CleanupReport> {
    return cleanupUploads(this.o.engine().ledger, this.o.settings.resolve(id).config, {
      isDead: ownerIsDead,
    })
  }

  /**
   * Runs a photo the user picks through a preset into a temporary folder (nothing uploaded) and
   * returns each variant's size with a small data: URL of it: the page may show data: images
   * only, never files from disk.
   */
  async previewPreset(
    target: string | CustomPresetSettings,
    photo?: string,
  ): Promise<PresetPreview | null> {
    const preset =
      typeof target === 'string'
        ? this.o.engine().preset(target)
        : toEnginePreset(
            parseCustomPreset({
              ...this.o.watermarks.resolve(target, this.savedPresets(), { copy: false }).preset,
              name: target.name || 'preview',
            }),
          )
    const [file] =
      photo !== undefined
        ? [this.o.grants.peek(photo, 'preview-photo')]
        : await this.o.ports.choosePaths('files')
    if (!file) return null
    return previewPreset(file, preset, path.join(this.o.dataDir, 'preview'))
  }

  async chooseWatermarkImage(): Promise<ChosenPath | null> {
    const [file] = await this.o.ports.choosePaths('files')
    return file ? { token: this.o.grants.issue('watermark-image', file), path: file } : null
  }

  /** Saves a preset from the window: a new watermark image (a token) is copied into the data dir. */
  savePreset(input: CustomPresetSettings, replacing: string | null): SettingsView {
    const { preset, token } = this.o.watermarks.resolve(input, this.savedPresets(), { copy: true })
    const view = this.o.settings.savePreset(preset, replacing)
    if (token) this.o.grants.revoke(token)
    this.o.watermarks.prune(this.savedPresets())
    return view
  }

  removePreset(name: string): SettingsView {
    const view = this.o.settings.removePreset(name)
    this.o.watermarks.prune(this.savedPresets())
    return view
  }

  private savedPresets(): CustomPresetSettings[] {
    return this.o.settings.view().presets.flatMap((p) => (p.definition ? [p.definition] : []))
  }
}
