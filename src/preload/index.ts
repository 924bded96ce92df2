// Runs sandboxed (no Node, only `require('electron')`) and is bundled to one CommonJS file.
// The page gets purpose-built functions, never ipcRenderer: it can reach no channel but ours.

import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { createUpshotApi } from './api'

const api = createUpshotApi({
  invoke: (channel, args) => ipcRenderer.invoke(channel, ...args),
  listen(channel, listener) {
    // Hand over the payload only; the IpcRendererEvent would expose the sender to the page.
    const forward = (_event: IpcRendererEvent, payload: unknown): void => listener(payload)
    ipcRenderer.on(channel, forward)
    return () => {
      ipcRenderer.removeListener(channel, forward)
    }
  },
  pathForFile: (file) => webUtils.getPathForFile(file as File),
})

contextBridge.exposeInMainWorld('upshot', api)
