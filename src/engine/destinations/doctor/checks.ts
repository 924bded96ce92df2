// The list of checks a doctor run fills in: their ids and labels, and how results accumulate.

/** warn: works, but something is worth changing (plain http://, a ledger on a network share). */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn'

export interface DoctorCheck {
  id:
    | 'credentials'
    | 'bucket'
    | 'write'
    | 'read'
    | 'delete'
    | 'multipart'
    | 'checksum'
    | 'clock'
    | 'public-link'
    | 'presigned-link'
    | 'transport'
    | 'ledger'
    | 'cdn-purge'
  label: string
  status: CheckStatus
  /** Uploads (or a private destination's links) do not work when this one fails. */
  needed: boolean
  /** One sentence: what happened and, on failure, what to do. */
  detail: string
}

export const LABELS: Record<DoctorCheck['id'], string> = {
  credentials: 'Credentials accepted',
  bucket: 'Bucket exists (and region)',
  write: 'Write an object',
  read: 'Read it back',
  delete: 'Delete it',
  multipart: 'Multipart upload (create + abort)',
  checksum: 'Checksum headers accepted',
  clock: 'Clock skew',
  'public-link': 'Public link',
  'presigned-link': 'Presigned link',
  transport: 'Encrypted connection',
  ledger: 'Ledger on a local disk',
  'cdn-purge': 'CDN purge (a harmless path)',
}

export class Checks {
  readonly list: DoctorCheck[] = []
  add(id: DoctorCheck['id'], status: CheckStatus, needed: boolean, detail: string): void {
    this.list.push({ id, label: LABELS[id], status, needed, detail })
  }
  skipRest(ids: DoctorCheck['id'][], reason: string, needed = true): void {
    for (const id of ids) {
      if (!this.list.some((c) => c.id === id))
        this.add(id, 'skip', needed, `Not checked: ${reason}`)
    }
  }
}
