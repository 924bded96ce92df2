// The links a dry run shows without uploading: an image this ledger already uploaded to that
// destination with that preset keeps its recorded links (a dedup would hand them out); any other
// gets the key the engine will give it (content-addressed: prefix, hash, name, variant), so the
// diff shows the URL a real run writes. Sizes are not known before the variants are made.

import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { OutputReport } from '../../../shared/jobs'
import type { Engine, Target } from '../../../engine'
import { buildKey, originalExt, splitExt } from '../../../engine/keys'
import { presetFingerprint, presetKeyTag } from '../../../engine/presets'
import { sniffBytes } from '../../../engine/pipeline/sniff'
import { createDestination } from '../../../engine/storage'
import type { OutputFormat } from '../../../engine/types'
import type { Uploaded } from './rewrite'

const EXT: Record<OutputFormat, string> = { webp: 'webp', avif: 'avif', jpeg: 'jpg', png: 'png' }

export async function predictUpload(
  engine: Engine,
  file: string,
  target: Target,
): Promise<Uploaded> {
  const data = await fs.readFile(file)
  const sha256 = createHash('sha256').update(data).digest('hex')
  const type = sniffBytes(data.subarray(0, 16 * 1024), file)
  const preset = engine.preset(target.preset)
  const dest = createDestination(target.destination, {})
  try {
    const name = path.basename(file)
    const prev = engine.ledger.findDone(sha256, presetFingerprint(preset), dest.id, '')
    if (prev) return { name, outputs: engine.ledger.outputReports(prev.id) }
    const { stem, ext: srcExt } = splitExt(name)
    const tag = presetKeyTag(preset)
    const planned =
      type.kind === 'image'
        ? preset.variants.map((v) => ({
            variant: v.name,
            format: v.format as string,
            ext: EXT[v.format],
            contentType: `image/${v.format}`,
          }))
        : [
            {
              variant: 'original',
              format: type.format,
              ext: originalExt(type.ext, type.format, srcExt),
              contentType: type.mime,
            },
          ]
    const outputs: OutputReport[] = planned.map((p) => {
      const key = buildKey({
        prefix: target.destination.prefix,
        sha256,
        stem,
        variant: p.variant,
        ext: p.ext,
        ...(tag ? { tag } : {}),
      })
      return {
        variant: p.variant,
        format: p.format,
        width: null,
        height: null,
        bytes: 0,
        key,
        url: dest.urlFor(key),
        contentType: p.contentType,
      }
    })
    return { name, outputs }
  } finally {
    dest.close()
  }
}
