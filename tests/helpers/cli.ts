import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { RunReport } from '../../src/shared/jobs'

export const ROOT = path.resolve(__dirname, '../..')
export { CORPUS } from './fixtures'
export const CLI = path.join(ROOT, 'bin/upshot.mjs')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * A command that has not exited after this long is killed: a process kept alive by a stray
 * handle (its work done) fails its test instead of hanging the suite.
 */
const CLI_DEADLINE_MS = 120_000

/** Runs the built `upshot` command as a real child process. */
export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  deadlineMs = CLI_DEADLINE_MS,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, AWS_CA_BUNDLE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const deadline = setTimeout(() => {
    stderr += `\n[test helper] upshot had not exited after ${deadlineMs} ms; killed\n`
    child.kill('SIGKILL')
  }, deadlineMs)
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(deadline)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, done }
}

export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  deadlineMs?: number,
): Promise<CliResult> {
  return startCli(args, env, deadlineMs).done
}

/** Runs the CLI with --json and parses its one JSON document. */
export async function runCliJson(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ result: CliResult; report: RunReport }> {
  const result = await runCli([...args, '--json'], env)
  let report: RunReport
  try {
    report = JSON.parse(result.stdout) as RunReport
  } catch {
    throw new Error(
      `upshot printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    )
  }
  return { result, report }
}

/** The flags that point a command at a test S3 server (through `endpoint`, e.g. a proxy). */
export function s3TargetFlags(
  s3: { bucket: string; region: string },
  prefix: string,
  endpoint: string,
  dataDir: string,
): string[] {
  return [
    '--to',
    `s3://${s3.bucket}/${prefix}`,
    '--endpoint',
    endpoint,
    '--region',
    s3.region,
    '--path-style',
    '--data-dir',
    dataDir,
  ]
}

/** `upshot dest add NAME` for a test S3 server (through `endpoint`, e.g. a proxy), path-style. */
export function s3DestAddArgs(
  name: string,
  s3: { bucket: string; region: string },
  prefix: string,
  endpoint: string,
): string[] {
  return [
    'dest',
    'add',
    name,
    '--provider',
    's3-compatible',
    '--endpoint',
    endpoint,
    '--region',
    s3.region,
    '--bucket',
    s3.bucket,
    '--prefix',
    prefix,
    '--path-style',
  ]
}
