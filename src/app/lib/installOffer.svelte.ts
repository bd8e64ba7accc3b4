/** The browser's offer to install the app (`beforeinstallprompt`, Chromium browsers only). */
export interface InstallPromptEvent extends Event {
  prompt(): Promise<void>
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

/**
 * The offer, one for the page: the Install button has a place in the top bar (wide screens) and
 * one in the tab row (narrow ones), and both show this offer, so using one uses both.
 */
export const installOffer = $state<{ event: InstallPromptEvent | null }>({ event: null })

/** Keeps the browser's offer until it is used or the app is installed. Returns a stop function. */
export function watchInstallOffer(): () => void {
  const keep = (event: Event) => {
    event.preventDefault()
    installOffer.event = event as InstallPromptEvent
  }
  const installed = () => (installOffer.event = null)
  window.addEventListener('beforeinstallprompt', keep)
  window.addEventListener('appinstalled', installed)
  return () => {
    window.removeEventListener('beforeinstallprompt', keep)
    window.removeEventListener('appinstalled', installed)
  }
}

/** Shows the browser's install prompt for the offer held. */
export async function install(): Promise<void> {
  const event = installOffer.event
  if (!event) return
  await event.prompt()
  const choice = await event.userChoice
  // A prompt can be used once; the browser fires the event again if it may ask again.
  if (choice.outcome === 'accepted' || installOffer.event === event) installOffer.event = null
}
