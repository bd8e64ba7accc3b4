import * as v from 'valibot'
import { isDuration, parseDuration } from './duration.ts'
import { ManifestInvalid } from './errors.ts'
import { OFFLINE_CLASSES, describeIssues } from './grant.ts'
import { isSupportUrl } from './supportUrl.ts'

const ID = /^[a-z][a-z0-9._-]{0,63}$/
const id = (what: string) =>
  v.pipe(
    v.string(),
    v.regex(
      ID,
      `${what} must be lowercase letters, digits, ".", "_" or "-", starting with a letter`,
    ),
  )
const duration = v.pipe(
  v.string(),
  v.check(
    isDuration,
    'must be an ISO 8601 duration in weeks, days, hours, minutes or seconds, like P7D',
  ),
)

// A duration that must not be zero: checked only once it parses, so a typo gets one message.
const positiveDuration = v.pipe(
  duration,
  v.check((value) => !isDuration(value) || parseDuration(value) > 0, 'must be longer than zero'),
)

const FloatingPlanSchema = v.strictObject({
  maxConcurrent: v.pipe(
    v.number('must be a number'),
    v.safeInteger('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
  ),
  leaseLength: positiveDuration,
  maxBorrow: v.optional(v.nullable(positiveDuration)),
})

const FeatureSchema = v.strictObject({
  offline: v.picklist(OFFLINE_CLASSES, 'offline must be "always", "window" or "online"'),
  critical: v.optional(v.boolean()),
  description: v.optional(v.pipe(v.string(), v.maxLength(500))),
})

const ProductSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  features: v.record(id('feature name'), FeatureSchema),
  plans: v.record(
    id('plan name'),
    v.strictObject({
      features: v.array(id('feature name')),
      // A plan sold to teams: its licenses float by default (#15, docs/floating.md).
      floating: v.optional(FloatingPlanSchema),
    }),
  ),
  // A zero recheck would sign grants whose `pol.recheck` fails the grant schema on every device.
  recheckEvery: positiveDuration,
  grace: duration,
  keepCritical: duration,
  seatReleaseAfter: v.nullable(duration),
  // Signed into every grant, so the app's "Renew" and "Contact the vendor" lead somewhere real.
  supportUrl: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(2048),
      v.check(isSupportUrl, 'must be an https: or mailto: URL, like https://example.com/support'),
    ),
  ),
})

const ManifestSchema = v.strictObject({
  products: v.record(id('product id'), ProductSchema),
})

/** The policy of one product: features with their offline class, plans, and the time windows. */
export type ProductManifest = v.InferOutput<typeof ProductSchema>
/** The living policy: every product the server licenses. */
export type Manifest = v.InferOutput<typeof ManifestSchema>
export type FeatureDefinition = v.InferOutput<typeof FeatureSchema>

// Valibot's record drops these keys without an issue, since assigning them would reach
// Object.prototype: a feature so named would vanish from the policy while a plan still named it.
const RESERVED_NAMES = ['__proto__', 'constructor', 'prototype']

/** A product, feature or plan named after what every JavaScript object has, with where it is. */
function reservedNames(input: unknown): string[] {
  const own = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null && Object.hasOwn(value, key)
      ? (value as Record<string, unknown>)[key]
      : undefined
  const keysOf = (value: unknown) =>
    typeof value === 'object' && value !== null ? Object.keys(value) : []
  const problems: string[] = []
  const check = (path: string, value: unknown) => {
    for (const key of keysOf(value))
      if (RESERVED_NAMES.includes(key)) problems.push(`${path}: "${key}" is reserved, not a name`)
  }
  const products = own(input, 'products')
  check('products', products)
  for (const productId of keysOf(products)) {
    const product = own(products, productId)
    check(`products.${productId}.features`, own(product, 'features'))
    check(`products.${productId}.plans`, own(product, 'plans'))
  }
  return problems
}

/** Validates a manifest, including that every plan names only defined features; throws `manifest_invalid` with readable issues. */
export function parseManifest(input: unknown): Manifest {
  const reserved = reservedNames(input)
  if (reserved.length > 0) throw new ManifestInvalid(reserved)
  const result = v.safeParse(ManifestSchema, input)
  if (!result.success) throw new ManifestInvalid([describeIssues(result.issues)])
  const problems: string[] = []
  for (const [productId, product] of Object.entries(result.output.products)) {
    if (Object.keys(product.plans).length === 0)
      problems.push(`products.${productId}.plans: at least one plan is needed`)
    for (const [planName, plan] of Object.entries(product.plans)) {
      for (const feature of plan.features) {
        // Own properties only: `in` also finds what every object inherits (`constructor`).
        if (!Object.hasOwn(product.features, feature)) {
          problems.push(`products.${productId}.plans.${planName}: unknown feature "${feature}"`)
        }
      }
    }
  }
  if (problems.length > 0) throw new ManifestInvalid(problems)
  return result.output
}
