// Keeps this process's claims alive: their leases are renewed a few times per lease. A renewal
// the ledger refuses (another process holds the write lock, the disk is full) is noted, never
// thrown from the timer; when renewals keep failing until most of the lease is gone, the steps
// under way are stopped so their claims are given back instead of lapsing under them.
import type { Ledger } from '.'
import type { LedgerHealth } from './health'

export interface LeaseRenewal {
  stop(): void
}

export function renewLeases(opts: {
  ledger: Ledger
  owner: string
  leaseMs: number
  health: LedgerHealth
  /** The claims may lapse (or the ledger failed): stop the steps that hold them. */
  onLost(): void
}): LeaseRenewal {
  const { ledger, owner, leaseMs, health } = opts
  let renewedAt = Date.now()
  const timer = setInterval(
    () => {
      const renewed = health.guard('renewing claims', () => {
        ledger.renewLeases(owner, leaseMs)
        return true
      })
      if (renewed) {
        renewedAt = Date.now()
        return
      }
      // Another attempt may still come in time while a third of the lease is left.
      if (health.failed || Date.now() - renewedAt > (leaseMs * 2) / 3) opts.onLost()
    },
    Math.max(1000, leaseMs / 3),
  )
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
