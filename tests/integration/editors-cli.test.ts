// The editor commands as editors and people run them, real CLI processes against a real s3rver
// behind the counting proxy: Typora's custom command (`upload --typora`: N inputs, N URLs as the
// last N lines, in order; one bad input prints no URL at all) and `upshot md` on a vault-like
// folder (every reference form, code that must not change, an image two notes share, a missing
// image, names with spaces and Unicode; a second run changes no byte and sends no byte;
// --dry-run and --check write and send nothing).
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS, runCli, s3TargetFlags } from '../helpers/cli'
import { getObjectBytes, listKeys } from '../helpers/s3server'
import { startS3Proxy, stopS3Proxy, type S3ProxyWork } from '../helpers/s3proxy'

const JPG = path.join(CORPUS, 'exif-samples__jpg_Canon_40D.jpg')
const PNG = path.join(CORPUS, 'sharp__with-alpha.png')
const WEBP = path.join(CORPUS, 'sharp__4.webp')

let f: S3ProxyWork

beforeAll(async () => {
  f = await startS3Proxy('upshot-editors-cli-')
})
afterAll(async () => {
  await stopS3Proxy(f)
})

function env(): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: f.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: f.s3.secretAccessKey,
    AWS_PROFILE: '',
  }
}

// A server that enforces access (the strict one of .ci/run) serves no anonymous GET: links are
// presigned there, and compared by the object they name.
function target(prefix: string, dataDir: string): string[] {
  return [
    ...s3TargetFlags(f.s3, `${f.s3.prefix}/${prefix}`, f.proxy.url, dataDir),
    ...(f.s3.strict ? ['--private'] : []),
  ]
}

/** Body bytes sent to the S3 server by uploads (PUT and POST), as the proxy counted them. */
function bytesSent(): number {
  return f.proxy.bytesWhere((r) => r.method === 'PUT' || r.method === 'POST')
}

function keyOfUrl(url: string): string {
  const base = `${f.proxy.url}/${f.s3.bucket}/`
  expect(url.startsWith(base)).toBe(true)
  return decodeURIComponent(url.slice(base.length).replace(/\?.*$/, ''))
}

/** The same object, and (public links) the same link. */
function expectSameLink(got: string, want: string): void {
  if (f.s3.strict) expect(keyOfUrl(got)).toBe(keyOfUrl(want))
  else expect(got).toBe(want)
}

/** The URL serves the object the server holds, a WebP image of this width. */
async function expectServesImage(url: string, width: number): Promise<void> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  const bytes = Buffer.from(await res.arrayBuffer())
  expect(bytes.equals(await getObjectBytes(f.s3, keyOfUrl(url)))).toBe(true)
  const meta = await sharp(bytes).metadata()
  expect(meta.format).toBe('webp')
  expect(meta.width).toBe(width)
}

async function uprightWidth(file: string): Promise<number> {
  const meta = await sharp(file).metadata()
  return (meta.orientation ?? 1) >= 5 ? meta.height! : meta.width!
}

describe("upload --typora (Typora's custom command)", () => {
  const dataDir = (): string => path.join(f.work, 'typora-data')

  it('ends stdout with `Upload Success:` and one URL per image, in input order', async () => {
    const a = path.join(f.work, 'a.jpg')
    const b = path.join(f.work, 'b é.png')
    fs.copyFileSync(JPG, a)
    fs.copyFileSync(PNG, b)
    const r = await runCli(['upload', '--typora', ...target('typora', dataDir()), a, b], env())
    expect(r.code).toBe(0)
    // Nothing but the contract on stdout: no progress, no summary.
    const lines = r.stdout.split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.slice(0, -1)).toHaveLength(3)
    expect(lines[0]).toBe('Upload Success:')
    const [urlA, urlB] = [lines[1]!, lines[2]!]
    expect(keyOfUrl(urlA)).toMatch(/\/a-full\.webp$/)
    expect(keyOfUrl(urlB)).toMatch(/\/b-é-full\.webp$/)
    await expectServesImage(urlA, await uprightWidth(JPG))
    await expectServesImage(urlB, await uprightWidth(PNG))

    // Reversed inputs: reversed URLs. Typora's "Test Uploader" sends the same images every time;
    // a second run succeeds and sends nothing (dedup).
    f.proxy.resetCounters()
    const again = await runCli(['upload', '--typora', ...target('typora', dataDir()), b, a], env())
    expect(again.code).toBe(0)
    const lines2 = again.stdout.split('\n')
    expect(lines2.slice(0, -1)).toHaveLength(3)
    expect(lines2[0]).toBe('Upload Success:')
    expectSameLink(lines2[1]!, urlB)
    expectSameLink(lines2[2]!, urlA)
    expect(bytesSent()).toBe(0)
  })

  it('prints no URL line and exits non-zero when one input fails, the reason on stderr', async () => {
    const good = path.join(CORPUS, 'exif-samples__jpg_mobile_jolla.jpg')
    const missing = path.join(f.work, 'gone.png')
    const text = path.join(f.work, 'notes.txt')
    fs.writeFileSync(text, 'not an image\n')
    for (const bad of [missing, text]) {
      const r = await runCli(
        ['upload', '--typora', ...target('typora', dataDir()), good, bad],
        env(),
      )
      expect(r.code).not.toBe(0)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain(bad)
      expect(r.stderr).toMatch(/no links were printed/)
    }
    expect(
      (await runCli(['upload', '--typora', ...target('typora', dataDir()), missing], env())).stderr,
    ).toMatch(/NOT_FOUND/)
  })

  it('warns that a private destination writes links that expire, and prints them all the same', async () => {
    const r = await runCli(
      ['upload', '--typora', ...target('typora', dataDir()), '--private', '--expires', '7200', JPG],
      env(),
    )
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(
      /private, so the links written are presigned and stop working after 2 hours/,
    )
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(new URL(lines[1]!).searchParams.get('X-Amz-Expires')).toBe('7200')
    await expectServesImage(lines[1]!, await uprightWidth(JPG))
  })

  it('fetches an http(s) image (private addresses only when allowed) and uploads it', async () => {
    let served = 0
    const page = http.createServer((_req, res) => {
      served++
      res.writeHead(200, { 'Content-Type': 'image/webp' }).end(fs.readFileSync(WEBP))
    })
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/pasted.webp`
    try {
      const refused = await runCli(
        ['upload', '--typora', ...target('typora', dataDir()), url],
        env(),
      )
      expect(refused.code).not.toBe(0)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toMatch(/ACCESS_DENIED/)
      expect(served).toBe(0)

      const r = await runCli(
        ['upload', '--typora', '--allow-private-urls', ...target('typora', dataDir()), url],
        env(),
      )
      expect(r.code).toBe(0)
      const lines = r.stdout.trimEnd().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toBe('Upload Success:')
      expect(keyOfUrl(lines[1]!)).toMatch(/\/pasted-full\.webp$/)
      await expectServesImage(lines[1]!, await uprightWidth(WEBP))
    } finally {
      await new Promise((resolve) => page.close(resolve))
    }
  })
})

describe('upshot md on a vault-like folder', () => {
  const dataDir = (): string => path.join(f.work, 'md-data')
  let vault: string
  let noteA: string
  let noteB: string
  let untouched: string
  const A = `---
cover: ../assets/shot one.png
image: "![x](../assets/shot one.png)"
---
# Trip

![A *shot*](<../assets/shot one.png> "The title")

![[照片 café.jpg|300]]

![[shot one.png]]

Inline code \`![no](../assets/shot one.png)\` stays.

\`\`\`md
![fenced](../assets/shot one.png)
![[shot one.png]]
\`\`\`

    ![indented](../assets/shot one.png)

<img src="sub/local.webp" width="120" alt="local">

![ref][hero]

[hero]: <../assets/shot%20one.png> 'Hero'

![gone](missing.png)
`
  const B = 'Same image again: ![again](../../assets/shot%20one.png)\nAnd ![](local.webp)\n'
  const C = 'No images here, only [a link](https://example.com/x.png).\n'

  beforeAll(() => {
    vault = path.join(f.work, 'My Vault')
    fs.mkdirSync(path.join(vault, '.obsidian'), { recursive: true })
    fs.mkdirSync(path.join(vault, 'assets'))
    fs.mkdirSync(path.join(vault, 'notes', 'sub'), { recursive: true })
    fs.writeFileSync(
      path.join(vault, '.obsidian', 'app.json'),
      JSON.stringify({ attachmentFolderPath: 'assets' }),
    )
    fs.copyFileSync(PNG, path.join(vault, 'assets', 'shot one.png'))
    fs.copyFileSync(JPG, path.join(vault, 'assets', '照片 café.jpg'))
    fs.copyFileSync(WEBP, path.join(vault, 'notes', 'sub', 'local.webp'))
    noteA = path.join(vault, 'notes', 'a.md')
    noteB = path.join(vault, 'notes', 'sub', 'b.md')
    untouched = path.join(vault, 'notes', 'c.md')
    fs.writeFileSync(noteA, A)
    fs.writeFileSync(noteB, B)
    fs.writeFileSync(untouched, C)
  })

  /** Every note's bytes and mtime. */
  function snapshot(): Map<string, { text: string; mtimeMs: number }> {
    return new Map(
      [noteA, noteB, untouched].map((p) => [
        p,
        { text: fs.readFileSync(p, 'utf8'), mtimeMs: fs.statSync(p).mtimeMs },
      ]),
    )
  }

  it('--check exits non-zero and names each local reference; --dry-run prints diffs; neither writes or sends', async () => {
    const before = snapshot()
    f.proxy.resetCounters()
    const check = await runCli(['md', '--check', ...target('md', dataDir()), vault], env())
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(`${noteA}:7: ../assets/shot one.png`)
    expect(check.stdout).toContain(`${noteB}:1: ../../assets/shot%20one.png`)
    expect(check.stdout).not.toContain(untouched)

    const dry = await runCli(['md', '--dry-run', ...target('md', dataDir()), vault], env())
    expect(dry.code).toBe(1) // the missing image
    expect(dry.stdout).toContain('--- a/')
    expect(dry.stdout).toContain('-![A *shot*](<../assets/shot one.png> "The title")')
    expect(dry.stdout).toMatch(
      /\n\+!\[A \*shot\*\]\(http:\/\/[^ ]+\/shot-one-full\.webp "The title"\)/,
    )
    expect(dry.stderr).toMatch(/a\.md:28: missing\.png: no such file/)
    expect(snapshot()).toEqual(before)
    expect(f.proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([])
    expect(await listKeys(f.s3, `${f.s3.prefix}/md/`)).toEqual([])
  })

  it('rewrites every local reference to a working URL, keeping alt, title, size, code and front matter', async () => {
    const dry = await runCli(['md', '--dry-run', ...target('md', dataDir()), vault], env())
    const r = await runCli(['md', '--json', ...target('md', dataDir()), vault], env())
    expect(r.code).toBe(1) // the missing image is reported, the rest is done
    const report = JSON.parse(r.stdout) as {
      notes: {
        path: string
        status: string
        rewritten: number
        problems: { line: number; code: string }[]
      }[]
      uploads: { images: number; uploaded: number; reused: number; failed: number }
    }
    // Three images, the one two notes share uploaded once.
    expect(report.uploads).toMatchObject({ images: 3, uploaded: 3, failed: 0 })
    const byPath = new Map(report.notes.map((n) => [n.path, n]))
    expect(byPath.get(noteA)).toMatchObject({ status: 'rewritten', rewritten: 5 })
    expect(byPath.get(noteA)!.problems).toEqual([expect.objectContaining({ line: 28 })])
    expect(byPath.get(noteB)).toMatchObject({ status: 'rewritten', rewritten: 2 })
    expect(byPath.get(untouched)).toMatchObject({ status: 'unchanged', rewritten: 0 })
    expect(fs.readFileSync(untouched, 'utf8')).toBe(C)

    const a = fs.readFileSync(noteA, 'utf8')
    const b = fs.readFileSync(noteB, 'utf8')
    const url = '(http://[^\\s)"\']+)'
    const shot = new RegExp(`^!\\[A \\*shot\\*\\]\\(${url} "The title"\\)$`, 'm').exec(a)![1]!
    const photo = new RegExp(`^!\\[照片 café\\.jpg\\|300\\]\\(${url}\\)$`, 'm').exec(a)![1]!
    const shotEmbed = new RegExp(`^!\\[shot one\\.png\\]\\(${url}\\)$`, 'm').exec(a)![1]!
    const localAttr = new RegExp(`^<img src="${url}" width="120" alt="local">$`, 'm').exec(a)![1]!
    // In an HTML attribute, a (presigned) URL's & is written &amp;.
    const local = localAttr.replace(/&amp;/g, '&')
    const hero = new RegExp(`^\\[hero\\]: ${url} 'Hero'$`, 'm').exec(a)![1]!
    expect(new Set([shot, shotEmbed, hero])).toEqual(new Set([shot]))
    expect(b).toBe(`Same image again: ![again](${shot})\nAnd ![](${local})\n`)

    // Everything else is byte for byte what it was: the rewritten note with its URLs put back
    // is the original.
    const restored = a
      .replace(`(${shot} "The title")`, '(<../assets/shot one.png> "The title")')
      .replace(`![照片 café.jpg|300](${photo})`, '![[照片 café.jpg|300]]')
      .replace(`![shot one.png](${shotEmbed})`, '![[shot one.png]]')
      .replace(`src="${localAttr}"`, 'src="sub/local.webp"')
      .replace(`[hero]: ${hero} 'Hero'`, "[hero]: <../assets/shot%20one.png> 'Hero'")
    expect(restored).toBe(A)
    // The dry run predicted exactly these objects (and, public, these URLs).
    for (const u of [shot, photo, local]) {
      expect(dry.stdout).toContain(f.s3.strict ? u.replace(/\?.*$/, '') : u)
    }

    await expectServesImage(shot, await uprightWidth(PNG))
    await expectServesImage(photo, await uprightWidth(JPG))
    await expectServesImage(local, await uprightWidth(WEBP))
    expect(keyOfUrl(photo)).toMatch(/\/照片-café-full\.webp$/)
  })

  it('a second run changes no byte and sends no byte', async () => {
    const before = snapshot()
    f.proxy.resetCounters()
    const r = await runCli(['md', '--json', ...target('md', dataDir()), vault], env())
    expect(r.code).toBe(1) // still the missing image
    const report = JSON.parse(r.stdout) as {
      notes: { status: string }[]
      uploads: { images: number; bytesUploaded: number }
    }
    expect(report.notes.map((n) => n.status)).toEqual(['unchanged', 'unchanged', 'unchanged'])
    expect(report.uploads).toMatchObject({ images: 0, bytesUploaded: 0 })
    expect(snapshot()).toEqual(before)
    expect(bytesSent()).toBe(0)
    expect(f.proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual([])

    // Once the missing image is dealt with, --check passes: no note references a local image.
    fs.writeFileSync(noteA, fs.readFileSync(noteA, 'utf8').replace('![gone](missing.png)\n', ''))
    const check = await runCli(['md', '--check', ...target('md', dataDir()), vault], env())
    expect(check.code).toBe(0)
  })
})

describe('upshot md --include-remote', () => {
  it('re-hosts a remote image on the destination, then leaves its own links alone', async () => {
    let served = 0
    const page = http.createServer((_req, res) => {
      served++
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(fs.readFileSync(PNG))
    })
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
    const remote = `http://127.0.0.1:${(page.address() as AddressInfo).port}/hosted/elsewhere.png`
    const dir = path.join(f.work, 'remote-notes')
    fs.mkdirSync(dir)
    const note = path.join(dir, 'r.md')
    fs.writeFileSync(note, `Hot-linked: ![far](${remote} "kept")\n`)
    const data = path.join(f.work, 'remote-data')
    try {
      const plain = await runCli(['md', ...target('remote', data), dir], env())
      expect(plain.code).toBe(0)
      expect(served).toBe(0) // without --include-remote, remote images are not touched
      expect(fs.readFileSync(note, 'utf8')).toContain(remote)

      const r = await runCli(
        ['md', '--include-remote', '--allow-private-urls', ...target('remote', data), dir],
        env(),
      )
      expect(r.code).toBe(0)
      expect(served).toBe(1)
      const url = /!\[far\]\((\S+) "kept"\)/.exec(fs.readFileSync(note, 'utf8'))![1]!
      expect(keyOfUrl(url)).toMatch(/\/elsewhere-full\.webp$/)
      await expectServesImage(url, await uprightWidth(PNG))

      const before = fs.readFileSync(note)
      const again = await runCli(
        ['md', '--include-remote', '--allow-private-urls', ...target('remote', data), dir],
        env(),
      )
      expect(again.code).toBe(0)
      expect(served).toBe(1) // its own link is not fetched again
      expect(fs.readFileSync(note).equals(before)).toBe(true)
    } finally {
      await new Promise((resolve) => page.close(resolve))
    }
  })
})
