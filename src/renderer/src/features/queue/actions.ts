import type { LinkFormat } from '../../../../shared/links'
import { t } from '../../i18n'
import { messageOf, unwrap, upshot } from '../../lib/api'
import { toast } from '../../state/toasts'

/** Runs a command; a failure becomes a toast with its sentence. Returns undefined on failure. */
export async function attempt<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run()
  } catch (err) {
    toast(messageOf(err), 'error')
    return undefined
  }
}

export async function copyLinks(ids: string[], format: LinkFormat): Promise<void> {
  const result = await attempt(() => unwrap(upshot.copyLinks(ids, format)))
  if (result) toast(t.results.copied(t.formats[format], result.count))
}

/** Every finished upload of the queue but `except`: the core knows them, the page holds a few. */
export async function copyDoneLinks(format: LinkFormat, except: string[]): Promise<void> {
  const result = await attempt(() => unwrap(upshot.copyDoneLinks(format, except)))
  if (result) toast(t.results.copied(t.formats[format], result.count))
}

export async function addFromDialog(kind: 'files' | 'folder'): Promise<void> {
  await attempt(() => unwrap(upshot.chooseAndAdd(kind)))
}
