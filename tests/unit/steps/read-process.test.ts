// Steps 2 (read and hash) and 4 (process) alone: what each leaves in the ledger and on disk.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { readSource } from '../../../src/engine/steps/2-read'
import { processSource } from '../../../src/engine/steps/4-process'
import { CORPUS } from '../../helpers/fixtures'
import { stepWorld, type StepWorld } from './harness'

const PHOTO = path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg')

const worlds: StepWorld[] = []
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close()
})
function world(): StepWorld {
  const w = stepWorld()
  worlds.push(w)
  return w
}

const sha256Of = (file: string): string =>
  createHash('sha256').update(fs.readFileSync(file)).digest('hex')

describe('step 2, read and hash', () => {
  it('records an image’s hash at once, so a twin sees it before decoding the same photo', async () => {
    const w = world()
    const [job] = await w.enqueue([PHOTO])
    const read = await readSource(w.processCtx(w.claim(job!.id)))
    expect(read.snap.sha256).toBe(sha256Of(PHOTO))
    expect(read.unrecorded).toBeUndefined()
    const row = w.ledger.job(job!.id)!
    expect(row.sha256).toBe(sha256Of(PHOTO))
    expect(row.size).toBe(fs.statSync(PHOTO).size)
    expect(row.source_type).toBe('jpeg')
  })

  it('leaves any other file’s facts to its next transition (one commit less per file)', async () => {
    const w = world()
    const text = path.join(w.root, 'notes.txt')
    fs.writeFileSync(text, 'plain words, no image\n')
    const [job] = await w.enqueue([text])
    const read = await readSource(w.processCtx(w.claim(job!.id)))
    expect(read.unrecorded).toMatchObject({ sha256: sha256Of(text), size: 22 })
    expect(w.ledger.job(job!.id)!.sha256).toBeNull()
    // A small file is read whole: its upload sends these bytes without opening it again.
    expect(read.snap.bytes?.toString()).toBe('plain words, no image\n')
  })
})

describe('step 4, process', () => {
  it('passes a non-image through: one `original` output, the source itself, nothing staged', async () => {
    const w = world()
    const pdf = path.join(w.root, 'report.pdf')
    fs.writeFileSync(pdf, Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(4000, 7)]))
    const [job] = await w.enqueue([pdf])
    const ctx = w.processCtx(w.claim(job!.id))
    const end = await processSource(ctx, await readSource(ctx))
    expect(end.row?.state).toBe('processed')
    const row = w.ledger.job(job!.id)!
    expect(row.state).toBe('processed')
    expect(row.owner).toBeNull()
    // The facts the read step left unrecorded went in with `processed`.
    expect(row.sha256).toBe(sha256Of(pdf))
    const outputs = w.ledger.outputs(job!.id)
    expect(outputs).toHaveLength(1)
    expect(outputs[0]).toMatchObject({
      variant: 'original',
      format: 'pdf',
      content_type: 'application/pdf',
      bytes: fs.statSync(pdf).size,
      staged_path: pdf,
      state: 'staged',
    })
    expect(outputs[0]!.key).toMatch(new RegExp(`^p/${sha256Of(pdf).slice(0, 16)}/report\\.pdf$`))
    expect(fs.existsSync(w.staging.dirOf(job!.id))).toBe(false)
    // Its bytes wait in memory for the upload step.
    expect(w.held.get(job!.id)?.bytes.length).toBe(fs.statSync(pdf).size)
  })

  it('makes an image’s variants in its staging folder, with their real dimensions', async () => {
    const w = world()
    const [job] = await w.enqueue([PHOTO])
    const ctx = w.processCtx(w.claim(job!.id))
    await processSource(ctx, await readSource(ctx))
    const [thumb] = w.ledger.outputs(job!.id)
    expect(thumb).toMatchObject({ variant: 'thumb', format: 'webp', state: 'staged' })
    expect(path.dirname(thumb!.staged_path!)).toBe(w.staging.dirOf(job!.id))
    const meta = await sharp(thumb!.staged_path!).metadata()
    expect(meta.format).toBe('webp')
    expect(Math.max(meta.width, meta.height)).toBe(64)
    expect([thumb!.width, thumb!.height]).toEqual([meta.width, meta.height])
    expect(fs.statSync(thumb!.staged_path!).size).toBe(thumb!.bytes)
  })

  it('with an upload slot free, a small file goes straight on to `uploading`, still its owner', async () => {
    const w = world()
    const text = path.join(w.root, 'a.txt')
    fs.writeFileSync(text, 'hello\n')
    const [job] = await w.enqueue([text])
    const ctx = w.processCtx(w.claim(job!.id), { uploadSlot: true })
    const end = await processSource(ctx, await readSource(ctx))
    expect(end.row).toMatchObject({ state: 'uploading', owner: ctx.owner, attempts: 2 })
  })

  it('refuses an image past the pixel limit before decoding it, with PIXEL_LIMIT', async () => {
    const w = world()
    const [job] = await w.enqueue([PHOTO])
    const ctx = w.processCtx(w.claim(job!.id), { limitInputPixels: 1000 })
    await expect(processSource(ctx, await readSource(ctx))).rejects.toMatchObject({
      code: 'PIXEL_LIMIT',
    })
    // No verdict here (the scheduler records it): the job is still this claim's, no outputs.
    expect(w.ledger.job(job!.id)).toMatchObject({ state: 'processing', owner: ctx.owner })
    expect(w.ledger.outputs(job!.id)).toHaveLength(0)
  })
})
