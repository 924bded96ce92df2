// `upshot delete JOB...`: the history's Delete from the command line. Each upload's record is
// deleted, its objects leave the bucket unless something else uses them (engine/references), and
// the CDN in front of the bucket is purged of what left (engine/cdn).

import type { Command } from 'commander'
import { describePurge, mergePurges } from '../../engine/cdn/purge-queue'
import { Ledger } from '../../engine/ledger'
import { defaultDataDir, localMetaDirFor } from '../../engine/paths'
import { deleteRecords } from '../../engine/references'
import { createDestination } from '../../engine/storage'
import { EXIT_JOB_FAILED, EXIT_OK, EXIT_USAGE } from '../shared'
import { configOfLedgerDestination } from '../target'

interface DeleteOptions {
  dataDir?: string
  json?: boolean
}

export function registerDelete(program: Command, setCode: (code: number) => void): void {
  program
    .command('delete')
    .description('delete uploads (job ids from `upshot jobs --all`) from the bucket and its CDN')
    .argument('<job...>', 'job ids')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--json', 'print JSON on stdout')
    .action(async (ids: string[], opts: DeleteOptions) => {
      setCode(await deleteCommand(ids, opts))
    })
}

async function deleteCommand(ids: string[], opts: DeleteOptions): Promise<number> {
  const dataDir = opts.dataDir ?? defaultDataDir()
  const ledger = Ledger.open(dataDir)
  try {
    const unknown = ids.filter((id) => !ledger.job(id))
    if (unknown.length > 0) {
      process.stderr.write(
        `upshot: No upload has the id ${unknown[0]}; \`upshot jobs --all\` lists them.\n`,
      )
      return EXIT_USAGE
    }
    const result = await deleteRecords(ledger, ids, (destinationId) =>
      createDestination(configOfLedgerDestination(ledger, destinationId), {
        maxAttempts: 3,
        metaDir: localMetaDirFor(dataDir),
      }),
    )
    const purge = mergePurges(result.purges)
    const sentence = purge ? describePurge(result.deleted, purge) : null
    if (opts.json) {
      process.stdout.write(JSON.stringify({ ...result, purge: sentence }, null, 2) + '\n')
    } else {
      process.stdout.write(
        `Deleted ${result.deleted} object${result.deleted === 1 ? '' : 's'}` +
          (result.kept.length > 0
            ? `; ${result.kept.length} stay${result.kept.length === 1 ? 's' : ''} in the bucket (something else links to them)`
            : '') +
          '.\n',
      )
      if (sentence) process.stdout.write(sentence + '\n')
      for (const f of result.failures) process.stderr.write(`upshot: ${f.id}: ${f.error.message}\n`)
    }
    return result.failures.length > 0 || (purge?.pending.length ?? 0) > 0
      ? EXIT_JOB_FAILED
      : EXIT_OK
  } finally {
    ledger.close()
  }
}
