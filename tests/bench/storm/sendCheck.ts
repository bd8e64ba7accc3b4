import { request } from 'node:http'
import type { SimulatedDevice } from '../server/seedStore.ts'

export interface CheckReply {
  /** 0 when no answer came (timeout or network error). */
  status: number
  text: string
  retryAfter: string | null
  error: 'timeout' | 'network' | null
  /** The socket error's code for a network error (ECONNRESET…). */
  errorCode?: string
  proof: string
}

/**
 * One device's re-check: `POST /api/v1/validate` with its grant and a fresh proof, over a
 * connection of its own (as each browser has), given up after `timeoutMs`. A proof signed ahead
 * may be passed (it must be less than 5 minutes old and never used).
 */
export function sendCheck(
  serverUrl: string,
  device: SimulatedDevice,
  timeoutMs: number,
  proof: string = device.key.proof(device.jti),
): Promise<CheckReply> {
  const body = JSON.stringify({ checks: [{ grant: device.grant, proof }] })
  return new Promise((resolve) => {
    let settled = false
    const settle = (reply: Omit<CheckReply, 'proof'>) => {
      if (settled) return
      settled = true
      resolve({ ...reply, proof })
    }
    const failed = (error: NodeJS.ErrnoException) => {
      const timeout = error.name === 'AbortError' || error.name === 'TimeoutError'
      settle({
        status: 0,
        text: '',
        retryAfter: null,
        error: timeout ? 'timeout' : 'network',
        ...(timeout ? {} : { errorCode: error.code ?? error.name }),
      })
    }
    const outgoing = request(
      new URL('/api/v1/validate', serverUrl),
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', failed)
        response.on('end', () => {
          const retryAfter = response.headers['retry-after']
          settle({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            retryAfter: retryAfter ?? null,
            error: null,
          })
        })
      },
    )
    outgoing.on('error', failed)
    outgoing.end(body)
  })
}
