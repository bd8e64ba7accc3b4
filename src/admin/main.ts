import { mount } from 'svelte'
import { applyTheme, savedTheme } from '../app/lib/theme.ts'
import Admin from './Admin.svelte'
import '../app/app.css'
import './admin.css'

// The vendor's dashboard: no service worker here, and nothing of it in the app's offline cache.
const target = document.getElementById('admin')
if (!target) throw new Error('admin.html has no #admin element to mount into')
applyTheme(savedTheme())
mount(Admin, { target })
