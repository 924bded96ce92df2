// window.upshot, built from the contract in src/shared/api.ts over a transport. The preload
// passes Electron's ipcRenderer and webUtils; the e2e tests pass a bridge to the real engine in
// the test process, so the page meets exactly this code in both.

import {
  COMMAND_CHANNELS,
  EVENT_CHANNELS,
  type CommandName,
  type Commands,
  type EventName,
  type Events,
  type FileHandle,
  type PageCommandName,
  type Result,
  type UpshotApi,
} from '../shared/api'

export interface Transport {
  invoke(channel: string, args: unknown[]): Promise<unknown>
  /** Listens on an event channel; returns the function that stops listening. */
  listen(channel: string, listener: (payload: unknown) => void): () => void
  /** The path of a File from a drop, a paste or an <input>; '' for files not on disk. */
  pathForFile(file: FileHandle): string
}

export const PAGE_COMMANDS = (Object.keys(COMMAND_CHANNELS) as CommandName[]).filter(
  (name): name is PageCommandName => name !== 'addPaths',
)

export function createUpshotApi(transport: Transport): UpshotApi {
  const call = <K extends CommandName>(
    name: K,
    args: Commands[K]['args'],
  ): Promise<Result<Commands[K]['value']>> =>
    transport.invoke(COMMAND_CHANNELS[name], withoutTrailingUndefined(args)) as Promise<
      Result<Commands[K]['value']>
    >

  const commands = Object.fromEntries(
    PAGE_COMMANDS.map((name) => [
      name,
      (...args: unknown[]) => call(name, args as Commands[typeof name]['args']),
    ]),
  ) as unknown as Omit<UpshotApi, 'addFiles' | 'on' | 'face'>

  return {
    ...commands,
    face: 'window',

    async addFiles(files) {
      const paths: string[] = []
      for (const file of Array.from(files)) {
        let p = ''
        try {
          p = transport.pathForFile(file)
        } catch {
          // Not a real File (the page built an object): it has no path.
        }
        if (p) paths.push(p)
      }
      if (paths.length === 0) return { ok: true, value: { added: 0 } }
      return call('addPaths', [paths])
    },

    on<K extends EventName>(event: K, listener: (payload: Events[K]) => void): () => void {
      // The page is untrusted input even here: only names from the contract map to a channel.
      if (!Object.hasOwn(EVENT_CHANNELS, event)) throw new Error(`Unknown event: ${String(event)}`)
      return transport.listen(EVENT_CHANNELS[event], (payload) => listener(payload as Events[K]))
    },
  }
}

/**
 * An optional argument left out is left out of the message too: JSON (the WebSocket, the pipe to
 * the core) turns a trailing `undefined` into `null`, which the core's validation refuses.
 */
function withoutTrailingUndefined(args: readonly unknown[]): unknown[] {
  const out = [...args]
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop()
  return out
}
