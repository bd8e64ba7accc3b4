import { APP_START_PARAM, LICENSE_ENDPOINTS, LICENSE_REQUEST_HEADER } from '../../src/core/index.ts'
import type { LicenseEndpoints, ProofEndpoint, WorkerErrorBody } from '../../src/core/index.ts'
import { errorResponse, json, readJsonObject } from '../http.ts'
import type { ActionFailure, ActionResult } from './actionResult.ts'
import type { LicenseWorker } from './LicenseWorker.ts'

type Handler = (request: Request, extend: (work: Promise<unknown>) => void) => Promise<Response>

const MAX_KEY_LENGTH = 100
const MAX_NAME_LENGTH = 100
const MAX_LICENSE_FILE_LENGTH = 65_536

/**
 * The virtual endpoints (`/_license/*` unless `endpoints` says otherwise), by method and path.
 * Every handler answers; none throws (a failure becomes a JSON error), so the worker and the page
 * never see an unhandled rejection.
 */
export function licenseRoutes(
  worker: LicenseWorker,
  endpoints: LicenseEndpoints = LICENSE_ENDPOINTS,
): Map<string, Handler> {
  const routes = new Map<string, Handler>()
  const route = (method: string, path: string, handler: Handler) =>
    routes.set(`${method} ${path}`, handler)

  route('GET', endpoints.state, async (request, extend) => {
    // The page's first question after it loaded: an app start, counted (with consent) as online
    // or offline. Never in the way of the answer.
    if (new URL(request.url).searchParams.has(APP_START_PARAM))
      extend(worker.appStarted().catch(() => undefined))
    let state
    try {
      state = await worker.state()
    } catch {
      // Storage the browser will not give us (private mode, a full disk) is a state, not a crash:
      // the page shows it and the app keeps its free paths.
      return json(worker.unavailableState('store_unavailable'))
    }
    // The answer never waits for the network: a due re-check runs after it, in the background.
    const rechecking = worker.recheckIfDue()
    if (rechecking) extend(rechecking)
    return json(state)
  })

  route('POST', endpoints.activate, async (request) => {
    const body = await readJsonObject(request)
    const licenseKey = body?.licenseKey
    if (
      typeof licenseKey !== 'string' ||
      licenseKey.trim() === '' ||
      licenseKey.length > MAX_KEY_LENGTH
    ) {
      return errorResponse('bad_request', 400)
    }
    return actionResponse(await worker.activate(licenseKey, deviceName(body?.deviceName)))
  })

  route('GET', endpoints.requestCode, async (request) => {
    const name = new URL(request.url).searchParams.get('name')
    return json(await worker.requestCode(deviceName(name)))
  })

  route('POST', endpoints.import, async (request) => {
    const body = await readJsonObject(request)
    const licenseFile = body?.licenseFile
    if (typeof licenseFile !== 'string' || licenseFile.length > MAX_LICENSE_FILE_LENGTH) {
      return errorResponse('bad_request', 400)
    }
    return actionResponse(await worker.importLicenseFile(licenseFile))
  })

  route('POST', endpoints.recheck, async () => {
    await worker.recheck()
    return json(await worker.state())
  })

  route('POST', endpoints.deactivate, async () => actionResponse(await worker.deactivate()))

  route('POST', endpoints.telemetry, async (request) => {
    const body = await readJsonObject(request)
    if (typeof body?.optIn !== 'boolean') return errorResponse('bad_request', 400)
    return json(await worker.setTelemetry(body.optIn))
  })

  route('GET', endpoints.telemetry, async () => json(await worker.telemetry()))

  route('POST', endpoints.lease, async () => actionResponse(await worker.takeLease()))

  route('POST', endpoints.borrow, async (request) => {
    const until = (await readJsonObject(request))?.until
    if (typeof until !== 'number' || !Number.isSafeInteger(until) || until <= 0)
      return errorResponse('bad_request', 400)
    return actionResponse(await worker.borrow(until))
  })

  route('POST', endpoints.giveBack, async () => actionResponse(await worker.giveBack()))

  route('POST', endpoints.proof, async (request) => {
    const body = await readJsonObject(request)
    const endpoint = { htm: body?.htm, htu: body?.htu }
    if (!isEndpoint(endpoint)) return errorResponse('bad_request', 400)
    const result = await worker.holderProof(endpoint)
    return result.ok ? json({ grant: result.grant, proof: result.proof }) : failure(result)
  })

  return routes
}

/** Answers a request for a license endpoint, or a 404/405 JSON error for an unknown one. */
export async function handleLicenseRequest(
  routes: Map<string, Handler>,
  request: Request,
  extend: (work: Promise<unknown>) => void,
): Promise<Response> {
  if (looksCrossSite(request)) return errorResponse('forbidden_request', 403)
  const path = new URL(request.url).pathname
  const handler = routes.get(`${request.method} ${path}`)
  if (!handler) {
    const known = [...routes.keys()].some((key) => key.endsWith(` ${path}`))
    return known ? errorResponse('bad_request', 405) : errorResponse('not_found', 404)
  }
  try {
    return await handler(request, extend)
  } catch (error) {
    return isStorageError(error)
      ? errorResponse('store_unavailable', 503)
      : errorResponse('internal', 500)
  }
}

/**
 * Whether a request may have come from another site. Only navigations of another site reach
 * this worker (a form that posts itself, a link, a frame): other cross-site requests are handled by
 * the worker of the page that makes them, if any, and go to the network. The app's own calls are
 * never navigations, and its POSTs carry JSON and a header no form can set. `Sec-Fetch-Site` is not
 * relied on: the browser adds it to what goes on the network, not to what a worker is given.
 */
function looksCrossSite(request: Request): boolean {
  if (request.mode === 'navigate' || request.destination !== '') return true
  if (request.method === 'GET' || request.method === 'HEAD') return false
  const json = /^application\/json\b/i.test(request.headers.get('content-type') ?? '')
  return !json || request.headers.get(LICENSE_REQUEST_HEADER) !== '1'
}

/** IndexedDB's own failures, by the name of the DOMException that idb passes on. */
const STORAGE_ERRORS = new Set([
  'AbortError',
  'QuotaExceededError',
  'InvalidStateError',
  'UnknownError',
  'VersionError',
])

/**
 * IndexedDB failing or refused: private mode, full storage, a database closing or upgraded by a
 * newer worker, an aborted transaction; or no IndexedDB at all.
 */
function isStorageError(error: unknown): boolean {
  return (
    (error instanceof DOMException || error instanceof Error) &&
    (STORAGE_ERRORS.has(error.name) || /IndexedDB/i.test(error.message))
  )
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** A method, and a path on its own (no origin, query or fragment), as a proof names them. */
function isEndpoint(value: { htm: unknown; htu: unknown }): value is ProofEndpoint {
  return (
    typeof value.htm === 'string' &&
    METHODS.has(value.htm) &&
    typeof value.htu === 'string' &&
    /^\/[^?#\s]{0,511}$/.test(value.htu)
  )
}

function actionResponse(result: ActionResult): Response {
  if (!result.ok) return failure(result)
  return json(
    result.queued ? { ...result.state, queued: true } : result.state,
    result.queued ? 202 : 200,
  )
}

/** A failure of an action: the worker's code, or the license server's code and words passed on. */
function failure({ status, code, detail, details, retryAt }: ActionFailure): Response {
  return json({ error: { code, detail, details, retryAt } } satisfies WorkerErrorBody, status)
}

function deviceName(value: unknown): string {
  return typeof value === 'string' && value.trim() !== ''
    ? value.trim().slice(0, MAX_NAME_LENGTH)
    : 'Browser'
}
