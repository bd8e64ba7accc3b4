import { describe, expect, it } from 'vitest'
import { openDeployment } from '../../server/deployment/openDeployment.ts'
import { ManifestService } from '../../server/services/ManifestService.ts'
import { testDeployments } from './helpers/testServer.ts'

// A vendor who installs the package publishes their own manifest before the first `serve`: the
// demo product is not theirs, and no demo license may appear in their deployment.
const VENDOR_MANIFEST = {
  products: {
    sketch: {
      name: 'Sketch',
      features: { 'sketch.draw': { offline: 'always', description: 'Write down ideas' } },
      plans: { pro: { features: ['sketch.draw'] } },
      recheckEvery: 'P1D',
      grace: 'P7D',
      keepCritical: 'P14D',
      seatReleaseAfter: 'P90D',
    },
  },
}

const { freshFolder } = testDeployments('leeway-seed-demo-')

describe('the demo license on first start', () => {
  it('is made in a fresh deployment, once', async () => {
    const { dir, database } = await freshFolder()
    const first = await openDeployment(dir, { ...database.options, seedDemo: true })
    await first.store.close()
    const second = await openDeployment(dir, { ...database.options, seedDemo: true })
    await second.store.close()
    expect(first.demo?.key).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5})+$/)
    expect(second.demo).toEqual(first.demo)
  })

  it('is not made where the vendor published a manifest without the demo product', async () => {
    const { dir, database } = await freshFolder()
    const setup = await openDeployment(dir, { ...database.options, seedDemo: false })
    await new ManifestService(setup.store, Date.now).publish(VENDOR_MANIFEST, 'vendor', 'first')
    await setup.store.close()

    const served = await openDeployment(dir, { ...database.options, seedDemo: true })
    const licenses = await served.store.db.selectFrom('licenses').select('product').execute()
    await served.store.close()
    expect(served.demo).toBeUndefined()
    expect(licenses).toEqual([])
  })
})
