import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { CORPUS, runCli, runCliJson } from '../helpers/cli'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-cli-local-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const sha = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex')

describe('upshot upload with the default local destination', () => {
  const dataDir = path.join(work, 'data')
  const inputs = path.join(work, 'in')
  fs.mkdirSync(path.join(inputs, 'sub'), { recursive: true })
  fs.copyFileSync(
    path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg'),
    path.join(inputs, 'tiny camera.jpg'),
  )
  fs.copyFileSync(path.join(CORPUS, 'sharp__with-alpha.png'), path.join(inputs, 'sub', 'alpha.png'))
  fs.copyFileSync(path.join(CORPUS, 'sharp__truncated.jpg'), path.join(inputs, 'sub', 'broken.jpg'))
  fs.writeFileSync(path.join(inputs, 'notes.txt'), 'not an image, uploaded as it is\n')
  fs.writeFileSync(path.join(inputs, '.hidden.jpg'), 'skipped')

  it('uploads a folder: every file is one job, bad files fail alone, links are file:// URLs', async () => {
    const before = sha(fs.readFileSync(path.join(inputs, 'tiny camera.jpg')))
    const { result, report } = await runCliJson([
      'upload',
      inputs,
      path.join(work, 'missing.jpg'),
      '--data-dir',
      dataDir,
    ])
    expect(result.code).toBe(1) // some job failed
    const bySource = Object.fromEntries(report.jobs.map((j) => [path.relative(work, j.source), j]))
    expect(Object.keys(bySource).sort()).toEqual([
      'in/notes.txt',
      'in/sub/alpha.png',
      'in/sub/broken.jpg',
      'in/tiny camera.jpg',
      'missing.jpg',
    ])
    expect(bySource['missing.jpg']!.status).toBe('failed')
    expect(bySource['missing.jpg']!.error!.code).toBe('NOT_FOUND')
    expect(bySource['in/sub/broken.jpg']!.status).toBe('failed')
    expect(bySource['in/sub/broken.jpg']!.error!.code).toBe('CORRUPT_IMAGE')
    expect(bySource['in/sub/broken.jpg']!.error!.message).not.toMatch(/\n|at .*\(/)

    const tiny = bySource['in/tiny camera.jpg']!
    expect(tiny.status).toBe('done')
    expect(tiny.sha256).toBe(before)
    expect(tiny.outputs.map((o) => o.variant).sort()).toEqual([
      'full',
      'overlay',
      'preview',
      'thumb',
    ])
    for (const o of tiny.outputs) {
      expect(o.url.startsWith('file://')).toBe(true)
      const file = fileURLToPath(o.url)
      const buf = fs.readFileSync(file)
      expect(buf.length).toBe(o.bytes)
      const meta = await sharp(buf).metadata()
      expect(meta.format).toBe('webp')
      expect([meta.width, meta.height]).toEqual([o.width, o.height])
      // A 100x68 image is never enlarged.
      expect(meta.width).toBeLessThanOrEqual(100)
      expect(meta.height).toBeLessThanOrEqual(68)
    }
    // The source was not touched.
    expect(sha(fs.readFileSync(path.join(inputs, 'tiny camera.jpg')))).toBe(before)

    const notes = bySource['in/notes.txt']!
    expect(notes.status).toBe('done')
    expect(notes.outputs).toHaveLength(1)
    expect(notes.outputs[0]!.variant).toBe('original')
    expect(notes.outputs[0]!.contentType).toMatch(/^text\/plain/)
    expect(fs.readFileSync(fileURLToPath(notes.outputs[0]!.url), 'utf8')).toBe(
      'not an image, uploaded as it is\n',
    )

    const alpha = bySource['in/sub/alpha.png']!
    const full = alpha.outputs.find((o) => o.variant === 'full')!
    expect((await sharp(fs.readFileSync(fileURLToPath(full.url))).metadata()).hasAlpha).toBe(true)
    expect(report.summary).toMatchObject({ done: 3, failed: 2 })
  })

  it('a second run of the same files sends nothing and reuses the links', async () => {
    const files = [path.join(inputs, 'tiny camera.jpg'), path.join(inputs, 'notes.txt')]
    const first = await runCliJson(['upload', ...files, '--data-dir', dataDir])
    expect(first.result.code).toBe(0)
    expect(first.report.jobs.every((j) => j.deduplicated)).toBe(true)
    expect(first.report.summary.bytesUploaded).toBe(0)
  })

  it('lists jobs from the ledger', async () => {
    const { result } = await runCliJson(['jobs', '--all', '--data-dir', dataDir])
    const parsed = JSON.parse(result.stdout) as { jobs: { state: string }[] }
    expect(parsed.jobs.length).toBe(7)
    expect(parsed.jobs.filter((j) => j.state === 'done').length).toBe(5)
  })

  it('exits on its own once a one-file upload is done (nothing left holding the process)', async () => {
    // One small file: the hashing thread is started but never used before the run ends.
    const one = path.join(work, 'one.txt')
    fs.writeFileSync(one, 'a single small file\n')
    const started = Date.now()
    const result = await runCli(
      ['upload', one, '--to', `file://${path.join(work, 'out-one')}`, '--data-dir', dataDir],
      {},
      20_000,
    )
    expect(result.stderr).not.toContain('had not exited')
    expect([result.code, result.signal]).toEqual([0, null])
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(result.stdout).toContain('1 done, 0 failed')
  })

  it('a usage error exits 2 with one sentence', async () => {
    const { result, report } = await runCliJson([
      'upload',
      inputs,
      '--to',
      's3://Bad_Bucket',
      '--data-dir',
      dataDir,
    ])
    expect(result.code).toBe(2)
    expect((report as unknown as { error: { code: string; message: string } }).error.code).toBe(
      'CONFIG',
    )
  })
})

describe('names in the human output', () => {
  it('shows control characters in a file name as escapes: no terminal sequence, no forged line', async () => {
    const dataDir = path.join(work, 'data-names')
    const dir = path.join(work, 'names')
    fs.mkdirSync(dir, { recursive: true })
    // Clears the screen, retitles the terminal, and starts a line that looks like Upshot's own.
    const evil = 'evil\u001b]0;pwned\u0007\u001b[2J\ndone  forged.jpg\u202e.jpg'
    fs.copyFileSync(path.join(CORPUS, 'sharp__with-alpha.png'), path.join(dir, evil))
    const upload = await runCli(['upload', dir, '--data-dir', dataDir])
    const jobs = await runCli(['jobs', '--all', '--data-dir', dataDir])
    expect(upload.code).toBe(0)
    for (const text of [upload.stdout, upload.stderr, jobs.stdout]) {
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u001b\u0007\u202e]/)
      expect(text.split('\n').some((l) => l.startsWith('done  forged'))).toBe(false)
    }
    expect(upload.stdout).toContain('evil\\x1B]0;pwned\\x07\\x1B[2J\\ndone  forged.jpg\\u202E.jpg')
    expect(jobs.stdout.split('\n').filter((l) => l.startsWith('done'))).toHaveLength(1)
  })
})

describe('names a local folder must hold', () => {
  it('uploads files whose names are long in bytes or Windows device names', async () => {
    const dir = path.join(work, 'long-names')
    fs.mkdirSync(dir)
    // 80 CJK characters are 240 bytes: the file exists, but the key's file name (and the temp
    // file written beside it) would pass the 255-byte limit.
    const long = '東京の夜景'.repeat(16)
    fs.copyFileSync(path.join(CORPUS, 'sharp__with-alpha.png'), path.join(dir, `${long}.png`))
    fs.writeFileSync(path.join(dir, `${long}.txt`), 'a text file with a long name\n')
    fs.writeFileSync(path.join(dir, 'CON.txt'), 'a device name on Windows\n')
    const out = path.join(work, 'out-names')
    const { result, report } = await runCliJson([
      'upload',
      dir,
      '--to',
      `file://${out}`,
      '--data-dir',
      path.join(work, 'data-names'),
    ])
    expect(report.jobs.map((j) => [path.basename(j.source), j.status, j.error])).toEqual(
      expect.arrayContaining([
        [`${long}.png`, 'done', null],
        [`${long}.txt`, 'done', null],
        ['CON.txt', 'done', null],
      ]),
    )
    expect(result.code).toBe(0)
    for (const j of report.jobs) {
      for (const o of j.outputs) {
        const file = path.join(out, ...o.key.split('/'))
        expect(fs.statSync(file).size).toBe(o.bytes)
        expect(Buffer.byteLength(path.basename(file))).toBeLessThanOrEqual(255 - 25)
      }
    }
    const con = report.jobs.find((j) => path.basename(j.source) === 'CON.txt')!
    expect(con.outputs[0]!.key.split('/').at(-1)).toBe('CON_.txt')
  })
})

describe('a local folder a web server may serve', () => {
  const dataDir = path.join(work, 'served-data')
  const inputs = path.join(work, 'served-in')
  const out = path.join(work, 'www')
  fs.mkdirSync(inputs, { recursive: true })
  const sources: Record<string, string | Buffer> = {
    'page.html': '<!doctype html><script>fetch("/admin")</script>\n',
    'shell.php': '<?php system($_GET["c"]); ?>\n',
    'double.php.txt': '<?php echo "runs under AddHandler"; ?>\n',
    'fake.svg': '<html><body><svg onload="alert(1)"></svg></body></html>\n',
    'app.js': 'document.cookie\n',
    'binary.php': Buffer.concat([Buffer.from([0, 1, 2, 3, 0xff]), Buffer.from('<?php ?>')]),
    'notes.md': '# Notes\n',
    'report.pdf': '%PDF-1.4\n%\xe2\xe3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n',
  }
  for (const [name, bytes] of Object.entries(sources))
    fs.writeFileSync(path.join(inputs, name), bytes)
  fs.copyFileSync(
    path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg'),
    path.join(inputs, 'photo.jpg'),
  )

  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true, recursive: true })
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))

  it('gets no page, script or metadata: files kept as they are have inert extensions', async () => {
    const { result, report } = await runCliJson([
      'upload',
      inputs,
      '--to',
      `file://${out}`,
      '--data-dir',
      dataDir,
    ])
    expect(result.code, result.stderr).toBe(0)
    const served = walk(out)
    // No `.upshot-meta/` (original names, source hashes) and no dotfile at all.
    expect(served.filter((p) => p.split(path.sep).some((s) => s.startsWith('.')))).toEqual([])
    const files = served.filter((p) => fs.statSync(path.join(out, p)).isFile())
    const exts = new Set(files.map((f) => path.extname(f).slice(1)))
    expect([...exts].sort()).toEqual(['bin', 'md', 'pdf', 'txt', 'webp'])
    const keyOf = (name: string): string =>
      report.jobs.find((j) => path.basename(j.source) === name)!.outputs[0]!.key
    expect(keyOf('page.html')).toMatch(/\/page\.txt$/)
    expect(keyOf('shell.php')).toMatch(/\/shell\.txt$/)
    expect(keyOf('double.php.txt')).toMatch(/\/double-php\.txt$/)
    expect(keyOf('fake.svg')).toMatch(/\/fake\.txt$/)
    expect(keyOf('app.js')).toMatch(/\/app\.txt$/)
    expect(keyOf('binary.php')).toMatch(/\/binary\.bin$/)
    expect(keyOf('notes.md')).toMatch(/\/notes\.md$/)
    expect(keyOf('report.pdf')).toMatch(/\/report\.pdf$/)
    // Nothing the user gave is changed: the bytes are the source's.
    for (const [name, bytes] of Object.entries(sources))
      expect(fs.readFileSync(path.join(out, keyOf(name))).equals(Buffer.from(bytes)), name).toBe(
        true,
      )
    // The metadata lives in the data dir instead, one sidecar per object.
    const sidecars = walk(path.join(dataDir, 'local-meta')).filter((p) => p.endsWith('.json'))
    expect(sidecars).toHaveLength(files.length)
  })

  it('with the ledger lost, the sidecars in the data dir still prove the objects and dedup', async () => {
    for (const f of fs.readdirSync(dataDir))
      if (f.startsWith('ledger.sqlite')) fs.rmSync(path.join(dataDir, f))
    const { result, report } = await runCliJson([
      'upload',
      path.join(inputs, 'photo.jpg'),
      path.join(inputs, 'page.html'),
      '--to',
      `file://${out}`,
      '--data-dir',
      dataDir,
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(report.jobs.map((j) => j.deduplicated)).toEqual([true, true])
    expect(report.summary.bytesUploaded).toBe(0)
  })
})
