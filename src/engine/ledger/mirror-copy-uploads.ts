// A mirror copy's multipart upload, recorded the moment the mirror gives its UploadId and each
// part as the mirror confirms it, so a copy interrupted by a crash continues from its parts
// (engine/mirrors/make-copy.ts). Its rows go with the copy's row (ON DELETE CASCADE).
import type { PartRecord } from '../types'
import type { Db } from './open'

type CopyId = { primaryId: string; mirrorId: string; key: string }

export interface MirrorUpload {
  uploadId: string
  partSize: number
  parts: PartRecord[]
}

const ids = (c: CopyId) => ({ primary: c.primaryId, mirror: c.mirrorId, key: c.key })

export class MirrorCopyUploads {
  private readonly s: ReturnType<typeof prepare>

  constructor(private readonly db: Db) {
    this.s = prepare(db)
  }

  /** The upload a previous attempt started, with the parts the mirror confirmed; null if none. */
  of(c: CopyId): MirrorUpload | null {
    const up = this.s.upload.get(ids(c)) as { upload_id: string; part_size: number } | undefined
    if (!up) return null
    const parts = (
      this.s.parts.all(ids(c)) as {
        part_number: number
        etag: string
        size: number
        checksum: string | null
      }[]
    ).map((p) => ({ partNumber: p.part_number, etag: p.etag, size: p.size, checksum: p.checksum }))
    return { uploadId: up.upload_id, partSize: up.part_size, parts }
  }

  /** A new upload replaces the one recorded before (and its parts). */
  created(c: CopyId, uploadId: string, partSize: number): void {
    this.db.transaction(() => {
      this.s.forget.run(ids(c))
      this.s.insert.run({ ...ids(c), uploadId, partSize, now: Date.now() })
    })()
  }

  part(c: CopyId, part: PartRecord): void {
    this.s.insertPart.run({ ...ids(c), ...part })
  }

  forget(c: CopyId): void {
    this.s.forget.run(ids(c))
  }

  /** Every recorded upload (`upshot cleanup` leaves them to their copies). */
  all(): { mirrorId: string; key: string; uploadId: string }[] {
    return (this.s.all.all() as { mirror_id: string; key: string; upload_id: string }[]).map(
      (r) => ({ mirrorId: r.mirror_id, key: r.key, uploadId: r.upload_id }),
    )
  }
}

const WHERE = `primary_id = @primary AND mirror_id = @mirror AND key = @key`

function prepare(db: Db) {
  return {
    upload: db.prepare(`SELECT upload_id, part_size FROM mirror_copy_uploads WHERE ${WHERE}`),
    parts: db.prepare(
      `SELECT part_number, etag, size, checksum FROM mirror_copy_parts WHERE ${WHERE}
        ORDER BY part_number`,
    ),
    insert: db.prepare(
      `INSERT INTO mirror_copy_uploads (primary_id, mirror_id, key, upload_id, part_size, created_at)
       VALUES (@primary, @mirror, @key, @uploadId, @partSize, @now)`,
    ),
    insertPart: db.prepare(
      `INSERT OR REPLACE INTO mirror_copy_parts
         (primary_id, mirror_id, key, part_number, etag, size, checksum)
       VALUES (@primary, @mirror, @key, @partNumber, @etag, @size, @checksum)`,
    ),
    forget: db.prepare(`DELETE FROM mirror_copy_uploads WHERE ${WHERE}`),
    all: db.prepare(`SELECT mirror_id, key, upload_id FROM mirror_copy_uploads`),
  }
}
