// One ipcMain handler per command of the contract in src/shared/api.ts: the sender is checked
// here, next to Electron, and the command is relayed to the core process, which parses its
// arguments and runs it.

import { ipcMain, type WebContents } from 'electron'
import { COMMAND_CHANNELS, type CommandName, type Result } from '../shared/api'
import type { CoreCommandName } from '../shared/protocol'
import { checkSender } from '../shared/sender'

export interface CommandRelay {
  request(cmd: CoreCommandName, args: readonly unknown[]): Promise<Result<unknown>>
}

/** Registers every command; returns the function that removes them again. */
export function registerIpc(
  core: CommandRelay,
  isAppUrl: (url: string) => boolean,
  /** A command came from the app's page: it has subscribed to its events by now. */
  onPageCommand: (sender: WebContents) => void,
): () => void {
  const names = Object.keys(COMMAND_CHANNELS) as CommandName[]
  for (const name of names) {
    ipcMain.handle(COMMAND_CHANNELS[name], (event, ...args: unknown[]) => {
      const refused = checkSender(name, event.senderFrame?.url, isAppUrl)
      if (refused) return refused
      onPageCommand(event.sender)
      return core.request(name, args)
    })
  }
  return () => {
    for (const name of names) ipcMain.removeHandler(COMMAND_CHANNELS[name])
  }
}
