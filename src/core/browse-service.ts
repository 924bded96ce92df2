// The Browse view's side of the core: a saved destination's objects page by page (ListObjectsV2),
// which upload each belongs to when the ledger knows it, its orphans, and deletes (through
// engine/references, with the CDN purge) and adoptions. Free of 'electron'.

import path from 'node:path'
import type { BrowseDeleteResult, BrowseObject, BrowsePage, OrphanView } from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { adoptOrphans } from '../engine/browse/adopt'
import { createLister, fullPrefix, type BucketObject } from '../engine/browse/listing'
import { findOrphans } from '../engine/browse/orphans'
import { openUploads } from '../engine/browse/uploads'
import { describePurge, mergePurges } from '../engine/cdn/purge-queue'
import type { Ledger } from '../engine/ledger'
import { stmt } from '../engine/ledger/open'
import { localMetaDirFor } from '../engine/paths'
import { deleteOrphanObjects, deleteRecords } from '../engine/references'
import { createDestination } from '../engine/storage'
import type { Destination, DestinationConfig } from '../engine/types'
import { BucketThumbnails } from './bucket-thumbnails'

export interface BrowseDeps {
  /** The engine's ledger (the engine may be replaced, so asked each time). */
  ledger(): Ledger
  dataDir: string
  /** A saved destination (null: the built-in folder) as the engine's config, keys included. */
  resolve(id: string | null): DestinationConfig
  ledgerIdOf(config: DestinationConfig): string
  /** The config of a ledger destination id (for deleting records on it). */
  configOfLedgerId(id: string): DestinationConfig
}

const PAGE = 500

export class BrowseService {
  private readonly thumbs: BucketThumbnails

  constructor(private readonly d: BrowseDeps) {
    this.thumbs = new BucketThumbnails({
      ledger: () => d.ledger(),
      cacheDir: path.join(d.dataDir, 'browse-thumbnails'),
    })
  }

  /** Thumbnails of listed objects, from the bucket (core/bucket-thumbnails.ts). */
  thumbnails(id: string | null, keys: readonly string[]): Promise<Record<string, string | null>> {
    const config = this.d.resolve(id)
    return this.thumbs.get(config, this.d.ledgerIdOf(config), keys)
  }

  async page(id: string | null, prefix: string, next: string | null): Promise<BrowsePage> {
    const config = this.d.resolve(id)
    const lister = createLister(config)
    const dest = createDestination(config, { metaDir: localMetaDirFor(this.d.dataDir) })
    try {
      const page = await lister.page({ prefix, delimiter: true, next, pageSize: PAGE })
      return {
        prefix: fullPrefix(config, prefix),
        base: fullPrefix(config, ''),
        folders: page.folders,
        objects: this.describe(config, dest, page.objects),
        next: page.next,
      }
    } finally {
      lister.close()
      dest.close()
    }
  }

  async orphans(id: string | null): Promise<OrphanView> {
    const config = this.d.resolve(id)
    const scan = await findOrphans(this.d.ledger(), config, this.d.ledgerIdOf(config))
    const dest = createDestination(config, { metaDir: localMetaDirFor(this.d.dataDir) })
    let uploads: OrphanView['uploads'] = null
    try {
      uploads = await openUploads(config)
    } catch {
      uploads = null // shown as "cannot be listed"; the orphans are what was asked for
    }
    try {
      return {
        objects: this.describe(config, dest, scan.orphans),
        bytes: scan.bytes,
        scanned: scan.scanned,
        uploads,
      }
    } finally {
      dest.close()
    }
  }

  /**
   * Deletes objects the user chose: one an upload here links to deletes that upload (all its
   * variants, as the history's Delete does); the others are orphans. Everything goes through
   * engine/references, and the CDN is purged of what left.
   */
  async delete(id: string | null, keys: readonly string[]): Promise<BrowseDeleteResult> {
    const config = this.d.resolve(id)
    const destinationId = this.d.ledgerIdOf(config)
    const jobs = new Set<string>()
    const orphans: string[] = []
    for (const key of new Set(keys)) {
      const job = this.jobOf(destinationId, key)
      if (job) jobs.add(job)
      else orphans.push(key)
    }
    const out: BrowseDeleteResult = {
      deleted: 0,
      kept: 0,
      failures: [],
      purge: null,
      purgePending: false,
    }
    const purges = []
    if (jobs.size > 0) {
      const r = await deleteRecords(this.d.ledger(), [...jobs], (ledgerId) =>
        createDestination(ledgerId === destinationId ? config : this.d.configOfLedgerId(ledgerId), {
          maxAttempts: 3,
          metaDir: localMetaDirFor(this.d.dataDir),
        }),
      )
      out.deleted += r.deleted
      out.kept += r.kept.length
      out.failures.push(...r.failures.map((f) => ({ key: f.id, message: f.error.message })))
      purges.push(...r.purges)
    }
    if (orphans.length > 0) {
      const dest = createDestination(config, {
        maxAttempts: 3,
        metaDir: localMetaDirFor(this.d.dataDir),
      })
      try {
        this.d.ledger().upsertDestination(destinationId, config)
        const r = await deleteOrphanObjects(this.d.ledger(), dest, destinationId, orphans)
        out.deleted += r.deleted.length
        out.kept += r.kept.length
        out.failures.push(...r.failed.map((f) => ({ key: f.key, message: f.error.message })))
        purges.push(r.purge)
      } finally {
        dest.close()
      }
    }
    const purge = mergePurges(purges)
    out.purge = purge ? describePurge(out.deleted, purge) : null
    out.purgePending = (purge?.pending.length ?? 0) > 0
    return out
  }

  async adopt(
    id: string | null,
    keys: readonly string[],
  ): Promise<{ adopted: number; skipped: number }> {
    if (keys.length === 0) throw new UpshotError('CONFIG', 'Choose the orphans to adopt.')
    const config = this.d.resolve(id)
    const destinationId = this.d.ledgerIdOf(config)
    const dest = createDestination(config, { metaDir: localMetaDirFor(this.d.dataDir) })
    try {
      this.d.ledger().upsertDestination(destinationId, config)
      const r = await adoptOrphans(this.d.ledger(), dest, destinationId, keys)
      return { adopted: r.jobs.length, skipped: r.skipped.length }
    } finally {
      dest.close()
    }
  }

  private describe(
    config: DestinationConfig,
    dest: Destination,
    objects: BucketObject[],
  ): BrowseObject[] {
    const destinationId = this.d.ledgerIdOf(config)
    return objects.map((o) => ({
      key: o.key,
      name: o.key.slice(o.key.lastIndexOf('/') + 1),
      size: o.size,
      lastModified: o.lastModified,
      url: dest.urlFor(o.key),
      jobId: this.jobOf(destinationId, o.key),
    }))
  }

  /** The live upload here that links to this object, if any. */
  private jobOf(destinationId: string, key: string): string | null {
    const row = stmt(
      this.d.ledger().db,
      `SELECT j.id FROM outputs o JOIN jobs j ON j.id = o.job_id
       WHERE j.destination_id = ? AND o.key = ? AND j.state = 'done'
         AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = j.id)
       ORDER BY j.created_at DESC LIMIT 1`,
    ).get(destinationId, key) as { id: string } | undefined
    return row?.id ?? null
  }
}
