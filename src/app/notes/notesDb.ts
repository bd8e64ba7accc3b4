import Dexie from 'dexie'
import type { EntityTable } from 'dexie'

/** A read-only copy of a note on the license server, made by "Share link". */
export interface NoteShare {
  id: string
  url: string
  expiresAt: number
}

export interface Note {
  id: string
  title: string
  body: string
  createdAt: number
  updatedAt: number
  share?: NoteShare | null
}

export type NotesDatabase = Dexie & { notes: EntityTable<Note, 'id'> }

/** The notes database: the page's own, apart from the license worker's `leeway` database. */
export const NOTES_DATABASE = 'leeway-notes'

/**
 * Opens the notes database. Versions are appended, never edited, so an update never loses notes.
 */
export function openNotesDb(name = NOTES_DATABASE): NotesDatabase {
  const db = new Dexie(name) as NotesDatabase
  db.version(1).stores({ notes: 'id, updatedAt' })
  return db
}

export const notesDb = openNotesDb()

/** A new note's id: random, so notes made in two tabs never collide. */
export function newNoteId(): string {
  return `note_${crypto.randomUUID()}`
}
