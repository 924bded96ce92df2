// A folder as a destination (a NAS, a folder a web server serves). Objects are written to a temp
// file beside their target, synced, then renamed, so a reader never sees half an object.
// Headers S3 would keep (type, cache control, metadata: original name, source hash) live in a
// sidecar per object in Upshot's data dir, never in the folder, which a web server may serve
// to anyone; head() answers from them like a bucket. Older versions kept them in the folder's
// `.upshot-meta/`: the first use moves them out.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable, Transform } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { UpshotError } from '../../shared/jobs'
import type {
  Destination,
  LocalDestinationConfig,
  PartRecord,
  PutRequest,
  PutResult,
  RemoteObject,
} from '../types'
import { canceledError } from './errors'
import { assertSourceUnchanged } from './source-check'
import { joinUrl } from './urls'

/** Where older versions kept the sidecars, inside the served folder. */
const LEGACY_META_DIR = '.upshot-meta'

interface Sidecar {
  size: number
  etag: string
  contentType: string
  cacheControl: string
  metadata: Record<string, string>
}

export function localDestinationId(config: LocalDestinationConfig): string {
  return `file:${path.resolve(config.dir)}/${config.prefix}`
}

export interface LocalDestinationOptions {
  /**
   * Where object metadata is kept (`local-meta/` in the data dir); one folder per destination
   * folder inside. Without it none is written, and head() answers with the size alone.
   */
  metaDir?: string
}

export class LocalDestination implements Destination {
  readonly id: string
  private readonly root: string
  private readonly metaRoot: string | null
  private migrated: Promise<void> | null = null

  constructor(
    readonly config: LocalDestinationConfig,
    opts: LocalDestinationOptions = {},
  ) {
    this.root = path.resolve(config.dir)
    this.id = localDestinationId(config)
    this.metaRoot = opts.metaDir
      ? path.join(opts.metaDir, createHash('sha256').update(this.root).digest('hex').slice(0, 16))
      : null
  }

  /** The file a key maps to; keys never climb out of the folder. */
  private fileOf(key: string): string {
    const segments = key.split('/')
    // A backslash is a separator on Windows: `..\x` would climb out of the folder there.
    const unsafe = (s: string): boolean =>
      s === '' || s === '.' || s === '..' || s === LEGACY_META_DIR || s.includes('\\')
    if (key === '' || segments.some(unsafe)) {
      throw new UpshotError('CONFIG', `"${key}" cannot be used as a file name in ${this.root}.`)
    }
    return path.join(this.root, ...segments)
  }

  private sidecarOf(key: string): string | null {
    return this.metaRoot ? path.join(this.metaRoot, ...key.split('/')) + '.json' : null
  }

  /** Moves an older version's `.upshot-meta/` out of the served folder, once per instance. */
  private migrateLegacy(): Promise<void> {
    if (!this.metaRoot) return Promise.resolve()
    this.migrated ??= moveTree(path.join(this.root, LEGACY_META_DIR), this.metaRoot).catch(
      () => undefined, // unreadable or not removable: left where it is, the sidecars still work
    )
    return this.migrated
  }

  linkFor(key: string): Promise<string> {
    return Promise.resolve(this.urlFor(key))
  }

  urlFor(key: string): string {
    if (this.config.publicUrl) return joinUrl(this.config.publicUrl, key)
    return pathToFileURL(this.fileOf(key)).href
  }

  async head(key: string): Promise<RemoteObject | null> {
    await this.migrateLegacy()
    let size: number
    try {
      size = (await fsp.stat(this.fileOf(key))).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw this.ioError(err)
    }
    const side = await this.readSidecar(key)
    return {
      size,
      etag: side && side.size === size ? side.etag : null,
      contentType: side?.contentType ?? null,
      metadata: side && side.size === size ? side.metadata : {},
    }
  }

  private async readSidecar(key: string): Promise<Sidecar | null> {
    const side = this.sidecarOf(key)
    if (!side) return null
    try {
      return JSON.parse(await fsp.readFile(side, 'utf8')) as Sidecar
    } catch {
      return null
    }
  }

  async put(req: PutRequest): Promise<PutResult> {
    if (req.signal?.aborted) throw canceledError()
    await this.migrateLegacy()
    const target = this.fileOf(req.key)
    const tmp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${randomBytes(6).toString('hex')}.upshot-tmp`,
    )
    const md5 = createHash('md5')
    const sha256 = req.source && !req.bytes ? createHash('sha256') : null
    let written = 0
    try {
      await fsp.mkdir(path.dirname(target), { recursive: true })
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          md5.update(chunk)
          sha256?.update(chunk)
          written += chunk.length
          req.onProgress?.(chunk.length)
          cb(null, chunk)
        },
      })
      await pipeline(
        // Bytes already read and hashed (a small file) need no second read or check.
        req.bytes ? Readable.from([req.bytes]) : fs.createReadStream(req.filePath),
        counter,
        fs.createWriteStream(tmp, { flags: 'wx' }),
        req.signal ? { signal: req.signal } : {},
      )
      const fd = await fsp.open(tmp, 'r+')
      try {
        await fd.sync()
      } finally {
        await fd.close()
      }
      if (written !== req.size) {
        throw new UpshotError(
          'VERIFY_FAILED',
          `"${req.key}" was written with ${written} bytes instead of ${req.size}; upload it again.`,
        )
      }
      if (sha256 && req.source) {
        // From the user's own file: only the bytes hashed when it was read may land.
        const src = await fsp.open(req.filePath, 'r')
        try {
          await assertSourceUnchanged(src, req.source, sha256.digest('hex'))
        } finally {
          await src.close()
        }
      }
      const etag = md5.digest('hex')
      await fsp.rename(tmp, target)
      const sidecar: Sidecar = {
        size: written,
        etag,
        contentType: req.contentType,
        cacheControl: req.cacheControl,
        metadata: req.metadata,
      }
      const side = this.sidecarOf(req.key)
      if (side) {
        await fsp.mkdir(path.dirname(side), { recursive: true })
        await fsp.writeFile(side, JSON.stringify(sidecar))
      }
      return { etag, bytesSent: written, multipart: false }
    } catch (err) {
      if (written > 0) req.onProgress?.(-written)
      await fsp.rm(tmp, { force: true }).catch(() => undefined)
      if (req.signal?.aborted) throw canceledError()
      throw this.ioError(err)
    }
  }

  private ioError(err: unknown): UpshotError {
    if (err instanceof UpshotError) return err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOSPC') {
      return new UpshotError(
        'DISK_FULL',
        `The disk holding ${this.root} is full; free some space.`,
        {
          cause: err,
        },
      )
    }
    if (code === 'ENAMETOOLONG') {
      // The same name fails the same way every time: no retry, say what to change.
      return new UpshotError(
        'CONFIG',
        `A name is too long for the file system of ${this.root}; shorten the key prefix or the file name.`,
        { cause: err },
      )
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new UpshotError(
        'ACCESS_DENIED',
        `Upshot may not write to ${this.root}; check the folder's permissions.`,
        { cause: err },
      )
    }
    return new UpshotError(
      'SERVER_ERROR',
      `Writing to ${this.root} failed (${code ?? 'error'}); check the folder and try again.`,
      { cause: err, retryable: true },
    )
  }

  async abortMultipart(): Promise<void> {}

  async listParts(): Promise<PartRecord[] | null> {
    return null
  }

  async deleteObject(key: string): Promise<void> {
    await this.migrateLegacy()
    await fsp.rm(this.fileOf(key), { force: true })
    const side = this.sidecarOf(key)
    if (side) await fsp.rm(side, { force: true })
  }

  async writeMarker(key: string, metadata: Record<string, string>): Promise<void> {
    const file = this.fileOf(key)
    try {
      await fsp.mkdir(path.dirname(file), { recursive: true })
      await fsp.writeFile(file, JSON.stringify(metadata))
    } catch (err) {
      throw this.ioError(err)
    }
  }

  async listAll(prefix: string): Promise<string[]> {
    const base = prefix.replace(/\/+$/, '')
    const dir = base === '' ? this.root : this.fileOf(base)
    let entries: fs.Dirent[]
    try {
      entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw this.ioError(err)
    }
    return entries
      .filter((e) => e.isFile())
      .map((e) => {
        const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')
        return base === '' ? rel : `${base}/${rel}`
      })
  }

  close(): void {}
}

/**
 * Moves every file under `from` to the same place under `to` (a file already there is newer and
 * kept), then removes `from`.
 */
async function moveTree(from: string, to: string): Promise<void> {
  let entries: fs.Dirent[]
  try {
    entries = await fsp.readdir(from, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  for (const e of entries) {
    const src = path.join(from, e.name)
    const dst = path.join(to, e.name)
    if (e.isDirectory()) await moveTree(src, dst)
    else if (e.isFile()) {
      await fsp.mkdir(to, { recursive: true })
      await fsp.copyFile(src, dst, fs.constants.COPYFILE_EXCL).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      })
    }
  }
  await fsp.rm(from, { recursive: true, force: true })
}
