// `upshot serve` as a real child process: started on a free port with --json, its first stdout
// line read for the URLs it prints (or, with `human`, the URLs read from the lines a person
// sees), stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process'
import { CLI } from './cli'

export interface ServeInfo {
  uploadUrl: string
  deleteUrl: string
  heartbeatUrl: string
  port: number
  destination: string
  preset: string
}

export interface RunningServe {
  child: ChildProcess
  info: ServeInfo
  /** The key from the upload URL. */
  key: string
  /** http://127.0.0.1:PORT */
  origin: string
  stderr(): string
  stop(): Promise<number | null>
}

export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  opts: { human?: boolean } = {},
): Promise<RunningServe & { stdout(): string }> {
  const json = opts.human ? [] : ['--json']
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...json, ...args], {
    env: { ...process.env, AWS_CA_BUNDLE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const info = await new Promise<ServeInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 60_000)
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      const info = opts.human ? fromHumanLines(stdout) : fromJsonLine(stdout)
      if (info) {
        clearTimeout(timer)
        resolve(info)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited (${code}) before it listened:\n${stderr}`))
    })
  })
  const url = new URL(info.uploadUrl)
  return {
    child,
    info,
    key: url.searchParams.get('key')!,
    origin: url.origin,
    stderr: () => stderr,
    stdout: () => stdout,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

function fromJsonLine(out: string): ServeInfo | null {
  const nl = out.indexOf('\n')
  return nl === -1 ? null : (JSON.parse(out.slice(0, nl)) as ServeInfo)
}

/** What a person reads: the block ends with the Ctrl+C line. */
function fromHumanLines(out: string): ServeInfo | null {
  if (!/Ctrl\+C stops\.\n/.test(out)) return null
  const upload = /Upload URL \(paste it into your editor\): (\S+)/.exec(out)?.[1]
  const del = /Delete URL \(Obsidian's "delete server"\): (\S+)/.exec(out)?.[1]
  const to = /Uploads go to (.+) with the (\S+) preset\./.exec(out)
  if (!upload || !del || !to) throw new Error(`serve printed no URLs:\n${out}`)
  const url = new URL(upload)
  return {
    uploadUrl: upload,
    deleteUrl: del,
    heartbeatUrl: `${url.origin}/heartbeat`,
    port: Number(url.port),
    destination: to[1]!,
    preset: to[2]!,
  }
}
