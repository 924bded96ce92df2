// When the ledger itself fails, not one job: another process holding its write lock past the
// busy timeout (SQLITE_BUSY), a full disk (SQLITE_FULL), an I/O error, a read-only or damaged
// file. A busy ledger is waited for; the rest stop the run, which ends with its report and one
// sentence naming the ledger file and what to do. Timers and event handlers go through
// `guard`, so none of this ever escapes as an uncaught exception.

import { UpshotError, type JobError } from '../../shared/jobs'
import { sleep } from '../queue/semaphore'

export type LedgerTrouble = 'busy' | 'failed'

/** How long a ledger may stay locked by another process before the run gives up on it. */
export const BUSY_GIVE_UP_MS = 5 * 60_000

function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null
}

/** busy: wait and try again; failed: the ledger cannot be used; null: not the ledger's trouble. */
export function ledgerTrouble(err: unknown): LedgerTrouble | null {
  if (err instanceof UpshotError) {
    if (err.code === 'LEDGER_BUSY') return 'busy'
    return err.code === 'LEDGER_UNAVAILABLE' ? 'failed' : null
  }
  const code = sqliteCode(err)
  if (!code) return null
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy'
  // Constraint violations, misuse and the like are bugs in a statement, not a broken ledger.
  return /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN|PROTOCOL|NOMEM|PERM)/.test(code)
    ? 'failed'
    : null
}

/**
 * The ledger's trouble as an error with a stable code and one sentence naming the ledger file
 * (`file`, when known) and what to do; null for anything else.
 */
export function ledgerError(err: unknown, file: string | null): UpshotError | null {
  if (err instanceof UpshotError) return ledgerTrouble(err) ? err : null
  const code = sqliteCode(err)
  const kind = ledgerTrouble(err)
  if (!code || !kind) return null
  const ledger = file ? `The ledger ${file}` : "Upshot's ledger"
  const opts = { cause: err }
  if (kind === 'busy') {
    return new UpshotError(
      'LEDGER_BUSY',
      `${ledger} is locked by another process (${code}); close the other Upshot (the app or a CLI run on the same data directory) if this lasts.`,
      { ...opts, retryable: true },
    )
  }
  const resume = 'then run `upshot resume` (or restart the app) to continue'
  if (code.startsWith('SQLITE_FULL')) {
    return new UpshotError(
      'LEDGER_UNAVAILABLE',
      `${ledger} could not be written because its disk is full (${code}); free some space, ${resume}.`,
      opts,
    )
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new UpshotError(
      'LEDGER_UNAVAILABLE',
      `${ledger} cannot be written (${code}); check that its folder is writable and its disk not mounted read-only, ${resume}.`,
      opts,
    )
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return new UpshotError(
      'LEDGER_UNAVAILABLE',
      `${ledger} is damaged or not an Upshot ledger (${code}); move it aside and Upshot starts a new one (the bucket keeps every object, and uploads of the same files find them again).`,
      opts,
    )
  }
  return new UpshotError(
    'LEDGER_UNAVAILABLE',
    `Reading or writing ${file ? `the ledger ${file}` : "Upshot's ledger"} failed (${code}); check the disk that holds the data directory, ${resume}.`,
    opts,
  )
}

export interface LedgerHealthEvent {
  /** busy: a write waited past the busy timeout; writable: it is over; failed: the run stops. */
  state: 'busy' | 'writable' | 'failed'
  error: JobError | null
  /** What was being done when it happened (for logs and tests), e.g. "renewing claims". */
  during: string
}

/** One engine's view of its ledger: busy for how long, or failed for good. */
export class LedgerHealth {
  private busySince: number | null = null
  private failure: UpshotError | null = null

  constructor(
    readonly file: string,
    private readonly onChange: (e: LedgerHealthEvent) => void,
    private readonly giveUpMs = BUSY_GIVE_UP_MS,
  ) {}

  /** Set once the ledger failed for good: no new work is taken, the run ends with this. */
  get failed(): UpshotError | null {
    return this.failure
  }

  get busy(): boolean {
    return this.busySince !== null
  }

  /**
   * Takes note of a thrown error: 'busy' (wait, then try again), 'failed' (stop), or null when
   * it is not the ledger's trouble (a job's own failure, a bug), which the caller handles.
   */
  note(err: unknown, during: string): LedgerTrouble | null {
    const mapped = ledgerError(err, this.file)
    if (!mapped) return null
    if (this.failure) return 'failed'
    if (mapped.code === 'LEDGER_BUSY') {
      const now = Date.now()
      if (this.busySince === null) {
        this.busySince = now
        this.onChange({ state: 'busy', error: errorOf(mapped), during })
        return 'busy'
      }
      if (now - this.busySince < this.giveUpMs) return 'busy'
      this.fail(
        new UpshotError(
          'LEDGER_BUSY',
          `The ledger ${this.file} stayed locked by another process for ${Math.round(this.giveUpMs / 60_000)} minutes; close the other Upshot (the app or a CLI run on the same data directory), then run \`upshot resume\`.`,
          { cause: err },
        ),
        during,
      )
      return 'failed'
    }
    this.fail(mapped, during)
    return 'failed'
  }

  /** A write went through: a busy spell is over. */
  writable(during: string): void {
    if (this.busySince === null || this.failure) return
    this.busySince = null
    this.onChange({ state: 'writable', error: null, during })
  }

  /**
   * A ledger call from a timer or an event handler: never throws. The ledger's trouble is
   * noted (and announced); anything else is a bug, logged once, never a crash.
   */
  guard<T>(during: string, fn: () => T): T | undefined {
    try {
      const result = fn()
      this.writable(during)
      return result
    } catch (err) {
      if (this.note(err, during) === null) logUnexpected(during, err)
      return undefined
    }
  }

  /** A read from a timer or handler: like guard, but a read that works says nothing of writes. */
  read<T>(during: string, fn: () => T): T | undefined {
    try {
      return fn()
    } catch (err) {
      if (this.note(err, during) === null) logUnexpected(during, err)
      return undefined
    }
  }

  /**
   * A write that must happen (recording a batch): while the ledger is busy it is tried again,
   * with growing pauses, until it goes through or the ledger is given up on (then it throws).
   */
  async retry<T>(during: string, fn: () => T, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = fn()
        this.writable(during)
        return result
      } catch (err) {
        const trouble = this.note(err, during)
        if (trouble === null) throw err
        if (trouble === 'failed' || signal?.aborted)
          throw this.failure ?? ledgerError(err, this.file)!
      }
      await sleep(busyBackoffMs(attempt), signal)
    }
  }

  /** A ledger write inside a storage hook (a part recorded): its failure keeps its ledger code. */
  call<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw ledgerError(err, this.file) ?? err
    }
  }

  private fail(error: UpshotError, during: string): void {
    this.failure = error
    this.busySince = null
    this.onChange({ state: 'failed', error: errorOf(error), during })
  }
}

/** Pauses between attempts on a busy ledger (each attempt already waited the busy timeout). */
export function busyBackoffMs(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2)
}

function errorOf(e: UpshotError): JobError {
  return { code: e.code, message: e.message }
}

const logged = new Set<string>()
function logUnexpected(during: string, err: unknown): void {
  const text = `${during}: ${err instanceof Error ? err.message : String(err)}`
  if (logged.has(text)) return
  logged.add(text)
  console.error(`[upshot] unexpected error while ${text}`)
}
