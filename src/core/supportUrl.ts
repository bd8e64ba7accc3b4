// Plain patterns rather than `URL`: the core declares no platform globals beyond what it must.
const HTTPS = /^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:[/?#][^\s<>"]*)?$/
const MAILTO = /^mailto:[^\s@<>"]+@[A-Za-z0-9.-]+(?:\?[^\s<>"]*)?$/

/**
 * Whether `value` may be shown to users as the vendor's support link: an absolute `https:` or
 * `mailto:` URL. Anything else (`javascript:`, `data:`, plain `http:`, a relative path) is not a
 * link a license screen should lead anyone to.
 */
export function isSupportUrl(value: string): boolean {
  return HTTPS.test(value) || MAILTO.test(value)
}
