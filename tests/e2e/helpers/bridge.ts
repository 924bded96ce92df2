// window.upshot in a plain Chromium page, backed by the real core process (./app.ts). The page
// runs the preload's own createUpshotApi (src/preload/api.ts, bundled here with esbuild) over a
// transport made of a Playwright binding (commands) and page.evaluate (events). A command goes
// the way Electron's main process sends it (src/main/ipc.ts): the sender check, then over the
// private channel to the core, which parses its arguments and runs it. Only
// webUtils.getPathForFile is stood in for: a File's path comes from the name -> path map the
// test gives, since a page-made File has no path on disk.

import path from 'node:path'
import { buildSync } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import {
  COMMAND_CHANNELS,
  EVENT_CHANNELS,
  type CommandName,
  type EventName,
} from '../../../src/shared/api'
import { checkSender } from '../../../src/shared/sender'
import type { TestApp } from './app'

let preloadBundle: string | null = null

function preloadScript(): string {
  preloadBundle ??= buildSync({
    entryPoints: [path.resolve(import.meta.dirname, '../../../src/preload/api.ts')],
    bundle: true,
    format: 'iife',
    globalName: '__upshotPreload',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  }).outputFiles[0]!.text
  return preloadBundle
}

const CHANNEL_TO_COMMAND = new Map<string, CommandName>(
  (Object.keys(COMMAND_CHANNELS) as CommandName[]).map((name) => [COMMAND_CHANNELS[name], name]),
)

export interface BridgedPage {
  page: Page
  /** Directives of CSP violations the page reported. */
  cspViolations(): Promise<string[]>
  /** Stops forwarding events (before the page closes). */
  detach(): void
}

export async function openBridgedPage(
  browser: Browser,
  url: string,
  app: TestApp,
  opts: {
    paths: Record<string, string>
    viewport: { width: number; height: number }
    colorScheme?: 'light' | 'dark'
  },
): Promise<BridgedPage> {
  const context = await browser.newContext({
    viewport: opts.viewport,
    colorScheme: opts.colorScheme ?? 'light',
  })
  const page = await context.newPage()
  const isAppUrl = (frameUrl: string): boolean => frameUrl.startsWith(url)

  await page.exposeBinding('__upshotInvoke', async (source, channel: string, args: unknown[]) => {
    const name = CHANNEL_TO_COMMAND.get(channel)
    if (!name) return { ok: false, error: { code: 'BAD_REQUEST', message: 'unknown channel' } }
    const result =
      checkSender(name, source.frame.url(), isAppUrl) ?? (await app.supervisor.request(name, args))
    app.toPage({ command: name, result })
    return result
  })
  await page.addInitScript(
    `${preloadScript()}
    ;(() => {
      const listeners = new Map()
      window.__cspViolations = []
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective))
      window.__upshotDeliver = (channel, payload) => {
        for (const fn of listeners.get(channel) ?? []) fn(payload)
      }
      const paths = ${JSON.stringify(opts.paths)}
      const api = __upshotPreload.createUpshotApi({
        invoke: (channel, args) => window.__upshotInvoke(channel, args),
        listen(channel, fn) {
          const list = listeners.get(channel) ?? []
          list.push(fn)
          listeners.set(channel, list)
          return () => listeners.set(channel, (listeners.get(channel) ?? []).filter((f) => f !== fn))
        },
        pathForFile: (file) => paths[file.name] ?? '',
      })
      Object.defineProperty(window, 'upshot', { value: Object.freeze(api) })
    })()`,
  )

  let attached = true
  app.listen((name: EventName, payload) => {
    if (!attached || page.isClosed()) return
    page
      .evaluate(
        ([channel, p]) =>
          (window as unknown as { __upshotDeliver(c: string, p: unknown): void }).__upshotDeliver(
            channel,
            p,
          ),
        [EVENT_CHANNELS[name], payload] as const,
      )
      .catch(() => {})
  })
  await page.goto(url)
  return {
    page,
    cspViolations: () =>
      page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
    detach: () => {
      attached = false
    },
  }
}
