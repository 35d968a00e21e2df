// Quantiles, one place for every report (exec-gap, report daily, clv-report, the gate).

/**
 * The q-quantile (0..1) of values sorted ascending, by linear interpolation between the
 * order statistics at h = (n - 1) q (Hyndman-Fan type 7, numpy's and R's default). NaN
 * when there are none.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Nearest-rank quantile of values in any order: the smallest value with at least q of the
 * values at or below it (never interpolated: a bound checked against it is met by a value
 * that was observed). NaN when there are none.
 */
export function quantileNearestRank(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[rank - 1]!;
}
