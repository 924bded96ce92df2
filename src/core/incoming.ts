// Files a browser sends to the core (`upshot ui`): the page has no paths, only bytes, so each
// file is streamed into <data dir>/incoming/<random>/<its original name> and handed back as an
// opaque token that `addUploads` redeems. The name the user gave is kept (the job shows it and
// links carry it); the folder it came in, if any, too. Written atomically: the bytes go to a
// hidden partial file that is renamed into place only when all arrived, so a cut connection or a
// stop leaves no half file behind that could be uploaded. The file is removed once its upload is
// done (see AppService.jobFinished) or, never added, when its token expires.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform, type Readable } from 'node:stream'
import { UpshotError } from '../shared/jobs'
import { ForbiddenError } from './path-grants'

export const UPLOAD_TOKEN = /^upl_[A-Za-z0-9_-]{43}$/

/** The engine's own limit on a source file (createEngine's maxFileBytes default). */
export const MAX_INCOMING_BYTES = 50 * 1024 ** 3

interface Staged {
  path: string
  expiresAt: number
}

export interface IncomingOptions {
  /** How long a sent file waits to be added; an hour by default. */
  ttlMs?: number
  maxFileBytes?: number
  now?: () => number
}

/** A name segment safe on every OS, from what the browser said (never a path of its own). */
function safeSegment(raw: string): string {
  // eslint-disable-next-line no-control-regex
  let s = raw.normalize('NFC').replace(/[\u0000-\u001f\u007f<>:"|?*\\]/g, '_')
  s = s.replace(/[\u202a-\u202e\u2066-\u2069]/g, '').trim()
  if (s === '' || s === '.' || s === '..') return ''
  // A name longer than most file systems take (255 bytes) keeps its end (the extension).
  while (Buffer.byteLength(s) > 200) s = s.slice(1)
  return s.replace(/^[. ]+/, '_')
}

/** The relative path a browser gave (a folder's webkitRelativePath), as safe segments. */
export function safeRelativePath(raw: string): string[] {
  const segments = raw
    .split(/[/\\]+/)
    .map(safeSegment)
    .filter((s) => s !== '')
  return segments.slice(-16)
}

export class IncomingFiles {
  private readonly staged = new Map<string, Staged>()
  private readonly ttlMs: number
  private readonly maxFileBytes: number
  private readonly now: () => number

  constructor(
    readonly dir: string,
    o: IncomingOptions = {},
  ) {
    this.ttlMs = o.ttlMs ?? 60 * 60 * 1000
    this.maxFileBytes = o.maxFileBytes ?? MAX_INCOMING_BYTES
    this.now = o.now ?? Date.now
  }

  /**
   * Streams one file into the staging area. `declaredBytes` is the request's Content-Length:
   * more or fewer bytes than it said fail the file, so a cut connection is never taken for a
   * whole file. Resolves with the token for `addUploads`.
   */
  async receive(
    body: Readable,
    name: string,
    declaredBytes: number,
    onProgress?: (bytes: number) => void,
  ): Promise<{ token: string; path: string; bytes: number }> {
    this.prune()
    if (!Number.isSafeInteger(declaredBytes) || declaredBytes < 0) {
      throw new UpshotError('CONFIG', 'The file’s size was not given.')
    }
    if (declaredBytes > this.maxFileBytes) {
      throw new UpshotError(
        'FILE_TOO_LARGE',
        `The file is ${declaredBytes} bytes, more than the ${this.maxFileBytes}-byte limit.`,
      )
    }
    const segments = safeRelativePath(name)
    if (segments.length === 0) segments.push('file')
    const folder = path.join(this.dir, randomBytes(9).toString('base64url'))
    const target = path.join(folder, ...segments)
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 })
    await this.assertRoom(folder, declaredBytes)
    const partial = path.join(folder, `.partial-${randomBytes(6).toString('hex')}`)
    let bytes = 0
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length
        if (bytes > declaredBytes) {
          done(new UpshotError('CONFIG', 'The file sent more bytes than it said it had.'))
          return
        }
        onProgress?.(bytes)
        done(null, chunk)
      },
    })
    try {
      await pipeline(body, count, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }))
      if (bytes !== declaredBytes) {
        throw new UpshotError(
          'CONFIG',
          `The file arrived with ${bytes} of its ${declaredBytes} bytes; send it again.`,
        )
      }
      fs.renameSync(partial, target)
    } catch (err) {
      fs.rmSync(folder, { recursive: true, force: true })
      throw err
    }
    const token = `upl_${randomBytes(32).toString('base64url')}`
    this.staged.set(token, { path: target, expiresAt: this.now() + this.ttlMs })
    return { token, path: target, bytes }
  }

  /** The staged paths behind tokens, each good once. Any unknown token refuses them all. */
  redeem(tokens: readonly string[]): string[] {
    const paths: string[] = []
    for (const token of tokens) {
      const s = this.staged.get(token)
      if (!s || s.expiresAt <= this.now()) {
        throw new ForbiddenError(
          'A file was not sent to this Upshot, or waited too long to be added; add it again.',
        )
      }
      paths.push(s.path)
    }
    for (const token of tokens) this.staged.delete(token)
    return paths
  }

  /** Whether a job's source is a file sent by a browser (removed once uploaded). */
  holds(file: string): boolean {
    const rel = path.relative(this.dir, file)
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
  }

  /** Removes a sent file and the folder it was given. */
  release(file: string): void {
    if (!this.holds(file)) return
    const top = path.relative(this.dir, file).split(path.sep)[0]!
    fs.rm(path.join(this.dir, top), { recursive: true, force: true }, () => {})
  }

  /**
   * At start: removes what no job needs any more (partial files, files never added, files of
   * finished uploads), keeping those `keep` names (unfinished, or failed and retryable).
   */
  sweep(keep: ReadonlySet<string>): void {
    let tops: string[]
    try {
      tops = fs.readdirSync(this.dir)
    } catch {
      return
    }
    const kept = new Set([...keep].filter((f) => this.holds(f)).map((f) => this.topOf(f)))
    for (const top of tops) {
      if (!kept.has(top)) fs.rmSync(path.join(this.dir, top), { recursive: true, force: true })
    }
  }

  private topOf(file: string): string {
    return path.relative(this.dir, file).split(path.sep)[0]!
  }

  private prune(): void {
    const now = this.now()
    for (const [token, s] of this.staged) {
      if (s.expiresAt > now) continue
      this.staged.delete(token)
      this.release(s.path)
    }
  }

  private async assertRoom(folder: string, bytes: number): Promise<void> {
    try {
      const st = await fs.promises.statfs(folder)
      const free = st.bavail * st.bsize
      // Room for the file and the variants made from it (staging), with a margin.
      if (free < bytes * 2 + 64 * 1024 ** 2) {
        fs.rmSync(folder, { recursive: true, force: true })
        throw new UpshotError(
          'DISK_FULL',
          `The data directory’s disk has ${Math.floor(free / 1024 ** 2)} MB free, not enough for this file.`,
        )
      }
    } catch (err) {
      if (err instanceof UpshotError) throw err
      // statfs is not available everywhere: the write itself then says when the disk is full.
    }
  }
}
