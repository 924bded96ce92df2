// `upshot ui` as a user starts it: the built CLI as a real child process, its one-time link read
// from what it prints.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startCli, type CliResult } from './cli'
import type { ChildProcess } from 'node:child_process'

export interface UiServer {
  child: ChildProcess
  /** The link it printed (with its one-time token). */
  link: string
  /** http://127.0.0.1:PORT */
  origin: string
  port: number
  dataDir: string
  output(): string
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<CliResult>
}

export async function startUi(
  opts: { dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<UiServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-ui-'))
  const { child, done } = startCli(
    ['ui', '--no-open', '--data-dir', dataDir, ...(opts.args ?? [])],
    { UPSHOT_NO_KEYCHAIN: '1', ...opts.env },
    15 * 60_000,
  )
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const link = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /(https?:\/\/\S+\?token=\S+)/.exec(out)
      if (m) {
        clearInterval(timer)
        resolve(m[1]!)
      }
    }, 50)
    void done.then((r) => {
      clearInterval(timer)
      reject(new Error(`upshot ui exited (${r.code}):\n${r.stdout}\n${r.stderr}`))
    })
  })
  const url = new URL(link)
  return {
    child,
    link,
    origin: url.origin,
    port: Number(url.port),
    dataDir,
    output: () => out,
    async stop() {
      child.kill('SIGTERM')
      return done
    },
  }
}
