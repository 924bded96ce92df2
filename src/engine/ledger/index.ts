// The ledger: every job and every step of its upload, in SQLite. All changes go through named
// transitions, each a prepared statement in one transaction, and each claim-holding transition
// checks the owner so a process that lost its claim cannot overwrite another's work. This class
// is the one connection and the one interface; what it does lives in one module per part:
//
//   destination-records  destinations, their names and the default
//   claims               claims and leases, claims given back, jobs held back by the user
//   transitions          a job's life: enqueued .. processed, deduplicated, done, failed
//   uploads              multipart uploads and their parts, outputs uploaded, the bucket index
//   queries              reading jobs and their outputs
//   mirror-copies        mirrors of a destination, and each object's copy on them (`mirrors`)
import type { JobError, JobState, OutputReport, ReportStatus } from '../../shared/jobs'
import type { ProviderSettings } from '../destinations/providers'
import type { DestinationConfig, PartRecord } from '../types'
import { Claims } from './claims'
import { DestinationRecords } from './destination-records'
import { openLedgerDb, type Db, type OpenOptions } from './open'
import { MirrorCopies } from './mirror-copies'
import { JobQueries } from './queries'
import {
  reportStatus,
  type JobRow,
  type MultipartRecord,
  type NewJob,
  type NewOutput,
  type OutputRow,
  type SavedDestination,
  type SourceFacts,
} from './rows'
import { JobTransitions } from './transitions'
import { UploadRecords } from './uploads'

export type { Db } from './open'
export type { MirrorCopyCounts, MirrorCopyRow } from './mirror-copies'
export {
  LostClaimError,
  outputReportOf,
  reusedOutput,
  type JobRow,
  type MultipartRecord,
  type NewJob,
  type NewOutput,
  type OutputRow,
  type SavedDestination,
  type SourceFacts,
} from './rows'

export class Ledger {
  readonly db: Db
  private readonly destinations: DestinationRecords
  private readonly claims: Claims
  private readonly jobs: JobTransitions
  private readonly uploads: UploadRecords
  private readonly queries: JobQueries
  /** Mirror destinations and the copies owed to them (engine/mirrors). */
  readonly mirrors: MirrorCopies

  constructor(db: Db) {
    this.db = db
    this.destinations = new DestinationRecords(db)
    this.claims = new Claims(db)
    this.jobs = new JobTransitions(db)
    this.uploads = new UploadRecords(db)
    this.queries = new JobQueries(db)
    this.mirrors = new MirrorCopies(db)
  }

  static open(dataDir: string, options?: OpenOptions): Ledger {
    return new Ledger(openLedgerDb(dataDir, options))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  static reportStatus(state: JobState): ReportStatus | null {
    return reportStatus(state)
  }

  // ---- destinations (destination-records.ts) ----

  upsertDestination(id: string, config: DestinationConfig, name: string | null = null): void {
    this.destinations.upsert(id, config, name)
  }
  destinationByName(name: string): { id: string; config: DestinationConfig } | undefined {
    return this.destinations.byName(name)
  }
  destinationConfig(id: string): DestinationConfig {
    return this.destinations.config(id)
  }
  saveDestination(id: string, name: string, provider: ProviderSettings): void {
    this.destinations.save(id, name, provider)
  }
  namedDestinations(): SavedDestination[] {
    return this.destinations.named()
  }
  removeDestinationName(name: string): boolean {
    return this.destinations.removeName(name)
  }
  defaultDestinationName(): string | null {
    return this.destinations.defaultName()
  }
  setDefaultDestinationName(name: string | null): void {
    this.destinations.setDefaultName(name)
  }

  // ---- claims (claims.ts) ----

  /** queued -> processing, processed -> uploading: the new state, or null (see claimRow). */
  claim(id: string, owner: string, leaseMs: number): 'processing' | 'uploading' | null {
    const row = this.claims.claimRow(id, owner, leaseMs)
    return (row?.state as 'processing' | 'uploading' | undefined) ?? null
  }
  claimRow(id: string, owner: string, leaseMs: number): JobRow | null {
    return this.claims.claimRow(id, owner, leaseMs)
  }
  renewLeases(owner: string, leaseMs: number): void {
    this.claims.renewLeases(owner, leaseMs)
  }
  release(id: string, owner: string): void {
    this.claims.release(id, owner)
  }
  requeueStale(isDead: (owner: string) => boolean): number {
    return this.claims.requeueStale(isDead)
  }
  pauseJob(id: string): boolean {
    return this.claims.pauseJob(id)
  }
  unpauseJob(id: string): void {
    this.claims.unpauseJob(id)
  }
  isPaused(id: string): boolean {
    return this.claims.isPaused(id)
  }

  // ---- a job's transitions (transitions.ts) ----

  enqueue(jobs: readonly NewJob[]): void {
    this.jobs.enqueue(jobs)
  }
  enqueueFailed(job: NewJob, error: JobError): void {
    this.jobs.enqueueFailed(job, error)
  }
  recordSource(id: string, owner: string, facts: SourceFacts): void {
    this.jobs.recordSource(id, owner, facts)
  }
  markProcessed(
    id: string,
    owner: string,
    outputs: readonly NewOutput[],
    facts?: SourceFacts,
    opts: { uploadLeaseMs?: number } = {},
  ): JobRow {
    return this.jobs.markProcessed(id, owner, outputs, facts, opts)
  }
  markDeduplicated(
    id: string,
    owner: string,
    outputs: readonly NewOutput[],
    etags: readonly (string | null)[],
    facts?: SourceFacts,
  ): void {
    this.jobs.markDeduplicated(id, owner, outputs, etags, facts)
  }
  complete(id: string, owner: string): void {
    this.jobs.complete(id, owner)
  }
  fail(id: string, owner: string | null, error: JobError): void {
    this.jobs.fail(id, owner, error)
  }
  retryLater(id: string, owner: string, retryAfter: number, error: JobError): void {
    this.jobs.retryLater(id, owner, retryAfter, error)
  }
  cancel(id: string): boolean {
    return this.jobs.cancel(id)
  }
  requeueForProcessing(id: string, owner: string): void {
    this.jobs.requeueForProcessing(id, owner)
  }

  // ---- uploads (uploads.ts) ----

  recordMultipartCreated(
    outputId: number,
    destinationId: string,
    key: string,
    uploadId: string,
    partSize: number,
  ): void {
    this.uploads.recordMultipartCreated(outputId, destinationId, key, uploadId, partSize)
  }
  recordPart(outputId: number, part: PartRecord): void {
    this.uploads.recordPart(outputId, part)
  }
  multipartFor(outputId: number): MultipartRecord | undefined {
    return this.uploads.multipartFor(outputId)
  }
  multipartsOfJob(jobId: string): { outputId: number; key: string; uploadId: string }[] {
    return this.uploads.multipartsOfJob(jobId)
  }
  forgetMultipart(outputId: number): void {
    this.uploads.forgetMultipart(outputId)
  }
  markOutputUploaded(
    job: JobRow,
    output: OutputRow,
    etag: string | null,
    bytesSent: number,
    opts: { completeAs?: string } = {},
  ): JobRow | undefined {
    return this.uploads.markOutputUploaded(job, output, etag, bytesSent, opts)
  }

  // ---- queries (queries.ts) ----

  job(id: string): JobRow | undefined {
    return this.queries.job(id)
  }
  outputs(jobId: string): OutputRow[] {
    return this.queries.outputs(jobId)
  }
  outputReports(jobId: string): OutputReport[] {
    return this.queries.outputReports(jobId)
  }
  batchSize(batchId: string): number {
    return this.queries.batchSize(batchId)
  }
  unfinishedJobIds(): string[] {
    return this.queries.unfinishedJobIds()
  }
  unfinishedDestinations(): DestinationConfig[] {
    return this.queries.unfinishedDestinations()
  }
  listJobs(opts: { all: boolean; limit: number; offset?: number }): JobRow[] {
    return this.queries.listJobs(opts)
  }
  findDone(
    sha256: string,
    presetFp: string,
    destinationId: string,
    exceptId: string,
  ): JobRow | undefined {
    return this.queries.findDone(sha256, presetFp, destinationId, exceptId)
  }
}
