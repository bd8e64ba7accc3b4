/** The manifest a fresh server starts with: the demo notes app and its features. */
export const DEMO_MANIFEST = {
  products: {
    notes: {
      name: 'Leeway Notes',
      features: {
        'notes.edit': { offline: 'always', description: 'Create, edit and delete notes' },
        // Critical: finding a note is part of taking it out after the rights end.
        'notes.search': { offline: 'always', critical: true, description: 'Search your notes' },
        'export.file': {
          offline: 'window',
          critical: true,
          description: 'Export notes as Markdown files',
        },
        templates: { offline: 'window', description: 'Start notes from templates' },
        'share.link': { offline: 'online', description: 'Share a read-only link' },
      },
      plans: {
        free: { features: ['notes.edit', 'notes.search'] },
        pro: { features: ['notes.edit', 'notes.search', 'export.file', 'templates', 'share.link'] },
      },
      recheckEvery: 'P1D',
      grace: 'P7D',
      keepCritical: 'P14D',
      seatReleaseAfter: 'P90D',
      // Where "Renew" and "Contact the vendor" lead in the app; a vendor puts their own page here.
      supportUrl: 'https://leeway-notes.example/support',
    },
  },
} as const
