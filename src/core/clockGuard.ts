/** How far the local clock may run behind the latest time seen before it is suspected of being set back. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000

/** The new `lastSeen` after observing `times` (local or server, epoch ms): it only grows. */
export function advanceLastSeen(lastSeen: number | null, ...times: number[]): number {
  return Math.max(lastSeen ?? Number.NEGATIVE_INFINITY, ...times.filter(Number.isFinite))
}

/**
 * The `lastSeen` after a verified online check. The server's signed time is authoritative, so it
 * replaces a `lastSeen` that a clock once set too far forward had pushed into the future; without
 * this, one wrong clock setting would leave a device suspect for ever.
 */
export function lastSeenAfterVerifiedCheck(serverTime: number, now: number): number {
  return Math.abs(now - serverTime) <= CLOCK_TOLERANCE_MS ? Math.max(now, serverTime) : serverTime
}

/** Whether the local clock reads more than the tolerance before `lastSeen`. */
export function isClockSuspect(now: number, lastSeen: number | null): boolean {
  return lastSeen !== null && now < lastSeen - CLOCK_TOLERANCE_MS
}
