// Images pasted from the clipboard: saved as files in <data dir>/clipboard so the engine can read
// them like any dropped file, and removed once uploaded (they live on only in the bucket).

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { UpshotError } from '../shared/jobs'

const EXT_OF_MIME: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
}

export class ClipboardImages {
  constructor(readonly dir: string) {}

  /** The file for the image; NOT_FOUND when the clipboard held none. */
  save(image: { data: Buffer; mime: string } | null): string {
    if (!image || image.data.length === 0) {
      throw new UpshotError('NOT_FOUND', 'The clipboard holds no image; copy an image first.')
    }
    fs.mkdirSync(this.dir, { recursive: true })
    // Named by content: pasting the same image twice reuses the file (and dedups the upload).
    const hash = createHash('sha256').update(image.data).digest('hex').slice(0, 12)
    const stamp = new Date().toISOString().slice(0, 10)
    const ext = EXT_OF_MIME[image.mime] ?? 'png'
    const file = path.join(this.dir, `clipboard-${stamp}-${hash}.${ext}`)
    if (!fs.existsSync(file)) fs.writeFileSync(file, image.data)
    return file
  }

  holds(file: string): boolean {
    return path.dirname(file) === this.dir
  }

  /** An uploaded image's file goes. */
  release(file: string): void {
    fs.rm(file, { force: true }, () => {})
  }
}
