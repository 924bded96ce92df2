// Where an upload goes when an `upshot.json` may have a say: the command line first, then the
// project's settings, then the saved default. Naming `--to` takes the whole destination from the
// command line; otherwise the project's destination applies, and single flags (--public-url,
// --private...) still override its fields.

import type { Command } from 'commander'
import type { Target } from '../engine'
import type { Ledger } from '../engine/ledger'
import { normalizePrefix } from '../engine/keys'
import { DEFAULT_PRESET } from '../engine/presets'
import type { ProjectSettings } from '../core/editors/project-settings'
import { resolveDestination, resolveMirrors, type TargetOptions } from './target'

export interface ProjectTargetOptions extends TargetOptions {
  preset?: string
  /** `upload --mirror NAME` (repeatable): saved destinations that get a copy for this run. */
  mirror?: string[]
}

const TARGET_FLAGS = [
  'to',
  'endpoint',
  'region',
  'pathStyle',
  'publicUrl',
  'checksum',
  'private',
  'expires',
  'preset',
] as const

/** The options the user typed (not commander's defaults). */
export function typedOptions(cmd: Command): Set<string> {
  return new Set(TARGET_FLAGS.filter((name) => cmd.getOptionValueSource(name) === 'cli'))
}

export interface ResolvedTarget {
  target: Target
  /** The settings file that applied, if any. */
  project: ProjectSettings | null
}

export interface TargetLayers {
  /**
   * The command line holds a server's defaults (`upshot serve`): a project's settings win over
   * them. Otherwise (upload, md) what the user typed wins over the project.
   */
  serverDefaults?: boolean
  /** A request's own choice (`?dest=`, `?preset=`): wins over everything. */
  query?: { to?: string; preset?: string }
}

/**
 * The target for one project (or none). A destination named explicitly (`--to` typed for
 * upload and md, `?dest=` for the API) is taken whole; otherwise the project's destination
 * (single typed flags such as --public-url still override its fields for upload and md), else
 * the command line's. The project's prefix goes under whichever destination it did not lose to.
 */
export function projectTarget(
  opts: ProjectTargetOptions,
  typed: ReadonlySet<string>,
  project: ProjectSettings | null,
  ctx: { dataDir: string; ledger: Ledger },
  layers: TargetLayers = {},
): ResolvedTarget {
  const typedFlags = pick(opts, typed)
  const queryTo = layers.query?.to
  const explicitTo = queryTo ?? (!layers.serverDefaults && typed.has('to') ? opts.to : undefined)
  let merged: TargetOptions
  let projectPrefix = false
  if (queryTo !== undefined) {
    merged = { to: queryTo }
  } else if (explicitTo !== undefined || !project) {
    merged = typedFlags
  } else {
    projectPrefix = true
    if (project.destination === undefined) merged = typedFlags
    else {
      merged = {
        to: project.destination,
        ...defined({
          endpoint: project.endpoint,
          region: project.region,
          pathStyle: project.pathStyle,
          publicUrl: project.publicUrl,
          private: project.private,
          expires: project.expires === undefined ? undefined : String(project.expires),
        }),
      }
      // Upload and md: a flag typed on the command line still overrides that field.
      if (!layers.serverDefaults) {
        const { to: _to, ...companions } = typedFlags
        merged = { ...merged, ...companions }
      }
    }
  }
  const resolved = resolveDestination(merged, ctx)
  let config = resolved.config
  let name = resolved.name
  const extra = projectPrefix ? normalizePrefix(project?.prefix ?? '') : ''
  if (extra) {
    config = { ...config, prefix: normalizePrefix(`${config.prefix}/${extra}`) }
    // Another prefix is another destination: the saved name stays with the one it names.
    name = undefined
  }
  const typedPreset = typed.has('preset') ? opts.preset : undefined
  const preset =
    layers.query?.preset ??
    (layers.serverDefaults
      ? (project?.preset ?? opts.preset)
      : (typedPreset ?? project?.preset ?? opts.preset)) ??
    DEFAULT_PRESET
  // A saved destination's own mirrors, and those named for this run.
  const mirrors = resolveMirrors(ctx.ledger, config, name, opts.mirror ?? [])
  return {
    target: {
      destination: config,
      ...(name ? { destinationName: name } : {}),
      preset,
      ...(mirrors.length > 0 ? { mirrors } : {}),
    },
    project,
  }
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

function pick(opts: ProjectTargetOptions, typed: ReadonlySet<string>): TargetOptions {
  const out: TargetOptions = {}
  for (const name of TARGET_FLAGS) {
    if (name === 'preset' || !typed.has(name)) continue
    ;(out as Record<string, unknown>)[name] = opts[name]
  }
  return out
}
