// `upshot serve` as a real child process: started on a free port with --json, its first stdout
// line read for the URLs it prints, stopped by its pid.
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
): Promise<RunningServe> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', ...args], {
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
      const nl = stdout.indexOf('\n')
      if (nl !== -1) {
        clearTimeout(timer)
        resolve(JSON.parse(stdout.slice(0, nl)) as ServeInfo)
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
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
