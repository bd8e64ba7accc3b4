/** The example suite's ports: the license server, the built app (vite preview), the dev server. */
export function examplePorts(): { api: number; app: number; dev: number } {
  const api = Number(process.env.EXAMPLE_PORT ?? 8890)
  return { api, app: api + 1, dev: api + 2 }
}

/** How the global setup tells the tests what it started. */
export const EXAMPLE_ENV = {
  app: 'LEEWAY_EXAMPLE_APP',
  dev: 'LEEWAY_EXAMPLE_DEV',
  licenseKey: 'LEEWAY_EXAMPLE_LICENSE_KEY',
  licenseId: 'LEEWAY_EXAMPLE_LICENSE_ID',
  devLicenseKey: 'LEEWAY_EXAMPLE_DEV_LICENSE_KEY',
  dataDir: 'LEEWAY_EXAMPLE_DATA',
  installedApp: 'LEEWAY_EXAMPLE_INSTALLED_APP',
} as const

export function exampleSetting(name: keyof typeof EXAMPLE_ENV): string {
  const value = process.env[EXAMPLE_ENV[name]]
  if (!value) throw new Error(`${EXAMPLE_ENV[name]} is not set: the global setup did not run`)
  return value
}
