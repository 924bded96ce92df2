// Bundles the headless CLI (src/cli/ and the engine) into dist/cli.mjs for plain Node.
// Runs from `npm install` (prepare), so `npx upshot` works right after installing.
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: ['src/cli/index.ts'],
  outfile: 'dist/cli.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native and WASM-carrying packages stay in node_modules, loaded as they are.
  packages: 'external',
  sourcemap: true,
  // sharp on first use (scripts/cli-shims/sharp.mjs); the shim itself requires the real package.
  alias: { sharp: './scripts/cli-shims/sharp.mjs' },
  define: { UPSHOT_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
})
