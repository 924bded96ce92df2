// The History view's commands: pages of finished uploads, what each destination holds, and
// deletes under the shared-object rules (engine/references: an object another record, data dir
// or computer still uses stays) with the CDN purge.

import path from 'node:path'
import type {
  DeleteResult,
  DestinationUsage,
  HistoryItem,
  HistoryPage,
  HistoryQuery,
} from '../shared/api'
import type { Engine } from '../engine'
import { describePurge, mergePurges } from '../engine/cdn/purge-queue'
import { listHistory, summarizeDestinations } from '../engine/history'
import { localMetaDirFor } from '../engine/paths'
import { deleteRecords, type RecordsDeleted } from '../engine/references'
import { createDestination } from '../engine/storage'
import type { AppDestinations } from './app-destinations'

export class HistoryCommands {
  constructor(
    private readonly o: { engine(): Engine; destinations: AppDestinations; dataDir: string },
  ) {}

  getHistory(query: HistoryQuery): HistoryPage {
    const ledger = this.o.engine().ledger
    const page = listHistory(ledger, query)
    const mirrored = ledger.mirrors.anyJobMirrors()
    return {
      total: page.total,
      items: page.rows.map((r) => ({
        id: r.id,
        name: path.basename(r.source),
        source: r.source,
        status: r.deleted ? 'deleted' : (r.state as 'done' | 'failed' | 'canceled'),
        destinationId: r.destinationId,
        destinationName: r.destinationName ?? this.o.destinations.describe(r.destinationId),
        finishedAt: r.finishedAt,
        bytes: r.bytes,
        outputCount: r.outputCount,
        deduplicated: r.deduplicated,
        error: r.error,
        ...(mirrored && r.state === 'done' && !r.deleted ? this.mirrorsOf(r.id) : {}),
      })),
    }
  }

  /** The job's mirrors by name, each 'done' once every object is there (the fallback links). */
  private mirrorsOf(id: string): Pick<HistoryItem, 'mirrors'> {
    const counts = this.o.engine().ledger.mirrors.countsForJobs([id])
    if (counts.length === 0) return {}
    return {
      mirrors: counts.map((c) => ({
        mirror: this.o.destinations.mirrorName(c.mirrorId),
        state: c.failed > 0 ? 'failed' : c.pending > 0 ? 'pending' : 'done',
      })),
    }
  }

  getUsage(): DestinationUsage[] {
    return summarizeDestinations(this.o.engine().ledger)
      .filter((d) => d.objects > 0)
      .map((d) => ({
        destinationId: d.destinationId,
        name: d.name ?? this.o.destinations.describe(d.destinationId),
        files: d.files,
        objects: d.objects,
        bytes: d.bytes,
        byVariant: d.byVariant,
        byFormat: d.byFormat.map((f) => ({
          format: f.contentType.replace(/^image\//, '').replace(/;.*$/, ''),
          objects: f.objects,
          bytes: f.bytes,
        })),
      }))
  }

  /**
   * Deletes uploads: each record is marked deleted, and its objects leave the bucket unless
   * another upload, data dir or computer still uses them (engine/references decides).
   */
  async deleteUploads(ids: readonly string[]): Promise<DeleteResult> {
    const result = await this.deleteRecords(ids)
    const purge = mergePurges(result.purges)
    return {
      deleted: result.deleted,
      kept: result.kept.length,
      failures: result.failures.map((f) => ({ id: f.id, message: f.error.message })),
      purge: purge ? describePurge(result.deleted, purge) : null,
      purgePending: (purge?.pending.length ?? 0) > 0,
    }
  }

  /** Deletes under the shared-object rules (engine/references), with the CDN purge. */
  deleteRecords(ids: readonly string[]): Promise<RecordsDeleted> {
    return deleteRecords(this.o.engine().ledger, ids, (destinationId) =>
      createDestination(this.o.destinations.configForLedger(destinationId), {
        maxAttempts: 3,
        metaDir: localMetaDirFor(this.o.dataDir),
      }),
    )
  }
}
