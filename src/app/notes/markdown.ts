import type { Note } from './notesDb.ts'
import { displayTitle } from './search.ts'

/** A note as a Markdown document: its title as the heading, then its body as written. */
export function noteToMarkdown(note: Pick<Note, 'title' | 'body'>): string {
  const body = note.body.replace(/\s+$/, '')
  return `# ${displayTitle(note)}\n\n${body}${body ? '\n' : ''}`
}

/** A safe file name for a note: its title without characters file systems refuse. */
export function markdownFileName(note: Pick<Note, 'title' | 'body'>, taken?: Set<string>): string {
  const base =
    displayTitle(note)
      // Reserved on Windows or macOS, control characters, and leading or trailing dots and spaces.
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
      .replace(/[<>:"/\\|?*\u0000-\u001f]/g, '-')
      .replace(/^[.\s]+|[.\s]+$/g, '')
      .slice(0, 80) || 'note'
  let name = `${base}.md`
  for (let n = 2; taken?.has(name.toLowerCase()); n += 1) name = `${base} (${n}).md`
  taken?.add(name.toLowerCase())
  return name
}
