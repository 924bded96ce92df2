// What `upshot md` will do with one note: each image reference, where it leads, and whether it
// is uploaded, left as it is (remote, not a file reference), or a problem the user must hear
// about (missing, outside the note's root, not an image).

import fs from 'node:fs'
import { SNIFF_BYTES, sniffBytes } from '../../../engine/pipeline/sniff'
import { isImageType } from '../image-file'
import type { ReadNote } from './note-file'
import { findImageReferences, type ImageReference } from './references'
import { resolveReference, type NoteContext } from './resolve'

export type Source = { kind: 'path'; path: string } | { kind: 'url'; url: string }

export interface PlannedReference {
  ref: ImageReference
  /** Set when the reference is to be uploaded and rewritten. */
  source?: Source
  /** Set when the reference names a local image that cannot be uploaded. */
  problem?: { code: 'NOT_FOUND' | 'OUTSIDE' | 'UNSUPPORTED_FORMAT'; message: string }
}

export interface NotePlan {
  note: ReadNote
  ctx: NoteContext
  refs: PlannedReference[]
}

export interface PlanOptions {
  /** Fetch and re-host http(s) images. */
  includeRemote: boolean
  /** A URL already on the destination: neither fetched again nor read as a file. */
  isOwnUrl(url: string): boolean
}

export function planNote(note: ReadNote, ctx: NoteContext, opts: PlanOptions): NotePlan {
  const refs: PlannedReference[] = []
  for (const ref of findImageReferences(note.text)) {
    // A link Upshot wrote (http(s), or file:// for a local folder) is done, not a local file.
    if (opts.isOwnUrl(ref.target)) continue
    const r = resolveReference(ref, ctx)
    switch (r.kind) {
      case 'skip':
        break
      case 'remote':
        if (opts.includeRemote) refs.push({ ref, source: { kind: 'url', url: r.url } })
        break
      case 'missing':
        // A definition is a link as often as an image: only image references are reported.
        if (ref.kind !== 'definition' || looksLikeImageName(ref.target)) {
          refs.push({ ref, problem: { code: 'NOT_FOUND', message: 'no such file' } })
        }
        break
      case 'outside':
        refs.push({
          ref,
          problem: {
            code: 'OUTSIDE',
            message: `outside ${ctx.root}, the folder this note's images may come from`,
          },
        })
        break
      case 'local':
        if (ref.kind === 'definition' && !sniffsAsImage(r.path)) break
        refs.push({ ref, source: { kind: 'path', path: r.path } })
        break
    }
  }
  return { note, ctx, refs }
}

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|avif|heic|heif|tiff?|bmp|svg|ico)([?#].*)?$/i

function looksLikeImageName(target: string): boolean {
  return IMAGE_NAME.test(target)
}

function sniffsAsImage(file: string): boolean {
  let fd: number | null = null
  try {
    fd = fs.openSync(file, 'r')
    const head = Buffer.alloc(SNIFF_BYTES)
    const n = fs.readSync(fd, head, 0, head.length, 0)
    return isImageType(sniffBytes(head.subarray(0, n), file))
  } catch {
    return false
  } finally {
    if (fd !== null) fs.closeSync(fd)
  }
}
