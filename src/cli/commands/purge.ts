// `upshot purge`: the CDN purges still owed (deleted objects whose public URLs the CDN has not
// accepted a purge for yet), tried again now; `--list` only shows them.

import type { Command } from 'commander'
import { CDN_LABELS } from '../../engine/cdn/types'
import { destinationsOwingPurges, flushPurges, pendingPurges } from '../../engine/cdn/purge-queue'
import { Ledger } from '../../engine/ledger'
import { defaultDataDir, localMetaDirFor } from '../../engine/paths'
import { createDestination } from '../../engine/storage'
import { terminalText } from '../../shared/display-text'
import { EXIT_JOB_FAILED, EXIT_OK } from '../shared'
import { configOfLedgerDestination } from '../target'

interface PurgeOptions {
  dataDir?: string
  json?: boolean
  list?: boolean
}

export function registerPurge(program: Command, setCode: (code: number) => void): void {
  program
    .command('purge')
    .description('send the CDN purges that failed before (deleted objects still cached)')
    .option('--list', 'only list them')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--json', 'print JSON on stdout')
    .action(async (opts: PurgeOptions) => {
      setCode(await purgeCommand(opts))
    })
}

async function purgeCommand(opts: PurgeOptions): Promise<number> {
  const dataDir = opts.dataDir ?? defaultDataDir()
  const ledger = Ledger.open(dataDir)
  try {
    const purged: string[] = []
    if (!opts.list) {
      for (const id of destinationsOwingPurges(ledger)) {
        let dest
        try {
          dest = createDestination(configOfLedgerDestination(ledger, id), {
            maxAttempts: 3,
            metaDir: localMetaDirFor(dataDir),
          })
        } catch {
          continue // its failure stays recorded with the purge
        }
        try {
          purged.push(...(await flushPurges(ledger, dest, id, { force: true })).purged)
        } finally {
          dest.close()
        }
      }
    }
    const pending = pendingPurges(ledger)
    if (opts.json) {
      process.stdout.write(JSON.stringify({ purged, pending }, null, 2) + '\n')
    } else {
      if (purged.length > 0)
        process.stdout.write(
          `Purged ${purged.length} URL${purged.length === 1 ? '' : 's'} from the CDN.\n`,
        )
      if (pending.length === 0) process.stdout.write('No CDN purge is pending.\n')
      for (const p of pending) {
        process.stdout.write(
          `pending  ${CDN_LABELS[p.cdn]}  ${terminalText(p.url)}  (${p.attempts} tr${p.attempts === 1 ? 'y' : 'ies'}${p.error ? `; ${p.error.code}: ${p.error.message}` : ''})\n`,
        )
      }
    }
    return pending.length > 0 ? EXIT_JOB_FAILED : EXIT_OK
  } finally {
    ledger.close()
  }
}
