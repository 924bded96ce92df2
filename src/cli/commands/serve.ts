// `upshot serve`: the PicGo-compatible editor API (src/core/editors/api) on 127.0.0.1:36677, so
// Obsidian's Image Auto Upload plugin, Typora's PicGo setting and other PicGo clients upload
// through Upshot. It takes the destination and preset options of `upload` for its default
// destination; a request may choose a saved destination (?dest=), a preset (?preset=), a
// project's upshot.json (?project=) and what the result holds (?format=).

import type { Command } from 'commander'
import { createEngine } from '../../engine'
import { deleteRecords } from '../../engine/references'
import { localMetaDirFor } from '../../engine/paths'
import { createDestination } from '../../engine/storage'
import type { DestinationConfig } from '../../engine/types'
import { expiringLinksWarning } from '../../engine/destinations/warnings'
import { UpshotError } from '../../shared/jobs'
import { projectSettingsAt } from '../../core/editors/project-settings'
import { loadOrCreateKey } from '../../core/editors/api/key-file'
import { portTakenMessage, whoHolds } from '../../core/editors/api/probe'
import {
  DEFAULT_ALLOWED_ORIGINS,
  DEFAULT_API_PORT,
  EditorApiServer,
  type RequestTarget,
  type TargetQuery,
} from '../../core/editors/api/server'
import { isLoopbackAddress } from '../../core/http/guard'
import { readClipboardImage } from '../clipboard'
import { projectTarget, typedOptions } from '../project-target'
import {
  addCommonOptions,
  engineOptions,
  EXIT_OK,
  EXIT_USAGE,
  warnAboutSetup,
  type CommonOptions,
} from '../shared'

interface ServeOptions extends CommonOptions {
  port?: string
  host: string
  newKey?: boolean
  allowOrigin?: string[]
  allowPrivateUrls?: boolean
  clipboardCommand?: string
}

export function registerServe(program: Command, setCode: (code: number) => void): void {
  addCommonOptions(
    program
      .command('serve')
      .description(
        'run the PicGo-compatible upload API for editors (Obsidian, Typora, PicGo clients) on 127.0.0.1',
      ),
  )
    .option('--port <n>', `port to listen on (default ${DEFAULT_API_PORT}, PicGo's)`)
    .option('--host <address>', 'loopback address to listen on: 127.0.0.1 or ::1', '127.0.0.1')
    .option('--new-key', 'make a new key (editors need the new URL)')
    .option(
      '--allow-origin <origin...>',
      `browser origins allowed to call the API besides ${DEFAULT_ALLOWED_ORIGINS.join(', ')}`,
    )
    .option(
      '--allow-private-urls',
      'fetch listed http(s) images from private, loopback and link-local addresses too',
    )
    .option('--clipboard-command <command>', "a command that prints the clipboard's image")
    .action(async (opts: ServeOptions, cmd: Command) => {
      setCode(await serveCommand(opts, typedOptions(cmd)))
    })
}

async function serveCommand(opts: ServeOptions, typed: ReadonlySet<string>): Promise<number> {
  if (!isLoopbackAddress(opts.host)) {
    throw new UpshotError(
      'CONFIG',
      `--host must be 127.0.0.1, ::1 or localhost: the editor API never listens beyond this computer.`,
    )
  }
  const port = opts.port === undefined ? DEFAULT_API_PORT : parsePort(opts.port)
  const engine = createEngine(engineOptions(opts))
  const ctx = { dataDir: engine.dataDir, ledger: engine.ledger }
  const base = projectTarget(opts, typed, null, ctx)
  engine.preset(base.target.preset) // an unknown preset fails now, not at the first paste
  warnAboutSetup(engine.dataDir, [base.target.destination])
  const expiring = expiringLinksWarning(base.target.destination)
  if (expiring) process.stderr.write(`upshot: warning: ${expiring}\n`)
  const key = loadOrCreateKey(engine.dataDir, { rotate: opts.newKey === true })

  const target = (query: TargetQuery): RequestTarget => {
    const project = query.project ? projectSettingsAt(query.project) : null
    if (query.dest?.includes('://')) {
      throw new UpshotError('CONFIG', '?dest= names a saved destination (see upshot dest list).')
    }
    const { target: t } = projectTarget(opts, typed, project, ctx, {
      serverDefaults: true,
      query: {
        ...(query.dest !== undefined ? { to: query.dest } : {}),
        ...(query.preset !== undefined ? { preset: query.preset } : {}),
      },
    })
    engine.preset(t.preset)
    return {
      target: t,
      ...(project?.format ? { format: project.format } : {}),
      ...(project?.templates ? { templates: project.templates } : {}),
    }
  }

  const server = new EditorApiServer(
    {
      dataDir: engine.dataDir,
      engine: () => engine,
      target,
      readClipboardImage: () => readClipboardImage(opts.clipboardCommand),
      deleteUploads: (ids) =>
        deleteRecords(engine.ledger, ids, (destinationId) => {
          const row = engine.ledger.db
            .prepare('SELECT config FROM destinations WHERE id = ?')
            .get(destinationId) as { config: string } | undefined
          if (!row) throw new UpshotError('CONFIG', 'The destination of this upload is not known.')
          return createDestination(JSON.parse(row.config) as DestinationConfig, {
            maxAttempts: 3,
            metaDir: localMetaDirFor(engine.dataDir),
          })
        }),
    },
    {
      key,
      allowedOrigins: [...DEFAULT_ALLOWED_ORIGINS, ...(opts.allowOrigin ?? [])],
      allowPrivateUrls: opts.allowPrivateUrls === true,
      log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    },
  )
  try {
    await server.listen(port, opts.host)
  } catch (err) {
    await engine.close()
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`upshot: ${portTakenMessage(port, await whoHolds(port, opts.host))}\n`)
      return EXIT_USAGE
    }
    throw err
  }
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  const origin = `http://${hostPart}:${server.port}`
  const info = {
    uploadUrl: `${origin}/upload?key=${key}`,
    deleteUrl: `${origin}/delete?key=${key}`,
    heartbeatUrl: `${origin}/heartbeat`,
    port: server.port,
    destination: describe(base.target.destination),
    preset: base.target.preset,
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(info)}\n`)
  else {
    process.stdout.write(
      [
        `Upshot's editor API is listening on ${origin}`,
        `  Upload URL (paste it into your editor): ${info.uploadUrl}`,
        `  Delete URL (Obsidian's "delete server"): ${info.deleteUrl}`,
        `  Uploads go to ${info.destination} with the ${info.preset} preset.`,
        'Keep the key private: anyone with it can upload and delete through this API. Ctrl+C stops.',
        '',
      ].join('\n'),
    )
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  process.stderr.write(
    'Stopping: uploads under way stay in the ledger; `upshot resume` continues them.\n',
  )
  engine.pause()
  await server.close()
  await engine.close()
  return EXIT_OK
}

/** 1-65535, or 0 for any free port (printed). */
function parsePort(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new UpshotError('CONFIG', `--port must be a port number from 0 to 65535, not "${value}".`)
  }
  return n
}

function describe(c: DestinationConfig): string {
  if (c.kind === 'local') return c.dir
  return `s3://${c.bucket}${c.prefix ? `/${c.prefix}` : ''}${c.endpoint ? ` at ${c.endpoint}` : ''}`
}
