// Holds a ledger's write lock from a real second process (ledger-lock-holder.mjs), as another Upshot
// writing to the same data directory would, for as long as a test wants.
import { spawn } from 'node:child_process'
import path from 'node:path'

export interface LedgerLock {
  /** Lets go of the lock and waits for the process to end. */
  release(): Promise<void>
}

export async function lockLedger(ledgerFile: string): Promise<LedgerLock> {
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'ledger-lock-holder.mjs'), ledgerFile],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (out.includes('locked\n')) resolve()
    }
    child.stdout.on('data', check)
    void exited.then((code) => reject(new Error(`ledger-lock exited (${code}): ${err}`)))
  })
  return {
    async release() {
      child.stdin.end('release\n')
      const code = await exited
      if (code !== 0) throw new Error(`ledger-lock ended with ${code}: ${err}`)
    },
  }
}
