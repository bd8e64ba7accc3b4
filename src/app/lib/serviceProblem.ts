/**
 * Why the license service has given no state: `unsupported` or `refused`, no worker can run here
 * (private window, policy, registration failed); `silent`, it registered but has not answered.
 */
export type ServiceProblem = 'unsupported' | 'refused' | 'silent'

/**
 * Whether notes may be written with no license state at all: only where no worker can ever run.
 * The notes are the user's own, on their device; every licensed extra stays off. A service that is
 * merely slow keeps notes read-only, since its state is about to say.
 */
export function writableWithoutService(problem: ServiceProblem | null): boolean {
  return problem === 'unsupported' || problem === 'refused'
}
