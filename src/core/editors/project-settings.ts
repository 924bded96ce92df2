// Per-project settings: an `upshot.json` found upward from a Markdown file, a given path or the
// current folder, so a blog or a vault uploads to its own bucket with its own preset, prefix and
// link format. One module read by every face: `upshot upload` (and `--typora`), `upshot md`,
// `upshot serve` and the app's editor API (`?project=`). The file is validated with a schema;
// an error names the file and the field.

import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { UpshotError } from '../../shared/jobs'
import { LINK_FORMATS, type LinkFormat } from '../../shared/links'
import { isDir as isDirectory } from '../fs-probe'

export const PROJECT_FILE = 'upshot.json'

/** Larger than any settings file a person writes; read no further. */
const MAX_PROJECT_FILE_BYTES = 64 * 1024

const templateName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 lowercase letters, digits and hyphens')

const httpUrl = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^\s/]+/i, 'must be an http:// or https:// URL')
  .transform((v) => v.replace(/\/+$/, ''))

export const projectSettingsSchema = z.strictObject({
  /** An editor's hint; ignored. */
  $schema: z.string().optional(),
  /** Where uploads go: s3://BUCKET[/PREFIX], file:///ABS/DIR or a saved destination's name. */
  destination: z.string().trim().min(1).max(1024).optional(),
  endpoint: httpUrl.optional(),
  region: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,40}$/, 'must be a region name such as eu-west-1')
    .optional(),
  pathStyle: z.boolean().optional(),
  publicUrl: httpUrl.optional(),
  private: z.boolean().optional(),
  /** Lifetime of presigned links in seconds (private destinations). */
  expires: z.number().int().min(1).max(604_800).optional(),
  preset: z.string().trim().min(1).max(100).optional(),
  /** Folder under the destination's own prefix, e.g. `blog/2024`. */
  prefix: z.string().max(512).optional(),
  /** What links hold: url, markdown, html, picture, bbcode, or one of `templates`. */
  format: z.string().trim().min(1).max(40).optional(),
  /** Named link templates ({url} {alt} {width} ... as in the app's custom format). */
  templates: z.record(templateName, z.string().min(1).max(2000)).optional(),
})

export type ProjectSettingsData = z.infer<typeof projectSettingsSchema>

export interface ProjectSettings extends ProjectSettingsData {
  /** The file these settings came from. */
  file: string
}

/**
 * The `upshot.json` that governs `start` (a file or a folder): the first found in its folder or
 * any folder above it; null when there is none.
 */
export function findProjectFile(start: string): string | null {
  let dir = path.resolve(start)
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir)
  } catch {
    // A path that does not exist (yet): look from the folder it would be in.
    dir = path.dirname(dir)
  }
  for (;;) {
    const candidate = path.join(dir, PROJECT_FILE)
    try {
      if (fs.statSync(candidate).isFile()) return candidate
    } catch {
      // not here: look higher
    }
    const up = path.dirname(dir)
    if (up === dir) return null
    dir = up
  }
}

/** Reads and validates one project file; every problem is a CONFIG error naming file and field. */
export function loadProjectFile(file: string): ProjectSettings {
  const abs = path.resolve(file)
  let text: string
  try {
    const st = fs.statSync(abs)
    if (!st.isFile()) throw new UpshotError('CONFIG', `${abs} is not a file.`)
    if (st.size > MAX_PROJECT_FILE_BYTES) {
      throw new UpshotError(
        'CONFIG',
        `${abs} is ${st.size} bytes; a project settings file holds at most ${MAX_PROJECT_FILE_BYTES}.`,
      )
    }
    text = fs.readFileSync(abs, 'utf8')
  } catch (err) {
    if (err instanceof UpshotError) throw err
    throw new UpshotError(
      'CONFIG',
      `${abs} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    throw new UpshotError('CONFIG', `${abs} is not valid JSON; check its commas and quotes.`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UpshotError('CONFIG', `${abs} must hold one JSON object of settings.`)
  }
  const parsed = projectSettingsSchema.safeParse(raw)
  if (!parsed.success) throw new UpshotError('CONFIG', describeIssue(abs, parsed.error.issues[0]!))
  const data = parsed.data
  if (data.format !== undefined) checkFormatName(abs, data.format, data.templates)
  return { ...data, file: abs }
}

/** The project settings for `start`, or null when no `upshot.json` is above it. */
export function projectSettingsFor(start: string): ProjectSettings | null {
  const file = findProjectFile(start)
  return file ? loadProjectFile(file) : null
}

/**
 * The settings a caller names (the API's `?project=`): a folder is searched upward like any
 * start; a file must be called upshot.json, so the API cannot be made to read other files.
 */
export function projectSettingsAt(given: string): ProjectSettings {
  const abs = path.resolve(given)
  let isDir = false
  try {
    isDir = fs.statSync(abs).isDirectory()
  } catch {
    throw new UpshotError('CONFIG', `The project ${abs} does not exist.`)
  }
  if (!isDir && path.basename(abs) !== PROJECT_FILE) {
    throw new UpshotError(
      'CONFIG',
      `The project must be a folder or a file named ${PROJECT_FILE}, not ${abs}.`,
    )
  }
  const file = isDir ? findProjectFile(abs) : abs
  if (!file) throw new UpshotError('CONFIG', `No ${PROJECT_FILE} is in ${abs} or above it.`)
  return loadProjectFile(file)
}

/** Caches lookups by folder: a vault of 5,000 notes in 40 folders reads the file once. */
export class ProjectSettingsCache {
  private readonly byDir = new Map<string, ProjectSettings | null>()
  private readonly byFile = new Map<string, ProjectSettings>()

  /** Settings for a file or folder (`isDir` when known; else the path is looked at). */
  for(start: string, isDir?: boolean): ProjectSettings | null {
    const abs = path.resolve(start)
    const dir = (isDir ?? isDirectory(abs)) ? abs : path.dirname(abs)
    if (!this.byDir.has(dir)) {
      const file = findProjectFile(dir)
      let settings: ProjectSettings | null = null
      if (file) {
        settings = this.byFile.get(file) ?? loadProjectFile(file)
        this.byFile.set(file, settings)
      }
      this.byDir.set(dir, settings)
    }
    return this.byDir.get(dir) ?? null
  }
}

export interface ResolvedFormat {
  format: LinkFormat
  /** For `custom`: the template to fill. */
  template?: string
}

/**
 * A link format by name: the built-in ones, then the project's templates, then `custom` (the
 * app's own template, when the caller has one).
 */
export function resolveLinkFormat(
  name: string,
  opts: { templates?: Record<string, string>; customTemplate?: string; source?: string } = {},
): ResolvedFormat {
  const template = opts.templates?.[name]
  if (template !== undefined) return { format: 'custom', template }
  if (name === 'custom') {
    if (opts.customTemplate === undefined) {
      throw new UpshotError(
        'CONFIG',
        'The format "custom" needs a template; name one of the project\'s templates instead.',
      )
    }
    return { format: 'custom', template: opts.customTemplate }
  }
  if ((LINK_FORMATS as readonly string[]).includes(name)) return { format: name as LinkFormat }
  const names = [
    ...LINK_FORMATS.filter((f) => f !== 'custom'),
    ...Object.keys(opts.templates ?? {}),
  ]
  throw new UpshotError(
    'CONFIG',
    `${opts.source ? `${opts.source}: ` : ''}there is no link format named "${name}"; use one of: ${names.join(', ')}.`,
  )
}

function checkFormatName(file: string, name: string, templates?: Record<string, string>): void {
  if (name === 'custom' && !templates?.custom) {
    throw new UpshotError(
      'CONFIG',
      `${file}: "format" is "custom" but "templates" has no template named custom.`,
    )
  }
  resolveLinkFormat(name, { templates: templates ?? {}, customTemplate: '', source: file })
}

const FIELDS = Object.keys(projectSettingsSchema.shape).filter((k) => k !== '$schema')

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${where ? `${where}.` : ''}${k}"`).join(', ')
    return `${file}: ${keys} ${issue.keys.length > 1 ? 'are not settings' : 'is not a setting'} Upshot knows; use ${FIELDS.join(', ')}.`
  }
  if (issue.code === 'invalid_type') {
    return `${file}: "${where}" must be ${article(issue.expected)}.`
  }
  if (issue.code === 'invalid_key') {
    // The path ends with the key itself: name the record and the key apart.
    const record = issue.path.slice(0, -1).map(String).join('.')
    const key = String(issue.path.at(-1) ?? '')
    return `${file}: the name "${key}" in "${record}" ${issue.issues[0]?.message ?? 'is not valid'}.`
  }
  return `${file}: "${where}" ${lowerFirst(issue.message)}.`
}

function article(expected: string): string {
  if (expected === 'boolean') return 'true or false'
  if (expected === 'number' || expected === 'int') return 'a number'
  if (expected === 'string') return 'a string'
  if (expected === 'object' || expected === 'record') return 'an object'
  return expected
}

function lowerFirst(s: string): string {
  const t = s.replace(/\.$/, '')
  return /^[A-Z][a-z]/.test(t) ? t[0]!.toLowerCase() + t.slice(1) : t
}
