// Warnings about a destination that still works: said once by the CLI (stderr), by `upshot
// doctor` (a warn check) and the app's "Test connection"; the settings form says the same as the
// endpoint is typed (src/shared/endpoints.ts).
import { isUnencryptedRemote } from '../../shared/endpoints'
import type { DestinationConfig } from '../types'

/** One sentence when the endpoint is plain http:// to another machine; null otherwise. */
export function insecureEndpointWarning(config: DestinationConfig): string | null {
  if (config.kind !== 's3' || !config.endpoint || !isUnencryptedRemote(config.endpoint)) return null
  return `The endpoint ${config.endpoint.replace(/\/+$/, '')} is plain http://: the access key ID, signed requests, uploaded files and presigned links cross the network unencrypted; use https:// unless the network is trusted.`
}

/**
 * One sentence when links to this destination are presigned: a note or an editor keeps a link
 * for good, and a presigned one stops working. Null for public links.
 */
export function expiringLinksWarning(config: DestinationConfig): string | null {
  if (config.kind !== 's3' || !config.private) return null
  return `this destination is private, so the links written are presigned and stop working after ${lifetime(config.expiresIn ?? 3600)}; notes need public links (a public bucket or --public-url).`
}

function lifetime(seconds: number): string {
  const [n, unit] =
    seconds >= 86_400 && seconds % 86_400 === 0
      ? [seconds / 86_400, 'day']
      : seconds >= 3600 && seconds % 3600 === 0
        ? [seconds / 3600, 'hour']
        : seconds >= 60 && seconds % 60 === 0
          ? [seconds / 60, 'minute']
          : [seconds, 'second']
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}
