// Runs sandboxed (no Node, only `require('electron')`) and is bundled to one CommonJS file.
// The page gets purpose-built functions, never ipcRenderer: it can reach no channel but ours.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { COMMAND_CHANNELS, EVENT_CHANNELS, type EventName, type UpshotApi } from '../shared/api'

const api: UpshotApi = {
  getAppInfo: () => ipcRenderer.invoke(COMMAND_CHANNELS.getAppInfo),

  on(event, listener) {
    // The page is untrusted input even here: only names from the contract map to a channel.
    if (!Object.hasOwn(EVENT_CHANNELS, event)) throw new Error(`Unknown event: ${String(event)}`)
    const channel = EVENT_CHANNELS[event as EventName]
    // Hand over the payload only; the IpcRendererEvent would expose the sender to the page.
    const forward = (_event: IpcRendererEvent, payload: Parameters<typeof listener>[0]): void =>
      listener(payload)
    ipcRenderer.on(channel, forward)
    return () => {
      ipcRenderer.removeListener(channel, forward)
    }
  },
}

contextBridge.exposeInMainWorld('upshot', api)
