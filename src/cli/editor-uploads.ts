// Uploads for the editor commands (`upload --typora`, `md`): each input goes with the target of
// the project it belongs to (the `upshot.json` above it, else the command line and the saved
// default), one batch per project, and the outcomes come back in input order.

import { toJobError, type Engine } from '../engine'
import { ProjectSettingsCache } from '../core/editors/project-settings'
import { uploadForEditor, type EditorInput, type EditorOutcome } from '../core/editors/uploads'
import { terminalText } from '../shared/display-text'
import { warnAboutSetup } from './shared'
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
): Promise<EditorOutcome[]> {
  const projects = o.projects ?? new ProjectSettingsCache()
  const groups = new Map<string, { resolved: ResolvedTarget; at: number[] }>()
  const outcomes: EditorOutcome[] = new Array(items.length)
  items.forEach((item, i) => {
    let resolved: ResolvedTarget
    try {
      const project = projects.for(item.start, item.startIsDir)
      resolved = projectTarget(o.opts, o.typed, project, {
        dataDir: engine.dataDir,
        ledger: engine.ledger,
      })
    } catch (err) {
      outcomes[i] = { ok: false, input: item.label, error: toJobError(err) }
      return
    }
    const key = resolved.project?.file ?? ''
    const group = groups.get(key) ?? { resolved, at: [] }
    group.at.push(i)
    groups.set(key, group)
  })
  for (const group of groups.values()) {
    warnAboutSetup(engine.dataDir, [group.resolved.target.destination])
    if (group.resolved.project) {
      process.stderr.write(`upshot: settings from ${terminalText(group.resolved.project.file)}\n`)
    }
    const results = await uploadForEditor(
      engine,
      group.at.map((i) => items[i]!.input),
      group.resolved.target,
      {
        dataDir: engine.dataDir,
        remote: { allowPrivate: o.allowPrivateUrls },
        signal: o.signal,
      },
    )
    results.forEach((r, j) => {
      const i = group.at[j]!
      outcomes[i] = { ...r, input: items[i]!.label }
    })
  }
  return outcomes
}
