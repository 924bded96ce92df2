// The queue on the page: filled once from getQueue, then patched by the core's coalesced
// `queue` events (a big drop arrives page by page, a few patches a second). Components subscribe through useSyncExternalStore and read rows by
// id, so a patch re-renders the visible rows only, however long the queue is.

import { useSyncExternalStore } from 'react'
import {
  emptyQueueCounts,
  type Overall,
  type QueueJob,
  type QueuePatch,
  type QueueSnapshot,
} from '../../../shared/api'

const EMPTY_OVERALL: Overall = {
  bytesDone: 0,
  bytesTotal: 0,
  rate: 0,
  etaSeconds: null,
  counts: emptyQueueCounts(),
  idle: true,
  adding: false,
}

export interface QueueView {
  version: number
  order: readonly string[]
  /** Finished successfully, in queue order (the Results view). */
  done: readonly string[]
  overall: Overall
  paused: boolean
}

export class QueueStore {
  private readonly jobs = new Map<string, QueueJob>()
  private view: QueueView = {
    version: 0,
    order: [],
    done: [],
    overall: EMPTY_OVERALL,
    paused: false,
  }
  private readonly listeners = new Set<() => void>()
  private loaded = false
  private early: QueuePatch[] = []

  load(snapshot: QueueSnapshot): void {
    this.jobs.clear()
    for (const j of snapshot.jobs) this.jobs.set(j.id, j)
    this.loaded = true
    this.commit([...this.jobs.keys()], snapshot.overall, snapshot.paused)
    // Patches that arrived while the snapshot was on its way are newer: apply them on top.
    const early = this.early
    this.early = []
    for (const p of early) this.apply(p)
  }

  apply(patch: QueuePatch): void {
    if (!this.loaded) {
      this.early.push(patch)
      return
    }
    let order = this.view.order
    const added: string[] = []
    for (const j of patch.upserts) {
      if (!this.jobs.has(j.id)) added.push(j.id)
      this.jobs.set(j.id, j)
    }
    if (added.length > 0) order = [...order, ...added]
    if (patch.removed.length > 0) {
      const gone = new Set(patch.removed)
      for (const id of gone) this.jobs.delete(id)
      order = order.filter((id) => !gone.has(id))
    }
    this.commit(order, patch.overall, patch.paused)
  }

  job(id: string): QueueJob | undefined {
    return this.jobs.get(id)
  }

  getView = (): QueueView => this.view

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private commit(order: readonly string[], overall: Overall, paused: boolean): void {
    const done = order.filter((id) => this.jobs.get(id)?.state === 'done')
    this.view = { version: this.view.version + 1, order, done, overall, paused }
    for (const fn of this.listeners) fn()
  }
}

export const queueStore = new QueueStore()

export function useQueue(): QueueView {
  return useSyncExternalStore(queueStore.subscribe, queueStore.getView)
}
