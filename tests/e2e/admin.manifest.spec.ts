import type { DryRunResult, ManifestVersionView } from '../../src/core/index.ts'
import { expectAccessible } from './support/appPage.ts'
import { AdminReader, screenshotAdmin, signIn } from './support/adminPage.ts'
import { expect, test } from './support/fixtures.ts'
import { SimulatedDevice } from './support/simulatedDevice.ts'

type ManifestVersion = ManifestVersionView<{ products: Record<string, Record<string, unknown>> }>
type DryRun = DryRunResult

const devices = (count: number) => `${count} ${count === 1 ? 'device' : 'devices'}`

/** The demo manifest with the notes product's fields replaced. */
function withNotes(
  manifest: ManifestVersion['manifest'],
  patch: Record<string, unknown>,
): ManifestVersion['manifest'] {
  const copy = structuredClone(manifest)
  copy.products.notes = { ...copy.products.notes, ...patch }
  return copy
}

test.describe('the living manifest in the admin dashboard', () => {
  test('shows what is wrong with a draft, and the impact before applying; history and rollback', async ({
    page,
    admin,
    request,
  }) => {
    const reader = new AdminReader(request)
    // A device in good standing, so a shorter grace has someone to lock out.
    const { key } = await admin.createLicense()
    await SimulatedDevice.activate(request, key, 'Impact laptop')
    const before = await reader.get<ManifestVersion>('/manifest')

    await signIn(page, '#/manifest')
    const editor = page.getByLabel('Manifest JSON')
    await expect(editor).toHaveValue(JSON.stringify(before.manifest, null, 2))
    await expect(page.getByTestId('current-version')).toContainText(`version ${before.version}`)
    const previewButton = page.getByRole('button', { name: 'Preview impact (dry run)' })
    const errors = page.getByTestId('manifest-errors')

    // Not JSON: said where, and nothing can be sent.
    await editor.fill('{\n  "products": {\n    "notes": ,\n  }\n}')
    await expect(errors).toContainText('Not valid JSON')
    await expect(errors).toContainText('line 3, column 14: expected a value, found ","')
    await expect(editor).toHaveAttribute('aria-invalid', 'true')
    await expect(previewButton).toBeDisabled()

    // JSON, but not a manifest: every problem listed, by path.
    const broken = withNotes(before.manifest, {
      grace: 'a week',
      plans: { pro: { features: ['notes.edit', 'teleport'] } },
    })
    await editor.fill(JSON.stringify(broken, null, 2))
    await expect(errors).toContainText('products.notes.grace')
    await expect(errors).toContainText('ISO 8601 duration')
    await expect(previewButton).toBeDisabled()
    const unknownFeature = withNotes(before.manifest, {
      plans: { pro: { features: ['notes.edit', 'teleport'] } },
    })
    await editor.fill(JSON.stringify(unknownFeature, null, 2))
    await expect(errors).toContainText('products.notes.plans.pro: unknown feature "teleport"')
    await expectAccessible(page, 'manifest with errors')

    // Valid for the schema, refused by the server: dropping a product that still has licenses.
    const { notes, ...others } = before.manifest.products
    expect(notes).toBeDefined()
    await editor.fill(JSON.stringify({ products: { ...others, other: notes } }, null, 2))
    await expect(errors).toHaveCount(0)
    await previewButton.click()
    await expect(page.getByTestId('preview-error')).toContainText('still has licenses')

    // A shorter grace alone spares every device today and shortens the offline window of all: the
    // headline warns and says when, never green above a table of losses.
    const graceOnly = withNotes(before.manifest, { grace: 'P2D' })
    const graceImpact = (await reader.send<DryRun>('PUT', '/manifest?dryRun=1', graceOnly)).impact
    expect(graceImpact?.lockouts).toBe(0)
    expect(graceImpact?.devicesLosing.in7d).toBeGreaterThan(0)
    await editor.fill(JSON.stringify(graceOnly, null, 2))
    await previewButton.click()
    const summary = page.getByTestId('impact-summary')
    await expect(summary).toContainText('No device loses a feature now, but devices that stay')
    await expect(summary).toContainText(
      `${devices(graceImpact?.devicesLosing.in7d ?? 0)} after 7 days`,
    )
    await expect(summary).toHaveClass(/\bwarn\b/)

    // A shorter grace, and templates only online: the dry run shows who would lose what, now and
    // offline later, exactly as the API reports it.
    const features = before.manifest.products.notes?.features as Record<string, object>
    const shorter = withNotes(before.manifest, {
      grace: 'P2D',
      features: { ...features, templates: { ...features.templates, offline: 'online' } },
    })
    await editor.fill(JSON.stringify(shorter, null, 2))
    await expect(page.getByRole('button', { name: 'Apply as a new version' })).toHaveCount(0)
    await previewButton.click()
    const report = page.getByTestId('impact-report')
    await expect(report).toBeVisible()
    const expected = await reader.send<DryRun>('PUT', '/manifest?dryRun=1', shorter)
    const impact = expected.impact
    expect(impact, 'the server reports an impact').toBeDefined()
    if (!impact) return
    expect(impact.lockouts).toBeGreaterThan(0)
    await expect(page.getByTestId('impact-summary')).toContainText(
      `${devices(impact.lockouts)} in good standing would lose a feature they have now.`,
    )
    await expect(page.getByTestId('impact-summary')).toContainText(
      `Compared with version ${before.version}, over ${devices(impact.devicesConsidered)}.`,
    )
    for (const row of impact.features) {
      await expect(
        page.getByTestId('impact-table').locator(`tr[data-feature="${row.feature}"] td`),
      ).toHaveText([row.now, row.in1d, row.in7d, row.in30d].map(String))
    }
    expect(impact.features.find((row) => row.feature === 'templates')?.now).toBeGreaterThan(0)
    expect(impact.features.find((row) => row.feature === 'export.file')?.now).toBe(0)
    expect(impact.features.find((row) => row.feature === 'export.file')?.in7d).toBeGreaterThan(0)
    await expectAccessible(page, 'manifest impact')
    await screenshotAdmin(page, 'manifest')

    // Changing the text after the preview asks for a new one before applying.
    await editor.press('End')
    await editor.pressSequentially(' ')
    await expect(page.getByText('The text changed since the last preview')).toBeVisible()
    await expect(page.getByRole('button', { name: 'Apply as a new version' })).toHaveCount(0)
    await editor.fill(JSON.stringify(shorter, null, 2))
    await previewButton.click()

    await page.getByLabel('Note for the history').fill('Trial: shorter grace, templates online')
    await page.getByRole('button', { name: 'Apply as a new version' }).click()
    const dialog = page.getByRole('dialog')
    await expect(dialog).toContainText(`It becomes version ${before.version + 1}`)
    await expect(dialog).toContainText(`${devices(impact.lockouts)} in good standing would lose`)
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click()
    await expect(page.getByTestId('manifest-outcome')).toHaveText(
      `Version ${before.version + 1} applied. Devices pick it up at their next check.`,
    )
    const applied = await reader.get<ManifestVersion>('/manifest')
    expect(applied.version).toBe(before.version + 1)
    expect(applied.note).toBe('Trial: shorter grace, templates online')
    expect(applied.manifest.products.notes?.grace).toBe('P2D')
    await expect(page.getByTestId('current-version')).toContainText(`version ${applied.version}`)

    // History lists it as current; rolling back restores the earlier policy as a new version.
    const history = page.getByTestId('history-table')
    const appliedRow = history.locator(`tr[data-version="${applied.version}"]`)
    await expect(appliedRow).toContainText('Trial: shorter grace, templates online')
    await expect(appliedRow).toContainText('current')
    await history
      .getByRole('button', { name: `Roll back to version ${before.version}`, exact: true })
      .click()
    await page.getByLabel('Note', { exact: false }).last().fill('Back to the demo policy')
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back', exact: true }).click()
    await expect(page.getByTestId('manifest-outcome')).toHaveText(
      `Rolled back: version ${before.version + 2} restores the policy of version ${before.version}. Devices pick it up at their next check.`,
    )
    const restored = await reader.get<ManifestVersion>('/manifest')
    expect(restored.version).toBe(before.version + 2)
    expect(restored.manifest).toEqual(before.manifest)
    await expect(editor).toHaveValue(JSON.stringify(before.manifest, null, 2))
    await expect(history.locator(`tr[data-version="${restored.version}"]`)).toContainText('current')
    await expect(history.locator(`tr[data-version="${applied.version}"]`)).not.toContainText(
      'current',
    )
    const listed = await reader.get<{ items: { version: number }[] }>('/manifest/history')
    expect(listed.items.map((item) => item.version)).toEqual(
      expect.arrayContaining([before.version, applied.version, restored.version]),
    )
  })

  test('a server that only validates: the dry run says so, and applying is still possible', async ({
    page,
  }) => {
    // Older servers answer a dry run without `impact`.
    await page.route('**/admin/v1/manifest?dryRun=1', async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as Record<string, unknown>
      delete body.impact
      await route.fulfill({ response, json: body })
    })
    await signIn(page, '#/manifest')
    const editor = page.getByLabel('Manifest JSON')
    await expect(editor).not.toHaveValue('')
    const text = await editor.inputValue()
    await editor.fill(text.replace('"P7D"', '"P6D"'))
    await page.getByRole('button', { name: 'Preview impact (dry run)' }).click()
    await expect(page.getByTestId('impact-missing')).toContainText('reported no impact')
    await expect(page.getByRole('button', { name: 'Apply as a new version' })).toBeEnabled()
  })
})
