// The app's folder sync: the pairs saved in the ledger (shared with `upshot sync`), a watcher per
// pair that ran once and is not paused, previews (dry runs), and the state the Sync view shows.
// Free of 'electron', like AppService, so the e2e tests run it against a real S3 server.

import fs from 'node:fs/promises'
import path from 'node:path'
import type { SyncActivity, SyncPairInput, SyncPairView, SyncPreview } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import type { Engine, Target } from '../engine'
import {
  resolvePair,
  runPass,
  SyncStore,
  watchPair,
  type PassContext,
  type SyncPair,
} from '../engine/sync'
import type { DestinationConfig } from '../engine/types'
import type { Settings } from './settings-model'
import { mirrorsTarget } from './destination-mirrors'
import { destinationIdOf } from '../engine/mirrors'

export interface SyncServiceOptions {
  /** The engine of the moment (AppService may replace it while nothing runs). */
  engine(): Engine
  settings: Settings
  /** The engine config (credentials included) of a ledger destination. */
  configOf(destinationId: string): DestinationConfig
  describeDestination(destinationId: string): string
  emit(pairs: SyncPairView[]): void
  /** After each pass (the app may replace the engine between passes). */
  passFinished?(): void
  /** Quiet time before a changed file is read; the watcher's default when undefined. */
  settleMs?: number
  emitIntervalMs?: number
}

interface Runtime {
  ctl: AbortController
  done: Promise<void>
  activity: 'syncing' | 'watching' | 'waiting'
  message: string | null
  /** Uploads the current pass planned and has not finished. */
  inFlight: Set<string>
  /** Stops listening to the engine's job events. */
  off(): void
  /** A watcher (not a single pass of a paused pair). */
  watching: boolean
}

const PREVIEW_LIMIT = 500

export class SyncService {
  private readonly running = new Map<string, Runtime>()
  private storeOf: { engine: Engine; store: SyncStore } | null = null
  private emitTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor(private readonly o: SyncServiceOptions) {}

  private get store(): SyncStore {
    const engine = this.o.engine()
    if (this.storeOf?.engine !== engine)
      this.storeOf = { engine, store: new SyncStore(engine.ledger) }
    return this.storeOf.store
  }

  /** Watches every pair that ran before and is not paused (the app started). */
  start(): void {
    for (const p of this.store.pairs()) if (!p.paused && p.lastRunAt !== null) this.watch(p)
  }

  /** Whether `source` lies in the folder of a pair being synced now (its jobs show in the queue). */
  covers(source: string): boolean {
    for (const id of this.running.keys()) {
      const folder = this.store.pair(id)?.folder
      if (folder && source.startsWith(folder + path.sep)) return true
    }
    return false
  }

  /** Whether a pass is under way (a watcher between passes is only watching). */
  passRunning(): boolean {
    return [...this.running.values()].some(
      (rt) => rt.activity !== 'watching' && rt.activity !== 'waiting',
    )
  }

  /** Stops every watcher and pass; returns the pairs that were being watched. */
  async suspend(): Promise<string[]> {
    const watched = [...this.running].filter(([, rt]) => rt.watching).map(([id]) => id)
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)))
    return watched
  }

  /** Watches these pairs again (after suspend), unless paused or forgotten meanwhile. */
  rewatch(ids: readonly string[]): void {
    for (const id of ids) {
      const pair = this.store.pair(id)
      if (pair && !pair.paused && !this.running.has(id)) this.watch(pair)
    }
  }

  /** Whether a pass or watcher holds the engine (it must not be replaced then). */
  busy(): boolean {
    return this.running.size > 0
  }

  list(): SyncPairView[] {
    return this.store.pairs().map((p) => this.view(p))
  }

  /** Saves a pair; `chosenFolder` comes from the folder dialog (AppService redeems the token). */
  async add(
    chosenFolder: string,
    input: Omit<SyncPairInput, 'folderToken'>,
  ): Promise<SyncPairView> {
    const folder = path.resolve(chosenFolder)
    const st = await fs.stat(folder).catch(() => null)
    if (!st?.isDirectory()) {
      throw new UpshotError('NOT_FOUND', `${folder} is not a folder on this computer.`)
    }
    this.o.engine().preset(input.preset) // an unknown preset says so before anything is saved
    const dest = this.o.settings.resolve(input.destinationId)
    const { pair } = resolvePair(this.o.engine(), this.store, {
      folder,
      destination: { config: dest.config, name: dest.name },
      preset: input.preset,
      include: input.include.map((g) => g.trim()).filter(Boolean),
      exclude: input.exclude.map((g) => g.trim()).filter(Boolean),
      save: true,
    })
    const saved = this.store.pair(pair.id!)!
    this.changed()
    return this.view(saved)
  }

  async preview(id: string): Promise<SyncPreview> {
    const ctx = this.context(this.pairOrThrow(id))
    // delete: true only forecasts the objects of gone files; a dry run sends and removes nothing.
    const { plan } = await runPass(ctx, { dryRun: true, delete: true })
    return {
      folder: plan.folder,
      upload: plan.upload.slice(0, PREVIEW_LIMIT),
      uploadCount: plan.upload.length,
      rename: plan.rename.slice(0, PREVIEW_LIMIT),
      unchanged: plan.unchanged,
      gone: plan.gone.slice(0, PREVIEW_LIMIT),
      delete: plan.delete.slice(0, PREVIEW_LIMIT),
      problems: plan.problems.slice(0, PREVIEW_LIMIT).map((p) => ({
        path: p.path,
        message: p.message,
      })),
      limit: PREVIEW_LIMIT,
    }
  }

  /** A whole-folder pass now: a watcher starts over (its first pass is whole); a paused pair runs once. */
  async run(id: string): Promise<void> {
    const pair = this.pairOrThrow(id)
    await this.stop(id)
    if (pair.paused) this.once(pair)
    else this.watch(pair)
  }

  async pause(id: string): Promise<void> {
    this.pairOrThrow(id)
    this.store.setPaused(id, true)
    await this.stop(id)
    this.changed()
  }

  async resume(id: string): Promise<void> {
    const pair = this.pairOrThrow(id)
    this.store.setPaused(id, false)
    if (pair.lastRunAt !== null && !this.running.has(id)) this.watch({ ...pair, paused: false })
    this.changed()
  }

  async remove(id: string): Promise<void> {
    this.pairOrThrow(id)
    await this.stop(id)
    this.store.removePair(id)
    this.changed()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.emitTimer) clearTimeout(this.emitTimer)
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)))
  }

  // ------------------------------------------------------------------ running

  private watch(pair: SyncPair): void {
    const rt = this.begin(pair.id, true)
    const ctx = this.context(pair)
    rt.done = watchPair(ctx, {
      signal: rt.ctl.signal,
      ...(this.o.settleMs !== undefined ? { settleMs: this.o.settleMs } : {}),
      onPlan: (plan) => {
        for (const u of plan.uploads) rt.inFlight.add(u.rel)
        this.changed()
      },
      onPass: () => {
        rt.inFlight.clear()
        rt.message = null
        this.changed()
        // The watcher reports 'watching' right after this; let it, then offer the quiet moment.
        setTimeout(() => this.o.passFinished?.(), 0)
      },
      onState: (s) => {
        rt.activity =
          s.state === 'waiting-for-folder'
            ? 'waiting'
            : s.state === 'syncing'
              ? 'syncing'
              : 'watching'
        rt.message = s.state === 'waiting-for-folder' ? s.message : null
        this.changed()
      },
      onError: (err) => {
        rt.message = err.message
        this.failPass(pair.id, err.message)
        this.changed()
      },
    })
      .catch((err: unknown) => {
        if (!this.closed) this.failPass(pair.id, messageOf(err))
      })
      .finally(() => this.end(pair.id, rt))
  }

  private once(pair: SyncPair): void {
    const rt = this.begin(pair.id, false)
    rt.done = runPass(this.context(pair), {
      signal: rt.ctl.signal,
      onPlan: (plan) => {
        for (const u of plan.uploads) rt.inFlight.add(u.rel)
        this.changed()
      },
    })
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!this.closed) this.failPass(pair.id, messageOf(err))
      })
      .finally(() => this.end(pair.id, rt))
  }

  private begin(id: string, watching: boolean): Runtime {
    const rt: Runtime = {
      watching,
      ctl: new AbortController(),
      done: Promise.resolve(),
      activity: 'syncing',
      message: null,
      inFlight: new Set(),
      // Each finished upload changes the pair's counts.
      off: this.o.engine().on((e) => {
        if (e.type === 'job') this.changed()
      }),
    }
    this.running.set(id, rt)
    this.changed()
    return rt
  }

  private end(id: string, rt: Runtime): void {
    rt.off()
    if (this.running.get(id) === rt) this.running.delete(id)
    if (!this.closed) this.changed()
  }

  private async stop(id: string): Promise<void> {
    const rt = this.running.get(id)
    if (!rt) return
    rt.ctl.abort()
    await rt.done
  }

  /** A pass that could not run at all is recorded as the pair's last result, with its sentence. */
  /** Never throws (it runs in watcher callbacks): a ledger that cannot record it leaves the message shown. */
  private failPass(id: string, message: string): void {
    try {
      if (!this.store.pair(id)) return
      this.store.recordPass(id, {
        uploaded: 0,
        renamed: 0,
        unchanged: 0,
        gone: 0,
        deleted: 0,
        failed: 0,
        error: message,
      })
    } catch {
      // The ledger is busy or failed: the pair's message (rt.message) still says what happened.
    }
  }

  private context(pair: SyncPair): PassContext {
    const destinationName = pair.destinationName ?? undefined
    const target: Target = {
      destination: this.o.configOf(pair.destinationId),
      ...(destinationName ? { destinationName } : {}),
      preset: pair.preset,
      // The saved destination's mirrors get every object of the pass too, as with uploads.
      ...mirrorsTarget(
        this.o.settings.resolveMirrors(
          this.o.settings.findByLedgerId(pair.destinationId, destinationIdOf)?.savedId ?? null,
        ),
      ),
    }
    return {
      engine: this.o.engine(),
      store: this.store,
      pair: {
        id: pair.id,
        folder: pair.folder,
        destinationId: pair.destinationId,
        preset: pair.preset,
        filters: pair.filters,
      },
      target,
    }
  }

  private pairOrThrow(id: string): SyncPair {
    const pair = this.store.pair(id)
    if (!pair) throw new UpshotError('NOT_FOUND', 'That sync pair no longer exists.')
    return pair
  }

  // ------------------------------------------------------------------ the view

  private view(p: SyncPair): SyncPairView {
    const rt = this.running.get(p.id)
    const status = this.store.status(p.id)
    const pending = Math.max(status.pending, rt?.inFlight.size ?? 0)
    const activity: SyncActivity = rt
      ? rt.activity
      : p.paused
        ? 'paused'
        : p.lastRunAt === null
          ? 'new'
          : 'stopped'
    const errors = p.lastResult?.failed ?? 0
    const message = rt?.message ?? p.lastResult?.error ?? null
    return {
      id: p.id,
      folder: p.folder,
      destinationId: p.destinationId,
      destinationName: p.destinationName ?? this.o.describeDestination(p.destinationId),
      preset: p.preset,
      include: [...p.filters.include],
      exclude: [...p.filters.exclude],
      activity,
      files: status.files,
      pending,
      errors,
      upToDate:
        p.lastRunAt !== null &&
        activity !== 'syncing' &&
        pending === 0 &&
        errors === 0 &&
        message === null,
      message,
      lastRunAt: p.lastRunAt,
      lastResult: p.lastResult,
    }
  }

  /** Coalesces state changes into one `sync` event every emitIntervalMs. */
  private changed(): void {
    if (this.closed || this.emitTimer) return
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null
      if (this.closed) return
      try {
        this.o.emit(this.list())
      } catch {
        // The ledger closed under a late timer: the app is quitting.
      }
    }, this.o.emitIntervalMs ?? 250)
  }
}

function messageOf(err: unknown): string {
  return err instanceof UpshotError
    ? err.message
    : 'The sync pass stopped with an error; the details are in the log.'
}
