import { readFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import {
  expectGated,
  LOCALE,
  screenshot,
  TIME_ZONE,
  writeNote,
  licensedApp,
} from './support/appPage.ts'
import { expect, test } from './support/fixtures.ts'

test.use({ locale: LOCALE, timezoneId: TIME_ZONE })

const noteButton = (page: Page, title: string) =>
  page
    .getByRole('list', { name: 'Your notes' })
    .getByRole('button', { name: new RegExp(`^${title}`) })

test.describe('the notes', () => {
  test('create, edit, delete and search, all surviving reloads with no network', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin)
    await writeNote(page, 'Groceries', 'Milk\nEggs')
    await writeNote(page, 'Trip to Lisbon', 'Tram 28, Belém')
    await writeNote(page, 'Scratch', 'to be deleted')

    // Delete, with a confirmation.
    await noteButton(page, 'Scratch').click()
    await page.getByRole('button', { name: 'Delete note' }).click()
    await page.getByRole('button', { name: 'Delete', exact: true }).click()
    await expect(noteButton(page, 'Scratch')).toHaveCount(0)
    await expect(page.getByText('2 notes on this device')).toBeVisible()

    // Offline from here on: a reload comes from the worker's precache, notes from IndexedDB.
    await context.setOffline(true)
    await page.reload()
    await expect(noteButton(page, 'Groceries')).toBeVisible()
    await expect(noteButton(page, 'Trip to Lisbon')).toBeVisible()

    // Edit while offline.
    await noteButton(page, 'Groceries').click()
    await page.locator('#note-body').fill('Milk\nEggs\nCoffee beans')
    await expect(page.getByText('Saved on this device')).toBeVisible()

    // Search: every word, any case, title or body.
    const search = page.getByRole('searchbox', { name: 'Search notes' })
    await search.fill('COFFEE milk')
    await expect(page.getByText('1 of 2 notes match')).toBeVisible()
    await expect(noteButton(page, 'Groceries')).toBeVisible()
    await expect(noteButton(page, 'Trip to Lisbon')).toHaveCount(0)
    await search.fill('belém')
    await expect(noteButton(page, 'Trip to Lisbon')).toBeVisible()
    await expect(noteButton(page, 'Groceries')).toHaveCount(0)

    await page.reload()
    await noteButton(page, 'Groceries').click()
    await expect(page.locator('#note-body')).toHaveValue('Milk\nEggs\nCoffee beans')
    await page.getByRole('searchbox', { name: 'Search notes' }).fill('tram')
    await expect(page.getByText('1 of 2 notes match')).toBeVisible()
  })

  test('the last words typed before the tab closes are kept', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin)
    await writeNote(page, 'Last words', 'First line')
    const body = page.locator('#note-body')
    await body.press('End')
    await body.pressSequentially('\nTyped just before closing')
    // Closed at once, well inside the editor's 300 ms save delay.
    await page.close({ runBeforeUnload: true })

    const again = await app.open(await context.newPage())
    await noteButton(again, 'Last words').click()
    await expect(again.locator('#note-body')).toHaveValue('First line\nTyped just before closing')
  })

  test('keyboard only: a note is written and a gated control explains itself', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin)
    await context.setOffline(true)
    await expect(page.getByTestId('license-status')).toHaveText('active')

    await page.getByTestId('new-note').focus()
    await page.keyboard.press('Enter')
    await expect(page.locator('#note-title')).toBeFocused()
    await page.keyboard.type('Typed title')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Typed with the keyboard alone.')
    await expect(page.getByText('Saved on this device')).toBeVisible()
    await expect(noteButton(page, 'Typed title')).toBeVisible()

    // Tab on to the share button: it can be focused, and says why it is off.
    await page.keyboard.press('Tab') // Export .md
    await page.keyboard.press('Tab') // Share link
    const share = page.getByRole('button', { name: 'Share link' })
    await expect(share).toBeFocused()
    await expectGated(share, 'Available again after you reconnect.')
    await page.keyboard.press('Enter') // does nothing while gated
    await expect(page.getByTestId('share-box')).toHaveCount(0)
  })

  test('templates start a note; export gives a Markdown file and a ZIP of them', async ({
    app,
    admin,
    page,
  }) => {
    await licensedApp(app, admin)
    await page.getByRole('button', { name: 'From template' }).click()
    await page.getByRole('button', { name: 'Meeting notes' }).click()
    await expect(page.locator('#note-body')).toBeFocused()
    await expect(page.locator('#note-body')).toHaveValue(/^Attendees:/)
    await expect(page.locator('#note-title')).toHaveValue(/^Meeting, /)
    await writeNote(page, 'Groceries', 'Milk\nEggs')

    const [single] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export .md' }).click(),
    ])
    expect(single.suggestedFilename()).toBe('Groceries.md')
    expect(readFileSync(await single.path(), 'utf8')).toBe('# Groceries\n\nMilk\nEggs\n')

    const [all] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export all' }).click(),
    ])
    expect(all.suggestedFilename()).toMatch(/^leeway-notes-\d{4}-\d{2}-\d{2}\.zip$/)
    const zip = readFileSync(await all.path())
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]))
    expect(zip.includes(Buffer.from('Groceries.md'))).toBe(true)
    expect(zip.includes(Buffer.from('# Groceries\n\nMilk\nEggs\n'))).toBe(true)
    expect(zip.includes(Buffer.from('Attendees:'))).toBe(true)
  })

  test('share a read-only link: anyone can read it, and stopping it ends it', async ({
    app,
    admin,
    context,
    page,
  }) => {
    await licensedApp(app, admin)
    await writeNote(page, 'Recipe', 'Flour, water, salt.\n<script>alert(1)</script>')
    await page.getByRole('button', { name: 'Share link' }).click()
    const link = page.getByLabel(/^Read-only link, until/)
    await expect(link).toHaveValue(/\/s\/shr_[A-Za-z0-9_-]{22}$/)
    const url = await link.inputValue()
    await screenshot(page, 'share-1280', 1280)

    // A reader with no license and no app: a fresh browser context.
    const reader = await (await context.browser()?.newContext())?.newPage()
    if (!reader) throw new Error('no second context')
    await reader.goto(url)
    await expect(reader.getByRole('heading', { name: 'Recipe' })).toBeVisible()
    await expect(reader.getByText('<script>alert(1)</script>')).toBeVisible()
    expect(await reader.evaluate(() => navigator.serviceWorker.controller)).toBeNull()

    await page.getByRole('button', { name: 'Stop sharing' }).click()
    await expect(page.getByTestId('share-box')).toHaveCount(0)
    await reader.reload()
    await expect(reader.getByRole('alert')).toHaveText('There is no shared note at this link.')
    await reader.context().close()
  })

  test('the server refuses a share to a plan without share.link, whatever the page asks', async ({
    app,
    admin,
    page,
  }) => {
    await licensedApp(app, admin, { plan: 'free' })
    await writeNote(page, 'Mine', 'not for sharing')
    await expectGated(
      page.getByRole('button', { name: 'Share link' }),
      'Not included in your Free plan.',
    )
    await expectGated(
      page.getByRole('button', { name: 'From template' }),
      'Not included in your Free plan.',
    )

    // Bypassing the interface: the worker's grant and proof still do not entitle share.link.
    const answer = await page.evaluate(async () => {
      const proof = await fetch('/_license/proof', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-leeway-request': '1' },
        body: JSON.stringify({ htm: 'POST', htu: '/api/v1/shares' }),
      })
      const holder = (await proof.json()) as object
      const response = await fetch('/api/v1/shares', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...holder, title: 'x', body: 'y' }),
      })
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string } },
      }
    })
    expect(answer.status).toBe(403)
    expect(answer.body.error.code).toBe('feature_not_entitled')
  })
})

test.describe('the installable app', () => {
  test('a manifest with name, icons and standalone display, precached by the worker', async ({
    app,
    page,
    request,
  }) => {
    await app.open()
    const href = await page.locator('link[rel="manifest"]').getAttribute('href')
    expect(href).toBe('/manifest.webmanifest')
    const response = await request.get(`${app.origin}/manifest.webmanifest`)
    expect(response.headers()['content-type']).toContain('application/manifest+json')
    const manifest = (await response.json()) as {
      name: string
      display: string
      theme_color: string
      start_url: string
      icons: { src: string; sizes: string; purpose: string }[]
    }
    expect(manifest).toMatchObject({ name: 'Leeway Notes', display: 'standalone', start_url: '/' })
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/)
    expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose}`)).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ])
    for (const icon of manifest.icons) {
      const image = await request.get(`${app.origin}${icon.src}`)
      expect(image.headers()['content-type']).toBe('image/png')
      // PNG signature, and the width in the header matches the declared size.
      const bytes = await image.body()
      expect(bytes.subarray(1, 4).toString()).toBe('PNG')
      expect(bytes.readUInt32BE(16)).toBe(Number(icon.sizes.split('x')[0]))
    }
    const precached = await page.evaluate(async () => {
      const urls: string[] = []
      for (const name of await caches.keys()) {
        for (const entry of await (await caches.open(name)).keys())
          urls.push(new URL(entry.url).pathname)
      }
      return urls
    })
    expect(precached).toEqual(
      expect.arrayContaining([
        '/manifest.webmanifest',
        '/icons/icon-192.png',
        '/icons/maskable-512.png',
      ]),
    )
  })

  test('an Install button appears when the browser offers installation', async ({ app, page }) => {
    await app.open()
    await expect(page.getByRole('button', { name: 'Install' })).toHaveCount(0)
    await page.evaluate(() => {
      const event = new Event('beforeinstallprompt', { cancelable: true }) as Event & {
        prompt: () => Promise<void>
        userChoice: Promise<{ outcome: string }>
      }
      event.prompt = async () => {
        document.body.dataset.prompted = 'yes'
      }
      event.userChoice = Promise.resolve({ outcome: 'accepted' })
      window.dispatchEvent(event)
    })
    await page.getByRole('button', { name: 'Install' }).click()
    await expect(page.locator('body')).toHaveAttribute('data-prompted', 'yes')
    await expect(page.getByRole('button', { name: 'Install' })).toHaveCount(0)
  })

  test('telemetry is off by default and the choice is kept', async ({ app, page }) => {
    await app.open()
    const toggle = page.getByRole('checkbox', {
      name: 'Send anonymous usage counters to the vendor',
    })
    await expect(toggle).toBeEnabled()
    await expect(toggle).not.toBeChecked()
    await expect(page.locator('#telemetry-what')).toContainText('No notes, names, e-mail addresses')
    await toggle.check()
    await expect(page.getByText('Thank you. Counters will be sent.')).toBeVisible()
    await page.reload()
    await expect(toggle).toBeChecked()
  })
})
