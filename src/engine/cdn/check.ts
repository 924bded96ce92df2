// The connection test's CDN check: one real purge of a path that never holds an object (under
// the probe folder), so the credentials, the zone or distribution and the permission are proven
// without touching anything a link points to.

import { toJobError } from '../job-error'
import type { Destination } from '../types'
import { purgerFor } from './purge-queue'
import { CDN_LABELS } from './types'

export async function checkPurge(
  dest: Destination,
): Promise<{ status: 'pass' | 'fail'; detail: string } | null> {
  const cdn = dest.config.purge
  if (!cdn) return null
  const key = [dest.config.prefix, '.upshot-probe', 'purge-check.txt'].filter(Boolean).join('/')
  const url = dest.urlFor(key)
  const purger = purgerFor(dest.config)!
  try {
    await purger.purge([url])
    return {
      status: 'pass',
      detail: `${CDN_LABELS[cdn.kind]} accepted a purge of ${new URL(url).pathname}, a path that holds nothing.`,
    }
  } catch (err) {
    return { status: 'fail', detail: toJobError(err).message }
  } finally {
    purger.close()
  }
}
