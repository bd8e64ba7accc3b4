// The admin token lives only in this tab's session storage: gone when the tab closes, never in
// local storage (shared by every tab and kept for ever) and never in a URL (history, logs, referrers).

const KEY = 'leeway-admin-token'

/** The token this tab signed in with, if any. */
export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY)
  } catch {
    return null
  }
}

/** Keeps the token for this tab; without session storage it lasts until the page is left. */
export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token)
  } catch {
    // Storage refused (private mode): signed in for this page only.
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY)
  } catch {
    // Nothing was kept.
  }
}
