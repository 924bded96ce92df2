import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { APP_HOST, APP_SCHEME, serveAppFile } from '../../../src/main/app-files'

export interface StaticServer {
  url: string
  close(): Promise<void>
}

/**
 * Serves `dir` on 127.0.0.1 (random port) through the app:// handler's own mapping
 * (src/main/app-files.ts): the same files, types and CSP header the window gets, on http because
 * a test browser cannot be given a custom scheme.
 */
export async function serveDirectory(dir: string): Promise<StaticServer> {
  const root = path.resolve(dir)
  const server = http.createServer((req, res) => {
    const answer = serveAppFile(`${APP_SCHEME}://${APP_HOST}${req.url ?? '/'}`, root, req.method)
    res.writeHead(answer.status, answer.headers).end(answer.body ?? undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
