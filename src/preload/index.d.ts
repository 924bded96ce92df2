// Lets the renderer (tsconfig.web.json includes this file) see the bridge the preload exposes.
import type { UpshotApi } from '../shared/api'

declare global {
  interface Window {
    readonly upshot: UpshotApi
  }
}

export {}
