// Credentials for the lean path without loading the AWS SDK when it is not needed: keys given
// with the destination, or the environment's static keys, taken exactly as the SDK's default
// chain takes them first. Anything else (AWS_PROFILE, shared files, SSO, container or instance
// metadata) goes to the SDK client's own provider, loaded on demand, so it behaves, refreshes and
// fails (CredentialsProviderError, mapped by errors.ts) exactly as before.
import type { S3DestinationConfig } from '../types'
import type { SigningCredentials } from './sigv4'

export type CredentialSource = () => Promise<SigningCredentials>

/**
 * What the SDK's default chain's first link (fromEnv) returns: the static keys when both are set
 * and AWS_PROFILE is not (a profile wins over them there), otherwise null.
 */
export function credentialsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): SigningCredentials | null {
  if (env.AWS_PROFILE) return null
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) return null
  const sessionToken = env.AWS_SESSION_TOKEN
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
}

/**
 * The credentials the lean path signs with. `sdkProvider` is asked only when neither the config
 * nor the environment has keys; it is the SDK client's memoised, refreshing provider.
 */
export function leanCredentials(
  config: S3DestinationConfig,
  sdkProvider: () => Promise<CredentialSource>,
): CredentialSource {
  if (config.credentials) {
    const fixed = Promise.resolve(config.credentials)
    return () => fixed
  }
  // Read on first use, like the SDK (whose chain also runs on the first request, then memoises).
  let own: SigningCredentials | null | undefined
  let sdk: Promise<CredentialSource> | undefined
  return async () => {
    if (own === undefined) own = credentialsFromEnv()
    if (own) return own
    sdk ??= sdkProvider()
    return (await sdk)()
  }
}
