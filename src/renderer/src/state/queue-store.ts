// The queue on the page: the totals (counts, bytes, paused), and for each list that shows the
// queue a window of its rows. The core keeps the queue (100,000 jobs if need be); a list watches
// the range it shows plus an overscan (watchQueue), and the core's coalesced `queue` events
// carry only that range's changed rows. So the page holds a few hundred rows, never the queue.
// Components subscribe through useSyncExternalStore and read rows by index; a row not yet
// arrived (scrolled to, asked for, not answered) reads as undefined and shows as a placeholder.

import { useSyncExternalStore } from 'react'
import {
  emptyQueueCounts,
  type Overall,
  type QueueFilter,
  type QueueJob,
  type QueuePatch,
  type QueueRange,
  type QueueWindowPatch,
  type QueueWindowSnapshot,
} from '../../../shared/api'
import { messageOf, unwrap, upshot } from '../lib/api'
import { toast } from './toasts'

const EMPTY_OVERALL: Overall = {
  bytesDone: 0,
  bytesTotal: 0,
  rate: 0,
  etaSeconds: null,
  counts: emptyQueueCounts(),
  idle: true,
  adding: false,
}

/** Rows asked for beyond each end of what is on screen: a flick of the wheel finds them here. */
export const OVERSCAN_ROWS = 100
/** Scrolling within this many rows of the held range's end asks for the next range. */
const REFILL_MARGIN = 30

/** A fast scroll asks for one range per this long at most (the last one it reached). */
const REQUEST_EVERY_MS = 50

/** One page, one id: the core's windows are named `<page>-<list>`. */
const PAGE_ID = Math.random().toString(36).slice(2, 12)

class Store<T> {
  private readonly listeners = new Set<() => void>()
  constructor(protected value: T) {}
  get = (): T => this.value
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
  protected set(value: T): void {
    this.value = value
    for (const fn of this.listeners) fn()
  }
}

export interface QueueTotals {
  overall: Overall
  paused: boolean
}

class TotalsStore extends Store<QueueTotals> {
  update(overall: Overall, paused: boolean): void {
    this.set({ overall, paused })
  }
}

export interface WindowView {
  /** Jobs the filter keeps in the whole queue (the list's height). */
  length: number
  /** The held range: rows [start, start + ids.length). */
  start: number
  ids: readonly string[]
  rows: ReadonlyMap<string, QueueJob>
}

/** What the list needs of the transport (the real one, or a test's). */
export interface WindowTransport {
  watch(range: QueueRange): Promise<QueueWindowSnapshot>
}

/** One list's window of the queue: the rows it holds, and the range it asks for as it scrolls. */
export class QueueWindowStore extends Store<WindowView> {
  readonly view: string
  /** The range the core patches for this list (the last one it answered, or one on its way). */
  private range: { start: number; end: number } | null = null
  private inFlight = false
  /** Scrolled elsewhere while a range was on its way: asked for when it arrives. */
  private wanted: { start: number; end: number } | null = null
  /** Patches of the range on its way that came before its answer. */
  private early: QueueWindowPatch[] = []
  private answered = false
  private lastAskedAt = -Infinity
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    name: string,
    readonly filter: QueueFilter,
    private readonly transport: WindowTransport,
    private readonly onTotals: (overall: Overall, paused: boolean) => void,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    super({ length: 0, start: 0, ids: [], rows: new Map() })
    this.view = `${PAGE_ID}-${name}`
  }

  row(index: number): QueueJob | undefined {
    const v = this.value
    const id = v.ids[index - v.start]
    return id === undefined ? undefined : v.rows.get(id)
  }

  /** Asks the core afresh (the page opened, or the core came back and forgot its windows). */
  reload(): void {
    const at = this.range ?? { start: 0, end: OVERSCAN_ROWS }
    this.range = null
    this.wanted = null
    this.request(at)
  }

  /** The list shows rows [first, last]: asks for the range around them unless it is held. */
  showing(first: number, last: number): void {
    const r = this.wanted ?? this.range
    const length = this.value.length
    if (r) {
      const needStart = Math.max(0, first - REFILL_MARGIN)
      const needEnd = Math.min(length, last + 1 + REFILL_MARGIN)
      if (r.start <= needStart && r.end >= needEnd) return
    }
    this.request({
      start: Math.max(0, first - OVERSCAN_ROWS),
      end: last + 1 + OVERSCAN_ROWS,
    })
  }

  apply(patch: QueueWindowPatch): void {
    if (patch.view !== this.view || !this.range) return
    if (patch.start !== this.range.start || patch.end !== this.range.end) return
    if (!this.answered) {
      this.early.push(patch)
      return
    }
    const v = this.value
    const ids = patch.ids ?? v.ids
    const rows = new Map<string, QueueJob>()
    if (patch.ids) {
      for (const id of ids) {
        const held = v.rows.get(id)
        if (held) rows.set(id, held)
      }
    } else {
      for (const [id, row] of v.rows) rows.set(id, row)
    }
    for (const row of patch.rows) rows.set(row.id, row)
    this.set({ length: patch.length, start: patch.start, ids, rows })
  }

  private request(range: { start: number; end: number }): void {
    const wait = this.lastAskedAt + REQUEST_EVERY_MS - performance.now()
    if (this.inFlight || wait > 0) {
      this.wanted = range
      if (!this.inFlight && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null
          this.askWanted()
        }, wait)
      }
      return
    }
    this.inFlight = true
    this.lastAskedAt = performance.now()
    this.range = range
    this.answered = false
    this.early = []
    this.transport
      .watch({ view: this.view, filter: this.filter, ...range })
      .then(
        (snap) => {
          if (this.range !== range) return
          this.answered = true
          this.set({
            length: snap.length,
            start: snap.start,
            ids: snap.ids,
            rows: new Map(snap.rows.map((r) => [r.id, r])),
          })
          this.onTotals(snap.overall, snap.paused)
          const early = this.early
          this.early = []
          for (const p of early) this.apply(p)
        },
        (err: unknown) => {
          this.range = null
          this.onError(err)
        },
      )
      .finally(() => {
        this.inFlight = false
        this.askWanted()
      })
  }

  private askWanted(): void {
    const next = this.wanted
    this.wanted = null
    if (next) this.request(next)
  }
}

const transport: WindowTransport = {
  watch: async (range) => unwrap(upshot.watchQueue(range)),
}

export const queueTotals = new TotalsStore({ overall: EMPTY_OVERALL, paused: false })
const setTotals = (overall: Overall, paused: boolean): void => queueTotals.update(overall, paused)
const failed = (err: unknown): void => toast(messageOf(err), 'error')
/** The Queue view's list, and the Results view's (finished uploads only, filtered by the core). */
export const queueRows = new QueueWindowStore('queue', 'all', transport, setTotals, failed)
export const doneRows = new QueueWindowStore('done', 'done', transport, setTotals, failed)
const windows = [queueRows, doneRows]

/** The page (re)connects: every list asks for its range again. */
export function loadQueue(): void {
  for (const w of windows) w.reload()
}

export function applyQueuePatch(patch: QueuePatch): void {
  queueTotals.update(patch.overall, patch.paused)
  for (const p of patch.windows) for (const w of windows) w.apply(p)
}

export function useQueueTotals(): QueueTotals {
  return useSyncExternalStore(queueTotals.subscribe, queueTotals.get)
}

export function useQueueWindow(store: QueueWindowStore): WindowView {
  return useSyncExternalStore(store.subscribe, store.get)
}
