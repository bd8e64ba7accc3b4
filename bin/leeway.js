#!/usr/bin/env node
// `leeway` runs the compiled CLI (dist-server/server/cli.js): plain Node, as the server runs in
// production. It compiles first when dist-server/ is missing or older than the sources rather than
// asking for `npm run build:server`: a fresh clone's `npx leeway` then just works (about ten
// seconds, once), and after an edit or a `git pull` the CLI never runs code older than what is checked out.
// When dist-server/ is current, which is the usual case, it starts at once.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { COMPILED, compileServerOrExit, compiledServerIsCurrent } from './compileServer.js'

if (!compiledServerIsCurrent()) compileServerOrExit()
await import(pathToFileURL(join(COMPILED, 'server', 'cli.js')).href)
