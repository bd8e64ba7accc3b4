import { download, markdownFileName, noteToMarkdown } from './markdown.ts'
import type { Note } from './notesDb.ts'

/** Downloads one note as a Markdown file. */
export function exportNote(note: Note): void {
  download(
    new Blob([noteToMarkdown(note)], { type: 'text/markdown;charset=utf-8' }),
    markdownFileName(note),
  )
}

/** Downloads every note as Markdown files in one ZIP archive; answers how many. */
export async function exportAllNotes(): Promise<number> {
  // Imported here, not above: the license panel offers this on every page, and the database
  // (Dexie) and the ZIP writer stay out of the first load (notesLive.ts).
  const [{ notesDb }, { zipTextFiles }] = await Promise.all([
    import('./notesDb.ts'),
    import('./zip.ts'),
  ])
  const notes = await notesDb.notes.orderBy('updatedAt').reverse().toArray()
  if (notes.length === 0) return 0
  const taken = new Set<string>()
  const archive = zipTextFiles(
    notes.map((note) => ({
      name: markdownFileName(note, taken),
      text: noteToMarkdown(note),
      modified: new Date(note.updatedAt),
    })),
  )
  const day = new Date().toISOString().slice(0, 10)
  download(archive, `leeway-notes-${day}.zip`)
  return notes.length
}
