// The browser face's chooser for paths on the core's computer (a sync folder, a watermark image,
// a photo to preview a preset with): a browser has no dialog that shows the server's disk, so the
// core lists folders itself. It hands out the same opaque tokens as the native dialogs
// (path-grants.ts), and only for what it listed: a folder or image shown in a listing of the last
// minutes, for the same purpose. A path the chooser never showed gets no token, so the page still
// cannot name an arbitrary path and have it used.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BrowsePurpose, ChosenPath, FolderListing } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { ForbiddenError, type GrantPurpose, type PathGrants } from './path-grants'

const IMAGE_EXT = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.avif',
  '.gif',
  '.heic',
  '.heif',
  '.tif',
  '.tiff',
  '.svg',
])

export interface FolderBrowserOptions {
  home?: string
  /** Entries listed per folder at most (the rest: `truncated`). */
  maxEntries?: number
  /** How long a listed path may be chosen; 30 minutes by default. */
  ttlMs?: number
  now?: () => number
}

const GRANT_OF: Record<BrowsePurpose, GrantPurpose> = {
  'sync-folder': 'sync-folder',
  'upload-folder': 'upload-folder',
  'watermark-image': 'watermark-image',
  'preview-photo': 'preview-photo',
}

/** Purposes that choose a folder; the others choose an image. */
const FOR_FOLDERS: ReadonlySet<BrowsePurpose> = new Set(['sync-folder', 'upload-folder'])

export class FolderBrowser {
  /** purpose + '\0' + path -> when it was shown. */
  private readonly shown = new Map<string, number>()
  private readonly home: string
  private readonly maxEntries: number
  private readonly ttlMs: number
  private readonly now: () => number

  constructor(
    private readonly grants: PathGrants,
    o: FolderBrowserOptions = {},
  ) {
    this.home = path.resolve(o.home ?? os.homedir())
    this.maxEntries = o.maxEntries ?? 2000
    this.ttlMs = o.ttlMs ?? 30 * 60 * 1000
    this.now = o.now ?? Date.now
  }

  /** A folder's sub-folders (and images, for an image purpose); null lists the home folder. */
  async list(purpose: BrowsePurpose, asked: string | null): Promise<FolderListing> {
    const wanted = asked === null || asked.trim() === '' ? this.home : this.expand(asked.trim())
    let folder: string
    try {
      folder = await fs.promises.realpath(wanted)
      if (!(await fs.promises.stat(folder)).isDirectory()) throw new Error('not a folder')
    } catch {
      throw new UpshotError('NOT_FOUND', `${wanted} is not a folder on this computer.`)
    }
    let dirents: fs.Dirent[]
    try {
      dirents = await fs.promises.readdir(folder, { withFileTypes: true })
    } catch {
      throw new UpshotError('UNREADABLE', `Upshot may not read ${folder}.`)
    }
    const forFolder = FOR_FOLDERS.has(purpose)
    // A folder to upload shows its images too (which folder is it?); only folders are chosen.
    const wantsImages = purpose !== 'sync-folder'
    const folders: string[] = []
    const images: string[] = []
    for (const d of dirents) {
      if (d.name.startsWith('.')) continue
      let isDir = d.isDirectory()
      let isFile = d.isFile()
      if (d.isSymbolicLink()) {
        const st = await fs.promises.stat(path.join(folder, d.name)).catch(() => null)
        isDir = st?.isDirectory() ?? false
        isFile = st?.isFile() ?? false
      }
      if (isDir) folders.push(d.name)
      else if (wantsImages && isFile && IMAGE_EXT.has(path.extname(d.name).toLowerCase()))
        images.push(d.name)
    }
    const byName = (a: string, b: string): number =>
      a.localeCompare(b, undefined, { numeric: true })
    folders.sort(byName)
    images.sort(byName)
    const entries = [
      ...folders.map((name) => ({ name, kind: 'folder' as const })),
      ...images.map((name) => ({ name, kind: 'image' as const })),
    ]
    const listed = entries.slice(0, this.maxEntries)
    this.prune()
    const at = this.now()
    if (forFolder) this.shown.set(this.key(purpose, folder), at)
    for (const e of listed) {
      if (forFolder ? e.kind === 'folder' : e.kind === 'image')
        this.shown.set(this.key(purpose, path.join(folder, e.name)), at)
    }
    const parent = path.dirname(folder)
    return {
      path: folder,
      parent: parent === folder ? null : parent,
      home: this.home,
      entries: listed,
      truncated: entries.length > listed.length,
    }
  }

  /** A token for a folder or image the chooser listed; anything else is FORBIDDEN. */
  async choose(purpose: BrowsePurpose, chosen: string): Promise<ChosenPath> {
    const shownAt = this.shown.get(this.key(purpose, chosen))
    if (shownAt === undefined || shownAt + this.ttlMs <= this.now()) {
      throw new ForbiddenError('Choose the folder or image in the list Upshot shows.')
    }
    const st = await fs.promises.stat(chosen).catch(() => null)
    const fits = FOR_FOLDERS.has(purpose) ? st?.isDirectory() : st?.isFile()
    if (!fits) throw new UpshotError('NOT_FOUND', `${chosen} is no longer there.`)
    return { token: this.grants.issue(GRANT_OF[purpose], chosen), path: chosen }
  }

  private expand(p: string): string {
    if (p === '~') return this.home
    if (p.startsWith('~/')) return path.join(this.home, p.slice(2))
    if (!path.isAbsolute(p)) {
      throw new UpshotError('CONFIG', 'Type a full path, starting with / (or ~ for your home).')
    }
    return path.resolve(p)
  }

  private key(purpose: BrowsePurpose, p: string): string {
    return `${purpose}\0${p}`
  }

  private prune(): void {
    const old = this.now() - this.ttlMs
    for (const [k, at] of this.shown) if (at <= old) this.shown.delete(k)
    // A bound on memory: a page listing folder after folder keeps the newest.
    while (this.shown.size > 50_000) this.shown.delete(this.shown.keys().next().value!)
  }
}
