// Preloaded into a CLI child (NODE_OPTIONS=--import) to report every AWS SDK package the process
// resolves, on stderr: the lean paths must run without loading the SDK at all.
import { register } from 'node:module'

register(new URL('./sdk-watch-hooks.mjs', import.meta.url))
