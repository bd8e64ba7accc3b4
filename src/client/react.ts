// React bindings of the page client (`leeway/react`): the license state and feature gates as hooks.
import { useCallback, useSyncExternalStore } from 'react'
import type { ServedLicenseState } from '../core/index.ts'
import type { LicenseClient } from './createLicenseClient.ts'

/**
 * The license state, null until the worker has answered; the component renders again on each
 * change. The client must be started (`attach(registration)` or `start()`) somewhere once.
 * @example
 * const license = useLicense(leeway)
 * return <p>{license?.status ?? 'Starting the license service…'}</p>
 */
export function useLicense(client: LicenseClient): ServedLicenseState | null {
  const subscribe = useCallback(
    (onChange: () => void) => client.license.subscribe(() => onChange()),
    [client],
  )
  // On a server render there is no worker to ask: the state is unknown.
  return useSyncExternalStore(subscribe, () => client.license.current, serverSnapshot)
}

/**
 * Whether `feature` works now; false until the state is known.
 * @example
 * const canExport = useFeature(leeway, 'export.file')
 */
export function useFeature(client: LicenseClient, feature: string): boolean {
  return useLicense(client)?.features[feature] === true
}

const serverSnapshot = () => null
