// `upshot upload --typora`: Typora's "Custom Command" uploader. Typora appends the image paths
// (or http(s) URLs of online images) to the command and takes the image URLs from the last N
// lines of stdout, N being the number of images, in order. So stdout holds `Upload Success:`
// and one URL per input, and nothing else; reasons go to stderr. When any image fails, stdout
// stays empty and the exit status is non-zero: a short list of URLs would put each one under
// the wrong image.

import path from 'node:path'
import { createEngine } from '../../engine'
import { primaryOutput } from '../../shared/links'
import { terminalText } from '../../shared/display-text'
import type { EditorInput } from '../../core/editors/uploads'
import { engineOptions, EXIT_JOB_FAILED, EXIT_OK, type CommonOptions } from '../shared'
import { uploadInGroups } from '../editor-uploads'
import { onStopSignals } from '../stop'

export interface TyporaOptions extends CommonOptions {
  allowPrivateUrls?: boolean
}

/** An input as Typora gives it: an http(s) URL, or a path (relative to the current folder). */
export function editorInputOf(arg: string, cwd = process.cwd()): EditorInput {
  return /^https?:\/\//i.test(arg)
    ? { kind: 'url', url: arg }
    : { kind: 'path', path: path.resolve(cwd, arg) }
}

export async function typoraUpload(
  args: readonly string[],
  opts: TyporaOptions,
  typed: ReadonlySet<string>,
): Promise<number> {
  const engine = createEngine(engineOptions(opts))
  const ctl = new AbortController()
  const stop = onStopSignals('Stopping: no links are printed for Typora.', () => {
    ctl.abort()
    engine.pause()
  })
  try {
    const items = args.map((arg) => {
      const input = editorInputOf(arg)
      return input.kind === 'path'
        ? { input, label: arg, start: input.path }
        : { input, label: arg, start: process.cwd(), startIsDir: true }
    })
    const { outcomes } = await uploadInGroups(engine, items, {
      opts,
      typed,
      allowPrivateUrls: opts.allowPrivateUrls === true,
      signal: ctl.signal,
    })
    const urls = outcomes.map((o) => (o.ok ? primaryOutput(o.job.outputs, 'full')?.url : undefined))
    if (urls.some((u) => !u) || outcomes.length !== args.length) {
      let failed = 0
      for (const o of outcomes) {
        if (o.ok) continue
        failed++
        process.stderr.write(
          `upshot: ${terminalText(o.input)}: ${o.error.code}: ${terminalText(o.error.message)}\n`,
        )
      }
      process.stderr.write(
        `upshot: ${failed || 'some'} of ${args.length} images failed; no links were printed.\n`,
      )
      return EXIT_JOB_FAILED
    }
    process.stdout.write(`Upload Success:\n${urls.join('\n')}\n`)
    return EXIT_OK
  } finally {
    stop.off()
    await engine.close()
  }
}
