import { readFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import { expectAccessible } from './support/appPage.ts'
import { AdminReader, screenshotAdmin, signIn } from './support/adminPage.ts'
import { expect, test } from './support/fixtures.ts'
import { SimulatedDevice } from './support/simulatedDevice.ts'

interface License {
  id: string
  status: string
  statusReason: string | null
  termEnd: number | null
  seatsUsed: number
  devices: { id: string; state: string }[]
}

const PAGE_SIZE = 20

/** The ids of the license rows shown, in order. */
function shownIds(page: Page): Promise<string[]> {
  return page
    .getByTestId('license-table')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-license-id') ?? ''))
}

/** Confirms the open dialog with its confirm button and waits for the outcome. */
async function confirmDialog(page: Page, button: string, outcome: string | RegExp): Promise<void> {
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByRole('button', { name: button, exact: true }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('action-outcome')).toHaveText(outcome)
  await expect(page.getByTestId('action-outcome')).toBeFocused()
}

test.describe('licenses in the admin dashboard', () => {
  test('lists every license newest first page by page, searches on the server and exports CSV', async ({
    page,
    admin,
    request,
  }) => {
    const tag = `batch-${Date.now().toString(36)}`
    for (let index = 0; index < 25; index++) {
      await admin.post('/licenses', {
        product: 'notes',
        plan: index % 2 ? 'pro' : 'free',
        seats: 1 + index,
        note: `${tag} order-${1000 + index}`,
      })
    }
    const all = await new AdminReader(request).allLicenseIds()
    expect(all.length).toBeGreaterThan(PAGE_SIZE)

    await signIn(page)
    await expect(page.getByTestId('license-count')).toHaveText(
      `${PAGE_SIZE} licenses loaded, newest first, more on the server.`,
    )
    await expect(page.getByTestId('page-indicator')).toHaveText('Page 1 of 1+')
    await expect(page.getByRole('button', { name: 'Previous' })).toBeDisabled()

    // Next fetches the following page through the cursor until the server has no more.
    const seen: string[] = []
    for (let index = 1; ; index++) {
      const ids = await shownIds(page)
      expect(ids.length).toBeLessThanOrEqual(PAGE_SIZE)
      seen.push(...ids)
      const next = page.getByRole('button', { name: 'Next' })
      if (await next.isDisabled()) break
      await next.click()
      await expect(page.getByTestId('page-indicator')).toContainText(`Page ${index + 1} of`)
    }
    expect(seen).toEqual(all)
    await expect(page.getByTestId('license-count')).toHaveText(
      `${all.length} licenses loaded, newest first.`,
    )
    await page.getByRole('button', { name: 'Previous' }).click()
    const last = Math.ceil(all.length / PAGE_SIZE) - 1
    expect(await shownIds(page)).toEqual(all.slice((last - 1) * PAGE_SIZE, last * PAGE_SIZE))

    // The server searches (#14, item 10): every word must match (note, plan, standing, id), and
    // the pages walk the matches, newest first, loaded or not.
    const search = page.getByLabel('Search')
    const count = page.getByTestId('license-count')
    await search.fill(tag)
    await expect(count).toHaveText(`${PAGE_SIZE}+ licenses match “${tag}”, newest first.`)
    await expect(page.getByTestId('license-table').locator('tbody tr').first()).toContainText(
      `${tag} order-1024`,
    )
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(count).toHaveText(`25 licenses match “${tag}”, newest first.`)
    await search.fill(`${tag} pro`)
    await expect(count).toHaveText(`12 licenses match “${tag} pro”, newest first.`)
    // The oldest of the batch, on no page loaded before the search.
    await page.getByRole('button', { name: 'Refresh' }).click()
    await search.fill(`order-1000 ${tag}`)
    await expect(page.getByTestId('license-table').locator('tbody tr')).toHaveCount(1)
    await expect(count).toHaveText(`1 license matches “order-1000 ${tag}”, newest first.`)
    await expect(page.getByTestId('license-table').locator('tbody tr')).toContainText(
      `${tag} order-1000`,
    )

    // The matches download as CSV, one row each under a header, as a spreadsheet opens them.
    await search.fill(tag)
    await expect(count).toContainText(`licenses match “${tag}”`)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export matches as CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^licenses-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync(await download.path(), 'utf8')
    const lines = csv
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n')
    expect(lines[0]).toMatch(/^id,product,plan,seats,status,standing,/)
    expect(lines).toHaveLength(26)
    expect(lines[1]).toContain(`${tag} order-1024`)

    // A license opens from its row, and the list keeps its search when coming back.
    await search.fill(`order-1007 ${tag}`)
    await expect(page.getByTestId('license-table').locator('tbody tr')).toHaveCount(1)
    await page.getByTestId('license-table').getByRole('link').click()
    await expect(page.getByRole('heading', { name: /^License lic_/ })).toBeFocused()
    await expect(page.getByText(`${tag} order-1007`)).toBeVisible()
    await page.goBack()
    await expect(search).toHaveValue(`order-1007 ${tag}`)
    await expect(page.getByTestId('license-table').locator('tbody tr')).toContainText(
      `${tag} order-1007`,
    )
    await search.fill('nothing-like-this')
    await expect(page.getByText('No license matches.')).toBeVisible()
    await search.fill('')
    await expect(count).toContainText('licenses loaded, newest first')
    await expectAccessible(page, 'licenses')
  })

  test('a license with its devices: suspend, reinstate, renew, remove a device, revoke', async ({
    page,
    admin,
    request,
  }) => {
    const reader = new AdminReader(request)
    const { id, key } = await admin.createLicense({
      seats: 3,
      termEnd: Date.now() + 30 * 86_400_000,
    })
    const laptop = await SimulatedDevice.activate(request, key, 'Work laptop')
    const phone = await SimulatedDevice.activate(request, key, 'Phone')
    const license = () => reader.get<License>(`/licenses/${id}`)

    await signIn(page, `#/licenses/${id}`)
    await expect(page.getByRole('heading', { name: `License ${id}` })).toBeVisible()
    await expect(page.getByTestId('seats')).toHaveText('2 of 3 in use')
    const devices = page.getByTestId('device-table').locator('tbody tr')
    await expect(devices).toHaveCount(2)
    await expect(devices.filter({ hasText: 'Work laptop' })).toContainText('active')
    await expectAccessible(page, 'license')
    await screenshotAdmin(page, 'license')

    // Cancelling changes nothing, and focus goes back to the button.
    const revoke = page.getByRole('button', { name: 'Revoke' })
    await revoke.click()
    await expect(page.getByRole('dialog')).toBeVisible()
    await expectAccessible(page, 'revoke dialog')
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog')).toBeHidden()
    await expect(revoke).toBeFocused()
    expect((await license()).status).toBe('active')

    // Suspend, with a reason, from the keyboard.
    await page.getByRole('button', { name: 'Suspend' }).click()
    await expect(page.getByLabel('Reason')).toBeFocused()
    await page.keyboard.type('invoice 1042 unpaid')
    await confirmDialog(page, 'Suspend', 'Suspended. Devices pause at their next check.')
    expect(await license()).toMatchObject({
      status: 'suspended',
      statusReason: 'invoice 1042 unpaid',
    })
    await expect(page.getByTestId('status-badge').first()).toHaveText('suspended')

    await page.getByRole('button', { name: 'Reinstate' }).click()
    await confirmDialog(page, 'Reinstate', 'Reinstated. Devices resume at their next check.')
    expect((await license()).status).toBe('active')

    // Renew until the end of a chosen day (UTC).
    await page.getByRole('button', { name: 'Renew…' }).click()
    await page.getByLabel('New last day of the term').fill('2031-06-30')
    await confirmDialog(
      page,
      'Renew',
      /^Renewed: the term now ends .*2031.*\. Devices get it at their next check\.$/,
    )
    expect((await license()).termEnd).toBe(Date.parse('2031-06-30T23:59:59.999Z'))

    // Remove one device: its seat is free.
    await page.getByRole('button', { name: `Remove Phone (${phone.id})` }).click()
    await expect(page.getByRole('dialog')).toContainText('Remove “Phone”?')
    await confirmDialog(
      page,
      'Remove device',
      'Removed “Phone”: its seat is free, and the device gets a revocation at its next check.',
    )
    const afterRemoval = await license()
    expect(afterRemoval.devices.find((device) => device.id === phone.id)?.state).toBe('removed')
    expect(afterRemoval.devices.find((device) => device.id === laptop.id)?.state).toBe('active')
    expect(afterRemoval.seatsUsed).toBe(1)
    await expect(page.getByTestId('seats')).toHaveText('1 of 3 in use')
    await expect(devices.filter({ hasText: 'Phone' })).toContainText('removed')
    await expect(page.getByRole('button', { name: `Remove Phone (${phone.id})` })).toHaveCount(0)

    await revoke.click()
    await page.getByLabel('Reason').fill('chargeback')
    await confirmDialog(
      page,
      'Revoke',
      'Revoked. Each device gets a signed revocation at its next check.',
    )
    expect(await license()).toMatchObject({ status: 'revoked', statusReason: 'chargeback' })
    await expect(revoke).toBeDisabled()

    // Back on the list, the license, found by the server by its id, shows the new status.
    await page.getByRole('link', { name: '← All licenses' }).click()
    await page.getByLabel('Search').fill(id)
    await expect(page.getByTestId('license-table').locator('tbody tr')).toHaveCount(1)
    await expect(page.getByTestId('license-table').locator('tbody tr')).toContainText('revoked')
  })

  test('creating a license shows its key once', async ({ page, request }) => {
    await signIn(page)
    await page.getByText('New license').click()
    await expect(page.getByLabel('Plan')).toHaveValue('pro')
    await page.getByLabel('Seats').fill('4')
    await page.getByLabel('Note').fill('Acme Ltd, order 77')
    await page.getByRole('button', { name: 'Create license' }).click()
    const created = page.getByTestId('created-license')
    await expect(created).toContainText('Its key is shown only now')
    const key = await page.getByTestId('created-key').textContent()
    expect(key).toMatch(/\S{10,}/)
    const id = await created.getByRole('link').textContent()
    const license = await new AdminReader(request).get<{ seats: number; note: string }>(
      `/licenses/${id ?? ''}`,
    )
    expect(license).toMatchObject({ seats: 4, note: 'Acme Ltd, order 77' })
    await expectAccessible(page, 'new license')
    await screenshotAdmin(page, 'licenses')
  })

  test('the audit log shows who did what, newest first', async ({ page, admin }) => {
    const license = await admin.createLicense({ plan: 'free', seats: 1 })
    await signIn(page, '#/audit')
    const rows = page.getByTestId('audit-table').locator('tbody tr')
    await expect(rows.first()).toContainText(`Created license ${license.id}`)
    await expect(rows.first()).toContainText('admin-api (api, 127.0.0.1)')
    // An action in the dashboard is recorded as the dashboard's, in its own row above.
    await rows.first().getByRole('link', { name: license.id }).click()
    await page.getByRole('button', { name: 'Suspend' }).click()
    await confirmDialog(page, 'Suspend', /suspended/i)
    await page.goto(page.url().replace(/#.*$/, '#/audit'))
    await expect(rows.first()).toContainText(`Suspended license ${license.id}`)
    await expect(rows.first()).toContainText('dashboard (api, 127.0.0.1)')
    await expect(rows.first()).toContainText('from: active · to: suspended')
    await expect(rows.nth(1)).toContainText(`Created license ${license.id}`)
    await screenshotAdmin(page, 'audit')
  })
})
