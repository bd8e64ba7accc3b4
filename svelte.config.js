import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

/**
 * Read by vite-plugin-svelte, svelte-check and eslint-plugin-svelte alike, so all three agree on
 * how components compile. A default export because that is how those tools load it.
 * @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig}
 */
export default {
  // Styles through Vite's CSS pipeline. Tools outside Vite (svelte-check) get a config of their own:
  // loading vite.config.ts would demand a pinned root key they have no use for.
  preprocess: vitePreprocess({ style: { configFile: false } }),
  // Runes everywhere: no component silently falls back to Svelte 4 semantics.
  compilerOptions: { runes: true },
}
