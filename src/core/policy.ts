import { parseDuration } from './duration.ts'
import type { GrantPolicy, OfflineClass } from './grant.ts'
import type { ProductManifest } from './manifest.ts'

/** Per-license overrides: `recheckEvery: null` means never (air-gapped); `undefined` inherits the product's. */
export interface PolicyOverrides {
  recheckEvery?: string | null
  grace?: string | null
}

/** The policy a grant carries for one product at manifest version `version`, with a license's overrides applied. */
export function policyFor(
  product: ProductManifest,
  version: number,
  overrides: PolicyOverrides = {},
): GrantPolicy {
  const features: Record<string, OfflineClass> = {}
  const critical: string[] = []
  for (const [name, feature] of Object.entries(product.features)) {
    features[name] = feature.offline
    if (feature.critical) critical.push(name)
  }
  const recheckEvery =
    overrides.recheckEvery === undefined ? product.recheckEvery : overrides.recheckEvery
  return {
    v: version,
    recheck: recheckEvery === null ? null : parseDuration(recheckEvery),
    grace: parseDuration(overrides.grace ?? product.grace),
    features,
    critical,
    keepCritical: parseDuration(product.keepCritical),
    ...(product.supportUrl === undefined ? {} : { support: product.supportUrl }),
  }
}

/** The features a plan entitles; an unknown plan entitles nothing. */
export function entitledFeatures(product: ProductManifest, plan: string): string[] {
  return Object.hasOwn(product.plans, plan) ? [...(product.plans[plan]?.features ?? [])] : []
}
