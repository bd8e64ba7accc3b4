import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface OtherSite {
  /** `http://localhost:<port>`: another site than the app's `127.0.0.1`, for the browser. */
  origin: string
  close(): Promise<void>
}

/** An attacker's site: serves the HTML `pageAt` gives for a path, or a 404. */
export async function startOtherSite(
  pageAt: (path: string) => string | undefined,
): Promise<OtherSite> {
  const server = createServer((request, response) => {
    const page = pageAt(request.url ?? '/')
    response.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html' })
    response.end(page ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
