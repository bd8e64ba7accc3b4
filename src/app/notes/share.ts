import { API_PATHS, readApiError } from 'leeway/core'
import type { CreatedShare, SharedNote } from 'leeway/core'
import { licenseClient } from '../lib/licenseClient.ts'
import type { NoteShare } from './notesDb.ts'

export type ShareOutcome = { ok: true; share: NoteShare } | { ok: false; message: string }

/**
 * Shares a read-only copy of a note through the license server. The worker hands over the grant
 * with a fresh proof of this device's key; the server checks both, and that the license entitles
 * `share.link` now, before it stores anything.
 */
export async function shareNote(note: { title: string; body: string }): Promise<ShareOutcome> {
  const holder = await licenseClient.proof({ htm: 'POST', htu: API_PATHS.shares })
  if (!holder) return { ok: false, message: 'This device has no license to share with.' }
  const answer = await send('POST', API_PATHS.shares, { ...holder, ...note })
  if (!answer.ok) return answer
  const body = answer.body as CreatedShare
  return { ok: true, share: { id: body.id, url: body.url, expiresAt: body.expiresAt } }
}

/** Stops sharing: the link stops working for everyone. */
export async function stopSharing(share: NoteShare): Promise<{ ok: boolean; message: string }> {
  const path = `${API_PATHS.shares}/${encodeURIComponent(share.id)}`
  const holder = await licenseClient.proof({ htm: 'DELETE', htu: path })
  if (!holder) return { ok: false, message: 'This device has no license to stop sharing with.' }
  const answer = await send('DELETE', path, holder)
  // Already gone on the server (expired, or stopped from another device): stopped all the same.
  if (!answer.ok && answer.status !== 404) return { ok: false, message: answer.message }
  return { ok: true, message: '' }
}

export async function readSharedNote(
  id: string,
): Promise<{ ok: true; note: SharedNote } | { ok: false; message: string }> {
  const answer = await send('GET', `${API_PATHS.shares}/${encodeURIComponent(id)}`)
  return answer.ok ? { ok: true, note: answer.body as SharedNote } : answer
}

type Answer =
  { ok: true; body: unknown } | { ok: false; status: number; code: string; message: string }

async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      cache: 'no-store',
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    })
  } catch {
    return {
      ok: false,
      status: 0,
      code: 'offline',
      message: "You're offline. Sharing needs a connection; try again when you're back online.",
    }
  }
  if (response.status === 204) return { ok: true, body: null }
  const json: unknown = await response.json().catch(() => null)
  const error = readApiError(json)
  if (response.ok && json !== null && !error) return { ok: true, body: json }
  const code = error?.code ?? 'unknown'
  return {
    ok: false,
    status: response.status,
    code,
    message: shareErrorText(code, response.status),
  }
}

/** What a refused share means for the user. */
export function shareErrorText(code: string, status: number): string {
  switch (code) {
    case 'feature_not_entitled':
      return 'Your plan does not include shared links.'
    case 'license_revoked':
      return 'This license was revoked, so it can no longer share notes.'
    case 'license_suspended':
      return 'This license is suspended, so it cannot share notes until the vendor restores it.'
    case 'license_expired':
      return 'Your license has ended. Renew it to share notes again.'
    case 'device_unknown':
      return 'This device is no longer activated for the license.'
    case 'body_too_large':
      return 'This note is too long to share (the limit is about 50,000 characters).'
    case 'bad_request':
      return 'This note cannot be shared as it is (is it longer than 50,000 characters?).'
    case 'gone':
      return 'This shared note is no longer available.'
    case 'not_found':
      return 'There is no shared note at this link.'
    case 'conflict':
      return 'This license already shares as many notes as it may. Stop sharing one to share this.'
    case 'rate_limited':
      return 'Too many requests. Try again in a minute.'
    default:
      return status >= 500 || status === 0
        ? 'The server is having trouble. Try again in a few minutes.'
        : 'The answer did not come from the license server (a Wi-Fi sign-in page?).'
  }
}
