import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { leeway } from 'leeway/vite'

export default defineConfig({
  plugins: [
    // One configuration for the page, the built worker and the dev worker.
    leeway({
      product: 'sketch',
      // `leeway keys export-root > leeway-root.pub.json` on the license server; public, commit it.
      rootKey: { file: 'leeway-root.pub.json' },
      // The license server on its own origin, which must list this app's origin in
      // LEEWAY_CORS_ORIGINS. Unset: the app's own origin.
      apiOrigin: process.env.LICENSE_SERVER_ORIGIN,
    }),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      registerType: 'prompt',
      manifest: {
        name: 'Sketch',
        short_name: 'Sketch',
        start_url: '/',
        display: 'standalone',
        theme_color: '#1d4ed8',
        background_color: '#ffffff',
        icons: [],
      },
      // In development vite-plugin-pwa precaches only the navigation fallback.
      devOptions: { enabled: true, type: 'module', navigateFallback: 'index.html' },
    }),
  ],
})
