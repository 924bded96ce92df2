// What the window may name on disk. The page is not trusted with paths: a compromised renderer
// could otherwise sync any folder or read any file as a watermark. Paths reach the core from the
// native dialogs only; the window gets an opaque token for each, random and unguessable, good for
// one purpose (a sync folder, a watermark image, a local destination's folder), for a while, and only as long as the core holds
// it. Commands that take a path take such a token and redeem it here; a string the page made up,
// a token for another purpose, an old or a used one is refused (FORBIDDEN), whatever it says.

import { randomBytes } from 'node:crypto'

export type GrantPurpose =
  'sync-folder' | 'upload-folder' | 'watermark-image' | 'destination-folder' | 'preview-photo'

/** The shape of a token, for the commands' argument checks. */
export const GRANT_TOKEN = /^grant_[A-Za-z0-9_-]{43}$/

/** Refused for the sender's lack of rights, not for bad input: answered as FORBIDDEN. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ForbiddenError'
  }
}

interface Grant {
  purpose: GrantPurpose
  path: string
  expiresAt: number
}

export interface PathGrantsOptions {
  /** How long a choice stays good; an hour by default (a form left open over lunch). */
  ttlMs?: number
  /** Tokens held at most; the oldest go first. */
  max?: number
  now?: () => number
}

const WHAT: Record<GrantPurpose, string> = {
  'sync-folder': 'folder',
  'upload-folder': 'folder',
  'watermark-image': 'watermark image',
  'destination-folder': 'folder',
  'preview-photo': 'photo',
}

export class PathGrants {
  private readonly grants = new Map<string, Grant>()
  private readonly ttlMs: number
  private readonly max: number
  private readonly now: () => number

  constructor(options: PathGrantsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000
    this.max = options.max ?? 64
    this.now = options.now ?? Date.now
  }

  /** A new token for a path the user chose in a native dialog. */
  issue(purpose: GrantPurpose, path: string): string {
    this.prune()
    while (this.grants.size >= this.max) this.grants.delete(this.grants.keys().next().value!)
    const token = `grant_${randomBytes(32).toString('base64url')}`
    this.grants.set(token, { purpose, path, expiresAt: this.now() + this.ttlMs })
    return token
  }

  /** The path behind a token, which stays good (a preview before the save). */
  peek(token: string, purpose: GrantPurpose): string {
    const grant = this.grants.get(token)
    if (!grant || grant.purpose !== purpose || grant.expiresAt <= this.now()) {
      if (grant && grant.expiresAt <= this.now()) this.grants.delete(token)
      throw new ForbiddenError(
        `That ${WHAT[purpose]} was not chosen in this window, or the choice has expired; choose it again.`,
      )
    }
    return grant.path
  }

  /** Forgets a token once what it was for is done (a pair saved, a preset saved). */
  revoke(token: string): void {
    this.grants.delete(token)
  }

  /** Whether a string has a token's shape (it may still be forged or expired). */
  static isToken(value: string): boolean {
    return GRANT_TOKEN.test(value)
  }

  private prune(): void {
    const now = this.now()
    for (const [token, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(token)
  }
}
