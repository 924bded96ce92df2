// The PicGo/PicList HTTP contract, as editors and their plugins read it (PicGo-Core
// src/lib/Server/routes.ts, PicList src/main/server/routerManager.ts, the Obsidian plugin
// obsidian-image-auto-upload-plugin src/uploader/picgo.ts and src/deleter.ts):
//
//   POST /upload  {"list": ["/abs/a.png", "https://x/b.png"]}  -> upload those
//   POST /upload  no body, {} or {"list": []}                   -> upload the clipboard's image
//   POST /upload  multipart/form-data (any field)               -> upload the attached files
//     200 {"success": true, "result": ["url", ...], "fullResult": [{imgUrl, ...}, ...]}
//     400|500 {"success": false, "result": [], "message": "..."}
//   POST /delete  {"list": [fullResult items]}                  -> delete those uploads
//     {"success": bool, "message": "delete success: N, fail: M"}
//   POST /heartbeat                                             -> {"success": true, "result": "alive"}
//
// Obsidian keeps each fullResult item (it finds one by `imgUrl`) and sends it back to /delete;
// PicList finds the upload by the item's `id`. So an item carries both, and `key`, which /delete
// checks against the upload: an id alone does not delete.

import path from 'node:path'
import { z } from 'zod'
import type { ErrorCode, JobError, JobReport } from '../../../shared/jobs'
import { formatLink, primaryOutput, type LinkFormat } from '../../../shared/links'

export interface FullResultItem {
  /** The uploaded object's file name (the last segment of its key). */
  fileName: string
  /** Its extension with the dot, as PicGo reports it (`.webp`). */
  extname: string
  width: number | null
  height: number | null
  /** The link (the `full` variant's URL). */
  imgUrl: string
  /** The uploader, as PicGo and PicList name theirs. */
  type: 'upshot'
  /** The upload's id in Upshot's history. */
  id: string
  /** The object's key (checked by /delete). */
  key: string
  /** The name the image had. */
  originalName: string
  /** Whether the image was already on the destination (nothing was sent). */
  deduplicated: boolean
}

export function fullResultOf(job: JobReport): FullResultItem | null {
  const main = primaryOutput(job.outputs, 'full')
  if (!main) return null
  const fileName = main.key.split('/').pop() ?? main.key
  return {
    fileName,
    extname: path.posix.extname(fileName),
    width: main.width,
    height: main.height,
    imgUrl: main.url,
    type: 'upshot',
    id: job.id,
    key: main.key,
    originalName: path.basename(job.source),
    deduplicated: job.deduplicated,
  }
}

/** What `result` holds for one upload: the URL, or the link text of a format. */
export function resultText(
  job: JobReport,
  format: { format: LinkFormat; template?: string },
): string {
  if (format.format === 'url') return primaryOutput(job.outputs, 'full')?.url ?? ''
  return formatLink(
    format.format,
    { name: path.basename(job.source), outputs: job.outputs },
    { variant: 'full', ...(format.template !== undefined ? { template: format.template } : {}) },
  )
}

/** Failures that are the request's own (the file, the URL, the options): 400. Others: 500. */
const CLIENT_CODES: readonly ErrorCode[] = [
  'NOT_FOUND',
  'NOT_A_FILE',
  'UNREADABLE',
  'EMPTY_FILE',
  'FILE_TOO_LARGE',
  'SOURCE_CHANGED',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE',
  'PIXEL_LIMIT',
  'DECOMPRESSION_BOMB',
  'ANIMATION_TOO_LARGE',
  'IMAGE_TOO_SLOW',
  'SVG_TOO_COMPLEX',
  'UNSAFE_SVG',
  'CONFIG',
]

export function statusOf(errors: readonly JobError[]): 400 | 500 {
  return errors.every((e) => CLIENT_CODES.includes(e.code)) ? 400 : 500
}

/** The JSON /upload takes. */
export const uploadBodySchema = z.looseObject({
  list: z.array(z.string().trim().min(1).max(8192)).max(1000).optional(),
})

/** The JSON /delete takes: fullResult items as this server gave them. */
export const deleteBodySchema = z.looseObject({
  list: z
    .array(
      z.looseObject({
        id: z.string().min(1).max(100),
        key: z.string().min(1).max(2048).optional(),
        imgUrl: z.string().max(8192).optional(),
      }),
    )
    .min(1)
    .max(1000),
})
