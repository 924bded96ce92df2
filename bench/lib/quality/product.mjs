// The product's own encoder settings, read from the TypeScript source (bundled with esbuild into
// node_modules/.cache), so the curves and the checks measure exactly what the engine does; and
// the settings before issue 18, for "today" in the same plots.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../upshot.mjs'

let loaded = null

/** { encoderSettings(format, quality, pixels), getPreset(name) } from src/engine. */
export async function productSettings() {
  if (loaded) return loaded
  const { build } = await import('esbuild')
  const out = path.join(ROOT, 'node_modules/.cache/upshot-bench/product-settings.mjs')
  await build({
    stdin: {
      contents:
        "export { encoderSettings } from './src/engine/pipeline/encoder'\n" +
        "export { getPreset } from './src/engine/presets'\n",
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  })
  loaded = await import(`${pathToFileURL(out).href}?t=${Date.now()}`)
  return loaded
}

/** The WebP settings of commit 1b16b1e: quality as asked, effort 5 / 4 / 2 by size. */
export function beforeSettings(format, quality, pixels) {
  if (format === 'avif') {
    return { format, quality, effort: pixels < 1_500_000 ? 2 : 0, chroma: '4:2:0' }
  }
  return { format, quality, effort: pixels < 500_000 ? 5 : pixels < 1_500_000 ? 4 : 2 }
}

/** The trial-encode settings (bench/lib/quality/encode.mjs) for the engine's choice. */
export function trialSettings(s) {
  return {
    format: s.format,
    quality: s.quality,
    effort: s.effort,
    smartSubsample: s.smartSubsample,
    chroma: s.chromaSubsampling,
  }
}
