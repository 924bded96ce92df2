// Who holds a claim: `host/pid/nonce`, one per engine. A claim whose process is gone (same host,
// pid not alive, or an engine of this process that closed) is given back by `requeueStale`;
// elsewhere only its lease can tell.
import { randomUUID } from 'node:crypto'
import os from 'node:os'

const LIVE_OWNERS = new Set<string>()
const HOST = os.hostname()

/** How the claims of process `pid` on this machine begin in the ledger (`host/pid/`). */
export function ownerPrefix(pid: number): string {
  return `${HOST}/${pid}/`
}

export function ownerIsDead(owner: string): boolean {
  const [host, pidText] = owner.split('/')
  if (host !== HOST) return false // another machine: only its lease can tell
  const pid = Number(pidText)
  if (pid === process.pid) return !LIVE_OWNERS.has(owner)
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** A new owner for an engine of this process, alive until `endOwner`. */
export function newOwner(): string {
  const owner = `${ownerPrefix(process.pid)}${randomUUID().slice(0, 8)}`
  LIVE_OWNERS.add(owner)
  return owner
}

export function endOwner(owner: string): void {
  LIVE_OWNERS.delete(owner)
}
