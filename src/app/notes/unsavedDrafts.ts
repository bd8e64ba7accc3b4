import type { NotesDatabase } from './notesDb.ts'

// A note being typed when its tab closes: IndexedDB writes are asynchronous and a closing page may
// drop them, so the last draft is also kept synchronously in localStorage, one key per note, and
// written into the database at the next start. Cleared once the database has it.

const PREFIX = 'leeway-notes:unsaved:'

export interface UnsavedDraft {
  id: string
  title: string
  body: string
  updatedAt: number
}

/** Keeps `draft` where a closing page cannot lose it; never throws (storage may be refused). */
export function stashDraft(draft: UnsavedDraft): void {
  try {
    localStorage.setItem(PREFIX + draft.id, JSON.stringify(draft))
  } catch {
    // No localStorage (private mode, full): the asynchronous save is all there is.
  }
}

/** Forgets the stash of note `id` once the database holds that draft or a newer one. */
export function clearDraft(id: string, savedAt: number): void {
  try {
    const stashed = readDraft(PREFIX + id)
    if (stashed && stashed.updatedAt <= savedAt) localStorage.removeItem(PREFIX + id)
  } catch {
    // Nothing stashed can be read either.
  }
}

/**
 * Writes every stashed draft newer than its note into the database, then forgets the stash. A
 * draft of a note deleted since (in another tab) is dropped, as the deletion was the later act.
 */
export async function recoverDrafts(db: NotesDatabase): Promise<number> {
  let recovered = 0
  let keys: string[]
  try {
    keys = Object.keys(localStorage).filter((key) => key.startsWith(PREFIX))
  } catch {
    return 0
  }
  for (const key of keys) {
    const draft = readDraft(key)
    if (draft) {
      const note = await db.notes.get(draft.id)
      if (note && note.updatedAt < draft.updatedAt) {
        const { title, body, updatedAt } = draft
        await db.notes.update(draft.id, { title, body, updatedAt })
        recovered += 1
      }
    }
    localStorage.removeItem(key)
  }
  return recovered
}

function readDraft(key: string): UnsavedDraft | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(key) ?? 'null')
    if (typeof value !== 'object' || value === null) return null
    const { id, title, body, updatedAt } = value as Record<string, unknown>
    return typeof id === 'string' &&
      typeof title === 'string' &&
      typeof body === 'string' &&
      typeof updatedAt === 'number'
      ? { id, title, body, updatedAt }
      : null
  } catch {
    return null
  }
}
