// Request bodies: a Buffer sent as a stream of slices, so the shared throttle can pace it and
// progress is reported as the bytes go out. A stream body also makes the SDK sign the request
// with UNSIGNED-PAYLOAD instead of hashing the body with SHA-256 (Content-MD5 guards it instead).
import { Readable } from 'node:stream'
import type { Throttle } from './throttle'

const SLICE = 64 * 1024

export function bodyStream(
  buf: Buffer,
  opts: { throttle?: Throttle; signal?: AbortSignal; onSent(bytes: number): void },
): Readable {
  let offset = 0
  return new Readable({
    highWaterMark: SLICE,
    read() {
      if (offset >= buf.length) {
        this.push(null)
        return
      }
      const end = Math.min(buf.length, offset + SLICE)
      const slice = buf.subarray(offset, end)
      offset = end
      const send = (): void => {
        opts.onSent(slice.length)
        this.push(slice)
      }
      if (opts.throttle && opts.throttle.bytesPerSecond > 0) {
        opts.throttle.take(slice.length, opts.signal).then(send, (err: Error) => this.destroy(err))
      } else {
        send()
      }
    },
  })
}
