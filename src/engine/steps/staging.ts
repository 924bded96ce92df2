// A job's working folder, `<staging>/<job id>/`: only images stage files there (their variants);
// other files are uploaded from the source.
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import type { Background } from '../background'

export class Staging {
  constructor(
    private readonly root: string,
    private readonly background: Background,
  ) {}

  dirOf(jobId: string): string {
    return path.join(this.root, jobId)
  }

  /** An empty folder for the job's variants (what an earlier attempt left is removed). */
  async fresh(jobId: string): Promise<string> {
    const dir = this.dirOf(jobId)
    await fsp.rm(dir, { recursive: true, force: true })
    await fsp.mkdir(dir, { recursive: true })
    return dir
  }

  /** Removes the job's folder off the event loop; the run waits for it before it ends. */
  clean(jobId: string): void {
    const dir = this.dirOf(jobId)
    // Most small jobs have no folder, and a recursive rm that finds nothing still costs
    // thread-pool round trips per job.
    if (!fs.existsSync(dir)) return
    this.background.add(fsp.rm(dir, { recursive: true, force: true }))
  }
}
