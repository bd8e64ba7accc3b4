// Leeway's license server as a library (`leeway/server`), for a vendor who runs it inside a Node
// process of their own rather than with the `leeway` CLI. Needs the server's peer dependencies
// (README, "Add Leeway to an existing PWA").
export { serve } from './serve.ts'
export type { ServeOptions } from './serve.ts'
export { listen } from './main.ts'
export type { RunningServer } from './main.ts'
export { openDeployment } from './deployment/openDeployment.ts'
export type { Deployment, OpenDeploymentOptions } from './deployment/openDeployment.ts'
export { deploymentSettingsFromEnv } from './config/deploymentSettings.ts'
export type { DeploymentSettings } from './config/deploymentSettings.ts'
export { ConfigError } from './config/ConfigError.ts'
