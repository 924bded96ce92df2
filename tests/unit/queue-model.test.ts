import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { QueuePatch } from '../../src/shared/api'
import { QueueModel, type NewQueueJob } from '../../src/core/queue-model'

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
    expect(sent[0]!.upserts).toHaveLength(100)
  })

  it('coalesces a busy queue to one patch per interval, every change in one of them', async () => {
    for (let i = 0; i < 10; i++) model.add(job(i))
    await vi.advanceTimersByTimeAsync(0)
    // 2 seconds of progress ticks every 5 ms on every job.
    for (let t = 0; t < 2000; t += 5) {
      for (let i = 0; i < 10; i++) model.setProgress(`j${i}`, t, 2000)
      await vi.advanceTimersByTimeAsync(5)
    }
    await vi.advanceTimersByTimeAsync(250)
    expect(sent.length).toBeGreaterThanOrEqual(8)
    expect(sent.length).toBeLessThanOrEqual(10)
    expect(sent.at(-1)!.upserts.find((j) => j.id === 'j3')!.bytesDone).toBe(1995)
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
    expect(sent[1]!.upserts).toHaveLength(100)
    // The next page waits for the interval.
    for (let i = 100; i < 200; i++) model.add(job(i))
    await vi.advanceTimersByTimeAsync(100)
    expect(sent).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(250)
    expect(sent).toHaveLength(3)
    expect(sent[2]!.upserts).toHaveLength(100)
  })
})
