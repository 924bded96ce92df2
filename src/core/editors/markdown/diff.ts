// A unified diff of a note before and after its rewrite, for `upshot md --dry-run`: what `diff -u`
// or `git diff` would show, with three lines of context.

const CONTEXT = 3

type Op = { kind: ' ' | '-' | '+'; line: string }

/** Lines with their endings kept, so a changed line ending shows as a change. */
function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? []
}

/** Myers' O(ND) diff of two line arrays, as a list of kept, removed and added lines. */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) break outer
    }
  }
  const ops: Op[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!
    const k = x - y
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : vd[offset + prevK]!
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[--x]! })
      y--
    }
    if (d === 0) break
    if (x === prevX) ops.push({ kind: '+', line: b[--y]! })
    else ops.push({ kind: '-', line: a[--x]! })
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: ' ', line: a[--x]! })
    y--
  }
  return ops.reverse()
}

/** `--- a/path` / `+++ b/path` and hunks; '' when nothing changed. */
export function unifiedDiff(label: string, before: string, after: string): string {
  if (before === after) return ''
  const ops = diffLines(splitLines(before), splitLines(after))
  const out = [`--- a/${label}\n`, `+++ b/${label}\n`]
  let i = 0
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === ' ') i++
    if (i >= ops.length) break
    let start = Math.max(0, i - CONTEXT)
    let end = i
    // Extend over changes closer than twice the context.
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j + 1
      else if (j - end >= 2 * CONTEXT) break
    }
    end = Math.min(ops.length, end + CONTEXT)
    let oldLine = 1
    let newLine = 1
    for (let j = 0; j < start; j++) {
      if (ops[j]!.kind !== '+') oldLine++
      if (ops[j]!.kind !== '-') newLine++
    }
    const hunk = ops.slice(start, end)
    const oldCount = hunk.filter((o) => o.kind !== '+').length
    const newCount = hunk.filter((o) => o.kind !== '-').length
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@\n`)
    for (const o of hunk) {
      const line = o.line.replace(/\r?\n$|\r$/, '')
      out.push(`${o.kind}${line}\n`)
      if (!/[\r\n]$/.test(o.line)) out.push('\\ No newline at end of file\n')
    }
    i = end
    start = end
  }
  return out.join('')
}

function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`
  return count === 1 ? `${start}` : `${start},${count}`
}
