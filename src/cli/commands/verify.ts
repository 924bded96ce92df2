// `upshot verify [name]`: checks that every object the ledger says is on a destination and on
// its mirrors is there with the right size (and ETag where comparable); `--repair` copies back
// what is missing or wrong from an intact copy. Exit 1 when something is still wrong.

import type { Command } from 'commander'
import path from 'node:path'
import { Ledger } from '../../engine/ledger'
import { verifyDestination, type VerifyReport } from '../../engine/mirrors/verify'
import { defaultDataDir, localMetaDirFor } from '../../engine/paths'
import { createDestination } from '../../engine/storage'
import type { Destination } from '../../engine/types'
import { UpshotError } from '../../shared/jobs'
import { terminalText } from '../../shared/display-text'
import { EXIT_JOB_FAILED, EXIT_OK } from '../shared'
import { configOfLedgerDestination } from '../target'

interface VerifyOptions {
  dataDir?: string
  json?: boolean
  repair?: boolean
}

export function registerVerify(program: Command, setCode: (code: number) => void): void {
  program
    .command('verify')
    .description('check that the objects the ledger knows are on a destination and its mirrors')
    .argument('[name]', 'a saved destination; default: the default one')
    .option('--repair', 're-upload what is missing or wrong from a copy that is intact')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--json', 'print the report as JSON on stdout')
    .action(async (name: string | undefined, opts: VerifyOptions) => {
      setCode(await verifyCommand(name, opts))
    })
}

async function verifyCommand(name: string | undefined, opts: VerifyOptions): Promise<number> {
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir())
  const ledger = Ledger.open(dataDir)
  const made = new Map<string, Destination>()
  try {
    const wanted = name ?? ledger.defaultDestinationName()
    if (!wanted)
      throw new UpshotError(
        'CONFIG',
        'Name the destination to verify, or make one the default with `upshot dest default NAME`.',
      )
    const primary = ledger.destinationByName(wanted)
    if (!primary) throw new UpshotError('CONFIG', `No saved destination is named "${wanted}".`)
    const named = ledger.namedDestinations()
    const destination = (id: string): Destination => {
      let d = made.get(id)
      if (!d) {
        d = createDestination(configOfLedgerDestination(ledger, id), {
          metaDir: localMetaDirFor(dataDir),
          maxAttempts: 3,
        })
        made.set(id, d)
      }
      return d
    }
    const report = await verifyDestination({
      ledger,
      primaryId: primary.id,
      destination,
      nameOf: (id) => named.find((n) => n.id === id)?.name ?? id,
      repair: opts.repair === true,
      tmpDir: path.join(dataDir, 'mirror-tmp'),
    })
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    else printVerify(report)
    return report.ok ? EXIT_OK : EXIT_JOB_FAILED
  } finally {
    for (const d of made.values()) d.close()
    ledger.close()
  }
}

function printVerify(report: VerifyReport): void {
  for (const d of report.destinations) {
    const pending = d.pending ? `, ${d.pending} copies still pending` : ''
    const state = d.intact === d.checked ? 'intact' : `${d.checked - d.intact} not intact`
    process.stdout.write(
      `${d.role.padEnd(7)} ${terminalText(d.name)}: ${d.checked} objects checked, ${state}${pending}\n`,
    )
  }
  for (const i of report.issues) {
    const what =
      i.problem === 'size'
        ? `${i.foundBytes} bytes, not ${i.expectedBytes}`
        : i.problem === 'etag'
          ? 'different content (ETag)'
          : i.problem
    const outcome = i.repaired
      ? 'repaired'
      : i.error
        ? `${i.error.code}: ${terminalText(i.error.message)}`
        : 'run with --repair to copy it back'
    process.stdout.write(
      `  ${terminalText(i.destination)}: ${terminalText(i.key)}: ${what}; ${outcome}\n`,
    )
  }
  process.stdout.write(report.ok ? 'All copies intact.\n' : 'Some copies are not intact.\n')
}
