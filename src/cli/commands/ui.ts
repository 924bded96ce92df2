// `upshot ui`: the whole app in a browser. The app's core runs in this process (see
// src/core/browser/host.ts for why), the built page is served on 127.0.0.1, and a one-time link
// is printed (and opened). Ctrl+C or SIGTERM gives every claim back to the ledger and stops; what
// was unfinished resumes at the next start, of `upshot ui` or of the app.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { defaultDataDir } from '../../engine/paths'
import { UpshotError } from '../../shared/jobs'
import { createBrowserServer, type Binding } from '../../core/browser/server'
import { BrowserHost } from '../../core/browser/host'
import { Sessions } from '../../core/browser/session'
import { settingsFileStorage } from '../../core/browser/settings-file'
import { IncomingFiles } from '../../core/incoming'
import { NodeSecrets, systemKeychain } from '../../core/secrets/node-secrets'
import { hostNamesFor, isLoopbackAddress, listenOn, originsFor } from '../../core/http/guard'
import { EXIT_OK } from '../shared'
import { endIfStopped, onStopSignals } from '../stop'

declare const UPSHOT_VERSION: string

interface UiOptions {
  port: string
  host: string
  open: boolean
  insecureLan?: boolean
  tlsCert?: string
  tlsKey?: string
  dataDir?: string
}

export function registerUi(program: Command, setCode: (code: number) => void): void {
  program
    .command('ui')
    .description('serve the app to a browser on this computer (http://127.0.0.1)')
    .option('--port <n>', 'port to listen on (default: a free one)', '0')
    .option('--host <address>', 'address to listen on (default: 127.0.0.1, this computer only)')
    .option('--no-open', 'print the link instead of opening a browser')
    .option('--tls-cert <file>', 'serve https with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the certificate’s private key (PEM)')
    .option(
      '--insecure-lan',
      'allow --host without TLS (keys and photos cross the network in the clear)',
    )
    .option('--data-dir <dir>', 'data directory (default: UPSHOT_DATA_DIR or the per-OS one)')
    .action(async (opts: UiOptions) => {
      setCode(await uiCommand(opts))
    })
}

function rendererDir(): string {
  // dist/cli.mjs -> out/renderer (built by `npm install`'s prepare step).
  return fileURLToPath(new URL('../out/renderer/', import.meta.url))
}

async function uiCommand(opts: UiOptions): Promise<number> {
  const port = Number(opts.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UpshotError('CONFIG', `--port ${opts.port} is not a port number (1-65535).`)
  }
  const host = opts.host ?? '127.0.0.1'
  const loopback = isLoopbackAddress(host)
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new UpshotError('CONFIG', 'Give both --tls-cert and --tls-key, or neither.')
  }
  const tls =
    opts.tlsCert && opts.tlsKey
      ? { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) }
      : undefined
  if (!loopback && !tls && !opts.insecureLan) {
    throw new UpshotError(
      'CONFIG',
      `--host ${host} reaches Upshot from other computers: give --tls-cert and --tls-key, or --insecure-lan to accept that your keys and photos cross the network in the clear.`,
    )
  }
  const renderer = rendererDir()
  if (!fs.existsSync(path.join(renderer, 'index.html'))) {
    throw new UpshotError(
      'CONFIG',
      `The app's page is not built (${renderer}); run \`npm install\` (or \`npm run build:renderer\`) in the project first.`,
    )
  }

  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir())
  fs.mkdirSync(dataDir, { recursive: true })
  const keychain = process.env.UPSHOT_NO_KEYCHAIN === '1' ? null : await systemKeychain()
  const secrets = await NodeSecrets.open(dataDir, keychain)
  const incoming = new IncomingFiles(path.join(dataDir, 'incoming'))
  const browserHost = new BrowserHost({
    dataDir,
    version: typeof UPSHOT_VERSION === 'string' ? UPSHOT_VERSION : '0.0.0-dev',
    storage: settingsFileStorage(dataDir),
    box: secrets.box(),
    incoming,
  })
  await browserHost.start()

  const names = hostNames(host)
  const scheme = tls ? 'https' : 'http'
  let binding: Binding | null = null
  const server = createBrowserServer({
    host: browserHost,
    incoming,
    rendererDir: renderer,
    hostNames: names,
    binding: () => binding,
    ...(tls ? { tls } : {}),
  })
  let listening: number
  try {
    listening = await listenOn(server, port, host)
  } catch (err) {
    await browserHost.stop()
    throw new UpshotError('CONFIG', (err as Error).message)
  }
  const sessions = new Sessions(listening, tls !== undefined)
  binding = { port: listening, sessions, origins: originsFor(listening, names, scheme) }

  const shown = names[0]!
  const base = `${scheme}://${shown}:${listening}/`
  const link = (): string => `${base}?token=${sessions.newLaunchToken()}`
  const first = link()
  const out = process.stdout
  out.write(`Upshot is running at ${base} (data: ${dataDir})\n`)
  if (!loopback) {
    process.stderr.write(
      tls
        ? `upshot: listening on ${host}: anyone who can reach this address and gets the link can use your destinations.\n`
        : `upshot: WARNING: listening on ${host} without TLS: keys you type and photos you send cross the network in the clear.\n`,
    )
  }
  out.write(`Open this link (it works once): ${first}\n`)
  out.write(
    `Stop with Ctrl+C; unfinished uploads continue at the next start.${process.stdin.isTTY ? ' Press Enter for a new link.' : ''}\n`,
  )
  if (opts.open) openBrowser(first)

  let lines: readline.Interface | null = null
  if (process.stdin.isTTY) {
    lines = readline.createInterface({ input: process.stdin })
    lines.on('line', () => out.write(`New link (works once): ${link()}\n`))
  }

  await new Promise<void>((resolve) => {
    const signals = onStopSignals(
      'upshot: stopping; unfinished uploads continue next time.',
      () => {
        signals.off()
        lines?.close()
        server.close()
        server.closeAllConnections()
        void browserHost.stop().then(resolve)
      },
    )
  })
  await endIfStopped()
  return EXIT_OK
}

/** The names the server answers to: a wildcard address answers to every address it has. */
function hostNames(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return hostNamesFor(host)
  const names = new Set<string>(hostNamesFor('127.0.0.1'))
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address}]` : a.address)
  }
  names.add(os.hostname().toLowerCase())
  return [...names]
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true })
    child.on('error', () => {})
    child.unref()
  } catch {
    // No browser to open (a server): the link is printed.
  }
}
