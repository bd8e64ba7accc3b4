import { entitledFeatures, evaluate, policyFor } from '../../src/core/index.ts'
import type { GrantClaims, ImpactReport, Manifest, ProductManifest } from '../../src/core/index.ts'
import type { StandingDeviceRow, Store } from '../storage/Store.ts'

const DAY = 86_400_000

/** The offline horizons of the report: now, and after 1, 7 and 30 more days without a check. */
export const IMPACT_HORIZONS = { now: 0, in1d: DAY, in7d: 7 * DAY, in30d: 30 * DAY } as const
type Horizon = keyof typeof IMPACT_HORIZONS
const HORIZONS = Object.keys(IMPACT_HORIZONS) as Horizon[]

// Devices are read a page at a time, so a large installed base never sits in memory at once.
const PAGE = 1_000

/**
 * The impact of replacing `current` (version `currentVersion`) by `candidate`, over every device in
 * good standing. For each device, a grant is made as the server would have issued it at the
 * device's last check, once under each policy, and evaluated offline now and at each horizon; a
 * feature on under the current policy and off under the candidate at the same instant is a loss.
 * Evaluation is the core's, so the report says exactly what devices will do.
 */
export async function manifestImpact(
  store: Store,
  current: { version: number; manifest: Manifest },
  candidate: Manifest,
  now: number,
): Promise<ImpactReport> {
  const losses = new Map<string, Record<Horizon, number>>()
  const tally = (product: string, feature: string) => {
    const key = `${product}\u0000${feature}`
    let entry = losses.get(key)
    if (!entry) {
      entry = { now: 0, in1d: 0, in7d: 0, in30d: 0 }
      losses.set(key, entry)
    }
    return entry
  }
  for (const [productId, product] of Object.entries(candidate.products)) {
    const before = productOf(current.manifest, productId)
    for (const feature of featureNames(before, product)) tally(productId, feature)
  }

  // Devices of one plan and overrides share their policy: made once, not per device.
  const templates = new Map<string, Pick<GrantClaims, 'features' | 'pol'> | null>()
  const template = (
    manifest: Manifest,
    version: number,
    device: StandingDeviceRow,
  ): Pick<GrantClaims, 'features' | 'pol'> | null => {
    const key = [version, device.product, device.plan, device.recheck_every, device.grace].join(
      '\u0000',
    )
    let found = templates.get(key)
    if (found === undefined) {
      const product = productOf(manifest, device.product)
      found = product ? policyOf(device, product, version) : null
      templates.set(key, found)
    }
    return found
  }

  let devicesConsidered = 0
  const devicesLosing = { now: 0, in1d: 0, in7d: 0, in30d: 0 }
  let after: { licenseId: string; deviceId: string } | undefined
  for (;;) {
    const page = await store.listDevicesInGoodStanding({ now, after, limit: PAGE })
    for (const device of page) {
      devicesConsidered += 1
      const before = template(current.manifest, current.version, device)
      if (!before) continue
      const next = template(candidate, current.version + 1, device)
      // A plan whose features and windows did not change cannot lose anything: no evaluation.
      if (next && samePolicy(before, next)) continue
      const was = grantAt(device, before)
      const will = next ? grantAt(device, next) : null
      for (const horizon of HORIZONS) {
        const at = now + IMPACT_HORIZONS[horizon]
        const had = featuresAt(was, at)
        const has = will ? featuresAt(will, at) : {}
        let loses = false
        for (const [feature, on] of Object.entries(had)) {
          if (!on || has[feature] === true) continue
          tally(device.product, feature)[horizon] += 1
          loses = true
        }
        if (loses) devicesLosing[horizon] += 1
      }
    }
    const last = page.at(-1)
    if (page.length < PAGE || !last) break
    after = { licenseId: last.license_id, deviceId: last.device_id }
  }

  const features = [...losses.entries()]
    .map(([key, counts]) => {
      const [product = '', feature = ''] = key.split('\u0000')
      return { product, feature, ...counts }
    })
    .sort((a, b) => a.product.localeCompare(b.product) || a.feature.localeCompare(b.feature))
  return {
    currentVersion: current.version,
    devicesConsidered,
    features,
    lockouts: devicesLosing.now,
    devicesLosing,
  }
}

function productOf(manifest: Manifest, id: string): ProductManifest | undefined {
  return Object.hasOwn(manifest.products, id) ? manifest.products[id] : undefined
}

function featureNames(before: ProductManifest | undefined, after: ProductManifest): string[] {
  return [...new Set([...Object.keys(before?.features ?? {}), ...Object.keys(after.features)])]
}

/** What a grant of this device's plan carries under `product` at manifest `version`. */
function policyOf(
  device: StandingDeviceRow,
  product: ProductManifest,
  version: number,
): Pick<GrantClaims, 'features' | 'pol'> {
  return {
    features: entitledFeatures(product, device.plan),
    pol: policyFor(product, version, {
      recheckEvery: device.recheck_every === 'never' ? null : (device.recheck_every ?? undefined),
      grace: device.grace,
    }),
  }
}

const signatures = new WeakMap<object, string>()

function samePolicy(
  a: Pick<GrantClaims, 'features' | 'pol'>,
  b: Pick<GrantClaims, 'features' | 'pol'>,
): boolean {
  const signature = (x: Pick<GrantClaims, 'features' | 'pol'>) => {
    let text = signatures.get(x)
    if (text === undefined) {
      text = JSON.stringify([x.features, { ...x.pol, v: 0 }])
      signatures.set(x, text)
    }
    return text
  }
  return a === b || signature(a) === signature(b)
}

/** The claims the server would have signed for this device at its last check. */
function grantAt(
  device: StandingDeviceRow,
  policy: Pick<GrantClaims, 'features' | 'pol'>,
): GrantClaims {
  return {
    iss: 'impact',
    aud: device.product,
    sub: device.license_id,
    jti: 'impact',
    seq: 1,
    iat: Math.floor(device.last_seen_at / 1000),
    ...(device.term_end === null ? {} : { exp: Math.floor(device.term_end / 1000) }),
    status: 'active',
    plan: device.plan,
    features: policy.features,
    pol: policy.pol,
    dev: device.device_id,
    cnf: { jkt: 'impact' },
  }
}

function featuresAt(grant: GrantClaims, at: number): Record<string, boolean> {
  return evaluate({ grant, now: at, connectivity: 'offline' }).features
}
