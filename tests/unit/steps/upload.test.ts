// Steps 5 (upload) and 6 (done) alone: the bytes that land in a real store, what the ledger
// records, and a multipart upload taken up again from the parts the ledger recorded.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readSource } from '../../../src/engine/steps/2-read'
import { processSource } from '../../../src/engine/steps/4-process'
import { upload } from '../../../src/engine/steps/5-upload'
import { S3_MIN_PART_SIZE } from '../../../src/engine/storage/limits'
import { CORPUS } from '../../helpers/fixtures'
import {
  getObjectBytes,
  getObjectInfo,
  s3Config,
  startTestS3,
  type TestS3,
} from '../../helpers/s3server'
import { stepWorld, type StepWorld } from './harness'

const PHOTO = path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg')

const worlds: StepWorld[] = []
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close()
})
function world(opts: Parameters<typeof stepWorld>[0] = {}): StepWorld {
  const w = stepWorld(opts)
  worlds.push(w)
  return w
}

/** A queued job read and processed, then claimed for its upload. */
async function processed(w: StepWorld, file: string): Promise<string> {
  const [job] = await w.enqueue([file])
  const ctx = w.processCtx(w.claim(job!.id))
  await processSource(ctx, await readSource(ctx))
  return job!.id
}

describe('step 5, upload, and step 6, done (local folder)', () => {
  it('writes each staged variant byte for byte, records it, ends done and removes the staging folder', async () => {
    const w = world()
    const id = await processed(w, PHOTO)
    const [staged] = w.ledger.outputs(id)
    const stagedBytes = fs.readFileSync(staged!.staged_path!)
    const ctx = w.uploadCtx(w.claim(id))
    const end = await upload(ctx)
    expect(end.row).toMatchObject({ id, state: 'done', deduplicated: 0, owner: null })
    expect(fs.readFileSync(path.join(w.folder, staged!.key)).equals(stagedBytes)).toBe(true)
    const [out] = w.ledger.outputs(id)
    expect(out).toMatchObject({ state: 'uploaded', staged_path: null })
    expect(w.ledger.job(id)!.bytes_sent).toBe(stagedBytes.length)
    // The object's headers, as head() gives them back (the sidecar in the data dir).
    const head = await ctx.dest.head(staged!.key)
    expect(head?.metadata).toMatchObject({
      'upshot-sha256': w.ledger.job(id)!.sha256,
      'upshot-variant': 'thumb',
      'upshot-width': String(staged!.width),
    })
    await w.background.settled()
    expect(fs.existsSync(w.staging.dirOf(id))).toBe(false)
    expect(w.events.progressOf(id).done()).toBe(stagedBytes.length)
  })

  it('passes a non-image through: the object is the user’s file, unchanged', async () => {
    const w = world()
    const file = path.join(w.root, 'data.bin')
    fs.writeFileSync(file, randomBytes(200_000))
    const id = await processed(w, file)
    await upload(w.uploadCtx(w.claim(id)))
    const [out] = w.ledger.outputs(id)
    expect(out).toMatchObject({ variant: 'original', state: 'uploaded' })
    expect(fs.readFileSync(path.join(w.folder, out!.key)).equals(fs.readFileSync(file))).toBe(true)
    expect(fs.readFileSync(file).length).toBe(200_000)
  })

  it('makes the variants again when their staged files vanished (the job goes back to queued)', async () => {
    const w = world()
    const id = await processed(w, PHOTO)
    fs.rmSync(w.staging.dirOf(id), { recursive: true })
    const end = await upload(w.uploadCtx(w.claim(id)))
    expect(end.row).toBeUndefined()
    expect(w.ledger.job(id)).toMatchObject({ state: 'queued', owner: null })
    expect(w.ledger.outputs(id)).toHaveLength(0)
    expect(w.stored()).toEqual([])
  })
})

describe('step 5, a multipart upload resumed from the ledger (s3rver)', () => {
  let s3: TestS3
  beforeAll(async () => {
    s3 = await startTestS3()
  })
  afterAll(async () => {
    await s3.stop()
  })

  it('sends only the parts the ledger has not recorded, and completes the same upload', async () => {
    const w = world({ config: s3Config(s3) })
    const size = 2 * S3_MIN_PART_SIZE + 123_457
    const file = path.join(w.root, 'big.bin')
    const content = randomBytes(size)
    fs.writeFileSync(file, content)
    const id = await processed(w, file)
    const [out] = w.ledger.outputs(id)
    expect(out!.bytes).toBe(size)

    // An earlier run (killed since) created the upload and sent part 1; the ledger recorded both.
    const created = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: out!.key }),
    )
    const uploadId = created.UploadId!
    const part1 = content.subarray(0, S3_MIN_PART_SIZE)
    const sent = await s3.client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: out!.key,
        UploadId: uploadId,
        PartNumber: 1,
        Body: part1,
      }),
    )
    w.ledger.recordMultipartCreated(
      out!.id,
      w.ledger.job(id)!.destination_id,
      out!.key,
      uploadId,
      S3_MIN_PART_SIZE,
    )
    w.ledger.recordPart(out!.id, {
      partNumber: 1,
      etag: sent.ETag!,
      size: part1.length,
      checksum: null,
    })

    const ctx = w.uploadCtx(w.claim(id))
    const end = await upload(ctx)
    expect(end.row).toMatchObject({ state: 'done' })
    // Only parts 2 and 3 went over the wire; the progress still counts the whole object.
    expect(w.ledger.job(id)!.bytes_sent).toBe(size - S3_MIN_PART_SIZE)
    expect(ctx.progress.done()).toBe(size)
    const landed = await getObjectBytes(s3, out!.key)
    expect(createHash('sha256').update(landed).digest('hex')).toBe(
      createHash('sha256').update(content).digest('hex'),
    )
    const info = await getObjectInfo(s3, out!.key)
    expect(info?.size).toBe(size)
    // Only the recorded upload, with its part 1, can have made these bytes from parts 2 and 3;
    // the ledger forgot it once it was complete.
    expect(w.ledger.multipartFor(out!.id)).toBeUndefined()
  })
})
