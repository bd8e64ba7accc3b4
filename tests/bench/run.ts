import { compactVerify } from 'jose'
import {
  createKeyRing,
  evaluate,
  exportKey,
  generateEcKeyPair,
  signCertificate,
  signGrant,
  thumbprint,
  toPublicJwk,
  verifyGrant,
} from '../../src/core/index.ts'
import type { GrantClaims } from '../../src/core/index.ts'

// Core micro-benchmarks, each reported against a baseline measured in the same run. The full
// benchmark suite (browser, server throughput, reconnect storm) arrives with its own issue.

interface Sample {
  median: number
  p95: number
}

async function measure(
  run: () => Promise<unknown> | unknown,
  iterations: number,
  rounds = 7,
): Promise<Sample> {
  for (let i = 0; i < iterations; i++) await run() // warm-up
  const perCall: number[] = []
  for (let round = 0; round < rounds; round++) {
    const start = performance.now()
    for (let i = 0; i < iterations; i++) await run()
    perCall.push(((performance.now() - start) * 1000) / iterations)
  }
  perCall.sort((a, b) => a - b)
  return {
    median: perCall[Math.floor(perCall.length / 2)] ?? NaN,
    p95: perCall[perCall.length - 1] ?? NaN,
  }
}

const now = Date.now()
const nowSeconds = Math.floor(now / 1000)
const root = await generateEcKeyPair(true)
const signing = await generateEcKeyPair(true)
const signingJwk = toPublicJwk(await exportKey(signing.publicKey))
const kid = await thumbprint(signingJwk)
const cert = await signCertificate(
  { kid, jwk: signingJwk, nbf: nowSeconds - 60, exp: nowSeconds + 86_400, use: 'grant' },
  root.privateKey,
)
const ring = await createKeyRing(await exportKey(root.publicKey), [cert])
const claims: GrantClaims = {
  iss: 'urn:leeway:bench',
  aud: 'notes',
  sub: 'lic_bench',
  jti: 'grant-1',
  seq: 1,
  iat: nowSeconds,
  status: 'active',
  plan: 'pro',
  features: ['notes.edit', 'notes.search', 'export.file', 'templates', 'share.link'],
  pol: {
    v: 1,
    recheck: 86_400,
    grace: 604_800,
    features: {
      'notes.edit': 'always',
      'notes.search': 'always',
      'export.file': 'window',
      templates: 'window',
      'share.link': 'online',
    },
    critical: ['export.file'],
    keepCritical: 1_209_600,
  },
  dev: 'device-1',
  cnf: { jkt: kid },
}
const grant = await signGrant(claims, signing.privateKey, kid)

const rows: { name: string; baseline: string; subject: Sample; base: Sample }[] = []
rows.push({
  name: 'verifyGrant (header, cert window, claims schema)',
  baseline: 'jose compactVerify of the same token',
  subject: await measure(() => verifyGrant(grant, ring, { now }), 500),
  base: await measure(
    () => compactVerify(grant, signing.publicKey, { algorithms: ['ES256'] }),
    500,
  ),
})
const verified = await verifyGrant(grant, ring, { now })
rows.push({
  name: 'evaluate (5 features, clock guard)',
  baseline: 'JSON.parse of the grant payload',
  subject: await measure(
    () =>
      evaluate({
        grant: verified,
        now: now + 2 * 86_400_000,
        lastSeen: now,
        connectivity: 'offline',
      }),
    20_000,
  ),
  base: await measure(() => JSON.parse(JSON.stringify(claims)), 20_000),
})

console.log(`Leeway core benchmarks — Node ${process.version}, ${new Date().toISOString()}`)
console.log(
  'per call, µs: median (slowest of 7 rounds); ratio = subject median / baseline median\n',
)
for (const row of rows) {
  console.log(`${row.name}`)
  console.log(`  subject  ${row.subject.median.toFixed(2)} µs (${row.subject.p95.toFixed(2)})`)
  console.log(
    `  baseline ${row.base.median.toFixed(2)} µs (${row.base.p95.toFixed(2)})  [${row.baseline}]`,
  )
  console.log(`  ratio    ${(row.subject.median / row.base.median).toFixed(2)}×\n`)
}
