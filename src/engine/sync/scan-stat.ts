// Stats of a folder's entries, synchronous while they come from the kernel's cache, asynchronous
// and parallel once a folder shows slow storage.

import fs from 'node:fs/promises'
import { statSync, type Stats } from 'node:fs'
import path from 'node:path'

/** Stat calls in flight per folder: enough to hide disk latency, few enough for a 2-core laptop. */
const STAT_PARALLEL = 32

/**
 * On a local disk a stat answered from the kernel's cache takes a few microseconds, and the
 * thread-pool round trip of an asynchronous one costs several times that: a re-scan of 50,000
 * unchanged files spent most of its time there. So stats run synchronously, a folder at a
 * time, until a folder's stats average more than this (a network share, a spun-down disk);
 * from then on the scan goes asynchronous and parallel, so the event loop is never held long.
 */
const SLOW_STAT_MS = 0.5
/** A folder listing slower than this (a network share) sends the scan asynchronous too. */
export const SLOW_READDIR_MS = 20

export interface StatMode {
  sync: boolean
}

export type StatResult = [Stats | null, unknown]

function statAllSync(abs: string, names: readonly string[]): StatResult[] {
  return names.map((name): StatResult => {
    try {
      return [statSync(path.join(abs, name)), null]
    } catch (err) {
      return [null, err]
    }
  })
}

async function statAllAsync(abs: string, names: readonly string[]): Promise<StatResult[]> {
  const out: StatResult[] = []
  for (let i = 0; i < names.length; i += STAT_PARALLEL) {
    const batch = names.slice(i, i + STAT_PARALLEL)
    out.push(
      ...(await Promise.all(
        batch.map((name) =>
          fs.stat(path.join(abs, name)).then(
            (s): StatResult => [s, null],
            (e: unknown): StatResult => [null, e],
          ),
        ),
      )),
    )
  }
  return out
}

/** Sync stats in chunks of this many, the event loop served in between (huge folders). */
const SYNC_CHUNK = 1000

export async function statAll(
  abs: string,
  names: readonly string[],
  mode: StatMode,
): Promise<StatResult[]> {
  const out: StatResult[] = []
  for (let i = 0; i < names.length; i += SYNC_CHUNK) {
    const chunk = names.slice(i, i + SYNC_CHUNK)
    if (!mode.sync) {
      out.push(...(await statAllAsync(abs, chunk)))
      continue
    }
    if (i > 0) await new Promise((r) => setImmediate(r))
    const t0 = performance.now()
    out.push(...statAllSync(abs, chunk))
    if ((performance.now() - t0) / chunk.length > SLOW_STAT_MS) mode.sync = false
  }
  return out
}
