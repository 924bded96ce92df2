#!/usr/bin/env node
// The `upshot` command: the bundled engine under plain Node (built by `npm install`'s prepare step).
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.mjs', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write(
    'upshot: the CLI is not built yet; run `npm install` (or `npm run build:cli`) in the project first.\n',
  )
  process.exit(2)
}
await import(cli.href)
