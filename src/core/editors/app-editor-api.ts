// The editor API run by the app's core while the user has it on (Settings -> Editors): the same
// server as `upshot serve` (./api/server.ts), uploading with the app's default destination and
// preset. The key is sealed with the access keys and never sent to the page: the page asks the
// core to put the URL on the clipboard, and is told only whether the server listens.

import type { Engine, Target } from '../../engine'
import type { RecordsDeleted } from '../../engine/references'
import { UpshotError } from '../../shared/jobs'
import type { EditorApiStatus, Preferences } from '../../shared/api'
import { EditorApiServer, DEFAULT_ALLOWED_ORIGINS, type TargetQuery } from './api/server'
import { portTakenMessage, whoHolds } from './api/probe'
import { projectSettingsAt, type ProjectSettings } from './project-settings'
import { normalizePrefix } from '../../engine/keys'

export interface AppEditorApiHost {
  dataDir: string
  engine(): Engine
  /** The app's upload target: the saved destination of that name, or the default. */
  uploadTarget(destinationName?: string): Target
  /** The sealed key; `rotate` makes another. */
  key(opts?: { rotate?: boolean }): string
  readClipboardImage(): Promise<{ data: Buffer; mime: string } | null>
  deleteUploads(ids: readonly string[]): Promise<RecordsDeleted>
  customTemplate(): string
  writeClipboardText(text: string): Promise<void>
  /** The status changed (started, stopped, failed): the window is told. */
  changed(status: EditorApiStatus): void
  /** An editor's upload, recorded and about to run: shown in the queue like a drop. */
  queued(ids: readonly string[]): void
}

/** Fields of an upshot.json that only `upshot serve` applies: the app's destinations are its own. */
const CLI_ONLY_FIELDS = [
  'endpoint',
  'region',
  'pathStyle',
  'publicUrl',
  'private',
  'expires',
] as const

export class AppEditorApi {
  private server: EditorApiServer | null = null
  private status: EditorApiStatus = { state: 'off', port: null, message: null }
  /** Start and stop one at a time, in the order asked. */
  private chain: Promise<void> = Promise.resolve()
  private wanted: { on: boolean; port: number } = { on: false, port: 0 }

  constructor(private readonly host: AppEditorApiHost) {}

  current(): EditorApiStatus {
    return { ...this.status }
  }

  /** Follows the preferences: starts, stops, or moves to another port. */
  apply(prefs: Pick<Preferences, 'editorApi' | 'editorApiPort'>): Promise<void> {
    const next = { on: prefs.editorApi, port: prefs.editorApiPort }
    if (next.on === this.wanted.on && next.port === this.wanted.port) return this.chain
    this.wanted = next
    this.chain = this.chain.then(() => this.reconcile())
    return this.chain
  }

  /** Puts the upload or delete URL, key included, on the clipboard. */
  async copyUrl(kind: 'upload' | 'delete'): Promise<void> {
    await this.chain
    if (!this.server || this.status.state !== 'listening') {
      throw new UpshotError('CONFIG', 'The editor API is not running; turn it on first.')
    }
    await this.host.writeClipboardText(this.urlOf(kind, this.host.key()))
  }

  /** A new key: URLs pasted into editors before stop working. */
  async newKey(): Promise<void> {
    this.host.key({ rotate: true })
    await this.restart()
  }

  close(): Promise<void> {
    this.wanted = { on: false, port: 0 }
    this.chain = this.chain.then(() => this.stop())
    return this.chain
  }

  private async restart(): Promise<void> {
    this.chain = this.chain.then(async () => {
      await this.stop()
      await this.reconcile()
    })
    return this.chain
  }

  private async reconcile(): Promise<void> {
    const { on, port } = this.wanted
    if (this.server && (!on || this.server.port !== port)) await this.stop()
    if (!on || this.server) return
    let key: string
    try {
      key = this.host.key()
    } catch (err) {
      this.set({ state: 'failed', port, message: (err as Error).message })
      return
    }
    const server = new EditorApiServer(
      {
        dataDir: this.host.dataDir,
        engine: () => this.host.engine(),
        target: (query) => this.targetOf(query),
        readClipboardImage: () => this.host.readClipboardImage(),
        deleteUploads: (ids) => this.host.deleteUploads(ids),
        customTemplate: () => this.host.customTemplate(),
        queued: (ids) => this.host.queued(ids),
      },
      {
        key,
        allowedOrigins: DEFAULT_ALLOWED_ORIGINS,
        log: (line) => console.log(`[editor-api] ${line}`),
      },
    )
    try {
      await server.listen(port)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const message =
        code === 'EADDRINUSE'
          ? portTakenMessage(port, await whoHolds(port), 'in Settings')
          : `The editor API could not listen on port ${port}: ${(err as Error).message}`
      this.set({ state: 'failed', port, message })
      return
    }
    this.server = server
    this.set({ state: 'listening', port: server.port, message: null })
  }

  private async stop(): Promise<void> {
    const server = this.server
    if (!server) {
      if (!this.wanted.on && this.status.state !== 'off') this.set(offStatus())
      return
    }
    this.server = null
    await server.close()
    this.set(offStatus())
  }

  private targetOf(query: TargetQuery): {
    target: Target
    format?: string
    templates?: Record<string, string>
  } {
    if (query.dest?.includes('://')) {
      throw new UpshotError('CONFIG', '?dest= names a destination saved in the app.')
    }
    const project = query.project ? projectSettingsAt(query.project) : null
    if (project) refuseCliOnlyFields(project)
    const named = query.dest ?? project?.destination
    let target = this.host.uploadTarget(named)
    const extra = query.dest === undefined ? normalizePrefix(project?.prefix ?? '') : ''
    if (extra) {
      const { destinationName: _name, ...rest } = target
      // Another prefix is another destination: the saved name stays with the one it names.
      target = {
        ...rest,
        destination: {
          ...target.destination,
          prefix: normalizePrefix(`${target.destination.prefix}/${extra}`),
        },
      }
    }
    const preset = query.preset ?? project?.preset
    if (preset !== undefined) target = { ...target, preset }
    this.host.engine().preset(target.preset)
    return {
      target,
      ...(project?.format ? { format: project.format } : {}),
      ...(project?.templates ? { templates: project.templates } : {}),
    }
  }

  private urlOf(kind: 'upload' | 'delete', key: string): string {
    return `http://127.0.0.1:${this.server!.port}/${kind}?key=${key}`
  }

  private set(status: EditorApiStatus): void {
    this.status = status
    this.host.changed({ ...status })
  }
}

function offStatus(): EditorApiStatus {
  return { state: 'off', port: null, message: null }
}

function refuseCliOnlyFields(project: ProjectSettings): void {
  const given = CLI_ONLY_FIELDS.filter((f) => project[f] !== undefined)
  if (given.length === 0) return
  throw new UpshotError(
    'CONFIG',
    `${project.file} sets ${given.join(', ')}, which only \`upshot serve\` applies; the app uploads to its own saved destinations (name one with "destination").`,
  )
}
