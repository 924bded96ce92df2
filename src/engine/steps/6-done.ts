// 6. done: the job's last transition (its last object, the multi-output commit, or a dedup
// reuse) is written; its bytes count in full and its working files go. The links are its
// outputs' URLs, presigned afresh for a private destination when they are handed out (links.ts).
import type { JobRow } from '../ledger'
import type { StepEnd } from '../scheduler'
import type { JobContext } from './context'

export function done(ctx: Pick<JobContext, 'row' | 'progress' | 'staging'>, row?: JobRow): StepEnd {
  ctx.progress.finish()
  ctx.staging.clean(ctx.row.id)
  return row ? { row } : {}
}
