// Starts the app's core process, relays requests to it, and brings it back when it dies: the
// window hears that it is restarting, requests made meanwhile wait for the new core, the new core
// is told what the old one showed and that it crashed (so a file that crashes it twice in a row is
// set aside with CORE_CRASHED; see src/core/process/crash-suspects.ts). Free of 'electron': the
// tests drive this very module against the real core process.

import { performance } from 'node:perf_hooks'
import type { CoreStatus, EventName, QueuePatch, Result } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import {
  PROTOCOL_VERSION,
  type CoreCommandName,
  type CoreInit,
  type CoreMessage,
  type PortCalls,
  type PortName,
  type ResponseValue,
  type WireError,
} from '../shared/protocol'
import { CoreConnection, type CoreLaunch } from './core-connection'

export interface CoreHostHandlers {
  /** Does what the core asks of its host (clipboard, dialogs, notifications, settings). */
  port<K extends PortName>(
    name: K,
    args: PortCalls[K]['args'],
  ): PortCalls[K]['value'] | Promise<PortCalls[K]['value']>
  /** An event from the core, for the window (and the tray). */
  event(name: EventName, payload: unknown): void
  status(status: CoreStatus): void
  /** A line the core wrote to stdout or stderr. */
  log?(stream: 'stdout' | 'stderr', line: string): void
}

export interface SupervisorOptions {
  /** How to start the core (read at every start). */
  launch(): CoreLaunch
  /** What a new core is told (read at every start: the settings as they are now). */
  init(): Pick<CoreInit, 'dataDir' | 'version' | 'settings'>
  handlers: CoreHostHandlers
  /** Waits before each restart in a streak of crashes; the last one repeats. */
  restartDelaysMs?: readonly number[]
  /** Cores in a row that die before they are ready, after which it stops trying. */
  maxFailedStarts?: number
  /** A core that has run this long ends a streak of crashes. */
  stableAfterMs?: number
  readyTimeoutMs?: number
  /** How long a core may take to stop when asked before it is killed. */
  stopTimeoutMs?: number
}

type Phase = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped'

interface Waiting {
  cmd: string
  args: readonly unknown[]
  resolve(result: Result<unknown>): void
}

const RESTARTING =
  'Upshot’s engine stopped unexpectedly and is starting again; unfinished uploads continue where they were.'
const CRASHED_DURING =
  'Upshot’s engine stopped while doing this; it is starting again, try once more in a moment.'

export class CoreSupervisor {
  private conn: CoreConnection | null = null
  private phase: Phase = 'idle'
  private nextId = 1
  private readonly sent = new Map<number, (result: Result<unknown>) => void>()
  private waiting: Waiting[] = []
  /** The jobs the window shows, in order (from the queue patches). */
  private readonly shown = new Set<string>()
  private paused = false
  private suspects: string[] = []
  private restarts = 0
  private streak = 0
  private failedStarts = 0
  private fatal: string | null = null
  private readonly stderrTail: string[] = []
  private restartTimer: NodeJS.Timeout | null = null
  private readyTimer: NodeJS.Timeout | null = null
  private readyAt = 0
  private stopped: (() => void) | null = null
  private first: { resolve(): void; reject(err: Error): void } | null = null
  /** Milliseconds from spawning the last core to its `ready`. */
  lastStartMs: number | null = null

  constructor(private readonly o: SupervisorOptions) {}

  /** Starts the first core; resolves once it is ready, rejects when it cannot start. */
  start(): Promise<void> {
    if (this.phase !== 'idle') throw new Error('The core supervisor was started already.')
    const ready = new Promise<void>((resolve, reject) => (this.first = { resolve, reject }))
    this.setStatus('starting', null)
    this.spawn(null)
    return ready
  }

  get pid(): number | null {
    return this.conn?.pid ?? null
  }

  get state(): Phase {
    return this.phase
  }

  /** Whether uploads are under way (from the last queue patch). */
  get busy(): boolean {
    return this.lastPatch !== null && !this.lastPatch.overall.idle
  }

  get allPaused(): boolean {
    return this.paused
  }

  private lastPatch: QueuePatch | null = null

  /** A command for the core; waits for a core that is (re)starting. Never rejects. */
  request<K extends CoreCommandName>(
    cmd: K,
    args: readonly unknown[],
  ): Promise<Result<ResponseValue<K>>> {
    return new Promise((resolve) => {
      const done = resolve as (r: Result<unknown>) => void
      if (this.phase === 'running') this.send(cmd, args, done)
      else if (this.phase === 'stopping' || this.phase === 'stopped') done(this.notRunning())
      else this.waiting.push({ cmd, args, resolve: done })
    })
  }

  /** Asks the core to finish (claims go back to the ledger) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'idle') {
      this.phase = 'stopped'
      return
    }
    if (this.phase === 'stopping')
      return new Promise((r) => (this.stopped = chain(this.stopped, r)))
    this.phase = 'stopping'
    if (this.restartTimer) clearTimeout(this.restartTimer)
    for (const w of this.waiting.splice(0)) w.resolve(this.notRunning())
    const conn = this.conn
    if (!conn) {
      this.phase = 'stopped'
      return
    }
    await new Promise<void>((resolve) => {
      this.stopped = resolve
      conn.send({ t: 'shutdown' })
      const kill = setTimeout(() => conn.kill('SIGKILL'), this.o.stopTimeoutMs ?? 15_000)
      kill.unref()
    })
  }

  // ---------------------------------------------------------------- the process

  private spawn(crash: { pid: number } | null): void {
    this.fatal = null
    const spawnedAt = performance.now()
    const conn: CoreConnection = new CoreConnection(this.o.launch(), {
      message: (m) => {
        if (conn === this.conn) this.onMessage(conn, m, crash, spawnedAt)
      },
      exit: (info) => {
        if (conn === this.conn) this.onExit(info, conn.pid)
      },
      log: (stream, line) => {
        if (stream === 'stderr') {
          this.stderrTail.push(line)
          if (this.stderrTail.length > 20) this.stderrTail.shift()
        }
        this.o.handlers.log?.(stream, line)
      },
    })
    this.conn = conn
    this.readyTimer = setTimeout(() => {
      this.o.handlers.log?.('stderr', '[host] the core did not get ready in time; stopping it')
      conn.kill('SIGKILL')
    }, this.o.readyTimeoutMs ?? 60_000)
  }

  private onMessage(
    conn: CoreConnection,
    m: CoreMessage,
    crash: { pid: number } | null,
    spawnedAt: number,
  ): void {
    switch (m.t) {
      case 'hello':
        if (m.protocol !== PROTOCOL_VERSION) {
          this.fatal = `Upshot’s engine speaks protocol ${m.protocol}, the window ${PROTOCOL_VERSION}; reinstall Upshot.`
          conn.kill('SIGKILL')
          return
        }
        try {
          conn.send({
            t: 'init',
            protocol: PROTOCOL_VERSION,
            init: {
              ...this.o.init(),
              paused: this.paused,
              showJobs: [...this.shown],
              crash: crash ? { pid: crash.pid, suspects: this.suspects } : null,
            },
          })
        } catch (err) {
          // The settings file cannot be read, say: a new core would meet the same.
          this.fatal = `Upshot’s engine cannot be started: ${err instanceof Error ? err.message : String(err)}`
          conn.kill('SIGKILL')
        }
        return
      case 'ready':
        if (this.readyTimer) clearTimeout(this.readyTimer)
        this.lastStartMs = performance.now() - spawnedAt
        this.readyAt = performance.now()
        this.suspects = m.suspects
        this.failedStarts = 0
        this.phase = 'running'
        this.setStatus('running', null)
        for (const w of this.waiting.splice(0)) this.send(w.cmd, w.args, w.resolve)
        this.first?.resolve()
        this.first = null
        return
      case 'response': {
        const done = this.sent.get(m.id)
        this.sent.delete(m.id)
        done?.(m.result)
        return
      }
      case 'event':
        this.track(m.event, m.payload)
        try {
          this.o.handlers.event(m.event, m.payload)
        } catch (err) {
          // A window that cannot take one event must not take the channel down with it.
          this.o.handlers.log?.('stderr', `[host] the ${m.event} event was not delivered: ${err}`)
        }
        return
      case 'port':
        void this.answerPort(conn, m.id, m.port, m.args)
        return
      case 'fatal':
        this.fatal = m.message
    }
  }

  private onExit(
    info: { code: number | null; signal: NodeJS.Signals | null; error?: Error },
    pid: number | null,
  ): void {
    if (this.readyTimer) clearTimeout(this.readyTimer)
    const wasRunning = this.phase === 'running'
    const ranMs = wasRunning ? performance.now() - this.readyAt : 0
    this.conn = null
    const crashed = this.phase !== 'stopping'
    for (const done of this.sent.values()) {
      done(crashed ? failure('CORE_CRASHED', CRASHED_DURING) : this.notRunning())
    }
    this.sent.clear()

    if (!crashed) {
      this.phase = 'stopped'
      this.setStatus('stopped', null)
      this.first?.reject(
        new UpshotError('INTERNAL', 'Upshot’s engine was stopped before it was ready.'),
      )
      this.first = null
      this.stopped?.()
      this.stopped = null
      return
    }
    if (this.fatal !== null) {
      this.giveUp(this.fatal)
      return
    }
    if (!wasRunning) this.failedStarts++
    if (this.failedStarts >= (this.o.maxFailedStarts ?? 3)) {
      const why = info.error?.message ?? this.stderrTail.at(-1) ?? describeExit(info)
      this.giveUp(`Upshot’s engine cannot start (${why}).`)
      return
    }
    if (ranMs > (this.o.stableAfterMs ?? 30_000)) this.streak = 0
    const delays = this.o.restartDelaysMs ?? [250, 1000, 2000, 5000, 10_000]
    const delay = delays[Math.min(this.streak, delays.length - 1)]!
    this.streak++
    this.restarts++
    this.phase = 'restarting'
    this.o.handlers.log?.(
      'stderr',
      `[host] the core ${describeExit(info)}; restarting in ${delay} ms`,
    )
    this.setStatus('restarting', RESTARTING)
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      // Only a core that was running can have died on a file (see crash-suspects.ts).
      if (this.phase === 'restarting') this.spawn(pid !== null && wasRunning ? { pid } : null)
    }, delay)
  }

  private giveUp(message: string): void {
    this.phase = 'stopped'
    for (const w of this.waiting.splice(0)) w.resolve(failure('INTERNAL', message))
    this.setStatus('stopped', message)
    this.first?.reject(new UpshotError('INTERNAL', message))
    this.first = null
    this.stopped?.()
    this.stopped = null
  }

  // ---------------------------------------------------------------- requests and ports

  private send(cmd: string, args: readonly unknown[], done: (r: Result<unknown>) => void): void {
    const id = this.nextId++
    try {
      if (!this.conn?.send({ t: 'request', id, cmd, args: [...args] })) {
        done(failure('CORE_CRASHED', CRASHED_DURING))
        return
      }
    } catch {
      // Not JSON (a BigInt, a cycle) or larger than a frame may be.
      done({
        ok: false,
        error: { code: 'BAD_REQUEST', message: `${cmd} received arguments it does not accept.` },
      })
      return
    }
    this.sent.set(id, done)
  }

  private async answerPort(
    conn: CoreConnection,
    id: number,
    port: PortName,
    args: unknown[],
  ): Promise<void> {
    try {
      const value = await this.o.handlers.port(port, args as PortCalls[typeof port]['args'])
      conn.send({ t: 'port-reply', id, ok: true, value: value ?? null })
    } catch (err) {
      const error: WireError =
        err instanceof UpshotError
          ? { code: err.code, message: err.message }
          : { code: 'INTERNAL', message: 'The window could not do what the engine asked.' }
      if (!(err instanceof UpshotError)) console.error(`[host] port ${port} failed:`, err)
      conn.send({ t: 'port-reply', id, ok: false, error })
    }
  }

  /** What a new core must be told: the jobs shown, and whether everything was paused. */
  private track(event: EventName, payload: unknown): void {
    if (event !== 'queue') return
    const patch = payload as QueuePatch
    for (const id of patch.added) this.shown.add(id)
    for (const id of patch.removed) this.shown.delete(id)
    this.paused = patch.paused
    this.lastPatch = patch
  }

  private setStatus(state: CoreStatus['state'], message: string | null): void {
    this.o.handlers.status({ state, message, restarts: this.restarts })
  }

  private notRunning(): Result<never> {
    return failure('INTERNAL', this.fatal ?? 'Upshot’s engine is not running.')
  }
}

function failure(code: WireError['code'], message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

function describeExit(info: { code: number | null; signal: NodeJS.Signals | null }): string {
  return info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`
}

function chain(a: (() => void) | null, b: () => void): () => void {
  return () => {
    a?.()
    b()
  }
}
