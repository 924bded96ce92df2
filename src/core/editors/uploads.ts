// Uploads for editors: a list of images (paths, http(s) URLs, or files an editor sent) in, one
// outcome per input out, in the same order. Typora's command, `upshot md` and the
// PicGo-compatible API all go through here, so they refuse the same things the same way: each
// input is checked (a regular file that is an image; a URL fetched with limits) and fails alone
// with a code and a sentence while the rest upload.

import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { JobError, JobReport } from '../../shared/jobs'
import { toJobError, type Engine, type Target } from '../../engine'
import { checkImageFile } from './image-file'
import { fetchRemoteImage, type RemoteFetchOptions } from './remote-fetch'

export type EditorInput =
  /** A file the editor names (absolute). */
  | { kind: 'path'; path: string }
  /** An http(s) image to fetch and re-host. */
  | { kind: 'url'; url: string }
  /** A file this process wrote for the request (multipart, clipboard): removed once uploaded. */
  | { kind: 'received'; path: string; label: string }

export type EditorOutcome =
  { ok: true; input: string; job: JobReport } | { ok: false; input: string; error: JobError }

export interface EditorUploadResult {
  /** One per input, in order. */
  outcomes: EditorOutcome[]
  /** Bytes sent to the destination (0 when every image was already there). */
  bytesUploaded: number
}

export interface EditorUploadOptions {
  /** Where fetched images wait for their upload (`<dataDir>/received`). */
  dataDir: string
  remote?: RemoteFetchOptions
  signal?: AbortSignal
  /** The jobs the inputs became, recorded and about to run (the app shows them in its queue). */
  queued?(ids: readonly string[]): void
}

/** Files written for a request live here until their job ends. */
export function receivedDir(dataDir: string): string {
  return path.join(dataDir, 'received')
}

const FETCH_PARALLEL = 4

/**
 * Uploads every input that checks out, and reports each input in order: the job (done, with its
 * outputs) or why it was refused or failed. The same file named twice is one job.
 */
export async function uploadForEditor(
  engine: Engine,
  inputs: readonly EditorInput[],
  target: Target,
  opts: EditorUploadOptions,
): Promise<EditorUploadResult> {
  const prepared = await prepareAll(inputs, opts)
  const paths = [...new Set(prepared.flatMap((p) => (p.ok ? [p.path] : [])))]
  const jobOf = new Map<string, string>()
  if (paths.length > 0) {
    const ids = await engine.enqueue(paths, target)
    const wanted = new Set(paths)
    for (const id of ids) {
      const source = engine.ledger.job(id)?.source
      // A path swapped for a folder after it was checked would bring the folder's files: only
      // the files that were checked go on.
      if (source && wanted.has(source) && !jobOf.has(source)) jobOf.set(source, id)
      else await engine.cancel(id)
    }
  }
  const ids = [...new Set(jobOf.values())]
  if (ids.length > 0) opts.queued?.(ids)
  const report = ids.length > 0 ? await engine.run(ids, { signal: opts.signal }) : null
  const byId = new Map(report?.jobs.map((j) => [j.id, j]) ?? [])
  const outcomes = prepared.map((p): EditorOutcome => {
    if (!p.ok) return p
    const job = byId.get(jobOf.get(p.path) ?? '')
    if (!job) {
      return {
        ok: false,
        input: p.input,
        error: {
          code: 'SOURCE_CHANGED',
          message: 'This file changed while it was being checked; try again.',
        },
      }
    }
    if (job.status !== 'done') {
      return {
        ok: false,
        input: p.input,
        error: job.error ?? { code: 'INTERNAL', message: `This file ended ${job.status}.` },
      }
    }
    return { ok: true, input: p.input, job }
  })
  removeReceived(prepared, byId, jobOf)
  return { outcomes, bytesUploaded: report?.summary.bytesUploaded ?? 0 }
}

type Prepared =
  | { ok: true; input: string; path: string; owned: boolean }
  | { ok: false; input: string; error: JobError }

async function prepareAll(
  inputs: readonly EditorInput[],
  opts: EditorUploadOptions,
): Promise<Prepared[]> {
  const out: Prepared[] = new Array(inputs.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++
      out[i] = await prepare(inputs[i]!, opts)
    }
  }
  await Promise.all(Array.from({ length: Math.min(FETCH_PARALLEL, inputs.length) }, worker))
  return out
}

async function prepare(input: EditorInput, opts: EditorUploadOptions): Promise<Prepared> {
  const label = input.kind === 'url' ? input.url : input.kind === 'path' ? input.path : input.label
  try {
    if (input.kind === 'url') {
      const image = await fetchRemoteImage(input.url, { ...opts.remote, signal: opts.signal })
      const file = keepReceived(opts.dataDir, image.data, image.name)
      return { ok: true, input: label, path: file, owned: true }
    }
    const checked = await checkImageFile(input.path)
    return { ok: true, input: label, path: checked.path, owned: input.kind === 'received' }
  } catch (err) {
    if (input.kind === 'received') fs.rmSync(input.path, { force: true })
    return { ok: false, input: label, error: toJobError(err) }
  }
}

/**
 * Writes bytes an editor sent or a URL gave into a folder of their own under `received/`, kept
 * with the name they came with (the object key carries it); removed once uploaded. Each write
 * gets its own folder, so two requests sending the same image never remove each other's file;
 * the engine's dedup makes the second upload free.
 */
export function keepReceived(dataDir: string, data: Buffer, name: string): string {
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 12)
  const dir = path.join(receivedDir(dataDir), `${hash}-${randomBytes(4).toString('hex')}`)
  const file = path.join(dir, safeFileName(name))
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, data, { mode: 0o600 })
  return file
}

/** A name as a file name anywhere: the last segment, no separators or control characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f:*?"<>|]+/g, '-').replace(/^[.\s]+/, '')
  return clean.slice(-120) || 'image'
}

/** Files this process wrote go once their job has ended; an unfinished job keeps its source. */
function removeReceived(
  prepared: readonly Prepared[],
  byId: ReadonlyMap<string, JobReport>,
  jobOf: ReadonlyMap<string, string>,
): void {
  for (const p of prepared) {
    if (!p.ok || !p.owned) continue
    const job = byId.get(jobOf.get(p.path) ?? '')
    if (job && job.status !== 'done' && job.error?.code === 'CANCELED') continue
    fs.rm(p.path, { force: true }, () => {
      fs.rmdir(path.dirname(p.path), () => {})
    })
  }
}

/** A failure with its input, for messages: `a.png: This is a folder ...`. */
export function describeFailure(o: Extract<EditorOutcome, { ok: false }>): string {
  return `${o.input}: ${o.error.message}`
}
