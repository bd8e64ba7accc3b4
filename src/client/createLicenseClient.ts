import { BROADCAST_CHANNEL, DEFAULT_ENDPOINT_BASE, licenseEndpoints } from '../core/index.ts'
import type {
  HolderProofResponse,
  ProofEndpoint,
  RequestCodeResponse,
  ServedLicenseState,
} from '../core/index.ts'
import { forwardOnlineEvents } from './forwardOnlineEvents.ts'
import { forwardVisibleEvents } from './forwardVisibleEvents.ts'
import { keepLeaseInUse } from './keepLeaseInUse.ts'
import { LicenseActions } from './licenseActions.ts'
import type { ActionOutcome } from './licenseActions.ts'
import { LicenseStateStore } from './licenseStore.ts'
import { registerPeriodicRecheck } from './registerPeriodicRecheck.ts'

/** Where the page finds the worker's license endpoints; both must match the worker's config. */
export interface LicenseClientOptions {
  /** The worker's endpoint base (default `/_license/`). */
  endpointBase?: string
  /** The BroadcastChannel the worker sends every state change on (default `leeway`). */
  channelName?: string
  /** Defaults to the page's `fetch`. */
  fetch?: typeof fetch
}

/** The page's side of Leeway: the license state as a store, and the actions on the license. */
export interface LicenseClient {
  /** The license state, null until the worker answered; Svelte's store contract (`$license`). */
  readonly license: LicenseStateStore
  /**
   * Follows the worker's state (its first answer counts as an app start) and tells it when the
   * browser comes back online and when the page is shown again. Needs no registration; calling it
   * again does nothing.
   */
  start(): void
  /**
   * Attaches to the worker's registration made elsewhere (vite-plugin-pwa's `onRegisteredSW`,
   * workbox-window): `start()`, and a twice-daily re-check where the browser grants it.
   */
  attach(registration: ServiceWorkerRegistration): void
  /** Stops following the worker. */
  stop(): void
  /** Whether `feature` works now, per the latest state; false until it is known. */
  hasFeature(feature: string): boolean
  /**
   * Whether `feature` works, as a store that tells each change: in Svelte,
   * `const canExport = leeway.feature('export.file')` then `{#if $canExport}`.
   */
  feature(feature: string): FeatureStore
  /** Asks the worker for the state now. */
  refresh(): Promise<ServedLicenseState | null>
  activate(licenseKey: string, deviceName?: string): Promise<ActionOutcome>
  deactivate(): Promise<ActionOutcome>
  recheck(): Promise<ActionOutcome>
  requestCode(deviceName?: string): Promise<RequestCodeResponse>
  importLicenseFile(licenseFile: string): Promise<ActionOutcome>
  /** A floating license (#15): takes a lease now ("Try again" when all were in use). */
  takeLease(): Promise<ActionOutcome>
  /** A floating license: holds a slot for offline work until `until` (epoch ms). */
  borrow(until: number): Promise<ActionOutcome>
  /** A floating license: gives the slot back now; while offline, at the next connection (`queued`). */
  giveBack(): Promise<ActionOutcome>
  proof(endpoint: ProofEndpoint): Promise<HolderProofResponse | null>
  telemetry(): Promise<boolean>
  setTelemetry(optIn: boolean): Promise<boolean>
}

/** Svelte's store contract for one feature: called at once, then on every change. */
export interface FeatureStore {
  subscribe(run: (on: boolean) => void): () => void
}

/**
 * The page client of a Leeway worker registered by the app (or its PWA plugin). Does nothing until
 * `start()` or `attach(registration)`.
 * @example
 * const leeway = createLicenseClient()
 * registerSW({ onRegisteredSW: (_url, registration) => registration && leeway.attach(registration) })
 * leeway.license.subscribe((state) => render(state))
 */
export function createLicenseClient(options: LicenseClientOptions = {}): LicenseClient {
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const endpoints = licenseEndpoints(options.endpointBase ?? DEFAULT_ENDPOINT_BASE)
  const license = new LicenseStateStore(
    endpoints.state,
    options.channelName ?? BROADCAST_CHANNEL,
    fetchImpl,
  )
  const actions = new LicenseActions(endpoints, license, fetchImpl)
  let stopForwarding: (() => void) | undefined
  const refreshOnControl = () => void license.refresh()

  const client: LicenseClient = {
    license,
    start() {
      if (stopForwarding) return
      license.start()
      if (!('serviceWorker' in navigator)) {
        stopForwarding = () => undefined
        return
      }
      // The first load is not controlled until the worker claims it: ask again when it does.
      navigator.serviceWorker.addEventListener('controllerchange', refreshOnControl)
      const stopOnline = forwardOnlineEvents()
      const stopVisible = forwardVisibleEvents()
      const stopLease = keepLeaseInUse(license)
      stopForwarding = () => {
        stopOnline()
        stopVisible()
        stopLease()
        navigator.serviceWorker.removeEventListener('controllerchange', refreshOnControl)
      }
    },
    attach(registration) {
      client.start()
      void registerPeriodicRecheck(registration)
    },
    stop() {
      stopForwarding?.()
      stopForwarding = undefined
      license.stop()
    },
    hasFeature: (feature) => license.hasFeature(feature),
    feature: (feature) => ({
      subscribe(run) {
        let last: boolean | undefined
        return license.subscribe((state) => {
          const on = state?.features[feature] === true
          if (on === last) return
          last = on
          run(on)
        })
      },
    }),
    refresh: () => license.refresh(),
    activate: (licenseKey, deviceName) => actions.activate(licenseKey, deviceName),
    deactivate: () => actions.deactivate(),
    recheck: () => actions.recheck(),
    requestCode: (deviceName) => actions.requestCode(deviceName),
    importLicenseFile: (licenseFile) => actions.importLicenseFile(licenseFile),
    takeLease: () => actions.takeLease(),
    borrow: (until) => actions.borrow(until),
    giveBack: () => actions.giveBack(),
    proof: (endpoint) => actions.proof(endpoint),
    telemetry: () => actions.telemetry(),
    setTelemetry: (optIn) => actions.setTelemetry(optIn),
  }
  return client
}
