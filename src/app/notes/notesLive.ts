// What the notes need from IndexedDB, in a chunk of its own: Dexie was 98 kB of the page's 180 kB
// bundle and its evaluation ran before the first paint. NotesView imports this when it mounts (the
// list says "Opening your notes…" until it is in), and with it the editor, which writes through it.
export { liveQuery } from 'dexie'
export { newNoteId, notesDb } from './notesDb.ts'
export { recoverDrafts } from './unsavedDrafts.ts'
export { default as NoteEditor } from './NoteEditor.svelte'
