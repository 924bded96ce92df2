// The first check on every command from a page: it must come from the app's own page. The host
// that receives the page's messages makes it (Electron's main process, the e2e bridge); the core
// then checks the arguments (src/core/ipc-dispatch.ts).

import type { ApiError } from './api'

/** A refusal, or null when the frame at `senderUrl` is the app's own page. */
export function checkSender(
  name: string,
  senderUrl: string | undefined,
  isAppUrl: (url: string) => boolean,
): { ok: false; error: ApiError } | null {
  if (senderUrl !== undefined && isAppUrl(senderUrl)) return null
  return {
    ok: false,
    error: { code: 'FORBIDDEN', message: `${name} may only be called by Upshot's own page.` },
  }
}
