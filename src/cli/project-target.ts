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
import { resolveDestination, type TargetOptions } from './target'

export interface ProjectTargetOptions extends TargetOptions {
  preset?: string
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

/** The target for one project (or none): flags the user typed win over the file. */
export function projectTarget(
  opts: ProjectTargetOptions,
  typed: ReadonlySet<string>,
  project: ProjectSettings | null,
  ctx: { dataDir: string; ledger: Ledger },
): ResolvedTarget {
  const fromCli = (name: (typeof TARGET_FLAGS)[number]): boolean => typed.has(name)
  const useProjectDestination = project !== null && !fromCli('to')
  const merged: TargetOptions = { ...pick(opts, typed) }
  if (useProjectDestination) {
    if (project.destination !== undefined) merged.to = project.destination
    if (!fromCli('endpoint') && project.endpoint !== undefined) merged.endpoint = project.endpoint
    if (!fromCli('region') && project.region !== undefined) merged.region = project.region
    if (!fromCli('pathStyle') && project.pathStyle !== undefined)
      merged.pathStyle = project.pathStyle
    if (!fromCli('publicUrl') && project.publicUrl !== undefined)
      merged.publicUrl = project.publicUrl
    if (!fromCli('private') && project.private !== undefined) merged.private = project.private
    if (!fromCli('expires') && project.expires !== undefined)
      merged.expires = String(project.expires)
  }
  const resolved = resolveDestination(merged, ctx)
  let config = resolved.config
  let name = resolved.name
  const extra = useProjectDestination ? normalizePrefix(project.prefix ?? '') : ''
  if (extra) {
    config = { ...config, prefix: normalizePrefix(`${config.prefix}/${extra}`) }
    // Another prefix is another destination: the saved name stays with the one it names.
    name = undefined
  }
  const preset = fromCli('preset')
    ? (opts.preset ?? DEFAULT_PRESET)
    : (project?.preset ?? opts.preset ?? DEFAULT_PRESET)
  return {
    target: { destination: config, ...(name ? { destinationName: name } : {}), preset },
    project,
  }
}

function pick(opts: ProjectTargetOptions, typed: ReadonlySet<string>): TargetOptions {
  const out: TargetOptions = {}
  for (const name of TARGET_FLAGS) {
    if (name === 'preset' || !typed.has(name)) continue
    ;(out as Record<string, unknown>)[name] = opts[name]
  }
  return out
}
