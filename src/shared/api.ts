// The preload contract, typed once: the commands the renderer may invoke (request -> result) and
// the events pushed to it. The preload exposes purpose-built functions built from these as
// `window.upshot` (src/preload/api.ts); the main process registers one handler per command
// (src/main/ipc.ts), checks the sender and relays it to the core process
// (src/shared/protocol.ts), which parses every argument with zod (src/core/ipc-dispatch.ts).

export * from './contract/base'
export * from './contract/queue'
export * from './contract/history'
export * from './contract/settings'
export * from './contract/sync'
export * from './contract/paths'
export * from './contract/commands'
