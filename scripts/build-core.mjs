// Bundles the app's core process (src/core/main.ts with AppService and the engine) into
// out/core/ for plain Node: index.mjs, plus chunks for what it loads on first need (the AWS SDK).
// Everything is bundled except the two native packages and the HEIC decoder (its worker thread
// loads it by path), which stay in node_modules (a package ships them next to the bundle, see
// scripts/stage-core.mjs).
import { build } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
export const CORE_OUT = path.join(root, 'out', 'core')
/** Packages the bundle loads from node_modules at run time. */
export const CORE_EXTERNALS = ['sharp', 'better-sqlite3', 'heic-decode']

export async function buildCore() {
  rmSync(CORE_OUT, { recursive: true, force: true })
  await build({
    absWorkingDir: root,
    entryPoints: { index: 'src/core/main.ts' },
    outdir: CORE_OUT,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: CORE_EXTERNALS,
    // ES module builds first: a CommonJS package bundled behind a dynamic import() would expose
    // its exports as `default` only (the AWS SDK and @smithy ship both).
    mainFields: ['module', 'main'],
    // sharp on first use, as in the CLI: the core says hello before libvips is loaded.
    alias: { sharp: './scripts/cli-shims/sharp.mjs' },
    // Bundled CommonJS packages call require() for Node's modules.
    banner: {
      js: "import { createRequire as __upshotCreateRequire } from 'node:module'; const require = __upshotCreateRequire(import.meta.url);",
    },
    define: { UPSHOT_VERSION: JSON.stringify(pkg.version) },
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCore()
