// The notification a finished batch gets: one title and one sentence, or none at all when
// nothing was uploaded and nothing failed (a batch that was canceled, or all duplicates shown
// elsewhere). Pure, so its wording is tested without a desktop.

export interface BatchOutcome {
  done: number
  failed: number
  canceled: number
  /** The batch's links went to the clipboard (auto-copy). */
  copied: boolean
}

export function batchNotice(o: BatchOutcome): { title: string; body: string } | null {
  if (o.done === 0 && o.failed === 0) return null
  const files = (n: number): string => `${n} ${n === 1 ? 'file' : 'files'}`
  if (o.done === 0) {
    return {
      title: 'Upload failed',
      body: `${files(o.failed)} could not be uploaded; the queue says why.`,
    }
  }
  const title = o.failed > 0 ? 'Some uploads failed' : 'Upload finished'
  const body =
    `${files(o.done)} uploaded` +
    (o.failed > 0 ? `, ${o.failed} failed` : '') +
    (o.canceled > 0 ? `, ${o.canceled} canceled` : '') +
    (o.copied ? '; links copied.' : '.')
  return { title, body }
}
