// Where a job's output goes in its destination: content-addressed, named after the source
// (engine/keys.ts). Processing names its outputs so, and dedup looks for them there.
import path from 'node:path'
import { buildKey, originalExt, splitExt } from '../keys'
import type { JobRow } from '../ledger'
import { presetKeyTag } from '../pipeline'
import type { Destination, Preset } from '../types'

export function outputKey(
  job: { row: JobRow; dest: Destination; preset: Preset },
  sha256: string,
  output: { variant: string; format: string; ext: string },
): string {
  const { stem, ext: sourceExt } = splitExt(path.basename(job.row.source))
  // Custom or marked presets tag their keys, so their objects never overwrite another preset's.
  const tag = presetKeyTag(job.preset)
  return buildKey({
    prefix: job.dest.config.prefix,
    sha256,
    stem,
    variant: output.variant,
    ext:
      output.variant === 'original'
        ? originalExt(output.ext, output.format, sourceExt)
        : output.ext,
    ...(tag ? { tag } : {}),
  })
}
