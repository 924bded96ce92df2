// One S3Client per destination, tuned for many parallel part uploads. The SDK is loaded here on
// first use (sdk.ts), so the calls that never need it do not pay for its import.
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import type { S3DestinationConfig } from '../types'
import { loadHttpHandler, loadS3Sdk } from './sdk'

type SdkLogger = NonNullable<S3ClientConfig['logger']>

// With its default logger the SDK prints a line on every failed request with a stream body
// ("non-retryable streaming request"); we retry each request ourselves (retry.ts) and turn every
// failure into an UpshotError, so that line and the per-call error dumps are only noise on the
// CLI's stderr. Other warnings (socket exhaustion...) still reach the console.
const NOT_RETRIED = 'non-retryable streaming request'

const sdkLogger: SdkLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...content: unknown[]) => {
    if (!content.some((c) => typeof c === 'string' && c.includes(NOT_RETRIED))) {
      console.warn(...content)
    }
  },
  error: () => undefined,
}

export async function createS3Client(
  config: S3DestinationConfig,
  sockets: number,
): Promise<S3Client> {
  const [{ S3Client }, { NodeHttpHandler }] = await Promise.all([loadS3Sdk(), loadHttpHandler()])
  // Agent options rather than Agent instances: the handler then owns the agents and honours
  // `Expect: 100-continue`, so a store that refuses a request (bad key, no bucket) does so before
  // the body goes out.
  const agentOptions = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.pathStyle,
    // Without explicit keys the SDK's default chain applies: env, AWS_PROFILE, shared files, SSO.
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // We retry each request (each part) ourselves, see retry.ts.
    maxAttempts: 1,
    requestChecksumCalculation: config.checksum,
    responseChecksumValidation: config.checksum,
    logger: sdkLogger,
    requestHandler: new NodeHttpHandler({
      httpAgent: agentOptions,
      httpsAgent: agentOptions,
      connectionTimeout: 10_000,
      // Idle time on a socket, not a cap on the whole request: the bandwidth limit may pace a
      // part for minutes, but a silent socket for two minutes is a dead one.
      socketTimeout: 120_000,
    }),
  })
}

/** How messages name the store: the endpoint as given, or AWS with its region. */
export function describeStore(config: S3DestinationConfig): string {
  return config.endpoint ? config.endpoint.replace(/\/+$/, '') : `AWS S3 (${config.region})`
}
