// The core works in the background of a window the user is looking at: decoding, resizing,
// hashing and sending thousands of photos must not take the CPU from the window's frames. So the
// core runs below normal priority (nice 10 on Linux and macOS, BELOW_NORMAL on Windows). On an
// idle machine that costs nothing; on a busy one the window scrolls smoothly and the uploads take
// what is left. Threads inherit the priority of the thread that creates them, and on Linux the
// priority is per thread: every thread that exists already is lowered too (/proc/self/task).

import fs from 'node:fs'
import os from 'node:os'

export function runInBackground(): void {
  const low = os.constants.priority.PRIORITY_BELOW_NORMAL
  let tids: number[] = [0]
  if (process.platform === 'linux') {
    try {
      tids = fs.readdirSync('/proc/self/task').map(Number)
    } catch {
      // No /proc: the main thread, whose later threads inherit it.
    }
  }
  for (const tid of tids) {
    try {
      os.setPriority(tid, low)
    } catch {
      // Not allowed here (a sandbox): the core runs at normal priority, nothing else changes.
    }
  }
}
