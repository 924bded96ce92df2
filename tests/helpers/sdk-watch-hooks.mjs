// Module resolution hooks for sdk-watch.mjs (they run on the loader's own thread).
import { writeSync } from 'node:fs'

export const SDK_LOAD_MARK = 'upshot-test-sdk-load:'

export async function resolve(specifier, context, next) {
  if (/^@(aws-sdk|smithy)\//.test(specifier)) writeSync(2, `${SDK_LOAD_MARK} ${specifier}\n`)
  return next(specifier, context)
}
