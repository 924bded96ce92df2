// Outputs of finished files, fetched once per file (they never change once a job is done).

import { useEffect, useState } from 'react'
import type { FinishedFile } from '../../../shared/api'
import { unwrap, upshot } from '../lib/api'

const cache = new Map<string, FinishedFile>()

export function useFinishedFiles(ids: readonly string[]): Map<string, FinishedFile> {
  const [, setVersion] = useState(0)
  const key = ids.join(',')
  useEffect(() => {
    const missing = key === '' ? [] : key.split(',').filter((id) => !cache.has(id))
    if (missing.length === 0) return
    let live = true
    unwrap(upshot.getFinished(missing)).then(
      (files) => {
        for (const f of files) cache.set(f.id, f)
        if (live) setVersion((v) => v + 1)
      },
      () => {},
    )
    return () => {
      live = false
    }
  }, [key])
  return cache
}
