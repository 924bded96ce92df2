// The checks every command goes through, kept free of 'electron' so they can be tested under
// Node: the sender must be the app's own page, the arguments must parse, and whatever happens
// the renderer gets a Result, never a stack trace.

import { z } from 'zod'
import {
  DESTINATION_KINDS,
  PURGE_CDNS,
  type ApiError,
  type CommandName,
  type Commands,
  type Result,
} from '../shared/api'
import { UpshotError } from '../shared/jobs'
import { checkSender } from '../shared/sender'
import { LINK_FORMATS } from '../shared/links'
import { OUTPUT_FORMATS, VARIANT_FITS, WATERMARK_POSITIONS } from '../shared/presets'
import { ForbiddenError, GRANT_TOKEN } from './path-grants'
import { UPLOAD_TOKEN } from './incoming'
import { MAX_RANGE_ROWS } from './queue-window'

export type CommandHandlers = {
  readonly [K in CommandName]: (
    ...args: Commands[K]['args']
  ) => Commands[K]['value'] | Promise<Commands[K]['value']>
}

const id = z.string().min(1).max(100)
const ids = z.array(id).max(100_000)
const shortText = z.string().max(4096)

const destinationInput = z.strictObject({
  id: id.optional(),
  name: z.string().max(80),
  kind: z.enum(DESTINATION_KINDS),
  bucket: z.string().max(63),
  region: z.string().max(40),
  endpoint: z.string().max(2048),
  accountId: z.string().max(64),
  jurisdiction: z.enum(['default', 'eu', 'fedramp']).optional(),
  cdn: z.boolean().optional(),
  private: z.boolean().optional(),
  expiresIn: z.number().int().min(1).max(604_800).optional(),
  // A local folder: a token from chooseDestinationFolder, or the saved folder unchanged (the
  // core checks which); a path of the page's own is refused.
  dir: shortText,
  prefix: z.string().max(512),
  publicUrl: z.string().max(2048),
  pathStyle: z.boolean(),
  checksum: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']),
  credentials: z
    .strictObject({ accessKeyId: z.string().max(256), secretAccessKey: z.string().max(1024) })
    .nullable()
    .optional(),
  purgeCdn: z.enum(PURGE_CDNS).optional(),
  purgeId: z.string().max(64).optional(),
  purgeApi: z.string().max(2048).optional(),
  purgeToken: z.string().max(1024).nullable().optional(),
  mirrors: z.array(id).max(8).optional(),
})

const preferencesPatch = z.strictObject({
  preset: z.string().max(100).optional(),
  linkFormat: z.enum(LINK_FORMATS).optional(),
  customTemplate: z.string().max(2000).optional(),
  autoCopy: z.boolean().optional(),
  concurrency: z.number().int().min(1).max(16).optional(),
  theme: z.enum(['system', 'light', 'dark']).optional(),
  notifications: z.boolean().optional(),
  openAtLogin: z.boolean().optional(),
  closeToTray: z.boolean().optional(),
  shortcut: z.string().max(100).optional(),
  editorApi: z.boolean().optional(),
  editorApiPort: z.number().int().min(1024).max(65535).optional(),
})

const historyQuery = z.strictObject({
  search: z.string().max(500).optional(),
  destinationId: z.string().max(2048).optional(),
  status: z.enum(['done', 'failed', 'canceled', 'deleted']).optional(),
  folder: z.string().min(1).max(4096).optional(),
  since: z.number().int().nonnegative().optional(),
  until: z.number().int().nonnegative().optional(),
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
})

const uploadTokens = z.array(z.string().regex(UPLOAD_TOKEN)).max(10_000)
const browsePurpose = z.enum(['sync-folder', 'upload-folder', 'watermark-image', 'preview-photo'])

// A window's range of the queue: bounded integers, at most MAX_RANGE_ROWS rows.
const rowIndex = z.number().int().min(0).max(10_000_000)
const queueRange = z
  .strictObject({
    view: z.string().regex(/^[\w-]{1,64}$/),
    filter: z.enum(['all', 'done']),
    start: rowIndex,
    end: rowIndex,
  })
  .refine((r) => r.end >= r.start && r.end - r.start <= MAX_RANGE_ROWS)

const glob = z.string().min(1).max(500)
const syncPairInput = z.strictObject({
  // A token from chooseSyncFolder; the page never names a folder itself.
  folderToken: z.string().regex(GRANT_TOKEN),
  destinationId: id.nullable(),
  preset: z.string().min(1).max(100),
  include: z.array(glob).max(50),
  exclude: z.array(glob).max(50),
})

// The shape only: what a preset may say (names, sizes, glob of rules) is checked by the settings,
// which answer with a sentence rather than BAD_REQUEST.
const dimension = z.number().int().min(0).max(100_000).nullable()
const customPreset = z.strictObject({
  name: z.string().max(100),
  variants: z
    .array(
      z.strictObject({
        name: z.string().max(100),
        fit: z.enum(VARIANT_FITS),
        width: dimension,
        height: dimension,
        formats: z.array(z.enum(OUTPUT_FORMATS)).max(8),
        quality: z.number().int().min(0).max(100),
      }),
    )
    .max(50),
  watermark: z
    .strictObject({
      kind: z.enum(['text', 'image']),
      text: z.string().max(500),
      // A token from chooseWatermarkImage, or the path a saved preset has (checked by the core).
      imagePath: z.string().max(4096),
      position: z.enum(WATERMARK_POSITIONS),
      opacity: z.number().min(0).max(1),
      size: z.number().min(0).max(1),
      margin: z.number().min(0).max(1),
      minWidth: z.number().int().min(0).max(100_000),
    })
    .nullable(),
})

/** The argument list each command accepts; anything else is rejected before a handler runs. */
export const COMMAND_ARGS: { readonly [K in CommandName]: z.ZodType<Commands[K]['args']> } = {
  getAppInfo: z.tuple([]),
  // Paths come from the preload (webUtils.getPathForFile), never typed by the page.
  addPaths: z.tuple([z.array(z.string().min(1).max(4096)).max(100_000)]),
  chooseAndAdd: z.tuple([z.enum(['files', 'folder'])]),
  uploadClipboardImage: z.tuple([]),
  getQueue: z.tuple([]),
  watchQueue: z.tuple([queueRange]),
  retryFailed: z.tuple([]),
  copyDoneLinks: z.tuple([z.enum(LINK_FORMATS), ids]),
  stopAdding: z.tuple([]),
  pauseAll: z.tuple([]),
  resumeAll: z.tuple([]),
  pauseJob: z.tuple([id]),
  resumeJob: z.tuple([id]),
  cancelJob: z.tuple([id]),
  retryJob: z.tuple([id]),
  clearFinished: z.tuple([]),
  getFinished: z.tuple([ids]),
  copyLinks: z.tuple([ids, z.enum(LINK_FORMATS), z.string().min(1).max(100).optional()]),
  getThumbnails: z.tuple([z.array(id).max(200)]),
  openLink: z.tuple([z.string().max(8192)]),
  getHistory: z.tuple([historyQuery]),
  getUsage: z.tuple([]),
  deleteUploads: z.tuple([z.array(id).max(10_000)]),
  getSettings: z.tuple([]),
  getEditorApi: z.tuple([]),
  copyEditorApiUrl: z.tuple([z.enum(['upload', 'delete'])]),
  newEditorApiKey: z.tuple([]),
  savePreferences: z.tuple([preferencesPatch]),
  saveDestination: z.tuple([destinationInput]),
  removeDestination: z.tuple([id]),
  setDefaultDestination: z.tuple([id.nullable()]),
  testDestination: z.tuple([z.union([id, destinationInput])]),
  chooseDestinationFolder: z.tuple([]),
  cleanupDestination: z.tuple([id]),
  browseDestination: z.tuple([
    id.nullable(),
    z.string().max(1024),
    z.string().max(4096).nullable(),
  ]),
  findOrphans: z.tuple([id.nullable()]),
  browseThumbnails: z.tuple([id.nullable(), z.array(z.string().min(1).max(1024)).max(100)]),
  deleteObjects: z.tuple([id.nullable(), z.array(z.string().min(1).max(1024)).min(1).max(10_000)]),
  adoptOrphans: z.tuple([id.nullable(), z.array(z.string().min(1).max(1024)).min(1).max(10_000)]),
  listSyncPairs: z.tuple([]),
  chooseSyncFolder: z.tuple([]),
  addSyncPair: z.tuple([syncPairInput]),
  previewSyncPair: z.tuple([id]),
  runSyncPair: z.tuple([id]),
  pauseSyncPair: z.tuple([id]),
  resumeSyncPair: z.tuple([id]),
  removeSyncPair: z.tuple([id]),
  savePreset: z.tuple([customPreset, z.string().max(100).nullable()]),
  removePreset: z.tuple([z.string().min(1).max(100)]),
  chooseWatermarkImage: z.tuple([]),
  previewPreset: z.union([
    z.tuple([z.union([z.string().min(1).max(100), customPreset])]),
    z.tuple([z.union([z.string().min(1).max(100), customPreset]), z.string().regex(GRANT_TOKEN)]),
  ]) as z.ZodType<Commands['previewPreset']['args']>,
  addUploads: z.union([
    z.tuple([uploadTokens]),
    z.tuple([
      uploadTokens,
      z.strictObject({ batch: z.string().min(1).max(64), last: z.boolean() }),
    ]),
  ]) as z.ZodType<Commands['addUploads']['args']>,
  browseFolder: z.tuple([browsePurpose, z.string().max(4096).nullable()]),
  chooseBrowsed: z.tuple([browsePurpose, z.string().min(1).max(4096)]),
  addChosenFolder: z.tuple([z.string().regex(GRANT_TOKEN)]),
}

export interface Invocation {
  /** URL of the frame that sent the request; undefined when the frame is gone. */
  senderUrl: string | undefined
  args: readonly unknown[]
}

export async function dispatchCommand<K extends CommandName>(
  name: K,
  handlers: CommandHandlers,
  invocation: Invocation,
  isAppUrl: (url: string) => boolean,
): Promise<Result<Commands[K]['value']>> {
  return (
    checkSender(name, invocation.senderUrl, isAppUrl) ?? runCommand(name, handlers, invocation.args)
  )
}

/** Parses the arguments and runs the handler: what the core does with a relayed command. */
export async function runCommand<K extends CommandName>(
  name: K,
  handlers: CommandHandlers,
  args: readonly unknown[],
): Promise<Result<Commands[K]['value']>> {
  const parsed = COMMAND_ARGS[name].safeParse(args)
  if (!parsed.success) {
    return failure({
      code: 'BAD_REQUEST',
      message: `${name} received arguments it does not accept.`,
    })
  }
  // TypeScript cannot correlate handlers[K] with COMMAND_ARGS[K]; the mapped types above do.
  const handler = handlers[name] as (
    ...args: Commands[K]['args']
  ) => Commands[K]['value'] | Promise<Commands[K]['value']>
  return settle(name, () => handler(...parsed.data))
}

/** Runs a handler; whatever happens the caller gets a Result, never a stack trace. */
export async function settle<T>(name: string, run: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (err) {
    if (err instanceof ForbiddenError) return failure({ code: 'FORBIDDEN', message: err.message })
    if (err instanceof UpshotError) return failure({ code: err.code, message: err.message })
    // The arguments stay out of the log: they can hold keys typed into the settings.
    console.error(`[ipc] ${name} failed:`, err instanceof Error ? err.stack : String(err))
    return failure({
      code: 'INTERNAL',
      message: 'Something went wrong inside Upshot; the details are in its log.',
    })
  }
}

function failure(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error }
}
