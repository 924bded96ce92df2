// Stopping on SIGINT/SIGTERM. The first signal stops the run: each running step gives its claim
// back to the ledger (`upshot resume` continues it), the report is printed and the engine closed.
// A decode or encode in libvips cannot be interrupted, and Node's exit waits for libvips's
// threads (minutes, for a crafted file), so a command that stopped on a signal while image work
// is still running ends by that signal itself, whose default action ends the process at once.
// A second signal, or STOP_DEADLINE_MS without the command finishing, does the same right away:
// claims left behind belong to a dead process, and the next run takes them back.

import { imageWorkInFlight, stopSvgRenderers } from '../engine/pipeline'

const STOP_DEADLINE_MS = 5_000

let received: NodeJS.Signals | null = null
let deadline: NodeJS.Timeout | null = null

/** Calls `onStop` on the first SIGINT/SIGTERM while active; a second one ends the process. */
export function onStopSignals(message: string, onStop: () => void): { off(): void } {
  const handler = (signal: NodeJS.Signals): void => {
    if (received) return endBy(signal)
    received = signal
    process.stderr.write(`\n${message}\n`)
    deadline = setTimeout(() => {
      process.stderr.write('upshot: still stopping after 5 s; ending now.\n')
      endBy(signal)
    }, STOP_DEADLINE_MS)
    deadline.unref()
    // The steps are stopped first, so a drawing is recorded as interrupted, not as failed
    // because its renderer went away.
    onStop()
    stopSvgRenderers()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    off() {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

/**
 * Called when the command has finished: after a stop signal, with libvips still busy on work
 * nobody waits for, the process ends by that signal once its output is written.
 */
export async function endIfStopped(): Promise<void> {
  if (!received) return
  if (deadline) clearTimeout(deadline)
  if (imageWorkInFlight() === 0) return
  await flush(process.stdout)
  await flush(process.stderr)
  endBy(received)
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()))
}

function endBy(signal: NodeJS.Signals): void {
  stopSvgRenderers()
  // Without a listener the signal's default action applies: the process ends now, not after
  // the threads that an exit would wait for.
  process.removeAllListeners(signal)
  process.kill(process.pid, signal)
}
