// The PicGo-compatible editor API (./contract.ts), run by `upshot serve` and, when the user turns
// it on, by the app's core. Safer than the servers it stands in for: loopback only, Host checked
// (no DNS rebinding), a request from a browser page refused unless its Origin is allowlisted
// (Obsidian's app://obsidian.md by default), a key required for everything but the heartbeat,
// no CORS headers, bounded bodies, and only regular image files uploaded.

import http from 'node:http'
import { UpshotError, type JobError } from '../../../shared/jobs'
import { toJobError, type Engine, type Target } from '../../../engine'
import type { RecordsDeleted } from '../../../engine/references'
import {
  HttpError,
  hostAllowed,
  hostNamesFor,
  listenLoopback,
  originAllowed,
  readBody,
  securityHeaders,
  tokenEquals,
} from '../../http/guard'
import { resolveLinkFormat, type ResolvedFormat } from '../project-settings'
import { keepReceived, receivedDir, uploadForEditor, type EditorInput } from '../uploads'
import {
  deleteBodySchema,
  fullResultOf,
  resultText,
  statusOf,
  uploadBodySchema,
  type FullResultItem,
} from './contract'
import { boundaryOf, receiveMultipart } from './multipart'

export const DEFAULT_API_PORT = 36677
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['app://obsidian.md']

/** What a request may choose (query options). */
export interface TargetQuery {
  /** A saved destination's name. */
  dest?: string
  preset?: string
  /** A folder (searched upward) or an upshot.json. */
  project?: string
}

export interface RequestTarget {
  target: Target
  /** The link format settings of the project, if any. */
  format?: string
  templates?: Record<string, string>
}

/** What the server needs from the process that runs it (the CLI or the app's core). */
export interface EditorApiHost {
  dataDir: string
  /** The engine uploads run on now (the app may make a new one between requests). */
  engine(): Engine
  /** The target for a request: defaults, then the project, then its query. */
  target(query: TargetQuery): RequestTarget
  readClipboardImage(): Promise<{ data: Buffer; mime: string } | null>
  /** Deletes uploads the way the history does (engine/references). */
  deleteUploads(ids: readonly string[]): Promise<RecordsDeleted>
  /** The app's own link template (`?format=custom`). */
  customTemplate?(): string | undefined
  /** An upload's jobs, recorded and about to run (the app shows them in its queue). */
  queued?(ids: readonly string[]): void
}

export interface EditorApiOptions {
  /** The secret a request must carry. */
  key: string
  /** Browser origins allowed besides none at all. */
  allowedOrigins?: readonly string[]
  /** Fetch list URLs from private, loopback and link-local addresses too. */
  allowPrivateUrls?: boolean
  /** A multipart upload, all files together; default 512 MiB. */
  maxUploadBytes?: number
  /** One line per request (never the key). */
  log?: (line: string) => void
}

const MAX_JSON_BYTES = 1024 * 1024
const MAX_PARTS = 100

type Json = Record<string, unknown>

const CLIPBOARD_EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
}

export class EditorApiServer {
  private readonly server: http.Server
  private listeningPort = 0
  private hostNames: readonly string[] = hostNamesFor('127.0.0.1')

  constructor(
    private readonly host: EditorApiHost,
    private readonly options: EditorApiOptions,
  ) {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res)
    })
  }

  get port(): number {
    return this.listeningPort
  }

  /** Listens on a loopback address; rejects with EADDRINUSE and the like as they are. */
  async listen(port = DEFAULT_API_PORT, host = '127.0.0.1'): Promise<number> {
    this.listeningPort = await listenLoopback(this.server, port, host)
    this.hostNames = hostNamesFor(host)
    return this.listeningPort
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now()
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = url.pathname.replace(/\/+$/, '') || '/'
    let status = 500
    let note = ''
    try {
      const out = await this.route(req, url, route)
      status = out.status
      note = out.note ?? ''
      this.send(res, out.status, out.body)
    } catch (err) {
      const e =
        err instanceof HttpError
          ? { status: err.status, message: err.message }
          : {
              status: err instanceof UpshotError && err.code === 'CONFIG' ? 400 : 500,
              message: toJobError(err).message,
            }
      status = e.status
      this.send(res, e.status, { success: false, result: [], message: e.message })
      req.resume()
    } finally {
      this.options.log?.(
        `${req.method} ${route} ${status}${note ? ` ${note}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      )
    }
  }

  private async route(
    req: http.IncomingMessage,
    url: URL,
    route: string,
  ): Promise<{ status: number; body: Json; note?: string }> {
    if (!hostAllowed(req.headers.host, this.listeningPort, this.hostNames)) {
      throw new HttpError(403, 'This server answers requests to 127.0.0.1 and localhost only.')
    }
    // No Origin: not a page but an editor's own HTTP client (or curl), which the key admits.
    const origin = req.headers.origin
    const allowed = this.options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS
    if (origin !== undefined && !originAllowed(origin, allowed)) {
      throw new HttpError(
        403,
        'Requests from web pages are refused; add this origin to the allowed origins to let it in.',
      )
    }
    if (req.method !== 'POST') {
      throw new HttpError(405, 'Use POST: /upload, /delete or /heartbeat.')
    }
    if (route === '/heartbeat') return { status: 200, body: { success: true, result: 'alive' } }
    if (route !== '/upload' && route !== '/delete') throw new HttpError(404, 'No such route.')
    if (!this.authorized(req, url)) {
      throw new HttpError(
        401,
        'This request carries no valid key; use the URL `upshot serve` printed (with ?key=).',
      )
    }
    return route === '/upload' ? this.upload(req, url) : this.delete(req)
  }

  /** The key from ?key=, ?secret=, `Authorization: Bearer` or X-PicGo-Secret. */
  private authorized(req: http.IncomingMessage, url: URL): boolean {
    const given: string[] = []
    const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    if (bearer) given.push(bearer[1]!)
    const header = req.headers['x-picgo-secret']
    if (typeof header === 'string') given.push(header.trim())
    for (const name of ['key', 'secret']) {
      for (const v of url.searchParams.getAll(name)) given.push(v)
    }
    return given.some((g) => g !== '' && tokenEquals(g, this.options.key))
  }

  private async upload(
    req: http.IncomingMessage,
    url: URL,
  ): Promise<{ status: number; body: Json; note?: string }> {
    const query: TargetQuery = {}
    for (const name of ['dest', 'preset', 'project'] as const) {
      const v = url.searchParams.get(name)
      if (v !== null && v.trim() !== '') query[name] = v.trim()
    }
    const resolved = this.host.target(query)
    const format = this.formatOf(url.searchParams.get('format'), resolved)
    const inputs = await this.inputsOf(req)
    const engine = this.host.engine()
    const { outcomes } = await uploadForEditor(engine, inputs, resolved.target, {
      dataDir: this.host.dataDir,
      remote: { allowPrivate: this.options.allowPrivateUrls === true },
      queued: (ids) => this.host.queued?.(ids),
    })
    const failed = outcomes.filter((o) => !o.ok)
    if (failed.length > 0) {
      const errors = failed.map((o) => ({ input: o.input, ...o.error }))
      const done = outcomes.length - failed.length
      return {
        status: statusOf(failed.map((o) => o.error)),
        note: `${failed.length} of ${outcomes.length} failed`,
        body: {
          success: false,
          result: [],
          message: `${failed.length} of ${outcomes.length} ${outcomes.length === 1 ? 'image was' : 'images were'} not uploaded${done ? ` (${done} uploaded)` : ''}: ${failed
            .map((o) => `${o.input}: ${o.error.message}`)
            .join('; ')}`,
          errors,
        },
      }
    }
    const result: string[] = []
    const fullResult: FullResultItem[] = []
    for (const o of outcomes) {
      if (!o.ok) continue
      result.push(resultText(o.job, format))
      const item = fullResultOf(o.job)
      if (item) fullResult.push(item)
    }
    return {
      status: 200,
      note: `${result.length} ${result.length === 1 ? 'image' : 'images'}`,
      body: { success: true, result, fullResult },
    }
  }

  private formatOf(asked: string | null, resolved: RequestTarget): ResolvedFormat {
    const name = asked?.trim() || resolved.format || 'url'
    const custom = this.host.customTemplate?.()
    return resolveLinkFormat(name, {
      templates: resolved.templates ?? {},
      ...(custom !== undefined ? { customTemplate: custom } : {}),
    })
  }

  /** The images a request names: multipart files, a JSON list, or the clipboard. */
  private async inputsOf(req: http.IncomingMessage): Promise<EditorInput[]> {
    const boundary = boundaryOf(req.headers['content-type'])
    if (boundary) {
      const files = await receiveMultipart(req, boundary, receivedDir(this.host.dataDir), {
        maxBytes: this.options.maxUploadBytes ?? 512 * 1024 * 1024,
        maxParts: MAX_PARTS,
      })
      if (files.length === 0) throw new HttpError(400, 'The form carries no files.')
      return files.map((f) => ({ kind: 'received', path: f.path, label: f.name }))
    }
    if (/^multipart\//i.test(req.headers['content-type'] ?? '')) {
      throw new HttpError(400, 'A multipart request needs a boundary in its Content-Type.')
    }
    const raw = (await readBody(req, MAX_JSON_BYTES)).toString('utf8')
    let list: string[] = []
    if (raw.trim() !== '') {
      let json: unknown
      try {
        json = JSON.parse(raw)
      } catch {
        throw new HttpError(400, 'The body is not JSON; send {"list": ["/path/to/image.png"]}.')
      }
      const parsed = uploadBodySchema.safeParse(json)
      if (!parsed.success) {
        throw new HttpError(400, '"list" must be an array of image paths or http(s) URLs.')
      }
      list = parsed.data.list ?? []
    }
    if (list.length === 0) return [await this.clipboardInput()]
    return list.map((item) =>
      /^https?:\/\//i.test(item) ? { kind: 'url', url: item } : { kind: 'path', path: item },
    )
  }

  private async clipboardInput(): Promise<EditorInput> {
    const image = await this.host.readClipboardImage()
    if (!image || image.data.length === 0) {
      throw new HttpError(400, 'The clipboard holds no image; copy an image first.')
    }
    const stamp = new Date().toISOString().slice(0, 10)
    const name = `clipboard-${stamp}.${CLIPBOARD_EXT[image.mime] ?? 'png'}`
    return {
      kind: 'received',
      path: keepReceived(this.host.dataDir, image.data, name),
      label: 'the clipboard',
    }
  }

  private async delete(
    req: http.IncomingMessage,
  ): Promise<{ status: number; body: Json; note?: string }> {
    const raw = (await readBody(req, MAX_JSON_BYTES)).toString('utf8')
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      throw new HttpError(400, 'The body is not JSON; send {"list": [fullResult items]}.')
    }
    const parsed = deleteBodySchema.safeParse(json)
    if (!parsed.success) {
      throw new HttpError(400, '"list" must hold the fullResult items /upload answered.')
    }
    const ledger = this.host.engine().ledger
    const refused: JobError[] = []
    const ids: string[] = []
    for (const item of parsed.data.list) {
      const job = ledger.job(item.id)
      const outputs = job ? ledger.outputReports(item.id) : []
      const matches =
        job !== undefined &&
        outputs.some((o) =>
          item.key !== undefined
            ? o.key === item.key
            : item.imgUrl !== undefined && o.url === item.imgUrl,
        )
      if (!matches) {
        refused.push({
          code: 'NOT_FOUND',
          message: `${item.id}: no upload of this server has this id and key.`,
        })
      } else ids.push(item.id)
    }
    const result = ids.length > 0 ? await this.host.deleteUploads(ids) : null
    const failedIds = new Set(result?.failures.map((f) => f.id) ?? [])
    const ok = ids.filter((id) => !failedIds.has(id)).length
    const fail = refused.length + failedIds.size
    const errors = [...refused, ...(result?.failures.map((f) => f.error) ?? [])]
    return {
      status: fail === 0 ? 200 : statusOf(errors) === 400 && failedIds.size === 0 ? 400 : 500,
      note: `${ok} deleted, ${fail} failed`,
      body: {
        success: fail === 0,
        message: `delete success: ${ok}, fail: ${fail}${errors.length ? ` (${errors.map((e) => e.message).join('; ')})` : ''}`,
        deleted: result?.deleted ?? 0,
        kept: result?.kept.length ?? 0,
      },
    }
  }

  private send(res: http.ServerResponse, status: number, body: Json): void {
    if (res.headersSent) return
    const text = JSON.stringify(body)
    res.writeHead(status, {
      ...securityHeaders('api'),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      // How `upshot serve` tells, when the port is taken, that another Upshot holds it.
      Server: 'Upshot',
    })
    res.end(text)
  }
}
