// One core process and the private channel to it: spawned with two pipes, fd 3 towards the core
// and fd 4 back (stdout and stderr stay logs), frames in and out (src/shared/protocol.ts). Two
// one-way pipes rather than one used both ways: on Windows a pipe a child reads while it writes
// the same one stalls (nodejs/node#14046). Free of 'electron': the supervisor that uses it runs
// under plain Node in the tests too.

import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import {
  asCoreMessage,
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
  type CoreMessage,
  type HostMessage,
} from '../shared/protocol'

export interface CoreLaunch {
  /** The Node binary. */
  command: string
  /** The core's entry and its arguments. */
  args: string[]
  env: NodeJS.ProcessEnv
  cwd?: string
}

export interface ConnectionEvents {
  message(message: CoreMessage): void
  /** The process is gone (or never started: `error` says why). */
  exit(info: { code: number | null; signal: NodeJS.Signals | null; error?: Error }): void
  log(stream: 'stdout' | 'stderr', line: string): void
}

export class CoreConnection {
  readonly child: ChildProcess
  private readonly toCore: Writable | null
  private readonly fromCore: Readable | null
  private exited = false

  constructor(
    launch: CoreLaunch,
    private readonly on: ConnectionEvents,
  ) {
    this.child = spawn(launch.command, launch.args, {
      env: launch.env,
      cwd: launch.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    })
    this.toCore = (this.child.stdio[3] as Writable | null | undefined) ?? null
    this.fromCore = (this.child.stdio[4] as Readable | null | undefined) ?? null
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = ''
      this.child[stream]?.setEncoding('utf8')
      this.child[stream]?.on('data', (text: string) => {
        const lines = (rest + text).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines) if (line) on.log(stream, line)
      })
    }
    const decoder = new FrameDecoder()
    this.fromCore?.on('data', (chunk: Buffer) => {
      let frames: unknown[]
      try {
        frames = decoder.push(chunk)
      } catch (err) {
        on.log(
          'stderr',
          `[host] the core sent a broken frame (${(err as Error).message}); stopping it`,
        )
        this.kill('SIGKILL')
        return
      }
      for (const raw of frames) {
        const message = asCoreMessage(raw)
        if (message) on.message(message)
      }
    })
    // EPIPE and friends after the core died: the exit handler tells the story.
    this.toCore?.on('error', () => {})
    this.fromCore?.on('error', () => {})
    this.child.once('error', (error) => this.finish({ code: null, signal: null, error }))
    // 'close', not 'exit': every frame the core wrote before it ended has been read by then.
    this.child.once('close', (code, signal) => this.finish({ code, signal }))
  }

  get pid(): number | null {
    return this.child.pid ?? null
  }

  get alive(): boolean {
    return !this.exited
  }

  /** False when the core is gone; throws a FrameError for a message that cannot be a frame. */
  send(message: HostMessage): boolean {
    if (this.exited || !this.toCore || this.toCore.destroyed) return false
    const frame = encodeFrame(message)
    // The core would drop the channel over it: refuse it here, for this request only.
    if (Buffer.byteLength(frame) > MAX_FRAME_BYTES) {
      throw new FrameError(`A message is longer than ${MAX_FRAME_BYTES} bytes.`)
    }
    this.toCore.write(frame)
    return true
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exited) this.child.kill(signal)
  }

  private finish(info: {
    code: number | null
    signal: NodeJS.Signals | null
    error?: Error
  }): void {
    if (this.exited) return
    this.exited = true
    this.toCore?.destroy()
    this.fromCore?.destroy()
    this.on.exit(info)
  }
}
