import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../server/config/ConfigError.ts'
import { deploymentSettingsFromEnv } from '../../server/config/deploymentSettings.ts'
import { openDeployment } from '../../server/deployment/openDeployment.ts'

// LEEWAY_MAX_CHECKS_IN_FLIGHT: the load-shedding limit an operator sets for validate.
describe('LEEWAY_MAX_CHECKS_IN_FLIGHT', () => {
  it('is a whole number of checks when set, and absent otherwise', () => {
    expect(
      deploymentSettingsFromEnv({ LEEWAY_MAX_CHECKS_IN_FLIGHT: ' 2000 ' }).checksInFlight,
    ).toBe(2000)
    expect(deploymentSettingsFromEnv({}).checksInFlight).toBeUndefined()
    expect(
      deploymentSettingsFromEnv({ LEEWAY_MAX_CHECKS_IN_FLIGHT: '' }).checksInFlight,
    ).toBeUndefined()
  })

  it.each(['0', '-5', '1.5', '1e3', 'many', '10000000', '0x10'])(
    'stops the server at start with a message naming the variable: %s',
    (value) => {
      expect(() => deploymentSettingsFromEnv({ LEEWAY_MAX_CHECKS_IN_FLIGHT: value })).toThrow(
        ConfigError,
      )
      expect(() => deploymentSettingsFromEnv({ LEEWAY_MAX_CHECKS_IN_FLIGHT: value })).toThrow(
        /LEEWAY_MAX_CHECKS_IN_FLIGHT/,
      )
    },
  )
})

describe('the checksInFlight option of a data folder', () => {
  it('holds in the app whatever other limits a caller passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leeway-setting-'))
    const data = await openDeployment(dir, { checksInFlight: 7 })
    try {
      const plenty = { capacity: 1_000, perMinute: 1_000 }
      expect(data.deps().limits?.checksInFlight).toBe(7)
      const deps = data.deps({ limits: { activationsPerAddress: plenty } })
      expect(deps.limits).toEqual({ activationsPerAddress: plenty, checksInFlight: 7 })
    } finally {
      await data.store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
