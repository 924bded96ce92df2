// What the figures were measured on, and the peers' versions: printed at the top of the report.
import fs from 'node:fs'
import os from 'node:os'
import { createRequire } from 'node:module'
import { firstLine, which } from './proc.mjs'

const require = createRequire(import.meta.url)

export const IMAGEMAGICK = which(['convert-im6.q16', 'convert'])
// Debian's awscli package (v2) before whatever else is on PATH (a pip install may be v1).
export const AWS_CLI = which(['/usr/bin/aws', 'aws'])
export const RCLONE = which(['rclone'])

export function machineInfo() {
  let cpu = 'unknown'
  let flags = []
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8')
    cpu = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? cpu
    const f = /^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(/\s+/) ?? []
    flags = ['sha_ni', 'aes', 'avx2', 'avx512f'].filter((x) => f.includes(x))
  } catch {
    // not Linux: the model from os.cpus() below
    cpu = os.cpus()[0]?.model ?? cpu
  }
  let sharpVersions = {}
  try {
    sharpVersions = require('sharp').versions
  } catch {
    // reported as unknown
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu,
    cpuFlags: flags,
    ramBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    sharp: sharpVersions.sharp ?? 'unknown',
    libvips: sharpVersions.vips ?? 'unknown',
    libwebpSharp: sharpVersions.webp ?? 'unknown',
    uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
    imagemagick: IMAGEMAGICK ? firstLine(IMAGEMAGICK, ['-version']) : null,
    imagemagickPath: IMAGEMAGICK,
    awsCli: AWS_CLI ? firstLine(AWS_CLI, ['--version']) : null,
    awsCliPath: AWS_CLI,
    rclone: RCLONE ? firstLine(RCLONE, ['version']) : null,
  }
}

/** Environment for the AWS CLI: dummy keys, no user config, plain HTTP (no CA bundle). */
export function awsEnv() {
  const env = { ...process.env }
  delete env.AWS_CA_BUNDLE
  delete env.AWS_PROFILE
  delete env.AWS_SESSION_TOKEN
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'upshotbench',
    AWS_SECRET_ACCESS_KEY: 'upshotbenchsecret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/upshot-bench/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/upshot-bench/credentials',
    AWS_PAGER: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}

function cpuTimes() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = v[3] + (v[4] ?? 0)
  return { idle, total: v.reduce((a, b) => a + b, 0) }
}

/**
 * Share of the machine's CPU busy over `ms` while the benchmark itself is idle: other work on a
 * shared machine (0-1). Null where /proc/stat is missing.
 */
export async function backgroundBusy(ms = 500) {
  try {
    const a = cpuTimes()
    await new Promise((r) => setTimeout(r, ms))
    const b = cpuTimes()
    const total = b.total - a.total
    return total > 0 ? 1 - (b.idle - a.idle) / total : null
  } catch {
    return null
  }
}
