// `--health`: proves that this Node can load what the core needs (sharp with its libvips,
// better-sqlite3 built for this Node's ABI) and says which versions it found. A package's build
// runs it with the shipped Node; so can a user who wonders why the app does not start.

import Database from 'better-sqlite3'
import sharp from 'sharp'
import { PROTOCOL_VERSION } from '../../shared/protocol'

export interface Health {
  version: string
  protocol: number
  node: string
  abi: string
  platform: string
  arch: string
  sqlite: string
  vips: string
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
    }
  } finally {
    db.close()
  }
}
