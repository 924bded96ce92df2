// Child processes for the benchmarks: wall time from spawn to exit, and peak RSS through GNU time.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const GNU_TIME = '/usr/bin/time'
export const hasGnuTime = fs.existsSync(GNU_TIME)

/**
 * Runs a command to its end. Returns { code, seconds, cpuSeconds, stdout, stderr, maxRssBytes }.
 * seconds: wall time from spawn to exit. Through GNU time when present: cpuSeconds (user + system,
 * the process and the children it waited for: robust when other work shares the machine) and
 * maxRssBytes (the largest resident set, the kernel's ru_maxrss); null without /usr/bin/time.
 */
export function run(cmd, args, opts = {}) {
  const usageFile = hasGnuTime ? tmpName('usage') : null
  const [file, argv] = usageFile
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', usageFile, cmd, ...args]]
    : [cmd, args]
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(file, argv, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      if (opts.keepStdout !== false) stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      let maxRssBytes = null
      let cpuSeconds = null
      if (usageFile) {
        const text = fs.existsSync(usageFile) ? fs.readFileSync(usageFile, 'utf8') : ''
        const [kb, user, sys] = (text.trim().split('\n').pop() ?? '').split(' ').map(Number)
        if (Number.isFinite(kb) && kb > 0) maxRssBytes = kb * 1024
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = user + sys
        fs.rmSync(usageFile, { force: true })
      }
      resolve({ code, signal, seconds, cpuSeconds, stdout, stderr, maxRssBytes })
    })
  })
}

/** Like run, but throws with the command's stderr when it does not exit 0. */
export async function runOk(cmd, args, opts = {}) {
  const r = await run(cmd, args, opts)
  if (r.code !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-8).join('\n')
    throw new Error(`${path.basename(cmd)} exited ${r.code ?? r.signal}:\n${tail}`)
  }
  return r
}

/** Runs tasks (functions returning promises) with at most `width` at once, like `xargs -P`. */
export async function pool(tasks, width) {
  let next = 0
  const results = new Array(tasks.length)
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker))
  return results
}

let counter = 0
export function tmpName(what) {
  return path.join(os.tmpdir(), `upshot-bench-${process.pid}-${what}-${counter++}`)
}

/** First line of `cmd args` (versions), or null when the command is missing. */
export function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error || r.status !== 0) return null
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? null
}

export function which(names) {
  for (const n of names) {
    if (n.includes('/')) {
      if (fs.existsSync(n)) return n
      continue
    }
    for (const dir of (process.env.PATH ?? '').split(':')) {
      const p = path.join(dir, n)
      if (dir && fs.existsSync(p)) return p
    }
  }
  return null
}

/** Total size of the regular files under dir, and their count. */
export function dirBytes(dir) {
  let bytes = 0
  let files = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    bytes += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size
    files++
  }
  return { bytes, files }
}
