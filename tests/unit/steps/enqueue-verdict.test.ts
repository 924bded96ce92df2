// Step 1 (enqueue) alone, and the scheduler's retry policy: what a failure makes of a job.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineEvent } from '../../../src/engine/api'
import { verdictFor } from '../../../src/engine/scheduler/verdict'
import { UpshotError } from '../../../src/shared/jobs'
import { stepWorld, type StepWorld } from './harness'

const worlds: StepWorld[] = []
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close()
})

describe('step 1, enqueue', () => {
  it('records a queued row per file found, a failed row per input that cannot be read, and announces each', async () => {
    const w = stepWorld()
    worlds.push(w)
    const folder = path.join(w.root, 'in')
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true })
    fs.writeFileSync(path.join(folder, 'a.txt'), 'a')
    fs.writeFileSync(path.join(folder, 'sub', 'b.txt'), 'b')
    const seen: EngineEvent[] = []
    w.events.on((e) => seen.push(e))
    const rows = await w.enqueue([folder, path.join(w.root, 'missing.jpg')])
    expect(rows.map((r) => [path.basename(r.source), r.state, r.error_code])).toEqual([
      ['a.txt', 'queued', null],
      ['b.txt', 'queued', null],
      ['missing.jpg', 'failed', 'NOT_FOUND'],
    ])
    // One batch, one destination, the preset's fingerprint: what dedup and twins compare.
    expect(new Set(rows.map((r) => r.batch_id)).size).toBe(1)
    expect(rows.every((r) => r.preset === 'tiny' && r.preset_fp.length > 0)).toBe(true)
    expect(w.ledger.destinationConfig(rows[0]!.destination_id)).toEqual(w.config)
    const jobEvents = seen.filter((e) => e.type === 'job')
    expect(jobEvents.map((e) => e.type === 'job' && e.state)).toEqual([
      'queued',
      'queued',
      'failed',
    ])
  })
})

describe('the scheduler’s verdict', () => {
  const policy = { maxJobAttempts: 4, maxNetworkAttempts: 40 }
  const half = (): number => 0

  it('stops the destination on a failure no retry can fix', () => {
    const v = verdictFor(new UpshotError('NO_SUCH_BUCKET', 'no bucket'), 1, true, policy)
    expect(v).toMatchObject({ kind: 'stop-destination', error: { code: 'NO_SUCH_BUCKET' } })
  })

  it('a network error from a destination that never answered is a wrong endpoint; from one that did, a wait', () => {
    const net = new UpshotError('NETWORK', 'unreachable', { retryable: true })
    expect(verdictFor(net, 1, false, policy).kind).toBe('stop-destination')
    const v = verdictFor(net, 3, true, policy, half)
    expect(v).toMatchObject({ kind: 'retry', delayMs: 4000 })
    expect(verdictFor(net, 40, true, policy).kind).toBe('fail')
  })

  it('retries a passing failure with capped backoff until its attempts run out', () => {
    const slow = new UpshotError('SERVER_ERROR', 'slow down', { retryable: true })
    expect(verdictFor(slow, 1, true, policy, half)).toMatchObject({ kind: 'retry', delayMs: 1000 })
    expect(verdictFor(slow, 4, true, policy).kind).toBe('fail')
    expect(verdictFor(new UpshotError('PIXEL_LIMIT', 'too big'), 1, true, policy).kind).toBe('fail')
  })
})
