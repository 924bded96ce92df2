// Row: sync re-scan of 50,000 unchanged files against rclone. Measured only once `upshot sync`
// exists; until then the row says so.
import { run } from '../lib/proc.mjs'
import { UPSHOT_BIN } from '../lib/upshot.mjs'

export async function syncAvailable() {
  const r = await run(process.execPath, [UPSHOT_BIN, 'sync', '--help'])
  return r.code === 0 && /sync/i.test(r.stdout)
}

export async function syncRow() {
  const available = await syncAvailable()
  return {
    id: 'sync',
    cells: {
      what: 'Sync re-scan of 50,000 unchanged files',
      upshot: available
        ? 'not yet measured: `upshot sync` exists, its benchmark is not written yet'
        : 'not yet measurable: `upshot sync` is not built',
      peer: 'rclone `check` / `sync --dry-run` on the same tree',
      ratio: '—',
      goal: 'faster than rclone',
      verdict: 'not measured',
    },
    details: [],
    raw: { available },
  }
}
