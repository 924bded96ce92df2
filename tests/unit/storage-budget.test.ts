// The in-flight byte budget every upload of a destination shares: first come first served, and a
// paused upload leaves the queue at once instead of holding its place.
import { describe, expect, it } from 'vitest'
import { ByteBudget } from '../../src/engine/storage/budget'

describe('byte budget', () => {
  it('serves waiters in order and lets one leave on abort', async () => {
    const budget = new ByteBudget(10)
    const order: string[] = []
    const releaseA = await budget.acquire(6)
    const b = budget.acquire(6).then((release) => {
      order.push('b')
      return release
    })
    const ctl = new AbortController()
    const c = budget.acquire(3, ctl.signal).catch((e: unknown) => {
      order.push('c aborted')
      throw e
    })
    const d = budget.acquire(4).then((release) => {
      order.push('d')
      return release
    })
    await new Promise((r) => setTimeout(r, 10))
    // b does not fit, and nobody overtakes it although c and d would fit.
    expect(order).toEqual([])
    expect(budget.inUse).toBe(6)
    ctl.abort()
    await expect(c).rejects.toMatchObject({ code: 'CANCELED' })
    releaseA()
    const releaseB = await b
    const releaseD = await d
    expect(order).toEqual(['c aborted', 'b', 'd'])
    expect(budget.inUse).toBe(10)
    releaseB()
    releaseB() // a second release is harmless
    releaseD()
    expect(budget.inUse).toBe(0)
  })

  it('refuses at once when the signal is already aborted', async () => {
    const budget = new ByteBudget(10)
    const ctl = new AbortController()
    ctl.abort()
    await expect(budget.acquire(1, ctl.signal)).rejects.toMatchObject({ code: 'CANCELED' })
    expect(budget.inUse).toBe(0)
  })
})
