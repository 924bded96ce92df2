// The app's core as its own process: `node out/core/index.mjs` (a package runs it with the Node
// it ships). Its host (Electron's main process) talks to it over a pipe on fd 3 in the protocol
// of src/shared/protocol.ts; stdout and stderr stay plain logs.
//
//   --version   prints the version and exits
//   --health    loads sharp and better-sqlite3, prints what it found as JSON, exits 0 (or 1)

import net from 'node:net'
import {
  asHostMessage,
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
} from '../shared/protocol'
import { CoreServer } from './process/server'

declare const UPSHOT_VERSION: string
const VERSION = typeof UPSHOT_VERSION === 'string' ? UPSHOT_VERSION : '0.0.0-dev'

// The AWS SDK's note about future Node versions is for us, not for someone uploading photos.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const argv = process.argv.slice(2)
if (argv.includes('--version')) {
  process.stdout.write(`${VERSION}\n`)
} else if (argv.includes('--health')) {
  const { checkHealth } = await import('./process/health')
  try {
    process.stdout.write(`${JSON.stringify(checkHealth(VERSION))}\n`)
  } catch (err) {
    process.stderr.write(`upshot core: unhealthy: ${err instanceof Error ? err.message : err}\n`)
    process.exitCode = 1
  }
} else {
  serve()
}

function serve(): void {
  let socket: net.Socket
  try {
    socket = new net.Socket({ fd: 3, readable: true, writable: true })
  } catch {
    process.stderr.write(
      'upshot core: no channel on fd 3; the core is started by the Upshot app (try --health).\n',
    )
    process.exit(2)
  }
  const decoder = new FrameDecoder()
  const server = new CoreServer({
    version: VERSION,
    channel: {
      send(message) {
        const frame = encodeFrame(message)
        if (Buffer.byteLength(frame) > MAX_FRAME_BYTES) {
          throw new FrameError(`A message is longer than ${MAX_FRAME_BYTES} bytes.`)
        }
        if (!socket.destroyed) socket.write(frame)
      },
      end(done) {
        if (socket.destroyed) done()
        else socket.end(done)
      },
    },
    exit: (code) => process.exit(code),
  })
  socket.on('data', (chunk: Buffer) => {
    let messages: unknown[]
    try {
      messages = decoder.push(chunk)
    } catch (err) {
      // A broken host: nothing it says can be trusted any more.
      console.error('[core] channel:', err instanceof FrameError ? err.message : err)
      socket.destroy()
      server.hostGone()
      return
    }
    for (const raw of messages) {
      const message = asHostMessage(raw)
      if (message) server.receive(message)
    }
  })
  socket.on('end', () => server.hostGone())
  socket.on('error', (err) => {
    console.error('[core] channel:', err.message)
    server.hostGone()
  })
  // The host asks with `shutdown`; a terminal's Ctrl+C or a service manager asks with a signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.hostGone())
  server.hello()
}
