// Links follow the destination's config as it is when a job uploads: a public URL changed (or a
// CDN put in front) after the variants were made must not hand out the old address.
import type { OutputRow } from '.'
import { stmt, type Db } from './open'

/** Records `dest.urlFor(key)` for each output whose link differs; answers the rows as they now are. */
export function relinkOutputs(
  db: Db,
  outputs: readonly OutputRow[],
  dest: { urlFor(key: string): string },
): OutputRow[] {
  const changed: OutputRow[] = []
  const rows = outputs.map((o) => {
    const url = dest.urlFor(o.key)
    if (url === o.url) return o
    const next = { ...o, url }
    changed.push(next)
    return next
  })
  if (changed.length > 0) {
    const update = stmt(db, 'UPDATE outputs SET url = ? WHERE id = ?')
    db.transaction(() => {
      for (const o of changed) update.run(o.url, o.id)
    })()
  }
  return rows
}
