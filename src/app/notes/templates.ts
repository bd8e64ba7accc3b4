/** A note template: what a new note starts with. */
export interface NoteTemplate {
  id: string
  name: string
  title: (now: Date) => string
  body: string
}

const day = (now: Date) =>
  new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' }).format(now)

export const TEMPLATES: readonly NoteTemplate[] = [
  {
    id: 'meeting',
    name: 'Meeting notes',
    title: (now) => `Meeting, ${day(now)}`,
    body: 'Attendees:\n- \n\nAgenda:\n1. \n\nDecisions:\n- \n\nAction items:\n- [ ] ',
  },
  {
    id: 'journal',
    name: 'Daily journal',
    title: (now) => day(now),
    body: 'Today I want to:\n- \n\nWhat happened:\n\n\nGrateful for:\n- ',
  },
  {
    id: 'todo',
    name: 'To-do list',
    title: () => 'To do',
    body: '- [ ] \n- [ ] \n- [ ] ',
  },
  {
    id: 'bug',
    name: 'Bug report',
    title: () => 'Bug: ',
    body: 'Steps to reproduce:\n1. \n\nExpected:\n\n\nActual:\n\n\nVersion and device:\n',
  },
]
