// Jittered exponential backoff, the one definition every reconnect and retry uses: the
// delay after `attempt` failed attempts (0 for the first) is min * 2^attempt, capped at
// max, then spread uniformly over [d/2, d] by the injected randomness (Math.random live,
// seeded in tests and soak runs) so that many clients losing the same server do not all
// come back in the same millisecond.

/** The wait before the next attempt, ms. `random` is uniform in [0, 1). */
export function jitteredBackoff(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const d = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(d / 2 + (d / 2) * random());
}
