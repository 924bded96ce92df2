// Finished uploads as the results, the history and the tray show them: each file's outputs with
// the primary's links (presigned afresh when handed out for a private destination) and the
// mirrors' links beside them, and the links copied to the clipboard in a format.

import path from 'node:path'
import type { CopyResult, FinishedFile } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { formatLinks, primaryOutput, type LinkFormat, type LinkItem } from '../shared/links'
import type { Engine } from '../engine'
import { listHistory, outputsOfJobs } from '../engine/history'
import type { DestinationConfig } from '../engine/types'
import type { AppDestinations } from './app-destinations'
import type { AppPorts } from './app-service'
import { onMirror, withFreshMirrorLinks, withMirrorLinks } from './mirror-links'
import type { Settings } from './settings-model'

export class FinishedLinks {
  constructor(
    private readonly o: {
      engine(): Engine
      destinations: AppDestinations
      settings: Settings
      ports: Pick<AppPorts, 'writeClipboardText'>
    },
  ) {}

  /** With each output's URL on the job's mirrors, a fallback beside the primary's link. */
  getFinished(ids: readonly string[]): FinishedFile[] {
    return withMirrorLinks(this.o.engine().ledger, this.outputsOf(ids), this.mirrorSources)
  }

  /** The files' outputs as the ledger has them, primary links only. */
  private outputsOf(ids: readonly string[]): FinishedFile[] {
    const found = outputsOfJobs(this.o.engine().ledger, ids)
    return ids.flatMap((id): FinishedFile[] => {
      const f = found.get(id)
      return f ? [{ id, name: path.basename(f.source), source: f.source, outputs: f.outputs }] : []
    })
  }

  private readonly mirrorSources = {
    configOf: (id: string) => this.o.destinations.configForLedger(id),
    nameOf: (id: string) => this.o.destinations.mirrorName(id),
  }

  /**
   * Finished files with links to hand out now: a private destination's presigned links expire,
   * so each copy (from the results or the history) signs fresh ones with the saved credentials.
   */
  async getFinishedWithFreshLinks(ids: readonly string[]): Promise<FinishedFile[]> {
    // The mirrors' links are made once, below, signed where a mirror is private.
    const files = this.outputsOf(ids)
    const configs = new Map<string, DestinationConfig | null>()
    const configFor = (ledgerId: string): DestinationConfig | null => {
      if (!configs.has(ledgerId)) {
        let config: DestinationConfig | null = null
        try {
          config = this.o.destinations.configForLedger(ledgerId)
        } catch {
          // Keys that no longer decrypt: the ledger's config (AWS default chain) is the fallback.
        }
        configs.set(ledgerId, config)
      }
      return configs.get(ledgerId) ?? null
    }
    const fresh = await this.o.engine().freshLinks(
      files.map((f) => f.id),
      { configFor },
    )
    return withFreshMirrorLinks(
      this.o.engine().ledger,
      files.map((f) => ({ ...f, outputs: fresh.get(f.id) ?? f.outputs })),
      this.mirrorSources,
    )
  }

  async copyLinks(
    ids: readonly string[],
    format: LinkFormat,
    mirror?: string,
  ): Promise<CopyResult> {
    const items: LinkItem[] = (await this.getFinishedWithFreshLinks(ids)).map((f) => ({
      name: f.name,
      outputs: mirror === undefined ? f.outputs : onMirror(f.outputs, mirror),
    }))
    const text = formatLinks(format, items, {
      template: this.o.settings.preferences.customTemplate,
    })
    if (text === '') {
      throw new UpshotError('NOT_FOUND', 'None of these files has finished uploading yet.')
    }
    await this.o.ports.writeClipboardText(text)
    return { text, count: items.length }
  }

  /** The latest finished uploads with their main link, for the tray menu. */
  recentUploads(limit = 5): { id: string; name: string; url: string }[] {
    const page = listHistory(this.o.engine().ledger, { status: 'done', limit })
    const files = this.getFinished(page.rows.map((r) => r.id))
    return files.flatMap((f) => {
      const main = primaryOutput(f.outputs)
      return main ? [{ id: f.id, name: f.name, url: main.url }] : []
    })
  }
}
