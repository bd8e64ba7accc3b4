import { entitledFeatures, parseManifest, policyFor } from '../../../src/core/index.ts'
import type { GrantClaims, ProductManifest } from '../../../src/core/index.ts'

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** The demo product as a vendor would write it; a fresh copy each call, so a test may break it. */
export function demoManifestJson() {
  return {
    products: {
      notes: {
        name: 'Notes',
        features: {
          'notes.edit': { offline: 'always', description: 'Write and edit notes' },
          'notes.search': { offline: 'always' },
          'export.file': { offline: 'window', critical: true },
          templates: { offline: 'window' },
          'share.link': { offline: 'online' },
        },
        plans: {
          free: { features: ['notes.edit', 'notes.search'] },
          pro: {
            features: ['notes.edit', 'notes.search', 'export.file', 'templates', 'share.link'],
          },
        },
        recheckEvery: 'P1D',
        grace: 'P7D',
        keepCritical: 'P14D',
        seatReleaseAfter: 'P90D',
      },
    },
  }
}

export function demoProduct(): ProductManifest {
  const product = parseManifest(demoManifestJson()).products.notes
  if (!product) throw new Error('the demo manifest has no product "notes"')
  return product
}

/** When the demo grant was issued: a whole second, epoch ms. */
export const ISSUED_AT = Date.UTC(2025, 5, 2, 9, 0, 0)

/** Claims of a verified grant for the demo product, plan `pro`, issued at `ISSUED_AT`. */
export function demoGrant(overrides: Partial<GrantClaims> = {}): GrantClaims {
  const product = demoProduct()
  const plan = overrides.plan ?? 'pro'
  return {
    iss: 'leeway-test',
    aud: 'notes',
    sub: 'lic_demo',
    jti: 'grant_1',
    seq: 1,
    iat: ISSUED_AT / SECOND,
    status: 'active',
    plan,
    features: entitledFeatures(product, plan),
    pol: policyFor(product, 1),
    dev: 'dev_a',
    cnf: { jkt: 'jkt_a' },
    ...overrides,
  }
}
