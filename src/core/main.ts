// The app's core as its own process: `node out/core/index.mjs` (a package runs it with the Node
// it ships). Its host (Electron's main process) talks to it in the protocol of
// src/shared/protocol.ts over two pipes, fd 3 in and fd 4 out (one-way each: see
// src/main/core-connection.ts); stdout and stderr stay plain logs.
//
//   --version   prints the version and exits
//   --health    loads sharp and better-sqlite3, prints what it found as JSON, exits 0 (or 1)
//
// This entry stays small: it says hello at once (the host knows the process runs and speaks its
// protocol), then loads the app's code (AppService, the engine, zod...) behind a dynamic import.

import net from 'node:net'
import {
  asHostMessage,
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type CoreMessage,
  type HostMessage,
} from '../shared/protocol'

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
  // Before the app's code starts any thread: the window's frames come first.
  const { runInBackground } = await import('./process/background-priority')
  runInBackground()
  await serve()
}

async function serve(): Promise<void> {
  let input: net.Socket
  let output: net.Socket
  try {
    input = new net.Socket({ fd: 3, readable: true, writable: false })
    output = new net.Socket({ fd: 4, readable: false, writable: true })
  } catch {
    process.stderr.write(
      'upshot core: no channel on fds 3 and 4; the core is started by the Upshot app (try --health).\n',
    )
    process.exit(2)
  }
  const send = (message: CoreMessage): void => {
    const frame = encodeFrame(message)
    if (Buffer.byteLength(frame) > MAX_FRAME_BYTES) {
      throw new FrameError(`A message is longer than ${MAX_FRAME_BYTES} bytes.`)
    }
    if (!output.destroyed) output.write(frame)
  }
  // Messages that arrive while the app's code loads wait for it.
  let deliver: ((m: HostMessage) => void) | null = null
  let gone: (() => void) | null = null
  let hostLeft = false
  const early: HostMessage[] = []
  const leave = (): void => {
    if (hostLeft) return
    hostLeft = true
    if (gone) gone()
    else process.exit(0)
  }
  const decoder = new FrameDecoder()
  input.on('data', (chunk: Buffer) => {
    let messages: unknown[]
    try {
      messages = decoder.push(chunk)
    } catch (err) {
      // A broken host: nothing it says can be trusted any more.
      console.error('[core] channel:', err instanceof FrameError ? err.message : err)
      input.destroy()
      leave()
      return
    }
    for (const raw of messages) {
      const message = asHostMessage(raw)
      if (!message) continue
      if (deliver) deliver(message)
      else early.push(message)
    }
  })
  input.on('end', leave)
  for (const pipe of [input, output]) {
    pipe.on('error', (err) => {
      console.error('[core] channel:', err.message)
      leave()
    })
  }
  // The host asks with `shutdown`; a terminal's Ctrl+C or a service manager asks with a signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, leave)

  send({
    t: 'hello',
    protocol: PROTOCOL_VERSION,
    version: VERSION,
    pid: process.pid,
    node: process.version,
  })

  const { CoreServer } = await import('./process/server')
  const server = new CoreServer({
    version: VERSION,
    channel: {
      send,
      end(done) {
        if (output.destroyed) done()
        else output.end(done)
      },
    },
    exit: (code) => process.exit(code),
  })
  deliver = (m) => server.receive(m)
  gone = () => server.hostGone()
  for (const m of early.splice(0)) server.receive(m)
  if (hostLeft) server.hostGone()
}
