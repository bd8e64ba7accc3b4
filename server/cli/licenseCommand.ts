import type { FloatingSettings } from '../../src/core/index.ts'
import type { Services } from '../services.ts'
import { isoDate, isoDuration, required, wholeNumber } from './arguments.ts'
import type { CliValues } from './arguments.ts'
import { UsageError } from './UsageError.ts'
import { cliActor } from './cliActor.ts'

/** `leeway license create|list|show|revoke|suspend|reinstate|renew`; prints the result as JSON. */
export async function licenseCommand(
  s: Services,
  sub: string | undefined,
  id: string | undefined,
  values: CliValues,
): Promise<number> {
  switch (sub) {
    case 'create': {
      const created = await s.admin.createLicense(
        {
          product: required(values.product, '--product'),
          plan: required(values.plan, '--plan'),
          seats: wholeNumber(required(values.seats, '--seats'), '--seats'),
          termEnd:
            values['term-end'] === undefined ? null : isoDate(values['term-end'], '--term-end'),
          recheckEvery:
            values['recheck-every'] === 'never'
              ? null
              : isoDuration(values['recheck-every'], '--recheck-every'),
          grace: isoDuration(values.grace, '--grace') ?? null,
          note: values.note ?? null,
          ...floatingOf(values),
        },
        cliActor(),
      )
      print(created)
      console.error(
        'The license key is shown only now: give it to the customer, it is stored only as a hash.',
      )
      return 0
    }
    case 'list':
      print(
        await s.admin.listLicenses(
          values.cursor,
          values.limit ? wholeNumber(values.limit, '--limit') : 50,
        ),
      )
      return 0
    case 'show':
      print(await s.admin.showLicense(required(id, 'ID')))
      return 0
    case 'revoke':
    case 'suspend':
    case 'reinstate':
      print(await s.admin.setStatus(required(id, 'ID'), sub, values.reason, cliActor()))
      return 0
    case 'renew':
      print(
        await s.admin.renew(
          required(id, 'ID'),
          isoDate(required(values['term-end'], '--term-end'), '--term-end'),
          cliActor(),
        ),
      )
      return 0
    case 'leases':
      print({ items: await s.admin.listLeases(required(id, 'ID')) })
      return 0
    case 'end-lease':
      print(
        await s.admin.endLease(required(id, 'ID'), required(values.device, '--device'), cliActor()),
      )
      return 0
    default:
      throw new UsageError(
        'license: use create, list, show, revoke, suspend, reinstate, renew, leases or end-lease',
      )
  }
}

/**
 * `--floating N --lease D [--max-borrow D]`, all or none of the first two; `--floating 0` for a
 * node-locked license on a plan the manifest makes floating. None: as the plan says.
 */
function floatingOf(values: CliValues): { floating?: FloatingSettings | null } {
  if (values.floating === undefined) {
    if (values.lease !== undefined || values['max-borrow'] !== undefined)
      throw new UsageError('--lease and --max-borrow need --floating N')
    return {}
  }
  if (values.floating === '0') {
    if (values.lease !== undefined || values['max-borrow'] !== undefined)
      throw new UsageError('--floating 0 (node-locked) takes no --lease or --max-borrow')
    return { floating: null }
  }
  return {
    floating: {
      maxConcurrent: wholeNumber(values.floating, '--floating'),
      leaseLength: required(isoDuration(values.lease, '--lease'), '--lease'),
      maxBorrow: isoDuration(values['max-borrow'], '--max-borrow') ?? null,
    },
  }
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2))
}
