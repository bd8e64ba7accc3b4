/** A plan (and a license's overrides) to show in the offline timeline. */
export interface TimelineParams {
  product?: string
  plan?: string
  recheckEvery?: string
  grace?: string
}

/** The dashboard's views, addressed by the URL's hash (`#/licenses/lic_…`), never by the token. */
export type Route =
  | { view: 'licenses' }
  | { view: 'license'; id: string }
  | { view: 'manifest' }
  | { view: 'insights' }
  | { view: 'audit' }
  | ({ view: 'timeline' } & TimelineParams)

/** Reads a hash such as `#/licenses/lic_abc` or `#/timeline/notes/pro?grace=P3D`; anything unknown is the license list. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?')
  const [first, second, third] = path.split('/').filter(Boolean).map(decodeURIComponent)
  if (first === 'licenses' && second) return { view: 'license', id: second }
  if (first === 'manifest') return { view: 'manifest' }
  if (first === 'insights') return { view: 'insights' }
  if (first === 'audit') return { view: 'audit' }
  if (first === 'timeline') {
    const params = new URLSearchParams(query)
    const route: Route = { view: 'timeline' }
    if (second) route.product = second
    if (third) route.plan = third
    const recheckEvery = params.get('recheckEvery')
    const grace = params.get('grace')
    if (recheckEvery) route.recheckEvery = recheckEvery
    if (grace) route.grace = grace
    return route
  }
  return { view: 'licenses' }
}

/** The hash of the timeline for a plan, with a license's overrides when it has any. */
export function timelineHref(params: TimelineParams): string {
  const path = ['timeline', params.product, params.plan]
    .filter((part): part is string => Boolean(part))
    .map(encodeURIComponent)
    .join('/')
  const query = new URLSearchParams()
  if (params.recheckEvery) query.set('recheckEvery', params.recheckEvery)
  if (params.grace) query.set('grace', params.grace)
  return `#/${path}${query.size > 0 ? `?${query}` : ''}`
}
