// Binary search, written once. Every sorted-array lookup in the tree (the Kalshi book's
// price ladder, the reliability bins, the replay clock's timers) is a lower bound: the
// first index at which a predicate that holds over a prefix of the range stops holding.

/**
 * The first index i in [lo, hi) at which `before(i)` is false, or hi if there is none.
 * `before` must be true on a prefix of the range and false after it.
 */
export function partitionPoint(lo: number, hi: number, before: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** In ascending `a`, the first index in [lo, hi) whose value is >= x (x's insertion point), or hi. */
export function lowerBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
