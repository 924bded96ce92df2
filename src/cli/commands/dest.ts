// `upshot dest`: named destinations kept in the ledger of the data dir, where the app finds them
// too. Only settings are saved: the CLI takes keys from the AWS credential chain (env,
// AWS_PROFILE, shared files), so no secret is ever written by this command.

import type { Command } from 'commander'
import { UpshotError } from '../../shared/jobs'
import {
  PROVIDER_LABELS,
  PROVIDERS,
  R2_JURISDICTIONS,
  resolveProvider,
  type ProviderId,
  type ProviderSettings,
  type R2Jurisdiction,
} from '../../engine/destinations/providers'
import { Ledger, type SavedDestination } from '../../engine/ledger'
import { defaultDataDir } from '../../engine/paths'
import { localDestinationId, s3DestinationId } from '../../engine/storage'
import { encodeKey, s3ObjectUrl } from '../../engine/storage/urls'
import type { ChecksumMode, DestinationConfig } from '../../engine/types'
import { keySpaceOf, sameKeySpace } from '../../engine/mirrors'
import { EXIT_OK, EXIT_USAGE } from '../shared'

interface DestOptions {
  dataDir?: string
  json?: boolean
}

interface AddOptions extends DestOptions {
  provider: string
  bucket?: string
  region?: string
  endpoint?: string
  accountId?: string
  jurisdiction?: string
  publicUrl?: string
  cdn?: boolean
  prefix?: string
  pathStyle?: boolean
  checksum?: string
  dir?: string
  private?: boolean
  expires?: string
  replace?: boolean
  cloudfront?: string
  cloudflareZone?: string
  cdnApi?: string
  mirror?: string[]
}

const dataDirOption = [
  '--data-dir <dir>',
  'ledger and staging; default the per-OS app data dir; env UPSHOT_DATA_DIR',
] as const

export function registerDest(program: Command, setCode: (code: number) => void): void {
  const dest = program
    .command('dest')
    .description('manage saved destinations (used with --to NAME; shared with the app)')

  dest
    .command('add')
    .description('save a destination under a name')
    .argument('<name>', 'the name to use with --to')
    .requiredOption('--provider <id>', PROVIDERS.join(' | '))
    .option('--bucket <name>', 'bucket (every provider but local)')
    .option('--prefix <path>', 'key prefix inside the bucket or folder')
    .option('--region <name>', 's3, b2, wasabi, spaces (e.g. nyc3), minio, s3-compatible')
    .option('--endpoint <url>', 'minio, s3-compatible')
    .option('--account-id <id>', 'r2: the Cloudflare account ID')
    .option('--jurisdiction <j>', `r2: ${R2_JURISDICTIONS.join(' | ')}`)
    .option('--public-url <base>', 'base URL of links: CloudFront, custom domain, r2.dev, any CDN')
    .option('--cdn', 'spaces: links through the Spaces CDN')
    .option('--path-style', 'path-style addressing (s3, minio, s3-compatible)')
    .option('--checksum <mode>', 's3-compatible: when_supported | when_required')
    .option('--dir <path>', 'local: absolute folder')
    .option('--private', 'links are presigned GET URLs')
    .option('--expires <seconds>', 'presigned link lifetime, 1-604800; implies --private')
    .option(
      '--cloudfront <distribution-id>',
      'purge deleted objects from this CloudFront distribution',
    )
    .option(
      '--cloudflare-zone <zone-id>',
      'purge deleted objects from this Cloudflare zone (token: env CLOUDFLARE_API_TOKEN)',
    )
    .option('--cdn-api <url>', 'another CloudFront / Cloudflare API address (a proxy)')
    .option(
      '--mirror <name>',
      'a saved destination that gets a copy of every object (repeatable)',
      (value: string, all: string[] = []) => [...all, value],
    )
    .option('--replace', 'replace a destination saved under this name')
    .option(...dataDirOption)
    .option('--json', 'print JSON on stdout')
    .action((name: string, opts: AddOptions) => {
      setCode(withLedger(opts, (ledger) => addCommand(ledger, name, opts)))
    })

  dest
    .command('list')
    .description('list saved destinations (* marks the default)')
    .option(...dataDirOption)
    .option('--json', 'print JSON on stdout')
    .action((opts: DestOptions) => {
      setCode(withLedger(opts, (ledger) => listCommand(ledger, opts)))
    })

  dest
    .command('show')
    .description('show what a saved destination resolves to (never secrets)')
    .argument('<name>')
    .option(...dataDirOption)
    .option('--json', 'print JSON on stdout')
    .action((name: string, opts: DestOptions) => {
      setCode(withLedger(opts, (ledger) => showCommand(ledger, name, opts)))
    })

  dest
    .command('remove')
    .description('forget a saved name (uploads and history stay)')
    .argument('<name>')
    .option(...dataDirOption)
    .option('--json', 'print JSON on stdout')
    .action((name: string, opts: DestOptions) => {
      setCode(withLedger(opts, (ledger) => removeCommand(ledger, name, opts)))
    })

  dest
    .command('default')
    .description('make a saved destination the default for commands without --to')
    .argument('[name]', 'omit to print the current default')
    .option('--none', 'go back to the local folder in the data dir')
    .option(...dataDirOption)
    .option('--json', 'print JSON on stdout')
    .action((name: string | undefined, opts: DestOptions & { none?: boolean }) => {
      setCode(withLedger(opts, (ledger) => defaultCommand(ledger, name, opts)))
    })
}

function withLedger(opts: DestOptions, run: (ledger: Ledger) => number): number {
  const ledger = Ledger.open(opts.dataDir ?? defaultDataDir())
  try {
    return run(ledger)
  } finally {
    ledger.close()
  }
}

export function ledgerIdOf(config: DestinationConfig): string {
  return config.kind === 's3' ? s3DestinationId(config) : localDestinationId(config)
}

function addCommand(ledger: Ledger, name: string, opts: AddOptions): number {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,79}$/u.test(name) || name.includes('://')) {
    throw new UpshotError(
      'CONFIG',
      `"${name}" cannot be a destination name: use up to 80 letters, digits, spaces, dots, dashes and underscores.`,
    )
  }
  if (!(PROVIDERS as readonly string[]).includes(opts.provider)) {
    throw new UpshotError(
      'CONFIG',
      `"${opts.provider}" is not a provider Upshot knows; use one of ${PROVIDERS.join(', ')}.`,
    )
  }
  const settings: ProviderSettings = {
    provider: opts.provider as ProviderId,
    ...(opts.bucket !== undefined ? { bucket: opts.bucket } : {}),
    ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
    ...(opts.region !== undefined ? { region: opts.region } : {}),
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    ...(opts.accountId !== undefined ? { accountId: opts.accountId } : {}),
    ...(opts.jurisdiction !== undefined
      ? { jurisdiction: opts.jurisdiction as R2Jurisdiction }
      : {}),
    ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
    ...(opts.cdn ? { cdn: true } : {}),
    ...(opts.pathStyle ? { pathStyle: true } : {}),
    ...(opts.checksum !== undefined ? { checksum: parseChecksum(opts.checksum) } : {}),
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    ...(opts.private || opts.expires !== undefined ? { private: true } : {}),
    ...(opts.expires !== undefined ? { expiresIn: parseSeconds(opts.expires) } : {}),
    ...purgeOption(opts),
  }
  const { config, warnings } = resolveProvider(settings)
  const existing = ledger.destinationByName(name)
  if (existing && !opts.replace) {
    throw new UpshotError(
      'CONFIG',
      `A destination named "${name}" exists already; pass --replace or remove it first.`,
    )
  }
  const id = ledgerIdOf(config)
  const holder = ledger.namedDestinations().find((d) => d.id === id && d.name !== name)
  if (holder) {
    throw new UpshotError(
      'CONFIG',
      `That bucket and prefix are saved as "${holder.name}" already; remove that name first or use it.`,
    )
  }
  const mirrorIds = mirrorIdsOf(ledger, name, config, opts.mirror ?? [])
  if (existing && existing.id !== id) ledger.removeDestinationName(name)
  ledger.saveDestination(id, name, settings)
  ledger.mirrors.setMirrors(id, mirrorIds)
  const first = ledger.namedDestinations().length === 1 && ledger.defaultDestinationName() === null
  if (opts.json) {
    process.stdout.write(JSON.stringify({ name, settings, config, warnings }, null, 2) + '\n')
  } else {
    process.stdout.write(`Saved "${name}": ${describe(config)}\n`)
    process.stdout.write(`Use it with --to "${name}"; \`upshot doctor ${name}\` checks it.\n`)
  }
  if (first) {
    process.stderr.write(
      `Tip: \`upshot dest default ${name}\` makes it the destination of commands without --to.\n`,
    )
  }
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`)
  return EXIT_OK
}

/**
 * The saved destinations `--mirror` names, by ledger id; never the destination itself, nor one in
 * its bucket or folder (a mirror gets the primary's keys, prefix included).
 */
function mirrorIdsOf(
  ledger: Ledger,
  name: string,
  config: DestinationConfig,
  names: readonly string[],
): string[] {
  const id = ledgerIdOf(config)
  const ids: string[] = []
  for (const m of names) {
    const d = ledger.destinationByName(m)
    if (!d) {
      throw new UpshotError(
        'CONFIG',
        `No saved destination is named "${m}"; save the mirror first with \`upshot dest add ${m} ...\`.`,
      )
    }
    if (m === name || d.id === id) {
      throw new UpshotError('CONFIG', `"${m}" cannot mirror itself; name another destination.`)
    }
    if (keySpaceOf(d.config) === keySpaceOf(config)) throw sameKeySpace(m, `"${name}"`)
    if (!ids.includes(d.id)) ids.push(d.id)
  }
  return ids
}

function listCommand(ledger: Ledger, opts: DestOptions): number {
  const all = ledger.namedDestinations()
  const def = ledger.defaultDestinationName()
  if (opts.json) {
    process.stdout.write(
      JSON.stringify(
        all.map((d) => ({ ...summary(d), default: d.name === def })),
        null,
        2,
      ) + '\n',
    )
    return EXIT_OK
  }
  if (all.length === 0) {
    process.stdout.write(
      'No saved destinations; add one with `upshot dest add NAME --provider ...`.\n',
    )
    return EXIT_OK
  }
  const width = Math.max(...all.map((d) => d.name.length))
  for (const d of all) {
    const mark = d.name === def ? '*' : ' '
    process.stdout.write(`${mark} ${d.name.padEnd(width)}  ${describe(d.config)}\n`)
  }
  return EXIT_OK
}

function showCommand(ledger: Ledger, name: string, opts: DestOptions): number {
  const d = ledger.namedDestinations().find((x) => x.name === name)
  if (!d) return notFound(name)
  const s = summary(d)
  const isDefault = ledger.defaultDestinationName() === name
  const named = ledger.namedDestinations()
  const mirrors = ledger.mirrors
    .mirrorsOf(d.id)
    .map((id) => named.find((n) => n.id === id)?.name ?? id)
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...s, mirrors, default: isDefault }, null, 2) + '\n')
    return EXIT_OK
  }
  const lines: [string, string][] = [
    ['name', d.name + (isDefault ? ' (default)' : '')],
    ['provider', s.provider],
    ['destination', describe(d.config)],
  ]
  if (d.config.kind === 's3') {
    lines.push(['endpoint', d.config.endpoint ?? `AWS S3, region ${d.config.region}`])
    lines.push(['region', d.config.region])
    lines.push(['addressing', d.config.pathStyle ? 'path-style' : 'virtual-hosted'])
    lines.push(['checksums', d.config.checksum.toLowerCase()])
    lines.push([
      'links',
      d.config.private
        ? `presigned, valid ${d.config.expiresIn ?? 3600} s`
        : (d.config.publicUrl ?? 'the bucket URL'),
    ])
    lines.push(['credentials', 'AWS credential chain (AWS_ACCESS_KEY_ID..., AWS_PROFILE, ~/.aws)'])
  } else if (d.config.publicUrl) {
    lines.push(['links', d.config.publicUrl])
  }
  const cdn = d.config.purge
  if (cdn?.kind === 'cloudfront')
    lines.push(['cdn purge', `CloudFront distribution ${cdn.distributionId}`])
  if (cdn?.kind === 'cloudflare')
    lines.push(['cdn purge', `Cloudflare zone ${cdn.zoneId} (token: CLOUDFLARE_API_TOKEN)`])
  if (mirrors.length > 0) lines.push(['mirrors', mirrors.join(', ')])
  lines.push(['example link', s.exampleLink])
  for (const [k, v] of lines) process.stdout.write(`${k.padEnd(13)} ${v}\n`)
  return EXIT_OK
}

function removeCommand(ledger: Ledger, name: string, opts: DestOptions): number {
  if (!ledger.removeDestinationName(name)) return notFound(name)
  if (opts.json) process.stdout.write(JSON.stringify({ removed: name }) + '\n')
  else process.stdout.write(`Removed "${name}"; its uploads stay in the history.\n`)
  return EXIT_OK
}

function defaultCommand(
  ledger: Ledger,
  name: string | undefined,
  opts: DestOptions & { none?: boolean },
): number {
  if (opts.none) {
    ledger.setDefaultDestinationName(null)
  } else if (name !== undefined) {
    if (!ledger.destinationByName(name)) return notFound(name)
    ledger.setDefaultDestinationName(name)
  }
  const current = ledger.defaultDestinationName()
  if (opts.json) process.stdout.write(JSON.stringify({ default: current }) + '\n')
  else
    process.stdout.write(
      current
        ? `Default destination: ${current}\n`
        : 'No default: commands without --to use the local folder in the data dir.\n',
    )
  return EXIT_OK
}

function notFound(name: string): number {
  process.stderr.write(
    `upshot: No saved destination is named "${name}"; \`upshot dest list\` shows them.\n`,
  )
  return EXIT_USAGE
}

function summary(d: SavedDestination): {
  name: string
  provider: string
  settings: ProviderSettings | null
  config: DestinationConfig
  exampleLink: string
} {
  const provider = d.provider ? PROVIDER_LABELS[d.provider.provider] : 'saved in the app'
  const example = [d.config.prefix, 'ab12cd34', 'photo-full.webp'].filter(Boolean).join('/')
  return {
    name: d.name,
    provider,
    settings: d.provider,
    config: d.config,
    exampleLink: exampleLink(d.config, example),
  }
}

function exampleLink(config: DestinationConfig, key: string): string {
  if (config.kind === 'local') {
    return config.publicUrl
      ? `${config.publicUrl}/${encodeKey(key)}`
      : `file://${config.dir}/${encodeKey(key)}`
  }
  if (config.private) return `(presigned when a link is made) ${s3ObjectUrl(config, key)}`
  return s3ObjectUrl(config, key)
}

function describe(config: DestinationConfig): string {
  if (config.kind === 'local')
    return `folder ${config.dir}${config.prefix ? ` / ${config.prefix}` : ''}`
  const where = config.endpoint ?? `AWS ${config.region}`
  return `s3://${config.bucket}${config.prefix ? `/${config.prefix}` : ''} at ${where}${config.private ? ', private' : ''}`
}

function purgeOption(opts: AddOptions): Pick<ProviderSettings, 'purge'> {
  if (opts.cloudfront !== undefined && opts.cloudflareZone !== undefined) {
    throw new UpshotError('CONFIG', 'Give --cloudfront or --cloudflare-zone, not both.')
  }
  const endpoint = opts.cdnApi !== undefined ? { endpoint: opts.cdnApi } : {}
  if (opts.cloudfront !== undefined)
    return { purge: { kind: 'cloudfront', id: opts.cloudfront, ...endpoint } }
  if (opts.cloudflareZone !== undefined)
    return { purge: { kind: 'cloudflare', id: opts.cloudflareZone, ...endpoint } }
  if (opts.cdnApi !== undefined)
    throw new UpshotError('CONFIG', '--cdn-api goes with --cloudfront or --cloudflare-zone.')
  return {}
}

function parseChecksum(value: string): ChecksumMode {
  const v = value.toUpperCase().replace(/-/g, '_')
  if (v === 'WHEN_REQUIRED' || v === 'WHEN_SUPPORTED') return v
  throw new UpshotError(
    'CONFIG',
    `--checksum must be "when_supported" or "when_required", not "${value}".`,
  )
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new UpshotError(
      'CONFIG',
      `--expires takes whole seconds from 1 to 604800, not "${value}".`,
    )
  }
  return Number(value.trim())
}
