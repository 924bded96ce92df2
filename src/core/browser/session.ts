// Who may talk to `upshot ui`: whoever opened the URL it printed. The URL carries a random
// launch token, good once; opening it trades the token for a session cookie (HttpOnly, so the
// page's scripts never see it; SameSite=Strict, so another site's links and forms never carry
// it) and redirects to the app without the token. Both live in this process's memory only: a
// restart makes every old token and cookie worthless.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { tokenEquals } from '../http/guard'

export class Sessions {
  private launch: string | null = null
  private readonly sessions = new Set<string>()
  /** The cookie's name carries the port: cookies ignore ports, two servers must not clash. */
  readonly cookieName: string

  constructor(
    port: number,
    private readonly secure: boolean,
  ) {
    this.cookieName = `upshot-session-${port}`
  }

  /** A new one-time launch token (the previous one, if unused, stops working). */
  newLaunchToken(): string {
    this.launch = randomBytes(32).toString('base64url')
    return this.launch
  }

  /** Trades a launch token for a session; null when it is wrong or was used. */
  exchange(token: string): string | null {
    if (this.launch === null || !tokenEquals(token, this.launch)) return null
    this.launch = null
    const session = randomBytes(32).toString('base64url')
    this.sessions.add(session)
    return session
  }

  cookieFor(session: string): string {
    return `${this.cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/${this.secure ? '; Secure' : ''}`
  }

  /** Whether a request carries a session cookie of this server. */
  authorized(req: IncomingMessage): boolean {
    const value = readCookie(req.headers.cookie, this.cookieName)
    if (!value) return false
    for (const s of this.sessions) if (tokenEquals(value, s)) return true
    return false
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}
