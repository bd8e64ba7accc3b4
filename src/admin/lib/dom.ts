import type { Attachment } from 'svelte/attachments'

// The page's few direct touches of the DOM, kept in one place.

/** The URL's hash, where the dashboard keeps its view. */
export function currentHash(): string {
  return location.hash
}

/** Calls `listener` when the hash changes; returns the unsubscribe. */
export function onHashChange(listener: () => void): () => void {
  window.addEventListener('hashchange', listener)
  return () => window.removeEventListener('hashchange', listener)
}

/**
 * Focuses the element with `id` once the current updates (and any closing dialog, which restores
 * focus itself) are done: used to move focus to a result or a new view.
 */
export function focusSoon(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus(), 0)
}

/** Copies text to the clipboard; false when the browser refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/**
 * Shows a `<dialog>` as a modal while `open` holds and closes it when it stops: the browser then
 * traps focus inside, closes on Escape and gives focus back to the control that opened it.
 * @example <dialog {@attach modal(open)}>
 */
export function modal(open: boolean): Attachment<HTMLDialogElement> {
  return (dialog) => {
    if (open && !dialog.open) dialog.showModal()
    else if (!open && dialog.open) dialog.close()
  }
}

/** `run` once calls pause for `ms`: one search request per pause in typing, not one per key. */
export function debounced(run: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    clearTimeout(timer)
    timer = setTimeout(run, ms)
  }
}

/** Calls `tick` every `ms` until the function it returns is called (for onMount's cleanup). */
export function every(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms)
  return () => clearInterval(timer)
}
