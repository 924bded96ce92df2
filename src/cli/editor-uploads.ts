// Uploads for the editor commands (`upload --typora`, `md`): each input goes with the target of
// the project it belongs to (the `upshot.json` above it, else the command line and the saved
// default), one batch per project, and the outcomes come back in input order.

import { toJobError, type Engine } from '../engine'
import { ProjectSettingsCache } from '../core/editors/project-settings'
import { uploadForEditor, type EditorInput, type EditorUploadResult } from '../core/editors/uploads'
import { terminalText } from '../shared/display-text'
import { warnAboutSetup } from './shared'
import { expiringLinksWarning } from '../engine/destinations/warnings'
import { projectTarget, type ProjectTargetOptions, type ResolvedTarget } from './project-target'

export interface EditorItem {
  input: EditorInput
  /** What the user called it (shown in messages). */
  label: string
  /** Where the project settings are looked up from: a file, or a folder with `startIsDir`. */
  start: string
  startIsDir?: boolean
}

export interface GroupedUploadOptions {
  opts: ProjectTargetOptions
  typed: ReadonlySet<string>
  allowPrivateUrls: boolean
  signal: AbortSignal
  projects?: ProjectSettingsCache
}

export async function uploadInGroups(
  engine: Engine,
  items: readonly EditorItem[],
  o: GroupedUploadOptions,
): Promise<EditorUploadResult> {
  const projects = o.projects ?? new ProjectSettingsCache()
  const groups = new Map<string, { resolved: ResolvedTarget; at: number[] }>()
  const outcomes: EditorUploadResult['outcomes'] = new Array(items.length)
  let bytesUploaded = 0
  items.forEach((item, i) => {
    let group: { resolved: ResolvedTarget; at: number[] }
    try {
      const project = projects.for(item.start, item.startIsDir)
      const key = project?.file ?? ''
      group = groups.get(key) ?? {
        resolved: projectTarget(o.opts, o.typed, project, {
          dataDir: engine.dataDir,
          ledger: engine.ledger,
        }),
        at: [],
      }
      groups.set(key, group)
    } catch (err) {
      outcomes[i] = { ok: false, input: item.label, error: toJobError(err) }
      return
    }
    group.at.push(i)
  })
  for (const group of groups.values()) {
    const destination = group.resolved.target.destination
    warnAboutSetup(engine.dataDir, [destination])
    const expiring = expiringLinksWarning(destination)
    if (expiring) process.stderr.write(`upshot: warning: ${expiring}\n`)
    if (group.resolved.project) {
      process.stderr.write(`upshot: settings from ${terminalText(group.resolved.project.file)}\n`)
    }
    const result = await uploadForEditor(
      engine,
      group.at.map((i) => items[i]!.input),
      group.resolved.target,
      {
        dataDir: engine.dataDir,
        remote: { allowPrivate: o.allowPrivateUrls },
        signal: o.signal,
      },
    )
    bytesUploaded += result.bytesUploaded
    result.outcomes.forEach((r, j) => {
      const i = group.at[j]!
      outcomes[i] = { ...r, input: items[i]!.label }
    })
  }
  return { outcomes, bytesUploaded }
}
