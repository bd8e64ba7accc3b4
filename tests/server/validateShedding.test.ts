import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { listen } from '../../server/main.ts'
import type { RunningServer } from '../../server/main.ts'
import type { Store } from '../../server/storage/Store.ts'
import {
  GENEROUS_LIMITS,
  claimsOf,
  grantOf,
  readJson,
  startTestServer,
} from './helpers/testServer.ts'
import type { ApiErrorBody, Check, Device, TestServer, ValidateBody } from './helpers/testServer.ts'

// Load shedding on a real port: with room for 2 checks in progress, validate answers the rest at
// once with 429 and Retry-After, before verifying or writing anything.
//
// To make "in progress" last as long as the test needs, the server's store holds every check-in at
// a gate the test opens: the first two requests are admitted and wait there, so every other
// request arrives while 2 checks are in progress, whatever the timing of the machine.

/** A gate that check-ins wait at while it is closed; open at first. */
function createGate() {
  let release: () => void = () => undefined
  let opened = Promise.resolve()
  const gate = {
    waiting: 0,
    close() {
      opened = new Promise((resolve) => {
        release = resolve
      })
    },
    open() {
      release()
    },
    async pass() {
      gate.waiting += 1
      try {
        await opened
      } finally {
        gate.waiting -= 1
      }
    },
  }
  return gate
}

const gate = createGate()

/** The store, with every check-in waiting at the gate first. */
function gatedStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'checkInDevice') {
        return async (...args: Parameters<Store['checkInDevice']>) => {
          await gate.pass()
          return target.checkInDevice(...args)
        }
      }
      const value: unknown = Reflect.get(target, property, target)
      // Bound to the store itself: its methods use private fields a proxy does not have.
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
}

interface Holder {
  device: Device
  grant: string
}

let server: TestServer
let running: RunningServer
let holders: Holder[]

beforeAll(async () => {
  // Set up (licenses, activations) through the test server's own app; check through `running`.
  server = await startTestServer()
  running = await listen(
    server.data,
    { port: 0, host: '127.0.0.1' },
    {
      limits: { ...GENEROUS_LIMITS, checksInFlight: 2 },
      store: gatedStore(server.data.store),
    },
  )
  const license = await server.createLicense({ seats: 30 })
  holders = []
  for (let i = 0; i < 26; i++) {
    const device = await server.makeDevice(`shed-${i}`)
    holders.push({ device, grant: (await server.activateOk(license.key, device)).grant })
  }
})

afterAll(async () => {
  gate.open()
  await running.close()
  await server.close()
})

function holder(index: number): Holder {
  const found = holders[index]
  if (!found) throw new Error(`no holder ${index}`)
  return found
}

function validate(checks: Check[]): Promise<Response> {
  return fetch(`${running.url}/api/v1/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ checks }),
  })
}

async function shedTotal(): Promise<number> {
  const response = await fetch(`${running.url}/metrics`, {
    headers: { authorization: `Bearer ${server.data.adminToken}` },
  })
  expect(response.status).toBe(200)
  const line = (await response.text())
    .split('\n')
    .find((l) => l.startsWith('leeway_validations_shed_total '))
  if (!line) throw new Error('leeway_validations_shed_total is not exposed')
  return Number(line.split(' ')[1])
}

/** A 429 rate_limited answer with a Retry-After of whole seconds, at least 1; returns it. */
async function expectShed(response: Response): Promise<number> {
  const body = await readJson<Partial<ApiErrorBody>>(response)
  expect({ status: response.status, code: body.error?.code }).toEqual({
    status: 429,
    code: 'rate_limited',
  })
  const retryAfter = response.headers.get('retry-after') ?? ''
  expect(retryAfter).toMatch(/^[1-9][0-9]*$/)
  return Number(retryAfter)
}

/** A 200 whose single result is a fresh grant for `device`, signed by the server. */
async function expectFreshGrant(response: Response, h: Holder): Promise<string> {
  expect(response.status).toBe(200)
  const body = await readJson<ValidateBody>(response)
  expect(body.results).toHaveLength(1)
  const grant = grantOf(body.results[0])
  const claims = await server.verify(grant, body.certs)
  expect(claims.dev).toBe(h.device.id)
  expect(claims.seq).toBeGreaterThan(claimsOf(h.grant).seq)
  return grant
}

describe('validate with room for 2 checks in progress', () => {
  // Filled by the burst; the retries below use them.
  const refused: { index: number; check: Check }[] = []

  it('answers a burst of 20 single checks: 2 with fresh grants, 18 with 429 rate_limited and Retry-After, counted as shed', async () => {
    const shedBefore = await shedTotal()
    gate.close()
    const checks = await Promise.all(
      holders.slice(0, 20).map((h) => server.check(h.grant, h.device)),
    )
    const settled = new Map<number, Response>()
    const answers = checks.map((check, index) =>
      validate([check]).then((response) => {
        settled.set(index, response)
        return response
      }),
    )
    // Two admitted and held at the gate; every other one is turned away without waiting for them.
    await vi.waitFor(
      () => {
        expect(gate.waiting).toBe(2)
        expect(settled.size).toBe(18)
      },
      { timeout: 15_000, interval: 20 },
    )
    for (const [index, response] of settled) {
      await expectShed(response)
      refused.push({ index, check: checks[index] as Check })
    }
    // Nothing of a refused check was written: its device was not checked in.
    for (const { index } of refused) {
      const row = await server.data.store.findDevice(
        claimsOf(holder(index).grant).sub,
        holder(index).device.id,
      )
      expect(row?.seq).toBe(claimsOf(holder(index).grant).seq)
    }
    gate.open()
    const admitted = [...Array(20).keys()].filter((index) => !settled.has(index))
    expect(admitted).toHaveLength(2)
    for (const index of admitted) {
      const answer = answers[index]
      if (!answer) throw new Error(`no answer ${index}`)
      await expectFreshGrant(await answer, holder(index))
    }
    expect((await shedTotal()) - shedBefore).toBe(18)
  })

  it('lets a refused device in when it retries with the same proof: the refusal used nothing up', async () => {
    const [first] = refused
    if (!first) throw new Error('the burst refused nothing')
    await expectFreshGrant(await validate([first.check]), holder(first.index))
    // Now it was used: the same proof again is a replay.
    const again = await readJson<ValidateBody>(await validate([first.check]))
    expect(again.results[0]).toMatchObject({ ok: false, error: { code: 'proof_invalid' } })
  })

  it('lets a refused device in when it retries with a new proof', async () => {
    const second = refused[1]
    if (!second) throw new Error('the burst refused fewer than 2')
    const h = holder(second.index)
    await expectFreshGrant(await validate([await server.check(h.grant, h.device)]), h)
  })

  it('admits a batch of 5 checks when nothing is in progress, though the limit is 2, and holds 5 places meanwhile', async () => {
    const batch = holders.slice(20, 25)
    const shedBefore = await shedTotal()
    gate.close()
    const checks = await Promise.all(batch.map((h) => server.check(h.grant, h.device)))
    const answer = validate(checks)
    // The batch is in: its checks run side by side, and each check-in waits at the gate.
    await vi.waitFor(() => expect(gate.waiting).toBe(5), { timeout: 15_000, interval: 20 })
    // A batch of 2 turned away counts 2 checks shed.
    const late = holder(25)
    const other = holder(0)
    await expectShed(
      await validate([
        await server.check(late.grant, late.device),
        await server.check(other.grant, other.device),
      ]),
    )
    gate.open()
    const response = await answer
    expect(response.status).toBe(200)
    const body = await readJson<ValidateBody>(response)
    expect(body.results.map((result) => result.ok)).toEqual([true, true, true, true, true])
    for (const [index, result] of body.results.entries())
      expect(claimsOf(grantOf(result)).dev).toBe(batch[index]?.device.id)
    expect((await shedTotal()) - shedBefore).toBe(2)
    // Once the batch is done the places are free: the device turned away gets in.
    await expectFreshGrant(await validate([await server.check(late.grant, late.device)]), late)
  })
})

describe('an ungated burst of 20 single checks', () => {
  it('answers each with a fresh grant or 429 rate_limited with Retry-After, and counts every 429 as shed', async () => {
    const shedBefore = await shedTotal()
    const burst = holders.slice(0, 20)
    const checks = await Promise.all(burst.map((h) => server.check(h.grant, h.device)))
    const responses = await Promise.all(checks.map((check) => validate([check])))
    let shed = 0
    for (const [index, response] of responses.entries()) {
      if (response.status === 429) {
        shed += 1
        await expectShed(response)
      } else await expectFreshGrant(response, holder(index))
    }
    // How many are turned away depends on timing; that each one is counted does not.
    expect((await shedTotal()) - shedBefore).toBe(shed)
  })
})
