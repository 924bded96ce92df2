// Watermark images of the user's presets. The window names an image by the token the file
// dialog gave it (see path-grants.ts) or by the path a saved preset already has; never by a path
// of its own. When a preset is saved with a new image, the core copies the image into the data
// directory (watermarks/<sha256 prefix>/<name>) and the preset refers to that copy: what a preset
// can point at is what the user chose, and moving or deleting the original breaks nothing.

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { UpshotError } from '../shared/jobs'
import type { CustomPresetSettings } from '../shared/presets'
import { ForbiddenError, PathGrants } from './path-grants'

/** Logos and marks are small; a larger file is not what the user meant to pick. */
export const MAX_WATERMARK_BYTES = 32 * 1024 * 1024

export interface ResolvedPreset {
  preset: CustomPresetSettings
  /** The token redeemed for it, to revoke once the preset is saved. */
  token: string | null
}

export class WatermarkImages {
  constructor(
    private readonly dir: string,
    private readonly grants: PathGrants,
  ) {}

  /**
   * A preset from the window with its image made trustworthy: a token's image copied into the
   * store (`copy`, for saving) or read where it is (a preview); a saved preset's image kept; any
   * other path refused. A text mark keeps no image path at all.
   */
  resolve(
    preset: CustomPresetSettings,
    saved: readonly CustomPresetSettings[],
    opts: { copy: boolean },
  ): ResolvedPreset {
    const mark = preset.watermark
    if (!mark) return { preset, token: null }
    if (mark.kind !== 'image') {
      return { preset: { ...preset, watermark: { ...mark, imagePath: '' } }, token: null }
    }
    const ref = mark.imagePath
    if (PathGrants.isToken(ref)) {
      const chosen = this.grants.peek(ref, 'watermark-image')
      const imagePath = opts.copy ? this.adopt(chosen) : chosen
      return { preset: { ...preset, watermark: { ...mark, imagePath } }, token: ref }
    }
    if (ref === '') return { preset, token: null } // the settings say "choose the watermark image"
    const known = saved.some((p) => p.watermark?.kind === 'image' && p.watermark.imagePath === ref)
    if (!known) {
      throw new ForbiddenError(
        'A watermark image must be chosen with "Choose image…"; a path from the window is not accepted.',
      )
    }
    return { preset, token: null }
  }

  /** Removes the copies no saved preset refers to any more (a preset removed or changed). */
  prune(saved: readonly CustomPresetSettings[]): void {
    const kept = new Set(
      saved.flatMap((p) =>
        p.watermark?.kind === 'image' ? [path.relative(this.dir, p.watermark.imagePath)] : [],
      ),
    )
    let entries: string[]
    try {
      entries = fs.readdirSync(this.dir)
    } catch {
      return // no copies yet
    }
    for (const hash of entries) {
      const folder = path.join(this.dir, hash)
      let names: string[] = []
      try {
        names = fs.readdirSync(folder)
      } catch {
        continue
      }
      for (const name of names) {
        if (!kept.has(path.join(hash, name))) fs.rmSync(path.join(folder, name), { force: true })
      }
      if (names.every((n) => !kept.has(path.join(hash, n))))
        fs.rmSync(folder, { force: true, recursive: true })
    }
  }

  /** Copies a chosen image into the store (once per content); returns the copy's path. */
  adopt(file: string): string {
    let data: Buffer
    try {
      const st = fs.statSync(file)
      if (!st.isFile()) throw new Error('not a file')
      if (st.size > MAX_WATERMARK_BYTES) {
        throw new UpshotError(
          'FILE_TOO_LARGE',
          `The watermark image ${path.basename(file)} is larger than 32 MB; choose a smaller one.`,
        )
      }
      data = fs.readFileSync(file)
    } catch (err) {
      if (err instanceof UpshotError) throw err
      throw new UpshotError(
        'CONFIG',
        `The watermark image ${path.basename(file)} cannot be read; choose it again.`,
      )
    }
    const hash = createHash('sha256').update(data).digest('hex').slice(0, 16)
    // eslint-disable-next-line no-control-regex
    const base = path.basename(file).replace(/[\u0000-\u001f\u007f]/g, '')
    const name = base === '' || base === '.' || base === '..' ? 'watermark' : base
    const target = path.join(this.dir, hash, name)
    if (!fs.existsSync(target)) {
      fs.mkdirSync(path.dirname(target), { recursive: true })
      const tmp = `${target}.${process.pid}.tmp`
      fs.writeFileSync(tmp, data)
      fs.renameSync(tmp, target)
    }
    return target
  }
}
