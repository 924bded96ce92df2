import type cliProgressTypes from 'cli-progress'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { EngineEvent } from '../engine'
import { formatBytes, formatDuration } from './units'
import { terminalText } from '../shared/display-text'

export interface ProgressView {
  onEvent(e: EngineEvent): void
  stop(): void
}

/**
 * Human progress on stderr: live bars (cli-progress) on a terminal, plain lines otherwise, so
 * logs and CI output stay readable. stdout is left to the report.
 */
export function createProgressView(
  totalJobs: number,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressView {
  return stream.isTTY ? new BarsView(totalJobs, stream) : new LinesView(totalJobs, stream)
}

interface Tally {
  ended: number
  failed: number
}

/** What the ledger's trouble means for this run, as one line for the terminal. */
export function ledgerLine(e: Extract<EngineEvent, { type: 'ledger' }>): string {
  if (e.state === 'writable') return 'The ledger takes writes again; uploads continue.\n'
  const what = e.error?.message ?? 'The ledger failed.'
  return e.state === 'busy' ? `Waiting: ${what}\n` : `Stopping: ${what}\n`
}

function overallText(o: Extract<EngineEvent, { type: 'progress' }>['overall']): string {
  return `${formatBytes(o.bytesDone)} / ${formatBytes(o.bytesTotal)}, ${formatBytes(Math.round(o.rate))}/s, ETA ${
    o.etaSeconds === null ? '--' : formatDuration(o.etaSeconds)
  }`
}

class BarsView implements ProgressView {
  private readonly multi: cliProgressTypes.MultiBar
  private readonly overall: cliProgressTypes.SingleBar
  private readonly bars = new Map<string, cliProgressTypes.SingleBar>()
  private readonly names = new Map<string, string>()
  private readonly tally: Tally = { ended: 0, failed: 0 }

  constructor(
    private readonly totalJobs: number,
    stream: NodeJS.WriteStream,
  ) {
    // Bars only on a terminal: logs, pipes and --json runs never load the package.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressTypes
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        fps: 8,
        format: (options, params, payload: { label: string; detail: string }) => {
          const size = options.barsize ?? 24
          const filled = Math.round(params.progress * size)
          return `${payload.label.padEnd(28).slice(0, 28)} ${'█'.repeat(filled)}${'░'.repeat(size - filled)} ${payload.detail}`
        },
      },
      cliProgress.Presets.shades_classic,
    )
    this.overall = this.multi.create(1, 0, { label: `0/${totalJobs} files`, detail: '' })
  }

  onEvent(e: EngineEvent): void {
    if (e.type === 'ledger') {
      this.multi.log(ledgerLine(e))
      return
    }
    if (e.type === 'job') {
      this.names.set(e.id, terminalText(path.basename(e.source)))
      if (
        e.state === 'done' ||
        e.state === 'failed' ||
        e.state === 'canceled' ||
        e.state === 'skipped'
      ) {
        this.tally.ended++
        if (e.state === 'failed') {
          this.tally.failed++
          this.multi.log(
            `failed  ${terminalText(e.source)}: ${terminalText(e.error?.message ?? '')}\n`,
          )
        }
        const bar = this.bars.get(e.id)
        if (bar) {
          this.multi.remove(bar)
          this.bars.delete(e.id)
        }
      } else if (e.state === 'processing' || e.state === 'uploading') {
        if (!this.bars.has(e.id) && this.bars.size < 6) {
          this.bars.set(
            e.id,
            this.multi.create(1, 0, { label: `  ${this.names.get(e.id)}`, detail: e.state }),
          )
        }
      }
      this.overall.update({ label: this.label() })
      return
    }
    for (const j of e.jobs) {
      const bar = this.bars.get(j.id)
      if (!bar) continue
      bar.setTotal(Math.max(1, j.bytesTotal))
      bar.update(j.bytesDone, {
        detail: `${formatBytes(j.bytesDone)} / ${formatBytes(j.bytesTotal)}`,
      })
    }
    this.overall.setTotal(Math.max(1, e.overall.bytesTotal))
    this.overall.update(e.overall.bytesDone, {
      label: this.label(),
      detail: overallText(e.overall),
    })
  }

  private label(): string {
    return `${this.tally.ended}/${this.totalJobs} files${this.tally.failed ? ` (${this.tally.failed} failed)` : ''}`
  }

  stop(): void {
    this.multi.stop()
  }
}

/** Lines written at most this often: a pipe or file write per small file is measurable. */
const LINE_FLUSH_MS = 100

class LinesView implements ProgressView {
  private lastLine = 0
  private readonly tally: Tally = { ended: 0, failed: 0 }
  private pending = ''
  private flushTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly totalJobs: number,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  private write(line: string): void {
    this.pending += line
    this.flushTimer ??= setTimeout(() => this.flush(), LINE_FLUSH_MS)
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (!this.pending) return
    const text = this.pending
    this.pending = ''
    this.stream.write(text)
  }

  onEvent(e: EngineEvent): void {
    if (e.type === 'ledger') {
      this.write(ledgerLine(e))
      this.flush()
      return
    }
    if (e.type === 'job') {
      if (
        e.state === 'done' ||
        e.state === 'failed' ||
        e.state === 'canceled' ||
        e.state === 'skipped'
      ) {
        this.tally.ended++
        const what = e.state === 'done' && e.deduplicated ? 'done (already uploaded)' : e.state
        const why =
          e.error && e.state !== 'done' ? `: ${e.error.code}: ${terminalText(e.error.message)}` : ''
        this.write(
          `[${this.tally.ended}/${this.totalJobs}] ${what} ${terminalText(e.source)}${why}\n`,
        )
      }
      return
    }
    const now = Date.now()
    if (now - this.lastLine < 2000) return
    this.lastLine = now
    this.write(`progress: ${this.tally.ended}/${this.totalJobs} files, ${overallText(e.overall)}\n`)
  }

  stop(): void {
    this.flush()
  }
}
