import type { Deployment } from './openDeployment.ts'

/** What an operator is told on start and on `leeway init`: where the data is, and how to get in. */
export function deploymentSummary(deployment: Deployment): string[] {
  return [
    deployment.backend === 'postgres'
      ? 'Database: PostgreSQL (DATABASE_URL)'
      : `Data folder: ${deployment.dir}`,
    `Admin token: ${deployment.adminToken}`,
    ...(deployment.demo ? [`Demo license key: ${deployment.demo.key}`] : []),
  ]
}
