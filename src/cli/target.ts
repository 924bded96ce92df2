import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { UpshotError } from '../shared/jobs'
import { DEFAULT_LINK_EXPIRY, MAX_LINK_EXPIRY, checkExpiry } from '../engine/destinations/providers'
import { normalizePrefix } from '../engine/keys'
import { destinationIdOf, keySpaceOf, sameKeySpace } from '../engine/mirrors'
import type { Ledger } from '../engine/ledger'
import type { ChecksumMode, DestinationConfig } from '../engine/types'

export interface TargetOptions {
  to?: string
  endpoint?: string
  region?: string
  pathStyle?: boolean
  publicUrl?: string
  checksum?: string
  private?: boolean
  expires?: string
}

/**
 * Turns `--to` and its companions into a destination; no `--to` means the saved default
 * (`upshot dest default`), else the local default folder. `--private`/`--expires` apply on top.
 */
export function resolveDestination(
  opts: TargetOptions,
  ctx: { dataDir: string; ledger: Ledger; env?: NodeJS.ProcessEnv },
): { config: DestinationConfig; name?: string } {
  const target = resolveTarget(opts, ctx)
  const resolved = { ...target, config: withCdnToken(target.config, ctx.env ?? process.env) }
  const wantsPrivate = opts.private === true || opts.expires !== undefined
  if (!wantsPrivate) return resolved
  const { config } = resolved
  if (config.kind !== 's3') {
    throw new UpshotError(
      'CONFIG',
      '--private and --expires need an S3 destination: a local folder has no signed links.',
    )
  }
  const expiresIn = checkExpiry(
    opts.expires === undefined
      ? (config.expiresIn ?? DEFAULT_LINK_EXPIRY)
      : parseExpiry(opts.expires),
  )
  return { ...resolved, config: { ...config, private: true, expiresIn } }
}

/**
 * The CLI keeps no secrets: a Cloudflare purge takes its token from CLOUDFLARE_API_TOKEN, the
 * variable Cloudflare's own tools read.
 */
export function withCdnToken(config: DestinationConfig, env: NodeJS.ProcessEnv): DestinationConfig {
  const token = env.CLOUDFLARE_API_TOKEN?.trim()
  if (config.purge?.kind !== 'cloudflare' || !token) return config
  return { ...config, purge: { ...config.purge, apiToken: token } }
}

function parseExpiry(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new UpshotError(
      'CONFIG',
      `--expires takes whole seconds from 1 to ${MAX_LINK_EXPIRY}, not "${value}".`,
    )
  }
  return Number(value.trim())
}

function resolveTarget(
  opts: TargetOptions,
  ctx: { dataDir: string; ledger: Ledger; env?: NodeJS.ProcessEnv },
): { config: DestinationConfig; name?: string } {
  const env = ctx.env ?? process.env
  const publicUrl =
    opts.publicUrl === undefined ? undefined : parseHttpUrl(opts.publicUrl, '--public-url')
  const to = opts.to ?? ctx.ledger.defaultDestinationName() ?? ''
  if (to === '') {
    return {
      config: {
        kind: 'local',
        dir: path.join(ctx.dataDir, 'uploads'),
        prefix: '',
        ...(publicUrl ? { publicUrl } : {}),
      },
    }
  }
  if (to.startsWith('s3://')) {
    const rest = to.slice('s3://'.length)
    const slash = rest.indexOf('/')
    const bucket = slash === -1 ? rest : rest.slice(0, slash)
    const prefix = normalizePrefix(slash === -1 ? '' : rest.slice(slash + 1))
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
      throw new UpshotError(
        'CONFIG',
        `"${bucket}" is not a valid bucket name: 3-63 lowercase letters, digits, dots and hyphens.`,
      )
    }
    const endpoint =
      opts.endpoint === undefined ? undefined : parseHttpUrl(opts.endpoint, '--endpoint')
    const checksum = parseChecksum(opts.checksum, endpoint)
    return {
      config: {
        kind: 's3',
        ...(endpoint ? { endpoint } : {}),
        region: opts.region ?? defaultRegion(env),
        bucket,
        prefix,
        pathStyle: opts.pathStyle ?? false,
        ...(publicUrl ? { publicUrl } : {}),
        checksum,
      },
    }
  }
  if (to.startsWith('file://')) {
    let dir: string
    try {
      dir = fileURLToPath(to)
    } catch {
      throw new UpshotError(
        'CONFIG',
        `"${to}" is not a valid file URL; use file:///absolute/folder.`,
      )
    }
    return { config: { kind: 'local', dir, prefix: '', ...(publicUrl ? { publicUrl } : {}) } }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(to)) {
    throw new UpshotError(
      'CONFIG',
      `"${to}" is not a destination Upshot knows; use s3://BUCKET[/PREFIX], file:///DIR or a saved name.`,
    )
  }
  const saved = ctx.ledger.destinationByName(to)
  if (!saved) {
    throw new UpshotError(
      'CONFIG',
      `No saved destination is named "${to}"; use s3://BUCKET[/PREFIX], file:///DIR or a saved name.`,
    )
  }
  return { config: saved.config, name: to }
}

function parseHttpUrl(value: string, flag: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new UpshotError(
      'CONFIG',
      `${flag} "${value}" is not a URL; give one like https://cdn.example.com.`,
    )
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UpshotError('CONFIG', `${flag} must be an http:// or https:// URL, not "${value}".`)
  }
  return value.replace(/\/+$/, '')
}

/**
 * AWS itself handles the SDK's default CRC32 checksums; many S3-compatible stores reject or
 * mis-store them, so a custom endpoint defaults to sending checksums only where S3 requires them.
 */
function parseChecksum(value: string | undefined, endpoint: string | undefined): ChecksumMode {
  if (value === undefined) return endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED'
  const v = value.toUpperCase().replace(/-/g, '_')
  if (v === 'WHEN_REQUIRED' || v === 'WHEN_SUPPORTED') return v
  throw new UpshotError(
    'CONFIG',
    `--checksum must be "when_supported" or "when_required", not "${value}".`,
  )
}

/** The region from the environment or the AWS config file of the active profile, else us-east-1. */
export function defaultRegion(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  if (fromEnv) return fromEnv
  const file = env.AWS_CONFIG_FILE ?? path.join(os.homedir(), '.aws', 'config')
  const profile = env.AWS_PROFILE ?? 'default'
  try {
    const text = fs.readFileSync(file, 'utf8')
    let inProfile = false
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim()
      const header = /^\[(.+)\]$/.exec(line)
      if (header) {
        const name = header[1]!.trim()
        inProfile = name === profile || name === `profile ${profile}`
        continue
      }
      const kv = /^region\s*=\s*(\S+)/.exec(line)
      if (inProfile && kv) return kv[1]!
    }
  } catch {
    // no config file: fall through to the default
  }
  return 'us-east-1'
}

/**
 * The config of a destination the ledger knows by id: its saved name's settings when it has one
 * (they carry the CDN settings as they are now), else what the ledger recorded; keys from the
 * AWS chain, the Cloudflare token from the environment.
 */
export function configOfLedgerDestination(
  ledger: Ledger,
  id: string,
  env: NodeJS.ProcessEnv = process.env,
): DestinationConfig {
  const saved = ledger.namedDestinations().find((d) => d.id === id)
  if (saved) return withCdnToken(saved.config, env)
  const row = ledger.db.prepare('SELECT config FROM destinations WHERE id = ?').get(id) as
    { config: string } | undefined
  if (!row) throw new UpshotError('CONFIG', `The ledger knows no destination ${id}.`)
  return withCdnToken(JSON.parse(row.config) as DestinationConfig, env)
}

/**
 * The mirrors of an upload: those saved with its destination (`dest add --mirror`) when it is a
 * saved name, then those named for this run (`upload --mirror`). Mirrors are saved names only:
 * their keys come from the same credential chain as the primary's.
 */
export function resolveMirrors(
  ledger: Ledger,
  primary: DestinationConfig,
  primaryName: string | undefined,
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { config: DestinationConfig; name: string }[] {
  const saved = primaryName ? ledger.destinationByName(primaryName) : undefined
  const ids = saved ? ledger.mirrors.mirrorsOf(saved.id) : []
  const named = ledger.namedDestinations()
  const out: { config: DestinationConfig; name: string }[] = []
  for (const id of ids) {
    const d = named.find((n) => n.id === id)
    if (d) out.push({ config: withCdnToken(d.config, env), name: d.name })
  }
  for (const name of names) {
    const d = ledger.destinationByName(name)
    if (!d) {
      throw new UpshotError(
        'CONFIG',
        `No saved destination is named "${name}"; a mirror is a saved destination (upshot dest add).`,
      )
    }
    if (out.some((o) => o.name === name)) continue
    out.push({ config: withCdnToken(d.config, env), name })
  }
  const primaryId = destinationIdOf(primary)
  const primarySpace = keySpaceOf(primary)
  for (const m of out) {
    if (destinationIdOf(m.config) === primaryId) {
      throw new UpshotError(
        'CONFIG',
        `"${m.name}" is the destination itself; a mirror must be another bucket or folder.`,
      )
    }
    if (keySpaceOf(m.config) === primarySpace) {
      throw sameKeySpace(m.name, primaryName ? `"${primaryName}"` : 'the destination')
    }
  }
  return out
}
