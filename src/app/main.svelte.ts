import { mount } from 'svelte'
import { registerLicenseWorker } from '../client/registerLicenseWorker.ts'
import App from './App.svelte'
import './app.css'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element to mount into')

const worker = registerLicenseWorker()
const props = $state<{ updateReady: (() => void) | null }>({ updateReady: null })
mount(App, { target, props })
worker.onUpdateReady((apply) => {
  props.updateReady = apply
})
