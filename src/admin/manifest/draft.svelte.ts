/**
 * The manifest being edited, shared with the offline timeline so a vendor can see what a draft
 * does to devices before applying it. Lives as long as the page.
 */
export const draft = $state<{ text: string }>({ text: '' })
