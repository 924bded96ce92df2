// `--health`: proves that this Node can load what the core needs (sharp with its libvips,
// better-sqlite3 built for this Node's ABI, the HEIC decoder its worker thread loads by path)
// and says which versions it found. A package's build
// runs it with the shipped Node; so can a user who wonders why the app does not start.

import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import sharp from 'sharp'
import { PROTOCOL_VERSION } from '../../shared/protocol'
import { heicDecoderPath } from '../../engine/pipeline/heic'

export interface Health {
  version: string
  protocol: number
  node: string
  abi: string
  platform: string
  arch: string
  sqlite: string
  vips: string
  /** heic-decode's version, found where the HEIC worker thread will load it. */
  heic: string
}

export function checkHealth(version: string): Health {
  const db = new Database(':memory:')
  try {
    const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string }
    return {
      version,
      protocol: PROTOCOL_VERSION,
      node: process.version,
      abi: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      sqlite: v,
      vips: sharp.versions.vips,
      heic: heicVersion(),
    }
  } finally {
    db.close()
  }
}

function heicVersion(): string {
  let dir = path.dirname(heicDecoderPath())
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir)
  return (
    JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }
  ).version
}
