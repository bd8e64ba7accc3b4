import { it } from 'vitest'

// The `server-pg` project runs this file instead of the suite when no PostgreSQL is configured
// outside CI, so that the run says so rather than passing quietly.
it.skip('PostgreSQL suite not run: TEST_DATABASE_URL is not set (`source .ci/postgres.sh` starts one)', () => {})
