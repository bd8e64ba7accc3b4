import { mount } from 'svelte'
import { registerLicenseWorker } from 'leeway/client'
import App from './App.svelte'
import { watchInstallOffer } from './lib/installOffer.svelte.ts'
import { licenseClient } from './lib/licenseClient.ts'
import { watchLicenseService } from './lib/licenseService.svelte.ts'
import { applyTheme, savedTheme } from './lib/theme.ts'
import './app.css'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element to mount into')
applyTheme(savedTheme())

// A shared link (/s/ID) is read by people who may have no license and no app: show the note alone,
// without registering the license worker on their device.
const shared = /^\/s\/([A-Za-z0-9_-]{1,64})$/.exec(location.pathname)
const sharedId = shared?.[1]
if (sharedId) {
  // Its own chunk: the app's first load does not carry the reader's page, nor the reverse.
  void import('./SharedNoteView.svelte').then(({ default: SharedNoteView }) =>
    mount(SharedNoteView, { target, props: { id: sharedId } }),
  )
} else {
  watchInstallOffer()
  const worker = registerLicenseWorker(licenseClient)
  watchLicenseService(licenseClient.license, (listener) => worker.onUnavailable(listener))
  const props = $state<{ updateReady: (() => void) | null }>({ updateReady: null })
  mount(App, { target, props })
  worker.onUpdateReady((apply) => {
    props.updateReady = apply
  })
}
