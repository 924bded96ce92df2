// What a job's source is called on screen. A file a browser sent to `upshot ui` lives in
// <data dir>/incoming/<random>/<the name it was sent under> only until it is uploaded: that path
// means nothing to the user (and is gone soon), the name they sent, with its folder, does.

import { t } from '../i18n'

// The random folder is 9 bytes in base64url (src/core/incoming.ts).
const SENT = /[\\/]incoming[\\/][A-Za-z0-9_-]{12}[\\/](.+)$/

export function sourceLabel(source: string): string {
  const sent = SENT.exec(source)
  return sent ? t.browserFace.sent(sent[1]!.replace(/\\/g, '/')) : source
}
