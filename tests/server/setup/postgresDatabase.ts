import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database made for this run of the `server-pg` project; each test server takes a schema in it. */
    postgresUrl: string
  }
}

/**
 * Global setup of the `server-pg` project: a fresh database for this run, made through
 * `TEST_DATABASE_URL` (whose role needs CREATEDB) and dropped at the end, so that runs side by side
 * and runs that crashed leave each other alone.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = process.env.TEST_DATABASE_URL
  if (!base) {
    throw new Error(
      'TEST_DATABASE_URL is not set, and CI must run the PostgreSQL suite: `source .ci/postgres.sh` starts a local PostgreSQL and sets it',
    )
  }
  const name = `leeway_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(base, `CREATE DATABASE ${name}`)
  const url = new URL(base)
  url.pathname = `/${name}`
  project.provide('postgresUrl', url.toString())
  return async () => {
    await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at TEST_DATABASE_URL (${redact(url)}): ${String(error)}. Start one with \`source .ci/postgres.sh\``,
      { cause: error },
    )
  }
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}
