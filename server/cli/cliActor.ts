import { userInfo } from 'node:os'
import type { AdminActor } from '../services/audit.ts'

/** Who runs a CLI command on the data folder, for the audit log: the operating-system user. */
export function cliActor(name?: string): AdminActor {
  let user = 'cli'
  try {
    user = userInfo().username || user
  } catch {
    // No passwd entry (some containers): the channel alone.
  }
  return { name: name ?? user, via: 'cli', address: null }
}
