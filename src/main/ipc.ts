// One ipcMain handler per command of the contract in src/shared/api.ts.

import { ipcMain } from 'electron'
import { COMMAND_CHANNELS, type CommandName } from '../shared/api'
import { dispatchCommand, type CommandHandlers } from '../core/ipc-dispatch'

/** Registers every command; returns the function that removes them again. */
export function registerIpc(
  handlers: CommandHandlers,
  isAppUrl: (url: string) => boolean,
): () => void {
  const names = Object.keys(COMMAND_CHANNELS) as CommandName[]
  for (const name of names) {
    ipcMain.handle(COMMAND_CHANNELS[name], (event, ...args: unknown[]) =>
      dispatchCommand(name, handlers, { senderUrl: event.senderFrame?.url, args }, isAppUrl),
    )
  }
  return () => {
    for (const name of names) ipcMain.removeHandler(COMMAND_CHANNELS[name])
  }
}
