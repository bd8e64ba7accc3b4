import { describe, expect, it } from 'vitest'
import {
  ManifestInvalid,
  entitledFeatures,
  parseGrantClaims,
  parseManifest,
  policyFor,
} from '../../src/core/index.ts'
import { demoGrant, demoManifestJson, demoProduct } from './support/demo.ts'

type DemoJson = ReturnType<typeof demoManifestJson>
type Loose = Record<string, unknown>

describe('the demo manifest', () => {
  it('parses, keeping every field as written', () => {
    const json = demoManifestJson()
    expect(parseManifest(json)).toEqual(json)
  })

  it('accepts seatReleaseAfter null (seats are never released automatically)', () => {
    const json = demoManifestJson()
    ;(json.products.notes as Loose).seatReleaseAfter = null
    expect(parseManifest(json).products.notes?.seatReleaseAfter).toBeNull()
  })
})

describe('a broken manifest', () => {
  it.each<[string, (json: DemoJson) => void, string]>([
    [
      'a plan naming an unknown feature',
      (json) => json.products.notes.plans.pro.features.push('notes.print'),
      'products.notes.plans.pro: unknown feature "notes.print"',
    ],
    [
      'a bad offline class',
      (json) => {
        ;(json.products.notes.features.templates as Loose).offline = 'sometimes'
      },
      'products.notes.features.templates.offline',
    ],
    [
      'a duration in months',
      (json) => {
        json.products.notes.grace = 'P1M'
      },
      'products.notes.grace',
    ],
    [
      'a duration in plain words',
      (json) => {
        json.products.notes.keepCritical = '14 days'
      },
      'products.notes.keepCritical',
    ],
    [
      'a zero recheck (grants would carry a recheck the grant schema refuses)',
      (json) => {
        json.products.notes.recheckEvery = 'PT0S'
      },
      'products.notes.recheckEvery: must be longer than zero',
    ],
    [
      'an extra key in a product',
      (json) => {
        ;(json.products.notes as Loose).colour = 'blue'
      },
      'products.notes.colour',
    ],
    [
      'an extra key in a feature',
      (json) => {
        ;(json.products.notes.features.templates as Loose).price = 5
      },
      'products.notes.features.templates.price',
    ],
    [
      'an extra key at the top',
      (json) => {
        ;(json as Loose).version = 2
      },
      'version',
    ],
    [
      'a missing seatReleaseAfter',
      (json) => {
        delete (json.products.notes as Loose).seatReleaseAfter
      },
      'products.notes.seatReleaseAfter',
    ],
    [
      'a critical flag that is not a boolean',
      (json) => {
        ;(json.products.notes.features['export.file'] as Loose).critical = 'yes'
      },
      'products.notes.features.export.file.critical',
    ],
    [
      'a product with no plans',
      (json) => {
        ;(json.products.notes as Loose).plans = {}
      },
      'products.notes.plans: at least one plan is needed',
    ],
    [
      'a feature name with capitals and spaces',
      (json) => {
        ;(json.products.notes.features as Loose)['Share Link'] = { offline: 'online' }
      },
      'feature name must be lowercase',
    ],
  ])('%s is manifest_invalid, naming the field', (_, breakIt, field) => {
    const json = demoManifestJson()
    breakIt(json)
    let caught: unknown
    try {
      parseManifest(json)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ManifestInvalid)
    expect(caught).toMatchObject({ code: 'manifest_invalid' })
    expect((caught as ManifestInvalid).message).toContain(field)
  })

  it.each([['javascript:alert(1)'], ['http://vendor.example/support'], ['support.html'], ['']])(
    'refuses a supportUrl of %j: only https: and mailto: links reach users',
    (url) => {
      const json = demoManifestJson()
      ;(json.products.notes as Loose).supportUrl = url
      expect(() => parseManifest(json)).toThrow('products.notes.supportUrl')
    },
  )

  it.each([['https://vendor.example/support'], ['mailto:help@vendor.example?subject=License']])(
    'accepts a supportUrl of %j',
    (url) => {
      const json = demoManifestJson()
      ;(json.products.notes as Loose).supportUrl = url
      expect(parseManifest(json).products.notes?.supportUrl).toBe(url)
    },
  )

  it.each([[null], ['{}'], [[]], [{ products: { notes: null } }]])('refuses %j', (input) => {
    expect(() => parseManifest(input)).toThrow(ManifestInvalid)
  })
})

describe('the policy a grant carries', () => {
  const product = demoProduct()

  it('converts the product windows to seconds and lists every feature with its class', () => {
    expect(policyFor(product, 3)).toEqual({
      v: 3,
      recheck: 86_400,
      grace: 7 * 86_400,
      keepCritical: 14 * 86_400,
      features: {
        'notes.edit': 'always',
        'notes.search': 'always',
        'export.file': 'window',
        templates: 'window',
        'share.link': 'online',
      },
      critical: ['export.file'],
    })
  })

  it("carries the product's supportUrl as pol.support, signed, and nothing when there is none", () => {
    expect(policyFor(product, 1)).not.toHaveProperty('support')
    const json = demoManifestJson()
    ;(json.products.notes as Loose).supportUrl = 'https://vendor.example/renew?product=notes'
    const withSupport = parseManifest(json).products.notes
    if (!withSupport) throw new Error('no product')
    const policy = policyFor(withSupport, 1)
    expect(policy.support).toBe('https://vendor.example/renew?product=notes')
    expect(parseGrantClaims(demoGrant({ pol: policy })).pol.support).toBe(policy.support)
  })

  it.each([
    ['javascript:alert(1)'],
    ['http://vendor.example/support'],
    ['/support'],
    ['data:text/html,hi'],
    ['mailto:nobody'],
  ])('refuses a grant whose pol.support is %j', (support) => {
    expect(() => parseGrantClaims(demoGrant({ pol: { ...demoGrant().pol, support } }))).toThrow(
      'pol.support',
    )
  })

  it('never rechecks for an air-gapped license (recheckEvery null), keeping the grace', () => {
    const policy = policyFor(product, 1, { recheckEvery: null })
    expect(policy.recheck).toBeNull()
    expect(policy.grace).toBe(7 * 86_400)
  })

  it('applies a grace override and keeps the product recheck', () => {
    const policy = policyFor(product, 1, { grace: 'P30D' })
    expect(policy.grace).toBe(30 * 86_400)
    expect(policy.recheck).toBe(86_400)
  })

  it('applies a recheck override', () => {
    expect(policyFor(product, 1, { recheckEvery: 'PT12H' }).recheck).toBe(12 * 3_600)
  })

  it('inherits the product grace when the grace override is null', () => {
    expect(policyFor(product, 1, { grace: null }).grace).toBe(7 * 86_400)
  })

  it('refuses an override that is not a supported duration', () => {
    expect(() => policyFor(product, 1, { grace: 'P1M' })).toThrow(
      expect.objectContaining({ code: 'duration_invalid' }),
    )
  })

  it.each([[{}], [{ recheckEvery: null }], [{ grace: 'PT0S' }]])(
    'passes the grant schema with overrides %j',
    (overrides) => {
      const pol = policyFor(product, 7, overrides)
      expect(parseGrantClaims(demoGrant({ pol })).pol).toEqual(pol)
    },
  )
})

describe('names every object inherits', () => {
  it.each(['constructor', 'hasOwnProperty', 'toString', 'valueOf', '__proto__'])(
    'Should not let a plan entitle %s - it is no feature the product defines',
    (name) => {
      const json = demoManifestJson()
      json.products.notes.plans.free.features.push(name)
      expect(() => parseManifest(json)).toThrow(ManifestInvalid)
    },
  )

  it('Should not call constructor a defined feature - the plan naming it is refused as naming an unknown feature', () => {
    const json = demoManifestJson()
    json.products.notes.plans.free.features.push('constructor')
    expect(() => parseManifest(json)).toThrow(
      'products.notes.plans.free: unknown feature "constructor"',
    )
  })

  // Written into the manifest's JSON text: JSON.parse makes each an own property, as in a manifest
  // sent to the server.
  it.each<[string, string, string, string]>([
    [
      'a feature',
      '"features":{',
      '"constructor":{"offline":"online"},',
      'products.notes.features: "constructor"',
    ],
    ['a plan', '"plans":{', '"prototype":{"features":[]},', 'products.notes.plans: "prototype"'],
    ['a product', '"products":{', '"__proto__":{},', 'products: "__proto__"'],
  ])(
    'Should not drop %s named after what every object has - the manifest is refused, naming it',
    (_what, after, inserted, message) => {
      const text = JSON.stringify(demoManifestJson()).replace(after, `${after}${inserted}`)
      expect(() => parseManifest(JSON.parse(text))).toThrow(message)
    },
  )
})

describe('the features a plan entitles', () => {
  const product = demoProduct()

  it.each<[string, string[]]>([
    ['pro', ['notes.edit', 'notes.search', 'export.file', 'templates', 'share.link']],
    ['free', ['notes.edit', 'notes.search']],
    ['enterprise', []],
    ['constructor', []],
    ['__proto__', []],
  ])('plan %s entitles %j', (plan, features) => {
    expect(entitledFeatures(product, plan)).toEqual(features)
  })

  it('returns a copy the caller may change', () => {
    entitledFeatures(product, 'free').push('share.link')
    expect(entitledFeatures(product, 'free')).not.toContain('share.link')
  })
})
