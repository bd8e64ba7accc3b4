import type { Note } from './notesDb.ts'

/**
 * Notes whose title or body holds every word of `query` (any case, any order), newest first.
 * @example searchNotes(notes, 'milk eggs')
 */
export function searchNotes(notes: readonly Note[], query: string): Note[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean)
  const sorted = [...notes].sort((a, b) => b.updatedAt - a.updatedAt)
  if (words.length === 0) return sorted
  return sorted.filter((note) => {
    const text = `${note.title}\n${note.body}`.toLocaleLowerCase()
    return words.every((word) => text.includes(word))
  })
}

/** The title to show for a note that has none yet. */
export function displayTitle(note: Pick<Note, 'title' | 'body'>): string {
  const title = note.title.trim()
  if (title) return title
  const firstLine = note.body.trim().split('\n')[0]?.trim()
  return firstLine ? firstLine.slice(0, 80) : 'Untitled note'
}
