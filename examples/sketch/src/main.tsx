import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { registerSW } from 'virtual:pwa-register'
import { App } from './App.tsx'
import { leeway } from './leeway.ts'

// vite-plugin-pwa registers the worker; Leeway attaches to that registration (periodic re-check).
registerSW({
  immediate: true,
  onRegisteredSW(_url, registration) {
    if (registration) leeway.attach(registration)
  },
})
// The state is asked for at once; the first load gets it when the worker takes control.
leeway.start()

const root = document.getElementById('root')
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
