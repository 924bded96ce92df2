// Peak memory of a process and its descendants (the CLI and its SVG renderer processes), from
// Linux's /proc, sampled every 25 ms. Each process's VmHWM is its own high-water mark, so a
// spike between two samples still counts; the tree's peak is the largest sum of the high-water
// marks of the processes alive at one sample, which bounds the real peak from above.
import fs from 'node:fs'

export interface TreeMemory {
  /** Largest sum of VmHWM over the processes alive together, in bytes. */
  bytes: number
  /** The root process's own VmHWM. */
  main: number
  /** Processes seen in the tree. */
  processes: number
}

function hwmOf(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The name in parentheses may hold spaces: the fields after it are fixed.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return null
  }
}

function treeOf(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const parent = parentOf(pid)
    if (parent === null) continue
    const list = children.get(parent) ?? []
    list.push(pid)
    children.set(parent, list)
  }
  const out: number[] = []
  const stack = [root]
  while (stack.length > 0) {
    const pid = stack.pop()!
    out.push(pid)
    stack.push(...(children.get(pid) ?? []))
  }
  return out
}

export function watchTreeMemory(root: number): { stop(): TreeMemory } {
  if (!fs.existsSync('/proc/self/status')) throw new Error('this measurement needs Linux /proc')
  const seen = new Set<number>()
  const result: TreeMemory = { bytes: 0, main: 0, processes: 0 }
  const sample = (): void => {
    let sum = 0
    for (const pid of treeOf(root)) {
      const hwm = hwmOf(pid)
      if (hwm === null) continue
      seen.add(pid)
      sum += hwm
      if (pid === root) result.main = Math.max(result.main, hwm)
    }
    result.bytes = Math.max(result.bytes, sum)
  }
  sample()
  const timer = setInterval(sample, 25)
  return {
    stop() {
      clearInterval(timer)
      result.processes = seen.size
      return result
    },
  }
}
