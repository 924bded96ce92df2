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
