// The S3 sink in its own process, so its CPU is not charged to the harness, and its control calls.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SINK = fileURLToPath(new URL('../sink.mjs', import.meta.url))

export async function startSinkProcess() {
  const child = spawn(process.execPath, [SINK], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n')[0]
      if (out.includes('\n')) resolve(JSON.parse(line).port)
    })
    child.on('exit', (code) => reject(new Error(`the S3 sink exited (${code}) before listening`)))
    child.on('error', reject)
  })
  const endpoint = `http://127.0.0.1:${port}`
  const control = async (what, method) => {
    const res = await fetch(`${endpoint}/__sink/${what}`, { method })
    return res.json()
  }
  return {
    endpoint,
    /** Forget every object and zero the counters. */
    reset: () => control('reset', 'POST'),
    stats: () => control('stats', 'GET'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}
