// Dedup from a twin in flight: a job with the same content, preset and destination still under
// way (the app and a CLI given the same files) is waited for, so the objects are uploaded once
// and the later job reuses them (ledger/twins.ts decides who is ahead).
import { deferToTwin, twinAhead } from '../../ledger/twins'
import type { ProcessContext } from '../context'
import { reuseFromLedger } from './from-ledger'

/**
 * Whether a twin is ahead (or, with `orDone`, has finished meanwhile): then this job steps back
 * to `queued`, with no attempt spent, and reuses the twin's objects when it comes back.
 */
export function waitForTwin(
  ctx: Pick<ProcessContext, 'row' | 'owner' | 'ledger' | 'staging'>,
  sha256: string,
  orDone = false,
): boolean {
  const { row, ledger } = ctx
  const ahead =
    twinAhead(ledger.db, row, sha256) || (orDone && reuseFromLedger(ctx, sha256) !== null)
  if (!ahead) return false
  deferToTwin(ledger.db, row.id, ctx.owner, Date.now() + 500 + Math.random() * 500)
  ctx.staging.clean(row.id)
  return true
}
