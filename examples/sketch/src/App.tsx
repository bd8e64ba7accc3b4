import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import type { ServedLicenseState } from 'leeway/client'
import { useFeature, useLicense } from 'leeway/react'
import { leeway } from './leeway.ts'

const IDEAS_KEY = 'sketch.ideas'

export function App() {
  const license = useLicense(leeway)
  // Features of this app's product in the license server's manifest (license-manifest.json).
  const canDraw = useFeature(leeway, 'sketch.draw')
  const canExport = useFeature(leeway, 'export.svg')
  const [ideas, setIdeas] = useState<string[]>(savedIdeas)
  const [draft, setDraft] = useState('')

  useEffect(() => localStorage.setItem(IDEAS_KEY, JSON.stringify(ideas)), [ideas])

  const addIdea = (event: FormEvent) => {
    event.preventDefault()
    if (!draft.trim()) return
    setIdeas([...ideas, draft.trim()])
    setDraft('')
  }

  return (
    <main>
      <h1>Sketch</h1>
      <p role="status">{statusLine(license)}</p>
      {license?.status === 'unlicensed' && <Activation />}
      <form onSubmit={addIdea}>
        <input
          aria-label="New idea"
          value={draft}
          disabled={!canDraw}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button disabled={!canDraw}>Add idea</button>
      </form>
      <ul aria-label="Ideas">
        {ideas.map((idea, index) => (
          <li key={index}>{idea}</li>
        ))}
      </ul>
      <button disabled={!canExport} onClick={() => exportSvg(ideas)}>
        Export as SVG
      </button>
      <button onClick={() => void leeway.recheck()}>Check now</button>
      <Tip />
    </main>
  )
}

function Activation() {
  const [key, setKey] = useState('')
  const [problem, setProblem] = useState('')
  const activate = async (event: FormEvent) => {
    event.preventDefault()
    const outcome = await leeway.activate(key.trim(), 'Sketch example')
    setProblem(outcome.ok ? '' : `Activation failed: ${outcome.code}`)
  }
  return (
    <form onSubmit={(event) => void activate(event)}>
      <input
        aria-label="License key"
        value={key}
        onChange={(event) => setKey(event.target.value)}
      />
      <button>Activate</button>
      {problem && <p role="alert">{problem}</p>}
    </form>
  )
}

/** The tip of the day, through the worker's own runtime route (the last one when offline). */
function Tip() {
  const [tip, setTip] = useState('')
  useEffect(() => {
    fetch('/tips.json')
      .then((response) => response.json() as Promise<{ tip: string }>)
      .then((body) => setTip(body.tip))
      .catch(() => setTip('No tip offline yet.'))
  }, [])
  return <p aria-label="Tip">{tip}</p>
}

function statusLine(license: ServedLicenseState | null): string {
  if (!license) return 'Starting the license service…'
  switch (license.status) {
    case 'unlicensed':
      return 'Not activated: enter your license key.'
    case 'active':
      return `Licensed: ${license.license?.plan ?? ''} plan.`
    case 'grace':
      return `Offline: premium features work until ${day(license.graceEndsAt)}.`
    case 'revoked':
      return 'This license was revoked.'
    default:
      return `License ${license.status}.`
  }
}

const day = (at: number | null) => (at ? new Date(at).toLocaleDateString() : 'further notice')

function savedIdeas(): string[] {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(IDEAS_KEY) ?? '[]')
    return Array.isArray(saved) ? saved.filter((idea) => typeof idea === 'string') : []
  } catch {
    return []
  }
}

function exportSvg(ideas: string[]) {
  const lines = ideas.map(
    (idea, index) => `<text x="10" y="${20 * (index + 1)}">${escapeXml(idea)}</text>`,
  )
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="${20 * ideas.length + 20}">${lines.join('')}</svg>`
  const link = document.createElement('a')
  link.href = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }))
  link.download = 'ideas.svg'
  link.click()
}

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (char) => `&#${char.charCodeAt(0)};`)
