// Upshot as it was before the encoder settings were chosen by measured quality (issue 18), built
// from git into node_modules/.cache so it resolves the same packages: "today's" CPU time is then
// measured in the same run, on the same photos, as the current build.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../upshot.mjs'

/** The last commit before issue 18's encoder work. */
export const BASELINE_COMMIT = '1b16b1e'

/** Path of the baseline's bundled CLI (dist/cli.mjs of that commit), building it once. */
export async function baselineCli(commit = BASELINE_COMMIT) {
  const cache = path.join(ROOT, 'node_modules/.cache/upshot-bench')
  const out = path.join(cache, `cli-${commit}.mjs`)
  if (fs.existsSync(out)) return out
  const src = path.join(cache, `src-${commit}`)
  fs.rmSync(src, { recursive: true, force: true })
  fs.mkdirSync(src, { recursive: true })
  const tar = execFileSync(
    'git',
    ['-C', ROOT, 'archive', commit, 'src', 'scripts/cli-shims', 'package.json'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  )
  execFileSync('tar', ['-x', '-C', src], { input: tar })
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'))
  const { build } = await import('esbuild')
  await build({
    absWorkingDir: src,
    entryPoints: ['src/cli/index.ts'],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: { sharp: './scripts/cli-shims/sharp.mjs' },
    define: { UPSHOT_VERSION: JSON.stringify(`${pkg.version}+${commit}`) },
    logLevel: 'warning',
  })
  return out
}
