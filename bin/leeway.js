#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so a clone needs no build step to use it.
import { register } from 'tsx/esm/api'

register()
await import('../server/cli.ts')
