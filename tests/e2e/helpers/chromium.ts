// Debian's Chromium for the renderer tests (no browser downloads on these machines), launched
// with the flags this environment needs.
import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.UPSHOT_CHROMIUM ?? '/usr/bin/chromium'
export const hasChromium = fs.existsSync(CHROMIUM)

/** Says once, on the test output, why a Chromium test file does not run here. */
export function warnIfNoChromium(what: string): void {
  if (!hasChromium)
    console.warn(`[e2e] ${what} skipped: no Chromium at ${CHROMIUM} (set UPSHOT_CHROMIUM).`)
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  })
}
