// What the desktop app does, behind the IPC commands: hosts the engine, keeps the queue the
// window shows, runs and controls jobs, copies links, reads the history and applies settings.
// Free of 'electron': it runs in the core process (src/core/main.ts), whose host answers the
// clipboard, dialog, shell and notification ports over the channel.

import path from 'node:path'
import type {
  AddResult,
  AppInfo,
  ConnectionReport,
  DestinationInput,
  EditorApiStatus,
  Events,
  Face,
  EventName,
  Preferences,
  QueueSnapshot,
  SettingsView,
} from '../shared/api'
import { UpshotError, type ErrorCode, type JobState } from '../shared/jobs'
import type { ConnectionTestOptions } from './connection-test'
import { toJobError, type Engine, type EngineEvent } from '../engine'
import { listHistory } from '../engine/history'
import type { DestinationConfig } from '../engine/types'
import type { CommandHandlers } from './ipc-dispatch'
import { QueueModel, isFinished } from './queue-model'
import { DropListings } from './drop-listings'
import { queueTraceEnabled, traceQueue } from './queue-trace'
import type { RecordedPage } from '../engine/enqueue-page'
import type { JobRow } from '../engine/ledger'
import type { Settings } from './settings-model'
import { SyncService } from './sync-service'
import { AppDestinations, ledgerIdOf } from './app-destinations'
import { MirrorWatch } from './mirror-watch'
import { DropBatches, type Batch } from './drop-batches'
import type { Preset } from '../engine/types'
import { Thumbnails } from './thumbnails'
import { QueueControls } from './queue-controls'
import { BrowseService } from './browse-service'
import { PathGrants } from './path-grants'
import { WatermarkImages } from './watermark-images'
import { FolderBrowser } from './folder-browser'
import { IncomingFiles } from './incoming'
import { ChosenPaths } from './chosen-paths'
import { ClipboardImages } from './clipboard-images'
import { SettingsCommands } from './settings-commands'
import { FinishedLinks } from './finished-links'
import { HistoryCommands } from './history-commands'
import { AppEditorApi } from './editors/app-editor-api'
import { EngineHost } from './engine-host'

export interface AppPorts {
  writeClipboardText(text: string): Promise<void>
  /** The clipboard's image, or null when it holds none. */
  readClipboardImage(): Promise<{ data: Buffer; mime: string } | null>
  /** Native open dialog; [] when the user cancels. */
  choosePaths(kind: 'files' | 'folder'): Promise<string[]>
  /** Opens an https URL in the default browser. */
  openInBrowser(url: string): Promise<void>
  notify(title: string, body: string): void
  /** Settings that the Electron glue applies (login item, shortcut, theme). */
  preferencesChanged(prefs: Preferences): void
}

export interface AppServiceOptions {
  dataDir: string
  version: string
  settings: Settings
  ports: AppPorts
  /** Makes the engine (pass every hook on); called again with a new concurrency when idle. */
  makeEngine(hooks: EngineHooks): Engine
  emit<K extends EventName>(name: K, payload: Events[K]): void
  connectionTest?: ConnectionTestOptions
  patchIntervalMs?: number
  /** How long a changed file in a synced folder must hold still before it is read. */
  syncSettleMs?: number
  /** The face the page runs in (default: the window, with native dialogs). */
  face?: Face
  /** Browser face: where the files a page sends are staged (<data dir>/incoming by default). */
  incoming?: IncomingFiles
}

/** What the app's engine takes from the app: its concurrency, presets and destinations. */
export interface EngineHooks {
  uploadConcurrency: number
  customPresets: () => readonly Preset[]
  /** A saved destination's config as it is now (keys included), by ledger id. */
  configFor: (ledgerId: string) => DestinationConfig | null
}

export { ledgerIdOf }

export class AppService {
  /** The engine (made anew when the concurrency changes) and its run loop. */
  private readonly host: EngineHost
  private get engine(): Engine {
    return this.host.engine
  }
  private readonly queue: QueueModel
  /** Saved and ledger destinations: configs, names, the upload target (core/app-destinations). */
  private readonly destinations: AppDestinations
  /** Finished uploads with their links, and copying them (core/finished-links). */
  readonly links: FinishedLinks
  /** The History view: pages, usage, deletes (core/history-commands). */
  readonly history: HistoryCommands
  /** Pause, resume, cancel, retry and clear (core/queue-controls). */
  readonly controls: QueueControls
  /** What each drop, dialog or paste added, and its end: auto-copy, notice (core/drop-batches). */
  private readonly batches: DropBatches
  private readonly listings: DropListings
  private readonly thumbnails = new Thumbnails()
  private browseService: BrowseService | undefined
  /** The Browse view's commands (core/browse-service.ts). */
  private get browse(): BrowseService {
    return (this.browseService ??= new BrowseService({
      ledger: () => this.engine.ledger,
      dataDir: this.o.dataDir,
      resolve: (id) => this.o.settings.resolve(id).config,
      ledgerIdOf,
      configOfLedgerId: (id) => this.destinations.configForLedger(id),
    }))
  }
  private readonly clipboard: ClipboardImages
  /** Paths the user chose in dialogs, by the tokens the window got for them. */
  private readonly grants = new PathGrants()
  /** The settings screen's destinations and presets (core/settings-commands.ts). */
  private readonly settingsCommands: SettingsCommands
  /** Browser face: files sent by the page, and the core-served chooser. */
  readonly incoming: IncomingFiles
  /** Paths from dialogs or the browser face's chooser, by token (core/chosen-paths.ts). */
  private readonly paths: ChosenPaths
  private closed = false
  readonly sync: SyncService
  /** The PicGo-compatible API for editors, while the user has it on (the window's face only). */
  private readonly editorApi: AppEditorApi | null
  /** Done jobs whose mirror copies are not all made yet (core/mirror-watch.ts). */
  private readonly mirrorWatch: MirrorWatch

  constructor(private readonly o: AppServiceOptions) {
    this.destinations = new AppDestinations({
      settings: o.settings,
      dataDir: o.dataDir,
      ledger: () => this.engine.ledger,
    })
    const engine = (): Engine => this.engine
    this.links = new FinishedLinks({
      engine,
      destinations: this.destinations,
      settings: o.settings,
      ports: o.ports,
    })
    this.history = new HistoryCommands({
      engine,
      destinations: this.destinations,
      dataDir: o.dataDir,
    })
    this.host = new EngineHost(
      {
        make: (concurrency) => o.makeEngine(this.engineHooks(concurrency)),
        onEvent: (e) => this.onEngineEvent(e),
        // The last job's events come before its drive ends: the loop says when it is empty.
        onIdle: () => this.restartEngineIfNeeded(),
        // The running engine stays, and the next quiet moment tries again.
        onSwapFailed: (err) =>
          o.emit('notice', { kind: 'error', message: toJobError(err).message }),
      },
      o.settings.preferences.concurrency,
    )
    this.queue = new QueueModel((patch) => o.emit('queue', patch), o.patchIntervalMs)
    this.controls = new QueueControls({
      engine,
      queue: this.queue,
      thumbnails: this.thumbnails,
      run: (ids) => this.runJobs(ids),
      track: (id) => this.track(id),
    })
    this.batches = new DropBatches({
      stateOf: (id) => this.queue.get(id)?.state,
      preferences: () => o.settings.preferences,
      copyLinks: (ids, format) => this.links.copyLinks(ids, format),
      notify: (title, body) => o.ports.notify(title, body),
      ended: () => this.restartEngineIfNeeded(),
    })
    this.listings = new DropListings((adding) => this.queue.setAdding(adding))
    this.clipboard = new ClipboardImages(path.join(o.dataDir, 'clipboard'))
    this.settingsCommands = new SettingsCommands({
      settings: o.settings,
      dataDir: o.dataDir,
      ports: o.ports,
      grants: this.grants,
      watermarks: new WatermarkImages(path.join(o.dataDir, 'watermarks'), this.grants),
      engine: () => this.engine,
      ...(o.connectionTest ? { connectionTest: o.connectionTest } : {}),
    })
    this.incoming = o.incoming ?? new IncomingFiles(path.join(o.dataDir, 'incoming'))
    this.sync = new SyncService({
      engine: () => this.engine,
      settings: o.settings,
      configOf: (id) => this.destinations.configForLedger(id),
      describeDestination: (id) => this.destinations.describe(id),
      emit: (pairs) => o.emit('sync', pairs),
      // A concurrency change waits for a quiet moment between passes.
      passFinished: () => this.restartEngineIfNeeded(),
      ...(o.syncSettleMs !== undefined ? { settleMs: o.syncSettleMs } : {}),
    })
    this.paths = new ChosenPaths({
      face: o.face ?? 'window',
      grants: this.grants,
      browser: new FolderBrowser(this.grants),
      choosePaths: (kind) => o.ports.choosePaths(kind),
      sync: this.sync,
      addPaths: (paths) => this.addPaths(paths),
    })
    // A browser tab would get the key through its clipboard: there, `upshot serve` does it.
    this.editorApi =
      o.face === 'browser'
        ? null
        : new AppEditorApi({
            dataDir: o.dataDir,
            engine: () => this.engine,
            uploadTarget: (name) => this.destinations.uploadTarget(name).target,
            key: (opts) => o.settings.editorApiKey(opts),
            readClipboardImage: () => o.ports.readClipboardImage(),
            deleteUploads: (ids) => this.history.deleteRecords(ids),
            customTemplate: () => o.settings.preferences.customTemplate,
            writeClipboardText: (text) => o.ports.writeClipboardText(text),
            changed: (status) => o.emit('editorApi', status),
            // The editor's request runs them and gets the links; the queue shows them meanwhile.
            queued: (ids) => {
              for (const id of ids) if (!this.queue.has(id)) this.track(id)
            },
          })
    this.mirrorWatch = new MirrorWatch({
      engine: () => this.engine,
      nameOf: (id) => this.destinations.mirrorName(id),
      show: (id, mirror) => this.queue.setMirror(id, mirror),
      busy: () => !this.host.idle,
    })
  }

  /**
   * Brings back what the ledger has unfinished (a crash, a quit mid-batch) and runs it. `show`:
   * jobs the window showed before the core restarted, shown again in their order (finished too).
   */
  start(show: readonly string[] = []): void {
    for (const id of show) if (!this.queue.has(id)) this.track(id)
    const ids = this.engine.ledger.unfinishedJobIds()
    for (const id of ids) if (!this.queue.has(id)) this.track(id)
    // Paused before the app quit: still paused.
    for (const id of ids) if (this.engine.isJobPaused(id)) this.queue.setPaused(id, true)
    this.runJobs(ids)
    this.mirrorWatch.start(show.filter((id) => this.queue.get(id)?.state === 'done'))
    this.sweepIncoming(ids)
    this.sync.start()
    void this.editorApi?.apply(this.o.settings.preferences)
  }

  /** Sent files no job needs any more go; unfinished and retryable ones stay. */
  private sweepIncoming(unfinished: readonly string[]): void {
    const keep = new Set<string>()
    for (const id of unfinished) {
      const source = this.engine.ledger.job(id)?.source
      if (source) keep.add(source)
    }
    const week = Date.now() - 7 * 24 * 3600 * 1000
    for (const status of ['failed', 'canceled'] as const) {
      const page = listHistory(this.engine.ledger, {
        status,
        folder: this.incoming.dir,
        since: week,
        limit: 1000,
      })
      for (const r of page.rows) keep.add(r.source)
    }
    this.incoming.sweep(keep)
  }

  get ledgerEngine(): Engine {
    return this.engine
  }

  getQueue(): QueueSnapshot {
    return this.queue.snapshot()
  }

  /** Whether uploads are under way (the window closes to the tray then). */
  busy(): boolean {
    return !this.queue.overall().idle
  }

  get allPaused(): boolean {
    return this.engine.paused
  }

  // ------------------------------------------------------------------ adding

  /**
   * Records and runs the files under `paths` page by page as they are listed: the first page is
   * in the queue, on screen and running while the rest of a big folder is still being read.
   */
  async addPaths(paths: readonly string[], into?: Batch): Promise<AddResult> {
    if (paths.length === 0) return { added: 0 }
    const { target, name: destName } = this.destinations.uploadTarget()
    const batch = into ?? this.batches.fresh()
    batch.listing++
    const before = batch.ids.size
    const listing = this.listings.start()
    const startedAt = performance.now()
    let first = true
    traceQueue('drop', { paths: paths.length })
    this.startTraced = false
    try {
      await this.engine.enqueue(paths, target, {
        signal: listing.signal,
        onPage: (page) => {
          this.pageRecorded(page, batch, destName, first)
          first = false
        },
      })
    } finally {
      this.listings.end(listing)
      traceQueue('listed', { files: batch.ids.size, ms: performance.now() - startedAt })
      this.batches.listingEnded(batch)
    }
    return { added: batch.ids.size - before }
  }

  /** Stops the drops still being listed; what they already added stays queued. */
  stopAdding(): void {
    this.listings.stopAll()
  }

  private pageRecorded(
    page: RecordedPage,
    batch: Batch,
    destinationName: string,
    first: boolean,
  ): void {
    const t = performance.now()
    for (const row of page.rows) {
      const id = row.id
      this.track(id, destinationName, row)
      this.batches.joined(batch, id, !isFinished(this.queue.get(id)?.state ?? 'done'))
    }
    // The ids the queue model keeps (row.id), so a waiting job's turn costs one array slot.
    this.runJobs(page.rows.map((row) => row.id))
    // The drop's first rows go to the window now, not at the next patch interval.
    if (first) this.queue.flush()
    traceQueue('page', {
      files: page.ids.length,
      listMs: page.listMs,
      recordMs: page.recordMs,
      trackMs: performance.now() - t,
    })
  }

  /** Browser face: files the page sent (tokens from IncomingFiles), added like dropped ones. */
  async addUploads(
    tokens: readonly string[],
    part?: { batch: string; last: boolean },
  ): Promise<AddResult> {
    const paths = this.incoming.redeem(tokens)
    if (!part) return this.addPaths(paths)
    // One drop, sent in parts so its rows show early, is still one batch: one notice, one copy.
    const result = await this.addPaths(paths, this.batches.part(part.batch, part.last))
    if (part.last) this.batches.close(part.batch)
    return result
  }

  async chooseAndAdd(kind: 'files' | 'folder'): Promise<AddResult> {
    return this.addPaths(await this.o.ports.choosePaths(kind))
  }

  /** Saves the clipboard's image as a PNG in the data dir and uploads it. */
  async uploadClipboardImage(): Promise<AddResult> {
    return this.addPaths([this.clipboard.save(await this.o.ports.readClipboardImage())])
  }

  // ------------------------------------------------------------------ running

  private track(id: string, destinationName?: string, known?: JobRow): void {
    const row = known ?? this.engine.ledger.job(id)
    if (!row) return
    this.queue.add({
      id,
      source: row.source,
      state: row.state,
      error: row.error_code
        ? { code: row.error_code as ErrorCode, message: row.error_message ?? '' }
        : null,
      deduplicated: row.deduplicated === 1,
      sourceBytes: row.size,
      destinationName: destinationName ?? this.destinations.describe(row.destination_id),
      createdAt: row.created_at,
    })
  }

  /** Hands the jobs that may run to the engine's run loop (core/engine-host.ts). */
  private runJobs(ids: readonly string[]): void {
    this.host.run(
      ids.filter((id) => {
        const state = this.queue.get(id)?.state
        return state !== undefined && !isFinished(state) && !this.queue.isPaused(id)
      }),
    )
  }

  /** UPSHOT_TRACE=queue: whether the drop's first job to start was traced yet. */
  private startTraced = true

  private onEngineEvent(e: EngineEvent): void {
    if (e.type === 'ledger') {
      // Locked by another process, writable again, or failed: the window says so.
      this.o.emit('notice', {
        kind: e.state === 'writable' ? 'info' : 'error',
        message: e.error?.message ?? 'The ledger takes writes again; uploads continue.',
      })
      return
    }
    if (e.type === 'progress') {
      for (const j of e.jobs) this.queue.setProgress(j.id, j.bytesDone, j.bytesTotal)
      this.queue.setOverall(e.overall)
      return
    }
    if (!this.queue.has(e.id)) {
      // A sync pass's uploads show in the queue too, with their progress; the pass runs them.
      if (e.state !== 'queued' || !this.sync.covers(e.source)) return
      this.track(e.id)
      return
    }
    const before = this.queue.get(e.id)?.state
    // The source's size is known once it has been read (processing -> processed or done).
    const size =
      e.state === 'processed' || e.state === 'done'
        ? (this.engine.ledger.job(e.id)?.size ?? null)
        : undefined
    if (!this.startTraced && e.state === 'processing' && queueTraceEnabled()) {
      this.startTraced = true
      traceQueue('started', {})
    }
    this.queue.setState(e.id, e.state, e.error, e.deduplicated, size)
    if (before && !isFinished(before) && isFinished(e.state)) this.jobFinished(e.id, e.state)
  }

  private jobFinished(id: string, state: JobState): void {
    const job = this.queue.get(id)
    if (state === 'done') this.mirrorWatch.jobDone(id)
    // A pasted image, or a file a browser sent, lives on only in the bucket.
    if (state === 'done' && job && this.clipboard.holds(job.source))
      this.clipboard.release(job.source)
    if (state === 'done' && job && this.incoming.holds(job.source))
      this.incoming.release(job.source)
    this.batches.jobFinished(id)
  }

  // ------------------------------------------------------------------ links and results

  async getThumbnails(ids: readonly string[]): Promise<Record<string, string | null>> {
    const result: Record<string, string | null> = {}
    for (const id of ids.slice(0, 200)) {
      const source = this.queue.get(id)?.source ?? this.engine.ledger.job(id)?.source
      result[id] = source ? await this.thumbnails.get(id, source) : null
    }
    return result
  }

  async openLink(url: string): Promise<void> {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new UpshotError('CONFIG', 'That is not a link.')
    }
    if (parsed.protocol !== 'https:') {
      throw new UpshotError('CONFIG', 'Only https:// links open in the browser.')
    }
    await this.o.ports.openInBrowser(parsed.href)
  }

  // ------------------------------------------------------------------ settings

  getSettings(): SettingsView {
    return this.settingsCommands.view()
  }

  async testDestination(target: string | DestinationInput): Promise<ConnectionReport> {
    return this.settingsCommands.testDestination(target)
  }

  savePreferences(patch: Partial<Preferences>): SettingsView {
    const view = this.o.settings.savePreferences(patch)
    this.o.ports.preferencesChanged(view.preferences)
    void this.editorApi?.apply(view.preferences)
    this.restartEngineIfNeeded()
    return this.settingsCommands.withShared(view)
  }

  appInfo(): AppInfo {
    return { version: this.o.version, dataDir: this.o.dataDir, platform: process.platform }
  }

  /** Every command of the contract, for ipc.ts (and the e2e bridge). */
  handlers(): CommandHandlers {
    const s = this.o.settings
    return {
      getAppInfo: () => this.appInfo(),
      addPaths: (paths) => this.addPaths(paths),
      chooseAndAdd: (kind) => this.chooseAndAdd(kind),
      uploadClipboardImage: () => this.uploadClipboardImage(),
      getQueue: () => this.getQueue(),
      watchQueue: (range) => this.queue.watch(range),
      retryFailed: () => this.controls.retryFailed(),
      copyDoneLinks: (format, except) => {
        const skip = new Set(except)
        return this.links.copyLinks(
          this.queue.list('done').filter((id) => !skip.has(id)),
          format,
        )
      },
      stopAdding: () => this.stopAdding(),
      pauseAll: () => this.controls.pauseAll(),
      resumeAll: () => this.controls.resumeAll(),
      pauseJob: (id) => this.controls.pauseJob(id),
      resumeJob: (id) => this.controls.resumeJob(id),
      cancelJob: (id) => this.controls.cancelJob(id),
      retryJob: (id) => this.controls.retryJob(id),
      clearFinished: () => this.controls.clearFinished(),
      // What the page shows and opens: a private destination's links signed afresh.
      getFinished: (ids) => this.links.getFinishedWithFreshLinks(ids),
      copyLinks: (ids, format, mirror) => this.links.copyLinks(ids, format, mirror),
      getThumbnails: (ids) => this.getThumbnails(ids),
      openLink: (url) => this.openLink(url),
      getHistory: (query) => this.history.getHistory(query),
      getUsage: () => this.history.getUsage(),
      deleteUploads: (ids) => this.history.deleteUploads(ids),
      getSettings: () => this.getSettings(),
      getEditorApi: () => this.editorApiStatus(),
      copyEditorApiUrl: (kind) => this.editorApiOrThrow().copyUrl(kind),
      newEditorApiKey: async () => {
        await this.editorApiOrThrow().newKey()
        return this.editorApiStatus()
      },
      savePreferences: (patch) => this.savePreferences(patch),
      saveDestination: (input) => this.settingsCommands.saveDestination(input),
      removeDestination: (id) => this.settingsCommands.withShared(s.removeDestination(id)),
      setDefaultDestination: (id) => this.settingsCommands.withShared(s.setDefaultDestination(id)),
      testDestination: (target) => this.testDestination(target),
      chooseDestinationFolder: () => this.settingsCommands.chooseDestinationFolder(),
      cleanupDestination: (id) => this.settingsCommands.cleanupDestination(id),
      browseDestination: (id, prefix, next) => this.browse.page(id, prefix, next),
      findOrphans: (id) => this.browse.orphans(id),
      browseThumbnails: (id, keys) => this.browse.thumbnails(id, keys),
      deleteObjects: (id, keys) => this.browse.delete(id, keys),
      adoptOrphans: (id, keys) => this.browse.adopt(id, keys),
      listSyncPairs: () => this.sync.list(),
      chooseSyncFolder: () => this.paths.chooseSyncFolder(),
      addSyncPair: (input) => this.paths.addSyncPair(input),
      previewSyncPair: (id) => this.sync.preview(id),
      runSyncPair: (id) => this.sync.run(id),
      pauseSyncPair: (id) => this.sync.pause(id),
      resumeSyncPair: (id) => this.sync.resume(id),
      removeSyncPair: (id) => this.sync.remove(id),
      savePreset: (preset, replacing) => this.settingsCommands.savePreset(preset, replacing),
      removePreset: (name) => this.settingsCommands.removePreset(name),
      chooseWatermarkImage: () => this.settingsCommands.chooseWatermarkImage(),
      previewPreset: (preset, photo) => this.settingsCommands.previewPreset(preset, photo),
      addUploads: (tokens, part) => this.addUploads(tokens, part),
      browseFolder: (purpose, folder) => this.paths.browseFolder(purpose, folder),
      chooseBrowsed: (purpose, chosen) => this.paths.chooseBrowsed(purpose, chosen),
      addChosenFolder: (token) => this.paths.addChosenFolder(token),
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.listings.stopAll()
    this.mirrorWatch.close()
    await this.sync.close()
    await this.editorApi?.close()
    this.queue.flush()
    this.queue.close()
    await this.host.close()
  }

  // ------------------------------------------------------------------ helpers

  private editorApiStatus(): EditorApiStatus {
    return this.editorApi?.current() ?? { state: 'off', port: null, message: null }
  }

  private editorApiOrThrow(): AppEditorApi {
    if (!this.editorApi) {
      throw new UpshotError(
        'CONFIG',
        'In a browser tab the editor API is `upshot serve`, run beside it.',
      )
    }
    return this.editorApi
  }

  /**
   * The engine's semaphores are sized at creation: a new concurrency takes effect by making a
   * new engine once nothing runs (unfinished jobs stay in the ledger; paused ones wait).
   */
  private restartEngineIfNeeded(): void {
    const wanted = this.o.settings.preferences.concurrency
    if (wanted === this.host.concurrency || this.closed || !this.queue.overall().idle) return
    if (!this.host.idle || this.restarting || this.listings.active) return
    if (this.sync.busy()) {
      // Watchers hold the engine for as long as the app runs: between passes they are stopped,
      // the engine replaced, and they start again (a whole-folder pass finds what changed).
      if (!this.sync.passRunning()) void this.restartAroundWatchers()
      return
    }
    this.host.swap(wanted)
  }

  private restarting = false

  private async restartAroundWatchers(): Promise<void> {
    this.restarting = true
    try {
      const watched = await this.sync.suspend()
      if (!this.closed && this.queue.overall().idle && this.host.idle)
        this.host.swap(this.o.settings.preferences.concurrency)
      if (!this.closed) this.sync.rewatch(watched)
    } catch (err) {
      // Runs from a timer: a failure is told, never thrown.
      this.o.emit('notice', { kind: 'error', message: toJobError(err).message })
    } finally {
      this.restarting = false
    }
  }

  private engineHooks(uploadConcurrency: number): EngineHooks {
    return {
      uploadConcurrency,
      customPresets: () => this.o.settings.customPresets(),
      configFor: (ledgerId) => this.destinations.savedConfig(ledgerId),
    }
  }
}
