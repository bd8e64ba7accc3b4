import { DEMO_MANIFEST } from '../demoManifest.ts'
import type { Secrets } from '../secrets/Secrets.ts'
import { AdminService } from '../services/AdminService.ts'
import { ManifestService } from '../services/ManifestService.ts'
import type { KyselyStore } from '../storage/KyselyStore.ts'

const DEMO_PRODUCT = 'notes'

/** The demo license made on first run: the key is kept so that every start can print it. */
export interface DemoLicense {
  id: string
  key: string
}

/**
 * What a fresh deployment starts with: the demo manifest while none is published, and, with
 * `license`, a demo license of plan `pro` (made once). Answers the demo license if there is one,
 * whether made now or on an earlier run.
 */
export async function seedDemo(
  store: KyselyStore,
  secrets: Secrets,
  options: { keyHashSecret: string; now: () => number; license: boolean },
): Promise<DemoLicense | undefined> {
  const { keyHashSecret, now } = options
  const manifests = new ManifestService(store, now)
  const current = await store.currentManifest()
  if (!current) await manifests.publish(DEMO_MANIFEST, 'leeway init', 'demo manifest')

  const stored = await secrets.get('demo-license')
  if (stored !== undefined) return JSON.parse(stored) as DemoLicense
  if (!options.license) return undefined
  // A vendor who published a manifest of their own before the first start has no demo product to
  // license: the demo stays out of their deployment.
  if (current && !(DEMO_PRODUCT in (JSON.parse(current.body) as { products: object }).products))
    return undefined
  const admin = new AdminService(store, manifests, keyHashSecret, now)
  const license = await admin.createLicense({
    product: DEMO_PRODUCT,
    plan: 'pro',
    seats: 3,
    termEnd: now() + 365 * 86_400_000,
    note: 'demo license made by npm start',
  })
  const demo = { id: license.id, key: license.key }
  await secrets.init('demo-license', JSON.stringify(demo, null, 2))
  return demo
}
