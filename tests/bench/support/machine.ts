import { cpus, loadavg, release, totalmem, type as osType } from 'node:os'

export interface Machine {
  cores: number
  cpu: string
  memoryMB: number
  os: string
  node: string
  chromium: string | null
  date: string
  /** 1-minute load average when the run started: other work on a shared machine shows here. */
  loadAtStart: number
  loadAtEnd: number | null
}

/** The machine a run measured, for results.json; Chromium's version is filled in by the run. */
export function describeMachine(): Machine {
  const processors = cpus()
  return {
    cores: processors.length,
    cpu: processors[0]?.model.trim() ?? 'unknown',
    memoryMB: Math.round(totalmem() / 1024 / 1024),
    os: `${osType()} ${release()}`,
    node: process.version,
    chromium: null,
    date: new Date().toISOString(),
    loadAtStart: loadavg()[0] ?? NaN,
    loadAtEnd: null,
  }
}
