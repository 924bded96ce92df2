// `upshot verify`: every object the ledger says is on a destination (the outputs of its live
// records) and on its mirrors (copies recorded done) is there, with the size recorded and, where
// both stores give a plain MD5 ETag, the same ETag on both. `repair` copies what is missing or
// wrong from a copy that is intact (the primary, else a mirror), then looks again.
import type { JobError } from '../../shared/jobs'
import { toJobError } from '../job-error'
import type { Ledger } from '../ledger'
import type { Destination, RemoteObject } from '../types'
import { copyObject } from './copy'

export type VerifyProblem = 'missing' | 'size' | 'etag' | 'unreachable'

export interface VerifyIssue {
  key: string
  /** The destination's name (or ledger id) the problem is on. */
  destination: string
  role: 'primary' | 'mirror'
  problem: VerifyProblem
  expectedBytes: number
  foundBytes: number | null
  /** With repair: copied back from an intact copy and found right afterwards. */
  repaired: boolean
  /** Why it could not be checked or repaired. */
  error: JobError | null
}

export interface VerifiedDestination {
  name: string
  id: string
  role: 'primary' | 'mirror'
  checked: number
  intact: number
  /** Copies not made yet (mirrors only): not checked, the worker is on them. */
  pending: number
}

export interface VerifyReport {
  destinations: VerifiedDestination[]
  issues: VerifyIssue[]
  /** Every object intact (after repairs, when asked). */
  ok: boolean
}

export interface VerifyRequest {
  ledger: Ledger
  primaryId: string
  destination(id: string): Destination
  nameOf(id: string): string
  repair: boolean
  tmpDir: string
  signal?: AbortSignal
}

interface Place {
  id: string
  role: 'primary' | 'mirror'
}

const PARALLEL = 6
const plainMd5 = (etag: string | null): string | null => {
  const e = etag?.replace(/"/g, '').toLowerCase() ?? null
  return e && /^[0-9a-f]{32}$/.test(e) ? e : null
}

export async function verifyDestination(req: VerifyRequest): Promise<VerifyReport> {
  const { ledger, primaryId } = req
  const objects = ledger.mirrors.liveObjectsOn(primaryId)
  const copies = ledger.mirrors.copiesOnPrimary(primaryId)
  const mirrorIds = [
    ...new Set([...ledger.mirrors.mirrorsOf(primaryId), ...copies.map((c) => c.mirrorId)]),
  ]
  const stats = new Map<string, VerifiedDestination>()
  const stat = (p: Place): VerifiedDestination => {
    let s = stats.get(p.id)
    if (!s) {
      s = { name: req.nameOf(p.id), id: p.id, role: p.role, checked: 0, intact: 0, pending: 0 }
      stats.set(p.id, s)
    }
    return s
  }
  stat({ id: primaryId, role: 'primary' })
  for (const m of mirrorIds) stat({ id: m, role: 'mirror' })
  for (const c of copies)
    if (c.state !== 'done' && objects.has(c.key)) stat({ id: c.mirrorId, role: 'mirror' }).pending++

  const issues: VerifyIssue[] = []
  const keys = [...objects.keys()]
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < keys.length && !req.signal?.aborted) {
      const key = keys[next++]!
      const bytes = objects.get(key)!
      const places: Place[] = [
        { id: primaryId, role: 'primary' },
        ...copies
          .filter((c) => c.key === key && c.state === 'done')
          .map((c) => ({ id: c.mirrorId, role: 'mirror' as const })),
      ]
      issues.push(...(await verifyKey(req, key, bytes, places, stat)))
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, keys.length) }, worker))
  issues.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return {
    destinations: [...stats.values()],
    issues,
    ok: issues.every((i) => i.repaired),
  }
}

async function verifyKey(
  req: VerifyRequest,
  key: string,
  bytes: number,
  places: Place[],
  stat: (p: Place) => VerifiedDestination,
): Promise<VerifyIssue[]> {
  const found = new Map<string, RemoteObject | null | JobError>()
  for (const p of places) {
    try {
      found.set(p.id, await req.destination(p.id).head(key, req.signal))
    } catch (err) {
      found.set(p.id, toJobError(err))
    }
  }
  const isObject = (v: unknown): v is RemoteObject =>
    v !== null && typeof v === 'object' && 'size' in (v as object)
  // The ETag the intact copies agree on (only where both give a plain MD5: a multipart ETag
  // depends on the part size, so it is not comparable across stores).
  const md5s = places
    .map((p) => found.get(p.id))
    .filter(isObject)
    .filter((o) => o.size === bytes)
    .map((o) => plainMd5(o.etag))
    .filter((e): e is string => e !== null)
  const primaryMd5 = (() => {
    const p = found.get(places[0]!.id)
    return isObject(p) && p.size === bytes ? plainMd5(p.etag) : null
  })()
  const reference = primaryMd5 ?? md5s[0] ?? null
  const problemOf = (v: RemoteObject | null | JobError | undefined): VerifyProblem | null => {
    if (v === undefined || (!isObject(v) && v !== null)) return 'unreachable'
    if (v === null) return 'missing'
    if (v.size !== bytes) return 'size'
    const md5 = plainMd5(v.etag)
    if (reference && md5 && md5 !== reference) return 'etag'
    return null
  }
  const intact = places.filter((p) => problemOf(found.get(p.id)) === null)
  const issues: VerifyIssue[] = []
  for (const p of places) {
    const s = stat(p)
    s.checked++
    const v = found.get(p.id)
    const problem = problemOf(v)
    if (problem === null) {
      s.intact++
      continue
    }
    const issue: VerifyIssue = {
      key,
      destination: req.nameOf(p.id),
      role: p.role,
      problem,
      expectedBytes: bytes,
      foundBytes: isObject(v) ? v.size : null,
      repaired: false,
      error: v !== null && v !== undefined && !isObject(v) ? v : null,
    }
    if (req.repair && problem !== 'unreachable') {
      const source = intact[0]
      if (!source) {
        issue.error = {
          code: 'NOT_FOUND',
          message: `No intact copy of "${key}" is left to repair it from.`,
        } as JobError
      } else {
        try {
          const to = req.destination(p.id)
          await copyObject(req.destination(source.id), to, key, {
            tmpDir: req.tmpDir,
            expectedBytes: bytes,
            ...(req.signal ? { signal: req.signal } : {}),
          })
          const after = await to.head(key, req.signal)
          issue.repaired = after !== null && after.size === bytes
          if (issue.repaired) {
            s.intact++
            if (p.role === 'mirror')
              req.ledger.mirrors.markDone(
                { primaryId: req.primaryId, mirrorId: p.id, key },
                after?.etag ?? null,
              )
          }
        } catch (err) {
          issue.error = toJobError(err)
        }
      }
    }
    issues.push(issue)
  }
  return issues
}
