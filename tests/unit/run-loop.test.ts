// The run loop alone (engine/scheduler/run-loop.ts), with drives the test ends by hand: how many
// jobs it drives at once, in what order, what it does with a job given twice or one that has to
// wait for a time, and when it says it is idle. The loop on the real engine and ledger is tested
// through the app's core (tests/e2e/app-run-loop.test.ts).
import { describe, expect, it } from 'vitest'
import { RunLoop, type DriveEnd } from '../../src/engine/scheduler/run-loop'

interface Drive {
  id: string
  end(result?: DriveEnd): void
}

function harness(width: number) {
  const drives: Drive[] = []
  const started: string[] = []
  let idles = 0
  const loop = new RunLoop({
    width,
    drive: (id) =>
      new Promise<DriveEnd>((resolve) => {
        started.push(id)
        drives.push({ id, end: resolve })
      }),
    onIdle: () => idles++,
  })
  /** Ends the oldest drive of `id` still open. */
  async function end(id: string, result?: DriveEnd): Promise<void> {
    const i = drives.findIndex((d) => d.id === id)
    if (i < 0) throw new Error(`${id} is not being driven`)
    drives.splice(i, 1)[0]!.end(result)
    await new Promise((r) => setImmediate(r))
  }
  return { loop, drives, started, end, idles: () => idles }
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `job-${from + i}`)

describe('RunLoop', () => {
  it('drives at most `width` jobs at once, in the order given, and pulls the next as one ends', async () => {
    const h = harness(3)
    h.loop.add(ids(10_000))
    expect(h.started).toEqual(['job-0', 'job-1', 'job-2'])
    expect(h.loop.running).toBe(3)
    expect(h.loop.size).toBe(10_000)
    await h.end('job-1')
    expect(h.started).toEqual(['job-0', 'job-1', 'job-2', 'job-3'])
    // Draining the whole queue never drives more than three at once.
    let most = 0
    while (h.drives.length > 0) {
      most = Math.max(most, h.loop.running)
      await h.end(h.drives[0]!.id)
    }
    expect(most).toBe(3)
    expect(h.started).toEqual(ids(10_000))
    expect(h.loop.size).toBe(0)
    expect(h.idles()).toBe(1)
  })

  it('drives a job given again while it runs once more after it ends, never twice at once', async () => {
    const h = harness(2)
    h.loop.add(['a'])
    h.loop.add(['a']) // resumed while the drive that saw the pause is still winding down
    expect(h.started).toEqual(['a'])
    await h.end('a')
    expect(h.started).toEqual(['a', 'a'])
    expect(h.loop.running).toBe(1)
    await h.end('a')
    expect(h.loop.idle).toBe(true)
  })

  it('asks a job that has to wait again at its time, before the jobs still waiting', async () => {
    const h = harness(1)
    h.loop.add(['retry', 'b', 'c'])
    await h.end('retry', { laterAt: Date.now() + 80 })
    expect(h.started).toEqual(['retry', 'b'])
    expect(h.loop.size).toBe(3) // b running, c waiting, retry waiting for its time
    await new Promise((r) => setTimeout(r, 120))
    await h.end('b')
    // Its time came while b ran: it goes before c.
    expect(h.started).toEqual(['retry', 'b', 'retry'])
    await h.end('retry')
    await h.end('c')
    expect(h.loop.idle).toBe(true)
  })

  it('resolves whenIdle once everything has ended, and tells onIdle once per busy spell', async () => {
    const h = harness(4)
    await h.loop.whenIdle() // idle from the start
    h.loop.add(['x', 'y'])
    let idle = false
    void h.loop.whenIdle().then(() => (idle = true))
    await h.end('x')
    expect(idle).toBe(false)
    await h.end('y')
    expect(idle).toBe(true)
    expect(h.idles()).toBe(1)
    h.loop.add(['z'])
    await h.end('z')
    expect(h.idles()).toBe(2)
  })

  it('stops pulling when closed: nothing waiting starts, and the drives under way end on their own', async () => {
    const h = harness(2)
    h.loop.add(ids(5))
    const idle = h.loop.whenIdle()
    await h.loop.close()
    await idle
    await h.end('job-0')
    await h.end('job-1')
    expect(h.started).toEqual(['job-0', 'job-1'])
    h.loop.add(['late'])
    expect(h.started).toEqual(['job-0', 'job-1'])
  })

  it('keeps going after a drive throws', async () => {
    const errors: unknown[] = []
    let n = 0
    const loop = new RunLoop({
      width: 1,
      drive: async (id) => {
        n++
        if (id === 'bad') throw new Error('boom')
      },
      onError: (e) => errors.push(e),
    })
    loop.add(['bad', 'good'])
    await loop.whenIdle()
    expect(n).toBe(2)
    expect(errors).toHaveLength(1)
  })
})
