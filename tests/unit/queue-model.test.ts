import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { QueuePatch } from '../../src/shared/api'
import { QueueModel, type NewQueueJob } from '../../src/core/queue-model'
import { MAX_WINDOWS } from '../../src/core/queue-window'

function job(n: number): NewQueueJob {
  return {
    id: `j${n}`,
    source: `/photos/${n}.jpg`,
    state: 'queued',
    error: null,
    deduplicated: false,
    sourceBytes: null,
    destinationName: 'Local folder',
    createdAt: 0,
  }
}

describe('QueueModel patches', () => {
  let sent: QueuePatch[]
  let model: QueueModel
  beforeEach(() => {
    vi.useFakeTimers()
    sent = []
    model = new QueueModel((p) => sent.push(p), 250)
  })
  afterEach(() => {
    model.close()
    vi.useRealTimers()
  })

  it('sends the first change after a quiet interval on the next turn, not an interval later', async () => {
    for (let i = 0; i < 100; i++) model.add(job(i))
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.added).toHaveLength(100)
  })

  it('coalesces a busy queue to one patch per interval, every change in one of them', async () => {
    for (let i = 0; i < 10; i++) model.add(job(i))
    model.watch({ view: 'w', filter: 'all', start: 0, end: 10 })
    await vi.advanceTimersByTimeAsync(0)
    // 2 seconds of progress ticks every 5 ms on every job.
    for (let t = 0; t < 2000; t += 5) {
      for (let i = 0; i < 10; i++) model.setProgress(`j${i}`, t, 2000)
      await vi.advanceTimersByTimeAsync(5)
    }
    await vi.advanceTimersByTimeAsync(250)
    expect(sent.length).toBeGreaterThanOrEqual(8)
    expect(sent.length).toBeLessThanOrEqual(10)
    expect(sent.at(-1)!.windows[0]!.rows.find((j) => j.id === 'j3')!.bytesDone).toBe(1995)
  })

  it('does not hold a drop’s first rows behind the "adding" patch sent just before', async () => {
    model.setAdding(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.overall.adding).toBe(true)
    await vi.advanceTimersByTimeAsync(20)
    for (let i = 0; i < 100; i++) model.add(job(i))
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toHaveLength(2)
    expect(sent[1]!.added).toHaveLength(100)
    // The next page waits for the interval.
    for (let i = 100; i < 200; i++) model.add(job(i))
    await vi.advanceTimersByTimeAsync(100)
    expect(sent).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(250)
    expect(sent).toHaveLength(3)
    expect(sent[2]!.added).toHaveLength(100)
  })
})

describe('QueueModel windows: a window holds its range of the queue, plus counts', () => {
  let sent: QueuePatch[]
  let model: QueueModel
  beforeEach(() => {
    vi.useFakeTimers()
    sent = []
    model = new QueueModel((p) => sent.push(p), 250)
    for (let i = 0; i < 1000; i++) model.add(job(i))
    model.flush()
    sent = []
  })
  afterEach(() => {
    model.close()
    vi.useRealTimers()
  })

  const names = (n: number, m: number): string[] =>
    Array.from({ length: m - n }, (_, i) => `j${n + i}`)

  async function nextPatch(): Promise<QueuePatch> {
    sent = []
    await vi.advanceTimersByTimeAsync(300)
    expect(sent).toHaveLength(1)
    return sent[0]!
  }

  it('answers watchQueue with the rows of the range only, with the counts of the whole queue', () => {
    const snap = model.watch({ view: 'w', filter: 'all', start: 400, end: 450 })
    expect(snap.ids).toEqual(names(400, 450))
    expect(snap.rows.map((r) => r.id)).toEqual(names(400, 450))
    expect(snap.length).toBe(1000)
    expect(snap.overall.counts.queued).toBe(1000)
  })

  it('patches the rows of the range that changed, and sends nothing of the rows outside it', async () => {
    model.watch({ view: 'w', filter: 'all', start: 400, end: 450 })
    model.setProgress('j410', 50, 100)
    model.setProgress('j900', 50, 100)
    model.setState('j10', 'failed', { code: 'UNREADABLE', message: 'gone' }, false)
    const p = await nextPatch()
    expect(p.windows).toHaveLength(1)
    expect(p.windows[0]!.rows.map((r) => r.id)).toEqual(['j410'])
    expect(p.windows[0]!.ids).toBeUndefined() // the range's ids did not move
    expect(JSON.stringify(p)).not.toContain('j900')
    expect(p.overall.counts.failed).toBe(1)
    expect(p.overall.counts.queued).toBe(999)
  })

  it('sends nothing for a window whose range did not change while rows elsewhere did', async () => {
    model.watch({ view: 'w', filter: 'all', start: 0, end: 10 })
    model.setProgress('j500', 1, 2)
    const p = await nextPatch()
    expect(p.windows).toEqual([])
  })

  it('moves a window: the new range is its snapshot, and patches follow the new range only', async () => {
    model.watch({ view: 'w', filter: 'all', start: 0, end: 100 })
    const moved = model.watch({ view: 'w', filter: 'all', start: 700, end: 800 })
    expect(moved.rows.map((r) => r.id)).toEqual(names(700, 800))
    model.setProgress('j50', 1, 2)
    model.setProgress('j750', 1, 2)
    const p = await nextPatch()
    expect(p.windows.map((w) => [w.start, w.rows.map((r) => r.id)])).toEqual([[700, ['j750']]])
  })

  it('sends rows added inside the range, and the new length to every window', async () => {
    model.watch({ view: 'end', filter: 'all', start: 950, end: 1100 })
    model.watch({ view: 'top', filter: 'all', start: 0, end: 50 })
    for (let i = 1000; i < 1200; i++) model.add(job(i))
    const p = await nextPatch()
    expect(p.added).toHaveLength(200)
    const end = p.windows.find((w) => w.view === 'end')!
    expect(end.length).toBe(1200)
    expect(end.ids).toEqual(names(950, 1100))
    expect(end.rows.map((r) => r.id)).toEqual(names(1000, 1100))
    const top = p.windows.find((w) => w.view === 'top')!
    expect(top).toEqual({
      view: 'top',
      filter: 'all',
      start: 0,
      end: 50,
      length: 1200,
      rows: [],
    })
  })

  it('shifts a range when finished rows before it are cleared: the rows that slid in are sent', async () => {
    for (let i = 0; i < 100; i++) model.setState(`j${i}`, 'done', null, false)
    model.flush()
    model.watch({ view: 'w', filter: 'all', start: 0, end: 20 })
    model.removeFinished()
    const p = await nextPatch()
    expect(p.removed).toHaveLength(100)
    const w = p.windows[0]!
    expect(w.length).toBe(900)
    expect(w.ids).toEqual(names(100, 120))
    expect(w.rows.map((r) => r.id)).toEqual(names(100, 120))
    expect(p.overall.counts.done).toBe(0)
  })

  it('filters in the core: a "done" window lists the finished uploads in queue order', async () => {
    for (const i of [5, 700, 3]) model.setState(`j${i}`, 'done', null, false)
    model.flush()
    const snap = model.watch({ view: 'r', filter: 'done', start: 0, end: 100 })
    expect(snap.ids).toEqual(['j3', 'j5', 'j700'])
    expect(snap.length).toBe(3)
    model.setState('j4', 'done', null, false)
    model.setProgress('j600', 1, 2) // queued: not in the window
    const p = await nextPatch()
    expect(p.windows[0]!.ids).toEqual(['j3', 'j4', 'j5', 'j700'])
    expect(p.windows[0]!.rows.map((r) => r.id)).toEqual(['j4'])
    expect(p.windows[0]!.length).toBe(4)
  })

  it('answers "all failed" by state over the whole queue, not the rows a window holds', () => {
    model.watch({ view: 'w', filter: 'all', start: 0, end: 10 })
    for (const i of [3, 500, 999]) model.setState(`j${i}`, 'failed', null, false)
    model.setState('j600', 'canceled', null, false)
    expect(model.idsIn(['failed', 'canceled'])).toEqual(['j3', 'j500', 'j600', 'j999'])
  })

  it('forgets the window that asked longest ago past MAX_WINDOWS', async () => {
    for (let v = 0; v <= MAX_WINDOWS; v++)
      model.watch({ view: `v${v}`, filter: 'all', start: 0, end: 1 })
    model.setProgress('j0', 1, 2)
    const p = await nextPatch()
    expect(p.windows.map((w) => w.view)).not.toContain('v0')
    expect(p.windows).toHaveLength(MAX_WINDOWS)
  })
})
