// Who holds a port the editor API wanted: it asks /heartbeat, as PicGo does, and reads the
// answer. Another Upshot says so in its Server header; PicGo and PicList answer "alive".

import http from 'node:http'

export type PortHolder = 'upshot' | 'picgo-compatible' | 'other'

export function whoHolds(port: number, host = '127.0.0.1', timeoutMs = 1500): Promise<PortHolder> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: host === 'localhost' ? '127.0.0.1' : host,
        port,
        method: 'POST',
        path: '/heartbeat',
        headers: {
          host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
          'content-length': 0,
        },
        timeout: timeoutMs,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c
        })
        res.on('end', () => {
          let alive = false
          try {
            const json = JSON.parse(body) as { success?: unknown; result?: unknown }
            alive = json.success === true && json.result === 'alive'
          } catch {
            // not JSON: not a PicGo-style server
          }
          if (alive && res.headers.server === 'Upshot') resolve('upshot')
          else resolve(alive ? 'picgo-compatible' : 'other')
        })
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve('other'))
    req.end()
  })
}

/** One sentence: who holds the port, and what to do. */
export function portTakenMessage(port: number, holder: PortHolder, how = 'with --port'): string {
  const who =
    holder === 'upshot'
      ? 'another Upshot (the app with its editor API on, or another `upshot serve`)'
      : holder === 'picgo-compatible'
        ? 'a PicGo-compatible server (PicGo or PicList, probably)'
        : 'another program'
  return `Port ${port} is taken by ${who}; stop it, or choose another port ${how} and put that port in your editor's upload URL.`
}
