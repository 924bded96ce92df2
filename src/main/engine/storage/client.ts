// One S3Client per destination, tuned for many parallel part uploads.
import http from 'node:http'
import https from 'node:https'
import { S3Client } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { S3DestinationConfig } from '../types'

export function createS3Client(config: S3DestinationConfig, sockets: number): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.pathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // We retry each request (each part) ourselves, see retry.ts.
    maxAttempts: 1,
    requestChecksumCalculation: config.checksum,
    responseChecksumValidation: config.checksum,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: 10_000,
      // Idle socket limit; generous because the bandwidth limit may pace a body slowly.
      requestTimeout: 120_000,
    }),
  })
}

/** How messages name the store: the endpoint as given, or AWS with its region. */
export function describeStore(config: S3DestinationConfig): string {
  return config.endpoint ? config.endpoint.replace(/\/+$/, '') : `AWS S3 (${config.region})`
}
