// Waiting for an outcome, not for a time: `check` is polled until it holds, and a test that
// waits in vain fails naming what it waited for.

export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
