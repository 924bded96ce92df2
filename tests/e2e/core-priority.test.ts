// The core runs below normal priority (core/process/background-priority.ts), so a window the
// user scrolls keeps its frames while photos are decoded, hashed and sent: checked on the real
// core process, every one of its threads, after a photo went through (libuv's pool, libvips'
// threads and the hashing worker exist by then).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CORPUS } from '../helpers/fixtures'
import { startTestApp, until, type TestApp } from './helpers/app'

/** The nice value of each thread of a process (Linux: field 19 of /proc/PID/task/TID/stat). */
function threadNices(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[16])
  })
}

describe.runIf(process.platform === 'linux')('the core process’s priority', () => {
  let app: TestApp
  let work: string

  afterAll(async () => {
    await app?.close()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('runs every thread below normal priority, the test runner staying at its own', async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-priority-'))
    app = await startTestApp({ dataDir: path.join(work, 'data') })
    const photo = path.join(work, 'castle.jpg')
    fs.copyFileSync(path.join(CORPUS, 'exif-samples__jpg_gps_DSCN0010.jpg'), photo)
    expect(await app.call('addPaths', [photo])).toEqual({ added: 1 })
    await until('the photo to be done', async () => (await app.queue()).overall.counts.done === 1)
    const nices = threadNices(app.supervisor.pid!)
    expect(nices.length).toBeGreaterThan(4)
    expect(nices.every((n) => n === 10)).toBe(true)
    expect(threadNices(process.pid)[0]).toBe(os.getPriority(0))
  })
})
