// `upshot ls [name] [prefix]`: what is in a destination, page by page (ListObjectsV2), folders
// by `/`; `--orphans`: objects under Upshot's key shape no record here knows, with their total
// size and the unfinished multipart uploads, and `--adopt` / `--delete` for them.

import type { Command } from 'commander'
import { UpshotError } from '../../shared/jobs'
import { adoptOrphans } from '../../engine/browse/adopt'
import { createLister, fullPrefix, type BucketObject } from '../../engine/browse/listing'
import { findOrphans } from '../../engine/browse/orphans'
import { openUploads } from '../../engine/browse/uploads'
import { describePurge } from '../../engine/cdn/purge-queue'
import { Ledger } from '../../engine/ledger'
import { defaultDataDir, localMetaDirFor } from '../../engine/paths'
import { deleteOrphanObjects } from '../../engine/references'
import { createDestination } from '../../engine/storage'
import { terminalText } from '../../shared/display-text'
import { EXIT_JOB_FAILED, EXIT_OK } from '../shared'
import { resolveDestination } from '../target'
import { formatBytes } from '../units'
import { ledgerIdOf } from './dest'

interface LsOptions {
  dataDir?: string
  json?: boolean
  orphans?: boolean
  adopt?: boolean
  delete?: boolean
  recursive?: boolean
}

export function registerLs(program: Command, setCode: (code: number) => void): void {
  program
    .command('ls')
    .description("list a destination's objects (folders by /), or its orphans")
    .argument('[name]', 'saved destination (default: the default one)')
    .argument('[prefix]', 'folder or name prefix inside the destination')
    .option('-r, --recursive', 'every object under the prefix, not folder by folder')
    .option('--orphans', 'objects under Upshot key shapes that no record here knows')
    .option('--adopt', 'with --orphans: add them to the history (from their metadata)')
    .option('--delete', 'with --orphans: delete them (and purge the CDN)')
    .option(
      '--data-dir <dir>',
      'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
    )
    .option('--json', 'print JSON on stdout')
    .action(async (name: string | undefined, prefix: string | undefined, opts: LsOptions) => {
      setCode(await lsCommand(name, prefix, opts))
    })
}

async function lsCommand(
  nameArg: string | undefined,
  prefixArg: string | undefined,
  opts: LsOptions,
): Promise<number> {
  if ((opts.adopt || opts.delete) && !opts.orphans)
    throw new UpshotError('CONFIG', '--adopt and --delete act on orphans: add --orphans.')
  if (opts.adopt && opts.delete)
    throw new UpshotError('CONFIG', 'Give --adopt or --delete, not both.')
  const dataDir = opts.dataDir ?? defaultDataDir()
  const ledger = Ledger.open(dataDir)
  try {
    // One argument is a saved name if there is one by that name, else a prefix.
    let name = nameArg
    let prefix = prefixArg ?? ''
    if (name !== undefined && prefixArg === undefined && !ledger.destinationByName(name)) {
      prefix = name
      name = undefined
    }
    const { config } = resolveDestination(name ? { to: name } : {}, { dataDir, ledger })
    const destinationId = ledgerIdOf(config)
    if (opts.orphans)
      return await orphansCommand(ledger, config, destinationId, prefix, dataDir, opts)

    const lister = createLister(config)
    const folders: string[] = []
    const objects: BucketObject[] = []
    try {
      let next: string | null = null
      do {
        const page = await lister.page({ prefix, delimiter: !opts.recursive, next })
        folders.push(...page.folders)
        objects.push(...page.objects)
        if (!opts.json) {
          for (const f of page.folders)
            process.stdout.write(`${'DIR'.padStart(10)}  ${' '.repeat(16)}  ${terminalText(f)}\n`)
          for (const o of page.objects) process.stdout.write(line(o))
        }
        next = page.next
      } while (next !== null)
    } finally {
      lister.close()
    }
    if (opts.json) {
      process.stdout.write(
        JSON.stringify(
          { prefix: fullPrefix(config, prefix), folders, objects: objects.map(view) },
          null,
          2,
        ) + '\n',
      )
    } else {
      const bytes = objects.reduce((n, o) => n + o.size, 0)
      process.stdout.write(
        `${objects.length} object${objects.length === 1 ? '' : 's'}, ${formatBytes(bytes)}` +
          (folders.length ? `, ${folders.length} folder${folders.length === 1 ? '' : 's'}` : '') +
          '\n',
      )
    }
    return EXIT_OK
  } finally {
    ledger.close()
  }
}

async function orphansCommand(
  ledger: Ledger,
  config: Parameters<typeof createLister>[0],
  destinationId: string,
  prefix: string,
  dataDir: string,
  opts: LsOptions,
): Promise<number> {
  const scan = await findOrphans(ledger, config, destinationId, { prefix })
  let uploads: Awaited<ReturnType<typeof openUploads>> = null
  let uploadsError: string | null = null
  try {
    uploads = await openUploads(config)
  } catch (err) {
    uploadsError = err instanceof Error ? err.message : String(err)
  }
  const now = Date.now()
  let action: Record<string, unknown> | null = null
  let failed = false
  if ((opts.adopt || opts.delete) && scan.orphans.length > 0) {
    const dest = createDestination(config, { maxAttempts: 3, metaDir: localMetaDirFor(dataDir) })
    try {
      ledger.upsertDestination(destinationId, config)
      const keys = scan.orphans.map((o) => o.key)
      if (opts.adopt) {
        const adopted = await adoptOrphans(ledger, dest, destinationId, keys)
        action = { adopted }
      } else {
        const r = await deleteOrphanObjects(ledger, dest, destinationId, keys)
        failed = r.failed.length > 0 || r.purge.pending.length > 0
        action = {
          deleted: r.deleted,
          kept: r.kept,
          failed: r.failed,
          purge: r.purge,
          purgeSummary: describePurge(r.deleted.length, r.purge),
        }
      }
    } finally {
      dest.close()
    }
  }
  if (opts.json) {
    process.stdout.write(
      JSON.stringify(
        {
          orphans: scan.orphans.map(view),
          bytes: scan.bytes,
          scanned: scan.scanned,
          known: scan.known,
          uploads:
            // ISO dates, as `upshot cleanup --json` gives them, with the age beside.
            uploads?.map((u) => ({
              ...u,
              initiated: u.initiated === null ? null : new Date(u.initiated).toISOString(),
              ageMs: u.initiated === null ? null : now - u.initiated,
            })) ?? null,
          ...(uploadsError ? { uploadsError } : {}),
          ...(action ?? {}),
        },
        null,
        2,
      ) + '\n',
    )
    return failed ? EXIT_JOB_FAILED : EXIT_OK
  }
  for (const o of scan.orphans) process.stdout.write(line(o))
  process.stdout.write(
    `${scan.orphans.length} orphan${scan.orphans.length === 1 ? '' : 's'} (${formatBytes(scan.bytes)}) among ${scan.scanned} objects; ${scan.known} known to this ledger.\n`,
  )
  if (uploads === null)
    process.stdout.write(
      uploadsError
        ? `Unfinished uploads: ${uploadsError}\n`
        : 'Unfinished uploads: this store cannot list them.\n',
    )
  else {
    for (const u of uploads)
      process.stdout.write(
        `upload  ${u.initiated === null ? 'age unknown' : age(now - u.initiated)}  ${terminalText(u.key)}\n`,
      )
    process.stdout.write(
      `${uploads.length} unfinished multipart upload${uploads.length === 1 ? '' : 's'}${uploads.length ? '; `upshot cleanup` aborts the stale ones' : ''}.\n`,
    )
  }
  if (action?.adopted) {
    const a = action.adopted as Awaited<ReturnType<typeof adoptOrphans>>
    process.stdout.write(
      `Adopted ${a.jobs.length} upload${a.jobs.length === 1 ? '' : 's'} into the history.\n`,
    )
    for (const s of a.skipped)
      process.stdout.write(`  skipped ${terminalText(s.key)}: ${s.reason}\n`)
  }
  if (action?.deleted) {
    const d = action as {
      deleted: string[]
      kept: { key: string; reason: string }[]
      failed: { key: string; error: { message: string } }[]
      purgeSummary: string | null
    }
    process.stdout.write(
      `Deleted ${d.deleted.length} orphan${d.deleted.length === 1 ? '' : 's'}.\n`,
    )
    for (const k of d.kept) process.stdout.write(`  kept ${terminalText(k.key)} (${k.reason})\n`)
    for (const f of d.failed)
      process.stderr.write(`upshot: ${terminalText(f.key)}: ${f.error.message}\n`)
    if (d.purgeSummary) process.stdout.write(d.purgeSummary + '\n')
  }
  return failed ? EXIT_JOB_FAILED : EXIT_OK
}

function view(o: BucketObject): { key: string; size: number; lastModified: string } {
  return { key: o.key, size: o.size, lastModified: new Date(o.lastModified).toISOString() }
}

function line(o: BucketObject): string {
  const when = new Date(o.lastModified).toISOString().slice(0, 16).replace('T', ' ')
  return `${formatBytes(o.size).padStart(10)}  ${when}  ${terminalText(o.key)}\n`
}

function age(ms: number): string {
  const h = ms / 3600_000
  if (h < 1) return `${Math.max(1, Math.round(ms / 60_000))} min`.padStart(8)
  if (h < 48) return `${Math.round(h)} h`.padStart(8)
  return `${Math.round(h / 24)} days`.padStart(8)
}
