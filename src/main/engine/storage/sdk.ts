// The AWS SDK, loaded on first use. Importing @aws-sdk/client-s3 costs ~120 ms (its presigner and
// HTTP handler another ~60 ms), more than a batch of small files takes to upload through the lean
// path (lean.ts); only multipart, listing parts, aborts, deletes, presigning, the doctor and
// cleanup need it. Nothing else in the engine may import these packages as values: types only.
export type S3Sdk = typeof import('@aws-sdk/client-s3')
type Presigner = typeof import('@aws-sdk/s3-request-presigner')
type HttpHandler = typeof import('@smithy/node-http-handler')

let s3: Promise<S3Sdk> | undefined
let presigner: Promise<Presigner> | undefined
let httpHandler: Promise<HttpHandler> | undefined

export function loadS3Sdk(): Promise<S3Sdk> {
  return (s3 ??= import('@aws-sdk/client-s3'))
}

export function loadPresigner(): Promise<Presigner> {
  return (presigner ??= import('@aws-sdk/s3-request-presigner'))
}

export function loadHttpHandler(): Promise<HttpHandler> {
  return (httpHandler ??= import('@smithy/node-http-handler'))
}
