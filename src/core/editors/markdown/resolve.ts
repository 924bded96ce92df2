// Which file a reference names, the way the note's own editor would find it: relative to the
// note; in an Obsidian vault also from the vault's root, in the attachment folder
// (.obsidian/app.json), and by bare name anywhere in the vault (shortest path first, as
// Obsidian links are written by default). A reference only reaches files inside its root (the
// vault, the folder with upshot.json, the git work tree, else the folder given): a note someone
// else wrote must not make Upshot publish ~/Pictures/private.jpg through `../../..` or a link.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ImageReference } from './references'
import { isDir, isFile, realOr } from '../../fs-probe'

export type Resolution =
  | { kind: 'local'; path: string }
  | { kind: 'remote'; url: string }
  | { kind: 'missing' }
  | { kind: 'outside'; path: string }
  /** Not a file reference (data:, mailto:, an anchor...). */
  | { kind: 'skip' }

const INDEX_LIMIT = 200_000
const SKIP_DIRS = new Set(['node_modules'])

/** An Obsidian vault (or any folder whose notes use bare names): its root and attachment folder. */
export class Vault {
  private index: Map<string, string[]> | null = null

  constructor(
    readonly root: string,
    /** As written in app.json: `/`, `./`, `./assets`, `assets`; null when unset. */
    readonly attachmentFolder: string | null,
  ) {}

  static at(root: string): Vault {
    let attachment: string | null = null
    try {
      const app = JSON.parse(
        fs.readFileSync(path.join(root, '.obsidian', 'app.json'), 'utf8'),
      ) as unknown
      const value = (app as { attachmentFolderPath?: unknown }).attachmentFolderPath
      if (typeof value === 'string' && value.trim() !== '') attachment = value.trim()
    } catch {
      // no settings: Obsidian's default puts attachments in the vault's root
    }
    return new Vault(root, attachment)
  }

  /** The attachment folder for a note in `noteDir`. */
  attachmentDir(noteDir: string): string {
    const a = this.attachmentFolder
    if (a === null || a === '/') return this.root
    if (a === '.' || a === './') return noteDir
    if (a.startsWith('./')) return path.join(noteDir, a.slice(2))
    return path.join(this.root, a)
  }

  /** A file anywhere in the vault by name: same case first, then the shortest path. */
  findByName(name: string): string | null {
    const hits = this.names().get(name.toLowerCase())
    if (!hits || hits.length === 0) return null
    const depth = (p: string): number => p.split(path.sep).length
    const sorted = [...hits].sort(
      (a, b) =>
        Number(path.basename(b) === name) - Number(path.basename(a) === name) ||
        depth(a) - depth(b) ||
        (a < b ? -1 : a > b ? 1 : 0),
    )
    return sorted[0]!
  }

  private names(): Map<string, string[]> {
    if (this.index) return this.index
    const index = new Map<string, string[]>()
    let count = 0
    const walk = (dir: string): void => {
      let entries: fs.Dirent[]
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true })
      } catch {
        return
      }
      for (const e of entries) {
        if (count >= INDEX_LIMIT) return
        if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue
        const full = path.join(dir, e.name)
        if (e.isDirectory()) walk(full)
        else if (e.isFile()) {
          count++
          const key = e.name.toLowerCase()
          const list = index.get(key) ?? []
          list.push(full)
          index.set(key, list)
        }
      }
    }
    walk(this.root)
    this.index = index
    return index
  }
}

export interface NoteContext {
  note: string
  /** Files outside this folder are never uploaded for this note. */
  root: string
  /** Set in an Obsidian vault, and for notes that use ![[embeds]] (their folder root). */
  vault: Vault | null
}

/** Finds the root and vault of a note, caching per folder. */
export class NoteContexts {
  private readonly byDir = new Map<string, { root: string; vault: Vault | null }>()
  private readonly vaults = new Map<string, Vault>()

  /** `fallbackRoot`: the folder given on the command line (or the note's own folder). */
  for(note: string, fallbackRoot: string): NoteContext {
    const dir = path.dirname(path.resolve(note))
    const key = `${dir}\u0000${fallbackRoot}`
    let found = this.byDir.get(key)
    if (!found) {
      found = this.find(dir, fallbackRoot)
      this.byDir.set(key, found)
    }
    return { note: path.resolve(note), ...found }
  }

  private find(dir: string, fallbackRoot: string): { root: string; vault: Vault | null } {
    for (let d = dir; ;) {
      if (isDir(path.join(d, '.obsidian'))) {
        const vault = this.vaults.get(d) ?? Vault.at(d)
        this.vaults.set(d, vault)
        return { root: realOr(d), vault }
      }
      if (exists(path.join(d, 'upshot.json')) || exists(path.join(d, '.git'))) {
        return { root: realOr(d), vault: this.vaultFor(d) }
      }
      const up = path.dirname(d)
      if (up === d) break
      d = up
    }
    const root = path.resolve(fallbackRoot)
    return { root: realOr(root), vault: this.vaultFor(root) }
  }

  /** Notes outside Obsidian may use ![[embeds]] too (Foam, Logseq): their root acts as vault. */
  private vaultFor(root: string): Vault {
    const vault = this.vaults.get(root) ?? new Vault(root, null)
    this.vaults.set(root, vault)
    return vault
  }
}

/** Where a reference leads. */
export function resolveReference(ref: ImageReference, ctx: NoteContext): Resolution {
  const target = ref.target.trim()
  if (target === '' || target.startsWith('#')) return { kind: 'skip' }
  if (/^https?:\/\//i.test(target)) return { kind: 'remote', url: target }
  if (target.startsWith('//')) return { kind: 'skip' }
  const isFileUrl = /^file:/i.test(target)
  if (!isFileUrl && /^[a-z][a-z0-9+.-]*:/i.test(target) && !path.win32.isAbsolute(target)) {
    return { kind: 'skip' }
  }
  const noteDir = path.dirname(ctx.note)
  for (const variant of variants(target, ref.kind === 'embed')) {
    for (const candidate of candidates(variant, ref, ctx, noteDir)) {
      if (!isFile(candidate)) continue
      const real = realOr(candidate)
      return inside(ctx.root, real)
        ? { kind: 'local', path: candidate }
        : { kind: 'outside', path: candidate }
    }
  }
  return { kind: 'missing' }
}

/** The name as written, then percent-decoded, then without a query or fragment. */
function variants(target: string, embed: boolean): string[] {
  const out = new Set<string>()
  const add = (v: string): void => {
    if (v !== '') out.add(v)
  }
  if (/^file:/i.test(target)) {
    try {
      add(fileURLToPath(target))
    } catch {
      // not a file URL this platform reads
    }
    return [...out]
  }
  add(target)
  if (!embed) {
    try {
      add(decodeURI(target))
      add(decodeURIComponent(target))
    } catch {
      // a stray % is part of the name
    }
  }
  for (const v of [...out]) add(v.replace(/[?#].*$/, ''))
  return [...out]
}

function candidates(v: string, ref: ImageReference, ctx: NoteContext, noteDir: string): string[] {
  const out: string[] = []
  const vault = ctx.vault
  if (path.isAbsolute(v)) {
    out.push(v)
    // A site-absolute path (`/images/a.png`) is from the project's root.
    out.push(path.join(ctx.root, v))
    return out
  }
  const bare = !v.includes('/') && !v.includes('\\')
  if (ref.kind === 'embed') {
    if (vault && !bare) out.push(path.join(vault.root, v))
    out.push(path.resolve(noteDir, v))
  } else {
    out.push(path.resolve(noteDir, v))
    if (vault) out.push(path.join(vault.root, v))
  }
  if (vault && bare) {
    out.push(path.join(vault.attachmentDir(noteDir), v))
    const found = vault.findByName(v)
    if (found) out.push(found)
  }
  return out
}

function inside(root: string, real: string): boolean {
  const rel = path.relative(root, real)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
}

function exists(p: string): boolean {
  try {
    fs.statSync(p)
    return true
  } catch {
    return false
  }
}
