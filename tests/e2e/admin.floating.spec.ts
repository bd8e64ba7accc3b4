import type { Page } from '@playwright/test'
import type { LeaseHolderView, LicenseDetail } from '../../src/core/index.ts'
import { expectAccessible } from './support/appPage.ts'
import { AdminReader, screenshotAdmin, signIn } from './support/adminPage.ts'
import { expect, test } from './support/fixtures.ts'
import { SimulatedDevice } from './support/simulatedDevice.ts'

const DAY = 86_400_000

/** Fills the floating fields of the open new-license form. */
async function fillFloating(
  page: Page,
  fields: { atOnce: string; lease: string; borrow: string },
): Promise<void> {
  await page.getByLabel('Devices at once').fill(fields.atOnce)
  await page.getByLabel('Lease length').fill(fields.lease)
  await page.getByLabel('Longest borrow').fill(fields.borrow)
}

test.describe('floating licenses in the admin dashboard', () => {
  test('create one of 2 at once, see who holds its slots, end a borrow and see the slot freed', async ({
    page,
    request,
  }) => {
    const reader = new AdminReader(request)
    const note = `floating-${Date.now().toString(36)}`
    await signIn(page)
    await page.getByText('New license').click()
    await page.getByLabel('Seats').fill('5')
    await page.getByLabel('Note').fill(note)
    await page.getByLabel('Floating: limit how many devices use it at once').check()

    // Mistakes are named on their fields, focus goes to the first, and nothing is created.
    await fillFloating(page, { atOnce: '6', lease: '15 minutes', borrow: 'P0D' })
    await page.getByRole('button', { name: 'Create license' }).click()
    const atOnce = page.getByLabel('Devices at once')
    await expect(atOnce).toBeFocused()
    await expect(atOnce).toHaveAttribute('aria-invalid', 'true')
    await expect(atOnce).toHaveAccessibleDescription(/At most the seats \(5\)/)
    await expect(page.getByLabel('Lease length')).toHaveAccessibleDescription(/Not a duration/)
    await expect(page.getByLabel('Longest borrow')).toHaveAccessibleDescription(/longer than zero/)
    await expect(page.getByTestId('created-license')).toHaveCount(0)
    await expectAccessible(page, 'new floating license with errors')

    await fillFloating(page, { atOnce: '2', lease: 'pt15m', borrow: 'P3D' })
    await expect(page.getByText('= 15 min')).toBeVisible()
    await page.getByRole('button', { name: 'Create license' }).click()
    const created = page.getByTestId('created-license')
    await expect(created).toContainText('Its key is shown only now')
    const key = (await page.getByTestId('created-key').textContent()) ?? ''
    const id = (await created.getByRole('link').textContent()) ?? ''
    expect(await reader.get<LicenseDetail>(`/licenses/${id}`)).toMatchObject({
      seats: 5,
      note,
      floating: { maxConcurrent: 2, leaseLength: 'PT15M', maxBorrow: 'P3D' },
    })
    // In the list, the license reads as floating.
    await expect(
      page.locator(`[data-license-id="${id}"]`).getByTestId('floating-badge'),
    ).toHaveText('floating 2 at once')

    // Two devices take the two slots: the laptop renews its lease, the desktop borrows for 2 days.
    // A third is refused, as a customer's colleague would be.
    const laptop = await SimulatedDevice.activate(request, key, 'Work laptop')
    const desktop = await SimulatedDevice.activate(request, key, 'Studio desktop')
    await laptop.lease()
    await desktop.borrow(Date.now() + 2 * DAY)
    expect(await SimulatedDevice.tryActivate(request, key, 'Tablet')).toBe('all_leases_in_use')

    await created.getByRole('link').click()
    await expect(page.getByRole('heading', { name: `License ${id}` })).toBeFocused()
    await expect(page.getByTestId('max-concurrent')).toHaveText('2 devices at once')
    await expect(page.getByTestId('lease-length')).toHaveText('PT15M (15 min)')
    await expect(page.getByTestId('max-borrow')).toHaveText('P3D (3 d)')
    await expect(page.getByTestId('slots')).toHaveText(
      '2 of 2 in use: the next device to start is refused until one frees up.',
    )
    const rows = page.getByTestId('lease-table').locator('tbody tr')
    await expect(rows).toHaveCount(2)
    // Soonest end first: the laptop's 15-minute lease, then the desktop's borrow.
    await expect(rows.nth(0)).toContainText('Work laptop')
    await expect(rows.nth(0)).toContainText(/lease.*in 15 minutes/s)
    await expect(rows.nth(1)).toContainText('Studio desktop')
    await expect(rows.nth(1)).toContainText(/borrow \(offline\).*in 2 days/s)
    const headers = page.getByTestId('lease-table').getByRole('columnheader')
    await expect(headers).toHaveText(['Device', 'Kind', 'Since', 'Until', 'Action'])
    await expectAccessible(page, 'floating license')
    await screenshotAdmin(page, 'leases')

    // Cancelling ends nothing, and focus goes back to the button.
    const endBorrow = page.getByRole('button', {
      name: `End the borrow of Studio desktop (${desktop.id})`,
    })
    await endBorrow.click()
    const dialog = page.getByRole('dialog')
    await expect(dialog).toContainText('End the borrow of “Studio desktop”?')
    await expect(dialog).toContainText('keeps working offline')
    await page.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
    await expect(endBorrow).toBeFocused()
    expect(await reader.get<{ items: LeaseHolderView[] }>(`/licenses/${id}/leases`)).toMatchObject({
      items: [{ deviceId: laptop.id }, { deviceId: desktop.id }],
    })

    await endBorrow.click()
    await dialog.getByRole('button', { name: 'End lease', exact: true }).click()
    await expect(dialog).toBeHidden()
    const outcome = page.getByTestId('action-outcome')
    await expect(outcome).toHaveText(
      'Ended the borrow of “Studio desktop”: its slot is free now. The device learns it at its next call to the server.',
    )
    await expect(outcome).toBeFocused()
    await expect(rows).toHaveCount(1)
    await expect(rows).toContainText('Work laptop')
    await expect(page.getByTestId('slots')).toHaveText('1 of 2 in use.')
    const { items } = await reader.get<{ items: LeaseHolderView[] }>(`/licenses/${id}/leases`)
    expect(items.map((lease) => lease.deviceId)).toEqual([laptop.id])

    // The freed slot is really free: the tablet starts now, and shows up on a refresh.
    const tablet = await SimulatedDevice.tryActivate(request, key, 'Tablet')
    expect(tablet).toBeInstanceOf(SimulatedDevice)
    await page.getByRole('button', { name: 'Refresh slots' }).click()
    await expect(rows).toHaveCount(2)
    await expect(rows.filter({ hasText: 'Tablet' })).toContainText('lease')
    await expect(page.getByTestId('slots')).toContainText('2 of 2 in use')
  })

  test('a node-locked license shows no slots', async ({ page, admin }) => {
    const { id } = await admin.createLicense({ seats: 2 })
    await signIn(page, `#/licenses/${id}`)
    await expect(page.getByTestId('seats')).toHaveText('0 of 2 in use')
    await expect(page.getByRole('heading', { name: 'Slots in use' })).toHaveCount(0)
    await expect(page.getByTestId('max-concurrent')).toHaveCount(0)
  })
})
