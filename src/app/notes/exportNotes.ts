import { download } from '../lib/download.ts'
import { markdownFileName, noteToMarkdown } from './markdown.ts'
import { notesDb } from './notesDb.ts'
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
  const notes = await notesDb.notes.orderBy('updatedAt').reverse().toArray()
  if (notes.length === 0) return 0
  // Imported here, not above: the ZIP writer is needed only by this button.
  const { zipTextFiles } = await import('./zip.ts')
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
