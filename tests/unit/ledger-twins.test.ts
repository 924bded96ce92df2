import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Ledger } from '../../src/engine/ledger'
import { deferToTwin, twinAhead } from '../../src/engine/ledger/twins'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const SHA = 'a'.repeat(64)

function twins(): Ledger {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-twins-'))
  dirs.push(dir)
  const ledger = Ledger.open(dir)
  ledger.upsertDestination('file:/tmp/x', { kind: 'local', dir: '/tmp/x', prefix: '' })
  ledger.enqueue(
    ['a', 'b'].map((id) => ({
      id,
      batchId: 'b1',
      source: `/photos/${id}.jpg`,
      destinationId: 'file:/tmp/x',
      preset: 'web',
      presetFp: 'fp1',
    })),
  )
  for (const id of ['a', 'b']) {
    expect(ledger.claim(id, `owner-${id}`, 60_000)).toBe('processing')
    ledger.recordSource(id, `owner-${id}`, { size: 1, mtimeMs: 0, sha256: SHA, sourceType: 'jpeg' })
  }
  return ledger
}

describe('twins: same content, preset and destination', () => {
  it('exactly one of two processing twins waits for the other, whatever the timing', () => {
    const ledger = twins()
    try {
      const [a, b] = [ledger.job('a')!, ledger.job('b')!]
      const waits = [twinAhead(ledger.db, a, SHA), twinAhead(ledger.db, b, SHA)]
      expect(waits.filter(Boolean)).toHaveLength(1)
    } finally {
      ledger.close()
    }
  })

  it('the one that waits goes back to queued without spending an attempt; a lapsed lease is not waited for', () => {
    const ledger = twins()
    try {
      const [a, b] = [ledger.job('a')!, ledger.job('b')!]
      const waiter = twinAhead(ledger.db, a, SHA) ? a : b
      const other = waiter === a ? b : a
      expect(deferToTwin(ledger.db, waiter.id, `owner-${waiter.id}`, Date.now() + 1000)).toBe(true)
      const after = ledger.job(waiter.id)!
      expect(after.state).toBe('queued')
      expect(after.attempts).toBe(0)
      expect(after.owner).toBeNull()
      // The twin ahead stops renewing its lease (its process died): nobody waits for it.
      ledger.db.prepare('UPDATE jobs SET lease_until = 0 WHERE id = ?').run(other.id)
      expect(twinAhead(ledger.db, waiter, SHA)).toBe(false)
    } finally {
      ledger.close()
    }
  })
})
