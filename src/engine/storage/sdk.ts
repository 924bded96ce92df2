// The AWS SDK, loaded on first use. Importing @aws-sdk/client-s3 costs ~120 ms (its HTTP handler
// another ~30 ms), a large part of what a batch of small files takes to upload through the lean
// path (lean.ts); only multipart, listing parts, aborts, deletes, the doctor, cleanup and
// credentials from profiles/SSO/instance metadata need it. Nothing else in the engine may import
// these packages as values (ESLint): types only.
export type S3Sdk = typeof import('@aws-sdk/client-s3')
type HttpHandler = typeof import('@smithy/node-http-handler')

let s3: Promise<S3Sdk> | undefined
let httpHandler: Promise<HttpHandler> | undefined

export function loadS3Sdk(): Promise<S3Sdk> {
  return (s3 ??= import('@aws-sdk/client-s3'))
}

export function loadHttpHandler(): Promise<HttpHandler> {
  return (httpHandler ??= import('@smithy/node-http-handler'))
}

type CloudFrontSdk = typeof import('@aws-sdk/client-cloudfront')
let cloudFront: Promise<CloudFrontSdk> | undefined

/** CloudFront's client, for CDN invalidations only (engine/cdn/cloudfront.ts). */
export function loadCloudFrontSdk(): Promise<CloudFrontSdk> {
  return (cloudFront ??= import('@aws-sdk/client-cloudfront'))
}
