// The screenshot step of the e2e suites: each view as a user sees it, saved to
// docs/screenshots/ for the README, and checked to be a real, styled frame.

import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { expect } from 'vitest'
import { ROOT } from './build'

export const SHOTS = path.join(ROOT, 'docs', 'screenshots')

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  // Toasts are feedback for the moment, not part of the view being documented.
  const toasts = page.locator('.toast')
  while ((await toasts.count()) > 0) {
    // A toast may time out on its own between the count and the click.
    await toasts
      .first()
      .getByRole('button', { name: 'Close' })
      .click({ timeout: 2000 })
      .catch(() => {})
  }
  fs.mkdirSync(SHOTS, { recursive: true })
  const file = path.join(SHOTS, `${name}.png`)
  // Transitions finished: a bar caught mid-animation would not match its numbers.
  await page.screenshot({ path: file, animations: 'disabled' })
  const meta = await sharp(file).metadata()
  const size = page.viewportSize()!
  expect([meta.width, meta.height]).toEqual([size.width, size.height])
  // Not a blank frame: the stylesheet loaded, so panels and page differ in colour.
  const { channels } = await sharp(file).stats()
  expect(channels[0]!.stdev).toBeGreaterThan(5)
}
