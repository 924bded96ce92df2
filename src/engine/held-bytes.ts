import type { BodyDigest } from './storage/digest'

/**
 * Small files' contents between their read (hashing) and their upload. Holding them saves a second
 * open/read/hash per file, which is most of the per-file work in a batch of small files; the
 * budget keeps a batch whose uploads lag far behind its reads from growing the process: past it,
 * files are read again from the source at upload time (and checked against their hash), as large
 * files always are.
 */
export interface Held {
  bytes: Buffer
  digest: BodyDigest | null
}

export class HeldBytes {
  private readonly byJob = new Map<string, Held>()
  private total = 0

  constructor(private readonly budget: number) {}

  keep(jobId: string, bytes: Buffer, digest: BodyDigest | null = null): void {
    this.drop(jobId)
    if (this.total + bytes.length > this.budget) return
    this.byJob.set(jobId, { bytes, digest })
    this.total += bytes.length
  }

  get(jobId: string): Held | undefined {
    return this.byJob.get(jobId)
  }

  drop(jobId: string): void {
    const h = this.byJob.get(jobId)
    if (!h) return
    this.byJob.delete(jobId)
    this.total -= h.bytes.length
  }

  clear(): void {
    this.byJob.clear()
    this.total = 0
  }

  get heldBytes(): number {
    return this.total
  }
}
