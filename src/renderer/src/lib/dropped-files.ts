// What a drop holds in a browser: files, and folders whose files are found only by walking their
// entries (webkitGetAsEntry). The entries must be taken during the drop event itself; the walk
// may go on after it. Each file keeps the path it had inside the dropped folder.

import type { FileHandle } from '../../../shared/api'

interface Entry {
  isFile: boolean
  isDirectory: boolean
  name: string
  fullPath: string
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void
  createReader?(): { readEntries(ok: (e: Entry[]) => void, fail: (e: unknown) => void): void }
}

export function filesFromDrop(data: DataTransfer): Promise<FileHandle[]> {
  const entries: Entry[] = []
  const plain: File[] = []
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue
    const entry = item.webkitGetAsEntry?.() as Entry | null
    if (entry) entries.push(entry)
    else {
      const f = item.getAsFile()
      if (f) plain.push(f)
    }
  }
  if (entries.length === 0) return Promise.resolve(Array.from(data.files))
  return (async () => {
    const out: FileHandle[] = [...plain]
    for (const entry of entries) await walk(entry, out)
    return out
  })()
}

async function walk(entry: Entry, out: FileHandle[]): Promise<void> {
  if (entry.isFile && entry.file) {
    const file = await new Promise<File | null>((resolve) =>
      entry.file!(resolve, () => resolve(null)),
    )
    if (file) out.push({ name: file.name, relativePath: entry.fullPath.replace(/^\//, ''), file })
    return
  }
  if (!entry.isDirectory || !entry.createReader) return
  const reader = entry.createReader()
  // readEntries gives at most ~100 entries per call: read until it gives none.
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve) =>
      reader.readEntries(resolve, () => resolve([])),
    )
    if (batch.length === 0) break
    for (const child of batch) await walk(child, out)
  }
}
